"""In the browser: a collector opens the accounts to trace from the worklist, records a phone
found for one with where it was found, and the account leaves the queue for the worklist."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import ContactPoint, ContactSource, ContactStatus
from tests.e2e.conftest import log_in, person, shots_at_both_widths
from tests.e2e.test_worklist import _account, _daytime_zone

Shot = Callable[[Page, str], Path]


def _book() -> None:
    north = team_create(name="North")
    nina = person("nina", Role.COLLECTOR, "Nina")
    team_member_add(team=north, user=nina)
    zone = _daytime_zone()
    _account("C-1001", "Harbor Bakery Supply", 48_200_00, nina, north, zone)
    quiet = _account("C-1002", "Gone Quiet Trading Ltd", 30_000_00, nina, north, zone)
    ContactPoint.objects.filter(customer=quiet).update(
        status=ContactStatus.WRONG_NUMBER,
        status_changed_on=timezone.localdate() - timedelta(days=12),
    )
    ContactPoint.objects.create(
        customer=quiet,
        kind="email",
        value="payables@gone-quiet-trading.example",
        status=ContactStatus.BOUNCED,
        status_changed_on=date(2026, 1, 5),
    )
    silent = _account("C-1003", "Northern Lights Bakery", 4_500_00, nina, north, zone)
    ContactPoint.objects.filter(customer=silent).delete()


def test_a_collector_traces_an_account_back_onto_the_worklist(page: Page, screenshot: Shot) -> None:
    _book()
    log_in(page, "nina")
    page.goto("/worklist/")
    unreachable = page.get_by_role("table", name=re.compile("No working phone or e-mail"))
    expect(unreachable).to_contain_text("Gone Quiet Trading Ltd")
    page.get_by_role("link", name="Trace them").click()

    expect(page).to_have_url(re.compile(r"/worklist/trace/\?collector=nina$"))
    queue = page.get_by_role("table", name=re.compile("To trace"))
    rows = queue.get_by_role("row")
    expect(rows).to_have_count(3)  # a header and two accounts, the largest balance first
    expect(rows.nth(1)).to_contain_text("Gone Quiet Trading Ltd")
    expect(rows.nth(1)).to_contain_text("30,000.00 USD")
    expect(rows.nth(1)).to_contain_text("Wrong number")
    expect(rows.nth(1)).to_contain_text("Bounced")
    expect(rows.nth(2)).to_contain_text("No phone, e-mail or address on record.")
    shots_at_both_widths(page, screenshot, "trace")

    found = page.get_by_role("form", name="Record a contact point found for Gone Quiet Trading Ltd")
    found.get_by_label("Kind").select_option(label="Phone")
    found.get_by_label("Number or address").fill("+1 312 555 7788")
    found.get_by_role("button", name="Record").click()
    # The source is required: the form says so and nothing is recorded.
    found = page.get_by_role("form", name="Record a contact point found for Gone Quiet Trading Ltd")
    expect(found).to_contain_text("This field is required.")
    expect(found.get_by_label("Number or address")).to_have_value("+1 312 555 7788")
    found.get_by_label("Source").select_option(label="Phone or business directory")
    found.get_by_label("Note").fill("Chicago business directory, 2026 edition")
    found.get_by_role("button", name="Record").click()

    expect(page.get_by_role("status")).to_contain_text(
        "+1 312 555 7788 recorded for Gone Quiet Trading Ltd (phone or business directory)"
    )
    queue = page.get_by_role("table", name=re.compile("To trace"))
    expect(queue.get_by_role("row")).to_have_count(2)
    expect(queue).not_to_contain_text("Gone Quiet Trading Ltd")
    point = ContactPoint.objects.get(value="+1 312 555 7788")
    assert (point.source, point.source_note, point.found_by.username if point.found_by else "") == (
        ContactSource.DIRECTORY,
        "Chicago business directory, 2026 edition",
        "nina",
    )

    page.get_by_role("navigation", name="Worklist pages").get_by_role(
        "link", name="Today's list"
    ).click()
    now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(now).to_contain_text("Gone Quiet Trading Ltd")
    expect(now).to_contain_text("+1 312 555 7788")
    expect(page.get_by_role("heading", name=re.compile("No working phone or e-mail"))).to_have_text(
        "No working phone or e-mail (1)"
    )
