"""The agency scorecard page, its downloads, and the form managers and admins set an agency's
commission bands with. Everyone signed in reads it, counting the placements of their book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from recoup.accounts.access import can_set_agency_commissions, permission_required
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.core.charts import Bar, bar_spec
from recoup.core.dates import parse_input_date
from recoup.core.errors import InputDateError
from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    bad_request,
    export_format,
    export_links,
    export_response,
)
from recoup.core.numbers import DecimalMark
from recoup.ledger.commissions import (
    CommissionRateError,
    agency_commission_rate_set,
    rate_text,
)
from recoup.ledger.models import Agency, AgencyCommissionRate
from recoup.placements.scorecard import AgencyScorecard, Figures, agency_scorecard
from recoup.placements.scorecard_forms import CommissionRateForm

MONTHS_SHOWN = 12


def _mark(user: object) -> DecimalMark:
    return "," if getattr(user, "decimal_mark", ".") == "," else "."


def _number(value: Decimal | None, places: int, mark: DecimalMark) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    if mark == ",":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "\u2212")


def _period(request: HttpRequest) -> tuple[date, date]:
    """The as-of date and the first placement day asked for; by default the twelve placement
    months up to today."""
    raw_as_of = request.GET.get("as_of", "").strip()
    as_of = parse_input_date(raw_as_of, what="as_of") if raw_as_of else timezone.localdate()
    raw_from = request.GET.get("from", "").strip()
    if raw_from:
        start = parse_input_date(raw_from, what="from")
    else:
        index = as_of.year * 12 + as_of.month - 1 - (MONTHS_SHOWN - 1)
        start = date(index // 12, index % 12 + 1, 1)
    if start > as_of:
        raise InputDateError("from", f"{start} is after the as-of date {as_of}")
    return as_of, start


@dataclass(frozen=True, slots=True)
class ShownRow:
    """One line of the table, as text."""

    label: str
    month: bool  # a placement month under its agency (indented), not the agency's total
    placed_count: str
    placed: str
    recovered: str
    liquidation: str
    recovery: str
    commission: str
    net: str
    days: str
    open_count: str


def _shown(
    card: AgencyScorecard, label: str, f: Figures, mark: DecimalMark, month: bool
) -> ShownRow:
    def money(minor: Decimal) -> str:
        return _number(card.money(minor).to_decimal(), 2, mark)

    return ShownRow(
        label=label,
        month=month,
        placed_count=f"{f.placed_count:,}",
        placed=money(f.placed),
        recovered=money(f.recovered),
        liquidation=_number(f.liquidation_rate, 2, mark) + (" %" if f.placed else ""),
        recovery=_number(f.recovery_rate, 2, mark) + (" %" if f.placed else ""),
        commission=money(f.commission),
        net=money(f.net),
        days=_number(f.median_days_to_first_payment, 1, mark),
        open_count=f"{f.open_count:,}",
    )


def _rows(card: AgencyScorecard, mark: DecimalMark) -> list[ShownRow]:
    rows = []
    for agency in card.rows:
        rows.append(_shown(card, agency.name, agency.figures, mark, month=False))
        for m in agency.months:
            rows.append(_shown(card, m.month.strftime("%B %Y"), m.figures, mark, month=True))
    return rows


def _chart(card: AgencyScorecard) -> dict[str, Any] | None:
    """Each agency's recovery rate side by side; the table below holds the numbers."""
    bars = [
        Bar(row.name, row.figures.recovery_rate, "#ag-title")
        for row in card.rows
        if row.figures.recovery_rate is not None
    ]
    if not bars:
        return None
    return bar_spec(
        bars,
        title="Recovery rate by agency",
        x_title="Agency",
        y_title="Recovery rate (%)",
    )


def _bands() -> list[tuple[Agency, list[tuple[int, str]]]]:
    found: dict[int, tuple[Agency, list[tuple[int, str]]]] = {}
    for agency in Agency.objects.order_by("name", "id"):
        found[agency.pk] = (agency, [])
    for band in AgencyCommissionRate.objects.order_by("from_days"):
        found[band.agency_id][1].append((band.from_days, rate_text(band.rate_bp)))
    return list(found.values())


