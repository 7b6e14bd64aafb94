"""The collector scorecard: each collector's figures are the ledger's own counts and sums, the
targets a manager sets read met or missed and are audited, and the book decides who sees what."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.scope import Scope, scope_for
from recoup.core.errors import AccessDeniedError
from recoup.ledger.models import (
    Activity,
    Allocation,
    Assignment,
    Customer,
    Invoice,
    Payment,
    PromiseToPay,
)
from recoup.worklist.models import CollectorTarget
from recoup.worklist.scorecard import FIGURES, Scorecard, scorecard_for
from recoup.worklist.services import TargetError, collector_target_set
from tests.worklist.conftest import DAY, Book

pytestmark = pytest.mark.django_db

EVERYONE = Scope.organisation("tests")
JUNE, MAY_END, MAY = date(2026, 6, 1), date(2026, 5, 31), date(2026, 5, 1)
OUTBOUND, INBOUND = "outbound", "inbound"
# The catalogue's words (`recoup.metrics.compiler`): who was reached, and who was the debtor.
NOT_REACHED = {"no_answer", "message_left"}
RIGHT_PARTY = {"right_party_contact", "promise", "refusal", "dispute", "payment"}
GRACE_DAYS = 3


@dataclass
class Month:
    """A month of work on top of the worklist's book."""

    book: Book


def _activity(customer: Customer, who: User, on: date, outcome: str, **extra: str) -> None:
    Activity.objects.create(
        external_id=f"A-{Activity.objects.count() + 1}",
        customer=customer,
        channel=extra.get("channel", "call"),
        direction=extra.get("direction", OUTBOUND),
        outcome=outcome,
        collector=who,
        occurred_at=datetime(on.year, on.month, on.day, 14, 0, tzinfo=UTC),
    )


def _pay(customer: Customer, on: date, minor: int) -> None:
    invoice = Invoice.objects.filter(customer=customer).order_by("due_date").first()
    assert invoice is not None
    payment = Payment.objects.create(
        external_id=f"P-{Payment.objects.count() + 1}",
        customer=customer,
        received_on=on,
        amount_minor=minor,
        currency="USD",
    )
    Allocation.objects.create(payment=payment, invoice=invoice, amount_minor=minor)


def _promise(customer: Customer, made: date, due: date, minor: int) -> None:
    PromiseToPay.objects.create(
        external_id=f"PR-{PromiseToPay.objects.count() + 10}",
        customer=customer,
        promised_on=made,
        due_date=due,
        amount_minor=minor,
        currency="USD",
    )


@pytest.fixture
def month(book: Book) -> Month:
    """June 2026 (and a little of May) for Nina (North) and Sam (South); Max, a manager, logs a
    call too, which is nobody's on the scorecard."""
    nina, sam = book.nina, book.sam
    for ref, customer, due, minor in [
        ("OLD-1", book.big, date(2026, 3, 1), 5_000_00),  # 91 days late on 31 May
        ("OLD-2", book.southern, date(2026, 3, 20), 7_000_00),  # 72 days late on 31 May
    ]:
        Invoice.objects.create(
            external_id=f"I-{ref}",
            customer=customer,
            issue_date=date(2026, 1, 15),
            due_date=due,
            amount_minor=minor,
            currency="USD",
        )
    _activity(book.big, nina, date(2026, 6, 2), "no_answer")
    _activity(book.big, nina, date(2026, 6, 3), "right_party_contact")
    _activity(book.promised, nina, date(2026, 6, 4), "promise")
    _activity(book.asleep, nina, date(2026, 6, 5), "message_left", channel="email")
    _activity(book.ceased, nina, date(2026, 6, 8), "promise", direction=INBOUND)
    _activity(book.no_phone, nina, date(2026, 6, 9), "wrong_party")
    _activity(book.big, nina, date(2026, 5, 20), "right_party_contact")
    _activity(book.big, book.max, date(2026, 6, 10), "right_party_contact")
    _activity(book.southern, sam, date(2026, 6, 3), "promise")
    _activity(book.southern, sam, date(2026, 6, 4), "no_answer")
    _promise(book.big, date(2026, 6, 1), date(2026, 6, 10), 1_000_00)  # kept on the day
    _promise(book.ceased, date(2026, 6, 2), date(2026, 6, 12), 300_00)  # broken
    _promise(book.southern, date(2026, 6, 1), date(2026, 6, 5), 500_00)  # kept
    _pay(book.big, date(2026, 6, 10), 1_000_00)
    _pay(book.promised, date(2026, 6, 29), 20_00)
    _pay(book.big, date(2026, 5, 15), 200_00)
    _pay(book.southern, date(2026, 6, 5), 500_00)
    return Month(book)


