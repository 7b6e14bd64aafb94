"""Segments of the book and their treatments: the first rule an account meets decides how it is
worked, a manager changes the rules (audited), and the page and list show it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError
from recoup.worklist.models import SegmentRule, Treatment
from recoup.worklist.segments import segment_of, segments_current
from recoup.worklist.selectors import worklist_for
from recoup.worklist.services import SegmentRuleError, likelihood_current, segment_rule_save
from tests.worklist.conftest import AT, DAY, Book, default_segments_add

pytestmark = pytest.mark.django_db

NO_LIMITS: dict[str, int | None] = {}


@pytest.fixture(autouse=True)
def _at_the_test_instant() -> object:
    with mock.patch("django.utils.timezone.now", return_value=AT):
        yield


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rules(*rules: tuple[str, str, dict[str, int | None]]) -> None:
    """Replaces the book's segments with `rules` (name, treatment, limits), in order."""
    SegmentRule.objects.all().delete()
    for position, (name, treatment, limits) in enumerate(rules, start=1):
        segment_rule_save(
            actor=None,
            rule=None,
            position=position,
            name=name,
            treatment=treatment,
            limits=limits,
        )


def _list(book: Book) -> object:
    return worklist_for(
        scope_for(book.nina), collector=book.nina, likelihood=likelihood_current(today=DAY), at=AT
    )


def test_a_new_book_starts_with_segments_by_age_amount_and_likelihood(db: None) -> None:
    default_segments_add()
    segments = segments_current()
    assert [s.treatment for s in segments] == ["legal", "agency", "letter", "email", "call"]
    legal, agency, letter, email, call = segments
    assert (
        legal.words
        == "180 or more days past due, owes 5,000.00 USD or more, likely to pay up to 20 %"
    )
    assert call.words == "every account"
    # The first rule an account meets is its segment.
    assert segment_of(segments, 200, 600_000, 0.10) == legal
    assert segment_of(segments, 200, 400_000, 0.10) == agency  # too small for legal
    assert segment_of(segments, 95, 40_000, 0.50) == letter
    assert segment_of(segments, 10, 40_000, 0.50) == email
    assert segment_of(segments, 10, 40_000, 0.49) == call
    assert segment_of(segments, 30, 40_000, 0.50) == email  # limits include both ends
    assert segment_of(segments, 31, 40_000, 0.50) == call


def test_accounts_treated_by_letter_agency_or_law_leave_the_list_unless_due_today(
    book: Book,
) -> None:
    _rules(
        ("Large: lawyers", Treatment.LEGAL, {"min_balance_minor": 40_000_00}),
        ("Tiny: a letter", Treatment.LETTER, {"max_balance_minor": 100_00}),
        ("The rest", Treatment.CALL, NO_LIMITS),
    )
    worklist = _list(book)
    referred = {e.name: e for e in worklist.referred}
    assert set(referred) == {"Bigstone Ltd"}
    assert referred["Bigstone Ltd"].segment == "Large: lawyers"
    assert referred["Bigstone Ltd"].treatment == Treatment.LEGAL
    # Promise Co owes 100.00 (a letter's segment) but its promise is due today: it stays first.
    listed = [e.name for e in [*worklist.entries, *worklist.later, *worklist.blocked]]
    assert listed[0] == "Promise Co"
    assert worklist.entries[0].segment == "Tiny: a letter"
    assert "Bigstone Ltd" not in listed


def test_an_email_segment_is_written_to_before_it_is_called(book: Book) -> None:
    _rules(("Write first", Treatment.EMAIL, {"min_balance_minor": 40_000_00}))
    big = next(e for e in _list(book).entries if e.name == "Bigstone Ltd")
    assert big.first_channel is not None
    assert big.first_channel.channel == "email"
    assert big.treatment_words == "E-mail"
    _rules(("Call first", Treatment.CALL, NO_LIMITS))
    big = next(e for e in _list(book).entries if e.name == "Bigstone Ltd")
    assert big.first_channel is not None
    assert big.first_channel.channel == "call"


