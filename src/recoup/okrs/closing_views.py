"""The end of a cycle on the web: the grading step (scores, committed objectives that missed, a
retrospective per objective, then "close cycle") and the carry-over into the next cycle. Thin:
`closing_read` reads, `services.closing` writes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from recoup.accounts.access import can_change_okrs, permission_required
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import services
from recoup.okrs.closing_read import carry_targets, cycle_grading
from recoup.okrs.forms import mark_of
from recoup.okrs.models import Cycle, KeyResult, Objective
from recoup.okrs.views import _actor

MAX_ID = 2**63 - 1
# Form field prefixes of the three retrospective notes, per objective id.
NOTE_INPUTS = {
    "worked": ("what_worked", "What worked"),
    "did-not": ("what_did_not", "What did not work"),
    "change": ("what_to_change", "What to change next time"),
}


def _cycle(cycle_id: int) -> Cycle:
    found = Cycle.objects.filter(pk=cycle_id).first() if 0 < cycle_id <= MAX_ID else None
    if found is None:
        raise Http404("No such cycle.")
    return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _ids(request: HttpRequest, name: str) -> list[int]:
    values = request.POST.getlist(name)
    if not all(v.isdigit() and 0 < int(v) <= MAX_ID for v in values):
        raise RecoupError(f"{name}: choose from the list")
    return [int(v) for v in values]


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def cycle_close(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    grading = cycle_grading(cycle=cycle, mark=mark_of(request.user))
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        notes = {
            row.id: services.Retrospective(
                **{
                    field: request.POST.get(f"{prefix}-{row.id}", "")
                    for prefix, (field, _) in NOTE_INPUTS.items()
                }
            )
            for row in grading.rows
        }
        try:
            if action not in ("save", "close"):
                raise RecoupError("choose “Save grades” or “Close cycle”")
            actor = _actor(request)
            services.cycle_grade(cycle=cycle, notes=notes, actor=actor, via="web")
            if action == "close":
                services.cycle_close(cycle=cycle, actor=actor, via="web")
        except AccessDeniedError as exc:
            raise PermissionDenied(str(exc)) from None
        except RecoupError as exc:
            error = str(exc)
        else:
            if action == "close":
                messages.success(
                    request,
                    f"Cycle {cycle.name} is closed: its grades and retrospectives are kept, and"
                    " nothing in it changes any more. Choose what to carry into the next cycle.",
                )
                return redirect("okrs:cycle_carry", cycle_id=cycle.pk)
            messages.success(request, "Grades and retrospectives saved.")
            return redirect("okrs:cycle_close", cycle_id=cycle.pk)
    # What the form shows: what was just typed when it is refused, else what is kept.
    entries = [
        {
            "row": row,
            "notes": [
                (
                    prefix,
                    label,
                    request.POST.get(f"{prefix}-{row.id}", "")
                    if request.method == "POST"
                    else getattr(row, field),
                )
                for prefix, (field, label) in NOTE_INPUTS.items()
            ],
        }
        for row in grading.rows
    ]
    context = {"cycle": cycle, "grading": grading, "entries": entries, "error": error}
    return render(request, "okrs/cycle_close.html", context, status=422 if error else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def cycle_carry(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    grading = cycle_grading(cycle=cycle, mark=mark_of(request.user))
    later, new_name = carry_targets(cycle=cycle)
    error = ""
    chosen: dict[str, list[int]] = {"objective": [], "key_result": []}
    if request.method == "POST":
        try:
            chosen = {name: _ids(request, name) for name in chosen}
            target = request.POST.get("target", "").strip()
            if target not in later and target != new_name:
                raise RecoupError("target: choose the cycle to carry into")
            objectives = list(Objective.objects.filter(cycle=cycle, pk__in=chosen["objective"]))
            key_results = list(
                KeyResult.objects.filter(
                    objective__cycle=cycle, pk__in=chosen["key_result"]
                ).select_related("objective")
            )
            report = services.cycle_carry_over(
                source=cycle,
                objectives=objectives,
                key_results=key_results,
                target_name=target,
                actor=_actor(request),
                via="web",
            )
        except AccessDeniedError as exc:
            raise PermissionDenied(str(exc)) from None
        except RecoupError as exc:
            error = str(exc)
        else:
            made = " (created now)" if report.created_cycle else ""
            messages.success(
                request,
                f"Carried {_count(len(report.objectives), 'objective')} and"
                f" {_count(len(report.key_results), 'key result')} into {report.target.name}{made},"
                f" each linked to {cycle.name}.",
            )
            query = urlencode({"cycle": report.target.name})
            return redirect(f"{reverse('okrs:index')}?{query}")
    context = {
        "cycle": cycle,
        "grading": grading,
        "later": later,
        "new_name": new_name,
        "chosen": chosen,
        "error": error,
    }
    return render(request, "okrs/cycle_carry.html", context, status=422 if error else 200)
