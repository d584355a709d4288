"""Who may rate what, and who handles and reviews a bad rating's rectification (DESIGN.md mechanism 5).

- A person or enterprise operator rates their own concluded case (as its applicant) or a window
  service; someone else's case answers like an unknown one (``ratings.not_found``: no oracle).
- Without a login only the channels whose caller vouches for the rater: the evaluator pad and other
  terminals (the ticket), the SMS link and the QR code (the token).
- Staff only record what a person said (phone) or host a device (pad, terminal).
- The responsible unit's staff (clerk, chief, approver) and the centre managers handle a
  rectification; supervisors and managers review appeals and cannot-rectify claims, never their own.
"""

from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core.errors import PermissionDenied
from govhall.org.access import require_role, scope_of, staff_of
from govhall.org.models import Role
from govhall.ratings.errors import RatingNotFound
from govhall.ratings.models import Channel, Rectification

ANONYMOUS_CHANNELS = frozenset({Channel.PAD, Channel.TERMINAL, Channel.SMS, Channel.QR})
STAFF_CHANNELS = frozenset({Channel.PHONE, Channel.PAD, Channel.TERMINAL})
PERSON_CHANNELS = frozenset({Channel.PC, Channel.MOBILE, Channel.QR})
UNIT_ROLES = (Role.CLERK, Role.CHIEF, Role.APPROVER, Role.MANAGER)
REVIEW_ROLES = (Role.SUPERVISOR, Role.MANAGER)


def is_staff(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or staff_of(user) is not None


def case_not_found() -> RatingNotFound:
    return RatingNotFound(_("办件不存在，或您无权评价。"))


def check_rater(*, actor, channel: str, case: Case | None) -> None:
    """Raise unless ``actor`` may submit a rating on ``channel`` (for ``case`` when given)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        if channel not in ANONYMOUS_CHANNELS:
            raise PermissionDenied(_("请登录后评价。"), code="ratings.login_required")
        return
    if is_staff(actor):
        if channel not in STAFF_CHANNELS:
            raise PermissionDenied(
                _("工作人员只能代为登记电话评价或使用大厅评价设备。"), code="ratings.staff_channel"
            )
        return
    if case is not None and case.applicant_id != actor.pk:
        raise case_not_found()
    if channel not in PERSON_CHANNELS:
        raise PermissionDenied(_("该评价渠道不能用于网上评价。"), code="ratings.person_channel")


def rect_visible(user, rect: Rectification) -> bool:
    if not is_staff(user):
        return False
    scope = scope_of(user)
    return scope.everything or (rect.unit_id is not None and rect.unit_id in scope.department_ids)


def rect_not_found() -> RatingNotFound:
    return RatingNotFound(_("整改记录不存在，或不在您的权限范围内。"))


def require_unit(actor, rect: Rectification) -> None:
    """The responsible unit's staff or a centre-wide manager."""
    require_role(actor, *UNIT_ROLES)
    if not rect_visible(actor, rect):
        raise PermissionDenied(_("只有责任单位的工作人员可以办理该差评整改。"), code="ratings.not_your_unit")


def require_reviewer(actor, rect: Rectification) -> None:
    """A supervisor or manager, and not the person who made the claim (four eyes)."""
    require_role(actor, *REVIEW_ROLES)
    if rect.claimed_by_id is not None and rect.claimed_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("不能审核本人提出的申请。"), code="ratings.self_review")
