"""The collector scorecard page: each collector's figures for the week, month or quarter to date
against the targets a manager set, beside the previous period; and the form managers and admins
set a target with. Collectors read their own row and their teammates'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import can_plan_collectors_work
from recoup.accounts.models import Role, User
from recoup.accounts.names import person_name
from recoup.accounts.scope import scope_for
from recoup.core.dates import parse_input_date
from recoup.core.errors import AccessDeniedError, InputDateError, NotFoundError
from recoup.core.exports import ExportError, bad_request, rows_sorted, sort_headers, sort_parse
from recoup.core.numbers import DecimalMark, parse_typed_number
from recoup.core.quantities import quantity_text
from recoup.metrics.contracts import Direction
from recoup.worklist.models import TargetPeriod
from recoup.worklist.scorecard import (
    FIGURES,
    FIGURES_BY_KEY,
    PERIODS,
    Cell,
    Column,
    Row,
    Scorecard,
    scorecard_for,
)
from recoup.worklist.selectors import collector_for, collectors_visible
from recoup.worklist.services import TargetError, collector_target_set
from recoup.worklist.views import work_required

# Longer than any number a person types: refused before it is parsed.
MAX_TYPED = 40
PERIOD_NAMES = {"week": "Week to date", "month": "Month to date", "quarter": "Quarter to date"}


def _mark(user: object) -> DecimalMark:
    return "," if getattr(user, "decimal_mark", ".") == "," else "."


def _collectors(request: HttpRequest, username: str) -> list[User]:
    """The collectors shown: the one asked for (404 for nobody, 403 outside the asker's teams),
    else every collector the asker may see."""
    scope = scope_for(request.user)
    if not username:
        return list(collectors_visible(scope))
    try:
        person = collector_for(scope, username)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error
    if person.role != Role.COLLECTOR:
        raise Http404(f"{person_name(person)} is not a collector")
    return [person]


@dataclass(frozen=True, slots=True)
class ShownCell:
    value: str
    explain: str
    target: str  # "at least 50", "" without a target
    state: str  # "met", "missed" or ""
    change: str  # "+3 since May"
    change_state: str  # "good", "bad" or "flat"
    note: str  # why no target applies (one for another period)


def _text(value: Decimal | None, unit: str, mark: DecimalMark) -> str:
    return quantity_text(value, unit, decimal_mark=mark)


def _change_text(cell: Cell, column: Column, mark: DecimalMark) -> tuple[str, str]:
    change = cell.change
    if change is None:
        return "", "flat"
    if change == 0:
        return "no change", "flat"
    sign = "+" if change > 0 else "\u2212"
    size = _text(abs(change), column.unit, mark)
    if column.unit == "percent":
        size = size.replace(" %", " pts")
    better = change > 0 if column.direction == Direction.HIGHER_IS_BETTER else change < 0
    return f"{sign}{size}", "good" if better else "bad"


# A collector's line as the page shows it: the row and its cells, one per column.
type ShownRow = tuple[Row, list[ShownCell]]


def _figure_value(key: str) -> Callable[[ShownRow], Decimal | None]:
    return lambda r: r[0].cells[key].value


def _shown(cell: Cell, column: Column, mark: DecimalMark) -> ShownCell:
    target = ""
    if cell.target is not None:
        word = "at most" if column.direction == Direction.LOWER_IS_BETTER else "at least"
        target = f"{word} {_text(cell.target, column.unit, mark)}"
    note = ""
    if cell.target is None and cell.target_period:
        note = f"target set for a {cell.target_period}"
    change, change_state = _change_text(cell, column, mark)
    return ShownCell(
        value=_text(cell.value, column.unit, mark),
        explain=cell.explain,
        target=target,
        state="" if cell.met is None else "met" if cell.met else "missed",
        change=change,
        change_state=change_state,
        note=note,
    )


def _period_words(card: Scorecard) -> tuple[str, str]:
    """The period shown and the one it is compared with, in words."""
    end = f"{card.as_of.day} {card.as_of:%B %Y}"
    days = end if card.start == card.as_of else f"{card.start.day} {card.start:%B} to {end}"
    if card.period == "month":
        return f"month to date ({days})", f"{card.previous_end:%B %Y}"
    if card.period == "quarter":
        before = (card.previous_start.month - 1) // 3 + 1
        return f"quarter to date ({days})", f"Q{before} {card.previous_start.year}"
    return (
        f"week to date ({days})",
        f"the week of {card.previous_start.day} {card.previous_start:%B}",
    )


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The page: the question asked (period, date, collector), the table and the target form."""
    errors: list[str] = []
    period = request.GET.get("period", "month").strip() or "month"
    if period not in PERIODS:
        errors.append(f"Period {period[:MAX_TYPED]!r}: choose week, month or quarter.")
        period = "month"
    as_of: date | None = None
    raw_date = request.GET.get("as_of", "").strip()
    if raw_date:
        try:
            as_of = parse_input_date(raw_date[:MAX_TYPED], what="Date")
        except InputDateError as error:
            errors.append(f"{error}.")
    chosen = request.GET.get("collector", "").strip()
    people = _collectors(request, chosen)
    scope = scope_for(request.user)
    card = scorecard_for(scope, collectors=people, period=period, as_of=as_of)
    mark = _mark(request.user)
    now_words, before_words = _period_words(card)
    rows = [
        (row, [_shown(row.cells[c.figure.key], c, mark) for c in card.columns]) for row in card.rows
    ]
    # Sorted by a collector's figure (the number itself, blanks last) or their name.
    keys: dict[str, Callable[[ShownRow], Any]] = {"collector": lambda r: r[0].name.casefold()}
    for column in card.columns:
        keys[column.figure.key] = _figure_value(column.figure.key)
    sort = sort_parse(request.GET.get("sort"), {k: (k,) for k in keys}, "collector")
    rows = rows_sorted(rows, sort, keys)
    headers = [("Collector", "collector", False)]
    headers += [(c.figure.label, c.figure.key, True) for c in card.columns]
    total = (
        None
        if card.total is None
        else [_shown(card.total.cells[c.figure.key], c, mark) for c in card.columns]
    )
    visible = list(collectors_visible(scope)) if chosen else people
    return {
        "card": card,
        "rows": rows,
        "headers": sort_headers(sort, request.GET, headers),
        "sort": sort.param,
        "total": total,
        "now_words": now_words,
        "before_words": before_words,
        "period": period,
        "periods": [(p, PERIOD_NAMES[p]) for p in PERIODS],
        "as_of_text": raw_date[:MAX_TYPED] or card.as_of.isoformat(),
        "chosen": chosen,
        "collectors": [(c.username, person_name(c)) for c in visible],
        "errors": errors,
        "may_plan": can_plan_collectors_work(request.user),
        "figures": [(f.key, f.label) for f in FIGURES],
        "target_periods": TargetPeriod.choices,
        **extra,
    }


@require_safe
@work_required
def scorecard_page(request: HttpRequest) -> HttpResponse:
    try:
        context = _context(request)
    except ExportError as error:  # a sort key the table does not have
        return bad_request(error)
    return render(
        request, "worklist/scorecard.html", context, status=422 if context["errors"] else 200
    )


@require_http_methods(["POST"])
@work_required
def target_action(request: HttpRequest) -> HttpResponse:
    """A manager sets (or, with the target left blank, removes) a collector's target, or
    everyone's."""
    if not can_plan_collectors_work(request.user):
        raise PermissionDenied("only managers and admins set a collector's targets")
    username = request.POST.get("collector", "").strip()
    collector = _collectors(request, username)[0] if username else None
    key = request.POST.get("figure", "").strip()
    raw = request.POST.get("target", "").strip()
    period = request.POST.get("period", "").strip()
    actor = request.user if isinstance(request.user, User) else None
    back = reverse("worklist:scorecard") + (f"?period={period}" if period in PERIODS else "")
    try:
        figure = FIGURES_BY_KEY.get(key)
        if figure is None:
            choices = ", ".join(FIGURES_BY_KEY)
            raise TargetError("figure", f"{key[:MAX_TYPED]!r}: choose one of {choices}")
        if len(raw) > MAX_TYPED:
            raise TargetError("target", f"give a number of at most {MAX_TYPED} characters")
        try:
            target = parse_typed_number(raw, decimal_mark=_mark(actor))
        except ValueError as error:
            raise TargetError("target", str(error)) from None
        collector_target_set(
            collector=collector,
            metric=figure.metric,
            measure=figure.measure,
            target=target,
            period=period[:MAX_TYPED],
            actor=actor,
            via="web",
        )
    except TargetError as error:
        message = str(error)
        context = _context(
            request,
            target_error=message[:1].upper() + message[1:] + ".",
            target_field=error.field,
            typed={"collector": username, "figure": key, "target": raw, "period": period},
        )
        return render(request, "worklist/scorecard.html", context, status=422)
    who = person_name(collector) if collector is not None else "everyone"
    label = figure.label.lower()
    if target is None:
        messages.success(request, f"Removed the target for {label} of {who}.")
    else:
        messages.success(request, f"Target for {label} of {who} saved.")
    return redirect(back)
