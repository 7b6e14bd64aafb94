"""The accounts to trace: those that owe something and that no working phone or e-mail reaches
(the worklist's "no working phone or e-mail" group, for a whole book), largest balance first,
each with who works it and what was tried: its dead numbers and addresses, and when they died.

A contact point found for one of them is recorded through the workspace's `contact_point_add`
with where it was found; the account then leaves this queue and joins its collector's worklist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.scope import OutOfScopeError, Scope
from recoup.core.money import Money
from recoup.ledger.models import Assignment, ContactPoint
from recoup.ledger.selectors import customers_in_scope
from recoup.worklist.features import features_on, ledger_facts_load
from recoup.worklist.selectors import CHANNELS, WORKING

# The kinds of contact point the worklist reaches a debtor by: a postal address alone leaves an
# account to trace, since no call or e-mail can be made with it.
REACHING_KINDS: tuple[str, ...] = tuple(kind for _, kind in CHANNELS)


@dataclass(frozen=True, slots=True)
class Tried:
    """A contact point the account has, and what is known of it."""

    kind: str
    kind_words: str
    value: str
    status: str
    status_words: str
    changed_on: date | None
    source: str
    source_words: str


@dataclass(frozen=True, slots=True)
class TraceEntry:
    customer_id: int
    external_id: str
    name: str
    balance: Money  # in the base currency
    collector: str  # the username of who works it, "" when a team holds it
    collector_name: str
    team_name: str
    tried: list[Tried]


@dataclass(frozen=True, slots=True)
class TraceQueue:
    day: date
    collector: User | None  # whose accounts, or None for every account the asker may see
    entries: list[TraceEntry]


def _standing(day: date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def trace_queue(
    scope: Scope, *, collector: User | None = None, on: date | None = None
) -> TraceQueue:
    """The accounts of `scope`'s book (of `collector`'s accounts when given) that owe something
    on `on` (today by default) and have no valid or unchecked phone or e-mail, largest balance
    (in the base currency) first."""
    if collector is not None and not scope.sees_all and collector.pk not in scope.collector_ids:
        raise OutOfScopeError(f"{person_name(collector)}'s accounts are outside your teams")
    day = on or timezone.localdate()
    reachable = ContactPoint.objects.filter(
        customer=OuterRef("pk"), kind__in=REACHING_KINDS, status__in=WORKING
    )
    customers = customers_in_scope(scope, on=day).filter(~Exists(reachable))
    if collector is not None:
        mine = _standing(day).filter(collector=collector).values("customer_id")
        customers = customers.filter(pk__in=mine)
    found = {
        pk: (name, ref) for pk, name, ref in customers.values_list("pk", "name", "external_id")
    }
    if not found:
        return TraceQueue(day, collector, [])
    # What each owes, as the worklist counts it: every open invoice at the base currency's rate.
    accounts = features_on(ledger_facts_load(until=day, customer_ids=list(found)), day)
    owing = {
        int(pk): round(float(minor))
        for pk, minor in zip(accounts.customer_ids, accounts.open_minor, strict=True)
        if int(pk) in found
    }
    ids = sorted(owing, key=lambda pk: (-owing[pk], found[pk][0], pk))
    who = _who_works(ids, day)
    tried = _tried(ids)
    base = settings.BASE_CURRENCY
    entries = [
        TraceEntry(
            customer_id=pk,
            external_id=found[pk][1],
            name=found[pk][0],
            balance=Money(owing[pk], base),
            collector=who.get(pk, ("", "", ""))[0],
            collector_name=who.get(pk, ("", "", ""))[1],
            team_name=who.get(pk, ("", "", ""))[2],
            tried=tried.get(pk, []),
        )
        for pk in ids
    ]
    return TraceQueue(day, collector, entries)


def _chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    """Ids in slices a query can take as parameters (SQLite caps their number)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _who_works(ids: list[int], day: date) -> dict[int, tuple[str, str, str]]:
    """(username, name, team) of the assignment standing on `day`, per customer."""
    out: dict[int, tuple[str, str, str]] = {}
    for chunk in _chunks(ids):
        rows = (
            _standing(day)
            .filter(customer_id__in=chunk)
            .select_related("collector", "team")
            .order_by("customer_id", "-valid_from")
        )
        for row in rows:
            if row.customer_id in out:
                continue
            person = row.collector
            out[row.customer_id] = (
                person.username if person else "",
                person_name(person) if person else "",
                row.team.name if row.team else "",
            )
    return out


def _tried(ids: list[int]) -> dict[int, list[Tried]]:
    """Every contact point of each customer: the dead phones and e-mails, and any address."""
    out: dict[int, list[Tried]] = defaultdict(list)
    for chunk in _chunks(ids):
        points = ContactPoint.objects.filter(customer_id__in=chunk).order_by(
            "customer_id", "kind", F("status_changed_on").desc(nulls_last=True), "value"
        )
        for p in points:
            out[p.customer_id].append(
                Tried(
                    kind=p.kind,
                    kind_words=p.get_kind_display(),
                    value=p.value,
                    status=p.status,
                    status_words=p.get_status_display(),
                    changed_on=p.status_changed_on,
                    source=p.source,
                    source_words=p.get_source_display(),
                )
            )
    return out


# -- as data (the API) ----------------------------------------------------------------------------
def trace_json(queue: TraceQueue) -> dict[str, Any]:
    return {
        "day": queue.day.isoformat(),
        "collector": queue.collector.username if queue.collector else None,
        "entries": [
            {
                "customer": e.external_id,
                "customer_id": e.customer_id,
                "name": e.name,
                "balance": e.balance.major_str(),
                "currency": e.balance.currency,
                "collector": e.collector or None,
                "collector_name": e.collector_name or None,
                "team": e.team_name or None,
                "tried": [
                    {
                        "kind": t.kind,
                        "value": t.value,
                        "status": t.status,
                        "status_words": t.status_words,
                        "status_changed_on": t.changed_on.isoformat() if t.changed_on else None,
                        "source": t.source,
                        "source_words": t.source_words,
                    }
                    for t in e.tried
                ],
            }
            for e in queue.entries
        ],
    }
