"""Every write of the cases context at intake (STYLE.md 2–4). Decisions follow 行政许可法 Art. 32;
what happens after acceptance lives in ``cases.decisions``.

Online filings pass a pre-review first: the case is received (``received_at``, status 1, kept for
reporting) when the applicant submits, but the Art. 32 five-working-day acceptance window
(``acceptance_deadline``) opens only when the item's reviewer passes it — before that the materials
have not been confirmed as received by the department.
"""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from govhall.cases import clocks, decisions, permissions, processing, undertakings
from govhall.cases.errors import PreconditionMissing, SecondNotice
from govhall.cases.models import (
    AcceptanceMode,
    ApplicantKind,
    Case,
    Channel,
    Notice,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.moves import actor_or_none, event, locked, move, notify, snapshot
from govhall.cases.notices import notice_issue
from govhall.cases.seals import chief_delegation
from govhall.cases.selectors import password_digest
from govhall.cases.states import REPORT_RECEIVED, Action, CaseState, next_state
from govhall.catalog.models import CaseKind, ItemStatus, LimitUnit
from govhall.core import audit, serials, workdays
from govhall.core.crypto import keyed_digest
from govhall.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from govhall.core.identity import check_ric, check_uscc
from govhall.core.masking import mask_name
from govhall.org.access import require_role, staff_of
from govhall.org.models import Role

INTAKE_ROLES = permissions.INTAKE_ROLES
FORM_MAX_BYTES = 64 * 1024  # an online form's fields as JSON; materials are files, not form data
BATCH_MAX = 50  # filings in one market-day batch
BATCH_FIELDS = frozenset({"item", "site", "applicant_name", "applicant_id_number", "applicant_kind",
                          "consent_recorded_at", "idempotency_key"})  # fmt: skip


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


def _check_retained(item) -> None:
    if item.status != ItemStatus.RETAINED:
        raise ValidationFailed(
            _("事项“%(name)s”已不再办理。") % {"name": item.name},
            code="cases.item_not_retained",
            field="item",
        )


def _check_item(item, id_digest: str) -> None:
    _check_retained(item)
    required = item.preconditions.filter(status=ItemStatus.RETAINED, required_item__isnull=False)
    for pre in required.select_related("required_item"):
        done = (
            Case.objects.filter(
                item=pre.required_item,
                applicant_id_digest=id_digest,
                state__in=(CaseState.CONCLUDED, CaseState.DELIVERED),
            )
            .exclude(result_code__gt=0)  # concluded with the certificate (0), not refused or returned
            .exists()
        )
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


def _intake_clock(item, channel: str, now) -> dict:
    """Online filings of an item with a pre-review limit wait for the reviewer; the rest are received."""
    if channel == Channel.ONLINE and item.pre_review_limit > 0:
        due = workdays.due_instant(now, item.pre_review_limit, "workday")
        return {"state": CaseState.PRE_REVIEW, "pre_review_due_at": due, "acceptance_deadline": None}
    return {"state": CaseState.SUBMITTED, "acceptance_deadline": clocks.acceptance_deadline(now)}


def _submit(
    *, item, site, channel: str, applicant_name: str, applicant_id_number: str,
    applicant_kind: str = ApplicantKind.PERSON, applicant=None, window=None, agent=None,
    consent_recorded_at=None, idempotency_key: str | None = None, form_data: dict | None = None, actor,
) -> Case:  # fmt: skip
    """Receive an application inside the caller's transaction (see ``case_submit``)."""
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
                query_password_digest=password_digest(number, password), report_status=REPORT_RECEIVED,
                received_at=now, form_data=form_data or {}, **_intake_clock(item, channel, now),
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


@transaction.atomic(durable=True)
def case_submit(
    *, item, site, channel: str, applicant_name: str, applicant_id_number: str,
    applicant_kind: str = ApplicantKind.PERSON, applicant=None, window=None, agent=None,
    consent_recorded_at=None, idempotency_key: str | None = None, form_data: dict | None = None, actor,
) -> Case:  # fmt: skip
    """Receive an application (status 1). A retried ``idempotency_key`` returns the first case.

    Online filings of an item with a pre-review limit start in PRE_REVIEW. The returned case
    carries ``query_password`` (6 digits) once, for the applicant's receipt.
    """
    return _submit(
        item=item, site=site, channel=channel, applicant_name=applicant_name,
        applicant_id_number=applicant_id_number, applicant_kind=applicant_kind, applicant=applicant,
        window=window, agent=agent, consent_recorded_at=consent_recorded_at, idempotency_key=idempotency_key,
        form_data=form_data, actor=actor,
    )  # fmt: skip


@transaction.atomic(durable=True)
def agency_batch_submit(*, filings: list[dict], actor) -> list[Case]:
    """A market-day station's filings of one agent, all or nothing (one transaction).

    Each filing holds ``item``, ``site``, the applicant's name, ID number and kind,
    ``consent_recorded_at`` and optionally ``idempotency_key``; an error names the filing.
    """
    require_role(actor, Role.AGENT)
    if not filings or len(filings) > BATCH_MAX:
        raise ValidationFailed(
            _("一次批量代办须包含1至%(m)d件申请。") % {"m": BATCH_MAX},
            code="cases.batch_size",
            field="filings",
        )
    cases = []
    for index, filing in enumerate(filings):
        try:
            unknown = sorted(set(filing) - BATCH_FIELDS)
            if unknown:
                raise ValidationFailed(
                    _("未知字段：%(f)s") % {"f": "、".join(unknown)}, code="cases.batch_field"
                )
            cases.append(_submit(**filing, channel=Channel.AGENCY, agent=actor, actor=actor))
        except DomainError as error:
            error.message = _("第%(n)d件：%(m)s") % {"n": index + 1, "m": error.message}
            error.args = (error.message,)
            error.extra["index"] = index
            raise
    return cases


# --- acceptance (Art. 32) ------------------------------------------------------------------------


def _accept(case: Case, *, action: str, actor, note: str = "", mode: str = AcceptanceMode.NORMAL, data=None):
    """Accept a locked case: clocks start, the notice is issued, the engine starts the steps.

    Instant items start no steps: the clerk or chief decides them on the spot.
    """

    def start(c, at):
        c.accepted_at, c.acceptance_deadline, c.acceptance_mode = at, None, mode

    case = move(case, action=action, actor=actor, note=note, clock_step=start)
    notice_issue(case=case, kind=Notice.Kind.ACCEPTANCE, actor=actor, at=case.accepted_at,
                 data={"acceptance_mode": mode, **(data or {})})  # fmt: skip
    if case.item.case_kind != CaseKind.INSTANT:
        processing.steps_start(case=case, at=case.accepted_at, actor=actor)
    notify(case, "case_accepted", _("您的办件%(n)s已受理。") % {"n": case.number})
    return case


@transaction.atomic(durable=True)
def case_accept(*, case: Case, actor, note: str = "") -> Case:
    permissions.require(Action.ACCEPT, case=case, actor=actor)
    case = locked(case)
    next_state(case.state, Action.ACCEPT)
    return _accept(case, action=Action.ACCEPT, actor=actor, note=note)


def _dishonest(case: Case) -> bool:
    """Hook: ``settings.GOVHALL_DISHONESTY_CHECK`` names a callable(applicant_id_digest) -> bool
    (a credit-list lookup lives outside this context); none configured → nobody is listed."""
    path = getattr(settings, "GOVHALL_DISHONESTY_CHECK", "")
    return bool(path) and bool(import_string(path)(case.applicant_id_digest))


def _owed(case: Case, owed) -> list[str]:
    names = list(dict.fromkeys(str(m).strip() for m in (owed or []) if str(m).strip()))
    if not names:
        raise ValidationFailed(_("容缺受理须列明欠交的材料。"), code="cases.owed_required", field="owed")
    materials = case.item_version.snapshot.get("materials", [])
    main = [n for n in names if any(m["name"] == n and m.get("is_main", True) for m in materials)]
    if main:
        raise ValidationFailed(
            _("容缺受理须主要材料齐全，“%(m)s”是主要材料，不能容缺。") % {"m": "、".join(main)},
            code="cases.main_material_owed",
            field="owed",
        )
    return names


def _tolerant_deadline(case: Case, deadline_workdays, at):
    limit, unit = decisions.version_limit(case, "promised_limit")
    try:
        amount = workdays.to_amount(deadline_workdays)
    except ValidationFailed:
        amount = None
    promised_due = workdays.due_instant(at, limit, unit)
    deadline = workdays.due_instant(at, amount, "workday") if amount and amount > 0 else None
    if deadline is None or deadline > promised_due:
        raise ValidationFailed(
            _("补齐期限须为大于0、不超过承诺时限（%(l)s%(u)s）的工作日数。")
            % {"l": format(limit.normalize(), "f"), "u": LimitUnit(unit).label},
            code="cases.undertaking_deadline",
            field="deadline_workdays",
        )
    return amount, deadline


def _undertaking_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("须有申请人签署的承诺内容。"), code="cases.undertaking_required",
                               field="undertaking_text")  # fmt: skip
    return text


