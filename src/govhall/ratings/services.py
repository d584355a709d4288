"""Writes of the ratings context: a rating (by login, SMS link or device), and the invitation sweep.

Every bad rating opens its rectification in the same transaction (rectifications.py); the
responsible unit's leader is told by SMS through the outbox. See docs/adr/0013-ratings.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core import audit, crypto, outbox
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.identity import check_mobile
from govhall.core.masking import mask_name
from govhall.core.models import OutboxMessage
from govhall.core.personal import user_mobile
from govhall.org.models import Staff
from govhall.ratings import permissions, selectors
from govhall.ratings.errors import AlreadyRated, RatingNotFound
from govhall.ratings.models import BAD_LEVELS, Channel, Level, Rating, RatingInvitation, Reason
from govhall.ratings.rectifications import rectification_open

COMMENT_MAX = 500
# A bad rating given through a form must say why; a pad's buttons, a terminal or a call may not.
REASON_CHANNELS = frozenset({Channel.PC, Channel.MOBILE, Channel.QR, Channel.SMS})


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- input -------------------------------------------------------------------------------------------


def clean_level(value) -> int:
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    if not text.isdigit() or int(text) not in Level.values:
        raise ValidationFailed(
            _("评价等级须为1（非常满意）至5（非常不满意）之间的整数。"),
            code="ratings.bad_level",
            field="level",
        )
    return int(text)


def clean_channel(value) -> str:
    if value not in Channel.values:
        raise ValidationFailed(
            _("评价渠道“%(c)s”无效。") % {"c": value}, code="ratings.bad_channel", field="channel"
        )
    return value


def clean_reasons(values) -> list[str]:
    if isinstance(values, str):
        values = [values]
    values = list(dict.fromkeys(values or ()))
    unknown = [v for v in values if v not in Reason.values]
    if unknown:
        raise ValidationFailed(
            _("不满意原因“%(r)s”无效。") % {"r": "、".join(map(str, unknown))}, code="ratings.bad_reason",
            field="reasons",
        )  # fmt: skip
    return values


def clean_comment(value) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None or len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("评价内容不得超过%(n)s个字。") % {"n": COMMENT_MAX},
            code="ratings.comment_too_long",
            field="comment",
        )
    return text


def _check_case(case: Case) -> None:
    if case.state not in selectors.RATEABLE_STATES or case.concluded_at is None:
        raise Conflict(
            _("办件%(n)s尚未办结，办结后才能评价。") % {"n": case.number}, code="ratings.case_not_concluded",
            state=case.state,
        )  # fmt: skip


def _rater(actor, case: Case | None, rater_name: str, rater_mobile: str) -> dict:
    """Who rated: the logged-in person, else the case's applicant, else what the device was told."""
    user = None
    if actor is not None and getattr(actor, "is_authenticated", False) and not permissions.is_staff(actor):
        user = actor
    elif case is not None and case.applicant_id:
        user = case.applicant
    if user is not None:
        name = user.real_name or (case.applicant_name if case else "")
        mobile = user_mobile(user) if user.mobile_cipher else ""
    else:
        name = (rater_name or (case.applicant_name if case else "")).strip()[:64]
        mobile = ""
        if rater_mobile:
            checked = check_mobile(rater_mobile)
            if not checked.valid:
                raise ValidationFailed(
                    _("手机号码无效：%(r)s") % {"r": checked.reason},
                    code="ratings.bad_mobile",
                    field="rater_mobile",
                )
            mobile = checked.normalized
    return {
        "rater": user,
        "rater_name_masked": mask_name(name),
        "rater_mobile_digest": crypto.keyed_digest(mobile) if mobile else "",
        "rater_mobile_cipher": crypto.encrypt(mobile) if mobile else "",
        # Identified: an account, a case filed under a real name (ID number), or a name with a mobile.
        "real_name": user is not None or case is not None or bool(name and mobile),
    }


