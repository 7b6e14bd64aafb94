"""A run prepared, previewed and approved against a real SMTP server: who gets what, who is left
out and why, and that running twice sends nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from recoup.dunning.models import Message, MessageStatus, Run
from recoup.dunning.sending import DUNNING_COST_PREFIX, run_approve
from recoup.dunning.services import run_prepare
from recoup.ledger.models import Activity, CollectionCost, ContactPoint, ContactStatus
from recoup.workspace.timeline import DUNNING_ACTIVITY_PREFIX
from tests.dunning.conftest import Book, Mailbox

pytestmark = pytest.mark.django_db


def _by_ref(run: Run) -> dict[str, Message]:
    return {m.customer.external_id: m for m in run.messages.select_related("customer", "level")}


def test_a_run_gives_each_customer_one_level_and_leaves_out_disputes_promises_and_plans(
    book: Book,
) -> None:
    run = run_prepare(actor=book.mona, as_of=book.day)
    messages = _by_ref(run)
    assert set(messages) == {"ALPHA", "BRAVO", "SOON", "NOMAIL", "BOUNCE", "CEASED"}
    assert messages["ALPHA"].level.name == "First reminder"
    assert messages["SOON"].level.name == "Friendly reminder"
    assert run.left_out == {"disputed": 1, "promise": 1, "plan": 1}
    # Alpha's two overdue invoices go in one message, in German (its country), in euros.
    alpha = messages["ALPHA"]
    assert len(alpha.items) == 2
    assert alpha.totals == {"EUR": 100_000}
    assert alpha.language == "de"
    assert "Zahlungserinnerung: 1,000.00 EUR" in alpha.subject
    assert alpha.status == MessageStatus.READY


def test_a_message_without_an_address_or_blocked_by_the_rules_says_why(book: Book) -> None:
    messages = _by_ref(run_prepare(actor=book.mona, as_of=book.day))
    assert messages["NOMAIL"].status == MessageStatus.FAILED
    assert "no working e-mail" in messages["NOMAIL"].reason
    assert messages["CEASED"].status == MessageStatus.BLOCKED
    assert "cease" in messages["CEASED"].reason.lower()


def test_the_html_part_escapes_the_ledgers_text(book: Book) -> None:
    bravo = _by_ref(run_prepare(actor=book.mona, as_of=book.day))["BRAVO"]
    assert "Bravo &amp; Sons &lt;Ltd&gt;" in bravo.body_html
    assert "Bravo & Sons <Ltd>" in bravo.body_text


def test_an_approved_run_is_sent_over_smtp_and_read_back(book: Book, smtp: Mailbox) -> None:
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    received = {m["To"]: m for m in smtp.messages}
    assert set(received) == {"alpha@debtor.test", "bravo@debtor.test", "soon@debtor.test"}
    alpha = received["alpha@debtor.test"]
    assert alpha["Reply-To"] == "nina@recoup.test"
    assert alpha["Subject"].startswith("Zahlungserinnerung")
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in alpha.walk()
        if not p.is_multipart()
    }
    assert "I-ALPHA-1" in parts["text/plain"]
    assert "I-ALPHA-2" in parts["text/html"]
    assert "1,000.00 EUR" in parts["text/html"]
    assert "<p>" in parts["text/html"]
    assert "&lt;p&gt;" not in parts["text/html"]
    sent = _by_ref(run)
    assert sent["ALPHA"].status == MessageStatus.SENT
    assert sent["ALPHA"].message_id == alpha["Message-ID"]
    activity = Activity.objects.get(external_id=f"{DUNNING_ACTIVITY_PREFIX}{sent['ALPHA'].pk}")
    assert activity.channel == "email"
    assert sent["ALPHA"].message_id in activity.note


def test_a_refused_address_is_marked_bounced_and_not_sent(book: Book, smtp: Mailbox) -> None:
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    bounce = _by_ref(run)["BOUNCE"]
    assert bounce.status == MessageStatus.REFUSED
    assert "550" in bounce.reason
    point = ContactPoint.objects.get(customer__external_id="BOUNCE")
    assert point.status == ContactStatus.BOUNCED
    assert all(m["To"] != "bounce@debtor.test" for m in smtp.messages)


def test_running_twice_on_the_same_day_sends_nothing_twice(book: Book, smtp: Mailbox) -> None:
    first = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    count = len(smtp.messages)
    assert count == 3
    run_approve(actor=book.mona, run=first)
    second = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    assert len(smtp.messages) == count
    assert second.messages.count() == 0
    assert second.left_out["today"] == 6


def test_the_next_level_waits_for_its_gap_and_never_two_levels_at_once(
    book: Book, smtp: Mailbox
) -> None:
    run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    # Alpha's oldest invoice is 30 days late: the second reminder (21 days) is due, but only
    # after a gap of 10 days since the first.
    later = book.day + timedelta(days=5)
    early = run_prepare(actor=book.mona, as_of=later)
    assert "ALPHA" not in _by_ref(early)
    assert early.left_out["gap"] >= 1
    after_gap = run_prepare(actor=book.mona, as_of=book.day + timedelta(days=11))
    assert _by_ref(after_gap)["ALPHA"].level.name == "Second reminder"


def test_each_sent_message_is_booked_as_a_cost_of_its_day_and_team_once(
    book: Book, smtp: Mailbox, settings: Settings
) -> None:
    settings.DUNNING_MESSAGE_COSTS = {"email": 85, "letter": 0, "sms": 0}
    run = run_approve(actor=book.mona, run=run_prepare(actor=book.mona, as_of=book.day))
    run_approve(actor=book.mona, run=run)  # approving again books nothing again
    sent = [m for m in _by_ref(run).values() if m.status == MessageStatus.SENT]
    costs = CollectionCost.objects.filter(external_id__startswith=DUNNING_COST_PREFIX)
    assert len(sent) == 3
    assert sorted(costs.values_list("external_id", flat=True)) == sorted(
        f"{DUNNING_COST_PREFIX}{m.pk}" for m in sent
    )
    assert set(costs.values_list("amount_minor", "currency", "category", "team_id")) == {
        (85, settings.BASE_CURRENCY, "dunning email", book.north.pk)
    }


def test_a_message_cost_the_currency_cannot_hold_stops_the_start_with_its_name(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECOUP_", "DATABASE_URL"))}
    env |= {
        "RECOUP_DATA_DIR": str(tmp_path),
        "RECOUP_BASE_CURRENCY": "EUR",
        "RECOUP_DUNNING_COST_LETTER": "1.205",
    }
    recoup = str(Path(sys.executable).with_name("recoup"))
    result = subprocess.run([recoup, "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "RECOUP_DUNNING_COST_LETTER='1.205'" in result.stderr
