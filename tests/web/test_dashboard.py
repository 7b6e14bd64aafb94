"""The dashboard and its drill-down, on a small ledger with two teams, read through the KPI engine."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.test import Client

from recoup.core.answers import answers_forget
from recoup.web.dashboard import dashboard_warm
from tests.metrics.builder import Ledger
from tests.web.conftest import World, client_for

AS_OF = "2026-09-30"


@pytest.fixture
def ledger(world: World) -> Ledger:
    """As of 30 Sep 2026, on top of the three 123.45 invoices of `world` (238 days past due):
    North owes 600 (91 days past due) and 200 (30 days); South 500 (183 days)."""
    book = Ledger()
    book.customer("Acme", team="North", since="2025-01-01")
    book.customer("Zeta", team="South", since="2025-01-01")
    acme = book.invoice("Acme", "1000.00", issued="2026-06-01", due="2026-07-01")
    book.pay(acme, "400.00", on="2026-08-15")
    second = book.invoice("Acme", "300.00", issued="2026-08-01", due="2026-08-31")
    book.pay(second, "100.00", on="2026-09-10")
    book.invoice("Zeta", "500.00", issued="2026-03-01", due="2026-03-31")
    return book


def _spec(body: str, element_id: str) -> dict[str, Any]:
    match = re.search(rf'id="{element_id}" data-chart data-spec="([^"]*)"', body)
    assert match, f"no chart {element_id}"
    spec: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return spec


def _tile(body: str, metric: str) -> str:
    match = re.search(rf'<li class="tile" id="tile-{metric}">(.*?)</li>', body, re.S)
    assert match, f"no tile for {metric}"
    return " ".join(match.group(1).split())


def test_the_dashboard_shows_kpi_tiles_as_of_the_date(world: World, ledger: Ledger) -> None:
    body = client_for(world.manager).get("/", {"as_of": AS_OF}).content.decode()
    total = _tile(body, "ar_total")
    assert '<p class="tile-value">1,670.35 <span class="tile-unit">USD</span></p>' in total
    assert "Variant: anchor due · buckets 30,60,90,120" in total
    assert "vs 31 Aug 2026: 1,770.35 USD" in total
    assert "\u2212100.00 USD" in total
    assert "delta-good" in total  # less owed is better
    assert "Explain Total receivables" in total
    assert "As of <strong>30 Sep 2026</strong>" in body


def test_each_tile_carries_a_sparkline_spec_with_exact_values(world: World, ledger: Ledger) -> None:
    body = client_for(world.manager).get("/", {"as_of": AS_OF}).content.decode()
    spec = _spec(body, "spark-ar_total")
    assert spec["data"]["format"]["parse"]["value"] == "number"
    values = spec["data"]["values"]
    assert len(values) == 13
    assert values[-1] == {"on": AS_OF, "value": "1670.35"}


def test_the_aging_chart_and_table_link_each_bucket_to_its_drill_down(
    world: World, ledger: Ledger
) -> None:
    body = client_for(world.manager).get("/", {"as_of": AS_OF}).content.decode()
    spec = _spec(body, "aging-chart")
    bars = {v["label"]: v for v in spec["data"]["values"]}
    assert list(bars) == ["current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert bars["91-120"]["value"] == "600.00"
    assert bars["120+"]["value"] == "870.35"
    assert bars["1-30"]["value"] == "200.00"
    href = bars["120+"]["href"]
    assert href.startswith("/dashboard/explain/ar_by_bucket/?")
    assert "bucket=120%2B" in href
    assert f'<a href="{href.replace("&", "&amp;")}">120+</a>' in body


def test_the_bucket_drill_down_explains_the_number_and_who_is_behind_it(
    world: World, ledger: Ledger
) -> None:
    response = client_for(world.manager).get(
        "/dashboard/explain/ar_by_bucket/", {"as_of": AS_OF, "bucket": "91-120"}
    )
    body = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "Receivables by aging bucket: bucket 91-120" in body
    assert '<p class="big-number" id="explained-value">600.00 USD</p>' in body
    assert "Behind it, by team" in body
    assert re.search(
        r'<a href="\?[^"]*team=North[^"]*">North</a></th><td class="num">600.00 USD', body
    )
    assert "sum(open amount) or count(open invoices)" in body
    assert "SELECT" in body.upper()


def test_a_collector_sees_only_their_teams_numbers(world: World, ledger: Ledger) -> None:
    client = client_for(world.north_collector)
    body = client.get("/", {"as_of": AS_OF}).content.decode()
    assert '<p class="tile-value">923.45 <span class="tile-unit">USD</span></p>' in _tile(
        body, "ar_total"
    )
    assert "your teams (North)" in body
    assert ">South<" not in body
    assert client.get("/", {"team": "South"}).status_code == 403
    drill = client.get("/dashboard/explain/ar_by_bucket/", {"as_of": AS_OF, "bucket": "120+"})
    assert '<p class="big-number" id="explained-value">123.45 USD</p>' in drill.content.decode()


def test_the_team_view_narrows_every_number_to_one_team(world: World, ledger: Ledger) -> None:
    body = client_for(world.manager).get("/", {"as_of": AS_OF, "team": "South"}).content.decode()
    assert '<p class="tile-value">623.45 <span class="tile-unit">USD</span></p>' in _tile(
        body, "ar_total"
    )
    assert "team South" in body


def test_an_htmx_filter_change_returns_only_the_dashboard_body(
    world: World, ledger: Ledger
) -> None:
    response = client_for(world.manager).get(
        "/", {"as_of": AS_OF, "team": "North"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in body
    assert "923.45" in body


def test_a_malformed_date_falls_back_to_the_latest_data_with_a_warning(
    world: World, ledger: Ledger
) -> None:
    body = client_for(world.manager).get("/", {"as_of": "30/09/2026"}).content.decode()
    assert "as_of: expected a date YYYY-MM-DD, got &#x27;30/09/2026&#x27;" in body
    assert "As of <strong>10 Sep 2026</strong>" in body  # the latest date in the ledger


def test_an_unknown_metric_has_no_drill_down(world: World, ledger: Ledger) -> None:
    client = client_for(world.manager)
    assert client.get("/dashboard/explain/no_such_kpi/").status_code == 404
    assert client.get("/dashboard/explain/dso/", {"bucket": "1-30"}).status_code == 404


def test_the_dashboard_query_count_does_not_grow_with_the_ledger(
    world: World, ledger: Ledger, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.manager)
    client.get("/", {"as_of": AS_OF})
    answers_forget()  # measure a computed page, not a cached one
    with django_assert_max_num_queries(80) as small:
        client.get("/", {"as_of": AS_OF})
    for i in range(30):
        ledger.customer(f"Extra {i}", team="North" if i % 2 else "South", since="2025-01-01")
        ledger.invoice(f"Extra {i}", "10.00", issued="2026-09-01", due="2026-09-30")
    answers_forget()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/", {"as_of": AS_OF})


def test_a_cached_dashboard_costs_a_few_queries_and_a_ledger_change_refreshes_it(
    world: World, ledger: Ledger, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.manager)
    client.get("/", {"as_of": AS_OF})
    with django_assert_max_num_queries(8):
        cached = client.get("/", {"as_of": AS_OF}).content.decode()
    assert "1,670.35" in _tile(cached, "ar_total")
    ledger.invoice("Zeta", "29.65", issued="2026-09-20", due="2026-10-20")
    fresh = client.get("/", {"as_of": AS_OF}).content.decode()
    assert "1,700.00" in _tile(fresh, "ar_total")


def test_anonymous_visitors_cannot_read_the_drill_down(world: World, ledger: Ledger) -> None:
    response = Client().get("/dashboard/explain/ar_total/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def _accounts(body: str) -> list[tuple[str, str]]:
    """(customer, contribution) of each row of the accounts table."""
    table = re.search(r'<table id="accounts-table">.*?<tbody>(.*?)</tbody>', body, re.S)
    assert table, "no accounts table"
    return re.findall(
        r'<th scope="row"><a href="/ledger/customers/\d+/">([^<]+)</a>'
        r'(?: <span class="muted nowrap">[^<]*</span>)?</th>.*?<td class="num">([^<]+)</td></tr>',
        table.group(1),
        re.S,
    )


def test_the_drill_down_lists_the_accounts_behind_a_bucket_with_links_to_their_invoices(
    world: World, ledger: Ledger
) -> None:
    body = (
        client_for(world.manager)
        .get("/dashboard/explain/ar_by_bucket/", {"as_of": AS_OF, "bucket": "120+"})
        .content.decode()
    )
    assert _accounts(body) == [
        ("Zeta", "500.00 USD"),
        ("Northwind Traders", "123.45 USD"),
        ("Southern Cross Ltd", "123.45 USD"),
        ("Unassigned Union", "123.45 USD"),
    ]
    assert re.search(r"Total, 4 customers</th><td class=\"num\">870.35 USD", body)


def test_a_ratio_drill_down_shows_each_accounts_numerator_and_denominator(
    world: World, ledger: Ledger
) -> None:
    body = " ".join(
        client_for(world.manager)
        .get("/dashboard/explain/pct_90_plus/", {"as_of": AS_OF})
        .content.decode()
        .split()
    )
    assert '>Open over 90 days past due<span class="sort-mark"' in body
    assert re.search(
        r'<a href="/ledger/customers/\d+/">Acme</a> <span class="muted nowrap">[^<]*</span></th>'
        r'<td class="num">600.00 USD</td><td class="num">800.00 USD</td>'
        r'<td class="num">75.0 %</td>',
        body,
    )


def test_a_collectors_drill_down_leaves_out_other_teams_customers(
    world: World, ledger: Ledger
) -> None:
    body = (
        client_for(world.north_collector)
        .get("/dashboard/explain/ar_total/", {"as_of": AS_OF})
        .content.decode()
    )
    assert _accounts(body) == [("Acme", "800.00 USD"), ("Northwind Traders", "123.45 USD")]
    assert "Zeta" not in body
    assert "Southern Cross" not in body


def test_the_accounts_behind_a_number_come_fifty_to_a_page(world: World, ledger: Ledger) -> None:
    for i in range(52):
        ledger.invoice(f"Small {i:02d}", f"{i + 1}.00", issued="2026-09-01", due="2026-09-20")
    client = client_for(world.manager)
    first = client.get("/dashboard/explain/ar_total/", {"as_of": AS_OF}).content.decode()
    assert len(_accounts(first)) == 50
    assert "Page 1 of 2" in first
    assert "Total, 57 customers" in first
    second = client.get(
        "/dashboard/explain/ar_total/", {"as_of": AS_OF, "page": "2"}
    ).content.decode()
    assert len(_accounts(second)) == 7
    assert _accounts(second)[-2:] == [("Small 01", "2.00 USD"), ("Small 00", "1.00 USD")]


def test_a_warm_start_leaves_every_teams_dashboard_computed(
    world: World, ledger: Ledger, django_assert_max_num_queries: Any
) -> None:
    # all teams, North, South, and the books of North's and South's collectors
    assert dashboard_warm() == 5
    client = client_for(world.manager)
    with django_assert_max_num_queries(80) as warm:
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(80) as team:
        assert client.get("/", {"team": "South"}).status_code == 200
    answers_forget()
    with django_assert_max_num_queries(80) as computed:
        assert client.get("/").status_code == 200
    # Computing syncs the analytics copy (a count per ledger table); the warm pages do not.
    assert len(warm.captured_queries) < len(computed.captured_queries)
    assert len(team.captured_queries) < len(computed.captured_queries)


def test_a_warm_start_leaves_each_collectors_book_computed(
    world: World, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    dashboard_warm()

    def not_again(*args: object) -> None:
        raise AssertionError("the warm start should have computed this dashboard")

    monkeypatch.setattr("recoup.web.dashboard._dashboard_compute", not_again)
    for collector in (world.north_collector, world.south_collector):
        assert client_for(collector).get("/").status_code == 200
