"""Each rule of the bundled US Regulation F preset at its edges, as docs/compliance.md reads
the regulation. The debtor is in Chicago; 8 March 2026 is the day daylight saving starts there
and 1 November 2026 the day it ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recoup.accounts.services import team_create
from recoup.compliance.engine import Verdict
from recoup.compliance.models import Restriction
from recoup.compliance.selectors import contact_check
from recoup.compliance.services import restriction_record, rule_save
from recoup.ledger.models import Assignment, Invoice
from tests.compliance.conftest import Book, local

pytestmark = pytest.mark.django_db


def check(
    book: Book, at: datetime, channel: str = "call", invoice: Invoice | str | None = "inv1"
) -> Verdict:
    inv = book.inv1 if invoice == "inv1" else invoice
    assert not isinstance(inv, str)
    return contact_check(customer=book.customer, channel=channel, at=at, invoice=inv)


def rules(verdict: Verdict) -> list[str]:
    return [b.rule for b in verdict.blocks]


# --- time_window: 12 CFR 1006.6(b)(1)(i) ---------------------------------------------------


def test_the_last_instant_of_2100_local_is_allowed_and_the_next_second_is_not(book: Book) -> None:
    assert check(book, local(2026, 3, 10, 20, 59)).allowed
    assert check(book, local(2026, 3, 10, 21, 0, 0)).allowed  # "after 9:00 p.m." is inconvenient
    late = check(book, local(2026, 3, 10, 21, 0, 1))
    assert rules(late) == ["time_window"]
    assert "21:00" in late.blocks[0].message
    assert "America/Chicago" in late.blocks[0].message


def test_before_0800_local_is_blocked_until_0800_that_morning(book: Book) -> None:
    early = check(book, local(2026, 3, 10, 7, 59, 59))
    assert rules(early) == ["time_window"]
    assert early.next_allowed_at == local(2026, 3, 10, 8, 0)
    assert check(book, local(2026, 3, 10, 8, 0)).allowed


def test_the_window_follows_daylight_saving_on_the_day_it_starts(book: Book) -> None:
    # 13:30 UTC is 07:30 CST on Saturday 7 March but 08:30 CDT on Sunday 8 March.
    assert not check(book, datetime(2026, 3, 7, 13, 30, tzinfo=UTC)).allowed
    assert check(book, datetime(2026, 3, 8, 13, 30, tzinfo=UTC)).allowed
    # 23:30 CST on the 7th: allowed again at 08:00 CDT on the 8th, which is 13:00 UTC, not 14:00.
    night = check(book, local(2026, 3, 7, 23, 30))
    assert night.blocks[0].next_allowed_at == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)


def test_the_window_follows_daylight_saving_on_the_day_it_ends(book: Book) -> None:
    # 02:30 UTC on 2 November is 20:30 CST (allowed); on 1 November 02:30 UTC is 21:30 CDT.
    assert check(book, datetime(2026, 11, 2, 2, 30, tzinfo=UTC)).allowed
    assert not check(book, datetime(2026, 11, 1, 2, 30, tzinfo=UTC)).allowed


@pytest.mark.parametrize("channel", ["call", "sms", "email", "letter", "visit"])
def test_the_window_holds_for_every_medium_but_a_court_filing(book: Book, channel: str) -> None:
    assert rules(check(book, local(2026, 3, 10, 23, 30), channel)) == ["time_window"]


def test_legal_action_is_not_a_communication_with_the_debtor(book: Book) -> None:
    assert check(book, local(2026, 3, 10, 23, 30), "legal").allowed


# --- call_frequency: 1006.14(b)(2)(i)(A) ----------------------------------------------------


def _seven_calls(book: Book) -> None:
    for day in range(2, 9):  # one a day, 2 to 8 March, at 10:00 local
        book.call(local(2026, 3, day, 10))


def test_an_eighth_call_within_seven_days_is_blocked_and_lifts_on_day_eight(book: Book) -> None:
    _seven_calls(book)
    eighth = check(book, local(2026, 3, 8, 12))
    assert rules(eighth) == ["call_frequency"]
    assert eighth.blocks[0].fact == "7 call attempts on invoice INV-1 between 2 and 8 March 2026"
    # The call of 2 March leaves the window at midnight (CDT), then the hours rule waits for 08:00.
    assert eighth.blocks[0].next_allowed_at == local(2026, 3, 9, 0, 0)
    assert eighth.next_allowed_at == local(2026, 3, 9, 8, 0)
    assert check(book, local(2026, 3, 9, 8, 0)).allowed


def test_the_seventh_call_is_allowed(book: Book) -> None:
    for day in range(2, 8):
        book.call(local(2026, 3, day, 10))
    assert check(book, local(2026, 3, 8, 12)).allowed


def test_a_call_at_the_same_instant_or_later_does_not_count_for_a_check_as_of_then(
    book: Book,
) -> None:
    for day in range(2, 8):
        book.call(local(2026, 3, day, 10))
    book.call(local(2026, 3, 8, 12))  # the 7th, at the instant checked: not before it
    book.call(local(2026, 3, 8, 15))
    assert check(book, local(2026, 3, 8, 12)).allowed
    assert not check(book, local(2026, 3, 8, 12, 0, 1)).allowed


def test_calls_count_per_debt_and_a_call_about_all_debts_counts_for_each(book: Book) -> None:
    _seven_calls(book)
    assert check(book, local(2026, 3, 8, 12), invoice=book.inv2).allowed
    # Six calls about INV-2 plus one about the customer's debts as a whole make seven for INV-2.
    for day in range(2, 8):
        book.call(local(2026, 3, day, 11), invoice=book.inv2)
    assert check(book, local(2026, 3, 8, 12), invoice=book.inv2).allowed
    book.call(local(2026, 3, 8, 11), invoice=None)
    assert rules(check(book, local(2026, 3, 8, 12), invoice=book.inv2)) == ["call_frequency"]


def test_a_contact_about_all_debts_is_blocked_when_any_one_debt_reached_the_limit(
    book: Book,
) -> None:
    _seven_calls(book)
    whole = check(book, local(2026, 3, 8, 12), invoice=None)
    assert rules(whole) == ["call_frequency"]


def test_inbound_calls_and_text_messages_are_not_call_attempts(book: Book) -> None:
    for day in range(2, 9):
        book.call(local(2026, 3, day, 10), direction="inbound")
        book.call(local(2026, 3, day, 10, 5), channel="sms")
    assert "call_frequency" not in rules(check(book, local(2026, 3, 8, 12)))


# --- conversation_block: 1006.14(b)(2)(i)(B) ------------------------------------------------


def test_a_conversation_blocks_calls_through_day_seven_and_not_on_day_eight(book: Book) -> None:
    book.call(local(2026, 3, 5, 10), outcome="right_party_contact")  # day 1: Thursday 5 March
    same_day = check(book, local(2026, 3, 5, 15))
    assert rules(same_day) == ["conversation_block"]
    assert same_day.blocks[0].next_allowed_at == local(2026, 3, 12, 0, 0)
    assert rules(check(book, local(2026, 3, 11, 20, 59))) == ["conversation_block"]  # day 7
    assert check(book, local(2026, 3, 12, 8, 0)).allowed  # day 8


@pytest.mark.parametrize("outcome", ["promise", "refusal", "dispute", "payment"])
def test_every_outcome_where_the_debtor_spoke_is_a_conversation(book: Book, outcome: str) -> None:
    book.call(local(2026, 3, 5, 10), outcome=outcome)
    assert "conversation_block" in rules(check(book, local(2026, 3, 6, 10)))


@pytest.mark.parametrize("outcome", ["no_answer", "message_left", "wrong_party"])
def test_an_attempt_without_the_debtor_is_no_conversation(book: Book, outcome: str) -> None:
    book.call(local(2026, 3, 5, 10), outcome=outcome)
    assert check(book, local(2026, 3, 6, 10)).allowed


def test_a_conversation_the_debtor_started_counts_too(book: Book) -> None:
    book.call(local(2026, 3, 5, 10), outcome="right_party_contact", direction="inbound")
    assert rules(check(book, local(2026, 3, 6, 10))) == ["conversation_block"]


def test_a_conversation_about_another_debt_leaves_this_one_free(book: Book) -> None:
    book.call(local(2026, 3, 5, 10), outcome="promise", invoice=book.inv2)
    assert check(book, local(2026, 3, 6, 10)).allowed
    assert not check(book, local(2026, 3, 6, 10), invoice=None).allowed


def test_an_organisation_may_leave_inbound_conversations_out(book: Book) -> None:
    rule_save(
        actor=None,
        code="conversation_block",
        name="No call for 7 days after a conversation we placed",
        kind="conversation_block",
        params={"days": 7, "channel": "call", "include_inbound": False},
    )
    book.call(local(2026, 3, 5, 10), outcome="right_party_contact", direction="inbound")
    assert check(book, local(2026, 3, 6, 10)).allowed


# --- dispute: 15 U.S.C. 1692g(b) ------------------------------------------------------------


def test_a_dispute_blocks_from_the_day_it_opens_through_the_day_it_is_resolved(book: Book) -> None:
    book.dispute(date(2026, 3, 5), date(2026, 3, 10), status="resolved")
    assert check(book, local(2026, 3, 4, 20)).allowed
    opened = check(book, local(2026, 3, 5, 8))
    assert rules(opened) == ["dispute"]
    assert opened.blocks[0].next_allowed_at == local(2026, 3, 11, 0, 0)
    assert opened.next_allowed_at == local(2026, 3, 11, 8, 0)
    assert rules(check(book, local(2026, 3, 10, 20))) == ["dispute"]
    assert check(book, local(2026, 3, 11, 8)).allowed


def test_an_open_dispute_blocks_every_channel_about_that_debt_only(book: Book) -> None:
    book.dispute(date(2026, 3, 5))
    for channel in ("call", "sms", "email", "letter", "visit", "legal"):
        blocked = check(book, local(2026, 3, 6, 10), channel)
        assert rules(blocked) == ["dispute"]
        assert blocked.next_allowed_at is None
    assert check(book, local(2026, 3, 6, 10), invoice=book.inv2).allowed
    whole = check(book, local(2026, 3, 6, 10), invoice=None)
    assert whole.allowed
    assert [w.rule for w in whole.warnings] == ["dispute"]


# --- cease, bankruptcy, opt_out -------------------------------------------------------------


def test_the_cease_flag_stops_every_communication_but_not_a_lawsuit(book: Book) -> None:
    book.customer.cease_communication = True
    book.customer.save()
    for channel in ("call", "sms", "email", "letter", "visit"):
        verdict = check(book, local(2026, 3, 6, 10), channel)
        assert rules(verdict) == ["cease"]
        assert "since always" in verdict.blocks[0].fact
    assert check(book, local(2026, 3, 6, 10), "legal").allowed


def test_a_dated_cease_request_holds_from_its_day_and_replaces_the_flag(book: Book) -> None:
    book.customer.cease_communication = True
    book.customer.save()
    restriction_record(
        actor=None, customer=book.customer, kind="cease", effective_on=date(2026, 3, 5)
    )
    assert check(book, local(2026, 3, 4, 20)).allowed
    assert rules(check(book, local(2026, 3, 5, 8))) == ["cease"]


def test_bankruptcy_stops_legal_action_too(book: Book) -> None:
    restriction_record(
        actor=None,
        customer=book.customer,
        kind="bankruptcy",
        effective_on=date(2026, 3, 5),
        ended_on=date(2026, 6, 30),
    )
    assert rules(check(book, local(2026, 3, 6, 10), "legal")) == ["bankruptcy"]
    assert check(book, local(2026, 7, 1, 10), "legal").allowed


def test_an_opt_out_of_text_messages_leaves_calls_and_e_mail_open(book: Book) -> None:
    restriction_record(
        actor=None,
        customer=book.customer,
        kind="opt_out",
        channel="sms",
        effective_on=date(2026, 3, 5),
    )
    assert rules(check(book, local(2026, 3, 6, 10), "sms")) == ["opt_out"]
    assert check(book, local(2026, 3, 6, 10), "call").allowed
    assert check(book, local(2026, 3, 6, 10), "email").allowed
    assert check(book, local(2026, 3, 4, 10), "sms").allowed


def test_the_do_not_call_flag_is_an_opt_out_of_calls(book: Book) -> None:
    book.customer.do_not_call = True
    book.customer.save()
    assert rules(check(book, local(2026, 3, 6, 10))) == ["opt_out"]
    assert check(book, local(2026, 3, 6, 10), "email").allowed


# --- time_barred: 1006.26(b) ----------------------------------------------------------------


def test_legal_action_is_blocked_from_the_statute_date_and_others_are_warned(book: Book) -> None:
    book.customer.statute_of_limitations_date = date(2026, 6, 1)
    book.customer.save()
    assert check(book, local(2026, 5, 31, 20), "legal").allowed
    assert rules(check(book, local(2026, 6, 1, 8), "legal")) == ["time_barred"]
    call = check(book, local(2026, 6, 1, 10))
    assert call.allowed
    assert [w.rule for w in call.warnings] == ["time_barred"]


# --- every block, and rules as data -------------------------------------------------------------


def test_every_rule_that_blocks_is_listed(book: Book) -> None:
    _seven_calls(book)
    book.call(local(2026, 3, 8, 11), outcome="promise")
    book.dispute(date(2026, 3, 8))
    book.customer.do_not_call = True
    book.customer.save()
    verdict = check(book, local(2026, 3, 8, 22))
    assert sorted(rules(verdict)) == [
        "call_frequency",
        "conversation_block",
        "dispute",
        "opt_out",
        "time_window",
    ]
    assert verdict.next_allowed_at is None  # the open dispute and the opt-out have no end


def test_a_team_rule_adds_stricter_hours_for_that_team_only(book: Book) -> None:
    team = team_create(name="Texas")
    Assignment.objects.create(customer=book.customer, team=team, valid_from=date(2026, 1, 1))
    rule_save(
        actor=None,
        code="state_hours",
        name="Texas: 09:00-20:00",
        kind="time_window",
        params={"start": "09:00", "end": "20:00"},
        team=team,
    )
    verdict = check(book, local(2026, 3, 10, 8, 30))
    assert rules(verdict) == ["state_hours"]
    assert "(team rule)" in verdict.blocks[0].message
    Assignment.objects.update(valid_to=date(2026, 3, 1))
    assert check(book, local(2026, 3, 10, 8, 30)).allowed


def test_a_customer_rule_replaces_the_rule_of_the_same_id(book: Book) -> None:
    rule_save(
        actor=None,
        code="time_window",
        name="Consented to calls until 21:30",
        kind="time_window",
        params={"start": "08:00", "end": "21:30"},
        customer=book.customer,
    )
    assert check(book, local(2026, 3, 10, 21, 15)).allowed
    assert rules(check(book, local(2026, 3, 10, 21, 45))) == ["time_window"]


def test_no_visits_is_a_rule_without_code(book: Book) -> None:
    rule_save(
        actor=None,
        code="no_visits",
        name="No visits",
        kind="channel_block",
        params={"channels": ["visit"]},
    )
    assert rules(check(book, local(2026, 3, 10, 10), "visit")) == ["no_visits"]
    assert check(book, local(2026, 3, 10, 10), "call").allowed


def test_an_inactive_preset_rule_checks_nothing(book: Book) -> None:
    rule_save(
        actor=None,
        code="time_window",
        name="Only between 08:00 and 21:00 at the debtor's local time",
        kind="time_window",
        params={},
        active=False,
    )
    assert check(book, local(2026, 3, 10, 23, 30)).allowed
    assert Restriction.objects.count() == 0


def test_the_call_in_which_the_debtor_disputed_is_not_judged_by_that_dispute(book: Book) -> None:
    from recoup.compliance.selectors import Proposal, contact_check_many

    book.dispute(date(2026, 3, 5))
    at = local(2026, 3, 5, 10)
    raised, later = contact_check_many(
        proposals=[
            Proposal(book.customer.pk, "call", at, book.inv1.pk, raises_dispute=True),
            Proposal(book.customer.pk, "call", at, book.inv1.pk),
        ]
    ).allowed
    assert raised
    assert not later
