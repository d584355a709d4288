"""Demo data of the online hall: the demo enterprise operator administers its enterprise.

``seed() -> {label: count}``; idempotent ({} when already there). The enterprise is registered
through ``core.enterprises`` (audited), as a registration would.
"""

from django.db import transaction

from govhall.core.enterprises import enterprise_claim
from govhall.core.models import Enterprise, User

LEGAL_REPRESENTATIVE = "李建国"


def seed() -> dict[str, int]:
    user = User.objects.filter(username="enterprise", kind="enterprise").first()
    if (
        user is None
        or not user.org_credit_code
        or Enterprise.objects.filter(credit_code=user.org_credit_code).exists()
    ):
        return {}
    with transaction.atomic():
        enterprise_claim(user=user, credit_code=user.org_credit_code, name=user.org_name,
                         legal_representative=LEGAL_REPRESENTATIVE)  # fmt: skip
    return {"法人单位（演示企业，含管理员授权）": 1}
