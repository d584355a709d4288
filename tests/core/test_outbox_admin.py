"""The outbox admin: masked payloads, no hand edits, failed rows retried through the service."""

import pytest
from django.contrib.auth import get_user_model

from govhall.core import outbox
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.models.outbox import OutboxState

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", password="Root#2026x")
    client.force_login(user)
    return client


def _failed_sms() -> OutboxMessage:
    message = outbox.enqueue(kind="sms", topic="test", payload={"mobile": "13800138000", "text": "您好"})
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.FAILED, attempts=8, last_error="网关超时"
    )
    return message


def test_the_message_page_masks_the_mobile_and_cannot_be_edited(root):
    message = _failed_sms()
    page = root.get(f"/admin/core/outboxmessage/{message.pk}/change/").content.decode()
    assert "138****8000" in page and "13800138000" not in page
    assert 'name="_save"' not in page
    assert root.get("/admin/core/outboxmessage/add/").status_code == 403


def test_retry_action_requeues_failed_rows_and_is_audited(root):
    message = _failed_sms()
    response = root.post(
        "/admin/core/outboxmessage/",
        {"action": "retry_failed", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "已重新排队 1 条失败消息" in response.content.decode()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxState.PENDING, 0, "")
    assert AuditEvent.objects.filter(action="outbox.retry_failed", actor_name="root").count() == 1


def test_staff_without_the_change_permission_cannot_retry(client):
    user = get_user_model().objects.create_user("viewer", password="View#2026x", is_staff=True)
    client.force_login(user)
    message = _failed_sms()
    assert (
        client.post(
            "/admin/core/outboxmessage/", {"action": "retry_failed", "_selected_action": [message.pk]}
        ).status_code
        == 403
    )
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
