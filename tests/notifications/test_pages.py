"""The notifications pages: the bell's count, the list and marking read, the settings form, and
the admin's team webhooks."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import Client

from recoup.accounts.models import AuditEntry, Role, User
from recoup.accounts.services import team_create, user_create
from recoup.notifications.models import Channel, EventKind, Notification, Preference, TeamWebhook
from recoup.notifications.selectors import channels_for
from recoup.notifications.services import notification_send

pytestmark = pytest.mark.django_db


def _tell(user: User, n: int) -> Notification:
    told = notification_send(
        event=EventKind.INITIATIVE_DUE,
        user=user,
        subject=f"Due today: initiative {n}",
        body="Still to do.",
        link="/okrs/",
        key=f"initiative_due:i{n}:2026-07-20",
    )
    assert told is not None
    return told


def _bell(html: str) -> str:
    found = re.search(r'<a class="bell[^"]*".*?</a>', html, re.S)
    assert found is not None
    return found.group(0)


def test_the_bell_counts_unread_and_the_page_marks_them_read(ada: User, client: Client) -> None:
    client.force_login(ada)
    first, _second = _tell(ada, 1), _tell(ada, 2)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Notifications, 2 unread" in _bell(html)
    assert "Due today: initiative 1" in html

    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    assert "Notifications, 1 unread" in _bell(client.get("/okrs/").content.decode())
    unread = client.get("/notifications/?show=unread").content.decode()
    assert "Due today: initiative 2" in unread
    assert "Due today: initiative 1" not in unread

    assert client.post("/notifications/read-all/").status_code == 302
    assert "none unread" in _bell(client.get("/notifications/").content.decode())
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_nobody_marks_anothers_notification_read(ada: User, client: Client) -> None:
    other = user_create(username="bob", password=None, role=Role.VIEWER)
    theirs = _tell(other, 1)
    client.force_login(ada)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Due today" not in client.get("/notifications/").content.decode()


def _form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "time_zone": "Europe/Berlin",
        "quiet_from": "21:00",
        "quiet_until": "07:30",
        "digest_at": "08:00",
        "chat_webhook_url": "",
        "chat_format": "slack",
    }
    for event in EventKind:
        data[f"channels_{event.value}"] = ["email", "in_app"]
    data.update(changes)
    return data


def test_the_settings_page_saves_channels_quiet_hours_and_time_zone(
    ada: User, client: Client
) -> None:
    client.force_login(ada)
    shown = client.get("/notifications/settings/")
    assert shown.status_code == 200
    assert "Channels per event" in shown.content.decode()
    saved = client.post(
        "/notifications/settings/", _form(channels_callback_due=["in_app"], digest="on")
    )
    assert saved.status_code == 302
    preference = Preference.objects.get(user=ada)
    assert preference.time_zone == "Europe/Berlin"
    assert (preference.quiet_from, preference.quiet_until) == (time(21, 0), time(7, 30))
    assert preference.digest
    assert channels_for(ada, EventKind.CALLBACK_DUE) == frozenset({Channel.IN_APP})
    assert AuditEntry.objects.filter(action="notify_preference_set", actor=ada).count() == 1


def test_bad_settings_are_refused_with_a_reason_not_an_error(ada: User, client: Client) -> None:
    client.force_login(ada)
    half = client.post("/notifications/settings/", _form(quiet_until=""))
    assert half.status_code == 422
    assert "Give both the start and the end of quiet hours." in half.content.decode()
    zone = client.post("/notifications/settings/", _form(time_zone="Mars/Olympus"))
    assert zone.status_code == 422
    hook = client.post("/notifications/settings/", _form(chat_webhook_url="ftp://example.test/x"))
    assert hook.status_code == 422
    assert not Preference.objects.filter(user=ada).exists()


def test_an_admin_sets_and_removes_a_teams_chat_webhook(client: Client) -> None:
    admin = user_create(username="root", password=None, role=Role.ADMIN)
    team = team_create(name="North")
    client.force_login(admin)
    assert "North" in client.get("/notifications/team-webhooks/").content.decode()
    url = "https://chat.example.test/hooks/abc"
    response = client.post(
        "/notifications/team-webhooks/", {"team": team.pk, "url": url, "chat_format": "teams"}
    )
    assert response.status_code == 302
    assert TeamWebhook.objects.get(team=team).chat_format == "teams"
    client.post(
        "/notifications/team-webhooks/", {"team": team.pk, "url": "", "chat_format": "slack"}
    )
    assert not TeamWebhook.objects.exists()
    assert AuditEntry.objects.filter(action="notify_team_webhook_set").count() == 2
