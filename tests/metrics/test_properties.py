"""Property tests: aging, AR and currency conversion against an integer ground truth.

Random ledgers are written straight into a private DuckDB (no ORM round trip per example) and the
engine's numbers are compared with sums computed here, independently, in plain integers.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup.core.money import Money
from recoup.ledger.models import FxRate
from recoup.metrics.engines import DuckDBEngine
from recoup.metrics.evaluate import Point, Spec, evaluate
from recoup.metrics.extract import schema
from recoup.metrics.sync import _ensure_state

START = date(2024, 1, 1)
EDGES = (30, 60, 90, 120)

invoice_st = st.tuples(
    st.integers(min_value=1, max_value=10**11),  # amount in cents
    st.integers(min_value=0, max_value=300),  # issue day offset
    st.integers(min_value=0, max_value=120),  # due lag in days
    st.lists(  # payments: (day offset after issue, share in per mille of the amount)
        st.tuples(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=600)),
        max_size=3,
    ),
    st.sampled_from(["USD", "EUR"]),
)


def _bucket(age: int) -> str:
    if age <= 0:
        return "current"
    low = 1
    for edge in EDGES:
        if age <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f"{EDGES[-1]}+"


def _load(
    engine: DuckDBEngine, invoices: list[tuple[int, int, int, list[tuple[int, int]], str]]
) -> list[dict[str, object]]:
    _ensure_state(engine.raw)
    rows_inv, rows_pay, rows_alloc, truth = [], [], [], []
    pay_id = 0
    for inv_id, (amount, issue, lag, payments, currency) in enumerate(invoices, start=1):
        issued = START + timedelta(days=issue)
        due = issued + timedelta(days=lag)
        rows_inv.append((inv_id, 1, issued, due, amount, currency))
        left = amount
        paid: list[tuple[date, int]] = []
        for offset, permille in payments:
            part = min(left, amount * permille // 1000)
            if part <= 0:
                continue
            pay_id += 1
            on = issued + timedelta(days=offset)
            rows_pay.append((pay_id, 1, on, part, currency))
            rows_alloc.append((pay_id, pay_id, inv_id, part))
            paid.append((on, part))
            left -= part
        truth.append(
            {"issued": issued, "due": due, "amount": amount, "paid": paid, "cur": currency}
        )
    for name, rows in (
        ("ledger_invoice", rows_inv),
        ("ledger_payment", rows_pay),
        ("ledger_allocation", rows_alloc),
    ):
        table = pa.Table.from_pylist(
            [dict(zip(schema(name).names, r, strict=True)) for r in rows], schema=schema(name)
        )
        engine.raw.register("_rows", table)
        engine.raw.execute(f'INSERT INTO "{name}" SELECT * FROM _rows')
        engine.raw.unregister("_rows")
    return truth


EUR_RATE = Decimal("1.0837")


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    invoices=st.lists(invoice_st, min_size=0, max_size=25),
    as_of_offset=st.integers(min_value=0, max_value=400),
)
def test_ar_and_aging_buckets_equal_an_integer_ground_truth(
    invoices: list[tuple[int, int, int, list[tuple[int, int]], str]], as_of_offset: int
) -> None:
    FxRate.objects.get_or_create(
        currency="EUR",
        rate_date=date(2000, 1, 1),
        defaults={"rate_scaled": int(EUR_RATE * FxRate.SCALE)},
    )
    engine = DuckDBEngine(":memory:")
    truth = _load(engine, invoices)
    as_of = START + timedelta(days=as_of_offset)
    by_bucket: dict[str, dict[str, int]] = {}
    for t in truth:
        if t["issued"] > as_of:  # type: ignore[operator]
            continue
        open_ = t["amount"] - sum(p for on, p in t["paid"] if on <= as_of)  # type: ignore[union-attr]
        if open_ <= 0:
            continue
        bucket = _bucket((as_of - t["due"]).days)  # type: ignore[operator]
        per_cur = by_bucket.setdefault(bucket, {})
        per_cur[t["cur"]] = per_cur.get(t["cur"], 0) + open_  # type: ignore[index]

    def to_usd_cents(per_cur: dict[str, int]) -> Decimal:
        exact = Fraction(per_cur.get("USD", 0)) + Fraction(per_cur.get("EUR", 0)) * Fraction(
            EUR_RATE
        )
        return Decimal(exact.numerator) / Decimal(exact.denominator)

    def money(value: Decimal) -> Decimal:
        return Money(int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), "USD").to_decimal()

    results = evaluate(
        engine, [Spec("ar_by_bucket"), Spec("ar_total")], [Point.at(as_of)], book=None
    )
    buckets = {r.dims["bucket"]: r.value for r in results if r.metric == "ar_by_bucket"}
    assert buckets == {b: money(to_usd_cents(v)) for b, v in by_bucket.items()}
    total: dict[str, int] = {}
    for per_cur in by_bucket.values():
        for cur, cents in per_cur.items():
            total[cur] = total.get(cur, 0) + cents
    (ar,) = [r.value for r in results if r.metric == "ar_total"]
    assert ar == money(to_usd_cents(total))
    engine.close()


@given(
    parts=st.lists(st.integers(min_value=-(10**15), max_value=10**15), max_size=30),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
)
def test_money_sums_in_minor_units_match_integer_sums(parts: list[int], currency: str) -> None:
    total = Money.zero(currency)
    for minor in parts:
        total = total + Money(minor, currency)
    assert total.minor == sum(parts)
    assert Money.from_major(total.major_str(), currency) == total
