"""The online hall's pages. Portal owns no tables: it reads through the contexts' selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import Theme
from govhall.org import selectors as org_selectors
from govhall.org.models import DepartmentKind


def home(request: HttpRequest) -> HttpResponse:
    themes = list(catalog_selectors.theme_list())
    context = {
        "person_themes": [t for t in themes if t.audience == Theme.Audience.PERSON],
        "enterprise_themes": [t for t in themes if t.audience == Theme.Audience.ENTERPRISE],
        "departments": [
            *org_selectors.department_list(DepartmentKind.STATIONED, active_only=True),
            *org_selectors.department_list(DepartmentKind.SUB_CENTRE, active_only=True),
        ],
        "utilities": org_selectors.department_list(DepartmentKind.UTILITY, active_only=True),
        "figures": org_selectors.org_figures(),
    }
    return render(request, "portal/home.html", context)
