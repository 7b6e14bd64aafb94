"""The end of a cycle: grades per objective, closing (read-only afterwards) and carry-over, on the
fixture quarter with time frozen after its end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import selectors, services
from recoup.okrs.models import Cycle, KeyResult, Objective, ObjectiveGrade

pytestmark = pytest.mark.django_db

D = Decimal
AFTER_END = date(2026, 10, 2)


def _kr(ref: str) -> KeyResult:
    return selectors.key_result_get(ref=ref)


@pytest.fixture
def graded_quarter(quarter: Cycle, manager: User) -> Cycle:
    """The quarter's last check-ins (ninety 420 000, promises 80 %, disputes 4 %) and the
    milestone archived, so "fair" is scored on its task-tracked key result alone."""
    with time_machine.travel(date(2026, 9, 28), tick=False):
        for ref, value in (
            ("cash/ninety", "420000"),
            ("cash/promises", "80"),
            ("cash/disputes", "4"),
        ):
            services.checkin_create(key_result=_kr(ref), value=D(value), confidence="on_track")
        services.key_result_archive(key_result=_kr("fair/audit"), actor=manager, via="test")
    return quarter


def _objective(key: str, cycle: Cycle) -> Objective:
    return Objective.objects.get(cycle=cycle, key=key)


def test_next_cycle_name_follows_the_quarter() -> None:
    assert services.next_cycle_name("2026-Q3") == "2026-Q4"
    assert services.next_cycle_name("2026-Q4") == "2027-Q1"
    assert services.next_cycle_name("Q4 2026") == "Q1 2027"
    assert services.next_cycle_name("Autumn push") is None


@time_machine.travel(AFTER_END, tick=False)
def test_grading_scores_each_objective_and_keeps_its_retrospective(
    graded_quarter: Cycle, manager: User
) -> None:
    cash = _objective("cash", graded_quarter)
    notes = {
        cash.pk: services.Retrospective(
            what_worked="Weekly calls to the largest accounts",
            what_did_not="Promises slipped in August",
            what_to_change="Start the 60-day letters earlier",
        )
    }
    services.cycle_grade(cycle=graded_quarter, notes=notes, actor=manager, via="test")
    grades = {g.objective.key: g for g in ObjectiveGrade.objects.select_related("objective")}
    # cash: ninety 0.8 (weight 2), promises 1.0, disputes 1.0 -> (1.6 + 1 + 1) / 4 = 0.9.
    assert grades["cash"].score == D("0.9")
    # fair: one initiative of three done -> 0.3.
    assert grades["fair"].score == D("0.3")
    assert grades["cash"].what_did_not == "Promises slipped in August"
    assert grades["fair"].what_worked == ""
    assert grades["cash"].graded_by == manager
    status = selectors.cycle_status(cycle=graded_quarter)
    missed = [o.key for o in status.objectives if o.meets_commitment is False]
    assert missed == ["cash"]
    logged = AuditEntry.objects.filter(action="okr_objective_grade", object_id=cash.pk)
    assert logged.count() == 1


@time_machine.travel(date(2026, 9, 20), tick=False)
def test_grading_waits_for_the_evaluation_date(quarter: Cycle, manager: User) -> None:
    with pytest.raises(RecoupError, match="evaluation date, 2026-09-30"):
        services.cycle_close(cycle=quarter, actor=manager, via="test")
    assert Cycle.objects.get(pk=quarter.pk).closed_at is None


@time_machine.travel(AFTER_END, tick=False)
def test_grading_is_for_managers(quarter: Cycle) -> None:
    ben = User.objects.get(username="ben")
    with pytest.raises(AccessDeniedError):
        services.cycle_close(cycle=quarter, actor=ben, via="test")


@time_machine.travel(AFTER_END, tick=False)
def test_a_closed_cycle_is_read_only(graded_quarter: Cycle, manager: User) -> None:
    services.cycle_close(cycle=graded_quarter, actor=manager, via="test")
    graded_quarter.refresh_from_db()
    assert graded_quarter.closed_by == manager
    # Closing grades what was not graded yet, as the scores stood.
    assert ObjectiveGrade.objects.count() == 2
    cash = _objective("cash", graded_quarter)
    with pytest.raises(RecoupError, match="read-only"):
        services.checkin_create(key_result=_kr("cash/ninety"), value=D("1"), confidence="on_track")
    with pytest.raises(RecoupError, match="read-only"):
        services.objective_update(
            objective=cash, changes={"title": "Renamed"}, actor=manager, via="test"
        )
    with pytest.raises(RecoupError, match="read-only"):
        services.status_override_clear(key_result=_kr("cash/ninety"), author=manager)
    with pytest.raises(RecoupError, match="read-only"):
        services.cycle_grade(cycle=graded_quarter, notes={}, actor=manager, via="test")
    assert Objective.objects.get(pk=cash.pk).title == "Turn receivables into cash sooner"
    assert AuditEntry.objects.filter(action="okr_cycle_close").count() == 1


@time_machine.travel(AFTER_END, tick=False)
def test_carry_over_needs_a_closed_cycle(graded_quarter: Cycle, manager: User) -> None:
    with pytest.raises(RecoupError, match="still open"):
        services.cycle_carry_over(
            source=graded_quarter,
            objectives=[_objective("cash", graded_quarter)],
            actor=manager,
            via="test",
        )


@time_machine.travel(AFTER_END, tick=False)
def test_carry_over_starts_from_the_final_values(graded_quarter: Cycle, manager: User) -> None:
    services.cycle_close(cycle=graded_quarter, actor=manager, via="test")
    report = services.cycle_carry_over(
        source=graded_quarter,
        key_results=[_kr("cash/ninety"), _kr("cash/disputes")],
        actor=manager,
        via="test",
    )
    assert report.created_cycle
    nxt = report.target
    assert (nxt.name, nxt.starts_on, nxt.ends_on) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    carried = Objective.objects.get(cycle=nxt, key="cash")
    assert carried.carried_from == _objective("cash", graded_quarter)
    ninety = KeyResult.objects.get(objective=carried, key="ninety")
    assert ninety.baseline == D("420000")
    assert ninety.baseline_as_of == date(2026, 9, 28)
    assert ninety.target == D("400000")
    origin = KeyResult.objects.get(objective__cycle=graded_quarter, key="ninety")
    assert ninety.carried_from == origin
    assert sorted(carried.key_results.values_list("key", flat=True)) == ["disputes", "ninety"]
    assert AuditEntry.objects.filter(action="okr_key_result_carry").count() == 2
    # The new cycle is open: its carried key result takes check-ins.
    with time_machine.travel(date(2026, 10, 12), tick=False):
        services.checkin_create(key_result=ninety, value=D("410000"), confidence="on_track")


@time_machine.travel(AFTER_END, tick=False)
def test_carrying_a_reached_target_is_refused_clearly(graded_quarter: Cycle, manager: User) -> None:
    services.cycle_close(cycle=graded_quarter, actor=manager, via="test")
    with pytest.raises(RecoupError, match="ended at 80"):
        services.cycle_carry_over(
            source=graded_quarter, key_results=[_kr("cash/promises")], actor=manager, via="test"
        )
    assert not Cycle.objects.filter(name="2026-Q4").exists()


@time_machine.travel(AFTER_END, tick=False)
def test_the_command_closes_and_carries(graded_quarter: Cycle) -> None:
    out = StringIO()
    call_command("okr", "close", "--cycle", "2026-Q3", stdout=out)
    assert "cash: 0.9 (committed)  MISSED" in out.getvalue()
    assert "1 committed objective(s) missed" in out.getvalue()
    out = StringIO()
    call_command("okr", "carry", "--from", "2026-Q3", "--key-result", "cash/ninety", stdout=out)
    assert "carried cash/ninety: baseline 420000" in out.getvalue()
    assert "cycle 2026-Q4 (created): 1 objective(s), 1 key result(s)" in out.getvalue()
    with pytest.raises(CommandError, match="no objective 'nope'"):
        call_command("okr", "carry", "--from", "2026-Q3", "--objective", "nope")


@time_machine.travel(AFTER_END, tick=False)
def test_the_api_grades_closes_and_carries(graded_quarter: Cycle, manager: User) -> None:
    client = Client()
    client.force_login(manager)
    base = "/api/okrs/cycles/2026-Q3"
    saved = client.post(
        f"{base}/grades",
        {"retrospectives": [{"objective": "cash", "what_worked": "Calls"}]},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["objectives"][0]["what_worked"] == "Calls"
    unknown = client.post(
        f"{base}/grades",
        {"retrospectives": [{"objective": "nope"}]},
        content_type="application/json",
    )
    assert unknown.status_code == 404
    closed = client.post(f"{base}/close")
    assert closed.status_code == 200
    assert closed.json()["objectives"][0]["missed"] is True
    again = client.post(f"{base}/close")
    assert again.status_code == 422
    assert "read-only" in again.json()["detail"]
    carried = client.post(
        f"{base}/carry",
        {"to": "2026-Q4", "key_results": ["cash/disputes"]},
        content_type="application/json",
    )
    assert carried.status_code == 200
    assert carried.json()["key_results"][0]["baseline"] == "4.000000"
