"""Enterprise accounts: a legal person (法人) and the operators authorised to act for it.

The first operator who registers an enterprise (by its unified social credit code) becomes its
administrator; any later account claiming the same code waits as a request until the administrator
authorises it. The administrator may revoke an operator at any time, and an operator may give the
authorisation up. States and moves: ``core.models.users.OPERATOR_TRANSITIONS``.

The credit code and name are the registering operator's declaration: the platform checks the code's
GB 32100 check character but has no link to the market-regulation register (a deployment plugs it
in before ``enterprise_claim``); the admin's authorisation is what lets others act.
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, identity, outbox
from govhall.core.crypto import decrypt
from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govhall.core.masking import mask_name
from govhall.core.models import Enterprise, EnterpriseOperator, User
from govhall.core.models.users import OPERATOR_TRANSITIONS, OperatorRole, OperatorState, UserKind


class EnterpriseError(ValidationFailed):
    code = "enterprises.invalid"


def normalised_credit_code(value: str) -> str:
    result = identity.check_uscc(value or "")
    if not result.valid:
        raise EnterpriseError(result.reason, code="enterprises.uscc_invalid", field="org_credit_code")
    return result.normalized


def _move(operator: EnterpriseOperator, action: str) -> str:
    try:
        return OPERATOR_TRANSITIONS[(operator.state, action)]
    except KeyError:
        raise Conflict(
            _("授权当前状态为“%(s)s”，不能执行该操作。") % {"s": OperatorState(operator.state).label},
            code="enterprises.illegal_transition",
            state=operator.state,
        ) from None


def _notify(user: User, topic: str, text: str, key: str) -> None:
    mobile = decrypt(user.mobile_cipher) if user.mobile_cipher else ""
    if mobile:
        outbox.enqueue(kind="sms", topic=topic, payload={"mobile": mobile, "text": text}, dedupe_key=key)


def enterprise_claim(
    *, user: User, credit_code: str, name: str, legal_representative: str
) -> EnterpriseOperator:
    """Inside the registration's transaction: a new enterprise with ``user`` as its administrator,
    or a request to the existing enterprise's administrator."""
    code = normalised_credit_code(credit_code)
    now = timezone.now()
    enterprise = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if enterprise is None:
        try:
            # A savepoint: two first registrations of one code race; the loser becomes a request.
            with transaction.atomic():
                enterprise = Enterprise.objects.create(
                    credit_code=code, name=name.strip(), legal_representative=legal_representative.strip()
                )
                created = True
        except IntegrityError:
            enterprise, created = Enterprise.objects.select_for_update().get(credit_code=code), False
    else:
        created = False
    if created:
        operator = EnterpriseOperator.objects.create(
            enterprise=enterprise, user=user, role=OperatorRole.ADMIN, state=OperatorState.AUTHORISED,
            requested_at=now, authorised_at=now,
        )  # fmt: skip
        action = "enterprises.register"
    else:
        operator = EnterpriseOperator.objects.create(enterprise=enterprise, user=user, requested_at=now)
        action = "enterprises.operator_request"
        admins = EnterpriseOperator.objects.filter(
            enterprise=enterprise, role=OperatorRole.ADMIN, state=OperatorState.AUTHORISED
        ).select_related("user")
        for admin in admins:  # the administrator decides: tell them there is a request
            _notify(admin.user, "enterprise_operator_request",
                    _("%(u)s申请成为%(e)s的经办人，请登录网上办事大厅“我的—单位与经办人”处理。")
                    % {"u": mask_name(user.real_name), "e": enterprise.name},
                    f"enterprise_request:{operator.pk}:{admin.pk}")  # fmt: skip
    audit.record(action=action, actor=user, obj=operator,
                 after={"credit_code": code, "role": operator.role, "state": operator.state})  # fmt: skip
    return operator


def _admin_of(actor, enterprise_id: int) -> bool:
    return EnterpriseOperator.objects.filter(
        enterprise_id=enterprise_id, user_id=getattr(actor, "pk", None),
        role=OperatorRole.ADMIN, state=OperatorState.AUTHORISED,
    ).exists()  # fmt: skip


def _locked(operator: EnterpriseOperator) -> EnterpriseOperator:
    return (
        EnterpriseOperator.objects.select_for_update()
        .select_related("enterprise", "user")
        .get(pk=operator.pk)
    )


