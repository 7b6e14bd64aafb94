"""The workspace pages: one account (its summary, timeline and action forms) and the dispute
queue, and what the actions share with them (finding the account in the asker's book, the page's
context, blocks as people read them)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from recoup.accounts.access import (
    can_override_contact_rules,
    can_work_account,
    permission_required,
)
from recoup.accounts.models import Role, User
from recoup.accounts.names import person_name
from recoup.accounts.scope import scope_for
from recoup.core.errors import NotFoundError
from recoup.core.htmx import is_htmx
from recoup.workspace import forms as f
from recoup.workspace.rules import (
    RuleHit,
)
from recoup.workspace.selectors import Account, account_detail, dispute_queue
from recoup.workspace.timeline import TIMELINE_STEP, account_timeline

VIA = "web"
work_required = permission_required(can_work_account)
# Ending a restriction (a cease request withdrawn, a bankruptcy dismissed) reopens contact: a
# manager's or an admin's decision, as overriding a block is.
override_required = permission_required(can_override_contact_rules)
WHEN = "%a %d %b %Y, %H:%M"


def acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the guards let only signed-in people through
    return request.user


def account_in_book(request: HttpRequest, customer_id: int) -> Account:
    try:
        return account_detail(
            scope_for(request.user), customer_id=customer_id, today=timezone.localdate()
        )
    except NotFoundError as error:
        raise Http404(str(error)) from error


# --- blocks, as people read them --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HitShown:
    rule: str
    message: str
    fact: str
    debtor_time: str  # "" when the engine knows no time it would be allowed again
    your_time: str


def _shown(hits: tuple[RuleHit, ...], time_zone: str) -> list[HitShown]:
    debtor = zoneinfo.ZoneInfo(time_zone)
    yours = timezone.get_current_timezone()
    shown = []
    for hit in hits:
        nxt: datetime | None = hit.next_allowed_at
        shown.append(
            HitShown(
                rule=hit.rule,
                message=hit.message,
                fact=str(hit.fact or ""),
                debtor_time=nxt.astimezone(debtor).strftime(WHEN) if nxt else "",
                your_time=nxt.astimezone(yours).strftime(WHEN) if nxt else "",
            )
        )
    return shown


# --- the forms of one account -----------------------------------------------------------------


def _owners(request: HttpRequest) -> list[tuple[int, str]]:
    """Who may own a dispute: people who work accounts, within the asker's teams."""
    scope = scope_for(request.user)
    people = User.objects.filter(
        is_active=True, role__in=[Role.ADMIN, Role.MANAGER, Role.COLLECTOR]
    )
    if not scope.sees_all:
        people = people.filter(pk__in=scope.collector_ids)
    return [(u.pk, person_name(u)) for u in people.order_by("first_name", "last_name", "username")]


FormBuilder = Callable[[Account, HttpRequest, Any], forms.Form]
BUILDERS: dict[str, FormBuilder] = {
    "contact": lambda a, r, data: f.ContactLogForm(
        data, invoices=a.open_invoices, prefix="contact"
    ),
    "promise": lambda a, r, data: f.PromiseForm(
        data,
        invoices=a.open_invoices,
        currencies=a.currencies,
        contacts=a.recent_contacts,
        prefix="promise",
    ),
    "plan": lambda a, r, data: f.PlanForm(data, currencies=a.currencies, prefix="plan"),
    "dispute": lambda a, r, data: f.DisputeOpenForm(
        data, invoices=a.open_invoices, owners=_owners(r), prefix="dispute"
    ),
    "note": lambda a, r, data: f.NoteForm(data, prefix="note"),
    "callback": lambda a, r, data: f.CallBackForm(
        data, time_zone=a.customer.time_zone, prefix="callback"
    ),
    "point": lambda a, r, data: f.ContactPointForm(data, prefix="point"),
    "restriction": lambda a, r, data: f.RestrictionForm(
        data, prefix="restriction", initial={"effective_on": a.today}
    ),
}
ACTION_URLS = {
    "contact": "workspace:contact_log",
    "promise": "workspace:promise",
    "plan": "workspace:plan",
    "dispute": "workspace:dispute",
    "note": "workspace:note",
    "callback": "workspace:call_back",
    "point": "workspace:contact_point",
    "restriction": "workspace:restriction",
}
ACTION_TITLES = {
    "contact": "Log a contact",
    "promise": "Record a promise to pay",
    "plan": "Set up a payment plan",
    "dispute": "Open a dispute",
    "note": "Add a note",
    "callback": "Set a call-back",
    "point": "Add a contact point",
    "restriction": "Record a restriction",
}


