"""Cost: what collecting costs against what it brings in."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics.catalogue.base import LOWER, PERCENT, MetricDef
from recoup.metrics.catalogue.measures import cash
from recoup.metrics.plans import Plan, percent, sum_of


def _cost_to_collect(params: Mapping[str, str]) -> Plan:
    cost = sum_of(("cost",), "cost", "amount", label="Collection cost")
    return percent(cost, cash(), needs=(cost.name,))


COST_TO_COLLECT = MetricDef(
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
    plan=_cost_to_collect,
)


METRICS: tuple[MetricDef, ...] = (COST_TO_COLLECT,)
