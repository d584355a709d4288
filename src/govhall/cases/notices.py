"""Documents issued on a case (告知书, 决定书, 回执): a frozen record now, a PDF on demand.

``notice_issue`` runs inside the service's transaction and only writes a row (cheap: no PDF work
in the action's transaction); ``notice_pdf`` renders the row's frozen facts whenever it is asked,
from ``notice.data`` and the notice row only (never the live case), so a reprint is identical.

``data`` always holds the case's base facts (``base_facts``: case_number, item_code, item_name,
department, applicant_name, applicant_kind, site, received_at, accepted_at, legal_due_at,
promised_due_at, legal_limit(+_unit), promised_limit(+_unit), state) and ``issued_by``. Services add
the kind's own facts, JSON types only; instants as ISO strings with a time zone, dates as
"YYYY-MM-DD". The keys each kind's template reads (optional ones in brackets):

- acceptance 受理通知书: acceptance_mode ("normal"|"tolerant"|"commitment"), [deemed: true] (Art. 32
  deemed acceptance), [owed: [names]] and [undertaking_deadline: ISO] (alias owed_deadline) for a
  tolerant acceptance, [commitment: text], [note].
- supplement 一次性告知书: materials: [names] or [{"name", "note"}] — every missing material, all at
  once (行政许可法 Art. 32(4)); [deadline: ISO date or instant] to supplement by.
- refusal 不予受理通知书: reason. The remedies (复议 60 days, 诉讼 6 months) are printed always.
- special 特别程序告知书: special_kind_label (alias kind_label, e.g. "专家评审"), reason,
  announced_workdays ("10"), [special_kind], [started_at: ISO], [announced_end_at: ISO] (Art. 45).
- extension 延长期限告知书: workdays ("10"|"15"), reason, and the new due instant: new_due_at, or
  legal_due_at/promised_due_at overriding the base facts with the extended clocks' dues (Art. 42);
  [approver_name] is printed, a login name ("approver") never is.
- conclusion 办结通知书: result_code (0–6), [result_label] (defaults to ResultCode's label);
  for 0 certificate_no and certificate_valid_until ("YYYY-MM-DD"), otherwise reason;
  [concluded_at: ISO], [decision]. Codes 1 and 6 also print the remedies (Art. 38).
- delivery 送达回执: method ("window"|"post"), [recipient_name], [tracking_no] (post),
  [delivered_at: ISO], [documents: [names]].
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from govhall.cases import clocks
from govhall.cases.models import ApplicantKind, Case, DeliveryMethod, Notice, ResultCode
from govhall.core import prepared
from govhall.core.documents import qr_png_data_uri, render_pdf
from govhall.core.masking import mask_name
from govhall.org.models import Department, Site

KIND_CODES = {
    Notice.Kind.ACCEPTANCE: "SL",
    Notice.Kind.SUPPLEMENT: "BZ",
    Notice.Kind.REFUSAL: "BY",
    Notice.Kind.SPECIAL: "TB",
    Notice.Kind.EXTENSION: "YC",
    Notice.Kind.CONCLUSION: "BJ",
    Notice.Kind.DELIVERY: "SD",
}


def seal_text(department) -> str:
    return f"{department.name}行政审批专用章"


def lookup_url(case: Case) -> str:
    return f"{settings.GOVHALL_PUBLIC_BASE_URL.rstrip('/')}/cases/lookup/?number={case.number}"


# Every acceptance issues a notice: its reads are compiled once (core.prepared).
_DEPARTMENT = prepared.Select(lambda pk: Department.objects.filter(pk=pk))
_SITE_NAME = prepared.Select(lambda pk: Site.objects.filter(pk=pk).values_list("name"))
_NOTICES_OF_KIND = prepared.Select(
    lambda case_id, kind: Notice.objects.filter(case_id=case_id, kind=kind).order_by().values_list("pk")
)


def _department(case: Case) -> Department:
    """The item's department, read once and kept on the item as a lazy load would keep it."""
    item = case.item
    cached = item._state.fields_cache.get("department")
    if cached is None:
        cached = _DEPARTMENT.one(item.department_id)
        item._state.fields_cache["department"] = cached
    return cached


def base_facts(case: Case) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    item = case.item
    # The limits the case runs under are its item version's (an item edit makes a new version).
    version = clocks.limits(case)["snapshot"] if case.item_version_id else {}

    def limit(field):
        return version.get(field, str(getattr(item, field)))

    site = case._state.fields_cache.get("site")
    return {
        "case_number": case.number,
        "item_code": item.code,
        "item_name": item.name,
        "department": _department(case).name,
        "applicant_name": case.applicant_name,
        "applicant_kind": case.applicant_kind,
        "site": site.name if site is not None else _SITE_NAME.one(case.site_id)[0],
        "received_at": iso(case.received_at),
        "accepted_at": iso(case.accepted_at),
        "legal_due_at": iso(case.legal_due_at),
        "promised_due_at": iso(case.promised_due_at),
        "legal_limit": limit("legal_limit"),
        "legal_limit_unit": limit("legal_limit_unit"),
        "promised_limit": limit("promised_limit"),
        "promised_limit_unit": limit("promised_limit_unit"),
        "state": case.state,
    }


def notice_issue(*, case: Case, kind: str, actor=None, data: dict | None = None, at=None) -> Notice:
    """Write the notice row for ``case`` (caller holds the case's row lock, so numbering is safe).

    ``data`` adds the kind's own facts (reasons, materials, durations, result, tracking number …)
    to the case's base facts; JSON types only.
    """
    at = at or timezone.now()
    department = _department(case)
    count = len(_NOTICES_OF_KIND.all(case.pk, kind))
    number = f"{case.number}-{KIND_CODES[kind]}{count + 1:02d}"
    facts = {**base_facts(case), **(data or {}), "issued_by": getattr(actor, "pk", None)}
    return prepared.insert(prepared.new(
        Notice, case=case, kind=kind, number=number, issued_at=at, department=department,
        seal_text=seal_text(department), data=facts,
    ))  # fmt: skip


