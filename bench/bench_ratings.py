"""好差评 at scale: submitting a rating, and the set-based scores over a large rating table.

(a) ``rating_submit`` of a window service (pad, with the audit chain; every 10th one bad, which
    opens its rectification): median time and queries per call;
(b) ``rating_scores`` by window and by department over one month and over a year, and the public
    page's overall and per-channel figures, over ``--ratings`` rows (bulk-inserted over a year).

Runs against a throw-away test database — a SQLite *file* by default, PostgreSQL with
DATABASE_URL=postgres://…:
    .venv/bin/python bench/bench_ratings.py [--ratings 200000] [--submits 200]
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
    from govhall.org.models import Department, DepartmentKind, Site, SiteKind, Window

    site = Site.objects.create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE)
    departments = Department.objects.bulk_create(
        [Department(code=f"B{i:03d}", name=f"基准局{i}", kind=DepartmentKind.STATIONED) for i in range(20)]
    )
    return Window.objects.bulk_create(
        [
            Window(site=site, number=str(i), name=f"窗口{i}", department=departments[i % 20])
            for i in range(windows)
        ]
    )


def _fill(windows, n: int, rng: random.Random) -> None:
    from django.utils import timezone

    from govhall.ratings.models import Rating

    now = timezone.now()
    batch = []
    for i in range(n):
        window = windows[i % len(windows)]
        batch.append(Rating(
            level=rng.choices((1, 2, 3, 4, 5), (70, 20, 7, 2, 1))[0], channel=rng.choice(("pad", "qr", "pc", "sms")),
            window=window, department_id=window.department_id, service_ref=f"b:{i}",
            created_at=now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60)),
        ))  # fmt: skip
        if len(batch) == 5000:
            Rating.objects.bulk_create(batch)
            batch = []
    Rating.objects.bulk_create(batch)


def _timed(fn, rounds: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def _submits(windows, count: int) -> tuple[float, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govhall.ratings.services import rating_submit

    times, queries = [], []
    for i in range(count):
        window = windows[i % len(windows)]
        bad = i % 10 == 9
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            rating_submit(
                level=5 if bad else 1, channel="pad", actor=None, window=window, service_ref=f"s:{i}"
            )
            times.append(time.perf_counter() - start)
        queries.append(len(captured))
    return statistics.median(times) * 1000, statistics.median(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ratings", type=int, default=200_000)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--windows", type=int, default=120)
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.utils import timezone

    from govhall.ratings import selectors

    old_name = throwaway.create()
    try:
        rng = random.Random(7)
        windows = _world(args.windows)
        start = time.perf_counter()
        _fill(windows, args.ratings, rng)
        print(
            f"database: {connection.vendor}; {args.ratings} ratings inserted in {time.perf_counter() - start:.1f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        median_ms, median_q = _submits(windows, args.submits)
        print(f"(a) rating_submit (pad, 1 in 10 bad): median {median_ms:.1f} ms, {median_q:.0f} queries")
        today = timezone.localdate()
        month, year = today - dt.timedelta(days=30), today - dt.timedelta(days=365)
        for label, start_day in (("month", month), ("year", year)):
            for by in ("window", "department"):
                ms, scores = _timed(
                    lambda s=start_day, b=by: selectors.rating_scores(start=s, end=today, by=b)
                )
                print(f"(b) rating_scores by {by:<10} {label}: median {ms:.1f} ms ({len(scores)} rows)")
        ms, _ = _timed(lambda: selectors.overall_score(start=year, end=today))
        print(f"(b) overall score, year: median {ms:.1f} ms")
        ms, _ = _timed(lambda: selectors.channel_scores(start=year, end=today))
        print(f"(b) channel scores, year: median {ms:.1f} ms")
    finally:
        throwaway.destroy(old_name)


if __name__ == "__main__":
    main()
