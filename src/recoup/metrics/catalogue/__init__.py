"""The KPI catalogue: every metric Recoup computes, declared once.

Each entry names the metric, says what it means and how it is computed (in words and as a formula),
its unit and direction, the dimensions it can be grouped and filtered by, its parameters with their
defaults, and its plan: the function that turns the parameters into measures (each with its label)
and a formula (`recoup.metrics.plans`). The evaluator, the docs (`recoup kpi docs`), the API, the
"who is behind a number" table and the OKR engine all read this one registry.

Entries live by family in the modules of this package; adding a KPI is one entry in one of them
and its name in that module's METRICS.
"""

from __future__ import annotations

from recoup.metrics.catalogue import (
    activity,
    aging,
    cost,
    credit,
    disputes,
    payments,
    recovery,
    sales,
)
from recoup.metrics.catalogue.base import (
    DIMENSIONS,
    GRAINS,
    HIGHER,
    LOWER,
    MEAN,
    PER_WINDOW,
    PERCENT,
    PERIOD_NOTE,
    ROUNDING_NOTE,
    SUM,
    MetricDef,
    MetricInputError,
    Param,
    Split,
)

FAMILIES = (aging, sales, payments, recovery, activity, disputes, cost, credit)

CATALOGUE: dict[str, MetricDef] = {m.id: m for family in FAMILIES for m in family.METRICS}


def catalogue_metric(metric_id: str) -> MetricDef:
    try:
        return CATALOGUE[metric_id]
    except KeyError:
        raise MetricInputError(
            f"unknown metric {metric_id!r}; see `recoup kpi list` for the catalogue"
        ) from None


__all__ = [
    "CATALOGUE",
    "DIMENSIONS",
    "GRAINS",
    "HIGHER",
    "LOWER",
    "MEAN",
    "PERCENT",
    "PERIOD_NOTE",
    "PER_WINDOW",
    "ROUNDING_NOTE",
    "SUM",
    "MetricDef",
    "MetricInputError",
    "Param",
    "Split",
    "catalogue_metric",
]
