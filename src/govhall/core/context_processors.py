from django.conf import settings
from django.http import HttpRequest


def govhall(request: HttpRequest) -> dict:
    """Values every page template uses: the centre's name and, for managers, calendar alerts."""
    context = {"centre_name": settings.GOVHALL_CENTRE_NAME, "staff_member": None, "calendar_alerts": []}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    # The reverse one-to-one from org.Staff; core reads the attribute and never imports org.
    staff = getattr(user, "staff", None) if hasattr(user, "staff") else None
    if staff is not None and staff.active:
        context["staff_member"] = staff
    if (staff is not None and staff.active and staff.role == "manager") or user.is_superuser:
        from govhall.core.selectors import calendar_alerts

        context["calendar_alerts"] = calendar_alerts()
    return context