@transaction.atomic(durable=True)
def case_accept_tolerant(
    *, case: Case, owed: list[str], undertaking_text: str, deadline_workdays, actor
) -> Case:
    """容缺受理: main materials complete, minor ones owed under a signed undertaking by a deadline
    no later than the promised limit; missing it ends the case (``undertakings.cases_expire_undertakings``)."""
    permissions.require(Action.ACCEPT_TOLERANT, case=case, actor=actor)
    if not case.item.tolerant:
        raise ValidationFailed(_("该事项不实行容缺受理。"), code="cases.not_tolerant")
    names = _owed(case, owed)
    text = _undertaking_text(undertaking_text)
    case = locked(case)
    next_state(case.state, Action.ACCEPT_TOLERANT)
    if _dishonest(case):
        raise PermissionDenied(_("申请人列入失信名单，不适用容缺受理。"), code="cases.dishonest")
    at = timezone.now()
    amount, deadline = _tolerant_deadline(case, deadline_workdays, at)
    Undertaking.objects.create(case=case, kind=AcceptanceMode.TOLERANT, owed=names, text=text, signed_at=at,
                               deadline=deadline)  # fmt: skip
    return _accept(case, action=Action.ACCEPT_TOLERANT, actor=actor, note="、".join(names),
                   mode=AcceptanceMode.TOLERANT, data={"owed": names, "undertaking_deadline": deadline.isoformat(),
                                                       "undertaking_workdays": str(amount)})  # fmt: skip


