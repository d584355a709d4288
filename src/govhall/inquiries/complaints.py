"""Complaint services (投诉, 12345-style): file, assign, reassign, reply, the complainant's
satisfaction, close, and the sweep that escalates complaints left unanswered past their deadline.

A complaint about a department, window, staff member or case goes straight to that unit (直派); a
general one waits for the complaint desk (supervisor, manager, duty leader) to dispatch it. The unit
replies within ``policy.reply_workdays()`` working days of the assignment and says whether the
complaint was upheld (属实); the complainant is told by SMS, once per reply (outbox dedupe key). An
unsatisfied complainant gets the complaint reopened once; unsatisfied again, it is escalated to the
desk. The sweep escalates a complaint the unit has not answered in time (once) and tells the unit's
leader. Every write is audited in its transaction; SMS leave through the outbox after commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core import audit, crypto, outbox, serials, workdays
from govhall.core.errors import PermissionDenied, ValidationFailed
from govhall.core.masking import mask_mobile
from govhall.inquiries import policy
from govhall.inquiries.models import (
    AWAITING_REPLY,
    COMPLAINT_TRANSITIONS,
    STAFF_CHANNELS,
    Complaint,
    ComplaintAction,
    ComplaintChannel,
    ComplaintState,
    ComplaintSubject,
)
from govhall.org.access import staff_of
from govhall.org.models import Department, Role, Staff, Window


def _next(complaint: Complaint, action: str) -> str:
    return policy.next_state(
        COMPLAINT_TRANSITIONS, complaint.state, action, labels=ComplaintState, actions=ComplaintAction,
        code="inquiries.complaint_state",
    )  # fmt: skip


def _snapshot(c: Complaint) -> dict:
    return {"state": c.state, "unit": c.unit_id, "reply_due_at": c.reply_due_at}


def _record(action: str, c: Complaint, actor, before: dict | None, **detail) -> None:
    audit.record(action=f"inquiries.complaint_{action}", actor=actor, obj=c, before=before,
                 after=_snapshot(c), detail={"number": c.number, **detail})  # fmt: skip


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)


def _require_desk(actor) -> None:
    if not policy.has_role(actor, *policy.DISPATCH_ROLES):
        raise PermissionDenied(_("只有投诉受理中心（监察员、中心管理员、值班领导）可以执行此操作。"),
                               code="inquiries.desk_only")  # fmt: skip


def _sms_complainant(c: Complaint, event: str, text: str) -> None:
    if c.complainant_mobile_cipher:
        outbox.enqueue(kind="sms", topic="complaint", payload={"mobile": crypto.decrypt(c.complainant_mobile_cipher),
                       "text": text}, dedupe_key=f"complaint:{c.pk}:{event}")  # fmt: skip


def unit_leader(unit: Department):
    """Who answers for a unit: its chief representative (lowest employee number), else the duty leader."""
    staff = Staff.objects.select_related("user").filter(active=True).order_by("employee_no")
    leader = (
        staff.filter(department=unit, role=Role.CHIEF).first() or staff.filter(role=Role.DUTY_LEADER).first()
    )
    return leader.user if leader is not None else None


def _start_clock(c: Complaint, unit: Department, now) -> None:
    c.unit, c.assigned_at = unit, now
    c.reply_workdays = policy.reply_workdays()
    c.reply_due_at = workdays.due_instant(now, c.reply_workdays, "workday")
    c.overdue_at = None


def _due_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d")


# --- filing --------------------------------------------------------------------------------------------


def _subject(subject: str, *, department, window, staff, case, actor, online: bool):
    """(department, window, staff, case) of the complaint, consistent with ``subject``."""
    if subject not in ComplaintSubject.values:
        raise ValidationFailed(_("请选择投诉对象。"), code="inquiries.subject_invalid", field="subject")
    need = {ComplaintSubject.DEPARTMENT: department, ComplaintSubject.WINDOW: window,
            ComplaintSubject.STAFF: staff, ComplaintSubject.CASE: case}  # fmt: skip
    if subject in need and need[subject] is None:
        raise ValidationFailed(_("请指明被投诉的%(s)s。") % {"s": ComplaintSubject(subject).label},
                               code="inquiries.subject_missing", field=subject)  # fmt: skip
    if subject == ComplaintSubject.CASE:
        if online and case.applicant_id != actor.pk:
            raise ValidationFailed(
                _("只能投诉本人申请的办件。"), code="inquiries.case_not_yours", field="case"
            )
        window = case.window
        department = case.item.department
    elif subject == ComplaintSubject.STAFF:
        department, window = staff.department, staff.window
    elif subject == ComplaintSubject.WINDOW:
        department = window.department
    elif subject == ComplaintSubject.GENERAL:
        department = window = staff = case = None
    if department is not None and not department.active:
        raise ValidationFailed(
            _("该部门已撤出中心。"), code="inquiries.department_inactive", field="department"
        )
    return department, window, staff, case


def _complainant(*, actor, channel: str, name: str, mobile: str) -> tuple:
    if channel == ComplaintChannel.ONLINE:
        if actor is None or not getattr(actor, "is_authenticated", False):
            raise PermissionDenied(_("请先登录再提交投诉。"), code="inquiries.login_required")
        phone = policy.mobile(mobile) or (crypto.decrypt(actor.mobile_cipher) if actor.mobile_cipher else "")
        return actor, (actor.real_name or name or "").strip()[: policy.NAME_MAX], phone
    if channel not in ComplaintChannel.values:
        raise ValidationFailed(_("投诉渠道无效。"), code="inquiries.channel_invalid", field="channel")
    if not policy.is_staff(actor):
        raise PermissionDenied(_("热线、窗口和来信投诉由工作人员登记。"), code="inquiries.staff_only")
    name = policy.optional_text(name, field="complainant_name", limit=policy.NAME_MAX)
    return None, name, policy.mobile(mobile, field="complainant_mobile")


@transaction.atomic(durable=True)
def complaint_file(
    *, content: str, actor, channel: str = ComplaintChannel.ONLINE, subject: str = ComplaintSubject.GENERAL,
    department: Department | None = None, window: Window | None = None, staff: Staff | None = None,
    case: Case | None = None, complainant_name: str = "", complainant_mobile: str = "",
) -> Complaint:  # fmt: skip
    """File a complaint online (the logged-in complainant) or enter one from the hotline, the window
    or a letter (staff). One about a unit is assigned to it at once; a general one is registered."""
    user, name, phone = _complainant(
        actor=actor, channel=channel, name=complainant_name, mobile=complainant_mobile
    )
    content = policy.text(content, field="content", limit=policy.CONTENT_MAX, required=_("请填写投诉内容。"),
                          code="inquiries.content_required")  # fmt: skip
    department, window, staff, case = _subject(subject, department=department, window=window, staff=staff,
                                               case=case, actor=actor, online=user is not None)  # fmt: skip
    now = timezone.now()
    day = timezone.localdate(now)
    number = f"TS{day:%Y%m%d}{serials.next_serial(scope='complaint', day=day, maximum=9999):04d}"
    complaint = Complaint(
        number=number, channel=channel, subject=subject, department=department, window=window, staff=staff,
        case=case, content=content, complainant=user, complainant_name=name,
        complainant_mobile_cipher=crypto.encrypt(phone) if phone else "",
        complainant_mobile_masked=mask_mobile(phone) if phone else "",
        registered_by=actor if channel in STAFF_CHANNELS else None, filed_at=now,
    )  # fmt: skip
    if department is not None:
        complaint.state = _next(complaint, ComplaintAction.ASSIGN)
        _start_clock(complaint, department, now)
    complaint.save()
    _record("file", complaint, actor, None, channel=channel, subject=subject)
    _sms_complainant(complaint, "filed", _("【%(c)s】您的投诉已登记，编号%(n)s。我们将尽快核实处理并答复您。")
                     % {"c": _centre(), "n": number})  # fmt: skip
    return complaint


def _centre() -> str:
    return getattr(settings, "GOVHALL_CENTRE_NAME", "政务服务中心")


# --- dispatch --------------------------------------------------------------------------------------------


def _unit(unit) -> Department:
    if not isinstance(unit, Department) or not unit.active:
        raise ValidationFailed(_("承办单位不存在或已撤出。"), code="inquiries.unit_invalid", field="unit")
    return unit


@transaction.atomic(durable=True)
def complaint_assign(*, complaint: Complaint, unit: Department, actor) -> Complaint:
    """The complaint desk dispatches a registered complaint to a unit (派单); the reply clock starts."""
    _require_desk(actor)
    unit = _unit(unit)
    complaint = _locked(complaint)
    before = _snapshot(complaint)
    complaint.state = _next(complaint, ComplaintAction.ASSIGN)
    _start_clock(complaint, unit, timezone.now())
    complaint.save(
        update_fields=["state", "unit", "assigned_at", "reply_workdays", "reply_due_at", "overdue_at"]
    )
    _record("assign", complaint, actor, before)
    return complaint


@transaction.atomic(durable=True)
def complaint_reassign(*, complaint: Complaint, unit: Department, reason: str, actor) -> Complaint:
    """The desk moves a complaint to another unit (改派), with a reason; a new reply clock starts."""
    _require_desk(actor)
    unit = _unit(unit)
    reason = policy.text(reason, field="reason", limit=policy.NOTE_MAX, required=_("请填写改派理由。"),
                         code="inquiries.reason_required")  # fmt: skip
    complaint = _locked(complaint)
    if complaint.unit_id == unit.pk and complaint.state == ComplaintState.ASSIGNED:
        raise ValidationFailed(_("改派的单位与当前承办单位相同。"), code="inquiries.same_unit", field="unit")
    before = _snapshot(complaint)
    complaint.state = _next(complaint, ComplaintAction.REASSIGN)
    _start_clock(complaint, unit, timezone.now())
    complaint.save(
        update_fields=["state", "unit", "assigned_at", "reply_workdays", "reply_due_at", "overdue_at"]
    )
    _record("reassign", complaint, actor, before, reason=reason)
    return complaint


# --- reply and satisfaction ----------------------------------------------------------------------------


def may_reply(user, complaint: Complaint) -> bool:
    """Staff of the assigned unit (not agents) and the complaint desk."""
    if policy.has_role(user, *policy.DISPATCH_ROLES):
        return True
    staff = staff_of(user)
    return staff is not None and staff.role != Role.AGENT and staff.department_id == complaint.unit_id


@transaction.atomic(durable=True)
def complaint_reply(*, complaint: Complaint, text: str, upheld, actor) -> Complaint:
    """The unit answers, saying whether the complaint was upheld; the complainant gets one SMS."""
    if not may_reply(actor, complaint):
        raise PermissionDenied(_("只有承办单位的工作人员可以答复该投诉。"), code="inquiries.not_your_unit")
    text = policy.text(text, field="text", limit=policy.CONTENT_MAX, required=_("请填写答复内容。"),
                       code="inquiries.reply_required")  # fmt: skip
    if not isinstance(upheld, bool):
        raise ValidationFailed(_("请选择投诉是否属实。"), code="inquiries.upheld_required", field="upheld")
    complaint = _locked(complaint)
    before = _snapshot(complaint)
    complaint.state = _next(complaint, ComplaintAction.REPLY)
    now = timezone.now()
    complaint.reply_text, complaint.upheld, complaint.replied_at, complaint.replied_by = (
        text,
        upheld,
        now,
        actor,
    )
    complaint.reply_count += 1
    complaint.save(update_fields=["state", "reply_text", "upheld", "replied_at", "replied_by", "reply_count"])
    late = complaint.reply_due_at is not None and now > complaint.reply_due_at
    _record("reply", complaint, actor, before, upheld=upheld, late=late)
    _sms_complainant(complaint, f"reply:{complaint.reply_count}",
                     _("【%(c)s】您的投诉%(n)s已有答复，请登录网上办事大厅查看并评价。") % {"c": _centre(), "n": complaint.number})  # fmt: skip
    return complaint


@transaction.atomic(durable=True)
def complaint_rate(*, complaint: Complaint, satisfied, actor, note: str = "") -> Complaint:
    """The complainant (or the desk after a return call, 回访) rates the reply: satisfied → closed;
    unsatisfied → reopened once with a new deadline, then escalated to the desk."""
    if complaint.complainant_id != getattr(actor, "pk", None) or complaint.complainant_id is None:
        _require_desk(actor)
    if not isinstance(satisfied, bool):
        raise ValidationFailed(
            _("请选择是否满意。"), code="inquiries.satisfaction_required", field="satisfied"
        )
    note = policy.optional_text(note, field="note", limit=policy.NOTE_MAX)
    complaint = _locked(complaint)
    before = _snapshot(complaint)
    now = timezone.now()
    if satisfied:
        action = ComplaintAction.SATISFIED
    else:
        action = ComplaintAction.REOPEN if complaint.reopen_count == 0 else ComplaintAction.ESCALATE
    complaint.state = _next(complaint, action)
    complaint.satisfaction = "satisfied" if satisfied else "unsatisfied"
    complaint.satisfaction_note, complaint.rated_at = note, now
    fields = ["state", "satisfaction", "satisfaction_note", "rated_at"]
    if action == ComplaintAction.SATISFIED:
        complaint.closed_at = now
        fields.append("closed_at")
    elif action == ComplaintAction.REOPEN:
        complaint.reopen_count += 1
        _start_clock(complaint, complaint.unit, now)
        fields += ["reopen_count", "assigned_at", "reply_workdays", "reply_due_at", "overdue_at"]
    else:
        complaint.escalated_at, complaint.escalation_reason = now, _("投诉人对重新办理结果仍不满意")
        fields += ["escalated_at", "escalation_reason"]
    complaint.save(update_fields=fields)
    _record("rate", complaint, actor, before, satisfied=satisfied, outcome=str(action))
    return complaint


@transaction.atomic(durable=True)
def complaint_close(*, complaint: Complaint, note: str, actor) -> Complaint:
    """The desk files a complaint: an escalated one it settled, a reply left unrated, or a registered
    one that is no complaint (with a note)."""
    _require_desk(actor)
    note = policy.text(note, field="note", limit=policy.NOTE_MAX, required=_("请填写办结说明。"),
                       code="inquiries.note_required")  # fmt: skip
    complaint = _locked(complaint)
    before = _snapshot(complaint)
    complaint.state = _next(complaint, ComplaintAction.CLOSE)
    complaint.closed_at, complaint.close_note = timezone.now(), note
    complaint.save(update_fields=["state", "closed_at", "close_note"])
    _record("close", complaint, actor, before)
    return complaint


# --- the sweep ----------------------------------------------------------------------------------------


def _due_rows(qs):
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",), skip_locked=True)
    return qs.order_by("pk")


@transaction.atomic(durable=True)
def complaints_escalate_overdue(*, now=None) -> int:
    """Every complaint still awaiting its reply past the deadline is marked overdue and, the first
    time, escalated to the desk with an SMS to the unit's leader (once: a dedupe key per complaint).
    One range scan of (state, reply_due_at); SKIP LOCKED keeps two sweeps from doing it twice."""
    now = now or timezone.now()
    due = Complaint.objects.filter(state__in=AWAITING_REPLY, reply_due_at__lte=now, overdue_at__isnull=True)
    count, leaders = 0, {}
    for complaint in _due_rows(due.select_related("unit")):
        before = _snapshot(complaint)
        complaint.overdue_at = now
        fields = ["overdue_at"]
        if complaint.escalated_at is None:
            complaint.state = _next(complaint, ComplaintAction.ESCALATE)
            complaint.escalated_at, complaint.escalation_reason = now, _("承办单位逾期未答复")
            fields += ["state", "escalated_at", "escalation_reason"]
            _sms_leader(complaint, leaders)
        complaint.save(update_fields=fields)
        _record("escalate" if "state" in fields else "overdue", complaint, None, before)
        count += 1
    return count


def _sms_leader(complaint: Complaint, leaders: dict) -> None:
    if complaint.unit_id not in leaders:  # one lookup per unit and sweep
        leaders[complaint.unit_id] = unit_leader(complaint.unit)
    leader = leaders[complaint.unit_id]
    if leader is None or not leader.mobile_cipher:
        return
    text = _("【%(c)s】投诉%(n)s已逾期未答复（期限%(d)s），已升级督办，请立即办理。") % {
        "c": _centre(), "n": complaint.number, "d": _due_text(complaint.reply_due_at)}  # fmt: skip
    outbox.enqueue(kind="sms", topic="complaint", payload={"mobile": crypto.decrypt(leader.mobile_cipher), "text": text},
                   dedupe_key=f"complaint:{complaint.pk}:escalated:{leader.pk}")  # fmt: skip


@transaction.atomic(durable=True)
def complaints_close_unrated(*, now=None) -> int:
    """Replies the complainant has not rated within ``policy.rating_days()`` are closed (默认满意 is
    not assumed: the satisfaction stays empty)."""
    now = now or timezone.now()
    stale = Complaint.objects.filter(
        state=ComplaintState.REPLIED, replied_at__lte=now - timedelta(days=policy.rating_days())
    )
    count = 0
    for complaint in _due_rows(stale):
        before = _snapshot(complaint)
        complaint.state = _next(complaint, ComplaintAction.CLOSE)
        complaint.closed_at, complaint.close_note = now, _("答复后逾期未评价，自动办结")
        complaint.save(update_fields=["state", "closed_at", "close_note"])
        _record("close", complaint, None, before, automatic=True)
        count += 1
    return count
