"""`recoup okr`: apply, status, check-in, override, history, forecast, audit, templates, tree."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.okrs.models import CheckIn, Cycle, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.selectors import plan_audit
from recoup.okrs.templates import TEMPLATES, templates_yaml
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db

SEED_CREDIT_PLAN = """\
cycle: {name: Q4, starts_on: 2026-10-01, ends_on: 2026-12-31}
objectives:
  - title: Reduce Credit Delinquency Rate by 15% by Q4
    key_results:
      - title: Implement enhanced credit scoring models for all new applicants
        kind: milestone
      - title: Increase frequency of customer payment reminders from monthly to bi-weekly
        kind: milestone
      - title: Conduct training sessions for collections team on negotiation techniques
        kind: milestone
"""


def _run(*args: str) -> str:
    out = StringIO()
    call_command("okr", *args, stdout=out)
    return out.getvalue()


def test_apply_prints_what_it_created_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    first = _run("apply", str(plan))
    assert "create cycle 2026-Q3" in first
    assert "create key result cash/ninety" in first
    assert _run("apply", str(plan)).strip() == "cycle 2026-Q3: nothing to change"


def test_apply_reports_errors_with_file_and_line_and_no_traceback(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.replace("target: 80", "target: eighty"))
    with pytest.raises(CommandError) as info:
        _run("apply", str(plan))
    assert str(info.value) == (
        f"{plan}:32: objectives[0].key_results[1].target: expected a number, or a change such as "
        "-20%, got 'eighty'"
    )
    assert not Cycle.objects.exists()


def test_apply_names_a_missing_file() -> None:
    with pytest.raises(CommandError, match=r"cannot read /nowhere/plan\.yaml"):
        _run("apply", "/nowhere/plan.yaml")


@time_machine.travel("2026-07-08 10:00Z", tick=False)
def test_status_as_table_and_json(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PLAN)
    _run("apply", str(tmp_path / "p.yaml"))
    _run(
        "checkin", "cash/ninety", "--value", "480000", "--confidence", "on_track", "--author", "ana"
    )
    table = _run("status")
    assert "2026-Q3  2026-07-01 .. 2026-09-30  as of 2026-07-08" in table
    assert (
        "- cash/ninety: 480000 USD (baseline 500000, target 400000)  progress 20% expected 8%  on_track"
        in table
    )
    data = json.loads(_run("status", "--format", "json", "--cycle", "2026-Q3"))
    kr = data["objectives"][0]["key_results"][0]
    assert kr["progress"] == 0.2
    assert kr["status"] == "on_track"
    assert kr["owner"] == "ana"


def test_checkin_errors_are_clear(quarter: Cycle) -> None:
    with pytest.raises(CommandError, match="--value 'lots' is not a number"):
        _run("checkin", "cash/ninety", "--value", "lots", "--confidence", "on_track")
    with pytest.raises(CommandError, match="--confidence is required"):
        _run("checkin", "cash/ninety", "--value", "1")
    with pytest.raises(CommandError, match="no key result 'cash/nothing'"):
        _run("checkin", "cash/nothing", "--value", "1", "--confidence", "on_track")
    with pytest.raises(CommandError, match="no user 'zoe'"):
        _run(
            "checkin", "cash/ninety", "--value", "1", "--confidence", "on_track", "--author", "zoe"
        )
    assert not CheckIn.objects.exists()


def test_override_history_and_forecast_from_the_command_line(quarter: Cycle) -> None:
    for day, value in [
        ("07-06", "495000"),
        ("07-13", "482000"),
        ("07-20", "470000"),
        ("07-27", "455000"),
    ]:
        with time_machine.travel(f"2026-{day} 09:00Z", tick=False):
            _run("checkin", "cash/ninety", "--value", value, "--confidence", "on_track")
    assert "cash/ninety is now at_risk: auditor review" in _run(
        "override", "cash/ninety", "--status", "at_risk", "--reason", "auditor review"
    )
    with pytest.raises(CommandError, match="a reason is required"):
        _run("override", "cash/ninety", "--status", "off_track")
    history = _run("history", "cash/ninety").splitlines()
    assert len(history) == 4
    assert history[0].startswith("2026-07-06  495000.000000  on_track")
    forecast = json.loads(
        _run("forecast", "cash/ninety", "--as-of", "2026-07-28", "--format", "json")
    )
    assert forecast["points"] == 5  # the baseline at cycle start and four check-ins
    assert forecast["probability"] > 0.9
    assert forecast["projected_end_value"] < 400000


def test_audit_of_a_plan_file_names_lines_and_recognises_tasks(tmp_path: Path) -> None:
    plan = tmp_path / "seed.yaml"
    plan.write_text(SEED_CREDIT_PLAN)
    out = _run("audit", str(plan))
    assert out.startswith(f"{plan}: plan score ")
    assert (
        "key result reduce-credit-delinquency-rate-by-15-by-q4/implement-enhanced-credit-scoring-models-for-all-new-applicants (line 5): starts with 'implement'"
        in out
    )
    assert (
        "objective reduce-credit-delinquency-rate-by-15-by-q4 (line 3): the objective carries a number"
        in out
    )
    data = json.loads(_run("audit", str(plan), "--format", "json"))
    assert {f["rule"] for f in data["findings"]} >= {
        "outcome_not_task",
        "objective_without_numbers",
        "one_owner",
    }


def test_audit_of_a_stored_cycle(quarter: Cycle) -> None:
    data = json.loads(_run("audit", "--cycle", "2026-Q3", "--format", "json"))
    rules = {(f["rule"], f["item"]) for f in data["findings"]}
    # Two objectives for North (3-4 is the sweet spot) and all key results owned.
    assert ("objectives_per_team", "team North") in rules
    assert not {r for r in rules if r[0] == "one_owner"}


def test_templates_are_listed_and_export_as_a_plan_that_reads_and_audits_cleanly() -> None:
    listing = _run("templates")
    assert "shrink-90-plus  (debt collection)" in listing
    assert "<accounts_90_plus>" in listing
    text = _run("templates", "--format", "yaml", "--team", "North", "--owner", "ana")
    body = yaml.safe_load(text)
    assert len(body["objectives"]) == len(TEMPLATES)
    plan = plan_parse(
        "cycle: {name: Q, starts_on: 2026-07-01, ends_on: 2026-09-30}\n"
        + templates_yaml(team="North", owner="ana")
    )
    report = plan_audit(plan=plan)
    assert not [
        f
        for f in report.findings
        if f.rule in ("outcome_not_task", "activity_only", "one_owner", "unknown_metric")
    ]
    with pytest.raises(CommandError, match="no template 'nope'"):
        _run("templates", "--id", "nope")


def test_every_template_kpi_is_in_the_catalogue() -> None:
    from recoup.okrs.kpi import kpi_definitions

    known = kpi_definitions()
    bound = [kr.metric for t in TEMPLATES for kr in t.key_results if kr.metric]
    assert bound
    assert [m for m in bound if m not in known] == []


def test_the_tree_command_prints_the_alignment(quarter: Cycle) -> None:
    tree = json.loads(_run("tree", "--cycle", "2026-Q3"))
    assert tree[0]["key"] == "cash"
    assert tree[0]["children"][0]["key"] == "fair"


def test_status_without_any_cycle_says_how_to_start() -> None:
    with pytest.raises(CommandError, match="apply a plan"):
        _run("status")


def test_the_calendar_command_prints_the_feed(quarter: Cycle) -> None:
    feed = _run("calendar", "--cycle", "2026-Q3")
    # The weekly check-in and each key result's due date (none of the initiatives has one).
    assert feed.count("BEGIN:VEVENT") == 1 + KeyResult.objects.count()
    assert "SUMMARY:2026-Q3: weekly check-in" in feed
    assert "SUMMARY:Key result due: Call audit passed" in feed
