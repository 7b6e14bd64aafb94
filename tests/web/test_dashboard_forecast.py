"""The dashboard's "What we will collect" card: the forecast of what the reader may see, its
chart, its weeks behind "details", and the download of them."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from recoup.worklist.cashflow import WEEKS, cash_forecast_read
from recoup.worklist.forecast_display import forecast_sentence
from tests.web.conftest import World, client_for

AS_OF = date(2026, 9, 30)


def _card(body: str) -> str:
    match = re.search(r'<section class="card forecast" id="forecast".*?</section>', body, re.S)
    assert match, "no forecast card"
    return match.group(0)


def _spec(card: str) -> dict[str, Any]:
    match = re.search(r'id="forecast-chart" data-chart data-spec="([^"]*)"', card)
    assert match, "no forecast chart"
    spec: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return spec


@override_settings(BASE_CURRENCY="USD")
def test_the_card_gives_the_whole_book_to_an_admin_and_a_collector_their_own(
    world: World,
) -> None:
    everyone = cash_forecast_read(as_of=AS_OF, likelihood=None)
    north = cash_forecast_read(as_of=AS_OF, likelihood=None, customer_ids=[world.north_customer.pk])
    assert north.total_minor < everyone.total_minor

    # The dashboard asks for its card once shown, with its own query.
    dashboard = client_for(world.admin).get("/", {"as_of": AS_OF}).content.decode()
    assert f'hx-get="/dashboard/forecast/?as_of={AS_OF}"' in dashboard
    card = _card(
        client_for(world.admin).get("/dashboard/forecast/", {"as_of": AS_OF}).content.decode()
    )
    assert "What we will collect" in card
    assert html.escape(forecast_sentence(everyone)) in card
    spec = _spec(card)
    bars, ranges = spec["layer"][0]["data"]["values"], spec["layer"][1]["data"]["values"]
    assert len(ranges) == WEEKS
    assert {b["source"] for b in bars} == {
        "Open invoices",
        "Promises",
        "Payment plans",
        "New invoices",
    }
    # The details table: one row per week.
    assert card.count('<th scope="row"') == WEEKS

    mine = _card(
        client_for(world.north_collector)
        .get("/dashboard/forecast/", {"as_of": AS_OF})
        .content.decode()
    )
    assert html.escape(forecast_sentence(north)) in mine
    assert html.escape(forecast_sentence(everyone)) not in mine


@override_settings(BASE_CURRENCY="USD")
def test_the_weeks_download_as_csv_scoped_like_the_card(world: World) -> None:
    north = cash_forecast_read(as_of=AS_OF, likelihood=None, customer_ids=[world.north_customer.pk])
    response = client_for(world.north_collector).get(
        "/dashboard/forecast/export/", {"as_of": AS_OF, "format": "csv"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Week from", "Week to", "Expected (USD)"]
    assert len(rows) == WEEKS + 1
    assert rows[1][0] == "2026-10-01"
    total = sum(float(r[2]) for r in rows[1:])
    assert total == pytest.approx(north.total_minor / 100, abs=0.01 * WEEKS)


def test_a_bad_format_or_date_answers_400(world: World) -> None:
    client = client_for(world.manager)
    assert client.get("/dashboard/forecast/export/", {"format": "pdf"}).status_code == 400
    assert client.get("/dashboard/forecast/export/", {"as_of": "30/09"}).status_code == 400
    assert client.get("/dashboard/forecast/", {"as_of": "30/09"}).status_code == 400
