"""core.prepared: statements built once must read and write exactly what the ORM would."""

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from govhall.core import prepared
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.org.models import Department, DepartmentKind, Site, SiteKind

pytestmark = pytest.mark.django_db

SITE_WITH_DEPARTMENT = prepared.Select(lambda pk: Site.objects.select_related("department").filter(pk=pk))
DEPARTMENT_CODES = prepared.Select(
    lambda *codes: Department.objects.filter(code__in=codes).order_by("code").values_list("code", "name")
)


def _department(code="D1", name="一局"):
    return Department.objects.create(code=code, name=name, kind=DepartmentKind.STATIONED)


def test_insert_sets_the_pk_and_writes_every_field_as_save_would():
    event = AuditEvent(
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC), action="t.insert", object_type="x",
        object_id="1", success=True, before={"a": 1}, after=None, detail={"k": "值"}, source_ip="10.0.0.1",
        prev_hash="0" * 64, hash="1" * 64, actor_name="", actor_role="",
    )  # fmt: skip
    prepared.insert(event)
    assert event.pk is not None and not event._state.adding
    back = AuditEvent.objects.get(pk=event.pk)
    assert (back.occurred_at, back.before, back.after, back.detail, back.source_ip) == (
        datetime(2026, 11, 26, 9, 30, tzinfo=UTC), {"a": 1}, None, {"k": "值"}, "10.0.0.1",
    )  # fmt: skip


def test_insert_many_returns_pks_in_order():
    rows = prepared.insert_many([Department(code=f"M{i}", name=f"多{i}", kind=DepartmentKind.STATIONED)
                                 for i in range(3)])  # fmt: skip
    assert [Department.objects.get(pk=d.pk).code for d in rows] == ["M0", "M1", "M2"]
    assert prepared.insert_many([]) == []


def test_update_named_fields_only_and_all_fields():
    dept = _department()
    dept.name, dept.phone = "改名局", "12345"
    prepared.update(dept, ["name"])
    dept.refresh_from_db()
    assert (dept.name, dept.phone) == ("改名局", "")
    dept.phone, dept.sort = "0571", 7
    prepared.update(dept)
    dept.refresh_from_db()
    assert (dept.phone, dept.sort) == ("0571", 7)


def test_select_attaches_select_related_objects():
    dept = _department()
    site = Site.objects.create(code="S1", name="中心", kind=SiteKind.CENTRE, department=dept)
    got = SITE_WITH_DEPARTMENT.one(site.pk)
    assert got == site and got.name == "中心"
    assert "department" in got._state.fields_cache and got.department.name == "一局"
    with pytest.raises(Site.DoesNotExist):
        SITE_WITH_DEPARTMENT.one(site.pk + 1000)


def test_select_values_list_with_in_lists_of_different_lengths():
    for code in ("A", "B", "C"):
        _department(code, f"{code}局")
    assert DEPARTMENT_CODES.all("A") == [("A", "A局")]
    assert DEPARTMENT_CODES.all("C", "A") == [("A", "A局"), ("C", "C局")]
    assert DEPARTMENT_CODES.all("Z", "Y") == []


def test_a_constant_in_the_filter_is_refused():
    constant = prepared.Select(lambda code: Department.objects.filter(code=code, kind="stationed"))
    with pytest.raises(ValueError, match="binds"):
        constant.all("A")


