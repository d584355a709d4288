"""Script typed into any public text field comes back as text, never as markup."""

import pytest

pytestmark = pytest.mark.django_db
SCRIPT = '"><script>alert(1)</script>'


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/guide/", {"q": SCRIPT}),
        ("get", "/cases/lookup/", {"number": SCRIPT, "password": SCRIPT}),
        ("get", "/cases/lookup/", {"number": SCRIPT}),
        ("post", "/accounts/register/", {"kind": "person", "mobile": SCRIPT}),
        ("post", "/accounts/login/", {"username": SCRIPT, "password": SCRIPT}),
        ("post", "/elderly/", {"mode": "on", "next": SCRIPT}),
    ],
)
def test_script_is_rendered_inert(client, method, url, data):
    response = getattr(client, method)(url, data, follow=True)
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page


def test_registration_details_echo_script_as_text(client):
    client.post("/accounts/register/", {"kind": "enterprise", "mobile": "13800138000"})
    fields = {"code": "123456", "username": SCRIPT, "password": "x", "password2": "y", "real_name": SCRIPT,
              "id_number": SCRIPT, "org_name": SCRIPT, "org_credit_code": SCRIPT, "legal_representative": SCRIPT}  # fmt: skip
    page = client.post("/accounts/register/details/", fields).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
