"""Each producer of events on a small OKR plan, a small ledger and a few import runs: who is told
what, and that a second run of the same day tells nobody twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.ingest.models import ImportRun
from recoup.ingest.reminders import import_runs_notify
from recoup.ledger.models import Customer, PromiseToPay
from recoup.notifications.models import EventKind, Notification
from recoup.okrs.models import Initiative, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.reminders import (
    at_risk_notify,
    checkin_due_notify,
    initiatives_due_notify,
    notify_reported_green_data_red,
    outdated_and_escalation_notify,
)
from recoup.okrs.services import checkin_create, plan_apply
from recoup.workspace.models import AccountFlag, CallBack, FlagReason
from recoup.workspace.reminders import broken_promises_notify, call_backs_due_notify

PASSWORD = "a long and unusual password 42"

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
  checkin_weekday: monday
objectives:
  - key: cash
    title: Turn receivables into cash sooner
    owner: ana
    team: North
    key_results:
      - key: ninety
        title: Less money more than 90 days past due
        kind: decrease_to
        unit: USD
        baseline: 500000
        target: 400000
        owner: ana
      - key: promises
        title: Payment promises kept
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: ben
"""


def _person(username: str, role: Role, team: Team | None, *, lead: bool = False) -> User:
    user = user_create(
        username=username,
        password=PASSWORD,
        role=role,
        first_name=username.title(),
        last_name="Example",
        email=f"{username}@example.test",
    )
    if team is not None:
        team_member_add(team=team, user=user, is_lead=lead)
    return user


@pytest.fixture
def people(db: None) -> dict[str, User]:
    north = team_create(name="North")
    return {
        "lena": _person("lena", Role.MANAGER, north, lead=True),
        "ana": _person("ana", Role.MANAGER, north),
        "ben": _person("ben", Role.COLLECTOR, north),
    }


@pytest.fixture
def plan(people: dict[str, User]) -> dict[str, KeyResult]:
    plan_apply(plan=plan_parse(PLAN, source="test.yaml"), via="test")
    return {kr.key: kr for kr in KeyResult.objects.all()}


def _check_in(kr: KeyResult, author: User, on: datetime, confidence: str = "on_track") -> None:
    with time_machine.travel(on, tick=False):
        checkin_create(
            key_result=kr,
            value=Decimal(450000 if kr.key == "ninety" else 65),
            confidence=confidence,
            author=author,
            via="test",
        )


def _told(user: User, event: EventKind) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=event).order_by("id"))


def test_check_in_day_reminds_owners_who_have_not_checked_in_this_week(
    people: dict[str, User], plan: dict[str, KeyResult]
) -> None:
    _check_in(plan["ninety"], people["ana"], datetime(2026, 7, 10, 9, 0, tzinfo=UTC))
    monday = date(2026, 7, 13)
    assert checkin_due_notify(today=monday) == 1
    assert checkin_due_notify(today=monday) == 0
    [told] = _told(people["ben"], EventKind.CHECKIN_DUE)
    assert told.subject == "Check-in due today: 1 key result"
    assert "Payment promises kept (2026-Q3)" in told.body
    assert told.link == f"/okrs/key-results/{plan['promises'].pk}/"
    assert _told(people["ana"], EventKind.CHECKIN_DUE) == []
    # Not a check-in day: nobody.
    assert checkin_due_notify(today=date(2026, 7, 14)) == 0


def test_missed_check_ins_make_key_results_outdated_and_reach_the_team_lead_after_two(
    people: dict[str, User], plan: dict[str, KeyResult]
) -> None:
    _check_in(plan["ninety"], people["ana"], datetime(2026, 7, 10, 9, 0, tzinfo=UTC))
    thursday = date(2026, 7, 23)
    assert outdated_and_escalation_notify(today=thursday) == (2, 1)
    assert outdated_and_escalation_notify(today=thursday) == (0, 0)
    [bens] = _told(people["ben"], EventKind.KEY_RESULT_OUTDATED)
    assert bens.subject == "Outdated: Payment promises kept"
    assert len(_told(people["ana"], EventKind.KEY_RESULT_OUTDATED)) == 1
    # Ben missed three weeks in a row, Ana one: only Ben's reaches Lena, the team's lead.
    [escalation] = _told(people["lena"], EventKind.CHECKIN_ESCALATION)
    assert escalation.subject == "Ben Example missed 3 check-ins: Payment promises kept"
    assert "team North" in escalation.body
    assert _told(people["ana"], EventKind.CHECKIN_ESCALATION) == []


