"""Every OKR formula and rule, with cases on both sides of each threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.core.errors import RecoupError
from recoup.okrs import scoring
from recoup.okrs.scoring import ScoreColour, Status, Thresholds

D = Decimal  # short for the many literals below

Q3 = (date(2026, 7, 1), date(2026, 9, 30))


def test_increase_progress_is_the_share_of_the_way_from_baseline_to_target() -> None:
    assert scoring.progress_increase(baseline=D(60), target=D(80), actual=D(70)) == 0.5


def test_increase_progress_keeps_over_achievement_above_one() -> None:
    assert scoring.progress_increase(baseline=D(60), target=D(80), actual=D(90)) == 1.5


def test_increase_progress_below_the_baseline_is_negative() -> None:
    assert scoring.progress_increase(baseline=D(60), target=D(80), actual=D(55)) == -0.25


def test_increase_with_a_target_not_above_the_baseline_is_refused() -> None:
    with pytest.raises(scoring.ProgressError, match="above its baseline"):
        scoring.progress_increase(baseline=D(80), target=D(80), actual=D(90))


def test_decrease_progress_is_the_share_of_the_way_down_to_target() -> None:
    # 90+ balance from 500,000 to a target of 400,000; now 425,000: three quarters of the way.
    assert scoring.progress_decrease(baseline=D(500000), target=D(400000), actual=D(425000)) == 0.75


def test_decrease_progress_keeps_over_achievement_and_shows_regression() -> None:
    assert scoring.progress_decrease(baseline=D(100), target=D(80), actual=D(70)) == 1.5
    assert scoring.progress_decrease(baseline=D(100), target=D(80), actual=D(110)) == -0.5


def test_decrease_with_a_target_not_below_the_baseline_is_refused() -> None:
    with pytest.raises(scoring.ProgressError, match="below its baseline"):
        scoring.progress_decrease(baseline=D(80), target=D(90), actual=D(70))


@given(
    baseline=st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    gap=st.decimals(min_value=D("0.01"), max_value=10**6, places=2),
    share=st.fractions(min_value=-2, max_value=3),
)
def test_increase_and_decrease_progress_mirror_each_other(
    baseline: D, gap: D, share: object
) -> None:
    from fractions import Fraction

    assert isinstance(share, Fraction)
    actual_up = baseline + gap * D(share.numerator) / D(share.denominator)
    actual_down = baseline - gap * D(share.numerator) / D(share.denominator)
    up = scoring.progress_increase(baseline=baseline, target=baseline + gap, actual=actual_up)
    down = scoring.progress_decrease(baseline=baseline, target=baseline - gap, actual=actual_down)
    assert up == pytest.approx(down, abs=1e-9)
    assert up == pytest.approx(float(share), abs=1e-9)


def test_stay_above_is_the_share_of_check_ins_at_or_above_the_target() -> None:
    values = [D(96), D(95), D(94), D(97)]
    assert scoring.progress_in_band(values=values, target=D(95), above=True) == 0.75


def test_stay_below_is_the_share_of_check_ins_at_or_below_the_target() -> None:
    values = [D(4), D(6), D(5), D(7)]
    assert scoring.progress_in_band(values=values, target=D(5), above=False) == 0.5


def test_stay_in_band_without_check_ins_has_no_progress() -> None:
    assert scoring.progress_in_band(values=[], target=D(5), above=False) is None


def test_milestone_is_reached_at_one_and_not_before() -> None:
    assert scoring.progress_milestone(latest=D(1)) == 1.0
    assert scoring.progress_milestone(latest=D(0)) == 0.0
    assert scoring.progress_milestone(latest=None) == 0.0


def test_task_tracked_progress_is_the_share_of_initiatives_done() -> None:
    assert scoring.progress_task_tracked(done=1, total=4) == 0.25
    assert scoring.progress_task_tracked(done=0, total=0) is None


def test_objective_progress_is_the_weighted_average_of_its_key_results() -> None:
    items = [(1.0, D(2)), (0.4, D(1)), (None, D(5))]
    assert scoring.weighted_progress(items) == pytest.approx(0.8)
    assert scoring.weighted_progress([(None, D(1))]) is None


def test_expected_progress_is_linear_over_the_cycle_and_bounded() -> None:
    start, end = Q3
    assert scoring.expected_progress_linear(starts_on=start, ends_on=end, on=start) == 0.0
    # 2026-08-15 is 45 of the 91 days in.
    assert scoring.expected_progress_linear(
        starts_on=start, ends_on=end, on=date(2026, 8, 15)
    ) == pytest.approx(45 / 91)
    assert (
        scoring.expected_progress_linear(starts_on=start, ends_on=end, on=date(2026, 10, 5)) == 1.0
    )
    assert (
        scoring.expected_progress_linear(starts_on=start, ends_on=end, on=date(2026, 6, 1)) == 0.0
    )


def test_expected_progress_of_a_milestone_jumps_on_its_due_date() -> None:
    due = date(2026, 9, 15)
    assert scoring.expected_progress_milestone(due_on=due, on=date(2026, 9, 14)) == 0.0
    assert scoring.expected_progress_milestone(due_on=due, on=due) == 1.0


def test_a_learned_curve_never_goes_backwards_or_outside_zero_to_one() -> None:
    # Down first, then up past the start: raw shares -1, 0.5, 1.
    assert scoring.learn_seasonal_curve([[10, 8, 11, 12]]) == [0.0, 0.5, 1.0]
    assert scoring.learn_seasonal_curve([[10, 10, 10]]) == []


def test_a_learned_seasonal_curve_sets_expected_progress_between_weeks() -> None:
    # Two past quarters that moved little early and a lot late.
    curve = scoring.learn_seasonal_curve([[0, 1, 2, 10], [100, 101, 103, 110]])
    assert curve == pytest.approx([0.1, 0.25, 1.0])
    start = date(2026, 7, 1)
    on = date(2026, 7, 1 + 7 + 3)  # a week and three days in
    expected = scoring.expected_progress_seasonal(
        curve=curve, starts_on=start, ends_on=date(2026, 7, 22), on=on
    )
    assert expected == pytest.approx(0.1 + (0.25 - 0.1) * 3 / 7)
    linear = scoring.expected_progress_seasonal(
        curve=[], starts_on=start, ends_on=date(2026, 7, 22), on=on
    )
    assert linear == pytest.approx(10 / 21)


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (0.50, 0.50, Status.ON_TRACK),
        (0.90, 0.50, Status.ON_TRACK),  # ahead is on track
        (0.40, 0.50, Status.ON_TRACK),  # exactly 10 points behind
        (0.39, 0.50, Status.AT_RISK),  # 11 points behind
        (0.25, 0.50, Status.AT_RISK),  # exactly 25 points behind
        (0.24, 0.50, Status.OFF_TRACK),  # 26 points behind
        (-0.2, 0.10, Status.OFF_TRACK),
    ],
)
def test_status_compares_progress_with_expectation(
    actual: float, expected: float, status: Status
) -> None:
    assert (
        scoring.status_from_progress(actual=actual, expected=expected, thresholds=Thresholds())
        == status
    )


def test_status_thresholds_are_configurable() -> None:
    strict = Thresholds(on_track_within=5, at_risk_within=10)
    assert (
        scoring.status_from_progress(actual=0.42, expected=0.5, thresholds=strict) == Status.AT_RISK
    )
    assert (
        scoring.status_from_progress(actual=0.39, expected=0.5, thresholds=strict)
        == Status.OFF_TRACK
    )
    assert (
        scoring.status_from_progress(actual=0.39, expected=0.5, thresholds=Thresholds())
        == Status.AT_RISK
    )


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(RecoupError, match="on_track_within"):
        Thresholds(on_track_within=30, at_risk_within=20)


def test_check_ins_are_due_each_week_on_the_cycle_weekday() -> None:
    start, end = Q3  # 2026-07-01 is a Wednesday; Mondays follow from the 6th
    dues = scoring.checkin_due_dates(
        starts_on=start, ends_on=end, weekday=0, until=date(2026, 7, 20)
    )
    assert dues == [date(2026, 7, 6), date(2026, 7, 13), date(2026, 7, 20)]


def _outdated(last: date | None, today: date) -> bool:
    start, end = Q3
    return scoring.is_outdated(
        last_checkin_on=last, today=today, starts_on=start, ends_on=end, weekday=0
    )


def test_a_check_in_is_outdated_three_days_after_it_was_due() -> None:
    # Due Monday 13 July; the last check-in was on Monday 6 July.
    assert not _outdated(date(2026, 7, 6), date(2026, 7, 15))
    assert _outdated(date(2026, 7, 6), date(2026, 7, 16))


def test_a_check_in_during_the_week_before_the_due_date_counts() -> None:
    assert not _outdated(date(2026, 7, 10), date(2026, 7, 16))
    assert not _outdated(date(2026, 7, 7), date(2026, 7, 16))


def test_nothing_is_outdated_before_the_first_due_date_plus_grace() -> None:
    assert not _outdated(None, date(2026, 7, 8))
    assert _outdated(None, date(2026, 7, 9))


def test_two_at_risk_check_ins_in_a_row_force_a_call_on_the_third() -> None:
    problem = scoring.at_risk_rule_violation(
        previous=["on_track", "at_risk", "at_risk"], new="at_risk"
    )
    assert problem is not None
    assert problem == scoring.AT_RISK_NOW
    assert "must say whether the key result is on track or off track" in problem
    assert scoring.at_risk_rule_violation(previous=["at_risk", "at_risk"], new="off_track") is None
    assert scoring.at_risk_rule_violation(previous=["at_risk", "at_risk"], new="on_track") is None


def test_at_risk_is_allowed_after_one_at_risk_or_a_break() -> None:
    assert scoring.at_risk_rule_violation(previous=["at_risk"], new="at_risk") is None
    assert scoring.at_risk_rule_violation(previous=["at_risk", "on_track"], new="at_risk") is None
    assert scoring.at_risk_rule_violation(previous=[], new="at_risk") is None


def test_outdated_overrides_both_an_override_and_the_computed_status() -> None:
    assert (
        scoring.effective_status(computed=Status.ON_TRACK, outdated=True, override="off_track")
        == Status.OUTDATED
    )
    assert (
        scoring.effective_status(computed=Status.ON_TRACK, outdated=False, override="off_track")
        == Status.OFF_TRACK
    )
    assert (
        scoring.effective_status(computed=Status.AT_RISK, outdated=False, override=None)
        == Status.AT_RISK
    )


@pytest.mark.parametrize(
    ("progress", "score", "colour"),
    [
        (1.4, 1.0, ScoreColour.GREEN),
        (0.7, 0.7, ScoreColour.GREEN),
        (0.64, 0.6, ScoreColour.YELLOW),
        (0.4, 0.4, ScoreColour.YELLOW),
        (0.34, 0.3, ScoreColour.RED),
        (-0.5, 0.0, ScoreColour.RED),
        (None, 0.0, ScoreColour.RED),
    ],
)
def test_end_of_cycle_score_is_bounded_and_coloured(
    progress: float | None, score: float, colour: ScoreColour
) -> None:
    assert scoring.end_of_cycle_score(progress) == score
    assert scoring.score_colour(scoring.end_of_cycle_score(progress)) == colour


def test_shifting_by_months_clips_to_the_end_of_the_month() -> None:
    assert scoring.shift_months(date(2026, 7, 1), -3) == date(2026, 4, 1)
    assert scoring.shift_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert scoring.shift_months(date(2026, 1, 15), -13) == date(2024, 12, 15)
