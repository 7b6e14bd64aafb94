"""Every number ties out: the parts behind it add up to it to the cent, every KPI of the catalogue
has a drill-down, a KPI without data is blank, and aging buckets read by age."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from recoup.accounts.scope import Scope
from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.selectors import metric_contributors, metric_query
from recoup.metrics.services import metric_defaults_set
from recoup.web.dashboard import dashboard_focus
from recoup.web.explain import explanation_build
from tests.metrics.builder import Ledger
from tests.web.conftest import World, client_for

AS_OF = "2026-09-30"
DAY = date(2026, 9, 30)
# 100 euro cents are 100.5 dollar cents: rounded one by one, each customer loses half a cent.
RATE = "1.005"
EURO_CUSTOMERS = 7


@pytest.fixture
def euros(world: World) -> Ledger:
    """Seven North customers owing 1.00 EUR each and paying 1.00 EUR in September; one South
    customer owing and paying in dollars; the three 123.45 USD invoices of `world` besides."""
    book = Ledger()
    book.fx("EUR", RATE, on="2026-01-01")
    for i in range(EURO_CUSTOMERS):
        name = f"Euro {i}"
        book.customer(name, team="North", since="2025-01-01")
        owed = book.invoice(name, "2.00", issued="2026-08-01", due="2026-08-31", currency="EUR")
        book.pay(owed, "1.00", on="2026-09-10")
    book.customer("Dollar", team="South", since="2025-01-01")
    paid = book.invoice("Dollar", "10.01", issued="2026-08-01", due="2026-08-31")
    book.pay(paid, "5.00", on="2026-09-12")
    return book


def _api_value(client: Client, metric: str, **query: str) -> list[tuple[dict[str, str], str]]:
    response = client.get(f"/api/metrics/{metric}", {"as_of": AS_OF, **query})
    assert response.status_code == 200, response.content
    return [(r["dims"], r["value"]) for r in response.json()["results"]]


@pytest.mark.parametrize("metric", ["ar_total", "cash_collected", "ar_overdue"])
def test_the_customers_and_teams_behind_a_money_kpi_add_up_to_it_to_the_cent(
    world: World, euros: Ledger, metric: str
) -> None:
    [(_, shown)] = _api_value(client_for(world.manager), metric)
    tile = Decimal(shown)
    scope = Scope.organisation("test")
    customers = metric_contributors(scope=scope, metric=metric, as_of=DAY)
    # Rounded one by one, the seven euro customers would come to 7 x 1.00 USD, not 7.04 (7.035).
    assert sum(r.value or 0 for r in customers.rows) == tile
    assert customers.total == tile
    euro_shares = sorted(r.value for r in customers.rows if r.value is not None and r.value < 2)
    assert euro_shares.count(Decimal("1.01")) == 4  # the four cents go to four of the seven
    x = explanation_build(metric=metric, focus=dashboard_focus(scope), as_of=DAY)
    assert x.value == tile
    for breakdown in x.breakdowns:
        assert sum(s.value or 0 for s in breakdown.shares) == tile, breakdown.dimension


def test_the_drill_down_page_shows_accounts_whose_total_is_the_number(
    world: World, euros: Ledger
) -> None:
    client = client_for(world.manager)
    [(_, shown)] = _api_value(client, "ar_total")
    body = client.get("/dashboard/explain/ar_total/", {"as_of": AS_OF}).content.decode()
    table = re.search(r'<table id="accounts-table">(.*?)</table>', body, re.S)
    assert table is not None
    amounts = re.findall(r'<td class="num">([\d,.]+) USD</td></tr>', table.group(1))
    listed = [Decimal(a.replace(",", "")) for a in amounts[:-1]]  # the last row is the total
    assert sum(listed, Decimal(0)) == Decimal(shown) == Decimal(amounts[-1].replace(",", ""))
    assert f'id="explained-value">{Decimal(shown):,} USD</p>' in body


def test_every_kpi_of_the_catalogue_has_a_drill_down(world: World, euros: Ledger) -> None:
    client = client_for(world.manager)
    for metric in CATALOGUE:
        response = client.get(f"/dashboard/explain/{metric}/", {"as_of": AS_OF})
        assert response.status_code == 200, metric


def test_a_kpi_kept_per_segment_says_no_customer_list_is_behind_it(
    world: World, euros: Ledger
) -> None:
    euros.credit_decision(applied="2026-09-01", decided="2026-09-05")
    euros.credit_decision(applied="2026-09-02", decided="2026-09-04", exception=True)
    body = " ".join(
        client_for(world.manager)
        .get("/dashboard/explain/credit_approval_days/", {"as_of": AS_OF})
        .content.decode()
        .split()
    )
    assert 'id="explained-value">3.0 days</p>' in body
    assert "kept per segment and country, not per customer" in body
    assert "Behind it, by segment" in body


def test_a_kpi_without_data_is_blank_not_zero(world: World, euros: Ledger) -> None:
    client = client_for(world.manager)
    # Cash came in this September, but no collection cost was ever recorded.
    assert _api_value(client, "cost_to_collect") == [({}, None)]
    body = client.get("/dashboard/explain/cost_to_collect/", {"as_of": AS_OF}).content.decode()
    assert '<span class="no-data">No data</span>' in body
    assert "left blank rather than shown as zero" in body
    assert "0.0 %" not in body
    assert body.count('<td class="num">No data</td>') == 2  # North and South
    euros.cost("3.00", on="2026-09-15", team="North")
    [(_, value)] = _api_value(client, "cost_to_collect")
    assert value == "24.93"  # 3.00 USD of cost over 12.035 USD collected


def _tile(body: str, metric: str) -> str:
    tile = re.search(rf'<li class="tile" id="tile-{metric}">(.*?)</li>', body, re.S)
    assert tile is not None, metric
    return " ".join(tile.group(1).split())


def test_tiles_say_no_data_and_describe_in_words_with_the_details_folded(
    world: World, euros: Ledger
) -> None:
    body = client_for(world.manager).get("/", {"as_of": AS_OF}).content.decode()
    promises = _tile(body, "promise_kept_rate")
    assert '<p class="tile-value"><span class="no-data">No data</span></p>' in promises
    assert "no data on 31 Aug 2026" in promises
    share = _tile(body, "pct_90_plus")
    assert (
        '<p class="tile-description">Receivables more than 90 days past due as a percentage of '
        "total receivables.</p>"
    ) in share
    assert "ar_90_plus" not in share
    assert (
        '<details class="tile-details"><summary>How it is computed</summary>'
        '<p class="tile-variant">Variant: days 90'
    ) in share
    overdue = client_for(world.manager).get("/dashboard/explain/ar_overdue/", {"as_of": AS_OF})
    assert "Open receivables past due (more than 0 days past due)." in overdue.content.decode()


def test_custom_bucket_edges_are_listed_by_age_everywhere(world: World, euros: Ledger) -> None:
    metric_defaults_set(values={"ar_by_bucket": {"buckets": "45,75,180"}}, via="test")
    euros.invoice("Dollar", "7.00", issued="2026-07-01", due="2026-08-01")  # 60 days
    client = client_for(world.manager)
    expected = ["current", "1-45", "46-75", "76-180", "180+"]
    api = [dims["bucket"] for dims, _ in _api_value(client, "ar_by_bucket", by="bucket")]
    # As text, "180+" came before "46-75".
    assert api == ["1-45", "46-75", "180+"]
    body = client.get("/", {"as_of": AS_OF}).content.decode()
    rows = re.findall(r'<th scope="row"><a href="[^"]*bucket=[^"]*">([^<]+)</a></th>', body)
    assert rows == expected
    scope = Scope.organisation("test")
    grouped = metric_query(scope=scope, metrics=["ar_by_bucket"], as_of=DAY, dims=["bucket"])
    order = [r.dims["bucket"] for r in grouped.results]
    assert order == sorted(order, key=expected.index)
