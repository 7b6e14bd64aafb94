"""What a catalogue entry is made of: its parameters, its split and the entry itself.

The entries live in the family modules of this package (aging, sales, payments, ...), each next to
the small function that turns its parameters into a plan (`recoup.metrics.plans`); `__init__`
assembles them into the one registry.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from recoup.core.errors import RecoupError
from recoup.metrics.contracts import Direction, MetricInfo
from recoup.metrics.plans import PlanFn

DIMENSIONS: dict[str, str] = {
    "customer": "the customer (debtor) the fact belongs to, by its id",
    "team": "team the customer is assigned to on the as-of date",
    "collector": "collector the customer is assigned to on the as-of date "
    "(activity metrics: the collector who logged the activity)",
    "segment": "customer segment",
    "country": "customer country",
    "currency": "currency of the fact, before conversion to the base currency",
    "bucket": "aging bucket of the invoice on the as-of date",
    "agency": "agency or lawyer the invoice is placed with on the as-of date "
    "(placement metrics: the agency of the placement itself, recalled or not)",
    "channel": "channel of the activity (call, email, sms, letter, visit)",
}

GRAINS = ("day", "week", "month", "quarter")

# Which dimensions each fact family can be grouped by; a metric allows the intersection over the
# families it reads.
CUSTOMER = ("customer", "team", "collector", "segment", "country")
INVOICE = (*CUSTOMER, "currency", "agency")
AGED = (*INVOICE, "bucket")
ACTIVITY = (*CUSTOMER, "channel")


class MetricInputError(RecoupError, ValueError):
    """A request names an unknown metric, dimension, parameter or a malformed value."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: str
    help: str
    choices: tuple[str, ...] = ()
    # "choice", "int" (a whole number within minimum..maximum), "edges" (ascending whole numbers
    # within minimum..maximum), "text" (checked by the plan)
    kind: str = "choice"
    # The allowed range of an "int" or of each of the "edges", in `unit`, declared once: every
    # request's parameters reach `parse` through `MetricDef.resolve_params`, and saved defaults
    # through the settings service. The maximum keeps date arithmetic from an accepted as-of
    # date (recoup.core.dates) on the calendar.
    minimum: int = 0
    maximum: int = 36_500
    unit: str = "days"

    def parse(self, metric: str, raw: str) -> str:
        """Validate `raw` and return its canonical text."""
        where = f"{metric}.{self.name}"
        if self.kind == "text":
            if not raw.strip():
                raise MetricInputError(f"{where}: expected a value")
            return raw.strip()
        if self.kind == "choice":
            if raw not in self.choices:
                raise MetricInputError(
                    f"{where}={raw!r}: expected one of {', '.join(self.choices)}"
                )
            return raw
        if self.kind == "int":
            text = raw.strip()
            if not (text.isascii() and text.isdigit()) or not (
                self.minimum <= int(text) <= self.maximum
            ):
                raise MetricInputError(
                    f"{where}={raw!r}: expected a whole number of {self.unit} "
                    f"from {self.minimum} to {self.maximum}"
                )
            return str(int(text))
        parts = [p.strip() for p in raw.split(",")]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise MetricInputError(
                f"{where}={raw!r}: expected ascending whole numbers of {self.unit} such as 30,60,90"
            )
        edges = [int(p) for p in parts]
        if any(b <= a for a, b in itertools.pairwise(edges)) or edges[0] < self.minimum:
            raise MetricInputError(f"{where}={raw!r}: bucket edges must be positive and ascending")
        if edges[-1] > self.maximum:
            raise MetricInputError(
                f"{where}={raw!r}: bucket edges must be at most {self.maximum} {self.unit}"
            )
        return ",".join(str(e) for e in edges)


@dataclass(frozen=True, slots=True)
class Split:
    """How a change of the metric splits exactly into parts by group (`recoup.metrics.drivers`).

    kind "sum": the value is its one measure, so each group's part is its own change. kind
    "ratio": the value is numerator / denominator x scale, each side a signed sum of the plan's
    measures by position (the entry's `plan`), the scale a number or the
    name of a parameter ("window"). kind "none": no exact split; `why` says why. `only` names
    the parameter values the split holds for (another variant has another formula).
    """

    kind: str = "sum"
    numerator: tuple[tuple[int, int], ...] = ((0, 1),)
    denominator: tuple[tuple[int, int], ...] = ((1, 1),)
    scale: str = "1"
    only: tuple[tuple[str, str], ...] = ()
    why: str = ""


SUM = Split()
PERCENT = Split("ratio", scale="100")
MEAN = Split("ratio")
PER_WINDOW = Split("ratio", scale="window")


@dataclass(frozen=True, slots=True)
class MetricDef:
    id: str
    title: str
    description: str
    formula: str
    unit: str  # money, days, percent, ratio, count
    direction: Direction
    dimensions: tuple[str, ...]
    params: tuple[Param, ...] = ()
    is_flow: bool = False
    notes: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    split: Split = SUM
    # How resolved parameters become measures, formula and unit: the one place a KPI is computed.
    plan: PlanFn = field(kw_only=True)

    def info(self) -> MetricInfo:
        return MetricInfo(
            id=self.id,
            title=self.title,
            description=self.description,
            unit=self.unit,
            direction=self.direction,
            dimensions=self.dimensions,
            params={p.name: p.default for p in self.params},
            is_flow=self.is_flow,
        )

    def resolve_params(self, given: Mapping[str, str]) -> dict[str, str]:
        """Defaults overlaid with `given`, each validated; unknown names are refused."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise MetricInputError(
                f"metric {self.id} does not take parameter {unknown[0]!r} (it takes: {takes})"
            )
        return {
            name: p.parse(self.id, given[name]) if name in given else p.default
            for name, p in known.items()
        }


HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

ANCHOR = Param(
    "anchor",
    "due",
    "date the age of an invoice is counted from: its due date or its invoice date",
    ("due", "invoice"),
)
BUCKETS = Param(
    "buckets",
    "30,60,90,120",
    "upper edges in days of the aging buckets after 'current' (the last bucket is open-ended)",
    kind="edges",
    minimum=1,
)
CURRENT = Param(
    "current_days",
    "0",
    "days past due still counted as current: 0 means 'current' = not yet past due",
    kind="int",
)
DAYS_90 = Param("days", "90", "days past due above which a balance counts", kind="int")
WINDOW = Param("window", "90", "trailing window of credit sales, in days", kind="int", minimum=1)
BY_AMOUNT = Param(
    "by", "amount", "measure shares by amount or by number of invoices", ("amount", "count")
)
WEIGHTED = Param("weighted", "false", "weight each invoice by its amount", ("false", "true"))
FROM_BUCKET = Param(
    "from_bucket",
    "1-30",
    "aging bucket whose balance is followed from one month to the next",
    kind="text",
)
GRACE = Param(
    "grace_days",
    "3",
    "days after the promised date a payment still keeps the promise",
    kind="int",
    maximum=365,
)


PERIOD_NOTE = (
    "Flows default to the calendar month to date: [first day of the month of D, D]. Series at a "
    "grain use each grain's period."
)

ROUNDING_NOTE = (
    "Money is summed exactly in minor units per currency, converted to the base currency at the "
    "FX rate in force on the as-of date (for flows, the period end) and rounded half to even to "
    "the base currency's minor unit once, after summing. Days, percentages and ratios are computed "
    "in exact decimals and rounded half to even to 2 decimals."
)
