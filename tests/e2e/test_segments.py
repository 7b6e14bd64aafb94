"""In the browser: a manager reads the segments of the book, adds one that hands the largest
account to the agency (it leaves the calling list for the letter/agency/legal group), and reads
the early warning of an account with nothing past due that has always paid late."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.ledger.models import Allocation, Assignment, Customer, Invoice, Payment
from tests.e2e.conftest import log_in, shots_at_both_widths
from tests.e2e.test_worklist import _daytime_zone, _people
from tests.worklist.conftest import default_segments_add

Shot = Callable[[Page, str], Path]


def _always_late(team_of: Customer) -> None:
    """A debtor with nothing past due today whose last six invoices were each paid 45 days late."""
    standing = Assignment.objects.get(customer=team_of)
    customer = Customer.objects.create(
        external_id="C-3001", name="Coastal Cafe Group", time_zone=_daytime_zone()
    )
    Assignment.objects.create(
        customer=customer,
        team=standing.team,
        collector=standing.collector,
        valid_from=standing.valid_from,
    )
    today = timezone.localdate()
    for k in range(6):
        due = today - timedelta(days=60 + 30 * k)
        invoice = Invoice.objects.create(
            external_id=f"INV-3001-{k}",
            customer=customer,
            issue_date=due - timedelta(days=30),
            due_date=due,
            amount_minor=2_000_00,
            currency="USD",
        )
        payment = Payment.objects.create(
            external_id=f"PAY-3001-{k}",
            customer=customer,
            received_on=due + timedelta(days=45),
            amount_minor=2_000_00,
            currency="USD",
        )
        Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=2_000_00)
    Invoice.objects.create(
        external_id="INV-3001-open",
        customer=customer,
        issue_date=today - timedelta(days=10),
        due_date=today + timedelta(days=12),
        amount_minor=9_500_00,
        currency="USD",
    )


def test_a_manager_hands_the_largest_account_to_the_agency_and_reads_the_early_warning(
    page: Page, screenshot: Shot
) -> None:
    default_segments_add()
    _people()
    _always_late(Customer.objects.get(external_id="C-1001"))
    log_in(page, "max")
    page.goto("/worklist/?collector=nina")
    now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(now).to_contain_text("Harbor Bakery Supply")
    page.get_by_role("navigation", name="Worklist pages").get_by_role(
        "link", name="Segments"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Segments")
    table = page.get_by_role("table", name="The segments today")
    expect(table).to_contain_text("Everything else")
    add = page.get_by_role("region", name="Add a segment")
    add.get_by_label("Order").fill("1")
    add.get_by_label("Name").fill("Large balances")
    add.get_by_label("Treatment").select_option(label="Agency")
    add.get_by_label("Owes at least").fill("40,000")
    add.get_by_role("button", name="Add the segment").click()
    expect(page.get_by_role("status")).to_contain_text("Large balances")
    row = table.get_by_role("row").filter(has_text="Large balances")
    expect(row).to_contain_text("Agency")
    expect(row).to_contain_text("48,200.00 USD")
    shots_at_both_widths(page, screenshot, "segments")

    page.goto("/worklist/?collector=nina")
    expect(page.get_by_role("table", name=re.compile("Contact now"))).not_to_contain_text(
        "Harbor Bakery Supply"
    )
    referred = page.get_by_role("table", name=re.compile("letter, the agency or legal"))
    expect(referred).to_contain_text("Harbor Bakery Supply")
    expect(referred).to_contain_text("Large balances · agency")

    page.get_by_role("navigation", name="Worklist pages").get_by_role(
        "link", name="Early warning"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Early warning")
    warned = page.get_by_role("table", name="Most at risk")
    expect(warned.get_by_role("row").nth(1)).to_contain_text("Coastal Cafe Group")
    expect(warned).to_contain_text("9,500.00 USD")
    expect(warned).to_contain_text("late on average")
    expect(warned).not_to_contain_text("Harbor Bakery Supply")  # already past due
    shots_at_both_widths(page, screenshot, "early-warning")
