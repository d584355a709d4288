"""huey tasks of the ratings context (djhuey imports every installed app's ``tasks`` module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.ratings.services import ratings_sweep


@db_periodic_task(crontab(minute="*/10"))
def ratings_sweep_periodic() -> dict[str, int]:
    """Every ten minutes, what `govhall ratings_sweep` does: invite cases unrated 3 days after their
    conclusion (one SMS each, ever) and flag overdue rectifications. Set-based and idempotent:
    two workers running it at once invite and flag each row once."""
    return ratings_sweep()
