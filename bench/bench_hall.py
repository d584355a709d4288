"""Appointments: the morning rush on one window's day, and the no-show sweep afterwards.

(a) rush: ``--people`` real-name applicants in ``--threads`` threads (each its own connection) book
    the first bookable day of one window (``--periods`` periods × ``--capacity`` places) until
    every place is gone; each booking is one durable transaction (rules, the conditional UPDATE of
    the slot's counter, the appointment, audit, SMS outbox row). Prints bookings/s, the median and
    p95 latency of a successful booking, and checks that no slot is overbooked;
(b) sweep: every booking left unattended, the sweep run after the day's end (no-shows, blocks).

Runs against a throw-away test database (PostgreSQL with DATABASE_URL=postgres://…; SQLite works
but has one writer):
    .venv/bin/python bench/bench_hall.py [--people 300] [--threads 8] [--periods 6] [--capacity 40]
"""

import argparse
import datetime as dt
import os
import statistics
import threading
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _ric(n: int) -> str:
    from govhall.core.identity import ric_check_char

    body = f"5101051980{n // 1000 % 12 + 1:02d}01{n % 1000:03d}"  # a birth month per thousand
    return body + ric_check_char(body)


def _world(people: int, periods: int, capacity: int):
    from django.contrib.auth import get_user_model

    from govhall.catalog.services import item_create, item_set_windows
    from govhall.core.personal import user_set_identity
    from govhall.hall.schedule import Period, slot_template_set
    from govhall.org import services as org
    from govhall.org.models import DepartmentKind, Role, SiteKind

    site = org.site_create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE, actor=None)
    dept = org.department_create(code="SCJ", name="市场监督管理局", kind=DepartmentKind.STATIONED, actor=None)
    window = org.window_create(site=site, number="01", name="综合受理", department=dept, actor=None)
    manager = org.staff_create(
        username="bench_manager", name="陈主任", role=Role.MANAGER, department=dept, site=site, window=None,
        mobile="13800000001", password=None, actor=None,
    ).user  # fmt: skip
    item = item_create(data=_item_data(dept), materials=[], fees=[], flow=[], actor=None)
    item_set_windows(item=item, windows=[window], actor=None)
    hours = [Period(dt.time(8 + k), dt.time(9 + k), capacity) for k in range(periods)]
    slot_template_set(window=window, periods=hours, actor=manager)
    users = []
    for n in range(people):
        user = get_user_model().objects.create_user(username=f"bench_p{n}", password=None, kind="person")
        name = "张" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰巳午未申酉戌亥"[n // 10 % 12]
        user_set_identity(user=user, real_name=name, id_number=_ric(n), mobile=f"139{n:08d}", actor=None)
        users.append(user)
    return window, item, users


def _item_data(dept) -> dict:
    from decimal import Decimal

    return {
        "code": "11510100MB0000001X-001", "name": "食品经营许可证核发", "item_type": "01", "department": dept,
        "service_objects": "12", "case_kind": 2, "legal_limit": Decimal(20), "promised_limit": Decimal(5),
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    }  # fmt: skip


def _rush(window, item, users, threads: int) -> tuple[float, list[float], dict[str, int]]:
    from django.db import connections
    from django.utils import timezone

    from govhall.core.errors import DomainError
    from govhall.hall.models import Slot
    from govhall.hall.schedule import bookable_days
    from govhall.hall.services import appointment_book

    day = bookable_days(timezone.localdate())[0]
    slots = list(Slot.objects.filter(window=window, day=day).order_by("start"))
    latencies, refusals, lock = [], {}, threading.Lock()
    barrier = threading.Barrier(threads)

    def run(mine):
        barrier.wait()
        try:
            for k, user in enumerate(mine):
                for slot in slots[k % len(slots) :] + slots[: k % len(slots)]:
                    started = time.perf_counter()
                    try:
                        appointment_book(slot=slot, item=item, actor=user)
                    except DomainError as error:
                        with lock:
                            refusals[error.code] = refusals.get(error.code, 0) + 1
                        continue
                    with lock:
                        latencies.append(time.perf_counter() - started)
                    break
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(users[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, latencies, refusals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--capacity", type=int, default=40)
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from govhall.hall.models import Appointment, Slot
    from govhall.hall.sweep import sweep_run

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        window, item, users = _world(args.people, args.periods, args.capacity)
        seconds, latencies, refusals = _rush(window, item, users, args.threads)
        places = args.periods * args.capacity
        booked = Appointment.objects.count()
        overbooked = Slot.objects.filter(booked__gt=F("capacity")).count()
        counted = sum(Slot.objects.values_list("booked", flat=True))
        p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1] if latencies else 0.0
        print(f"rush ({connection.vendor}, {args.threads} threads): {booked} bookings of {places} places "
              f"by {len(users)} people in {seconds:.2f} s = {booked / seconds:.0f} bookings/s; "
              f"median {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms; "
              f"refused {refusals}; overbooked slots {overbooked}; counter {counted} = rows {booked}")  # fmt: skip
        after = timezone.now() + dt.timedelta(days=10)
        started = time.perf_counter()
        report = sweep_run(now=after)
        print(f"sweep after the day: {report.no_shows} no-shows, {report.blocks} blocks in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        if overbooked or counted != booked or booked != min(places, len(users)):
            raise SystemExit("FAILED: the counter and the bookings disagree")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
