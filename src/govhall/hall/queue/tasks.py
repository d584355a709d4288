"""huey tasks of the queue (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.hall.queue.sweep import tickets_expire


@db_periodic_task(crontab(minute="5,35"))
def queue_sweep_periodic() -> dict[str, int]:
    """Every 30 minutes (at :05 and :35), what `govhall queue_sweep` does: the open tickets of
    earlier days are closed (ADR 0016). Idempotent and cheap when nothing is stale, so a worker
    that was down at midnight catches up within half an hour."""
    return tickets_expire()
