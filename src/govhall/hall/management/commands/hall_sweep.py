"""`govhall hall_sweep`: one appointments sweep now (slots, no-shows and blocks, reminders); exit 0."""

from django.core.management.base import BaseCommand

from govhall.hall.sweep import sweep_run


class Command(BaseCommand):
    help = "预约扫描：生成未来工作日的预约时段、标记爽约并暂停多次爽约者预约、发送前一日提醒短信（幂等）"

    def handle(self, *args, **options):
        for line in sweep_run().lines():
            self.stdout.write(line)
