"""The `agency` dimension: a placement's recoveries stay with the agency they were recovered
under, recalled or not by the as-of date; other facts follow the placement standing that day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recoup.metrics.compiler import NONE_LABEL
from recoup.metrics.engines import engine_open
from recoup.metrics.evaluate import Point, Result, Spec, evaluate
from tests.metrics.builder import Ledger, d
from tests.metrics.conftest import engine_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> Ledger:
    book = Ledger()
    # Placed with Apex in January, recalled on 1 March; 300 recovered in February, while placed,
    # and 50 after the recall.
    recalled = book.invoice("Acme", "1000", issued="2025-10-01", due="2025-10-31")
    book.place(recalled, "Apex", on="2026-01-10", amount="1000", recalled="2026-03-01")
    book.pay(recalled, "300", on="2026-02-05")
    book.pay(recalled, "50", on="2026-03-10")
    # Placed with Bolt in February and still there: 200 recovered.
    standing = book.invoice("Beta", "800", issued="2025-11-01", due="2025-11-30")
    book.place(standing, "Bolt", on="2026-02-01", amount="800")
    book.pay(standing, "200", on="2026-03-15")
    return book


def _by_agency(metric: str, dims: tuple[str, ...] = ("agency",)) -> dict[str, list[Result]]:
    found: dict[str, list[Result]] = {}
    for name in engine_names():
        found[name] = evaluate(
            engine_open(name),
            [Spec(metric, dims=dims)],
            [Point.at(d("2026-06-30"), d("2026-01-01"))],
            book=None,
        )
    return found


def test_a_recalled_placement_keeps_its_recoveries_under_its_agency(ledger: Ledger) -> None:
    for engine, results in _by_agency("recovery_rate").items():
        recovered = {r.dims["agency"]: r.measures["recovered"] for r in results}
        assert recovered == {"Apex": Decimal(300_00), "Bolt": Decimal(200_00)}, engine
        rates = {r.dims["agency"]: r.value for r in results}
        assert rates == {"Apex": Decimal("30.00"), "Bolt": Decimal("25.00")}, engine


def test_the_agencies_add_up_to_the_total_with_nothing_under_none(ledger: Ledger) -> None:
    for engine, results in _by_agency("liquidation_rate").items():
        agencies = {r.dims["agency"] for r in results}
        assert NONE_LABEL not in agencies, engine
        collected = sum((r.measures["collected"] for r in results), Decimal(0))
        (total,) = evaluate(
            engine_open(engine),
            [Spec("liquidation_rate")],
            [Point.at(d("2026-06-30"), d("2026-01-01"))],
            book=None,
        )
        assert collected == total.measures["collected"] == Decimal(550_00), engine


def test_open_balances_follow_the_placement_standing_on_the_as_of_date(ledger: Ledger) -> None:
    for engine, results in _by_agency("ar_total").items():
        # Acme's invoice was recalled on 1 March: on 30 June it is nobody's.
        balances = {r.dims["agency"]: r.value for r in results}
        assert balances == {NONE_LABEL: Decimal("650.00"), "Bolt": Decimal("600.00")}, engine
