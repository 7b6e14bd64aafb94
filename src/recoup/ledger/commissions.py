"""Agency commission rates by placement age: the bands, the commission of one recovery, and the
audited service that sets or removes a band (managers and admins, from the agency scorecard).

A band starts at `from_days` (the placement's age in days on the payment date) and runs until
the next band's start; before the first band nothing is owed. The commission of a recovery is
its amount times the band's rate, rounded half to even to the currency's minor unit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import transaction

from recoup.accounts.access import can_set_agency_commissions, require
from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.core.money import Money
from recoup.ledger.models import Agency, AgencyCommissionRate

BASIS_POINTS = 10_000
# A placement older than this many days is older than any debt a ledger holds.
MAX_FROM_DAYS = 36_500


class CommissionRateError(RecoupError, ValueError):
    """A band that cannot be set: a bad age or rate, named by its field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Bands:
    """One agency's bands, ascending by start: (from_days, rate_bp)."""

    starts: tuple[int, ...] = ()
    rates: tuple[int, ...] = ()

    @classmethod
    def of(cls, rows: Iterable[tuple[int, int]]) -> Bands:
        ordered = sorted(rows)
        return cls(tuple(s for s, _ in ordered), tuple(r for _, r in ordered))

    def rate_bp(self, age_days: int) -> int:
        """The rate of the band `age_days` falls in; 0 before the first band."""
        index = bisect.bisect_right(self.starts, age_days) - 1
        return self.rates[index] if index >= 0 else 0


def commission_of(amount: Money, rate_bp: int) -> Money:
    """`amount` times `rate_bp` basis points, rounded half to even to the minor unit."""
    exact = Decimal(amount.minor) * rate_bp / BASIS_POINTS
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), amount.currency)


def recovery_commission(
    bands: Bands, amount: Money, *, placed_on: date, received_on: date
) -> Money:
    """The commission owed on `amount` recovered on `received_on` for a placement of
    `placed_on`, at the band of the placement's age that day."""
    return commission_of(amount, bands.rate_bp((received_on - placed_on).days))


def commission_bands(agency_ids: Iterable[int] | None = None) -> Mapping[int, Bands]:
    """Every agency's bands (or those of `agency_ids`), by agency id."""
    rows = AgencyCommissionRate.objects.order_by("agency_id", "from_days")
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    collected: dict[int, list[tuple[int, int]]] = {}
    for agency_id, start, rate in rows.values_list("agency_id", "from_days", "rate_bp"):
        collected.setdefault(agency_id, []).append((start, rate))
    return {agency_id: Bands.of(pairs) for agency_id, pairs in collected.items()}


def rate_text(rate_bp: int) -> str:
    """2500 -> '25 %', 1250 -> '12.5 %'."""
    percent = (Decimal(rate_bp) / 100).normalize()
    return f"{percent:f} %"


def agency_commission_rate_set(
    *,
    agency: Agency,
    from_days: int,
    rate_bp: int | None,
    actor: User | None,
    via: str = "",
) -> AgencyCommissionRate | None:
    """Sets the band of `agency` starting at `from_days` to `rate_bp`; None removes the band.
    Managers and admins; audited with the band before and after."""
    require(
        actor is None or can_set_agency_commissions(actor),
        "only managers and admins set agencies' commission rates",
    )
    if not 0 <= from_days <= MAX_FROM_DAYS:
        raise CommissionRateError(
            "from_days", f"{from_days}: expected a whole number of days from 0 to {MAX_FROM_DAYS}"
        )
    if rate_bp is not None and not 0 <= rate_bp <= BASIS_POINTS:
        raise CommissionRateError("rate", f"{rate_text(rate_bp)}: expected 0 % to 100 %")
    with transaction.atomic():
        standing = (
            AgencyCommissionRate.objects.select_for_update()
            .filter(agency=agency, from_days=from_days)
            .first()
        )
        before = (
            None
            if standing is None
            else {
                "agency": agency.name,
                "from_days": from_days,
                "rate": rate_text(standing.rate_bp),
            }
        )
        kept: AgencyCommissionRate | None = None
        if rate_bp is None:
            if standing is None:
                return None
            object_id = standing.pk
            standing.delete()
        elif standing is None:
            kept = AgencyCommissionRate.objects.create(
                agency=agency, from_days=from_days, rate_bp=rate_bp
            )
            object_id = kept.pk
        else:
            if standing.rate_bp == rate_bp:
                return standing
            standing.rate_bp = rate_bp
            standing.save(update_fields=["rate_bp", "updated_at"])
            kept = standing
            object_id = kept.pk
        audit_record(
            action="agency_commission_rate_set",
            object_type="agency_commission_rate",
            object_id=object_id,
            before=before,
            after=None
            if rate_bp is None
            else {"agency": agency.name, "from_days": from_days, "rate": rate_text(rate_bp)},
            actor=actor,
            via=via,
        )
    return kept
