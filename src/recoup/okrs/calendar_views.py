"""OKR dates for calendar apps: the subscribable feed behind a person's secret address (no
session: calendar apps send no cookies), the same calendar as a download for the signed-in
person, and the button on the Cadence and "My work" pages that makes a new secret address.

The secret is kept only as a digest (`accounts.services.calendar_address_reset`), so its address
is rendered once, in the answer to the POST that made it, marked `no-store`. A feed for a team
is held to the teams the address's owner may filter the board by; anything else is 404, so an
address tells nothing about teams that are not its owner's.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from recoup.accounts.access import can_manage_own_tokens, permission_required
from recoup.accounts.models import TokenKind, User
from recoup.accounts.services import api_token_use, calendar_address_reset
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.okrs.board import board_filter
from recoup.okrs.calendar import CalendarScope, calendar_build, feed_cycles, feed_name

ICS_TYPE = "text/calendar; charset=utf-8"


def _scope(user: User, team: str) -> CalendarScope:
    """The person's own dates, or one of their teams' (`?team=`); 404 for any other team."""
    team = team.strip()[:100]
    if not team:
        return CalendarScope(owner=user)
    try:
        chosen = board_filter(user, team=team, mine="")
    except (AccessDeniedError, NotFoundError):
        raise Http404("No such calendar.") from None
    return CalendarScope(team=chosen.team)


def _calendar(request: HttpRequest, scope: CalendarScope) -> bytes:
    return calendar_build(
        cycles=feed_cycles(today=timezone.localdate()),
        name=feed_name(scope),
        host=request.get_host(),
        scope=scope,
    )


def _file_name(scope: CalendarScope) -> str:
    # Team names are free text: only letters and digits reach the header.
    team = "".join(c for c in (scope.team or "") if c.isalnum()).lower()
    return f"okrs-team-{team or 'team'}.ics" if scope.team else "okrs-mine.ics"


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The calendar a calendar app subscribes to: the running cycles' cadence and the due dates
    of what the address's owner owns, or of one of their teams (`?team=`)."""
    owner = api_token_use(secret=secret, kind=TokenKind.CALENDAR)
    if owner is None:
        raise Http404("No such calendar.")
    scope = _scope(owner, request.GET.get("team", ""))
    response = HttpResponse(_calendar(request, scope), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'inline; filename="{_file_name(scope)}"'
    # The address is a secret: keep it out of shared caches and of the Referer of any link.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@login_required
def calendar_download(request: HttpRequest) -> HttpResponse:
    """The same calendar for the signed-in person, as a file to import once."""
    user = request.user
    assert isinstance(user, User)
    scope = _scope(user, request.GET.get("team", ""))
    response = HttpResponse(_calendar(request, scope), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(scope)}"'
    return response


@permission_required(can_manage_own_tokens)
@require_POST
def calendar_address(request: HttpRequest) -> HttpResponse:
    """Makes the person a new secret calendar address (the old one stops working) and shows
    it, for them and for each of their teams, with a button to copy each."""
    user = request.user
    assert isinstance(user, User)
    issued = calendar_address_reset(user=user, actor=user, via="web")
    base = request.build_absolute_uri(
        reverse("okrs:calendar_feed", kwargs={"secret": issued.secret})
    )
    teams = board_filter(user, team="", mine="").teams
    came_from = request.POST.get("from", "")
    back = reverse("okrs:cadence") if came_from == "cadence" else reverse("okrs:mine")
    response = render(
        request,
        "okrs/calendar_address.html",
        {
            "mine_url": base,
            "team_urls": [(team, f"{base}?{urlencode({'team': team})}") for team in teams],
            "back": back,
        },
    )
    add_never_cache_headers(response)
    return response
