"""Seed the working-day calendar: official years from chinese-calendar, provisional years to now + 3.

Every database (tests included) therefore has a calendar. ``govhall calendar seed`` extends it later.
"""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from govhall.core.calendar import seed_plan, year_days

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    now = timezone.now()
    held = set(CalendarYear.objects.values_list("year", flat=True))
    for year, provisional in seed_plan(timezone.localdate()):
        if year in held:
            continue
        CalendarDay.objects.bulk_create(
            CalendarDay(date=s.date, is_workday=s.is_workday, source=s.source, note=s.note, updated_at=now)
            for s in year_days(year, provisional)
        )
        CalendarYear.objects.create(
            year=year,
            provisional=provisional,
            source="provisional" if provisional else "official",
            note="暂定：周一至周五，扣除法定节假日" if provisional else "国务院放假安排",
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
