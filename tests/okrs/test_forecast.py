"""Forecasts on series with a known trend."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from recoup.okrs.forecast import forecast_key_result

D = Decimal  # short for the many literals below

START = date(2026, 7, 1)
END = date(2026, 9, 30)


def _weekly(values: list[float]) -> list[tuple[date, D]]:
    return [(START + timedelta(days=7 * i), D(str(v))) for i, v in enumerate(values)]


def test_fewer_than_four_check_ins_give_no_forecast() -> None:
    f = forecast_key_result(
        series=_weekly([100, 98, 96]), ends_on=END, target=D(80), higher_is_better=False
    )
    assert f.probability is None
    assert f.projected_end_value is None
    assert (
        f.reason
        == "a forecast needs readings (the baseline and check-ins) on at least 4 dates, there are 3 so far"
    )


def test_the_reason_reads_right_with_a_single_check_in() -> None:
    f = forecast_key_result(
        series=_weekly([100]), ends_on=END, target=D(80), higher_is_better=False
    )
    assert f.reason.endswith("there is 1 so far")


def test_a_clearly_on_track_series_has_a_probability_near_one() -> None:
    # 90+ balance falling about 3 a week from 100 towards a target of 80 with 13 weeks in the cycle.
    series = _weekly([100, 96.5, 94.2, 90.8, 88.1, 85.3])
    f = forecast_key_result(series=series, ends_on=END, target=D(80), higher_is_better=False)
    assert f.probability is not None
    assert f.probability >= 0.97
    assert f.projected_end_value is not None
    assert 60 < f.projected_end_value < 70
    assert f.low is not None
    assert f.high is not None
    assert f.low <= f.high < 80


def test_a_clearly_failing_series_has_a_probability_near_zero() -> None:
    # Promise-kept rate to rise from 60 to 80, but it drifts down.
    series = _weekly([60, 59.5, 60.2, 58.9, 58.1, 58.4])
    f = forecast_key_result(series=series, ends_on=END, target=D(80), higher_is_better=True)
    assert f.probability is not None
    assert f.probability <= 0.03
    assert f.projected_end_value is not None
    assert f.projected_end_value < 60


def test_the_projection_follows_a_straight_line_exactly() -> None:
    series = _weekly([10, 12, 14, 16])  # +2 a week, 13 weeks to the end
    f = forecast_key_result(
        series=series, ends_on=START + timedelta(days=91), target=D(30), higher_is_better=True
    )
    assert f.projected_end_value is not None
    assert abs(f.projected_end_value - 36) < 1e-9
    # Every resampled path moves +2 a week: the range collapses onto the line.
    assert f.low == f.high == 36
    assert f.probability == 1.0


def test_the_forecast_is_the_same_every_time_for_the_same_history() -> None:
    series = _weekly([100, 97, 99, 93, 95, 90])
    first = forecast_key_result(series=series, ends_on=END, target=D(85), higher_is_better=False)
    second = forecast_key_result(series=series, ends_on=END, target=D(85), higher_is_better=False)
    assert first == second
    assert first.probability is not None
    assert 0.05 < first.probability < 0.95


def test_irregular_gaps_are_scaled_to_weekly_changes() -> None:
    # Two-week gaps with +4 each: the weekly change is +2, as with weekly check-ins.
    series = [(START + timedelta(days=14 * i), D(10 + 4 * i)) for i in range(4)]
    f = forecast_key_result(
        series=series, ends_on=START + timedelta(days=42 + 14), target=D(100), higher_is_better=True
    )
    assert f.low == f.high == 26


def test_a_share_falling_towards_zero_is_not_forecast_below_it() -> None:
    falling = [(date(2026, 7, 6) + timedelta(weeks=n), Decimal(8 - 2 * n)) for n in range(4)]
    result = forecast_key_result(
        series=falling,
        ends_on=date(2026, 9, 30),
        target=Decimal(1),
        higher_is_better=False,
        percent=True,
    )
    assert result.low is not None
    assert result.projected_end_value is not None
    assert result.low >= 0
    assert result.projected_end_value >= 0
