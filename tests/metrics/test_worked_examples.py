"""Every worked example in PRODUCT.md, first as pure formulas, then through the engine."""

from __future__ import annotations

from decimal import Decimal

from recoup.metrics import formulas as f

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
