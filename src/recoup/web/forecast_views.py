"""The dashboard's cash forecast: its card, which the dashboard asks for once it is shown (the
first forecast after a change reads the whole ledger), and its weeks by source as CSV or XLSX,
both with the dashboard's team, collector and date."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from recoup.core.exports import Column, ExportError, Kind, bad_request, export_response
from recoup.web.dashboard import data_as_of
from recoup.web.forecast_card import forecast_card
from recoup.web.views import _as_of, _focus
from recoup.worklist.forecast import cash_forecast_kept
from recoup.worklist.forecast_display import forecast_columns, forecast_rows


@require_safe
@login_required
def forecast_card_view(request: HttpRequest) -> HttpResponse:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        return bad_request(ExportError(problem))
    day = as_of or data_as_of() or timezone.localdate()
    card = forecast_card(scope=focus.scope, as_of=day, team=focus.team, collector=focus.collector)
    return render(request, "web/_forecast_card.html", {"forecast": card})


@require_safe
@login_required
def forecast_export(request: HttpRequest) -> HttpResponseBase:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        return bad_request(ExportError(problem))
    day = as_of or data_as_of() or timezone.localdate()
    forecast = cash_forecast_kept(
        scope=focus.scope, as_of=day, team=focus.team, collector=focus.collector
    )
    headers = forecast_columns(forecast.currency)
    columns: list[Column[list[Any]]] = [
        Column(h, itemgetter(i), Kind.DATE if i < 2 else Kind.MONEY) for i, h in enumerate(headers)
    ]
    try:
        return export_response(
            name="cash-forecast",
            fmt=request.GET.get("format", "csv"),
            columns=columns,
            rows=forecast_rows(forecast),
            day=day,
        )
    except ExportError as error:
        return bad_request(error)
