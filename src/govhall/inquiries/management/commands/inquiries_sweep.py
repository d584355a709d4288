"""`govhall inquiries_sweep`: one inquiries sweep now; prints what each phase changed (exit 0)."""

from django.core.management.base import BaseCommand

from govhall.inquiries.sweep import inquiries_sweep


class Command(BaseCommand):
    help = "咨询投诉扫描：超时未答咨询标记、逾期投诉升级、答复后逾期未评价投诉办结"

    def handle(self, *args, **options):
        for line in inquiries_sweep().lines():
            self.stdout.write(line)
