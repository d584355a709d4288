"""Cases and supervision in the admin: every list and detail page opens, nothing can be edited,
and an applicant's name and identity digests are not shown."""

import pytest
from django.contrib.auth import get_user_model

from govhall.cases.services import case_accept
from govhall.supervision.sweep import sweep_run

pytestmark = pytest.mark.django_db

PAGES = [
    "cases/case", "cases/caseevent", "cases/steptask", "cases/notice", "cases/sealuse",
    "cases/specialprocedure", "supervision/warning", "supervision/anomaly", "supervision/anomalyrule",
    "supervision/supervisionorder", "supervision/sweeprun",
]  # fmt: skip


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", password="Root#2026x")
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_each_list_opens_and_has_no_add(root, received, page):
    assert root.get(f"/admin/{page}/").status_code == 200
    assert root.get(f"/admin/{page}/add/").status_code == 403


def test_a_case_page_is_read_only_and_masks_the_applicant(root, received, clerk):
    case_accept(case=received, actor=clerk)
    sweep_run()
    listing = root.get("/admin/cases/case/").content.decode()
    assert received.number in listing and "张*" in listing and "张三" not in listing
    page = root.get(f"/admin/cases/case/{received.pk}/change/").content.decode()
    assert 'name="_save"' not in page and received.applicant_id_digest not in page
    assert "张三" not in page
    assert root.post(f"/admin/cases/case/{received.pk}/delete/", {"post": "yes"}).status_code == 403
