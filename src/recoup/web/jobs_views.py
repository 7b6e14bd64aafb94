"""The admin's Jobs page: what the background worker ran, when, how long, what failed and why;
the schedule; and "Run now" for a scheduled job."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from recoup.accounts.access import admin_required
from recoup.accounts.models import User
from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    bad_request,
    export_links,
    export_response,
    query_with,
    sort_headers,
    sort_parse,
)
from recoup.core.schedule import scheduled_job
from recoup.web.forms import JobRunNowForm
from recoup.web.jobs import (
    NEWEST_FIRST,
    RUN_HEADERS,
    RUN_SORTS,
    JobRunRow,
    job_run_row,
    job_runs,
    schedule_rows,
)
from recoup.web.services import job_run_now

RUNS_PER_PAGE = 25


def _page(
    request: HttpRequest, *, form: JobRunNowForm | None = None, status: int = 200
) -> HttpResponse:
    try:
        sort = sort_parse(request.GET.get("sort"), RUN_SORTS, NEWEST_FIRST)
    except ExportError as error:
        return bad_request(error)
    page = Paginator(job_runs(sort), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/settings_jobs.html",
        {
            "section": "jobs",
            "schedule": schedule_rows(),
            "page": page,
            "runs": [job_run_row(run) for run in page.object_list],
            "headers": sort_headers(sort, request.GET, RUN_HEADERS, anchor="runs-title"),
            "sorted_query": query_with(request.GET),
            "downloads": export_links(reverse("web:settings_jobs_export"), request.GET),
            "form": form,
            "time_zone": timezone.get_current_timezone_name(),
        },
        status=status,
    )


# A run in the download: the page's words, and how long it took in seconds for a spreadsheet.
RUN_COLUMNS: tuple[Column[JobRunRow], ...] = (
    Column("Job", lambda r: r.title),
    Column("Status", lambda r: r.status),
    Column("Queued", lambda r: r.queued_at, Kind.DATE),
    Column("Started", lambda r: r.started_at, Kind.DATE),
    Column("Finished", lambda r: r.finished_at, Kind.DATE),
    Column("Seconds", lambda r: r.seconds, Kind.NUMBER),
    Column("Error", lambda r: r.error),
)


@admin_required
@require_GET
def settings_jobs_export(request: HttpRequest) -> HttpResponseBase:
    """Every run in the page's order, as CSV or XLSX."""
    try:
        sort = sort_parse(request.GET.get("sort"), RUN_SORTS, NEWEST_FIRST)
        return export_response(
            name="job-runs",
            fmt=request.GET.get("format", "csv"),
            columns=RUN_COLUMNS,
            rows=(job_run_row(run) for run in job_runs(sort).iterator(chunk_size=500)),
        )
    except ExportError as error:
        return bad_request(error)


@admin_required
@require_GET
def settings_jobs(request: HttpRequest) -> HttpResponse:
    return _page(request)


@admin_required
@require_POST
def settings_jobs_run(request: HttpRequest) -> HttpResponse:
    form = JobRunNowForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    key = form.cleaned_data["job"]
    actor = request.user if isinstance(request.user, User) else None
    job = scheduled_job(key)
    title = job.title if job is not None else key
    if job_run_now(key=key, actor=actor, via="web") is None:
        messages.info(request, f"{title}: a run is already waiting for the worker.")
    else:
        messages.success(request, f"{title}: queued; the worker starts it within seconds.")
    return HttpResponseRedirect(reverse("web:settings_jobs"))
