"""Case processing throughput: one transaction per action, with the audit chain, clocks and outbox.

(a) a case of 5 actions: accept → a countersign step of 3 departments (3 signatures) → decide;
(b) the same case returned from the deciding step to the countersign step 10 times
    (1 + 10 × 4 + 4 = 45 actions; cost per action must stay flat as the history grows);
(c) the floor: every INSERT/UPDATE/DELETE that (a) and (b) issued, replayed as plain SQL in the
    same transactions (no ORM, no reads, no Python logic) against a twin case.

Runs against a throw-away test database — a SQLite *file* by default, PostgreSQL with
DATABASE_URL=postgres://…:
    .venv/bin/python bench/bench_cases.py [--cases 40] [--returned 4] [--rounds 3]

The timed part runs ``--rounds`` times (interleaved (a) then (b)); the report pools every round and
prints each round's cases/s too, so a burst of noise on a shared machine shows as one slow round.
"""

import argparse
import itertools
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal

import throwaway

RIC = "11010519491231002X"  # a valid resident ID (check character X)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


@dataclass
class Recorder:
    """Counts every statement and keeps the DML of the current action for the floor replay."""

    queries: int = 0
    dml: list = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        verb = sql.lstrip()[:6].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and not many:
            self.dml.append((sql, tuple(params) if params else ()))
        return execute(sql, params, many, context)


@dataclass
class Action:
    seconds: float
    queries: int
    dml: list


def _world():
    """Departments, staff and one item whose flow is 受理 → 会签 (3 departments, all) → 审核."""
    from django.contrib.auth import get_user_model

    from govhall.catalog.services import item_create
    from govhall.org.models import Department, DepartmentKind, Role, Site, SiteKind, Staff

    site = Site.objects.create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE)
    depts = [
        Department.objects.create(code=f"B{i}", name=f"基准局{i}", kind=DepartmentKind.STATIONED)
        for i in range(4)
    ]
    users = {}
    for key, role, dept in [("clerk", Role.CLERK, depts[0]), ("lead", Role.APPROVER, depts[0])] + [
        (f"sign{i}", Role.APPROVER, depts[i]) for i in (1, 2, 3)
    ]:
        user = get_user_model().objects.create_user(username=f"bench_{key}", password=None)
        Staff.objects.create(
            user=user, employee_no=f"BN{key}", name=key, role=role, department=dept, site=site
        )
        users[key] = user
    flow = [
        {"order": 1, "name": "受理", "role": Role.CLERK, "limit": Decimal("0.5")},
        {"order": 2, "name": "部门会签", "role": Role.APPROVER, "limit": Decimal(5),
         "countersign_mode": "all", "countersign_departments": depts[1:]},
        {"order": 3, "name": "审核", "role": Role.APPROVER, "department": depts[0], "limit": Decimal(3)},
    ]  # fmt: skip
    data = {
        "code": "BENCH-CASE", "name": "基准事项许可", "item_type": "01", "department": depts[0],
        "case_kind": 2, "legal_limit": Decimal(20), "promised_limit": Decimal(10), "legal_basis": "《行政许可法》",
    }  # fmt: skip
    item = item_create(data=data, materials=[{"name": "申请书"}], fees=[], flow=flow, actor=None)
    return site, item, users


def _submit(site, item, clerk):
    from govhall.cases.services import case_submit

    return case_submit(item=item, site=site, channel="window", applicant_name="张三",
                       applicant_id_number=RIC, actor=clerk)  # fmt: skip


def _open_task(case, department_code: str):
    from govhall.cases.models import StepTask
    from govhall.cases.states import TaskState

    return StepTask.objects.get(case=case, state=TaskState.PENDING, step__state="active",
                                department__code=department_code)  # fmt: skip


def _timed(recorder: Recorder | None, work) -> Action:
    """One action: timed when ``recorder`` is None, else recorded (statements and DML, not timed:
    a wrapper on the connection sends every statement through Django's cursor)."""
    if recorder is None:
        started = time.perf_counter()
        work()
        return Action(time.perf_counter() - started, 0, [])
    from django.db import connection

    recorder.queries, recorder.dml = 0, []
    with connection.execute_wrapper(recorder):
        work()
    return Action(0.0, recorder.queries, list(recorder.dml))


