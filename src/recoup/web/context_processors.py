"""The main navigation, built per request so it shows only pages that exist and the user may open."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from recoup.accounts.access import user_is_admin


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, URL name, admin only). Each app names its landing page "<namespace>:index"; an app
# that is not installed yet simply has no entry.
MAIN_NAV: tuple[tuple[str, str, bool], ...] = (
    ("Dashboard", "web:dashboard", False),
    ("OKRs", "okrs:index", False),
    ("Import", "ingest:index", False),
    ("Ledger", "ledger:overview", False),
    ("Settings", "web:settings", True),
)


def _section(url_name: str) -> str:
    namespace, _, name = url_name.partition(":")
    # The web app holds two sections: the dashboard and the settings pages.
    if namespace == "web":
        return "settings" if name.startswith("settings") else "dashboard"
    return namespace


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_nav": []}
    match = request.resolver_match
    here = _section(match.view_name) if match is not None else ""
    items = []
    for label, url_name, admin_only in MAIN_NAV:
        if admin_only and not user_is_admin(user):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(label, url, _section(url_name) == here))
    return {"main_nav": items}
