"""Plans, check-ins, status, overrides and roll-ups on the real database (SQLite or PostgreSQL),
with time frozen at chosen dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recoup.accounts.models import AuditEntry, User
from recoup.core.errors import RecoupError
from recoup.okrs import selectors, services
from recoup.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective
from recoup.okrs.plan import PlanError, plan_parse
from recoup.okrs.scoring import Status
from tests.okrs.conftest import PLAN

D = Decimal  # short for the many literals below

pytestmark = pytest.mark.django_db


def _kr(ref: str) -> KeyResult:
    return selectors.key_result_get(ref=ref)


def _checkin(ref: str, value: str | None, confidence: str = "on_track", **kw: object) -> CheckIn:
    return services.checkin_create(
        key_result=_kr(ref), value=None if value is None else D(value), confidence=confidence, **kw
    )  # type: ignore[arg-type]


def _state(ref: str, on: date) -> selectors.KeyResultState:
    return selectors.key_result_state(key_result=_kr(ref), today=on)


def test_applying_a_plan_creates_everything_it_declares(quarter: Cycle) -> None:
    assert quarter.checkin_weekday == 0
    assert Objective.objects.filter(cycle=quarter).count() == 2
    assert KeyResult.objects.filter(objective__cycle=quarter).count() == 5
    assert Initiative.objects.count() == 4
    fair = Objective.objects.get(key="fair")
    assert fair.parent is not None
    assert fair.parent.key == "cash"
    assert fair.team is not None
    assert fair.team.name == "North"
    assert User.objects.get(username="ben").teams.get().name == "North"
    assert not User.objects.get(username="ben").has_usable_password()


def test_reapplying_the_same_plan_changes_nothing(quarter: Cycle) -> None:
    audit_rows = AuditEntry.objects.count()
    report = services.plan_apply(plan=plan_parse(PLAN), via="test")
    assert not report.changed
    assert report.created == []
    assert report.updated == []
    assert AuditEntry.objects.count() == audit_rows


def test_reapplying_a_changed_plan_updates_only_what_changed(quarter: Cycle) -> None:
    changed = PLAN.replace("target: 400000", "target: 350000").replace(
        "            title: Set deadlines per course\n",
        "            title: Set deadlines per course\n            status: done\n",
    )
    report = services.plan_apply(plan=plan_parse(changed), via="test")
    assert report.created == []
    assert report.updated == ["initiative fair/training/deadlines", "key result cash/ninety"]
    assert _kr("cash/ninety").target == D(350000)
    entry = AuditEntry.objects.filter(action="okr_key_result_update").get()
    assert entry.before == {"target": "400000.000000"}
    assert entry.after == {"target": "350000"}


def test_a_dry_run_reports_changes_and_writes_nothing(db: None) -> None:
    report = services.plan_apply(plan=plan_parse(PLAN), via="test", dry_run=True)
    assert "cycle 2026-Q3" in report.created
    assert "key result cash/ninety" in report.created
    assert not Cycle.objects.exists()
    assert not User.objects.filter(username="ana").exists()


def test_unknown_owners_and_parents_are_reported_with_their_lines_and_nothing_is_written(
    db: None,
) -> None:
    text = PLAN.replace(
        "        owner: ben\n      - key: disputes", "        owner: zoe\n      - key: disputes"
    ).replace("parent: cash", "parent: nowhere")
    with pytest.raises(PlanError) as info:
        services.plan_apply(plan=plan_parse(text, source="q.yaml"), via="test")
    assert info.value.problems == [
        (33, "key result cash/promises: no user 'zoe'; add it under people: or create it first"),
        (44, "objective 'fair': parent 'nowhere' is not an objective of this plan"),
    ]
    assert not Cycle.objects.exists()


def test_a_wrong_direction_is_reported_at_the_key_result_line(db: None) -> None:
    text = PLAN.replace("target: 400000", "target: 600000")
    with pytest.raises(PlanError) as info:
        services.plan_apply(plan=plan_parse(text, source="q.yaml"), via="test")
    assert info.value.problems[0][0] == 24
    assert "'decrease_to' needs a target below the baseline" in info.value.problems[0][1]
    assert not Cycle.objects.exists()


@time_machine.travel("2026-08-15 12:00Z", tick=False)
def test_progress_expected_progress_and_status_at_mid_quarter(quarter: Cycle) -> None:
    _checkin("cash/ninety", "450000")  # half way down: 0.5 vs expected 45/91 = 0.495
    _checkin("cash/promises", "63", "at_risk")  # 0.15 vs 0.495: 34.5 points behind
    ninety = _state("cash/ninety", date(2026, 8, 15))
    assert ninety.progress == 0.5
    assert ninety.expected == pytest.approx(45 / 91)
    assert ninety.status == Status.ON_TRACK
    promises = _state("cash/promises", date(2026, 8, 15))
    assert promises.progress == pytest.approx(0.15)
    assert promises.status == Status.OFF_TRACK
    status = selectors.cycle_status(cycle=quarter, today=date(2026, 8, 15))
    cash = status.objectives[0]
    # Weighted: (0.5 * 2 + 0.15 * 1) / 3; the stay-below key result has no check-in yet.
    assert cash.progress == pytest.approx((0.5 * 2 + 0.15) / 3)
    assert cash.status == Status.AT_RISK


@time_machine.travel("2026-08-15 12:00Z", tick=False)
def test_over_achievement_is_kept_in_progress_and_capped_in_the_score(quarter: Cycle) -> None:
    _checkin("cash/ninety", "350000")
    state = _state("cash/ninety", date(2026, 8, 15))
    assert state.progress == 1.5
    assert state.score == 1.0
    assert state.colour == "green"


def test_stay_below_counts_the_share_of_check_ins_inside_the_band(quarter: Cycle) -> None:
    for day, value in [
        ("2026-07-06", "4"),
        ("2026-07-13", "6"),
        ("2026-07-20", "5"),
        ("2026-07-27", "3"),
    ]:
        with time_machine.travel(f"{day} 09:00Z", tick=False):
            _checkin("cash/disputes", value)
    state = _state("cash/disputes", date(2026, 7, 28))
    assert state.progress == 0.75
    assert state.expected == 1.0
    assert state.status == Status.AT_RISK  # 25 points short of always inside the band


def test_task_tracked_progress_follows_initiatives_and_ignores_cancelled_ones(
    quarter: Cycle,
) -> None:
    assert _state("fair/training", date(2026, 8, 15)).progress == pytest.approx(1 / 3)
    chase = Initiative.objects.get(key="chase")
    services.initiative_update(initiative=chase, changes={"status": "done"}, via="test")
    assert _state("fair/training", date(2026, 8, 15)).progress == pytest.approx(2 / 3)


def test_task_tracked_key_results_take_no_check_in_values(quarter: Cycle) -> None:
    with pytest.raises(RecoupError, match="moves with its initiatives"):
        _checkin("fair/training", "1")


def test_a_milestone_is_expected_on_its_due_date_and_reached_by_checking_in_one(
    quarter: Cycle,
) -> None:
    with time_machine.travel("2026-09-14 09:00Z", tick=False):
        _checkin("fair/audit", "0")
        assert _state("fair/audit", date(2026, 9, 14)).status == Status.ON_TRACK
    with time_machine.travel("2026-09-16 09:00Z", tick=False):
        assert _state("fair/audit", date(2026, 9, 16)).status == Status.OFF_TRACK
        _checkin("fair/audit", "1")
        assert _state("fair/audit", date(2026, 9, 16)).progress == 1.0
        assert _state("fair/audit", date(2026, 9, 16)).status == Status.ON_TRACK
    with pytest.raises(RecoupError, match="milestone check-in is 1"):
        _checkin("fair/audit", "0.5")


def test_the_third_at_risk_check_in_in_a_row_is_refused(quarter: Cycle) -> None:
    _checkin("cash/promises", "61", "at_risk")
    _checkin("cash/promises", "62", "at_risk")
    with pytest.raises(
        RecoupError, match="must say whether the key result is on track or off track"
    ):
        _checkin("cash/promises", "62", "at_risk")
    _checkin("cash/promises", "62", "off_track", comment="two weeks stuck: calling it")
    _checkin("cash/promises", "64", "at_risk")  # the run was broken
    assert CheckIn.objects.filter(key_result=_kr("cash/promises")).count() == 4


def test_check_ins_keep_their_full_history_with_author_and_source(quarter: Cycle) -> None:
    ben = User.objects.get(username="ben")
    with time_machine.travel("2026-07-06 09:00Z", tick=False):
        _checkin("cash/promises", "61", comment="first week", author=ben)
    with time_machine.travel("2026-07-13 09:00Z", tick=False):
        _checkin("cash/promises", "63", "at_risk", author=ben)
    history = selectors.key_result_history(key_result=_kr("cash/promises"))
    assert [(h.value, h.data_date, h.confidence, h.author, h.source) for h in history] == [
        (D(61), date(2026, 7, 6), "on_track", "ben", "manual"),
        (D(63), date(2026, 7, 13), "at_risk", "ben", "manual"),
    ]


def test_a_numeric_check_in_needs_a_value(quarter: Cycle) -> None:
    with pytest.raises(RecoupError, match="needs a value"):
        _checkin("cash/promises", None)


def test_a_missed_weekly_check_in_turns_the_status_outdated(quarter: Cycle) -> None:
    with time_machine.travel("2026-07-06 09:00Z", tick=False):
        _checkin("cash/ninety", "490000")
    # Due again Monday 13 July: still fine on the 15th, outdated from the 16th.
    assert _state("cash/ninety", date(2026, 7, 15)).status == Status.ON_TRACK
    late = _state("cash/ninety", date(2026, 7, 16))
    assert late.outdated
    assert late.status == Status.OUTDATED
    assert late.computed_status == Status.ON_TRACK


def test_an_override_needs_a_reason_and_wins_over_the_computed_status(quarter: Cycle) -> None:
    with time_machine.travel("2026-07-06 09:00Z", tick=False):
        _checkin("cash/ninety", "495000")
        with pytest.raises(RecoupError, match="reason is required"):
            services.status_override_set(
                key_result=_kr("cash/ninety"), status="at_risk", reason="  "
            )
        services.status_override_set(
            key_result=_kr("cash/ninety"),
            status="at_risk",
            reason="largest debtor filed for insolvency",
        )
    state = _state("cash/ninety", date(2026, 7, 7))
    assert state.status == Status.AT_RISK
    assert state.computed_status == Status.ON_TRACK
    assert state.override_reason == "largest debtor filed for insolvency"
    # Outdated still wins over the override.
    assert _state("cash/ninety", date(2026, 7, 16)).status == Status.OUTDATED
    with time_machine.travel("2026-07-07 09:00Z", tick=False):
        assert services.status_override_clear(key_result=_kr("cash/ninety")) == 1
    assert _state("cash/ninety", date(2026, 7, 7)).status == Status.ON_TRACK


def test_a_roll_up_key_result_averages_its_children_by_weight(quarter: Cycle) -> None:
    parent_objective = Objective.objects.get(key="cash")
    roll = services.key_result_create(
        objective=parent_objective,
        key="overall",
        title="Overall collections health",
        kind="roll_up",
        via="test",
    )
    services.key_result_update(
        key_result=_kr("cash/ninety"), changes={"rolls_up_into": roll}, via="test"
    )
    services.key_result_update(
        key_result=_kr("cash/promises"), changes={"rolls_up_into": roll}, via="test"
    )
    with time_machine.travel("2026-08-15 09:00Z", tick=False):
        _checkin("cash/ninety", "450000")  # 0.5, weight 2
        _checkin("cash/promises", "80")  # 1.0, weight 1
    assert _state("cash/overall", date(2026, 8, 15)).progress == pytest.approx(2 / 3)
    with pytest.raises(RecoupError, match="not a roll-up"):
        services.key_result_update(
            key_result=_kr("cash/promises"), changes={"rolls_up_into": _kr("cash/ninety")}
        )


def test_aligning_an_objective_under_its_own_child_is_refused(quarter: Cycle) -> None:
    cash = Objective.objects.get(key="cash")
    fair = Objective.objects.get(key="fair")
    with pytest.raises(RecoupError, match="makes a loop"):
        services.objective_update(objective=cash, changes={"parent": fair})


def test_the_alignment_tree_nests_objectives_under_their_parents(quarter: Cycle) -> None:
    tree = selectors.alignment_tree(cycle=quarter, today=date(2026, 8, 1))
    assert [n["key"] for n in tree] == ["cash"]
    assert [c["key"] for c in tree[0]["children"]] == ["fair"]
    assert [k["ref"] for k in tree[0]["children"][0]["key_results"]] == [
        "fair/training",
        "fair/audit",
    ]


def test_the_status_json_names_every_documented_field(quarter: Cycle) -> None:
    with time_machine.travel("2026-07-06 09:00Z", tick=False):
        _checkin("cash/ninety", "495000")
    data = selectors.cycle_status(cycle=quarter, today=date(2026, 7, 6)).as_json()
    assert data["cycle"] == "2026-Q3"
    assert data["as_of"] == "2026-07-06"
    kr = data["objectives"][0]["key_results"][0]
    assert kr["ref"] == "cash/ninety"
    assert kr["latest_value"] == "495000.000000"
    assert kr["progress"] == 0.05
    assert kr["status"] == "on_track"
    assert set(data["objectives"][0]) >= {
        "key",
        "title",
        "progress",
        "expected",
        "status",
        "score",
        "colour",
        "key_results",
    }


def test_a_relative_target_is_set_from_the_baseline(db: None) -> None:
    text = PLAN.replace("target: 80\n", "target: +25%\n")
    services.plan_apply(plan=plan_parse(text), via="test")
    kr = _kr("cash/promises")
    assert kr.target == D(75)
    assert kr.target_change_pct == D(25)
    again = services.plan_apply(plan=plan_parse(text), via="test")
    assert not again.changed


def test_end_of_cycle_scores_roll_up_with_weights_and_flag_committed_misses(quarter: Cycle) -> None:
    with time_machine.travel("2026-09-28 09:00Z", tick=False):
        _checkin("cash/ninety", "400000")  # 1.0, weight 2
        _checkin("cash/promises", "70")  # 0.5
        _checkin("cash/disputes", "4")  # 1.0
    cash = selectors.cycle_status(cycle=quarter, today=date(2026, 9, 30)).objectives[0]
    assert [k.score for k in cash.key_results] == [1.0, 0.5, 1.0]
    assert cash.score == 0.9
    assert cash.colour == "green"
    assert cash.meets_commitment is False


def test_an_automatic_reading_that_would_be_a_third_at_risk_says_off_track(quarter: Cycle) -> None:
    kr = _kr("cash/promises")
    on = date(2026, 8, 15)  # expected progress 45/91: a value of 66 (0.3) is about 20 points behind
    assert selectors.key_result_confidence_for(key_result=kr, value=D(66), on=on) == "at_risk"
    _checkin("cash/promises", "65", "at_risk")
    _checkin("cash/promises", "65", "at_risk")
    assert selectors.key_result_confidence_for(key_result=kr, value=D(66), on=on) == "off_track"
    assert selectors.key_result_confidence_for(key_result=kr, value=D(72), on=on) == "on_track"


def test_a_plan_declares_roll_up_children_across_objectives(db: None) -> None:
    text = PLAN + (
        "  - key: company\n"
        "    title: A healthier receivables book\n"
        "    owner: ana\n"
        "    key_results:\n"
        "      - key: health\n"
        "        title: Collections health across teams\n"
        "        kind: roll_up\n"
        "        owner: ana\n"
        "        children: [cash/ninety, cash/promises]\n"
    )
    services.plan_apply(plan=plan_parse(text), via="test")
    assert {k.key for k in _kr("company/health").rolled_up_from.all()} == {"ninety", "promises"}
    assert not services.plan_apply(plan=plan_parse(text), via="test").changed
    with time_machine.travel("2026-08-15 09:00Z", tick=False):
        _checkin("cash/ninety", "450000")  # 0.5, weight 2
        _checkin("cash/promises", "80")  # 1.0, weight 1
    assert _state("company/health", date(2026, 8, 15)).progress == pytest.approx(2 / 3)
    bad = text.replace("children: [cash/ninety, cash/promises]", "children: [cash/nothing]")
    with pytest.raises(PlanError, match="child 'cash/nothing' is not a key result of this plan"):
        services.plan_apply(plan=plan_parse(bad), via="test")


def test_only_a_kpi_bound_key_result_learns_a_curve(quarter: Cycle) -> None:
    with pytest.raises(RecoupError, match="not bound to a KPI"):
        services.key_result_curve_learn(key_result=_kr("cash/ninety"), via="test")


def test_an_unknown_kpi_or_filter_is_reported_at_the_metric_line(db: None) -> None:
    text = PLAN.replace(
        "        target: 5\n        owner: ben\n",
        "        target: 5\n        owner: ben\n        metric: {id: dispute_rate, filters: {planet: [Mars]}}\n",
    ).replace(
        "        target: 80\n",
        "        target: 80\n        metric: promises_kept_typo\n",
    )
    with pytest.raises(PlanError) as info:
        services.plan_apply(plan=plan_parse(text, source="q.yaml"), via="test")
    (line_a, msg_a), (line_b, msg_b) = info.value.problems
    assert line_a == 33
    assert msg_a.startswith(
        "key result cash/promises: KPI 'promises_kept_typo' is not in the catalogue"
    )
    assert line_b == 41
    assert msg_b.startswith("key result cash/disputes: dispute_rate cannot be filtered by planet")
    assert not Cycle.objects.exists()


def test_status_reads_a_cycle_in_the_same_number_of_queries_whatever_its_size(
    quarter: Cycle,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.cycle_status(cycle=quarter, today=date(2026, 8, 1))
        return len(ctx.captured_queries)

    small = queries()
    bigger = PLAN + "".join(
        f"  - key: extra-{i}\n    title: Extra {i}\n    owner: ana\n    team: North\n    key_results:\n"
        f"      - key: k\n        title: K {i}\n        kind: increase_to\n        unit: count\n"
        f"        baseline: 1\n        target: 2\n        owner: ben\n"
        for i in range(5)
    )
    services.plan_apply(plan=plan_parse(bigger), via="test")
    for kr in KeyResult.objects.filter(objective__key__startswith="extra-"):
        services.checkin_create(key_result=kr, value=D("1.5"), confidence="on_track")
    assert queries() == small
