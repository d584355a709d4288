"""The pages: booking in three plain steps, mine with cancel and its confirmation, the staff day
view, the manager's schedule. Forms work without JavaScript; errors show next to the form."""

import re

import time_machine
from django.contrib.auth import get_user_model

from govhall.hall.models import Appointment, AppointmentState, DayClosure, SlotTemplate
from govhall.org.models import Role
from tests.hall import factories as hf
from tests.hall.factories import at, d
from tests.org import factories as org


def login(client, user):
    client.force_login(user)
    return client


def test_booking_walks_through_the_steps_and_lands_on_mine(client, w):
    login(client, w.applicant)
    w.slots(d(11, 20), d(11, 23), d(11, 24), d(11, 25), d(11, 26))
    with time_machine.travel(at(11, 19, 10), tick=False):
        page = client.get("/hall/appointments/").content.decode()
        assert 'for="hall-item"' in page and w.item.code in page
        assert "hall.blocked" not in page
        page = client.get("/hall/appointments/", {"item": w.item.code}).content.decode()
        assert 'for="hall-day"' in page and "11月23日（周一）" in page  # one window: chosen already
        page = client.get(
            "/hall/appointments/", {"item": w.item.code, "window": w.window.pk, "day": "2026-11-23"}
        ).content.decode()
        slots = re.findall(r'name="slot" value="(\d+)"', page)
        assert len(slots) == 3 and "09:00-10:00" in page
        response = client.post(
            "/hall/appointments/",
            {"item": w.item.code, "window": w.window.pk, "day": "2026-11-23", "slot": slots[1]},
        )
        assert response.status_code == 302 and response["Location"] == "/hall/appointments/mine/"
        mine = client.get("/hall/appointments/mine/").content.decode()
    appointment = Appointment.objects.get(applicant=w.applicant)
    assert appointment.code in mine and "预约成功" in mine


def test_a_refused_booking_shows_the_message_and_changes_nothing(client, w):
    login(client, w.applicant)
    w.book(at(11, 19, 10), d(11, 23), 9)
    slot = w.slot(d(11, 23), 10)
    before = hf.counts()
    with time_machine.travel(at(11, 19, 10), tick=False):
        response = client.post(
            "/hall/appointments/",
            {"item": w.item.code, "window": w.window.pk, "day": "2026-11-23", "slot": slot.pk},
        )
    assert response.status_code == 400
    assert 'data-code="hall.one_per_day"' in response.content.decode()
    assert hf.counts() == before


def test_bad_inputs_on_the_booking_form(client, w):
    login(client, w.applicant)
    before = hf.counts()
    for data in ({}, {"item": "nope", "slot": "1"}, {"item": w.item.code, "slot": "abc"}):
        response = client.post("/hall/appointments/", data)
        assert response.status_code == 400
    page = client.get("/hall/appointments/", {"item": w.item.code, "window": "x", "day": "1999-99-99"})
    assert page.status_code == 200
    assert hf.counts() == before


def test_anyone_may_look_at_free_slots_but_booking_needs_a_login(client, w):
    w.slots(d(11, 23))
    query = {"item": w.item.code, "window": w.window.pk, "day": "2026-11-23"}
    with time_machine.travel(at(11, 19, 10), tick=False):
        page = client.get("/hall/appointments/", query).content.decode()
        assert "09:00-10:00" in page and 'id="login-to-book"' in page and "确认预约" not in page
        slot = re.findall(r'name="slot" value="(\d+)"', page)[0]
        before = hf.counts()
        response = client.post("/hall/appointments/", query | {"slot": slot})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert hf.counts() == before
    assert client.get("/hall/appointments/mine/").status_code == 302


