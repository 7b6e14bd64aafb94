"""In the browser: a collector who writes a decimal comma checks in, sees what the value does
before saving, and corrects the check-in; at 1366 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, User
from recoup.okrs.models import CheckIn, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def _running_quarter() -> str:
    """A cycle half-way through today, so expected progress is neither 0 nor 100 %."""
    today = timezone.localdate()
    starts, ends = today - timedelta(days=45), today + timedelta(days=45)
    return f"""\
cycle:
  name: Running quarter
  starts_on: {starts.isoformat()}
  ends_on: {ends.isoformat()}
objectives:
  - key: cash
    title: Turn receivables into cash sooner
    owner: ana
    key_results:
      - key: promises
        title: Payment promises kept
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: ben
"""


def test_a_collector_checks_in_with_a_decimal_comma_and_corrects_it(
    page: Page, screenshot: Shot
) -> None:
    person("ana", Role.MANAGER, "Ana")
    person("ben", Role.COLLECTOR, "Ben")
    plan_apply(plan=plan_parse(_running_quarter(), source="running.yaml"), via="test")
    promises = KeyResult.objects.get(key="promises")
    log_in(page, "ben")

    page.goto("/settings/tokens/")
    card = page.locator("#number-format")
    card.get_by_label("Comma: 1.250,5").check()
    card.get_by_role("button", name="Save number format").click()
    expect(page.get_by_role("status")).to_contain_text("Number format saved.")
    expect(page.locator("#number-format").get_by_label("Comma: 1.250,5")).to_be_checked()
    screenshot(page, "account-number-format")
    assert User.objects.get(username="ben").decimal_mark == ","

    page.goto(f"/okrs/key-results/{promises.pk}/")
    form = page.locator("#checkin")
    expect(form.locator("#previous-checkin")).to_contain_text("No check-in yet")
    expect(form).to_contain_text("Your decimal mark is a comma")
    expect(form).to_contain_text(
        "After two “at risk” check-ins in a row, the next one must say whether"
    )
    # A point, as a comma-writer would not mean it, is explained before anything is saved.
    form.get_by_label("Value (percent)").fill("75.5")
    expect(form.locator("#checkin-preview")).to_contain_text("write 75,5")
    form.get_by_label("Value (percent)").fill("75,5")
    preview = form.locator("#checkin-preview")
    expect(preview).to_contain_text("With 75,5 percent: progress")
    expect(preview).to_contain_text("78 %")  # (75.5 - 60) / (80 - 60)
    expect(preview).to_contain_text("expected by now 50 %")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "okr-checkin-preview-1366")
    form.get_by_label("On track", exact=True).check()
    form.get_by_label("Comment").fill("Most promises kept this week")
    form.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    expect(page.locator("#previous-checkin")).to_contain_text("75,5 percent")
    expect(page.locator("#previous-checkin")).to_contain_text("by Ben")
    assert CheckIn.objects.get().value == Decimal("75.5")

    # It should have been 70,5: Ben corrects his latest check-in.
    correct = page.locator("#checkin-correct")
    correct.get_by_text("Correct it", exact=True).click()
    correct.get_by_label("Value (percent)").fill("70,5")
    expect(correct.locator("#correct-preview")).to_contain_text("With 70,5 percent: progress")
    expect(correct.locator("#correct-preview")).to_contain_text("52 %")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "okr-checkin-correct-390")
    correct.get_by_label("Comment").fill("Typo: 70,5, not 75,5")
    correct.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in corrected")
    expect(page.locator("#previous-checkin")).to_contain_text("70,5 percent")
    history = page.get_by_role("table")
    expect(history.locator("del")).to_have_text("75,5 %")
    expect(history).to_contain_text("Corrected")
    expect(page).to_have_url(re.compile(rf"/okrs/key-results/{promises.pk}/$"))
    screenshot(page, "okr-checkin-corrected-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "okr-checkin-corrected-1366")
    counted = CheckIn.objects.counted().get()
    assert counted.value == Decimal("70.5")
    assert counted.corrects is not None
    assert counted.corrects.value == Decimal("75.5")
