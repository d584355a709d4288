"""Who may do what on a case (DESIGN.md mechanism 5): one table used by the services to refuse and by
``case_allowed_actions`` to offer, so a page, the API's 409 body and a service never disagree.

Staff act by role and, for the actions after intake, by scope: the item's department, a window
that serves the item, or (township and station staff) the place the case was filed. Applicants and
agents act on their own cases only: withdraw, and resubmit after a pre-review return.
"""

from django.utils.translation import gettext as _

from govhall.cases.models import Case, Extension, SupplementNotice
from govhall.cases.states import SYSTEM_ACTIONS, Action, allowed_actions
from govhall.core.errors import PermissionDenied
from govhall.org.access import require_role, scope_of, staff_of
from govhall.org.models import Role

INTAKE_ROLES = (Role.CLERK, Role.CHIEF)
HANDLING_ROLES = (Role.CLERK, Role.CHIEF, Role.APPROVER)
A = Action

# action → (staff roles, needs the item in the actor's scope). Intake keeps its first-slice rule
# (role only) so that any window clerk can receive and accept at a comprehensive window.
STAFF_RULES: dict[str, tuple[tuple[str, ...], bool]] = {
    A.PRE_REVIEW_PASS: (INTAKE_ROLES, True),
    A.PRE_REVIEW_RETURN: (INTAKE_ROLES, True),
    A.ACCEPT: (INTAKE_ROLES, False),
    A.ACCEPT_TOLERANT: (INTAKE_ROLES, False),
    A.ACCEPT_COMMITMENT: (INTAKE_ROLES, False),
    A.REFUSE: (INTAKE_ROLES, False),
    A.CORRECT: (INTAKE_ROLES, False),
    A.REQUEST_SUPPLEMENT: (INTAKE_ROLES, False),
    A.SUPPLEMENT_RECEIVED: (INTAKE_ROLES, False),
    A.WITHDRAW: (INTAKE_ROLES, False),
    A.SPECIAL_START: (HANDLING_ROLES, True),
    A.SPECIAL_END: (HANDLING_ROLES, True),
    A.EXTEND: (HANDLING_ROLES, True),
    A.CONCLUDE: (HANDLING_ROLES, True),
    A.DELIVER: (INTAKE_ROLES, True),
    A.REVOKE: ((Role.CHIEF, Role.APPROVER), True),
    "undertaking": (HANDLING_ROLES, True),  # undertaking_fulfil / commitment_verify
}
APPLICANT_ACTIONS = frozenset({A.WITHDRAW, A.RESUBMIT})


def _out_of_scope() -> PermissionDenied:
    return PermissionDenied(_("该办件不在您的办理范围内。"), code="cases.out_of_scope")


def covers(user, *, item, site) -> bool:
    """Whether ``item`` filed at ``site`` is inside the staff user's scope (org ADR 0007)."""
    scope = scope_of(user)
    if scope.everything:
        return True
    if scope.local:  # township and station staff: cases filed at their place
        return site.pk in scope.site_ids
    if item.department_id in scope.department_ids:
        return True
    staff = staff_of(user)
    return bool(staff and staff.window_id and item.windows.filter(pk=staff.window_id).exists())


def is_party(case: Case, user) -> bool:
    """The case's applicant (own account) or the agent who filed it."""
    pk = getattr(user, "pk", None)
    return pk is not None and pk in (case.applicant_id, case.agent_id)


def require(action: str, *, case: Case | None = None, actor, item=None, site=None):
    """Raise PermissionDenied unless ``actor`` (staff) may do ``action``; returns the Staff or None."""
    roles, scoped = STAFF_RULES[action]
    staff = require_role(actor, *roles)
    if scoped and not covers(actor, item=item or case.item, site=site or case.site):
        raise _out_of_scope()
    return staff


def _staff_may(action: str, case: Case, user) -> bool:
    if action not in STAFF_RULES:
        return False
    try:
        require(action, case=case, actor=user)
    except PermissionDenied:
        return False
    return True


def _facts_allow(action: str, case: Case) -> bool:
    if action == A.ACCEPT_TOLERANT:
        return case.item.tolerant
    if action == A.ACCEPT_COMMITMENT:
        return case.item.commitment
    if action == A.REQUEST_SUPPLEMENT:  # 行政许可法 Art. 32(4): one notice per case
        return not SupplementNotice.objects.filter(case=case).exists()
    if action == A.EXTEND:  # once per case (Art. 42)
        return not Extension.objects.filter(case=case).exists()
    return True


def case_allowed_actions(*, case: Case, user) -> list[str]:
    """What ``user`` may do next on ``case``: the transition table filtered by the item's flags
    (tolerant / commitment), the user's role and scope and the case's facts; system moves never."""
    staff = user is not None and (getattr(user, "is_superuser", False) or staff_of(user) is not None)
    party = is_party(case, user)
    result = []
    for action in allowed_actions(case.state):
        if action in SYSTEM_ACTIONS or not _facts_allow(action, case):
            continue
        if action == A.RESUBMIT:
            ok = user is not None and case.applicant_id == getattr(user, "pk", None)
        elif party and action in APPLICANT_ACTIONS:
            ok = True
        else:
            ok = staff and _staff_may(action, case, user)
        if ok:
            result.append(action)
    return result