def test_cancel_asks_for_confirmation_then_cancels(client, w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    login(client, w.applicant)
    with time_machine.travel(at(11, 20, 10), tick=False):
        mine = client.get("/hall/appointments/mine/").content.decode()
        assert f"/hall/appointments/{appointment.pk}/cancel/" in mine
        page = client.get(f"/hall/appointments/{appointment.pk}/cancel/").content.decode()
        assert "确认取消" in page and "2026-11-23 07:00" in page
        response = client.post(f"/hall/appointments/{appointment.pk}/cancel/", {"reason": ""})
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.CANCELLED


def test_cancel_too_late_shows_the_rule(client, w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    login(client, w.applicant)
    with time_machine.travel(at(11, 23, 8), tick=False):
        assert (
            f"/hall/appointments/{appointment.pk}/cancel/"
            not in client.get("/hall/appointments/mine/").content.decode()
        )
        response = client.post(f"/hall/appointments/{appointment.pk}/cancel/")
    assert response.status_code == 400 and 'data-code="hall.cancel_too_late"' in response.content.decode()


def test_someone_elses_appointment_is_not_found(client, w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    login(client, hf.person("李四"))
    assert client.get(f"/hall/appointments/{appointment.pk}/cancel/").status_code == 404
    assert client.post(f"/hall/appointments/{appointment.pk}/cancel/").status_code == 404
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.BOOKED


def test_staff_see_a_windows_day_with_masked_names(client, w):
    w.book(at(11, 19, 10), d(11, 23), 9)
    clerk = org.staff(role=Role.CLERK, dept=w.window.department, win=w.window).user
    login(client, clerk)
    page = client.get("/hall/appointments/day/", {"day": "2026-11-23"}).content.decode()
    assert "张三" not in page
    assert re.search(r"<td>张\*</td>", page)


def test_applicants_cannot_open_staff_pages(client, w):
    login(client, w.applicant)
    assert client.get("/hall/appointments/day/").status_code == 403
    assert client.get("/hall/appointments/schedule/").status_code == 403


def test_the_manager_edits_a_windows_periods_and_closes_a_day(client, w):
    login(client, w.manager)
    page = client.get("/hall/appointments/schedule/", {"window": w.window.pk}).content.decode()
    assert "09:00-10:00 2" in page
    response = client.post(
        f"/hall/appointments/schedule/windows/{w.window.pk}/", {"periods": "08:30-09:30 5"}
    )
    assert response.status_code == 302
    assert list(SlotTemplate.objects.filter(window=w.window).values_list("capacity", flat=True)) == [5]
    bad = client.post(f"/hall/appointments/schedule/windows/{w.window.pk}/", {"periods": "9-10"})
    assert bad.status_code == 400 and 'data-code="hall.bad_period"' in bad.content.decode()
    response = client.post(
        "/hall/appointments/schedule/close/", {"day": "2099-01-05", "window": "", "reason": "演练"}
    )
    assert response.status_code == 302 and DayClosure.objects.filter(day="2099-01-05", window=None).exists()


def test_a_clerk_cannot_edit_the_schedule(client, w):
    clerk = org.staff(role=Role.CLERK).user
    login(client, clerk)
    before = hf.counts()
    response = client.post(
        f"/hall/appointments/schedule/windows/{w.window.pk}/", {"periods": "08:30-09:30 5"}
    )
    assert response.status_code == 403 and hf.counts() == before


def test_mine_query_count_does_not_grow(client, w, django_assert_max_num_queries):
    login(client, w.applicant)
    for day in (d(11, 23), d(11, 24), d(11, 25)):
        w.book(at(11, 19, 10), day, 9)
    client.get("/hall/appointments/mine/")
    with django_assert_max_num_queries(8):
        client.get("/hall/appointments/mine/")
    assert get_user_model().objects.count() >= 2


def test_the_manager_sees_blocks_masked_and_lifts_one(client, w, settings):
    from govhall.hall.models import BookingBlock
    from govhall.hall.sweep import sweep_run

    settings.GOVHALL_HALL_NO_SHOW_LIMIT = 1
    w.book(at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 12), tick=False):
        sweep_run()
    block = BookingBlock.objects.get()
    login(client, w.applicant)
    mine = client.get("/hall/appointments/mine/").content.decode()
    assert 'data-code="hall.blocked"' in mine and "（1次）" in mine
    login(client, w.manager)
    page = client.get("/hall/appointments/schedule/").content.decode()
    assert "<td>张*</td>" in page and "张三" not in page
    before = hf.counts()
    bad = client.post(f"/hall/appointments/schedule/blocks/{block.pk}/lift/", {"reason": ""})
    assert bad.status_code == 400 and hf.counts() == before
    response = client.post(f"/hall/appointments/schedule/blocks/{block.pk}/lift/", {"reason": "因病，已核实"})
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.lifted_by == w.manager and block.lift_reason == "因病，已核实"
