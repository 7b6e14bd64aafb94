"""The dashboard's tables sort by their columns, each by its own parameter, and download in the
order and with the filters the page shows."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.test import Client

from tests.metrics.builder import Ledger
from tests.web.conftest import World, client_for
from tests.web.test_table_exports import ledger

__all__ = ["ledger"]
AS_OF = "2026-09-30"
PAGE = "/"
EXPORT = "/dashboard/export/"


def _section(html: str, table: str) -> str:
    return html.split(f'id="table-{table}"', 1)[1].split("</section>", 1)[0]


def _keys(section: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell)
        for cell in re.findall(r'<tr><th scope="row">(.*?)</th>', section)
    ]


def _page(client: Client, **query: str) -> str:
    response = client.get(PAGE, {"as_of": AS_OF, **query})
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def _download(client: Client, **query: str) -> list[list[str]]:
    response = client.get(EXPORT, {"as_of": AS_OF, **query})
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_breakdown_sorts_by_a_number_either_way_and_leaves_the_others_alone(
    world: World, ledger: Ledger
) -> None:
    client = client_for(world.admin)
    html = _page(client, sort_team="-ar_total")
    team = _section(html, "team")
    assert _keys(team)[:2] == ["North", "South"]  # 923.45, then 623.45
    assert team.count("aria-sort=") == 1
    assert 'aria-sort="descending"' in team
    # Each table sorts by its own parameter: the aging table keeps its buckets' order.
    aging = _section(html, "aging")
    assert (
        'aria-sort="ascending"><a class="sort-link" href="?as_of=2026-09-30&amp;sort_team=-ar_total&amp;sort_aging=-bucket#table-aging">Bucket'
        in aging
    )
    up = _keys(_section(_page(client, sort_team="ar_total"), "team"))
    assert up.index("South") < up.index("North")


def test_the_download_link_carries_the_tables_sort_and_the_page_filters(
    world: World, ledger: Ledger
) -> None:
    client = client_for(world.admin)
    team = _section(_page(client, sort_team="-ar_total"), "team")
    link = re.search(r'href="(/dashboard/export/\?[^"]+format=csv)"', team)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert "as_of=2026-09-30" in query
    assert "table=team&sort=-ar_total" in query
    rows = _download(client, table="team", sort="-ar_total")
    assert [r[0] for r in rows[1:]] == _keys(team)


def test_ties_keep_the_buckets_order_either_way(world: World, ledger: Ledger) -> None:
    client = client_for(world.manager)
    buckets = _keys(_section(_page(client), "aging"))
    rows = _download(client, table="aging")
    assert [r[0] for r in rows[1:]] == buckets
    amounts = {r[0]: Decimal(r[1]) for r in rows[1:]}
    empty = [b for b in buckets if amounts[b] == 0]
    assert len(empty) >= 2  # more than one bucket holds nothing on this day: a tie
    for sort in ("amount", "-amount"):
        shown = _keys(_section(_page(client, sort_aging=sort), "aging"))
        tied = [b for b in shown if amounts[b] == 0]
        assert tied == empty
        nonzero = [amounts[b] for b in shown if amounts[b] != 0]
        assert nonzero == sorted(nonzero, reverse=sort.startswith("-"))


def test_a_bad_sort_key_is_the_requests_fault(world: World, ledger: Ledger) -> None:
    client = client_for(world.manager)
    for query in ({"sort_team": "name"}, {"sort_aging": "1;drop table"}):
        response = client.get(PAGE, {"as_of": AS_OF, **query})
        assert response.status_code == 400
        assert b"sort by one of" in response.content
