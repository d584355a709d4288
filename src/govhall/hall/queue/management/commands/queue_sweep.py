"""`govhall queue_sweep`: close the open tickets of earlier days now (idempotent); exit 0."""

from django.core.management.base import BaseCommand

from govhall.hall.queue.sweep import tickets_expire


class Command(BaseCommand):
    help = "排队号票清理：前一日及更早仍未结束的号票关闭（未办理的记为过号，办理中的记为已办结），可重复执行"

    def handle(self, *args, **options):
        counts = tickets_expire()
        if not counts:
            self.stdout.write("stale tickets: 0")
        for state, count in counts.items():
            self.stdout.write(f"{state}: {count}")
        self.stdout.write(f"total: {sum(counts.values())}")
