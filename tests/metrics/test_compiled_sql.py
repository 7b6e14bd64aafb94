"""Snapshots of the SQL every catalogue metric compiles to, per variant, dialect and grouping.

A change to a metric's plan, to the compiler or to Ibis shows here as a readable diff of the
queries. The snapshots change only when asked: `RECOUP_UPDATE_SNAPSHOTS=1` rewrites them from the
code (then read the diff before keeping it); without it a difference fails the test.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from recoup.metrics.catalogue import CATALOGUE, MetricDef, MetricInputError
from recoup.metrics.evaluate import Point, Spec, explain

SNAPSHOTS = Path(__file__).parent / "snapshots"
DIALECTS = ("duckdb", "postgres")
GROUPINGS: tuple[tuple[str, ...], ...] = ((), ("team",))
POINT = Point.at(date(2026, 3, 31))
# Ibis keeps the columns a `drop` removes in a set, so DuckDB's EXCLUDE list comes out in an order
# that changes from one process to the next; the snapshots list them sorted.
EXCLUDED = re.compile(r"EXCLUDE \(([^)]*)\)")


def _sorted_exclude(found: re.Match[str]) -> str:
    return "EXCLUDE (" + ", ".join(sorted(found.group(1).split(", "))) + ")"


@dataclass(frozen=True, slots=True)
class DialectOnly:
    """What `explain` reads of an engine: its SQL dialect (nothing is run)."""

    name: str
    dialect: str


def variants(mdef: MetricDef) -> list[dict[str, str]]:
    """The defaults, then each other value of each choice parameter, one change at a time."""
    out: list[dict[str, str]] = [{}]
    for param in mdef.params:
        if param.kind == "choice":
            out.extend({param.name: choice} for choice in param.choices if choice != param.default)
    return out


def cases() -> list[tuple[str, dict[str, str], str]]:
    return [
        (mdef.id, params, dialect)
        for mdef in CATALOGUE.values()
        for params in variants(mdef)
        for dialect in DIALECTS
    ]


def snapshot_path(metric: str, params: dict[str, str], dialect: str) -> Path:
    suffix = "".join(f".{k}={v}" for k, v in sorted(params.items()))
    return SNAPSHOTS / dialect / f"{metric}{suffix}.sql"


def compiled_text(metric: str, params: dict[str, str], dialect: str) -> str:
    engine = DialectOnly(dialect, dialect)
    chunks = []
    for dims in GROUPINGS:
        grouping = ", ".join(dims) or "nothing"
        chunks.append(f"-- ===== {metric} {params or 'defaults'} grouped by {grouping} =====\n")
        try:
            found = explain(engine, [Spec(metric, params, dims)], [POINT], book=None)  # type: ignore[arg-type]
        except MetricInputError as error:
            chunks.append(f"-- refused: {error}\n\n")
            continue
        for what, sql in found:
            chunks.append(f"-- {what}\n{EXCLUDED.sub(_sorted_exclude, sql.strip())}\n\n")
    return "".join(chunks)


def test_every_metric_and_variant_has_a_case() -> None:
    # 37 metrics, and at least one more variant per choice parameter.
    names = {metric for metric, _params, _dialect in cases()}
    assert names == set(CATALOGUE)
    assert len(cases()) > len(DIALECTS) * len(CATALOGUE)


@pytest.mark.parametrize(
    ("metric", "params", "dialect"),
    cases(),
    ids=[snapshot_path(*case).relative_to(SNAPSHOTS).as_posix() for case in cases()],
)
def test_compiled_sql_matches_its_snapshot(
    metric: str, params: dict[str, str], dialect: str
) -> None:
    path = snapshot_path(metric, params, dialect)
    text = compiled_text(metric, params, dialect)
    if os.environ.get("RECOUP_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: write it with RECOUP_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name}: the compiled SQL changed; if meant, RECOUP_UPDATE_SNAPSHOTS=1 rewrites it"
    )
