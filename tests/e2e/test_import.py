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
