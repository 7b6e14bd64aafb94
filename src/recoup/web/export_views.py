"""Downloads of the dashboard's tables (`?table=aging|team|collector`) and of a KPI drill-down's
accounts, as CSV or XLSX (`?format=`), with the page's team, collector, date and bucket, and a
`?sort=` (see `table_exports`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from recoup.core.exports import ExportError, bad_request, export_response
from recoup.metrics.catalogue import MetricInputError
from recoup.web.dashboard import dashboard_build
from recoup.web.explain import explanation_build
from recoup.web.table_exports import (
    account_columns,
    account_lines,
    accounts_sorted,
    dashboard_table,
)
from recoup.web.views import _as_of, _focus


@require_safe
@login_required
def dashboard_export(request: HttpRequest) -> HttpResponseBase:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        return bad_request(ExportError(problem))
    board = dashboard_build(focus=focus, as_of=as_of)
    try:
        table = dashboard_table(
            board, table=request.GET.get("table", "aging").strip(), raw_sort=request.GET.get("sort")
        )
        return export_response(
            name=table.name,
            fmt=request.GET.get("format", "csv"),
            columns=table.columns,
            rows=table.rows,
            day=board.as_of,
        )
    except ExportError as error:
        return bad_request(error)


@require_safe
@login_required
def explain_export(request: HttpRequest, metric: str) -> HttpResponseBase:
    focus = _focus(request)
    as_of, problem = _as_of(request)
    if problem:
        return bad_request(ExportError(problem))
    bucket = request.GET.get("bucket", "").strip()
    try:
        x = explanation_build(metric=metric, focus=focus, as_of=as_of, bucket=bucket)
    except MetricInputError as error:
        raise Http404(str(error)) from error
    found = x.contributors
    try:
        rows = accounts_sorted(found, request.GET.get("sort"))
        return export_response(
            name=f"{metric}-accounts",
            fmt=request.GET.get("format", "csv"),
            columns=account_columns(found, x.title if found.additive else "The customer alone"),
            rows=account_lines(rows, scope=focus.scope, found=found),
            day=x.as_of,
        )
    except ExportError as error:
        return bad_request(error)
