"""Call-next throughput: N windows calling at once on PostgreSQL (SKIP LOCKED), zero duplicates.

Each window is one thread with its own connection and its own clerk; it calls the next ticket and
marks it a no-show (the window must be free to call again: one person at a time), until the queue
is empty. ``calls/s`` = tickets called ÷ wall time of the round (both statements included).
Each round starts from 2,000 fresh waiting tickets after a VACUUM (autovacuum's job between days).
Every round checks that every ticket was called exactly once.

Runs against a throw-away test database on PostgreSQL (DATABASE_URL=postgres://…; skipped on
SQLite, which has one writer):
    .venv/bin/python bench/bench_queue.py [--windows 20] [--tickets 2000] [--rounds 3]
"""

import argparse
import os
import statistics
import threading
import time
from datetime import timedelta


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _world(windows: int):
    from django.contrib.auth import get_user_model

    from govhall.hall.queue import services
    from govhall.org.models import Department, DepartmentKind, Role, Site, SiteKind, Staff, Window

    site = Site.objects.create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE)
    dept = Department.objects.create(code="ZWZX", name="政务服务中心", kind=DepartmentKind.CENTRE)
    biz_a = services.business_create(
        site=site, code="A", name="综合受理", prefix="A", daily_cap=999, actor=None
    )
    biz_b = services.business_create(
        site=site, code="B", name="企业开办", prefix="B", daily_cap=999, actor=None
    )
    desks = []
    for k in range(windows):
        window = Window.objects.create(
            site=site, number=f"{k + 1:02d}", name=f"综合受理{k + 1}", department=dept
        )
        services.window_business_set(window=window, business=biz_a, priority=1 + k % 2, actor=None)
        services.window_business_set(window=window, business=biz_b, priority=2 - k % 2, actor=None)
        user = get_user_model().objects.create_user(username=f"bench_clerk{k}", password=None)
        Staff.objects.create(
            user=user, employee_no=f"BQ{k:03d}", name=f"窗口{k}", role=Role.CLERK, department=dept, site=site,
            window=window,
        )  # fmt: skip
        services.window_open(window=window, actor=user)
        desks.append((window, user))
    return (biz_a, biz_b), desks


def _tickets(businesses, n: int, round_no: int) -> None:
    """``n`` waiting tickets in both businesses and all lanes (bulk: issuing is not measured)."""
    from django.utils import timezone

    from govhall.core import crypto
    from govhall.hall.queue.models import Ticket

    now, day = timezone.now(), timezone.localdate()
    lanes = [3] * 7 + [2, 1, 0]
    Ticket.objects.bulk_create(
        Ticket(
            site_id=businesses[i % 2].site_id, business=businesses[i % 2], day=day,
            number=f"{chr(65 + round_no)}{i:04d}"[:5], lane=lanes[i % 10],
            id_number_digest=crypto.keyed_digest(f"bench-{round_no}-{i}"), issued_at=now - timedelta(seconds=n - i),
        )
        for i in range(n)
    )  # fmt: skip


def _round(desks) -> tuple[float, list[int], list[Exception]]:
    from django.db import connections

    from govhall.hall.queue import calling

    called: list[int] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(desks) + 1)

    def work(window, clerk) -> None:
        mine = []
        try:
            barrier.wait()
            while (ticket := calling.ticket_call_next(window=window, actor=clerk)) is not None:
                mine.append(ticket.pk)
                calling.ticket_no_show(ticket=ticket, actor=clerk)
        except Exception as error:  # noqa: BLE001 - counted and printed
            errors.append(error)
        finally:
            with lock:
                called.extend(mine)
            connections.close_all()

    threads = [threading.Thread(target=work, args=desk) for desk in desks]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, called, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from govhall.hall.queue.models import Ticket

    if connection.vendor != "postgresql":
        print("bench_queue: needs PostgreSQL (DATABASE_URL=postgres://…); SQLite has one writer — skipped")
        return

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        businesses, desks = _world(args.windows)
        rates, duplicates = [], 0
        for r in range(args.rounds):
            Ticket.objects.all().delete()
            _tickets(businesses, args.tickets, r)
            if connection.vendor == "postgresql":  # what autovacuum does between two days of a hall
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE hall_queue_ticket, hall_queue_ticketevent")
            seconds, called, errors = _round(desks)
            duplicates += len(called) - len(set(called))
            missing = args.tickets - len(set(called))
            rates.append(len(called) / seconds)
            print(f"round {r + 1}: {len(called)} calls in {seconds:.2f} s = {rates[-1]:.0f} calls/s, "
                  f"missing={missing}, errors={len(errors)}{' ' + repr(errors[0]) if errors else ''}")  # fmt: skip
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{connection.vendor}, {args.windows} windows, {args.tickets} tickets, load average {load}: "
              f"calls/s median {statistics.median(rates):.0f} (min {min(rates):.0f}, max {max(rates):.0f}), "
              f"duplicates={duplicates}")  # fmt: skip
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
