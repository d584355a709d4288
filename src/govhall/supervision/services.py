"""Every write of the supervision context a person makes (the sweep's writes are in sweep.py)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit
from govhall.core.errors import Conflict, ValidationFailed
from govhall.org.access import require_role
from govhall.org.models import Role
from govhall.supervision.models import ClearKind, Warning

REASON_MAX = 200


def _snapshot(warning: Warning) -> dict:
    return {
        "level": warning.level,
        "rule": warning.rule,
        "case": warning.case_id,
        "step": warning.step_id,
        "cleared_at": warning.cleared_at,
        "clear_kind": warning.clear_kind,
    }


@transaction.atomic(durable=True)
def warning_remove(*, warning: Warning, reason: str, actor) -> Warning:
    """摘牌: a supervisor removes an open card, with a reason (RULES.md "Supervision").

    The clock keeps its colour: the sweep raises a new card only when the colour changes again.
    """
    require_role(actor, Role.SUPERVISOR)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("摘牌须填写理由。"), code="supervision.reason_required", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("摘牌理由不得超过%(n)s个字。") % {"n": REASON_MAX},
            code="supervision.reason_too_long",
            field="reason",
        )
    warning = Warning.objects.select_for_update().get(pk=warning.pk)
    if warning.cleared_at is not None:
        raise Conflict(_("该预警已解除，不能再摘牌。"), code="supervision.warning_closed")
    before = _snapshot(warning)
    warning.cleared_at = timezone.now()
    warning.clear_kind = ClearKind.REMOVED
    warning.clear_reason = reason
    warning.cleared_by = actor
    warning.save(update_fields=["cleared_at", "clear_kind", "clear_reason", "cleared_by"])
    audit.record(
        action="supervision.warning_remove", actor=actor, obj=warning, before=before, after=_snapshot(warning),
        detail={"reason": reason},
    )  # fmt: skip
    return warning
