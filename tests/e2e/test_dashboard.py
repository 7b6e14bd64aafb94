"""In the browser: the dashboard draws its charts, and a bar of the aging chart drills down to the
accounts behind it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from tests.e2e.conftest import log_in, person
from tests.metrics.builder import Ledger

Shot = Callable[[Page, str], Path]


def _ledger() -> None:
    """As of 30 Sep 2026 one open invoice per bucket: 900 in 1-30, 1,900 in 31-60, 2,900 in
    61-90, 3,900 in 91-120 and 4,900 in 120+, plus a paid invoice each month for the trends."""
    book = Ledger()
    dues = [("North", "2026-09-15"), ("North", "2026-08-15"), ("South", "2026-07-20"),
            ("South", "2026-06-20"), ("North", "2026-04-20")]  # fmt: skip
    for i, (team, due) in enumerate(dues):
        name = f"Customer {i + 1}"
        book.customer(name, team=team, segment="SMB" if i % 2 else "Enterprise", since="2025-01-01")
        issued = f"{due[:8]}01"
        invoice = book.invoice(name, f"{(i + 1) * 1000}.00", issued=issued, due=due)
        book.pay(invoice, "100.00", on="2026-09-15")
    for m in range(1, 10):
        paid = book.invoice(
            "Customer 1", "500.00", issued=f"2026-{m:02d}-02", due=f"2026-{m:02d}-20"
        )
        book.pay(paid, "500.00", on=f"2026-{m:02d}-25")


def test_the_dashboard_draws_its_charts_and_drills_down_from_a_bucket(
    page: Page, screenshot: Shot
) -> None:
    person("max", Role.MANAGER, "Max")
    _ledger()
    log_in(page, "max")
    page.goto("/?as_of=2026-09-30")
    expect(page.locator("#tile-ar_total .tile-value")).to_contain_text("USD")
    for chart in page.locator("[data-chart]").all():
        expect(chart).to_have_attribute("data-drawn", "yes")
    expect(page.locator("#aging-chart svg")).to_be_visible()
    screenshot(page, "dashboard")
    bar = page.locator("#aging-chart svg [aria-roledescription='bar'][aria-label*='61-90']")
    expect(bar).to_have_count(1)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    # A real click in the middle of the bar: Vega finds the mark under the pointer.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/dashboard/explain/ar_by_bucket/\?.*bucket=61-90"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("bucket 61-90")
    expect(page.locator("#explained-value")).to_have_text("2,900.00 USD")
    expect(page.get_by_role("heading", name="Behind it, by team")).to_be_visible()
    accounts = page.locator("#accounts-table tbody tr")
    expect(accounts).to_have_count(1)
    expect(accounts.first.get_by_role("rowheader").get_by_role("link")).to_have_text("Customer 3")
    expect(accounts.first.locator("td.num")).to_have_text("2,900.00 USD")
    expect(page.locator("#accounts-table tfoot")).to_contain_text("2,900.00 USD")
    screenshot(page, "drill-down-bucket")
    # The customer's name opens their ledger page, with the invoice behind the number.
    accounts.first.get_by_role("link", name="Customer 3").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customer 3")
    expect(page.get_by_text("3,000.00").first).to_be_visible()
    screenshot(page, "drill-down-customer-invoices")


def test_a_collectors_drill_down_lists_only_their_teams_accounts(
    page: Page, screenshot: Shot
) -> None:
    north = team_create(name="North")
    team_member_add(team=north, user=person("nina", Role.COLLECTOR, "Nina"))
    _ledger()
    log_in(page, "nina")
    page.goto("/dashboard/explain/ar_total/?as_of=2026-09-30")
    rows = page.locator("#accounts-table tbody tr")
    # North holds customers 1, 2 and 5; the South customers 3 and 4 stay out.
    expect(rows).to_have_count(3)
    names = [n.strip() for n in rows.get_by_role("rowheader").get_by_role("link").all_inner_texts()]
    assert names == ["Customer 5", "Customer 2", "Customer 1"]
    expect(page.locator("#accounts-table")).not_to_contain_text("Customer 3")
    expect(page.locator("#accounts-table")).not_to_contain_text("Customer 4")
    screenshot(page, "drill-down-collector")


def test_changing_the_team_redraws_the_dashboard_in_place(page: Page, screenshot: Shot) -> None:
    person("max", Role.MANAGER, "Max")
    _ledger()
    log_in(page, "max")
    page.goto("/?as_of=2026-09-30")
    before = page.locator("#tile-ar_total .tile-value").inner_text()
    page.get_by_label("Team", exact=True).select_option("South")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"team=South"))
    expect(page.locator(".data-date")).to_contain_text("team South")
    assert page.locator("#tile-ar_total .tile-value").inner_text() != before
    for chart in page.locator("[data-chart]").all():
        expect(chart).to_have_attribute("data-drawn", "yes")
    screenshot(page, "dashboard-team-south")


def test_an_admin_changes_the_bucket_edges_and_the_dashboard_follows(
    page: Page, screenshot: Shot
) -> None:
    person("ada", Role.ADMIN, "Ada")
    _ledger()
    log_in(page, "ada")
    page.goto("/settings/kpis/")
    everyone = page.locator("#variant-all")
    everyone.get_by_label("Buckets").fill("60,30")
    page.get_by_role("button", name="Save KPI variants").click()
    expect(page.locator("#id_all__buckets_error")).to_contain_text(
        "bucket edges must be positive and ascending"
    )
    screenshot(page, "kpi-variants-error")
    everyone.get_by_label("Buckets").fill("15,45,90")
    everyone.get_by_label("From bucket").fill("1-15")
    page.get_by_role("button", name="Save KPI variants").click()
    expect(page.get_by_text("Saved: all metrics.")).to_be_visible()
    screenshot(page, "kpi-variants")
    page.goto("/?as_of=2026-09-30")
    expect(page.locator("#tile-ar_total")).to_contain_text("buckets 15,45,90")
    expect(page.locator("#aging-chart svg [aria-roledescription='bar']")).to_have_count(5)
    expect(page.get_by_role("rowheader", name="1-15")).to_be_visible()
    screenshot(page, "dashboard-custom-buckets")


def test_tiles_and_the_drill_down_speak_plainly_and_keep_the_details_folded(
    page: Page, screenshot: Shot
) -> None:
    person("max", Role.MANAGER, "Max")
    _ledger()
    log_in(page, "max")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/?as_of=2026-09-30")
        tile = page.locator("#tile-ar_total")
        expect(tile.locator(".tile-description")).to_have_text(
            "Open receivables as of the date: invoice amounts less payments and adjustments "
            "dated on or before it."
        )
        variant = tile.get_by_text("Variant: anchor due · buckets 30,60,90,120")
        expect(variant).to_be_hidden()
        # The disclosure opens in place; the rest of the tile still leads to the drill-down.
        tile.get_by_text("How it is computed").click()
        expect(variant).to_be_visible()
        expect(page).to_have_url(re.compile(r"/\?as_of=2026-09-30$"))
        expect(page.locator("#tile-promise_kept_rate .tile-value")).to_have_text("No data")
        screenshot(page, f"dashboard-plain-{width}")
        page.goto("/dashboard/explain/cost_to_collect/?as_of=2026-09-30")
        expect(page.locator("#explained-value")).to_have_text("No data")
        expect(page.locator("#explained-description")).to_be_visible()
        expect(page.locator("#how-computed code").first).to_be_hidden()
        expect(page.locator("#no-accounts")).to_contain_text("kept per team, not per customer")
        screenshot(page, f"drill-down-no-data-{width}")
        page.goto("/dashboard/explain/ar_total/?as_of=2026-09-30")
        expect(page.locator("pre.sql").first).to_be_hidden()
        page.locator("#how-computed summary").click()
        expect(page.locator("#how-computed code").first).to_be_visible()
        screenshot(page, f"drill-down-plain-{width}")
