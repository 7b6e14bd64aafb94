"""The key result page as OKR-tool users read it: a chart with a legend, the target line, the
expected path and the likely range; the forecast in one plain sentence whose likely value lies in
its own range; the lede from → to by the due date, the KPI by its catalogue name; technical
detail only behind <details>."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from recoup.accounts.models import User
from recoup.core.quantities import quantity_text
from recoup.okrs import selectors
from recoup.okrs.models import CheckIn, CheckInSource, Confidence, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN
from tests.web.conftest import World, client_for

START, DUE = date(2026, 7, 1), date(2026, 9, 30)


@pytest.fixture
def dso(world: World) -> KeyResult:
    """The plan's "ninety" key result, turned into days sales outstanding: 62 → 50 days."""
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    User.objects.filter(username="ana").update(first_name="Ana", last_name="Ribeiro")
    KeyResult.objects.filter(key="ninety").update(
        title="Collect sooner", unit="days", baseline=62, target=50, metric="dso"
    )
    return KeyResult.objects.get(key="ninety")


def _reading(kr: KeyResult, value: str, day: date, *, by_hand: bool = True) -> None:
    CheckIn.objects.create(
        key_result=kr,
        value=Decimal(value),
        data_date=day,
        confidence=Confidence.AT_RISK,
        author=User.objects.get(username="ana") if by_hand else None,
        source=CheckInSource.MANUAL if by_hand else CheckInSource.AUTOMATIC,
        created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
    )


def _four_weeks(kr: KeyResult) -> None:
    for value, day in (("60", 6), ("59", 13), ("56.5", 20), ("58", 27)):
        _reading(kr, value, date(2026, 7, day))


