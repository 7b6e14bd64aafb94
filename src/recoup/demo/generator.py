"""The synthetic ledger itself: every table of a demo ledger as numpy columns, no database.

Everything is drawn from seeded `numpy.random.Generator`s, one stream per stage, so the same
invoice count, seed and as-of date give the same rows on any machine and any database. Dates are
integer day numbers (days since 1970-01-01) and timestamps integer UTC seconds until the writer
formats them; foreign keys are row positions in the referenced table (the writer adds id offsets).

How the story is told, in order: customers (segment, country, time zone, behaviour), their
collectors over time, invoices, then each invoice's fate (paid on time or late and in parts, credit
notes and discounts, disputes, payment plans, default with placement, recoveries and write-offs),
then payments grouped per customer and day with their allocations, then the collectors' activities
around all of it, and the promises those activities produced, kept or broken by what was paid.
Anything that would happen after the as-of date is cut, so the ledger ends with open invoices in
every aging bucket.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

HISTORY_DAYS = 730
EPOCH = date(1970, 1, 1)
# A promise counts as kept when the promised amount is paid by its due date plus this many days.
PROMISE_GRACE_DAYS = 3
# An instalment paid more than this many days after it fell due breaks its payment plan.
PLAN_GRACE_DAYS = 10
MAX_INVOICES = 10_000_000

SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public sector")
SEGMENT_SHARE = (0.55, 0.25, 0.10, 0.10)
# Median invoice in USD by segment; sizes are log-normal around it.
SEGMENT_MEDIAN_USD = (1_200.0, 6_500.0, 42_000.0, 15_000.0)
SEGMENT_INVOICE_RATE = (1.0, 1.6, 2.6, 1.5)
SEGMENT_CREDIT_LIMIT_USD = (25_000.0, 150_000.0, 1_500_000.0, 500_000.0)
# Net 15/30/45/60 days by segment.
TERMS = (15, 30, 45, 60)
SEGMENT_TERMS = (
    (0.30, 0.55, 0.10, 0.05),
    (0.10, 0.60, 0.20, 0.10),
    (0.00, 0.40, 0.30, 0.30),
    (0.00, 0.30, 0.30, 0.40),
)

BEHAVIOURS = ("prompt", "late", "chronically late", "defaulting")
PROMPT, LATE, CHRONIC, DEFAULTING = range(4)
SEGMENT_BEHAVIOUR = (
    (0.38, 0.32, 0.18, 0.12),
    (0.48, 0.30, 0.15, 0.07),
    (0.60, 0.28, 0.10, 0.02),
    (0.35, 0.45, 0.18, 0.02),
)

CURRENCIES = ("USD", "EUR", "GBP")
# USD per unit at the start of the history; the rates then walk a little every business day.
USD_PER_UNIT = (1.0, 1.09, 1.27)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    weight: float
    currency: str
    phone_prefix: str
    suffixes: tuple[str, ...]
    zones: tuple[tuple[str, float], ...]
    cities: tuple[str, ...]


COUNTRIES = (
    Country(
        "US",
        0.70,
        "USD",
        "+1",
        ("Inc.", "LLC", "Corp."),
        (
            ("America/New_York", 0.42),
            ("America/Chicago", 0.30),
            ("America/Denver", 0.07),
            ("America/Phoenix", 0.04),
            ("America/Los_Angeles", 0.15),
            ("America/Anchorage", 0.01),
            ("Pacific/Honolulu", 0.01),
        ),
        ("Springfield", "Riverton", "Fairview", "Lakeside", "Georgetown", "Madison"),
    ),
    Country(
        "CA",
        0.05,
        "USD",
        "+1",
        ("Inc.", "Ltd."),
        (("America/Toronto", 0.7), ("America/Vancouver", 0.3)),
        ("Kingston", "Oakville", "Richmond"),
    ),
    Country(
        "MX",
        0.02,
        "USD",
        "+52",
        ("S.A. de C.V.",),
        (("America/Mexico_City", 1.0),),
        ("Monterrey", "Puebla"),
    ),
    Country("GB", 0.08, "GBP", "+44", ("Ltd", "plc"), (("Europe/London", 1.0),), ("Leeds", "Bath")),
    Country("IE", 0.015, "EUR", "+353", ("Ltd",), (("Europe/Dublin", 1.0),), ("Cork", "Galway")),
    Country("DE", 0.05, "EUR", "+49", ("GmbH", "AG"), (("Europe/Berlin", 1.0),), ("Köln", "Ulm")),
    Country("FR", 0.04, "EUR", "+33", ("SARL", "SAS"), (("Europe/Paris", 1.0),), ("Lyon", "Lille")),
    Country(
        "NL", 0.02, "EUR", "+31", ("B.V.",), (("Europe/Amsterdam", 1.0),), ("Utrecht", "Delft")
    ),
    Country("ES", 0.015, "EUR", "+34", ("S.L.",), (("Europe/Madrid", 1.0),), ("Sevilla", "Bilbao")),
    Country(
        "AU", 0.01, "USD", "+61", ("Pty Ltd",), (("Australia/Sydney", 1.0),), ("Newcastle", "Perth")
    ),
)
TIME_ZONES = tuple(sorted({zone for c in COUNTRIES for zone, _ in c.zones}))

# fmt: off
NAME_FIRST = (
    "Blue", "North", "Cedar", "Summit", "Harbor", "Granite", "Silver", "Oak", "Prairie", "Coastal",
    "Pioneer", "Atlas", "Bright", "Crescent", "Evergreen", "Falcon", "Golden", "Highland", "Iron",
    "Juniper", "Keystone", "Liberty", "Maple", "Meridian", "Orchard", "Pinnacle", "Quarry", "Red",
    "Sterling", "Trinity", "Union", "Valley", "Westfield", "Willow", "Zenith", "Anchor",
)
# fmt: on
# fmt: off
NAME_SECOND = (
    "Logistics", "Foods", "Builders", "Dental", "Print", "Motors", "Textiles", "Analytics",
    "Hardware", "Farms", "Clinics", "Media", "Engineering", "Plastics", "Outfitters", "Labs",
    "Packaging", "Electric", "Furniture", "Marine", "Software", "Supply", "Pharma", "Freight",
)
# fmt: on
PUBLIC_BODIES = ("City of", "County of", "School District of", "Water Authority of")
STREETS = ("Main", "Oak", "Mill", "Church", "High", "Park", "Station", "Market", "Bridge", "King")

TEAMS = ("North", "South", "Enterprise")
NORTH_ZONES = frozenset({"America/New_York", "America/Toronto", "America/Chicago"})
NORTH_COUNTRIES = frozenset({"CA", "GB", "IE", "DE", "NL", "FR"})
# fmt: off
COLLECTOR_FIRST = (
    "Alex", "Maria", "Sam", "Priya", "Jordan", "Chen", "Fatima", "Luis", "Olga", "Kwame", "Emma",
    "Noah", "Aisha", "Tom", "Yuki", "Sara", "Diego", "Nina", "Omar", "Grace",
)
# fmt: on
# fmt: off
COLLECTOR_LAST = (
    "Rivera", "Novak", "Okafor", "Schmidt", "Patel", "Kim", "Haddad", "Silva", "Murphy", "Jensen",
    "Costa", "Ito", "Walsh", "Moreau", "Nowak", "Reyes", "Larsen", "Adeyemi",
)
# fmt: on

AGENCIES = (
    ("AG-01", "Apex Recovery Partners", "agency"),
    ("AG-02", "Meridian Collections Group", "agency"),
    ("AG-03", "Northstar Receivables", "agency"),
    ("AG-04", "Euro Credit Services", "agency"),
    ("LAW-01", "Harper & Stone LLP", "lawyer"),
    ("LAW-02", "Whitfield Legal", "lawyer"),
)
N_AGENCY_FIRMS = 4

CHANNELS = ("call", "email", "sms", "letter", "visit")
CALL, EMAIL, SMS, LETTER, VISIT = range(5)
DIRECTIONS = ("outbound", "inbound")
OUTCOMES = (
    "no_answer",
    "message_left",
    "wrong_party",
    "right_party_contact",
    "promise",
    "refusal",
    "dispute",
    "payment",
)
NO_ANSWER, MESSAGE_LEFT, WRONG_PARTY, RPC, PROMISE, REFUSAL, DISPUTE, PAYMENT = range(8)
# Outcome shares of collection attempts by channel (outbound); payments and disputes are not drawn
# here: they come from the payments and disputes themselves.
OUTBOUND_OUTCOMES = {
    CALL: (0.52, 0.18, 0.05, 0.12, 0.09, 0.04, 0.0, 0.0),
    EMAIL: (0.70, 0.00, 0.00, 0.15, 0.10, 0.05, 0.0, 0.0),
    SMS: (0.80, 0.00, 0.03, 0.10, 0.07, 0.00, 0.0, 0.0),
    LETTER: (0.92, 0.00, 0.00, 0.05, 0.03, 0.00, 0.0, 0.0),
    VISIT: (0.30, 0.00, 0.00, 0.35, 0.25, 0.10, 0.0, 0.0),
}
INBOUND_OUTCOMES = (0.0, 0.0, 0.0, 0.55, 0.30, 0.15, 0.0, 0.0)
ATTEMPT_CHANNEL_SHARE = (0.56, 0.24, 0.08, 0.09, 0.03)
# Local hours of outbound contact attempts, 8:00-20:59 (Regulation F's convenient hours).
CALL_HOUR_WEIGHTS = (4, 9, 10, 9, 6, 7, 9, 9, 8, 6, 4, 3, 2)
OUTSIDE_HOURS_SHARE = 0.012

PAYMENT_METHODS = ("ach", "wire", "card", "check", "sepa", "bacs", "agency")
ADJUSTMENT_KINDS = ("credit_note", "write_off", "discount")
CREDIT_NOTE, WRITE_OFF, DISCOUNT = range(3)
ADJUSTMENT_REASONS = (
    "Pricing correction",
    "Returned goods",
    "Dispute settled with credit",
    "Early payment discount 2/10",
    "Small balance written off",
    "Uncollectable after placement",
    "Customer bankruptcy",
    "Payment plan broken",
)
(
    R_PRICING,
    R_RETURN,
    R_DISPUTE,
    R_EARLY,
    R_SMALL,
    R_UNCOLLECTABLE,
    R_BANKRUPTCY,
    R_PLAN_BROKEN,
) = range(8)
DISPUTE_REASONS = (
    "Goods damaged",
    "Price differs from order",
    "Service not delivered",
    "Duplicate invoice",
    "Missing purchase order",
)
DISPUTE_STATUSES = ("open", "verified", "resolved")
PLAN_STATUSES = ("active", "completed", "broken")
PROMISE_STATUSES = ("open", "kept", "broken")


def day_number(value: date) -> int:
    return (value - EPOCH).days


def day_date(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


@dataclass(slots=True)
class Customers:
    n: int
    segment: I64
    country: I64  # index into COUNTRIES
    zone: I64  # index into TIME_ZONES
    currency: I64  # index into CURRENCIES
    behaviour: I64
    since: I64
    credit_limit: I64  # minor units; -1 = none
    cease: B
    bankruptcy: B
    do_not_call: B
    opt_out_email: B
    opt_out_sms: B
    opt_out_letter: B
    statute_date: I64  # -1 = none
    name_a: I64
    name_b: I64
    team: I64
    pays_in_runs: B
    run_weekday: I64


@dataclass(slots=True)
class Contacts:
    customer: I64
    kind: I64  # 0 phone, 1 email, 2 address
    serial: I64  # distinguishes a customer's second phone
    primary: B
    status: I64  # index into CONTACT_STATUSES
    status_day: I64  # -1 = none


CONTACT_KINDS = ("phone", "email", "address")
CONTACT_STATUSES = ("valid", "unverified", "wrong_number", "bounced", "moved")


@dataclass(slots=True)
class Staff:
    team_sizes: tuple[int, ...]  # collectors per team
    collector_team: I64  # per collector index
    collector_first: I64
    collector_last: I64


@dataclass(slots=True)
class Assignments:
    customer: I64
    collector: I64  # global collector index
    team: I64
    valid_from: I64
    valid_to: I64  # -1 = open


@dataclass(slots=True)
class Invoices:
    n: int
    customer: I64
    issue: I64
    due: I64
    term: I64
    amount: I64
    electronic: B


@dataclass(slots=True)
class Allocations:
    payment: I64
    invoice: I64
    amount: I64
    day: I64


@dataclass(slots=True)
class Payments:
    customer: I64
    day: I64
    amount: I64
    method: I64


@dataclass(slots=True)
class Adjustments:
    invoice: I64
    kind: I64
    day: I64
    amount: I64
    reason: I64


@dataclass(slots=True)
class Disputes:
    invoice: I64
    opened: I64
    resolved: I64  # -1 = still open
    amount: I64
    reason: I64
    status: I64


@dataclass(slots=True)
class Placements:
    invoice: I64
    agency: I64
    placed: I64
    recalled: I64  # -1 = still placed
    amount: I64


@dataclass(slots=True)
class Plans:
    customer: I64
    agreed: I64
    total: I64
    status: I64
    currency: I64


@dataclass(slots=True)
class Instalments:
    plan: I64
    sequence: I64
    due: I64
    amount: I64


@dataclass(slots=True)
class Activities:
    customer: I64
    invoice: I64  # -1 = about the customer, no single invoice
    channel: I64
    inbound: B
    outcome: I64
    collector: I64
    at: I64  # UTC seconds


@dataclass(slots=True)
class Promises:
    customer: I64
    invoice: I64
    activity: I64
    collector: I64
    made: I64
    due: I64
    amount: I64
    status: I64


@dataclass(slots=True)
class FxRates:
    currency: list[str]
    day: I64
    rate_scaled: I64


@dataclass(slots=True)
class DemoLedger:
    invoices_requested: int
    seed: int
    as_of: int
    base_currency: str
    customers: Customers
    contacts: Contacts
    staff: Staff
    assignments: Assignments
    invoices: Invoices
    payments: Payments
    allocations: Allocations
    adjustments: Adjustments
    disputes: Disputes
    placements: Placements
    plans: Plans
    instalments: Instalments
    activities: Activities
    promises: Promises
    fx: FxRates
    stages: list[str] = field(default_factory=list)


def _rng(seed: int, stage: int) -> np.random.Generator:
    # One independent stream per stage: a change in how activities are drawn leaves the
    # customers and invoices of a given seed untouched.
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stage])))


def _pick(rng: np.random.Generator, weights: tuple[float, ...], size: int) -> I64:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)


def _pick_rows(rng: np.random.Generator, table: F64, rows: I64) -> I64:
    """One category per row, each row drawn from its own weight vector `table[rows]`."""
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    return (u[:, None] > cumulative[rows]).sum(axis=1).astype(np.int64)


def _uniform_days(rng: np.random.Generator, low: I64, high: I64) -> I64:
    """A day in [low, high] for each row (high >= low)."""
    span = np.maximum(high - low + 1, 1)
    offset: I64 = np.floor(rng.random(len(low)) * span).astype(np.int64)
    return low + offset


def _split_amounts(rng: np.random.Generator, total: I64, parts: I64, max_parts: int) -> I64:
    """Split each total into `parts` positive integer pieces (columns beyond `parts` are 0)."""
    n = len(total)
    used = np.arange(max_parts)[None, :] < parts[:, None]
    weights = np.where(used, rng.gamma(2.0, 1.0, size=(n, max_parts)), 0.0)
    shares = weights / weights.sum(axis=1, keepdims=True)
    # One minor unit per piece first, so no piece is empty when the total allows; the rest is
    # shared out and its rounding lands on the last piece.
    rest = np.maximum(total - parts, 0)
    pieces = np.where(used, 1 + np.floor(shares * rest[:, None]).astype(np.int64), 0)
    pieces[np.arange(n), parts - 1] += total - pieces.sum(axis=1)
    return pieces


class _Events:
    """Money events on invoices, collected from every fate before the as-of cut."""

    def __init__(self) -> None:
        self.pay: list[tuple[I64, I64, I64, I64]] = []  # invoice, day, amount, method hint
        self.adj: list[tuple[I64, I64, I64, I64, I64]] = []  # invoice, kind, day, amount, reason

    def payment(self, invoice: I64, day: I64, amount: I64, hint: I64 | int = 0) -> None:
        keep = amount > 0
        hints = np.broadcast_to(np.asarray(hint, dtype=np.int64), invoice.shape)
        self.pay.append((invoice[keep], day[keep], amount[keep], hints[keep]))

    def adjustment(self, invoice: I64, kind: int, day: I64, amount: I64, reason: I64 | int) -> None:
        keep = amount > 0
        reasons = np.broadcast_to(np.asarray(reason, dtype=np.int64), invoice.shape)
        kinds = np.full(int(keep.sum()), kind, dtype=np.int64)
        self.adj.append((invoice[keep], kinds, day[keep], amount[keep], reasons[keep]))


def _cat(parts: list[I64]) -> I64:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def generate(*, invoices: int, seed: int, as_of: date, base_currency: str = "USD") -> DemoLedger:
    """The whole synthetic ledger for `invoices` invoices ending on `as_of`."""
    if not 1 <= invoices <= MAX_INVOICES:
        raise ValueError(f"invoices must be between 1 and {MAX_INVOICES:,}, got {invoices:,}")
    end = day_number(as_of)
    start = end - HISTORY_DAYS
    customers = _customers(_rng(seed, 1), invoices, start, end)
    staff = _staff(_rng(seed, 2), customers)
    assignments, moves = _assignments(_rng(seed, 3), customers, staff, start, end)
    contacts = _contacts(_rng(seed, 4), customers, start, end)
    inv = _invoices(_rng(seed, 5), customers, invoices, start, end)
    events = _Events()
    fates = _fates(_rng(seed, 6), customers, inv, events, end)
    payments, allocations, adjustments = _cut_and_group(_rng(seed, 7), customers, inv, events, end)
    activities, promises = _activities(
        _rng(seed, 8), customers, staff, moves, inv, fates, allocations, adjustments, end
    )
    fx = _fx_rates(_rng(seed, 9), start - 7, end, base_currency)
    return DemoLedger(
        invoices_requested=invoices,
        seed=seed,
        as_of=end,
        base_currency=base_currency,
        customers=customers,
        contacts=contacts,
        staff=staff,
        assignments=assignments,
        invoices=inv,
        payments=payments,
        allocations=allocations,
        adjustments=adjustments,
        disputes=fates.disputes,
        placements=fates.placements,
        plans=fates.plans,
        instalments=fates.instalments,
        activities=activities,
        promises=promises,
        fx=fx,
    )


def _customers(rng: np.random.Generator, invoices: int, start: int, end: int) -> Customers:
    # About 13 invoices per customer over two years, within the N/20..N/10 the benchmarks assume.
    n = max(10, round(invoices / 13))
    segment = _pick(rng, SEGMENT_SHARE, n)
    country = _pick(rng, tuple(c.weight for c in COUNTRIES), n)
    zone = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    for ci, c in enumerate(COUNTRIES):
        rows = country == ci
        cumulative = np.cumsum([w for _, w in c.zones])
        choice = np.searchsorted(cumulative / cumulative[-1], u[rows], side="right")
        lookup = np.array([TIME_ZONES.index(z) for z, _ in c.zones], dtype=np.int64)
        zone[rows] = lookup[np.minimum(choice, len(lookup) - 1)]
    currency = np.array([CURRENCIES.index(c.currency) for c in COUNTRIES])[country]
    behaviour = _pick_rows(rng, np.asarray(SEGMENT_BEHAVIOUR, dtype=np.float64), segment)
    # Two customers in three predate the history; the rest join during it, early enough to buy.
    old = rng.random(n) < 0.65
    since = np.where(
        old,
        start - rng.integers(1, 2000, n),
        start + rng.integers(0, HISTORY_DAYS - 90, n),
    ).astype(np.int64)
    limit_usd = np.asarray(SEGMENT_CREDIT_LIMIT_USD)[segment] * rng.lognormal(0.0, 0.6, n)
    fx = np.asarray(USD_PER_UNIT)[currency]
    limit = (np.round(limit_usd / fx / 1000.0) * 1000.0 * 100).astype(np.int64)
    limit = np.where(rng.random(n) < 0.9, np.maximum(limit, 100_000), -1)
    defaulting = behaviour == DEFAULTING
    cease = rng.random(n) < np.where(defaulting, 0.05, 0.008)
    bankruptcy = rng.random(n) < np.where(defaulting, 0.15, 0.002)
    has_statute = rng.random(n) < np.where(defaulting, 0.7, 0.02)
    # Some limitation periods have already run out, so legal-action rules have cases to refuse.
    statute = np.where(has_statute, start + rng.integers(-300, 1800, n), -1).astype(np.int64)
    country_codes = np.array([c.code for c in COUNTRIES])
    zones = np.array(TIME_ZONES)
    north = np.isin(country_codes[country], list(NORTH_COUNTRIES)) | np.isin(
        zones[zone], list(NORTH_ZONES)
    )
    team = np.where(segment >= 2, 2, np.where(north, 0, 1)).astype(np.int64)
    return Customers(
        n=n,
        segment=segment,
        country=country,
        zone=zone,
        currency=currency,
        behaviour=behaviour,
        since=since,
        credit_limit=limit,
        cease=cease,
        bankruptcy=bankruptcy,
        do_not_call=rng.random(n) < 0.025,
        opt_out_email=rng.random(n) < 0.02,
        opt_out_sms=rng.random(n) < 0.06,
        opt_out_letter=rng.random(n) < 0.005,
        statute_date=statute,
        name_a=rng.integers(0, len(NAME_FIRST), n),
        name_b=rng.integers(0, len(NAME_SECOND), n),
        team=team,
        pays_in_runs=(behaviour <= LATE) & (rng.random(n) < 0.6),
        run_weekday=rng.integers(0, 5, n),
    )


def _staff(rng: np.random.Generator, customers: Customers) -> Staff:
    # About 1,500 accounts per collector, at least two per team so moves have somewhere to go.
    total = int(np.clip(round(customers.n / 1500), 6, 300))
    share = np.bincount(customers.team, minlength=len(TEAMS)) / customers.n
    sizes = tuple(max(2, round(total * s)) for s in share)
    collector_team = np.repeat(np.arange(len(TEAMS)), sizes).astype(np.int64)
    k = len(collector_team)
    return Staff(
        team_sizes=sizes,
        collector_team=collector_team,
        collector_first=rng.integers(0, len(COLLECTOR_FIRST), k),
        collector_last=rng.integers(0, len(COLLECTOR_LAST), k),
    )


@dataclass(slots=True)
class _Moves:
    """Each customer's collector: `first` until `day1`, `second` until `day2`, then `third`."""

    first: I64
    second: I64
    third: I64
    day1: I64
    day2: I64

    def collector_on(self, customer: I64, day: I64) -> I64:
        return np.where(
            day >= self.day2[customer],
            self.third[customer],
            np.where(day >= self.day1[customer], self.second[customer], self.first[customer]),
        )


