"""A collector's worklist: what was promised for today first, then the largest expected recovery;
only contacts the rules allow now, the rest apart with why; the daily call limit; the book."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from recoup.accounts.scope import OutOfScopeError, scope_for
from recoup.ledger.models import Activity, Channel, Direction, Outcome
from recoup.worklist import selectors
from recoup.worklist.selectors import Worklist, worklist_for, worklist_json
from recoup.worklist.services import collector_daily_calls_set, likelihood_current
from tests.worklist.conftest import AT, DAY, Book

pytestmark = pytest.mark.django_db


def _list(book: Book) -> Worklist:
    return worklist_for(
        scope_for(book.nina), collector=book.nina, likelihood=likelihood_current(today=DAY), at=AT
    )


def _names(entries: list) -> list[str]:  # type: ignore[type-arg]
    return [e.name for e in entries]


def test_promised_today_first_then_the_largest_expected_recovery(book: Book) -> None:
    worklist = _list(book)
    assert _names(worklist.entries) == ["Promise Co", "Bigstone Ltd"]
    promised, big = worklist.entries
    assert promised.urgent == ["promise of 20.00 USD due today"]
    assert [e.rank for e in worklist.entries] == [1, 2]
    assert big.expected.minor == round(50_000_00 * big.likelihood)
    assert 0 < big.likelihood < 1
    assert [(c.words, c.to, c.allowed) for c in big.channels] == [
        ("call", "+1 312 555 0001", True),
        ("e-mail", "ap@c-0001.example", True),
    ]
    assert big.reasons
    assert all(r.words for r in big.reasons)


def test_blocked_accounts_apart_with_the_rule_and_when_it_lifts(book: Book) -> None:
    worklist = _list(book)
    assert _names(worklist.later) == ["Tokyo Trading"]
    asleep = worklist.later[0]
    assert asleep.rank == 3  # worked after the accounts open now
    assert asleep.next_allowed_at == AT.replace(hour=23)  # 08:00 in Tokyo
    assert any("time_window" in b for b in asleep.channels[0].blocks)
    assert _names(worklist.blocked) == ["Ceased Inc"]
    assert any(b.startswith("cease") for b in worklist.blocked[0].channels[0].blocks)
    assert worklist.blocked[0].next_allowed_at is None
    assert _names(worklist.unreachable) == ["Nophone GmbH"]


def test_calls_stop_at_the_daily_limit_less_the_calls_made_today(book: Book) -> None:
    collector_daily_calls_set(collector=book.nina, daily_calls=2, actor=book.max)
    Activity.objects.create(
        external_id="A-1",
        customer=book.big,
        channel=Channel.CALL,
        direction=Direction.OUTBOUND,
        outcome=Outcome.NO_ANSWER,
        collector=book.nina,
        occurred_at=AT - timedelta(hours=2),
    )
    worklist = _list(book)
    assert (worklist.calls_limit, worklist.calls_made, worklist.calls_left) == (2, 1, 1)
    assert [e.within_limit for e in worklist.entries] == [True, False]
    assert worklist.later[0].within_limit is False


def test_a_list_holds_only_the_collectors_book_and_only_their_teams_may_read_it(
    book: Book,
) -> None:
    names = _names([*_list(book).entries, *_list(book).blocked, *_list(book).later])
    assert "Southern Cross Ltd" not in names
    with pytest.raises(OutOfScopeError, match="Nina Nordström's worklist is outside your teams"):
        worklist_for(scope_for(book.sam), collector=book.nina, likelihood=likelihood_current())
    managed = worklist_for(
        scope_for(book.max), collector=book.nina, likelihood=likelihood_current(today=DAY), at=AT
    )
    assert _names(managed.entries) == ["Promise Co", "Bigstone Ltd"]


def test_the_likelihood_is_fitted_once_and_kept(book: Book) -> None:
    from recoup.worklist.models import FittedLikelihood

    likelihood_current(today=DAY)
    likelihood_current(today=DAY + timedelta(days=6))
    assert FittedLikelihood.objects.count() == 1
    likelihood_current(today=DAY + timedelta(days=7))
    assert FittedLikelihood.objects.count() == 2


def test_an_account_waiting_on_a_promise_leaves_the_list_and_a_broken_one_brings_it_back(
    book: Book,
) -> None:
    from recoup.ledger.models import PromiseStatus, PromiseToPay

    promise = PromiseToPay.objects.create(
        external_id="PR-2",
        customer=book.big,
        promised_on=DAY - timedelta(days=5),
        due_date=DAY + timedelta(days=3),
        amount_minor=5_000_00,
        currency="USD",
    )
    worklist = _list(book)
    assert "Bigstone Ltd" not in _names(worklist.entries)
    assert _names(worklist.waiting) == ["Bigstone Ltd"]
    assert worklist.waiting[0].promised == "promised 5,000.00 USD by Fri 03 Jul"
    promise.due_date, promise.status = DAY - timedelta(days=1), PromiseStatus.BROKEN
    promise.save()
    back = _list(book)
    assert _names(back.entries)[:2] == ["Bigstone Ltd", "Promise Co"]
    assert back.entries[0].urgent == ["promise of 5,000.00 USD broken (due 29 Jun)"]
    assert back.waiting == []


def test_a_page_is_served_by_the_older_fit_while_a_new_one_is_fitted_aside(book: Book) -> None:
    from unittest import mock

    from recoup.worklist import services
    from recoup.worklist.models import FittedLikelihood

    first = likelihood_current(today=DAY)
    started: list[object] = []

    class Deferred:
        """The thread, held: the page's answer comes before the fit runs."""

        def __init__(self, target: object, args: tuple[object, ...], **_: object) -> None:
            started.append((target, args))

        def start(self) -> None:
            pass

    later = DAY + timedelta(days=8)
    with mock.patch.object(services.threading, "Thread", Deferred):
        served = likelihood_current(today=later, background=True)
        again = likelihood_current(today=later, background=True)
    assert served.key == first.key == again.key
    assert FittedLikelihood.objects.count() == 1
    assert len(started) == 1  # one fit at a time
    with mock.patch.object(services.connection, "close"):
        target, args = started[0]
        target(*args)  # type: ignore[operator]
    assert FittedLikelihood.objects.count() == 2
    assert likelihood_current(today=later, background=True).trained_on == later.isoformat()


def test_a_book_of_most_of_the_ledger_reads_every_row_once_and_lists_the_same(
    book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_slices = worklist_json(_list(book))
    monkeypatch.setattr(selectors, "WHOLE_READ_FROM", 1)
    assert worklist_json(_list(book)) == by_slices
    assert by_slices["entries"][1]["contacts"][0]["to"] == "+1 312 555 0001"


def test_a_list_opened_again_before_the_next_commit_reuses_its_reads_and_comes_out_the_same(
    book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a database file keeps until its next commit (tests' in-memory database keeps nothing).
    kept: dict[object, object] = {}

    def keep(key: object, build: Callable[[], object]) -> object:
        return kept[key] if key in kept else kept.setdefault(key, build())

    monkeypatch.setattr(selectors, "until_next_commit", keep)
    first = _list(book)
    again = _list(book)
    assert {"worklist-entries", "worklist-points"} <= {k[0] for k in kept}  # type: ignore[index]
    assert worklist_json(again) == worklist_json(first)
    big = again.entries[1]
    assert big is not first.entries[1]
    assert [c.words for c in big.channels] == ["call", "e-mail"]  # its own, not added twice
    assert [e.rank for e in again.entries] == [1, 2]
