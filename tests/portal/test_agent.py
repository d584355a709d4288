"""代办员: "my filings" lists the cases an agent filed for others, with the applicants masked."""

import pytest
from django.utils import timezone

from govhall.cases.services import case_submit
from tests.cases import factories as f

pytestmark = pytest.mark.django_db


def test_an_agent_sees_the_filings_with_masked_applicants(client):
    agent, station = f.agent()
    item = f.item()
    case = case_submit(item=item, site=station, channel="agency", applicant_name="王小明", applicant_id_number=f.ric(),
                       agent=agent, consent_recorded_at=timezone.now(), actor=agent)  # fmt: skip
    client.force_login(agent)
    page = client.get("/me/filings/").content.decode()
    assert case.number in page and "王*" in page and "王小明" not in page and station.name in page
    assert "我的代办" in client.get("/").content.decode()  # the nav link
    detail = client.get(f"/me/cases/{case.number}/")
    assert detail.status_code == 200 and "王小明" not in detail.content.decode()


def test_my_filings_is_for_agents_only(client):
    clerk = f.clerk()
    client.force_login(clerk)
    assert client.get("/me/filings/")["Location"] == "/me/cases/"


def _agency_form(client, code: str) -> str:
    import re

    page = client.get(f"/me/filings/new/{code}/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_an_agent_files_for_a_villager_with_materials(client):
    from govhall.cases.models import Case, CaseFile
    from tests.portal.conftest import a_pdf

    agent, station = f.agent()
    item = f.item()
    client.force_login(agent)
    assert client.get(f"/file/{item.code}/")["Location"] == f"/me/filings/new/{item.code}/"
    token = _agency_form(client, item.code)
    materials = list(item.materials.all())
    data = {"applicant_kind": "person", "applicant_name": "王小明", "applicant_id_number": f.ric(), "consent": "on",
            "token": token, f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf("执照.pdf")}  # fmt: skip
    response = client.post(f"/me/filings/new/{item.code}/", data)
    page = response.content.decode()
    case = Case.objects.get(agent=agent)
    assert (case.channel, case.site, case.applicant_name) == ("agency", station, "王小明")
    assert case.number in page and "data-query-password" in page
    assert CaseFile.objects.filter(case=case).count() == 2
    data[f"m{materials[0].pk}"], data[f"m{materials[1].pk}"] = a_pdf(), a_pdf()
    again = client.post(f"/me/filings/new/{item.code}/", data)  # the same form twice: one case
    assert Case.objects.filter(agent=agent).count() == 1 and case.number in again.content.decode()


def test_agency_needs_consent_materials_and_an_agent(client):
    from govhall.cases.models import Case

    agent, _station = f.agent()
    item = f.item()
    client.force_login(agent)
    token = _agency_form(client, item.code)
    data = {
        "applicant_kind": "person",
        "applicant_name": "王小明",
        "applicant_id_number": f.ric(),
        "token": token,
    }
    assert client.post(f"/me/filings/new/{item.code}/", data).status_code == 400  # no consent
    data["consent"] = "on"
    response = client.post(f"/me/filings/new/{item.code}/", data)
    assert response.status_code == 400 and "请上传必要材料" in response.content.decode()
    assert not Case.objects.exists()
    client.force_login(f.clerk())
    assert client.get(f"/me/filings/new/{item.code}/").status_code == 403
