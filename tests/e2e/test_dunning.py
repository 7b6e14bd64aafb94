"""In the browser: a manager edits a dunning template and watches its live preview, prepares the
day's run, reads a message in it and approves it; the e-mail arrives at a real SMTP server."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import Assignment, ContactPoint, Customer, Invoice
from tests.dunning.conftest import Mailbox, smtp  # noqa: F401 (the SMTP server fixture)
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]


def _book() -> None:
    # A browser test's database is flushed after each test, the data migration's policy too.
    migration = importlib.import_module("recoup.dunning.migrations.0002_default_policy")
    migration.create(django_apps, SimpleNamespace(connection=connection))
    north = team_create(name="North")
    nina = person("nina", Role.COLLECTOR, "Nina")
    nina.email = "nina@recoup.test"
    nina.save(update_fields=["email"])
    boss = person("max", Role.MANAGER, "Max")
    team_member_add(team=north, user=nina)
    team_member_add(team=north, user=boss)
    today = timezone.localdate()
    for ref, name, late in (("C-1", "Harbor Bakery Supply", 10), ("C-2", "Granite Logistics", 9)):
        customer = Customer.objects.create(external_id=ref, name=name, time_zone="UTC")
        Assignment.objects.create(
            customer=customer, collector=nina, team=north, valid_from=date(2025, 1, 1)
        )
        Invoice.objects.create(
            external_id=f"INV-{ref}",
            customer=customer,
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=late),
            amount_minor=1_250_00,
            currency="USD",
        )
        ContactPoint.objects.create(
            customer=customer, kind="email", value=f"{ref.lower()}@debtor.test", status="valid"
        )


def test_a_manager_edits_a_template_then_previews_and_approves_a_run(
    page: Page,
    screenshot: Shot,
    smtp: Mailbox,  # noqa: F811
) -> None:
    _book()
    log_in(page, "max")
    page.goto("/dunning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dunning")
    row = page.get_by_role("row").filter(has_text="First reminder")
    row.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("First reminder (English)")

    subject = page.get_by_label("Subject")
    subject.fill("Reminder: {{ total }} is overdue")
    preview = page.locator("#live-preview")
    expect(preview).to_contain_text("Reminder: 1,250.00 USD is overdue")
    page.get_by_label("Body").fill("Dear {{ customer.name }},\n{% if %}")
    expect(preview).to_contain_text("line 2")
    page.get_by_label("Body").fill(
        "Dear {{ customer.name }},\n\nplease pay {{ total }} now.\n\n{{ collector.name }}"
    )
    expect(preview).to_contain_text("please pay 1,250.00 USD now.")
    shots_at_both_widths(page, screenshot, "dunning-template")
    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_role("status")).to_contain_text("Template saved.")

    page.goto("/dunning/")
    page.get_by_role("button", name="Prepare the run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dunning run")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Harbor Bakery Supply")
    expect(table).to_contain_text("Granite Logistics")
    harbor = table.get_by_role("row").filter(has_text="Harbor Bakery Supply")
    harbor.get_by_text("Read the message").click()
    expect(harbor).to_contain_text("please pay 1,250.00 USD now.")
    shots_at_both_widths(page, screenshot, "dunning-run")

    page.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"approved: 2 sent"))
    expect(page.get_by_role("button", name="Approve and send")).to_have_count(0)
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects == ["Reminder: 1,250.00 USD is overdue"] * 2
    assert {str(m["Reply-To"]) for m in smtp.messages} == {"nina@recoup.test"}
    shots_at_both_widths(page, screenshot, "dunning-run-sent")
