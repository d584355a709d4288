"""``govhall outbox deliver|stats|retry``: the outbox by hand or from cron (the huey task does the same)."""

from django.core.management.base import BaseCommand
from django.db.models import Count

from govhall.core import outbox
from govhall.core.models import OutboxMessage
from govhall.core.models.outbox import OutboxState
from govhall.core.tasks import deliver_all_due


class Command(BaseCommand):
    help = "消息发件箱：deliver 立即发送到期消息；stats 按状态统计；retry 重新发送失败消息"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("deliver", help="立即发送所有到期消息")
        sub.add_parser("stats", help="按状态统计")
        retry = sub.add_parser("retry", help="把失败消息放回队列")
        retry.add_argument("ids", nargs="*", type=int, help="消息编号（省略则全部失败消息）")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "deliver":
            self.stdout.write(f"已发送 {deliver_all_due()} 条")
        elif action == "stats":
            counts = dict(OutboxMessage.objects.values_list("state").annotate(n=Count("id")))
            for state in OutboxState:
                self.stdout.write(f"{state.label}\t{counts.get(state.value, 0)}")
        else:
            count = outbox.outbox_retry_failed(ids=options["ids"] or None)
            self.stdout.write(f"已重新排队 {count} 条")
