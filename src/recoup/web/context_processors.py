"""Per-request template context: the main navigation, built so it shows only pages that exist and
the user may open, and `can`, the user's rights (`recoup.accounts.access`) for hiding buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from recoup.accounts.access import (
    AnyUser,
    Can,
    can_place_accounts,
    can_read_audit,
    can_read_org_settings,
    can_work_account,
)


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, URL name, the rule that opens it, or None for everyone signed in). Each app names its
# landing page "<namespace>:index"; an app that is not installed yet simply has no entry.
MAIN_NAV: tuple[tuple[str, str, Callable[[AnyUser], bool] | None], ...] = (
    ("Dashboard", "web:dashboard", None),
    ("Worklist", "worklist:index", can_work_account),
    ("Dunning", "dunning:index", can_work_account),
    ("Placements", "placements:index", can_place_accounts),
    ("OKRs", "okrs:index", None),
    ("Import", "ingest:index", None),
    ("Ledger", "ledger:overview", None),
    ("Audit", "accounts:audit", can_read_audit),
    ("Settings", "web:settings", can_read_org_settings),
)


def _section(url_name: str) -> str:
    namespace, _, name = url_name.partition(":")
    # The web app holds two sections: the dashboard and the settings pages.
    if namespace == "web":
        return "settings" if name.startswith("settings") else "dashboard"
    # The account workspace's pages are the ledger's customer pages.
    if namespace == "workspace":
        return "ledger"
    return namespace


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_nav": []}
    match = request.resolver_match
    here = _section(match.view_name) if match is not None else ""
    items = []
    for label, url_name, rule in MAIN_NAV:
        if rule is not None and not rule(user):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(NavItem(label, url, _section(url_name) == here))
    return {"main_nav": items}


def access(request: HttpRequest) -> dict[str, Can]:
    """`can`: what the signed-in user may do, for templates (`{% if can.change_okrs %}`)."""
    return {"can": Can(getattr(request, "user", None) or AnonymousUser())}
