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
