"""Chief representatives' powers at the window (两集中、两到位) and the record of each seal use.

A chief decides or seals only under a delegation in force on the day (org.selectors.delegation_active);
an expired or revoked delegation cannot be used, and every use names the delegation it rests on.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases.models import Case, Notice, SealUse
from govhall.core.errors import PermissionDenied
from govhall.org.access import staff_of
from govhall.org.models import Delegation, Role
from govhall.org.selectors import delegation_active

POWER_NAMES = {
    "decide": gettext_lazy("审批决定"),
    "review_report": gettext_lazy("审核上报"),
    "seal": gettext_lazy("印章使用"),
}


def chief_delegation(*, actor, department, power: str, at=None) -> Delegation:
    """The delegation under which ``actor`` (a chief representative) uses ``power`` for ``department``.

    Raises PermissionDenied (``cases.delegation_missing``) when there is none in force today.
    """
    staff = staff_of(actor)
    if staff is None or staff.role != Role.CHIEF:
        raise PermissionDenied(_("只有首席代表可以行使授权。"), code="cases.not_chief")
    on = timezone.localdate(at or timezone.now())
    delegation = delegation_active(chief=staff, department=department, power=power, on=on)
    if delegation is None:
        raise PermissionDenied(
            _("首席代表在%(d)s没有有效的“%(p)s”授权（授权已过期、已撤销或未授予），不能办理。")
            % {"d": department.name, "p": POWER_NAMES.get(power, power)},
            code="cases.delegation_missing",
        )
    return delegation


def seal_record(*, case: Case, document: str, actor, notice: Notice | None = None, at=None) -> SealUse:
    """Record a use of the department's seal by its chief (who, when, which document, which grant)."""
    department = case.item.department
    delegation = chief_delegation(actor=actor, department=department, power="seal", at=at)
    return SealUse.objects.create(
        case=case, notice=notice, document=document, department=department,
        staff=delegation.chief, delegation=delegation, used_at=at or timezone.now(),
    )  # fmt: skip


def seal_record_if_granted(*, case: Case, document: str, actor, notice: Notice | None = None, at=None):
    """The seal use when the chief holds the seal power; None when the department keeps its seal
    (the decision stands; its document is sealed back at the department, outside the window)."""
    try:
        return seal_record(case=case, document=document, actor=actor, notice=notice, at=at)
    except PermissionDenied:
        return None
