"""/api/v1/hall: free slots (public), book, mine and cancel (the applicant's own token)."""

import time_machine

from govhall.core import accounts
from govhall.hall.models import Appointment, AppointmentState, Slot
from tests.hall import factories as hf
from tests.hall.factories import at, d

BASE = "/api/v1/hall/appointments"


def auth(user) -> dict:
    if not hasattr(user, "_test_token"):
        user._test_token = accounts.api_token_create(user=user, label="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {user._test_token}"}


def test_free_slots_are_public_and_exclude_full_ones(client, w):
    w.slots(d(11, 20), d(11, 23))
    w.book(at(11, 19, 10), d(11, 23), 14)  # the 14:00 slot is now full
    with time_machine.travel(at(11, 19, 10), tick=False):
        response = client.get(BASE + "/slots", {"item": w.item.code, "day": "2026-11-23"})
    assert response.status_code == 200
    assert [(s["start"], s["free"]) for s in response.json()] == [("09:00", 2), ("10:00", 2)]


def test_unknown_item_is_a_400_with_a_code(client, w):
    response = client.get(BASE + "/slots", {"item": "nope"})
    assert response.status_code == 400 and response.json()["code"] == "hall.item_not_bookable"


def test_book_list_and_cancel(client, w):
    slot = w.slot(d(11, 23), 10)
    headers = auth(w.applicant)
    with time_machine.travel(at(11, 19, 10), tick=False):
        response = client.post(
            BASE, {"slot": slot.pk, "item": w.item.code}, content_type="application/json", **headers
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "booked" and body["day"] == "2026-11-23" and len(body["code"]) == 6
    mine = client.get(BASE + "/mine", **headers).json()
    assert [a["id"] for a in mine] == [body["id"]]
    with time_machine.travel(at(11, 20, 9), tick=False):
        response = client.post(f"{BASE}/{body['id']}/cancel", {}, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


def test_rule_errors_leave_as_code_and_message(client, w):
    slot = w.slot(d(11, 27), 10)
    headers = auth(w.applicant)  # issuing a token is audited: count after it
    before = hf.counts()
    with time_machine.travel(at(11, 19, 10), tick=False):
        response = client.post(
            BASE, {"slot": slot.pk, "item": w.item.code}, content_type="application/json", **headers
        )
    assert response.status_code == 400
    assert response.json()["code"] == "hall.too_far" and "工作日" in response.json()["message"]
    assert hf.counts() == before


def test_someone_elses_appointment_is_404(client, w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    other = hf.person("李四")
    response = client.post(
        f"{BASE}/{appointment.pk}/cancel", {}, content_type="application/json", **auth(other)
    )
    assert response.status_code == 404 and response.json()["code"] == "hall.not_found"
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.BOOKED


def test_booking_needs_a_token(client, w):
    slot = w.slot(d(11, 23), 9)
    response = client.post(BASE, {"slot": slot.pk, "item": w.item.code}, content_type="application/json")
    assert response.status_code == 401
    assert Slot.objects.get(pk=slot.pk).booked == 0
