"""In the browser: the customers table sorts by a column and downloads as the page shows it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import Assignment, Customer
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def _ledger() -> None:
    north, south = team_create(name="North"), team_create(name="South")
    nina = person("nina", Role.COLLECTOR, "Nina")
    team_member_add(team=north, user=nina)
    for n, (name, team, segment) in enumerate(
        [
            ("Harbor Bakery Supply", north, "SMB"),
            ("Alder & Sons Roofing", north, "Enterprise"),
            ("=SUM(A1:A9) Holdings", north, "SMB"),
            ("Southern Cross Ltd", south, "SMB"),
        ]
    ):
        customer = Customer.objects.create(
            external_id=f"C-{n}", name=name, segment=segment, country="US"
        )
        Assignment.objects.create(customer=customer, team=team, valid_from=date(2025, 1, 1))


def test_a_collector_sorts_the_customers_and_downloads_their_book_as_csv(
    page: Page, screenshot: Shot
) -> None:
    _ledger()
    log_in(page, "nina")
    page.goto("/ledger/customers/")
    header = page.get_by_role("columnheader", name="Customer")
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Customer")).to_have_attribute(
        "aria-sort", "descending"
    )
    first = page.locator("#customer-results tbody tr").first
    expect(first).to_contain_text("Harbor Bakery Supply")
    shots_at_both_widths(page, screenshot, "customers-sorted-with-downloads")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("customers-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Customer", "External id", "Segment", "Country", "Invoices"]
    # Her book only, in the order the page shows, and the formula-like name stays text.
    assert [r[0] for r in rows[1:]] == [
        "Harbor Bakery Supply",
        "Alder & Sons Roofing",
        "'=SUM(A1:A9) Holdings",
    ]
