"""Two sweeps at once in two real processes (PostgreSQL): no card and no SMS is ever doubled.

Each process is ``govhall supervise`` run through a small wrapper that moves its clock to the
same instant and pauses inside each colour phase, so the two sweeps really overlap. With the
advisory lock the second one skips the locked phases; without it (the lock turned off in both)
the statements alone must keep every clock, card and SMS single.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from govhall.core.models import OutboxMessage
from govhall.supervision.models import ClockWatch, Warning
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.postgres
CASES = 12
WRAPPER = textwrap.dedent(
    """
    import datetime as dt, os, pathlib, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django
    django.setup()
    # Start together: Django's setup can take seconds longer in one process on a loaded machine.
    barrier = pathlib.Path(sys.argv[3])
    (barrier / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    import time_machine
    from django.core.management import call_command
    from govhall.supervision import sweep

    sweep.USE_LOCK = sys.argv[2] == "lock"
    sweep._hook = lambda name: time.sleep(1.5) if name.endswith(":moved") else None
    with time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=False):
        call_command("supervise")
    """
)


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _two_sweeps_at_once(instant, lock: str, barrier) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "GOVHALL_VAR_DIR": str(settings.VAR_DIR),
           "GOVHALL_HUEY_IMMEDIATE": "0"}  # fmt: skip
    args = [sys.executable, "-c", WRAPPER, instant.isoformat(), lock, str(barrier)]
    processes = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


@pytest.mark.parametrize("lock", ["lock", "no-lock"])
def test_two_sweeps_in_two_processes_raise_each_card_and_sms_once(
    postgres_only, transactional_db, lock, tmp_path
):
    w = sf.world()
    cases = [w.accept(at(9, 23, 10)) for _ in range(CASES)]
    results = _two_sweeps_at_once(at(10, 9), lock, tmp_path)
    for result in results:
        assert result.returncode == 0, result.stderr
    outputs = "\n".join(r.stdout for r in results)
    if lock == "lock":
        assert "case_clocks: skipped" in outputs  # the second sweep found the first at work
    else:
        assert "skipped" not in outputs  # both ran every statement, at the same time
    raised = [int(m) for m in re.findall(r"clocks: .*warnings_raised (\d+)", outputs)]
    assert sum(raised) == 2 * CASES  # between them, the two sweeps raised each card once
    # Every case: promised red, its 审核 step red — one watch row, one card each.
    assert ClockWatch.objects.count() == Warning.objects.count() == 2 * CASES
    keys = Counter(Warning.objects.values_list("rule", "case_id", "step_id", "level"))
    assert set(keys.values()) == {1} and len(keys) == 2 * CASES
    assert {sf.level(c, "promised_limit") for c in cases} == {"red"}
    # SMS: one per sweep, family and recipient, and each card told once to each of its recipients —
    # the clerk and the chief of each case card, the chief of each step card (a pool task).
    sms = list(OutboxMessage.objects.filter(topic="supervision_warning"))
    keys = [m.dedupe_key for m in sms]
    assert len(keys) == len(set(keys))
    told = Counter()
    for message in sms:
        _prefix, _run, family, user = message.dedupe_key.split(":")
        told[(family, int(user))] += sf.cards_told(message)
    assert told == {
        ("case_clocks", w.clerk.pk): CASES,
        ("case_clocks", w.chief.pk): CASES,
        ("step_clocks", w.chief.pk): CASES,
    }
    if lock == "lock":
        assert len(sms) == 3  # one sweep raised every card: one digest per family and recipient


KILLED = textwrap.dedent(
    """
    import datetime as dt, os, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django
    django.setup()
    import time_machine
    from django.core.management import call_command
    from govhall.supervision import sweep

    sweep._hook = lambda name: time.sleep(600) if name == "step_clocks:raised" else None
    with time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=False):
        call_command("supervise")
    """
)


def _wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_sweep_process_killed_inside_a_phase_leaves_it_undone(postgres_only, transactional_db):
    """SIGKILL while the step phase holds its cards uncommitted: PostgreSQL rolls the phase back,
    the case phase (committed) stays, and the next sweep completes the step phase once."""
    w = sf.world()
    cases = [w.accept(at(9, 23, 10)) for _ in range(3)]
    env = {**os.environ, "DATABASE_URL": _database_url(), "GOVHALL_VAR_DIR": str(settings.VAR_DIR)}
    process = subprocess.Popen([sys.executable, "-c", KILLED, at(10, 9).isoformat()], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        case_phase = _wait_for(lambda: Warning.objects.filter(rule="promised_limit").count() == 3)
        step_phase = case_phase and _wait_for(lambda: _step_cards_pending(), 30)
    finally:
        process.send_signal(signal.SIGKILL)
        _out, err = process.communicate(timeout=30)
    assert case_phase, f"the case phase never committed: {err}"
    assert step_phase, f"the step phase never reached its cards: {err}"
    assert not ClockWatch.objects.filter(rule="step_limit").exists()
    assert not Warning.objects.filter(rule="step_limit").exists()
    sms = OutboxMessage.objects.filter(topic="supervision_warning").count()
    assert sms == 2  # the case cards' digests only (the clerk's and the chief's)
    report = sf.sweep_at(at(10, 9, 0, 1))
    assert report.phases["step_clocks"]["warnings_raised"] == 3
    assert report.phases["case_clocks"]["warnings_raised"] == 0
    assert {sf.level(c, "step_limit", sf.step_of(c)) for c in cases} == {"red"}
    step_sms = OutboxMessage.objects.filter(topic="supervision_warning", dedupe_key__contains=":step_clocks:")
    assert [sf.cards_told(m) for m in step_sms] == [3]  # the chief's digest of the three step cards
    assert OutboxMessage.objects.filter(topic="supervision_warning").count() == sms + 1


def _step_cards_pending() -> bool:
    """The killed sweep's step phase has inserted its cards and sits, uncommitted, at the hook."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle in transaction' "
            "AND query LIKE %s AND query LIKE %s",
            ["%INSERT INTO supervision_warning%", "%w.case_id, w.step_id%"],  # the step family's
        )
        return cursor.fetchone()[0] > 0
