"""In the browser: a collector works the day's list from the keyboard, records a promise that
takes the account off the list until it breaks; a manager moves accounts between collectors."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import Assignment, ContactPoint, Customer, Invoice, PromiseToPay
from recoup.workspace.services.judgement import accounts_judge
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]
# Debtors whose calling hours are open now, whenever the test runs: a zone at mid-day.
ZONES = ("America/Chicago", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Denver")


def _daytime_zone() -> str:
    now = datetime.now(tz=zoneinfo.ZoneInfo("UTC"))
    return min(ZONES, key=lambda z: abs(now.astimezone(zoneinfo.ZoneInfo(z)).hour - 14))


def _account(ref: str, name: str, owes: int, collector: User, team: Team, zone: str) -> Customer:
    customer = Customer.objects.create(external_id=ref, name=name, time_zone=zone)
    Assignment.objects.create(
        customer=customer, team=team, collector=collector, valid_from=date(2025, 1, 1)
    )
    today = timezone.localdate()
    Invoice.objects.create(
        external_id=f"INV-{ref}",
        customer=customer,
        issue_date=today - timedelta(days=60),
        due_date=today - timedelta(days=30),
        amount_minor=owes,
        currency="USD",
    )
    ContactPoint.objects.create(customer=customer, kind="phone", value=f"+1 312 555 {ref[-4:]}")
    return customer


def _people() -> tuple[User, User]:
    north = team_create(name="North")
    nina = person("nina", Role.COLLECTOR, "Nina")
    sam = person("sam", Role.COLLECTOR, "Sam")
    max_ = person("max", Role.MANAGER, "Max")
    for user in (nina, sam, max_):
        team_member_add(team=north, user=user)
    zone = _daytime_zone()
    for ref, name, owes in [
        ("C-1001", "Harbor Bakery Supply", 48_200_00),
        ("C-1002", "Lakeside Florists", 12_750_00),
        ("C-1003", "Prairie Print Co.", 8_310_55),
        ("C-1004", "Summit Tools", 3_900_00),
    ]:
        _account(ref, name, owes, nina, north, zone)
    _account("C-2001", "Granite Logistics", 20_000_00, sam, north, zone)
    return nina, sam


def test_a_collector_works_the_list_and_a_promise_takes_an_account_off_until_it_breaks(
    page: Page, screenshot: Shot
) -> None:
    _people()
    log_in(page, "nina")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")
    now = page.get_by_role("table", name=re.compile("Contact now"))
    rows = now.get_by_role("row")
    expect(rows).to_have_count(5)  # a header and four accounts
    expect(rows.nth(1)).to_contain_text("Harbor Bakery Supply")  # the largest expected recovery
    expect(rows.nth(1)).to_contain_text("48,200.00 USD")
    expect(rows.nth(1)).to_contain_text("+1 312 555 1001")
    shots_at_both_widths(page, screenshot, "worklist")

    # From the keyboard: to the first account and into it.
    first = now.get_by_role("link", name="Harbor Bakery Supply")
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor Bakery Supply")
    promise = page.locator("#action-promise")
    promise.locator("summary").click()
    promise.get_by_label("Amount").fill("10000.00")
    due = timezone.localdate() + timedelta(days=4)
    promise.get_by_label("Promised by").fill(due.isoformat())
    promise.get_by_role("button", name="Record a promise to pay").click()
    expect(promise.get_by_role("status")).to_contain_text("recorded")

    page.go_back()
    page.reload()
    now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(now).not_to_contain_text("Harbor Bakery Supply")
    waiting = page.get_by_role("table", name=re.compile("Waiting on a promise"))
    expect(waiting).to_contain_text("Harbor Bakery Supply")
    expect(waiting).to_contain_text("promised 10,000.00 USD by")

    # The promised day passes with nothing paid: the judgement breaks it, the account is back.
    recorded = PromiseToPay.objects.get(customer__external_id="C-1001")
    recorded.promised_on = timezone.localdate() - timedelta(days=10)
    recorded.due_date = timezone.localdate() - timedelta(days=5)
    recorded.save()
    accounts_judge(today=timezone.localdate())
    page.reload()
    rows = page.get_by_role("table", name=re.compile("Contact now")).get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Harbor Bakery Supply")
    expect(rows.nth(1)).to_contain_text("promise of 10,000.00 USD broken")


def test_a_manager_moves_three_accounts_and_both_lists_change(page: Page) -> None:
    _people()
    log_in(page, "max")
    page.goto("/worklist/?collector=nina")
    for name in ("Lakeside Florists", "Prairie Print Co.", "Summit Tools"):
        page.get_by_label(f"Tick {name} to move it").check()
    page.get_by_label("Move the ticked accounts to").select_option(label="Sam")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("Moved 3 accounts to Sam.")
    nina_now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(nina_now.get_by_role("row")).to_have_count(2)
    expect(nina_now).to_contain_text("Harbor Bakery Supply")
    page.get_by_label("Collector", exact=True).select_option(label="Sam")
    page.get_by_role("button", name="Show").click()
    sam_now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(sam_now.get_by_role("row")).to_have_count(5)
    for name in ("Granite Logistics", "Lakeside Florists", "Prairie Print Co.", "Summit Tools"):
        expect(sam_now).to_contain_text(name)
