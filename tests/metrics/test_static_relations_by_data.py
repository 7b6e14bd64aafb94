"""Static relations (decision 0010) are kept under the watermarks of the tables they read,
through the relations they read (issue 10): a sync that brought in only a logged call remakes
only what reads the activities; a new invoice remakes what reads the invoices, and what is made
from that."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from recoup.demo.services import demo_ledger_generate
from recoup.ledger.models import Activity, Customer, Invoice
from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.duckdb_engine import DuckDBEngine
from recoup.metrics.evaluate import Point, Spec, evaluate

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 9, 30)


class _Recording:
    """A DuckDB connection that notes the static relations made on it."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.made: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("CREATE OR REPLACE TABLE "):
            self.made.append(sql.split()[4].strip('"'))
        return self.raw.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _evaluate_all(private: DuckDBEngine) -> tuple[list[str], dict[str, str]]:
    recording = _Recording(private.raw)
    engine = DuckDBEngine.on(recording)  # type: ignore[arg-type]
    evaluate(engine, [Spec(m) for m in CATALOGUE], [Point.at(AS_OF)], book=None)
    return recording.made, engine._fills


def _reads(fill: str, table: str, fills: dict[str, str]) -> bool:
    """Whether relation `fill` reads `table`, itself or through the relations it reads."""
    if table in fill:
        return True
    return any(name in fill and _reads(other, table, fills) for name, other in fills.items())


def test_a_sync_remakes_only_the_relations_that_read_what_changed() -> None:
    demo_ledger_generate(invoices=200, seed=5, as_of=AS_OF)
    private = DuckDBEngine()
    try:
        private.sync()
        first, fills = _evaluate_all(private)
        assert first, "no static relation was made: the test proves nothing"
        again, _fills = _evaluate_all(private)
        assert again == [], "unchanged data remade relations"

        Activity.objects.create(
            external_id="CALL-1",
            customer=Customer.objects.order_by("id").first(),
            channel="call",
            direction="outbound",
            outcome="no_answer",
            occurred_at=datetime(2026, 9, 30, 10, tzinfo=timezone.get_current_timezone()),
        )
        private.sync()
        after_call, _fills = _evaluate_all(private)
        assert all(_reads(fills[name], "ledger_activity", fills) for name in after_call)
        balances = [n for n in first if not _reads(fills[n], "ledger_activity", fills)]
        assert balances, "every static relation reads the activities: the test proves nothing"
        assert not set(balances) & set(after_call)

        Invoice.objects.create(
            external_id="NEW-1",
            customer=Customer.objects.order_by("id").first(),
            issue_date=AS_OF - timedelta(days=10),
            due_date=AS_OF + timedelta(days=20),
            amount_minor=1_000_00,
            currency=settings.BASE_CURRENCY,
        )
        private.sync()
        after_invoice, _fills = _evaluate_all(private)
        on_invoices = {n for n in first if _reads(fills[n], "ledger_invoice", fills)}
        assert on_invoices
        assert on_invoices <= set(after_invoice)
        # Made from another relation that read the invoices: remade too.
        assert any(
            name in fills[other] for name in on_invoices for other in on_invoices if name != other
        ), "no relation is made from another here: the transitive case is not exercised"
    finally:
        private.close()