# -- the ledger's own counts, computed here from its rows --------------------------------------


def _book_of(collector: User, on: date) -> set[int]:
    return set(
        Assignment.objects.filter(collector=collector, valid_from__lte=on).values_list(
            "customer_id", flat=True
        )
    )


def _activities(collector: User, start: date, end: date) -> list[Activity]:
    return [
        a
        for a in Activity.objects.filter(collector=collector)
        if start <= a.occurred_at.date() <= end
    ]


def _expected(collector: User, start: date, end: date) -> dict[str, Decimal | None]:
    done = _activities(collector, start, end)
    book = _book_of(collector, end)
    due = [
        p
        for p in PromiseToPay.objects.filter(customer_id__in=book)
        if start <= p.due_date + timedelta(days=GRACE_DAYS) <= end
    ]
    kept_minor = 0
    for promise in due:
        paid = sum(
            p.amount_minor
            for p in Payment.objects.filter(customer=promise.customer)
            if promise.promised_on <= p.received_on <= promise.due_date + timedelta(GRACE_DAYS)
        )
        kept_minor += promise.amount_minor if paid >= promise.amount_minor else 0
    due_minor = sum(p.amount_minor for p in due)
    paid_minor: dict[int, int] = defaultdict(int)
    for allocation in Allocation.objects.select_related("payment", "invoice"):
        if allocation.payment.received_on <= end:
            paid_minor[allocation.invoice_id] += allocation.amount_minor
    late = sum(
        i.amount_minor - paid_minor[i.pk]
        for i in Invoice.objects.filter(customer_id__in=book)
        if (end - i.due_date).days > 90
    )
    cash = sum(
        a.amount_minor
        for a in Allocation.objects.filter(invoice__customer_id__in=book).select_related("payment")
        if start <= a.payment.received_on <= end
    )
    kept_rate = (
        (Decimal(kept_minor) * 100 / due_minor).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        if due_minor
        else None
    )
    return {
        "contacts": Decimal(
            sum(a.direction == OUTBOUND and a.outcome not in NOT_REACHED for a in done)
        ),
        "right_party_contacts": Decimal(
            sum(a.direction == OUTBOUND and a.outcome in RIGHT_PARTY for a in done)
        ),
        "promises": Decimal(sum(a.outcome == "promise" for a in done)),
        "promise_kept_rate": kept_rate,
        "cash_collected": Decimal(cash) / 100,
        "ar_90_plus": Decimal(late) / 100,
    }


def _values(card: Scorecard, username: str, which: str = "value") -> dict[str, Decimal | None]:
    (row,) = [r for r in card.rows if r.username == username]
    return {key: getattr(cell, which) for key, cell in row.cells.items()}


