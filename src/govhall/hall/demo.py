"""Demo appointments: slot templates for the demo windows that take appointments, the slots of the
coming working days, and bookings (through the booking service) by the demo applicant and by
generated people. Idempotent: a second run writes nothing and returns {}."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from govhall.catalog.models import ItemStatus
from govhall.core import audit
from govhall.core.errors import DomainError
from govhall.hall.models import Appointment, Slot, SlotTemplate
from govhall.hall.schedule import slots_sync
from govhall.hall.services import appointment_book
from govhall.org.models import Window

SEED = 20261126
PERIODS = [  # the centre's hours 9:00–12:00 and 13:30–17:00 (the last half hour is for walk-ins)
    (dt.time(9, 0), dt.time(10, 0), 4),
    (dt.time(10, 0), dt.time(11, 0), 4),
    (dt.time(11, 0), dt.time(12, 0), 3),
    (dt.time(13, 30), dt.time(14, 30), 4),
    (dt.time(14, 30), dt.time(15, 30), 4),
    (dt.time(15, 30), dt.time(16, 30), 3),
]
GENERATED_BOOKINGS = 40


def _windows() -> list[Window]:
    return list(
        Window.objects.filter(active=True, items__appointment=True, items__status=ItemStatus.RETAINED)
        .distinct()
        .order_by("site__code", "number")
    )


@transaction.atomic
def _templates(windows: list[Window]) -> int:
    rows = [SlotTemplate(window=w, start=s, end=e, capacity=c) for w in windows for s, e, c in PERIODS]
    SlotTemplate.objects.bulk_create(rows)
    audit.record(action="hall.demo_templates", detail={"windows": len(windows), "templates": len(rows)})
    return len(rows)


def _book(user, slots: list[Slot], rng: random.Random) -> bool:
    for slot in rng.sample(slots, k=min(len(slots), 5)):
        items = list(slot.window.items.filter(appointment=True, status=ItemStatus.RETAINED)[:5])
        if not items:
            continue
        try:
            appointment_book(slot=slot, item=rng.choice(items), actor=user)
        except DomainError:
            continue  # full, or the person already has one that day: try another slot
        return True
    return False


def seed() -> dict[str, int]:
    if SlotTemplate.objects.exists() or Appointment.objects.exists():
        return {}
    windows = _windows()
    if not windows:
        return {}
    templates = _templates(windows)
    report = slots_sync()
    rng = random.Random(SEED)
    slots = list(
        Slot.objects.select_related("window__site").filter(closed=False).order_by("day", "start", "pk")
    )
    users = get_user_model().objects
    booked = 0
    applicant = users.filter(username="applicant").first()
    centre_slots = [s for s in slots if s.window.site.kind == "centre"] or slots
    if applicant is not None and centre_slots:
        booked += _book(applicant, centre_slots, rng)
    people = (
        users.filter(kind="person", is_active=True).exclude(username="applicant").exclude(id_number_digest="")
    )
    for person in people.exclude(real_name="").order_by("pk")[:GENERATED_BOOKINGS]:
        booked += _book(person, slots, rng) if slots else 0
    return {"预约时段模板": templates, "预约时段": report.created, "预约": booked}
