"""Catalogue services: every bad input is refused with its code and Chinese message, nothing changes."""

from datetime import date
from decimal import Decimal

import pytest

from govhall.catalog.models import Fee, ItemStatus, ItemVersion, Material, Precondition, ServiceItem
from govhall.catalog.services import (
    item_cancel,
    item_create,
    item_set_windows,
    item_update,
    precondition_add,
    precondition_cancel,
)
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.models import AuditEvent
from tests.catalog import factories as f

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return (
        ServiceItem.objects.count(),
        Material.objects.count(),
        Fee.objects.count(),
        ItemVersion.objects.count(),
        Precondition.objects.count(),
        AuditEvent.objects.count(),
    )


def test_create_publishes_version_1_with_pinyin_and_audit(manager):
    item = f.make_item(manager, name="营业执照核发", code="YYZZ-1")
    assert (item.pinyin, item.pinyin_initials) == ("yingyezhizhaohefa", "yyzzhf")
    assert item.category == "licensing" and item.version == 1
    version = item.versions.get()
    assert [m["name"] for m in version.snapshot["materials"]][0] == "食品经营许可申请书"
    assert version.snapshot["fees"][0]["amount"] == "10" and version.snapshot["flow"][1]["role"] == "approver"
    event = AuditEvent.objects.get(action="catalog.item_create")
    assert (
        event.actor == manager and event.object_id == str(item.pk) and event.after["name"] == "营业执照核发"
    )


BAD_ITEMS = [
    ({"code": ""}, "catalog.code_required", "请填写实施编码"),
    ({"code": "编码1"}, "catalog.code_invalid", "实施编码只能由字母"),
    ({"name": "  "}, "catalog.name_required", "请填写事项名称"),
    ({"item_type": "99"}, "catalog.item_type_invalid", "事项类型代码无效"),
    ({"item_type": "20", "category": "licensing"}, "catalog.category_mismatch", "统计类别与事项类型不符"),
    ({"level": 9}, "catalog.level_invalid", "行使层级"),
    ({"case_kind": 3}, "catalog.case_kind_invalid", "办件类型"),
    ({"visits": 3}, "catalog.visits_invalid", "到办事现场次数只能是 0、1 或 2"),
    ({"service_objects": "17"}, "catalog.service_objects_invalid", "服务对象须为 1–6"),
    ({"service_objects": "11"}, "catalog.service_objects_invalid", "不重复"),
    ({"legal_basis": ""}, "catalog.legal_basis_required", "请填写设定依据"),
    ({"legal_limit": Decimal("-1")}, "catalog.limit_invalid", "法定时限应为 0 至 9999"),
    ({"promised_limit": Decimal("2.3")}, "catalog.limit_half_day", "承诺时限按半个工作日计"),
    ({"promised_limit": Decimal("1.5"), "promised_limit_unit": "hour"}, "catalog.limit_whole", "须为整数"),
    ({"promised_limit_unit": "week"}, "catalog.limit_unit_invalid", "单位应为工作日"),
    ({"promised_limit": Decimal("25")}, "catalog.promised_exceeds_legal", "承诺时限不得超过法定时限"),
    ({"case_kind": 1, "promised_limit": Decimal("2")}, "catalog.instant_limit", "即办件的承诺时限"),
    (
        {"case_kind": 1, "promised_limit": Decimal("9"), "promised_limit_unit": "hour"},
        "catalog.instant_limit",
        "即办件",
    ),
    ({"promised_limit": Decimal("0")}, "catalog.promised_limit_required", "承诺件须填写大于 0"),
]


@pytest.mark.parametrize(("override", "code", "message"), BAD_ITEMS)
def test_bad_item_fields_are_refused_and_nothing_is_written(manager, override, code, message):
    f.department()
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        item_create(data=f.item_data(**override), materials=[], fees=[], flow=[], actor=manager)
    assert exc.value.code == code
    assert message in exc.value.message
    assert _counts() == before


def test_inactive_department_and_duplicate_code(manager):
    f.make_item(manager)
    closed = f.department("OLD", "已撤出部门", active=False)
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        f.make_item(manager, code="X-2", department=closed)
    assert exc.value.code == "catalog.department_inactive" and "已撤出中心" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        f.make_item(manager)
    assert exc.value.code == "catalog.code_taken" and "已存在" in exc.value.message
    assert _counts() == before


