"""The OKR board as a table to download: one row per key result, beside its objective, with
owners by name, from and to in the key result's unit, progress against expected, and statuses.
The rows are the board's own (`board.board_read`, with its cycle, team and "mine" filters), so a
download holds exactly what the board shows. A cycle has tens of key results: sorting happens
in memory, on the values the columns show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from recoup.core.exports import Column, Kind, sort_parse
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
    "owner": lambda r: r.key_result.owner.casefold(),
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


def board_sorted(lines: list[BoardLine], raw: str | None) -> list[BoardLine]:
    """`lines` in the order `?sort=` asks for (an unknown key is `ExportError`)."""
    sort = sort_parse(raw, {k: (k,) for k in BOARD_SORTS}, "board")
    key = BOARD_SORTS[sort.key]
    known = [r for r in lines if key(r) is not None]
    missing = [r for r in lines if key(r) is None]
    # `sorted` is stable: ties keep the board's order.
    return sorted(known, key=key, reverse=sort.descending) + missing
