"""Tracing: the accounts that owe something and that no working phone or e-mail reaches, largest
balance first, in the asker's book; a contact point found for one, recorded with where it was
found, takes it off the queue and back to its collector's worklist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from unittest import mock

import pytest

from recoup.accounts.models import AuditEntry, Team
from recoup.accounts.scope import OutOfScopeError, scope_for
from recoup.ledger.models import (
    Allocation,
    ContactKind,
    ContactPoint,
    ContactSource,
    ContactStatus,
    Customer,
    FxRate,
    Invoice,
    Payment,
)
from recoup.worklist.selectors import worklist_for
from recoup.worklist.services import likelihood_current
from recoup.worklist.tracing import trace_queue
from tests.worklist.conftest import AT, DAY, Book, account
from tests.worklist.test_interfaces import _client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_the_test_instant() -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=AT):
        yield


def _dead(customer: Customer, kind: str, value: str, status: str, on: date) -> None:
    ContactPoint.objects.create(
        customer=customer, kind=kind, value=value, status=status, status_changed_on=on
    )


@pytest.fixture
def traced(book: Book) -> Book:
    """Beside the fixture's Nophone GmbH (no contact point, owes 10,000): an account whose phone
    and e-mail are dead, one with only a postal address, one that paid, one in euros, and one
    of South's."""
    dead = account("C-0101", "Deadline Co", book.nina, book.north, 25_000_00, phone=False)
    _dead(dead, ContactKind.PHONE, "+1 312 555 0101", ContactStatus.WRONG_NUMBER, date(2026, 6, 1))
    _dead(dead, ContactKind.EMAIL, "ap@deadline.example", ContactStatus.BOUNCED, date(2026, 6, 3))
    letters = account("C-0102", "Letters Only Ltd", book.nina, book.north, 5_000_00, phone=False)
    ContactPoint.objects.create(
        customer=letters,
        kind=ContactKind.ADDRESS,
        value="1 Main Street, Chicago",
        status=ContactStatus.VALID,
    )
    paid = account("C-0103", "Paid Up Ltd", book.nina, book.north, 7_000_00, phone=False)
    payment = Payment.objects.create(
        external_id="P-0103",
        customer=paid,
        received_on=date(2026, 6, 10),
        amount_minor=7_000_00,
        currency="USD",
    )
    Allocation.objects.create(
        payment=payment, invoice=Invoice.objects.get(customer=paid), amount_minor=7_000_00
    )
    euros = account("C-0104", "Euro Silence GmbH", book.nina, book.north, 1, phone=False)
    Invoice.objects.filter(customer=euros).update(amount_minor=12_000_00, currency="EUR")
    # 1.10 USD a euro: 12,000.00 EUR owe 13,200.00 USD, between Deadline Co and Nophone GmbH.
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 1), rate_scaled=11_000_000_000)
    south = Team.objects.get(name="South")
    account("C-0105", "Southern Silence Ltd", book.sam, south, 40_000_00, phone=False)
    return book


def _names(book: Book, who: str, **kwargs: object) -> list[str]:
    queue = trace_queue(scope_for(getattr(book, who)), on=DAY, **kwargs)  # type: ignore[arg-type]
    return [e.name for e in queue.entries]


NORTH_ORDER = [
    "Deadline Co",
    "Euro Silence GmbH",
    "Nophone GmbH",
    "Letters Only Ltd",
]


def test_the_queue_holds_what_owes_and_nothing_reaches_largest_balance_first(traced: Book) -> None:
    queue = trace_queue(scope_for(traced.nina), on=DAY)
    assert [e.name for e in queue.entries] == NORTH_ORDER
    first = queue.entries[0]
    assert (str(first.balance), first.collector_name, first.team_name) == (
        "25,000.00 USD",
        "Nina Nordström",
        "North",
    )
    assert str(queue.entries[1].balance) == "13,200.00 USD"
    tried = [(t.kind, t.value, t.status_words, t.changed_on) for t in first.tried]
    assert tried == [
        ("email", "ap@deadline.example", "Bounced", date(2026, 6, 3)),
        ("phone", "+1 312 555 0101", "Wrong number", date(2026, 6, 1)),
    ]
    assert queue.entries[2].tried == []