@pytest.mark.django_db(transaction=True)
def test_select_for_update_from_threads_serialises_writers(postgres_only):
    """One compiled FOR UPDATE statement used from several threads' connections: it locks."""
    dept = _department()
    locked = prepared.Select(lambda pk: Department.objects.select_for_update().filter(pk=pk))
    errors = []

    def bump():
        try:
            with transaction.atomic():
                row = locked.one(dept.pk)
                row.sort += 1
                prepared.update(row, ["sort"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    dept.refresh_from_db()
    assert dept.sort == 8


def test_update_changed_writes_only_what_changed_since_the_tracked_read():
    dept = _department()
    tracked = prepared.Select(lambda pk: Department.objects.filter(pk=pk), track=True)
    row = tracked.one(dept.pk)
    assert prepared.update_changed(row) == []
    Department.objects.filter(pk=dept.pk).update(phone="外部修改")  # another writer, untouched below
    row.name = "新名"
    assert prepared.update_changed(row) == ["name"]
    dept.refresh_from_db()
    assert (dept.name, dept.phone) == ("新名", "外部修改")
    untracked = Department.objects.get(pk=dept.pk)
    assert "phone" in prepared.update_changed(untracked)  # not read by a tracking Select: every field


def test_update_changed_sees_a_json_value_changed_in_place():
    message = prepared.insert(OutboxMessage(
        kind="sms", topic="t", payload={"n": [1]}, available_at=datetime(2026, 11, 26, tzinfo=UTC),
    ))  # fmt: skip
    tracked = prepared.Select(lambda pk: OutboxMessage.objects.filter(pk=pk), track=True)
    row = tracked.one(message.pk)
    row.payload["n"].append(2)
    assert prepared.update_changed(row) == ["payload"]
    message.refresh_from_db()
    assert message.payload == {"n": [1, 2]}


# --- the driver's cursor, values by type, instances without __init__ --------------------------------


def test_new_builds_what_the_model_constructor_builds():
    dept = _department()
    site = Site.objects.create(code="S1", name="中心", kind=SiteKind.CENTRE)  # not a department
    for kwargs in ({"code": "S2", "name": "二", "kind": SiteKind.TOWNSHIP, "department": dept},
                   {"code": "S3", "name": "三", "kind": SiteKind.TOWNSHIP, "department_id": dept.pk},
                   {"code": "S4", "name": "四", "kind": SiteKind.TOWNSHIP, "department": None}):  # fmt: skip
        fast, slow = prepared.new(Site, **kwargs), Site(**kwargs)
        assert fast._state.adding and slow._state.adding
        fields = [f.attname for f in Site._meta.concrete_fields]
        assert [getattr(fast, a) for a in fields] == [getattr(slow, a) for a in fields]
    fast = prepared.new(Site, code="S5", name="五", kind=SiteKind.TOWNSHIP, department=dept)
    assert fast.department is dept  # the related object is cached as the ORM caches it
    prepared.insert(fast)
    assert Site.objects.get(pk=fast.pk).department_id == dept.pk
    with pytest.raises(TypeError):  # not a field: the model's own constructor says so
        prepared.new(Site, code="S6", colour="red")
    with pytest.raises(ValueError):  # a wrong related object: the ORM's own check
        prepared.new(Site, code="S7", department=site)


def test_values_written_by_type_read_back_as_the_orm_wrote_them():
    """Text, choices, integers, booleans, keys, aware datetimes in any zone, JSON and NULLs."""
    shanghai = datetime(2026, 11, 26, 17, 30, 0, 120000, tzinfo=ZoneInfo("Asia/Shanghai"))
    values = {
        "occurred_at": shanghai, "action": SiteKind.CENTRE, "object_type": "x", "object_id": "7",
        "success": False, "before": [1, {"a": "值"}], "after": None, "detail": {}, "source_ip": None,
        "prev_hash": "0" * 64, "hash": "2" * 64, "actor_name": "", "actor_role": "",
    }  # fmt: skip
    fast = prepared.insert(prepared.new(AuditEvent, **values))
    slow = AuditEvent.objects.create(**{**values, "hash": "3" * 64})
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "hash")]
    a, b = AuditEvent.objects.get(pk=fast.pk), AuditEvent.objects.get(pk=slow.pk)
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert a.occurred_at == shanghai and a.success is False and a.before == [1, {"a": "值"}]
    with connection.cursor() as cursor:  # the stored text itself is the ORM's, not only its meaning
        cursor.execute(
            "SELECT occurred_at FROM core_auditevent WHERE id IN (%s, %s) ORDER BY id", [a.pk, b.pk]
        )
        first, second = cursor.fetchall()
    assert first == second


def test_driver_errors_come_out_as_djangos_and_nothing_is_written():
    _department("DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.insert(Department(code="DUP", name="重复", kind=DepartmentKind.STATIONED))
    assert Department.objects.filter(code="DUP").count() == 1


def test_a_broken_transaction_refuses_further_statements():
    _department("DUP")
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            prepared.insert(Department(code="DUP", name="重复", kind=DepartmentKind.STATIONED))
        with pytest.raises(TransactionManagementError):  # as Django's own cursor refuses
            DEPARTMENT_CODES.all("DUP")


def test_watched_connections_see_every_statement():
    """A query log or wrapper gets Django's cursor: counted statements are the real ones."""
    dept = _department()
    with CaptureQueriesContext(connection) as seen:
        DEPARTMENT_CODES.all(dept.code)
        prepared.update(dept, ["name"])
        prepared.insert(prepared.new(Department, code="W1", name="看", kind=DepartmentKind.STATIONED))
    assert [q["sql"].split()[0] for q in seen.captured_queries] == ["SELECT", "UPDATE", "INSERT"]


@pytest.mark.django_db(transaction=True)
def test_an_unread_returning_row_does_not_keep_the_transaction_from_committing():
    with transaction.atomic():
        prepared.execute(
            "INSERT INTO org_department (code, name, short_name, kind, phone, complaint_phone, seal_text, "
            "sort, active) VALUES (%s, %s, '', %s, '', '', '', 0, %s) RETURNING id",
            ["R1", "返回", DepartmentKind.STATIONED, True],
        )  # nothing fetched: the statement must still be finished before COMMIT
    assert Department.objects.filter(code="R1").exists()


def test_unwatched_statements_skip_djangos_cursor(monkeypatch):
    """The point of the driver path (ADR 0019): inside a transaction with nothing watching, no
    statement of a prepared read or write passes through Django's cursor stack."""
    dept = _department()

    def refuse(*args, **kwargs):
        raise AssertionError("went through Django's cursor")

    with transaction.atomic():
        DEPARTMENT_CODES.all(dept.code)  # the driver cursor is made before the trap is set
        monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
        assert DEPARTMENT_CODES.all(dept.code) == [(dept.code, dept.name)]
        dept.name = "直达局"
        prepared.update(dept, ["name"])
        prepared.insert(prepared.new(Department, code="D9", name="九局", kind=DepartmentKind.STATIONED))
        monkeypatch.undo()  # savepoints go through Django's cursor
    assert Department.objects.get(pk=dept.pk).name == "直达局"
