"""The supervision sweep on N open cases: a full first sweep and a steady-state sweep, with query plans.

Runs against a throw-away test database (PostgreSQL with DATABASE_URL=postgres://…; SQLite works for
small N):
    .venv/bin/python bench/bench_supervise.py [--cases 100000] [--runs 3] [--no-explain] [--keepdb]

--keepdb keeps a database per size (bench_<db>_<cases>) and reuses its cases on the next run (1M
cases take minutes to insert); the supervision tables are emptied at the end. The PostgreSQL
settings the run used are printed first (the sweep needs no change to the defaults).

Reference data (departments, staff, items) goes through the services; the cases, their active
step, its pending task and the acceptance event are bulk-inserted with one INSERT … SELECT each
(generate_series on PostgreSQL), with these spreads (natural time stands in for working time —
the sweep only compares stored instants):
- promised limit 5, 10 or 20 days, legal 20; the elapsed share of the limit is 1.05·u² (u uniform):
  open cases are mostly young, ~10 % are in the last 20 % of their limit (yellow), ~2.4 % overdue;
- 3 % paused (supplement: no deadline columns), 2 % decided (no active step);
- one active step per accepted or paused case, limit 2, 3 or 5 days, the same elapsed spread
  (yellow with one day left: ~21 % of steps), its task in the department pool or (half) assigned.

"full" is the first sweep over that population (every non-normal clock gets its row, card and SMS);
it is repeated on emptied supervision tables. "steady" is a sweep one minute after the previous one
(a few clocks cross a threshold; incremental: docs/adr/0010). "hourly full comparison" is the full
comparison the sweep makes at least hourly in steady state; the first one runs at the last steady
instant and must find nothing the incremental runs missed. Medians of --runs runs; with EXPLAIN
(ANALYZE, BUFFERS, WAL) of every set-based statement of a steady and of a first sweep on PostgreSQL.
"""

import argparse
import datetime as dt
import os
import statistics
import time
from decimal import Decimal

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DEPARTMENTS = 20
DAY = 86400


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _pg() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _world() -> tuple[list[int], int]:
    """Departments with a clerk, an approver and a chief each; one item per department."""
    from govhall.catalog.services import item_create
    from govhall.org.models import DepartmentKind, Role, SiteKind
    from govhall.org.services import department_create, site_create, staff_create

    site = site_create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE, actor=None)
    items, n = [], 0
    for d in range(DEPARTMENTS):
        dept = department_create(
            code=f"B{d:02d}", name=f"基准局{d:02d}", kind=DepartmentKind.STATIONED, actor=None
        )
        for role in (Role.CLERK, Role.APPROVER, Role.CHIEF):
            n += 1
            staff_create(username=f"bench{n}", name=f"人员{n}", role=role, department=dept, site=site,
                         mobile=f"1390013{n:04d}", actor=None)  # fmt: skip
        flow = [
            {"order": 1, "name": "受理", "role": Role.CLERK, "limit": Decimal("0.5")},
            {"order": 2, "name": "审核", "role": Role.APPROVER, "limit": Decimal(3)},
        ]
        data = {
            "code": f"BENCH-{d:02d}", "name": f"基准事项{d:02d}", "item_type": "01", "department": dept,
            "case_kind": 2, "legal_limit": Decimal(20), "promised_limit": Decimal(5), "legal_basis": "《行政许可法》",
        }  # fmt: skip
        items.append(item_create(data=data, materials=[{"name": "申请书"}], fees=[], flow=flow, actor=None))
    return [i.pk for i in items], site.pk


# --- bulk SQL (PostgreSQL and SQLite) --------------------------------------------------------------------


def _hash(key: str, salt: int) -> str:
    """A deterministic uniform value in [0, 1) from an integer key (a Weyl sequence mod a prime)."""
    return f"((({key}) * 2654435761 + {salt} * 40503) %% 1000003) / 1000003.0"


def _ts(seconds: str) -> str:
    if _pg():
        return f"(CAST(%(now)s AS timestamptz) + ({seconds}) * interval '1 second')"
    return f"datetime(%(now)s, ({seconds}) || ' seconds')"


