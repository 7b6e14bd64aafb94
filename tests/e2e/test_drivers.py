"""In the browser: a manager opens a KPI-bound key result, finds its check-in drafted from the
data with what drove the change, overrides the key result to on track against the data, and
sees the board flag it "reported green, data red"; at 1366 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.demo.services import demo_ledger_generate
from recoup.okrs import services
from recoup.okrs.models import KeyResult
from recoup.okrs.plan import plan_parse
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def _quarter_with_dso() -> KeyResult:
    """A cycle half-way through today with a DSO key result read by three weekly check-ins."""
    today = timezone.localdate()
    starts, ends = today - timedelta(days=45), today + timedelta(days=45)
    demo_ledger_generate(invoices=600, seed=7, as_of=today)
    plan = f"""\
cycle:
  name: Running quarter
  starts_on: {starts.isoformat()}
  ends_on: {ends.isoformat()}
objectives:
  - key: sooner
    title: Collect sooner
    owner: mia
    key_results:
      - key: dso
        title: Days sales outstanding down by nine tenths
        kind: decrease_to
        unit: days
        target: -90%
        owner: mia
        metric:
          id: dso
"""
    services.plan_apply(plan=plan_parse(plan, source="running.yaml"), via="test")
    kr = KeyResult.objects.select_related("objective__cycle").get(key="dso")
    for weeks in (3, 2, 1):
        services.checkin_auto_run(today=today - timedelta(weeks=weeks), cycle=kr.objective.cycle)
    return kr


def test_the_manager_reads_the_drafted_check_in_and_sees_green_reported_over_red_data(
    page: Page, screenshot: Shot
) -> None:
    person("mia", Role.MANAGER, "Mia")
    kr = _quarter_with_dso()
    log_in(page, "mia")

    page.goto(f"/okrs/key-results/{kr.pk}/")
    draft = page.locator("#checkin-draft")
    expect(draft.get_by_role("heading", name="Drafted from the data")).to_be_visible()
    expect(draft).to_contain_text("days as of")
    expect(draft).to_contain_text("since")
    expect(draft.get_by_role("heading", name="What moved it: by team")).to_be_visible()
    expect(draft.get_by_role("heading", name="What moved it: by collector")).to_be_visible()
    team_parts = draft.get_by_role("list").first.get_by_role("listitem")
    expect(team_parts.first).to_contain_text(re.compile(r"(North|South|Enterprise) [+-]\d"))
    # The comment starts from the draft; the person edits it before saving.
    comment = page.locator("#checkin").get_by_label("Comment")
    expect(comment).to_have_value(re.compile(r"^Days sales outstanding .* since .*by team: "))
    expect(page.locator("#checkin").get_by_label("Value (days)")).not_to_have_value("")
    page.locator("#checkin-draft").scroll_into_view_if_needed()
    shots_at_both_widths(page, screenshot, "drivers-drafted-checkin")

    largest = page.locator("#largest-driver")
    expect(largest).to_have_attribute("href", re.compile(r"^/dashboard/explain/dso/\?team="))

    override = page.locator("#status-override")
    override.get_by_label("Status").select_option("on_track")
    override.get_by_label("Reason").fill("Two large payments are promised for next week.")
    override.get_by_role("button", name="Override status").click()

    page.goto("/okrs/")
    row = page.locator(f"#kr-{kr.pk}")
    flag = row.locator(".honesty-flag")
    expect(flag.get_by_text("Reported green, data red")).to_be_visible()
    flag.locator("summary").click()
    expect(flag).to_contain_text("Reported on track (Mia")
    expect(flag).to_contain_text("expected by now")
    shots_at_both_widths(page, screenshot, "drivers-board-green-red-flag")

    page.goto(largest_href(page, kr))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Days sales outstanding")


def largest_href(page: Page, kr: KeyResult) -> str:
    page.goto(f"/okrs/key-results/{kr.pk}/")
    href = page.locator("#largest-driver").get_attribute("href")
    assert href is not None
    return href
