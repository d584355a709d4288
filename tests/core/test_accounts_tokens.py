"""`govhall token create|list|revoke`: the token is printed once and only its SM3 digest is stored."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from govhall.core.accounts import api_token_authenticate
from govhall.core.crypto import sm3_hex
from govhall.core.models import ApiToken, AuditEvent
from tests.api.accounts_helpers import make_staff

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_create_prints_a_token_once_and_stores_its_digest():
    clerk = make_staff("clerk")

    raw = _run("create", "clerk", "--label", "窗口终端")

    token = ApiToken.objects.get()
    assert raw.startswith("gh_") and len(raw) > 40
    assert token.digest == sm3_hex(raw) and raw not in token.digest
    assert token.user == clerk and token.label == "窗口终端" and token.revoked_at is None
    assert api_token_authenticate(raw) == clerk
    assert AuditEvent.objects.filter(action="accounts.api_token_create").count() == 1


def test_create_for_unknown_user_fails_in_chinese_and_creates_nothing():
    with pytest.raises(CommandError) as exc:
        _run("create", "nobody")
    assert "用户“nobody”不存在" in str(exc.value) and exc.value.returncode == 1
    assert not ApiToken.objects.exists()


def test_create_for_inactive_user_is_refused():
    clerk = make_staff("clerk")
    clerk.is_active = False
    clerk.save()
    with pytest.raises(CommandError, match="已停用"):
        _run("create", "clerk")
    assert not ApiToken.objects.exists()


def test_revoke_by_token_value_stops_it_working():
    make_staff("clerk")
    raw = _run("create", "clerk")

    assert "已吊销 1 个令牌" in _run("revoke", raw)

    assert ApiToken.objects.get().revoked_at is not None
    assert api_token_authenticate(raw) is None
    assert AuditEvent.objects.filter(action="accounts.api_token_revoke").count() == 1


def test_revoke_by_id_and_all_of_a_user():
    make_staff("clerk")
    first, second, third = (_run("create", "clerk") for _ in range(3))
    token_id = ApiToken.objects.get(digest=sm3_hex(first)).pk

    _run("revoke", "--id", str(token_id))
    assert api_token_authenticate(first) is None and api_token_authenticate(second) is not None
    assert "已吊销 2 个令牌" in _run("revoke", "--user", "clerk", "--all")
    assert api_token_authenticate(second) is None and api_token_authenticate(third) is None


def test_revoke_unknown_token_fails_and_changes_nothing():
    make_staff("clerk")
    raw = _run("create", "clerk")
    with pytest.raises(CommandError, match="令牌不存在"):
        _run("revoke", "gh_not-a-real-token")
    with pytest.raises(CommandError, match="请给出令牌原文"):
        _run("revoke")
    assert api_token_authenticate(raw) is not None


def test_list_shows_state_without_the_secret():
    make_staff("clerk")
    raw = _run("create", "clerk", "--label", "自助终端")
    _run("revoke", raw)
    listing = _run("list", "clerk")
    assert "已吊销" in listing and "自助终端" in listing and raw not in listing


def test_cli_exit_code_is_one_for_unknown_user(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    # Through the real console script, as scripts outside the test suite call it.
    govhall = Path(sys.executable).with_name("govhall")
    env = {"GOVHALL_VAR_DIR": str(settings.VAR_DIR), "PATH": "/usr/bin:/bin"}
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        subprocess.run([govhall, "migrate", "-v", "0", "--noinput"], env=env, check=True, timeout=300)
    result = subprocess.run(
        [govhall, "token", "create", "nobody-here"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "不存在" in result.stderr
