"""case_file_attach: who may add which file to which case or draft; checked, stored, audited."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from govhall.cases import decisions, moves, online, services
from govhall.cases.files import case_file_attach
from govhall.cases.models import CaseFile, CaseStep, StepTask
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.org.models import Role
from tests.cases import factories as f
from tests.core.test_uploads import image, pdf
from tests.org import factories as org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def item(db):
    return f.item()


@pytest.fixture
def handler(item):
    return org.staff(role=Role.CLERK, dept=item.department).user


@pytest.fixture
def zhang_san(db):
    return org.applicant("zhang_san")


@pytest.fixture
def case(item, handler, zhang_san):
    return services.case_submit(**f.submit_kwargs(item, handler, applicant=zhang_san))


def a_pdf(name: str = "申请书.pdf"):
    return SimpleUploadedFile(name, pdf(2), content_type="application/pdf")


def stored(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def refused(call, code: str, media, words: str = ""):
    before = (CaseFile.objects.count(), AuditEvent.objects.filter(success=True).count(), stored(media))
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert (
        CaseFile.objects.count(),
        AuditEvent.objects.filter(success=True).count(),
        stored(media),
    ) == before


def test_a_clerk_attaches_a_scanned_material(case, handler, media):
    row = case_file_attach(case=case, kind="material", material_name="申请书", upload=a_pdf("../申请书.pdf"),
                           actor=handler)  # fmt: skip
    assert (row.case, row.name, row.content_type, row.uploaded_by) == (
        case,
        "申请书.pdf",
        "application/pdf",
        handler,
    )
    assert row.file.name.startswith("cases/") and "申请书" not in row.file.name  # a random stored name
    with row.file.open("rb") as fh:
        assert fh.read() == pdf(2)
    audit = AuditEvent.objects.get(action="cases.file_attach", object_id=str(row.pk))
    assert (audit.detail["sha256"], audit.detail["case"]) == (row.sha256, case.number)


def test_the_applicant_adds_materials_to_own_case_and_draft(case, zhang_san, item):
    assert case_file_attach(case=case, kind="material", upload=a_pdf(), actor=zhang_san).case == case
    draft = online.draft_save(applicant=zhang_san, item=item, data={}, actor=zhang_san)
    row = case_file_attach(draft=draft, kind="material", upload=a_pdf(), actor=zhang_san)
    assert (row.draft, row.case) == (draft, None)


def test_strangers_and_staff_out_of_scope_are_refused(case, item, zhang_san, media):
    li_si = org.applicant("li_si")
    stranger = org.staff(role=Role.CLERK).user
    draft = online.draft_save(applicant=zhang_san, item=item, data={}, actor=zhang_san)
    refused(
        lambda: case_file_attach(case=case, kind="material", upload=a_pdf(), actor=li_si),
        "org.forbidden",
        media,
    )
    refused(lambda: case_file_attach(case=case, kind="material", upload=a_pdf(), actor=stranger),
            "cases.file_forbidden", media, "不能")  # fmt: skip
    refused(lambda: case_file_attach(draft=draft, kind="material", upload=a_pdf(), actor=li_si),
            "cases.file_forbidden", media)  # fmt: skip
    refused(lambda: case_file_attach(case=case, kind="photo", upload=a_pdf(), actor=zhang_san),
            "cases.file_forbidden", media)  # fmt: skip


def test_a_bad_upload_stores_nothing(case, handler, media):
    exe = SimpleUploadedFile("申请书.pdf", b"MZ" + b"\x00" * 100, content_type="application/pdf")
    refused(lambda: case_file_attach(case=case, kind="material", upload=exe, actor=handler),
            "uploads.type_not_allowed", media, "PDF")  # fmt: skip
    script = SimpleUploadedFile("a.pdf", pdf(1, extra=(b"<< /JS (x) >>",)), content_type="application/pdf")
    refused(lambda: case_file_attach(case=case, kind="material", upload=script, actor=handler),
            "uploads.pdf_javascript", media)  # fmt: skip


def test_bad_targets_and_kinds(case, handler, media, item, zhang_san):
    draft = online.draft_save(applicant=zhang_san, item=item, data={}, actor=zhang_san)
    refused(
        lambda: case_file_attach(kind="material", upload=a_pdf(), actor=handler), "cases.file_target", media
    )
    refused(lambda: case_file_attach(case=case, draft=draft, kind="material", upload=a_pdf(), actor=handler),
            "cases.file_target", media)  # fmt: skip
    refused(lambda: case_file_attach(case=case, kind="video", upload=a_pdf(), actor=handler), "cases.file_kind",
            media)  # fmt: skip


def test_files_follow_the_stage_of_the_case(case, handler, zhang_san, media):
    refused(lambda: case_file_attach(case=case, kind="signature", upload=a_pdf(), actor=handler),
            "cases.file_stage", media, "签收")  # fmt: skip
    case = services.case_accept(case=case, actor=handler)
    with transaction.atomic():  # the engine's DECIDE (processing.py)
        case = moves.move(moves.locked(case), action="decide", actor=None,
                          clock_step=lambda c, at: setattr(c, "decision", "approve"))  # fmt: skip
    case = decisions.case_conclude(case=case, result_code=0, certificate_no="X1",
                                   certificate_valid_until=dt.date(2099, 1, 1), actor=handler)  # fmt: skip
    signature = SimpleUploadedFile("签收.png", image("PNG"), content_type="image/png")
    assert case_file_attach(case=case, kind="signature", upload=signature, actor=handler).kind == "signature"
    refused(lambda: case_file_attach(case=case, kind="material", upload=a_pdf(), actor=handler), "cases.file_stage",
            media)  # fmt: skip


def test_nothing_is_added_to_a_withdrawn_case(case, zhang_san, media):
    services.case_withdraw(case=case, actor=zhang_san)
    refused(lambda: case_file_attach(case=case, kind="material", upload=a_pdf(), actor=zhang_san),
            "cases.case_closed", media, "终止")  # fmt: skip


def test_an_inspector_attaches_photos_to_own_task(case, handler):
    inspector = org.staff(role=Role.INSPECTOR).user  # of another unit: the task is the permission
    case = services.case_accept(case=case, actor=handler)
    step = CaseStep.objects.create(case=case, round=99, flow_order=2, name="现场踏勘", role="inspector",
                                   started_at=timezone.now())  # fmt: skip
    task = StepTask.objects.create(
        step=step, case=case, kind="inspect", assignee=inspector, created_at=timezone.now()
    )
    photo = SimpleUploadedFile("现场.jpg", image("JPEG"), content_type="image/jpeg")
    row = case_file_attach(task=task, kind="photo", upload=photo, actor=inspector)
    assert (row.case, row.task, row.content_type) == (case, task, "image/jpeg")


def test_the_agent_adds_materials_to_the_case_they_filed(item, media):
    agent, station = f.agent()
    case = services.case_submit(
        **f.submit_kwargs(
            item, agent, channel="agency", site=station, agent=agent, consent_recorded_at=timezone.now()
        )
    )
    assert case_file_attach(case=case, kind="material", upload=a_pdf(), actor=agent).uploaded_by == agent
    other_agent, _station = f.agent()
    refused(lambda: case_file_attach(case=case, kind="material", upload=a_pdf(), actor=other_agent),
            "org.forbidden", media)  # fmt: skip
