"""The rules matched by hand on a small ledger: the first active rule whose every condition
holds picks the agency, and every account left out says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recoup.core.money import Money
from recoup.placements.selection import Selection, select_by_hand, select_by_rules
from recoup.placements.services import placement_rule_save
from tests.placements.conftest import Book
from tests.placements.rules import rules_add

pytestmark = pytest.mark.django_db


def _where(selection: Selection, book: Book) -> dict[str, tuple[str, str]]:
    names = {c.pk: ref for ref, c in book.customers.items()}
    agencies = {a.pk: a.name for a in (book.acme, book.beta, book.lex)}
    return {names[x.customer_id]: (agencies[x.agency_id], x.reason) for x in selection.lines}


def _left(selection: Selection, book: Book) -> dict[str, str]:
    names = {c.pk: ref for ref, c in book.customers.items()}
    return {names[x.customer_id]: x.reason for x in selection.left_out}


def test_the_first_rule_whose_conditions_all_hold_picks_the_agency(book: Book) -> None:
    rules_add(book)
    selection = select_by_rules(day=book.day, customer_ids=None)
    assert _where(selection, book) == {
        "OLD": ("Lex & Partners", "Lawyer for the oldest"),
        "SILENT": ("Acme Recovery", "Silent accounts"),
        "SOUTH": ("Acme Recovery", "Silent accounts"),
        "BROKEN": ("Beta Collect", "Broken plans"),
    }
    # Called ten days ago: not silent for thirty; and FRESH is five days late.
    assert selection.counts["no_rule"] == 2


def test_each_account_left_out_says_why(book: Book) -> None:
    rules_add(book)
    selection = select_by_rules(day=book.day, customer_ids=None)
    left = _left(selection, book)
    assert left == {
        "PROMISED": "promise",
        "PLANNED": "plan",
        "DISPUTED": "disputed",
        "PLACED": "placed",
        "BARRED": "time_barred",
    }
    barred = next(x for x in selection.left_out if x.reason == "time_barred")
    assert "time-barred" in barred.detail


def test_a_time_barred_debt_still_goes_to_an_agency_that_does_not_sue(book: Book) -> None:
    selection = select_by_hand(
        day=book.day, customer_ids=[book.customers["BARRED"].pk], agency=book.acme
    )
    assert _where(selection, book) == {"BARRED": ("Acme Recovery", "chosen by hand")}
    to_lawyer = select_by_hand(
        day=book.day, customer_ids=[book.customers["BARRED"].pk], agency=book.lex
    )
    assert to_lawyer.lines == []
    assert _left(to_lawyer, book) == {"BARRED": "time_barred"}


def test_an_amount_condition_reads_its_own_currency_only(book: Book) -> None:
    placement_rule_save(
        actor=None,
        rule=None,
        name="Large in euros",
        agency=book.acme,
        min_open=Money.from_major("1", "EUR"),
    )
    selection = select_by_rules(day=book.day, customer_ids=None)
    assert selection.lines == []


def test_a_contact_after_the_day_is_not_read(book: Book) -> None:
    rules_add(book)
    earlier = select_by_rules(day=book.day - timedelta(days=11), customer_ids=None)
    # Eleven days earlier CHATTY had not been called yet (and was 109 days late): silent.
    assert "CHATTY" in _where(earlier, book)


def test_a_recalled_placement_leaves_its_invoice_free_to_place_again(book: Book) -> None:
    placed = book.customers["PLACED"].invoices.get().placements.get()
    placed.recalled_on = book.day - timedelta(days=1)
    placed.save()
    rules_add(book)
    selection = select_by_rules(day=book.day, customer_ids=None)
    assert _where(selection, book)["PLACED"] == ("Acme Recovery", "Silent accounts")
