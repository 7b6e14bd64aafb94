"""The import page: upload a ledger file, choose its kind and column mapping, dry-run it, and read
the validation report. A thin layer over `ledger_file_import`, which is all-or-nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recoup.accounts.access import change_required, user_may_change
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.ingest.kinds import KINDS
from recoup.ingest.mapping import preset_names
from recoup.ingest.selectors import import_runs_recent
from recoup.ingest.services import ImportOutcome, ledger_file_import

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


def _run_import(form: ImportForm, user: User | None) -> ImportOutcome:
    upload = form.cleaned_data["file"]
    # The importer reads a path; the original name (in the temporary directory) keeps the
    # suffix that tells it the format, and appears in the validation report.
    with tempfile.TemporaryDirectory(prefix="recoup-upload-") as folder:
        path = Path(folder) / Path(upload.name).name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return ledger_file_import(
            kind=form.cleaned_data["kind"],
            path=path,
            mapping=form.cleaned_data["mapping"] or None,
            dry_run=form.cleaned_data["dry_run"],
            actor=user,
        )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    context = {
        "form": ImportForm(),
        "runs": import_runs_recent(limit=15),
        "may_change": user_may_change(request.user),
    }
    return render(request, "ingest/import.html", context)


@change_required
def import_run(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return import_page(request)
    form = ImportForm(request.POST, request.FILES)
    outcome: ImportOutcome | None = None
    error = ""
    if form.is_valid():
        try:
            outcome = _run_import(form, request.user if isinstance(request.user, User) else None)
        except RecoupError as exc:
            error = str(exc)
    context = {
        "form": form,
        "outcome": outcome,
        "error": error,
        "runs": import_runs_recent(limit=15),
        "may_change": True,
    }
    status = 200 if outcome is not None and not outcome.problem_count and not error else 422
    return render(request, "ingest/import.html", context, status=status)