def test_each_sees_their_book_and_a_collector_filter_narrows_it(traced: Book) -> None:
    assert _names(traced, "sam") == ["Southern Silence Ltd"]
    assert _names(traced, "max") == ["Southern Silence Ltd", *NORTH_ORDER]
    assert _names(traced, "ada", collector=traced.sam) == ["Southern Silence Ltd"]
    assert _names(traced, "max", collector=traced.nina) == NORTH_ORDER
    with pytest.raises(OutOfScopeError):
        trace_queue(scope_for(traced.nina), collector=traced.sam, on=DAY)


def test_the_page_lists_the_queue_with_what_was_tried_and_refuses_viewers(traced: Book) -> None:
    response = _client(traced.nina).get("/worklist/trace/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "To trace (4)" in page
    assert page.index("Deadline Co") < page.index("Euro Silence GmbH") < page.index("Nophone")
    assert f'href="/ledger/customers/{Customer.objects.get(name="Deadline Co").pk}/"' in page
    assert "25,000.00 USD" in page
    assert 'Wrong number</span> <span class="wl-tried-value">+1 312 555 0101' in page
    assert "since 1 Jun 2026" in page
    assert "Southern Silence Ltd" not in page
    assert '<label for="id_found-' in page
    assert _client(traced.vera).get("/worklist/trace/").status_code == 403
    manager = _client(traced.max).get("/worklist/trace/?collector=sam").content.decode()
    assert "To trace (1)" in manager
    assert "Sam Southey" in manager
    assert _client(traced.sam).get("/worklist/trace/?collector=nina").status_code == 403
    assert _client(traced.max).get("/worklist/trace/?collector=nobody").status_code == 404


def test_the_worklist_links_its_unreachable_accounts_to_the_queue(traced: Book) -> None:
    page = _client(traced.nina).get("/worklist/").content.decode()
    assert 'href="/worklist/trace/?collector=nina">Trace them</a>' in page
    assert 'href="/worklist/trace/">To trace</a>' in page


def _found(customer: Customer, **fields: str) -> dict[str, str]:
    data = {"kind": "phone", "value": "+1 312 555 0199", "source": "credit_bureau"}
    data.update(fields)
    return {f"found-{customer.pk}-{k}": v for k, v in data.items()}


def test_a_found_phone_with_its_source_takes_the_account_off_to_the_worklist(
    traced: Book,
) -> None:
    dead = Customer.objects.get(name="Deadline Co")
    client = _client(traced.nina)
    data = _found(dead, source_note="Experian report of 29 June")
    done = client.post(f"/worklist/trace/{dead.pk}/found/", {**data, "collector": "nina"})
    assert done.status_code == 302
    assert done["Location"] == "/worklist/trace/?collector=nina"
    point = ContactPoint.objects.get(customer=dead, value="+1 312 555 0199")
    assert (point.source, point.source_note, point.found_by, point.status) == (
        ContactSource.CREDIT_BUREAU,
        "Experian report of 29 June",
        traced.nina,
        ContactStatus.UNVERIFIED,
    )
    entry = AuditEntry.objects.get(action="workspace_contact_point_add")
    assert (entry.actor, entry.object_id, entry.via) == (traced.nina, str(dead.pk), "web")
    assert entry.after == {
        "kind": "phone",
        "value": "+1 312 555 0199",
        "label": "",
        "primary": False,
        "source": "credit_bureau",
        "source_note": "Experian report of 29 June",
    }
    assert "Deadline Co" not in _names(traced, "nina")
    page = client.get("/worklist/trace/?collector=nina").content.decode()
    assert "recorded for Deadline Co (credit bureau); the account has left this queue." in page
    worklist = worklist_for(
        scope_for(traced.nina),
        collector=traced.nina,
        likelihood=likelihood_current(today=DAY),
        at=AT,
    )
    back = [e for e in [*worklist.entries, *worklist.later] if e.name == "Deadline Co"]
    assert [c.to for c in back[0].channels] == ["+1 312 555 0199"]
    # The account page says where the new number came from.
    account_page = client.get(f"/ledger/customers/{dead.pk}/").content.decode()
    assert "Source: Credit bureau · Experian report of 29 June" in account_page


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"source": ""}, "This field is required."),
        ({"source": "imported"}, "Select a valid choice."),
        ({"source": "gossip"}, "Select a valid choice."),
        ({"kind": "address"}, "Select a valid choice."),
        ({"kind": "fax"}, "Select a valid choice."),
        ({"value": "   "}, "This field is required."),
        ({"value": "9" * 301}, "Ensure this value has at most 300 characters"),
        ({"source_note": "n" * 301}, "Ensure this value has at most 300 characters"),
    ],
)
def test_bad_input_is_named_at_its_field_and_records_nothing(
    traced: Book, fields: dict[str, str], error: str
) -> None:
    dead = Customer.objects.get(name="Deadline Co")
    before = ContactPoint.objects.count()
    refused = _client(traced.nina).post(f"/worklist/trace/{dead.pk}/found/", _found(dead, **fields))
    assert refused.status_code == 422
    assert error in refused.content.decode()
    assert ContactPoint.objects.count() == before
    assert not AuditEntry.objects.filter(action="workspace_contact_point_add").exists()


