"""The per-invoice relations DuckDB keeps in its file between evaluations: reused by the next
engine on the same data, rebuilt as soon as a sync brings in a change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.metrics.engines import DuckDBEngine
from recoup.metrics.evaluate import Point, Spec, evaluate
from tests.metrics.builder import Ledger

AS_OF = date(2024, 6, 30)


def _ar_and_cash(engine: DuckDBEngine) -> tuple[Decimal | None, Decimal | None]:
    results = {
        r.metric: r.value
        for r in evaluate(
            engine, [Spec("ar_total"), Spec("cash_collected")], [Point.at(AS_OF)], book=None
        )
    }
    return results["ar_total"], results["cash_collected"]


def _kept_versions(engine: DuckDBEngine) -> set[str]:
    rows = engine.raw.execute("SELECT data_version FROM _recoup_kept").fetchall()
    return {row[0] for row in rows}


@pytest.mark.django_db
def test_kept_relations_serve_the_next_engine_and_follow_a_synced_payment(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.customer("Acme")
    invoice = ledger.invoice("Acme", "100.00", issued="2024-05-01", due="2024-05-31")
    ledger.pay(invoice, "30.00", on="2024-06-10")
    path = tmp_path / "analytics.duckdb"

    first = DuckDBEngine(path)
    first.sync()
    assert _ar_and_cash(first) == (Decimal("70.00"), Decimal("30.00"))
    # Each relation is kept under the watermarks of the tables it reads (decision 0024).
    versions = _kept_versions(first)
    assert versions
    first.close()

    # A new engine on unchanged data reuses what the first one stored.
    second = DuckDBEngine(path)
    assert second.sync().rows == 0
    assert _ar_and_cash(second) == (Decimal("70.00"), Decimal("30.00"))
    assert _kept_versions(second) == versions

    # A payment reaches the copy through the sync: the stored relations are rebuilt from it.
    ledger.pay(invoice, "50.00", on="2024-06-20")
    assert second.sync().rows > 0
    assert _ar_and_cash(second) == (Decimal("20.00"), Decimal("80.00"))
    after = _kept_versions(second)
    assert after
    assert after != versions

    # The benchmark's "first after a data change" drops them; the numbers stay the same.
    second.forget_static()
    assert _ar_and_cash(second) == (Decimal("20.00"), Decimal("80.00"))
    second.close()
