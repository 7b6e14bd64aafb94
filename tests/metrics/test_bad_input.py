"""Far-off and impossible dates and out-of-range parameters, on every metric, through the KPI API
and `recoup kpi`: a 422 or exit status 2 naming what is wrong, never a 500 or a traceback; and
every metric answers at the very edges of the accepted range."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from recoup.accounts.models import Role
from recoup.accounts.services import user_create
from recoup.cli import main
from recoup.core.dates import EARLIEST_DATE, LATEST_DATE
from recoup.metrics.catalogue import CATALOGUE, MetricInputError, Param
from tests.metrics.builder import Ledger

pytestmark = pytest.mark.django_db

METRICS = sorted(CATALOGUE)
OUT_OF_RANGE = "outside the dates Recoup accepts (1900-01-01 to 2200-12-31)"


@pytest.fixture
def client() -> Client:
    user = user_create(username="ada", password="a long pass phrase 42", role=Role.ADMIN)
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger()
    ledger.customer("Acme", team="North")
    ledger.customer("Bolt", team="South")
    first = ledger.invoice("Acme", "100.00", issued="2024-01-05", due="2024-02-04")
    ledger.invoice("Bolt", "30.10", issued="2024-03-01", due="2024-03-31")
    ledger.pay(first, "40.00", on="2024-02-10")
    return ledger


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_refuses_far_off_dates_with_422_naming_the_parameter(
    client: Client, metric: str
) -> None:
    asks = [
        ("", {"as_of": "0001-01-01"}, "as_of"),
        ("", {"as_of": "9999-12-31"}, "as_of"),
        ("", {"as_of": "2024-03-31", "period_from": "0001-01-01"}, "period_from"),
        ("/explain", {"as_of": "0001-01-01"}, "as_of"),
        ("/explain", {"as_of": "2024-03-31", "period_from": "1899-12-31"}, "period_from"),
        ("/series", {"start": "0001-01-01", "end": "2024-03-31"}, "start"),
        ("/series", {"start": "9999-11-01", "end": "9999-12-31"}, "start"),
        ("/series", {"start": "2024-01-01", "end": "2201-01-01"}, "end"),
    ]
    for suffix, query, name in asks:
        response = client.get(f"/api/metrics/{metric}{suffix}", query)
        assert response.status_code == 422, (suffix, query, response.content)
        assert response.json()["detail"].startswith(f"{name}: "), response.json()
        assert OUT_OF_RANGE in response.json()["detail"]


def test_an_impossible_date_is_refused_with_the_calendar_reason(client: Client) -> None:
    response = client.get("/api/metrics/ar_total", {"as_of": "2026-02-30"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "as_of: expected a date, got '2026-02-30', which is not on the calendar "
        "(day is out of range for month)"
    )


@pytest.mark.parametrize(
    ("start", "end"), [(EARLIEST_DATE, EARLIEST_DATE), (EARLIEST_DATE, LATEST_DATE)]
)
def test_every_metric_answers_at_the_edges_of_the_accepted_range(
    ledger: Ledger, start: date, end: date
) -> None:
    out = io.StringIO()
    metrics = [arg for m in METRICS for arg in ("--metric", m)]
    dates = ["--from", start.isoformat(), "--to", end.isoformat()]
    call_command("kpi", *metrics, *dates, "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    # ar_by_bucket is always grouped by bucket: before any invoice it has no row at all.
    assert set(METRICS) - {r["metric"] for r in body["results"]} <= {"ar_by_bucket"}
    assert {r["as_of"] for r in body["results"]} == {end.isoformat()}


@pytest.mark.parametrize(
    ("metric", "param"),
    [("dso", "window=36500"), ("dso_countback", "lookback=120"), ("ar_total", "buckets=36500")],
)
def test_the_largest_parameters_at_the_earliest_date_stay_on_the_calendar(
    client: Client, ledger: Ledger, metric: str, param: str
) -> None:
    response = client.get(
        f"/api/metrics/{metric}", {"as_of": EARLIEST_DATE.isoformat(), "param": param}
    )
    assert response.status_code == 200, response.content


def test_a_series_over_the_whole_range_answers_and_a_daily_one_is_refused(
    client: Client, ledger: Ledger
) -> None:
    whole = {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()}
    quarterly = client.get("/api/metrics/ar_total/series", {**whole, "grain": "quarter"})
    assert quarterly.status_code == 200
    assert len(quarterly.json()["results"]) == 301 * 4
    daily = client.get("/api/metrics/ar_total/series", {**whole, "grain": "day"})
    assert daily.status_code == 422
    assert "at most 2000 points" in daily.json()["detail"]


def _ranged() -> list[tuple[str, Param]]:
    return [(m.id, p) for m in CATALOGUE.values() for p in m.params if p.kind in ("int", "edges")]


@pytest.mark.parametrize(("metric", "param"), _ranged(), ids=lambda v: getattr(v, "name", v))
def test_every_numeric_parameter_holds_to_its_declared_range(metric: str, param: Param) -> None:
    assert param.parse(metric, str(param.minimum)) == str(param.minimum)
    assert param.parse(metric, str(param.maximum)) == str(param.maximum)
    for wrong in (str(param.minimum - 1), str(param.maximum + 1), "", "1.5", "٣"):
        with pytest.raises(MetricInputError, match=rf"^{metric}\.{param.name}="):
            param.parse(metric, wrong)


def test_windows_and_lookbacks_start_at_one_and_grace_at_zero() -> None:
    ranges = {(p.name, p.minimum) for _, p in _ranged()}
    assert {("window", 1), ("lookback", 1), ("buckets", 1), ("grace_days", 0)} <= ranges


@pytest.mark.parametrize(
    ("param", "detail"),
    [
        ("window=0", "dso.window='0': expected a whole number of days from 1 to 36500"),
        ("window=36501", "dso.window='36501': expected a whole number of days from 1 to 36500"),
    ],
)
def test_the_api_refuses_a_parameter_outside_its_range(
    client: Client, ledger: Ledger, param: str, detail: str
) -> None:
    response = client.get("/api/metrics/dso", {"as_of": "2024-03-31", "param": param})
    assert response.status_code == 422
    assert response.json()["detail"] == detail


def _kpi_fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        call_command("kpi", *args, stdout=io.StringIO())
    assert info.value.returncode == 2
    return info.value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "9999-11-01", "--to", "9999-12-31", "--grain", "month"], "--from: 9999-11-01"),
        (["--metric", "cash_collected", "--as-of", "0001-01-01"], "--as-of: 0001-01-01"),
        (["--metric", "ar_total", "--to", "2026-02-30"], "--to: expected a date"),
        (["--metric", "dso", "--param", "dso.window=0"], "dso.window='0': expected a whole"),
        (
            ["--metric", "ar_total", "--param", "ar_total.buckets=0,30"],
            "must be positive and ascending",
        ),
        (
            ["--from", "1900-01-01", "--to", "2200-12-31", "--grain", "day"],
            "at most 2000 points",
        ),
    ],
)
def test_recoup_kpi_exits_2_naming_the_bad_argument(
    ledger: Ledger, args: list[str], message: str
) -> None:
    assert message in str(_kpi_fails(*args))


def test_the_recoup_command_itself_exits_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["recoup", "kpi", "--metric", "cash_collected", "--as-of", "0001-01-01"])
    assert info.value.code == 2
    assert f"--as-of: 0001-01-01 is {OUT_OF_RANGE}" in capsys.readouterr().err
