"""In the browser: the OKR board, and a check-in that runs into the two-at-risk rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.okrs.models import CheckIn, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.e2e.conftest import log_in, person
from tests.okrs.conftest import PLAN

Shot = Callable[[Page, str], Path]


def _check_in(page: Page, value: str, confidence: str, comment: str) -> None:
    form = page.locator("#checkin")
    form.get_by_label("Value").fill(value)
    form.get_by_label(confidence, exact=True).check()
    form.get_by_label("Comment").fill(comment)
    form.get_by_role("button", name="Save check-in").click()


def test_a_manager_checks_in_and_hits_the_two_at_risk_rule(page: Page, screenshot: Shot) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    ninety = KeyResult.objects.get(key="ninety")
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="OKRs").click()
    expect(page.get_by_role("heading", name="Turn receivables into cash sooner")).to_be_visible()
    screenshot(page, "okr-board")
    page.get_by_role("link", name="Less money more than 90 days past due").click()
    expect(page).to_have_url(re.compile(rf"/okrs/key-results/{ninety.pk}/$"))
    _check_in(page, "480000", "At risk", "Two big payers slipped")
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    _check_in(page, "470000", "At risk", "Still slipping")
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    _check_in(page, "465000", "At risk", "Third week")
    expect(page.get_by_role("alert")).to_contain_text(
        "the last two check-ins were 'at risk': this one must say on_track or off_track"
    )
    screenshot(page, "okr-checkin-two-at-risk")
    assert CheckIn.objects.filter(key_result=ninety).count() == 2
    _check_in(page, "465000", "Off track", "Calling it: off track")
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    expect(page.locator("#kr-history")).to_have_attribute("data-drawn", "yes")
    screenshot(page, "okr-key-result")
    assert CheckIn.objects.filter(key_result=ninety).count() == 3


def test_a_manager_creates_an_okr_from_a_template(page: Page, screenshot: Shot) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.goto("/okrs/")
    page.get_by_role("link", name="Start from a template").click()
    page.get_by_label("Template", exact=True).select_option("shrink-90-plus")
    page.get_by_label("Cycle", exact=True).select_option("2026-Q3")
    page.get_by_label("Team", exact=True).select_option("North")
    screenshot(page, "okr-templates")
    page.get_by_role("button", name="Create from template").click()
    expect(page.get_by_role("status")).to_contain_text("Objective created from the template")
    expect(
        page.get_by_role("heading", name="Get the long-overdue book under control")
    ).to_be_visible()
    screenshot(page, "okr-board-from-template")