def page_context(
    request: HttpRequest,
    account: Account,
    *,
    bound: dict[str, forms.Form] | None = None,
    blocked: Any = None,
    done: str = "",
    item_errors: dict[str, forms.Form] | None = None,
    show: int = TIMELINE_STEP,
) -> dict[str, Any]:
    may_work = can_work_account(request.user)
    built = {key: build(account, request, None) for key, build in BUILDERS.items()}
    built.update(bound or {})
    errors = item_errors or {}
    zone = zoneinfo.ZoneInfo(account.customer.time_zone)
    return {
        "account": account,
        "customer": account.customer,
        "timeline": account_timeline(account.customer, limit=show),
        "actions": [
            (
                key,
                ACTION_TITLES[key],
                built[key],
                reverse(ACTION_URLS[key], args=[account.customer.pk]),
            )
            for key in BUILDERS
        ],
        "forms": built,
        "may_work": may_work,
        "blocks": _shown(blocked.blocks, account.customer.time_zone) if blocked else [],
        "warnings": _shown(blocked.warnings, account.customer.time_zone) if blocked else [],
        "done": done,
        "debtor_now": timezone.now().astimezone(zone),
        "your_zone": timezone.get_current_timezone_name(),
        "flag_forms": [
            (flag, errors.get(f"flag-{flag.pk}") or f.FlagClearForm(prefix=f"flag-{flag.pk}"))
            for flag in account.flags
        ],
        "dispute_forms": [
            (
                d,
                errors.get(f"dispute-{d.dispute.pk}")
                or f.DisputeResolveForm(prefix=f"resolve-{d.dispute.pk}"),
            )
            for d in account.disputes
        ],
        "restriction_forms": [
            (
                r,
                errors.get(f"restriction-{r.pk}")
                or f.RestrictionEndForm(prefix=f"end-{r.pk}", initial={"ended_on": account.today}),
            )
            for r in account.restrictions
        ],
        "point_forms": [
            (
                p,
                errors.get(f"point-{p.pk}")
                or f.ContactPointMarkForm(prefix=f"mark-{p.pk}", initial={"status": p.status}),
            )
            for p in account.contact_points
        ],
    }


@require_safe
@login_required
def account_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    account = account_in_book(request, customer_id)
    context = page_context(request, account, show=_show(request))
    return render(request, "workspace/account.html", context)


def _show(request: HttpRequest) -> int:
    """How many timeline entries were asked for ("show more"); nonsense reads as the default."""
    text = request.GET.get("show", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else TIMELINE_STEP


@require_safe
@login_required
def account_timeline_part(request: HttpRequest, customer_id: int) -> HttpResponse:
    account = account_in_book(request, customer_id)
    limit = _show(request)
    if not is_htmx(request):
        page = reverse("workspace:account", args=[customer_id])
        return HttpResponseRedirect(f"{page}?show={limit}#account-timeline")
    context = {
        "customer": account.customer,
        "timeline": account_timeline(account.customer, limit=limit),
    }
    return render(request, "workspace/partials/timeline.html", context)


# --- the dispute queue ------------------------------------------------------------------------


@require_safe
@login_required
def dispute_queue_page(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1" and isinstance(request.user, User)
    queue = dispute_queue(
        scope_for(request.user),
        today=timezone.localdate(),
        owner_id=request.user.pk if mine else None,
    )
    return render(
        request,
        "workspace/disputes.html",
        {"queue": queue, "mine": mine, "today": timezone.localdate()},
    )
