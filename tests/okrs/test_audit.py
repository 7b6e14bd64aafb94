"""The plan audit: each rule fires on a plan that breaks it and stays quiet on one that keeps it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recoup.okrs.audit import AuditKeyResult, AuditObjective, Severity, audit_plan

START, END = date(2026, 7, 1), date(2026, 9, 30)


def _kr(ref: str, title: str, **kw: object) -> AuditKeyResult:
    fields: dict[str, object] = {
        "kind": "decrease_to",
        "owner": "ana",
        "unit": "percent",
        "baseline": Decimal(30),
        "target": Decimal(20),
        "metric": "",
        "due_on": None,
    }
    fields.update(kw)
    return AuditKeyResult(ref=ref, title=title, **fields)  # type: ignore[arg-type]


GOOD_KRS = [
    _kr("o/a", "Share of the book more than 90 days past due", metric="pct_90_plus"),
    _kr("o/b", "Days sales outstanding", unit="days", metric="dso"),
    _kr(
        "o/c",
        "Decisions that follow the credit policy",
        kind="stay_above",
        target=Decimal(95),
        baseline=None,
        metric="credit_policy_compliance_rate",
    ),
]


def _objective(
    ref: str = "o", title: str = "Get the long-overdue book under control", **kw: object
) -> AuditObjective:
    fields: dict[str, object] = {"team": "North", "owner": "ana", "key_results": GOOD_KRS}
    fields.update(kw)
    return AuditObjective(ref=ref, title=title, **fields)  # type: ignore[arg-type]


def _rules(
    objectives: list[AuditObjective], known: frozenset[str] | None = None
) -> set[tuple[str, str]]:
    report = audit_plan(
        objectives=objectives, cycle_starts_on=START, cycle_ends_on=END, known_metrics=known
    )
    return {(f.rule, f.item) for f in report.findings}


def _three_good() -> list[AuditObjective]:
    return [_objective(f"o{i}") for i in range(3)]


def test_a_well_formed_plan_has_no_findings_and_a_full_score() -> None:
    report = audit_plan(
        objectives=_three_good(), cycle_starts_on=START, cycle_ends_on=END, known_metrics=None
    )
    assert report.findings == []
    assert report.score == 100


def test_more_than_five_objectives_per_team_is_a_warning() -> None:
    report = audit_plan(
        objectives=[_objective(f"o{i}") for i in range(6)], cycle_starts_on=START, cycle_ends_on=END
    )
    finding = next(f for f in report.findings if f.rule == "objectives_per_team")
    assert finding.severity == Severity.WARNING
    assert finding.item == "team North"
    assert report.score == 95
    five = audit_plan(
        objectives=[_objective(f"o{i}") for i in range(5)], cycle_starts_on=START, cycle_ends_on=END
    )
    assert [f.severity for f in five.findings if f.rule == "objectives_per_team"] == [Severity.INFO]


def test_key_results_outside_two_to_five_are_a_warning() -> None:
    one = _objective("few", key_results=GOOD_KRS[:1])
    six = _objective("many", key_results=GOOD_KRS * 2)
    rules = _rules([one, six, _objective("ok")])
    assert ("key_results_per_objective", "objective few") in rules
    assert ("key_results_per_objective", "objective many") in rules
    assert ("key_results_per_objective", "objective ok") not in rules


def test_a_key_result_without_target_baseline_or_unit_is_not_measurable() -> None:
    kr = _kr("o/x", "Promise-kept rate", kind="increase_to", target=None, baseline=None, unit="")
    report = audit_plan(
        objectives=[*_three_good(), _objective("x", key_results=[*GOOD_KRS, kr])],
        cycle_starts_on=START,
        cycle_ends_on=END,
    )
    finding = next(f for f in report.findings if f.rule == "measurable")
    assert finding.severity == Severity.ERROR
    assert finding.message == "not measurable: no target, baseline, unit"
    assert "bind it to a KPI" in finding.fix


def test_a_kpi_bound_key_result_needs_no_baseline_in_the_plan() -> None:
    kr = _kr("o/x", "Fewer accounts 90+", baseline=None, metric="accounts_90_plus", unit="count")
    assert ("measurable", "key result o/x") not in _rules([_objective(key_results=[*GOOD_KRS, kr])])


def test_task_like_key_results_are_recognised_as_initiatives() -> None:
    tasks = [
        _kr("o/t1", "Implement enhanced credit scoring models for all new applicants"),
        _kr("o/t2", "Conduct training sessions for collections team on negotiation"),
        _kr("o/t3", "Launch a customer self-service portal for payment arrangements"),
    ]
    rules = _rules([_objective(key_results=tasks)])
    assert {item for rule, item in rules if rule == "outcome_not_task"} == {
        "key result o/t1",
        "key result o/t2",
        "key result o/t3",
    }
    assert not {r for r in _rules(_three_good()) if r[0] == "outcome_not_task"}


def test_key_results_without_an_owner_and_objectives_without_one_are_flagged() -> None:
    rules = _rules(
        [
            _objective(
                owner=None, key_results=[*GOOD_KRS, _kr("o/d", "DSO", owner=None, metric="dso")]
            )
        ]
    )
    assert ("one_owner", "objective o") in rules
    assert ("one_owner", "key result o/d") in rules


def test_numbers_in_an_objective_are_flagged() -> None:
    rules = _rules([_objective(title="Reduce Credit Delinquency Rate by 15% by Q4")])
    assert ("objective_without_numbers", "objective o") in rules
    assert ("objective_without_numbers", "objective o") not in _rules([_objective()])


def test_activity_only_key_results_are_flagged() -> None:
    calls = _kr(
        "o/calls",
        "Increase calls made per collector to 80 a day",
        kind="increase_to",
        baseline=Decimal(60),
        target=Decimal(80),
    )
    rules = _rules([_objective(key_results=[*GOOD_KRS, calls])])
    assert ("activity_only", "key result o/calls") in rules
    assert not {r for r in _rules(_three_good()) if r[0] == "activity_only"}


def _activity_findings(*krs: AuditKeyResult) -> dict[str, tuple[Severity, str, str]]:
    report = audit_plan(
        objectives=[_objective(key_results=[*GOOD_KRS, *krs])],
        cycle_starts_on=START,
        cycle_ends_on=END,
    )
    return {
        f.item: (f.severity, f.message, f.fix) for f in report.findings if f.rule == "activity_only"
    }


def test_effort_counters_are_recognised_by_meaning_and_outcomes_naming_effort_are_not() -> None:
    found = _activity_findings(
        _kr("o/log", "Log 80 calls a day per collector", kind="increase_to", unit="calls"),
        _kr("o/mail", "Send 500 reminder e-mails every week", kind="increase_to", unit="e-mails"),
        _kr("o/unit", "Field coverage", kind="increase_to", unit="visits"),
        _kr("o/kpi", "Collector activity", kind="increase_to", metric="contact_attempts"),
        _kr("o/disp", "Reduce disputes raised after reminder e-mails to under 5 %"),
        _kr("o/rpc", "Right-party contact rate", kind="increase_to", metric="rpc_rate"),
        _kr("o/eff", "Cut calls needed per promise from 6 to 4", unit="calls per promise"),
        _kr("o/cash", "Collect 500 k USD", kind="increase_to", unit="USD"),
    )
    assert set(found) == {
        "key result o/log",
        "key result o/mail",
        "key result o/unit",
        "key result o/kpi",
    }
    assert {severity for severity, _, _ in found.values()} == {Severity.WARNING}


def test_the_activity_finding_says_why_it_matters_and_what_to_measure_instead() -> None:
    found = _activity_findings(
        _kr("o/log", "Log 80 calls a day per collector", kind="increase_to", unit="calls"),
        _kr("o/unit", "Field coverage", kind="increase_to", unit="visits"),
    )
    _, message, fix = found["key result o/log"]
    assert message == (
        "'Log 80 calls a day per collector' counts effort, not a result: the team can hit it "
        "and still collect nothing."
    )
    assert fix == (
        "Keep it as an initiative and measure what the calls should change, e.g. the "
        "promise-to-pay rate or the cash collected from the called accounts."
    )
    _, message, fix = found["key result o/unit"]
    assert message.startswith("'Field coverage' is counted in visits")
    assert "cash collected from the visited accounts" in fix


def test_an_effort_counter_worded_as_a_task_gets_one_finding_not_two() -> None:
    visits = _kr("o/v", "Complete 25 field visits a week", kind="increase_to", unit="visits")
    rules = _rules([_objective(key_results=[*GOOD_KRS, visits])])
    assert ("activity_only", "key result o/v") in rules
    assert ("outcome_not_task", "key result o/v") not in rules


def test_pure_cash_targets_need_a_quality_or_compliance_counter_metric() -> None:
    cash_only = [
        _kr("o/a", "Less money 90 days past due", metric="ar_90_plus", unit="USD"),
        _kr("o/b", "Days sales outstanding", metric="dso", unit="days"),
    ]
    rules = _rules([_objective(key_results=cash_only)])
    assert ("counter_metric", "team North") in rules
    assert ("counter_metric", "team North") not in _rules(_three_good())


def test_a_due_date_outside_the_cycle_is_not_time_bound() -> None:
    late = _kr("o/late", "Share of the book 90+", due_on=date(2026, 12, 31), metric="pct_90_plus")
    assert ("time_bound", "key result o/late") in _rules(
        [_objective(key_results=[*GOOD_KRS, late])]
    )


def test_a_target_on_the_wrong_side_of_the_baseline_is_an_error() -> None:
    wrong = _kr(
        "o/w", "DSO", kind="decrease_to", baseline=Decimal(40), target=Decimal(45), unit="days"
    )
    assert ("direction", "key result o/w") in _rules([_objective(key_results=[*GOOD_KRS, wrong])])


def test_an_unknown_kpi_is_an_error_when_the_catalogue_is_known() -> None:
    typo = _kr("o/t", "DSO", metric="dso_typo", unit="days")
    known = frozenset({"dso", "pct_90_plus", "credit_policy_compliance_rate"})
    assert ("unknown_metric", "key result o/t") in _rules(
        [_objective(key_results=[*GOOD_KRS, typo])], known
    )
    assert ("unknown_metric", "key result o/a") not in _rules([_objective()], known)
