"""In the browser: a collector sees the bell's unread count, opens the notifications, marks one
read and then all, and turns e-mail off for call-backs in their notification settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.notifications.models import Channel, EventKind
from recoup.notifications.selectors import channels_for
from recoup.notifications.services import notification_send
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def test_a_collector_reads_notifications_and_changes_a_preference(
    page: Page, screenshot: Shot
) -> None:
    nina = person("nina", Role.COLLECTOR, "Nina")
    notification_send(
        event=EventKind.CALLBACK_DUE,
        user=nina,
        subject="2 call-backs due today",
        body="Call back today:\n- 09:30 Harbor Bakery Supply\n- 14:00 Granite Logistics",
        link="/worklist/",
        key="callback_due:2026-07-14",
    )
    notification_send(
        event=EventKind.PROMISE_BROKEN,
        user=nina,
        subject="1 promise to pay broken",
        body="Broken promises in your book:\n- Harbor Bakery Supply: 1,234.50 USD due 10 Jul 2026",
        link="/worklist/",
        key="promise_broken:2026-07-14:flag1",
    )
    log_in(page, "nina")
    bell = page.get_by_role("link", name="Notifications, 2 unread")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("2")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("list").filter(has_text="call-backs due")).to_contain_text(
        "09:30 Harbor Bakery Supply"
    )
    shots_at_both_widths(page, screenshot, "notifications")

    page.get_by_role("button", name="Mark read: 2 call-backs due today").click()
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("status")).to_contain_text("Marked 1 notification read.")
    expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()

    page.get_by_role("link", name="Notification settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    email_for_call_backs = page.get_by_label("E-mail for Call-backs due today")
    expect(email_for_call_backs).to_be_checked()
    email_for_call_backs.uncheck()
    page.get_by_label("Your time zone").select_option("Europe/Berlin")
    page.get_by_label("Quiet from").fill("21:00")
    page.get_by_label("Quiet until").fill("07:00")
    shots_at_both_widths(page, screenshot, "notification-settings")
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_role("status")).to_contain_text("Notification settings saved.")
    expect(page.get_by_label("E-mail for Call-backs due today")).not_to_be_checked()
    assert channels_for(nina, EventKind.CALLBACK_DUE) == frozenset({Channel.IN_APP})
    assert Channel.EMAIL in channels_for(nina, EventKind.PROMISE_BROKEN)
