"""The evaluators a contact rule can use, each with its parameters, its decision and its words.

`decide` looks at a batch of checks at once (array arithmetic on `recoup.compliance.facts`);
`explain` says, for one check it hit, why (message), on what fact, and from when the contact
would be allowed. Both read the same windows and rows, so a single check and a batch agree.
The regulation each preset rule stands on, and how it is read, is in docs/compliance.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol

import numpy as np

from recoup.compliance.clock import I64, US, day_to_date
from recoup.compliance.engine import (
    CHANNEL_CODE,
    CHANNEL_WORDS,
    CHANNELS,
    Checks,
    Mask,
    RuleHit,
    instant_at_local,
    local_midnight_us,
)
from recoup.compliance.facts import (
    FLAGS,
    FOREVER_AFTER,
    FOREVER_BEFORE,
    FROM_DISPUTE,
    FROM_FLAG,
    RESTRICTION_CODE,
    ContactIndex,
)
from recoup.compliance.models import RestrictionKind, RuleKind
from recoup.core.errors import RecoupError


class RuleParamError(RecoupError):
    """A rule's parameters that its evaluator cannot use; the message names the parameter."""


def long_date(on: date) -> str:
    return f"{on:%A} {on.day} {on:%B %Y}"


def short_span(first: date, last: date) -> str:
    if first == last:
        return f"{first.day} {first:%B %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} and {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B} and {last.day} {last:%B %Y}"


