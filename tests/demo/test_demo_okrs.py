"""`recoup demo-okrs`: the example plans on the running quarter, weekly check-ins back-filled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.demo.okrs import example_plans, plan_for_quarter, quarter_of
from recoup.demo.services import demo_ledger_clear, demo_ledger_generate
from recoup.okrs.models import CheckIn, CheckInSource, Cycle, Initiative, KeyResult
from tests.demo.conftest import remove_demo_people

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)
# The debt-collection plan checks in on Mondays: 5 Oct ... 30 Nov 2026.
MONDAYS = [date(2026, 10, 5) + timedelta(weeks=n) for n in range(9)]


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2028, 2, 29), date(2028, 1, 1), date(2028, 3, 31)),
        (date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_of_gives_the_calendar_quarter(day: date, first: date, last: date) -> None:
    assert quarter_of(day) == (first, last)


def test_a_plan_moves_onto_the_quarter_with_its_dates_inside_it() -> None:
    debt = next(p for p in example_plans() if p.cycle.name == "2026-Q3")
    moved = plan_for_quarter(debt, date(2027, 2, 14))
    c = moved.cycle
    assert (c.name, c.starts_on, c.ends_on) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
    # The evaluation keeps its two days after the end; planning its week before the start.
    assert c.evaluation_on == date(2027, 4, 2)
    assert c.planning_on == date(2026, 12, 25)
    dues = [i.due_on for o in moved.objectives for k in o.key_results for i in k.initiatives]
    assert dues
    assert all(d is not None and c.starts_on <= d <= c.ends_on for d in dues)
    # Nothing else moved: the same objectives, key results and targets.
    assert [o.key for o in moved.objectives] == [o.key for o in debt.objectives]
    assert [k.target_change_pct for o in moved.objectives for k in o.key_results] == [
        k.target_change_pct for o in debt.objectives for k in o.key_results
    ]


@pytest.fixture(scope="module")
def ledger_of_today(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        demo_ledger_generate(invoices=1500, seed=7, as_of=TODAY)
        yield
        demo_ledger_clear()
        remove_demo_people()


def _demo_okrs(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        call_command("demo_okrs", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_board_opens_on_a_quarter_in_progress(ledger_of_today: None) -> None:
    output = _demo_okrs("--if-empty")
    assert "2026-Q4-credit, 2026-Q4:" in output
    debt = Cycle.objects.get(name="2026-Q4")
    assert (debt.starts_on, debt.ends_on) == (date(2026, 10, 1), date(2026, 12, 31))
    bound = KeyResult.objects.filter(objective__cycle=debt).exclude(metric="")
    assert bound.count() >= 4
    for kr in bound:
        assert kr.baseline is not None, kr.key
        days = sorted(
            CheckIn.objects.filter(key_result=kr, source=CheckInSource.AUTOMATIC).values_list(
                "data_date", flat=True
            )
        )
        assert days == MONDAYS, kr.key
    # Each check-in is stamped on the morning of the day it describes, never after today.
    stamps = CheckIn.objects.filter(key_result__objective__cycle=debt)
    assert all(c.created_at.date() == c.data_date for c in stamps)
    assert Initiative.objects.filter(key_result__objective__cycle=debt).exists()
    # The credit plan's "decide on credit" objective has no data in the demo ledger: archived,
    # said so, and nothing left on the board stays without a reading.
    assert "Archived “Decide on credit quickly and by the rules”" in output
    credit = Cycle.objects.get(name="2026-Q4-credit")
    live = KeyResult.objects.filter(objective__cycle=credit, objective__archived_at__isnull=True)
    assert live.exists()
    assert all(CheckIn.objects.filter(key_result=kr).exists() for kr in live.exclude(metric=""))
    # A second run changes nothing: --if-empty says so, without it the command refuses.
    assert "no demo plans applied" in _demo_okrs("--if-empty")
    with pytest.raises(CommandError, match=r"2026-Q4.* exists already"):
        _demo_okrs()
    assert CheckIn.objects.filter(key_result__objective__cycle=debt).count() == len(stamps)
