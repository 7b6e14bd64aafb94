"""Planning pages: a new cycle, "+ objective" on the board, "+ key result" under an objective,
"+ initiative" on a key result, and each person's "My work". Thin: changes go through
`recoup.okrs.planning` (the audited services), numbers are read in the person's decimal mark."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import can_change_okrs, permission_required
from recoup.accounts.models import User
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import planning
from recoup.okrs.forms import mark_of
from recoup.okrs.models import Cycle, KeyResult, Objective
from recoup.okrs.my_work import my_work
from recoup.okrs.plan_forms import (
    CycleNewForm,
    InitiativeNewForm,
    KeyResultNewForm,
    ObjectiveNewForm,
)
from recoup.okrs.suggestions import objective_suggestions
from recoup.okrs.views import _actor, _key_result, _metric_choices

MAX_ID = 2**63 - 1


def _board(cycle: Cycle) -> str:
    return f"{reverse('okrs:index')}?{urlencode({'cycle': cycle.name})}"


def _get(model: type[Cycle] | type[Objective], pk: int) -> Cycle | Objective:
    # An id past the database's integer range is no row (not an overflow error).
    found = model.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return found


def _refused(error: AccessDeniedError) -> PermissionDenied:
    return PermissionDenied(str(error))


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def cycle_new(request: HttpRequest) -> HttpResponse:
    form = CycleNewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = planning.cycle_start(
                name=data["name"].strip(),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                copy_from=data["copy_from"],
                checkin_weekday=data["checkin_weekday"],
                on_track_within=data["on_track_within"],
                at_risk_within=data["at_risk_within"],
                actor=_actor(request),
            )
        except AccessDeniedError as error:
            raise _refused(error) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            copied = cycle.objectives.count()
            messages.success(
                request,
                f"Cycle {cycle.name} created"
                + (f" with {copied} objectives to set key results for." if copied else "."),
            )
            return redirect(_board(cycle))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "suggestions": objective_suggestions(today=timezone.localdate())}
    return render(request, "okrs/cycle_new.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def objective_new(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _get(Cycle, cycle_id)
    assert isinstance(cycle, Cycle)
    form = ObjectiveNewForm(request.POST if request.method == "POST" else None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objective = planning.objective_add(
                cycle=cycle,
                title=data["title"].strip(),
                team=data["team"],
                owner=data["owner"],
                parent=data["parent"],
                commitment=data["commitment"],
                actor=_actor(request),
            )
        except AccessDeniedError as error:
            raise _refused(error) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Objective added: now give it key results.")
            return redirect(f"{_board(cycle)}#obj-{objective.pk}")
    context = {"form": form, "cycle": cycle}
    status = 422 if request.method == "POST" else 200
    return render(request, "okrs/objective_new.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def key_result_new(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective = _get(Objective, objective_id)
    assert isinstance(objective, Objective)
    form = KeyResultNewForm(
        request.POST if request.method == "POST" else None,
        metrics=_metric_choices(),
        decimal_mark=mark_of(request.user),
        cycle=objective.cycle,
        initial={"owner": objective.owner_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kr = planning.key_result_add(
                objective=objective,
                title=data["title"].strip(),
                kind=data["kind"],
                unit=data["unit"].strip(),
                owner=data["owner"],
                baseline=data["baseline"],
                target=data["target"],
                due_on=data["due_on"],
                metric=data["metric"],
                target_change_pct=data["target_change"],
                weight=data["weight"],
                team_filter=data["team_filter"],
                rolls_up_into=data["rolls_up_into"],
                actor=_actor(request),
            )
        except AccessDeniedError as error:
            raise _refused(error) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Key result added.")
            return redirect("okrs:key_result", key_result_id=kr.pk)
    context = {"form": form, "objective": objective, "cycle": objective.cycle}
    status = 422 if request.method == "POST" else 200
    return render(request, "okrs/key_result_new.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def initiative_new(request: HttpRequest, key_result_id: int) -> HttpResponse:
    if key_result_id > MAX_ID:
        raise Http404("No such key result.")
    kr: KeyResult = _key_result(str(key_result_id))
    form = InitiativeNewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            planning.initiative_add(
                key_result=kr,
                title=data["title"].strip(),
                owner=data["owner"],
                due_on=data["due_on"],
                priority=data["priority"],
                status=data["status"],
                actor=_actor(request),
            )
        except AccessDeniedError as error:
            raise _refused(error) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Initiative added.")
            return redirect(f"{reverse('okrs:key_result', args=[kr.pk])}#initiatives")
    status = 422 if request.method == "POST" else 200
    return render(request, "okrs/initiative_new.html", {"form": form, "kr": kr}, status=status)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    today = timezone.localdate()
    return render(request, "okrs/my_work.html", {"work": my_work(user=user, today=today)})
