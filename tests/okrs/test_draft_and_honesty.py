"""A check-in drafted from the data, and "reported green, data red", on a demo ledger.

A DSO key result is read each Monday by the automatic check-in; the draft for the next week gives
the value, the change since the last check-in split exactly by team and by collector, the forecast,
and a link to the accounts behind the largest part. A manager then overrides it to on track while
it is far behind its path: the flag appears in the rule, the status reading and the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from recoup.accounts.models import User
from recoup.demo.services import demo_ledger_clear, demo_ledger_generate
from recoup.okrs import selectors, services
from recoup.okrs.draft import checkin_draft
from recoup.okrs.honesty import RULE, cycle_flags, reported_green_data_red
from recoup.okrs.models import CheckIn, CheckInSource, KeyResult
from recoup.okrs.plan import plan_parse
from tests.demo.conftest import remove_demo_people

pytestmark = pytest.mark.django_db

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
  checkin_weekday: monday
objectives:
  - key: sooner
    title: Collect sooner
    owner: demo.north.manager
    key_results:
      - key: dso
        title: Days sales outstanding down by half
        kind: decrease_to
        unit: days
        target: -50%
        owner: demo.north.manager
        metric:
          id: dso
"""
MONDAYS = [date(2026, 7, 6), date(2026, 7, 13), date(2026, 7, 20), date(2026, 7, 27)]
NEXT = date(2026, 8, 3)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        demo_ledger_generate(invoices=600, seed=7, as_of=date(2026, 9, 30))
        yield
        demo_ledger_clear()
        remove_demo_people()


@pytest.fixture
def dso(demo: None) -> KeyResult:
    with time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        services.plan_apply(plan=plan_parse(PLAN, source="dso.yaml"), via="test")
    kr = KeyResult.objects.select_related("objective__cycle").get(key="dso")
    for monday in MONDAYS:
        services.checkin_auto_run(today=monday, cycle=kr.objective.cycle)
    return kr


def test_the_draft_gives_the_change_since_the_last_check_in_split_exactly(dso: KeyResult) -> None:
    draft = checkin_draft(key_result=dso, today=NEXT)
    assert draft is not None
    assert draft.since == MONDAYS[-1]
    assert draft.as_of == NEXT
    last = CheckIn.objects.get(key_result=dso, data_date=MONDAYS[-1])
    assert last.value is not None
    assert draft.change is not None
    assert draft.change != 0
    # The change is the KPI's own: this week's value less last check-in's, to a tenth of a day.
    assert draft.change == (draft.value - last.value).quantize(Decimal("0.1"))
    assert [s.by for s in draft.splits] == ["team", "collector"]
    for split in draft.splits:
        assert sum(p.value for p in split.parts) == draft.change, split.by
    teams = {p.label for p in draft.splits[0].parts}
    assert teams <= {"North", "South", "Enterprise"}
    # Collectors by name, not username.
    assert not any(p.label.startswith("demo.") for p in draft.splits[1].parts)
    largest = draft.largest
    assert largest is not None
    assert largest.href == f"/dashboard/explain/dso/?team={largest.label}&as_of=2026-08-03"
    assert draft.text.startswith("Days sales outstanding ")
    assert "since 27 Jul 2026 (by team: " in draft.text
    assert f"{largest.label} {largest.text}" in draft.text


def test_the_weekly_automatic_check_in_writes_the_drafted_text(dso: KeyResult) -> None:
    expected = checkin_draft(key_result=dso, today=NEXT)
    assert expected is not None
    services.checkin_auto_run(today=NEXT, cycle=dso.objective.cycle)
    made = CheckIn.objects.get(key_result=dso, data_date=NEXT, source=CheckInSource.AUTOMATIC)
    assert made.comment == expected.text
    assert "from the KPI engine" not in made.comment


def test_an_override_to_on_track_against_the_data_is_flagged(dso: KeyResult) -> None:
    manager = User.objects.get(username="demo.north.manager")
    assert reported_green_data_red(dso, today=NEXT) is None
    with time_machine.travel(datetime(2026, 8, 3, 9, tzinfo=UTC), tick=False):
        services.status_override_set(
            key_result=dso, status="on_track", reason="Big payments due", author=manager
        )
    state = selectors.key_result_state(key_result=dso, today=NEXT)
    assert state.computed_status != "on_track"
    flag = reported_green_data_red(dso, today=NEXT)
    assert flag is not None
    assert flag.said_on == NEXT
    assert "status override" in flag.said_by
    assert any("expected by now" in r for r in flag.reasons)
    assert flag.text.startswith("Reported on track (")
    # With a threshold no forecast can be under, only progress speaks.
    assert reported_green_data_red(dso, today=NEXT, below_chance=0.0) is not None
    assert [f.key_result_id for f in cycle_flags(cycle=dso.objective.cycle, today=NEXT)] == [dso.pk]
    audit = selectors.cycle_audit(cycle=dso.objective.cycle, today=NEXT)
    assert [f.item for f in audit.findings if f.rule == RULE] == ["sooner/dso"]
    out = StringIO()
    call_command("okr", "status", "--as-of", NEXT.isoformat(), stdout=out)
    assert "! reported green, data red: Reported on track" in out.getvalue()
    services.status_override_clear(key_result=dso, author=manager)
    assert reported_green_data_red(dso, today=NEXT) is None


def test_a_person_s_on_track_check_in_is_flagged_and_the_weekly_reading_is_not(
    dso: KeyResult,
) -> None:
    manager = User.objects.get(username="demo.north.manager")
    # The automatic readings carry the data's own confidence: never a person's claim.
    assert reported_green_data_red(dso, today=MONDAYS[-1]) is None
    draft = checkin_draft(key_result=dso, today=NEXT)
    assert draft is not None
    # Made after the weekly readings (now), for the week of NEXT.
    services.checkin_create(
        key_result=dso,
        value=draft.value,
        confidence="on_track",
        comment=draft.text,
        data_date=NEXT,
        author=manager,
        via="test",
    )
    flag = reported_green_data_red(dso, today=NEXT)
    assert flag is not None
    assert "check-in" in flag.said_by