# --- rendering -------------------------------------------------------------------------------

_UNIT_TEXT = {"workday": "个工作日", "day": "日", "hour": "小时"}


def _when(value) -> dt.date | dt.datetime | None:
    """A frozen ISO value as a local datetime (instants) or a date ("YYYY-MM-DD")."""
    if not value:
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def date_text(value) -> str:
    """2026年11月26日 (Chinese official form, no zero padding); "" when unknown."""
    when = _when(value)
    return f"{when.year}年{when.month}月{when.day}日" if when else ""


def due_text(value) -> str:
    """A deadline instant as a date: 00:00 is 24:00 of the day before (民法典 Art. 203)."""
    when = _when(value)
    if not isinstance(when, dt.datetime):
        return date_text(when)
    if when.time() == dt.time.min:
        return date_text(when - dt.timedelta(days=1))
    return f"{date_text(when)}{when:%H:%M}"


def limit_text(amount, unit) -> str:
    if amount in (None, ""):
        return ""
    text = str(amount)
    text = text[:-2] if text.endswith(".0") else text
    return f"{text}{_UNIT_TEXT.get(unit, unit)}"


def _person(name: str, public: bool, kind: str = ApplicantKind.PERSON) -> str:
    # 个人信息保护法: a public copy shows a person's surname only; an enterprise's name is public.
    return mask_name(name) if public and kind != ApplicantKind.ENTERPRISE else (name or "")


def _materials(items) -> list[dict]:
    rows = []
    for entry in items or []:
        if isinstance(entry, dict):
            rows.append({"name": entry.get("name", ""), "note": entry.get("note", "")})
        else:
            rows.append({"name": str(entry), "note": ""})
    return rows


def _kind_facts(kind: str, data: dict, public: bool) -> dict:
    """Display values of the kind's own facts (formatted dates, labels, lists)."""
    if kind == Notice.Kind.ACCEPTANCE:
        deadline = data.get("undertaking_deadline") or data.get("owed_deadline")
        return {"owed": data.get("owed") or [], "owed_deadline": due_text(deadline)}
    if kind == Notice.Kind.SUPPLEMENT:
        return {"materials": _materials(data.get("materials")), "deadline": due_text(data.get("deadline"))}
    if kind == Notice.Kind.SPECIAL:
        return {
            "kind_label": data.get("special_kind_label") or data.get("kind_label", ""),
            "started_on": date_text(data.get("started_at")),
            "end_on": due_text(data.get("announced_end_at")),
        }
    if kind == Notice.Kind.EXTENSION:
        return {"new_due": due_text(data.get("new_due_at") or data.get("legal_due_at"))}
    if kind == Notice.Kind.CONCLUSION:
        return _conclusion_facts(data)
    if kind == Notice.Kind.DELIVERY:
        method = data.get("method", "")
        return {
            "method_label": DeliveryMethod(method).label if method in DeliveryMethod.values else method,
            "is_post": method == DeliveryMethod.POST,
            "recipient": _person(data.get("recipient_name", ""), public),
            "delivered_on": date_text(data.get("delivered_at")),
        }
    return {}


def _conclusion_facts(data: dict) -> dict:
    code = data.get("result_code")
    code = int(code) if str(code).isdigit() else code  # JSON may carry "0"
    label = data.get("result_label") or (ResultCode(code).label if code in ResultCode.values else "")
    return {
        "result_label": label,
        "certificate": code == ResultCode.CERTIFICATE,
        "remedies": code in (ResultCode.NOT_PERMITTED, ResultCode.REFUSED),  # 行政许可法 Art. 38
        "valid_until": date_text(data.get("certificate_valid_until")),
        "concluded_on": date_text(data.get("concluded_at")),
    }


def notice_context(notice: Notice, *, public: bool = False) -> dict:
    """Everything the templates print, from the frozen facts and the notice row."""
    data = notice.data or {}
    url = lookup_url(notice.case)
    return {
        "notice": notice,
        "title": Notice.Kind(notice.kind).label,
        "centre_name": settings.GOVHALL_CENTRE_NAME,
        "facts": data,
        "applicant": _person(data.get("applicant_name", ""), public, data.get("applicant_kind", "")),
        "received_on": date_text(data.get("received_at")),
        "accepted_on": date_text(data.get("accepted_at")),
        "legal_due": due_text(data.get("legal_due_at")),
        "promised_due": due_text(data.get("promised_due_at")),
        "legal_limit": limit_text(data.get("legal_limit"), data.get("legal_limit_unit")),
        "promised_limit": limit_text(data.get("promised_limit"), data.get("promised_limit_unit")),
        "issued_on": date_text(notice.issued_at),
        "seal_text": notice.seal_text,
        "lookup_url": url,
        "qr": qr_png_data_uri(url),
        "public": public,
        "k": _kind_facts(notice.kind, data, public),
    }


def notice_pdf(*, notice: Notice, public: bool = False) -> bytes:
    """The notice as a PDF; ``public`` masks the applicant's and recipient's names (public lookup)."""
    return render_pdf(f"cases/notices/{notice.kind}.html", notice_context(notice, public=public))


def notice_filename(notice: Notice) -> str:
    """ASCII file name for Content-Disposition: the notice number already names the kind."""
    return f"{notice.number}.pdf"
