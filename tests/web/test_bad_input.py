"""Far-off and impossible dates in a page's address, and parameters outside their range on the KPI
variants page: a message on the page, never a server error."""

from __future__ import annotations

import html
import re

import pytest

from recoup.metrics.selectors import metric_defaults
from tests.web.conftest import World, client_for

BAD_AS_OF = {
    "9999-12-31": "9999-12-31 is outside the dates Recoup accepts (1900-01-01 to 2200-12-31)",
    "0001-01-01": "0001-01-01 is outside the dates Recoup accepts (1900-01-01 to 2200-12-31)",
    "2026-02-30": "expected a date, got '2026-02-30', which is not on the calendar "
    "(day is out of range for month)",
}


@pytest.mark.parametrize("path", ["/", "/dashboard/explain/ar_by_bucket/"])
@pytest.mark.parametrize(("as_of", "reason"), BAD_AS_OF.items())
def test_a_page_asked_for_a_far_off_or_impossible_date_warns_and_shows_the_latest_data(
    world: World, path: str, as_of: str, reason: str
) -> None:
    for user in (world.manager, world.north_collector):
        response = client_for(user).get(path, {"as_of": as_of})
        assert response.status_code == 200
        body = html.unescape(response.content.decode())
        assert f"as_of: {reason}; showing the latest data." in body


def test_a_window_of_zero_days_is_refused_beside_its_field(world: World) -> None:
    response = client_for(world.admin).post("/settings/kpis/", {"dso__window": "0"})
    assert response.status_code == 422
    body = " ".join(html.unescape(response.content.decode()).split())
    assert re.search(
        r'id="id_dso__window_error"><li>dso\.window=\'0\': expected a whole number of days from 1 '
        r"to 36500</li>",
        body,
    )
    assert metric_defaults() == {}
