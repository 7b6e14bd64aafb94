"""The admin's Jobs page: what the background worker ran, when, how long, what failed and why;
the schedule; and "Run now" for a scheduled job."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from recoup.accounts.access import admin_required
from recoup.accounts.models import User
from recoup.core.schedule import scheduled_job
from recoup.web.forms import JobRunNowForm
from recoup.web.jobs import job_run_row, job_runs, schedule_rows
from recoup.web.services import job_run_now

RUNS_PER_PAGE = 25


def _page(
    request: HttpRequest, *, form: JobRunNowForm | None = None, status: int = 200
) -> HttpResponse:
    page = Paginator(job_runs(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/settings_jobs.html",
        {
            "section": "jobs",
            "schedule": schedule_rows(),
            "page": page,
            "runs": [job_run_row(run) for run in page.object_list],
            "form": form,
            "time_zone": timezone.get_current_timezone_name(),
        },
        status=status,
    )


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
