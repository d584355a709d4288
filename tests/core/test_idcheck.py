"""`govhall idcheck ric|uscc|mobile VALUE`: stable exit codes 0 valid / 1 invalid / 2 usage."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def _run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("idcheck", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue().strip()
    return 0, out.getvalue().strip()


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (("ric", "11010519491231002x"), "有效 110105********002X"),
        (("uscc", "91350100M000100Y43"), "有效 9135**********0Y43"),
        (("mobile", "+86 138 1234 5678"), "有效 138****5678"),
    ],
)
def test_valid_values_exit_zero_with_the_masked_form(args, printed):
    assert _run(*args) == (0, printed)


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (("ric", "110105194912310021"), "校验码错误，应为X"),
        (("ric", "110105491231002"), "15位一代身份证号码已停止使用，请使用18位二代居民身份证号码"),
        (("uscc", "91350100M000100Y44"), "校验码错误，应为3"),
        (("mobile", "12012345678"), "号段“1201”不是已分配的手机号段"),
    ],
)
def test_invalid_values_exit_one_with_the_reason(args, printed):
    assert _run(*args) == (1, printed)


def test_unknown_kind_is_a_usage_error():
    with pytest.raises(CommandError, match="invalid choice: 'passport'"):
        call_command("idcheck", "passport", "E12345678")


def test_the_installed_command_exit_codes():
    # Once through the real console script, as outside scripts call it.
    govhall = Path(sys.executable).with_name("govhall")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    runs = {
        kind: subprocess.run(
            [str(govhall), "idcheck", *argv], capture_output=True, text=True, env=env, timeout=60
        )
        for kind, argv in {
            "valid": ["ric", "11010519491231002X"],
            "invalid": ["mobile", "1381234567"],
            "usage": ["passport", "E12345678"],
        }.items()
    }
    assert (runs["valid"].returncode, runs["valid"].stdout.strip()) == (0, "有效 110105********002X")
    assert (runs["invalid"].returncode, runs["invalid"].stdout.strip()) == (
        1,
        "手机号码应为11位数字，实际为10位",
    )
    assert runs["usage"].returncode == 2
    assert "invalid choice" in runs["usage"].stderr