def _greatest(a: str, b: str) -> str:
    return f"greatest({a}, {b})" if _pg() else f"max({a}, {b})"


def _series() -> tuple[str, str]:
    if _pg():
        return "", "generate_series(1, %(n)s) AS g(i)"
    return "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %(n)s) ", "g"


def _insert(model, exprs: dict[str, str], source: str, params: dict, prefix: str = "") -> int:
    """INSERT INTO model (every column) SELECT exprs / defaults FROM source; returns rows written."""
    from django.db import connection

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.column in exprs:
            values.append(exprs[f.column])
        elif f.null:
            values.append("NULL")
        elif f.has_default() or f.blank:
            key = f"default_{f.column}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)  # "" for a blank text field
            values.append(f"%({key})s")
        else:
            raise SystemExit(f"bench: no value for {model.__name__}.{f.column} (add it to the bench)")
    sql = f"{prefix}INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _cases(n: int, item_ids: list[int], site_id: int) -> None:
    from django.db import connection

    from govhall.cases.models import Case, CaseEvent, CaseStep, StepTask
    from govhall.catalog.models import ItemVersion

    versions = dict(ItemVersion.objects.filter(item_id__in=item_ids).values_list("item_id", "pk"))
    if item_ids != list(range(item_ids[0], item_ids[0] + len(item_ids))) or [
        versions[i] for i in item_ids
    ] != list(range(versions[item_ids[0]], versions[item_ids[0]] + len(item_ids))):
        raise SystemExit("bench: items or versions are not numbered consecutively")
    params = {"now": connection.ops.adapt_datetimefield_value(NOW), "n": n}
    prefix, series = _series()
    f, lim = "(x.u * x.u * 1.05)", "x.lim"
    paused = "x.v < 0.03"
    running = f"CASE WHEN {paused} THEN NULL ELSE {{}} END"
    inner = (
        f"(SELECT g.i, {_hash('g.i', 1)} AS u, {_hash('g.i', 2)} AS v, "
        f"CASE g.i %% 3 WHEN 0 THEN 5 WHEN 1 THEN 10 ELSE 20 END AS lim FROM {series}) x"
    )
    case = {
        "number": "'B' || x.i", "item_id": f"{item_ids[0]} + x.i %% {len(item_ids)}",
        "item_version_id": f"{versions[item_ids[0]]} + x.i %% {len(item_ids)}", "site_id": str(site_id),
        "channel": "'window'", "applicant_name": "'张三'", "applicant_id_digest": "'bench'",
        "applicant_kind": "'person'", "query_password_digest": "'bench'",
        "state": f"CASE WHEN {paused} THEN 'in_supplement' WHEN x.v < 0.05 THEN 'decided' ELSE 'accepted' END",
        "report_status": "3",
        "received_at": _ts(f"-{f} * {lim} * {DAY} - 3600"), "accepted_at": _ts(f"-{f} * {lim} * {DAY}"),
        "clock_paused_at": f"CASE WHEN {paused} THEN {_ts(str(-DAY))} END",
        "promised_due_at": running.format(_ts(f"(1 - {f}) * {lim} * {DAY}")),
        "warn_at": running.format(_ts(f"((1 - {f}) * {lim} - {_greatest(f'0.2 * {lim}', '1')}) * {DAY}")),
        "legal_due_at": running.format(_ts(f"((1 - {f}) * {lim} + 20 - {lim}) * {DAY}")),
        "created_at": _ts("0"),
    }  # fmt: skip
    _insert(Case, case, inner, params, prefix)
    _steps(CaseStep, StepTask, params)
    event = {
        "case_id": "c.id", "action": "'accept'", "at": "c.accepted_at", "from_state": "'submitted'",
        "to_state": "'accepted'", "report_status": "3",
        "actor_id": "(SELECT st.user_id FROM org_staff st WHERE st.department_id = i.department_id "
        "AND st.role = 'clerk' LIMIT 1)",
    }  # fmt: skip
    _insert(CaseEvent, event, "cases_case c JOIN catalog_serviceitem i ON i.id = c.item_id", dict(params))