def test_the_escalation_threshold_is_a_setting(
    people: dict[str, User], plan: dict[str, KeyResult], settings: object
) -> None:
    settings.NOTIFY_ESCALATE_AFTER_MISSED = 4  # type: ignore[attr-defined]
    assert outdated_and_escalation_notify(today=date(2026, 7, 23))[1] == 0


def test_initiatives_due_today_and_overdue_are_told_to_their_owner(
    people: dict[str, User], plan: dict[str, KeyResult]
) -> None:
    kr = plan["promises"]
    Initiative.objects.create(
        key_result=kr,
        key="call",
        title="Call every new promise",
        owner=people["ben"],
        due_on=date(2026, 7, 20),
    )
    Initiative.objects.create(
        key_result=kr,
        key="script",
        title="Write the call script",
        owner=people["ben"],
        due_on=date(2026, 7, 10),
    )
    Initiative.objects.create(
        key_result=kr,
        key="done",
        title="Already done",
        owner=people["ben"],
        due_on=date(2026, 7, 1),
        status="done",
    )
    assert initiatives_due_notify(today=date(2026, 7, 20)) == 2
    assert initiatives_due_notify(today=date(2026, 7, 20)) == 0
    subjects = sorted(n.subject for n in _told(people["ben"], EventKind.INITIATIVE_DUE))
    assert subjects == [
        "Due today: Call every new promise",
        "Overdue by 10 days: Write the call script",
    ]
    # Overdue ones come back once a week, not every day.
    assert initiatives_due_notify(today=date(2026, 7, 21)) == 1
    assert initiatives_due_notify(today=date(2026, 7, 27)) == 2


def test_a_key_result_that_became_at_risk_is_told_once(
    people: dict[str, User], plan: dict[str, KeyResult]
) -> None:
    kr = plan["promises"]
    _check_in(kr, people["ben"], datetime(2026, 7, 6, 9, 0, tzinfo=UTC), "on_track")
    assert at_risk_notify(today=date(2026, 7, 8)) == 0
    _check_in(kr, people["ben"], datetime(2026, 7, 13, 9, 0, tzinfo=UTC), "at_risk")
    assert at_risk_notify(today=date(2026, 7, 13)) == 1
    assert at_risk_notify(today=date(2026, 7, 14)) == 0
    [told] = _told(people["ben"], EventKind.AT_RISK)
    assert told.subject == "Now at risk: Payment promises kept"
    assert told.body.endswith("(before: on track).")
    # Still at risk a week later is not news.
    _check_in(kr, people["ben"], datetime(2026, 7, 20, 9, 0, tzinfo=UTC), "at_risk")
    assert at_risk_notify(today=date(2026, 7, 20)) == 0


def test_reported_green_data_red_reaches_the_owner_once_a_day(
    people: dict[str, User], plan: dict[str, KeyResult]
) -> None:
    kr = plan["ninety"]
    day = date(2026, 7, 15)
    told = notify_reported_green_data_red(
        key_result_id=kr.pk, reported="on track", data_status="off track", today=day
    )
    assert told
    assert not notify_reported_green_data_red(
        key_result_id=kr.pk, reported="on track", data_status="off track", today=day
    )
    [n] = _told(people["ana"], EventKind.REPORTED_GREEN_DATA_RED)
    assert n.subject == "Reported on track, data off track: Less money more than 90 days past due"


def _promise(customer: Customer, collector: User, n: int) -> PromiseToPay:
    return PromiseToPay.objects.create(
        external_id=f"P-{n}",
        customer=customer,
        collector=collector,
        promised_on=date(2026, 7, 1),
        due_date=date(2026, 7, 10),
        amount_minor=1_234_50,
        currency="EUR",
        status="broken",
    )