def _target(case, window, staff, item, service_ref: str) -> dict:
    if staff is not None and not isinstance(staff, Staff):  # a staff member's user account
        staff = Staff.objects.select_related("department").filter(user_id=staff.pk).first()
    if case is not None:
        item = item or case.item
        window = window or case.window
        staff = staff or selectors.case_intake_staff(case=case)
    if not any((case, window, staff, item, service_ref)):
        raise ValidationFailed(_("请指明评价的办件或窗口服务。"), code="ratings.no_target", field="case")
    department = (
        (item.department if item is not None else None)
        or (window.department if window is not None else None)
        or (staff.department if staff is not None else None)
    )
    return {"case": case, "window": window, "staff": staff, "item": item, "department": department}


# --- rating ------------------------------------------------------------------------------------------


def _already_rated(case: Case | None) -> AlreadyRated:
    if case is not None:
        return AlreadyRated(
            _("办件%(n)s已经评价过，每个办件只能评价一次。") % {"n": case.number}, field="case"
        )
    return AlreadyRated(_("该次服务已经评价过，每次服务只能评价一次。"), field="service_ref")


def _create(*, level, channel, actor, case, window, staff, item, service_ref, comment, rater_name,
            rater_mobile, reasons) -> Rating:  # fmt: skip
    """The rating and, when bad, its rectification (inside the caller's transaction)."""
    channel = clean_channel(channel)
    permissions.check_rater(actor=actor, channel=channel, case=case)
    level = clean_level(level)
    reasons, comment = clean_reasons(reasons), clean_comment(comment)
    service_ref = (service_ref or "").strip()
    if len(service_ref) > 64:
        raise ValidationFailed(_("服务编号过长。"), code="ratings.bad_service_ref", field="service_ref")
    if level in BAD_LEVELS and channel in REASON_CHANNELS and not (reasons or comment):
        raise ValidationFailed(
            _("差评请选择或填写不满意的原因，以便整改。"), code="ratings.reason_required", field="reasons"
        )
    if case is not None:
        _check_case(case)
    if (case is not None and Rating.objects.filter(case=case).exists()) or (
        # The partial index's own condition repeated, so that SQLite uses the index (not a scan).
        service_ref and Rating.objects.filter(~Q(service_ref=""), service_ref=service_ref).exists()
    ):
        raise _already_rated(case)
    now = timezone.now()
    fields = _target(case, window, staff, item, service_ref) | _rater(actor, case, rater_name, rater_mobile)
    try:
        # The unique constraints decide a race: the loser's insert fails and nothing of it stays.
        with transaction.atomic():
            rating = Rating.objects.create(
                level=level, channel=channel, service_ref=service_ref, comment=comment, reasons=reasons,
                created_at=now, **fields,
            )  # fmt: skip
    except IntegrityError:
        raise _already_rated(case) from None
    if case is not None:
        RatingInvitation.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    audit.record(
        action="ratings.rate", actor=actor, obj=rating,
        after={"level": level, "channel": channel, "case": case.number if case else None,
               "department": rating.department_id, "window": rating.window_id, "service_ref": service_ref},
    )  # fmt: skip
    if level in BAD_LEVELS:
        rectification_open(rating=rating, at=now)
    return rating


@transaction.atomic(durable=True)
def rating_submit(
    *, level: int, channel: str, actor, case=None, window=None, staff=None, item=None, service_ref: str = "",
    comment: str = "", rater_name: str = "", rater_mobile: str = "", reasons=(),
) -> Rating:  # fmt: skip
    """Record one rating (RULES.md "Ratings"): one per case, one per ``service_ref``.

    ``actor`` None: the evaluator pad, a terminal, the QR code or the SMS link (the caller vouches
    for the rater; identity comes from the case or from ``rater_name`` / ``rater_mobile``).
    """
    return _create(level=level, channel=channel, actor=actor, case=case, window=window, staff=staff, item=item,
                   service_ref=service_ref, comment=comment, rater_name=rater_name, rater_mobile=rater_mobile,
                   reasons=reasons)  # fmt: skip


