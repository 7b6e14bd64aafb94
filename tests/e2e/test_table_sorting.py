"""In the browser: a manager turns the OKR board into one table of every key result, sorts it
by owner from the keyboard, and downloads the CSV in the order the page shows; a worklist
sorted by a column, and back to its priority order."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, User
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.e2e.conftest import log_in, person, shots_at_both_widths
from tests.e2e.test_worklist import _people
from tests.okrs.conftest import PLAN

Shot = Callable[[Page, str], Path]


def test_a_manager_sorts_every_key_result_by_owner_from_the_keyboard_and_downloads_it(
    page: Page, screenshot: Shot
) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    User.objects.filter(username="ana").update(first_name="Ana", last_name="Alder")
    User.objects.filter(username="ben").update(first_name="Ben", last_name="Birch")
    person("max", Role.MANAGER, "Max")
    log_in(page, "max")
    page.goto("/okrs/")
    layout = page.get_by_role("list", name="How the board is laid out")
    layout.get_by_role("link", name="All key results").press("Enter")
    table = page.locator("#all-key-results table")
    expect(table).to_be_visible()
    # The board's own order: no column is marked sorted.
    expect(table.locator("th[aria-sort]")).to_have_count(0)
    # From "Key result" to "Owner" by Tab: the headings are links, in the page's order.
    table.get_by_role("link", name="Key result", exact=True).focus()
    for _ in range(3):
        page.keyboard.press("Tab")
    owner = table.get_by_role("link", name="Owner")
    expect(owner).to_be_focused()
    page.keyboard.press("Enter")
    header = page.get_by_role("columnheader", name="Owner")
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(header).to_contain_text("▲")
    header.get_by_role("link").press("Enter")
    header = page.get_by_role("columnheader", name="Owner")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(header).to_contain_text("▼")
    expect(page.locator("#all-key-results th[aria-sort]")).to_have_count(1)
    rows = page.locator("#all-key-results tbody tr")
    expect(rows.first).to_contain_text("Ben Birch")
    expect(rows.last).to_contain_text("Ana Alder")
    shown = [t.strip() for t in rows.locator("th").all_inner_texts()]
    shots_at_both_widths(page, screenshot, "okr-board-all-key-results-by-owner")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("okr-board-")
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    header_row = lines[0]
    assert [r[header_row.index("Key result")] for r in lines[1:]] == shown
    owners = [r[header_row.index("Key result owner")] for r in lines[1:]]
    assert owners == sorted(owners, reverse=True)

    # The way back to the board's order, and to the objective cards.
    page.get_by_role("link", name="Back to the board's order").click()
    expect(page.locator("#all-key-results th[aria-sort]")).to_have_count(0)
    layout.get_by_role("link", name="By objective").click()
    expect(page.get_by_role("heading", name="Turn receivables into cash sooner")).to_be_visible()


def test_a_manager_sorts_a_worklist_by_what_they_owe_and_goes_back_to_priority_order(
    page: Page, screenshot: Shot
) -> None:
    _people()
    log_in(page, "max")
    page.goto("/worklist/?collector=nina")
    now = page.get_by_role("table", name=re.compile("Contact now"))
    expect(now).to_be_visible()
    now.get_by_role("link", name="Owes").press("Enter")
    sorted_view = page.locator("#sorted")
    expect(sorted_view.get_by_role("heading", level=2)).to_contain_text("by what they owe")
    page.get_by_role("columnheader", name="Owes").get_by_role("link").press("Enter")
    header = page.get_by_role("columnheader", name="Owes")
    expect(header).to_have_attribute("aria-sort", "descending")
    names = page.locator("#sorted a.wl-account")
    expect(names).to_have_text(
        ["Harbor Bakery Supply", "Lakeside Florists", "Prairie Print Co.", "Summit Tools"]
    )
    shots_at_both_widths(page, screenshot, "worklist-sorted-by-owes")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert [r[2] for r in lines[1:]] == names.all_inner_texts()
    page.get_by_role("link", name="Priority order").click()
    expect(page.locator("#sorted")).to_have_count(0)
    expect(page.get_by_role("table", name=re.compile("Contact now"))).to_be_visible()
