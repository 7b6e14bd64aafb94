"""Conversion of per-currency sums to the base currency with the ledger's FX rates.

Rule: an amount is converted at the rate in force on the as-of date of the result (for flows, the
period end), the closing-rate translation a balance sheet uses. Sums stay per currency in the
queries, so conversion happens once per currency and point, exactly, in `Decimal`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recoup.core.answers import until_next_commit
from recoup.core.money import currency_exponent
from recoup.ledger.models import FxRate
from recoup.metrics.catalogue import MetricInputError


@dataclass(frozen=True, slots=True)
class FxTable:
    base: str
    rates: dict[str, tuple[list[date], list[int]]]

    @classmethod
    def load(cls, base: str) -> FxTable:
        """The ledger's rates, read once per commit where that is cheap to tell."""
        return until_next_commit(("fx", base), lambda: cls._read(base))

    @classmethod
    def _read(cls, base: str) -> FxTable:
        rates: dict[str, tuple[list[date], list[int]]] = {}
        for currency, on, scaled in FxRate.objects.order_by("currency", "rate_date").values_list(
            "currency", "rate_date", "rate_scaled"
        ):
            days, values = rates.setdefault(currency, ([], []))
            days.append(on)
            values.append(scaled)
        return cls(base, rates)

    def rate_scaled(self, currency: str, on: date) -> int:
        if currency == self.base:
            return FxRate.SCALE
        days, values = self.rates.get(currency, ([], []))
        index = bisect.bisect_right(days, on) - 1
        if index < 0:
            raise MetricInputError(
                f"no FX rate for {currency} to {self.base} on or before {on}: add one (FxRate)"
            )
        return values[index]

    def to_base_minor(self, minor: Decimal, currency: str, on: date) -> Decimal:
        """`minor` units of `currency` in minor units of the base currency, unrounded."""
        if currency == self.base:
            return minor
        shift = currency_exponent(self.base) - currency_exponent(currency)
        return minor * self.rate_scaled(currency, on) / FxRate.SCALE * Decimal(10) ** shift
