"""`govhall grades PERIOD [--level L] [--json]`: one period's grades (2026Q4 or 2026-11), best first."""

import json

from django.core.management.base import BaseCommand, CommandError

from govhall.core.errors import DomainError
from govhall.supervision import grading


def _value(value, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


class Command(BaseCommand):
    help = "绩效评估：打印一个考核期（季度如2026Q4，月份如2026-11）各单位的得分与等次"

    def add_arguments(self, parser):
        parser.add_argument("period", help="2026Q4 或 2026-11")
        parser.add_argument("--level", default="department", choices=sorted(grading.LEVELS))
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        try:
            report = grading.grades_for(options["period"], options["level"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{report.period.label}（{report.period.code}） {grading.LEVELS[report.level]}绩效评估"
        )
        self.stdout.write("名次\t单位\t办结\t按时率\t平均用时/承诺(工作日)\t黄牌\t红牌\t得分\t等次")
        for rank, g in enumerate(report.rows, start=1):
            f = g.figures
            self.stdout.write(
                f"{rank}\t{g.unit_name}\t{f.concluded}\t{_value(g.on_time_rate, '%')}\t"
                f"{_value(g.avg_used)}/{_value(g.avg_promised)}\t{f.yellow}\t{f.red}\t{g.score}\t{g.grade_label}"
            )
        if not report.rows:
            self.stdout.write("（本期无办件、无预警）")
        for note in report.notes:
            self.stdout.write(f"注：{note}")