def test_each_collectors_figures_are_the_ledgers_own_counts_and_sums(month: Month) -> None:
    book = month.book
    card = scorecard_for(EVERYONE, collectors=[book.nina, book.sam], as_of=DAY)
    assert (card.start, card.previous_start, card.previous_end) == (JUNE, MAY, MAY_END)
    assert [c.figure.key for c in card.columns] == [f.key for f in FIGURES]
    for person in (book.nina, book.sam):
        assert _values(card, person.username) == _expected(person, JUNE, DAY)
        assert _values(card, person.username, "previous") == _expected(person, MAY, MAY_END)
    # The same, in numbers a person can check against the fixture by hand.
    assert _values(card, "nina") == {
        "contacts": 3,
        "right_party_contacts": 2,
        "promises": 2,
        "promise_kept_rate": Decimal("76.92"),  # 1,000 kept of 1,300 due
        "cash_collected": Decimal("1020.00"),
        # The old invoice took both payments (the earliest due is paid first): 5,000 less 1,200.
        "ar_90_plus": Decimal("3800.00"),
    }
    assert _values(card, "sam")["ar_90_plus"] == Decimal("6500.00")  # 7,000 less 500
    assert _values(card, "sam", "previous")["ar_90_plus"] == 0
    # The team: the collectors together (the manager's call is nobody's), a rate over all.
    assert card.total is not None
    team = {key: cell.value for key, cell in card.total.cells.items()}
    assert team["contacts"] == 4
    assert team["right_party_contacts"] == 3
    assert team["promises"] == 3
    assert team["promise_kept_rate"] == Decimal("83.33")  # 1,500 kept of 1,800 due
    assert team["cash_collected"] == Decimal("1520.00")
    assert team["ar_90_plus"] == Decimal("10300.00")


def test_a_collectors_scope_counts_only_their_teams_book(month: Month) -> None:
    book = month.book
    mine = scorecard_for(scope_for(book.nina), collectors=[book.nina], as_of=DAY)
    assert _values(mine, "nina") == _expected(book.nina, JUNE, DAY)
    # Sam's book is outside North: asked through Nina's scope, nothing of it is counted.
    outside = scorecard_for(scope_for(book.nina), collectors=[book.sam], as_of=DAY)
    assert _values(outside, "sam")["cash_collected"] == 0
    assert _values(outside, "sam")["ar_90_plus"] == 0


def test_a_managers_targets_read_met_or_missed_the_collectors_own_first(month: Month) -> None:
    book = month.book
    collector_target_set(
        collector=None,
        metric="contact_rate",
        measure="contacts",
        target=Decimal(2),
        period="month",
        actor=book.max,
    )
    collector_target_set(
        collector=book.nina,
        metric="cash_collected",
        target=Decimal(2000),
        period="month",
        actor=book.max,
    )
    collector_target_set(
        collector=book.sam, metric="ar_90_plus", target=Decimal(10000), actor=book.max
    )
    collector_target_set(collector=None, metric="ar_90_plus", target=Decimal(1000), actor=book.max)
    card = scorecard_for(EVERYONE, collectors=[book.nina, book.sam], as_of=DAY)
    met = {r.username: {k: c.met for k, c in r.cells.items()} for r in card.rows}
    assert met["nina"]["contacts"] is True  # 3, at least 2
    assert met["sam"]["contacts"] is False  # 1
    assert met["nina"]["cash_collected"] is False  # 1,020, at least 2,000
    assert met["sam"]["cash_collected"] is None  # no target
    assert met["sam"]["ar_90_plus"] is True  # 6,500, at most his own 10,000
    assert met["nina"]["ar_90_plus"] is False  # 3,800, at most everyone's 1,000
    # A target per month is no target for a week.
    week = scorecard_for(EVERYONE, collectors=[book.nina], period="week", as_of=DAY)
    cell = week.rows[0].cells["cash_collected"]
    assert (cell.target, cell.met, cell.target_period) == (None, None, "month")
    # The rate of promises kept and a balance keep no period.
    assert CollectorTarget.objects.get(collector=book.sam).period == ""
    entry = AuditEntry.objects.filter(action="worklist_target_set").order_by("id")[1]
    assert entry.actor == book.max
    assert entry.after == {
        "collector": "Nina Nordström",
        "figure": "Cash collected",
        "target": "2000",
        "period": "month",
    }


