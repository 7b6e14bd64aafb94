"""`cycle_update`: a cycle's cadence changes through one validated, audited service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from recoup.accounts.models import AuditEntry
from recoup.core.errors import RecoupError
from recoup.okrs import tasks
from recoup.okrs.models import Cycle
from recoup.okrs.services import cycle_create, cycle_update


@pytest.fixture
def quarter(db: None) -> Cycle:
    return cycle_create(name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30))


def test_changing_the_cadence_saves_it_and_audits_before_and_after(quarter: Cycle) -> None:
    cycle_update(
        cycle=quarter,
        changes={
            "checkin_weekday": 3,
            "midcycle_review_on": date(2026, 8, 14),
            "on_track_within": 5,
            "at_risk_within": 15,
        },
        via="test",
    )
    quarter.refresh_from_db()
    assert (quarter.checkin_weekday, quarter.on_track_within, quarter.at_risk_within) == (3, 5, 15)
    assert quarter.midcycle_review_on == date(2026, 8, 14)
    entry = AuditEntry.objects.get(action="okr_cycle_update")
    assert entry.before == {
        "checkin_weekday": 0,
        "midcycle_review_on": None,
        "on_track_within": 10,
        "at_risk_within": 25,
    }
    assert entry.after["midcycle_review_on"] == "2026-08-14"


def test_saving_the_same_cadence_writes_no_audit_row(quarter: Cycle) -> None:
    cycle_update(cycle=quarter, changes={"checkin_weekday": 0, "on_track_within": 10})
    assert not AuditEntry.objects.filter(action="okr_cycle_update").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_track_within": 30}, "on_track_within must be between 0 and at_risk_within"),
        ({"checkin_weekday": 7}, "checkin_weekday must be 0 (Monday) to 6 (Sunday)"),
        ({"midcycle_review_on": date(2026, 10, 2)}, "mid-cycle review 2026-10-02 is outside"),
        ({"evaluation_on": date(2026, 6, 1)}, "is before it starts"),
        ({"planning_on": date(2026, 10, 1)}, "is after it ends"),
        ({"name": "2026-Q4"}, "cannot change name"),
    ],
)
def test_a_cadence_that_makes_no_sense_is_refused_and_nothing_changes(
    quarter: Cycle, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(RecoupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cycle_update(cycle=quarter, changes=changes)
    quarter.refresh_from_db()
    assert (quarter.name, quarter.checkin_weekday, quarter.on_track_within) == ("2026-Q3", 0, 10)
    assert not AuditEntry.objects.filter(action="okr_cycle_update").exists()


def test_a_new_check_in_day_moves_the_waiting_weekly_run_to_it(
    quarter: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(datetime(2026, 7, 7, 9, tzinfo=UTC), tick=False):  # a Tuesday
        assert tasks.okr_schedule_ensure() == datetime(2026, 7, 13, 5, tzinfo=UTC)  # Monday
        with django_capture_on_commit_callbacks(execute=True):
            cycle_update(cycle=quarter, changes={"checkin_weekday": 3})
    waiting = DBTaskResult.objects.get(
        task_path=tasks.okr_checkin_weekly.module_path, status="READY"
    )
    assert waiting.run_after == datetime(2026, 7, 9, 5, tzinfo=UTC)  # the Thursday