@transaction.atomic(durable=True)
def case_accept_commitment(*, case: Case, undertaking_text: str, actor) -> Case:
    """告知承诺: a signed commitment replaces a proof; ``undertakings.commitment_verify`` checks it later."""
    permissions.require(Action.ACCEPT_COMMITMENT, case=case, actor=actor)
    if not case.item.commitment:
        raise ValidationFailed(_("该事项不实行告知承诺制。"), code="cases.not_commitment")
    text = _undertaking_text(undertaking_text)
    case = locked(case)
    next_state(case.state, Action.ACCEPT_COMMITMENT)
    Undertaking.objects.create(case=case, kind=AcceptanceMode.COMMITMENT, text=text, signed_at=timezone.now())
    return _accept(case, action=Action.ACCEPT_COMMITMENT, actor=actor, mode=AcceptanceMode.COMMITMENT,
                   data={"commitment": text})  # fmt: skip


@transaction.atomic(durable=True)
def case_refuse(*, case: Case, reason: str, actor) -> Case:
    permissions.require(Action.REFUSE, case=case, actor=actor)
    if not (reason or "").strip():
        raise ValidationFailed(_("不予受理必须说明理由。"), code="cases.reason_required", field="reason")
    case = locked(case)

    def stop(c, at):
        c.acceptance_deadline = None

    case = move(case, action=Action.REFUSE, actor=actor, note=reason.strip(), clock_step=stop)
    notice_issue(case=case, kind=Notice.Kind.REFUSAL, actor=actor, data={"reason": reason.strip()})
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
    permissions.require(Action.REQUEST_SUPPLEMENT, case=case, actor=actor)
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
                                    by=actor_or_none(actor))  # fmt: skip
    notice_issue(case=case, kind=Notice.Kind.SUPPLEMENT, actor=actor, data={"materials": names})
    notify(
        case,
        "case_supplement",
        _("您的办件%(n)s需补正材料：%(m)s") % {"n": case.number, "m": "、".join(names)},
    )
    return case


@transaction.atomic(durable=True)
def case_supplement_received(*, case: Case, actor, note: str = "") -> Case:
    permissions.require(Action.SUPPLEMENT_RECEIVED, case=case, actor=actor)
    case = locked(case)

    def step(c, at):
        if c.accepted_at is None:  # complete now: a new Art. 32 window from the supplement
            c.acceptance_deadline = clocks.acceptance_deadline(at)
        clocks.resume(c, at=at)

    return move(case, action=Action.SUPPLEMENT_RECEIVED, actor=actor, note=note, clock_step=step)


@transaction.atomic(durable=True)
def case_correct(*, case: Case, corrections: str, applicant_name: str | None = None, actor) -> Case:
    """行政许可法 Art. 32(3): an error in the application corrected on the spot by the applicant.

    The case stays received (its Art. 32 window keeps running); what was corrected is recorded,
    and a corrected applicant name is audited with its before and after.
    """
    permissions.require(Action.CORRECT, case=case, actor=actor)
    corrections = (corrections or "").strip()
    if not corrections:
        raise ValidationFailed(
            _("请写明当场更正的内容。"), code="cases.corrections_required", field="corrections"
        )
    name = (applicant_name or "").strip()
    if applicant_name is not None and not name:
        raise ValidationFailed(
            _("请填写申请人姓名或名称。"), code="cases.applicant_name", field="applicant_name"
        )
    case = locked(case)
    next_state(case.state, Action.CORRECT)

    old_name = case.applicant_name

    def fix(c, at):
        if name:
            c.applicant_name = name

    case = move(case, action=Action.CORRECT, actor=actor, note=corrections, clock_step=fix)
    if name and name != old_name:  # masked in the log: the audit proves the change, not the name
        audit.record(action="cases.correct_applicant_name", actor=actor, obj=case,
                     before={"applicant_name": mask_name(old_name)}, after={"applicant_name": mask_name(name)})  # fmt: skip
    return case


