"""Per-item application-form fields (申请表填写项): validation, versions, guide, Excel round trip."""

import pytest
from openpyxl import load_workbook

from govhall.catalog.excel import catalogue_export, catalogue_import
from govhall.catalog.form_fields import check_form_fields, normalise_form_fields
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.catalog.services import item_update
from govhall.core.errors import ValidationFailed
from govhall.core.models import AuditEvent
from tests.catalog import factories as f

SCRIPT = '<script>alert("x")</script>'
FIELDS = [
    {"key": "premises", "label": "经营场所", "help": "填写到门牌号"},
    {"key": "scope", "label": "经营范围", "type": "textarea"},
    {"key": "form", "label": "组成形式", "type": "choice", "choices": ["个人经营", "家庭经营"]},
    {"key": "operator_id", "label": "经营者身份证号", "type": "id_number", "required": False},
]


def codes(fields) -> list[str]:
    return [p.code for p in check_form_fields(normalise_form_fields(fields))]


def test_normalising_fills_defaults_and_drops_choices_of_other_types():
    fields = normalise_form_fields([{"key": " a ", "label": " 名称 ", "choices": ["x"]}])
    assert fields == [
        {"key": "a", "label": "名称", "type": "text", "required": True, "choices": [], "help": ""}
    ]
    assert normalise_form_fields(None) == [] and codes(FIELDS) == []
    assert normalise_form_fields([{"key": "c", "label": "选", "type": "choice", "choices": "甲|乙"}])[0][
        "choices"
    ] == ["甲", "乙"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ([{"key": "a", "label": "甲"}, {"key": "a", "label": "乙"}], "catalog.form_field_key_duplicate"),
        ([{"key": "a", "label": "甲"}, {"key": "b", "label": "甲"}], "catalog.form_field_label_duplicate"),
        ([{"key": "a", "label": "甲", "type": "choice"}], "catalog.form_field_choices_required"),
        ([{"key": "a", "label": "甲", "type": "choice", "choices": ["x", "x"]}], "catalog.form_field_choices_invalid"),
        ([{"key": "a", "label": "甲", "type": "file"}], "catalog.form_field_type_invalid"),
        ([{"key": "A-1", "label": "甲"}], "catalog.form_field_key_invalid"),
        ([{"key": "a", "label": ""}], "catalog.form_field_label_required"),
        ([{"key": "a", "label": "甲" * 33}], "catalog.form_field_label_too_long"),
        ([{"key": "a", "label": "甲", "help": "x" * 201}], "catalog.form_field_help_too_long"),
        (["a"], "catalog.form_field_invalid"),
        ("premises", "catalog.form_fields_invalid"),
        ([{"key": f"k{i}", "label": f"项{i}"} for i in range(31)], "catalog.form_fields_too_many"),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_with_a_stable_code(fields, code):
    assert code in codes(fields)


@pytest.mark.django_db
def test_create_refuses_bad_fields_and_writes_nothing(manager):
    bad = [{"key": "a", "label": "甲", "type": "choice"}]
    with pytest.raises(ValidationFailed) as exc:
        f.make_item(manager, form_fields=bad)
    assert exc.value.code == "catalog.form_field_choices_required" and "可选值" in exc.value.message
    assert ServiceItem.objects.count() == 0 and ItemVersion.objects.count() == 0


@pytest.mark.django_db
def test_fields_are_stored_and_kept_per_version(manager):
    item = f.make_item(manager, form_fields=FIELDS)
    assert item.form_fields == normalise_form_fields(FIELDS)
    v1 = ItemVersion.objects.get(item=item, version=1)
    assert [x["key"] for x in v1.snapshot["form_fields"]] == ["premises", "scope", "form", "operator_id"]
    changed = [*FIELDS[:1], {"key": "capital", "label": "资金数额", "type": "number"}]
    item = item_update(item=item, changes={"form_fields": changed}, actor=manager, note="改表")
    assert item.version == 2
    v2 = ItemVersion.objects.get(item=item, version=2)
    assert [x["key"] for x in v2.snapshot["form_fields"]] == ["premises", "capital"]
    v1.refresh_from_db()
    assert len(v1.snapshot["form_fields"]) == 4  # the old version keeps the form it had
    event = AuditEvent.objects.filter(action="catalog.item_update").latest("id")
    assert "form_fields" in event.after


@pytest.mark.django_db
def test_a_bad_update_changes_nothing(manager):
    item = f.make_item(manager, form_fields=FIELDS)
    before = (ItemVersion.objects.count(), AuditEvent.objects.count())
    dup = [*FIELDS, {"key": "premises", "label": "另一个"}]
    with pytest.raises(ValidationFailed) as exc:
        item_update(item=item, changes={"form_fields": dup}, actor=manager)
    assert exc.value.code == "catalog.form_field_key_duplicate"
    item.refresh_from_db()
    assert item.version == 1 and len(item.form_fields) == 4
    assert (ItemVersion.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_the_guide_lists_the_form_fields_and_keeps_script_inert(client, manager):
    fields = [*FIELDS, {"key": "note", "label": SCRIPT, "help": SCRIPT, "required": False}]
    f.make_item(manager, code="SPJY-1", form_fields=fields)
    page = client.get("/guide/SPJY-1/").content.decode()
    assert "申请表填写项" in page and "data-form-fields" in page
    for text in (
        "经营场所",
        "填写到门牌号",
        "经营范围（多行文字，必填）",
        "个人经营、家庭经营",
        "身份证号码，选填",
    ):
        assert text in page
    assert SCRIPT not in page and "&lt;script&gt;" in page


@pytest.mark.django_db
def test_the_guide_has_no_form_section_without_fields(client, manager):
    f.make_item(manager, code="SPJY-1")
    assert "申请表填写项" not in client.get("/guide/SPJY-1/").content.decode()


@pytest.mark.django_db
def test_excel_round_trip_keeps_the_fields(manager, tmp_path):
    f.make_item(manager, code="SPJY-1", form_fields=FIELDS)
    path = tmp_path / "c.xlsx"
    catalogue_export(path)
    ServiceItem.objects.all().delete()
    report = catalogue_import(path)
    assert report.ok, report.errors
    assert ServiceItem.objects.get(code="SPJY-1").form_fields == normalise_form_fields(FIELDS)
    again = catalogue_import(path)
    assert again.ok and again.written["unchanged"] == 1


@pytest.mark.django_db
def test_excel_import_reports_bad_fields_and_writes_nothing(manager, tmp_path):
    f.make_item(manager, code="SPJY-1", form_fields=FIELDS)
    path = tmp_path / "c.xlsx"
    catalogue_export(path)
    book = load_workbook(path)
    ws = book["事项"]
    col = [c.value for c in ws[1]].index("申请表填写项（JSON）")
    ws.cell(row=2, column=col + 1).value = '[{"key": "a", "label": "甲", "type": "choice"}]'
    book.save(path)
    report = catalogue_import(path)
    assert not report.ok and any("第 1 项" in line and "可选值" in line for line in report.errors)
    assert ServiceItem.objects.get(code="SPJY-1").version == 1
    ws.cell(row=2, column=col + 1).value = "不是JSON"
    book.save(path)
    report = catalogue_import(path)
    assert not report.ok and any("JSON" in line for line in report.errors)


def test_the_demo_fields_are_valid_and_name_demo_items():
    from govhall.demo.data.form_fields import FORM_FIELDS
    from govhall.demo.rows import all_rows

    names = {row.name for row in all_rows()}
    assert 5 <= len(FORM_FIELDS) <= 10
    for name, fields in FORM_FIELDS.items():
        assert name in names
        assert check_form_fields(normalise_form_fields(fields)) == [], name


@pytest.mark.django_db
def test_the_api_detail_lists_the_form_fields(manager):
    from ninja.testing import TestClient

    from govhall.catalog.api import router

    f.make_item(manager, code="SPJY-1", form_fields=FIELDS)
    detail = TestClient(router).get("/items/SPJY-1").json()
    assert [x["key"] for x in detail["form_fields"]] == ["premises", "scope", "form", "operator_id"]
    assert detail["form_fields"][2]["choices"] == ["个人经营", "家庭经营"]


@pytest.mark.django_db
def test_the_admin_form_checks_the_fields(manager):
    from govhall.catalog.admin import ServiceItemForm

    item = f.make_item(manager, code="SPJY-1")
    form = ServiceItemForm(instance=item)
    data = {**form.initial, "themes": [], "windows": []}
    data["form_fields"] = '[{"key": "a", "label": "甲", "type": "choice"}]'
    bad = ServiceItemForm(data=data, instance=item)
    assert not bad.is_valid() and "可选值" in str(bad.errors["form_fields"])
