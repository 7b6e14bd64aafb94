"""The account workspace page: what it shows of one debtor, to whom, and the timeline."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from recoup.ledger.models import (
    Activity,
    Adjustment,
    AdjustmentKind,
    Allocation,
    ContactPoint,
    Dispute,
    Invoice,
)
from recoup.workspace.models import Note
from recoup.workspace.timeline import TIMELINE_STEP
from tests.workspace.conftest import Book, client_for, invoice, payment

pytestmark = pytest.mark.django_db


def _url(book: Book) -> str:
    return f"/ledger/customers/{book.debtor.pk}/"


def _allocate(inv: Invoice, amount: int, on: date, ext: str) -> None:
    pay = payment(inv.customer, ext, amount, on, currency=inv.currency)
    Allocation.objects.create(payment=pay, invoice=inv, amount_minor=amount)


def _rows(html: str, caption: str) -> str:
    return html.split(caption, 1)[1]


def test_the_open_balance_is_by_currency_and_the_kpis_aging_buckets(book: Book) -> None:
    today = timezone.localdate()
    invoice(book.debtor, "I-CUR", 10_000, due=today + timedelta(days=5), issued=today)
    invoice(book.debtor, "I-45", 20_000, due=today - timedelta(days=45))
    half = invoice(book.debtor, "I-200", 30_000, due=today - timedelta(days=200))
    _allocate(half, 12_500, today - timedelta(days=10), "PAY-HALF")
    invoice(book.debtor, "I-EUR", 7_000, due=today - timedelta(days=1), currency="EUR")
    html = client_for(book.collector).get(_url(book)).content.decode()
    table = html.split('id="balance-title"', 1)[1].split("</table>", 1)[0]
    for label in ("current", "1-30", "31-60", "61-90", "91-120", "120+"):
        assert f">{label}</th>" in table
    usd = re.split(r'<th scope="row"[^>]*>USD</th>', table, maxsplit=1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td [^>]*class="num[^"]*">(.*?)</td>', usd)
    # Total, overdue, then current, 1-30, 31-60, 61-90, 91-120, 120+.
    assert [re.sub(r"<span.*", "", c) for c in cells] == [
        "<strong>475.00 USD</strong>",
        "375.00 USD",
        "100.00 USD",
        "—",
        "200.00 USD",
        "—",
        "—",
        "175.00 USD",
    ]
    assert re.search(r"<th scope=\"row\"[^>]*>EUR</th>", table)


def test_each_invoice_shows_its_state(book: Book) -> None:
    today = timezone.localdate()
    due = today - timedelta(days=10)
    paid = invoice(book.debtor, "I-PAID", 10_000, due=due)
    _allocate(paid, 10_000, due, "P1")
    partly = invoice(book.debtor, "I-PART", 10_000, due=due)
    _allocate(partly, 4_000, due, "P2")
    invoice(book.debtor, "I-OPEN", 10_000, due=due)
    disputed = invoice(book.debtor, "I-DISP", 10_000, due=due)
    Dispute.objects.create(external_id="D1", invoice=disputed, opened_on=due)
    gone = invoice(book.debtor, "I-WO", 10_000, due=due)
    Adjustment.objects.create(
        external_id="WO1",
        invoice=gone,
        kind=AdjustmentKind.WRITE_OFF,
        effective_on=due,
        amount_minor=10_000,
        currency="USD",
    )
    html = client_for(book.collector).get(_url(book)).content.decode()
    states = dict(re.findall(r"<td [^>]*>(I-[A-Z]+)</td>.*?ws-state-(\w+)", html, flags=re.S))
    assert states == {
        "I-PAID": "paid",
        "I-PART": "partly_paid",
        "I-OPEN": "open",
        "I-DISP": "disputed",
        "I-WO": "written_off",
    }


def test_a_collector_outside_the_debtors_book_gets_not_found(book: Book) -> None:
    assert client_for(book.south_collector).get(_url(book)).status_code == 404
    assert client_for(book.collector).get(f"/ledger/customers/{book.other.pk}/").status_code == 404


def test_a_viewer_reads_the_account_but_sees_no_action(book: Book) -> None:
    response = client_for(book.viewer).get(_url(book))
    assert response.status_code == 200
    assert b"Northwind Traders" in response.content
    assert b"Log a contact" not in response.content
    assert client_for(book.collector).get(_url(book)).content.count(b"Log a contact") >= 1


def test_the_timeline_is_newest_first_and_shows_more_on_request(book: Book) -> None:
    now = timezone.now()
    for n in range(TIMELINE_STEP + 5):
        note = Note.objects.create(customer=book.debtor, written_at=now, text=f"note {n}")
        Note.objects.filter(pk=note.pk).update(written_at=now - timedelta(hours=n))
    ContactPoint.objects.create(customer=book.debtor, kind="phone", value="+1 312 555 0100")
    client = client_for(book.collector)
    html = client.get(_url(book)).content.decode()
    shown = re.findall(r"note (\d+)</p>", html)
    assert shown[:3] == ["0", "1", "2"]
    assert len(shown) == TIMELINE_STEP
    assert "Show more" in html
    more = client.get(
        f"{_url(book)}timeline/?show={TIMELINE_STEP * 2}", headers={"HX-Request": "true"}
    ).content.decode()
    assert len(re.findall(r"note (\d+)</p>", more)) == TIMELINE_STEP + 5
    assert "Show more" not in more
    # Without htmx the link reads the page with more of the timeline.
    page = client.get(f"{_url(book)}?show=1000")
    assert len(re.findall(r"note (\d+)</p>", page.content.decode())) == TIMELINE_STEP + 5


@pytest.mark.parametrize("show", ["abc", "-1", "0", "99999999999"])
def test_a_show_more_that_cannot_be_read_shows_the_timeline_anyway(book: Book, show: str) -> None:
    assert client_for(book.collector).get(f"{_url(book)}?show={show}").status_code == 200


def test_the_timeline_mixes_every_kind_of_event(book: Book) -> None:
    today = timezone.localdate()
    inv = invoice(book.debtor, "I-1", 10_000, due=today - timedelta(days=3))
    payment(book.debtor, "PAY-9", 2_500, today - timedelta(days=1))
    Activity.objects.create(
        external_id="A1",
        customer=book.debtor,
        channel="call",
        outcome="no_answer",
        occurred_at=datetime.now(UTC) - timedelta(hours=2),
    )
    Dispute.objects.create(external_id="D1", invoice=inv, opened_on=today, reason="wrong price")
    html = client_for(book.collector).get(_url(book)).content.decode()
    timeline = html.split('id="account-timeline"', 1)[1]
    kinds = re.findall(r'class="ws-entry ws-entry-(\w+)"', timeline)
    assert {"invoice", "payment", "contact", "dispute"} <= set(kinds)
    assert "Payment of 25.00 USD received" in timeline
    assert "Call, outbound: No answer" in timeline


def test_the_page_reads_a_bounded_number_of_queries(
    book: Book, django_assert_max_num_queries: object
) -> None:
    today = timezone.localdate()
    for n in range(30):
        inv = invoice(book.debtor, f"I-{n}", 10_000 + n, due=today - timedelta(days=n))
        Dispute.objects.create(external_id=f"D-{n}", invoice=inv, opened_on=today)
        payment(book.debtor, f"P-{n}", 100 + n, today - timedelta(days=n))
    client = client_for(book.collector)
    client.get(_url(book))  # warm the session and the permission caches
    with django_assert_max_num_queries(60):  # type: ignore[operator]
        assert client.get(_url(book)).status_code == 200


def test_the_ledgers_customer_list_links_to_the_workspace(book: Book) -> None:
    html = client_for(book.collector).get("/ledger/customers/").content.decode()
    assert f'href="/ledger/customers/{book.debtor.pk}/">Northwind Traders</a>' in html
