"""The grading step and the carry-over as pages: grade, close, edits refused afterwards with a
clear message, carry one objective over; the board of a closed cycle shows grades and notes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recoup.accounts.models import User
from recoup.okrs import selectors, services
from recoup.okrs.models import Cycle, KeyResult, Objective

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def checked_in(quarter: Cycle) -> Cycle:
    with time_machine.travel(date(2026, 9, 28), tick=False):
        for ref, value in (("cash/ninety", "420000"), ("cash/promises", "75")):
            services.checkin_create(
                key_result=selectors.key_result_get(ref=ref),
                value=Decimal(value),
                confidence="on_track",
            )
    return quarter


@time_machine.travel(date(2026, 10, 2), tick=False)
def test_manager_grades_closes_and_carries_over(checked_in: Cycle, manager: User) -> None:
    client = _client(manager)
    page = client.get(reverse("okrs:cycle_close", args=[checked_in.pk]))
    assert page.status_code == 200
    assert "Committed, missed" in page.content.decode()
    cash = Objective.objects.get(cycle=checked_in, key="cash")
    fair = Objective.objects.get(cycle=checked_in, key="fair")
    response = client.post(
        reverse("okrs:cycle_close", args=[checked_in.pk]),
        {
            "action": "close",
            f"worked-{cash.pk}": "Weekly calls to the largest accounts",
            f"did-not-{cash.pk}": "Promises slipped",
            f"change-{cash.pk}": "Letters at 60 days",
            f"worked-{fair.pk}": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("okrs:cycle_carry", args=[checked_in.pk])
    checked_in.refresh_from_db()
    assert checked_in.closed_at is not None

    board = client.get(reverse("okrs:index"), {"cycle": checked_in.name}).content.decode()
    assert "Weekly calls to the largest accounts" in board
    assert "read-only" in board

    refused = client.post(
        reverse("okrs:objective_edit", args=[cash.pk]),
        {"title": "Renamed", "commitment": "committed"},
    )
    assert refused.status_code == 422
    assert "was closed on 2026-10-02" in refused.content.decode()

    ninety = KeyResult.objects.get(objective=cash, key="ninety")
    carried = client.post(
        reverse("okrs:cycle_carry", args=[checked_in.pk]),
        {"target": "2026-Q4", "objective": [str(cash.pk)], "key_result": [str(ninety.pk)]},
    )
    assert carried.status_code == 302
    new = KeyResult.objects.get(objective__cycle__name="2026-Q4", key="ninety")
    assert new.baseline == Decimal("420000")
    next_board = client.get(carried["Location"]).content.decode()
    assert "carried from 2026-Q3" in next_board


@time_machine.travel(date(2026, 10, 2), tick=False)
def test_carry_refuses_an_open_cycle_and_bad_ids(checked_in: Cycle, manager: User) -> None:
    client = _client(manager)
    url = reverse("okrs:cycle_carry", args=[checked_in.pk])
    open_cycle = client.post(url, {"target": "2026-Q4", "key_result": ["1"]})
    assert open_cycle.status_code == 422
    assert "still open" in open_cycle.content.decode()
    bad = client.post(url, {"target": "2026-Q4", "key_result": ["x'; drop"]})
    assert bad.status_code == 422
    assert "choose from the list" in bad.content.decode()
    assert client.get(reverse("okrs:cycle_carry", args=[999999])).status_code == 404


@time_machine.travel(date(2026, 9, 10), tick=False)
def test_closing_before_the_evaluation_date_is_refused(quarter: Cycle, manager: User) -> None:
    response = _client(manager).post(
        reverse("okrs:cycle_close", args=[quarter.pk]), {"action": "close"}
    )
    assert response.status_code == 422
    assert "evaluation date" in response.content.decode()
    quarter.refresh_from_db()
    assert quarter.closed_at is None
