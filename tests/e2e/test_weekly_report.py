"""In the browser: the weekly report's preview with its charts, its PDF download (from the page
and from the dashboard), and a manager adding a recipient list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.reports.models import ReportSubscription
from tests.e2e.conftest import log_in, person, shots_at_both_widths
from tests.metrics.builder import Ledger

Shot = Callable[[Page, str], Path]
SLOW_MS = 300_000


def _ledger() -> None:
    """Two teams' customers; Alder's invoice crosses 90 days past due in the week to 30 Sep."""
    book = Ledger()
    book.customer("Alder Ltd", team="North", since="2025-01-01")
    book.customer("Birch plc", team="South", since="2025-01-01")
    late = book.invoice("Alder Ltd", "4000.00", issued="2026-05-01", due="2026-06-27")
    book.pay(late, "500.00", on="2026-09-24")
    book.invoice("Birch plc", "900.00", issued="2026-09-01", due="2026-09-30")
    for m in range(1, 10):
        paid = book.invoice(
            "Birch plc", "500.00", issued=f"2026-{m:02d}-02", due=f"2026-{m:02d}-20"
        )
        book.pay(paid, "500.00", on=f"2026-{m:02d}-25")


def test_the_preview_shows_the_report_and_downloads_its_pdf(
    page: Page, screenshot: Shot, tmp_path: Path
) -> None:
    person("max", Role.MANAGER, "Max")
    _ledger()
    log_in(page, "max")
    # A report asks the KPI engine some twenty questions, each compiled once per process: the
    # first report of a fresh server takes far longer than the page's usual second or two.
    page.set_default_navigation_timeout(SLOW_MS)
    page.set_default_timeout(SLOW_MS)
    page.goto("/reports/weekly/?as_of=2026-09-30")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly report")
    expect(page.get_by_role("heading", name="Weekly report: Whole organisation")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Cash collected this week")
    charts = page.locator(".report-chart img")
    expect(charts).to_have_count(5)  # four figures' charts and the cash forecast's
    for index in range(5):
        assert charts.nth(index).evaluate("img => img.naturalWidth") > 0
    rolled = page.get_by_role("table", name="Accounts whose balance more than 90 days past due")
    expect(rolled.get_by_role("rowheader")).to_have_text(["Alder Ltd"])
    shots_at_both_widths(page, screenshot, "weekly-report-preview")
    # Another team, chosen on the page.
    page.get_by_label("Team", exact=True).select_option("South")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Weekly report: Team South")).to_be_visible(
        timeout=SLOW_MS
    )
    with page.expect_download() as found:
        page.get_by_role("link", name="Download PDF").click()
    download = found.value
    assert download.suggested_filename == "weekly-report-South-2026-09-30.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    # The dashboard offers the same download for its date and team.
    page.goto("/?as_of=2026-09-30")
    link = page.get_by_role("link", name="Download the weekly report (PDF)")
    expect(link).to_have_attribute("href", "/reports/weekly/pdf/?as_of=2026-09-30")
    with page.expect_download() as found:
        link.click()
    assert found.value.suggested_filename == "weekly-report-2026-09-30.pdf"


def test_a_manager_adds_a_recipient_list(page: Page, screenshot: Shot) -> None:
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.goto("/reports/lists/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly report lists")
    page.get_by_label("Name of the list").fill("Board")
    page.get_by_label("Other e-mail addresses").fill("cfo@example.org\nnot an address")
    page.get_by_role("button", name="Add list").click()
    expect(page.get_by_text("'not an address' is not an e-mail address")).to_be_visible()
    page.get_by_label("Other e-mail addresses").fill("cfo@example.org")
    page.get_by_label("Day").select_option("Friday")
    page.get_by_label("Hour", exact=True).fill("16")
    page.get_by_label("In the time zone of").select_option("Europe/Berlin")
    page.get_by_role("button", name="Add list").click()
    row = page.locator("#lists-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Fridays at 16:00 Europe/Berlin")
    expect(row).to_contain_text("cfo@example.org")
    saved = ReportSubscription.objects.get()
    assert (saved.hour, saved.time_zone) == (16, "Europe/Berlin")
    shots_at_both_widths(page, screenshot, "weekly-report-lists")
