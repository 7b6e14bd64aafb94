"""Reading the contact rules: the rules as they stand, a check of one proposed contact, and a
batch of checks over in-memory facts (audits, the benchmark, the worklist)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.compliance.clock import DAY_US, to_us, zone_table
from recoup.compliance.engine import (
    CHANNEL_CODE,
    CHANNELS,
    CheckInputError,
    Checks,
    Verdict,
    VerdictBatch,
    evaluate,
)
from recoup.compliance.facts import Facts, facts_load
from recoup.compliance.models import Restriction, Rule
from recoup.compliance.rules import RuleSpec
from recoup.core.answers import until_next_commit
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import customers_in_scope

# How far a check looks back beyond its rules' longest window: local midnight can lie up to a
# day away from the instant in UTC, and a day more keeps DST days inside.
_MARGIN_DAYS = 2
# How many times the next allowed instant is re-checked (a frequency limit that lifts at
# midnight, then the hours rule that lifts at 08:00, ...).
_NEXT_TRIES = 8


@dataclass(frozen=True, slots=True)
class Proposal:
    customer_id: int
    channel: str
    at: datetime
    invoice_id: int | None = None
    raises_dispute: bool = False


def rule_specs(rules: QuerySet[Rule] | None = None) -> list[RuleSpec]:
    """Every rule (inactive ones too: they decide for their scope that nothing is checked)."""
    rows = rules if rules is not None else Rule.objects.all()
    return [
        RuleSpec.make(
            code=r.code,
            name=r.name,
            kind=r.kind,
            params=r.params,
            severity=r.severity,
            scope=r.scope,
            team_id=r.team_id,
            customer_id=r.customer_id,
            active=r.active,
            source=r.source,
        )
        for r in rows.order_by("code", "id")
    ]


def _lookback_days(specs: Sequence[RuleSpec]) -> int:
    return max([int(s.params.get("days", 1)) for s in specs] + [1]) + _MARGIN_DAYS


def _history_channels(specs: Sequence[RuleSpec]) -> set[str]:
    return {str(s.params["channel"]) for s in specs if "channel" in s.params}


def checks_of(facts: Facts, proposals: Sequence[Proposal]) -> Checks:
    unknown = [p.channel for p in proposals if p.channel not in CHANNEL_CODE]
    if unknown:
        raise CheckInputError(f"channel {unknown[0]!r}: one of {', '.join(CHANNELS)}")
    return Checks(
        facts=facts,
        customer=np.asarray([p.customer_id for p in proposals], dtype=np.int64),
        invoice=np.asarray(
            [-1 if p.invoice_id is None else p.invoice_id for p in proposals], dtype=np.int64
        ),
        channel=np.asarray([CHANNEL_CODE[p.channel] for p in proposals], dtype=np.int64),
        at_us=np.asarray([to_us(p.at) for p in proposals], dtype=np.int64),
        raises_dispute=np.asarray([p.raises_dispute for p in proposals], dtype=bool),
    )


def contact_check_many(
    *,
    proposals: Sequence[Proposal],
    facts: Facts | None = None,
    rules: Sequence[RuleSpec] | None = None,
) -> VerdictBatch:
    """Checks many proposed contacts at once. Without `facts`, loads those of the proposals'
    customers (history from the earliest window start to the latest instant); give `facts`
    (e.g. `facts_load()` of the whole ledger) to run many batches on one load. A contact's
    own history is read strictly before its instant either way."""
    specs = list(rules) if rules is not None else rule_specs()
    if facts is None:
        if not proposals:
            facts = facts_load(customer_ids=[], channels=_history_channels(specs))
        else:
            first = min(to_us(p.at) for p in proposals)
            last = max(to_us(p.at) for p in proposals)
            facts = facts_load(
                customer_ids=[p.customer_id for p in proposals],
                history_since_us=first - _lookback_days(specs) * DAY_US,
                history_until_us=last,
                channels=_history_channels(specs),
            )
    return evaluate(checks_of(facts, proposals), specs)


def facts_of_day(*, customer_ids: Sequence[int], day: date, specs: Sequence[RuleSpec]) -> Facts:
    """The facts to check contacts with `customer_ids` at any instant of `day` (the server's
    day): their history from the rules' longest window before the day to its end. Each check
    reads only the history before its own instant, so one load serves the whole day; it is kept
    until the next commit, so a list opened again today reads the ledger once."""
    ids = sorted({int(i) for i in customer_ids})
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    lookback, channels = _lookback_days(specs), _history_channels(specs)
    digest = hashlib.sha1(repr(ids).encode()).hexdigest()
    key = ("contact-facts", day.isoformat(), lookback, tuple(sorted(channels)), digest)
    return until_next_commit(
        key,
        lambda: facts_load(
            customer_ids=ids,
            history_since_us=to_us(start) - lookback * DAY_US,
            history_until_us=to_us(end),
            channels=channels,
        ),
    )


def contact_check(
    *, customer: Customer, channel: str, at: datetime, invoice: Invoice | None = None
) -> Verdict:
    """May `customer` be contacted through `channel` at instant `at` (about `invoice`, or about
    their debts as a whole)? Every blocking rule, with its reason and when it lifts. The caller
    has checked that the asker may see `customer` (recoup.accounts.scope)."""
    if channel not in CHANNEL_CODE:
        raise CheckInputError(f"channel {channel!r}: one of {', '.join(CHANNELS)}")
    if at.tzinfo is None:
        raise CheckInputError(f"instant {at.isoformat()}: give a time zone (e.g. Z or +02:00)")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise CheckInputError(f"invoice {invoice.external_id} is not {customer.external_id}'s")
    specs = rule_specs()
    facts = facts_load(
        customer_ids=[customer.pk],
        history_since_us=to_us(at) - _lookback_days(specs) * DAY_US,
        history_until_us=to_us(at),
        channels=_history_channels(specs),
    )
    proposal = Proposal(customer.pk, channel, at, None if invoice is None else invoice.pk)
    verdict = evaluate(checks_of(facts, [proposal]), specs).verdict(0)
    return _with_next_allowed(verdict, facts, specs, proposal)


def _with_next_allowed(
    verdict: Verdict, facts: Facts, specs: Sequence[RuleSpec], proposal: Proposal
) -> Verdict:
    """The first instant every rule allows, assuming no further contact meanwhile: each block's
    own lifting instant is re-checked until none blocks (or one cannot say when)."""
    current, candidate = verdict, verdict.next_allowed_at
    for _ in range(_NEXT_TRIES):
        if candidate is None:
            break
        later = Proposal(proposal.customer_id, proposal.channel, candidate, proposal.invoice_id)
        current = evaluate(checks_of(facts, [later]), specs).verdict(0)
        if current.allowed:
            break
        candidate = current.next_allowed_at
    found = candidate if current.allowed and candidate is not None else None
    return Verdict(verdict.allowed, verdict.blocks, verdict.warnings, found)


def restrictions_of(scope: Scope, customer: Customer) -> QuerySet[Restriction]:
    """A customer's dated restrictions, newest first, if `scope` may see the customer."""
    if not customers_in_scope(scope).filter(pk=customer.pk).exists():
        return Restriction.objects.none()
    return Restriction.objects.filter(customer=customer).order_by("-effective_on", "-id")


__all__ = [
    "Proposal",
    "contact_check",
    "contact_check_many",
    "restrictions_of",
    "rule_specs",
]


def time_zones_warm() -> int:
    """Tables the debtors' time zones (`zone_table`, about 0.2 s each) before anyone checks a
    contact: a server does this before it forks its workers, which inherit them, instead of
    each tabling them inside an import's write transaction. Returns how many zones."""
    names = set(Customer.objects.values_list("time_zone", flat=True).distinct()) | {"UTC"}
    for name in sorted(names):
        try:
            zone_table(name)
        except (ValueError, KeyError, OSError):
            continue  # not a zone this system knows: the check reports it in its place
    return len(names)
