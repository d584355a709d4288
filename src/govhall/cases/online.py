"""Online filing (网上申请): drafts, submission, pre-review by the item's reviewer, resubmission.

An online filing is received (report status 1) when the draft is submitted, but the Art. 32
acceptance window opens only when pre-review passes: the materials are then confirmed complete.
"""

import json

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.cases import clocks, permissions
from govhall.cases.models import ApplicantKind, Case, CaseDraft, CaseFile, Channel
from govhall.cases.moves import locked, move, notify
from govhall.cases.services import FORM_MAX_BYTES, _check_retained, _submit
from govhall.cases.states import Action
from govhall.core import audit, workdays
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models.users import UserKind
from govhall.org.models import Site, SiteKind


def _check_form(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed(_("申请表内容格式无效。"), code="cases.form_data", field="data")
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise ValidationFailed(_("申请表内容格式无效。"), code="cases.form_data", field="data") from None
    if size > FORM_MAX_BYTES:
        raise ValidationFailed(_("申请表内容过长。"), code="cases.form_too_large", field="data")
    return data


def _own_draft(draft: CaseDraft, actor) -> CaseDraft:
    draft = CaseDraft.objects.select_for_update().select_related("item").get(pk=draft.pk)
    if actor is None or draft.applicant_id != actor.pk:
        raise PermissionDenied(_("只能操作本人的申请草稿。"), code="cases.draft_forbidden")
    return draft


@transaction.atomic(durable=True)
def draft_save(*, applicant, item, data: dict, draft: CaseDraft | None = None, actor) -> CaseDraft:
    """Save an online application being filled in (no number, no clock yet)."""
    if actor is None or applicant is None or actor.pk != applicant.pk:
        raise PermissionDenied(_("网上申请只能由申请人本人填写。"), code="cases.not_applicant")
    data = _check_form(data)
    _check_retained(item)
    if not item.online:
        raise ValidationFailed(_("事项“%(n)s”不支持网上办理。") % {"n": item.name}, code="cases.not_online",
                               field="item")  # fmt: skip
    if draft is None:
        draft = CaseDraft.objects.create(applicant=applicant, item=item, data=data)
    else:
        draft = _own_draft(draft, actor)
        if draft.submitted_case_id:
            raise Conflict(_("该草稿已提交，不能再修改。"), code="cases.draft_submitted")
        if draft.item_id != item.pk:
            raise ValidationFailed(_("草稿的申请事项不能更改。"), code="cases.draft_item", field="item")
        draft.data = data
        draft.save(update_fields=["data", "updated_at"])
    # The field names only: the values are the applicant's personal data.
    audit.record(
        action="cases.draft_save", actor=actor, obj=draft, detail={"item": item.code, "fields": sorted(data)}
    )
    return draft


def _online_site(item) -> Site:
    """Where an online filing is received: a site with a window serving the item, else the centre."""
    site = Site.objects.filter(windows__items=item, windows__active=True, active=True).order_by("pk").first()
    site = site or Site.objects.filter(kind=SiteKind.CENTRE, active=True).order_by("pk").first()
    if site is None:
        raise ValidationFailed(_("没有受理该事项的服务场所。"), code="cases.site_unknown", field="site")
    return site


def _draft_identity(draft: CaseDraft) -> dict:
    user = draft.applicant
    if user.kind == UserKind.PERSON:
        from govhall.core.personal import user_id_number

        # A person files for themself: name and ID number come from the real-name account.
        return {"applicant_name": user.real_name, "applicant_id_number": user_id_number(user),
                "applicant_kind": ApplicantKind.PERSON}  # fmt: skip
    data = draft.data
    number = str(data.get("applicant_id_number", ""))
    if user.kind == UserKind.ENTERPRISE:
        # An operator files only for an enterprise that has authorised them (core.enterprises).
        from govhall.core.enterprises import operator_may_act
        from govhall.core.identity import check_uscc

        checked = check_uscc(number)
        if not checked.valid or not operator_may_act(user=user, credit_code=checked.normalized):
            raise PermissionDenied(_("您未获该单位授权，不能以该单位名义申请。"), code="cases.not_authorised")
        number = checked.normalized
    return {"applicant_name": str(data.get("applicant_name", "")),
            "applicant_id_number": number,
            "applicant_kind": str(data.get("applicant_kind") or ApplicantKind.ENTERPRISE)}  # fmt: skip


@transaction.atomic(durable=True)
def draft_submit(*, draft: CaseDraft, idempotency_key: str | None = None, actor) -> Case:
    """Turn the applicant's draft into an online case; the same key again returns the same case."""
    draft = _own_draft(draft, actor)
    if draft.submitted_case_id:
        case = draft.submitted_case
        if idempotency_key and case.idempotency_key == idempotency_key:
            return case
        raise Conflict(
            _("该草稿已提交为办件%(n)s，不能再次提交。") % {"n": case.number}, code="cases.draft_submitted"
        )
    case = _submit(item=draft.item, site=_online_site(draft.item), channel=Channel.ONLINE, applicant=actor,
                   idempotency_key=idempotency_key, form_data=draft.data, actor=actor,
                   **_draft_identity(draft))  # fmt: skip
    if case.applicant_id != actor.pk or CaseDraft.objects.filter(submitted_case=case).exists():
        raise Conflict(_("该幂等键已用于另一申请。"), code="cases.idempotency_mismatch")
    draft.submitted_case = case
    draft.save(update_fields=["submitted_case", "updated_at"])
    CaseFile.objects.filter(draft=draft, case__isnull=True).update(case=case)
    return case


@transaction.atomic(durable=True)
def case_pre_review(*, case: Case, passed: bool, reasons: str = "", actor) -> Case:
    """The item's reviewer checks an online filing; a return names its reasons to the applicant."""
    action = Action.PRE_REVIEW_PASS if passed else Action.PRE_REVIEW_RETURN
    permissions.require(action, case=case, actor=actor)
    reasons = (reasons or "").strip()
    if not passed and not reasons:
        raise ValidationFailed(_("预审退回必须说明理由。"), code="cases.reason_required", field="reasons")
    case = locked(case)

    def step(c, at):
        c.pre_review_due_at = None
        if passed:  # 行政许可法 Art. 32: the acceptance window opens when the materials are confirmed
            c.acceptance_deadline = clocks.acceptance_deadline(at)

    case = move(case, action=action, actor=actor, note=reasons, clock_step=step)
    if passed:
        notify(case, "case_pre_review_passed", _("您的网上申请%(n)s已通过预审。") % {"n": case.number})
    else:
        notify(case, "case_pre_review_returned",
               _("您的网上申请%(n)s预审退回：%(r)s") % {"n": case.number, "r": reasons})  # fmt: skip
    return case


@transaction.atomic(durable=True)
def case_resubmit(*, case: Case, form_data: dict | None = None, actor) -> Case:
    """The applicant sends a returned online filing back to pre-review (a new pre-review limit)."""
    if actor is None or case.applicant_id != actor.pk:
        raise PermissionDenied(_("只有申请人本人可以重新提交。"), code="cases.not_applicant")
    data = _check_form(form_data) if form_data is not None else None
    case = locked(case)

    def step(c, at):
        c.pre_review_due_at = workdays.due_instant(at, c.item.pre_review_limit, "workday")
        if data is not None:
            c.form_data = data

    return move(case, action=Action.RESUBMIT, actor=actor, clock_step=step)
