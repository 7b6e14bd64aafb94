"""Reading plan files: shapes, values and errors that name the line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.okrs.plan import PlanError, plan_parse

D = Decimal  # short for the many literals below

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "okrs"

MINIMAL = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
objectives:
  - title: Get the long-overdue book under control
    owner: ana
    key_results:
      - title: Fewer customers more than 90 days past due
        kind: decrease_to
        unit: count
        target: -20%
        metric:
          id: accounts_90_plus
          filters: {team: North}
      - key: qa
        title: QA score
        kind: increase to
        unit: points
        baseline: 72
        target: 82.5
        initiatives:
          - title: Coach on customer feedback monthly
            status: in progress
"""


def _problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(PlanError) as info:
        plan_parse(text, source="p.yaml")
    return info.value.problems


def test_a_minimal_plan_reads_with_defaults_and_exact_numbers() -> None:
    plan = plan_parse(MINIMAL)
    assert plan.cycle.name == "2026-Q3"
    assert plan.cycle.starts_on == date(2026, 7, 1)
    assert plan.cycle.checkin_weekday == 0
    assert (plan.cycle.on_track_within, plan.cycle.at_risk_within) == (10, 25)
    objective = plan.objectives[0]
    assert objective.key == "get-the-long-overdue-book-under-control"
    assert objective.commitment == "committed"
    kr, qa = objective.key_results
    assert kr.target is None
    assert kr.target_change_pct == D(-20)
    assert kr.metric == "accounts_90_plus"
    assert kr.metric_filters == {"team": ["North"]}
    assert qa.kind == "increase_to"
    assert qa.target == D("82.5")
    assert str(qa.target) == "82.5"
    assert qa.initiatives[0].status == "in_progress"
    assert qa.line == 16


def test_unknown_fields_are_reported_with_their_line() -> None:
    text = MINIMAL.replace("    owner: ana\n", "    owner: ana\n    ownr: bob\n")
    assert _problems(text) == [
        (
            8,
            "objectives[0].ownr: unknown field; expected one of commitment, description, "
            "key, key_results, owner, parent, team, title",
        )
    ]


def test_bad_values_name_the_line_the_field_and_what_was_expected() -> None:
    text = (
        MINIMAL.replace("ends_on: 2026-09-30", "ends_on: 30/09/2026")
        .replace("kind: increase to", "kind: grow")
        .replace("baseline: 72", "baseline: lots")
    )
    problems = _problems(text)
    assert (4, "cycle.ends_on: expected a date YYYY-MM-DD, got '30/09/2026'") in problems
    assert any(line == 18 and "kind: expected one of increase_to" in msg for line, msg in problems)
    assert (20, "objectives[0].key_results[1].baseline: expected a number, got 'lots'") in problems


def test_missing_required_fields_are_reported() -> None:
    problems = _problems(
        "cycle:\n  name: Q\n  starts_on: 2026-07-01\nobjectives:\n  - owner: ana\n"
    )
    assert (2, "cycle.ends_on: is required") in problems
    assert (5, "objectives[0].title: is required") in problems


def test_a_cycle_that_ends_before_it_starts_is_refused() -> None:
    problems = _problems("cycle:\n  name: Q\n  starts_on: 2026-07-01\n  ends_on: 2026-06-30\n")
    assert problems == [(4, "cycle.ends_on: must be after starts_on (2026-07-01)")]


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    text = MINIMAL.replace(
        "      - key: qa\n", "      - key: fewer-customers-more-than-90-days-past-due\n"
    )
    problems = _problems(text)
    assert (
        16,
        "key result get-the-long-overdue-book-under-control/fewer-customers-more-than-90-days-past-due: key already used on line 9",
    ) in problems


def test_a_duplicated_yaml_key_is_refused() -> None:
    problems = _problems(
        "cycle:\n  name: A\n  name: B\n  starts_on: 2026-07-01\n  ends_on: 2026-09-30\n"
    )
    assert problems == [(3, "'name' appears twice (first on line 2)")]


def test_yaml_syntax_errors_name_the_line() -> None:
    problems = _problems("cycle:\n  name: [unclosed\n  starts_on: 2026-07-01\n")
    assert len(problems) == 1
    assert problems[0][1].startswith("not valid YAML")
    assert problems[0][0] in (3, 4)


def test_an_empty_plan_is_refused() -> None:
    assert _problems("") == [(1, "the plan is empty; it needs at least a cycle")]


def test_a_negative_weight_is_refused() -> None:
    text = MINIMAL.replace("        unit: points\n", "        unit: points\n        weight: -1\n")
    assert any("weight: expected a positive number" in msg for _, msg in _problems(text))


def test_the_error_message_lists_problems_as_file_line_message() -> None:
    with pytest.raises(PlanError) as info:
        plan_parse("cycle: 3\n", source="plan.yaml")
    assert str(info.value) == "plan.yaml:1: cycle: expected a mapping of fields, got '3'"


@pytest.mark.parametrize("name", ["debt-collection.yaml", "credit-management.yaml"])
def test_the_example_plans_read_cleanly(name: str) -> None:
    plan = plan_parse((EXAMPLES / name).read_text(), source=name)
    assert len(plan.objectives) == 3
    assert all(kr.owner for o in plan.objectives for kr in o.key_results)


def test_anchors_and_aliases_are_refused_so_a_plan_cannot_explode() -> None:
    text = (
        "cycle: {name: Q, starts_on: 2026-07-01, ends_on: 2026-09-30}\n"
        "teams: &t [North]\n"
        "objectives:\n"
        "  - {title: A, key_results: *t}\n"
    )
    problems = _problems(text)
    assert (2, "anchors and aliases (&name, *name) are not supported in plans") in problems


def test_control_characters_are_refused_with_their_line() -> None:
    problems = _problems("cycle:\n  name: Q\x1f\n")
    assert problems == [(2, "not valid YAML: character 31 is not allowed")]
