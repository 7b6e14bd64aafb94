"""Recovery: what becomes of overdue balances, placed with an agency or moving between buckets."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import (
    ANCHOR,
    BUCKETS,
    BY_AMOUNT,
    FROM_BUCKET,
    HIGHER,
    INVOICE,
    LOWER,
    PERCENT,
    MetricDef,
    MetricInputError,
)
from recoup.metrics.compiler import bucket_labels
from recoup.metrics.plans import Plan, PlanFn, count_of, edges, percent, sum_of

PLACEMENT = ("placement",)


def _placed_share(col: str, label: str) -> PlanFn:
    """Cash of column `col` over the amount placed, for placements of the period."""

    def plan(params: Mapping[str, str]) -> Plan:
        got = sum_of(PLACEMENT, col, col, label=label)
        return percent(got, sum_of(PLACEMENT, "placed", "amount", label="Amount placed"))

    return plan


RECOVERY_RATE = MetricDef(
    "recovery_rate",
    "Recovery rate",
    "Cash collected on invoices placed with an agency while the placement stood, as a "
    "percentage of the amount placed; placements of the period (their vintage).",
    "cash received from placement until recall or D / amount placed x 100",
    "percent",
    HIGHER,
    INVOICE,
    is_flow=True,
    split=PERCENT,
    plan=_placed_share("recovered", "Recovered while placed"),
)


LIQUIDATION_RATE = MetricDef(
    "liquidation_rate",
    "Liquidation rate",
    "All cash collected on placed invoices from placement until D, as a percentage of the "
    "amount placed; placements of the period (their vintage).",
    "cash received from placement until D / amount placed x 100",
    "percent",
    HIGHER,
    INVOICE,
    is_flow=True,
    split=PERCENT,
    plan=_placed_share("collected", "Collected since placement"),
)


def _moved_share(metric: str, flag: str, moved_label: str) -> PlanFn:
    """The share of a bucket's balance a month earlier that is `flag` (rolled, cured) on D."""

    def plan(params: Mapping[str, str]) -> Plan:
        anchor, cuts, start = params["anchor"], edges(params), params["from_bucket"]
        labels = bucket_labels(cuts, anchor)
        if start not in labels:
            raise MetricInputError(
                f"{metric}.from_bucket={start!r}: expected one of {', '.join(labels)}"
            )
        roll = ("roll", anchor, cuts, start)
        before = "In the bucket a month earlier"
        if params["by"] == "count":
            moved = count_of(roll, f"n_{flag}", lambda t: t[flag], label=moved_label)
            return percent(moved, count_of(roll, "n_prev", label=before))
        amount_col = "open_now" if flag == "rolled" else "open_prev"
        moved = sum_of(roll, f"{flag}_amount", amount_col, lambda t: t[flag], label=moved_label)
        return percent(moved, sum_of(roll, "prev_amount", "open_prev", label=before))

    return plan


ROLL_RATE = MetricDef(
    "roll_rate",
    "Roll rate",
    "Share of the balance in a bucket one month before D that sits in the next (worse) bucket "
    "on D.",
    "balance on D in the next bucket of what was in from_bucket a month earlier / balance in "
    "from_bucket a month earlier x 100",
    "percent",
    LOWER,
    INVOICE,
    (FROM_BUCKET, BY_AMOUNT, ANCHOR, BUCKETS),
    notes="'A month earlier' is the same day of the previous month (its last day if shorter).",
    split=PERCENT,
    plan=_moved_share("roll_rate", "rolled", "Rolled to the next bucket"),
)


CURE_RATE = MetricDef(
    "cure_rate",
    "Cure rate",
    "Share of the balance in a bucket one month before D that is paid or current on D.",
    "balance of from_bucket a month earlier that is settled or current on D / balance in "
    "from_bucket a month earlier x 100",
    "percent",
    HIGHER,
    INVOICE,
    (FROM_BUCKET, BY_AMOUNT, ANCHOR, BUCKETS),
    split=PERCENT,
    plan=_moved_share("cure_rate", "cured", "Cured"),
)


METRICS: tuple[MetricDef, ...] = (
    RECOVERY_RATE,
    LIQUIDATION_RATE,
    ROLL_RATE,
    CURE_RATE,
)
