"""Placement rules written out as YAML and loaded back; a file with mistakes names each one and
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recoup.accounts.models import AuditEntry
from recoup.placements.models import PlacementRule
from recoup.placements.rule_file import RuleFileError, rules_dump, rules_load
from tests.placements.conftest import Book
from tests.placements.rules import rules_add

pytestmark = pytest.mark.django_db


def test_rules_written_out_load_back_the_same(book: Book) -> None:
    rules_add(book)
    text = rules_dump()
    assert "min_open: 5000.00 USD" in text
    assert "agency: AG-LEX" in text
    before = list(PlacementRule.objects.order_by("position").values())
    PlacementRule.objects.all().delete()
    rules_load(actor=book.mona, text=text)
    after = list(PlacementRule.objects.order_by("position").values())
    strip = {"id", "created_at", "updated_at"}
    assert [{k: v for k, v in r.items() if k not in strip} for r in after] == [
        {k: v for k, v in r.items() if k not in strip} for r in before
    ]
    assert AuditEntry.objects.filter(action="placement_rule_save").count() == 8


def test_a_file_with_mistakes_names_each_and_changes_nothing(book: Book) -> None:
    text = """\
rules:
  - name: Old
    agency: AG-NOPE
    min_days_past_due: -3
  - name: Big
    agency: AG-ACME
    min_open: 12,5 USD
    team: West
    colour: red
"""
    with pytest.raises(RuleFileError) as caught:
        rules_load(actor=book.mona, text=text)
    assert caught.value.problems == [
        "rule 1: no agency or lawyer 'AG-NOPE'",
        "rule 1: min_days_past_due is a whole number of days from 0 to 36500",
        "rule 2: unknown keys colour",
        "rule 2: no team named 'West'",
        caught.value.problems[4],
    ]
    assert caught.value.problems[4].startswith("rule 2: min_open '12,5 USD'")
    assert not PlacementRule.objects.exists()


def test_the_command_loads_and_lists_the_rules(
    book: Book, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {name: Late, agency: AG-BETA, min_days_past_due: 60}\n")
    call_command("placements", "rules", "--load", str(path))
    call_command("placements", "rules")
    out = capsys.readouterr().out
    assert "Loaded 1 rules: Late" in out
    assert "1. Late -> AG-BETA (active True, min_days_past_due 60)" in out
    with pytest.raises(CommandError, match="no file"):
        call_command("placements", "rules", "--load", str(tmp_path / "missing.yaml"))
