"""``govhall calendar seed`` extends the calendar; ``govhall calendar import FILE`` loads a schedule."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from govhall.core.calendar import CalendarImportError, calendar_import, calendar_seed, read_schedule
from govhall.core.errors import DomainError


class Command(BaseCommand):
    help = "工作日历：seed 延伸/刷新日历 | import 文件.xlsx|csv 导入国务院放假安排"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed", help="按 chinese-calendar 刷新正式年度，并补足至今年后3年的暂定年度")
        imp = sub.add_parser("import", help="导入放假安排（列：日期、类型 休息/上班、说明），全部成功才生效")
        imp.add_argument("file")

    def handle(self, *args, **options) -> None:
        if options["action"] == "seed":
            report = calendar_seed(actor=None)
            self.stdout.write(
                f"新增年度：{report.created_years or '无'}；刷新年度：{report.refreshed_years or '无'}；"
                f"写入 {report.days_written} 天"
            )
            return
        self._import(Path(options["file"]))

    def _import(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            self.stderr.write(f"无法读取文件：{path}")
            sys.exit(1)
        try:
            report = calendar_import(rows=read_schedule(data, path.name), actor=None)
        except CalendarImportError as exc:
            for row, column, reason in exc.errors:
                self.stderr.write(f"第{row}行 {column}：{reason}")
            self.stderr.write(f"共 {len(exc.errors)} 处错误，未导入任何数据。")
            sys.exit(1)
        except DomainError as exc:
            self.stderr.write(exc.message)
            sys.exit(1)
        self.stdout.write(
            f"已导入{report.year}年放假安排：{report.rows} 行（休息 {report.rest_days} 天，"
            f"调休上班 {report.adjusted_workdays} 天）"
        )
