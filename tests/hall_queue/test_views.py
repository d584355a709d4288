"""The queue pages: kiosk, window panel, strip, hall screen and pad (forms without JavaScript)."""

import pytest
from django.urls import reverse

from govhall.hall.queue import calling
from govhall.hall.queue.models import Ticket
from govhall.hall.queue.states import TicketState
from tests.hall_queue import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db


def test_kiosk_lists_businesses_and_issues_a_ticket(client, biz_a, window):
    page = client.get(reverse("hall_queue:kiosk"))
    assert page.status_code == 200 and "综合受理" in page.content.decode()
    answer = client.post(
        reverse("hall_queue:kiosk_ticket"), {"business": biz_a.pk, "id_number": f.ric(), "name": "张三"}
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "A001" in body and "张*" in body and "张三" not in body


def test_kiosk_shows_errors_and_changes_nothing(client, biz_a):
    before = f.counts()
    answer = client.post(reverse("hall_queue:kiosk_ticket"), {"business": 999, "id_number": f.ric()})
    assert answer.status_code == 404 and 'data-code="queue.business_not_found"' in answer.content.decode()
    bad = client.post(reverse("hall_queue:kiosk_ticket"), {"business": biz_a.pk, "id_number": "123"})
    assert bad.status_code == 400 and "身份证号码无效" in bad.content.decode()
    assert f.counts() == before


def test_kiosk_warns_about_a_long_queue(client, db):
    busy = f.business(prefix="W", warn_length=1)
    f.ticket(busy)
    answer = client.post(reverse("hall_queue:kiosk_ticket"), {"business": busy.pk, "id_number": f.ric()})
    assert "当前排队人数较多" in answer.content.decode()


def test_window_flow_through_the_forms(client, biz_a, window, clerk):
    client.force_login(clerk)
    url = reverse("hall_queue:window", args=[window.pk])
    assert "开始服务" in client.get(url).content.decode()
    client.post(reverse("hall_queue:window_action", args=[window.pk, "open"]))
    ticket = f.ticket(biz_a)
    client.post(reverse("hall_queue:window_action", args=[window.pk, "call"]))
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CALLED
    assert "A001" in client.get(url).content.decode()
    for action in ("serve", "finish"):
        response = client.post(reverse("hall_queue:ticket_action", args=[window.pk, ticket.pk, action]))
        assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.DONE


def test_window_errors_are_shown_not_raised(client, biz_a, window, clerk):
    client.force_login(clerk)
    f.ticket(biz_a)
    response = client.post(reverse("hall_queue:window_action", args=[window.pk, "call"]), follow=True)
    assert "未开放叫号" in response.content.decode()
    htmx = client.post(reverse("hall_queue:window_action", args=[window.pk, "call"]), HTTP_HX_REQUEST="true")
    assert 'id="q-panel"' in htmx.content.decode() and "未开放叫号" in htmx.content.decode()


def test_window_page_needs_staff_in_scope(client, window):
    assert client.get(reverse("hall_queue:window", args=[window.pk])).status_code == 302  # login
    client.force_login(org.applicant())
    assert client.get(reverse("hall_queue:window", args=[window.pk])).status_code == 403


def test_strip_and_screen_show_the_call_without_names(client, biz_a, window, clerk, open_desk):
    from govhall.hall.queue import services

    services.ticket_issue(business=biz_a, id_number=f.ric(), name="王小明")
    calling.ticket_call_next(window=window, actor=clerk)
    strip = client.get(reverse("hall_queue:strip", args=[window.pk])).content.decode()
    assert "A001" in strip and "王" not in strip
    screen = client.get(reverse("hall_queue:screen")).content.decode()
    assert "A001" in screen and 'data-voice="请A零零一号到' in screen and "王" not in screen
    live = client.get(reverse("hall_queue:screen"), HTTP_HX_REQUEST="true").content.decode()
    assert live.startswith('<div id="q-live"') and 'hx-trigger="every 3s"' in live


def test_pad_waits_then_asks_about_the_finished_ticket(client, biz_a, window, clerk, open_desk):
    url = reverse("hall_queue:pad", args=[window.pk])
    assert "办结后请在此评价" in client.get(url).content.decode()
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    calling.ticket_serve(ticket=ticket, actor=clerk)
    calling.ticket_finish(ticket=ticket, actor=clerk)
    page = client.get(url).content.decode()
    assert "非常满意" in page and f'value="{ticket.pk}"' in page


def test_pad_refuses_a_ticket_it_is_not_asking_about(client, biz_a, window, clerk, open_desk):
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    before = f.counts()
    answer = client.post(reverse("hall_queue:pad_rate", args=[window.pk]), {"ticket": ticket.pk, "level": 1})
    assert answer.status_code == 409 and "queue.rating_unavailable" in answer.content.decode()
    assert f.counts() == before


def test_screen_and_panel_query_budgets_do_not_grow_with_calls(client, biz_a, window, clerk, open_desk,
                                                                django_assert_max_num_queries):  # fmt: skip
    for _ in range(6):
        f.ticket(biz_a)
        ticket = calling.ticket_call_next(window=window, actor=clerk)
        calling.ticket_no_show(ticket=ticket, actor=clerk)
    for _ in range(4):
        f.ticket(biz_a)
    with django_assert_max_num_queries(6):
        client.get(reverse("hall_queue:screen"), HTTP_HX_REQUEST="true")
    client.force_login(clerk)
    client.get(reverse("hall_queue:window", args=[window.pk]))  # warm the session and staff lookups
    with django_assert_max_num_queries(20):  # session, user, staff and scope: 6 of them
        client.get(reverse("hall_queue:window", args=[window.pk]), HTTP_HX_REQUEST="true")


def test_openapi_lists_the_queue_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/hall/queue/windows/{window_id}/call-next" in paths
    assert "/api/v1/hall/queue/tickets/{ticket_id}/actions/{action}" in paths
