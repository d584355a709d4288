"""SMS backends: the demo file gateway is locked, idempotent by message id; the console masks numbers."""

import json
import logging
import threading

import pytest

from govhall.core.notify import ConsoleSmsBackend, FileSmsBackend, get_sms_backend


def test_file_backend_writes_one_json_line_per_message(tmp_path):
    backend = FileSmsBackend(tmp_path / "sms.log")
    backend.send(message_id="outbox-1", mobile="13800138000", text="验证码 123456，5 分钟内有效")
    backend.send(message_id="outbox-2", mobile="13900139000", text="您的办件已办结")
    lines = backend.lines()
    assert [line["id"] for line in lines] == ["outbox-1", "outbox-2"]
    assert lines[0]["text"] == "验证码 123456，5 分钟内有效" and lines[0]["mobile"] == "13800138000"


def test_file_backend_drops_a_repeated_message_id(tmp_path):
    backend = FileSmsBackend(tmp_path / "sms.log")
    for _ in range(3):
        backend.send(message_id="outbox-7", mobile="13800138000", text="一次")
    assert len(backend.lines()) == 1


def test_file_backend_is_safe_for_concurrent_writers(tmp_path):
    path = tmp_path / "sms.log"

    def write(worker: int) -> None:
        backend = FileSmsBackend(path)  # a backend per thread, as in separate workers
        for i in range(25):
            backend.send(message_id=f"outbox-{i}", mobile="13800138000", text=f"worker {worker}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raw = path.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in raw]  # every line is whole JSON
    assert sorted(ids) == sorted(f"outbox-{i}" for i in range(25))


def test_console_backend_masks_the_mobile(caplog):
    with caplog.at_level(logging.INFO, logger="govhall.core.notify"):
        ConsoleSmsBackend().send(message_id="outbox-3", mobile="13800138000", text="您好")
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("govhall.core.notify.FileSmsBackend", FileSmsBackend),
        ("govhall.core.notify.ConsoleSmsBackend", ConsoleSmsBackend),
    ],
)
def test_backend_comes_from_settings(settings, path, kind):
    settings.GOVHALL_SMS_BACKEND = path
    assert isinstance(get_sms_backend(), kind)
