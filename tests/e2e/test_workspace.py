"""In the browser: a collector works one account (a call the contact rules block, a promise to
pay judged as payments arrive), a manager overrides a block with a reason and finds it in the
audit; the account page and the dispute queue on a wide screen and on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add
from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import (
    Activity,
    Assignment,
    ContactPoint,
    Customer,
    Dispute,
    Invoice,
    PromiseToPay,
)
from recoup.workspace.models import ContactOverride, DisputeCase
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]
NAME = "Harbor Bakery Supply"


def _customer(external_id: str, name: str, team: Team, collector: User) -> Customer:
    customer = Customer.objects.create(
        external_id=external_id,
        name=name,
        segment="SMB",
        country="US",
        time_zone="America/Chicago",
    )
    Assignment.objects.create(
        customer=customer, team=team, collector=collector, valid_from=date(2025, 1, 1)
    )
    return customer


def _invoice(customer: Customer, external_id: str, amount: int, due: date) -> Invoice:
    return Invoice.objects.create(
        external_id=external_id,
        customer=customer,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount_minor=amount,
        currency="USD",
    )


def _book() -> tuple[User, User, Customer]:
    """Nina's book: the bakery supplier she spoke with two days ago, who broke a promise last
    week, and two other debtors with disputes open."""
    today = timezone.localdate()
    north = team_create(name="North")
    manager = person("max", Role.MANAGER, "Max")
    manager.last_name = "Planck"
    manager.save(update_fields=["last_name"])
    collector = person("nina", Role.COLLECTOR, "Nina")
    collector.last_name = "Nordström"
    collector.save(update_fields=["last_name"])
    team_member_add(team=north, user=manager, is_lead=True)
    team_member_add(team=north, user=collector)
    bakery = _customer("C-1042", NAME, north, collector)
    _invoice(bakery, "INV-2026-0311", 1_250_00, today - timedelta(days=45))
    _invoice(bakery, "INV-2026-0388", 830_40, today - timedelta(days=12))
    _invoice(bakery, "INV-2026-0420", 600_00, today + timedelta(days=18))
    ContactPoint.objects.create(
        customer=bakery, kind="phone", value="+1 312 555 0142", label="office", is_primary=True
    )
    ContactPoint.objects.create(customer=bakery, kind="email", value="ap@harborbakery.example")
    # A telephone conversation two days ago, mid-afternoon in Chicago: no call for 7 days.
    spoke = datetime.combine(today - timedelta(days=2), time(20, 0), tzinfo=UTC)
    Activity.objects.create(
        external_id="A-1",
        customer=bakery,
        channel="call",
        direction="outbound",
        outcome="right_party_contact",
        collector=collector,
        occurred_at=spoke,
        note="Spoke with the owner, Dana Reyes; she will pay once the March delivery is settled.",
    )
    PromiseToPay.objects.create(
        external_id="P-OLD",
        customer=bakery,
        collector=collector,
        promised_on=today - timedelta(days=14),
        due_date=today - timedelta(days=7),
        amount_minor=400_00,
        currency="USD",
    )
    for n, (name, reason, deadline) in enumerate(
        [
            ("Lakeside Florists", "Charged twice for the April order", today - timedelta(days=2)),
            ("Prairie Print Co.", "Two pallets arrived damaged", today + timedelta(days=9)),
        ]
    ):
        other = _customer(f"C-20{n}", name, north, collector)
        invoice = _invoice(other, f"INV-2026-05{n}0", 2_400_00 + n * 310_55, today)
        dispute = Dispute.objects.create(
            external_id=f"D-{n}",
            invoice=invoice,
            opened_on=today - timedelta(days=20 - n * 11),
            reason=reason,
        )
        DisputeCase.objects.create(
            dispute=dispute, owner=collector if n else manager, deadline=deadline
        )
    return collector, manager, bakery


def _payments_arrive(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    """A payments file imported as the nightly import does; the import judges the promises."""
    today = timezone.localdate().isoformat()
    lines = "".join(f"{ext},C-1042,{today},{amount},USD\n" for ext, amount in rows)
    path = tmp_path / "payments.csv"
    path.write_text("external_id,customer,received_on,amount,currency\n" + lines)
    outcome = ledger_file_import(kind="payments", path=path, report_path=tmp_path / "report.csv")
    assert outcome.ok, outcome.problems


def test_a_collector_works_an_account_and_a_manager_overrides_a_block(
    page: Page, screenshot: Shot, tmp_path: Path
) -> None:
    _, manager, bakery = _book()
    log_in(page, "nina")
    page.goto("/ledger/customers/")
    page.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("table", name=re.compile("Open balance"))).to_contain_text(
        "2,680.40 USD"
    )

    # A call now: the rules block it, say why and until when, and nothing is logged.
    contact = page.locator("#action-contact")
    contact.get_by_label("Outcome").select_option(label="No answer")
    contact.get_by_role("button", name="Log a contact").click()
    blocked = contact.get_by_role("alert")
    expect(blocked).to_contain_text("The contact rules block this call now.")
    expect(blocked).to_contain_text("We spoke with the debtor about the customer's debts")
    expect(blocked).to_contain_text("rule conversation_block")
    expect(blocked).to_contain_text("in the debtor's time (America/Chicago)")
    lifted = (timezone.localdate() + timedelta(days=5)).strftime("%d %b %Y")
    expect(blocked).to_contain_text(re.compile(rf"Allowed again \w+ {lifted}, 00:00"))
    expect(blocked).to_contain_text("Only a manager or an admin may override these rules.")
    expect(contact.get_by_label("Reason for overriding the rules")).to_have_count(0)
    assert Activity.objects.filter(customer=bakery).count() == 1

    # A promise, recorded: not judged until payments arrive.
    promise = page.locator("#action-promise")
    promise.locator("summary").click()
    promise.get_by_label("Amount").fill("500.00")
    due = timezone.localdate() + timedelta(days=3)
    promise.get_by_label("Promised by").fill(due.isoformat())
    promise.get_by_label("Made in the contact").select_option(index=1)
    promise.get_by_role("button", name="Record a promise to pay").click()
    expect(promise.get_by_role("status")).to_have_text(
        f"Promise of 500.00 USD by {due.isoformat()} recorded."
    )
    promises = page.get_by_role("region", name="Promises and plans")
    mine = promises.get_by_role("listitem").filter(has_text="500.00 USD")
    expect(mine).to_contain_text("Open")

    # Payments arrive: 200 first (not due yet), then 300 (kept); last week's promise is broken.
    _payments_arrive(tmp_path, [("PAY-9001", "200.00")])
    page.reload()
    expect(mine).to_contain_text("Not due yet")
    expect(mine).to_contain_text("200.00 USD paid in time")
    expect(promises.get_by_role("listitem").filter(has_text="400.00 USD")).to_contain_text("Broken")
    follow_up = page.get_by_role("region", name="Needs follow-up")
    expect(follow_up).to_contain_text("Broken promise")
    _payments_arrive(tmp_path, [("PAY-9002", "300.00")])
    page.reload()
    expect(mine).to_contain_text("Kept")
    expect(mine).to_contain_text("500.00 USD paid in time")
    shots_at_both_widths(page, screenshot, "workspace-account")

    page.get_by_role("link", name="All open disputes").click()
    expect(page).to_have_url(re.compile(r"/ledger/disputes/$"))
    queue = page.get_by_role("table")
    expect(queue.get_by_role("row")).to_have_count(3)
    expect(queue.get_by_role("row").nth(1)).to_contain_text("Lakeside Florists")
    expect(queue.get_by_role("row").nth(1)).to_contain_text("Overdue")
    shots_at_both_widths(page, screenshot, "workspace-disputes")

    # The manager: the same call is blocked, and logged once they give their reason.
    page.context.clear_cookies()
    log_in(page, "max")
    page.goto(f"/ledger/customers/{bakery.pk}/")
    contact = page.locator("#action-contact")
    contact.get_by_label("Outcome").select_option(label="Right-party contact")
    contact.get_by_label("Note").fill("Dana asked us to call back today about the March delivery.")
    contact.get_by_role("button", name="Log a contact").click()
    expect(contact.get_by_role("alert")).to_contain_text("rule conversation_block")
    reason = "The debtor asked in writing for a call today to settle the March delivery."
    contact.get_by_label("Reason for overriding the rules").fill(reason)
    contact.get_by_role("button", name="Log it anyway, overriding the rules").click()
    expect(contact.get_by_role("status")).to_have_text("Call logged, overriding the contact rules.")
    override = ContactOverride.objects.get()
    assert (override.overridden_by, override.reason) == (manager, reason)
    assert "conversation_block" in [block["rule"] for block in override.blocks]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    row = page.get_by_role("row").filter(has_text="overrode the contact rules to log a contact")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Max Planck")
    expect(row).to_contain_text(reason)
    expect(row.get_by_role("link", name=re.compile(NAME))).to_have_attribute(
        "href", f"/ledger/customers/{bakery.pk}/"
    )