BAD_PARTS = [
    ("materials", [{"name": ""}], "catalog.material_name_required", "请填写材料名称"),
    ("materials", [{"name": "身份证"}, {"name": "身份证"}], "catalog.material_duplicate", "重复"),
    (
        "materials",
        [{"name": "身份证", "copies": -1}],
        "catalog.material_count_invalid",
        "复印件份数须为 0–99",
    ),
    (
        "fees",
        [{"name": "工本费", "standard": "10元", "amount": "-5", "legal_basis": "某文"}],
        "catalog.fee_amount_invalid",
        "不小于 0",
    ),
    (
        "fees",
        [{"name": "工本费", "standard": "10元", "amount": "10", "legal_basis": ""}],
        "catalog.fee_basis_required",
        "请填写收费依据",
    ),
    (
        "fees",
        [{"name": "", "standard": "10元", "legal_basis": "某文"}],
        "catalog.fee_name_required",
        "收费项目名称",
    ),
    (
        "flow",
        [{"order": 2, "name": "受理", "role": "clerk", "limit": 1}],
        "catalog.flow_order_invalid",
        "从 1 开始连续编号",
    ),
    (
        "flow",
        [{"order": 1, "name": "受理", "role": "boss", "limit": 1}],
        "catalog.flow_role_invalid",
        "办理角色无效",
    ),
    (
        "flow",
        [{"order": 1, "name": "审核", "role": "approver", "limit": "0.3"}],
        "catalog.limit_half_day",
        "环节时限按半个工作日计",
    ),
    (
        "flow",
        [
            {"order": 1, "name": "审核", "role": "approver", "limit": 4},
            {"order": 2, "name": "批准", "role": "chief", "limit": 2},
        ],
        "catalog.flow_exceeds_promised",
        "超过承诺时限",
    ),
    (
        "flow",
        [{"order": 1, "name": "会签", "role": "approver", "limit": 1, "countersign_mode": "all"}],
        "catalog.flow_countersign_invalid",
        "至少需要两个部门",
    ),
]


@pytest.mark.parametrize(("part", "rows", "code", "message"), BAD_PARTS)
def test_bad_materials_fees_and_flow_are_refused(manager, part, rows, code, message):
    parts = {"materials": [], "fees": [], "flow": [], part: rows}
    f.department()
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        item_create(data=f.item_data(), actor=manager, **parts)
    assert exc.value.code == code and message in exc.value.message
    assert exc.value.extra["errors"][0]["part"] == part
    assert _counts() == before


def test_update_bumps_version_snapshots_parts_and_audits_the_difference(manager):
    item = f.make_item(manager)
    new_materials = [*f.materials(), {"name": "法定代表人身份证", "originals": 1, "copies": 1}]
    item = item_update(
        item=item,
        changes={"promised_limit": Decimal("4"), "materials": new_materials},
        actor=manager,
        note="压缩时限",
    )
    assert item.version == 2 and item.promised_limit == Decimal("4")
    assert item.materials.count() == 4 and item.fees.count() == 1 and item.flow_steps.count() == 3
    snapshot = item.versions.get(version=2).snapshot
    assert snapshot["promised_limit"] == "4" and snapshot["materials"][-1]["name"] == "法定代表人身份证"
    event = AuditEvent.objects.get(action="catalog.item_update")
    assert event.before["promised_limit"] == "5" and event.after["promised_limit"] == "4"
    assert set(event.after) == {"promised_limit", "materials"} and event.detail["note"] == "压缩时限"


def test_update_renaming_refreshes_pinyin_and_no_change_keeps_version(manager):
    item = f.make_item(manager)
    item = item_update(item=item, changes={"name": "营业执照变更登记"}, actor=manager, note="")
    assert item.pinyin_initials == "yyzzbgdj" and item.version == 2
    item = item_update(item=item, changes={"name": "营业执照变更登记"}, actor=manager, note="")
    assert item.version == 2 and ItemVersion.objects.filter(item=item).count() == 2


def test_bad_update_changes_nothing(manager):
    item = f.make_item(manager)
    before = (_counts(), ServiceItem.objects.values().get(pk=item.pk))
    with pytest.raises(ValidationFailed) as exc:
        item_update(item=item, changes={"legal_limit": Decimal("3")}, actor=manager, note="")
    assert exc.value.code == "catalog.promised_exceeds_legal"
    with pytest.raises(ValidationFailed) as exc:
        item_update(item=item, changes={"promised_limit": Decimal("3")}, actor=manager, note="")
    assert exc.value.code == "catalog.flow_exceeds_promised" and "各环节时限之和" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        item_update(item=item, changes={"code": "NEW"}, actor=manager, note="")
    assert exc.value.code == "catalog.unknown_field"
    assert (_counts(), ServiceItem.objects.values().get(pk=item.pk)) == before


def test_cancel_keeps_history_cancels_dependent_preconditions_and_refuses_edits(manager):
    licence = f.make_item(manager, code="A-1", name="营业执照核发")
    food = f.make_item(manager, code="B-1")
    pre = precondition_add(item=food, required_item=licence, actor=manager)
    item_cancel(item=licence, on=date(2026, 3, 1), reason="川府发〔2026〕1号取消", actor=manager)
    licence.refresh_from_db()
    pre.refresh_from_db()
    assert (licence.status, licence.cancelled_on, licence.version) == (
        ItemStatus.CANCELLED,
        date(2026, 3, 1),
        2,
    )
    assert pre.status == ItemStatus.CANCELLED and "营业执照核发" in pre.cancel_reason
    assert AuditEvent.objects.filter(action="catalog.precondition_cancel").count() == 1
    before = _counts()
    with pytest.raises(Conflict) as exc:
        item_update(item=licence, changes={"name": "新名称"}, actor=manager, note="")
    assert exc.value.code == "catalog.item_cancelled" and "已于 2026-03-01 取消" in exc.value.message
    with pytest.raises(Conflict) as exc:
        item_cancel(item=licence, on=date(2026, 3, 2), reason="再次", actor=manager)
    assert exc.value.code == "catalog.item_already_cancelled"
    assert _counts() == before


