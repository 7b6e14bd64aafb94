"""A collector's worklist as CSV or XLSX (`?format=`): every group of the page (contact now,
later today, promised, blocked, referred, to trace) in one table with a column saying which,
for the collector the page shows (`?collector=`, held to the asker's scope like the page), in
the page's order or by a column (`?sort=`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from recoup.accounts.scope import scope_for
from recoup.core.exports import Column, ExportError, Kind, bad_request, export_response, sort_parse
from recoup.worklist.selectors import Entry, Worklist, worklist_for
from recoup.worklist.services import likelihood_current
from recoup.worklist.views import _chosen, work_required

GROUPS = (
    ("entries", "Contact now"),
    ("later", "Later today"),
    ("waiting", "Promised"),
    ("blocked", "Blocked"),
    ("referred", "Letter, agency, legal"),
    ("unreachable", "No phone or e-mail"),
)


@dataclass(frozen=True, slots=True)
class Line:
    order: int  # the page's order: group by group, in each group as listed
    group: str
    entry: Entry


def _why(e: Entry) -> str:
    parts = [f"today: {u}" for u in e.urgent]
    if e.promised:
        parts.append(f"promised: {e.promised}")
    parts += [f"{'+' if r.raises else '-'} {r.words}" for r in e.reasons]
    return "; ".join(parts)


COLUMNS: tuple[Column[Line], ...] = (
    Column("Group", lambda r: r.group),
    Column("Rank", lambda r: r.entry.rank or None, Kind.NUMBER),
    Column("Customer", lambda r: r.entry.name),
    Column("External id", lambda r: r.entry.external_id),
    Column("Owes", lambda r: r.entry.balance, Kind.MONEY),
    Column("Currency", lambda r: r.entry.balance.currency),
    Column("Likely to pay", lambda r: round(r.entry.likelihood * 100, 1), Kind.PERCENT),
    Column("Expected", lambda r: r.entry.expected, Kind.MONEY),
    Column("Days past due", lambda r: r.entry.days_past_due, Kind.NUMBER),
    Column("Segment", lambda r: r.entry.segment),
    Column("Treatment", lambda r: r.entry.treatment_words),
    Column("Within today's call limit", lambda r: "yes" if r.entry.within_limit else "no"),
    Column("Why", lambda r: _why(r.entry)),
)
SORTS: dict[str, Callable[[Line], Any]] = {
    "list": lambda r: r.order,
    "customer": lambda r: r.entry.name.casefold(),
    # Amounts of different currencies are not compared: by currency, then by amount.
    "owes": lambda r: (r.entry.balance.currency, r.entry.balance.minor),
    "likely": lambda r: r.entry.likelihood,
    "expected": lambda r: (r.entry.expected.currency, r.entry.expected.minor),
    "days_past_due": lambda r: r.entry.days_past_due,
    "segment": lambda r: r.entry.segment.casefold(),
}


def worklist_lines(worklist: Worklist, raw_sort: str | None) -> list[Line]:
    """Every account of `worklist`, in the order `?sort=` asks for (the page's by default)."""
    sort = sort_parse(raw_sort, {k: (k,) for k in SORTS}, "list")
    lines: list[Line] = []
    for attribute, label in GROUPS:
        for e in getattr(worklist, attribute):
            lines.append(Line(order=len(lines), group=label, entry=e))
    return sorted(lines, key=SORTS[sort.key], reverse=sort.descending)


@require_safe
@work_required
def worklist_export(request: HttpRequest) -> HttpResponse:
    collector = _chosen(request, request.GET.get("collector", "").strip())
    if collector is None:
        return bad_request(ExportError("choose a collector: a download holds one worklist"))
    worklist = worklist_for(
        scope_for(request.user), collector=collector, likelihood=likelihood_current(background=True)
    )
    try:
        # Typed as the guard wants; a download is a streaming or a file answer.
        return export_response(  # type: ignore[return-value]
            name=f"worklist-{collector.username}",
            fmt=request.GET.get("format", "csv"),
            columns=COLUMNS,
            rows=worklist_lines(worklist, request.GET.get("sort")),
            day=worklist.day,
        )
    except ExportError as error:
        return bad_request(error)
