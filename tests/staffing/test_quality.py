"""Case quality in the month: returns (退回) charged to the signer of the step returned to, and
ratings from the ratings context (好差评)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from govhall.cases.processing import task_complete
from govhall.cases.step_ops import step_return
from govhall.org.models import Staff
from govhall.staffing import assessment
from govhall.staffing.quality import person_quality, returns_by
from tests.cases import flow_factories as ff

pytestmark = pytest.mark.django_db


def _month_bounds():
    today = timezone.localdate()
    return today.replace(day=1), today + dt.timedelta(days=1)


def test_a_return_is_charged_to_whoever_signed_the_step_returned_to():
    w = ff.world()
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)  # 承办 passes
    step_return(task=ff.pending(case), to_flow_order=2, reason="补充审查意见", actor=w.chief)
    start, end = _month_bounds()
    handler, chief = Staff.objects.get(user=w.handler), Staff.objects.get(user=w.chief)
    quality, _present = person_quality({handler.pk: handler.user_id, chief.pk: chief.user_id}, start, end)
    assert (quality[handler.pk].returns, quality[chief.pk].returns) == (1, 0)
    assert quality[handler.pk].tasks == 1  # the signed 承办 task
    t0 = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    t1 = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    assert returns_by("window", t0, t1) == ({case.window_id: 1} if case.window_id else {})
    m = assessment.person_month(f"{start:%Y-%m}", handler)
    assert m.deductions["return"] == Decimal(1)


def test_a_bad_rating_of_a_person_costs_a_point(clerk):
    services = pytest.importorskip("govhall.ratings.services")
    services.rating_submit(level=5, channel="pad", actor=None, window=clerk.window, staff=clerk,
                           service_ref="ticket:staffing-1", comment="办事等待时间太长")  # fmt: skip
    services.rating_submit(level=1, channel="pad", actor=None, window=clerk.window, staff=clerk,
                           service_ref="ticket:staffing-2")  # fmt: skip
    start, _end = _month_bounds()
    m = assessment.person_month(f"{start:%Y-%m}", clerk)
    assert (m.quality.ratings, m.quality.bad_ratings, m.quality.satisfaction) == (2, 1, Decimal("50.00"))
    assert m.deductions["bad_rating"] == Decimal(1)
