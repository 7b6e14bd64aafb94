"""Role guards: viewers change nothing, settings are for admins, anonymous users log in first."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from recoup.accounts.access import (
    admin_required,
    can_change,
    can_manage_users,
    change_required,
)
from tests.web.conftest import World


@change_required
def _change_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("changed")


@admin_required
def _admin_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("configured")


def _request(user: object) -> HttpRequest:
    request = RequestFactory().post("/somewhere/")
    request.user = user  # type: ignore[assignment]
    return request


def test_admins_managers_and_collectors_may_change_but_viewers_may_not(world: World) -> None:
    assert can_change(world.admin)
    assert can_change(world.manager)
    assert can_change(world.north_collector)
    assert not can_change(world.viewer)
    assert not can_change(AnonymousUser())


def test_a_viewer_is_refused_by_the_change_guard(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _change_view(_request(world.viewer))
    assert _change_view(_request(world.north_collector)).content == b"changed"


def test_an_anonymous_visitor_is_sent_to_log_in_first(world: World) -> None:
    response = _change_view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/somewhere/"


def test_only_admins_pass_the_admin_guard(world: World) -> None:
    assert _admin_view(_request(world.admin)).content == b"configured"
    for user in (world.manager, world.north_collector, world.viewer):
        with pytest.raises(PermissionDenied):
            _admin_view(_request(user))
    assert can_manage_users(world.admin)
    assert not can_manage_users(world.manager)


def test_a_deactivated_admin_loses_every_right(world: World) -> None:
    world.admin.is_active = False
    assert not can_manage_users(world.admin)
    assert not can_change(world.admin)
