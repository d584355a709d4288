"""我的 (/me/): the applicant's cases, drafts, appointments, messages and enterprise operators, an
agent's filings, and the applicant's case page where a supplement or a pre-review return is answered.

A case page answers only to the case's applicant or agent; any other number — someone else's or
one that does not exist — gives the same 404, so the page is no existence oracle.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.cases import online, present
from govhall.cases.files import case_file_attach
from govhall.cases.models import Case, CaseFile, Notice
from govhall.cases.scopes import case_not_found
from govhall.cases.states import CaseState
from govhall.core import enterprises as enterprise_accounts
from govhall.core.errors import DomainError
from govhall.core.selectors import user_messages
from govhall.org.access import staff_of
from govhall.org.models import Role
from govhall.portal import item_fields, selectors
from govhall.portal.views_filing import error_page

SUPPLEMENT_STATES = (CaseState.SUPPLEMENT_REQUESTED, CaseState.IN_SUPPLEMENT)
RATED_STATES = (CaseState.CONCLUDED, CaseState.DELIVERED)
PAGE_SIZE = 20


def _is_agent(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role == Role.AGENT


def _appointments(user) -> list | None:
    """hall's appointments when that context is installed (optional: None hides the section)."""
    try:
        from govhall.hall import selectors as hall_selectors
    except ImportError:
        return None
    appointments_of = getattr(hall_selectors, "appointments_of", None)
    return list(appointments_of(user)[:5]) if appointments_of else None


def _url_exists(path: str) -> bool:
    try:
        resolve(path)
    except (Resolver404, NoReverseMatch):
        return False
    return True


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "cases": list(selectors.my_cases(user)[:5]),
        "drafts": list(selectors.my_drafts(user)[:5]),
        "appointments": _appointments(user),
        "messages_list": user_messages(user=user, limit=5),
        "is_agent": _is_agent(user),
        "roles": list(enterprise_accounts.operator_roles_of(user)),
        "inquiries": _url_exists("/inquiries/mine/"),
        "complaints": _url_exists("/inquiries/complaints/mine/"),
    }
    return render(request, "portal/me.html", context)


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.my_cases(request.user))
    return render(request, "portal/my_cases.html", {"page": page, "title": _("我的办件")})


@login_required
def my_filings(request: HttpRequest) -> HttpResponse:
    """代办员: the cases filed for others, with the place and the applicant masked."""
    if not _is_agent(request.user):
        return redirect("portal:my_cases")
    page = _page(request, selectors.agent_filings(request.user))
    return render(request, "portal/my_cases.html", {"page": page, "title": _("我的代办"), "agent": True})


@login_required
def my_messages(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/my_messages.html", {"rows": user_messages(user=request.user, limit=100)})


# --- the applicant's case page ---------------------------------------------------------------------


def _own_case(user, number: str) -> Case:
    case = (
        Case.objects.select_related("item", "site", "applicant")
        .filter(Q(applicant_id=user.pk) | Q(agent_id=user.pk), number=(number or "").strip()[:32])
        .first()
    )
    if case is None:
        raise case_not_found()
    return case


def _case_context(case: Case, user) -> dict:
    now = timezone.now()
    rating_url = f"/ratings/cases/{case.number}/"
    return {
        "case": case,
        "clocks": present.case_clocks(case, now),
        "timeline": present.case_timeline(case, viewer_is_staff=False),
        "notices": list(Notice.objects.filter(case=case).order_by("issued_at", "id")),
        "form_rows": item_fields.case_rows(case.form_data),
        "files": selectors.case_files(case),
        "supplement": selectors.supplement_items(case) if case.state in SUPPLEMENT_STATES else [],
        "returned": case.state == CaseState.PRE_REVIEW_RETURNED and case.applicant_id == user.pk,
        "return_reason": _return_reason(case),
        "rating_url": rating_url if case.state in RATED_STATES and _url_exists(rating_url) else "",
        "is_applicant": case.applicant_id == user.pk,
    }


def _return_reason(case: Case) -> str:
    if case.state != CaseState.PRE_REVIEW_RETURNED:
        return ""
    event = case.events.filter(action="pre_review_return").order_by("-at", "-id").first()
    return event.note if event else ""


@login_required
def my_case(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = _own_case(request.user, number)
    except DomainError as exc:
        return error_page(request, exc)
    response = render(request, "portal/my_case.html", _case_context(case, request.user))
    response["Cache-Control"] = "private, no-store"
    return response


def attach_files(request, case: Case, uploads: list[tuple[str, list]]) -> list[str]:
    """Each (material name, files) pair checked and stored on the case; the refusals as messages."""
    errors, stored = [], 0
    for name, files in uploads:
        for upload in files:
            try:
                case_file_attach(case=case, kind=CaseFile.Kind.MATERIAL, material_name=name, upload=upload,
                                 actor=request.user)  # fmt: skip
                stored += 1
            except DomainError as exc:
                errors.append(f"{name}：{exc.message}")
    if not stored and not errors:
        errors.append(_("请选择要上传的文件。"))
    return errors


def _attach(request, case: Case, names: list[str]) -> list[str]:
    """The files posted as f0, f1, … for the listed materials."""
    return attach_files(
        request, case, [(name, request.FILES.getlist(f"f{i}")) for i, name in enumerate(names)]
    )


@login_required
@require_POST
def answer_supplement(request: HttpRequest, number: str) -> HttpResponse:
    """Upload the materials the one-time notice lists; the window then confirms receipt."""
    try:
        case = _own_case(request.user, number)
    except DomainError as exc:
        return error_page(request, exc)
    names = selectors.supplement_items(case) if case.state in SUPPLEMENT_STATES else []
    if not names:
        messages.error(request, _("该办件当前无需补正材料。"))
        return redirect("portal:my_case", number=case.number)
    errors = _attach(request, case, names)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("补正材料已提交，窗口工作人员核收后将继续办理。"))
    return redirect("portal:my_case", number=case.number)


@login_required
@require_POST
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    """After a pre-review return: optional corrected files, then back to pre-review."""
    try:
        case = _own_case(request.user, number)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        names = [m.name for m in case.item.materials.all()]
        if any(request.FILES.getlist(f"f{i}") for i in range(len(names))):
            errors = _attach(request, case, names)
            if errors:
                for error in errors:
                    messages.error(request, error)
                return redirect("portal:my_case", number=case.number)
        online.case_resubmit(case=case, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新提交，等待预审。"))
    return redirect("portal:my_case", number=number)


# --- enterprise operators --------------------------------------------------------------------------


@login_required
def enterprise(request: HttpRequest) -> HttpResponse:
    """The operator's authorisations and, for an administrator, the enterprise's operators."""
    roles = list(enterprise_accounts.operator_roles_of(request.user))
    managed = []
    for role in roles:
        if role.role == "admin" and role.state == "authorised":
            managed.append((role.enterprise, enterprise_accounts.enterprise_operators(
                enterprise=role.enterprise, actor=request.user)))  # fmt: skip
    return render(request, "portal/enterprise.html", {"roles": roles, "managed": managed})


@login_required
@require_POST
def operator_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        operator = enterprise_accounts.operator_get(pk=pk, actor=request.user)
        if action == "authorise":
            enterprise_accounts.operator_authorise(operator=operator, actor=request.user)
            messages.success(request, _("已授权。"))
        elif action == "revoke":
            enterprise_accounts.operator_revoke(operator=operator, actor=request.user)
            messages.success(request, _("已撤销授权。"))
        else:
            return error_page(request, case_not_found())
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:enterprise")
