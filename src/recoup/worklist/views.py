"""The worklist page: a collector's accounts for the day in the order to work them, why each is
there, and how to reach them now. Managers and admins choose whose list; collectors see their own
and their teammates' (`recoup.accounts.scope`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import (
    can_plan_collectors_work,
    can_work_account,
    permission_required,
)
from recoup.accounts.models import Role, User
from recoup.accounts.names import person_name
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.exports import ExportError, bad_request, export_links, query_with, sort_headers
from recoup.ledger.selectors import customers_in_scope
from recoup.worklist.lines import (
    HEADERS,
    PRIORITY,
    SORT_WORDS,
    SORTED_HEADERS,
    TEAM_HEADERS,
    team_sort,
    team_sorted,
    worklist_lines,
    worklist_sort,
)
from recoup.worklist.selectors import (
    Worklist,
    collector_for,
    collectors_visible,
    team_row,
    worklist_for,
    worklists_for,
)
from recoup.worklist.services import (
    AccountMoveError,
    DailyCallsError,
    accounts_move,
    collector_daily_calls_set,
    likelihood_current,
)

work_required = permission_required(can_work_account)


def _an_id(text: str) -> bool:
    """Digits a database integer can hold (a longer string is no id, and no error either)."""
    return text.isdigit() and len(text) <= 18


def _chosen(request: HttpRequest, username: str) -> User | None:
    """The collector whose list is asked for: the asker when they collect and name nobody."""
    scope = scope_for(request.user)
    if not username:
        user = request.user
        if isinstance(user, User) and user.role == Role.COLLECTOR:
            return user
        return None
    try:
        return collector_for(scope, username)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error


def _page(request: HttpRequest, collector: User | None, **extra: Any) -> dict[str, Any]:
    """The page's context: the chooser, and the chosen collector's list or everyone's day."""
    scope = scope_for(request.user)
    people = list(collectors_visible(scope))
    likelihood = likelihood_current(background=True)
    context: dict[str, Any] = {
        "collectors": [(c.username, person_name(c)) for c in people],
        "chosen": collector.username if collector else "",
        "may_plan": can_plan_collectors_work(request.user),
        **extra,
    }
    raw_sort = request.GET.get("sort")
    if collector is not None:
        worklist = worklist_for(scope, collector=collector, likelihood=likelihood)
        context.update(worklist=worklist, quality=worklist.likelihood.quality)
        context.update(_sorting(request, worklist, raw_sort))
    else:
        # A manager's first view: every collector's day side by side.
        lists = worklists_for(scope, collectors=people, likelihood=likelihood)
        sort = team_sort(raw_sort)
        context["overview"] = team_sorted([team_row(w) for w in lists], raw_sort)
        context["team_headers"] = sort_headers(sort, request.GET, TEAM_HEADERS, anchor="team")
        context["downloads"] = export_links(
            reverse("worklist:export"), QueryDict(query_with(request.GET, table="team"))
        )
    return context


def _sorting(request: HttpRequest, worklist: Worklist, raw_sort: str | None) -> dict[str, Any]:
    """The list in its priority order, or every group in one table sorted by a column; the
    downloads carry the collector and the sort."""
    sort = worklist_sort(raw_sort)
    query = QueryDict(mutable=True)
    query.update({"collector": worklist.collector.username, "sort": sort.param})
    by_column = sort.key != PRIORITY
    return {
        "by_column": by_column,
        "sort_words": SORT_WORDS.get(sort.key, ""),
        "sorted_lines": worklist_lines(worklist, raw_sort) if by_column else [],
        "headers": sort_headers(sort, query, HEADERS, anchor="sorted"),
        "sorted_headers": sort_headers(sort, query, SORTED_HEADERS, anchor="sorted"),
        "priority_query": query_with(query, sort=""),
        "downloads": export_links(reverse("worklist:export"), query),
    }


@require_safe
@work_required
def worklist_page(request: HttpRequest) -> HttpResponse:
    collector = _chosen(request, request.GET.get("collector", "").strip())
    try:
        context = _page(request, collector)
    except ExportError as error:  # a sort key the table does not have
        return bad_request(error)
    return render(request, "worklist/worklist.html", context)


@require_http_methods(["POST"])
@work_required
def daily_calls_action(request: HttpRequest) -> HttpResponse:
    """A manager sets how many calls a collector makes in a day."""
    if not can_plan_collectors_work(request.user):
        raise PermissionDenied("only managers and admins set a collector's daily calls")
    collector = _chosen(request, request.POST.get("collector", "").strip())
    if collector is None:
        raise Http404("name the collector")
    raw = request.POST.get("daily_calls", "").strip()
    try:
        collector_daily_calls_set(
            collector=collector,
            daily_calls=int(raw) if _an_id(raw) else 0,
            actor=request.user if isinstance(request.user, User) else None,
            via="web",
        )
    except DailyCallsError:
        error = f"Daily calls {raw!r}: give a whole number from 1 to 1000."
        context = _page(request, collector, calls_error=error, calls_typed=raw)
        return render(request, "worklist/worklist.html", context, status=422)
    return redirect(reverse("worklist:index") + f"?collector={collector.username}")


@require_http_methods(["POST"])
@work_required
def move_action(request: HttpRequest) -> HttpResponse:
    """A manager moves the chosen accounts of one collector's list to another collector."""
    if not can_plan_collectors_work(request.user):
        raise PermissionDenied("only managers and admins move accounts between collectors")
    source = _chosen(request, request.POST.get("collector", "").strip())
    target = _chosen(request, request.POST.get("to", "").strip())
    if source is None or target is None:
        raise Http404("name the collector the accounts leave and the one they go to")
    back = reverse("worklist:index") + f"?collector={source.username}"
    wanted = [int(v) for v in request.POST.getlist("customer") if _an_id(v)]
    customers = list(customers_in_scope(scope_for(request.user)).filter(pk__in=wanted))
    if not customers:
        messages.error(request, "Choose the accounts to move first.")
        return redirect(back)
    try:
        moved = accounts_move(
            customers=customers,
            to=target,
            actor=request.user if isinstance(request.user, User) else None,
            via="web",
        )
    except AccountMoveError as error:
        messages.error(request, str(error))
        return redirect(back)
    noun = "account" if moved == 1 else "accounts"
    messages.success(request, f"Moved {moved} {noun} to {person_name(target)}.")
    return redirect(back)
