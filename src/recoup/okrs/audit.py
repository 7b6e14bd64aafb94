"""The plan audit: every OKR-writing rule we hold plans to, each finding with its severity, the
item it is about and a suggested fix, and a plan score (100 minus the weight of the findings).

It reads neutral dataclasses, so a plan file can be audited before it is applied and a stored
cycle the same way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from recoup.okrs.activity import activity_advice, activity_in
from recoup.okrs.models import KeyResultKind

OBJECTIVES_PER_TEAM_IDEAL = (3, 4)
OBJECTIVES_PER_TEAM_WARN_ABOVE = 5
KEY_RESULTS_IDEAL = (3, 4)
KEY_RESULTS_ALLOWED = (2, 5)

# Verbs that start a piece of work rather than a result: such lines are initiatives.
TASK_VERBS = (
    "implement",
    "conduct",
    "launch",
    "integrate",
    "establish",
    "develop",
    "arrange",
    "adopt",
    "research",
    "introduce",
    "create",
    "build",
    "set up",
    "hold",
    "organise",
    "organize",
    "deploy",
    "roll out",
    "train",
    "run",
    "design",
    "automate",
    "hire",
    "migrate",
    "publish",
    "monitor",
    "report",
    "review",
    "complete",
    "start",
    "begin",
    "write",
    "prepare",
)
# Targets about cash or balances only; beside them a plan needs a quality or compliance measure
# so that nobody hits the cash number by cutting corners with debtors.
CASH_METRICS = frozenset(
    {
        "ar_total",
        "ar_overdue",
        "ar_90_plus",
        "pct_90_plus",
        "accounts_90_plus",
        "open_invoices_count",
        "cash_collected",
        "dso",
        "dso_countback",
        "bpdso",
        "add",
        "cei",
        "recovery_rate",
        "liquidation_rate",
        "delinquency_rate",
        "write_off_ratio",
        "roll_rate",
        "cure_rate",
        "avg_days_to_pay",
        "avg_days_late",
        "pct_current",
        "ar_current",
    }
)
QUALITY_METRICS = frozenset(
    {
        "credit_policy_compliance_rate",
        "dispute_rate",
        "avg_dispute_days",
        "promise_kept_rate",
        "first_call_resolution_rate",
        "qa_score",
        "complaint_rate",
        "compliance_training_completion",
        "non_compliance_issues",
        "invoice_error_rate",
        "customer_satisfaction",
    }
)
QUALITY_WORDS = re.compile(
    r"\b(quality|complian\w*|complaints?|disputes?|satisfaction|qa|audit\w*|errors?|accuracy|"
    r"regulat\w*|ethic\w*|fair)\b",
    re.IGNORECASE,
)
CASH_WORDS = re.compile(
    r"\b(cash|collect\w*|recover\w*|overdue|past due|balances?|dso|receivables?|outstanding|"
    r"delinquen\w*|write.?offs?)\b",
    re.IGNORECASE,
)
NUMBER_IN_TEXT = re.compile(r"\d")

PENALTY = {"error": 15, "warning": 5, "info": 1}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class AuditKeyResult:
    ref: str
    title: str
    kind: str
    owner: str | None
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    metric: str
    due_on: date | None
    line: int | None = None
    target_change_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AuditObjective:
    ref: str
    title: str
    team: str | None
    owner: str | None
    key_results: Sequence[AuditKeyResult]
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    rule: str
    item: str
    message: str
    fix: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AuditReport:
    score: int
    findings: list[Finding] = field(default_factory=list)


_Add = Callable[[Severity, str, str, str, str, int | None], None]


def _task_verb(title: str) -> str | None:
    lowered = title.strip().lower()
    for verb in TASK_VERBS:
        if lowered == verb or lowered.startswith(verb + " "):
            return verb
    return None


def _is_numeric_kind(kind: str) -> bool:
    return kind in {
        KeyResultKind.INCREASE_TO,
        KeyResultKind.DECREASE_TO,
        KeyResultKind.STAY_ABOVE,
        KeyResultKind.STAY_BELOW,
    }


def _is_quality(kr: AuditKeyResult) -> bool:
    return kr.metric in QUALITY_METRICS or bool(QUALITY_WORDS.search(kr.title))


def _is_cash(kr: AuditKeyResult) -> bool:
    return kr.metric in CASH_METRICS or (not kr.metric and bool(CASH_WORDS.search(kr.title)))


def audit_plan(
    *,
    objectives: Sequence[AuditObjective],
    cycle_starts_on: date,
    cycle_ends_on: date,
    known_metrics: frozenset[str] | None = None,
) -> AuditReport:
    findings: list[Finding] = []

    def add(sev: Severity, rule: str, item: str, msg: str, fix: str, line: int | None) -> None:
        findings.append(Finding(sev, rule, item, msg, fix, line))

    by_team: dict[str, list[AuditObjective]] = defaultdict(list)
    for o in objectives:
        by_team[o.team or "(no team)"].append(o)
    for team, items in sorted(by_team.items()):
        n = len(items)
        if n > OBJECTIVES_PER_TEAM_WARN_ABOVE:
            add(
                Severity.WARNING,
                "objectives_per_team",
                f"team {team}",
                f"{n} objectives: more than {OBJECTIVES_PER_TEAM_WARN_ABOVE} spreads the team's focus thin",
                "keep the 3-4 that matter most this quarter; move the rest to business as usual",
                None,
            )
        elif not OBJECTIVES_PER_TEAM_IDEAL[0] <= n <= OBJECTIVES_PER_TEAM_IDEAL[1]:
            add(
                Severity.INFO,
                "objectives_per_team",
                f"team {team}",
                f"{n} objective(s); 3-4 per team is the usual sweet spot",
                "check that the plan covers what matters without diluting focus",
                None,
            )
        cash = [kr for o in items for kr in o.key_results if _is_cash(kr)]
        quality = [kr for o in items for kr in o.key_results if _is_quality(kr)]
        if cash and not quality:
            add(
                Severity.WARNING,
                "counter_metric",
                f"team {team}",
                f"{len(cash)} cash or balance target(s) and no quality or compliance key result beside them",
                "add a counter-metric such as credit_policy_compliance_rate, dispute_rate, promise_kept_rate or a QA score",
                None,
            )

    for o in objectives:
        item = f"objective {o.ref}"
        n = len(o.key_results)
        if not KEY_RESULTS_ALLOWED[0] <= n <= KEY_RESULTS_ALLOWED[1]:
            add(
                Severity.WARNING,
                "key_results_per_objective",
                item,
                f"{n} key result(s); keep between {KEY_RESULTS_ALLOWED[0]} and {KEY_RESULTS_ALLOWED[1]}",
                "aim for 3-4 key results that together prove the objective is met",
                o.line,
            )
        elif not KEY_RESULTS_IDEAL[0] <= n <= KEY_RESULTS_IDEAL[1]:
            add(
                Severity.INFO,
                "key_results_per_objective",
                item,
                f"{n} key results; 3-4 is the usual sweet spot",
                "check whether one key result is missing or two could merge",
                o.line,
            )
        if not o.owner:
            add(
                Severity.WARNING,
                "one_owner",
                item,
                "no owner",
                "name the one person accountable for the objective",
                o.line,
            )
        if NUMBER_IN_TEXT.search(o.title):
            add(
                Severity.WARNING,
                "objective_without_numbers",
                item,
                f"the objective carries a number ({o.title!r}); numbers belong to key results",
                "state the objective qualitatively and move the number into a key result",
                o.line,
            )
        for kr in o.key_results:
            _audit_key_result(kr, add, cycle_starts_on, cycle_ends_on, known_metrics)

    score = max(0, 100 - sum(PENALTY[f.severity] for f in findings))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    findings.sort(key=lambda f: (order[f.severity], f.line or 0, f.item, f.rule))
    return AuditReport(score=score, findings=findings)


def _audit_key_result(
    kr: AuditKeyResult,
    add: _Add,
    starts_on: date,
    ends_on: date,
    known_metrics: frozenset[str] | None,
) -> None:
    item = f"key result {kr.ref}"
    # Effort counters say how busy the team was, not what changed for the receivables. Their
    # advice already says to keep the line as an initiative, so it replaces the task finding.
    activity = activity_in(title=kr.title, unit=kr.unit, metric=kr.metric)
    verb = _task_verb(kr.title)
    if activity is not None:
        message, fix = activity_advice(activity, kr.title)
        add(Severity.WARNING, "activity_only", item, message, fix, kr.line)
    elif verb is not None:
        add(
            Severity.WARNING,
            "outcome_not_task",
            item,
            f"starts with {verb!r}: this describes work to do, an initiative, not an outcome",
            "move it under a key result as an initiative, and state the number it should move",
            kr.line,
        )
    if not kr.owner:
        add(
            Severity.WARNING,
            "one_owner",
            item,
            "no owner",
            "name the one person who checks it in each week",
            kr.line,
        )
    if _is_numeric_kind(kr.kind):
        missing = [
            name
            for name, present in (
                ("target", kr.target is not None or kr.target_change_pct is not None),
                # A KPI-bound key result reads its baseline at cycle start.
                (
                    "baseline",
                    kr.baseline is not None
                    or bool(kr.metric)
                    or kr.kind in (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW),
                ),
                ("unit", bool(kr.unit)),
            )
            if not present
        ]
        if missing:
            add(
                Severity.ERROR,
                "measurable",
                item,
                f"not measurable: no {', '.join(missing)}",
                "give a baseline, a target and a unit, or bind it to a KPI",
                kr.line,
            )
        if kr.baseline is not None and kr.target is not None:
            if kr.kind == KeyResultKind.INCREASE_TO and kr.target <= kr.baseline:
                add(
                    Severity.ERROR,
                    "direction",
                    item,
                    f"'increase to' with a target ({kr.target}) not above the baseline ({kr.baseline})",
                    "raise the target or use 'decrease to'",
                    kr.line,
                )
            if kr.kind == KeyResultKind.DECREASE_TO and kr.target >= kr.baseline:
                add(
                    Severity.ERROR,
                    "direction",
                    item,
                    f"'decrease to' with a target ({kr.target}) not below the baseline ({kr.baseline})",
                    "lower the target or use 'increase to'",
                    kr.line,
                )
    if kr.due_on is not None and not starts_on <= kr.due_on <= ends_on:
        add(
            Severity.WARNING,
            "time_bound",
            item,
            f"due {kr.due_on}, outside the cycle {starts_on} .. {ends_on}",
            "set a due date inside the cycle or move it to the cycle it belongs to",
            kr.line,
        )
    if kr.metric and known_metrics is not None and kr.metric not in known_metrics:
        add(
            Severity.ERROR,
            "unknown_metric",
            item,
            f"KPI {kr.metric!r} is not in the catalogue",
            "use a KPI id from `recoup kpi --list` or record it as a custom metric",
            kr.line,
        )
