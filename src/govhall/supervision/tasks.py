"""huey tasks of the supervision context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.supervision.sweep import sweep_run


@db_periodic_task(crontab(minute="*"))
def supervise_periodic() -> dict:
    """Every minute: clock colours, cards and their SMS, deemed acceptance, undertakings, calendar.

    Two workers running it at once are safe: the second skips the locked phases, and every
    statement is idempotent anyway (docs/adr/0010-supervision-sweep.md).
    """
    return sweep_run().as_dict()
