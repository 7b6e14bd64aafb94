"""The KPI catalogue: every metric Recoup computes, declared once.

Each entry names the metric, says what it means and how it is computed (in words and as a formula),
its unit and direction, the dimensions it can be grouped and filtered by, and its parameters with
their defaults. The compiler (`recoup.metrics.compiler`) turns an entry into queries; the docs
(`recoup kpi docs`), the API and the OKR engine all read this one table.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from recoup.core.errors import RecoupError
from recoup.metrics.contracts import Direction, MetricInfo

DIMENSIONS: dict[str, str] = {
    "customer": "the customer (debtor) the fact belongs to, by its id",
    "team": "team the customer is assigned to on the as-of date",
    "collector": "collector the customer is assigned to on the as-of date "
    "(activity metrics: the collector who logged the activity)",
    "segment": "customer segment",
    "country": "customer country",
    "currency": "currency of the fact, before conversion to the base currency",
    "bucket": "aging bucket of the invoice on the as-of date",
    "agency": "agency or lawyer the invoice is placed with on the as-of date",
    "channel": "channel of the activity (call, email, sms, letter, visit)",
}

GRAINS = ("day", "week", "month", "quarter")

# Which dimensions each fact family can be grouped by; a metric allows the intersection over the
# families it reads.
_CUSTOMER = ("customer", "team", "collector", "segment", "country")
_INVOICE = (*_CUSTOMER, "currency", "agency")
_AGED = (*_INVOICE, "bucket")
_ACTIVITY = (*_CUSTOMER, "channel")


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
    measures by position (`recoup.metrics.evaluate.plan_metric`), the scale a number or the
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

_METRICS: list[MetricDef] = [
    MetricDef(
        "ar_total",
        "Total receivables",
        "Open receivables as of the date: invoice amounts less payments and adjustments dated on "
        "or before it.",
        "sum(open amount of invoices issued on or before D)",
        "money",
        LOWER,
        _AGED,
        (ANCHOR, BUCKETS),
    ),
    MetricDef(
        "ar_current",
        "Current receivables",
        "Open receivables not past due (or at most `current_days` past due).",
        "sum(open amount where D - due date <= current_days)",
        "money",
        HIGHER,
        _AGED,
        (CURRENT, ANCHOR, BUCKETS),
    ),
    MetricDef(
        "ar_overdue",
        "Overdue receivables",
        "Open receivables past due (more than `current_days` past due).",
        "sum(open amount where D - due date > current_days)",
        "money",
        LOWER,
        _AGED,
        (CURRENT, ANCHOR, BUCKETS),
    ),
    MetricDef(
        "ar_by_bucket",
        "Receivables by aging bucket",
        "Open amount (or number of open invoices) per aging bucket: current, 1-30, 31-60, 61-90, "
        "91-120, 120+ by default. Always grouped by bucket.",
        "sum(open amount) or count(open invoices) grouped by bucket(D - anchor date)",
        "money",
        LOWER,
        _AGED,
        (Param("measure", "amount", "amount or count", ("amount", "count")), ANCHOR, BUCKETS),
        notes="With measure=count the unit is count.",
    ),
    MetricDef(
        "ar_90_plus",
        "Receivables more than 90 days past due",
        "Open balance more than `days` days past due.",
        "sum(open amount where D - due date > days)",
        "money",
        LOWER,
        _AGED,
        (DAYS_90, ANCHOR, BUCKETS),
    ),
    MetricDef(
        "pct_90_plus",
        "Share of receivables more than 90 days past due",
        "ar_90_plus as a percentage of ar_total.",
        "ar_90_plus / ar_total x 100",
        "percent",
        LOWER,
        _AGED,
        (DAYS_90, ANCHOR, BUCKETS),
        split=PERCENT,
    ),
    MetricDef(
        "open_invoices_count",
        "Open invoices",
        "Number of invoices with an open amount as of the date.",
        "count(invoices with open amount > 0)",
        "count",
        LOWER,
        _AGED,
        (ANCHOR, BUCKETS),
    ),
    MetricDef(
        "accounts_90_plus",
        "Accounts more than 90 days past due",
        "Number of customers with any open invoice more than `days` days past due.",
        "count(distinct customer with an open invoice where D - due date > days)",
        "count",
        LOWER,
        _AGED,
        (DAYS_90, ANCHOR, BUCKETS),
    ),
    MetricDef(
        "pct_current",
        "Percent current",
        "Current receivables as a percentage of total receivables.",
        "ar_current / ar_total x 100",
        "percent",
        HIGHER,
        _AGED,
        (CURRENT, ANCHOR, BUCKETS),
        split=PERCENT,
    ),
    MetricDef(
        "credit_sales",
        "Credit sales",
        "Amount invoiced in the period (by invoice date).",
        "sum(invoice amount where from <= invoice date <= to)",
        "money",
        HIGHER,
        _INVOICE,
        is_flow=True,
    ),
    MetricDef(
        "cash_collected",
        "Cash collected",
        "Payments applied to invoices, by payment date, in the period.",
        "sum(allocated payment amount where from <= payment date <= to)",
        "money",
        HIGHER,
        _INVOICE,
        is_flow=True,
        notes="Unapplied cash (payments not allocated to an invoice) is not counted.",
    ),
    MetricDef(
        "dso",
        "Days sales outstanding",
        "Receivables as of the date divided by credit sales over the trailing window, times the "
        "window in days.",
        "ar_total(D) / credit_sales(D - window + 1 .. D) x window",
        "days",
        LOWER,
        _INVOICE,
        (WINDOW,),
        split=PER_WINDOW,
    ),
    MetricDef(
        "dso_countback",
        "Days sales outstanding, countback method",
        "Receivables are matched against the most recent months' credit sales, newest first: "
        "whole months count in full, the last one in proportion.",
        "sum(days of each fully absorbed month) + remaining AR / that month's sales x its days",
        "days",
        LOWER,
        _INVOICE,
        (
            Param(
                "months",
                "calendar",
                "month length: real calendar days or 30-day months",
                ("calendar", "30day"),
            ),
            Param(
                "lookback",
                "24",
                "months of sales to look back at most",
                kind="int",
                minimum=1,
                maximum=120,
                unit="months",
            ),
        ),
        notes="Month k is (D - k months, D - (k-1) months]. If receivables exceed all sales in "
        "the lookback, the whole lookback is counted.",
        split=Split(
            "none",
            why="countback matches receivables against months of sales in turn, so its change "
            "has no exact split by group",
        ),
    ),
    MetricDef(
        "bpdso",
        "Best possible DSO",
        "Current receivables divided by credit sales over the window, times the window.",
        "ar_current(D) / credit_sales(window) x window",
        "days",
        LOWER,
        _INVOICE,
        (WINDOW, CURRENT),
        split=PER_WINDOW,
    ),
    MetricDef(
        "add",
        "Average days delinquent",
        "DSO less best possible DSO; or, as the invoice-level variant, the mean days paid after "
        "the due date over invoices fully paid in the period.",
        "dso - bpdso  |  mean(max(0, paid date - due date))",
        "days",
        LOWER,
        _INVOICE,
        (
            Param(
                "method",
                "dso_minus_bpdso",
                "dso_minus_bpdso, or invoice: mean days late of invoices paid in the period",
                ("dso_minus_bpdso", "invoice"),
            ),
            WINDOW,
            CURRENT,
        ),
        split=Split(
            "ratio",
            numerator=((0, 1), (1, -1)),
            denominator=((2, 1),),
            scale="window",
            only=(("method", "dso_minus_bpdso"),),
        ),
    ),
    MetricDef(
        "cei",
        "Collection effectiveness index",
        "How much of what could have been collected in the period was collected.",
        "(begin AR + sales - end AR) / (begin AR + sales - end current AR) x 100",
        "percent",
        HIGHER,
        _INVOICE,
        (
            Param(
                "sales_term",
                "full",
                "credit sales of the whole period, or divided by the number of months in it",
                ("full", "monthly"),
            ),
            CURRENT,
        ),
        is_flow=True,
        notes="Begin AR is AR at the day before `from`; months are calendar months touched by "
        "the period.",
        split=Split(
            "ratio",
            numerator=((0, 1), (1, 1), (2, -1)),
            denominator=((0, 1), (1, 1), (3, -1)),
            scale="100",
            only=(("sales_term", "full"),),
        ),
    ),
    MetricDef(
        "avg_days_to_pay",
        "Average days to pay",
        "Mean days from invoice date to full payment, over invoices fully paid in the period.",
        "mean(date of last payment - invoice date)",
        "days",
        LOWER,
        _INVOICE,
        (WEIGHTED,),
        is_flow=True,
        notes="An invoice is fully paid when payments plus credit notes and discounts reach its "
        "amount; write-offs do not count as payment.",
        split=MEAN,
    ),
    MetricDef(
        "avg_days_late",
        "Average days late",
        "Mean days paid after the due date (0 when paid on time), over invoices fully paid in the "
        "period.",
        "mean(max(0, date of last payment - due date))",
        "days",
        LOWER,
        _INVOICE,
        (WEIGHTED,),
        is_flow=True,
        split=MEAN,
    ),
    MetricDef(
        "on_time_payment_rate",
        "On-time payment rate",
        "Share of invoices fully paid in the period that were paid by their due date.",
        "paid by due date / paid in period x 100",
        "percent",
        HIGHER,
        _INVOICE,
        (BY_AMOUNT,),
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "delinquency_rate",
        "Delinquency rate",
        "Past-due share of open receivables, by amount or by number of invoices.",
        "ar_overdue / ar_total x 100  |  overdue invoices / open invoices x 100",
        "percent",
        LOWER,
        _AGED,
        (BY_AMOUNT, CURRENT, ANCHOR, BUCKETS),
        split=PERCENT,
    ),
    MetricDef(
        "write_off_ratio",
        "Write-off (bad-debt) ratio",
        "Amount written off in the period as a percentage of credit sales in the period.",
        "write-offs(period) / credit_sales(period) x 100",
        "percent",
        LOWER,
        _INVOICE,
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "recovery_rate",
        "Recovery rate",
        "Cash collected on invoices placed with an agency while the placement stood, as a "
        "percentage of the amount placed; placements of the period (their vintage).",
        "cash received from placement until recall or D / amount placed x 100",
        "percent",
        HIGHER,
        _INVOICE,
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "liquidation_rate",
        "Liquidation rate",
        "All cash collected on placed invoices from placement until D, as a percentage of the "
        "amount placed; placements of the period (their vintage).",
        "cash received from placement until D / amount placed x 100",
        "percent",
        HIGHER,
        _INVOICE,
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "roll_rate",
        "Roll rate",
        "Share of the balance in a bucket one month before D that sits in the next (worse) bucket "
        "on D.",
        "balance on D in the next bucket of what was in from_bucket a month earlier / balance in "
        "from_bucket a month earlier x 100",
        "percent",
        LOWER,
        _INVOICE,
        (FROM_BUCKET, BY_AMOUNT, ANCHOR, BUCKETS),
        notes="'A month earlier' is the same day of the previous month (its last day if shorter).",
        split=PERCENT,
    ),
    MetricDef(
        "cure_rate",
        "Cure rate",
        "Share of the balance in a bucket one month before D that is paid or current on D.",
        "balance of from_bucket a month earlier that is settled or current on D / balance in "
        "from_bucket a month earlier x 100",
        "percent",
        HIGHER,
        _INVOICE,
        (FROM_BUCKET, BY_AMOUNT, ANCHOR, BUCKETS),
        split=PERCENT,
    ),
    MetricDef(
        "contact_rate",
        "Contact rate",
        "Outbound attempts that reached someone, over all outbound attempts in the period.",
        "contacts / attempts x 100",
        "percent",
        HIGHER,
        _ACTIVITY,
        is_flow=True,
        notes="A contact is any outcome but no answer and message left.",
        split=PERCENT,
    ),
    MetricDef(
        "rpc_rate",
        "Right-party contact rate",
        "Outbound attempts that reached the debtor, over all outbound attempts in the period.",
        "right-party contacts / attempts x 100",
        "percent",
        HIGHER,
        _ACTIVITY,
        is_flow=True,
        notes="Right-party outcomes: right-party contact, promise, refusal, dispute, payment.",
        split=PERCENT,
    ),
    MetricDef(
        "ptp_rate",
        "Promise-to-pay rate",
        "Promises obtained per right-party contact in the period.",
        "activities with a promise / right-party contacts x 100",
        "percent",
        HIGHER,
        _ACTIVITY,
        is_flow=True,
        notes="Denominator is right-party contacts (not all attempts).",
        split=PERCENT,
    ),
    MetricDef(
        "promise_kept_rate",
        "Promise-kept rate",
        "Promises due in the period that were paid in full by their date plus the grace days.",
        "promises kept / promises due x 100 (by count or amount)",
        "percent",
        HIGHER,
        (*_CUSTOMER, "currency"),
        (GRACE, BY_AMOUNT),
        is_flow=True,
        notes="A promise is due in the period when its date plus grace falls in it; kept when the "
        "customer's payments from the day it was made to its date plus grace reach its amount.",
        split=PERCENT,
    ),
    MetricDef(
        "call_to_promise_ratio",
        "Calls per promise",
        "Outbound calls placed per promise obtained, in the period.",
        "outbound calls / promises",
        "ratio",
        LOWER,
        _ACTIVITY,
        is_flow=True,
        notes="Calls per promise (lower is better); its inverse, promises per call, is "
        "ptp_rate-like but over calls, not right-party contacts.",
        split=MEAN,
    ),
    MetricDef(
        "first_call_resolution_rate",
        "First-contact resolution rate",
        "Of the customers resolved in the period (a contact ending in a promise or a payment), "
        "the share resolved with a single contact.",
        "customers resolved with one contact / customers resolved x 100",
        "percent",
        HIGHER,
        _CUSTOMER,
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "dispute_rate",
        "Dispute rate",
        "Disputes opened in the period per invoice issued in the period.",
        "disputes opened / invoices issued x 100",
        "percent",
        LOWER,
        _INVOICE,
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "avg_dispute_days",
        "Average days to resolve a dispute",
        "Mean days from opening to resolution of disputes resolved in the period.",
        "mean(resolved on - opened on)",
        "days",
        LOWER,
        _INVOICE,
        is_flow=True,
        split=MEAN,
    ),
    MetricDef(
        "cost_to_collect",
        "Cost to collect",
        "Collection cost in the period as a percentage of cash collected in the period.",
        "collection cost / cash_collected x 100",
        "percent",
        LOWER,
        ("team",),
        is_flow=True,
        notes="Cost entries are imported or entered (CollectionCost); by team when they name one.",
        split=PERCENT,
    ),
    MetricDef(
        "credit_approval_days",
        "Credit approval time",
        "Mean days from credit application to decision, for decisions made in the period.",
        "mean(decided on - applied on)",
        "days",
        LOWER,
        ("segment", "country"),
        is_flow=True,
        split=MEAN,
    ),
    MetricDef(
        "credit_policy_compliance_rate",
        "Credit policy compliance",
        "Share of credit decisions made in the period without a policy exception.",
        "decisions without exception / decisions x 100",
        "percent",
        HIGHER,
        ("segment", "country"),
        is_flow=True,
        split=PERCENT,
    ),
    MetricDef(
        "over_limit_exposure",
        "Over-limit exposure",
        "Open balance above customers' credit limits, summed over customers.",
        "sum over customers(max(0, open balance - credit limit))",
        "money",
        LOWER,
        (*_CUSTOMER, "currency"),
        notes="Each customer's balance is compared with the limit in the limit's currency; open "
        "invoices in other currencies do not count towards it.",
    ),
]

CATALOGUE: dict[str, MetricDef] = {m.id: m for m in _METRICS}

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


def catalogue_metric(metric_id: str) -> MetricDef:
    try:
        return CATALOGUE[metric_id]
    except KeyError:
        raise MetricInputError(
            f"unknown metric {metric_id!r}; see `recoup kpi list` for the catalogue"
        ) from None