def _hhmm(us: int) -> str:
    minutes = int(us // (60 * US))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _channels(params: dict[str, Any], name: str, default: tuple[str, ...]) -> list[str]:
    value = params.get(name, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleParamError(f"{name}: a list of channels among {', '.join(CHANNELS)}")
    unknown = [c for c in value if c not in CHANNEL_CODE]
    if unknown:
        raise RuleParamError(
            f"{name}: unknown channel {unknown[0]!r}; channels: {', '.join(CHANNELS)}"
        )
    return sorted(set(value), key=CHANNELS.index)


def _positive_int(params: dict[str, Any], name: str, default: int, most: int = 366) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise RuleParamError(f"{name}: a whole number from 1 to {most}, not {value!r}")
    return value


_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _clock(params: dict[str, Any], name: str, default: str) -> int:
    value = params.get(name, default)
    found = _TIME.match(value) if isinstance(value, str) else None
    if found is None or (found.group(1) == "24" and found.group(2) != "00"):
        raise RuleParamError(f"{name}: a time of day as HH:MM (e.g. 08:00), not {value!r}")
    return (int(found.group(1)) * 60 + int(found.group(2))) * 60 * US


class Evaluator(Protocol):
    kind: ClassVar[str]

    def parse(self, params: dict[str, Any]) -> dict[str, Any]: ...
    def channels(self, params: dict[str, Any]) -> list[str]: ...
    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]: ...
    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit: ...


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as the engine uses it: its row's fields with parsed parameters."""

    code: str
    name: str
    kind: str
    params: dict[str, Any]
    severity: str = "block"
    scope: str = "system"
    team_id: int | None = None
    customer_id: int | None = None
    active: bool = True
    source: str = ""
    channel_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def blocks(self) -> bool:
        return self.severity == "block"

    @property
    def evaluator(self) -> Evaluator:
        return EVALUATORS[self.kind]

    @classmethod
    def make(
        cls, *, code: str, name: str, kind: str, params: dict[str, Any], **rest: Any
    ) -> RuleSpec:
        if kind not in EVALUATORS:
            raise RuleParamError(
                f"kind: unknown rule kind {kind!r}; kinds: {', '.join(EVALUATORS)}"
            )
        ev = EVALUATORS[kind]
        parsed = ev.parse(dict(params or {}))
        codes = np.asarray([CHANNEL_CODE[c] for c in ev.channels(parsed)], dtype=np.int64)
        return cls(code=code, name=name, kind=kind, params=parsed, channel_codes=codes, **rest)


def _one(i: int) -> I64:
    return np.asarray([i], dtype=np.int64)


def _hit(spec: RuleSpec, message: str, fact: str, next_at: datetime | None) -> RuleHit:
    return RuleHit(spec.code, message, fact, next_at)


def _owner(spec: RuleSpec) -> str:
    return "" if spec.scope == "system" else f" ({spec.scope} rule)"


# --- time_window ----------------------------------------------------------------------------


class TimeWindow:
    """Contact only between `start` and `end` on the debtor's wall clock, both included (12
    CFR 1006.6(b)(1)(i): before 8:00 a.m. and after 9:00 p.m. is inconvenient), on `weekdays`
    (0 = Monday)."""

    kind: ClassVar[str] = RuleKind.TIME_WINDOW
    ALL_BUT_LEGAL = ("call", "sms", "email", "letter", "visit")

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _clock(params, "start", "08:00"), _clock(params, "end", "21:00")
        if start >= end:
            raise RuleParamError("start: must be earlier in the day than end")
        weekdays = params.get("weekdays", list(range(7)))
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(
                isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays
            )
        ):
            raise RuleParamError("weekdays: a list of days 0 (Monday) to 6 (Sunday)")
        return {
            "start": _hhmm(start),
            "end": _hhmm(end),
            "weekdays": sorted(set(weekdays)),
            "channels": _channels(params, "channels", self.ALL_BUT_LEGAL),
        }

    def channels(self, params: dict[str, Any]) -> list[str]:
        return list(params["channels"])

    @staticmethod
    def _bounds(params: dict[str, Any]) -> tuple[int, int, np.ndarray]:
        allowed = np.zeros(7, dtype=bool)
        allowed[params["weekdays"]] = True
        return _clock(params, "start", ""), _clock(params, "end", ""), allowed

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        start, end, allowed = self._bounds(spec.params)
        tod = checks.tod_us[rows]
        weekday = (checks.day[rows] + 3) % 7  # 1970-01-01 was a Thursday
        hit = (tod < start) | (tod > end) | ~allowed[weekday]
        return hit, np.zeros(len(rows), dtype=bool)

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        start, _end, allowed = self._bounds(spec.params)
        day, tod = int(checks.day[i]), int(checks.tod_us[i])
        zone = checks.zone_name(i)
        local = day_to_date(day)
        days = (
            ""
            if allowed.all()
            else " on " + ", ".join(f"{date(2024, 1, 1 + d):%A}" for d in spec.params["weekdays"])
        )
        hours = f"{spec.params['start']}-{spec.params['end']}"
        # The next allowed instant: today at the start if still before it, else a later day.
        candidate = day if tod < start and allowed[(day + 3) % 7] else day + 1
        while not allowed[(candidate + 3) % 7]:
            candidate += 1
        when = f"{local:%A}" if not allowed[(day + 3) % 7] else ""
        message = (
            f"It is {_hhmm(tod)}{' on ' + when if when else ''} for the debtor ({zone});"
            f" contact is allowed {hours}{days}{_owner(spec)}."
        )
        fact = (
            f"A {CHANNEL_WORDS[checks.channel_name(i)]} at {checks.at(i):%Y-%m-%d %H:%M} UTC is"
            f" {_hhmm(tod)} on {long_date(local)} in {zone}"
        )
        return _hit(spec, message, fact, instant_at_local(checks, i, candidate, start))


# --- call_frequency and conversation_block ----------------------------------------------------


def _counted(
    index: ContactIndex, group: I64, since: I64, before: I64, cum: I64
) -> tuple[I64, I64, I64]:
    lo, hi = index.window(group, since, before)
    return cum[hi] - cum[lo], lo, hi