def _page(user: User, kr: KeyResult) -> str:
    response = client_for(user).get(reverse("okrs:key_result", args=[kr.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def _spec(body: str) -> dict[str, Any]:
    found = re.search(r'id="kr-history" data-chart data-spec="([^"]*)"', body)
    assert found is not None
    spec: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return spec


def _layer(spec: dict[str, Any], series: str, mark: str) -> dict[str, Any]:
    for layer in spec["layer"]:
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        rows = layer.get("data", spec.get("data", {})).get("values", [])
        if kind == mark and rows and all(r.get("series") == series for r in rows):
            return dict(layer)
    raise AssertionError(f"no {mark} layer for {series}")


def _outside_details(body: str) -> str:
    return re.sub(r"<details[ >].*?</details>", "", body, flags=re.S)


def test_the_chart_has_a_legend_the_target_line_and_the_expected_path(
    world: World, dso: KeyResult
) -> None:
    _four_weeks(dso)
    spec = _spec(_page(world.viewer, dso))
    colour = _layer(spec, "Check-ins", "line")["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Check-ins", "Expected path", "Target", "Likely range"]
    assert colour["legend"]["orient"] == "top"
    target = _layer(spec, "Target", "rule")
    assert [Decimal(r["value"]) for r in target["data"]["values"]] == [Decimal(50)]
    labels = [
        r.get("label") for layer in spec["layer"] for r in layer.get("data", {}).get("values", [])
    ]
    assert "Target 50 days" in labels
    path = _layer(spec, "Expected path", "line")["data"]["values"]
    assert (path[0]["on"], Decimal(path[0]["value"])) == (START.isoformat(), Decimal(62))
    assert (path[-1]["on"], Decimal(path[-1]["value"])) == (DUE.isoformat(), Decimal(50))


def test_the_likely_range_runs_from_the_last_check_in_to_the_due_date(
    world: World, dso: KeyResult
) -> None:
    _four_weeks(dso)
    spec = _spec(_page(world.viewer, dso))
    forecast = selectors.key_result_forecast(key_result=dso)
    assert forecast.low is not None
    assert forecast.high is not None
    band = _layer(spec, "Likely range", "area")
    assert band["encoding"]["y2"]["field"] == "high"
    start, end = band["data"]["values"]
    assert start["on"] == "2026-07-27"
    assert Decimal(start["low"]) == Decimal(start["high"]) == 58
    assert end["on"] == DUE.isoformat()
    assert float(end["low"]) == pytest.approx(forecast.low)
    assert float(end["high"]) == pytest.approx(forecast.high)
    likely = _layer(spec, "Likely range", "line")
    assert likely["mark"]["strokeDash"]
    assert float(likely["data"]["values"][-1]["value"]) == pytest.approx(
        forecast.projected_end_value
    )


def test_check_in_points_carry_a_tooltip_in_words(world: World, dso: KeyResult) -> None:
    _four_weeks(dso)
    _reading(dso, "57", date(2026, 8, 3), by_hand=False)
    spec = _spec(_page(world.viewer, dso))
    points = _layer(spec, "Check-ins", "point")
    titles = [t["title"] for t in points["encoding"]["tooltip"]]
    assert titles == ["Date", "Value", "By", "Confidence"]
    fields = [t["field"] for t in points["encoding"]["tooltip"]]
    rows = [{f: r[f] for f in fields} for r in points["data"]["values"]]
    assert {"when": "13 Jul 2026", "reading": "59 days", "by": "Ana Ribeiro"}.items() <= (
        rows[1].items()
    )
    assert rows[1]["confidence"] == "At risk"
    assert rows[-1]["by"] == "the weekly KPI reading"


def test_without_a_forecast_there_is_no_band_and_the_page_says_why(
    world: World, dso: KeyResult
) -> None:
    _reading(dso, "60", date(2026, 7, 6))
    body = _page(world.viewer, dso)
    assert all(
        (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) != "area"
        for layer in _spec(body)["layer"]
    )
    sentence = re.search(r'<p id="forecast"[^>]*>(.*?)</p>', body, flags=re.S)
    assert sentence is not None
    assert sentence.group(1).startswith("No forecast yet: ")
    assert sentence.group(1).endswith(".")
    assert "How this forecast is made" not in body


def test_the_forecast_reads_as_one_sentence_whose_likely_value_lies_in_its_range(
    world: World, dso: KeyResult
) -> None:
    _four_weeks(dso)
    body = _page(world.viewer, dso)
    found = re.search(
        r'<p id="forecast">Likely to end near ([\d.]+) days \(between ([\d.]+) and ([\d.]+)\);'
        r" (?:under |over )?(\d+) % chance of reaching 50 days\.</p>",
        body,
    )
    assert found is not None, body[body.find('id="forecast"') - 20 :][:400]
    likely, low, high = (Decimal(found.group(i)) for i in (1, 2, 3))
    assert low <= likely <= high
    assert low < high
    forecast = selectors.key_result_forecast(key_result=dso)
    assert forecast.projected_end_value is not None
    assert forecast.probability is not None
    expected = quantity_text(Decimal(str(forecast.projected_end_value)), "days")
    assert f"near {expected} (" in body
    assert int(found.group(4)) == round(forecast.probability * 100)


def test_the_lede_says_from_to_by_the_due_date_and_names_the_kpi(
    world: World, dso: KeyResult
) -> None:
    body = _page(world.viewer, dso)
    lede = re.search(r'<p class="lede">(.*?)</p>', body, flags=re.S)
    assert lede is not None
    assert "Decrease to" in lede.group(1)
    assert "62 → 50 days by 30 Sep 2026" in lede.group(1)
    assert "Days sales outstanding" in body
    assert "baseline" not in lede.group(1)
    outside = _outside_details(body)
    assert "<code>dso</code>" not in outside
    assert "<code>dso</code>" in body


def test_technical_words_stay_behind_details(world: World, dso: KeyResult) -> None:
    _four_weeks(dso)
    body = _page(world.viewer, dso)
    assert "<summary>How this forecast is made</summary>" in body
    outside = _outside_details(body)
    for word in ("Projected end value", "resampl", "simulated", "percentile", "per week"):
        assert word not in outside, word
    how = body[body.find("How this forecast is made") :]
    how = how[: how.find("</details>")]
    assert "4,000" in how
    assert "per week" in how


def test_the_history_and_the_numbers_behind_the_chart_read_with_their_unit(
    world: World, dso: KeyResult
) -> None:
    _four_weeks(dso)
    body = _page(world.viewer, dso)
    history = body[body.find('id="hl-title"') :]
    assert ">56.5 days<" in history
    numbers = body[body.find("<summary>The numbers behind the chart</summary>") :]
    numbers = numbers[: numbers.find("</details>")]
    assert "27 Jul 2026" in numbers
    assert ">58 days<" in numbers
    # Expected on 27 Jul: 62 - 12 * 26/91 of the way, about 58.6 days.
    assert ">58.6 days<" in numbers


def test_a_milestone_has_no_forecast_and_says_so_in_words(world: World, dso: KeyResult) -> None:
    audit = KeyResult.objects.get(key="audit")
    body = _page(world.viewer, audit)
    sentence = re.search(r'<p id="forecast"[^>]*>(.*?)</p>', body, flags=re.S)
    assert sentence is not None
    assert sentence.group(1).startswith("No forecast")
    assert "'milestone'" not in body
    assert "Milestone" in body