def test_a_number_already_on_the_account_is_refused_in_words(traced: Book) -> None:
    dead = Customer.objects.get(name="Deadline Co")
    refused = _client(traced.nina).post(
        f"/worklist/trace/{dead.pk}/found/", _found(dead, value="+1 312 555 0101")
    )
    assert refused.status_code == 422
    assert "this customer already has that contact point" in refused.content.decode()


def test_recording_for_an_account_outside_the_book_or_as_a_viewer_is_refused(
    traced: Book,
) -> None:
    southern = Customer.objects.get(name="Southern Silence Ltd")
    data = _found(southern)
    assert (
        _client(traced.nina).post(f"/worklist/trace/{southern.pk}/found/", data).status_code == 404
    )
    assert (
        _client(traced.vera).post(f"/worklist/trace/{southern.pk}/found/", data).status_code == 403
    )
    too_long = "9" * 30
    assert _client(traced.max).post(f"/worklist/trace/{too_long}/found/", data).status_code == 404
    assert _client(traced.max).get(f"/worklist/trace/{southern.pk}/found/").status_code == 405
    assert not ContactPoint.objects.filter(customer=southern).exists()
    # A collector filter gone stale does not stop what was found from being recorded.
    done = _client(traced.sam).post(
        f"/worklist/trace/{southern.pk}/found/", {**data, "collector": "nina"}
    )
    assert (done.status_code, done["Location"]) == (302, "/worklist/trace/")


def test_the_api_gives_the_queue_as_data(traced: Book) -> None:
    response = _client(traced.nina).get("/api/worklist/trace")
    assert response.status_code == 200
    body = response.json()
    assert body["day"] == DAY.isoformat()
    assert [e["name"] for e in body["entries"]] == NORTH_ORDER
    first = body["entries"][0]
    assert (first["customer"], first["balance"], first["currency"], first["collector"]) == (
        "C-0101",
        "25000.00",
        "USD",
        "nina",
    )
    assert first["tried"][1] == {
        "kind": "phone",
        "value": "+1 312 555 0101",
        "status": "wrong_number",
        "status_words": "Wrong number",
        "status_changed_on": "2026-06-01",
        "source": "imported",
        "source_words": "Ledger import",
    }
    managers = _client(traced.max).get("/api/worklist/trace", {"collector": "sam"}).json()
    assert [e["name"] for e in managers["entries"]] == ["Southern Silence Ltd"]
    assert _client(traced.vera).get("/api/worklist/trace").status_code == 403
    assert _client(traced.nina).get("/api/worklist/trace?collector=sam").status_code == 403
    assert _client(traced.nina).get("/api/worklist/trace?collector=nobody").status_code == 404
    assert _client(traced.nina).get("/api/worklist/trace?collector=ni%00na").status_code == 422
    assert _client(traced.nina).get("/worklist/trace/?collector=ni%00na").status_code == 400
    assert _client(traced.nina).get(f"/worklist/trace/?collector={'n' * 200}").status_code == 404
