"""Two first registrations of one credit code at once (PostgreSQL): one administrator, one request."""

import threading

import pytest
from django.db import connections

from govhall.core.models import Enterprise, EnterpriseOperator
from govhall.core.models.users import OperatorRole
from tests.api.accounts_helpers import CREDIT_CODE
from tests.portal.conftest import register_enterprise, sms_code

PEOPLE = [("first", "13700137010", "11010519800101001"), ("second", "13700137011", "11010519810101001")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_registrations_make_one_admin_and_one_request(postgres_only):
    codes = {mobile: sms_code(mobile) for _u, mobile, _id in PEOPLE}
    barrier, errors = threading.Barrier(len(PEOPLE)), []

    def register(username: str, mobile: str, body17: str) -> None:
        try:
            barrier.wait()
            register_enterprise(username, mobile, body17, credit_code=CREDIT_CODE, code=codes[mobile])
        except Exception as error:  # asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=person) for person in PEOPLE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Enterprise.objects.filter(credit_code=CREDIT_CODE).count() == 1
    roles = sorted(EnterpriseOperator.objects.values_list("role", flat=True))
    assert roles == [OperatorRole.ADMIN, OperatorRole.OPERATOR]
