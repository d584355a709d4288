"""``govhall seed_demo``: load the demo city centre once; a second run changes nothing."""

from django.core.management import CommandError, call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import IntegrityError

from govhall.demo.seed import seed_demo

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
}


class Command(BaseCommand):
    help = "载入演示数据：七里市政务服务中心（幂等，重复执行不做更改）。"

    def handle(self, *args, **options) -> None:
        try:
            result = seed_demo()
        except IntegrityError as exc:
            # Demo codes already taken by real data: the loader's transaction rolled back whole.
            raise CommandError(
                f"演示数据与数据库中已有的部门、场所或用户冲突，未做任何更改（{exc}）。"
            ) from exc
        if result.created:
            self._seed_calendar()  # first run only: a second run must change nothing
            self.stdout.write(self.style.SUCCESS("演示数据已载入：七里市政务服务中心"))
        else:
            self.stdout.write("演示数据已存在，未做任何更改。")
        for key, value in result.counts.items():
            self.stdout.write(f"  {_LABELS.get(key, key)}：{value}")
        if result.created:
            self.stdout.write(
                "演示账号（密码 Govhall#2026）：manager clerk chief approver inspector supervisor "
                "agent applicant enterprise trader"
            )

    def _seed_calendar(self) -> None:
        # The working-day calendar is seeded by a migration; the command (if present) only tops it up.
        if "calendar" not in get_commands():
            return
        try:
            call_command("calendar", "seed", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stderr.write(f"工作日历未更新：{exc}")
