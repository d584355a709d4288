"""Online filing at /file/<item code>/ (网上申请): a form built from the item's fields and materials, uploads
checked by ``core.uploads`` (through ``cases.files``), drafts saved, then submitted to pre-review.

Plain multipart POST forms: they work without JavaScript. A failed upload is shown next to its
material and the draft keeps what passed. Submitting carries a per-form token as the idempotency
key, so a double click or a re-sent form gives the same case once.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.cases import online
from govhall.cases.files import case_file_attach
from govhall.cases.models import Case, CaseFile
from govhall.catalog import selectors as catalog_selectors
from govhall.catalog.models import ItemStatus
from govhall.core import enterprises as enterprise_accounts
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.core.models.users import UserKind
from govhall.org.access import staff_of
from govhall.org.models import Role
from govhall.portal import item_fields, selectors
from govhall.portal.forms import FilingForm, material_field, missing_required

APPLICANT_KINDS = (UserKind.PERSON, UserKind.ENTERPRISE)


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "portal/error.html", {"error": exc}, status=exc.http_status)


def _online_item(code: str):
    try:
        item = catalog_selectors.item_get(code)
    except NotFound:
        raise NotFound(_("未找到该事项。"), code="portal.item_not_found") from None
    if item.status != ItemStatus.RETAINED or not item.online:
        raise NotFound(
            _("事项“%(n)s”不支持网上申请，请到窗口办理。") % {"n": item.name}, code="portal.not_online"
        )
    return item


def _check_applicant(user) -> list:
    """Only applicant accounts file online; an enterprise operator needs a live authorisation."""
    if user.kind not in APPLICANT_KINDS:
        raise PermissionDenied(
            _("网上申请须使用申请人账号（自然人或法人经办人）。"), code="portal.not_applicant"
        )
    if user.kind == UserKind.ENTERPRISE:
        authorised = enterprise_accounts.enterprises_of(user)
        if not authorised:
            raise PermissionDenied(
                _("您的账号尚未获得单位管理员授权，暂不能代表单位申请。"), code="portal.not_authorised"
            )
        return authorised
    return []


def _is_agent(user) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role == Role.AGENT


def _context(request, item, form, draft, upload_errors=None, missing=()) -> dict:
    materials = list(item.materials.all())
    files = selectors.draft_files(draft) if draft else []
    rows = [
        {"m": m, "field": material_field(m), "files": [f for f in files if f.material_name == m.name],
         "error": (upload_errors or {}).get(m.pk, ""), "missing": m.name in missing}
        for m in materials
    ]  # fmt: skip
    return {"item": item, "form": form, "draft": draft, "materials": rows, "missing": missing}


@login_required
@require_http_methods(["GET", "POST"])
def file_item(request: HttpRequest, code: str) -> HttpResponse:
    if _is_agent(request.user):  # a village agent files for someone else: the agency form
        return redirect("portal:agency_file", code=code)
    try:
        item = _online_item(code)
        authorised = _check_applicant(request.user)
    except DomainError as exc:
        return error_page(request, exc)
    draft = selectors.draft_of(request.user, item)
    specs = item_fields.current_fields(item)
    if request.method == "GET":
        initial = FilingForm.initial_from(draft.data if draft else {}) | {"token": secrets.token_urlsafe(24)}
        form = FilingForm(initial=initial, enterprises=authorised, specs=specs)
        return render(request, "portal/file.html", _context(request, item, form, draft))
    form = FilingForm(request.POST, enterprises=authorised, specs=specs)
    if not form.is_valid():
        return render(request, "portal/file.html", _context(request, item, form, draft), status=400)
    replay = Case.objects.filter(idempotency_key=_key(form), applicant_id=request.user.pk).first()
    if replay is not None:  # the same form sent again after it was submitted
        return _filed(request, replay, None)
    return _save_and_maybe_submit(request, item, form, draft)


def _key(form: FilingForm) -> str:
    return f"web:{form.cleaned_data['token']}"


def _save_and_maybe_submit(request, item, form, draft) -> HttpResponse:
    user = request.user
    try:
        draft = online.draft_save(
            applicant=user, item=item, data=form.data_for_case(user), draft=draft, actor=user
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(
            request, "portal/file.html", _context(request, item, form, draft), status=exc.http_status
        )
    upload_errors = _attach_uploads(request, item, draft)
    if upload_errors:
        messages.warning(request, _("草稿已保存，但部分文件未通过检查，请按提示重新上传。"))
        return render(
            request, "portal/file.html", _context(request, item, form, draft, upload_errors), status=400
        )
    if request.POST.get("action") != "submit":
        messages.success(request, _("草稿已保存，可随时回来继续填写。"))
        return redirect("portal:file", code=item.code)
    uploaded = {f.material_name for f in selectors.draft_files(draft)}
    missing = missing_required(list(item.materials.all()), uploaded)
    if missing:
        form.add_error(None, _("请上传必要材料：%(m)s") % {"m": "、".join(missing)})
        return render(
            request, "portal/file.html", _context(request, item, form, draft, missing=missing), status=400
        )
    try:
        case = online.draft_submit(draft=draft, idempotency_key=_key(form), actor=user)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(
            request, "portal/file.html", _context(request, item, form, draft), status=exc.http_status
        )
    return _filed(request, case, getattr(case, "query_password", None))


def _filed(request, case: Case, password: str | None) -> HttpResponse:
    """The receipt with the query password, shown once and never cached."""
    response = render(request, "portal/filed.html", {"case": case, "password": password})
    response["Cache-Control"] = "private, no-store"
    return response


def _attach_uploads(request, item, draft) -> dict[int, str]:
    """Store each chosen file (checked by core.uploads); {material id: why it was refused}."""
    errors = {}
    for material in item.materials.all():
        for upload in request.FILES.getlist(material_field(material)):
            try:
                case_file_attach(draft=draft, kind=CaseFile.Kind.MATERIAL, material_name=material.name,
                                 upload=upload, actor=request.user)  # fmt: skip
            except DomainError as exc:
                errors[material.pk] = exc.message
    return errors
