"""``govhall seed_demo``: load the demo city centre once, then its cases; a second run changes nothing."""

from importlib import import_module

from django.core.management import CommandError, call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import IntegrityError

from govhall.demo.load_cases import CasesResult
from govhall.demo.seed import seed_demo, seed_demo_cases

_LABELS = {
    "departments": "部门",
    "sites": "服务场所",
    "townships": "乡镇（街道）便民服务中心",
    "stations": "村（社区）代办站",
    "windows": "窗口",
    "staff": "工作人员",
    "delegations": "首席代表授权",
    "users": "用户",
    "themes": "主题",
    "items": "服务事项",
    "items_cancelled": "本年取消事项",
    "preconditions": "前置条件",
    "preconditions_cancelled": "本年取消前置条件",
    "materials": "申请材料",
    "fees": "收费项目",
    "flow_steps": "办理环节",
    "faqs": "常见问题",
    "item_versions": "事项版本",
    "cases": "办件",
    "cases_history": "其中历史办件（近一年）",
    "cases_current": "其中当日办件（经业务服务办理）",
    "cases_current_refused": "未能办理的当日演示情形",
    "cases_open": "未办结（待预审、待受理、待补正、办理中、暂停、待办结）",
    "cases_concluded": "已办结",
    "cases_late": "超承诺时限办结",
    "cases_refused": "不予受理",
    "cases_withdrawn": "已撤回",
    "cases_revoked": "已撤销",
    "step_tasks_pending": "待办环节任务",
    "case_events": "办理过程记录",
    "notices": "文书",
    "applicant_accounts": "申请人账户（演示，不可登录）",
}
DEMO_CONTEXTS = ("ratings", "inquiries", "hall", "hall.queue", "staffing", "portal")
_CASE_KEYS = (
    "cases", "cases_history", "cases_current", "cases_current_refused", "cases_open", "cases_concluded",
    "cases_late", "cases_refused", "cases_withdrawn", "cases_revoked", "step_tasks_pending", "case_events",
    "notices", "applicant_accounts",
)  # fmt: skip


class Command(BaseCommand):
    help = "载入演示数据：七里市政务服务中心及其近一年的办件（幂等，重复执行不做更改）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="只载入中心（部门、场所、窗口、人员、事项），不载入演示办件（约十余秒）。",
        )

    def handle(self, *args, **options) -> None:
        try:
            result = seed_demo()
        except IntegrityError as exc:
            # Demo codes already taken by real data: the loader's transaction rolled back whole.
            raise CommandError(
                f"演示数据与数据库中已有的部门、场所或用户冲突，未做任何更改（{exc}）。"
            ) from exc
        if result.created:
            # First run only (a second run must change nothing), and before the cases: their
            # history is laid on the working days of the calendar.
            self._seed_calendar()
        cases = CasesResult(created=False) if options["no_cases"] else self._cases()
        if not options["no_cases"]:
            self._contexts()
        if result.created:
            self.stdout.write(self.style.SUCCESS("演示数据已载入：七里市政务服务中心"))
        elif cases.created:
            self.stdout.write(self.style.SUCCESS("演示中心已存在，已补充演示办件。"))
        else:
            self.stdout.write("演示数据已存在，未做任何更改。")
        for key, value in result.counts.items():
            self.stdout.write(f"  {_LABELS.get(key, key)}：{value}")
        for key in _CASE_KEYS:
            if key in cases.counts:
                self.stdout.write(f"  {_LABELS[key]}：{cases.counts[key]}")
        if cases.created:
            self.stdout.write(f"演示办件用时 {cases.seconds:.1f} 秒。")
        if cases.sample:
            number, password = cases.sample
            self.stdout.write(f"办件查询（/cases/lookup/）：办件编号 {number}，查询密码 {password}")
        if result.created:
            self.stdout.write(
                "演示账号（密码 Govhall#2026）：manager clerk chief approver inspector supervisor "
                "agent applicant enterprise trader"
            )

    def _contexts(self) -> None:
        """Each context above cases seeds its own demo rows (``<context>.demo.seed()``, idempotent:
        it returns {label: count} of what it wrote, empty when the rows were already there)."""
        for name in DEMO_CONTEXTS:
            try:
                module = import_module(f"govhall.{name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"govhall.{name}.demo":
                    raise
                continue
            for label, count in module.seed().items():
                self.stdout.write(f"  {label}：{count}")

    def _cases(self):
        try:
            return seed_demo_cases()
        except IntegrityError as exc:
            # Another loader's cases committed first: this one's history rolled back whole.
            raise CommandError(f"演示办件与数据库中已有的办件冲突，未载入演示办件（{exc}）。") from exc

    def _seed_calendar(self) -> None:
        # The working-day calendar is seeded by a migration; the command (if present) only tops it up.
        if "calendar" not in get_commands():
            return
        try:
            call_command("calendar", "seed", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stderr.write(f"工作日历未更新：{exc}")
