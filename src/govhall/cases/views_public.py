"""办件查询 — the public lookup at /cases/lookup/ (RULES.md "Cases": case number + query password).

No login, a plain GET form that works without JavaScript. The answer shows the state, the due
date, the timeline without staff names and the notices (PDFs with personal data masked). An
unknown number and a wrong password give the same answer; failed tries are counted per address
and number (scopes.public_case), so guessing is stopped after a few.

A successful lookup lets the same browser session download that case's notices, so the query
password never travels in a download link.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from govhall.cases import present, scopes, selectors
from govhall.cases.models import Notice
from govhall.cases.views import error_page
from govhall.core.errors import DomainError
from govhall.core.middleware import client_ip

SESSION_KEY = "cases_lookup"
MAX_REMEMBERED = 5  # cases one session may download notices of


def _remember(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != number]
    request.session[SESSION_KEY] = [*numbers, number][-MAX_REMEMBERED:]


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    number = (request.GET.get("number") or "").strip()[:32]
    password = (request.GET.get("password") or "").strip()[:16]
    context = {"number": number, "case": None, "error": None}
    # The notices' QR code links here with the number only: the form comes back filled in, and a
    # lookup is tried (and counted) only when the form was sent with its password field.
    if "password" in request.GET:
        try:
            case = scopes.public_case(number=number, password=password, ip=client_ip(request))
        except DomainError as exc:
            context["error"] = exc
            return render(request, "cases/lookup.html", context, status=exc.http_status)
        _remember(request, case.number)
        context |= {
            "case": case,
            "clocks": present.case_clocks(case, timezone.now()),
            "timeline": present.case_timeline(case, viewer_is_staff=False, public=True),
            "notices": list(Notice.objects.filter(case=case).order_by("issued_at", "id")),
        }
    response = render(request, "cases/lookup.html", context)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the password is in this page's URL
    return response


@require_GET
def public_notice(request: HttpRequest, number: str, notice_number: str) -> HttpResponse:
    """A notice of a case this session has looked up (masked PDF); 404 otherwise."""
    try:
        if number not in request.session.get(SESSION_KEY, []):
            raise scopes.case_not_found()
        case = selectors.case_get(number=number)
        if case is None:
            raise scopes.case_not_found()
        return present.notice_pdf_response(present.notice_of(case, notice_number), public=True)
    except DomainError as exc:
        return error_page(request, exc)
