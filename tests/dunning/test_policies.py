"""Policies from YAML (with every problem named), the default ladder, tolerance and conditions,
overrides, and the `recoup dunning` command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recoup.accounts.models import AuditEntry
from recoup.dunning.models import Level, Policy, Run
from recoup.dunning.policy_file import PolicyFileError, policies_parse
from recoup.dunning.services import override_set, policies_load, run_prepare
from tests.dunning.conftest import Book, default_policy_add

pytestmark = pytest.mark.django_db

TOLERANT = """
policies:
  - name: Tolerant
    default: true
    levels:
      - name: Nudge
        days: 1
        channel: email
        tolerance: 600.00 USD
        templates:
          en: {subject: "Nudge {{ total }}", body: "Pay {{ total }}"}
      - name: Big only
        days: 5
        channel: email
        gap: 3
        min_amount: 1000.00 EUR
        templates:
          en: {subject: "Big {{ total }}", body: "Pay {{ total }}"}
"""


def test_the_default_policy_is_the_ladder_the_product_asks_for(db: None) -> None:
    default_policy_add()  # what the migration gives a new ledger
    policy = Policy.objects.get(is_default=True)
    ladder = [(lv.days, lv.channel) for lv in policy.levels.order_by("position")]
    assert ladder == [(-3, "email"), (7, "email"), (21, "email"), (45, "letter"), (60, "call_task")]
    assert all(lv.templates.count() == 2 for lv in Level.objects.filter(policy=policy))


def test_a_policy_file_names_every_problem() -> None:
    text = """
policies:
  - name: Broken
    levels:
      - {name: A, days: 10, channel: fax, tolerance: "5 dollars"}
      - {name: B, days: 2, channel: email, gap: -1, colour: red}
"""
    with pytest.raises(PolicyFileError) as raised:
        policies_parse(text)
    said = "\n".join(raised.value.problems)
    assert "level 1.channel: one of email, letter, sms, call_task, agency, legal" in said
    assert "level 1.tolerance" in said
    assert "level 2.gap: a whole number from 0 to 3650" in said
    assert "unknown key 'colour'" in said


def test_tolerance_and_conditions_leave_the_right_accounts_alone(book: Book) -> None:
    policies_load(actor=book.mona, text=TOLERANT)
    assert Policy.objects.get(is_default=True).name == "Tolerant"
    run = run_prepare(actor=book.mona, as_of=book.day)
    by_ref = {m.customer.external_id: m for m in run.messages.select_related("customer", "level")}
    # Bravo owes 500.00 USD: under the tolerance of 600.00 USD.
    assert "BRAVO" not in by_ref
    assert run.left_out["tolerance"] >= 1
    # Alpha owes 1,000.00 EUR (never under a USD tolerance) and meets "Big only" later.
    assert by_ref["ALPHA"].level.name == "Nudge"
    assert AuditEntry.objects.filter(action="dunning_policies_load").count() == 1


def test_an_override_pauses_a_customer_until_its_day(book: Book) -> None:
    alpha = book.customers["ALPHA"]
    override_set(
        actor=book.mona,
        customer=alpha,
        reason="In talks with their finance director",
        paused_until=book.day + timedelta(days=3),
    )
    run = run_prepare(actor=book.mona, as_of=book.day)
    assert not run.messages.filter(customer=alpha).exists()
    assert run.left_out["paused"] == 1
    later = run_prepare(actor=book.mona, as_of=book.day + timedelta(days=4))
    assert later.messages.filter(customer=alpha).exists()
    assert AuditEntry.objects.filter(action="dunning_override_set").exists()


def test_the_command_previews_runs_and_lists_policies(book: Book, tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "dunning", "preview", "--as-of", book.day.isoformat(), "--format", "json", stdout=out
    )
    preview = json.loads(out.getvalue())
    customers = {m["customer"]: m for m in preview["messages"]}
    assert customers["ALPHA"]["level"] == "First reminder"
    assert customers["CEASED"]["status"] == "blocked"
    assert preview["left_out"]["an open promise to pay"] == 1
    assert not Run.objects.exists()  # a preview keeps nothing
    out = StringIO()
    call_command("dunning", "run", "--as-of", book.day.isoformat(), stdout=out)
    assert "ready 4" in out.getvalue()
    assert Run.objects.count() == 1
    path = tmp_path / "policies.yaml"
    path.write_text(TOLERANT, encoding="utf-8")
    out = StringIO()
    call_command("dunning", "policies", "--load", str(path), stdout=out)
    assert "Loaded 1 policies: Tolerant" in out.getvalue()
    out = StringIO()
    call_command("dunning", "policies", "--format", "yaml", stdout=out)
    assert "tolerance: 600.00 USD" in out.getvalue()
    with pytest.raises(CommandError, match="no policy named 'Nope'"):
        call_command("dunning", "preview", "--policy", "Nope")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("dunning", "preview", "--as-of", "2026-02-30")
