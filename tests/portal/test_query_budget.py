"""The "my" lists cost the same number of queries for one case as for many (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.cases import online

pytestmark = pytest.mark.django_db


def _file(user, item, n: int) -> None:
    for _ in range(n):
        draft = online.draft_save(applicant=user, item=item, data={"联系地址": "x"}, actor=user)
        online.draft_submit(draft=draft, actor=user)


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm: session, content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", ["/me/", "/me/cases/", "/me/messages/"])
def test_my_pages_do_not_grow_with_the_cases(client, zhang_san, item, url):
    client.force_login(zhang_san)
    _file(zhang_san, item, 1)
    one = _queries(client, url)
    _file(zhang_san, item, 4)
    five = _queries(client, url)
    assert len(five) == len(one), "\n".join(five)