def _assignments(
    rng: np.random.Generator, customers: Customers, staff: Staff, start: int, end: int
) -> tuple[Assignments, _Moves]:
    n = customers.n
    team_start = np.concatenate([[0], np.cumsum(staff.team_sizes)[:-1]]).astype(np.int64)
    sizes = np.asarray(staff.team_sizes, dtype=np.int64)

    def in_team(team: I64) -> I64:
        return team_start[team] + np.floor(rng.random(len(team)) * sizes[team]).astype(np.int64)

    def other_in_team(team: I64, current: I64) -> I64:
        offset = 1 + np.floor(rng.random(len(team)) * (sizes[team] - 1)).astype(np.int64)
        return team_start[team] + (current - team_start[team] + offset) % sizes[team]

    first = in_team(customers.team)
    never = np.full(n, np.iinfo(np.int64).max // 2, dtype=np.int64)
    low = np.maximum(customers.since, start) + 30
    moved = (rng.random(n) < 0.18) & (low < end - 30)
    day1 = np.where(moved, _uniform_days(rng, low, np.full(n, end - 1)), never)
    # A few smaller accounts change region (North <-> South) when they move; the rest stay.
    team2 = customers.team.copy()
    switch = moved & (customers.team < 2) & (rng.random(n) < 0.15)
    team2[switch] = 1 - team2[switch]
    second = np.where(switch, in_team(team2), np.where(moved, other_in_team(team2, first), first))
    moved_again = moved & (rng.random(n) < 0.25) & (day1 < end - 31)
    day2 = np.where(moved_again, _uniform_days(rng, day1 + 30, np.full(n, end - 1)), never)
    third = np.where(moved_again, other_in_team(team2, second), second)
    rows_c = [np.arange(n), np.flatnonzero(moved), np.flatnonzero(moved_again)]
    coll = [first, second[moved], third[moved_again]]
    teams = [customers.team, team2[moved], team2[moved_again]]
    froms = [customers.since, day1[moved], day2[moved_again]]
    tos = [
        np.where(moved, day1, -1),
        np.where(moved_again, day2, -1)[moved],
        np.full(int(moved_again.sum()), -1, dtype=np.int64),
    ]
    customer = _cat(rows_c)
    valid_from = _cat(froms)
    order = np.lexsort((valid_from, customer))
    assignments = Assignments(
        customer=customer[order],
        collector=_cat(coll)[order],
        team=_cat(teams)[order],
        valid_from=valid_from[order],
        valid_to=_cat(tos)[order],
    )
    return assignments, _Moves(first, second, third, day1, day2)


def _contacts(rng: np.random.Generator, customers: Customers, start: int, end: int) -> Contacts:
    n = customers.n
    second_phone = rng.random(n) < 0.3
    customer = np.concatenate(
        [np.arange(n), np.flatnonzero(second_phone), np.arange(n), np.arange(n)]
    ).astype(np.int64)
    kind = np.concatenate(
        [np.zeros(n + int(second_phone.sum())), np.ones(n), np.full(n, 2)]
    ).astype(np.int64)
    serial = np.concatenate(
        [np.zeros(n), np.ones(int(second_phone.sum())), np.zeros(2 * n)]
    ).astype(np.int64)
    primary = serial == 0
    m = len(customer)
    u = rng.random(m)
    status = np.where(u < 0.80, 0, 1).astype(np.int64)
    bad = rng.random(m) < 0.06
    status = np.where(bad, np.asarray([2, 3, 4])[kind], status)
    since = np.maximum(customers.since[customer], start)
    status_day = np.where(status == 1, -1, _uniform_days(rng, since, np.full(m, end)))
    order = np.lexsort((serial, kind, customer))
    return Contacts(
        customer=customer[order],
        kind=kind[order],
        serial=serial[order],
        primary=primary[order],
        status=status[order],
        status_day=status_day[order],
    )


def _invoices(
    rng: np.random.Generator, customers: Customers, n: int, start: int, end: int
) -> Invoices:
    first_day = np.maximum(customers.since, start)
    window = (end - first_day + 1).astype(np.float64)
    weight = (
        rng.lognormal(0.0, 0.8, customers.n)
        * np.asarray(SEGMENT_INVOICE_RATE)[customers.segment]
        * window
    )
    customer = rng.choice(customers.n, size=n, p=weight / weight.sum()).astype(np.int64)
    issue = _uniform_days(rng, first_day[customer], np.full(n, end))
    segment = customers.segment[customer]
    term = np.asarray(TERMS, dtype=np.int64)[
        _pick_rows(rng, np.asarray(SEGMENT_TERMS, dtype=np.float64), segment)
    ]
    median = (
        np.asarray(SEGMENT_MEDIAN_USD)[segment]
        / np.asarray(USD_PER_UNIT)[customers.currency[customer]]
    )
    major = np.minimum(median * rng.lognormal(0.0, 1.0, n), median * 150)
    amount = np.maximum(np.round(major * 100), 500).astype(np.int64)
    electronic = rng.random(n) < 0.8
    order = np.lexsort((customer, issue))
    return Invoices(
        n=n,
        customer=customer[order],
        issue=issue[order],
        due=(issue + term)[order],
        term=term[order],
        amount=amount[order],
        electronic=electronic[order],
    )


@dataclass(slots=True)
class _Fates:
    disputes: Disputes
    placements: Placements
    plans: Plans
    instalments: Instalments
    # Day collectors stop working the invoice themselves (placed with an agency), or a far day.
    handed_over: I64


def _fates(
    rng: np.random.Generator, customers: Customers, inv: Invoices, ev: _Events, end: int
) -> _Fates:
    n = inv.n
    behaviour = customers.behaviour[inv.customer]
    usd = inv.amount * np.asarray(USD_PER_UNIT)[customers.currency[inv.customer]] / 100
    never = np.full(n, end + 10_000, dtype=np.int64)

    # Disputes: opened some days after issue, most resolved weeks later, some with a credit.
    dispute_p = np.asarray([0.015, 0.03, 0.045, 0.04])[behaviour]
    disputed = rng.random(n) < dispute_p
    opened = inv.issue + rng.integers(3, 45, n) + inv.term // 2
    resolved = opened + rng.integers(5, 80, n)
    dispute_amount = np.maximum(
        (inv.amount * rng.uniform(0.1, 1.0, n)).astype(np.int64), np.minimum(inv.amount, 100)
    )
    credited = disputed & (rng.random(n) < 0.45)

    # Credit notes: disputes settled with a credit, and plain corrections and returns.
    credit = np.zeros(n, dtype=np.int64)
    credit_day = inv.issue + rng.integers(1, 21, n)
    plain = ~disputed & (rng.random(n) < 0.05)
    full = plain & (rng.random(n) < 0.15)
    credit[plain] = np.maximum(
        (inv.amount[plain] * rng.uniform(0.05, 0.3, int(plain.sum()))).astype(np.int64), 1
    )
    credit[full] = inv.amount[full]
    credit[credited] = dispute_amount[credited]
    credit_day[credited] = resolved[credited]
    credit_reason = np.where(
        credited, R_DISPUTE, np.where(rng.random(n) < 0.5, R_PRICING, R_RETURN)
    )
    ev.adjustment(np.arange(n), CREDIT_NOTE, credit_day, credit, credit_reason)
    payable = inv.amount - credit
    # Payment waits for the dispute to be settled.
    earliest = np.where(disputed, resolved + rng.integers(1, 20, n), inv.issue)

    defaults = payable > 0
    default_p = np.asarray([0.002, 0.01, 0.06, 0.55])[behaviour]
    defaulted = defaults & (rng.random(n) < default_p)
    plan_p = np.asarray([0.0, 0.06, 0.10, 0.15])[behaviour]
    big = usd > np.asarray(SEGMENT_MEDIAN_USD)[customers.segment[inv.customer]]
    planned = defaults & big & (rng.random(n) < plan_p)
    defaulted &= ~planned
    regular = (payable > 0) & ~defaulted & ~planned

    handed_over = never.copy()
    _regular(rng, customers, inv, ev, regular, payable, earliest, behaviour)
    plans, instalments, broken_left, broken_from = _plans(
        rng, customers, inv, ev, planned, payable, behaviour, end
    )
    # Defaulted invoices pay a little at first, if anything; broken plans leave their rest.
    early = defaulted & (rng.random(n) < 0.3)
    early_amount = np.where(early, (payable * rng.uniform(0.1, 0.5, n)).astype(np.int64), 0)
    early_day = np.maximum(inv.due + rng.integers(0, 60, n), earliest)
    ev.payment(np.flatnonzero(early), early_day[early], early_amount[early])
    left = np.where(defaulted, payable - early_amount, 0)
    start_day = inv.due.copy()
    left[planned] = broken_left[planned]
    start_day[planned] = broken_from[planned]
    placements = _defaults(rng, customers, inv, ev, left, start_day, usd, handed_over, end)

    status = np.where(
        resolved <= end, np.where(rng.random(n) < 0.2, 1, 2), 0
    )  # verified or resolved; open if the resolution lies beyond the as-of date
    keep = disputed & (opened <= end)
    disputes = Disputes(
        invoice=np.flatnonzero(keep),
        opened=opened[keep],
        resolved=np.where(resolved <= end, resolved, -1)[keep],
        amount=dispute_amount[keep],
        reason=rng.integers(0, len(DISPUTE_REASONS), n)[keep],
        status=status[keep],
    )
    return _Fates(disputes, placements, plans, instalments, handed_over)


def _regular(
    rng: np.random.Generator,
    customers: Customers,
    inv: Invoices,
    ev: _Events,
    rows_mask: B,
    payable: I64,
    earliest: I64,
    behaviour: I64,
) -> None:
    """Invoices that get paid in the end: on time or late, in one to four payments."""
    rows = np.flatnonzero(rows_mask)
    m = len(rows)
    b = behaviour[rows]
    delay = np.select(
        [b == PROMPT, b == LATE, b == CHRONIC],
        [
            np.rint(rng.normal(-4.0, 5.0, m)),
            3 + np.rint(rng.gamma(2.0, 9.0, m)),
            20 + np.rint(rng.gamma(2.0, 25.0, m)),
        ],
        default=45 + np.rint(rng.gamma(2.0, 40.0, m)),
    ).astype(np.int64)
    due = inv.due[rows]
    issue = inv.issue[rows]
    final = np.maximum(due + delay, earliest[rows])
    # Customers paying in weekly runs settle on their run day, so one payment covers several
    # invoices.
    runs = customers.pays_in_runs[inv.customer[rows]]
    weekday = (final + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    shift = (customers.run_weekday[inv.customer[rows]] - weekday) % 7
    final = np.where(runs, final + shift, final)
    total = payable[rows].copy()

    # Some prompt payers on net 30+ pay within ten days to take a 2/10 early-payment discount.
    early = (
        (b == PROMPT) & (inv.term[rows] >= 30) & (earliest[rows] == issue) & (rng.random(m) < 0.15)
    )
    final = np.where(early, issue + rng.integers(3, 11, m), final)
    discount = np.where(early, total // 50, 0)
    ev.adjustment(rows, DISCOUNT, final, discount, R_EARLY)
    total -= discount

    # A few pay a little short; the small rest is written off some weeks later.
    short = (rng.random(m) < 0.03) & (total > 2_000)
    shortfall = np.where(short, rng.integers(1, 1_500, m), 0)
    ev.adjustment(rows, WRITE_OFF, final + rng.integers(5, 40, m), shortfall, R_SMALL)
    total -= shortfall

    parts = (
        np.select(
            [b == PROMPT, b == LATE, b == CHRONIC],
            [
                _pick(rng, (0.62, 0.30, 0.08, 0.0), m),
                _pick(rng, (0.30, 0.35, 0.25, 0.10), m),
                _pick(rng, (0.20, 0.30, 0.30, 0.20), m),
            ],
            default=_pick(rng, (0.3, 0.3, 0.25, 0.15), m),
        ).astype(np.int64)
        + 1
    )
    parts = np.minimum(parts, np.maximum(total, 1))
    pieces = _split_amounts(rng, total, parts, 4)
    # Earlier parts come one to five weeks apart before the final one, never before issue.
    gaps = rng.integers(7, 36, size=(m, 4))
    for j in range(4):
        back = parts - 1 - j
        offset = np.where(
            back > 0, np.cumsum(gaps, axis=1)[np.arange(m), np.maximum(back, 1) - 1], 0
        )
        day = np.maximum(final - offset, np.maximum(issue, earliest[rows]))
        has = j < parts
        ev.payment(rows[has], day[has], pieces[has, j])


def _plans(
    rng: np.random.Generator,
    customers: Customers,
    inv: Invoices,
    ev: _Events,
    rows_mask: B,
    payable: I64,
    behaviour: I64,
    end: int,
) -> tuple[Plans, Instalments, I64, I64]:
    """Overdue invoices settled in monthly instalments; broken plans leave a balance behind."""
    n = inv.n
    rows = np.flatnonzero(rows_mask)
    m = len(rows)
    agreed = inv.due[rows] + rng.integers(20, 90, m)
    count = np.asarray([3, 4, 6], dtype=np.int64)[_pick(rng, (0.4, 0.35, 0.25), m)]
    total = payable[rows]
    amounts = _split_even(total, count, 6)
    kept_p = np.where(behaviour[rows] == DEFAULTING, 0.4, 0.65)
    kept = rng.random(m) < kept_p
    paid_count = np.where(kept, count, np.floor(rng.random(m) * count).astype(np.int64))
    seq = np.arange(6)[None, :]
    inst_due = agreed[:, None] + 14 + 30 * seq
    pay_day = inst_due + rng.integers(-3, 6, size=(m, 6))
    paid = seq < paid_count[:, None]
    r, j = np.nonzero(paid)
    ev.payment(rows[r], pay_day[r, j], amounts[r, j], 1)
    left = np.zeros(n, dtype=np.int64)
    left[rows] = total - (amounts * paid).sum(axis=1)
    broken_from = np.zeros(n, dtype=np.int64)
    broken_from[rows] = agreed + 14 + 30 * paid_count
    # Plan status as of the ledger end.
    real = seq < count[:, None]
    missed_due = agreed + 14 + 30 * np.minimum(paid_count, count - 1)
    status = np.where(
        kept & (pay_day[np.arange(m), count - 1] <= end),
        1,
        np.where(~kept & (missed_due + PLAN_GRACE_DAYS < end), 2, 0),
    )
    visible = agreed <= end
    plan_index = np.cumsum(visible) - 1
    r, j = np.nonzero(real & visible[:, None])
    plans = Plans(
        customer=inv.customer[rows][visible],
        agreed=agreed[visible],
        total=total[visible],
        status=status[visible],
        currency=customers.currency[inv.customer[rows]][visible],
    )
    instalments = Instalments(
        plan=plan_index[r], sequence=j + 1, due=inst_due[r, j], amount=amounts[r, j]
    )
    return plans, instalments, left, broken_from


def _split_even(total: I64, count: I64, width: int) -> I64:
    base = total // count
    pieces = np.where(np.arange(width)[None, :] < count[:, None], base[:, None], 0)
    pieces[np.arange(len(total)), count - 1] += total - base * count
    return pieces


def _defaults(
    rng: np.random.Generator,
    customers: Customers,
    inv: Invoices,
    ev: _Events,
    left: I64,
    since_day: I64,
    usd: F64,
    handed_over: I64,
    end: int,
) -> Placements:
    """Debt that stopped being paid: placed with an agency or a lawyer, partly recovered, and the
    rest written off; small balances are written off without a placement."""
    rows = np.flatnonzero(left > 0)
    m = len(rows)
    owed = left[rows]
    owed_usd = usd[rows] * owed / inv.amount[rows]
    small = owed_usd < 300
    bankrupt = customers.bankruptcy[inv.customer[rows]]
    start = since_day[rows]
    ev.adjustment(
        rows[small],
        WRITE_OFF,
        start[small] + rng.integers(150, 365, int(small.sum())),
        owed[small],
        np.where(bankrupt[small], R_BANKRUPTCY, R_SMALL),
    )
    placed_rows = ~small
    placed = start + rng.integers(95, 200, m)
    lawyer = (owed_usd > 20_000) & (rng.random(m) < 0.5)
    agency = np.where(
        lawyer,
        N_AGENCY_FIRMS + rng.integers(0, len(AGENCIES) - N_AGENCY_FIRMS, m),
        rng.integers(0, N_AGENCY_FIRMS, m),
    )
    # About a third of placed debt is partly recovered, in one to three payments.
    recovers = placed_rows & (rng.random(m) < 0.35)
    recovered = np.where(recovers, (owed * rng.uniform(0.15, 0.7, m)).astype(np.int64), 0)
    parts = np.minimum(rng.integers(1, 4, m), np.maximum(recovered, 1))
    pieces = _split_amounts(rng, recovered, parts, 3)
    for j in range(3):
        has = recovers & (j < parts)
        day = placed + 20 + 45 * j + rng.integers(0, 40, m)
        ev.payment(rows[has], day[has], pieces[has, j], 2)
    written_day = placed + rng.integers(180, 300, m)
    reason = np.where(bankrupt, R_BANKRUPTCY, R_UNCOLLECTABLE)
    ev.adjustment(
        rows[placed_rows],
        WRITE_OFF,
        written_day[placed_rows],
        (owed - recovered)[placed_rows],
        reason[placed_rows],
    )
    recalled = np.where(~lawyer & (rng.random(m) < 0.5), written_day, -1)
    recalled = np.where(recalled > end, -1, recalled)
    keep = placed_rows & (placed <= end)
    handed_over[rows[keep]] = placed[keep]
    return Placements(
        invoice=rows[keep],
        agency=agency[keep],
        placed=placed[keep],
        recalled=recalled[keep],
        amount=owed[keep],
    )


def _cut_and_group(
    rng: np.random.Generator, customers: Customers, inv: Invoices, ev: _Events, end: int
) -> tuple[Payments, Allocations, Adjustments]:
    """Drop what lies after the as-of date; one payment per customer, day and kind of payer."""
    a_inv, a_day, a_amount, a_hint = (_cat([p[k] for p in ev.pay]) for k in range(4))
    keep = a_day <= end
    a_inv, a_day, a_amount, a_hint = a_inv[keep], a_day[keep], a_amount[keep], a_hint[keep]
    a_cust = inv.customer[a_inv]
    # Agency remittances stay separate from the customer's own payments on the same day.
    group_hint = (a_hint == 2).astype(np.int64)
    order = np.lexsort((a_inv, group_hint, a_cust, a_day))
    a_inv, a_day, a_amount, a_cust, group_hint = (
        a_inv[order],
        a_day[order],
        a_amount[order],
        a_cust[order],
        group_hint[order],
    )
    new_payment = np.ones(len(a_inv), dtype=bool)
    new_payment[1:] = (
        (a_day[1:] != a_day[:-1])
        | (a_cust[1:] != a_cust[:-1])
        | (group_hint[1:] != group_hint[:-1])
    )
    payment_of = np.cumsum(new_payment) - 1
    # Two pieces of one invoice in one payment become one allocation.
    new_alloc = np.ones(len(a_inv), dtype=bool)
    new_alloc[1:] = new_payment[1:] | (a_inv[1:] != a_inv[:-1])
    alloc_of = np.cumsum(new_alloc) - 1
    alloc_amount = np.bincount(alloc_of, weights=a_amount).astype(np.int64)
    first = np.flatnonzero(new_alloc)
    allocations = Allocations(
        payment=payment_of[first], invoice=a_inv[first], amount=alloc_amount, day=a_day[first]
    )
    heads = np.flatnonzero(new_payment)
    p_cust = a_cust[heads]
    country = customers.country[p_cust]
    currency = customers.currency[p_cust]
    usual = np.where(
        currency == 1, 4, np.where(currency == 2, 5, np.where(rng.random(len(heads)) < 0.6, 0, 1))
    )
    odd = rng.random(len(heads))
    method = np.where(odd < 0.1, 2, np.where((odd < 0.18) & (country == 0), 3, usual))
    method = np.where(group_hint[heads] == 1, 6, method)
    payments = Payments(
        customer=p_cust,
        day=a_day[heads],
        amount=np.bincount(payment_of, weights=a_amount).astype(np.int64),
        method=method.astype(np.int64),
    )
    d_inv, d_kind, d_day, d_amount, d_reason = (_cat([a[k] for a in ev.adj]) for k in range(5))
    keep = d_day <= end
    d_inv, d_kind, d_day, d_amount, d_reason = (
        d_inv[keep],
        d_kind[keep],
        d_day[keep],
        d_amount[keep],
        d_reason[keep],
    )
    order = np.lexsort((d_kind, d_inv, d_day))
    adjustments = Adjustments(
        invoice=d_inv[order],
        kind=d_kind[order],
        day=d_day[order],
        amount=d_amount[order],
        reason=d_reason[order],
    )
    return payments, allocations, adjustments


def _zone_offsets(first: int, last: int) -> I64:
    """UTC offset in seconds of every time zone on every day from `first` to `last` (local noon:
    daylight-saving switches happen at night, before any contact hour)."""
    days = last - first + 1
    table = np.zeros((len(TIME_ZONES), days), dtype=np.int64)
    for zi, name in enumerate(TIME_ZONES):
        tz = zoneinfo.ZoneInfo(name)
        for d in range(days):
            day = day_date(first + d)
            offset = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
            table[zi, d] = int(offset.total_seconds()) if offset is not None else 0
    return table


def _cumulative_before(keys_inv: I64, keys_day: I64, amounts: I64, q_inv: I64, q_day: I64) -> I64:
    """For each query, the sum of `amounts` on invoice q_inv dated on or before q_day.

    Keys must be sorted by (invoice, day)."""
    big = np.int64(1 << 24)
    keys = keys_inv * big + keys_day
    cum: I64 = np.concatenate([[0], np.cumsum(amounts)]).astype(np.int64)
    inv_start = np.searchsorted(keys, q_inv * big, side="left")
    upto = np.searchsorted(keys, q_inv * big + q_day, side="right")
    result: I64 = cum[upto] - cum[inv_start]
    return result


def _activities(
    rng: np.random.Generator,
    customers: Customers,
    staff: Staff,
    moves: _Moves,
    inv: Invoices,
    fates: _Fates,
    allocations: Allocations,
    adjustments: Adjustments,
    end: int,
) -> tuple[Activities, Promises]:
    """Collector activities around the money events, and the promises they produced."""
    n = inv.n
    target = 3 * n
    # When each invoice stopped needing the collector: its last money event, or the hand-over.
    events_inv = np.concatenate([allocations.invoice, adjustments.invoice])
    events_day = np.concatenate([allocations.day, adjustments.day])
    events_amount = np.concatenate([allocations.amount, adjustments.amount])
    settled = np.bincount(events_inv, weights=events_amount, minlength=n).astype(np.int64)
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, events_inv, events_day)
    fully = settled >= inv.amount
    closed = np.where(fully, last_day, end)
    closed = np.minimum(closed, fates.handed_over)

    # Sources with a fixed outcome: payments taken on a call, disputes raised, kept promises.
    late_alloc = allocations.day > inv.due[allocations.invoice]
    take = late_alloc & (rng.random(len(allocations.day)) < 0.25)
    pay_inv = allocations.invoice[take]
    pay_day = allocations.day[take]
    pay_inbound = rng.random(len(pay_inv)) < 0.6

    dis_inv = fates.disputes.invoice
    dis_day = fates.disputes.opened
    dis_inbound = rng.random(len(dis_inv)) < 0.8

    late_enough = allocations.day > inv.due[allocations.invoice] + 5
    promised = late_enough & (rng.random(len(allocations.day)) < 0.22)
    kp_inv = allocations.invoice[promised]
    kp_pay = allocations.day[promised]
    kp_amount = allocations.amount[promised]
    floor = np.maximum(inv.issue[kp_inv] + 1, inv.due[kp_inv] - 5)
    kp_day = np.maximum(kp_pay - rng.integers(1, 11, len(kp_inv)), floor)
    kp_due = np.maximum(kp_day + rng.integers(1, 11, len(kp_inv)), kp_pay - PROMISE_GRACE_DAYS)
    kp_inbound = rng.random(len(kp_inv)) < 0.25

    # Collection attempts, more the longer an invoice stays open past its due date.
    w0 = np.maximum(inv.issue + 1, inv.due - 5)
    w1 = np.minimum(closed, end)
    open_days = np.maximum(w1 - inv.due, 0)
    weight = np.where(w1 >= w0, 0.15 + np.minimum(open_days, 240) / 20.0, 0.0)
    fixed = len(pay_inv) + len(dis_inv) + len(kp_inv)
    scale = max(target - fixed, 0) / max(float(weight.sum()), 1e-9)
    counts = rng.poisson(weight * scale)
    at_inv = np.repeat(np.arange(n), counts)
    m = len(at_inv)
    at_day = _uniform_days(rng, w0[at_inv], w1[at_inv])
    segment = customers.segment[inv.customer[at_inv]]
    channel = _pick(rng, ATTEMPT_CHANNEL_SHARE, m)
    channel = np.where((channel == VISIT) & (segment < 2), CALL, channel)
    inbound = (np.isin(channel, [CALL, EMAIL])) & (rng.random(m) < 0.08)
    outcome = np.zeros(m, dtype=np.int64)
    for ch, shares in OUTBOUND_OUTCOMES.items():
        rows = (channel == ch) & ~inbound
        outcome[rows] = _pick(rng, shares, int(rows.sum()))
    outcome[inbound] = _pick(rng, INBOUND_OUTCOMES, int(inbound.sum()))

    a_inv = np.concatenate([at_inv, pay_inv, dis_inv, kp_inv])
    a_day = np.concatenate([at_day, pay_day, dis_day, kp_day])
    a_channel = np.concatenate(
        [
            channel,
            np.where(rng.random(len(pay_inv)) < 0.85, CALL, EMAIL),
            np.where(rng.random(len(dis_inv)) < 0.6, CALL, EMAIL),
            np.where(rng.random(len(kp_inv)) < 0.8, CALL, EMAIL),
        ]
    ).astype(np.int64)
    a_inbound = np.concatenate([inbound, pay_inbound, dis_inbound, kp_inbound])
    a_outcome = np.concatenate(
        [
            outcome,
            np.full(len(pay_inv), PAYMENT),
            np.full(len(dis_inv), DISPUTE),
            np.full(len(kp_inv), PROMISE),
        ]
    ).astype(np.int64)
    source_kept = np.concatenate(
        [np.zeros(m + len(pay_inv) + len(dis_inv), dtype=bool), np.ones(len(kp_inv), dtype=bool)]
    )
    kept_due = np.concatenate([np.zeros(m + len(pay_inv) + len(dis_inv), np.int64), kp_due])
    kept_amount = np.concatenate([np.zeros(m + len(pay_inv) + len(dis_inv), np.int64), kp_amount])
    total = len(a_inv)

    # Local time of day: outbound contact within 8:00-21:00 but for a few slips; letters are
    # stamped at the start of the business day; inbound contacts come whenever debtors call.
    hour_p = np.asarray(CALL_HOUR_WEIGHTS, dtype=np.float64)
    hour = 8 + _pick(rng, tuple(hour_p), total)
    slip = ~a_inbound & (a_channel != LETTER) & (rng.random(total) < OUTSIDE_HOURS_SHARE)
    hour = np.where(slip, np.where(rng.random(total) < 0.5, 7, 21), hour)
    hour = np.where(a_inbound, rng.integers(7, 23, total), hour)
    hour = np.where(a_channel == LETTER, 9, hour)
    hour = np.where(a_channel == VISIT, rng.integers(9, 17, total), hour)
    minute = np.where(a_channel == LETTER, 0, rng.integers(0, 60, total))
    second = rng.integers(0, 60, total)
    cust = inv.customer[a_inv]
    zone = customers.zone[cust]
    first_day = int(a_day.min()) if total else end
    offsets = _zone_offsets(first_day - 1, end + 1)
    local = a_day * 86_400 + hour * 3_600 + minute * 60 + second
    at = local - offsets[zone, a_day - (first_day - 1)]
    # West of Greenwich an evening contact on the last day is already tomorrow in UTC: move it a
    # day earlier so nothing is dated after the as-of date.
    late = at >= (end + 1) * 86_400
    at = np.where(late, at - 86_400, at)
    a_day = np.where(late, a_day - 1, a_day)
    collector = moves.collector_on(cust, a_day)
    # A tenth of unanswered attempts concern the account as a whole rather than one invoice.
    whole = np.isin(a_outcome, [NO_ANSWER, MESSAGE_LEFT]) & (rng.random(total) < 0.1)
    invoice_ref = np.where(whole, -1, a_inv)

    order = np.lexsort((a_inv, at))
    activities = Activities(
        customer=cust[order],
        invoice=invoice_ref[order],
        channel=a_channel[order],
        inbound=a_inbound[order],
        outcome=a_outcome[order],
        collector=collector[order],
        at=at[order],
    )
    position = np.empty(total, dtype=np.int64)
    position[order] = np.arange(total)

    # Promises: from every promise outcome; kept or broken by what was paid on the invoice.
    is_promise = a_outcome == PROMISE
    p_rows = np.flatnonzero(is_promise)
    p_inv = a_inv[p_rows]
    p_made = a_day[p_rows]
    alloc_order = np.lexsort((allocations.day, allocations.invoice))
    al_inv = allocations.invoice[alloc_order]
    al_day = allocations.day[alloc_order]
    al_amount = allocations.amount[alloc_order]
    adj_order = np.lexsort((adjustments.day, adjustments.invoice))
    reduced = _cumulative_before(al_inv, al_day, al_amount, p_inv, p_made) + _cumulative_before(
        adjustments.invoice[adj_order],
        adjustments.day[adj_order],
        adjustments.amount[adj_order],
        p_inv,
        p_made,
    )
    open_amount = inv.amount[p_inv] - reduced
    k = len(p_rows)
    partial = rng.random(k) < 0.3
    drawn_amount = np.where(
        partial, (open_amount * rng.uniform(0.3, 0.8, k)).astype(np.int64), open_amount
    )
    drawn_due = p_made + rng.integers(2, 15, k)
    from_payment = source_kept[p_rows]
    amount = np.where(from_payment, kept_amount[p_rows], drawn_amount)
    due = np.where(from_payment, kept_due[p_rows], drawn_due)
    # Paid on the invoice from the promise day through its due date plus grace.
    window_paid = _cumulative_before(
        al_inv, al_day, al_amount, p_inv, due + PROMISE_GRACE_DAYS
    ) - _cumulative_before(al_inv, al_day, al_amount, p_inv, p_made - 1)
    status = np.where(window_paid >= amount, 1, np.where(due + PROMISE_GRACE_DAYS < end, 2, 0))
    valid = amount > 0
    # A promise on an invoice with nothing left to pay was just a conversation.
    a_outcome_fixed = activities.outcome
    a_outcome_fixed[position[p_rows[~valid]]] = RPC
    p_order = np.lexsort((position[p_rows][valid], p_made[valid]))

    def pick(values: I64) -> I64:
        return values[valid][p_order]

    promises = Promises(
        customer=pick(inv.customer[p_inv]),
        invoice=pick(p_inv),
        activity=pick(position[p_rows]),
        collector=pick(collector[p_rows]),
        made=pick(p_made),
        due=pick(due),
        amount=pick(amount),
        status=pick(status.astype(np.int64)),
    )
    return activities, promises


def _fx_rates(rng: np.random.Generator, first: int, last: int, base: str) -> FxRates:
    """Business-day rates to the base currency for every other currency the ledger uses; each
    rate holds until the next, so weekends are covered by Friday's."""
    days = np.arange(first, last + 1, dtype=np.int64)
    days = days[((days + 3) % 7) < 5]
    if ((first + 3) % 7) >= 5:
        days = np.concatenate([[first], days])
    walks = {
        code: start * np.exp(np.cumsum(rng.normal(0.0, 0.004, len(days))))
        for code, start in zip(CURRENCIES, USD_PER_UNIT, strict=True)
    }
    if base not in walks:
        raise ValueError(
            f"the demo ledger uses {', '.join(CURRENCIES)}; base currency {base} has no rates"
        )
    currency: list[str] = []
    day_parts: list[I64] = []
    rate_parts: list[I64] = []
    for code in CURRENCIES:
        if code == base:
            continue
        rate = walks[code] / walks[base]
        currency.extend([code] * len(days))
        day_parts.append(days)
        rate_parts.append(np.rint(rate * 10_000) * 1_000_000)
    return FxRates(
        currency=currency,
        day=_cat(day_parts),
        rate_scaled=_cat(rate_parts).astype(np.int64),
    )


def utc_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