def _run_case(site, item, users, recorder: Recorder | None, returns: int) -> tuple[object, list[Action]]:
    """One case through the engine; every action is one durable transaction of a service."""
    from govhall.cases.processing import step_return, task_complete
    from govhall.cases.services import case_accept

    case = _submit(site, item, users["clerk"])
    actions = [_timed(recorder, lambda: case_accept(case=case, actor=users["clerk"]))]
    for cycle in range(returns + 1):
        for i in (1, 2, 3):
            task = _open_task(case, f"B{i}")
            actions.append(_timed(recorder, lambda t=task, i=i: task_complete(
                task=t, opinion="approve", comment="同意", actor=users[f"sign{i}"])))  # fmt: skip
        task = _open_task(case, "B0")
        if cycle < returns:
            actions.append(_timed(recorder, lambda t=task: step_return(
                task=t, to_flow_order=2, reason="材料需复核", actor=users["lead"])))  # fmt: skip
        else:
            actions.append(_timed(recorder, lambda t=task: task_complete(
                task=t, opinion="approve", comment="准予", actor=users["lead"])))  # fmt: skip
    case.refresh_from_db()
    assert case.state == "decided", case.state
    return case, actions


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_INSERT = re.compile(r'^INSERT INTO "(\w+)" \((.*?)\) VALUES', re.S)
_IDENT = re.compile(r'"(\w+)"')
_SERIAL = itertools.count(1)


def _columns(sql: str, count: int) -> list[str]:
    """The column each placeholder of an INSERT/UPDATE/DELETE binds to (by position)."""
    insert = _INSERT.match(sql)
    if insert:
        cols = _IDENT.findall(insert.group(2))
        return [cols[i % len(cols)] for i in range(count)]
    table = _IDENT.search(sql).group(1)
    names, parts = [], sql.split("%s")
    for part in parts[:-1]:
        found = _IDENT.findall(part)
        col = found[-1] if found else ""
        names.append("case.id" if table == "cases_case" and col == "id" else col)
    return names


def _replay(actions: list[Action], source, twin) -> list[float]:
    """The floor: the same DML, one transaction per action, retargeted to ``twin``."""
    from django.db import transaction

    from govhall.core import prepared

    timings = []
    for action in actions:
        statements = []
        for sql, params in action.dml:
            new = []
            for col, p in zip(_columns(sql, len(params)), params, strict=True):
                if isinstance(p, str) and source.number in p:
                    p = p.replace(source.number, twin.number)
                elif isinstance(p, str) and _HEX64.match(p):  # audit hashes are unique
                    p = f"{next(_SERIAL):064x}"
                elif col in ("case_id", "case.id") and p == source.pk:
                    p = twin.pk
                new.append(p)
            statements.append((sql, new))
        started = time.perf_counter()
        with transaction.atomic():  # the driver's cursor, as the engine's own statements use
            for sql, params in statements:
                prepared.execute(sql, params)
        timings.append(time.perf_counter() - started)
    return timings


def _report(
    label: str, cases: list[list[Action]], recorded: list[list[Action]], floors: list[list[float]]
) -> None:
    per_case = [sum(a.seconds for a in c) for c in cases]
    actions = [a for c in cases for a in c]
    counted = [a for c in recorded for a in c]
    floor_case = [sum(f) for f in floors]
    median_action = statistics.median(a.seconds for a in actions) * 1000
    median_floor = statistics.median(t for f in floors for t in f) * 1000
    print(f"{label}: {len(cases[0])} actions/case, {len(cases)} cases")
    print(f"  engine  {1 / statistics.median(per_case):8.1f} cases/s   {median_action:6.2f} ms/action (median)"
          f"   {sum(a.queries for a in counted) / len(counted):5.1f} queries/action")  # fmt: skip
    print(f"  floor   {1 / statistics.median(floor_case):8.1f} cases/s   {median_floor:6.2f} ms/action (median)"
          f"   {sum(len(a.dml) for a in counted) / len(counted):5.1f} statements/action")  # fmt: skip
    print(f"  ratio engine/floor (median ms/action): {median_action / median_floor:4.1f}x")
    if len(cases[0]) == 5:
        names = ("accept", "sign 1", "sign 2", "sign 3 (starts the next step)", "decide")
        parts = [
            f"{n} {statistics.median(c[i].seconds for c in cases) * 1000:.2f}" for i, n in enumerate(names)
        ]
        print(f"  per action (median ms): {'; '.join(parts)}")