def _page(request: HttpRequest, form: CommissionRateForm | None, status: int = 200) -> HttpResponse:
    mark = _mark(request.user)
    try:
        as_of, start = _period(request)
    except InputDateError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    card = agency_scorecard(scope=scope_for(request.user), as_of=as_of, period_from=start)
    may_set = can_set_agency_commissions(request.user)
    if form is None and may_set:
        form = CommissionRateForm(decimal_mark=mark)
    context: dict[str, Any] = {
        "card": card,
        "rows": _rows(card, mark),
        "total": _shown(card, "All agencies", card.total, mark, month=False),
        "as_of_text": as_of.isoformat(),
        "from_text": start.isoformat(),
        "downloads": export_links(reverse("agencies:export"), request.GET),
        "may_set": may_set,
        "bands": _bands(),
        "form": form,
        "chart": _chart(card),
    }
    return render(request, "placements/scorecard.html", context, status=status)


@require_safe
@login_required
def agency_scorecard_page(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


def _columns(card: AgencyScorecard) -> list[Column[tuple[str, str, Figures]]]:
    base = card.base

    def money(pick: str) -> Any:
        return lambda r: card.money(getattr(r[2], pick))

    return [
        Column("Agency", lambda r: r[0]),
        Column("Placement month", lambda r: r[1]),
        Column("Placed (count)", lambda r: r[2].placed_count, Kind.NUMBER),
        Column(f"Placed ({base})", money("placed"), Kind.MONEY),
        Column(f"Recovered while placed ({base})", money("recovered"), Kind.MONEY),
        Column(f"Collected since placement ({base})", money("collected"), Kind.MONEY),
        Column("Liquidation rate (%)", lambda r: r[2].liquidation_rate, Kind.PERCENT),
        Column("Recovery rate (%)", lambda r: r[2].recovery_rate, Kind.PERCENT),
        Column(f"Commission ({base})", money("commission"), Kind.MONEY),
        Column(f"Net recovery ({base})", money("net"), Kind.MONEY),
        Column(
            "Median days to first payment",
            lambda r: r[2].median_days_to_first_payment,
            Kind.NUMBER,
        ),
        Column("Open placements", lambda r: r[2].open_count, Kind.NUMBER),
    ]


@require_safe
@login_required
def agency_scorecard_export(request: HttpRequest) -> HttpResponse:
    try:
        fmt = export_format(request.GET.get("format"))
        as_of, start = _period(request)
    except ExportError as error:
        return bad_request(error)
    except InputDateError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    card = agency_scorecard(scope=scope_for(request.user), as_of=as_of, period_from=start)
    rows = [
        (agency.name, m.month.strftime("%Y-%m"), m.figures)
        for agency in card.rows
        for m in agency.months
    ]
    return export_response(  # type: ignore[return-value]
        name="agency-scorecard", fmt=fmt, columns=_columns(card), rows=rows, day=as_of
    )


@require_POST
@permission_required(can_set_agency_commissions)
def commission_rate_save(request: HttpRequest) -> HttpResponse:
    form = CommissionRateForm(request.POST, decimal_mark=_mark(request.user))
    if not form.is_valid():
        return _page(request, form, status=422)
    agency: Agency = form.cleaned_data["agency"]
    from_days: int = form.cleaned_data["from_days"]
    rate: int | None = form.cleaned_data["rate"]
    actor = request.user
    assert isinstance(actor, User)  # permission_required let only a signed-in person through
    try:
        agency_commission_rate_set(
            agency=agency, from_days=from_days, rate_bp=rate, actor=actor, via="web"
        )
    except CommissionRateError as error:
        form.add_error("from_days" if error.field == "from_days" else "rate", str(error))
        return _page(request, form, status=422)
    if rate is None:
        messages.success(request, f"Removed {agency.name}'s rate from day {from_days}.")
    else:
        messages.success(
            request,
            f"{agency.name} keeps {rate_text(rate)} of what it recovers from day {from_days}.",
        )
    return redirect(reverse("agencies:scorecard") + "#commissions")
