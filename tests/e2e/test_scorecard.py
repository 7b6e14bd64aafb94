"""In the browser: a manager opens the collector scorecard from the worklist, sets a target for
one collector and sees it read met, then missed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import Activity, Allocation, Assignment, Customer, Invoice, Payment
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def _account(ref: str, name: str, collector: User, team: Team) -> Customer:
    customer = Customer.objects.create(external_id=ref, name=name)
    Assignment.objects.create(
        customer=customer, team=team, collector=collector, valid_from=date(2025, 1, 1)
    )
    today = timezone.localdate()
    Invoice.objects.create(
        external_id=f"INV-{ref}",
        customer=customer,
        issue_date=today - timedelta(days=150),
        due_date=today - timedelta(days=120),
        amount_minor=9_000_00,
        currency="USD",
    )
    return customer


def _month_so_far() -> None:
    north = team_create(name="North")
    nina = person("nina", Role.COLLECTOR, "Nina")
    sam = person("sam", Role.COLLECTOR, "Sam")
    max_ = person("max", Role.MANAGER, "Max")
    for user in (nina, sam, max_):
        team_member_add(team=north, user=user)
    harbor = _account("C-1001", "Harbor Bakery Supply", nina, north)
    _account("C-2001", "Granite Logistics", sam, north)
    now = timezone.now()
    for number, outcome in enumerate(["right_party_contact", "promise", "no_answer"], start=1):
        Activity.objects.create(
            external_id=f"ACT-{number}",
            customer=harbor,
            channel="call",
            direction="outbound",
            outcome=outcome,
            collector=nina,
            occurred_at=now - timedelta(minutes=number),
        )
    payment = Payment.objects.create(
        external_id="PAY-1",
        customer=harbor,
        received_on=timezone.localdate(),
        amount_minor=1_000_00,
        currency="USD",
    )
    Allocation.objects.create(
        payment=payment, invoice=Invoice.objects.get(customer=harbor), amount_minor=1_000_00
    )


def _set_target(page: Page, amount: str) -> None:
    form = page.get_by_role("form", name="Set a target")
    form.get_by_label("For").select_option(label="Nina")
    form.get_by_label("Figure").select_option(label="Cash collected")
    form.get_by_label("Target").fill(amount)
    form.get_by_label("Per").select_option(label="Month")
    form.get_by_role("button", name="Save the target").click()


def test_a_manager_sets_a_collectors_target_and_sees_it_met_then_missed(
    page: Page, screenshot: Shot
) -> None:
    _month_so_far()
    log_in(page, "max")
    page.goto("/worklist/")
    page.get_by_role("navigation", name="Worklist pages").get_by_role(
        "link", name="Scorecard"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collector scorecard")
    table = page.get_by_role("table")
    nina = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Nina"))
    expect(nina).to_contain_text("1,000 USD")  # cash collected this month
    expect(nina).to_contain_text("8,000 USD")  # more than 90 days past due, after the payment
    expect(table.get_by_role("row", name=re.compile("All shown together"))).to_contain_text(
        "17 k USD"
    )

    _set_target(page, "500")
    expect(page.get_by_role("status")).to_contain_text("Target for cash collected of Nina saved.")
    expect(nina).to_contain_text("at least 500 USD: met")

    _set_target(page, "2,500")
    expect(nina).to_contain_text("at least 2,500 USD: missed")
    expect(nina.locator(".sc-missed")).to_have_count(1)
    shots_at_both_widths(page, screenshot, "scorecard")

    # The figure opens its explanation, for Nina alone.
    nina.get_by_role("link", name="1,000 USD").click()
    expect(page).to_have_url(re.compile(r"/dashboard/explain/cash_collected/\?collector=nina"))
    expect(page.locator("body")).to_contain_text("1,000.00")