def invitation_invalid() -> RatingNotFound:
    return RatingNotFound(_("评价链接无效或已过期。"), code="ratings.invitation_invalid")


@transaction.atomic(durable=True)
def rating_submit_by_invitation(*, token: str, level, comment: str = "", reasons=()) -> Rating:
    """Rate through the SMS link, without login: the token stands for the case's applicant."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        raise invitation_invalid()
    invitation = (
        RatingInvitation.objects.select_for_update()
        .select_related("case", "case__item")
        .get(pk=invitation.pk)
    )
    return _create(level=level, channel=Channel.SMS, actor=None, case=invitation.case, window=None, staff=None,
                   item=None, service_ref="", comment=comment, rater_name="", rater_mobile="",
                   reasons=reasons)  # fmt: skip


# --- the invitation sweep ----------------------------------------------------------------------------


def _invite_text(number: str, item_name: str, token: str, valid_days: int) -> str:
    link = f"{settings.GOVHALL_PUBLIC_BASE_URL.rstrip('/')}/ratings/r/{token}/"
    return _("【%(c)s】您的办件%(n)s（%(i)s）已办结，欢迎对服务作出评价：%(l)s （%(d)s日内有效）") % {
        "c": settings.GOVHALL_CENTRE_NAME, "n": number, "i": item_name[:30], "l": link, "d": valid_days,
    }  # fmt: skip


@transaction.atomic(durable=True)
def ratings_invite(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Invite by SMS every concluded case still unrated 3 (natural) days after its conclusion.

    The candidates come from one indexed query; invitations and SMS rows are bulk inserts that
    skip conflicts (one invitation per case, one SMS per dedupe key), so two sweeps at once
    invite each case once. Only this run's invitations (``run``) get an SMS.
    """
    now = now or timezone.now()
    after = dt.timedelta(days=setting("GOVHALL_RATING_INVITE_DAYS", 3))
    horizon = after + dt.timedelta(days=setting("GOVHALL_RATING_INVITE_HORIZON_DAYS", 15))
    valid_days = setting("GOVHALL_RATING_INVITE_VALID_DAYS", 30)
    candidates = selectors.cases_to_invite(now=now, after=after, horizon=horizon, limit=limit)
    if not candidates:
        return 0
    run = uuid.uuid4().hex
    tokens = {row["id"]: secrets.token_urlsafe(18) for row in candidates}
    RatingInvitation.objects.bulk_create(
        [RatingInvitation(case_id=case_id, token_digest=selectors.token_digest(token), created_at=now,
                          expires_at=now + dt.timedelta(days=valid_days), run=run)
         for case_id, token in tokens.items()],
        ignore_conflicts=True,
    )  # fmt: skip
    mine = set(RatingInvitation.objects.filter(run=run).values_list("case_id", flat=True))
    rows = [
        OutboxMessage(
            kind="sms",
            topic="rating_invite",
            dedupe_key=f"rating_invite:{row['id']}",
            available_at=now,
            payload={
                "mobile": crypto.decrypt(row["applicant__mobile_cipher"]),
                "text": _invite_text(row["number"], row["item__name"], tokens[row["id"]], valid_days),
            },
        )  # fmt: skip
        for row in candidates
        if row["id"] in mine
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        outbox.kick_after_commit()
        audit.record(action="ratings.invite", detail={"run": run, "count": len(rows),
                                                      "cases": sorted(mine)[:1000]})  # fmt: skip
    return len(rows)


def ratings_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """What ``govhall ratings_sweep`` and the huey periodic task run, each part in its own transaction."""
    from govhall.ratings.rectifications import rectifications_flag_overdue

    return {"invited": ratings_invite(now=now), "overdue": rectifications_flag_overdue(now=now)}
