"""DuckDB, PostgreSQL and Spark give identical numbers on the same ledgers.

Spark starts once per test session (the engine module keeps one local session per process).
PostgreSQL joins in when the operational database under test is PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.demo.services import demo_ledger_generate
from recoup.ingest.services import ledger_file_import
from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.engines import SparkEngine, engine_open
from recoup.metrics.evaluate import Point, Spec, evaluate
from tests.metrics.conftest import engine_names

IBM = Path("/work/shared/data/ibm-accounts-receivable.csv")
if not IBM.exists():
    IBM = Path(__file__).parents[1] / "fixtures" / "ingest" / "ibm-accounts-receivable.csv"

Key = tuple[str, date, tuple[tuple[str, str], ...]]


def _every_engine(specs: list[Spec], points: list[Point]) -> dict[str, dict[Key, Decimal | None]]:
    out: dict[str, dict[Key, Decimal | None]] = {}
    for name in [*engine_names(), "spark"]:
        engine = SparkEngine() if name == "spark" else engine_open(name)
        results = evaluate(engine, specs, points, book=None)
        out[name] = {(r.metric, r.as_of, tuple(sorted(r.dims.items()))): r.value for r in results}
    return out


def _assert_identical(by_engine: dict[str, dict[Key, Decimal | None]]) -> None:
    reference = by_engine["duckdb"]
    assert len(reference) > 40
    assert sum(v is not None and v != 0 for v in reference.values()) > 20
    for name, values in by_engine.items():
        assert values == reference, name


@pytest.mark.django_db
def test_three_engines_agree_on_every_metric_of_a_generated_ledger() -> None:
    demo_ledger_generate(invoices=600, seed=7, as_of=date(2024, 6, 30))
    specs = [Spec(m) for m in CATALOGUE]
    specs += [
        Spec("ar_by_bucket", dims=("team", "collector")),
        Spec("cash_collected", dims=("segment", "currency")),
        Spec("contact_rate", dims=("channel",)),
        Spec("ar_total", dims=("agency", "country")),
        Spec("dso", filters={"currency": ("USD",)}),
    ]
    points = [Point.at(date(2024, 3, 31), date(2024, 1, 1)), Point.at(date(2024, 6, 30))]
    _assert_identical(_every_engine(specs, points))


@pytest.mark.django_db
def test_three_engines_agree_on_the_ibm_sample() -> None:
    assert ledger_file_import(kind="invoices", path=IBM, mapping="ibm-accounts-receivable").ok
    specs = [
        Spec(m)
        for m in (
            "ar_total",
            "ar_by_bucket",
            "dso",
            "dso_countback",
            "cei",
            "avg_days_to_pay",
            "avg_days_late",
            "on_time_payment_rate",
            "dispute_rate",
            "avg_dispute_days",
            "roll_rate",
        )
    ]
    specs.append(Spec("ar_total", dims=("country",)))
    points = [
        Point.at(date(2013, month, day), date(2013, month - 2, 1))
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))
    ]
    _assert_identical(_every_engine(specs, points))
