"""Settings → KPI variants: admins change the organisation's metric parameters, managers read
them, viewers and collectors stay out; the dashboard follows a change at once."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from recoup.accounts.models import AuditEntry
from recoup.metrics.selectors import ALL_METRICS, metric_defaults
from tests.metrics.builder import Ledger
from tests.web.conftest import World, client_for

URL = "/settings/kpis/"


def _squeezed(body: str) -> str:
    return " ".join(html.unescape(body).split())


def test_the_page_shows_what_each_parameter_inherits(world: World) -> None:
    body = _squeezed(client_for(world.admin).get(URL).content.decode())
    assert reverse("web:settings_kpis") == URL
    assert 'aria-current="page">KPI variants</a>' in body
    assert re.search(
        r'<input type="text" name="all__buckets" [^>]*placeholder="30,60,90,120"', body
    )
    assert '<label for="id_all__buckets">Buckets</label>' in body
    assert re.search(r'name="dso__window" [^>]*placeholder="90"', body)
    assert '<option value="" selected>default (full)</option>' in body


def test_an_admin_changes_the_bucket_edges_for_all_metrics_and_the_dso_window(
    world: World,
) -> None:
    client = client_for(world.admin)
    response = client.post(
        URL, {"all__buckets": "15,45,90", "all__from_bucket": "1-15", "dso__window": "60"}
    )
    assert response.status_code == 302
    assert metric_defaults() == {
        ALL_METRICS: {"buckets": "15,45,90", "from_bucket": "1-15"},
        "dso": {"window": "60"},
    }
    assert AuditEntry.objects.filter(action="metric_defaults_set", actor=world.admin).count() == 2
    page = _squeezed(client.get(URL).content.decode())
    assert "Saved: all metrics, dso." in page
    assert re.search(r'name="all__buckets" value="15,45,90"', page)
    # A metric that takes the edges now inherits them.
    assert re.search(r'name="ar_total__buckets" [^>]*placeholder="15,45,90"', page)


def test_edges_that_do_not_increase_are_shown_beside_the_field_and_nothing_is_saved(
    world: World,
) -> None:
    response = client_for(world.admin).post(
        URL, {"ar_by_bucket__buckets": "60,30", "dso__window": "60"}
    )
    body = _squeezed(response.content.decode())
    assert response.status_code == 422
    assert re.search(
        r'id="id_ar_by_bucket__buckets_error"><li>[^<]*bucket edges must be positive and '
        r"ascending</li>",
        body,
    )
    assert "Nothing was saved" in body
    assert metric_defaults() == {}


def test_a_combination_a_metric_cannot_compute_is_shown_on_that_metric(world: World) -> None:
    response = client_for(world.admin).post(URL, {"all__buckets": "15,45"})
    body = _squeezed(response.content.decode())
    assert response.status_code == 422
    assert re.search(
        r'id="variant-roll_rate".*?<ul class="errorlist" role="alert"><li>'
        r"roll_rate.from_bucket='1-30': expected one of",
        body,
    )


def test_a_manager_reads_the_variants_but_cannot_change_them(world: World) -> None:
    client = client_for(world.manager)
    body = _squeezed(client.get(URL).content.decode())
    assert "only an admin can change them" in body
    assert re.search(r'name="dso__window" [^>]*placeholder="90"[^>]*disabled', body)
    assert "Save KPI variants" not in body
    assert client.post(URL, {"dso__window": "30"}).status_code == 403
    assert metric_defaults() == {}


@pytest.mark.parametrize("role", ["viewer", "north_collector"])
def test_viewers_and_collectors_cannot_open_the_kpi_variants(world: World, role: str) -> None:
    client = client_for(getattr(world, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"dso__window": "30"}).status_code == 403


def test_the_dashboard_follows_a_change_of_variant(world: World) -> None:
    book = Ledger()
    book.invoice("Acme", "200.00", issued="2026-08-01", due="2026-09-20")
    client = client_for(world.admin)
    bucket_row = r'<th scope="row"><a [^>]*>{}</a>'
    before = client.get("/", {"as_of": "2026-09-30"}).content.decode()
    assert "Variant: window 90" in before
    assert re.search(bucket_row.format("1-30"), before)
    changed = {"all__buckets": "15,45,90", "all__from_bucket": "1-15", "all__window": "60"}
    assert client.post(URL, changed).status_code == 302
    after = client.get("/", {"as_of": "2026-09-30"}).content.decode()
    assert "Variant: window 60" in after
    assert "buckets 15,45,90" in after
    assert re.search(bucket_row.format("1-15"), after)
    assert not re.search(bucket_row.format("1-30"), after)
