"""Log-in and log-out through Recoup's own pages, with throttling of repeated failures."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from recoup.accounts.models import AuditEntry
from recoup.web.models import LoginAttempt, LoginOutcome
from tests.web.conftest import PASSWORD, World


def _login(client: Client, username: str, password: str, **extra: str) -> Any:
    return client.post(reverse("web:login"), {"username": username, "password": password}, **extra)


def test_pages_send_an_anonymous_visitor_to_the_login_page(world: World) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_page_is_ours_with_labelled_fields(world: World) -> None:
    response = Client().get(reverse("web:login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in body
    assert '<label for="id_password">Password</label>' in body
    assert "<main" in body
    assert "/static/recoup/recoup.css" in body


def test_a_correct_password_logs_in_and_lands_on_the_dashboard(world: World) -> None:
    client = Client()
    response = _login(client, "nina", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Nina" in dashboard.content.decode()


def test_a_wrong_password_is_refused_and_counted(world: World) -> None:
    client = Client()
    response = _login(client, "nina", "not the password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    failures = LoginAttempt.objects.filter(username="nina", ip="127.0.0.1")
    assert list(failures.values_list("outcome", flat=True)) == [LoginOutcome.FAILED]
    assert AuditEntry.objects.filter(action="login_failed", object_id="nina").exists()


def test_too_many_failures_lock_the_username_even_for_the_right_password(
    world: World, settings: Settings
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        _login(client, "Nina", "guess")
    response = _login(client, "nina", PASSWORD)
    body = response.content.decode()
    assert "Too many failed log-ins" in body
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_locked", object_id="nina").count() == 1


def test_the_lock_holds_only_for_that_username_and_address(
    world: World, settings: Settings
) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        _login(Client(), "nina", "guess")
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other_address, "nina", PASSWORD).status_code == 302
    assert _login(Client(), "sam", PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(world: World) -> None:
    client = Client()
    _login(client, "nina", "guess")
    assert _login(client, "nina", PASSWORD).status_code == 302
    assert not LoginAttempt.objects.filter(username="nina").exists()


def test_the_admin_login_page_is_throttled_too(world: World, settings: Settings) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "ada", "password": "guess"})
    response = client.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed log-ins" in response.content.decode()


def test_logout_ends_the_session_and_says_so(world: World) -> None:
    client = Client()
    _login(client, "nina", PASSWORD)
    response = client.post(reverse("web:logout"), follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "You are logged out." in response.content.decode()
    assert client.get("/").status_code == 302


def test_logout_by_get_is_refused_so_a_link_cannot_log_someone_out(world: World) -> None:
    client = Client()
    _login(client, "nina", PASSWORD)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.get("/").status_code == 200
