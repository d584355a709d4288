"""Browser tests: Debian's Chromium driven by the Python ``playwright`` package against ``live_server``.

Never ``playwright install``: the browser is the distribution's /usr/bin/chromium (no downloads on
these machines). Every test here is marked ``browser`` and skipped with a reason when Chromium or
Playwright is missing.
"""

import json
import os
from pathlib import Path

import pytest
from django.db import connection, transaction

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run inside
# one unless told it is safe (it is: the loop belongs to Playwright, not to Django).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("GOVHALL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian package 'chromium'); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the 'playwright' package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_db(transactional_db):
    """Committed data the live server's thread can see; emptied afterwards.

    On PostgreSQL the audit table refuses TRUNCATE while it holds events (append-only trigger), and
    the test database is flushed with TRUNCATE: leave it empty the way the retention prune does.
    """
    yield
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL govhall.audit_prune = 'on'")
            cursor.execute("DELETE FROM core_auditevent")


@pytest.fixture
def page(browser, live_server, live_db):
    """A fresh browser context per test (no shared cookies), in Chinese, on the live server."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sms_file(settings, tmp_path) -> Path:
    """The demo SMS gateway's file for this test only."""
    settings.GOVHALL_SMS_OUTBOX_FILE = tmp_path / "sms.log"
    return settings.GOVHALL_SMS_OUTBOX_FILE


@pytest.fixture
def read_sms(sms_file):
    """Deliver the outbox now and return the texts the gateway got for ``mobile``, oldest first."""
    from govhall.core.outbox import deliver_pending

    def read(mobile: str) -> list[str]:
        deliver_pending()
        if not sms_file.exists():
            return []
        lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines() if line]
        return [line["text"] for line in lines if line["mobile"] == mobile]

    return read


def login(page, username: str, then: str) -> None:
    """Log a demo-password user in through the login page and land on ``then``."""
    import re

    from tests.org.factories import PASSWORD

    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(then) + "$"))
