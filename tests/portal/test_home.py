import pytest
from django.core.management import call_command


@pytest.fixture
def demo_centre(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--no-cases", verbosity=0)


def test_home_offers_search_themes_and_departments(client, demo_centre):
    page = client.get("/").content.decode()
    assert 'action="/guide/"' in page
    assert "个人办事" in page and "法人办事" in page
    assert "/guide/?theme=" in page
    assert "市场监管局" in page and "车管所" in page
    assert "/guide/?department=" in page


def test_home_suggestion_finds_items(client, demo_centre):
    # The search box suggests initials; the suggestion must really find something.
    page = client.get("/guide/", {"q": "jhdj"}).content.decode()
    assert "结婚登记" in page


@pytest.mark.django_db
def test_home_renders_on_an_empty_centre(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "暂无主题" in response.content.decode()


def test_home_has_popular_items_notices_and_every_nav_link(client, demo_centre):
    page = client.get("/").content.decode()
    assert "热门事项" in page and "通知公告" in page
    for href in ("/inquiries/ask/", "/hall/appointments/", "/inquiries/complaints/new/", "/ratings/",
                 "/guide/", "/cases/lookup/"):  # fmt: skip
        assert f'href="{href}"' in page
    assert 'action="/elderly/"' in page and "长者模式" in page


@pytest.mark.django_db
def test_popular_items_follow_the_filings_of_the_last_90_days(client):
    from django.core.cache import cache

    from govhall.cases.services import case_submit
    from govhall.portal import selectors
    from tests.cases import factories as f

    cache.clear()
    clerk = f.clerk()
    busy, quiet = f.item(), f.item(code="11510100MB0000001X-002", name="餐饮服务许可")
    for _ in range(3):
        case_submit(**f.submit_kwargs(busy, clerk))
    case_submit(**f.submit_kwargs(quiet, clerk))
    assert selectors.popular_items() == [busy, quiet]
    page = client.get("/").content.decode()
    assert page.index(busy.name) < page.index(quiet.name)


@pytest.mark.django_db
def test_elderly_toggle_sets_a_cookie_every_page_reads(client):
    response = client.post("/elderly/", {"mode": "on", "next": "/guide/"})
    assert response.status_code == 302 and response["Location"] == "/guide/"
    assert (
        response.cookies["govhall_elderly"].value == "1" and response.cookies["govhall_elderly"]["httponly"]
    )
    page = client.get("/cases/lookup/").content.decode()
    assert '<body class="elderly">' in page and 'class="hotline"' in page and "标准版" in page
    client.post("/elderly/", {"mode": "off", "next": "/"})
    assert '<body class="">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_elderly_toggle_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post("/elderly/", {"mode": "on", "next": target})
        assert response["Location"] == "/"
    assert client.get("/elderly/").status_code == 405


@pytest.mark.django_db
def test_notices_announce_guide_updates_and_cancelled_items(client):
    import datetime as dt

    from govhall.catalog.models import ItemStatus, ItemVersion, ServiceItem
    from tests.cases import factories as f

    kept, gone = f.item(), f.item(code="11510100MB0000001X-009", name="旧事项")
    ItemVersion.objects.create(item=kept, version=2, snapshot={}, note="材料精简为两项")
    ServiceItem.objects.filter(pk=gone.pk).update(status=ItemStatus.CANCELLED, cancelled_on=dt.date(2026, 3, 1),
                                                  cancel_reason="国务院决定取消")  # fmt: skip
    page = client.get("/").content.decode()
    assert "材料精简为两项" in page and f"/guide/{kept.code}/" in page
    assert "关于取消《旧事项》的公告" in page and "国务院决定取消" in page
