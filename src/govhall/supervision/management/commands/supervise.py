"""`govhall supervise`: one sweep now; prints what each phase changed (CONTRACTS.md, exit 0)."""

from django.core.management.base import BaseCommand, CommandError

from govhall.supervision.sweep import SweepFailed, sweep_run


class Command(BaseCommand):
    help = "电子监察扫描：办件与环节时限亮灯（黄牌/红牌）、视为受理、容缺逾期、工作日历提醒"

    def handle(self, *args, **options):
        try:
            report = sweep_run()
        except SweepFailed as failed:
            for line in failed.report.lines():
                self.stdout.write(line)
            raise CommandError(f"sweep {failed.report.run} failed: {failed}") from failed
        for line in report.lines():
            self.stdout.write(line)
