"""In the browser: importing a bad file shows the validation report and changes nothing."""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.ingest.claims import _threads, _threads_lock, import_run_progress
from recoup.ingest.models import ImportRun
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
    # The report sorts by its columns, from the keyboard, and stays the run's report.
    result.get_by_role("link", name="Column").focus()
    page.keyboard.press("Enter")
    header = page.locator("#import-result th[aria-sort]")
    expect(header).to_have_text("Column▲")
    expect(page).to_have_url(re.compile(r"/import/runs/\d+/\?sort=column$"))
    columns = page.locator("#import-result tbody td[data-label='Column']").all_inner_texts()
    assert columns == sorted(columns, key=str.casefold)
    screenshot(page, "import-bad-file-sorted")


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
    # The page polls with htmx: without it the label could never move.
    page.wait_for_function("() => window.htmx !== undefined")
    try:
        expect(page.locator("#import-phase")).to_contain_text("rows of about")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{_what_the_import_does()}") from None
    screenshot(page, "import-progress")
    result = page.locator("#import-result")
    expect(result).to_contain_text("Dry run passed: nothing was changed", timeout=180_000)
    expect(result).to_contain_text(f"{rows:,} rows")
    expect(bar).to_have_count(0)
    expect(page.locator("#recent-imports")).to_contain_text("Dry run, nothing written")
    screenshot(page, "import-long-file-result")
    assert not Customer.objects.exists()


def test_a_manager_maps_an_unfamiliar_file_dry_runs_it_and_saves_the_preset(
    page: Page, screenshot: Shot, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    person("max", Role.MANAGER, "Max")
    erp = tmp_path / "erp-export.csv"
    erp.write_text(
        "Kunde Nr,Firma,Land,Kundensegment\nK-7,Kappa GmbH,DE,SMB\nK-8,Lambda AG,AT,Mid\n"
    )
    log_in(page, "max")
    page.goto("/import/")
    page.get_by_label("What the file holds").select_option("customers")
    page.get_by_label("File", exact=True).set_input_files(str(erp))
    page.get_by_role("button", name="Choose the columns first").click()
    expect(page.get_by_role("heading", name="Which column holds what")).to_be_visible()
    page.get_by_label("external_id").select_option("Kunde Nr")
    page.get_by_label("name", exact=True).select_option("Firma")
    page.get_by_label("country").select_option("Land")
    page.get_by_label("segment").select_option("Kundensegment")
    screenshot(page, "import-mapping")
    page.get_by_role("button", name="Dry run with this mapping").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("Dry run passed: nothing was changed")
    screenshot(page, "import-mapping-dry-run")
    assert not Customer.objects.exists()
    page.get_by_role("link", name="Change the column mapping and check again").click()
    expect(page.get_by_label("segment")).to_have_value("Kundensegment")
    page.get_by_label("Save as a preset of ours (optional)").fill("acme-erp")
    page.get_by_role("button", name="Import with this mapping").click()
    expect(page.locator("#import-result")).to_contain_text("Imported")
    assert Customer.objects.get(external_id="K-8").segment == "Mid"
    page.goto("/import/")
    expect(
        page.get_by_label("Column mapping").locator("option", has_text="acme-erp (ours)")
    ).to_have_count(1)


def _what_the_import_does() -> str:
    """The runs, their recorded progress and their threads' stacks: what a label that does not
    move needs to be explained."""
    lines = []
    for run in ImportRun.objects.order_by("pk"):
        progress = import_run_progress(run=run)
        lines.append(f"run {run.pk} {run.status} {run.file_name}: {progress}")
    frames = sys._current_frames()
    with _threads_lock:
        threads = dict(_threads)
    for run_id, thread in threads.items():
        frame = frames.get(thread.ident or -1)
        stack = "".join(traceback.format_stack(frame)) if frame else "(not running)"
        lines.append(f"thread of run {run_id} (alive: {thread.is_alive()}):\n{stack}")
    return "\n".join(lines)
