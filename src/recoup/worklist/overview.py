"""The segments of the books a manager sees, counted: how many accounts and how much is owed in
each segment today, so that a change of a rule shows what it moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from recoup.accounts.models import User
from recoup.accounts.scope import Scope
from recoup.core.money import Money
from recoup.worklist.likelihood import Likelihood
from recoup.worklist.segments import Segment, segment_of
from recoup.worklist.selectors import book_scores, books_of


@dataclass(frozen=True, slots=True)
class SegmentCount:
    segment: Segment | None  # None: the accounts no rule takes
    accounts: int
    owed: Money


def segment_counts(
    scope: Scope,
    *,
    collectors: Sequence[User],
    segments: list[Segment],
    likelihood: Likelihood,
    day: date,
) -> list[SegmentCount]:
    """Each segment's open accounts and balance in `collectors`' books on `day`, in rule order;
    a last row for accounts no rule takes when there are any."""
    books = books_of(scope, [c.pk for c in collectors], day)
    every = sorted({i for book in books.values() for i in book})
    accounts, probability, _ = book_scores(every, day, likelihood)
    days_late = accounts.column("days_past_due")
    counts: dict[int | None, list[float]] = {s.id: [0, 0.0] for s in segments}
    counts[None] = [0, 0.0]
    for i in range(len(accounts.customer_ids)):
        owed = float(accounts.open_minor[i])
        segment = segment_of(segments, days_late[i], owed, float(probability[i]))
        tally = counts[segment.id if segment else None]
        tally[0] += 1
        tally[1] += owed
    base = settings.BASE_CURRENCY
    rows = [
        SegmentCount(s, int(counts[s.id][0]), Money(round(counts[s.id][1]), base)) for s in segments
    ]
    if counts[None][0]:
        rows.append(SegmentCount(None, int(counts[None][0]), Money(round(counts[None][1]), base)))
    return rows
