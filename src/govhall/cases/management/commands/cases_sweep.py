"""Idempotent sweeps: deemed acceptance (行政许可法 Art. 32) and tolerant undertakings past their
deadline (容缺受理). Safe to run as often as wanted; the huey periodic task runs the same."""

from django.core.management.base import BaseCommand

from govhall.cases.services import cases_sweep


class Command(BaseCommand):
    help = "办件定时处理：逾期视为受理；容缺受理承诺逾期未履行的办件终止或撤销"

    def handle(self, *args, **options):
        for name, count in cases_sweep().items():
            self.stdout.write(f"{name}: {count}")
