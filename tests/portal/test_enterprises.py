"""Enterprise accounts: the first operator registers and administers the enterprise; later operators
ask, the administrator authorises or refuses, and revokes; only authorised operators file for it."""

import re

import pytest

from govhall.cases.models import Case
from govhall.core import enterprises
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, Enterprise, EnterpriseOperator, OutboxMessage
from govhall.core.models.users import OperatorRole, OperatorState
from tests.api.accounts_helpers import CREDIT_CODE
from tests.portal.conftest import a_pdf, register_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return register_enterprise("wangfang", "13700137000", "11010519800101001", credit_code=CREDIT_CODE)


@pytest.fixture
def operator(admin):
    return register_enterprise(
        "zhaolei", "13700137001", "11010519810101001", credit_code=CREDIT_CODE, legal_rep=""
    )


def row(user) -> EnterpriseOperator:
    return EnterpriseOperator.objects.get(user=user)


def test_the_first_operator_registers_the_enterprise_and_administers_it(admin):
    enterprise = Enterprise.objects.get(credit_code=CREDIT_CODE)
    assert enterprise.legal_representative == "王建国"
    assert (row(admin).role, row(admin).state) == (OperatorRole.ADMIN, OperatorState.AUTHORISED)
    assert enterprises.enterprises_of(admin) == [enterprise]
    assert AuditEvent.objects.filter(action="enterprises.register").count() == 1


def test_a_later_operator_waits_for_the_administrator(admin, operator):
    assert (row(operator).role, row(operator).state) == (OperatorRole.OPERATOR, OperatorState.REQUESTED)
    assert enterprises.enterprises_of(operator) == []
    assert Enterprise.objects.count() == 1
    told = OutboxMessage.objects.get(topic="enterprise_operator_request")
    assert told.payload["mobile"] == "13700137000" and "王*申请成为" in told.payload["text"]
    enterprises.operator_authorise(operator=row(operator), actor=admin)
    assert enterprises.operator_may_act(user=operator, credit_code=CREDIT_CODE)
    assert AuditEvent.objects.filter(action="enterprises.operator_authorise").count() == 1
    assert OutboxMessage.objects.get(topic="enterprise_authorised").payload["mobile"] == "13700137001"
    enterprises.operator_revoke(operator=row(operator), actor=admin)
    assert not enterprises.operator_may_act(user=operator, credit_code=CREDIT_CODE)


def test_a_new_enterprise_needs_its_legal_representative():
    with pytest.raises(DomainError) as exc:
        register_enterprise(
            "lonely", "13700137002", "11010519820101001", credit_code=CREDIT_CODE, legal_rep=""
        )
    assert exc.value.code == "accounts.legal_rep_invalid"
    assert not Enterprise.objects.exists() and not EnterpriseOperator.objects.exists()


def test_only_the_administrator_authorises_and_nothing_changes_otherwise(admin, operator, li_si):
    before = (row(operator).state, AuditEvent.objects.filter(success=True).count())
    for actor in (operator, li_si, None):
        with pytest.raises(DomainError) as exc:
            enterprises.operator_authorise(operator=row(operator), actor=actor)
        assert exc.value.code == "enterprises.not_admin"
    assert (row(operator).state, AuditEvent.objects.filter(success=True).count()) == before


def test_illegal_moves_and_the_administrator_cannot_be_revoked(admin, operator):
    enterprises.operator_revoke(operator=row(operator), actor=admin)  # refused
    with pytest.raises(DomainError) as exc:
        enterprises.operator_authorise(operator=EnterpriseOperator.objects.get(user=operator), actor=admin)
    assert exc.value.code == "enterprises.illegal_transition"
    with pytest.raises(DomainError) as exc:
        enterprises.operator_revoke(operator=row(admin), actor=admin)
    assert exc.value.code == "enterprises.admin_required"
    assert row(admin).state == OperatorState.AUTHORISED


def test_the_operator_may_give_the_authorisation_up(admin, operator):
    enterprises.operator_authorise(operator=row(operator), actor=admin)
    enterprises.operator_revoke(operator=row(operator), actor=operator)
    assert row(operator).state == OperatorState.REVOKED


def test_the_pages_authorise_and_revoke(client, admin, operator):
    client.force_login(admin)
    page = client.get("/me/enterprise/").content.decode()
    assert 'data-operator="zhaolei"' in page and "授权" in page
    client.post(f"/me/enterprise/operators/{row(operator).pk}/authorise/")
    assert row(operator).state == OperatorState.AUTHORISED
    client.force_login(operator)  # the operator cannot authorise anyone or see the admin table
    assert 'data-operator="wangfang"' not in client.get("/me/enterprise/").content.decode()
    response = client.post(f"/me/enterprise/operators/{row(admin).pk}/revoke/")
    assert response.status_code == 302 and row(admin).state == OperatorState.AUTHORISED


def test_an_unauthorised_operator_cannot_file_and_an_authorised_one_files_for_the_enterprise(
    client, admin, operator, item
):
    client.force_login(operator)
    response = client.get(f"/file/{item.code}/")
    assert response.status_code == 403 and "尚未获得单位管理员授权" in response.content.decode()
    enterprises.operator_authorise(operator=row(operator), actor=admin)
    page = client.get(f"/file/{item.code}/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    materials = list(item.materials.all())
    data = {"enterprise": CREDIT_CODE, "address": "园区路8号", "token": token, "action": "submit",
            f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf("执照.pdf")}  # fmt: skip
    assert client.post(f"/file/{item.code}/", data).status_code == 200
    case = Case.objects.get(applicant=operator)
    assert (case.applicant_kind, case.applicant_name) == ("enterprise", "七里市示范科技有限公司")


def test_an_operator_cannot_pick_another_enterprise(client, admin, item):
    client.force_login(admin)
    page = client.get(f"/file/{item.code}/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    materials = list(item.materials.all())
    data = {"enterprise": "91110000100000000X", "address": "x", "token": token, "action": "submit",
            f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf()}  # fmt: skip
    response = client.post(f"/file/{item.code}/", data)
    assert response.status_code == 400 and not Case.objects.exists()


def test_the_registration_pages_register_an_enterprise_with_its_legal_representative(client):
    from govhall.core.models import User
    from tests.cases import factories as f

    client.post("/accounts/register/", {"kind": "enterprise", "mobile": "13700137005"})
    sent = OutboxMessage.objects.get(kind="sms", payload__mobile="13700137005").payload["text"]
    page = client.get("/accounts/register/details/").content.decode()
    assert 'for="id_legal_representative"' in page
    fields = {"code": re.search(r"\d{6}", sent).group(0), "username": "wangfang", "password": "Govhall#2026",
              "password2": "Govhall#2026", "real_name": "王芳", "id_number": f.ric("11010519800101001"),
              "org_name": "七里市示范科技有限公司", "org_credit_code": CREDIT_CODE, "legal_representative": "王建国",
              "action": "register"}  # fmt: skip
    assert client.post("/accounts/register/details/", fields).status_code == 302
    user = User.objects.get(username="wangfang")
    assert enterprises.enterprises_of(user)[0].legal_representative == "王建国"
