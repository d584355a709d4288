"""The evaluator pad feeds 好差评: one rating per ticket, bound to the window and the clerk."""

import pytest
from django.urls import reverse

from govhall.core.errors import DomainError
from govhall.hall.queue import calling
from govhall.hall.queue.models import Ticket
from tests.hall_queue import factories as f

ratings = pytest.importorskip("govhall.ratings.models")
pytestmark = pytest.mark.django_db


def _finished(biz, window, clerk):
    f.ticket(biz)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    calling.ticket_serve(ticket=ticket, actor=clerk)
    return calling.ticket_finish(ticket=ticket, actor=clerk)


def test_pad_rating_is_bound_to_ticket_window_and_staff(client, biz_a, window, clerk, open_desk):
    ticket = _finished(biz_a, window, clerk)
    answer = client.post(reverse("hall_queue:pad_rate", args=[window.pk]), {"ticket": ticket.pk, "level": 2})
    assert answer.status_code == 200 and "感谢您的评价" in answer.content.decode()
    rating = ratings.Rating.objects.get(service_ref=f"ticket:{ticket.pk}")
    assert (rating.level, rating.channel, rating.window_id, rating.staff_id) == (
        2,
        "pad",
        window.pk,
        clerk.staff.pk,
    )
    assert not Ticket.objects.get(pk=ticket.pk).rating_pending
    again = client.post(reverse("hall_queue:pad_rate", args=[window.pk]), {"ticket": ticket.pk, "level": 1})
    assert again.status_code == 409
    assert ratings.Rating.objects.filter(service_ref=f"ticket:{ticket.pk}").count() == 1


def test_bad_levels_and_other_windows_are_refused(biz_a, window, clerk, open_desk):
    ticket = _finished(biz_a, window, clerk)
    other = f.window(serves={biz_a: 1})
    for kwargs in (
        {"window": window, "level": 9},
        {"window": window, "level": "x"},
        {"window": other, "level": 1},
    ):
        with pytest.raises(DomainError):
            calling.ticket_rate(ticket=ticket.pk, **kwargs)
    assert not ratings.Rating.objects.exists()
