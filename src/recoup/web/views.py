"""Pages of the web shell: log-in and log-out, the dashboard, and the settings pages."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import (
    DENIED,
    admin_required,
    can_change_org_settings,
    can_manage_users,
    can_read_org_settings,
    permission_required,
)
from recoup.accounts.models import Team, TeamMembership, User
from recoup.accounts.scope import OutOfScopeError, scope_for
from recoup.accounts.services import team_create, team_member_add
from recoup.core.dates import parse_input_date
from recoup.core.errors import InputDateError
from recoup.core.exports import ExportError, bad_request, export_links, sort_headers
from recoup.core.htmx import is_htmx
from recoup.metrics.catalogue import MetricInputError
from recoup.metrics.selectors import metric_defaults
from recoup.metrics.services import MetricDefaultsError, metric_defaults_set
from recoup.web.dashboard import Focus, dashboard_build, dashboard_focus
from recoup.web.explain import accounts_page, explanation_build
from recoup.web.forms import (
    KpiVariantsForm,
    TeamCreateForm,
    TeamMemberAddForm,
    ThrottledAuthenticationForm,
)
from recoup.web.table_exports import account_headers, account_sort, dashboard_tables


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You are logged out.")
        return response


def _as_of(request: HttpRequest) -> tuple[date | None, str]:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return None, ""
    try:
        return parse_input_date(raw, what="as_of"), ""
    except InputDateError as exc:
        return None, f"{exc}; showing the latest data."


def _focus(request: HttpRequest) -> Focus:
    try:
        return dashboard_focus(
            scope_for(request.user),
            team=request.GET.get("team", "").strip(),
            collector=request.GET.get("collector", "").strip(),
        )
    except OutOfScopeError as error:
        raise PermissionDenied(str(error)) from error


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        messages.warning(request, problem)
    started = time.perf_counter()
    board = dashboard_build(focus=focus, as_of=as_of)
    kpi_ms = (time.perf_counter() - started) * 1000
    try:
        tables = dashboard_tables(board, request.GET)  # each sorted by its own `sort_<table>`
    except ExportError as error:
        return bad_request(error)
    template = "web/dashboard.html"
    if is_htmx(request):
        template += "#dashboard-body"
    context = {"board": board, "focus": focus, "tables": tables}
    response = render(request, template, context)
    # Lets the browser's developer tools (and the benchmark) see where the time went.
    response["Server-Timing"] = f"kpi;dur={kpi_ms:.1f}"
    return response


@require_safe
@login_required
def explain(request: HttpRequest, metric: str) -> HttpResponse:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        messages.warning(request, problem)
    bucket = request.GET.get("bucket", "").strip()
    try:
        explanation = explanation_build(metric=metric, focus=focus, as_of=as_of, bucket=bucket)
    except MetricInputError as error:
        raise Http404(str(error)) from error
    raw_sort = request.GET.get("sort")
    try:
        sort = account_sort(explanation.contributors, raw_sort)
        accounts = accounts_page(
            explanation, scope=focus.scope, page_number=request.GET.get("page"), sort=raw_sort
        )
    except ExportError as error:
        return bad_request(error)
    # Page links keep the question: team or collector, date, bucket and order.
    page_query = focus.query(as_of=explanation.as_of.isoformat(), bucket=bucket, sort=sort.param)
    return render(
        request,
        "web/explain.html",
        {
            "x": explanation,
            "focus": focus,
            "accounts": accounts,
            "page_query": page_query,
            "headers": sort_headers(
                sort,
                request.GET,
                account_headers(explanation.contributors, accounts.headers, accounts.value_header),
            ),
            "downloads": export_links(
                reverse("web:explain_export", args=[metric]),
                QueryDict(page_query),
            ),
        },
    )


@permission_required(can_read_org_settings)
def settings_index(request: HttpRequest) -> HttpResponse:
    # Managers read the organisation's settings but manage no users: they land on KPI variants.
    return redirect("web:settings_users" if can_manage_users(request.user) else "web:settings_kpis")


def _teams_context(
    create_form: TeamCreateForm | None = None, member_form: TeamMemberAddForm | None = None
) -> dict[str, Any]:
    teams = Team.objects.order_by("name").prefetch_related(
        Prefetch(
            "memberships",
            queryset=TeamMembership.objects.select_related("user").order_by(
                "-is_lead", "user__username"
            ),
        )
    )
    return {
        "teams": teams,
        "create_form": create_form or TeamCreateForm(),
        "member_form": member_form or TeamMemberAddForm(),
    }


@admin_required
@require_http_methods(["GET", "POST"])
def settings_teams(request: HttpRequest) -> HttpResponse:
    actor = request.user if isinstance(request.user, User) else None
    create_form = TeamCreateForm(prefix="team")
    member_form = TeamMemberAddForm(prefix="member")
    if request.method == "POST":
        if "team-name" in request.POST:
            create_form = TeamCreateForm(request.POST, prefix="team")
            if create_form.is_valid():
                team = team_create(name=create_form.cleaned_data["name"], actor=actor, via="web")
                messages.success(request, f"Team {team.name} created.")
                return _after_post(request, "web:settings_teams")
        else:
            member_form = TeamMemberAddForm(request.POST, prefix="member")
            if member_form.is_valid():
                data = member_form.cleaned_data
                team_member_add(
                    team=data["team"],
                    user=data["user"],
                    is_lead=data["is_lead"],
                    actor=actor,
                    via="web",
                )
                messages.success(request, f"{data['user']} is in {data['team']}.")
                return _after_post(request, "web:settings_teams")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "web/settings_teams.html", _teams_context(create_form, member_form), status=status
    )


@permission_required(can_read_org_settings)
@require_http_methods(["GET", "POST"])
def settings_kpis(request: HttpRequest) -> HttpResponse:
    """Settings → KPI variants: admins choose the organisation's default metric parameters;
    managers read them (their dashboards follow them)."""
    user = request.user
    may_edit = can_change_org_settings(user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(DENIED)
    form = KpiVariantsForm(request.POST or None, current=metric_defaults())
    if request.method == "POST" and form.is_valid():
        try:
            changed = metric_defaults_set(
                values=form.values(),
                actor=user if isinstance(user, User) else None,
                via="web",
            )
        except MetricDefaultsError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(
                request,
                f"Saved: {', '.join(changed)}." if changed else "Nothing changed.",
            )
            return _after_post(request, "web:settings_kpis")
    if not may_edit:
        form.disable()
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_kpis.html",
        {"form": form, "may_edit": may_edit},
        status=status,
    )


def _after_post(request: HttpRequest, url_name: str) -> HttpResponse:
    """Post/redirect/get; htmx follows the redirect with a full page load via HX-Redirect."""
    url = reverse(url_name)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
