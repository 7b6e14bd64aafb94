"""The segments page (each segment of the book, its treatment, and how many accounts it holds
today; managers and admins change them) and the early warning (accounts with nothing past due
that are likely to go more than 30 days late)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import can_plan_collectors_work
from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.scope import scope_for
from recoup.worklist.forms import SegmentRuleForm
from recoup.worklist.likelihood import LATE, PAY
from recoup.worklist.models import SegmentRule
from recoup.worklist.overview import segment_counts
from recoup.worklist.segments import segments_current
from recoup.worklist.selectors import collectors_visible
from recoup.worklist.services import (
    SegmentRuleError,
    likelihood_current,
    segment_rule_delete,
    segment_rule_save,
)
from recoup.worklist.views import _an_id, _chosen, work_required
from recoup.worklist.warning import early_warning_for


def _segments_context(
    request: HttpRequest, *, failed: SegmentRuleForm | None = None, failed_id: int | None = None
) -> dict[str, Any]:
    scope = scope_for(request.user)
    segments = segments_current()
    counts = segment_counts(
        scope,
        collectors=list(collectors_visible(scope)),
        segments=segments,
        likelihood=likelihood_current(background=True),
        day=timezone.localdate(),
    )
    may_plan = can_plan_collectors_work(request.user)
    forms: dict[int, SegmentRuleForm] = {}
    if may_plan:
        rules = {r.pk: r for r in SegmentRule.objects.all()}
        forms = {
            pk: (failed if failed is not None and failed_id == pk else SegmentRuleForm.of(rule))
            for pk, rule in rules.items()
        }
    adding = failed if failed is not None and failed_id is None else None
    next_position = max((s.position for s in segments), default=0) + 1
    return {
        "rows": [(c, forms.get(c.segment.id) if c.segment else None) for c in counts],
        "may_plan": may_plan,
        "add_form": adding or SegmentRuleForm(initial={"position": next_position}),
        "add_open": adding is not None,
    }


@require_safe
@work_required
def segments_page(request: HttpRequest) -> HttpResponse:
    return render(request, "worklist/segments.html", _segments_context(request))


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@require_http_methods(["POST"])
@work_required
def segment_save_action(request: HttpRequest) -> HttpResponse:
    """Adds a segment, or changes the one named by `rule`."""
    if not can_plan_collectors_work(request.user):
        raise PermissionDenied("only managers and admins change the segments")
    raw_id = request.POST.get("rule", "").strip()
    rule = None
    if raw_id:
        rule = SegmentRule.objects.filter(pk=int(raw_id)).first() if _an_id(raw_id) else None
        if rule is None:
            raise Http404(f"segment {raw_id[:20]!r}: no such segment")
    form = SegmentRuleForm(request.POST)
    if form.is_valid():
        try:
            saved = segment_rule_save(
                actor=_actor(request),
                rule=rule,
                position=form.cleaned_data["position"],
                name=form.cleaned_data["name"],
                treatment=form.cleaned_data["treatment"],
                limits=form.limits(),
                via="web",
            )
        except SegmentRuleError as error:
            form.add_error(error.field or None, str(error))
        else:
            messages.success(request, f"Segment “{saved.name}” saved.")
            return redirect("worklist:segments")
    context = _segments_context(request, failed=form, failed_id=rule.pk if rule else None)
    return render(request, "worklist/segments.html", context, status=422)


@require_http_methods(["POST"])
@work_required
def segment_delete_action(request: HttpRequest) -> HttpResponse:
    if not can_plan_collectors_work(request.user):
        raise PermissionDenied("only managers and admins change the segments")
    raw_id = request.POST.get("rule", "").strip()
    rule = SegmentRule.objects.filter(pk=int(raw_id)).first() if _an_id(raw_id) else None
    if rule is None:
        raise Http404(f"segment {raw_id[:20]!r}: no such segment")
    name = rule.name
    segment_rule_delete(actor=_actor(request), rule=rule, via="web")
    messages.success(request, f"Segment “{name}” removed.")
    return redirect("worklist:segments")


@require_safe
@work_required
def early_warning_page(request: HttpRequest) -> HttpResponse:
    """The accounts most likely to go late: of the chosen collector, else of every collector the
    asker sees."""
    scope = scope_for(request.user)
    people = list(collectors_visible(scope))
    chosen = _chosen(request, request.GET.get("collector", "").strip())
    likelihood = likelihood_current(background=True, question=LATE.key)
    warning = early_warning_for(
        scope,
        collectors=[chosen] if chosen is not None else people,
        likelihood=likelihood,
        day=timezone.localdate(),
    )
    return render(
        request,
        "worklist/early_warning.html",
        {
            "warning": warning,
            "quality": likelihood.quality,
            "question": LATE.words,
            "pay_question": PAY.words,
            "collectors": [(c.username, person_name(c)) for c in people],
            "chosen": chosen.username if chosen else "",
            "chosen_name": person_name(chosen) if chosen else "",
            "back": reverse("worklist:index"),
        },
    )
