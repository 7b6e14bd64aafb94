"""A collector's worklist as CSV or XLSX (`?format=`): every group of the page (contact now,
later today, promised, blocked, referred, to trace) in one table with a column saying which,
for the collector the page shows (`?collector=`, held to the asker's scope like the page), in
the page's order or by a column (`?sort=`). `?table=team` downloads the team's day instead:
one line per collector the asker may see, sorted as the page's overview is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from recoup.accounts.scope import scope_for
from recoup.core.exports import ExportError, bad_request, export_response
from recoup.worklist.lines import (
    COLUMNS,
    TEAM_COLUMNS,
    team_sorted,
    worklist_lines,
)
from recoup.worklist.selectors import collectors_visible, team_row, worklist_for, worklists_for
from recoup.worklist.services import likelihood_current
from recoup.worklist.views import _chosen, work_required

__all__ = ["team_export", "worklist_export", "worklist_lines"]


def team_export(request: HttpRequest) -> HttpResponse:
    """The team's day (the page's overview) as a file, with the page's sort."""
    scope = scope_for(request.user)
    people = list(collectors_visible(scope))
    lists = worklists_for(scope, collectors=people, likelihood=likelihood_current(background=True))
    rows = team_sorted([team_row(w) for w in lists], request.GET.get("sort"))
    return export_response(  # type: ignore[return-value]
        name="worklist-team-day",
        fmt=request.GET.get("format", "csv"),
        columns=TEAM_COLUMNS,
        rows=rows,
        day=lists[0].day if lists else None,
    )


@require_safe
@work_required
def worklist_export(request: HttpRequest) -> HttpResponse:
    table = request.GET.get("table", "").strip()
    try:
        if table == "team":
            return team_export(request)
        if table:
            raise ExportError(f"no table {table[:40]!r} here: leave it out, or ask for team")
    except ExportError as error:
        return bad_request(error)
    collector = _chosen(request, request.GET.get("collector", "").strip())
    if collector is None:
        return bad_request(ExportError("choose a collector: a download holds one worklist"))
    worklist = worklist_for(
        scope_for(request.user), collector=collector, likelihood=likelihood_current(background=True)
    )
    try:
        # Typed as the guard wants; a download is a streaming or a file answer.
        return export_response(  # type: ignore[return-value]
            name=f"worklist-{collector.username}",
            fmt=request.GET.get("format", "csv"),
            columns=COLUMNS,
            rows=worklist_lines(worklist, request.GET.get("sort")),
            day=worklist.day,
        )
    except ExportError as error:
        return bad_request(error)
