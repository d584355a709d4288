"""Every write of the cases context (STYLE.md 2–4). Intake decisions follow 行政许可法 Art. 32."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import clocks, processing
from govhall.cases.errors import PreconditionMissing, SecondNotice
from govhall.cases.models import ApplicantKind, Case, Channel, SupplementNotice
from govhall.cases.moves import event, locked, move, notify, snapshot
from govhall.cases.states import REPORT_RECEIVED, Action, CaseState, next_state
from govhall.catalog.models import ItemStatus
from govhall.core import audit, serials
from govhall.core.crypto import keyed_digest, sm3_hex
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.identity import check_ric, check_uscc
from govhall.org.access import require_role, staff_of
from govhall.org.models import Role

INTAKE_ROLES = (Role.CLERK, Role.CHIEF)


def _password_digest(number: str, password: str) -> str:
    return sm3_hex(f"{number}:{password}")


# --- intake ------------------------------------------------------------------------------------


def _check_submitter(*, channel: str, actor, applicant, agent, consent_recorded_at) -> None:
    if channel in (Channel.WINDOW, Channel.POST):
        require_role(actor, *INTAKE_ROLES)
    elif channel == Channel.AGENCY:
        require_role(actor, Role.AGENT)
        if agent is None or agent.pk != actor.pk:
            raise PermissionDenied(_("代办件的代办员必须是当前用户。"), code="cases.agent_mismatch")
        if consent_recorded_at is None:
            raise ValidationFailed(
                _("代办须先记录申请人的授权同意。"), code="cases.consent_missing", field="consent_recorded_at"
            )
    elif channel == Channel.ONLINE:
        if applicant is None or actor is None or applicant.pk != actor.pk:
            raise PermissionDenied(_("网上申请只能由申请人本人提交。"), code="cases.not_applicant")
    else:
        raise ValidationFailed(
            _("受理渠道“%(c)s”无效。") % {"c": channel}, code="cases.bad_channel", field="channel"
        )


def _check_applicant(*, name: str, id_number: str, kind: str) -> str:
    if not (name or "").strip():
        raise ValidationFailed(
            _("请填写申请人姓名或名称。"), code="cases.applicant_name", field="applicant_name"
        )
    if kind not in ApplicantKind.values:
        raise ValidationFailed(_("申请人类型无效。"), code="cases.applicant_kind", field="applicant_kind")
    result = check_ric(id_number) if kind == ApplicantKind.PERSON else check_uscc(id_number)
    if not result.valid:
        label = _("身份证号码") if kind == ApplicantKind.PERSON else _("统一社会信用代码")
        raise ValidationFailed(
            _("申请人%(label)s有误：%(reason)s") % {"label": label, "reason": result.reason},
            code="cases.applicant_id",
            field="applicant_id_number",
        )
    return keyed_digest(result.normalized)


def _check_item(item, id_digest: str) -> None:
    if item.status != ItemStatus.RETAINED:
        raise ValidationFailed(
            _("事项“%(name)s”已不再办理。") % {"name": item.name},
            code="cases.item_not_retained",
            field="item",
        )
    required = item.preconditions.filter(status=ItemStatus.RETAINED, required_item__isnull=False)
    for pre in required.select_related("required_item"):
        done = Case.objects.filter(
            item=pre.required_item, applicant_id_digest=id_digest, state=CaseState.CONCLUDED
        ).exists()
        if not done:
            raise PreconditionMissing(
                _("申请本事项须先办结前置事项“%(name)s”。") % {"name": pre.required_item.name},
                field="item",
                required_item=pre.required_item.code,
            )


def _replay(key: str, item) -> Case:
    case = Case.objects.get(idempotency_key=key)
    if case.item_id != item.pk:
        raise Conflict(_("该幂等键已用于另一事项的申请。"), code="cases.idempotency_mismatch")
    return case


@transaction.atomic(durable=True)
def case_submit(
    *, item, site, channel: str, applicant_name: str, applicant_id_number: str,
    applicant_kind: str = ApplicantKind.PERSON, applicant=None, window=None, agent=None,
    consent_recorded_at=None, idempotency_key: str | None = None, actor,
) -> Case:  # fmt: skip
    """Receive an application (status 1). A retried ``idempotency_key`` returns the first case.

    The returned case carries ``query_password`` (6 digits) once, for the applicant's receipt.
    """
    if idempotency_key and Case.objects.filter(idempotency_key=idempotency_key).exists():
        return _replay(idempotency_key, item)
    _check_submitter(channel=channel, actor=actor, applicant=applicant, agent=agent,
                     consent_recorded_at=consent_recorded_at)  # fmt: skip
    digest = _check_applicant(name=applicant_name, id_number=applicant_id_number, kind=applicant_kind)
    _check_item(item, digest)
    now = timezone.now()
    password = f"{secrets.randbelow(10**6):06d}"
    try:
        # A savepoint: a concurrent submission with the same key commits first and our INSERT
        # fails on the unique index; we roll back to here (the serial number too) and return it.
        with transaction.atomic():
            number = serials.case_number(site_code=site.code, day=timezone.localdate(now))
            case = Case.objects.create(
                number=number, item=item, item_version=item.versions.get(version=item.version),
                site=site, window=window, channel=channel, applicant=applicant,
                applicant_name=applicant_name.strip(), applicant_id_digest=digest, applicant_kind=applicant_kind,
                agent=agent, consent_recorded_at=consent_recorded_at, idempotency_key=idempotency_key or None,
                query_password_digest=_password_digest(number, password), state=CaseState.SUBMITTED,
                report_status=REPORT_RECEIVED, received_at=now, acceptance_deadline=clocks.acceptance_deadline(now),
            )  # fmt: skip
    except IntegrityError:
        if idempotency_key and Case.objects.filter(idempotency_key=idempotency_key).exists():
            return _replay(idempotency_key, item)
        raise
    event(case, action="submit", actor=actor, at=now, from_state="", note="")
    audit.record(action="cases.submit", actor=actor, obj=case, after=snapshot(case),
                 detail={"channel": channel, "item": item.code})  # fmt: skip
    case.query_password = password
    return case


# --- transitions -------------------------------------------------------------------------------


def _start_clocks(case: Case, at) -> None:
    case.accepted_at = at
    case.acceptance_deadline = None


@transaction.atomic(durable=True)
def case_accept(*, case: Case, actor, note: str = "") -> Case:
    require_role(actor, *INTAKE_ROLES)
    case = locked(case)
    next_state(case.state, Action.ACCEPT)
    case = move(case, action=Action.ACCEPT, actor=actor, note=note, clock_step=_start_clocks)
    processing.steps_start(case=case, at=case.accepted_at, actor=actor)
    notify(case, "case_accepted", _("您的办件%(n)s已受理。") % {"n": case.number})
    return case


@transaction.atomic(durable=True)
def case_refuse(*, case: Case, reason: str, actor) -> Case:
    require_role(actor, *INTAKE_ROLES)
    if not (reason or "").strip():
        raise ValidationFailed(_("不予受理必须说明理由。"), code="cases.reason_required", field="reason")
    case = locked(case)

    def stop(c, at):
        c.acceptance_deadline = None

    case = move(case, action=Action.REFUSE, actor=actor, note=reason.strip(), clock_step=stop)
    notify(case, "case_refused", _("您的办件%(n)s不予受理：%(r)s") % {"n": case.number, "r": reason.strip()})
    return case


def _clean_materials(materials) -> list[str]:
    names = [str(m).strip() for m in (materials or []) if str(m).strip()]
    if not names:
        raise ValidationFailed(
            _("一次性告知须列明全部缺少的材料。"), code="cases.materials_required", field="materials"
        )
    return list(dict.fromkeys(names))


@transaction.atomic(durable=True)
def case_request_supplement(*, case: Case, materials: list[str], actor) -> Case:
    """The one-time notice (行政许可法 Art. 32(4)); after acceptance it also pauses the clocks."""
    require_role(actor, *INTAKE_ROLES)
    names = _clean_materials(materials)
    case = locked(case)
    next_state(case.state, Action.REQUEST_SUPPLEMENT)
    if SupplementNotice.objects.filter(case=case).exists():
        raise SecondNotice(
            _("本办件已出具一次性告知书，不能再次告知补正；应补材料须一次列明。"), case=case.number
        )

    def step(c, at):
        c.acceptance_deadline = None  # a notice within the window ends deemed acceptance
        clocks.pause(c, reason="补正", at=at)

    case = move(case, action=Action.REQUEST_SUPPLEMENT, actor=actor, note="、".join(names), clock_step=step)
    SupplementNotice.objects.create(case=case, items=names, issued_at=timezone.now(),
                                    by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
    notify(
        case,
        "case_supplement",
        _("您的办件%(n)s需补正材料：%(m)s") % {"n": case.number, "m": "、".join(names)},
    )
    return case


@transaction.atomic(durable=True)
def case_supplement_received(*, case: Case, actor, note: str = "") -> Case:
    require_role(actor, *INTAKE_ROLES)
    case = locked(case)

    def step(c, at):
        if c.accepted_at is None:  # complete now: a new Art. 32 window from the supplement
            c.acceptance_deadline = clocks.acceptance_deadline(at)
        clocks.resume(c, at=at)

    return move(case, action=Action.SUPPLEMENT_RECEIVED, actor=actor, note=note, clock_step=step)


def _may_withdraw(case: Case, actor) -> None:
    if actor is not None and case.applicant_id is not None and actor.pk == case.applicant_id:
        return
    if actor is not None and case.agent_id is not None and actor.pk == case.agent_id:
        return
    if staff_of(actor) is None or staff_of(actor).role not in INTAKE_ROLES:
        raise PermissionDenied(_("只有申请人、代办员或窗口人员可以撤回办件。"), code="cases.forbidden")


@transaction.atomic(durable=True)
def case_withdraw(*, case: Case, actor, reason: str = "") -> Case:
    case = locked(case)
    _may_withdraw(case, actor)

    def stop(c, at):
        c.acceptance_deadline = None
        clocks.resume(c, at=at)  # a withdrawal closes an open pause so the ledger stays whole

    return move(case, action=Action.WITHDRAW, actor=actor, note=(reason or "").strip(), clock_step=stop)


@transaction.atomic(durable=True)
def cases_deem_accepted(*, now=None) -> int:
    """行政许可法 Art. 32: every case still received past its acceptance deadline is accepted
    from its receipt. One indexed query finds them; each is locked, moved and audited (actor None)."""
    now = now or timezone.now()
    due = (
        Case.objects.select_for_update()
        .select_related("item")
        .filter(state=CaseState.SUBMITTED, acceptance_deadline__lte=now)
    )
    count = 0
    for case in due.order_by("pk"):

        def start(c, at):
            c.accepted_at = c.received_at
            c.acceptance_deadline = None

        move(case, action=Action.DEEM_ACCEPT, actor=None, at=now, note=_("逾期未作处理，视为自收件之日起受理"),
              clock_step=start)  # fmt: skip
        count += 1
    return count
