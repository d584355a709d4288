"""Idempotent sweep: deemed acceptance (行政许可法 Art. 32). Safe to run as often as wanted."""

from django.core.management.base import BaseCommand

from govhall.cases.services import cases_deem_accepted


class Command(BaseCommand):
    help = "视为受理：收件满 5 个工作日仍未处理的办件自收件之日起受理"

    def handle(self, *args, **options):
        count = cases_deem_accepted()
        self.stdout.write(f"deemed accepted: {count}")
