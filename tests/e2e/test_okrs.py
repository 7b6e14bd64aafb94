"""In the browser: the OKR board, and a check-in that runs into the two-at-risk rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.okrs.models import CheckIn, Cycle, KeyResult, StatusOverride
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
    # The rule is said before submitting, and "At risk" can no longer be chosen.
    form = page.locator("#checkin")
    expect(form.get_by_label("At risk", exact=True)).to_be_disabled()
    expect(form.locator("#at-risk-rule")).to_have_text(
        "The last two check-ins said “at risk”, so this one must say whether the key result is on"
        " track or off track: “at risk” a third time would leave it undecided."
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
    _ledger_with_history()
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.goto("/okrs/")
    page.get_by_role("link", name="Start from a template").click()
    # Templates whose KPIs have no value here (no disputes, no promises) are listed apart.
    expect(page.get_by_role("heading", name="Not offered here")).to_be_visible()
    form = page.locator("#from-template")
    form.get_by_label("Template", exact=True).select_option("shrink-90-plus")
    form.get_by_label("Cycle", exact=True).select_option("2026-Q3")
    form.get_by_label("Commitment", exact=True).select_option("committed")
    screenshot(page, "okr-templates")
    form.get_by_role("button", name="Create from template").click()
    expect(page.get_by_role("status")).to_contain_text(
        "“Get the long-overdue book under control” added to 2026-Q3"
    )
    expect(
        page.get_by_role("heading", name="Get the long-overdue book under control")
    ).to_be_visible()
    screenshot(page, "okr-board-from-template")


def _ledger_with_history() -> None:
    """Six debtors invoiced every quarter for two years, each invoice paid 40 days later and the
    older ones larger: receivables shrink quarter on quarter, so a KPI has a history to learn."""
    for n in range(6):
        customer = Customer.objects.create(external_id=f"C-{n}", name=f"Debtor {n}")
        for months_back in range(0, 24, 3):
            issued = date(2026, 6, 1) - timedelta(days=30 * months_back + n)
            amount = (n + 1) * 10_000_00 + months_back * 1_000_00
            invoice = Invoice.objects.create(
                external_id=f"INV-{n}-{months_back}",
                customer=customer,
                issue_date=issued,
                due_date=issued + timedelta(days=30),
                amount_minor=amount,
                currency="USD",
            )
            payment = Payment.objects.create(
                external_id=f"PAY-{n}-{months_back}",
                customer=customer,
                received_on=issued + timedelta(days=40),
                amount_minor=amount,
                currency="USD",
            )
            Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=amount)


def test_a_manager_overrides_a_status_and_binds_a_kpi_with_a_suggested_target(
    page: Page, screenshot: Shot
) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    _ledger_with_history()
    ninety = KeyResult.objects.get(key="ninety")
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.goto(f"/okrs/key-results/{ninety.pk}/")
    card = page.locator("#status-override")
    card.get_by_label("Status").select_option(label="Off track")
    card.get_by_label("Reason").fill("Our largest debtor filed for insolvency")
    card.get_by_role("button", name="Override status").click()
    expect(page.get_by_role("status")).to_contain_text("Status overridden.")
    expect(page.locator("#override-reason")).to_contain_text("filed for insolvency")
    screenshot(page, "okr-status-override")
    assert StatusOverride.objects.get(cleared_at__isnull=True).status == "off_track"

    page.get_by_role("link", name="Edit key result").click()
    page.wait_for_load_state()  # htmx binds the KPI select once the page has loaded
    page.get_by_label("Bound to KPI").select_option("ar_total")
    suggestion = page.locator("#target-suggestion")
    expect(suggestion).to_contain_text("Realistic targets for ar_total")
    expect(suggestion).to_contain_text("Commit")
    screenshot(page, "okr-target-suggestion")
    # Baseline and commit from the suggestion, as a manager would copy them.
    baseline = suggestion.locator("#suggested-baseline").inner_text()
    commit = suggestion.locator("#suggested-commit").inner_text()
    page.get_by_label("Baseline").fill(baseline)
    page.get_by_label("Target", exact=True).fill(commit)
    page.get_by_role("button", name="Save key result").click()
    expect(page.get_by_role("status")).to_contain_text("Key result saved.")
    ninety.refresh_from_db()
    assert ninety.metric == "ar_total"
    assert ninety.target == Decimal(commit.replace(",", ""))
    assert ninety.target < ninety.baseline


def test_an_admin_changes_the_cadence_from_settings(page: Page, screenshot: Shot) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    person("ada", Role.ADMIN, "Ada")
    log_in(page, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("list", name="Settings sections").get_by_role("link", name="Cadence").click()
    page.get_by_label("Weekly check-in day").select_option(label="Thursday")
    page.get_by_label("Mid-cycle review").fill("2026-08-13")
    page.get_by_label("On track within (points)").fill("5")
    page.get_by_label("At risk within (points)").fill("15")
    page.get_by_role("button", name="Save cadence").click()
    expect(page.get_by_role("status")).to_contain_text("Cadence of cycle 2026-Q3 saved.")
    screenshot(page, "settings-cadence")
    cycle = Cycle.objects.get(name="2026-Q3")
    assert (cycle.checkin_weekday, cycle.on_track_within, cycle.at_risk_within) == (3, 5, 15)
    assert cycle.midcycle_review_on == date(2026, 8, 13)