@transaction.atomic(durable=True)
def operator_authorise(*, operator: EnterpriseOperator, actor) -> EnterpriseOperator:
    """The enterprise's administrator authorises a requesting account to act for it."""
    if not _admin_of(actor, operator.enterprise_id):
        raise PermissionDenied(_("只有本单位管理员可以授权经办人。"), code="enterprises.not_admin")
    operator = _locked(operator)
    operator.state = _move(operator, "authorise")
    operator.authorised_at, operator.authorised_by = timezone.now(), actor
    operator.save(update_fields=["state", "authorised_at", "authorised_by"])
    audit.record(action="enterprises.operator_authorise", actor=actor, obj=operator,
                 before={"state": OperatorState.REQUESTED}, after={"state": operator.state})  # fmt: skip
    _notify(operator.user, "enterprise_authorised",
            _("您已获授权代表%(e)s办理政务服务事项。") % {"e": operator.enterprise.name},
            f"enterprise_authorised:{operator.pk}")  # fmt: skip
    return operator


@transaction.atomic(durable=True)
def operator_revoke(*, operator: EnterpriseOperator, actor) -> EnterpriseOperator:
    """Refuse a request or withdraw an authorisation (the administrator), or give one up (the
    operator). The last administrator cannot leave: the enterprise would have nobody to authorise."""
    is_self = getattr(actor, "pk", None) == operator.user_id
    if not is_self and not _admin_of(actor, operator.enterprise_id):
        raise PermissionDenied(_("只有本单位管理员或经办人本人可以撤销授权。"), code="enterprises.not_admin")
    operator = _locked(operator)
    before = operator.state
    operator.state = _move(operator, "revoke")
    if operator.role == OperatorRole.ADMIN:
        raise Conflict(_("单位管理员的授权不能撤销。"), code="enterprises.admin_required")
    operator.revoked_at, operator.revoked_by = timezone.now(), actor
    operator.save(update_fields=["state", "revoked_at", "revoked_by"])
    audit.record(action="enterprises.operator_revoke", actor=actor, obj=operator,
                 before={"state": before}, after={"state": operator.state})  # fmt: skip
    if not is_self:
        _notify(operator.user, "enterprise_revoked",
                _("您代表%(e)s办理事项的授权已被撤销。") % {"e": operator.enterprise.name},
                f"enterprise_revoked:{operator.pk}")  # fmt: skip
    return operator


# --- reads ---------------------------------------------------------------------------------------


def enterprises_of(user) -> list[Enterprise]:
    """Enterprises ``user`` is authorised to act for (administrator first)."""
    if not getattr(user, "pk", None) or getattr(user, "kind", "") != UserKind.ENTERPRISE:
        return []
    rows = (
        EnterpriseOperator.objects.filter(user_id=user.pk, state=OperatorState.AUTHORISED)
        .select_related("enterprise")
        .order_by("role", "id")
    )
    return [row.enterprise for row in rows]


def operator_may_act(*, user, credit_code: str) -> bool:
    """Whether ``user`` holds a live authorisation for the enterprise with ``credit_code``."""
    return any(e.credit_code == credit_code for e in enterprises_of(user))


def operator_roles_of(user) -> QuerySet[EnterpriseOperator]:
    """Every authorisation and request of ``user`` (for their "my enterprise" page)."""
    return EnterpriseOperator.objects.filter(user_id=getattr(user, "pk", None)).select_related("enterprise")


def enterprise_operators(*, enterprise: Enterprise, actor) -> list[EnterpriseOperator]:
    """The enterprise's operators and requests, for its administrator only."""
    if not _admin_of(actor, enterprise.pk):
        raise PermissionDenied(_("只有本单位管理员可以管理经办人。"), code="enterprises.not_admin")
    return list(
        EnterpriseOperator.objects.filter(enterprise=enterprise)
        .select_related("user")
        .order_by("state", "requested_at", "id")
    )


def operator_get(*, pk: int, actor) -> EnterpriseOperator:
    """An authorisation the actor may act on (their own, or one of an enterprise they administer)."""
    row = EnterpriseOperator.objects.select_related("enterprise", "user").filter(pk=pk).first()
    if row is None or not (row.user_id == getattr(actor, "pk", None) or _admin_of(actor, row.enterprise_id)):
        raise NotFound(_("授权记录不存在。"), code="enterprises.operator_not_found")
    return row