def test_a_target_is_refused_with_the_field_it_is_about(book: Book) -> None:
    cases = [
        ({"metric": "dso"}, "metric"),
        ({"metric": "contact_rate"}, "metric"),  # the rate itself is not on the scorecard
        ({"metric": "contact_rate", "measure": "contacts", "target": Decimal("2.5")}, "target"),
        ({"metric": "promise_kept_rate", "target": Decimal(101)}, "target"),
        ({"metric": "cash_collected", "target": Decimal("10.001")}, "target"),
        ({"metric": "cash_collected", "target": Decimal(-1)}, "target"),
        ({"metric": "cash_collected", "target": Decimal(10) ** 16}, "target"),
        ({"metric": "cash_collected", "period": "year"}, "period"),
        ({"metric": "cash_collected", "collector": book.max}, "collector"),
    ]
    for given, field in cases:
        arguments = {"collector": book.nina, "target": Decimal(1), "actor": book.max, **given}
        with pytest.raises(TargetError) as refused:
            collector_target_set(**arguments)  # type: ignore[arg-type]
        assert refused.value.field == field, given
    with pytest.raises(AccessDeniedError):
        collector_target_set(
            collector=book.nina, metric="cash_collected", target=Decimal(1), actor=book.nina
        )
    assert not CollectorTarget.objects.exists()


# -- the page, the API and the command ------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_names_figures_targets_and_links_to_each_explanation(month: Month) -> None:
    book = month.book
    manager = _client(book.max)
    done = manager.post(
        "/worklist/scorecard/target/",
        {"collector": "nina", "figure": "cash_collected", "target": "1,000", "period": "month"},
    )
    assert done.status_code == 302
    page = manager.get("/worklist/scorecard/?as_of=2026-06-30").content.decode()
    assert "Target for cash collected of Nina Nordström saved." in page
    assert "Nina Nordström" in page
    assert "Sam Southey" in page
    nina = page[page.index('row">Nina Nordström<') : page.index('row">Sam Southey<')]
    assert "1,020 USD" in nina
    assert "at least 1,000 USD: met" in nina
    assert "76.9 %" in nina
    assert "/dashboard/explain/cash_collected/?collector=nina&amp;as_of=2026-06-30" in nina
    assert "All shown together" in page
    assert 'name="as_of" value="2026-06-30"' in page
    assert "How each figure is counted" in page
    assert 'action="/worklist/scorecard/target/"' in page
    # The explanation a figure links to gives the same number.
    explained = manager.get("/dashboard/explain/cash_collected/?collector=nina&as_of=2026-06-30")
    assert "1,020.00" in explained.content.decode()
    # The worklist links to it.
    assert 'href="/worklist/scorecard/"' in manager.get("/worklist/").content.decode()
    # A target left empty is removed.
    manager.post("/worklist/scorecard/target/", {"collector": "nina", "figure": "cash_collected"})
    assert not CollectorTarget.objects.exists()
    assert AuditEntry.objects.filter(action="worklist_target_set").count() == 2


def test_a_collector_reads_their_team_and_sets_nothing_a_viewer_reads_nothing(
    month: Month,
) -> None:
    book = month.book
    nina = _client(book.nina)
    page = nina.get("/worklist/scorecard/?as_of=2026-06-30").content.decode()
    assert "Nina Nordström" in page
    assert "Sam Southey" not in page
    assert "Set a target" not in page
    posted = nina.post(
        "/worklist/scorecard/target/", {"collector": "nina", "figure": "contacts", "target": "9"}
    )
    assert posted.status_code == 403
    assert not CollectorTarget.objects.exists()
    sam = _client(book.sam)
    assert sam.get("/worklist/scorecard/?collector=nina").status_code == 403
    assert sam.get("/api/worklist/scorecard?collector=nina").status_code == 403
    viewer = _client(book.vera)
    assert viewer.get("/worklist/scorecard/").status_code == 403
    assert viewer.get("/api/worklist/scorecard").status_code == 403
    assert viewer.post("/worklist/scorecard/target/", {}).status_code == 403


