"""In the browser: an admin adds a customer's own rule ("no visits") in plain fields and changes
the organisation's calling hours; both are listed at once. Wide screen and phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.compliance.models import Rule
from recoup.ledger.models import Customer
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def test_an_admin_adds_a_customers_rule_and_changes_the_hours(page: Page, screenshot: Shot) -> None:
    Customer.objects.create(
        external_id="C-7", name="Lakeside Florists", time_zone="America/Chicago"
    )
    person("ada", Role.ADMIN, "Ada")
    log_in(page, "ada")
    page.goto("/compliance/rules/")
    page.get_by_role("link", name="Add a rule").click()
    page.get_by_role("link", name="A channel is not used at all").click()
    form = page.locator("form.form")
    form.get_by_role("checkbox", name="Visit").check()
    form.get_by_label("Name").fill("No visits: the florist works from home")
    form.get_by_label("Id", exact=True).fill("no_visits")
    form.get_by_label("For", exact=True).select_option(label="One customer")
    form.get_by_label("Customer's id").fill("C-7")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "contact-rule-new-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "contact-rule-new-1366")
    form.get_by_role("button", name="Add the rule").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Rule “No visits: the florist works from home” added."
    )
    row = page.get_by_role("row").filter(has_text="No visits")
    expect(row).to_contain_text("Lakeside Florists")

    page.get_by_role(
        "link", name="Change Only between 08:00 and 21:00 at the debtor's local time"
    ).click()
    form = page.locator("form.form")
    expect(form.get_by_label("From", exact=True)).to_have_value("08:00")
    form.get_by_label("From", exact=True).fill("09:00")
    form.get_by_role("checkbox", name="Sunday").uncheck()
    form.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("status")).to_contain_text("changed")
    rule = Rule.objects.get(code="time_window", scope="system")
    assert rule.params["start"] == "09:00"
    assert 6 not in rule.params["weekdays"]
    screenshot(page, "contact-rules-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "contact-rules-390")
