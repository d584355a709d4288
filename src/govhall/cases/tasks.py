"""huey tasks of the cases context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.cases.services import cases_deem_accepted


@db_periodic_task(crontab(minute="*"))
def deem_accepted_periodic() -> int:
    """行政许可法 Art. 32: every minute, cases left undecided past their 5-working-day window are accepted.

    The sweep is set-based and idempotent, so two workers running it at once change each case once.
    """
    return cases_deem_accepted()
