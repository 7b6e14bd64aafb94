"""OKR calendars read back with `icalendar`: the cadence and the due dates, per person and per
team, stable UIDs, text escaped and long lines folded by the library, and the secret feed held
to what its owner may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import calendar_address_reset, team_member_add, user_create
from recoup.okrs.calendar import CalendarScope, calendar_build, cycle_calendar
from recoup.okrs.models import Cycle, Initiative, KeyResult, KeyResultKind, Objective

pytestmark = pytest.mark.django_db

TRICKY = "Call back, settle; then\nwrite it down"
LONG = "Reach every customer of the southern region " * 4


@pytest.fixture
def south(quarter: Cycle) -> User:
    """A second team with a collector, an objective, a key result and an initiative whose titles
    need escaping and folding."""
    team = Team.objects.create(name="South")
    carl = user_create(username="carl", password=None, role=Role.COLLECTOR)
    team_member_add(team=team, user=carl)
    objective = Objective.objects.create(cycle=quarter, key="south", title=LONG, team=team)
    kr = KeyResult.objects.create(
        objective=objective,
        key="calls",
        title=TRICKY,
        kind=KeyResultKind.MILESTONE,
        owner=carl,
        due_on=date(2026, 8, 20),
    )
    Initiative.objects.create(
        key_result=kr, key="script", title="Script, v2", owner=carl, due_on=date(2026, 8, 3)
    )
    Initiative.objects.filter(key_result__key="training", key="deadlines").update(
        due_on=date(2026, 7, 20)
    )
    return carl


def events(text: str | bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(text)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def summaries(text: str | bytes) -> set[str]:
    return {str(e["SUMMARY"]) for e in events(text).values()}


def test_the_cycle_calendar_holds_the_cadence_and_every_due_date(
    quarter: Cycle, south: User
) -> None:
    Cycle.objects.filter(pk=quarter.pk).update(
        planning_on=date(2026, 6, 25), midcycle_review_on=date(2026, 8, 14)
    )
    quarter.refresh_from_db()
    text = cycle_calendar(cycle=quarter, host="example.org")
    found = events(text)
    checkin = found[f"okr-cycle-{quarter.pk}-checkin@example.org"]
    assert checkin.decoded("DTSTART") == date(2026, 7, 6)  # the first Monday after the start
    assert checkin.decoded("DTEND") == date(2026, 7, 7)
    rule = checkin["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["MO"]
    assert rule["UNTIL"] == [date(2026, 9, 30)]
    assert found[f"okr-cycle-{quarter.pk}-planning@example.org"].decoded("DTSTART") == date(
        2026, 6, 25
    )
    review = found[f"okr-cycle-{quarter.pk}-review@example.org"]
    assert str(review["SUMMARY"]) == "2026-Q3: mid-cycle review"
    audit = KeyResult.objects.get(key="audit")
    assert found[f"okr-key-result-{audit.pk}-due@example.org"].decoded("DTSTART") == date(
        2026, 9, 15
    )
    # A key result without a due date of its own is due at the cycle's end.
    ninety = KeyResult.objects.get(key="ninety")
    assert found[f"okr-key-result-{ninety.pk}-due@example.org"].decoded("DTSTART") == date(
        2026, 9, 30
    )
    deadlines = Initiative.objects.get(key="deadlines")
    assert str(found[f"okr-initiative-{deadlines.pk}-due@example.org"]["SUMMARY"]) == (
        "Initiative due: Set deadlines per course"
    )
    # Initiatives without a due date have no event; each key result has one.
    assert len(found) == 3 + KeyResult.objects.count() + 2
    assert "Initiative due: Chase the late ones weekly" not in summaries(text)


def test_text_is_escaped_and_long_lines_folded(quarter: Cycle, south: User) -> None:
    text = cycle_calendar(cycle=quarter, host="example.org")
    assert "SUMMARY:Key result due: Call back\\, settle\\; then\\nwrite it down\r\n" in text
    assert "Initiative due: Script\\, v2" in text
    lines = text.split("\r\n")
    assert max(len(line.encode()) for line in lines) <= 75
    assert any(line.startswith(" ") for line in lines)  # a folded continuation
    kr = KeyResult.objects.get(key="calls")
    event = events(text)[f"okr-key-result-{kr.pk}-due@example.org"]
    assert str(event["SUMMARY"]) == f"Key result due: {TRICKY}"
    assert str(event["DESCRIPTION"]) == f"Objective: {LONG}\nCycle: 2026-Q3"


def test_the_same_calendar_reads_the_same_twice(quarter: Cycle, south: User) -> None:
    assert cycle_calendar(cycle=quarter) == cycle_calendar(cycle=quarter)


def test_a_person_sees_what_they_own_and_a_team_its_own(quarter: Cycle, south: User) -> None:
    ben = User.objects.get(username="ben")
    mine = summaries(
        calendar_build(cycles=[quarter], name="x", host="h", scope=CalendarScope(owner=ben))
    )
    assert mine == {
        "2026-Q3: weekly check-in",
        "Key result due: Payment promises kept",
        "Key result due: Disputed share of invoices",
    }
    # Owning the objective brings its key results (ana owns both North objectives).
    ana = User.objects.get(username="ana")
    ana_events = summaries(
        calendar_build(cycles=[quarter], name="x", host="h", scope=CalendarScope(owner=ana))
    )
    assert "Key result due: Payment promises kept" in ana_events
    assert f"Key result due: {TRICKY}" not in ana_events
    south_events = summaries(
        calendar_build(cycles=[quarter], name="x", host="h", scope=CalendarScope(team="South"))
    )
    assert south_events == {
        "2026-Q3: weekly check-in",
        f"Key result due: {TRICKY}",
        "Initiative due: Script, v2",
    }


def _running(quarter: Cycle) -> None:
    """Moves the cycle around today: the subscribed feed follows running cycles."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=quarter.pk).update(
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60)
    )


