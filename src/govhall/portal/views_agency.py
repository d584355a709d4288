"""代办 at /me/filings/new/<item code>/: a village agent files for a villager at the station.

The case is received through the agency channel (``cases.services.case_submit``, which checks the
agent's role and the recorded consent) at the agent's own station, then the scanned materials are
attached (the agent is a party of the case). The receipt shows the query password once, to be
handed to the applicant.
"""

import secrets

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.cases.models import Case
from govhall.cases.services import case_submit
from govhall.core.errors import DomainError, PermissionDenied
from govhall.org.access import staff_of
from govhall.org.models import Role
from govhall.portal import item_fields
from govhall.portal.forms import AgencyForm, material_field, missing_required
from govhall.portal.views_filing import _online_item, error_page
from govhall.portal.views_me import attach_files


def _agent(user):
    staff = staff_of(user)
    if staff is None or staff.role != Role.AGENT:
        raise PermissionDenied(_("只有代办员可以代办申请。"), code="portal.not_agent")
    return staff


def _context(item, form, upload_errors=None, missing=()) -> dict:
    rows = [
        {
            "m": m,
            "field": material_field(m),
            "error": (upload_errors or {}).get(m.pk, ""),
            "missing": m.name in missing,
        }
        for m in item.materials.all()
    ]
    return {"item": item, "form": form, "materials": rows}


@login_required
@require_http_methods(["GET", "POST"])
def agency_file(request: HttpRequest, code: str) -> HttpResponse:
    try:
        staff = _agent(request.user)
        item = _online_item(code)
    except DomainError as exc:
        return error_page(request, exc)
    specs = item_fields.current_fields(item)
    if request.method == "GET":
        initial = {"token": secrets.token_urlsafe(24), "applicant_kind": "person"}
        form = AgencyForm(initial=initial, specs=specs)
        return render(request, "portal/agency_file.html", _context(item, form))
    form = AgencyForm(request.POST, specs=specs)
    if not form.is_valid():
        return render(request, "portal/agency_file.html", _context(item, form), status=400)
    key = f"agency:{form.cleaned_data['token']}"
    replay = Case.objects.filter(idempotency_key=key, agent_id=request.user.pk).first()
    if replay is not None:
        return _receipt(request, replay, None)
    materials = list(item.materials.all())
    chosen = {m.name for m in materials if request.FILES.getlist(material_field(m))}
    missing = missing_required(materials, chosen)
    if missing:
        form.add_error(None, _("请上传必要材料：%(m)s") % {"m": "、".join(missing)})
        return render(request, "portal/agency_file.html", _context(item, form, missing=missing), status=400)
    data = form.cleaned_data
    try:
        case = case_submit(item=item, site=staff.site, channel="agency", applicant_name=data["applicant_name"],
                           applicant_id_number=data["applicant_id_number"], applicant_kind=data["applicant_kind"],
                           agent=request.user, consent_recorded_at=timezone.now(), idempotency_key=key,
                           form_data=form.form_data(), actor=request.user)  # fmt: skip
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(request, "portal/agency_file.html", _context(item, form), status=exc.http_status)
    uploads = [(m.name, request.FILES.getlist(material_field(m))) for m in materials]
    errors = [e for e in attach_files(request, case, uploads) if e != _("请选择要上传的文件。")]
    return _receipt(request, case, getattr(case, "query_password", None), errors)


def _receipt(request, case: Case, password: str | None, errors=()) -> HttpResponse:
    context = {"case": case, "password": password, "agency": True, "upload_errors": errors}
    response = render(request, "portal/filed.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