def test_bad_input_is_refused_with_a_sentence_never_a_server_error(book: Book) -> None:
    manager = _client(book.max)
    for query, status, words in [
        ("?period=year", 422, "Period &#x27;year&#x27;: choose week, month or quarter."),
        ("?as_of=2026-02-30", 422, "not on the calendar"),
        ("?as_of=" + "9" * 500, 422, "expected a date YYYY-MM-DD"),
        ("?collector=nobody", 404, ""),
        ("?collector=" + "n" * 5000, 404, ""),
        ("?collector=max", 404, ""),
    ]:
        answer = manager.get("/worklist/scorecard/" + query)
        assert answer.status_code == status, query
        assert words in answer.content.decode(), query
    for form, words in [
        ({"figure": "contacts", "target": "lots"}, "Target: &#x27;lots&#x27; is not a number."),
        ({"figure": "contacts", "target": "1" * 41}, "Target: give a number of at most 40"),
        ({"figure": "contacts", "target": "2.5"}, "Target: 2.5: contacts are a whole number."),
        ({"figure": "speed", "target": "1"}, "Figure: &#x27;speed&#x27;: choose one of"),
        ({"figure": "promise_kept_rate", "target": "120"}, "a percentage from 0 to 100"),
        ({"figure": "contacts", "target": "3", "period": "year"}, "Period: &#x27;year&#x27;"),
    ]:
        answer = manager.post("/worklist/scorecard/target/", form)
        assert answer.status_code == 422, form
        assert words in answer.content.decode(), form
    assert manager.post("/worklist/scorecard/target/", {"collector": "zed"}).status_code == 404
    api = [
        ("?period=year", 422),
        ("?as_of=2026-13-01", 422),
        ("?collector=nobody", 404),
        ("?period=" + "w" * 3000, 422),
    ]
    for query, status in api:
        answer = manager.get("/api/worklist/scorecard" + query)
        assert answer.status_code == status, query
        assert answer.json()["detail"], query
    assert not CollectorTarget.objects.exists()


def test_the_api_gives_each_row_its_values_targets_and_whether_met(month: Month) -> None:
    book = month.book
    collector_target_set(
        collector=book.nina,
        metric="rpc_rate",
        measure="rpc_out",
        target=Decimal(5),
        period="month",
        actor=book.max,
    )
    answer = _client(book.max).get("/api/worklist/scorecard?period=month&as_of=2026-06-30")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["period"], body["from"], body["to"]) == ("month", "2026-06-01", "2026-06-30")
    assert (body["previous_from"], body["previous_to"]) == ("2026-05-01", "2026-05-31")
    keys = [f["key"] for f in body["figures"]]
    assert keys == [f.key for f in FIGURES]
    assert {f["key"]: f["direction"] for f in body["figures"]}["ar_90_plus"] == "lower"
    rows = {r["collector"]: r for r in body["rows"]}
    assert set(rows) == {"nina", "sam"}
    rpc = rows["nina"]["figures"]["right_party_contacts"]
    assert (rpc["value"], rpc["previous"], rpc["change"]) == ("2", "1", "1")
    assert (rpc["target"], rpc["met"], rpc["target_period"]) == ("5.000000", False, "month")
    assert rpc["explain"] == "/dashboard/explain/rpc_rate/?collector=nina&as_of=2026-06-30"
    assert rows["nina"]["collector_name"] == "Nina Nordström"
    assert rows["nina"]["figures"]["cash_collected"]["value"] == "1020.00"
    assert body["total"]["figures"]["promises"]["value"] == "3"
    # A collector's own call: their team only.
    mine = _client(book.nina).get("/api/worklist/scorecard?as_of=2026-06-30").json()
    assert [r["collector"] for r in mine["rows"]] == ["nina"]
    assert mine["total"] is None


def test_the_command_prints_the_same_scorecard(month: Month) -> None:
    out = StringIO()
    call_command("scorecard", "--as-of", "2026-06-30", "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    rows = {r["collector"]: r["figures"] for r in body["rows"]}
    assert rows["nina"]["contacts"]["value"] == "3"
    assert rows["sam"]["ar_90_plus"]["value"] == "6500.00"
    table = StringIO()
    call_command("scorecard", "--as-of", "2026-06-30", "--period", "week", stdout=table)
    text = table.getvalue()
    assert "Collector scorecard, 29 Jun to 30 Jun 2026" in text
    assert "Nina Nordström" in text
    assert "Cash collected" in text
