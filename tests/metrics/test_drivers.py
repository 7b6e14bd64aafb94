"""Why a number moved: the drivers of a week's change add up exactly to the change.

On the demo ledger, for every kind of KPI (amounts, counts, ratios and day counts), split by each
dimension it allows, on DuckDB and (when the database is PostgreSQL) on PostgreSQL; then the CLI's
JSON, the API's scope and its refusals of bad input.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from recoup.accounts.models import Role, Team, User
from recoup.accounts.scope import Scope
from recoup.demo.services import demo_ledger_generate
from recoup.metrics.catalogue import CATALOGUE, MetricInputError
from recoup.metrics.drivers import OVERLAP, allocate_to
from recoup.metrics.selectors import metric_drivers
from tests.metrics.conftest import engine_names

pytestmark = pytest.mark.django_db

FROM, TO = date(2024, 6, 23), date(2024, 6, 30)
ORG = Scope.organisation("test")
# One KPI of each kind, each split by the dimensions the issue names where it has them.
KINDS = {
    "ar_total": ("bucket", "team", "collector", "segment"),  # amount
    "ar_by_bucket": ("bucket", "team"),  # amount, always grouped by bucket
    "open_invoices_count": ("bucket", "team", "collector", "segment"),  # count
    "accounts_90_plus": ("team", "bucket"),  # count of distinct customers
    "pct_90_plus": ("bucket", "team", "collector", "segment"),  # ratio of amounts
    "delinquency_rate": ("team", "segment"),  # ratio
    "dso": ("team", "collector", "segment", "currency"),  # days: receivables / sales x window
    "add": ("team",),  # days: (receivables - current) / sales x window
    "cash_collected": ("team", "segment"),  # flow amount
    "contact_rate": ("team", "collector"),  # flow ratio of counts
}


@pytest.fixture
def demo() -> None:
    demo_ledger_generate(invoices=600, seed=7, as_of=TO)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("engine", engine_names())
def test_the_parts_add_up_exactly_to_the_change_for_every_kind(engine: str) -> None:
    moved = 0
    for metric, dims in KINDS.items():
        for by in dims:
            d = metric_drivers(
                metric=metric, from_day=FROM, to_day=TO, by=by, scope=ORG, engine=engine
            )
            assert d.from_value is not None, (metric, by)
            assert d.to_value is not None, (metric, by)
            assert d.change == d.to_value - d.from_value
            exact = sum((c.exact for c in d.contributions), Fraction(0))
            shown = sum((c.value for c in d.contributions), Decimal(0))
            assert shown == d.change, (metric, by)
            # Exact: the unrounded parts are the unrounded change, not merely close to it.
            assert abs(exact - Fraction(d.change)) < Fraction(1, 100), (metric, by)
            assert all(set(c.dims) == {by} for c in d.contributions)
            moved += d.change != 0
    assert moved > 10


@pytest.mark.usefixtures("demo")
def test_a_ratio_part_is_exact_against_the_two_whole_values() -> None:
    by_team = metric_drivers(metric="pct_90_plus", from_day=FROM, to_day=TO, by="team", scope=ORG)
    by_bucket = metric_drivers(
        metric="pct_90_plus", from_day=FROM, to_day=TO, by="bucket", scope=ORG
    )
    # Two splits of one change: their exact parts add up to the same number.
    assert sum(c.exact for c in by_team.contributions) == sum(
        c.exact for c in by_bucket.contributions
    )
    teams = {c.dims["team"] for c in by_team.contributions}
    assert teams <= {"North", "South", "Enterprise", "(none)"}


@pytest.mark.usefixtures("demo")
def test_groups_that_overlap_keep_the_overlap_as_its_own_part() -> None:
    d = metric_drivers(metric="accounts_90_plus", from_day=FROM, to_day=TO, by="bucket", scope=ORG)
    assert d.change is not None
    assert sum(c.value for c in d.contributions) == d.change
    assert d.largest is None or d.largest.dims["bucket"] != OVERLAP


def test_rounding_is_spread_so_the_shown_parts_add_up() -> None:
    thirds = {"a": Fraction(1, 3), "b": Fraction(1, 3), "c": Fraction(1, 3)}
    assert allocate_to(thirds, Decimal("1.00"), Decimal("0.01")) == {
        "a": Decimal("0.34"),
        "b": Decimal("0.33"),
        "c": Decimal("0.33"),
    }
    # The shown change may differ from the exact one by a unit: the parts follow the shown one.
    got = allocate_to(thirds, Decimal("0.99"), Decimal("0.01"))
    assert sum(got.values()) == Decimal("0.99")
    negative = allocate_to({"a": Fraction(-5, 3), "b": Fraction(2, 3)}, Decimal(-1), Decimal(1))
    assert negative == {"a": Decimal(-2), "b": Decimal(1)}


@pytest.mark.usefixtures("demo")
def test_bad_requests_name_what_is_wrong() -> None:
    with pytest.raises(MetricInputError, match="unknown metric"):
        metric_drivers(metric="nope", from_day=FROM, to_day=TO, by="team", scope=ORG)
    with pytest.raises(MetricInputError, match="cannot split by 'channel'"):
        metric_drivers(metric="ar_total", from_day=FROM, to_day=TO, by="channel", scope=ORG)
    with pytest.raises(MetricInputError, match="must be before"):
        metric_drivers(metric="ar_total", from_day=TO, to_day=FROM, by="team", scope=ORG)
    with pytest.raises(MetricInputError, match="countback"):
        metric_drivers(metric="dso_countback", from_day=FROM, to_day=TO, by="team", scope=ORG)
    with pytest.raises(MetricInputError, match="method=dso_minus_bpdso"):
        metric_drivers(
            metric="add",
            from_day=FROM,
            to_day=TO,
            by="team",
            scope=ORG,
            params={"method": "invoice"},
        )


def test_every_catalogue_metric_declares_how_it_splits() -> None:
    kinds = {m.split.kind for m in CATALOGUE.values()}
    assert kinds == {"sum", "ratio", "none"}
    for m in CATALOGUE.values():
        if m.split.kind == "none":
            assert m.split.why, m.id


@pytest.mark.usefixtures("demo")
def test_the_cli_prints_the_drivers_as_json() -> None:
    out = StringIO()
    call_command(
        "kpi",
        "drivers",
        "--metric",
        "dso",
        "--from",
        FROM.isoformat(),
        "--to",
        TO.isoformat(),
        "--by",
        "team",
        "--format",
        "json",
        stdout=out,
    )
    body = json.loads(out.getvalue())
    assert set(body) == {"metric", "from_value", "to_value", "change", "contributions"}
    assert body["metric"] == "dso"
    assert Decimal(body["change"]) == Decimal(body["to_value"]) - Decimal(body["from_value"])
    parts = body["contributions"]
    assert {"team"} == {k for c in parts for k in c["dims"]}
    assert sum(Decimal(c["value"]) for c in parts) == Decimal(body["change"])
    table = StringIO()
    call_command(
        "kpi",
        "drivers",
        "--metric",
        "ar_total",
        "--from",
        FROM.isoformat(),
        "--to",
        TO.isoformat(),
        "--by",
        "bucket",
        "--filter",
        "team=North",
        stdout=table,
    )
    assert "change" in table.getvalue()
    with pytest.raises(CommandError, match="--by"):
        call_command(
            "kpi",
            "drivers",
            "--metric",
            "dso",
            "--from",
            "2024-06-01",
            "--to",
            "2024-06-30",
            stdout=StringIO(),
        )


def _client(role: str, team: str | None = None) -> Client:
    user = User.objects.create_user(
        username=f"u-{role}-{team}", password="a long pass phrase 42", role=role
    )
    if team is not None:
        Team.objects.get(name=team).members.add(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("demo")
def test_the_api_answers_within_the_askers_scope() -> None:
    url = "/api/metrics/ar_total/drivers"
    query = {"from": FROM.isoformat(), "to": TO.isoformat(), "by": "team"}
    everything = _client(Role.ADMIN).get(url, query)
    assert everything.status_code == 200
    teams = {c["dims"]["team"] for c in everything.json()["contributions"]}
    assert len(teams) > 1
    # Managers and admins see the whole ledger; a collector of North only North's book.
    collector = _client(Role.COLLECTOR, "North")
    north = collector.get(url, query)
    assert north.status_code == 200
    body = north.json()
    assert {c["dims"]["team"] for c in body["contributions"]} == {"North"}
    assert sum(Decimal(c["value"]) for c in body["contributions"]) == Decimal(body["change"])
    assert body["change"] != everything.json()["change"]
    beyond = collector.get(url, {**query, "filter": "team=South"})
    assert beyond.status_code == 403


@pytest.mark.usefixtures("demo")
def test_the_api_refuses_bad_input_with_a_clear_4xx() -> None:
    client = _client(Role.ADMIN)
    ok = {"from": FROM.isoformat(), "to": TO.isoformat(), "by": "team"}
    cases = [
        ("/api/metrics/nope/drivers", ok, "unknown metric"),
        ("/api/metrics/ar_total/drivers", {**ok, "by": "planet"}, "planet"),
        ("/api/metrics/ar_total/drivers", {**ok, "from": "2024-13-01"}, "from"),
        ("/api/metrics/ar_total/drivers", {**ok, "from": TO.isoformat()}, "before"),
    ]
    for url, query, words in cases:
        response = client.get(url, query)
        assert response.status_code == 422, (url, query)
        assert words in response.json()["detail"], response.json()
    missing = client.get("/api/metrics/ar_total/drivers", {"from": FROM.isoformat()})
    assert missing.status_code == 422
