"""The check-in form that cannot go wrong quietly: numbers read with the person's decimal mark,
the previous check-in and a live preview shown, the at-risk rule said before submitting, and the
author's correction or withdrawal of their latest check-in."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.services import user_decimal_mark_set
from recoup.okrs.models import CheckIn, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.scoring import AT_RISK_NOW, AT_RISK_RULE
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN
from tests.web.conftest import World, client_for

D = Decimal


@pytest.fixture(autouse=True)
def _mid_quarter() -> Iterator[None]:
    with time_machine.travel("2026-08-15 09:00Z", tick=False):
        yield


@pytest.fixture
def ninety(world: World) -> KeyResult:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    return KeyResult.objects.get(key="ninety")


def _promises() -> KeyResult:
    return KeyResult.objects.get(key="promises")


def _comma(user: User) -> User:
    return user_decimal_mark_set(user=user, decimal_mark=",", actor=user, via="test")


def _check_in(client: Any, kr: KeyResult, value: str, confidence: str = "on_track") -> Any:
    return client.post(
        reverse("okrs:checkin", args=[kr.pk]),
        {"value": value, "confidence": confidence, "comment": "weekly review"},
    )


def _page(client: Any, kr: KeyResult) -> str:
    return str(client.get(reverse("okrs:key_result", args=[kr.pk])).content.decode())


def test_with_a_decimal_comma_58_comma_5_is_saved_as_58_point_5(
    world: World, ninety: KeyResult
) -> None:
    ben = _comma(User.objects.get(username="ben"))
    client = client_for(ben)
    assert _check_in(client, _promises(), "58,5").status_code == 302
    assert CheckIn.objects.get().value == D("58.5")
    assert _check_in(client, _promises(), "1.250,5").status_code == 302
    assert CheckIn.objects.order_by("-id").first().value == D("1250.5")  # type: ignore[union-attr]


def test_with_a_decimal_comma_a_point_is_refused_with_what_to_write(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(_comma(User.objects.get(username="ben")))
    response = _check_in(client, _promises(), "58.5")
    assert response.status_code == 422
    assert "the decimal mark is a comma here (a point separates thousands): write 58,5" in (
        response.content.decode()
    )
    assert not CheckIn.objects.exists()


def test_with_a_decimal_point_58_comma_5_is_refused_never_read_as_585(
    world: World, ninety: KeyResult
) -> None:
    response = _check_in(client_for(User.objects.get(username="ben")), _promises(), "58,5")
    assert response.status_code == 422
    assert "write 58.5" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_form_shows_the_previous_check_in_who_when_and_confidence(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    assert "No check-in yet: this will be the first." in _page(client, ninety)
    _check_in(client, ninety, "450000", "at_risk")
    page = _page(client, ninety)
    assert "Previous check-in: <strong>450000 USD</strong>, at risk, by Max on 15 Aug 2026." in page


def test_the_preview_shows_progress_and_status_for_the_typed_value(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    url = reverse("okrs:checkin_preview", args=[ninety.pk])
    body = client.get(url, {"value": "450000"}).content.decode()
    # (500,000 - 450,000) / (500,000 - 400,000) = 50 %, ahead of the 49 % expected by 15 August.
    assert "progress <strong>50 %</strong>" in body
    assert "(expected by now 49 %)" in body
    assert "status-on_track" in body
    behind = client.get(url, {"value": "480000"}).content.decode()
    assert "progress <strong>20 %</strong>" in behind
    assert "status-off_track" in behind
    assert "is not a number" in client.get(url, {"value": "lots"}).content.decode()
    assert "Type a value" in client.get(url).content.decode()
    assert not CheckIn.objects.exists()


def test_the_preview_reads_the_persons_decimal_mark(world: World, ninety: KeyResult) -> None:
    client = client_for(_comma(world.manager))
    url = reverse("okrs:checkin_preview", args=[ninety.pk])
    assert (
        "With <strong>450000,5 USD</strong>"
        in client.get(url, {"value": "450.000,5"}).content.decode()
    )
    assert "write 450000,5" in client.get(url, {"value": "450000.5"}).content.decode()


def test_the_preview_is_only_for_those_who_may_check_in(world: World, ninety: KeyResult) -> None:
    url = reverse("okrs:checkin_preview", args=[ninety.pk])
    assert client_for(world.viewer).get(url, {"value": "1"}).status_code == 403


def test_the_page_says_the_at_risk_rule_before_and_closes_at_risk_when_it_applies(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    assert AT_RISK_RULE in _page(client, ninety)
    _check_in(client, ninety, "470000", "at_risk")
    _check_in(client, ninety, "465000", "at_risk")
    page = _page(client, ninety)
    assert AT_RISK_NOW in page
    assert (
        '<input type="radio" name="confidence" value="at_risk" id="id_confidence_1" required '
        'disabled aria-describedby="at-risk-rule">' in page
    )
    refused = _check_in(client, ninety, "460000", "at_risk")
    assert refused.status_code == 422
    assert AT_RISK_NOW in refused.content.decode()
    assert "on_track or off_track" not in refused.content.decode()
    assert CheckIn.objects.count() == 2


def test_the_author_corrects_their_latest_check_in_on_the_page(
    world: World, ninety: KeyResult
) -> None:
    ben = _comma(User.objects.get(username="ben"))
    client = client_for(ben)
    _check_in(client, _promises(), "585")
    typo = CheckIn.objects.get()
    page = _page(client, _promises())
    assert "Your latest check-in" in page
    assert 'value="585"' in page
    response = client.post(
        reverse("okrs:checkin_correct", args=[_promises().pk]),
        {
            "correct-checkin": typo.pk,
            "correct-value": "58,5",
            "correct-confidence": "on_track",
            "correct-comment": "typed a comma too few",
        },
    )
    assert response.status_code == 302
    fixed = CheckIn.objects.counted().get()
    assert fixed.value == D("58.5")
    assert fixed.corrects == typo
    page = _page(client, _promises())
    assert "Check-in corrected" in page
    assert "<del>585 %</del>" in page
    assert "Corrected</span>" in page
    assert AuditEntry.objects.filter(action="okr_checkin_correct", via="web").exists()


def test_the_author_withdraws_their_latest_check_in_on_the_page(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    _check_in(client, ninety, "450000")
    checkin = CheckIn.objects.get()
    url = reverse("okrs:checkin_withdraw", args=[ninety.pk])
    assert client.post(url, {"checkin": checkin.pk}).status_code == 302
    assert not CheckIn.objects.counted().exists()
    page = _page(client, ninety)
    assert "Check-in withdrawn" in page
    assert "Withdrawn</span>" in page
    assert "No check-in yet" in page
    assert client.post(url, {"checkin": checkin.pk}).status_code == 422


def test_nobody_else_corrects_or_withdraws_it(world: World, ninety: KeyResult) -> None:
    _check_in(client_for(User.objects.get(username="ben")), _promises(), "70")
    bens = CheckIn.objects.get()
    manager = client_for(world.manager)
    assert "Your latest check-in" not in _page(manager, _promises())
    url = reverse("okrs:checkin_withdraw", args=[_promises().pk])
    assert manager.post(url, {"checkin": bens.pk}).status_code == 403
    assert client_for(world.viewer).post(url, {"checkin": bens.pk}).status_code == 403
    assert manager.post(url, {"checkin": "999999"}).status_code == 404
    assert CheckIn.objects.counted().get() == bens


def test_check_in_ids_out_of_range_are_not_found_not_server_errors(
    world: World, ninety: KeyResult
) -> None:
    client = client_for(world.manager)
    huge = "9" * 30
    preview = reverse("okrs:checkin_preview", args=[ninety.pk])
    assert client.get(preview, {"value": "1", "correcting": huge}).status_code == 404
    withdraw = reverse("okrs:checkin_withdraw", args=[ninety.pk])
    assert client.post(withdraw, {"checkin": huge}).status_code == 404
    correct = reverse("okrs:checkin_correct", args=[ninety.pk])
    response = client.post(correct, {"correct-checkin": huge, "correct-value": "1"})
    assert response.status_code == 404
    api = f"/api/okrs/key-results/{ninety.pk}/checkins/{huge}/withdraw"
    assert client.post(api, {}, content_type="application/json").status_code in (404, 422)
    long_value = client.get(preview, {"value": "9" * 200})
    assert long_value.status_code == 200