def _per_invoice_max(index: ContactIndex, lo: I64, hi: I64, flags: np.ndarray) -> I64:
    """Per check, the largest number of flagged contacts about any one invoice in its slice."""
    n = len(lo)
    lengths = hi - lo
    total = int(lengths.sum())
    out = np.zeros(n, dtype=np.int64)
    if total == 0:
        return out
    owner = np.repeat(np.arange(n), lengths)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    rows = np.arange(total) + starts
    keep = flags[rows] & (index.invoice[rows] >= 0)
    owner, inv = owner[keep], index.invoice[rows][keep]
    if len(owner) == 0:
        return out
    pair = np.stack([owner, inv])
    uniq, counts = np.unique(pair, axis=1, return_counts=True)
    np.maximum.at(out, uniq[0], counts)
    return out


def _window_start(checks: Checks, rows: I64, days: int) -> I64:
    return local_midnight_us(checks, rows, checks.day[rows] - (days - 1))


class CallFrequency:
    """At most `max` outbound contacts on `channel` per debt within `days` consecutive days
    (12 CFR 1006.14(b)(2)(i)(A): more than seven calls within seven days). A contact not tied
    to one invoice is about each of the customer's debts and counts for every one of them."""

    kind: ClassVar[str] = RuleKind.CALL_FREQUENCY

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "call")
        if channel not in CHANNEL_CODE or channel == "legal":
            raise RuleParamError(
                f"channel: one of call, sms, email, letter, visit, not {channel!r}"
            )
        return {
            "max": _positive_int(params, "max", 7, 1000),
            "days": _positive_int(params, "days", 7),
            "channel": channel,
        }

    def channels(self, params: dict[str, Any]) -> list[str]:
        return [params["channel"]]

    def _counts(self, checks: Checks, rows: I64, spec: RuleSpec) -> I64:
        history = checks.facts.channel(CHANNEL_CODE[spec.params["channel"]])
        since = _window_start(checks, rows, spec.params["days"])
        before = checks.at_us[rows]
        inv, cust = checks.invoice[rows], checks.customer[rows]
        loose, _, _ = _counted(
            history.unattached, cust, since, before, history.unattached.cum_outbound
        )
        own, _, _ = _counted(
            history.by_invoice, inv, since, before, history.by_invoice.cum_outbound
        )
        whole = inv < 0
        counts = loose + np.where(whole, 0, own)
        if whole.any():
            idx = history.by_customer
            lo, hi = idx.window(cust[whole], since[whole], before[whole])
            counts[whole] += _per_invoice_max(idx, lo, hi, idx.outbound)
        return counts

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        hit = self._counts(checks, rows, spec) >= spec.params["max"]
        return hit, np.zeros(len(rows), dtype=bool)

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        p = spec.params
        history = checks.facts.channel(CHANNEL_CODE[p["channel"]])
        row = _one(i)
        since = _window_start(checks, row, p["days"])
        before = checks.at_us[row]
        cust, inv = checks.customer[row], checks.invoice[row]
        lo, hi = history.by_customer.window(cust, since, before)
        idx = history.by_customer
        span = slice(int(lo[0]), int(hi[0]))
        mine = idx.outbound[span]
        invoices, days = idx.invoice[span][mine], idx.day[span][mine]
        # The debts this contact is about, each with the calls that count for it.
        targets = (
            [int(inv[0])] if inv[0] >= 0 else sorted({int(v) for v in invoices if v >= 0}) or [-1]
        )
        worst: tuple[int, int, list[int]] = (-1, 0, [])
        for target in targets:
            counted = sorted(
                int(d) for v, d in zip(invoices, days, strict=True) if v in (-1, target)
            )
            if len(counted) >= p["max"] and (worst[0] < 0 or len(counted) > worst[1]):
                worst = (target, len(counted), counted)
        target, n, counted = worst
        if not counted:  # the batch said so; recount on the same rows for the words
            target, counted = targets[0], sorted(int(d) for d in days)
            n = len(counted)
        debt = (
            f"invoice {checks.facts.invoice_label(target)}"
            if target >= 0
            else "the customer's debts"
        )
        words = CHANNEL_WORDS[p["channel"]]
        lift_day = counted[n - p["max"]] + p["days"] if n >= p["max"] else int(checks.day[i])
        first, last = day_to_date(counted[0]), day_to_date(counted[-1])
        message = (
            f"{n} {words}s about {debt} were already placed in the {p['days']} days up to this"
            f" one; the limit is {p['max']} per debt in {p['days']} consecutive days{_owner(spec)}."
        )
        fact = f"{n} {words} attempts on {debt} between {short_span(first, last)}"
        return _hit(spec, message, fact, instant_at_local(checks, i, lift_day))


