"""A collector's worklist as one table, and the team's day as another: the columns, the sort
keys and the order, shared by the page and its downloads so both list the same rows alike.

The page's own order is its priority order (`sort=list`: group by group, promised-for-today
first); sorting by a column is a different view of every group in one table, which the page
says, with the way back. Amounts in different currencies are never compared: by currency, then
by amount. Blanks sort last whichever way round (`recoup.core.exports.rows_sorted`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from recoup.core.exports import Column, Kind, Sort, rows_sorted, sort_parse
from recoup.worklist.selectors import Entry, TeamRow, Worklist

PRIORITY = "list"
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
    PRIORITY: lambda r: r.order,
    "customer": lambda r: r.entry.name.casefold(),
    "owes": lambda r: (r.entry.balance.currency, r.entry.balance.minor),
    "likely": lambda r: r.entry.likelihood,
    "expected": lambda r: (r.entry.expected.currency, r.entry.expected.minor),
    "days_past_due": lambda r: r.entry.days_past_due,
    "segment": lambda r: r.entry.segment.casefold(),
}
# (header, sort key, numeric) of the sortable columns each group's table and the sorted view
# share; the page adds its own unsorted ones (rank, why, how to reach them).
HEADERS = (
    ("Customer", "customer", False),
    ("Owes", "owes", True),
    ("Likely to pay", "likely", True),
    ("Expected", "expected", True),
)
SORTED_HEADERS = (
    ("Group", "", False),
    *HEADERS,
    ("Days past due", "days_past_due", True),
    ("Segment", "segment", False),
    ("Why", "", False),
)
SORT_WORDS = {
    "customer": "customer",
    "owes": "what they owe",
    "likely": "how likely they are to pay",
    "expected": "expected recovery",
    "days_past_due": "days past due",
    "segment": "segment",
}


def worklist_sort(raw: str | None) -> Sort:
    """`?sort=` of a worklist: its priority order unless a column is asked for."""
    return sort_parse(raw, {k: (k,) for k in SORTS}, PRIORITY)


def worklist_lines(worklist: Worklist, raw_sort: str | None) -> list[Line]:
    """Every account of `worklist`, in the order `?sort=` asks for (the page's by default)."""
    sort = worklist_sort(raw_sort)
    lines: list[Line] = []
    for attribute, label in GROUPS:
        for e in getattr(worklist, attribute):
            lines.append(Line(order=len(lines), group=label, entry=e))
    return rows_sorted(lines, sort, SORTS)


# -- the team's day: one line per collector --------------------------------------------------

TEAM_COLUMNS: tuple[Column[TeamRow], ...] = (
    Column("Collector", lambda r: r.name),
    Column("Contact now", lambda r: r.now, Kind.NUMBER),
    Column("Later today", lambda r: r.later, Kind.NUMBER),
    Column("Promised", lambda r: r.waiting, Kind.NUMBER),
    Column("Blocked", lambda r: r.blocked, Kind.NUMBER),
    Column("No phone or e-mail", lambda r: r.unreachable, Kind.NUMBER),
    Column("Letter, agency, legal", lambda r: r.referred, Kind.NUMBER),
    Column("Calls made today", lambda r: r.calls_made, Kind.NUMBER),
    Column("Calls a day", lambda r: r.calls_limit, Kind.NUMBER),
    Column("Expected today", lambda r: r.expected_today, Kind.MONEY),
    Column("Currency", lambda r: r.expected_today.currency),
)
TEAM_SORTS: Mapping[str, Callable[[TeamRow], Any]] = {
    "collector": lambda r: r.name.casefold(),
    "now": lambda r: r.now,
    "later": lambda r: r.later,
    "waiting": lambda r: r.waiting,
    "blocked": lambda r: r.blocked,
    "unreachable": lambda r: r.unreachable,
    "referred": lambda r: r.referred,
    "calls": lambda r: r.calls_made,
    "expected": lambda r: r.expected_today.minor,
}
TEAM_HEADERS = (
    ("Collector", "collector", False),
    ("Now", "now", True),
    ("Later today", "later", True),
    ("Promised", "waiting", True),
    ("Blocked", "blocked", True),
    ("No phone or e-mail", "unreachable", True),
    ("Letter, agency, legal", "referred", True),
    ("Calls today", "calls", True),
    ("Expected today", "expected", True),
)


def team_sort(raw: str | None) -> Sort:
    """`?sort=` of the team's day: by the collector's name unless a column is asked for."""
    return sort_parse(raw, {k: (k,) for k in TEAM_SORTS}, "collector")


def team_sorted(rows: list[TeamRow], raw_sort: str | None) -> list[TeamRow]:
    return rows_sorted(rows, team_sort(raw_sort), TEAM_SORTS)
