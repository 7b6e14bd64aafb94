"""In the browser: an admin reads the Audit page, narrows it to one person, on a wide screen and
on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import AuditEntry, Role, User
from recoup.accounts.services import audit_record, team_create, team_member_add
from tests.e2e.conftest import SCREENSHOTS, log_in, person

Shot = Callable[[Page, str], Path]


def _days_ago(days: int, at: str) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return (timezone.now() - timedelta(days=days)).replace(hour=hour, minute=minute, second=0)


def _entry(days: int, at: str, **fields: Any) -> None:
    entry = audit_record(**fields)
    # Services stamp the current time; a trail spread over days reads like a real one.
    AuditEntry.objects.filter(pk=entry.pk).update(at=_days_ago(days, at))


def _trail(admin: User) -> tuple[User, User]:
    manager = person("max", Role.MANAGER, "Max")
    manager.last_name = "Planck"
    manager.save(update_fields=["last_name"])
    collector = person("nina", Role.COLLECTOR, "Nina")
    north = team_create(name="North", actor=admin)
    team_member_add(team=north, user=manager, is_lead=True, actor=admin)
    team_member_add(team=north, user=collector, actor=admin)
    # The people and the team came first, a week before the trail below.
    AuditEntry.objects.update(at=_days_ago(7, "08:30"))
    _entry(
        4,
        "09:05",
        action="okr_checkin_create",
        object_type="okr_key_result",
        object_id=7,
        after={
            "value": "480000",
            "confidence": "at_risk",
            "comment": "Two large payers moved their payment run to the end of the month; "
            "both confirmed in writing.",
        },
        actor=collector,
        via="web",
    )
    _entry(
        3,
        "11:30",
        action="okr_key_result_update",
        object_type="okr_key_result",
        object_id=7,
        before={"title": "Cut 90+ days past due", "target": "400000", "due_on": "2026-06-30"},
        after={"title": "Cut 90+ days past due", "target": "350000", "due_on": "2026-06-15"},
        actor=manager,
        via="api",
    )
    _entry(
        1,
        "13:45",
        action="import_update",
        object_type="customer",
        object_id=42,
        before={"segment": "SMB", "country": "DE"},
        after={"segment": "Enterprise", "country": "AT"},
        via="import",
    )
    _entry(
        0,
        "00:01",
        action="custom_value_record",
        object_type="custom_value",
        object_id=3,
        after={"metric": "qa_score", "on": "2026-03-06", "value": "81"},
        actor=admin,
        via="web",
    )
    return manager, collector


def test_an_admin_reads_the_audit_trail_and_narrows_it_to_a_person(
    page: Page, screenshot: Shot
) -> None:
    admin = person("ada", Role.ADMIN, "Ada")
    admin.last_name = "Lovelace"
    admin.save(update_fields=["last_name"])
    manager, _ = _trail(admin)
    entries = AuditEntry.objects.count()
    log_in(page, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    table = page.get_by_role("table", name=re.compile(f"Changes 1\u2013{entries} of {entries}"))
    expect(table).to_be_visible()
    # Newest first: "When" is the sorted column, marked ▼ (hidden from screen readers, which
    # read aria-sort).
    expect(table.get_by_role("columnheader")).to_have_text(
        ["When▼", "Who", "Did what", "Item", "Changes"]
    )
    expect(table.get_by_role("columnheader", name="When")).to_have_attribute(
        "aria-sort", "descending"
    )
    first = table.get_by_role("row").nth(1)
    expect(first).to_contain_text("Ada Lovelace")
    expect(first).to_contain_text("recorded a custom metric value")
    expect(table.get_by_role("link", name="Customer #42")).to_have_attribute(
        "href", "/ledger/customers/42/"
    )

    page.get_by_label("Person").select_option(label="Max Planck")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"person={manager.pk}"))
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("changed a key result")
    expect(rows.nth(1)).to_contain_text("Target")
    expect(rows.nth(1)).not_to_contain_text("Title")

    page.get_by_role("link", name="Clear filters").click()
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.get_by_role("table")).to_be_visible()
    screenshot(page, "audit-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(entries + 1)
    # Nothing wider than the phone: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "audit-390")
    # What a phone shows first, beside the whole page above.
    page.screenshot(path=str(SCREENSHOTS / "audit-390-first-screen.png"))
