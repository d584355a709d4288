"""Consultations and complaints at scale.

(a) ``complaint_file`` (online, about a department: assigned at once, deadline, audit, SMS row):
    median time and queries per call;
(b) ``complaint_counts`` by staff, window and department over one month and over a year, over
    ``--complaints`` rows (bulk-inserted over a year);
(c) the duty queue's first page (what htmx fetches every 15 s) for a centre-wide user, over
    ``--questions`` rows of which 2 % are waiting;
(d) ``inquiries_sweep`` in the steady state (nothing newly due) and with ``--due`` complaints and
    questions newly overdue.

Runs against a throw-away test database — a SQLite *file* by default, PostgreSQL with
DATABASE_URL=postgres://…:
    .venv/bin/python bench/bench_inquiries.py [--complaints 200000] [--questions 100000]
"""

import argparse
import datetime as dt
import os
import random
import statistics
import time

import throwaway


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _world(windows: int):
    from django.contrib.auth import get_user_model

    from govhall.org.models import Department, DepartmentKind, Role, Site, SiteKind, Staff, Window

    User = get_user_model()
    site = Site.objects.create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE)
    departments = Department.objects.bulk_create(
        [Department(code=f"B{i:03d}", name=f"基准局{i}", kind=DepartmentKind.STATIONED) for i in range(20)]
    )
    windows = Window.objects.bulk_create(
        [
            Window(site=site, number=str(i), name=f"窗口{i}", department=departments[i % 20])
            for i in range(windows)
        ]
    )
    users = User.objects.bulk_create([User(username=f"s{i}", kind="staff") for i in range(len(windows) + 1)])
    staff = Staff.objects.bulk_create(
        [
            Staff(
                user=u,
                employee_no=f"E{i:05d}",
                name=f"员工{i}",
                role=Role.CLERK,
                department=w.department,
                site=site,
                window=w,
            )  # fmt: skip
            for i, (u, w) in enumerate(zip(users, windows, strict=False))
        ]
    )
    manager = Staff.objects.create(
        user=users[-1],
        employee_no="M00001",
        name="管理员",
        role=Role.MANAGER,
        department=departments[0],
        site=site,
    )
    applicant = User.objects.create(username="applicant", kind="person", real_name="张三")
    return departments, windows, staff, manager.user, applicant


def _fill(departments, staff, applicant, complaints: int, questions: int, rng: random.Random) -> None:
    from django.utils import timezone

    from govhall.inquiries.models import Complaint, Question

    now = timezone.now()
    batch = []
    for i in range(complaints):
        clerk = staff[i % len(staff)]
        filed = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        batch.append(Complaint(
            number=f"B{i:09d}", channel="online", subject="staff", department_id=clerk.department_id,
            window_id=clerk.window_id, staff=clerk, content="基准投诉", complainant=applicant, filed_at=filed,
            state="closed", unit_id=clerk.department_id, assigned_at=filed, reply_due_at=filed + dt.timedelta(days=7),
            upheld=rng.random() < 0.3, replied_at=filed + dt.timedelta(days=2), closed_at=filed + dt.timedelta(days=5),
        ))  # fmt: skip
        if len(batch) == 5000:
            Complaint.objects.bulk_create(batch)
            batch = []
    Complaint.objects.bulk_create(batch)
    batch = []
    for i in range(questions):
        asked = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        waiting = i % 50 == 0
        batch.append(Question(
            asker=applicant, department=departments[i % 20], text="基准咨询", asked_at=asked,
            due_at=now + dt.timedelta(days=1) if waiting else asked + dt.timedelta(days=1),
            state="open" if waiting else "closed", first_answered_at=None if waiting else asked + dt.timedelta(hours=2),
            answer_seconds=None if waiting else 7200,
        ))  # fmt: skip
        if len(batch) == 5000:
            Question.objects.bulk_create(batch)
            batch = []
    Question.objects.bulk_create(batch)


def _timed(fn, rounds: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def _files(departments, applicant, count: int) -> tuple[float, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govhall.inquiries.services import complaint_file

    times, queries = [], []
    for i in range(count):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            complaint_file(
                content=f"投诉{i}", subject="department", department=departments[i % 20], actor=applicant
            )
            times.append(time.perf_counter() - start)
        queries.append(len(captured))
    return statistics.median(times) * 1000, statistics.median(queries)


def _make_due(applicant, departments, due: int) -> None:
    from django.utils import timezone

    from govhall.inquiries.models import Complaint, Question

    past = timezone.now() - dt.timedelta(days=20)
    Complaint.objects.bulk_create([
        Complaint(number=f"D{i:09d}", channel="online", subject="department", department=departments[i % 20],
                  content="逾期", complainant=applicant, filed_at=past, state="assigned", unit=departments[i % 20],
                  assigned_at=past, reply_due_at=past + dt.timedelta(days=7))
        for i in range(due)
    ])  # fmt: skip
    Question.objects.bulk_create([
        Question(asker=applicant, text="逾期", asked_at=past, due_at=past + dt.timedelta(days=1), state="open")
        for _ in range(due)
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--windows", type=int, default=120)
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.utils import timezone

    from govhall.inquiries import selectors
    from govhall.inquiries.sweep import inquiries_sweep

    old_name = throwaway.create()
    try:
        rng = random.Random(7)
        departments, _windows, staff, manager, applicant = _world(args.windows)
        start = time.perf_counter()
        _fill(departments, staff, applicant, args.complaints, args.questions, rng)
        print(
            f"database: {connection.vendor}; {args.complaints} complaints and {args.questions} questions "
            f"inserted in {time.perf_counter() - start:.1f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        ms, q = _files(departments, applicant, args.files)
        print(f"(a) complaint_file (online, assigned at once): median {ms:.1f} ms, {q:.0f} queries")
        today = timezone.localdate()
        for label, first in (
            ("month", today - dt.timedelta(days=30)),
            ("year", today - dt.timedelta(days=365)),
        ):
            for by in ("staff", "window", "department"):
                ms, rows = _timed(lambda f=first, b=by: selectors.complaint_counts(start=f, end=today, by=b))
                print(f"(b) complaint_counts by {by:<10} {label}: median {ms:.1f} ms ({len(rows)} rows)")
        ms, rows = _timed(lambda: list(selectors.duty_queue(manager)[:200]))
        print(f"(c) duty queue, first 200 of {args.questions // 50} waiting: median {ms:.1f} ms")
        ms, _ = _timed(lambda: inquiries_sweep())
        print(f"(d) inquiries_sweep, steady state: median {ms:.1f} ms")
        _make_due(applicant, departments, args.due)
        start = time.perf_counter()
        report = inquiries_sweep()
        print(
            f"(d) inquiries_sweep, {args.due} complaints and questions newly due: "
            f"{(time.perf_counter() - start) * 1000:.0f} ms ({report.as_dict()})"
        )
    finally:
        throwaway.destroy(old_name)


if __name__ == "__main__":
    main()