def _steps(CaseStep, StepTask, params: dict) -> None:  # noqa: N803 (model classes)
    f, lim = "(x.u * x.u * 1.05)", "x.lim"
    source = (
        f"(SELECT c.id, c.clock_paused_at, i.department_id, {_hash('c.id', 3)} AS u, "
        "CASE (c.id / 3) %% 3 WHEN 0 THEN 2 WHEN 1 THEN 3 ELSE 5 END AS lim "
        "FROM cases_case c JOIN catalog_serviceitem i ON i.id = c.item_id "
        "WHERE c.state IN ('accepted', 'in_supplement')) x"
    )
    due = f"(1 - {f}) * {lim} * {DAY}"
    step = {
        "case_id": "x.id", "round": "1", "flow_order": "2", "name": "'审核'", "role": "'approver'",
        "department_id": "x.department_id", "state": "'active'", "limit": "x.lim", "limit_unit": "'workday'",
        "started_at": _ts(f"-{f} * {lim} * {DAY}"),
        "due_at": f"CASE WHEN x.clock_paused_at IS NULL THEN {_ts(due)} END",
        "warn_at": f"CASE WHEN x.clock_paused_at IS NULL THEN "
        f"{_ts(_greatest(f'{due} - {DAY}', f'-{f} * {lim} * {DAY}'))} END",
    }  # fmt: skip
    _insert(CaseStep, step, source, dict(params))
    task = {
        "step_id": "s.id", "case_id": "s.case_id", "kind": "'sign'", "seq": "0", "department_id": "s.department_id",
        "assignee_id": "CASE WHEN s.id %% 2 = 0 THEN (SELECT st.user_id FROM org_staff st "
        "WHERE st.department_id = s.department_id AND st.role = 'approver' LIMIT 1) END",
        "relation": "''", "state": "'pending'", "created_at": "s.started_at",
    }  # fmt: skip
    _insert(StepTask, task, "cases_casestep s", dict(params))


# --- measuring ---------------------------------------------------------------------------------------


def _print_settings() -> None:
    """The PostgreSQL settings the timings depend on (docs/operations.md: the sweep needs none changed)."""
    from django.db import connection

    if not _pg():
        return
    names = ("server_version", "shared_buffers", "work_mem", "max_wal_size", "synchronous_commit",
             "max_parallel_workers_per_gather", "jit")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(names)]
        )
        rows = dict(cursor.fetchall())
    print("PostgreSQL settings: " + ", ".join(f"{n} {rows[n]}" for n in names))


def _reset() -> None:
    from django.db import connection

    tables = ["supervision_supervisionorder", "supervision_anomaly", "supervision_anomalyscan",
              "supervision_clockwatch", "supervision_warning", "supervision_sweepphase", "supervision_sweeprun",
              "core_outboxmessage"]  # fmt: skip
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        for table in [] if _pg() else tables:
            cursor.execute(f"DELETE FROM {table}")


