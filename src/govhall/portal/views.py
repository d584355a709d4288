"""The online hall's pages. Portal owns no tables: it reads through the contexts' selectors."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import Theme
from govhall.org import selectors as org_selectors
from govhall.org.models import DepartmentKind
from govhall.portal import selectors

HOME_KEY = "portal:home"
ELDERLY_COOKIE = "govhall_elderly"
ELDERLY_MAX_AGE = 365 * 24 * 3600


def _home_facts() -> dict:
    """What every visitor of the home page sees alike, cached for 5 minutes (one per process)."""
    facts = cache.get(HOME_KEY)
    if facts is None:
        themes = list(catalog_selectors.theme_list())
        facts = {
            "person_themes": [t for t in themes if t.audience == Theme.Audience.PERSON],
            "enterprise_themes": [t for t in themes if t.audience == Theme.Audience.ENTERPRISE],
            "departments": [
                *org_selectors.department_list(DepartmentKind.STATIONED, active_only=True),
                *org_selectors.department_list(DepartmentKind.SUB_CENTRE, active_only=True),
            ],
            "utilities": list(org_selectors.department_list(DepartmentKind.UTILITY, active_only=True)),
            "figures": org_selectors.org_figures(),
            "popular": selectors.popular_items(),
            "notices": selectors.guide_notices(),
        }
        cache.set(HOME_KEY, facts, selectors.HOME_CACHE_SECONDS)
    return facts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", _home_facts())


@require_POST
def elderly_toggle(request: HttpRequest) -> HttpResponse:
    """长者模式: a cookie every page reads (body class), set by a plain form — no JavaScript."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = redirect(target)
    if request.POST.get("mode") == "on":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=ELDERLY_MAX_AGE, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True)  # fmt: skip
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response