def _cases_per_second(runs: list) -> float:
    return 1 / statistics.median(sum(a.seconds for a in acts) for _, acts in runs)


def _flatness(cases: list[list[Action]], recorded: list[list[Action]]) -> None:
    """(b): per-cycle cost, first cycle vs last — flat means the history does not slow actions."""

    def cycle(c: list[Action], k: int) -> list[Action]:
        return c[1 + 4 * k : 1 + 4 * (k + 1)]

    for c, r in zip(cases[:1], recorded[:1], strict=True):
        ms = [statistics.median(a.seconds for a in cycle(c, k)) * 1000 for k in (0, 10)]
        qs = [sum(a.queries for a in cycle(r, k)) / 4 for k in (0, 10)]
        print(f"  flatness: cycle 1 {ms[0]:.2f} ms/action {qs[0]:.1f} q/action; "
              f"cycle 11 {ms[1]:.2f} ms/action {qs[1]:.1f} q/action")  # fmt: skip


def _profile(work, top: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(work)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_callees(
        r"cases/(services|processing|moves|notices)\.py.*(_accept|task_complete|move|notice_issue|settle|start_round)\b"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=40, help="cases for (a)")
    parser.add_argument("--returned", type=int, default=4, help="cases for (b)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of (a) and (b)")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="profile (a) and print the N costliest functions (cumulative), then stop",
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection

    old_name = throwaway.create()
    try:
        site, item, users = _world()
        recorder = Recorder()
        for warm in (None, recorder):  # warm-up (imports, caches) of both paths
            _run_case(site, item, users, warm, 0)
            _run_case(site, item, users, warm, 1)
        if args.profile:
            _profile(lambda: [_run_case(site, item, users, None, 0) for _ in range(args.cases)], args.profile)
            return
        runs_a, runs_b, rounds = [], [], []
        for _ in range(args.rounds):
            round_a = [_run_case(site, item, users, None, 0) for _ in range(args.cases)]
            round_b = [_run_case(site, item, users, None, 10) for _ in range(args.returned)]
            rounds.append((_cases_per_second(round_a), _cases_per_second(round_b)))
            runs_a += round_a
            runs_b += round_b
        # The same cases again, recorded: statements per action, and the DML the floor replays.
        seen_a = [_run_case(site, item, users, recorder, 0) for _ in range(args.cases)]
        seen_b = [_run_case(site, item, users, recorder, 10) for _ in range(args.returned)]
        floors_a = [_replay(acts, case, _submit(site, item, users["clerk"])) for case, acts in seen_a]
        floors_b = [_replay(acts, case, _submit(site, item, users["clerk"])) for case, acts in seen_b]
        print(f"database: {connection.vendor}")
        _report(
            "(a) accept → countersign ×3 → decide", [a for _, a in runs_a], [a for _, a in seen_a], floors_a
        )
        _report("(b) returned 10 times", [a for _, a in runs_b], [a for _, a in seen_b], floors_b)
        _flatness([a for _, a in runs_b], [a for _, a in seen_b])
        print("  rounds, cases/s (a): " + ", ".join(f"{a:.1f}" for a, _ in rounds)
              + "; (b): " + ", ".join(f"{b:.1f}" for _, b in rounds))  # fmt: skip
    finally:
        throwaway.destroy(old_name)


if __name__ == "__main__":
    main()
