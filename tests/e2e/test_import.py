"""In the browser: importing a bad file shows the validation report and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.ledger.models import Customer, Invoice
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def test_a_bad_invoice_file_gets_a_report_and_changes_nothing(
    page: Page, screenshot: Shot, tmp_path: Path
) -> None:
    person("max", Role.MANAGER, "Max")
    Customer.objects.create(external_id="C-1", name="Acme")
    bad = tmp_path / "invoices.csv"
    bad.write_text(
        "external_id,customer,issue_date,due_date,amount,currency\n"
        "INV-1,C-1,2026-01-05,2026-02-04,120.00,USD\n"
        "INV-2,C-404,2026-01-06,2026-02-05,80.00,USD\n"
        "INV-3,C-1,5 January,2026-02-05,abc,USD\n"
    )
    log_in(page, "max")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    page.get_by_label("What the file holds").select_option("invoices")
    page.get_by_label("Dry run: check everything, change nothing").uncheck()
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("nothing was changed")
    expect(result).to_contain_text("C-404")
    expect(result).to_contain_text("abc")
    screenshot(page, "import-bad-file")
    assert not Invoice.objects.exists()


def test_a_long_file_shows_a_moving_progress_bar_then_the_result(
    page: Page, screenshot: Shot, tmp_path: Path
) -> None:
    person("max", Role.MANAGER, "Max")
    rows = 400_000
    big = tmp_path / "customers-big.csv"
    with big.open("w") as out:
        out.write("external_id,name,segment,country\n")
        for n in range(rows):
            out.write(f"K-{n:07d},Customer {n},SMB,GB\n")
    log_in(page, "max")
    page.goto("/import/")
    page.get_by_label("What the file holds").select_option("customers")
    page.get_by_label("File", exact=True).set_input_files(str(big))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("heading", name="Importing customers-big.csv")).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(page.locator("#import-phase")).to_contain_text("rows of about")
    screenshot(page, "import-progress")
    result = page.locator("#import-result")
    expect(result).to_contain_text("Dry run passed: nothing was changed", timeout=180_000)
    expect(result).to_contain_text(f"{rows:,} rows")
    expect(bar).to_have_count(0)
    expect(page.locator("#recent-imports")).to_contain_text("Dry run, nothing written")
    screenshot(page, "import-long-file-result")
    assert not Customer.objects.exists()
