"""huey tasks of the cases context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.cases.services import cases_sweep


@db_periodic_task(crontab(minute="*"))
def cases_sweep_periodic() -> dict[str, int]:
    """Every minute, what `govhall cases_sweep` does: cases left undecided past their 5-working-day
    window are accepted (行政许可法 Art. 32) and tolerant undertakings past their deadline end or
    revoke their case. The sweeps are set-based and idempotent: two workers change each case once."""
    return cases_sweep()
