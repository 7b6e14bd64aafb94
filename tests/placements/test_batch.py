"""A batch prepared in the placer's scope, approved into placements all or none and only once,
audited; accounts ticked by hand; placements recalled by reference, by day and by rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recoup.accounts.models import AuditEntry
from recoup.core.errors import AccessDeniedError
from recoup.ledger.models import Allocation, Payment, Placement
from recoup.placements.models import BatchStatus, PlacementBatch
from recoup.placements.services import (
    PlacementError,
    batch_approve,
    batch_prepare,
    batch_prepare_by_hand,
    placements_recall,
)
from tests.placements.conftest import Book
from tests.placements.rules import rules_add

pytestmark = pytest.mark.django_db


def _refs(batch: PlacementBatch) -> set[str]:
    return set(batch.lines.values_list("customer__external_id", flat=True))


def test_a_managers_batch_holds_only_the_accounts_of_their_teams(book: Book) -> None:
    rules_add(book)
    assert _refs(batch_prepare(actor=book.mona, as_of=book.day)) == {"OLD", "SILENT", "BROKEN"}
    assert "SOUTH" in _refs(batch_prepare(actor=book.ada, as_of=book.day))


def test_preparing_places_nothing_and_keeps_why_accounts_were_left_out(book: Book) -> None:
    rules_add(book)
    batch = batch_prepare(actor=book.mona, as_of=book.day)
    assert not Placement.objects.filter(external_id__startswith="PB").exists()
    assert batch.left_out_counts == {
        "promise": 1,
        "plan": 1,
        "disputed": 1,
        "placed": 1,
        "time_barred": 1,
        "no_rule": 2,
    }
    assert {x["reason"] for x in batch.left_out} == {
        "promise",
        "plan",
        "disputed",
        "placed",
        "time_barred",
    }


def test_approving_twice_places_each_invoice_once(book: Book) -> None:
    rules_add(book)
    batch = batch_prepare(actor=book.mona, as_of=book.day)
    batch_approve(actor=book.mona, batch=batch)
    again = batch_approve(actor=book.mona, batch=PlacementBatch.objects.get(pk=batch.pk))
    assert again.status == BatchStatus.APPROVED
    placed = Placement.objects.filter(external_id__startswith=f"PB{batch.pk}-")
    assert placed.count() == 3
    old = placed.get(invoice__customer__external_id="OLD")
    assert (old.agency, old.placed_on, old.amount_minor, old.currency) == (
        book.lex,
        book.day,
        900_000,
        "USD",
    )
    assert batch.lines.filter(placement__isnull=True).count() == 0
    approvals = AuditEntry.objects.filter(action="placement_batch_approve", object_id=batch.pk)
    assert approvals.count() == 1
    # The next batch finds them placed.
    later = batch_prepare(actor=book.mona, as_of=book.day)
    assert later.lines.count() == 0
    assert later.left_out_counts["placed"] == 4


def test_a_batch_whose_invoice_was_placed_meanwhile_places_nothing(book: Book) -> None:
    rules_add(book)
    first = batch_prepare(actor=book.mona, as_of=book.day)
    second = batch_prepare(actor=book.mona, as_of=book.day)
    batch_approve(actor=book.mona, batch=first)
    with pytest.raises(PlacementError, match="placed meanwhile"):
        batch_approve(actor=book.mona, batch=second)
    second.refresh_from_db()
    assert second.status == BatchStatus.PREPARED
    assert not Placement.objects.filter(external_id__startswith=f"PB{second.pk}-").exists()


def test_a_manager_cannot_place_another_teams_account(book: Book) -> None:
    with pytest.raises(AccessDeniedError):
        batch_prepare_by_hand(
            actor=book.mona,
            as_of=book.day,
            customer_ids=[book.customers["SILENT"].pk, book.customers["SOUTH"].pk],
            agency=book.acme,
        )
    rules_add(book)
    admins = batch_prepare(actor=book.ada, as_of=book.day)
    with pytest.raises(AccessDeniedError):
        batch_approve(actor=book.mona, batch=admins)
    with pytest.raises(AccessDeniedError):
        batch_prepare(actor=book.nina, as_of=book.day)


def test_ticked_accounts_go_to_the_chosen_agency_with_the_same_exclusions(book: Book) -> None:
    ticked = [book.customers[r].pk for r in ("SILENT", "CHATTY", "FRESH", "PROMISED", "DISPUTED")]
    batch = batch_prepare_by_hand(
        actor=book.mona, as_of=book.day, customer_ids=ticked, agency=book.beta
    )
    assert batch.by_hand
    assert _refs(batch) == {"SILENT", "CHATTY", "FRESH"}
    assert set(batch.lines.values_list("agency__name", flat=True)) == {"Beta Collect"}
    assert set(batch.lines.values_list("reason", flat=True)) == {"chosen by hand"}
    assert batch.left_out_counts == {"promise": 1, "disputed": 1}
    with pytest.raises(PlacementError, match="tick at least one"):
        batch_prepare_by_hand(actor=book.mona, as_of=book.day, customer_ids=[], agency=book.beta)


def _placed(book: Book) -> PlacementBatch:
    rules_add(book)
    return batch_approve(actor=book.ada, batch=batch_prepare(actor=book.ada, as_of=book.day))


def test_recall_one_placement_by_its_reference(book: Book) -> None:
    batch = _placed(book)
    line = batch.lines.get(customer__external_id="SILENT")
    on = book.day + timedelta(days=20)
    assert placements_recall(actor=book.mona, on=on, reference=line.reference) == 1
    line.placement.refresh_from_db()  # type: ignore[union-attr]
    assert line.placement.recalled_on == on  # type: ignore[union-attr]
    with pytest.raises(PlacementError, match="no standing placement"):
        placements_recall(actor=book.mona, on=on, reference=line.reference)
    assert AuditEntry.objects.filter(action="placements_recall").count() == 1


def test_recall_an_agencys_placements_placed_before_a_day(book: Book) -> None:
    _placed(book)
    on = book.day + timedelta(days=1)
    # Acme holds SILENT (North) and SOUTH: North's manager recalls North's only.
    assert placements_recall(actor=book.mona, on=on, agency=book.acme, placed_before=on) == 1
    standing = Placement.objects.filter(agency=book.acme, recalled_on__isnull=True)
    assert list(standing.values_list("invoice__customer__external_id", flat=True)) == ["SOUTH"]
    # Acme's placed before the day of placing: none.
    assert placements_recall(actor=book.ada, on=on, agency=book.acme, placed_before=book.day) == 0


def test_recall_by_rule_keeps_the_placements_that_recovered_something(book: Book) -> None:
    _placed(book)
    silent = book.customers["SILENT"]
    payment = Payment.objects.create(
        external_id="PAY-1",
        customer=silent,
        received_on=book.day + timedelta(days=10),
        amount_minor=10_000,
        currency="USD",
    )
    Allocation.objects.create(payment=payment, invoice=silent.invoices.get(), amount_minor=10_000)
    on = book.day + timedelta(days=90)
    # Ninety-one days idle: only the placement imported thirty days before the batch.
    assert placements_recall(actor=book.ada, on=on, idle_days=91) == 1
    recalled = placements_recall(actor=book.ada, on=on, idle_days=90)
    assert recalled == 3  # OLD, BROKEN, SOUTH: nothing recovered in ninety days
    still = Placement.objects.filter(external_id__startswith="PB", recalled_on__isnull=True)
    assert list(still.values_list("invoice__customer__external_id", flat=True)) == ["SILENT"]


def test_a_recall_must_say_what_to_recall(book: Book) -> None:
    with pytest.raises(PlacementError, match="say what to recall"):
        placements_recall(actor=book.ada, on=book.day)
