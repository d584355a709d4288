"""Staffing reads for pages and the API (every object fetch checks the caller's scope)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from govhall.core.errors import NotFound
from govhall.org.models import Staff
from govhall.staffing import permissions, rules
from govhall.staffing.models import AttendanceRecord, LeaveRequest, LeaveState, OffPost


def records_on(staff: Staff, day: dt.date) -> list[AttendanceRecord]:
    return list(AttendanceRecord.objects.filter(staff=staff, day=day).order_by("session"))


def leave_of(staff: Staff, period: rules.Period) -> list[LeaveRequest]:
    """The person's leave requests touching the period, newest first."""
    return list(LeaveRequest.objects.filter(staff=staff, start_day__lt=period.end, end_day__gte=period.start))


def off_posts_of(staff: Staff, period: rules.Period) -> list[OffPost]:
    start, end = rules.at(period.start, dt.time.min), rules.at(period.end, dt.time.min)
    return list(OffPost.objects.filter(staff=staff, started_at__gte=start, started_at__lt=end))


def own_leave(user, leave_id) -> LeaveRequest:
    staff = permissions.attending_staff(user)
    try:
        return LeaveRequest.objects.get(pk=int(leave_id), staff=staff)
    except (LeaveRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("请假申请不存在。"), code="staffing.leave_not_found") from None


def visible_leave(user) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(staff__in=permissions.visible_staff(user))


def access_leave(user, leave_id) -> LeaveRequest:
    try:
        return visible_leave(user).select_related("staff").get(pk=int(leave_id))
    except (LeaveRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("请假申请不存在。"), code="staffing.leave_not_found") from None


def pending_leave(user) -> QuerySet[LeaveRequest]:
    """Requests waiting for a decision, oldest first (leaders only)."""
    permissions.require_leader(user)
    return (
        LeaveRequest.objects.filter(state=LeaveState.SUBMITTED)
        .select_related("staff", "staff__department")
        .order_by("submitted_at", "id")
    )


def pending_leave_count(user) -> int:
    return pending_leave(user).count() if permissions.is_leader(user) else 0


def recent_off_posts(limit: int = 50) -> list[OffPost]:
    return list(OffPost.objects.select_related("staff", "recorded_by").order_by("-started_at", "-id")[:limit])
