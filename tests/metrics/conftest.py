"""Fixtures for KPI tests: the engines available on the operational database under test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from recoup.metrics import published_reads
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


@pytest.fixture
def published(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """KPIs read from snapshots published in `tmp_path`, as a server reads them (a test's
    database otherwise gets a private in-memory copy per engine)."""
    if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
        pytest.fail("needs a database file on SQLite: run with RECOUP_TEST_DATABASE_FILE=1")
    settings.DATA_DIR = tmp_path
    settings.KPI_ENGINE = "duckdb"
    settings.ANALYTICS_ANSWER_WHILE_SYNCING = False
    target = str(tmp_path / "analytics.duckdb")
    monkeypatch.setattr(published_reads, "default_analytics_path", lambda: target)
    yield tmp_path
    published_reads.analytics_close()
