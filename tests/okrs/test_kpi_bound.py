"""Key results bound to KPIs, on a demo ledger: baselines read at cycle start, weekly automatic
check-ins stamped with their data date, values identical to `recoup kpi`, the scheduled job, and
target suggestions from the team's own history."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from recoup.accounts.scope import Scope
from recoup.demo.services import demo_ledger_clear, demo_ledger_generate
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.selectors import metric_evaluate
from recoup.okrs import selectors, services, tasks
from recoup.okrs.models import BaselineSource, CheckIn, KeyResult
from recoup.okrs.plan import PlanError, plan_parse
from tests.demo.conftest import remove_demo_people

EVERYTHING = Scope.organisation("tests")

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "okrs" / "debt-collection.yaml"
AS_OF = date(2026, 9, 30)
CYCLE_START = date(2026, 7, 1)
MONDAYS = [date(2026, 7, 6), date(2026, 7, 13)]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        demo_ledger_generate(invoices=1500, seed=7, as_of=AS_OF)
        yield
        demo_ledger_clear()
        remove_demo_people()


@pytest.fixture
def applied(demo: None) -> list[KeyResult]:
    with time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        services.plan_apply(plan=plan_parse(EXAMPLE.read_text(), source=EXAMPLE.name), via="test")
    return list(KeyResult.objects.exclude(metric="").select_related("objective"))


def _recoup_kpi(kr: KeyResult, on: date) -> Decimal | None:
    args = ["--as-of", on.isoformat(), "--metric", kr.metric, "--format", "json"]
    for dim, values in kr.metric_filters.items():
        args += ["--filter", f"{dim}={','.join(values)}"]
    for name, value in kr.metric_params.items():
        args += ["--param", f"{kr.metric}.{name}={value}"]
    if kr.metric_window_days:
        args += ["--from", (on - timedelta(days=kr.metric_window_days - 1)).isoformat()]
    out = StringIO()
    call_command("kpi", *args, stdout=out)
    value = json.loads(out.getvalue())["results"][0]["value"]
    return None if value is None else Decimal(value)


def test_kpi_bound_key_results_take_their_baseline_from_the_kpi_engine_at_cycle_start(
    applied: list[KeyResult],
) -> None:
    assert len(applied) == 7
    for kr in applied:
        request = MetricRequest(
            metric=kr.metric,
            as_of=CYCLE_START,
            filters={k: tuple(v) for k, v in kr.metric_filters.items()},
            period_from=CYCLE_START - timedelta(days=kr.metric_window_days - 1)
            if kr.metric_window_days
            else None,
        )
        assert kr.baseline == metric_evaluate(request, scope=EVERYTHING).value, kr.key
        assert kr.baseline_source == BaselineSource.KPI
        assert kr.baseline_as_of == CYCLE_START
    ninety = next(kr for kr in applied if kr.key == "ar-90-plus")
    assert ninety.baseline is not None
    assert ninety.target is not None
    # "-30%" in the plan: the target follows from the baseline read at cycle start.
    assert ninety.target == (ninety.baseline * Decimal("0.7")).quantize(Decimal("0.000001"))


def test_weekly_automatic_check_ins_equal_recoup_kpi_and_carry_the_data_date(
    applied: list[KeyResult],
) -> None:
    for monday in MONDAYS:
        with time_machine.travel(
            datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=5), tick=False
        ):
            report = services.checkin_auto_run()
        assert len(report.created) == 7
        assert report.as_of == monday
    for kr in applied:
        readings = list(CheckIn.objects.filter(key_result=kr).order_by("data_date"))
        assert [c.data_date for c in readings] == MONDAYS
        assert {c.source for c in readings} == {"automatic"}
        assert {c.ledger_as_of for c in readings} == {AS_OF}
        for c in readings:
            assert c.value == _recoup_kpi(kr, c.data_date), (kr.key, c.data_date)
    # The same week again adds nothing.
    with time_machine.travel(datetime(2026, 7, 13, 6, tzinfo=UTC), tick=False):
        again = services.checkin_auto_run()
    assert again.created == []
    assert len(again.skipped) == 7


def test_automatic_check_ins_carry_the_computed_status_as_confidence(
    applied: list[KeyResult],
) -> None:
    with time_machine.travel(datetime(2026, 7, 6, 5, tzinfo=UTC), tick=False):
        services.checkin_auto_run()
    for kr in applied:
        checkin = CheckIn.objects.get(key_result=kr)
        state = selectors.key_result_state(key_result=kr, today=date(2026, 7, 6))
        assert checkin.confidence == state.computed_status.value, kr.key


def test_the_weekly_job_checks_in_and_queues_its_next_run_once(applied: list[KeyResult]) -> None:
    with time_machine.travel(datetime(2026, 7, 6, 5, tzinfo=UTC), tick=False):
        result = tasks.okr_checkin_weekly.call()
        assert result["created"] == 7
        assert result["as_of"] == "2026-07-06"
        queued = DBTaskResult.objects.filter(
            task_path=tasks.okr_checkin_weekly.module_path, status="READY"
        )
        assert [r.run_after for r in queued] == [datetime(2026, 7, 13, 5, tzinfo=UTC)]
        assert tasks.okr_schedule_ensure() == datetime(2026, 7, 13, 5, tzinfo=UTC)
        assert queued.count() == 1


def test_the_okr_command_checks_in_automatically_for_cron(applied: list[KeyResult]) -> None:
    out = StringIO()
    with time_machine.travel(datetime(2026, 7, 6, 5, tzinfo=UTC), tick=False):
        call_command("okr", "checkin", "--auto", stdout=out)
    assert "7 automatic check-in(s) as of 2026-07-06" in out.getvalue()
    assert CheckIn.objects.filter(source="automatic").count() == 7


def test_a_suggested_target_comes_from_the_teams_own_history(applied: list[KeyResult]) -> None:
    kr = next(k for k in applied if k.key == "accounts-90-plus")
    cycle = kr.objective.cycle
    suggestion = selectors.target_suggest(
        metric=kr.metric,
        params=kr.metric_params,
        filters=kr.metric_filters,
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        history_cycles=3,
    )
    assert suggestion.baseline == kr.baseline
    assert [d for d, _ in suggestion.history][-1] == CYCLE_START
    assert len(suggestion.history) <= 4
    assert len(suggestion.changes) == len(suggestion.history) - 1
    # Lower is better for a count of 90+ accounts: stretch asks at least as much as commit.
    assert suggestion.higher_is_better is False
    assert suggestion.stretch <= suggestion.commit <= suggestion.baseline
    assert suggestion.reasoning[0].startswith(f"baseline: accounts_90_plus as of {CYCLE_START}")


def test_a_seasonal_curve_learned_from_past_quarters_sets_expected_progress(
    applied: list[KeyResult],
) -> None:
    kr = next(k for k in applied if k.key == "ar-90-plus")
    curve = services.key_result_curve_learn(key_result=kr, cycles=2, via="test")
    # 91 days: a reading every week up to the cycle end, each a share of the movement.
    assert len(curve) == 13
    assert curve[-1] == 1.0
    assert all(0 <= a <= b <= 1 for a, b in itertools.pairwise(curve))
    kr.refresh_from_db()
    assert kr.expected_curve == curve
    on = date(2026, 8, 12)  # six weeks in
    state = selectors.key_result_state(key_result=kr, today=on)
    assert state.expected == pytest.approx(min(1.0, max(0.0, curve[5])))


def test_reapplying_the_example_changes_nothing_and_keeps_the_kpi_baselines(
    applied: list[KeyResult],
) -> None:
    before = {kr.pk: (kr.baseline, kr.target) for kr in applied}
    with time_machine.travel(datetime(2026, 7, 20, 8, tzinfo=UTC), tick=False):
        report = services.plan_apply(plan=plan_parse(EXAMPLE.read_text()), via="test")
    assert not report.changed
    after = {kr.pk: (kr.baseline, kr.target) for kr in KeyResult.objects.exclude(metric="")}
    assert after == before


def test_a_bad_kpi_parameter_in_a_plan_is_an_error_at_its_line(demo: None) -> None:
    text = EXAMPLE.read_text().replace(
        "          id: accounts_90_plus\n",
        "          id: accounts_90_plus\n          params: {days: soon}\n",
    )
    with (
        time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False),
        pytest.raises(PlanError) as info,
    ):
        services.plan_apply(plan=plan_parse(text, source="p.yaml"), via="test")
    line, message = info.value.problems[0]
    assert text.splitlines()[line - 1].strip() == "- key: accounts-90-plus"
    assert "soon" in message
    assert not KeyResult.objects.exists()


def test_suggest_target_from_the_command_line_shows_its_reasoning(applied: list[KeyResult]) -> None:
    out = StringIO()
    call_command(
        "okr",
        "suggest-target",
        "--metric",
        "pct_90_plus",
        "--filter",
        "team=North",
        "--cycle",
        "2026-Q3",
        "--history",
        "2",
        stdout=out,
    )
    text = out.getvalue()
    assert text.startswith("pct_90_plus for cycle 2026-Q3: baseline ")
    assert "  - status quo: the median change" in text
    assert "  - commit: the 75th percentile of past improvements" in text


def test_the_credit_management_example_applies_to_the_demo_ledger(demo: None) -> None:
    path = EXAMPLE.with_name("credit-management.yaml")
    with time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        report = services.plan_apply(
            plan=plan_parse(path.read_text(), source=path.name), via="test"
        )
    assert "cycle 2026-Q3-credit" in report.created
    bound = KeyResult.objects.filter(objective__cycle__name="2026-Q3-credit").exclude(metric="")
    assert bound.count() == 6
    for kr in bound:
        reading = metric_evaluate(
            MetricRequest(
                metric=kr.metric,
                as_of=CYCLE_START,
                filters={k: tuple(v) for k, v in kr.metric_filters.items()},
                period_from=CYCLE_START - timedelta(days=kr.metric_window_days - 1)
                if kr.metric_window_days
                else None,
            ),
            scope=EVERYTHING,
        ).value
        if kr.baseline_source == BaselineSource.KPI:
            assert kr.baseline == reading, kr.key
        elif reading is None and kr.baseline is None:
            # No data for this KPI in the ledger yet: a note, and the weekly check-in retries.
            assert any(kr.key in note for note in report.notes), kr.key
        else:
            # The plan states this baseline itself (approval days from 5 to 2).
            assert kr.baseline is not None, kr.key


def test_the_run_after_the_cycle_ends_takes_the_closing_reading_at_the_cycle_end(
    applied: list[KeyResult],
) -> None:
    with time_machine.travel(datetime(2026, 10, 5, 5, tzinfo=UTC), tick=False):
        report = services.checkin_auto_run()
    assert len(report.created) == 7
    assert {c.data_date for c in report.created} == {date(2026, 9, 30)}
    with time_machine.travel(datetime(2026, 10, 12, 5, tzinfo=UTC), tick=False):
        assert services.checkin_auto_run().created == []


def test_the_api_suggests_a_target_for_a_kpi_bound_key_result(
    applied: list[KeyResult], client: Any
) -> None:
    from recoup.accounts.models import User

    client.force_login(User.objects.get(username="demo.north.manager"))
    kr = next(k for k in applied if k.key == "pct-90-plus")
    r = client.get(f"/api/okrs/key-results/{kr.pk}/suggest-target", {"history": 1})
    assert r.status_code == 200
    body = r.json()
    assert Decimal(body["baseline"]) == kr.baseline
    assert body["reasoning"][-1].startswith("too little history")
    assert (
        client.get(f"/api/okrs/key-results/{kr.pk}/suggest-target", {"history": 0}).status_code
        == 422
    )