def _vacuum() -> None:
    """What autovacuum does soon after a large change (the steady state is measured after it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if _pg() else "ANALYZE")


def _sweep(now) -> tuple[float, object]:
    from govhall.supervision.sweep import sweep_run

    started = time.perf_counter()
    report = sweep_run(now=now)
    return time.perf_counter() - started, report


def _counts() -> str:
    from govhall.core.models import OutboxMessage
    from govhall.supervision.models import ClockWatch, Warning

    return (
        f"{ClockWatch.objects.filter(step__isnull=True).count()} case clocks and "
        f"{ClockWatch.objects.filter(step__isnull=False).count()} step clocks yellow/red, "
        f"{Warning.objects.count()} cards, {OutboxMessage.objects.count()} SMS"
    )


EXPLAINED = ("INSERT INTO supervision_", "UPDATE supervision_", "INSERT INTO core_outboxmessage")


def _explain(label: str, now) -> None:
    """Run one sweep with EXPLAIN (ANALYZE, BUFFERS) in front of each of its set-based statements
    (they still execute), one phase after the other, and print the plans."""
    from django.db import connection
    from django.test.utils import override_settings

    def wrapper(execute, sql, params, many, context):
        if not sql.lstrip().startswith(EXPLAINED):
            return execute(sql, params, many, context)
        result = execute("EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) " + sql, params, many, context)
        head = " ".join(sql.split())[:90]
        plan = "\n".join(f"      {row[0]}" for row in context["cursor"].fetchall())
        print(f"\n    {head} …\n{plan}")
        return result

    print(f"\n== plans: {label}")
    with override_settings(GOVHALL_SUPERVISION_PARALLEL=False), connection.execute_wrapper(wrapper):
        _sweep(now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--keepdb", action="store_true", help="keep the test database and reuse its cases (for iterating)"
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    if args.keepdb:  # its own database per size, apart from the one pytest creates and drops
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}_{args.cases}"
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keepdb
    )
    try:
        from govhall.cases.models import Case

        if args.keepdb and Case.objects.count() == args.cases:
            print(f"reusing the {args.cases} open cases of the kept test database")
        else:
            if args.keepdb and Case.objects.exists():
                raise SystemExit(
                    "bench: the kept test database holds another number of cases (drop it first)"
                )
            started = time.perf_counter()
            item_ids, site_id = _world()
            _cases(args.cases, item_ids, site_id)
            _vacuum()
            print(f"bulk-inserted {args.cases} open cases with steps, tasks and events in "
                  f"{time.perf_counter() - started:.1f} s on {connection.vendor}")  # fmt: skip
        _print_settings()
        fulls = []
        for _ in range(args.runs):
            _reset()
            seconds, report = _sweep(NOW)
            fulls.append(seconds)
            print(f"  full sweep {seconds:6.2f} s   " + "; ".join(report.lines()[3:]))
        print(f"  after it: {_counts()}")
        _vacuum()
        # Incremental runs need a run at least GOVHALL_SUPERVISION_OVERLAP_SECONDS (300) older: the
        # first one, five minutes on, also takes in those five minutes of changes (not measured).
        _sweep(NOW + dt.timedelta(minutes=5))
        steadies = []
        for k in range(6, 6 + args.runs):
            seconds, report = _sweep(NOW + dt.timedelta(minutes=k))
            steadies.append(seconds)
            print(f"  steady sweep {seconds * 1000:7.1f} ms   " + "; ".join(report.lines()[3:]))
        reconcile = []
        with override_settings(GOVHALL_SUPERVISION_FULL_MINUTES=0):  # the hourly full comparison
            # At the last steady instant first: a full comparison must find nothing the incremental
            # runs missed.
            _seconds, report = _sweep(NOW + dt.timedelta(minutes=5 + args.runs))
            missed = sum(report.phases[p]["yellow"] + report.phases[p]["red"] + report.phases[p]["normal"]
                         for p in ("case_clocks", "step_clocks"))  # fmt: skip
            print(
                f"  full comparison at the last steady instant: {missed} clock(s) the incremental runs missed"
            )
            for k in range(6 + args.runs, 6 + 2 * args.runs):
                seconds, report = _sweep(NOW + dt.timedelta(minutes=k))
                reconcile.append(seconds)
                print(f"  reconciling sweep {seconds * 1000:7.1f} ms   " + "; ".join(report.lines()[3:]))
        print(
            f"{args.cases} open cases on {connection.vendor}: full sweep median {statistics.median(fulls):.2f} s, "
            f"steady-state sweep median {statistics.median(steadies) * 1000:.0f} ms, hourly full comparison "
            f"median {statistics.median(reconcile) * 1000:.0f} ms ({args.runs} runs each)"
        )
        if _pg() and not args.no_explain:
            _explain("steady-state sweep (incremental)", NOW + dt.timedelta(minutes=6 + 2 * args.runs))
            _reset()
            _explain("full first sweep", NOW)
    finally:
        if args.keepdb:
            _reset()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
