"""OKR pages: the cycle board, a key result's detail with its check-in history, and the check-in
form. Thin: every number comes from `recoup.okrs.selectors`, every change from its services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from recoup.accounts.access import (
    DENIED,
    can_change_okrs,
    can_change_org_settings,
    can_check_in,
    can_override_status,
    can_read_org_settings,
    can_see_target_suggestions,
    permission_required,
)
from recoup.accounts.models import User
from recoup.core.errors import AccessDeniedError, NotFoundError, RecoupError
from recoup.core.exports import ExportError, bad_request, export_links, query_with
from recoup.core.numbers import DecimalMark, format_typed_number
from recoup.core.quantities import quantity_text
from recoup.okrs import kpi, kr_chart, kr_words, scoring, selectors, services
from recoup.okrs.archived import archived_in
from recoup.okrs.board import board_filter, board_read
from recoup.okrs.board_export import board_sort, board_table
from recoup.okrs.closing_read import board_closing
from recoup.okrs.draft import checkin_draft
from recoup.okrs.forecast import Forecast
from recoup.okrs.forecast_text import forecast_text
from recoup.okrs.forms import (
    CADENCE_FIELDS,
    CheckInCorrectForm,
    CheckInForm,
    CycleCadenceForm,
    KeyResultEditForm,
    StatusOverrideForm,
    mark_of,
)
from recoup.okrs.models import Cycle, KeyResult
from recoup.okrs.my_work import key_result_initiatives
from recoup.okrs.plan_forms import InitiativeNewForm


def _cycle(request: HttpRequest) -> Cycle | None:
    try:
        return selectors.cycle_get(name=request.GET.get("cycle", "").strip() or None)
    except NotFoundError:
        if request.GET.get("cycle"):
            raise Http404("no such cycle") from None
        return None


@require_safe
@login_required
def board(request: HttpRequest) -> HttpResponse:
    cycle = _cycle(request)
    try:
        chosen = board_filter(
            request.user, team=request.GET.get("team", ""), mine=request.GET.get("mine", "")
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    except NotFoundError as error:
        raise Http404(str(error)) from None
    found = (
        board_read(
            cycle=cycle,
            chosen=chosen,
            username=request.user.get_username(),
            mark=mark_of(request.user),
        )
        if cycle is not None
        else None
    )
    # The objective cards, or every key result in one table sorted by a column (`board_export`).
    as_table = request.GET.get("view") == "table"
    try:
        board_sort(request.GET.get("sort"))
    except ExportError as error:
        return bad_request(error)
    table = (
        board_table(found, raw_sort=request.GET.get("sort"), query=request.GET)
        if as_table and found is not None
        else None
    )
    return render(
        request,
        "okrs/board.html",
        {
            "board": found,
            "as_table": as_table,
            "table": table,
            "cards_query": query_with(request.GET, view="", sort=""),
            "table_query": query_with(request.GET, view="table"),
            "board_order_query": query_with(request.GET, view="table", sort=""),
            "status": found.status if found else None,
            "filter": chosen,
            "cycle_id": cycle.pk if cycle is not None else None,
            "cycles": list(Cycle.objects.order_by("-starts_on").values_list("name", flat=True)),
            "archived": archived_in(cycle=cycle) if cycle is not None else [],
            "downloads": export_links(reverse("okrs:board_export"), request.GET),
            "present_query": urlencode({"team": chosen.team} if chosen.team else {}),
            **board_closing(
                cycle=cycle, may_change=can_change_okrs(request.user), mark=mark_of(request.user)
            ),
        },
    )


def _key_result(ref: str) -> KeyResult:
    try:
        return selectors.key_result_get(ref=ref)
    except NotFoundError as error:
        raise Http404(str(error)) from error


def _history_spec(
    history: list[selectors.CheckInView],
    state: selectors.KeyResultState,
    cycle: Cycle,
    forecast: Forecast,
    mark: DecimalMark,
) -> dict[str, Any]:
    """The key result's chart: check-ins, expected path, target and likely range (`kr_chart`)."""
    return kr_chart.history_spec(history, state, cycle.starts_on, forecast, mark=mark)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _detail_context(
    request: HttpRequest,
    kr: KeyResult,
    form: CheckInForm | None = None,
    override_form: StatusOverrideForm | None = None,
    correct_form: CheckInCorrectForm | None = None,
) -> dict[str, Any]:
    state = selectors.key_result_state(key_result=kr)
    history = selectors.key_result_history(key_result=kr)
    mark = mark_of(request.user)
    latest = selectors.checkin_latest(key_result=kr)
    # The author may correct or withdraw their own latest check-in (`recoup.okrs.checkins`).
    mine = (
        latest
        if latest is not None
        and latest.author_id is not None
        and latest.author_id == getattr(request.user, "pk", None)
        and can_check_in(request.user, kr)
        else None
    )
    if mine is not None and correct_form is None:
        correct_form = CheckInCorrectForm(
            decimal_mark=mark,
            at_risk_closed=scoring.at_risk_rule_applies(
                previous=selectors.checkin_confidences(key_result=kr, leaving_out=mine)
            ),
            initial={
                "checkin": mine.pk,
                "value": format_typed_number(mine.value, decimal_mark=mark),
                "confidence": mine.confidence,
                "comment": mine.comment,
            },
            prefix="correct",
        )
    at_risk_closed = scoring.at_risk_rule_applies(
        previous=selectors.checkin_confidences(key_result=kr)
    )
    forecast = selectors.key_result_forecast(key_result=kr)
    cycle = kr.objective.cycle
    may_check_in = can_check_in(request.user, kr)
    # A KPI-bound key result's check-in comes drafted from the data; the person edits it.
    draft = (
        checkin_draft(key_result=kr, today=timezone.localdate(), mark=mark)
        if may_check_in
        else None
    )
    if form is None and draft is not None:
        form = CheckInForm(
            decimal_mark=mark,
            at_risk_closed=at_risk_closed,
            initial={
                "value": format_typed_number(draft.value, decimal_mark=mark),
                "comment": draft.text,
            },
        )
    return {
        "kr": kr,
        "state": state,
        "kind": kr_words.kind_text(state.kind),
        "aim": kr_words.aim_text(state, mark=mark),
        "measure": kr_words.measure_of(state, kpi.kpi_definitions()),
        "history": [
            (c, quantity_text(c.value, state.unit, decimal_mark=mark)) for c in reversed(history)
        ],
        "forecast": forecast,
        "forecast_text": forecast_text(forecast, state, mark=mark),
        "spec": _history_spec(history, state, cycle, forecast, mark),
        "chart_rows": kr_chart.chart_rows(
            kr_chart.counted_points(history), state, cycle.starts_on, mark=mark
        ),
        "form": form or CheckInForm(decimal_mark=mark, at_risk_closed=at_risk_closed),
        "at_risk_closed": at_risk_closed,
        "at_risk_rule": scoring.AT_RISK_RULE,
        "at_risk_now": scoring.AT_RISK_NOW,
        "decimal_mark": mark,
        "latest": latest,
        "latest_value": format_typed_number(latest.value, decimal_mark=mark) if latest else "",
        "mine": mine,
        "correct_form": correct_form,
        "override_form": override_form
        or StatusOverrideForm(initial={"status": state.override_status or state.computed_status}),
        # The page's other buttons follow `can` (the user's rights); this one depends on the item.
        "may_check_in": may_check_in,
        "draft": draft,
        "initiatives": key_result_initiatives(key_result=kr, today=timezone.localdate()),
        "initiative_form": InitiativeNewForm(),
    }


