"""hall.demo.seed(): templates for the windows that take appointments, slots, bookings; idempotent."""

from govhall.hall import demo
from govhall.hall.models import Appointment, SlotTemplate
from govhall.hall.sweep import sweep_run
from tests.hall import factories as hf


def test_seed_writes_once_and_books_for_the_demo_applicant(db):
    w = hf.world(applicant_username="applicant")
    SlotTemplate.objects.all().delete()
    hf.person("李四")
    counts = demo.seed()
    assert counts["预约时段模板"] == len(demo.PERIODS)
    assert counts["预约时段"] > 0 and counts["预约"] >= 2
    assert Appointment.objects.filter(applicant=w.applicant).count() == 1
    before = hf.counts()
    assert demo.seed() == {}
    assert hf.counts() == before
    assert sweep_run().slots.created == 0  # the demo's slots are the sweep's slots
