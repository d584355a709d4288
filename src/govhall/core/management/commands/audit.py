"""``govhall audit verify`` and ``govhall audit prune [--days N]`` (CONTRACTS.md)."""

from django.core.management.base import BaseCommand, CommandError

from govhall.core import audit
from govhall.core.errors import DomainError


class Command(BaseCommand):
    help = "审计链：verify 校验哈希链；prune 按保存期限清理（至少 184 天）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="逐条重算哈希并核对前后链接")
        verify.add_argument("--batch-size", type=int, default=audit.VERIFY_BATCH)
        prune = sub.add_parser("prune", help="清理超过保存期限的审计记录")
        prune.add_argument("--days", type=int, default=None, help="保存天数（默认取配置，不少于 184）")

    def handle(self, *args, **options):
        if options["action"] == "verify":
            self._verify(options["batch_size"])
        else:
            self._prune(options["days"])

    def _verify(self, batch_size: int) -> None:
        result = audit.verify_chain(batch_size=max(batch_size, 1))
        if result.intact:
            origin = f"（自检查点 #{result.start_after_id} 之后）" if result.start_after_id else ""
            self.stdout.write(f"已校验 {result.checked} 条{origin}，审计链完整")
            return
        broken = result.broken
        raise CommandError(
            f"审计链不完整：第一条异常记录 #{broken.event_id}，事件 {broken.action}，"
            f"时间 {broken.occurred_at.isoformat()}；{broken.reason}（此前已校验 {result.checked} 条）",
            returncode=1,
        )

    def _prune(self, days: int | None) -> None:
        try:
            checkpoint = audit.audit_prune(days=days)
        except DomainError as error:
            raise CommandError(error.message, returncode=1) from error
        if checkpoint is None:
            self.stdout.write("没有超过保存期限的审计记录")
            return
        self.stdout.write(
            f"已清理 {checkpoint.pruned_count} 条（截至 #{checkpoint.last_event_id}），检查点已记录"
        )