def test_a_collectors_broken_promises_are_told_once_each_in_one_message(
    people: dict[str, User],
) -> None:
    ben = people["ben"]
    customer = Customer.objects.create(external_id="C-1", name="Northwind Traders")
    today = timezone.localdate()
    first = _promise(customer, ben, 1)
    AccountFlag.objects.create(
        customer=customer, reason=FlagReason.BROKEN_PROMISE, promise=first, raised_on=today
    )
    assert broken_promises_notify(today=today) == 1
    assert broken_promises_notify(today=today) == 0
    [told] = _told(ben, EventKind.PROMISE_BROKEN)
    assert told.subject == "1 promise to pay broken"
    assert "Northwind Traders: 1,234.50 EUR due 10 Jul 2026" in told.body
    # A promise broken later the same day is news; the first is not told again.
    second = _promise(customer, ben, 2)
    flag = AccountFlag.objects.create(
        customer=customer, reason=FlagReason.BROKEN_PROMISE, promise=second, raised_on=today
    )
    AccountFlag.objects.filter(pk=flag.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    assert broken_promises_notify(today=today, now=timezone.now() + timedelta(seconds=2)) == 1
    assert [n.subject for n in _told(ben, EventKind.PROMISE_BROKEN)] == [
        "1 promise to pay broken",
        "1 promise to pay broken",
    ]


def test_call_backs_due_today_are_told_to_their_owner(people: dict[str, User]) -> None:
    ben = people["ben"]
    customer = Customer.objects.create(external_id="C-1", name="Northwind Traders")
    today = date(2026, 7, 14)
    CallBack.objects.create(
        customer=customer,
        owner=ben,
        due_at=datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
        note="asked for the invoice copy",
    )
    CallBack.objects.create(
        customer=customer, owner=ben, due_at=datetime(2026, 7, 15, 9, 30, tzinfo=UTC)
    )
    CallBack.objects.create(
        customer=customer,
        owner=ben,
        due_at=datetime(2026, 7, 14, 11, 0, tzinfo=UTC),
        done_at=datetime(2026, 7, 14, 8, 0, tzinfo=UTC),
    )
    assert call_backs_due_notify(today=today) == 1
    assert call_backs_due_notify(today=today) == 0
    [told] = _told(ben, EventKind.CALLBACK_DUE)
    assert told.subject == "1 call-back due today"
    assert "09:30 Northwind Traders: asked for the invoice copy" in told.body


def _run(user: User | None, status: str, *, dry_run: bool = False, n: int) -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        kind="invoices",
        file_name=f"/uploads/invoices-{n}.csv",
        sha256="0" * 64,
        rows=1200,
        inserted=1100,
        updated=100,
        errors=3 if status == "rejected" else 0,
        started_at=now,
        finished_at=now,
        status=status,
        started_by=user,
        dry_run=dry_run,
        error="the file is not UTF-8" if status == "failed" else "",
    )


def test_import_runs_that_ended_are_told_to_whoever_started_them(
    people: dict[str, User],
) -> None:
    ben = people["ben"]
    ok = _run(ben, "succeeded", n=1)
    _run(ben, "rejected", n=2)
    _run(ben, "failed", n=3)
    _run(ben, "succeeded", dry_run=True, n=4)
    _run(None, "succeeded", n=5)
    assert import_runs_notify() == 3
    assert import_runs_notify() == 0
    [finished] = _told(ben, EventKind.IMPORT_FINISHED)
    assert finished.subject == "Import finished: invoices-1.csv"
    assert finished.body == "1,200 rows of invoices: 1,100 new, 100 changed, 0 unchanged."
    assert finished.link == f"/import/runs/{ok.pk}/"
    failed = sorted(n.subject for n in _told(ben, EventKind.IMPORT_FAILED))
    assert failed == ["Import failed: invoices-3.csv", "Import rejected: invoices-2.csv"]