class ConversationBlock:
    """No contact on `channel` about a debt within `days` days of a telephone conversation about
    it, the conversation's day being day 1 (12 CFR 1006.14(b)(2)(i)(B)). A conversation counts
    whoever placed the call unless `include_inbound` is false."""

    kind: ClassVar[str] = RuleKind.CONVERSATION_BLOCK

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "call")
        if channel not in CHANNEL_CODE or channel == "legal":
            raise RuleParamError(
                f"channel: one of call, sms, email, letter, visit, not {channel!r}"
            )
        inbound = params.get("include_inbound", True)
        if not isinstance(inbound, bool):
            raise RuleParamError(f"include_inbound: true or false, not {inbound!r}")
        return {
            "days": _positive_int(params, "days", 7),
            "channel": channel,
            "include_inbound": inbound,
        }

    def channels(self, params: dict[str, Any]) -> list[str]:
        return [params["channel"]]

    @staticmethod
    def _cum(index: ContactIndex, inbound: bool) -> I64:
        return index.cum_conversation if inbound else index.cum_conversation_outbound

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        p = spec.params
        history = checks.facts.channel(CHANNEL_CODE[p["channel"]])
        since = _window_start(checks, rows, p["days"])
        before = checks.at_us[rows]
        inv, cust = checks.invoice[rows], checks.customer[rows]
        whole = inv < 0
        inb = p["include_inbound"]
        any_, _, _ = _counted(
            history.by_customer, cust, since, before, self._cum(history.by_customer, inb)
        )
        loose, _, _ = _counted(
            history.unattached, cust, since, before, self._cum(history.unattached, inb)
        )
        own, _, _ = _counted(
            history.by_invoice, inv, since, before, self._cum(history.by_invoice, inb)
        )
        count = np.where(whole, any_, loose + own)
        return count > 0, np.zeros(len(rows), dtype=bool)

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        p = spec.params
        idx = checks.facts.channel(CHANNEL_CODE[p["channel"]]).by_customer
        row = _one(i)
        since = _window_start(checks, row, p["days"])
        lo, hi = idx.window(checks.customer[row], since, checks.at_us[row])
        span = slice(int(lo[0]), int(hi[0]))
        talk = idx.conversation[span] & (idx.outbound[span] | p["include_inbound"])
        inv = int(checks.invoice[i])
        about = idx.invoice[span]
        if inv >= 0:
            talk &= (about == inv) | (about < 0)
        days, invoices = idx.day[span][talk], about[talk]
        last = int(days.max()) if len(days) else int(checks.day[i])
        subject = invoices[days == last][0] if len(days) else inv
        debt = (
            f"invoice {checks.facts.invoice_label(int(subject))}"
            if subject >= 0
            else "the customer's debts"
        )
        lift = last + p["days"]
        words = CHANNEL_WORDS[p["channel"]]
        message = (
            f"We spoke with the debtor about {debt} on {long_date(day_to_date(last))}; no {words}"
            f" about it until {long_date(day_to_date(lift))} ({p['days']} days, the day of the"
            f" conversation being day 1){_owner(spec)}."
        )
        fact = f"{len(days)} telephone conversation{'s' if len(days) != 1 else ''} about {debt} in the last {p['days']} days, the last on {long_date(day_to_date(last))}"
        return _hit(spec, message, fact, instant_at_local(checks, i, lift))


# --- restrictions -----------------------------------------------------------------------------

