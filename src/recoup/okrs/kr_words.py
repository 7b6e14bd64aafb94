"""A key result's aim in words, shared by the pages that show one: its kind ("Decrease to"),
where it goes ("62 → 50 days", "at most 5 %", "done or not") and what measures it (the KPI by
its catalogue title, or "checked in by hand")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from recoup.core.numbers import DecimalMark
from recoup.core.quantities import from_to_text, quantity_text
from recoup.metrics.contracts import MetricInfo
from recoup.okrs.models import KeyResultKind
from recoup.okrs.selectors import KeyResultState


def kind_text(kind: str) -> str:
    """ "Decrease to"; an unknown code (a kind added later) shows as it is rather than failing."""
    return str(KeyResultKind(kind).label) if kind in KeyResultKind.values else kind


def aim_text(state: KeyResultState, *, mark: DecimalMark) -> str:
    """Where the key result goes, in its unit: "62 → 50 days", "at least 80 %", "done or not"."""
    if state.kind == KeyResultKind.MILESTONE:
        return "done or not"
    if state.kind == KeyResultKind.TASK_TRACKED:
        return "initiatives done"
    if state.kind == KeyResultKind.ROLL_UP:
        return "from the key results below it"
    if state.kind in (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW):
        side = "at least" if state.kind == KeyResultKind.STAY_ABOVE else "at most"
        return f"{side} {quantity_text(state.target, state.unit, decimal_mark=mark)}"
    return from_to_text(state.baseline, state.target, state.unit, decimal_mark=mark)


@dataclass(frozen=True, slots=True)
class Measure:
    title: str  # the KPI's catalogue title, "checked in by hand", or "" when counted from below
    description: str  # the catalogue's description; empty for a manual key result
    code: str  # the KPI's id, for the details; empty for a manual key result
    params: Mapping[str, str]
    filters: Mapping[str, list[str]]

    @property
    def bound(self) -> bool:
        return bool(self.code)


def measure_of(state: KeyResultState, kpis: Mapping[str, MetricInfo]) -> Measure:
    if state.kind in (KeyResultKind.TASK_TRACKED, KeyResultKind.ROLL_UP):
        return Measure("", "", "", {}, {})  # counted from what lies below it: the aim says so
    if not state.metric:
        return Measure("checked in by hand", "", "", {}, {})
    info = kpis.get(state.metric)
    return Measure(
        # A KPI since removed from the catalogue keeps its id as its name.
        title=info.title if info else state.metric,
        description=info.description if info else "",
        code=state.metric,
        params=state.metric_params,
        filters=state.metric_filters,
    )
