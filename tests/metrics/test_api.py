"""The KPI API: catalogue, values grouped and filtered, series, explain, and 422 on bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from recoup.accounts.models import Role, User
from recoup.metrics.services import reference_value_set
from tests.metrics.builder import Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    # A manager reads the whole ledger (tests/web/test_scoping.py covers narrower scopes).
    user = User.objects.create_user(
        username="mia", password="a long pass phrase 42", role=Role.MANAGER
    )
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


def test_the_api_needs_a_signed_in_user() -> None:
    assert Client().get("/api/metrics/").status_code == 401


def test_the_catalogue_lists_metrics_with_reference_values(client: Client) -> None:
    response = client.get("/api/metrics/")
    assert response.status_code == 200
    by_id = {m["id"]: m for m in response.json()}
    assert by_id["dso"]["params"] == {"window": "90"}
    # Reference values come with the catalogue (a data migration) and from
    # `recoup custom-metric reference`; a test that flushed the database may have removed the first.
    reference_value_set(metric_id="dso", period="2025", source="Survey", value="52.40")
    by_id = {m["id"]: m for m in client.get("/api/metrics/").json()}
    assert {"value": "52.40", "period": "2025", "source": "Survey", "note": ""} in by_id["dso"][
        "references"
    ]


def test_a_metric_as_of_a_date_grouped_and_filtered(client: Client, ledger: Ledger) -> None:
    response = client.get("/api/metrics/ar_total", {"as_of": "2024-03-31", "by": "team"})
    assert response.status_code == 200
    body = response.json()
    assert body["data_as_of"] == "2024-03-01"
    assert {r["dims"]["team"]: r["value"] for r in body["results"]} == {
        "North": "60.00",
        "South": "30.10",
    }
    filtered = client.get(
        "/api/metrics/ar_total", {"as_of": "2024-03-31", "filter": "team=South"}
    ).json()
    assert [r["value"] for r in filtered["results"]] == ["30.10"]


def test_a_series_at_month_grain(client: Client, ledger: Ledger) -> None:
    response = client.get(
        "/api/metrics/ar_total/series", {"start": "2024-01-01", "end": "2024-03-31"}
    )
    assert response.status_code == 200
    values = [(r["as_of"], r["value"]) for r in response.json()["results"]]
    assert values == [("2024-01-31", "100.00"), ("2024-02-29", "60.00"), ("2024-03-31", "90.10")]


def test_explain_returns_the_sql(client: Client, ledger: Ledger) -> None:
    response = client.get("/api/metrics/ar_90_plus/explain", {"as_of": "2024-03-31"})
    assert response.status_code == 200
    parts = response.json()
    assert parts[0]["title"] == "parameters"
    assert "ledger_invoice" in parts[1]["sql"]


@pytest.mark.parametrize(
    ("url", "params", "detail"),
    [
        ("/api/metrics/nope", {}, "unknown metric 'nope'"),
        ("/api/metrics/ar_total", {"by": "planet"}, "unknown dimension 'planet'"),
        ("/api/metrics/ar_total", {"as_of": "2024-02-30"}, "expected a date"),
        ("/api/metrics/ar_total", {"param": "window=3"}, "does not take parameter 'window'"),
        (
            "/api/metrics/cash_collected",
            {"as_of": "2024-01-01", "period_from": "2024-02-01"},
            "is after its end",
        ),
        ("/api/metrics/dso/series", {"start": "2024-03-01", "end": "2024-01-01"}, "after its end"),
        ("/api/metrics/ar_total", {"filter": "channel=call"}, "cannot be grouped or filtered"),
    ],
)
def test_bad_input_answers_422_with_a_detail(
    client: Client, url: str, params: dict[str, str], detail: str
) -> None:
    response = client.get(url, params)
    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_the_openapi_schema_lists_the_metrics_endpoints(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/metrics/{metric_id}/series" in paths
    assert "/api/metrics/{metric_id}/explain" in paths