def _may_withdraw(case: Case, actor) -> None:
    if permissions.is_party(case, actor):
        return
    if staff_of(actor) is None or staff_of(actor).role not in INTAKE_ROLES:
        raise PermissionDenied(_("只有申请人、代办员或窗口人员可以撤回办件。"), code="cases.forbidden")


@transaction.atomic(durable=True)
def case_withdraw(*, case: Case, actor, reason: str = "") -> Case:
    """Withdrawal by the applicant before conclusion; after acceptance the clocks stop and the
    steps and tasks still open are cancelled."""
    case = locked(case)
    _may_withdraw(case, actor)

    def stop(c, at):
        c.pre_review_due_at = None
        if c.accepted_at is None:
            c.acceptance_deadline = None
            clocks.resume(c, at=at)
        else:
            decisions.end_case(c, at=at, actor=actor)

    return move(case, action=Action.WITHDRAW, actor=actor, note=(reason or "").strip(), clock_step=stop)


# --- instant items (即办件) ----------------------------------------------------------------------


def _check_instant(*, item, site, window, actor) -> None:
    if item.case_kind != CaseKind.INSTANT:
        raise ValidationFailed(_("“%(n)s”是承诺件，不能即时办结。") % {"n": item.name}, code="cases.not_instant",
                               field="item")  # fmt: skip
    staff = permissions.require(Action.ACCEPT, actor=actor, item=item, site=site)
    if not permissions.covers(actor, item=item, site=site):
        raise PermissionDenied(_("该事项不在您的办理范围内。"), code="cases.out_of_scope")
    if staff is not None and staff.role == Role.CHIEF:
        chief_delegation(actor=actor, department=item.department, power="decide")
        chief_delegation(actor=actor, department=item.department, power="seal")
    if window is not None and window.site_id != site.pk:
        raise ValidationFailed(_("窗口不属于该服务场所。"), code="cases.window_site", field="window")


@transaction.atomic(durable=True)
def case_handle_instant(
    *, item, site, window=None, applicant_name: str, applicant_id_number: str,
    applicant_kind: str = ApplicantKind.PERSON, result_code: int, reason: str = "", certificate_no: str = "",
    certificate_valid_until=None, idempotency_key: str | None = None, actor,
) -> Case:  # fmt: skip
    """即办件: received, accepted and concluded in one sitting by a clerk, or by a chief under a
    "decide" delegation for the item's department (result 0 with a certificate, or 1 with a reason)."""
    _check_instant(item=item, site=site, window=window, actor=actor)
    if str(result_code) not in ("0", "1"):
        raise ValidationFailed(_("即办件的办结结果只能是出证办结或不予许可。"), code="cases.result_code",
                               field="result_code")  # fmt: skip
    result = decisions.check_result(result_code=result_code, reason=reason, certificate_no=certificate_no,
                                    certificate_valid_until=certificate_valid_until)  # fmt: skip
    case = _submit(item=item, site=site, window=window, channel=Channel.WINDOW, applicant_name=applicant_name,
                   applicant_id_number=applicant_id_number, applicant_kind=applicant_kind,
                   idempotency_key=idempotency_key, actor=actor)  # fmt: skip
    if getattr(case, "query_password", None) is None:
        return case  # a replayed key: handled already
    password = case.query_password
    case = _accept(locked(case), action=Action.ACCEPT, actor=actor)
    case = decisions.conclude_locked(case, result=result, actor=actor)
    case.query_password = password
    return case


# --- sweeps --------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def cases_deem_accepted(*, now=None) -> int:
    """行政许可法 Art. 32: every case still received past its acceptance deadline is accepted
    from its receipt. One indexed query finds them; each is locked, moved and audited (actor None);
    the acceptance notice is issued and the engine starts the steps."""
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
        notice_issue(case=case, kind=Notice.Kind.ACCEPTANCE, actor=None, at=now,
                     data={"acceptance_mode": case.acceptance_mode, "deemed": True})  # fmt: skip
        if case.item.case_kind != CaseKind.INSTANT:
            processing.steps_start(case=case, at=now, actor=None)
        count += 1
    return count


def cases_sweep(*, now=None) -> dict[str, int]:
    """What ``govhall cases_sweep`` and the huey periodic task run: each sweep in its own transaction."""
    return {
        "deemed accepted": cases_deem_accepted(now=now),
        "undertakings expired": undertakings.cases_expire_undertakings(now=now),
    }