_RESTRICTION_WORDS = {
    RestrictionKind.CEASE: "The debtor asked us to stop communicating",
    RestrictionKind.BANKRUPTCY: "The debtor is in bankruptcy: collection stops (automatic stay)",
    RestrictionKind.OPT_OUT: "The debtor opted out of",
    RestrictionKind.DISPUTE: "The debt is disputed: collection stops until it is verified",
}


def _ragged(lo: I64, hi: I64) -> tuple[I64, I64]:
    lengths = hi - lo
    owner = np.repeat(np.arange(len(lo)), lengths)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return owner, np.arange(int(lengths.sum())) + starts


class RestrictionRule:
    """A restriction of kind `restriction` in effect on the day of the contact stops it, on the
    channels the restriction names (an opt-out names one; the others every channel) that this
    rule covers (`channels`)."""

    kind: ClassVar[str] = RuleKind.RESTRICTION

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        kind = params.get("restriction")
        if kind not in RestrictionKind.values:
            raise RuleParamError(
                f"restriction: one of {', '.join(RestrictionKind.values)}, not {kind!r}"
            )
        return {"restriction": kind, "channels": _channels(params, "channels", CHANNELS)}

    def channels(self, params: dict[str, Any]) -> list[str]:
        return list(params["channels"])

    def _matches(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[I64, I64, Mask, Mask]:
        """(check position in `rows`, restriction row, blocks, warns) for each candidate."""
        f = checks.facts
        lo, hi = f.restriction_rows(checks.customer[rows])
        owner, r = _ragged(lo, hi)
        ck = rows[owner]
        day = checks.day[ck]
        kind = RESTRICTION_CODE[spec.params["restriction"]]
        live = (
            (f.r_kind[r] == kind)
            & ((f.r_channel[r] < 0) | (f.r_channel[r] == checks.channel[ck]))
            & (f.r_start[r] <= day)
            & (day <= f.r_end[r])
        )
        if kind == RESTRICTION_CODE[RestrictionKind.DISPUTE]:
            # The call in which the debtor disputed is not judged by that dispute.
            live &= ~(checks.raises_dispute[ck] & (f.r_start[r] == day))
        inv = checks.invoice[ck]
        whole_debtor = f.r_invoice[r] < 0
        blocks = live & (whole_debtor | (f.r_invoice[r] == inv))
        # A restriction on one invoice, and a contact about the customer's debts as a whole:
        # allowed about the others, with a warning not to collect that one.
        warns = live & ~whole_debtor & (inv < 0)
        return owner, r, blocks, warns

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        owner, _, blocks, warns = self._matches(checks, rows, spec)
        n = len(rows)
        hit = np.bincount(owner[blocks], minlength=n) > 0
        soft = np.bincount(owner[warns], minlength=n) > 0
        return hit, soft

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        f = checks.facts
        _, r, blocks, warns = self._matches(checks, _one(i), spec)
        chosen = r[blocks] if blocks.any() else r[warns]
        kind = spec.params["restriction"]
        channel = checks.channel_name(i)
        facts_words = [self._describe(checks, int(k)) for k in chosen]
        ends = [int(f.r_end[k]) for k in chosen]
        lift = None
        if blocks.any() and all(e < FOREVER_AFTER for e in ends):
            lift = instant_at_local(checks, i, max(ends) + 1)
        if kind == RestrictionKind.OPT_OUT:
            head = f"{_RESTRICTION_WORDS[kind]} {CHANNEL_WORDS[channel]}s"
        else:
            head = _RESTRICTION_WORDS[kind]
        if not blocks.any():
            head += "; this contact may be about the other debts only"
        return _hit(spec, f"{head}{_owner(spec)}.", "; ".join(facts_words), lift)

    @staticmethod
    def _describe(checks: Checks, k: int) -> str:
        f = checks.facts
        source, start, end = int(f.r_source[k]), int(f.r_start[k]), int(f.r_end[k])
        inv = int(f.r_invoice[k])
        what = {
            RESTRICTION_CODE[RestrictionKind.CEASE]: "cease communication requested",
            RESTRICTION_CODE[RestrictionKind.BANKRUPTCY]: "bankruptcy",
            RESTRICTION_CODE[RestrictionKind.OPT_OUT]: "opted out",
            RESTRICTION_CODE[RestrictionKind.DISPUTE]: "dispute",
        }[int(f.r_kind[k])]
        if int(f.r_channel[k]) >= 0:
            what += f" of {CHANNEL_WORDS[CHANNELS[int(f.r_channel[k])]]}s"
        if inv >= 0:
            what += f" on invoice {f.invoice_label(inv)}"
        if source == FROM_FLAG:
            flag = list(FLAGS)[int(f.r_ref[k])]
            return f"{what}: the customer's {flag} flag (no date given: in effect since always)"
        since = "" if start <= FOREVER_BEFORE else f" from {long_date(day_to_date(start))}"
        until = (
            " (still in effect)"
            if end >= FOREVER_AFTER
            else f" through {long_date(day_to_date(end))}"
        )
        origin = " (the ledger's dispute record)" if source == FROM_DISPUTE else ""
        return f"{what}{since}{until}{origin}"


# --- channel_block and time_barred ----------------------------------------------------------


class ChannelBlock:
    """An organisation's own "we don't use this channel" (no visits, no text messages)."""

    kind: ClassVar[str] = RuleKind.CHANNEL_BLOCK

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channels": _channels(params, "channels", ())}

    def channels(self, params: dict[str, Any]) -> list[str]:
        return list(params["channels"])

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        return np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        words = CHANNEL_WORDS[checks.channel_name(i)]
        return _hit(
            spec,
            f"No {words}s: the rule \u201c{spec.name}\u201d{_owner(spec)} does not allow them.",
            f"rule {spec.code}: {', '.join(spec.params['channels'])} not used",
            None,
        )


class TimeBarred:
    """Once the statute of limitations has run (the customer's `statute_of_limitations_date`,
    the first day the debt is time-barred), no legal action (12 CFR 1006.26(b)); other
    channels get a warning not to threaten one."""

    kind: ClassVar[str] = RuleKind.TIME_BARRED

    def parse(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "channels": _channels(params, "channels", CHANNELS),
            "block_channels": _channels(params, "block_channels", ("legal",)),
        }

    def channels(self, params: dict[str, Any]) -> list[str]:
        return sorted(set(params["channels"]) | set(params["block_channels"]), key=CHANNELS.index)

    def decide(self, checks: Checks, rows: I64, spec: RuleSpec) -> tuple[Mask, Mask]:
        barred = checks.day[rows] >= checks.facts.statute_day[checks.pos[rows]]
        blocking = np.isin(
            checks.channel[rows], [CHANNEL_CODE[c] for c in spec.params["block_channels"]]
        )
        return barred & blocking, barred & ~blocking

    def explain(self, checks: Checks, i: int, spec: RuleSpec) -> RuleHit:
        barred_on = day_to_date(int(checks.facts.statute_day[checks.pos[i]]))
        channel = checks.channel_name(i)
        if channel in spec.params["block_channels"]:
            message = f"The debt has been time-barred since {long_date(barred_on)}: no legal action{_owner(spec)}."
        else:
            message = f"The debt has been time-barred since {long_date(barred_on)}: do not sue or threaten to sue."
        return _hit(spec, message, f"statute of limitations date {barred_on.isoformat()}", None)


_ALL: tuple[Evaluator, ...] = (
    TimeWindow(),
    CallFrequency(),
    ConversationBlock(),
    RestrictionRule(),
    ChannelBlock(),
    TimeBarred(),
)
EVALUATORS: dict[str, Evaluator] = {str(ev.kind): ev for ev in _ALL}

__all__ = ["EVALUATORS", "RuleParamError", "RuleSpec", "long_date"]
