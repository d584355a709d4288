"""Appointment test data: a window serving a bookable item with a slot template, a manager, real-name
applicants (through the org, catalog and core services), slots made by the schedule service."""

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model

from govhall.catalog.services import item_set_windows
from govhall.core.identity import ric_check_char
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.hall.models import Appointment, BookingBlock, DayClosure, Slot, SlotTemplate
from govhall.hall.schedule import Period, slot_template_set, slots_sync
from govhall.hall.services import appointment_book
from govhall.org.models import Role
from tests.catalog import factories as cat
from tests.org import factories as org

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = [
    Period(dt.time(9), dt.time(10), 2),
    Period(dt.time(10), dt.time(11), 2),
    Period(dt.time(14), dt.time(15), 1),
]
_seq = itertools.count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, *, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def d(month: int, day: int, *, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def person(name: str = "张三", *, mobile: bool = True, username: str = ""):
    n = next(_seq)
    user = get_user_model().objects.create_user(
        username=username or f"person{n}", password=org.PASSWORD, kind="person", real_name=name
    )
    body = f"51010519850312{n:03d}"
    user_set_identity(
        user=user, real_name=name, id_number=body + ric_check_char(body), mobile=f"1390000{n:04d}", actor=None
    )
    if not mobile:
        get_user_model().objects.filter(pk=user.pk).update(mobile_cipher="", mobile_digest="")
        user.refresh_from_db()
    return user


def mobile_of(user) -> str:
    from govhall.core.personal import user_mobile

    return user_mobile(user)


def id_number_of(user) -> str:
    from govhall.core.personal import user_id_number

    return user_id_number(user)


@dataclass
class World:
    manager: object
    window: object
    item: object
    applicant: object

    def slots(self, *days: dt.date) -> None:
        slots_sync(days=list(days), window_ids=[self.window.pk])

    def slot(self, day: dt.date, hour: int = 9) -> Slot:
        self.slots(day)
        return Slot.objects.get(window=self.window, day=day, start=dt.time(hour))

    def book(self, when: dt.datetime, day: dt.date, hour: int = 9, *, user=None, item=None) -> Appointment:
        slot = self.slot(day, hour)
        with time_machine.travel(when, tick=False):
            return appointment_book(slot=slot, item=item or self.item, actor=user or self.applicant)


def world(applicant_username: str = "") -> World:
    department = cat.department()
    window = cat.window(department)
    manager = org.staff(role=Role.MANAGER, dept=department, name="陈主任").user
    item = cat.make_item(with_parts=False)
    item_set_windows(item=item, windows=[window], actor=None)
    slot_template_set(window=window, periods=PERIODS, actor=manager)
    return World(manager=manager, window=window, item=item, applicant=person(username=applicant_username))


def counts() -> dict[str, int]:
    models = (Appointment, Slot, SlotTemplate, DayClosure, BookingBlock, OutboxMessage)
    rows = {m.__name__: m.objects.count() for m in models}
    booked = sum(Slot.objects.values_list("booked", flat=True))
    return rows | {"booked": booked, "AuditEvent": AuditEvent.objects.filter(success=True).count()}


def sms_texts(appointment: Appointment) -> list[str]:
    rows = OutboxMessage.objects.filter(dedupe_key__startswith=f"hall:appointment:{appointment.pk}:")
    return [row.payload["text"] for row in rows.order_by("id")]
