"""Public pages: the vote (/staffing/vote/), the published honours and their certificates.

The vote page lists the open votes with their candidates for everyone; voting needs a login with a
real-name account (one vote per person per vote period, enforced by the database). The honours
page and certificates show published selections only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govhall.core.errors import DomainError, NotFound
from govhall.staffing import awards, documents
from govhall.staffing.models import Award, Selection, SelectionState, Vote, VotePeriod, VoteState


def _open_votes(user) -> list[dict]:
    periods = list(VotePeriod.objects.filter(state=VoteState.OPEN).order_by("award", "period"))
    mine = {}
    if getattr(user, "is_authenticated", False):
        mine = dict(
            Vote.objects.filter(voter=user, vote_period__in=periods).values_list("vote_period_id", "id")
        )
    result = []
    for vp in periods:
        red_flag = vp.award == Award.RED_FLAG
        candidates = awards.candidate_windows() if red_flag else awards.candidate_staff()
        counts = awards.vote_counts(vp)
        result.append({
            "period": vp, "label": Award(vp.award).label, "period_label": awards.selection_period(vp.period).label,
            "voted": vp.pk in mine, "red_flag": red_flag,
            "candidates": [{"obj": c, "votes": counts.get(c.pk, 0)} for c in candidates],
        })  # fmt: skip
    return result


@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            vote_period = VotePeriod.objects.get(pk=int(request.POST.get("vote_period") or 0))
        except (VotePeriod.DoesNotExist, ValueError):
            messages.error(request, _("投票不存在。"))
            return redirect("staffing:vote")
        target = request.POST.get("candidate")
        ids = {"window_id": target} if vote_period.award == Award.RED_FLAG else {"staff_id": target}
        try:
            awards.vote_cast(vote_period=vote_period, actor=request.user, **ids)
            messages.success(request, _("投票成功，感谢您的参与。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("staffing:vote")
    context = {"votes": _open_votes(request.user), "problem": awards.voter_problem(request.user)}
    return render(request, "staffing/vote.html", context)


@require_GET
def honours(request: HttpRequest) -> HttpResponse:
    selections = (
        Selection.objects.filter(state=SelectionState.PUBLISHED)
        .prefetch_related("entries")
        .order_by("-published_at")[:24]
    )
    rows = [{"s": s, "label": Award(s.award).label, "period_label": awards.selection_period(s.period).label}
            for s in selections]  # fmt: skip
    return render(request, "staffing/honours.html", {"selections": rows})


@require_GET
def certificate(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = awards.published_entry(entry_id)
    except NotFound as exc:
        return render(request, "staffing/error.html", {"error": exc}, status=404)
    response = HttpResponse(documents.certificate_pdf(entry), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{entry.certificate_no}.pdf"'
    return response
