"""The workspace's actions through its pages: each through its service, held to the access rules
and the debtor's book, audited; bad input answered at its field with a 4xx, never a 500."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from recoup.accounts.models import AuditEntry
from recoup.compliance.models import Restriction
from recoup.ledger.models import (
    Activity,
    ContactPoint,
    ContactStatus,
    Dispute,
    DisputeStatus,
    Instalment,
    PaymentPlan,
    PromiseToPay,
)
from recoup.workspace.models import AccountFlag, CallBack, ContactOverride, FlagReason, Note
from tests.workspace.conftest import Book, client_for, invoice

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _yesterday_utc(hour: int) -> str:
    day = timezone.now().astimezone(UTC).date() - timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:00"


def _post(client: Client, book: Book, action: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(f"/ledger/customers/{book.debtor.pk}/{action}/", data, **kw)


def _call(at: str, **extra: str) -> dict[str, str]:
    return {
        "contact-channel": "call",
        "contact-direction": "outbound",
        "contact-outcome": "no_answer",
        "contact-occurred_at": at,
        **{f"contact-{k}": v for k, v in extra.items()},
    }


# --- contacts and the contact rules -----------------------------------------------------------


def test_a_call_the_rules_allow_is_logged_audited_and_in_the_timeline(book: Book) -> None:
    # 15:00 UTC is 09:00 or 10:00 in Chicago: inside 08:00-21:00.
    response = _post(
        client_for(book.collector),
        book,
        "contacts",
        _call(_yesterday_utc(15), note="left a voicemail"),
        headers=HTMX,
    )
    assert response.status_code == 200
    activity = Activity.objects.get()
    assert (activity.customer, activity.collector, activity.channel) == (
        book.debtor,
        book.collector,
        "call",
    )
    assert activity.external_id.startswith("ws-contact-")
    body = response.content.decode()
    assert "Call logged." in body
    assert 'id="account-timeline" aria-labelledby="timeline-title" hx-swap-oob="true"' in body
    assert "left a voicemail" in body
    entry = AuditEntry.objects.get(action="workspace_contact_log")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        book.collector,
        "customer",
        str(book.debtor.pk),
    )


def test_a_blocked_call_shows_every_block_and_when_it_is_allowed_again(book: Book) -> None:
    # 05:00 UTC is 23:00 or midnight in Chicago; the debtor also asked us to stop calling.
    Restriction.objects.create(
        customer=book.debtor, kind="opt_out", channel="call", effective_on=date(2020, 1, 1)
    )
    response = _post(
        client_for(book.collector), book, "contacts", _call(_yesterday_utc(5)), headers=HTMX
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert not Activity.objects.exists()
    assert "The contact rules block this call now." in body
    assert "rule time_window" in body
    assert "rule opt_out" in body
    assert "in the debtor's time (America/Chicago)" in body
    assert "08:00" in body  # the hours rule lifts at 08:00 their time
    assert "No time is known when this will be allowed again." in body  # the opt-out never lifts
    assert "Only a manager or an admin may override these rules." in body
    assert "Reason for overriding" not in body


def test_a_blocked_call_without_htmx_answers_the_whole_page_with_the_blocks(book: Book) -> None:
    response = _post(client_for(book.collector), book, "contacts", _call(_yesterday_utc(5)))
    assert response.status_code == 409
    assert b"<h1>Northwind Traders</h1>" in response.content
    assert b"rule time_window" in response.content


def test_a_collector_cannot_override_the_rules(book: Book) -> None:
    response = _post(
        client_for(book.collector),
        book,
        "contacts",
        _call(_yesterday_utc(5), override_reason="they asked me to"),
        headers=HTMX,
    )
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_a_manager_overrides_with_a_reason_and_the_audit_keeps_the_blocks(book: Book) -> None:
    client = client_for(book.manager)
    blocked = _post(client, book, "contacts", _call(_yesterday_utc(5)), headers=HTMX)
    assert blocked.status_code == 409
    assert b"Reason for overriding the rules" in blocked.content
    reason = "the debtor called us back and asked for a call at this hour"
    done = _post(
        client, book, "contacts", _call(_yesterday_utc(5), override_reason=reason), headers=HTMX
    )
    assert done.status_code == 200
    override = ContactOverride.objects.get()
    assert override.reason == reason
    assert [b["rule"] for b in override.blocks] == ["time_window"]
    entry = AuditEntry.objects.get(action="workspace_contact_override")
    assert entry.actor == book.manager
    assert entry.after["reason"] == reason
    assert entry.after["blocks"][0]["rule"] == "time_window"
    assert entry.after["blocks"][0]["next_allowed_at"]
    assert b"Rules overridden" in done.content


def test_an_inbound_call_is_logged_whatever_the_hour(book: Book) -> None:
    data = _call(_yesterday_utc(5))
    data["contact-direction"] = "inbound"
    assert (
        _post(client_for(book.collector), book, "contacts", data, headers=HTMX).status_code == 200
    )
    assert Activity.objects.get().direction == "inbound"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact-channel", "pigeon", "Select a valid choice"),
        ("contact-outcome", "", "This field is required"),
        ("contact-occurred_at", "yesterday", "Enter a valid date/time"),
        ("contact-invoice", "999999", "Select a valid choice"),
    ],
)
def test_a_contact_that_cannot_be_read_is_an_error_at_its_field(
    book: Book, field: str, value: str, message: str
) -> None:
    data = _call(_yesterday_utc(15), outcome="no_answer")
    data[field] = value
    response = _post(client_for(book.collector), book, "contacts", data, headers=HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not Activity.objects.exists()


def test_a_contact_in_the_future_is_refused_at_its_field(book: Book) -> None:
    later = (timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = _post(client_for(book.collector), book, "contacts", _call(later), headers=HTMX)
    assert response.status_code == 422
    assert b'id="id_contact-occurred_at_error"' in response.content


# --- who may act on which account -------------------------------------------------------------


def test_viewers_are_refused_and_other_teams_debtors_do_not_exist(book: Book) -> None:
    assert _post(client_for(book.viewer), book, "notes", {"note-text": "hello"}).status_code == 403
    assert (
        _post(client_for(book.south_collector), book, "notes", {"note-text": "hello"}).status_code
        == 404
    )
    assert not Note.objects.exists()


# --- promises and plans -----------------------------------------------------------------------


def test_a_promise_typed_as_people_type_it_is_recorded_exactly(book: Book) -> None:
    due = timezone.localdate() + timedelta(days=7)
    invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    response = _post(
        client_for(book.collector),
        book,
        "promises",
        {
            "promise-amount": "1,250.50",
            "promise-currency": "USD",
            "promise-due_date": due.isoformat(),
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    promise = PromiseToPay.objects.get()
    assert (promise.amount_minor, promise.currency, promise.due_date) == (125_050, "USD", due)
    assert promise.collector == book.collector
    assert b"Promise of 1,250.50 USD" in response.content
    assert AuditEntry.objects.filter(action="workspace_promise_record").count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "more than 2 decimals for USD"),
        ("abc", "is not an amount"),
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("", "This field is required"),
        ("1,25,0", "is not an amount"),
    ],
)
def test_an_amount_that_cannot_be_read_is_an_error_at_its_field(
    book: Book, amount: str, message: str
) -> None:
    invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    response = _post(
        client_for(book.collector),
        book,
        "promises",
        {
            "promise-amount": amount,
            "promise-currency": "USD",
            "promise-due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_promise-amount_error"' in body
    assert message in body
    assert not PromiseToPay.objects.exists()


def test_an_amount_in_yen_has_no_decimals(book: Book) -> None:
    invoice(book.debtor, "I-JPY", 500_000, due=timezone.localdate(), currency="JPY")
    data = {"promise-amount": "12,000", "promise-currency": "JPY"}
    data["promise-due_date"] = (timezone.localdate() + timedelta(days=3)).isoformat()
    client = client_for(book.collector)
    assert _post(client, book, "promises", data, headers=HTMX).status_code == 200
    assert PromiseToPay.objects.get().amount_minor == 12_000
    data["promise-amount"] = "12.5"
    response = _post(client, book, "promises", data, headers=HTMX)
    assert response.status_code == 422
    assert b"more than 0 decimals for JPY" in response.content


def test_a_promise_dated_before_today_is_an_error_at_its_date(book: Book) -> None:
    invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    response = _post(
        client_for(book.collector),
        book,
        "promises",
        {
            "promise-amount": "100",
            "promise-currency": "USD",
            "promise-due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert b'id="id_promise-due_date_error"' in response.content


def test_a_plan_splits_its_total_exactly_into_instalments(book: Book) -> None:
    invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    first = timezone.localdate() + timedelta(days=3)
    response = _post(
        client_for(book.collector),
        book,
        "plans",
        {
            "plan-total": "1,000.00",
            "plan-currency": "USD",
            "plan-instalments": "3",
            "plan-first_due": first.isoformat(),
            "plan-every": "month",
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    plan = PaymentPlan.objects.get()
    assert plan.total_minor == 100_000
    rows = list(Instalment.objects.order_by("sequence").values_list("amount_minor", flat=True))
    assert rows == [33_333, 33_333, 33_334]


def test_a_plan_of_more_instalments_than_cents_is_refused(book: Book) -> None:
    invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    response = _post(
        client_for(book.collector),
        book,
        "plans",
        {
            "plan-total": "0.02",
            "plan-currency": "USD",
            "plan-instalments": "3",
            "plan-first_due": timezone.localdate().isoformat(),
            "plan-every": "week",
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert b'id="id_plan-instalments_error"' in response.content


# --- disputes, notes, call-backs, contact points, restrictions, flags -------------------------


def test_a_dispute_opens_with_an_owner_and_deadline_and_appears_in_the_queue(book: Book) -> None:
    inv = invoice(book.debtor, "I-1", 500_000, due=timezone.localdate())
    deadline = timezone.localdate() + timedelta(days=14)
    client = client_for(book.collector)
    response = _post(
        client,
        book,
        "disputes",
        {
            "dispute-invoice": str(inv.pk),
            "dispute-reason": "goods arrived damaged",
            "dispute-amount": "1,000.00",
            "dispute-deadline": deadline.isoformat(),
            "dispute-owner": str(book.manager.pk),
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    dispute = Dispute.objects.get()
    assert (dispute.amount_minor, dispute.case.owner, dispute.case.deadline) == (
        100_000,
        book.manager,
        deadline,
    )
    queue = client.get("/ledger/disputes/").content.decode()
    assert "goods arrived damaged" in queue
    assert "Max Planck" in queue
    assert "Northwind Traders" in queue
    assert (
        "Northwind"
        not in client_for(book.south_collector).get("/ledger/disputes/").content.decode()
    )
    mine = client.get("/ledger/disputes/?mine=1").content.decode()
    assert "goods arrived damaged" not in mine
    resolved = client.post(
        f"/ledger/customers/{book.debtor.pk}/disputes/{dispute.pk}/resolve/",
        {f"resolve-{dispute.pk}-status": "resolved", f"resolve-{dispute.pk}-note": "credited"},
        headers=HTMX,
    )
    assert resolved.status_code == 200
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_on) == (DisputeStatus.RESOLVED, timezone.localdate())
    assert "goods arrived damaged" not in client.get("/ledger/disputes/").content.decode()


def test_a_disputed_amount_above_the_invoice_is_an_error_at_its_field(book: Book) -> None:
    inv = invoice(book.debtor, "I-1", 10_000, due=timezone.localdate())
    response = _post(
        client_for(book.collector),
        book,
        "disputes",
        {"dispute-invoice": str(inv.pk), "dispute-reason": "x", "dispute-amount": "100.01"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert b'id="id_dispute-amount_error"' in response.content


def test_a_call_back_is_set_in_the_debtors_time(book: Book) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _post(
        client_for(book.collector),
        book,
        "call-backs",
        {"callback-due_at": f"{tomorrow.isoformat()}T15:00", "callback-note": "after payday"},
        headers=HTMX,
    )
    assert response.status_code == 200
    call_back = CallBack.objects.get()
    local = timezone.localtime(call_back.due_at, timezone.get_fixed_timezone(0))
    chicago = call_back.due_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Chicago"))
    assert (chicago.hour, chicago.minute) == (15, 0)
    assert local.hour in (20, 21)
    done = client_for(book.collector).post(
        f"/ledger/customers/{book.debtor.pk}/call-backs/{call_back.pk}/done/", headers=HTMX
    )
    assert done.status_code == 200
    call_back.refresh_from_db()
    assert call_back.done_at is not None


def test_a_contact_point_is_added_once_and_can_be_marked_wrong(book: Book) -> None:
    client = client_for(book.collector)
    data = {
        "point-kind": "phone",
        "point-value": "+1 312 555 0100",
        "point-label": "mobile",
        "point-source": "directory",
        "point-source_note": "Yellow Pages, Chicago",
    }
    assert _post(client, book, "contact-points", data, headers=HTMX).status_code == 200
    again = _post(client, book, "contact-points", data, headers=HTMX)
    assert again.status_code == 422
    assert b"already has that contact point" in again.content
    point = ContactPoint.objects.get()
    assert (point.source, point.source_note, point.found_by) == (
        "directory",
        "Yellow Pages, Chicago",
        book.collector,
    )
    marked = client.post(
        f"/ledger/customers/{book.debtor.pk}/contact-points/{point.pk}/",
        {f"mark-{point.pk}-status": "wrong_number"},
        headers=HTMX,
    )
    assert marked.status_code == 200
    point.refresh_from_db()
    assert (point.status, point.status_changed_on) == (
        ContactStatus.WRONG_NUMBER,
        timezone.localdate(),
    )
    assert b"Wrong number" in marked.content


def test_a_cease_request_recorded_in_the_workspace_blocks_the_next_call(book: Book) -> None:
    client = client_for(book.collector)
    recorded = _post(
        client,
        book,
        "restrictions",
        {
            "restriction-kind": "cease",
            "restriction-effective_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "restriction-note": "letter of 3 March",
        },
        headers=HTMX,
    )
    assert recorded.status_code == 200, recorded.content.decode()
    restriction = Restriction.objects.get()
    blocked = _post(client, book, "contacts", _call(_yesterday_utc(15)), headers=HTMX)
    assert blocked.status_code == 409
    assert b"rule cease" in blocked.content
    # Ending a restriction is a manager's decision.
    end = {f"end-{restriction.pk}-ended_on": timezone.localdate().isoformat()}
    url = f"/ledger/customers/{book.debtor.pk}/restrictions/{restriction.pk}/end/"
    assert client.post(url, end, headers=HTMX).status_code == 403
    assert client_for(book.manager).post(url, end, headers=HTMX).status_code == 200
    restriction.refresh_from_db()
    assert restriction.ended_on == timezone.localdate()


def test_an_opt_out_without_its_channel_is_refused_in_words(book: Book) -> None:
    response = _post(
        client_for(book.collector),
        book,
        "restrictions",
        {
            "restriction-kind": "opt_out",
            "restriction-effective_on": timezone.localdate().isoformat(),
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert b"An opt-out names the channel" in response.content


def test_a_flag_is_cleared_with_what_was_done(book: Book) -> None:
    flag = AccountFlag.objects.create(
        customer=book.debtor, reason=FlagReason.BROKEN_PROMISE, raised_on=timezone.localdate()
    )
    url = f"/ledger/customers/{book.debtor.pk}/flags/{flag.pk}/clear/"
    client = client_for(book.collector)
    empty = client.post(url, {f"flag-{flag.pk}-note": ""}, headers=HTMX)
    assert empty.status_code == 422
    assert (
        client.post(url, {f"flag-{flag.pk}-note": "called, new promise"}, headers=HTMX).status_code
        == 200
    )
    flag.refresh_from_db()
    assert (flag.cleared_by, flag.clear_note) == (book.collector, "called, new promise")


def test_a_note_without_htmx_redirects_back_to_the_account(book: Book) -> None:
    response = _post(client_for(book.collector), book, "notes", {"note-text": "prefers e-mail"})
    assert response.status_code == 302
    assert response["Location"] == f"/ledger/customers/{book.debtor.pk}/"
    assert Note.objects.get().author == book.collector


def test_an_item_of_another_account_is_not_found(book: Book) -> None:
    flag = AccountFlag.objects.create(
        customer=book.other, reason=FlagReason.BROKEN_PROMISE, raised_on=timezone.localdate()
    )
    url = f"/ledger/customers/{book.debtor.pk}/flags/{flag.pk}/clear/"
    assert client_for(book.manager).post(url, {f"flag-{flag.pk}-note": "x"}).status_code == 404
