"""The OKR board in presentation mode (`recoup.core.present`): full-screen, large type, moving
on to the dashboard after the chosen interval. Filtered by team like the board, and refused the
same way when the team is not one of the viewer's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.present import INTERVALS, PresentError, present_parse
from recoup.okrs import selectors
from recoup.okrs.board import board_filter, board_read
from recoup.okrs.forms import mark_of


@require_safe
@login_required
def present_board(request: HttpRequest) -> HttpResponse:
    try:
        present = present_parse(every=request.GET.get("every"), team=request.GET.get("team"))
    except PresentError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    try:
        chosen = board_filter(request.user, team=present.team, mine="")
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    except NotFoundError as error:
        raise Http404(str(error)) from None
    try:
        cycle = selectors.cycle_get()
    except NotFoundError:
        board = None
    else:
        board = board_read(
            cycle=cycle,
            chosen=chosen,
            username=request.user.get_username(),
            mark=mark_of(request.user),
        )
    query = present.query()
    return render(
        request,
        "okrs/present.html",
        {
            "board": board,
            "present": present,
            "intervals": INTERVALS,
            "next_url": f"{reverse('web:present_dashboard')}?{query}",
            "here": reverse("okrs:present_board"),
            "leave_url": reverse("okrs:index"),
        },
    )
