"""Fixtures for KPI tests: the engines available on the operational database under test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from recoup.metrics.evaluate import Point, Spec, evaluate


def engine_names() -> list[str]:
    """DuckDB always; PostgreSQL directly when the operational database is PostgreSQL."""
    return ["duckdb", "postgres"] if connection.vendor == "postgresql" else ["duckdb"]


Compute = Callable[..., Decimal | None]


@pytest.fixture
def compute() -> Compute:
    """`compute(metric, as_of, period_from=None, **params)` on every engine; asserts they agree."""
    from recoup.metrics.engines import engine_open

    def run(
        metric: str, as_of: date, period_from: date | None = None, **params: str
    ) -> Decimal | None:
        values = []
        for name in engine_names():
            engine = engine_open(name)
            (result,) = evaluate(
                engine, [Spec(metric, params)], [Point.at(as_of, period_from)], book=None
            )
            values.append(result.value)
        assert len(set(values)) == 1, f"engines disagree on {metric}: {values}"
        return values[0]

    return run
