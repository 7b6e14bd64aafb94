"""`recoup kpi`: output formats, the generated docs, explain, and exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.metrics.docs import catalogue_markdown
from tests.metrics.builder import Ledger

pytestmark = pytest.mark.django_db


def kpi(*args: str) -> str:
    out = io.StringIO()
    call_command("kpi", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger()
    ledger.customer("Acme", team="North", segment="SMB")
    ledger.customer("Bolt", team="South", segment="Mid")
    first = ledger.invoice("Acme", "100.00", issued="2024-01-05", due="2024-02-04")
    ledger.invoice("Bolt", "30.10", issued="2024-03-01", due="2024-03-31")
    ledger.pay(first, "40.00", on="2024-03-10")
    return ledger


def test_json_output_has_the_documented_shape(ledger: Ledger) -> None:
    body = json.loads(
        kpi("--as-of", "2024-03-31", "--metric", "ar_total", "--by", "team", "--format", "json")
    )
    assert set(body) == {"as_of", "data_as_of", "engine", "freshness", "results"}
    assert (body["as_of"], body["data_as_of"], body["engine"]) == (
        "2024-03-31",
        "2024-03-10",
        "duckdb",
    )
    assert {r["dims"]["team"]: r["value"] for r in body["results"]} == {
        "North": "60.00",
        "South": "30.10",
    }
    assert body["results"][0]["unit"] == "money"
    assert body["results"][0]["params"] == {"anchor": "due", "buckets": "30,60,90,120"}


def test_a_flow_over_a_period_with_a_parameter_and_a_filter(ledger: Ledger) -> None:
    body = json.loads(
        kpi(
            "--from", "2024-03-01", "--to", "2024-03-31", "--metric", "cash_collected",
            "--metric", "dso", "--param", "dso.window=30", "--filter", "segment=SMB",
            "--format", "json",
        )
    )  # fmt: skip
    values = {r["metric"]: r["value"] for r in body["results"]}
    assert values["cash_collected"] == "40.00"
    assert values["dso"] is None  # SMB invoiced nothing in the last 30 days: undefined
    assert body["results"][1]["params"] == {"window": "30"}


def test_csv_output_and_a_monthly_series(ledger: Ledger) -> None:
    text = kpi(
        "--from", "2024-01-01", "--to", "2024-03-31", "--grain", "month",
        "--metric", "ar_total", "--format", "csv",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["as_of"], r["value"]) for r in rows] == [
        ("2024-01-31", "100.00"),
        ("2024-02-29", "100.00"),
        ("2024-03-31", "90.10"),
    ]


def test_the_table_says_which_data_date_it_reflects(ledger: Ledger) -> None:
    text = kpi("--as-of", "2024-03-31", "--metric", "ar_by_bucket")
    assert "data as of 2024-03-10" in text
    assert "31-60" in text


def test_explain_prints_the_compiled_sql_and_its_parameters(ledger: Ledger) -> None:
    text = kpi(
        "explain", "--as-of", "2024-03-31", "--metric", "ar_90_plus", "--filter", "team=North"
    )
    assert "as_of = 2024-03-31" in text
    assert "ledger_invoice" in text
    assert "'North'" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "nope"], "unknown metric 'nope'"),
        (["--metric", "ar_total", "--by", "planet"], "unknown dimension"),
        (["--as-of", "2024-02-30"], "expected a date"),
        (["--from", "2024-03-01", "--to", "2024-01-01"], "is after --to"),
        (["--metric", "dso", "--param", "dso.weeks=3"], "does not take parameter 'weeks'"),
        (["--metric", "dso", "--param", "window=3"], "expected METRIC.NAME=VALUE"),
        (["--metric", "dso", "--by", "bucket"], "cannot be grouped or filtered by 'bucket'"),
        (["--metric", "ar_total", "--filter", "team"], "expected DIMENSION=VALUE"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_code_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        kpi(*args)
    assert caught.value.returncode == 2


def test_the_committed_metrics_doc_is_generated_from_the_catalogue() -> None:
    committed = Path(__file__).parents[2] / "docs" / "metrics.md"
    assert committed.read_text() == catalogue_markdown(), (
        "docs/metrics.md is stale: run `recoup kpi docs > docs/metrics.md`"
    )
    assert kpi("docs") == catalogue_markdown()


def test_as_user_computes_within_that_persons_book(ledger: Ledger) -> None:
    from recoup.accounts.models import Role, Team
    from recoup.accounts.services import team_member_add, user_create

    nina = user_create(username="nina", password=None, role=Role.COLLECTOR)
    team_member_add(team=Team.objects.get(name="North"), user=nina)
    args = ("--as-of", "2024-03-31", "--metric", "ar_total", "--format", "json")
    (everything,) = json.loads(kpi(*args))["results"]
    (hers,) = json.loads(kpi(*args, "--as-user", "nina"))["results"]
    assert (everything["value"], hers["value"]) == ("90.10", "60.00")
    with pytest.raises(CommandError, match="team 'South' is not one you may see"):
        kpi(*args, "--as-user", "nina", "--filter", "team=South")
    with pytest.raises(CommandError, match="no such user"):
        kpi(*args, "--as-user", "nobody")
