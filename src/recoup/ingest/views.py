"""The import page: upload a ledger file, choose its kind and column mapping, dry-run it, follow
its progress and read the result or the validation report. A thin layer over `runs` (the upload
and its background run) and `ledger_file_import`, which is all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from recoup.accounts.access import change_required, user_may_change
from recoup.accounts.models import User
from recoup.ingest.kinds import KINDS
from recoup.ingest.mapping import preset_names
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.runs import (
    ImportBusyError,
    import_run_progress,
    import_run_start,
    import_runs_stalled_fail,
)
from recoup.ingest.selectors import import_runs_recent

ALLOWED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet"}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=[(k, k.replace("_", " ")) for k in KINDS]
    )
    mapping = forms.ChoiceField(
        label="Column mapping",
        required=False,
        help_text="A saved preset, or the standard column names of the kind.",
    )
    file = forms.FileField(help_text="CSV, Excel (.xlsx) or Parquet.")
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Dry run: check everything, change nothing",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["mapping"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Standard columns"), *((n, n) for n in preset_names())]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                f"{upload.name}: expected a .csv, .xlsx or .parquet file, not {suffix or 'no suffix'}"
            )
        return upload


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _page(request: HttpRequest, **context: Any) -> dict[str, Any]:
    return {
        "form": ImportForm(),
        "runs": import_runs_recent(limit=15),
        "may_change": user_may_change(request.user),
        **context,
    }


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    return render(request, "ingest/import.html", _page(request))


@change_required
def import_run(request: HttpRequest) -> HttpResponse:
    """Save the upload and start the import in the background; the run's page shows its
    progress, then its result."""
    if request.method != "POST":
        return import_page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "ingest/import.html", _page(request, form=form), status=422)
    upload = form.cleaned_data["file"]
    try:
        run = import_run_start(
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            chunks=upload.chunks(),
            mapping=form.cleaned_data["mapping"] or None,
            dry_run=form.cleaned_data["dry_run"],
            actor=_actor(request),
        )
    except ImportBusyError as error:
        context = _page(request, form=form, error=str(error))
        return render(request, "ingest/import.html", context, status=409)
    return redirect("ingest:run_detail", run_id=run.pk)


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: its progress while it runs (htmx polls this page for the fragment; without
    JavaScript the page refreshes itself), then its result or validation report."""
    run = get_object_or_404(ImportRun, pk=run_id)
    if run.status == ImportStatus.RUNNING and import_runs_stalled_fail():
        run.refresh_from_db()
    context: dict[str, Any] = {"run": run, "progress": None}
    if run.status == ImportStatus.RUNNING:
        context["progress"] = import_run_progress(run=run)
    if request.headers.get("HX-Request") == "true":
        if run.status != ImportStatus.RUNNING:
            # The run has ended: the recent imports list below it is refreshed out of band.
            context.update(runs=import_runs_recent(limit=15), oob=True)
        return render(request, "ingest/_run_update.html", context)
    return render(request, "ingest/import.html", _page(request, **context))
