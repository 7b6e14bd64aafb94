"""Query budgets of the main pages: a page's query count must not grow with the data (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from recoup.accounts.models import Role
from recoup.accounts.services import team_member_add
from recoup.core.answers import answers_forget
from tests.web.conftest import World, client_for, make_customer, make_user

PAGES = [
    ("web:dashboard", "admin"),
    ("ledger:overview", "admin"),
    ("ledger:customers", "north_collector"),
    ("web:settings_users", "admin"),
    ("web:settings_teams", "admin"),
    ("web:settings_kpis", "admin"),
]


def _grow(world: World, n: int) -> None:
    for i in range(n):
        user = make_user(f"extra{i}", Role.COLLECTOR)
        team_member_add(team=world.north if i % 2 else world.south, user=user)
        make_customer(f"C-X{i}", f"Extra Customer {i}")


@pytest.mark.parametrize(("url_name", "who"), PAGES)
def test_main_pages_keep_their_query_count_as_data_grows(
    world: World, django_assert_max_num_queries: Any, url_name: str, who: str
) -> None:
    client = client_for(getattr(world, who))
    url = reverse(url_name)
    client.get(url)  # warm: session, content types
    answers_forget()  # measure computed pages, not cached ones
    with django_assert_max_num_queries(80) as small:
        assert client.get(url).status_code == 200
    _grow(world, 15)
    answers_forget()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_drill_down_keeps_its_query_count_as_customers_grow(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.manager)
    url = reverse("web:explain", args=["ar_total"])
    client.get(url)
    answers_forget()
    with django_assert_max_num_queries(80) as small:
        assert client.get(url).status_code == 200
    _grow(world, 15)
    answers_forget()
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url).content.decode()
    assert "Extra Customer 14" in body
