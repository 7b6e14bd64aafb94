"""Accounts moved between collectors: the history kept, audited, and both lists change."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from recoup.accounts.models import AuditEntry, Role
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError
from recoup.ledger.models import Assignment
from recoup.worklist.selectors import worklist_for
from recoup.worklist.services import AccountMoveError, accounts_move, likelihood_current
from tests.worklist.conftest import AT, DAY, Book, person
from tests.worklist.test_interfaces import _client

pytestmark = pytest.mark.django_db


def _names(book: Book, who: str) -> set[str]:
    collector = getattr(book, who)
    worklist = worklist_for(
        scope_for(collector), collector=collector, likelihood=likelihood_current(today=DAY), at=AT
    )
    return {
        e.name
        for e in [*worklist.entries, *worklist.later, *worklist.blocked, *worklist.unreachable]
    }


def test_a_move_closes_the_old_assignment_and_opens_the_new_one(book: Book) -> None:
    from recoup.accounts.services import team_member_add

    team_member_add(team=book.north, user=book.sam)
    moved = accounts_move(customers=[book.big, book.ceased], to=book.sam, actor=book.max, on=DAY)
    assert moved == 2
    history = list(
        Assignment.objects.filter(customer=book.big)
        .order_by("valid_from")
        .values_list("collector__username", "valid_from", "valid_to", "team__name")
    )
    assert history == [("nina", date(2020, 1, 1), DAY, "North"), ("sam", DAY, None, "North")]
    entry = AuditEntry.objects.filter(action="worklist_account_move").first()
    assert entry is not None
    assert entry.before == {"collector": "Nina Nordström"}
    assert entry.after == {"collector": "Sam Southey", "from": DAY.isoformat()}
    # Moved again the same day: the new row changes, no second one opens.
    assert accounts_move(customers=[book.big], to=book.nina, actor=book.max, on=DAY) == 1
    assert Assignment.objects.filter(customer=book.big).count() == 2
    assert accounts_move(customers=[book.big], to=book.nina, actor=book.max, on=DAY) == 0


def test_an_account_moved_to_another_team_goes_to_the_collectors_team(book: Book) -> None:
    accounts_move(customers=[book.big], to=book.sam, actor=book.max, on=DAY)
    assert Assignment.objects.get(customer=book.big, valid_to=None).team.name == "South"


def test_only_managers_move_and_only_to_an_active_collector(book: Book) -> None:
    with pytest.raises(AccessDeniedError, match="only managers and admins move accounts"):
        accounts_move(customers=[book.big], to=book.sam, actor=book.nina)
    with pytest.raises(AccountMoveError, match="Max Planck is not an active collector"):
        accounts_move(customers=[book.big], to=book.max, actor=book.ada)
    olga = person("olga", Role.COLLECTOR, "Olga", "Old")
    olga.is_active = False
    olga.save()
    with pytest.raises(AccountMoveError, match="Olga Old is not an active collector"):
        accounts_move(customers=[book.big], to=olga, actor=book.ada)
    assert Assignment.objects.filter(collector=book.sam).count() == 1  # nothing moved


def test_a_manager_moves_three_accounts_from_the_page_and_both_lists_change(book: Book) -> None:
    before_nina, before_sam = _names(book, "nina"), _names(book, "sam")
    assert {"Bigstone Ltd", "Promise Co", "Tokyo Trading"} <= before_nina
    with mock.patch("django.utils.timezone.now", return_value=AT):
        page = _client(book.max).get("/worklist/?collector=nina").content.decode()
        assert 'aria-label="Tick Bigstone Ltd to move it"' in page
        done = _client(book.max).post(
            "/worklist/move/",
            {
                "collector": "nina",
                "to": "sam",
                "customer": [book.big.pk, book.promised.pk, book.asleep.pk],
            },
            follow=True,
        )
    assert "Moved 3 accounts to Sam Southey." in done.content.decode()
    after_nina, after_sam = _names(book, "nina"), _names(book, "sam")
    assert after_nina == before_nina - {"Bigstone Ltd", "Promise Co", "Tokyo Trading"}
    assert after_sam == before_sam | {"Bigstone Ltd", "Promise Co", "Tokyo Trading"}
    assert AuditEntry.objects.filter(action="worklist_account_move").count() == 3
    refused = _client(book.nina).post(
        "/worklist/move/", {"collector": "nina", "to": "sam", "customer": [book.big.pk]}
    )
    assert refused.status_code == 403


def test_bad_ticks_are_refused_in_words_and_move_nothing(book: Book) -> None:
    client = _client(book.max)
    odd = client.post(
        "/worklist/move/",
        {"collector": "nina", "to": "sam", "customer": ["9" * 5000, "x", "-1"]},
        follow=True,
    )
    assert "Choose the accounts to move first." in odd.content.decode()
    # More fields than a form may hold (DATA_UPLOAD_MAX_NUMBER_FIELDS): refused before the view.
    many = client.post(
        "/worklist/move/",
        {"collector": "nina", "to": "sam", "customer": [str(i) for i in range(1, 1100)]},
    )
    assert many.status_code == 400
    assert not AuditEntry.objects.filter(action="worklist_account_move").exists()
