"""Templates that start right: a template is offered for a cycle and team only when every one of
its key results can be valid there (each bound KPI has a value at the cycle's start), and applied
with targets from the team's own history (the target suggestion: commit for a committed
objective, stretch for an aspirational one) instead of a fixed percentage. Read-only: the plan
it returns goes through `services.plan_apply`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from recoup.core.errors import RecoupError
from recoup.okrs import kpi, selectors
from recoup.okrs.models import Commitment, Cycle, KeyResultKind
from recoup.okrs.templates import (
    FLOW_WINDOW_DAYS,
    TEMPLATES,
    TemplateKeyResult,
    TemplateObjective,
    flow_window,
    template_as_plan,
)

# Kinds whose target is a destination the team's history can suggest; "stay above / below" keep
# the template's policy value (95 % of decisions by the rules is a rule, not a trend).
SUGGESTED_KINDS = frozenset({KeyResultKind.INCREASE_TO, KeyResultKind.DECREASE_TO})


@dataclass(frozen=True, slots=True)
class TemplateOffer:
    template: TemplateObjective
    missing: tuple[str, ...]  # why it is not offered: KPIs without a value, in words

    @property
    def offered(self) -> bool:
        return not self.missing


def _filters(team: str) -> dict[str, list[str]]:
    return {"team": [team]} if team else {}


def _start(cycle: Cycle, today: date) -> date:
    # A cycle that has not started yet is judged on the ledger as it stands today.
    return min(cycle.starts_on, today)


def _problem(kr: TemplateKeyResult, title: str, *, as_of: date, team: str) -> str:
    """Why `kr` cannot be measured for `team` from `as_of`, or ""."""
    try:
        reading = kpi.kpi_evaluate(
            metric=kr.metric,
            as_of=as_of,
            params=kr.params,
            filters=_filters(team),
            window_days=flow_window(kr.metric),
        )
    except RecoupError:
        # Credit decisions, for one, are kept per segment and country, not per team.
        return f"{title} is not kept per team: choose the whole organisation"
    if reading.value is None:
        return f"{title} has no value on {as_of:%-d %b %Y}"
    return ""


def template_offers(*, cycle: Cycle, team: str, today: date) -> list[TemplateOffer]:
    """Every template, each with what keeps it from producing valid key results (nothing when
    it is offered). The KPIs are read in one pass where they can be."""
    definitions = kpi.kpi_definitions()
    as_of = _start(cycle, today)
    needed = {kr.metric: kr for t in TEMPLATES for kr in t.key_results if kr.metric}
    problems: dict[str, str] = {}
    try:
        values = kpi.kpi_values(
            metrics=sorted(needed),
            as_of=as_of,
            filters=_filters(team),
            window_days=FLOW_WINDOW_DAYS,
        )
    except RecoupError:
        values = None  # one KPI is not kept per team: ask each on its own to say which
    for metric, kr in needed.items():
        title = definitions[metric].title if metric in definitions else metric
        if values is None or kr.params:
            problems[metric] = _problem(kr, title, as_of=as_of, team=team)
        elif values.get(metric) is None:
            problems[metric] = f"{title} has no value on {as_of:%-d %b %Y}"
    return [
        TemplateOffer(
            template,
            tuple(p for kr in template.key_results if kr.metric and (p := problems.get(kr.metric))),
        )
        for template in TEMPLATES
    ]


def suggested_target(
    kr: TemplateKeyResult, *, cycle: Cycle, team: str, stretch: bool, today: date
) -> Decimal | None:
    """The team's commit (or stretch) target for `kr`; None when the template's own target
    stays: a policy value, no history to read, or a history without improvement."""
    if not kr.metric or kr.kind not in SUGGESTED_KINDS:
        return None
    starts = _start(cycle, today)
    try:
        suggestion = selectors.target_suggest(
            metric=kr.metric,
            params=kr.params,
            filters=_filters(team),
            starts_on=starts,
            ends_on=starts + (cycle.ends_on - cycle.starts_on),
            window_days=flow_window(kr.metric),
        )
    except RecoupError:
        return None
    chosen = suggestion.stretch if stretch else suggestion.commit
    better = (
        chosen > suggestion.baseline
        if suggestion.higher_is_better
        else chosen < suggestion.baseline
    )
    # A team that has rarely improved this KPI: the template's own change sets the bar.
    return chosen if better else None


def template_plan(
    template: TemplateObjective,
    *,
    cycle: Cycle,
    team: str,
    owner: str,
    commitment: str,
    today: date,
) -> dict[str, Any]:
    """The plan document that applies `template` to `cycle` for `team`, owned by `owner`."""
    objective = template_as_plan(template, owner=owner, team=team)
    objective["commitment"] = commitment
    stretch = commitment == Commitment.ASPIRATIONAL
    for item, kr in zip(objective["key_results"], template.key_results, strict=True):
        target = suggested_target(kr, cycle=cycle, team=team, stretch=stretch, today=today)
        if target is not None:
            item["target"] = format(target, "f")
    return {
        "cycle": {
            "name": cycle.name,
            "starts_on": cycle.starts_on.isoformat(),
            "ends_on": cycle.ends_on.isoformat(),
        },
        "objectives": [objective],
    }
