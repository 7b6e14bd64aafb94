"""The OKR board as CSV or XLSX (`?format=`), with the board's cycle, team and "mine" filters
and a `?sort=` of its own (`board_export.BOARD_SORTS`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.exports import ExportError, bad_request, export_response
from recoup.okrs import selectors
from recoup.okrs.board import board_filter, board_read
from recoup.okrs.board_export import BOARD_COLUMNS, BoardLine, board_lines, board_sorted
from recoup.okrs.forms import mark_of


def _lines(request: HttpRequest) -> list[BoardLine]:
    try:
        cycle = selectors.cycle_get(name=request.GET.get("cycle", "").strip() or None)
        chosen = board_filter(
            request.user, team=request.GET.get("team", ""), mine=request.GET.get("mine", "")
        )
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    except NotFoundError as error:
        raise Http404(str(error)) from None
    board = board_read(
        cycle=cycle, chosen=chosen, username=request.user.get_username(), mark=mark_of(request.user)
    )
    return board_sorted(board_lines(board), request.GET.get("sort"))


@require_safe
@login_required
def board_export(request: HttpRequest) -> HttpResponseBase:
    try:
        return export_response(
            name="okr-board",
            fmt=request.GET.get("format", "csv"),
            columns=BOARD_COLUMNS,
            rows=_lines(request),
        )
    except ExportError as error:
        return bad_request(error)
