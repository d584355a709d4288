"""Reads of the shared kernel that pages and APIs need."""

from govhall.core.models import CalendarYear


def calendar_alerts() -> list[str]:
    """Managers see one alert per provisional year until the State Council schedule is entered."""
    years = CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)
    return [f"{year}年工作日历为暂定日历（未录入国务院放假安排），请尽快导入正式安排。" for year in years]
