"""The IBM receivables sample: the engine against an independent computation over the CSV.

Each row is an invoice settled in full on SettledDate; it is open as of D when issued on or before
D and settled after D. The expected numbers below are computed here in plain Python.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from recoup.ingest.services import ledger_file_import
from recoup.metrics.engines import engine_open
from recoup.metrics.evaluate import Point, Spec, evaluate
from tests.metrics.conftest import engine_names

IBM = Path("/work/shared/data/ibm-accounts-receivable.csv")
if not IBM.exists():
    IBM = Path(__file__).parents[1] / "fixtures" / "ingest" / "ibm-accounts-receivable.csv"

QUARTERS = [
    (date(2013, 1, 1), date(2013, 3, 31)),
    (date(2013, 4, 1), date(2013, 6, 30)),
    (date(2013, 7, 1), date(2013, 9, 30)),
    (date(2013, 10, 1), date(2013, 12, 31)),
]


def _day(text: str) -> date:
    month, day, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def _rows() -> list[dict[str, object]]:
    with IBM.open(newline="", encoding="utf-8") as handle:
        return [
            {
                "issued": _day(r["InvoiceDate"]),
                "due": _day(r["DueDate"]),
                "settled": _day(r["SettledDate"]),
                "cents": int(Decimal(r["InvoiceAmount"]) * 100),
                "days_late": int(r["DaysLate"]),
            }
            for r in csv.DictReader(handle)
        ]


def _r2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _bucket(age: int) -> str:
    for low, high, label in (
        (1, 30, "1-30"),
        (31, 60, "31-60"),
        (61, 90, "61-90"),
        (91, 120, "91-120"),
    ):
        if low <= age <= high:
            return label
    return "current" if age <= 0 else "120+"


def _expected(rows: list[dict[str, object]], start: date, end: date) -> dict[str, object]:
    def open_at(day: date) -> list[dict[str, object]]:
        return [r for r in rows if r["issued"] <= day < r["settled"]]  # type: ignore[operator]

    def cents(items: list[dict[str, object]]) -> int:
        return sum(int(r["cents"]) for r in items)  # type: ignore[call-overload]

    open_end = open_at(end)
    buckets: dict[str, int] = {}
    for r in open_end:
        label = _bucket((end - r["due"]).days)  # type: ignore[operator]
        buckets[label] = buckets.get(label, 0) + int(r["cents"])  # type: ignore[call-overload]
    ar = cents(open_end)
    current = cents([r for r in open_end if r["due"] >= end])  # type: ignore[operator]
    window = cents([r for r in rows if end - timedelta(days=89) <= r["issued"] <= end])  # type: ignore[operator]
    sales = cents([r for r in rows if start <= r["issued"] <= end])  # type: ignore[operator]
    begin = cents(open_at(start - timedelta(days=1)))
    settled = [r for r in rows if start <= r["settled"] <= end]  # type: ignore[operator]
    late = [max(0, (r["settled"] - r["due"]).days) for r in settled]  # type: ignore[operator]
    assert late == [r["days_late"] for r in settled]  # the file's own DaysLate agrees
    return {
        "buckets": {k: Decimal(v) / 100 for k, v in buckets.items()},
        "ar_total": Decimal(ar) / 100,
        "dso": _r2(Decimal(ar) / Decimal(window) * 90),
        "cei": _r2(Decimal(begin + sales - ar) / Decimal(begin + sales - current) * 100),
        "avg_days_late": _r2(Decimal(sum(late)) / len(late)),
    }


@pytest.mark.django_db
def test_ibm_sample_aging_dso_cei_and_days_late_equal_an_independent_computation() -> None:
    outcome = ledger_file_import(kind="invoices", path=IBM, mapping="ibm-accounts-receivable")
    assert outcome.ok
    rows = _rows()
    specs = [
        Spec("ar_by_bucket"),
        Spec("ar_total"),
        Spec("dso"),
        Spec("cei"),
        Spec("avg_days_late"),
    ]
    points = [Point.at(end, start) for start, end in QUARTERS]
    for name in engine_names():
        results = evaluate(engine_open(name), specs, points, book=None)
        for start, end in QUARTERS:
            expected = _expected(rows, start, end)
            got = [r for r in results if r.as_of == end]
            buckets = {r.dims["bucket"]: r.value for r in got if r.metric == "ar_by_bucket"}
            assert buckets == expected["buckets"], (name, end)
            values = {r.metric: r.value for r in got if r.metric != "ar_by_bucket"}
            assert values == {
                k: expected[k] for k in ("ar_total", "dso", "cei", "avg_days_late")
            }, (
                name,
                end,
            )
