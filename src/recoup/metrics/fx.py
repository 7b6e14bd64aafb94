"""Conversion of per-currency sums to the base currency with the ledger's FX rates.

Rule: an amount is converted at the rate in force on the as-of date of the result (for flows, the
period end), the closing-rate translation a balance sheet uses. Sums stay per currency in the
queries, so conversion happens once per currency and point, exactly, in `Decimal`.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from recoup.core.money import currency_exponent
from recoup.ledger.models import FxRate
from recoup.metrics.catalogue import MetricInputError
from recoup.metrics.source import source_fingerprint


@dataclass(frozen=True, slots=True)
class FxTable:
    base: str
    rates: dict[str, tuple[list[date], list[int]]]

    @classmethod
    def load(cls, base: str) -> FxTable:
        """The ledger's rates; read once per commit to the operational database where that is
        cheap to tell (a SQLite file: `source_fingerprint`), else read now."""
        # Inside a transaction this connection may see rates no commit has counted yet.
        version = None if connection.in_atomic_block else source_fingerprint()
        if version is not None:
            with _kept_lock:
                kept = _kept.get(base)
            if kept is not None and kept[0] == version:
                return kept[1]
        table = cls._read(base)
        if version is not None:
            with _kept_lock:
                _kept[base] = (version, table)
        return table

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


# Per base currency: the rates and the change counter they were read at.
_kept: dict[str, tuple[str, FxTable]] = {}
_kept_lock = threading.Lock()
