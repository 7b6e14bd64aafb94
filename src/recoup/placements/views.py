"""The Placements pages: the rules and the latest batches; a batch (where each invoice goes and
why, what was left out and why) with its approve button and its files for the agencies; the
accounts to tick by hand; recalls. Managers and admins only, each held to the debtors of the
teams they place for."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from recoup.accounts.access import DENIED, can_place_accounts, permission_required
from recoup.accounts.models import User
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.exports import ExportError, bad_request, export_format, export_response
from recoup.placements.exports import COLUMNS, export_rows
from recoup.placements.forms import HandForm, PrepareForm, RecallForm, RuleForm
from recoup.placements.models import BatchStatus, PlacementBatch, PlacementRule
from recoup.placements.scope import placing_scope
from recoup.placements.selectors import (
    accounts_to_tick,
    batch_for,
    batch_groups,
    batch_lines,
    batches_visible,
    counts_in_words,
    left_out_rows,
    rules_in_order,
)
from recoup.placements.services import (
    PlacementError,
    batch_approve,
    batch_prepare,
    batch_prepare_by_hand,
    placement_rule_delete,
    placement_rule_save,
    placements_recall,
)

place_required = permission_required(can_place_accounts)
LINES_SHOWN = 500


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _mark(request: HttpRequest) -> Any:
    return getattr(request.user, "decimal_mark", ".") or "."


@require_safe
@place_required
def placements_page(request: HttpRequest) -> HttpResponse:
    scope = placing_scope(_actor(request))
    return render(
        request,
        "placements/index.html",
        {
            "rules": list(rules_in_order()),
            "batches": batches_visible(scope),
            "form": PrepareForm(initial={"as_of": timezone.localdate()}),
        },
    )


@require_POST
@place_required
def prepare_action(request: HttpRequest) -> HttpResponse:
    form = PrepareForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"The batch could not be prepared: {form.errors.as_text()}", status=422)
    batch = batch_prepare(actor=_actor(request), as_of=form.cleaned_data["as_of"], via="web")
    messages.success(request, f"Batch {batch.pk} prepared: check it, then approve it.")
    return redirect("placements:batch", placement_batch_id=batch.pk)


def _batch(request: HttpRequest, placement_batch_id: int) -> PlacementBatch:
    try:
        return batch_for(placing_scope(_actor(request)), placement_batch_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error


@require_safe
@place_required
def batch_page(request: HttpRequest, placement_batch_id: int) -> HttpResponse:
    batch = _batch(request, placement_batch_id)
    lines = batch_lines(batch)
    total = lines.count()
    url = reverse("placements:batch_export", args=[batch.pk])
    return render(
        request,
        "placements/batch.html",
        {
            "batch": batch,
            "groups": batch_groups(batch),
            "lines": list(lines[:LINES_SHOWN]),
            "lines_total": total,
            "lines_cut": total > LINES_SHOWN,
            "left_out": left_out_rows(batch.left_out),
            "counts": counts_in_words(batch.left_out_counts),
            "may_approve": batch.status == BatchStatus.PREPARED and total > 0,
            "csv_url": f"{url}?format=csv",
            "xlsx_url": f"{url}?format=xlsx",
        },
    )


@require_POST
@place_required
def approve_action(request: HttpRequest, placement_batch_id: int) -> HttpResponse:
    batch = _batch(request, placement_batch_id)
    try:
        batch = batch_approve(actor=_actor(request), batch=batch, via="web")
    except PlacementError as error:
        messages.error(request, str(error))
        return redirect("placements:batch", placement_batch_id=batch.pk)
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error
    placed = batch.lines.filter(placement__isnull=False).count()
    messages.success(request, f"Batch {batch.pk} approved: {placed:,} invoices placed.")
    return redirect("placements:batch", placement_batch_id=batch.pk)


@require_safe
@login_required
def batch_export(request: HttpRequest, placement_batch_id: int) -> HttpResponseBase:
    if not can_place_accounts(request.user):
        raise PermissionDenied(DENIED)
    batch = _batch(request, placement_batch_id)
    try:
        fmt = export_format(request.GET.get("format"))
    except ExportError as error:
        return bad_request(error)
    return export_response(
        name=f"placement-batch-{batch.pk}",
        fmt=fmt,
        columns=COLUMNS,
        rows=export_rows(batch),
        day=batch.as_of,
    )


def _rule_initial(rule: PlacementRule) -> dict[str, Any]:
    money = rule.min_open
    return {
        "name": rule.name,
        "position": rule.position,
        "active": rule.active,
        "agency": rule.agency_id,
        "min_days_past_due": rule.min_days_past_due,
        "min_open": money.major_str() if money is not None else "",
        "min_open_currency": rule.min_open_currency,
        "no_contact_days": rule.no_contact_days,
        "broken_plan": rule.broken_plan,
        "team": rule.team_id,
    }


def _rule_form(request: HttpRequest, rule: PlacementRule | None) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST, decimal_mark=_mark(request))
        if form.is_valid():
            d = form.cleaned_data
            try:
                placement_rule_save(
                    actor=_actor(request),
                    rule=rule,
                    name=d["name"],
                    agency=d["agency"],
                    position=d["position"],
                    active=d["active"],
                    min_days_past_due=d["min_days_past_due"],
                    min_open=d["min_open_money"],
                    no_contact_days=d["no_contact_days"],
                    broken_plan=d["broken_plan"],
                    team=d["team"],
                    via="web",
                )
            except PlacementError as error:
                form.add_error("name", str(error))
            else:
                messages.success(request, f"Rule {d['name']!r} saved.")
                return redirect("placements:index")
        status = 422
    else:
        initial = _rule_initial(rule) if rule is not None else None
        form = RuleForm(initial=initial, decimal_mark=_mark(request))
        status = 200
    return render(request, "placements/rule.html", {"form": form, "rule": rule}, status=status)


@require_http_methods(["GET", "POST"])
@place_required
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@require_http_methods(["GET", "POST"])
@place_required
def rule_edit(request: HttpRequest, placement_rule_id: int) -> HttpResponse:
    rule = get_object_or_404(PlacementRule, pk=placement_rule_id)
    return _rule_form(request, rule)


@require_POST
@place_required
def rule_delete(request: HttpRequest, placement_rule_id: int) -> HttpResponse:
    rule = get_object_or_404(PlacementRule, pk=placement_rule_id)
    name = rule.name
    placement_rule_delete(actor=_actor(request), rule=rule, via="web")
    messages.success(request, f"Rule {name!r} removed.")
    return redirect("placements:index")


def _day(request: HttpRequest) -> date | None:
    """The day asked for (today when none); None when what was asked is not a day."""
    if not request.GET.get("as_of"):
        return timezone.localdate()
    form = PrepareForm(request.GET)
    if not form.is_valid():
        return None
    day: date = form.cleaned_data["as_of"]
    return day


@require_http_methods(["GET", "POST"])
@place_required
def by_hand_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = 200
    if request.method == "POST":
        form = HandForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                batch = batch_prepare_by_hand(
                    actor=actor,
                    as_of=d["as_of"],
                    customer_ids=d["customer"],
                    agency=d["agency"],
                    via="web",
                )
            except AccessDeniedError as error:
                raise PermissionDenied(str(error)) from error
            except PlacementError as error:
                form.add_error("customer", str(error))
            else:
                messages.success(
                    request, f"Batch {batch.pk} prepared with the ticked accounts: approve it."
                )
                return redirect("placements:batch", placement_batch_id=batch.pk)
        status = 422
        day = form.cleaned_data.get("as_of") or timezone.localdate()
    else:
        asked = _day(request)
        if asked is None:
            return HttpResponseBadRequest(
                "as_of: a date such as 2026-06-30", content_type="text/plain; charset=utf-8"
            )
        day = asked
        form = HandForm(initial={"as_of": day})
    rows = accounts_to_tick(placing_scope(actor), day=day)
    ticked = {str(v) for v in request.POST.getlist("customer")}
    return render(
        request,
        "placements/by_hand.html",
        {"form": form, "rows": rows, "day": day, "ticked": ticked},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@place_required
def recall_page(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = RecallForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                count = placements_recall(
                    actor=_actor(request),
                    on=d["on"],
                    agency=d["agency"],
                    placed_before=d["placed_before"],
                    idle_days=d["idle_days"],
                    reference=d["reference"],
                    via="web",
                )
            except PlacementError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{count:,} placements recalled on {d['on']:%Y-%m-%d}.")
                return redirect("placements:recall")
        status = 422
    else:
        form = RecallForm(initial={"on": timezone.localdate()})
    return render(request, "placements/recall.html", {"form": form}, status=status)
