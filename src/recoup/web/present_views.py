"""The dashboard in presentation mode (`recoup.core.present`): its key figures and aging in large
type, full-screen, moving on to the OKR board after the chosen interval. Scoped like the
dashboard: a team outside the viewer's book is refused."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from recoup.accounts.scope import OutOfScopeError, scope_for
from recoup.core.present import INTERVALS, PresentError, present_parse
from recoup.web.dashboard import dashboard_build, dashboard_focus


@require_safe
@login_required
def present_dashboard(request: HttpRequest) -> HttpResponse:
    try:
        present = present_parse(every=request.GET.get("every"), team=request.GET.get("team"))
    except PresentError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    try:
        focus = dashboard_focus(scope_for(request.user), team=present.team, collector="")
    except OutOfScopeError as error:
        raise PermissionDenied(str(error)) from error
    query = present.query()
    return render(
        request,
        "web/present_dashboard.html",
        {
            "board": dashboard_build(focus=focus),
            "present": present,
            "intervals": INTERVALS,
            "next_url": f"{reverse('okrs:present_board')}?{query}",
            "here": reverse("web:present_dashboard"),
            "leave_url": reverse("web:dashboard"),
        },
    )
