"""Manager pages under /org/: staff read their scope, the centre manager (or a superuser) writes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.org import access, forms, selectors, services
from govhall.org.models import DepartmentKind, Site

STAFF_PAGE_SIZE = 25
WINDOW_PAGE_SIZE = 50


def org_page(view: Callable) -> Callable:
    """Login required; a refused or hidden object renders a Chinese 403/404 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        access.remember_for_request(request.user)
        try:
            return view(request, *args, **kwargs)
        except (PermissionDenied, NotFound) as exc:
            return render(request, "org/error.html", {"error": exc}, status=exc.http_status)

    return wrapper


def _can_write(user) -> bool:
    try:
        access.require_manager(user)
    except PermissionDenied:
        return False
    return True


def _form_page(request, *, form, call, title: str, done: Callable, template="org/form.html", extra=None):
    """Run ``call(cleaned_data)`` on a valid POST; a DomainError is shown next to its field."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = call(form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect(done(obj))
    return render(request, template, {"form": form, "title": title, **(extra or {})})


# --- overview and departments ------------------------------------------------------------------


@org_page
def overview(request: HttpRequest) -> HttpResponse:
    access.scope_of(request.user)
    return render(
        request,
        "org/overview.html",
        {"figures": selectors.org_figures(), "can_write": _can_write(request.user)},
    )


@org_page
def department_list(request: HttpRequest) -> HttpResponse:
    depts = selectors.department_list().filter(pk__in=access.scope_departments(request.user).values("pk"))
    groups: dict[str, list] = {kind: [] for kind, _label in DepartmentKind.choices}
    for dept in depts:
        groups[dept.kind].append(dept)
    kinds = [(label, groups[kind]) for kind, label in DepartmentKind.choices if groups[kind]]
    return render(request, "org/departments.html", {"kinds": kinds, "can_write": _can_write(request.user)})


@org_page
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require_manager(request.user)
    dept = access.access_department(request.user, pk) if pk else None
    initial = {f: getattr(dept, f) for f in forms.DepartmentForm.base_fields} if dept else None
    form = forms.DepartmentForm(request.POST or None, initial=initial)
    if dept:
        form.fields["code"].disabled = True

    def call(data):
        if dept is None:
            data.pop("active")
            return services.department_create(**{**data, "sort": data["sort"] or 0}, actor=request.user)
        data.pop("code")
        return services.department_update(
            department=dept, **{**data, "sort": data["sort"] or 0}, actor=request.user
        )

    title = _("修改部门") if dept else _("新增部门")
    return _form_page(request, form=form, call=call, title=title, done=lambda d: reverse("org:departments"))


# --- sites -------------------------------------------------------------------------------------


@org_page
def site_tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.site_tree(access.scope_sites(request.user))
    rows = [node for root in roots for node in root.walk()]
    return render(request, "org/sites.html", {"rows": rows, "can_write": _can_write(request.user)})


@org_page
def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    site = Site.objects.filter(code=code).values_list("pk", flat=True).first()
    if site is None:
        raise NotFound(_("服务场所不存在。"), code="org.site_not_found")
    site = access.access_site(request.user, site)
    context = {
        "site": site,
        "windows": selectors.window_list(site=site),
        "children": site.children.order_by("code"),
        "can_write": _can_write(request.user),
    }
    return render(request, "org/site_detail.html", context)


@org_page
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    access.require_manager(request.user)
    site = Site.objects.filter(code=code).first() if code else None
    if code and site is None:
        raise NotFound(_("服务场所不存在。"), code="org.site_not_found")
    initial = {f: getattr(site, f) for f in forms.SiteForm.base_fields} if site else None
    form = forms.SiteForm(request.POST or None, initial=initial)
    if site:
        form.fields["code"].disabled = form.fields["kind"].disabled = True

    def call(data):
        if site is None:
            data.pop("active")
            return services.site_create(**data, actor=request.user)
        data.pop("code"), data.pop("kind")
        return services.site_update(site=site, **data, actor=request.user)

    title = _("修改服务场所") if site else _("新增服务场所")
    return _form_page(
        request, form=form, call=call, title=title, done=lambda s: reverse("org:site", args=[s.code])
    )


# --- windows -----------------------------------------------------------------------------------


@org_page
def window_list(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    qs = selectors.window_list()
    site_code, dept_code = request.GET.get("site") or "", request.GET.get("department") or ""
    if site_code:
        qs = qs.filter(site__code=site_code)
    if dept_code:
        qs = qs.filter(department__code=dept_code)
    if not scope.everything:
        qs = qs.filter(Q(site_id__in=scope.site_ids) | Q(department_id__in=scope.department_ids))
    page = Paginator(qs, WINDOW_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "site_code": site_code,
        "dept_code": dept_code,
        "can_write": _can_write(request.user),
    }
    return render(request, "org/windows.html", context)


@org_page
@require_http_methods(["GET", "POST"])
def window_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require_manager(request.user)
    window = access.access_window(request.user, pk) if pk else None
    initial = {f: getattr(window, f) for f in forms.WindowForm.base_fields} if window else None
    form = forms.WindowForm(request.POST or None, initial=initial)
    if window:
        form.fields["site"].disabled = True

    def call(data):
        if window is None:
            data.pop("active")
            return services.window_create(**data, actor=request.user)
        data.pop("site")
        return services.window_update(window=window, **data, actor=request.user)

    title = _("修改窗口") if window else _("新增窗口")
    done = lambda w: reverse("org:site", args=[w.site.code])  # noqa: E731
    return _form_page(request, form=form, call=call, title=title, done=done)


# --- staff -------------------------------------------------------------------------------------


@org_page
def staff_list(request: HttpRequest) -> HttpResponse:
    access.scope_of(request.user)
    filters = forms.StaffFilterForm(request.GET or None)
    filters.fields["department"].queryset = access.scope_departments(request.user)
    filters.fields["site"].queryset = access.scope_sites(request.user)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.staff_list(
        request.user,
        department=chosen.get("department"),
        site=chosen.get("site"),
        role=chosen.get("role") or None,
    )
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "can_write": _can_write(request.user),
    }
    return render(request, "org/staff.html", context)


@org_page
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    access.require_manager(request.user)
    form = forms.StaffForm(request.POST or None)
    form.fields["window"].label_from_instance = lambda w: f"{w.site.name} {w}"

    def call(data):
        return services.staff_create(**{**data, "password": data["password"] or None}, actor=request.user)

    return _form_page(
        request, form=form, call=call, title=_("新增工作人员"), done=lambda s: reverse("org:staff")
    )


@org_page
@require_http_methods(["GET", "POST"])
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_manager(request.user)
    staff = access.access_staff(request.user, pk)
    form = forms.ReasonForm(request.POST or None)

    def call(data):
        return services.staff_deactivate(staff=staff, reason=data["reason"], actor=request.user)

    question = _("确认停用%(name)s（%(no)s）？停用后其账号不能登录，其首席代表授权同时撤销。") % {
        "name": staff.name,
        "no": staff.employee_no,
    }
    extra = {"question": question, "cancel": reverse("org:staff")}
    return _form_page(
        request, form=form, call=call, title=_("停用工作人员"), done=lambda s: reverse("org:staff"),
        template="org/confirm.html", extra=extra,
    )  # fmt: skip


# --- delegations -------------------------------------------------------------------------------


@org_page
def delegation_list(request: HttpRequest) -> HttpResponse:
    chiefs = list(selectors.chief_list(request.user))
    by_chief: dict[int, list] = {c.pk: [] for c in chiefs}
    for grant in selectors.delegation_list(request.user):
        by_chief.setdefault(grant.chief_id, []).append(grant)
    rows = [(chief, by_chief[chief.pk]) for chief in chiefs]
    return render(request, "org/delegations.html", {"rows": rows, "can_write": _can_write(request.user)})


@org_page
@require_http_methods(["GET", "POST"])
def delegation_grant(request: HttpRequest) -> HttpResponse:
    access.require_manager(request.user)
    form = forms.DelegationGrantForm(request.POST or None, initial={"chief": request.GET.get("chief")})
    form.fields["chief"].label_from_instance = lambda s: f"{s.name}（{s.department.name}）"

    def call(data):
        return services.delegation_grant(**data, department=data["chief"].department, actor=request.user)

    return _form_page(
        request, form=form, call=call, title=_("登记首席代表授权"), done=lambda d: reverse("org:delegations")
    )


@org_page
@require_http_methods(["GET", "POST"])
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_manager(request.user)
    grant = access.access_delegation(request.user, pk)
    form = forms.ReasonForm(request.POST or None)

    def call(data):
        return services.delegation_revoke(delegation=grant, reason=data["reason"], actor=request.user)

    question = _("确认撤销%(dept)s对%(name)s的授权（%(doc)s）？撤销自今日起生效。") % {
        "dept": grant.department.name,
        "name": grant.chief.name,
        "doc": grant.document_no,
    }
    extra = {"question": question, "cancel": reverse("org:delegations")}
    return _form_page(
        request, form=form, call=call, title=_("撤销授权"), done=lambda d: reverse("org:delegations"),
        template="org/confirm.html", extra=extra,
    )  # fmt: skip
