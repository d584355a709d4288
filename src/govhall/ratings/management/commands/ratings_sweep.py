"""`govhall ratings_sweep`: SMS invitations for cases unrated 3 days after conclusion, and the
overdue flag of bad-rating rectifications past their 15-working-day deadline (idempotent)."""

from django.core.management.base import BaseCommand

from govhall.ratings.services import ratings_sweep

LABELS = {"invited": "发送评价邀请短信", "overdue": "标记整改逾期"}


class Command(BaseCommand):
    help = "好差评扫描：办结3日未评价的办件发送评价邀请短信；差评整改超过期限的标记逾期"

    def handle(self, *args, **options):
        for key, count in ratings_sweep().items():
            self.stdout.write(f"{LABELS.get(key, key)}：{count}")
