"""The calendar feed behind a secret address: calendar apps send no cookies, so each person gets
their own address (made and reset on the account page, shown once, stored as a digest), which
serves the same iCalendar as the API; a wrong, reset or orphaned address is 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from recoup.accounts.models import ApiToken, AuditEntry, Role, TokenKind, User
from recoup.accounts.services import (
    api_token_create,
    calendar_address_reset,
    user_create,
    user_deactivate,
)
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben() -> User:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    return User.objects.get(username="ben")


def feed(secret: str, cycle: str = "2026-Q3") -> str:
    return reverse("web:calendar_feed", kwargs={"secret": secret, "cycle": cycle})


def test_the_secret_address_serves_the_cycle_calendar_the_api_serves(ben: User) -> None:
    secret = calendar_address_reset(user=ben, actor=ben, via="web").secret
    assert secret.startswith("rcpcal_")
    app = Client()  # a calendar app: no session
    assert app.get("/api/okrs/cycles/2026-Q3/calendar.ics").status_code == 401
    response = app.get(feed(secret))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:2026-Q3: weekly check-in" in body
    # The address is ben's: the cycle's cadence and his own due dates; the API has everyone's.
    assert "SUMMARY:Key result due: Payment promises kept" in body
    assert "Compliance training done by everyone" not in body
    session = Client()
    session.force_login(ben)
    everyone = session.get("/api/okrs/cycles/2026-Q3/calendar.ics").content.decode()
    assert "SUMMARY:2026-Q3: weekly check-in" in everyone
    assert "Compliance training done by everyone" in everyone
    assert ApiToken.objects.get(kind=TokenKind.CALENDAR).last_used_at is not None


def test_a_wrong_secret_or_an_unknown_cycle_is_not_found(ben: User) -> None:
    secret = calendar_address_reset(user=ben, actor=ben).secret
    app = Client()
    assert app.get(feed(secret[:-1] + ("A" if secret[-1] != "A" else "B"))).status_code == 404
    assert app.get(feed("rcpcal_guess")).status_code == 404
    assert app.get(feed(secret, cycle="2099-Q1")).status_code == 404


def test_resetting_the_address_ends_the_old_one(ben: User) -> None:
    old = calendar_address_reset(user=ben, actor=ben).secret
    new = calendar_address_reset(user=ben, actor=ben).secret
    app = Client()
    assert app.get(feed(old)).status_code == 404
    assert app.get(feed(new)).status_code == 200
    assert ApiToken.objects.filter(kind=TokenKind.CALENDAR, revoked_at__isnull=True).count() == 1
    assert [
        e.action for e in AuditEntry.objects.filter(object_type="api_token").order_by("id")
    ] == [
        "calendar_address_create",
        "api_token_revoke",
        "calendar_address_create",
    ]


def test_an_api_token_does_not_open_the_calendar(ben: User) -> None:
    secret = api_token_create(user=ben, name="sheet", actor=ben).secret
    assert Client().get(feed(secret)).status_code == 404


def test_a_deactivated_persons_address_stops_working(ben: User) -> None:
    secret = calendar_address_reset(user=ben, actor=ben).secret
    admin = user_create(username="ada", password=None, role=Role.ADMIN)
    user_deactivate(user=ben, actor=admin)
    assert Client().get(feed(secret)).status_code == 404


def test_the_account_page_shows_a_new_address_once_per_cycle(ben: User) -> None:
    client = Client()
    client.force_login(ben)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert "Create calendar address" in page
    made = client.post(reverse("web:settings_calendar_reset"))
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    [(cycle, url)] = made.context["new_calendar_urls"]
    assert cycle == "2026-Q3"
    assert url.startswith("http://testserver/calendar/rcpcal_")
    assert url.endswith("/2026-Q3.ics")
    assert url in made.content.decode()
    assert Client().get(url).status_code == 200
    again = client.get(reverse("web:settings_tokens")).content.decode()
    assert url not in again
    assert "Reset calendar address" in again
