"""The agency scorecard: per agency and placement month, what was placed, what the agency
recovered while it held the accounts, the liquidation rate, the commission, the net recovery,
the median days to the first payment and the placements still open.

Placements count by vintage, as the catalogue's `recovery_rate` and `liquidation_rate` do:
those placed from `period_from` to `as_of`, with the cash received up to `as_of`. A recovery
stays with the placement it was received under, recalled or not since (decision 0030).
Amounts are summed per currency in minor units and converted once to the base currency at the
rate in force on `as_of` (`recoup.metrics.fx`), so an agency's rates equal the catalogue's.

Commission: what the agency reported keeping on a remittance, else the agency's rate for the
placement's age on the payment date (`recoup.ledger.commissions`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings

from recoup.accounts.scope import Scope
from recoup.core.money import Money
from recoup.ledger.commissions import Bands, commission_bands, recovery_commission
from recoup.ledger.models import Agency, AgencyRemittance, Allocation, Placement
from recoup.ledger.selectors import invoices_in_scope
from recoup.metrics.fx import FxTable

CENT = Decimal("0.01")


@dataclass(slots=True)
class Figures:
    """One row of the scorecard; money in minor units of the base currency, unrounded."""

    placed_count: int = 0
    placed: Decimal = Decimal(0)
    recovered: Decimal = Decimal(0)  # while placed
    collected: Decimal = Decimal(0)  # from placement until the as-of date, recalled or not
    commission: Decimal = Decimal(0)
    open_count: int = 0
    first_payment_days: list[int] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        self.placed_count += other.placed_count
        self.placed += other.placed
        self.recovered += other.recovered
        self.collected += other.collected
        self.commission += other.commission
        self.open_count += other.open_count
        self.first_payment_days.extend(other.first_payment_days)

    @property
    def net(self) -> Decimal:
        return self.recovered - self.commission

    @property
    def recovery_rate(self) -> Decimal | None:
        return _pct(self.recovered, self.placed)

    @property
    def liquidation_rate(self) -> Decimal | None:
        return _pct(self.collected, self.placed)

    @property
    def median_days_to_first_payment(self) -> Decimal | None:
        if not self.first_payment_days:
            return None
        return Decimal(str(statistics.median(self.first_payment_days))).quantize(
            CENT, rounding=ROUND_HALF_EVEN
        )


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: date  # the first day of the placement month
    figures: Figures


@dataclass(frozen=True, slots=True)
class AgencyRow:
    agency_id: int
    name: str
    kind: str
    figures: Figures
    months: list[MonthRow]


@dataclass(frozen=True, slots=True)
class AgencyScorecard:
    as_of: date
    period_from: date
    base: str
    rows: list[AgencyRow]
    total: Figures

    def money(self, minor: Decimal) -> Money:
        """A base-currency amount rounded half to even to its minor unit, to show."""
        return Money(int(minor.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), self.base)


@dataclass(slots=True)
class _Placed:
    agency_id: int
    month: date
    placed_on: date
    recalled_on: date | None
    currency: str
    amount: int
    recovered: int = 0
    collected: int = 0
    commission: int = 0
    first_paid: date | None = None


def agency_scorecard(*, scope: Scope, as_of: date, period_from: date) -> AgencyScorecard:
    """The scorecard of the placements of `period_from`..`as_of` on invoices of `scope`'s book
    (on `as_of`, as the KPI compiler counts a book), every agency that has one."""
    invoices = invoices_in_scope(scope, on=as_of)
    placements = Placement.objects.filter(
        placed_on__gte=period_from, placed_on__lte=as_of, invoice__in=invoices
    ).values_list(
        "id", "invoice_id", "agency_id", "placed_on", "recalled_on", "amount_minor", "currency"
    )
    placed: dict[int, _Placed] = {}
    by_invoice: dict[int, list[int]] = defaultdict(list)
    for pk, invoice_id, agency_id, placed_on, recalled_on, amount, currency in placements:
        placed[pk] = _Placed(
            agency_id, placed_on.replace(day=1), placed_on, recalled_on, currency, amount
        )
        by_invoice[invoice_id].append(pk)
    bands = commission_bands({p.agency_id for p in placed.values()})
    reported = _reported_commissions(placed, as_of)
    _add_cash(placed, by_invoice, bands, reported, as_of)
    return _summed(placed, as_of, period_from)


def _reported_commissions(placed: dict[int, _Placed], as_of: date) -> dict[tuple[int, int], int]:
    """(placement, payment) -> the commission the agency reported keeping on that remittance."""
    rows = AgencyRemittance.objects.filter(
        placement_id__in=list(placed), payment__isnull=False, received_on__lte=as_of
    ).values_list("placement_id", "payment_id", "commission_minor")
    return {(pl, pay): commission for pl, pay, commission in rows}


def _add_cash(
    placed: dict[int, _Placed],
    by_invoice: dict[int, list[int]],
    bands: Mapping[int, Bands],
    reported: dict[tuple[int, int], int],
    as_of: date,
) -> None:
    cash = Allocation.objects.filter(
        invoice_id__in=list(by_invoice), payment__received_on__lte=as_of
    ).values_list("invoice_id", "payment_id", "payment__received_on", "amount_minor")
    for invoice_id, payment_id, received_on, amount in cash:
        for pk in by_invoice[invoice_id]:
            p = placed[pk]
            if received_on < p.placed_on:
                continue
            p.collected += amount
            if p.recalled_on is not None and received_on >= p.recalled_on:
                continue
            p.recovered += amount
            if p.first_paid is None or received_on < p.first_paid:
                p.first_paid = received_on
            kept = reported.get((pk, payment_id))
            if kept is None:
                kept = recovery_commission(
                    bands.get(p.agency_id, Bands()),
                    Money(amount, p.currency),
                    placed_on=p.placed_on,
                    received_on=received_on,
                ).minor
            p.commission += kept


def _summed(placed: dict[int, _Placed], as_of: date, period_from: date) -> AgencyScorecard:
    base = settings.BASE_CURRENCY
    fx = FxTable.load(base)
    # (agency, month) -> currency -> minor sums; converted once per currency, as the KPIs are.
    sums: dict[tuple[int, date], dict[str, list[int]]] = defaultdict(dict)
    counts: dict[tuple[int, date], Figures] = defaultdict(Figures)
    for p in placed.values():
        key = (p.agency_id, p.month)
        per = sums[key].setdefault(p.currency, [0, 0, 0, 0])
        per[0] += p.amount
        per[1] += p.recovered
        per[2] += p.collected
        per[3] += p.commission
        f = counts[key]
        f.placed_count += 1
        if p.recalled_on is None or p.recalled_on > as_of:
            f.open_count += 1
        if p.first_paid is not None:
            f.first_payment_days.append((p.first_paid - p.placed_on).days)
    for key, currencies in sums.items():
        f = counts[key]
        for currency, (amount, recovered, collected, commission) in currencies.items():
            f.placed += fx.to_base_minor(Decimal(amount), currency, as_of)
            f.recovered += fx.to_base_minor(Decimal(recovered), currency, as_of)
            f.collected += fx.to_base_minor(Decimal(collected), currency, as_of)
            f.commission += fx.to_base_minor(Decimal(commission), currency, as_of)
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in={agency for agency, _ in counts})}
    rows: dict[int, AgencyRow] = {}
    total = Figures()
    for (agency_id, month), figures in sorted(counts.items(), key=lambda kv: kv[0][1]):
        agency = agencies[agency_id]
        row = rows.get(agency_id)
        if row is None:
            row = rows[agency_id] = AgencyRow(
                agency_id, agency.name, agency.get_kind_display(), Figures(), []
            )
        row.months.append(MonthRow(month, figures))
        row.figures.add(figures)
        total.add(figures)
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.agency_id))
    return AgencyScorecard(as_of, period_from, base, ordered, total)
