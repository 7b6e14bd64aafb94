"""The OKR board as a table to download: one row per key result, beside its objective, with
owners by name, from and to in the key result's unit, progress against expected, and statuses.
The rows are the board's own (`board.board_read`, with its cycle, team and "mine" filters), so a
download holds exactly what the board shows. A cycle has tens of key results: sorting happens
in memory, on the values the columns show.

The board shows the same lines as a flat table of every key result (`?view=table`), sorted by
its column headers: a manager asks "which key results across the cycle are behind, whose, and
due when", which the objective cards, grouped and in planned order, do not answer at a glance.
The cards keep the plan's order; the table and its download share one `?sort=`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from recoup.core.exports import (
    Column,
    Kind,
    Sort,
    SortHeader,
    rows_sorted,
    sort_headers,
    sort_parse,
)
from recoup.okrs.board import Board, KeyResultRow, ObjectiveRow
from recoup.okrs.scoring import Status

STATUS_TEXT = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.OUTDATED: "Outdated",
    Status.NOT_STARTED: "Not started",
}


@dataclass(frozen=True, slots=True)
class BoardLine:
    cycle: str
    objective: ObjectiveRow
    key_result: KeyResultRow


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def status_text(status: str) -> str:
    return STATUS_TEXT.get(Status(status), status) if status in Status else status


BOARD_COLUMNS: tuple[Column[BoardLine], ...] = (
    Column("Cycle", lambda r: r.cycle),
    Column("Objective", lambda r: r.objective.state.title),
    Column("Team", lambda r: r.objective.state.team or ""),
    Column("Objective owner", lambda r: r.objective.owner),
    Column("Objective status", lambda r: status_text(r.objective.state.status)),
    Column("Objective progress", lambda r: _percent(r.objective.progress), Kind.PERCENT),
    Column("Key result", lambda r: r.key_result.state.title),
    Column("Key result owner", lambda r: r.key_result.owner),
    Column("Kind", lambda r: r.key_result.kind),
    Column("From and to", lambda r: r.key_result.from_to),
    Column("Latest", lambda r: r.key_result.latest),
    Column("Due", lambda r: r.key_result.state.due_on, Kind.DATE),
    Column("Progress", lambda r: _percent(r.key_result.state.progress), Kind.PERCENT),
    Column("Expected", lambda r: _percent(r.key_result.state.expected), Kind.PERCENT),
    Column("Status", lambda r: status_text(r.key_result.state.status)),
    Column("Last check-in", lambda r: r.key_result.state.last_checkin_on, Kind.DATE),
)

_STATUS_ORDER = {s: i for i, s in enumerate(STATUS_TEXT)}
# Sort key → what a line is ordered by. Missing numbers sort last whichever way round.
BOARD_SORTS: dict[str, Callable[[BoardLine], Any]] = {
    "board": lambda r: 0,  # the board's own order: objectives, then key results, as planned
    "objective": lambda r: r.objective.state.title.casefold(),
    "team": lambda r: (r.objective.state.team or "").casefold(),
    "key_result": lambda r: r.key_result.state.title.casefold(),
    # By the owner's name as the board shows it; a key result nobody owns yet goes last.
    "owner": lambda r: (r.key_result.state.owner_name or "").casefold(),
    "due": lambda r: r.key_result.state.due_on,
    "progress": lambda r: r.key_result.state.progress,
    "status": lambda r: _STATUS_ORDER.get(Status(r.key_result.state.status), 99),
}


def board_lines(board: Board) -> list[BoardLine]:
    return [
        BoardLine(cycle=board.status.cycle, objective=o, key_result=k)
        for o in board.objectives
        for k in o.key_results
    ]


# (header, sort key, numeric): the board's table of every key result, in the page's order.
BOARD_HEADERS = (
    ("Key result", "key_result", False),
    ("Objective", "objective", False),
    ("Team", "team", False),
    ("Owner", "owner", False),
    ("Latest", "", True),
    ("Progress", "progress", True),
    ("Due", "due", False),
    ("Status", "status", False),
)


def board_sort(raw: str | None) -> Sort:
    """`?sort=` of the board's lines: the board's own order unless a column is asked for (an
    unknown key is `ExportError`)."""
    return sort_parse(raw, {k: (k,) for k in BOARD_SORTS}, "board")


def board_sorted(lines: list[BoardLine], raw: str | None) -> list[BoardLine]:
    """`lines` in the order `?sort=` asks for: blanks last either way, ties in the board's."""
    return rows_sorted(lines, board_sort(raw), BOARD_SORTS)


@dataclass(frozen=True, slots=True)
class BoardTable:
    lines: list[BoardLine]
    headers: list[SortHeader]
    sorted_by_column: bool  # False: the board's own order


def board_table(board: Board, *, raw_sort: str | None, query: Mapping[str, str]) -> BoardTable:
    """Every key result of `board` as one table, sorted as `?sort=` asks."""
    sort = board_sort(raw_sort)
    return BoardTable(
        lines=rows_sorted(board_lines(board), sort, BOARD_SORTS),
        headers=sort_headers(sort, query, BOARD_HEADERS, anchor="all-key-results"),
        sorted_by_column=sort.key != "board",
    )
