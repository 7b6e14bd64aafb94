"""In the browser: a manager opens the agency scorecard, reads an agency's recoveries by
placement month, sets its commission rate and sees the net recovery change."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.ledger.models import Agency
from tests.e2e.conftest import log_in, person, shots_at_both_widths
from tests.metrics.builder import Ledger

Shot = Callable[[Page, str], Path]


def _placed() -> None:
    person("max", Role.MANAGER, "Max")
    book = Ledger()
    harbor = book.invoice("Harbor Bakery Supply", "12000", issued="2025-09-01", due="2025-09-30")
    book.place(harbor, "Northstar Receivables", on="2026-01-12", amount="12000")
    book.pay(harbor, "3000", on="2026-02-20")
    granite = book.invoice("Granite Logistics", "4000", issued="2025-10-01", due="2025-10-31")
    book.place(
        granite, "Northstar Receivables", on="2026-02-03", amount="4000", recalled="2026-04-01"
    )
    book.pay(granite, "1000", on="2026-03-02")
    cedar = book.invoice("Cedar Dental Group", "9000", issued="2025-10-01", due="2025-10-31")
    book.place(cedar, "Whitfield Legal", on="2026-02-10", amount="9000")
    book.pay(cedar, "450", on="2026-05-15")


def test_a_manager_reads_the_agencies_and_sets_a_commission_rate(
    page: Page, screenshot: Shot
) -> None:
    _placed()
    log_in(page, "max")
    page.goto("/placements/agencies/?from=2026-01-01&as_of=2026-06-30")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency scorecard")
    table = page.get_by_role("table").first
    northstar = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Northstar Receivables")
    )
    expect(northstar).to_contain_text("16,000.00")  # placed
    expect(northstar).to_contain_text("4,000.00")  # recovered, the recalled placement's included
    expect(northstar).to_contain_text("25.00 %")
    expect(table.get_by_role("rowheader", name="February 2026").first).to_be_visible()

    form = page.get_by_role("form", name="Set a commission rate")
    agency = Agency.objects.get(name="Northstar Receivables")
    form.get_by_label("Agency").select_option(value=str(agency.pk))
    form.get_by_label("From day of placement").fill("0")
    form.get_by_label("Commission (%)").fill("20")
    form.get_by_role("button", name="Save the rate").click()
    expect(page.get_by_role("status")).to_contain_text("Northstar Receivables keeps 20 %")
    expect(page.locator("#commissions")).to_contain_text("day 0: 20 %")
    page.goto("/placements/agencies/?from=2026-01-01&as_of=2026-06-30")
    expect(northstar).to_contain_text("800.00")  # commission
    expect(northstar).to_contain_text("3,200.00")  # net recovery
    shots_at_both_widths(page, screenshot, "agency-scorecard")
    assert re.search(r"/placements/agencies/", page.url)
    assert date(2026, 6, 30).isoformat() in page.url
