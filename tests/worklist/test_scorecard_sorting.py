"""The collector scorecard sorts by a collector's name or by any figure, as numbers."""

from __future__ import annotations

import re

from django.test import Client

from tests.worklist.test_scorecard import Month, month

__all__ = ["month"]
PAGE = "/worklist/scorecard/"


def _names(client: Client, **query: str) -> tuple[list[str], str]:
    response = client.get(PAGE, {"as_of": "2026-06-30", **query})
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)</th>', body), html


def test_by_a_figure_as_numbers_either_way_and_by_name(month: Month) -> None:
    client = Client()
    client.force_login(month.book.max)
    # Balances more than 90 days past due: Nina 3,800, Sam 6,500.
    down, html = _names(client, sort="-ar_90_plus")
    assert down == ["Sam Southey", "Nina Nordström"]
    assert html.count("aria-sort=") == 1
    assert (
        'aria-sort="descending"><a class="sort-link" href="?as_of=2026-06-30&amp;sort=ar_90_plus">'
        in html
    )
    # The period form keeps the sort.
    assert '<input type="hidden" name="sort" value="-ar_90_plus">' in html
    up, _ = _names(client, sort="ar_90_plus")
    assert up == ["Nina Nordström", "Sam Southey"]
    # Contacts: Nina 3, Sam 2.
    assert _names(client, sort="contacts")[0] == ["Sam Southey", "Nina Nordström"]
    by_name, html = _names(client)
    assert by_name == ["Nina Nordström", "Sam Southey"]
    assert (
        'aria-sort="ascending"><a class="sort-link" href="?as_of=2026-06-30&amp;sort=-collector">Collector'
        in html
    )


def test_a_bad_sort_key_is_the_requests_fault(month: Month) -> None:
    client = Client()
    client.force_login(month.book.max)
    response = client.get(PAGE, {"sort": "salary"})
    assert response.status_code == 400
    assert b"cannot sort by 'salary'" in response.content
