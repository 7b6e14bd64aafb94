"""Every worked example in PRODUCT.md, first as pure formulas, then through the engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recoup.metrics import formulas as f
from tests.metrics.builder import Ledger
from tests.metrics.conftest import Compute

D = Decimal


def test_simple_dso_is_ar_over_credit_sales_times_days() -> None:
    assert f.round2(f.dso(D(150_000), D(1_800_000), 365)) == D("30.42")


def test_countback_dso_with_thirty_day_months_absorbs_two_months_and_part_of_the_third() -> None:
    result = f.dso_countback(D(212_000), [D(100_000), D(80_000), D(70_000)], [30, 30, 30])
    assert f.round2(result) == D("73.71")
    assert result == 60 + D(32) / D(70) * 30


def test_jd_edwards_dso_over_ninety_days() -> None:
    assert f.round2(f.dso(D(10_869), D(5_538 + 4_566 + 7_570), 90)) == D("55.35")


def test_add_is_dso_less_best_possible_dso_first_example() -> None:
    dso = f.dso(D(15_000), D(10_000), 30)
    bpdso = f.bpdso(D(4_000), D(10_000), 30)
    assert (dso, bpdso, f.add(dso, bpdso)) == (D(45), D(12), D(33))


def test_add_is_dso_less_best_possible_dso_second_example() -> None:
    dso = f.dso(D(25_000), D(15_000), 30)
    bpdso = f.bpdso(D(6_000), D(15_000), 30)
    assert f.round2(dso) == D(50)
    assert f.round2(bpdso) == D(12)
    assert f.round2(f.add(dso, bpdso)) == D(38)


def test_cei_with_sales_divided_by_three_months() -> None:
    assert f.round2(f.cei(D(6_200), D(10_890) / 3, D(6_340), D(3_590))) == D("55.93")


def test_cei_with_full_period_sales() -> None:
    assert f.round2(f.cei(D(6_200), D(10_890), D(6_340), D(3_590))) == D("79.63")


def test_cei_second_example_is_ninety_eight_percent() -> None:
    assert f.round2(f.cei(D(100_000), D(1_000_000), D(120_000), D(100_000))) == D("98.00")


def test_roll_rate_is_share_moving_to_the_next_bucket() -> None:
    assert f.roll_rate(D(200_000), D(1_000_000)) == D(20)


def test_liquidation_rate_is_collected_over_placed() -> None:
    assert f.percent(D(100_000), D(1_000_000)) == D(10)


def test_bad_debt_ratio_is_written_off_over_sales() -> None:
    assert f.percent(D(1_000), D(100_000)) == D(1)


def test_average_days_to_pay_is_the_mean() -> None:
    assert f.mean(D(5 + 10 + 15), D(3)) == D(10)


def test_ratios_with_a_zero_denominator_are_undefined() -> None:
    assert f.dso(D(10), D(0), 90) is None
    assert f.cei(D(0), D(0), D(0), D(0)) is None
    assert f.dso_countback(D(10), [D(0)], [30]) is None


# -- the same examples through the engine, on tiny ledgers --------------------------------------


@pytest.mark.django_db
def test_simple_dso_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    # 1,800,000 of sales spread over the 365-day window; 150,000 of it still open.
    for month in range(1, 13):
        invoice = ledger.invoice("Acme", "150000", issued=f"2023-{month:02d}-10", due="2023-12-31")
        if month < 12:
            ledger.pay(invoice, "150000", on="2023-12-20")
    assert compute("dso", date(2023, 12, 31), window="365") == D("30.42")


@pytest.mark.django_db
def test_countback_dso_through_the_engine_with_thirty_day_months(compute: Compute) -> None:
    ledger = Ledger()
    ledger.invoice("Acme", "100000", issued="2024-03-10", due="2024-04-09")
    ledger.invoice("Acme", "80000", issued="2024-02-10", due="2024-03-11")
    january = ledger.invoice("Acme", "70000", issued="2024-01-10", due="2024-02-09")
    ledger.pay(january, "38000", on="2024-02-01")
    assert compute("ar_total", date(2024, 3, 31)) == D("212000.00")
    assert compute("dso_countback", date(2024, 3, 31), months="30day") == D("73.71")


@pytest.mark.django_db
def test_add_examples_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    ledger.invoice("Acme", "4000", issued="2024-03-20", due="2024-04-19")  # current
    ledger.invoice("Acme", "6000", issued="2024-03-05", due="2024-03-20")  # in window, overdue
    ledger.invoice("Acme", "5000", issued="2024-01-05", due="2024-02-04")  # before the window
    as_of = date(2024, 3, 31)
    assert compute("dso", as_of, window="30") == D("45.00")
    assert compute("bpdso", as_of, window="30") == D("12.00")
    assert compute("add", as_of, window="30") == D("33.00")


@pytest.mark.django_db
def test_cei_example_through_the_engine_with_both_sales_terms(compute: Compute) -> None:
    ledger = Ledger()
    old = ledger.invoice("Acme", "6200", issued="2023-12-01", due="2023-12-31")
    jan = ledger.invoice("Acme", "3000", issued="2024-01-15", due="2024-02-14")
    feb = ledger.invoice("Acme", "4300", issued="2024-02-10", due="2024-03-11")
    ledger.invoice("Acme", "3590", issued="2024-03-31", due="2024-04-30")
    ledger.pay(old, "6200", on="2024-02-01")
    ledger.pay(jan, "3000", on="2024-02-20")
    ledger.pay(feb, "1550", on="2024-03-20")
    start, end = date(2024, 1, 1), date(2024, 3, 31)
    assert compute("cei", end, start) == D("79.63")
    assert compute("cei", end, start, sales_term="monthly") == D("55.93")


@pytest.mark.django_db
def test_second_cei_example_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    old = ledger.invoice("Acme", "100000", issued="2023-12-01", due="2023-12-31")
    sale = ledger.invoice("Acme", "900000", issued="2024-01-10", due="2024-02-09")
    ledger.invoice("Acme", "100000", issued="2024-03-25", due="2024-04-24")
    ledger.pay(old, "100000", on="2024-01-20")
    ledger.pay(sale, "880000", on="2024-02-20")
    assert compute("cei", date(2024, 3, 31), date(2024, 1, 1)) == D("98.00")


@pytest.mark.django_db
def test_roll_rate_example_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    invoice = ledger.invoice("Acme", "1000000", issued="2022-11-25", due="2022-12-25")
    ledger.pay(invoice, "800000", on="2023-02-15")
    params = {"buckets": "29,59,89", "from_bucket": "30-59"}
    assert compute("roll_rate", date(2023, 2, 28), **params) == D("20.00")
    assert compute("roll_rate", date(2023, 2, 28), by="count", **params) == D("100.00")


@pytest.mark.django_db
def test_liquidation_rate_example_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    invoice = ledger.invoice("Acme", "1000000", issued="2023-01-10", due="2023-02-09")
    ledger.place(invoice, "Agency A", on="2023-06-01", amount="1000000")
    ledger.pay(invoice, "100000", on="2023-06-20")
    assert compute("liquidation_rate", date(2023, 6, 30)) == D("10.00")
    assert compute("recovery_rate", date(2023, 6, 30)) == D("10.00")


@pytest.mark.django_db
def test_bad_debt_ratio_example_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    invoice = ledger.invoice("Acme", "100000", issued="2024-03-01", due="2024-03-31")
    ledger.adjust(invoice, "1000", on="2024-03-20", kind="write_off")
    assert compute("write_off_ratio", date(2024, 3, 31)) == D("1.00")


@pytest.mark.django_db
def test_average_days_to_pay_example_through_the_engine(compute: Compute) -> None:
    ledger = Ledger()
    for days in (5, 10, 15):
        invoice = ledger.invoice("Acme", "100", issued="2024-03-01", due="2024-03-31")
        ledger.pay(invoice, "100", on=f"2024-03-{1 + days:02d}")
    assert compute("avg_days_to_pay", date(2024, 3, 31)) == D("10.00")
