"""Files on a case or a draft: materials, inspection photos, delivery signatures.

Every upload passes ``core.uploads.check_upload`` (type by content, size, PDF pages and scripts,
a sanitised name) and is stored through Django's storage under a random name, so no part of a
user's file name reaches the file system.
"""

import uuid

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from govhall.cases import permissions
from govhall.cases.models import Case, CaseDraft, CaseFile, StepTask
from govhall.cases.moves import actor_or_none
from govhall.cases.states import CaseState
from govhall.core import audit, uploads
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.access import require_role
from govhall.org.models import Role

FILE_ROLES = (Role.CLERK, Role.CHIEF, Role.APPROVER, Role.INSPECTOR)
ENDED = frozenset({CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.REVOKED})
RESULT_STATES = frozenset({CaseState.CONCLUDED, CaseState.DELIVERED})


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("您不能向该办件上传文件。"), code="cases.file_forbidden")


def _check_draft(draft: CaseDraft, actor) -> None:
    if actor is None or draft.applicant_id != getattr(actor, "pk", None):
        raise _forbidden()
    if draft.submitted_case_id:
        raise Conflict(_("该草稿已提交，不能再上传材料。"), code="cases.draft_submitted")


def _check_case(case: Case, *, task: StepTask | None, kind: str, actor) -> None:
    if permissions.is_party(case, actor):
        if kind != CaseFile.Kind.MATERIAL:
            raise _forbidden()
    else:
        require_role(actor, *FILE_ROLES)
        own_task = task is not None and task.assignee_id == actor.pk
        if not own_task and not permissions.covers(actor, item=case.item, site=case.site):
            raise _forbidden()
    if case.state in ENDED:
        raise Conflict(_("办件已终止，不能再上传文件。"), code="cases.case_closed")
    # A signature belongs to the result's hand-over; nothing else is added after conclusion.
    if (case.state in RESULT_STATES) != (kind == CaseFile.Kind.SIGNATURE):
        raise Conflict(_("签收文件只能在办结后上传，其他文件只能在办结前上传。"), code="cases.file_stage")


def _target(case, draft, task):
    if task is not None:
        case = case or task.case
        if task.case_id != case.pk:
            raise ValidationFailed(_("办理任务不属于该办件。"), code="cases.file_target", field="task")
    if (case is None) == (draft is None):
        raise ValidationFailed(_("文件须属于一个办件或一份草稿。"), code="cases.file_target", field="case")
    return case, draft


@transaction.atomic(durable=True)
def case_file_attach(
    *, case: Case | None = None, draft: CaseDraft | None = None, task: StepTask | None = None, kind: str,
    material_name: str = "", upload, actor,
) -> CaseFile:  # fmt: skip
    """Check and store an upload on a case (its applicant or agent, or staff in scope) or on the
    applicant's own draft; audited with the file's digest."""
    case, draft = _target(case, draft, task)
    if kind not in CaseFile.Kind.values:
        raise ValidationFailed(_("文件类别“%(k)s”无效。") % {"k": kind}, code="cases.file_kind", field="kind")
    material_name = (material_name or "").strip()
    if len(material_name) > 128:
        raise ValidationFailed(_("材料名称过长。"), code="cases.material_name", field="material_name")
    if draft is not None:
        _check_draft(draft, actor)
    else:
        case = Case.objects.select_related("item", "site").get(pk=case.pk)
        _check_case(case, task=task, kind=kind, actor=actor)
    checked = uploads.check_upload(upload)
    row = CaseFile(
        case=case, draft=draft, task=task, kind=kind, material_name=material_name, name=checked.name,
        size=checked.size, content_type=checked.content_type, sha256=checked.sha256,
        uploaded_by=actor_or_none(actor),
    )  # fmt: skip
    row.file.save(
        f"{uuid.uuid4().hex}{uploads.extension_for(checked.content_type)}", File(upload), save=False
    )
    try:
        row.save()
        audit.record(action="cases.file_attach", actor=actor, obj=row, detail={
            "case": case.number if case else None, "draft": draft.pk if draft else None, "kind": kind,
            "material": material_name, "name": checked.name, "size": checked.size, "sha256": checked.sha256,
        })  # fmt: skip
    except BaseException:
        row.file.delete(save=False)  # the row is not written: no orphan file either
        raise
    return row
