"""In the browser, from an empty OKR database beside the demo ledger: a manager creates the
quarter, adds two objectives from templates (their key results bound to KPIs, with baselines and
targets from the ledger) and a key result by hand with an initiative for a collector; the
collector finds it on "My work", checks in with a decimal comma and corrects it; the board then
reads from → to, owners by name and the last check-in. At 1366 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, User
from recoup.demo.services import demo_ledger_clear, demo_ledger_generate
from recoup.okrs.models import CheckIn, KeyResult, Objective
from tests.demo.conftest import ensure_crf_reference_values
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


@pytest.fixture
def demo_ledger(server_url: str) -> Iterator[None]:
    ensure_crf_reference_values()
    demo_ledger_generate(invoices=1500, seed=5, as_of=timezone.localdate())
    yield
    demo_ledger_clear()


def _quarter(today: date) -> tuple[date, date]:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    following = date(first.year + first.month // 10, (first.month + 2) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _from_template(page: Page, title: str, commitment: str) -> None:
    page.goto("/okrs/templates/")
    form = page.locator("#from-template")
    form.get_by_label("Template").select_option(label=title)
    form.get_by_label("Commitment").select_option(commitment)
    form.get_by_role("button", name="Create from template").click()
    expect(page.get_by_role("status")).to_contain_text(f"“{title}” added to")


def test_a_manager_runs_the_quarter_and_a_collector_checks_in(
    page: Page, screenshot: Shot, demo_ledger: None
) -> None:
    person("ana", Role.MANAGER, "Ana")
    User.objects.filter(username="ana").update(last_name="Ribeiro")
    ben = person("ben", Role.COLLECTOR, "Ben")
    User.objects.filter(pk=ben.pk).update(last_name="Okafor", decimal_mark=",")
    today = timezone.localdate()
    starts, ends = _quarter(today)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "ana")

    # The quarter, with where to aim beside the form.
    page.goto("/okrs/")
    page.get_by_role("link", name="Create the first cycle").click()
    expect(page.locator("#where-to-aim")).to_contain_text("the CRF median is")
    form = page.locator("#cycle-new")
    form.get_by_label("Name").fill("This quarter")
    form.get_by_label("Starts").fill(starts.isoformat())
    form.get_by_label("Ends").fill(ends.isoformat())
    screenshot(page, "okr-quarter-cycle-new-1366")
    form.get_by_role("button", name="Create cycle").click()
    expect(page.get_by_role("status")).to_contain_text("Cycle This quarter created.")

    # Two objectives from templates: KPI-bound, baselines read, targets from the history.
    page.goto("/okrs/templates/")
    expect(page.get_by_role("heading", name="Not offered here")).to_be_visible()
    screenshot(page, "okr-quarter-templates-1366")
    _from_template(page, "Turn receivables into cash faster", "committed")
    _from_template(page, "Get the long-overdue book under control", "aspirational")
    bound = KeyResult.objects.exclude(metric="")
    assert bound.count() == 6
    assert all(kr.baseline is not None and kr.target is not None for kr in bound)
    board = page.locator("main")
    expect(board).not_to_contain_text("Outdated")

    # A key result by hand under the first objective, and an initiative for Ben.
    first = Objective.objects.get(key="collect-faster")
    page.locator(f"section:has(h2#obj-{first.pk})").get_by_role("link", name="+ key result").click()
    form = page.locator("#key-result-new")
    form.get_by_label("Title").fill("Payment promises kept")
    form.get_by_label("Kind").select_option("increase_to")
    form.get_by_label("Unit").fill("percent")
    form.get_by_label("Baseline").fill("60")
    form.get_by_label("Target").fill("80")
    form.get_by_label("Owner").select_option(label="Ben Okafor")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("status")).to_contain_text("Key result added.")
    section = page.locator("#initiatives")
    section.get_by_text("+ initiative").click()
    form = section.locator("#initiative-new")
    form.get_by_label("Title").fill("Call every broken promise within a day")
    form.get_by_label("Owner").select_option(label="Ben Okafor")
    form.get_by_label("Due").fill(min(ends, today + timedelta(days=14)).isoformat())
    form.get_by_role("button", name="Add initiative").click()
    expect(page.get_by_role("status")).to_contain_text("Initiative added.")

    # Ben: "My work", a check-in with a decimal comma, then its correction.
    page.context.clear_cookies()
    log_in(page, "ben")
    page.goto("/okrs/mine/")
    expect(page.locator("#my-initiatives")).to_contain_text(
        "Call every broken promise within a day"
    )
    page.locator("#to-check-in").get_by_role("link", name="Payment promises kept").click()
    form = page.locator("#checkin")
    form.get_by_label("Value (percent)").fill("58,5")
    expect(form.locator("#checkin-preview")).to_contain_text("With 58,5 percent")
    form.get_by_label("At risk", exact=True).check()
    form.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    correct = page.locator("#checkin-correct")
    correct.get_by_text("Correct it", exact=True).click()
    correct.get_by_label("Value (percent)").fill("65,5")
    correct.get_by_label("On track", exact=True).check()
    correct.get_by_label("Comment").fill("Typo: 65,5")
    correct.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in corrected")
    kr = KeyResult.objects.get(title="Payment promises kept")
    assert CheckIn.objects.counted().get(key_result=kr).value == Decimal("65.5")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "okr-quarter-key-result-390")

    # The board as the manager reads it.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "ana")
    page.goto("/okrs/")
    row = page.locator(f"#kr-{kr.pk}")
    expect(row).to_contain_text("60 → 80 %")
    expect(row).to_contain_text("Ben Okafor")
    expect(row).to_contain_text(re.compile(r"Ben Okafor, (today|on .+), on track"))
    expect(page.locator("main")).to_contain_text("owner Ana Ribeiro")
    expect(page.locator("main")).not_to_contain_text("ana ")
    screenshot(page, "okr-quarter-board-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "okr-quarter-board-390")
    # At 390 px nothing of a key result's row sits off-screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
