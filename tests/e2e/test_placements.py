"""In the browser: a manager adds a placement rule, previews the batch it makes (what goes where
and what is left out and why), then ticks five accounts by hand, places them with an agency,
and sees them placed on the batch page and on an account's timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.compliance.services import preset_ensure
from recoup.ledger.models import (
    Agency,
    AgencyKind,
    Assignment,
    Customer,
    Invoice,
    Placement,
    PromiseToPay,
)
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]
NAMES = (
    "Harbor Bakery Supply",
    "Granite Logistics",
    "Cedar & Pine Furniture",
    "Bluewater Marine Parts",
    "Summit Office Interiors",
    "Orchard Lane Grocers",
    "Ironbridge Tooling",
)


def _book() -> None:
    preset_ensure()
    north = team_create(name="North")
    boss = person("max", Role.MANAGER, "Max")
    team_member_add(team=north, user=boss)
    Agency.objects.create(external_id="AG-ACME", name="Acme Recovery")
    Agency.objects.create(external_id="AG-LEX", name="Lex Legal", kind=AgencyKind.LAWYER)
    today = timezone.localdate()
    for n, name in enumerate(NAMES, start=1):
        customer = Customer.objects.create(external_id=f"C-{n}", name=name, time_zone="UTC")
        Assignment.objects.create(customer=customer, team=north, valid_from=date(2025, 1, 1))
        for k in range(2):
            Invoice.objects.create(
                external_id=f"INV-{n}-{k}",
                customer=customer,
                issue_date=today - timedelta(days=200 - 10 * n),
                due_date=today - timedelta(days=170 - 10 * n - 5 * k),
                amount_minor=1_250_00 + n * 1_000 + k * 99,
                currency="USD",
            )
    promised = Customer.objects.get(external_id="C-7")
    PromiseToPay.objects.create(
        external_id="P-7",
        customer=promised,
        promised_on=today - timedelta(days=2),
        due_date=today + timedelta(days=5),
        amount_minor=500_00,
        currency="USD",
    )


def test_a_manager_previews_a_batch_then_places_five_accounts_by_hand(
    page: Page, screenshot: Shot
) -> None:
    _book()
    log_in(page, "max")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Placements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Placements")

    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Name").fill("Long overdue")
    page.get_by_label("Agency or lawyer").select_option(label="Acme Recovery")
    page.get_by_label("Days past due, at least").fill("140")
    page.get_by_label("Open amount, at least").fill("2,000")
    page.get_by_label("Currency").fill("USD")
    shots_at_both_widths(page, screenshot, "placements-rule")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("status")).to_contain_text("Rule 'Long overdue' saved.")
    rules = page.get_by_role("table", name="Rules")
    expect(rules).to_contain_text("140+ days past due")
    expect(rules).to_contain_text("owes 2,000.00 USD or more")
    shots_at_both_widths(page, screenshot, "placements-index")

    page.get_by_role("button", name="Preview the batch").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Placement batch")
    invoices = page.get_by_role("table", name=re.compile("Invoices"))
    # 160..100 days late: the three oldest meet 140 days; the promise leaves the seventh out.
    for name in NAMES[:3]:
        expect(invoices).to_contain_text(name)
    expect(invoices).not_to_contain_text(NAMES[4])
    expect(page.get_by_role("table", name="Left out, and why")).to_contain_text(
        "An open promise to pay"
    )
    shots_at_both_widths(page, screenshot, "placements-preview")

    page.get_by_role("navigation", name="Placements pages").get_by_role(
        "link", name="Place by hand"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Place accounts by hand")
    for name in NAMES[:5]:
        page.get_by_label(f"Place {name}").check()
    page.get_by_label("Agency or lawyer").select_option(label="Acme Recovery")
    shots_at_both_widths(page, screenshot, "placements-by-hand")
    page.get_by_role("button", name="Place the ticked accounts").click()
    expect(page.get_by_role("status")).to_contain_text("prepared with the ticked accounts")
    page.get_by_role("button", name="Approve and place").click()
    expect(page.get_by_role("status")).to_contain_text("approved: 10 invoices placed")
    expect(page.get_by_role("button", name="Approve and place")).to_have_count(0)
    lines = page.get_by_role("table", name=re.compile("Invoices"))
    expect(lines.get_by_text("Placed", exact=True)).to_have_count(10)
    shots_at_both_widths(page, screenshot, "placements-placed")
    placed = Placement.objects.filter(agency__name="Acme Recovery")
    assert placed.count() == 10
    assert set(placed.values_list("invoice__customer__name", flat=True)) == set(NAMES[:5])

    lines.get_by_role("link", name=NAMES[0]).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAMES[0])
    expect(page.get_by_text(re.compile(r"INV-1-0 placed with Acme Recovery"))).to_be_visible()
