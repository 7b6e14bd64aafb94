"""Where to aim next cycle: the organisation's KPIs that lag furthest behind the industry
reference values (the CRF medians shipped with Recoup) and their own best recent quarter, each
with the template that works on it. Read-only; shown beside the new-cycle form."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recoup.core.errors import RecoupError
from recoup.core.quantities import quantity_text
from recoup.metrics.contracts import Direction
from recoup.okrs import kpi
from recoup.okrs.templates import TEMPLATES, TemplateObjective

QUARTERS_BACK = 4
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ObjectiveSuggestion:
    metric: str
    sentence: str  # "Share more than 90 days past due is 18 %, your best quarter was 11 % …"
    template: TemplateObjective | None
    behind: Decimal  # how far behind the reference, as a share of it: the ranking


def _template_for(metric: str) -> TemplateObjective | None:
    return next((t for t in TEMPLATES if any(k.metric == metric for k in t.key_results)), None)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def objective_suggestions(*, today: date, limit: int = 3) -> list[ObjectiveSuggestion]:
    """Up to `limit` KPIs worse than their reference value today, worst first."""
    definitions = kpi.kpi_definitions()
    references = {m: r for m, r in kpi.kpi_references().items() if m in definitions}
    if not references:
        return []
    first = _quarter_start(today)
    for _ in range(QUARTERS_BACK):
        first = _quarter_start(date.fromordinal(first.toordinal() - 1))
    try:
        series = kpi.kpi_quarters(metrics=sorted(references), start=first, end=today)
    except RecoupError as error:
        logger.info("no suggestions: %s", error)  # no ledger to read yet
        return []
    found = []
    for metric, (reference, source) in references.items():
        info = definitions[metric]
        readings = [(d, v) for d, v in series.get(metric, []) if v is not None]
        if not readings or readings[-1][0] != today or reference == 0:
            continue
        now = readings[-1][1]
        higher = info.direction == Direction.HIGHER_IS_BETTER
        behind = (reference - now if higher else now - reference) / abs(reference)
        if behind <= 0:
            continue  # already at or better than the median
        past = [v for d, v in readings[:-1]]
        parts = [f"{info.title} is {quantity_text(now, info.unit)}"]
        if past:
            best = max(past) if higher else min(past)
            if (best > now) if higher else (best < now):
                parts.append(f"your best recent quarter was {quantity_text(best, info.unit)}")
        median = "the CRF median" if source.startswith("Credit Research") else "the reference"
        parts.append(f"{median} is {quantity_text(reference, info.unit)}")
        found.append(
            ObjectiveSuggestion(metric, ", ".join(parts) + ".", _template_for(metric), behind)
        )
    found.sort(key=lambda s: s.behind, reverse=True)
    return found[:limit]
