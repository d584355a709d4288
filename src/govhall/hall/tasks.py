"""huey tasks of the appointments context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.hall.sweep import sweep_run


@db_periodic_task(crontab(minute="*/5"))
def hall_sweep_periodic() -> dict:
    """Every 5 minutes: slots for the coming working days, no-shows and blocks, reminder SMS.

    Idempotent and safe in parallel: every row moves by a conditional UPDATE (sweep.py).
    """
    return sweep_run().as_dict()