def test_only_managers_change_segments_and_each_change_is_audited(book: Book) -> None:
    with pytest.raises(AccessDeniedError):
        segment_rule_save(
            actor=book.nina, rule=None, position=1, name="Mine", treatment="call", limits={}
        )
    with pytest.raises(SegmentRuleError, match="lowest days past due is above the highest"):
        segment_rule_save(
            actor=book.max,
            rule=None,
            position=1,
            name="Backwards",
            treatment="call",
            limits={"min_days_past_due": 90, "max_days_past_due": 30},
        )
    rule = segment_rule_save(
        actor=book.max,
        rule=None,
        position=9,
        name="Mid-size",
        treatment="agency",
        limits={"min_balance_minor": 1_000_00, "max_balance_minor": 9_999_00},
    )
    entry = AuditEntry.objects.get(action="worklist_segment_save")
    assert entry.actor == book.max
    assert entry.before is None
    assert entry.after["name"] == "Mid-size"
    assert entry.after["max_balance_minor"] == 9_999_00
    segment_rule_save(
        actor=book.max, rule=rule, position=9, name="Mid", treatment="letter", limits={}
    )
    changed = AuditEntry.objects.filter(action="worklist_segment_save").latest("id")
    assert changed.before["treatment"] == "agency"
    assert changed.after["treatment"] == "letter"


def test_the_segments_page_counts_each_segment_and_a_manager_edits_it(book: Book) -> None:
    _rules(
        ("Large: lawyers", Treatment.LEGAL, {"min_balance_minor": 40_000_00}),
        ("The rest", Treatment.CALL, NO_LIMITS),
    )
    page = _client(book.nina).get("/worklist/segments/")
    assert page.status_code == 200
    text = page.content.decode()
    # Nina's team sees Nina's book: Bigstone (50,000) is large; 4 others are the rest.
    assert "Owes 40,000.00 USD or more" in text
    assert "50,000.00 USD" in text
    assert "Add a segment" not in text  # a collector reads, a manager changes
    assert _client(book.nina).post("/worklist/segments/save/", {}).status_code == 403
    assert _client(book.vera).get("/worklist/segments/").status_code == 403

    manager = _client(book.max)
    assert "Add a segment" in manager.get("/worklist/segments/").content.decode()
    added = manager.post(
        "/worklist/segments/save/",
        {
            "rule": "",
            "position": "1",
            "name": "Big ones",
            "treatment": "agency",
            "min_balance": "20,000",
            "max_balance": "",
        },
    )
    assert added.status_code == 302
    rule = SegmentRule.objects.get(name="Big ones")
    # Added as the first, it goes before the two there were.
    assert list(SegmentRule.objects.values_list("name", "position")) == [
        ("Big ones", 1),
        ("Large: lawyers", 2),
        ("The rest", 3),
    ]
    assert rule.min_balance_minor == 20_000_00
    assert rule.max_balance_minor is None
    bad = manager.post(
        "/worklist/segments/save/",
        {
            "rule": str(rule.pk),
            "position": "1",
            "name": "Big ones",
            "treatment": "agency",
            "min_balance": "lots",
            "min_likelihood": "140",
        },
    )
    assert bad.status_code == 422
    said = bad.content.decode()
    assert "&#x27;lots&#x27; is not an amount" in said
    assert "less than or equal to 100" in said
    assert SegmentRule.objects.get(pk=rule.pk).min_balance_minor == 20_000_00
    assert manager.post("/worklist/segments/save/", {"rule": "9" * 30}).status_code == 404
    removed = manager.post("/worklist/segments/remove/", {"rule": str(rule.pk)})
    assert removed.status_code == 302
    assert not SegmentRule.objects.filter(pk=rule.pk).exists()
    assert AuditEntry.objects.filter(action="worklist_segment_delete").count() == 1
    assert manager.post("/worklist/segments/remove/", {"rule": "x"}).status_code == 404


def test_the_list_as_data_names_each_account_s_segment(book: Book) -> None:
    _rules(
        ("Large: lawyers", Treatment.LEGAL, {"min_balance_minor": 40_000_00}),
        ("The rest", Treatment.CALL, NO_LIMITS),
    )
    data = _client(book.nina).get("/api/worklist").json()
    assert [e["name"] for e in data["letter_agency_or_legal"]] == ["Bigstone Ltd"]
    assert data["letter_agency_or_legal"][0]["treatment"] == "legal"
    assert {e["segment"] for e in data["entries"]} == {"The rest"}
    assert all(e["days_past_due"] == 15 for e in data["entries"] if e["name"] != "Promise Co")
