"""A collector's worklist for a day: the accounts of their book, most worth a contact first, each
with why, and only contacts the rules allow now; blocked accounts apart with the rule and when it
lifts, and accounts with no working phone or e-mail apart for tracing.

The order, in words a collector can check: first what was promised to someone (a call-back due, a
promise due today, a promise broken this week, a dispute to answer within two days), then the
largest expected recovery (what is owed times the likelihood that it is paid). Calls stop at the
collector's daily limit, less the calls they have already made today. Each account is in the
segment its age, balance and likelihood put it in (`recoup.worklist.segments`); those whose
treatment is a letter, the agency or legal action are apart, unless something is due today.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.accounts.names import person_name
from recoup.accounts.scope import OutOfScopeError, Scope
from recoup.compliance.engine import Verdict
from recoup.compliance.selectors import Proposal, contact_check_many, facts_of_day, rule_specs
from recoup.core.answers import until_next_commit
from recoup.core.errors import NotFoundError
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Assignment,
    Channel,
    ContactKind,
    ContactPoint,
    ContactStatus,
    Customer,
    Direction,
    PromiseStatus,
    PromiseToPay,
)
from recoup.ledger.selectors import customers_in_scope
from recoup.worklist.features import F64, AccountFeatures, features_on, ledger_facts_load
from recoup.worklist.likelihood import QUESTION, Likelihood, scored, top_reasons_many
from recoup.worklist.models import CollectorCapacity, Treatment
from recoup.worklist.segments import CONTACT_TREATMENTS, NO_RULE, segment_of, segments_current
from recoup.workspace.models import CallBack, DisputeCase

# Contact points worth trying: valid ones, and ones nobody has checked yet.
WORKING = (ContactStatus.VALID, ContactStatus.UNVERIFIED)
# How the list reaches a debtor, in the order it prefers them, and the contact point each needs.
CHANNELS: tuple[tuple[str, str], ...] = (
    (Channel.CALL, ContactKind.PHONE),
    (Channel.EMAIL, ContactKind.EMAIL),
)
CHANNEL_WORDS: dict[str, str] = {Channel.CALL: "call", Channel.EMAIL: "e-mail"}
BROKEN_WITHIN_DAYS = 7
DISPUTE_DUE_WITHIN_DAYS = 2


@dataclass(frozen=True, slots=True)
class Reason:
    words: str
    raises: bool  # True when it makes payment more likely


@dataclass(frozen=True)
class Channelled:
    """One way to reach the account now, or why not. Why not is worked out when first asked:
    a list is ordered and grouped from what is allowed, and only the lists shown explain."""

    channel: str
    words: str
    to: str  # the phone number or address
    allowed: bool
    verdict_of: Callable[[], Verdict] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _verdict(self) -> Verdict:
        if self.allowed or self.verdict_of is None:
            return Verdict(True, (), ())
        return self.verdict_of()

    @property
    def blocks(self) -> tuple[str, ...]:
        return tuple(f"{hit.rule}: {hit.message}" for hit in self._verdict.blocks)

    @property
    def next_allowed_at(self) -> datetime | None:
        return self._verdict.next_allowed_at


@dataclass(slots=True)
class Entry:
    customer_id: int
    external_id: str
    name: str
    balance: Money
    likelihood: float
    expected: Money
    urgent: list[str]
    reasons: list[Reason]
    promised: str = ""  # the open promise it waits on, in words
    segment: str = NO_RULE
    treatment: str = Treatment.CALL
    days_past_due: int = 0
    # Filled in by each list (the fields above are read once per commit: `_entries`).
    channels: list[Channelled] = field(default_factory=list)
    rank: int = 0
    within_limit: bool = True

    @property
    def treatment_words(self) -> str:
        return str(Treatment(self.treatment).label)

    @property
    def allowed(self) -> list[Channelled]:
        return [c for c in self.channels if c.allowed]

    @property
    def first_channel(self) -> Channelled | None:
        allowed = self.allowed
        return allowed[0] if allowed else None

    @property
    def next_allowed_at(self) -> datetime | None:
        later = [c.next_allowed_at for c in self.channels if c.next_allowed_at is not None]
        return min(later) if later else None


@dataclass(frozen=True, slots=True)
class Worklist:
    collector: User
    collector_name: str
    day: date
    at: datetime
    entries: list[Entry]  # a contact is allowed now: the list to work, in order
    later: list[Entry]  # blocked now, allowed later today (the debtor's hours, mostly)
    waiting: list[Entry]  # a promise to pay not due yet: nothing to chase until it is
    blocked: list[Entry]  # blocked beyond today, with why and until when
    unreachable: list[Entry]  # no working phone or e-mail: to trace
    referred: list[Entry]  # treated by a letter, the agency or legal action, not a contact
    calls_limit: int
    calls_made: int
    likelihood: Likelihood
    question: str = QUESTION

    @property
    def calls_left(self) -> int:
        return max(self.calls_limit - self.calls_made, 0)


def collectors_visible(scope: Scope) -> QuerySet[User]:
    """The people whose worklists `scope` may read: every active collector for a scope that sees
    the whole ledger, else the collectors of its own teams (and the asker)."""
    people = User.objects.filter(is_active=True, role=Role.COLLECTOR)
    if not scope.sees_all:
        people = people.filter(pk__in=scope.collector_ids)
    return people.order_by("first_name", "last_name", "username")


def collector_for(scope: Scope, username: str) -> User:
    """The collector named `username` if `scope` may read their list (404 for nobody, 403 for
    someone outside the asker's teams)."""
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise NotFoundError(f"collector {username!r}: no active user has that username")
    if not scope.sees_all and person.pk not in scope.collector_ids:
        raise OutOfScopeError(f"{person_name(person)}'s worklist is outside your teams")
    return person


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def _urgent(customer_ids: Collection[int], day: date) -> dict[int, list[str]]:
    """What was promised to someone, per customer, in words. Read by date for everyone (the
    day's call-backs, promises and dispute deadlines are few) and kept for `customer_ids`."""
    wanted = set(customer_ids)
    out: dict[int, list[str]] = defaultdict(list)
    _, end = _day_bounds(day)
    for customer_id, due_at, note in CallBack.objects.filter(
        done_at__isnull=True, due_at__lt=end
    ).values_list("customer_id", "due_at", "note"):
        if customer_id in wanted:
            when = timezone.localtime(due_at)
            late = "" if when.date() == day else f", due since {when:%d %b}"
            said = f": {note}" if note else ""
            out[customer_id].append(f"call-back at {when:%H:%M}{late}{said}")
    for customer_id, amount, cur in PromiseToPay.objects.filter(
        status=PromiseStatus.OPEN, due_date=day
    ).values_list("customer_id", "amount_minor", "currency"):
        if customer_id in wanted:
            out[customer_id].append(f"promise of {Money(amount, cur)} due today")
    for customer_id, amount, cur, due in PromiseToPay.objects.filter(
        status=PromiseStatus.BROKEN,
        due_date__lt=day,
        due_date__gte=day - timedelta(days=BROKEN_WITHIN_DAYS),
    ).values_list("customer_id", "amount_minor", "currency", "due_date"):
        if customer_id in wanted:
            out[customer_id].append(f"promise of {Money(amount, cur)} broken (due {due:%d %b})")
    for customer_id, deadline in DisputeCase.objects.filter(
        dispute__resolved_on__isnull=True,
        deadline__lte=day + timedelta(days=DISPUTE_DUE_WITHIN_DAYS),
    ).values_list("dispute__invoice__customer_id", "deadline"):
        if deadline is None or customer_id not in wanted:
            continue
        word = "overdue" if deadline < day else f"due {deadline:%d %b}"
        out[customer_id].append(f"dispute answer {word}")
    return out


def _promised(customer_ids: Collection[int], day: date) -> dict[int, str]:
    """The open promises not due yet, per customer, in words (the soonest)."""
    wanted = set(customer_ids)
    out: dict[int, str] = {}
    rows = PromiseToPay.objects.filter(status=PromiseStatus.OPEN, due_date__gt=day).order_by(
        "due_date", "id"
    )
    for customer_id, amount, cur, due in rows.values_list(
        "customer_id", "amount_minor", "currency", "due_date"
    ):
        if customer_id in wanted:
            out.setdefault(customer_id, f"promised {Money(amount, cur)} by {due:%a %d %b}")
    return out


def _contact_points(customer_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    """The contact point each customer is reached at, per kind: the primary one first (kept
    until the next commit)."""
    digest = hashlib.sha1(repr(list(customer_ids)).encode()).hexdigest()
    return until_next_commit(("worklist-points", digest), lambda: _points_read(customer_ids))


def _points_read(customer_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    points: dict[tuple[int, str], str] = {}
    working = ContactPoint.objects.filter(status__in=WORKING)
    for rows in rows_of_customers(working, "customer_id", customer_ids):
        for customer_id, kind, value in rows.order_by(
            "customer_id", "kind", "-is_primary", "id"
        ).values_list("customer_id", "kind", "value"):
            points.setdefault((customer_id, kind), value)
    return points


# Above this many customers a read of every row (then kept for those wanted) beats slices of ids.
WHOLE_READ_FROM = 20_000


def rows_of_customers(
    rows: QuerySet[Any, Any], field: str, customer_ids: Sequence[int]
) -> Iterator[QuerySet[Any, Any]]:
    """`rows` of `customer_ids` (by `field`), as querysets to read one after the other: slices
    of ids a query can take or, for most of the ledger, every row (one read beats dozens of id
    lists; the reader looks rows up by customer, so others do no harm)."""
    if len(customer_ids) >= WHOLE_READ_FROM:
        yield rows
        return
    for chunk in id_chunks(customer_ids):
        yield rows.filter(**{f"{field}__in": chunk})


def book_features(book: list[int], day: date) -> AccountFeatures:
    """The open accounts of `book` on `day` and their features; kept until the next commit, so
    that a list opened again, or asked another question (the early warning), reads the ledger
    once."""
    key = ("worklist-book", day.isoformat(), hashlib.sha1(repr(book).encode()).hexdigest())
    return until_next_commit(
        key, lambda: features_on(ledger_facts_load(until=day, customer_ids=book), day)
    )


def book_scores(
    book: list[int], day: date, likelihood: Likelihood
) -> tuple[AccountFeatures, F64, F64]:
    """The open accounts of `book` on `day`, their likelihood and the pushes behind it (kept
    like their features)."""

    def build() -> tuple[AccountFeatures, F64, F64]:
        accounts = book_features(book, day)
        probability, pushes = scored(likelihood, accounts)
        return accounts, probability, pushes

    key = (
        "worklist-scores",
        day.isoformat(),
        likelihood.key,
        hashlib.sha1(repr(book).encode()).hexdigest(),
    )
    return until_next_commit(key, build)


def worklist_for(
    scope: Scope, *, collector: User, likelihood: Likelihood, at: datetime | None = None
) -> Worklist:
    """`collector`'s worklist at instant `at` (now by default), as `scope` may see it."""
    return worklists_for(scope, collectors=[collector], likelihood=likelihood, at=at)[0]


def worklists_for(
    scope: Scope,
    *,
    collectors: Sequence[User],
    likelihood: Likelihood,
    at: datetime | None = None,
) -> list[Worklist]:
    """The worklists of `collectors` at instant `at`, as `scope` may see them: their books read,
    scored and checked against the contact rules together (a team's lists cost one pass)."""
    for collector in collectors:
        if not scope.sees_all and collector.pk not in scope.collector_ids:
            raise OutOfScopeError(f"{person_name(collector)}'s worklist is outside your teams")
    at = at or timezone.now()
    day = timezone.localdate(at)
    books = books_of(scope, [c.pk for c in collectors], day)
    every = sorted({i for book in books.values() for i in book})
    entries = _entries(every, day, likelihood)
    # Only accounts to contact go through the contact rules: not those waiting on a promise, nor
    # those a letter, the agency or legal action treats (unless something is due today).
    _check_contacts([e for e in entries.values() if _to_contact(e)], at)
    limits = _daily_calls_of(collectors)
    made = _calls_made_by([c.pk for c in collectors], day)
    return [
        _worklist(
            collector,
            [entries[i] for i in books.get(collector.pk, []) if i in entries],
            at=at,
            likelihood=likelihood,
            limit=limits[collector.pk],
            made=made.get(collector.pk, 0),
        )
        for collector in collectors
    ]


def _to_contact(entry: Entry) -> bool:
    if entry.urgent:
        return True
    return not entry.promised and entry.treatment in CONTACT_TREATMENTS


def id_chunks(ids: Sequence[int], size: int = 2000) -> list[Sequence[int]]:
    """Ids in slices a query can take as parameters (SQLite caps their number)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]


def books_of(scope: Scope, collector_ids: Sequence[int], day: date) -> dict[int, list[int]]:
    """The customers assigned to each collector on `day` that `scope` may see (kept until the
    next commit)."""
    ids = sorted(collector_ids)
    key = ("worklist-books", day.isoformat(), scope.cache_key(), repr(ids))
    return until_next_commit(key, lambda: _books_read(scope, ids, day))


def _books_read(scope: Scope, collector_ids: Sequence[int], day: date) -> dict[int, list[int]]:
    standing = Assignment.objects.filter(collector_id__in=collector_ids, valid_from__lte=day)
    standing = standing.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    if not scope.sees_all:
        standing = standing.filter(customer_id__in=customers_in_scope(scope, on=day).values("id"))
    books: dict[int, list[int]] = defaultdict(list)
    for collector_id, customer_id in standing.order_by("customer_id").values_list(
        "collector_id", "customer_id"
    ):
        books[collector_id].append(customer_id)
    return dict(books)


def _entries(ids: list[int], day: date, likelihood: Likelihood) -> dict[int, Entry]:
    """An entry per open account of `ids`: what it owes, how likely it pays and why, what was
    promised. What they hold is kept until the next commit; the entries are made anew each
    time, since a list fills in their ways of contact and ranks."""
    key = (
        "worklist-entries",
        day.isoformat(),
        likelihood.key,
        hashlib.sha1(repr(ids).encode()).hexdigest(),
    )
    kept = until_next_commit(key, lambda: _entry_fields(ids, day, likelihood))
    return {fields[0]: Entry(*fields) for fields in kept}


def _entry_fields(ids: list[int], day: date, likelihood: Likelihood) -> list[tuple[Any, ...]]:
    """Per open account of `ids`, `Entry`'s fields up to those a list fills in, in its order
    (positional: making 40,000 entries by keyword or by copy costs seconds)."""
    base = settings.BASE_CURRENCY
    accounts, probability, pushes = book_scores(ids, day, likelihood)
    open_ids = [int(i) for i in accounts.customer_ids]
    names: dict[int, tuple[str, str]] = {}
    for rows in rows_of_customers(Customer.objects.all(), "pk", open_ids):
        names.update(
            {pk: (name, ref) for pk, name, ref in rows.values_list("pk", "name", "external_id")}
        )
    urgent = _urgent(open_ids, day)
    promised = _promised(open_ids, day)
    segments = segments_current()
    days_late = accounts.column("days_past_due")
    reasons = top_reasons_many(accounts.values, pushes)
    fields: list[tuple[Any, ...]] = []
    for i, customer_id in enumerate(open_ids):
        owed = round(accounts.open_minor[i])
        likely = float(probability[i])
        name, ref = names[customer_id]
        segment = segment_of(segments, days_late[i], owed, likely)
        fields.append(
            (
                customer_id,
                ref,
                name,
                Money(owed, base),
                likely,
                Money(round(owed * likely), base),
                urgent.get(customer_id, []),
                [Reason(words, push > 0) for words, push in reasons[i]],
                promised.get(customer_id, ""),
                segment.name if segment else NO_RULE,
                segment.treatment if segment else Treatment.CALL,
                int(days_late[i]),
            )
        )
    return fields


def _daily_calls_of(collectors: Sequence[User]) -> dict[int, int]:
    own = dict(
        CollectorCapacity.objects.filter(collector__in=collectors).values_list(
            "collector_id", "daily_calls"
        )
    )
    return {c.pk: own.get(c.pk, settings.WORKLIST_DAILY_CALLS) for c in collectors}


def _calls_made_by(collector_ids: list[int], day: date) -> dict[int, int]:
    start, end = _day_bounds(day)
    rows = (
        Activity.objects.filter(
            collector_id__in=collector_ids,
            channel=Channel.CALL,
            direction=Direction.OUTBOUND,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .values("collector_id")
        .annotate(calls=Count("id"))
        .values_list("collector_id", "calls")
    )
    return dict(rows)


def _worklist(
    collector: User,
    entries: list[Entry],
    *,
    at: datetime,
    likelihood: Likelihood,
    limit: int,
    made: int,
) -> Worklist:
    """One collector's entries in the order to work them, in their groups, within the limit."""
    day = timezone.localdate(at)
    entries.sort(key=lambda e: (not e.urgent, -e.expected.minor, e.name, e.customer_id))
    _, end_of_day = _day_bounds(day)
    now, later, waiting, blocked, unreachable, referred = [], [], [], [], [], []
    for entry in entries:
        if entry.promised and not entry.urgent:
            waiting.append(entry)
        elif entry.treatment not in CONTACT_TREATMENTS and not entry.urgent:
            referred.append(entry)
        elif not entry.channels:
            unreachable.append(entry)
        elif entry.allowed:
            now.append(entry)
        elif (lifts := entry.next_allowed_at) is not None and lifts < end_of_day:
            later.append(entry)
        else:
            blocked.append(entry)
    # The day's calls, in the order they are worked: now, then later today.
    calls_left = max(limit - made, 0)
    for rank, entry in enumerate([*now, *later], start=1):
        entry.rank = rank
        way = entry.first_channel or min(entry.channels, key=_opens)
        if way.channel == Channel.CALL:
            entry.within_limit = calls_left > 0
            calls_left -= 1
    return Worklist(
        collector=collector,
        collector_name=person_name(collector),
        day=day,
        at=at,
        entries=now,
        later=later,
        waiting=waiting,
        blocked=blocked,
        unreachable=unreachable,
        referred=referred,
        calls_limit=limit,
        calls_made=made,
        likelihood=likelihood,
    )


def _opens(channel: Channelled) -> datetime:
    return channel.next_allowed_at or datetime.max.replace(tzinfo=timezone.get_current_timezone())


def _check_contacts(entries: list[Entry], at: datetime) -> None:
    """Every way to reach each entry now, through the contact rules in one batch."""
    points = _contact_points([e.customer_id for e in entries])
    proposals: list[Proposal] = []
    targets: list[tuple[Entry, str, str]] = []
    for entry in entries:
        for channel, kind in CHANNELS:
            to = points.get((entry.customer_id, kind))
            if to is not None:
                proposals.append(Proposal(entry.customer_id, channel, at))
                targets.append((entry, channel, to))
    if not proposals:
        return
    # The day's facts serve every instant of it: a list opened again today reads them once.
    specs = rule_specs()
    facts = facts_of_day(
        customer_ids=[e.customer_id for e in entries], day=timezone.localdate(at), specs=specs
    )
    batch = contact_check_many(proposals=proposals, facts=facts, rules=specs)
    allowed: list[bool] = batch.allowed.tolist()  # plain booleans, read once per way
    for i, (entry, channel, to) in enumerate(targets):
        entry.channels.append(
            Channelled(
                channel=channel,
                words=CHANNEL_WORDS[channel],
                to=to,
                allowed=allowed[i],
                verdict_of=partial(batch.verdict, i),
            )
        )
    # Accounts with no way open now are explained when grouped (later today, or blocked until
    # when): their invoices' names at once when they are many.
    shut = {e.customer_id for e in entries if e.channels and not e.allowed}
    if len(shut) > 50:
        batch.checks.facts.invoice_labels_of_customers(shut)
    for entry in entries:
        if entry.treatment == Treatment.EMAIL:  # its segment is written to first
            entry.channels.sort(key=lambda c: c.channel != Channel.EMAIL)


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One collector's day in a line of the team's overview."""

    username: str
    name: str
    now: int
    later: int
    waiting: int
    blocked: int
    unreachable: int
    referred: int
    calls_made: int
    calls_limit: int
    expected_today: Money  # the expected recovery of the accounts within today's limit


def team_row(worklist: Worklist) -> TeamRow:
    today = [e for e in [*worklist.entries, *worklist.later] if e.within_limit]
    expected = sum((e.expected.minor for e in today), 0)
    return TeamRow(
        username=worklist.collector.username,
        name=worklist.collector_name,
        now=len(worklist.entries),
        later=len(worklist.later),
        waiting=len(worklist.waiting),
        blocked=len(worklist.blocked),
        unreachable=len(worklist.unreachable),
        referred=len(worklist.referred),
        calls_made=worklist.calls_made,
        calls_limit=worklist.calls_limit,
        expected_today=Money(expected, settings.BASE_CURRENCY),
    )


# -- as data (the API and the CLI) ----------------------------------------------------------------
def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "rank": entry.rank or None,
        "customer": entry.external_id,
        "name": entry.name,
        "balance": entry.balance.major_str(),
        "currency": entry.balance.currency,
        "likelihood": round(entry.likelihood, 4),
        "expected_recovery": entry.expected.major_str(),
        "urgent": entry.urgent,
        "promised": entry.promised or None,
        "segment": entry.segment,
        "treatment": entry.treatment,
        "days_past_due": entry.days_past_due,
        "reasons": [{"words": r.words, "raises": r.raises} for r in entry.reasons],
        "within_daily_limit": entry.within_limit,
        "contacts": [
            {
                "channel": c.channel,
                "to": c.to,
                "allowed": c.allowed,
                "blocked_by": list(c.blocks),
                "next_allowed_at": _iso(c.next_allowed_at),
            }
            for c in entry.channels
        ],
    }


def worklist_json(worklist: Worklist) -> dict[str, Any]:
    quality = worklist.likelihood.quality
    return {
        "collector": worklist.collector.username,
        "collector_name": worklist.collector_name,
        "day": worklist.day.isoformat(),
        "at": _iso(worklist.at),
        "question": worklist.question,
        "method": worklist.likelihood.method,
        "holdout_auc": (
            None
            if quality is None
            else quality.model_auc
            if worklist.likelihood.method == "model"
            else quality.scorecard_auc
        ),
        "calls": {"limit": worklist.calls_limit, "made_today": worklist.calls_made},
        "entries": [entry_json(e) for e in worklist.entries],
        "later_today": [entry_json(e) for e in worklist.later],
        "waiting_on_a_promise": [entry_json(e) for e in worklist.waiting],
        "blocked": [entry_json(e) for e in worklist.blocked],
        "unreachable": [entry_json(e) for e in worklist.unreachable],
        "letter_agency_or_legal": [entry_json(e) for e in worklist.referred],
    }