def test_cancel_needs_a_reason(manager):
    item = f.make_item(manager)
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        item_cancel(item=item, on=date(2026, 3, 1), reason=" ", actor=manager)
    assert exc.value.code == "catalog.cancel_reason_required" and "请填写取消原因" in exc.value.message
    item.refresh_from_db()
    assert item.status == ItemStatus.RETAINED and _counts() == before


def test_preconditions_refuse_self_cycles_duplicates_and_empty_targets(manager):
    a = f.make_item(manager, code="A-1", name="甲事项")
    b = f.make_item(manager, code="B-1", name="乙事项")
    c = f.make_item(manager, code="C-1", name="丙事项")
    precondition_add(item=b, required_item=a, actor=manager)
    precondition_add(item=c, required_item=b, actor=manager)
    before = _counts()
    cases = [
        ({"item": a, "required_item": a}, "catalog.precondition_self", "不能以自身为前置条件"),
        ({"item": a, "required_item": c}, "catalog.precondition_cycle", "前置条件形成循环"),
        ({"item": b, "required_item": a}, "catalog.precondition_duplicate", "已存在"),
        ({"item": a}, "catalog.precondition_target_required", "二选一"),
        (
            {"item": a, "required_item": b, "document_name": "土地证"},
            "catalog.precondition_target_required",
            "二选一",
        ),
    ]
    for kwargs, code, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            precondition_add(actor=manager, **kwargs)
        assert exc.value.code == code and message in exc.value.message
    assert _counts() == before


def test_precondition_cancel_and_document_precondition(manager):
    item = f.make_item(manager)
    pre = precondition_add(item=item, document_name="消防安全检查合格证", actor=manager)
    precondition_cancel(precondition=pre, on=date(2026, 5, 1), reason="改为告知承诺", actor=manager)
    pre.refresh_from_db()
    assert pre.status == ItemStatus.CANCELLED and pre.cancelled_on == date(2026, 5, 1)
    before = _counts()
    with pytest.raises(Conflict) as exc:
        precondition_cancel(precondition=pre, on=date(2026, 5, 2), reason="重复", actor=manager)
    assert exc.value.code == "catalog.precondition_already_cancelled"
    assert _counts() == before


def test_set_windows_accepts_own_and_comprehensive_windows_only(manager):
    item = f.make_item(manager)
    own = f.window(item.department, "B01")
    general = f.window(f.department("ZHK", "综合受理科"), "A01", comprehensive=True)
    other = f.window(f.department("GTJ", "自然资源和规划局"), "C01")
    item_set_windows(item=item, windows=[own, general], actor=manager)
    assert set(item.windows.all()) == {own, general}
    assert AuditEvent.objects.filter(action="catalog.item_set_windows").count() == 1
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        item_set_windows(item=item, windows=[other], actor=manager)
    assert exc.value.code == "catalog.window_mismatch" and "不属于实施部门" in exc.value.message
    assert set(item.windows.all()) == {own, general} and _counts() == before


def test_update_keeps_unchanged_parts_in_place(manager):
    item = f.make_item(manager)
    ids = dict(item.materials.values_list("name", "id"))
    step_ids = list(item.flow_steps.values_list("id", flat=True))
    materials = f.materials()
    materials[1]["copies"] = 2  # changed in place
    del materials[2]  # removed
    item_update(item=item, changes={"materials": materials, "flow": f.flow()}, actor=manager, note="")
    assert dict(item.materials.values_list("name", "id")) == {
        k: ids[k] for k in ("食品经营许可申请书", "营业执照复印件")
    }
    assert item.materials.get(name="营业执照复印件").copies == 2
    assert list(item.flow_steps.values_list("id", flat=True)) == step_ids


def test_admin_bookkeeping_versions_and_audits_an_admin_edit(manager):
    from govhall.catalog.services import item_admin_saved
    from govhall.catalog.snapshot import item_snapshot

    item = f.make_item(manager)
    before = item_snapshot(item)
    ServiceItem.objects.filter(pk=item.pk).update(name="食品经营许可证变更")
    item.refresh_from_db()
    item_admin_saved(item=item, before=before, actor=manager)
    item.refresh_from_db()
    assert item.version == 2 and item.pinyin_initials == "spjyxkzbg"
    event = AuditEvent.objects.filter(action="catalog.item_update").get()
    assert event.after == {"name": "食品经营许可证变更"} and event.detail["via"] == "admin"
