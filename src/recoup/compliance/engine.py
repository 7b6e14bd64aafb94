"""The contact-rule engine: a proposed contact in, a verdict with every reason out.

A check is (customer, optional invoice, channel, instant). The engine evaluates many checks at
once: each rule's decision is array arithmetic over the batch (`recoup.compliance.rules`), on
in-memory indexes of the ledger's contact history and the debtors' restrictions
(`recoup.compliance.facts`). Only a check that a rule hits is explained in words, by the same
rule. A single check (`selectors.contact_check`) is a batch of one, so there is one
implementation of each rule.

Rules are data (`models.Rule`); `resolve_rules` picks, for each check, the narrowest rule of
each code (customer, then team, then the organisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from recoup.compliance.clock import DAY_US, I64, US, from_us, local_us_many

if TYPE_CHECKING:
    from recoup.compliance.facts import Facts
    from recoup.compliance.rules import RuleSpec

CHANNELS: tuple[str, ...] = ("call", "sms", "email", "letter", "visit", "legal")
CHANNEL_CODE: dict[str, int] = {c: i for i, c in enumerate(CHANNELS)}
CHANNEL_WORDS: dict[str, str] = {
    "call": "call",
    "sms": "text message",
    "email": "e-mail",
    "letter": "letter",
    "visit": "visit",
    "legal": "legal action",
}
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    message: str
    fact: str
    next_allowed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "fact": self.fact,
            "next_allowed_at": _iso(self.next_allowed_at),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    blocks: tuple[RuleHit, ...]
    warnings: tuple[RuleHit, ...]
    # The first instant no rule blocks, when every block says when it lifts (and later checks
    # at that instant agree); None when allowed or not knowable.
    next_allowed_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "blocks": [h.as_json() for h in self.blocks],
            "warnings": [h.as_json() for h in self.warnings],
            "next_allowed_at": _iso(self.next_allowed_at),
        }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


class CheckInputError(ValueError):
    """A check that cannot be evaluated (unknown channel, customer not in the facts)."""


@dataclass(slots=True)
class Checks:
    """A batch of proposed contacts, as arrays, with their local times worked out."""

    facts: Facts
    customer: I64  # customer id
    invoice: I64  # invoice id, -1 for a contact about the customer's debts as a whole
    channel: I64  # CHANNEL_CODE
    at_us: I64  # instant, microseconds since the epoch (UTC)
    # Contacts being replayed (audits) whose outcome was a dispute: the dispute they raised
    # (opened that day) does not judge them. Empty for proposals.
    raises_dispute: Mask = field(default_factory=lambda: np.empty(0, dtype=bool))
    pos: I64 = field(init=False)  # row of the customer in `facts`
    local_us: I64 = field(init=False)
    day: I64 = field(init=False)  # local calendar day, days since 1970-01-01
    tod_us: I64 = field(init=False)  # local time of day

    def __post_init__(self) -> None:
        n = len(self.customer)
        if not (len(self.invoice) == len(self.channel) == len(self.at_us) == n):
            raise CheckInputError("the arrays of a batch of checks differ in length")
        if len(self.raises_dispute) == 0:
            self.raises_dispute = np.zeros(n, dtype=bool)
        self.pos = self.facts.customer_positions(self.customer)
        self.local_us = local_us_many(self.at_us, self.facts.zone[self.pos], self.facts.zone_names)
        self.day = np.floor_divide(self.local_us, DAY_US)
        self.tod_us = self.local_us - self.day * DAY_US

    def __len__(self) -> int:
        return len(self.customer)

    def zone_name(self, i: int) -> str:
        return self.facts.zone_names[int(self.facts.zone[self.pos[i]])]

    def at(self, i: int) -> datetime:
        return from_us(int(self.at_us[i]))

    def channel_name(self, i: int) -> str:
        return CHANNELS[int(self.channel[i])]


@dataclass(slots=True)
class RuleResult:
    """One rule over a batch: the checks it blocks (or warns about, by its severity), and the
    checks it only warns about whatever its severity (a disputed invoice on a contact about
    the customer's debts as a whole)."""

    spec: RuleSpec
    hit: Mask
    soft: Mask


@dataclass(slots=True)
class VerdictBatch:
    """The verdicts of a batch: `allowed` as an array; each check's words on demand."""

    checks: Checks
    results: list[RuleResult]
    allowed: Mask

    def __len__(self) -> int:
        return len(self.allowed)

    def blocked_by(self, code: str) -> Mask:
        out = np.zeros(len(self.allowed), dtype=bool)
        for r in self.results:
            if r.spec.code == code and r.spec.blocks:
                out |= r.hit
        return out

    def verdict(self, i: int) -> Verdict:
        blocks: list[RuleHit] = []
        warnings: list[RuleHit] = []
        for r in self.results:
            if r.hit[i]:
                hit = r.spec.evaluator.explain(self.checks, i, r.spec)
                (blocks if r.spec.blocks else warnings).append(hit)
            elif r.soft[i]:
                warnings.append(r.spec.evaluator.explain(self.checks, i, r.spec))
        allowed = not blocks
        lifts = [b.next_allowed_at for b in blocks]
        next_at = None
        if blocks and all(t is not None for t in lifts):
            next_at = max(t for t in lifts if t is not None)
        return Verdict(allowed, tuple(blocks), tuple(warnings), next_at)


def evaluate(checks: Checks, rules: Sequence[RuleSpec]) -> VerdictBatch:
    """Every rule over every check: a rule looks only at the checks it governs (its code's
    narrowest rule for that check, on a channel it covers)."""
    n = len(checks)
    results: list[RuleResult] = []
    blocked = np.zeros(n, dtype=bool)
    for spec, governs in resolve_rules(checks, rules):
        if not spec.active:
            continue
        rows = np.flatnonzero(governs & np.isin(checks.channel, spec.channel_codes))
        hit = np.zeros(n, dtype=bool)
        soft = np.zeros(n, dtype=bool)
        if len(rows):
            h, s = spec.evaluator.decide(checks, rows, spec)
            hit[rows[h]] = True
            soft[rows[s & ~h]] = True
        if spec.blocks:
            blocked |= hit
        results.append(RuleResult(spec, hit, soft))
    return VerdictBatch(checks, results, ~blocked)


_NARROWNESS = {"customer": 0, "team": 1, "system": 2}


def resolve_rules(checks: Checks, rules: Sequence[RuleSpec]) -> list[tuple[RuleSpec, Mask]]:
    """(rule, the checks it governs): for each code, a check is governed by the narrowest rule
    of that code that reaches it (customer, then team, then system); an inactive rule governs
    too, so a customer-level inactive copy exempts that customer."""
    n = len(checks)
    team = checks.facts.team_on(checks.customer, checks.day)
    out: list[tuple[RuleSpec, Mask]] = []
    by_code: dict[str, list[RuleSpec]] = {}
    for spec in rules:
        by_code.setdefault(spec.code, []).append(spec)
    for code in sorted(by_code):
        taken = np.zeros(n, dtype=bool)
        for spec in sorted(by_code[code], key=lambda s: _NARROWNESS[s.scope]):
            if spec.scope == "customer":
                reaches = checks.customer == spec.customer_id
            elif spec.scope == "team":
                reaches = team == spec.team_id
            else:
                reaches = np.ones(n, dtype=bool)
            governs = reaches & ~taken
            taken |= reaches
            out.append((spec, governs))
    return out


def local_midnight_us(checks: Checks, rows: I64, days: I64) -> I64:
    """The instants local midnight starts `days` for the customers of `rows`."""
    from recoup.compliance.clock import instants_of_local_many

    zones = checks.facts.zone[checks.pos[rows]]
    return instants_of_local_many(days * DAY_US, zones, checks.facts.zone_names)


def instant_at_local(checks: Checks, i: int, day: int, tod_us: int = 0) -> datetime:
    """`day` at `tod_us` on the debtor's wall clock, as an aware UTC datetime."""
    from recoup.compliance.clock import instants_of_local_many

    zones = checks.facts.zone[checks.pos[[i]]]
    local = np.asarray([day * DAY_US + tod_us], dtype=np.int64)
    return from_us(int(instants_of_local_many(local, zones, checks.facts.zone_names)[0]))


__all__ = [
    "CHANNELS",
    "CHANNEL_CODE",
    "US",
    "CheckInputError",
    "Checks",
    "RuleHit",
    "Verdict",
    "VerdictBatch",
    "evaluate",
]
