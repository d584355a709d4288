"""huey tasks of the shared kernel (djhuey imports every installed app's ``tasks`` module).

The outbox is delivered two ways: ``deliver_outbox_soon`` is queued by ``outbox.enqueue`` right
after the business transaction commits, so messages leave within seconds while a consumer runs;
``deliver_outbox_periodic`` sweeps every minute and catches anything the first way missed (the
queue was down at commit, a lease expired, a retry came due). Both only call
``outbox.deliver_pending``, which is safe to run in any number of workers at once.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govhall.core import outbox

# Rows per claim; a sweep keeps claiming until a batch comes back short.
BATCH = 100
# One sweep stops after this many batches so that a flood cannot hold a worker forever.
MAX_BATCHES = 50


def deliver_all_due() -> int:
    sent = 0
    for _ in range(MAX_BATCHES):
        sent_now = outbox.deliver_pending(limit=BATCH)
        sent += sent_now
        if sent_now < BATCH:
            break
    return sent


@db_task()
def deliver_outbox_soon() -> int:
    return outbox.deliver_pending(limit=BATCH)


@db_periodic_task(crontab(minute="*"))
def deliver_outbox_periodic() -> int:
    return deliver_all_due()
