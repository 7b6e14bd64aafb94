"""In the browser: a manager plans a quarter from an empty board (a cycle, an objective, a key
result by hand, an initiative), and the initiative shows on its owner's "My work"; at 1366 and
390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.okrs.models import Cycle, Initiative, KeyResult, Objective
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def test_a_manager_plans_a_quarter_and_the_owner_sees_the_initiative(
    page: Page, screenshot: Shot
) -> None:
    person("ana", Role.MANAGER, "Ana")
    person("ben", Role.COLLECTOR, "Ben")
    today = timezone.localdate()
    starts, ends = today - timedelta(days=7), today + timedelta(days=83)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "ana")

    page.goto("/okrs/")
    page.get_by_role("link", name="Create the first cycle").click()
    form = page.locator("#cycle-new")
    form.get_by_label("Name").fill("Running quarter")
    form.get_by_label("Starts").fill(starts.isoformat())
    form.get_by_label("Ends").fill(ends.isoformat())
    screenshot(page, "okr-plan-cycle-new-1366")
    form.get_by_role("button", name="Create cycle").click()
    expect(page.get_by_role("status")).to_contain_text("Cycle Running quarter created.")

    page.get_by_role("link", name="Add the first objective").click()
    form = page.locator("#objective-new")
    form.get_by_label("Title").fill("Turn receivables into cash sooner")
    form.get_by_label("Owner").select_option(label="Ana")
    form.get_by_role("button", name="Add objective").click()
    expect(page.get_by_role("heading", name="Turn receivables into cash sooner")).to_be_visible()

    page.get_by_role("link", name="+ key result").click()
    form = page.locator("#key-result-new")
    form.get_by_label("Title").fill("Payment promises kept")
    form.get_by_label("Kind").select_option("increase_to")
    form.get_by_label("Unit").fill("percent")
    form.get_by_label("Baseline").fill("60")
    form.get_by_label("Target").fill("80")
    form.get_by_label("Owner").select_option(label="Ben")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "okr-plan-key-result-new-390")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("status")).to_contain_text("Key result added.")
    expect(page.get_by_role("heading", name="Payment promises kept", level=1)).to_be_visible()
    kr = KeyResult.objects.get(title="Payment promises kept")
    assert (kr.baseline, kr.target, kr.owner.username if kr.owner else None) == (
        Decimal(60),
        Decimal(80),
        "ben",
    )

    due = today + timedelta(days=10)
    section = page.locator("#initiatives")
    expect(section).to_contain_text("No initiatives yet.")
    section.get_by_text("+ initiative").click()
    form = section.locator("#initiative-new")
    form.get_by_label("Title").fill("Call the ten largest debtors")
    form.get_by_label("Owner").select_option(label="Ben")
    form.get_by_label("Due").fill(due.isoformat())
    form.get_by_label("Priority").select_option("high")
    form.get_by_role("button", name="Add initiative").click()
    expect(page.get_by_role("status")).to_contain_text("Initiative added.")
    expect(page.locator("#initiatives")).to_contain_text("Call the ten largest debtors")
    expect(page.locator("#initiatives")).to_contain_text("Ben · due")
    screenshot(page, "okr-plan-initiatives-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/okrs/")
    screenshot(page, "okr-plan-board-1366")

    cycle = Cycle.objects.get(name="Running quarter")
    assert Objective.objects.get(cycle=cycle).title == "Turn receivables into cash sooner"
    assert Initiative.objects.get().owner.username == "ben"  # type: ignore[union-attr]

    page.context.clear_cookies()
    log_in(page, "ben")
    page.goto("/okrs/")
    page.get_by_role("link", name="My work").click()
    expect(page).to_have_url(re.compile(r"/okrs/mine/$"))
    expect(page.locator("#to-check-in")).to_contain_text("Payment promises kept")
    mine = page.locator("#my-initiatives")
    expect(mine).to_contain_text("Call the ten largest debtors")
    expect(mine).to_contain_text(f"due {due.day} {due:%b %Y}")
    expect(mine).to_contain_text("High priority")
    screenshot(page, "okr-plan-my-work-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "okr-plan-my-work-390")