@require_safe
@login_required
def key_result_detail(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result(str(key_result_id))
    return render(request, "okrs/key_result.html", _detail_context(request, kr))


@require_POST
@login_required
def checkin_add(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result(str(key_result_id))
    if not can_check_in(request.user, kr):
        raise PermissionDenied(
            "A key result is checked in by its owner, its objective's owner, or a manager."
        )
    form = CheckInForm(
        request.POST,
        decimal_mark=mark_of(request.user),
        at_risk_closed=scoring.at_risk_rule_applies(
            previous=selectors.checkin_confidences(key_result=kr)
        ),
    )
    if form.is_valid():
        try:
            services.checkin_create(
                key_result=kr,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                comment=form.cleaned_data["comment"],
                author=request.user if isinstance(request.user, User) else None,
                via="web",
            )
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Check-in saved.")
            return redirect("okrs:key_result", key_result_id=kr.pk)
    return render(request, "okrs/key_result.html", _detail_context(request, kr, form), status=422)


@require_POST
@permission_required(can_override_status)
def status_override_set(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result(str(key_result_id))
    form = StatusOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.status_override_set(
                key_result=kr,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                author=_actor(request),
                via="web",
            )
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Status overridden.")
            return redirect("okrs:key_result", key_result_id=kr.pk)
    context = _detail_context(request, kr, override_form=form)
    return render(request, "okrs/key_result.html", context, status=422)


@require_POST
@permission_required(can_override_status)
def status_override_clear(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result(str(key_result_id))
    try:
        cleared = services.status_override_clear(key_result=kr, author=_actor(request), via="web")
    except RecoupError as error:
        raise PermissionDenied(str(error)) from None
    if cleared:
        messages.success(request, "Override cleared: the computed status applies again.")
    return redirect("okrs:key_result", key_result_id=kr.pk)


def _decimal_text(request: HttpRequest, value: Decimal | None) -> str:
    """400000.000000 as "400000" (or "58,5" with a decimal comma): what the person would type."""
    return format_typed_number(value, decimal_mark=mark_of(request.user))


def _metric_choices() -> list[tuple[str, str]]:
    definitions = kpi.kpi_definitions()
    return sorted(((i.id, f"{i.title} ({i.id})") for i in definitions.values()), key=lambda c: c[1])


def _target_suggestion(kr: KeyResult, metric: str) -> tuple[selectors.TargetSuggestion | None, str]:
    """The realistic-target suggestion for binding `kr` to `metric`, or why there is none."""
    if not metric:
        return None, ""
    # A new binding starts unfiltered: the old KPI's parameters and filters may not apply.
    same = metric == kr.metric
    cycle = kr.objective.cycle
    try:
        suggestion = selectors.target_suggest(
            metric=metric,
            params=kr.metric_params if same else {},
            filters=kr.metric_filters if same else {},
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
        )
    except RecoupError as error:
        return None, str(error)
    return suggestion, ""


def _edit_page(
    request: HttpRequest,
    kr: KeyResult,
    form: KeyResultEditForm,
    metric: str,
    *,
    suggest: bool,
    status: int = 200,
) -> HttpResponse:
    suggestion, problem = _target_suggestion(kr, metric) if suggest else (None, "")
    context = {
        "kr": kr,
        "form": form,
        "metric": metric,
        "suggested": suggest,
        "suggestion": suggestion,
        "suggestion_problem": problem,
    }
    return render(request, "okrs/key_result_edit.html", context, status=status)


@permission_required(can_change_okrs)
def key_result_edit(request: HttpRequest, key_result_id: int) -> HttpResponse:
    """Edit a key result and its KPI binding, with the realistic-target suggestion for the KPI."""
    kr = _key_result(str(key_result_id))
    metrics = _metric_choices()
    if request.method != "POST":
        form = KeyResultEditForm(
            initial={
                "title": kr.title,
                "kind": kr.kind,
                "owner": kr.owner_id,
                "weight": _decimal_text(request, kr.weight),
                "unit": kr.unit,
                "metric": kr.metric,
                "baseline": _decimal_text(request, kr.baseline),
                "target": _decimal_text(request, kr.target),
                "due_on": kr.due_on,
            },
            metrics=metrics,
            decimal_mark=mark_of(request.user),
        )
        return _edit_page(request, kr, form, kr.metric, suggest=False)
    form = KeyResultEditForm(request.POST, metrics=metrics, decimal_mark=mark_of(request.user))
    metric = request.POST.get("metric", "")
    if "suggest" in request.POST:
        # The page without JavaScript: show the suggestion, keep what was typed, save nothing.
        form.is_valid()
        return _edit_page(request, kr, form, metric, suggest=True)
    if form.is_valid():
        data = form.cleaned_data
        fields = ("title", "kind", "owner", "unit", "metric", "baseline", "target", "due_on")
        changes: dict[str, Any] = {name: data[name] for name in fields}
        changes["weight"] = data["weight"] if data["weight"] is not None else kr.weight
        changes["kind"] = data["kind"] or kr.kind
        if data["metric"] != kr.metric:
            changes.update(metric_params={}, metric_filters={})
        try:
            services.key_result_update(
                key_result=kr, changes=changes, actor=_actor(request), via="web"
            )
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Key result saved.")
            return redirect("okrs:key_result", key_result_id=kr.pk)
    return _edit_page(request, kr, form, metric, suggest=bool(metric), status=422)


@require_safe
@permission_required(can_see_target_suggestions)
def target_suggestion(request: HttpRequest, key_result_id: int) -> HttpResponse:
    """The suggestion for one KPI, as a fragment for htmx (fetched when the KPI select changes)
    or, without JavaScript, inside the whole edit page."""
    kr = _key_result(str(key_result_id))
    metric = request.GET.get("metric", "").strip()
    if request.headers.get("HX-Request") == "true":
        suggestion, problem = _target_suggestion(kr, metric)
        context = {"kr": kr, "metric": metric, "suggested": True, "suggestion": suggestion}
        context["suggestion_problem"] = problem
        return render(request, "okrs/_target_suggestion.html", context)
    form = KeyResultEditForm(
        initial={
            "title": kr.title,
            "unit": kr.unit,
            "metric": metric,
            "baseline": _decimal_text(request, kr.baseline),
            "target": _decimal_text(request, kr.target),
            "due_on": kr.due_on,
        },
        metrics=_metric_choices(),
        decimal_mark=mark_of(request.user),
    )
    return _edit_page(request, kr, form, metric, suggest=True)


@require_safe
@login_required
def strategy_map(request: HttpRequest) -> HttpResponse:
    """The alignment tree of a cycle as a picture, beside the audit of its plan."""
    cycle = _cycle(request)
    tree = selectors.alignment_tree(cycle=cycle) if cycle is not None else []
    audit = selectors.cycle_audit(cycle=cycle) if cycle is not None else None
    return render(request, "okrs/map.html", {"cycle": cycle, "tree": tree, "audit": audit})


@permission_required(can_read_org_settings)
def cadence(request: HttpRequest) -> HttpResponse:
    """Settings → Cadence: admins change a cycle's check-in day, ritual dates and status
    thresholds; managers read them (they plan around them)."""
    may_edit = can_change_org_settings(request.user)
    cycle = _cycle(request) if request.method == "GET" else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(DENIED)
        try:
            cycle = selectors.cycle_get(name=request.POST.get("cycle", "").strip() or None)
        except NotFoundError as error:
            raise Http404(str(error)) from None
    form = CycleCadenceForm.for_cycle(cycle, request.POST or None) if cycle else None
    if request.method == "POST" and form is not None and cycle is not None and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in CADENCE_FIELDS}
        try:
            services.cycle_update(
                cycle=cycle,
                changes=changes,
                actor=request.user if isinstance(request.user, User) else None,
                via="web",
            )
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Cadence of cycle {cycle.name} saved.")
            return redirect(f"{reverse('okrs:cadence')}?cycle={cycle.name}")
    if form is not None and not may_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "okrs/cadence.html",
        {
            "cycle": cycle,
            "form": form,
            "may_edit": may_edit,
            "cycles": list(Cycle.objects.order_by("-starts_on").values_list("name", flat=True)),
            "section": "cadence",
        },
        status=422 if request.method == "POST" else 200,
    )
