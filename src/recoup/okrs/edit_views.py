"""Changing and archiving what a cycle holds: an objective's edit page, an initiative's edit page
(its owner may only move it along), and archive / restore for objectives, key results and
initiatives. Thin: every change goes through the audited services in `recoup.okrs.services`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from recoup.accounts.access import can_change_okrs, can_progress_initiative, permission_required
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import services
from recoup.okrs.models import Cycle, Initiative, KeyResult, Objective
from recoup.okrs.plan_forms import InitiativeEditForm, InitiativeProgressForm, ObjectiveEditForm
from recoup.okrs.views import _actor

MAX_ID = 2**63 - 1


def _row(model: type[Objective] | type[KeyResult] | type[Initiative], pk: int) -> Any:
    # An id past the database's integer range is no row (not an overflow error).
    found = model.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return found


def _board(cycle: Cycle, anchor: str = "") -> str:
    return f"{reverse('okrs:index')}?{urlencode({'cycle': cycle.name})}{anchor}"


def _restoring(request: HttpRequest) -> bool:
    return request.POST.get("restore") == "1"


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_change_okrs)
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective: Objective = _row(Objective, objective_id)
    initial = {
        "title": objective.title,
        "description": objective.description,
        "team": objective.team_id,
        "owner": objective.owner_id,
        "parent": objective.parent_id,
        "commitment": objective.commitment,
    }
    data = request.POST if request.method == "POST" else None
    form = ObjectiveEditForm(data, initial=initial, objective=objective)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in initial}
        changes["title"] = changes["title"].strip()
        try:
            services.objective_update(
                objective=objective, changes=changes, actor=_actor(request), via="web"
            )
        except AccessDeniedError as error:
            raise PermissionDenied(str(error)) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Objective saved.")
            return redirect(_board(objective.cycle, f"#obj-{objective.pk}"))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "objective": objective, "cycle": objective.cycle}
    return render(request, "okrs/objective_edit.html", context, status=status)


@require_POST
@permission_required(can_change_okrs)
def objective_archive(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective: Objective = _row(Objective, objective_id)
    restore = _restoring(request)
    try:
        services.objective_archive(
            objective=objective, restore=restore, actor=_actor(request), via="web"
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    if restore:
        messages.success(request, f"“{objective.title}” is back on the board.")
        return redirect(_board(objective.cycle, f"#obj-{objective.pk}"))
    messages.success(
        request,
        f"“{objective.title}” and its key results left the board. Its history stays; restore it"
        " from “Archived” at the foot of the board.",
    )
    return redirect(_board(objective.cycle, "#archived"))


@require_POST
@permission_required(can_change_okrs)
def key_result_archive(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr: KeyResult = _row(KeyResult, key_result_id)
    restore = _restoring(request)
    try:
        services.key_result_archive(
            key_result=kr, restore=restore, actor=_actor(request), via="web"
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    cycle = kr.objective.cycle
    if restore:
        messages.success(request, f"“{kr.title}” is back on the board.")
        return redirect(_board(cycle, f"#kr-{kr.pk}"))
    messages.success(
        request,
        f"“{kr.title}” left the board and gets no more automatic check-ins. Its history stays;"
        " restore it from “Archived” at the foot of the board.",
    )
    return redirect(_board(cycle, "#archived"))


def _initiative_page(initiative: Initiative) -> str:
    return f"{reverse('okrs:key_result', args=[initiative.key_result_id])}#initiatives"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def initiative_edit(request: HttpRequest, initiative_id: int) -> HttpResponse:
    """Managers change everything about an initiative; its owner (or whoever checks in its key
    result) only moves it along, so the page shows them the status alone."""
    initiative: Initiative = _row(Initiative, initiative_id)
    planner = can_change_okrs(request.user)
    if not planner and not can_progress_initiative(request.user, initiative):
        raise PermissionDenied("Only managers, admins and the initiative's owner change it.")
    initial: dict[str, Any] = {"status": initiative.status}
    if planner:
        initial.update(
            title=initiative.title,
            owner=initiative.owner_id,
            due_on=initiative.due_on,
            priority=initiative.priority,
        )
    data = request.POST if request.method == "POST" else None
    form: InitiativeEditForm | InitiativeProgressForm = (
        InitiativeEditForm(data, initial=initial)
        if planner
        else InitiativeProgressForm(data, initial=initial)
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in initial}
        if "title" in changes:
            changes["title"] = changes["title"].strip()
        try:
            services.initiative_update(
                initiative=initiative, changes=changes, actor=_actor(request), via="web"
            )
        except AccessDeniedError as error:
            raise PermissionDenied(str(error)) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Initiative saved.")
            return redirect(_initiative_page(initiative))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "initiative": initiative, "planner": planner}
    return render(request, "okrs/initiative_edit.html", context, status=status)


@require_POST
@permission_required(can_change_okrs)
def initiative_archive(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative: Initiative = _row(Initiative, initiative_id)
    restore = _restoring(request)
    try:
        services.initiative_archive(
            initiative=initiative, restore=restore, actor=_actor(request), via="web"
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    if restore:
        messages.success(request, f"“{initiative.title}” is back.")
    else:
        messages.success(
            request, f"“{initiative.title}” archived: it left the key result and “My work”."
        )
    return redirect(_initiative_page(initiative))
