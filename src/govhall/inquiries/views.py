"""Consultation pages: the public index (/inquiries/), ask (/inquiries/ask/), my questions
(/inquiries/mine/), the duty queue (/inquiries/duty/, htmx polling with a no-JS refresh) and a
question's page where duty staff answer and managers publish an answer as an FAQ.

Forms post with CSRF and work without JavaScript (post → redirect → page). The duty queue holds no
text field: polling replaces it every 15 s, so answers are typed on the question's page after the
question was taken (the take is the lock). A refused action shows its Chinese message on the page
and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.core.errors import DomainError, PermissionDenied
from govhall.inquiries import policy, selectors, services
from govhall.inquiries.models import QuestionState
from govhall.inquiries.questions import may_answer
from govhall.org.access import remember_for_request
from govhall.org.models import Role, Staff

POLL_SECONDS = 15
QUEUE_LIMIT = 200


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "inquiries/error.html", {"error": exc}, status=exc.http_status)


def user_page(view: Callable) -> Callable:
    """Login required; a refused or hidden object renders the Chinese 403/404 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        remember_for_request(request.user)
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_page(request, exc)

    return wrapper


def duty_page(view: Callable) -> Callable:
    @user_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.has_role(request.user, *policy.DUTY_ROLES, Role.SUPERVISOR):
            raise PermissionDenied(_("值班咨询台仅限值班工作人员和监察员使用。"), code="inquiries.duty_only")
        return view(request, *args, **kwargs)

    return wrapper


# --- public and applicant pages --------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "inquiries/index.html", {"faqs": selectors.promoted_faqs()})


def _item(code: str) -> ServiceItem | None:
    code = (code or "").strip()
    if not code:
        return None
    return (
        ServiceItem.objects.filter(code=code, status=ItemStatus.RETAINED).select_related("department").first()
    )


@require_http_methods(["GET", "POST"])
@user_page
def ask(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    item = _item(source.get("item", ""))
    context = {"item": item, "text": "", "error": None}
    if request.method == "POST":
        context["text"] = request.POST.get("text", "")
        try:
            question = services.question_ask(text=context["text"], item=item, actor=request.user)
        except DomainError as exc:
            context["error"] = exc
            return render(request, "inquiries/ask.html", context, status=exc.http_status)
        messages.success(request, _("您的问题已提交，值班工作人员将尽快解答。"))
        return redirect(f"{reverse('inquiries:mine')}#q-{question.pk}")
    return render(request, "inquiries/ask.html", context)


@require_GET
@user_page
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "inquiries/mine.html", {"questions": selectors.questions_of(request.user)})


# --- duty queue ---------------------------------------------------------------------------------------


def _queue_context(request: HttpRequest) -> dict:
    now = timezone.now()
    rows = list(selectors.duty_queue(request.user)[:QUEUE_LIMIT])
    for q in rows:
        q.can_answer = may_answer(request.user, q)
    return {
        "rows": rows, "now": now, "poll": POLL_SECONDS, "user_id": request.user.pk,
        "overdue": sum(1 for q in rows if q.due_at <= now),
    }  # fmt: skip


@require_GET
@duty_page
def duty(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request)
    context["answered"] = selectors.answered_recently(request.user)
    if policy.has_role(request.user, *policy.DISPATCH_ROLES):
        since = timezone.now() - timedelta(days=30)
        context["stats"] = selectors.question_stats(since=since)
        context["by_staff"] = _answer_rows(selectors.answer_times(since=since))
    return render(request, "inquiries/duty.html", context)


def _answer_rows(times: dict) -> list[tuple]:
    """(staff name, AnswerTime) for the supervisors' table, slowest first."""
    names = dict(Staff.objects.filter(user_id__in=times).values_list("user_id", "name"))
    rows = [(names.get(user_id, _("（非工作人员）")), t) for user_id, t in times.items()]
    return sorted(rows, key=lambda row: -(row[1].average_minutes or 0))


@require_GET
@duty_page
def duty_queue(request: HttpRequest) -> HttpResponse:
    """The queue alone: what htmx swaps in every POLL_SECONDS (and a page of its own without JS)."""
    return render(request, "inquiries/_queue.html", _queue_context(request))


# --- one question ----------------------------------------------------------------------------------


def _question_context(request: HttpRequest, question, **extra) -> dict:
    user = request.user
    return {
        "q": question, "answers": list(question.answers.select_related("answered_by")),
        "is_asker": question.asker_id == user.pk, "may_answer": may_answer(user, question),
        "held": question.state == QuestionState.TAKEN and question.taken_by_id == user.pk,
        "promotable": selectors.promotable(user, question), "faq_default": question.text[:200],
        "error": None, "answer_text": "", **extra,
    }  # fmt: skip


@require_GET
@user_page
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get(user=request.user, question_id=question_id)
    return render(request, "inquiries/question.html", _question_context(request, question))


QUESTION_ACTIONS = {"take", "release", "answer", "close", "promote"}


@require_POST
@user_page
def question_action(request: HttpRequest, question_id: int, action: str) -> HttpResponse:
    question = selectors.question_get(user=request.user, question_id=question_id)
    if action not in QUESTION_ACTIONS:
        return error_page(request, PermissionDenied(_("不支持的操作。"), code="inquiries.bad_action"))
    data, user = request.POST, request.user
    try:
        if action == "take":
            services.question_take(question=question, actor=user)
        elif action == "release":
            services.question_release(question=question, actor=user)
        elif action == "answer":
            services.question_answer(question=question, text=data.get("text", ""), actor=user)
        elif action == "close":
            services.question_close(question=question, actor=user)
        else:
            services.question_promote(question=question, actor=user, faq_question=data.get("faq_question", ""),
                                      faq_answer=data.get("faq_answer", ""))  # fmt: skip
    except DomainError as exc:
        question.refresh_from_db()
        context = _question_context(request, question, error=exc, answer_text=data.get("text", ""))
        return render(request, "inquiries/question.html", context, status=exc.http_status)
    done = {"take": _("已认领，请在下方填写解答。"), "release": _("已放回队列。"), "answer": _("解答已发送。"),
            "close": _("咨询已关闭。"), "promote": _("已收录为事项的常见问题。")}  # fmt: skip
    messages.success(request, done[action])
    if action == "close" and question.asker_id == user.pk:
        return redirect(f"{reverse('inquiries:mine')}#q-{question.pk}")
    if action in ("answer", "release"):
        return redirect("inquiries:duty")
    return redirect("inquiries:question", question_id=question.pk)
