"""In the browser: a manager takes a calendar address from the Cadence page and a calendar app
reads it; the board goes on the team's TV in presentation mode and hands over to the dashboard
by itself; printed, the board leaves its navigation and buttons off the paper."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def _running_quarter() -> None:
    today = timezone.localdate()
    north = team_create(name="North")
    mona = person("mona", Role.MANAGER, "Mona")
    team_member_add(team=north, user=mona)
    plan = f"""\
cycle:
  name: This quarter
  starts_on: {today - timedelta(days=30)}
  ends_on: {today + timedelta(days=60)}
  checkin_weekday: monday
objectives:
  - key: cash
    title: Turn receivables into cash sooner
    owner: mona
    team: North
    key_results:
      - key: promises
        title: Payment promises kept, week by week; no excuses
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: mona
        due_on: {today + timedelta(days=45)}
"""
    plan_apply(plan=plan_parse(plan, source="quarter.yaml"), via="test")


def test_calendar_address_presentation_and_print(page: Page, screenshot: Shot) -> None:
    _running_quarter()
    log_in(page, "mona")

    # The Cadence page gives a calendar address; a calendar app (no session) reads it.
    page.goto("/okrs/cadence/")
    page.get_by_role("button", name="Get a calendar address to subscribe to").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your calendar address")
    address = page.get_by_label("Your own dates").input_value()
    assert re.search(r"/okrs/calendar/rcpcal_[^/]+\.ics$", address)
    expect(page.get_by_label("Team North")).to_have_value(re.compile(r"\?team=North$"))
    shots_at_both_widths(page, screenshot, "calendar-address")
    with urllib.request.urlopen(address, timeout=30) as answer:  # the live server, on localhost
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(answer.read())
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "This quarter: weekly check-in" in summaries
    assert "Key result due: Payment promises kept, week by week; no excuses" in summaries

    # Presentation mode: the board full-screen in large type, no navigation, then the dashboard.
    page.goto("/okrs/")
    page.get_by_role("link", name="Present").click()
    expect(page).to_have_url(re.compile(r"/okrs/present/"))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    heading = page.get_by_role("heading", name="Turn receivables into cash sooner")
    expect(heading).to_be_visible()
    size = float(heading.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    assert size >= 28
    shots_at_both_widths(page, screenshot, "present-board")
    page.get_by_label("Next page every").select_option("30")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"every=30"))
    page.goto("/okrs/present/?every=10")
    page.wait_for_url(re.compile(r"/dashboard/present/\?every=10"), timeout=40_000)
    expect(page.locator("#present-dashboard")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    shots_at_both_widths(page, screenshot, "present-dashboard")

    # Printed, the board keeps its content and drops navigation, buttons and forms.
    page.goto("/okrs/")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Turn receivables into cash sooner")).to_be_visible()
    expect(page.locator(".mainnav")).to_be_hidden()
    expect(page.locator(".downloads").first).to_be_hidden()
    expect(page.get_by_role("link", name="Present")).to_be_hidden()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    shots_at_both_widths(page, screenshot, "board-print")
    page.emulate_media(media="screen")
    expect(page.locator(".mainnav")).to_be_visible()
