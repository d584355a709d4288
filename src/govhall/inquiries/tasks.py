"""huey tasks of the inquiries context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.inquiries.sweep import inquiries_sweep


@db_periodic_task(crontab(minute="*"))
def inquiries_sweep_periodic() -> dict:
    """Every minute: overdue questions flagged, overdue complaints escalated, unrated replies closed."""
    return inquiries_sweep().as_dict()
