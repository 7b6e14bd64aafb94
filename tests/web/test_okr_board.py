"""The OKR board as OKR-tool users read it: from → to, owners by name, the last check-in, the
team and "mine" filters under the access rules, and progress that is never negative."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from recoup.accounts.models import User
from recoup.okrs.models import CheckIn, CheckInSource, Confidence, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN
from tests.web.conftest import World, client_for


@pytest.fixture
def ninety(world: World) -> KeyResult:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    User.objects.filter(username="ana").update(first_name="Ana", last_name="Ribeiro")
    User.objects.filter(username="ben").update(first_name="Ben", last_name="Okafor")
    return KeyResult.objects.get(key="ninety")


def _reading(kr: KeyResult, value: int, day: date, author: User | None = None) -> None:
    CheckIn.objects.create(
        key_result=kr,
        value=value,
        data_date=day,
        confidence=Confidence.ON_TRACK,
        author=author,
        source=CheckInSource.MANUAL if author else CheckInSource.AUTOMATIC,
        created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
    )


def test_the_board_shows_from_to_owners_by_name_and_the_last_check_in(
    world: World, ninety: KeyResult
) -> None:
    _reading(ninety, 480_000, date(2026, 7, 6))
    _reading(ninety, 455_000, date(2026, 7, 13), author=User.objects.get(username="ana"))
    body = client_for(world.viewer).get(reverse("okrs:index")).content.decode()
    assert 'owner <span class="owner">Ana Ribeiro</span>' in body
    assert "Ben Okafor" in body
    assert ">ana<" not in body
    assert ">500 k USD → 400 k USD<" in body
    assert ">60 → 80 %<" in body
    assert ">at most 5 %<" in body
    assert ">Ana Ribeiro, on 13 Jul 2026, on track<" in body
    assert "Trend of 2 check-ins, falling: from 480 k USD to 455 k USD" in body


def test_a_team_filter_outside_a_collectors_book_is_refused(
    world: World, ninety: KeyResult
) -> None:
    index = reverse("okrs:index")
    assert client_for(world.south_collector).get(index, {"team": "North"}).status_code == 403
    assert client_for(world.viewer).get(index, {"team": "Nowhere"}).status_code in (403, 404)
    body = client_for(world.manager).get(index, {"team": "South"}).content.decode()
    assert "Nothing on this board matches the filters" in body
    assert "Turn receivables into cash sooner" not in body


def test_mine_shows_only_what_i_own(world: World, ninety: KeyResult) -> None:
    ben = User.objects.get(username="ben")
    body = client_for(ben).get(reverse("okrs:index"), {"mine": "1"}).content.decode()
    assert "Payment promises kept" in body
    assert "Less money more than 90 days past due" not in body
