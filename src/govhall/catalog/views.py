"""Public guide pages (no login): search, the guide of an item, its one-sheet notice, clean-up figures."""

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.catalog import selectors
from govhall.catalog.models import ServiceItem
from govhall.catalog.templatetags.catalog_tags import OBJECT_NAMES
from govhall.core.documents import qr_png_data_uri, render_pdf
from govhall.core.errors import DomainError, NotFound, ValidationFailed
from govhall.org.models import Department

PAGE_SIZE = 20
SERVICE_OBJECTS = list(OBJECT_NAMES.items())


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def guide_search(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in ("q", "department", "theme", "service_object")}
    page = _page_number(request)
    result = selectors.item_search(
        params["q"],
        department=params["department"] or None,
        theme=params["theme"] or None,
        service_object=params["service_object"] or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    base = urlencode({k: val for k, val in params.items() if val})
    context = {
        "params": params,
        "result": result,
        "page": page,
        "pages": pages,
        "prev_url": f"?{base}&page={page - 1}" if page > 1 else "",
        "next_url": f"?{base}&page={page + 1}" if page < pages else "",
        "departments": Department.objects.filter(active=True).only("code", "name"),
        "themes": selectors.theme_list(),
        "service_objects": SERVICE_OBJECTS,
    }
    # htmx live search swaps only the results list; without JavaScript the whole page comes back.
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "catalog/_results.html" if partial else "catalog/search.html"
    return render(request, template, context)


def _item_or_404(code: str) -> ServiceItem:
    try:
        return selectors.item_get(code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _guide_url(request: HttpRequest, item: ServiceItem) -> str:
    return settings.GOVHALL_PUBLIC_BASE_URL.rstrip("/") + reverse("catalog:detail", args=[item.code])


def guide_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = _item_or_404(code)
    return render(request, "catalog/guide.html", {"item": item})


def guide_sheet_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """一单告知: process, materials, fees, limits, place, phones and a QR code to the guide."""
    item = _item_or_404(code)
    url = _guide_url(request, item)
    context = {
        "item": item,
        "guide_url": url,
        "qr": qr_png_data_uri(url),
        "centre_name": settings.GOVHALL_CENTRE_NAME,
        "printed_on": timezone.localdate(),
    }
    response = HttpResponse(render_pdf("catalog/sheet_pdf.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{item.code}-sheet.pdf"'
    return response


def _parse_date(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        raise ValidationFailed(
            _("日期“%(v)s”格式有误，应为 YYYY-MM-DD") % {"v": value[:20]}, code="catalog.date_invalid"
        ) from None


def cleanup(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    raw = {k: request.GET.get(k, "").strip() for k in ("start", "end")}
    context = {"start": raw["start"], "end": raw["end"]}
    try:
        start = _parse_date(raw["start"], today.replace(month=1, day=1))
        end = _parse_date(raw["end"], today)
        context.update(start=start, end=end, figures=selectors.cleanup_figures(start=start, end=end))
    except DomainError as exc:
        context["error"] = exc.message
    return render(request, "catalog/cleanup.html", context, status=400 if "error" in context else 200)