def test_the_secret_feed_holds_its_owners_dates_and_teams_only(quarter: Cycle, south: User) -> None:
    _running(quarter)
    secret = calendar_address_reset(user=south, actor=south).secret
    app = Client()  # a calendar app: no session
    url = reverse("okrs:calendar_feed", kwargs={"secret": secret})
    response = app.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    found = summaries(response.content)
    assert f"Key result due: {TRICKY}" in found
    assert "Key result due: Payment promises kept" not in found
    team = app.get(url, {"team": "South"})
    assert team.status_code == 200
    assert "Initiative due: Script, v2" in summaries(team.content)
    # Another team's dates, an unknown team and a wrong secret all read alike: not found.
    assert app.get(url, {"team": "North"}).status_code == 404
    assert app.get(url, {"team": "Nowhere"}).status_code == 404
    wrong = reverse("okrs:calendar_feed", kwargs={"secret": secret[:-2] + "zz"})
    assert app.get(wrong).status_code == 404
    # A new address ends the old one.
    calendar_address_reset(user=south, actor=south)
    assert app.get(url).status_code == 404


def test_the_address_page_shows_the_addresses_once_and_they_work(
    quarter: Cycle, south: User
) -> None:
    _running(quarter)
    browser = Client()
    browser.force_login(south)
    page = browser.post(reverse("okrs:calendar_address"), {"from": "mine"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    body = page.content.decode()
    start = body.index('id="calendar-mine" class="secret" type="text" readonly value="')
    url = body[start:].split('value="', 1)[1].split('"', 1)[0]
    assert "?team=South" in body
    assert "team=North" not in body
    feed = Client().get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert f"Key result due: {TRICKY}" in summaries(feed.content)


def test_the_download_is_the_signed_in_persons(quarter: Cycle, south: User) -> None:
    _running(quarter)
    browser = Client()
    browser.force_login(User.objects.get(username="ben"))
    response = browser.get(reverse("okrs:calendar_download"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="okrs-mine.ics"'
    assert "Key result due: Payment promises kept" in summaries(response.content)
    assert browser.get(reverse("okrs:calendar_download"), {"team": "South"}).status_code == 404
    assert Client().get(reverse("okrs:calendar_download")).status_code == 302
