"""``govhall workdays add DATE N`` / ``between A B`` / ``is DATE`` (CONTRACTS.md: keep stable)."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandParser

from govhall.core import workdays
from govhall.core.errors import DomainError

BAD_INPUT = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(f"“{text}”不是有效日期，应为 YYYY-MM-DD", code="workdays_bad_date") from None


class Command(BaseCommand):
    help = "工作日计算：add 日期 天数 | between 日期A 日期B | is 日期"
    requires_system_checks: list = []  # a pure calculation; keep the CLI contract fast and independent

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="日期之后第 N 个工作日（起算日不计入，民法典第201条）")
        add.add_argument("date")
        add.add_argument("n")
        between = sub.add_parser("between", help="(A, B] 之间的工作日数")
        between.add_argument("a")
        between.add_argument("b")
        is_ = sub.add_parser("is", help="某日是否为工作日")
        is_.add_argument("date")

    def handle(self, *args, **options) -> None:
        try:
            self.stdout.write(self._run(options))
        except DomainError as exc:
            self.stderr.write(exc.message)
            sys.exit(BAD_INPUT)

    def _run(self, options: dict) -> str:
        action = options["action"]
        if action == "add":
            end = workdays.add_workdays(_date(options["date"]), workdays.to_amount(options["n"]))
            return f"{end:%Y-%m-%d}"
        if action == "between":
            return str(workdays.workdays_between(_date(options["a"]), _date(options["b"])))
        return "工作日" if workdays.is_workday(_date(options["date"])) else "休息日"
