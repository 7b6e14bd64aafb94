"""The weekly report's pages: the preview (team and week chooser) with its PDF download, and the
recipient lists for managers and admins. Thin: parse, authorize, call one selector or service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from recoup.accounts.access import can_manage_report_lists, permission_required
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for, scope_team_names
from recoup.core.dates import parse_input_date
from recoup.core.errors import AccessDeniedError, InputDateError, NotFoundError, RecoupError
from recoup.reports.forms import SubscriptionForm
from recoup.reports.models import ReportSubscription
from recoup.reports.render import body_context, report_charts, report_pdf
from recoup.reports.selectors import subscriptions_list
from recoup.reports.services import subscription_create, subscription_delete, subscription_update
from recoup.reports.weekly import WeeklyReport, weekly_report_build


def _as_of(request: HttpRequest) -> date | None:
    raw = request.GET.get("as_of", "").strip()
    return parse_input_date(raw, what="as_of") if raw else None


def _report(request: HttpRequest, as_of: date | None) -> WeeklyReport:
    try:
        return weekly_report_build(
            scope=scope_for(request.user), as_of=as_of, team=request.GET.get("team", "")
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error
    except NotFoundError as error:
        raise Http404(str(error)) from error


@require_safe
@login_required
def weekly_preview(request: HttpRequest) -> HttpResponse:
    try:
        as_of = _as_of(request)
    except InputDateError as error:
        messages.warning(request, f"{error}; showing the latest data.")
        as_of = None
    report = _report(request, as_of)
    context = {
        **body_context(report, report_charts(report)),
        "teams": scope_team_names(scope_for(request.user)),
        "sees_all": scope_for(request.user).sees_all,
    }
    return render(request, "reports/weekly.html", context)


@require_safe
@login_required
def weekly_pdf(request: HttpRequest) -> HttpResponse:
    try:
        as_of = _as_of(request)
    except InputDateError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    report = _report(request, as_of)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    team = f"-{report.team}" if report.team else ""
    name = f"weekly-report{team}-{report.as_of.isoformat()}.pdf".replace(" ", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_manage_report_lists)
def lists(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = subscription_create(fields=form.fields_value(), actor=_actor(request))
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"List {made.name!r} created.")
            return redirect("reports:lists")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/lists.html", {"form": form, "lists": subscriptions_list()}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(can_manage_report_lists)
def list_edit(request: HttpRequest, list_id: int) -> HttpResponse:
    subscription = get_object_or_404(ReportSubscription, pk=list_id)
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription_update(
                    subscription=subscription, fields=form.fields_value(), actor=_actor(request)
                )
            except RecoupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"List {subscription.name!r} saved.")
                return redirect("reports:lists")
    else:
        form = SubscriptionForm(initial=SubscriptionForm.initial_of(subscription))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/list_edit.html",
        {"form": form, "subscription": subscription},
        status=status,
    )


@require_POST
@permission_required(can_manage_report_lists)
def list_delete(request: HttpRequest, list_id: int) -> HttpResponse:
    subscription = get_object_or_404(ReportSubscription, pk=list_id)
    name = subscription.name
    subscription_delete(subscription=subscription, actor=_actor(request))
    messages.success(request, f"List {name!r} removed.")
    return redirect("reports:lists")
