"""The import page: upload a ledger file, choose its kind and column mapping (and date format),
dry-run it, follow its progress, read the result or the validation report, and import a clean dry
run as it was checked. Each kind's columns are explained, with a template file to download. A
thin layer over `runs` (the upload and its background run) and `ledger_file_import`, which is all
or nothing."""

from __future__ import annotations

import copy
from contextlib import suppress
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from recoup.accounts.access import (
    AnyUser,
    can_import,
    can_import_something,
    importable_kinds,
    permission_required,
)
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.core.exports import (
    Column,
    ExportError,
    Sort,
    bad_request,
    export_links,
    export_response,
    sort_headers,
    sort_parse,
)
from recoup.ingest.date_formats import (
    AS_GIVEN,
    DATE_FORMATS,
    GUESS_ROWS,
    date_format_apply,
    date_format_of,
    date_preview,
)
from recoup.ingest.guide import kind_columns, kind_template_csv
from recoup.ingest.kinds import KINDS
from recoup.ingest.mapping_edit import (
    KEEP,
    MappingDraft,
    StagedUpload,
    mapping_apply,
    mapping_draft,
    mapping_preset_path,
    mapping_preset_save,
    mapping_presets,
    mapping_yaml,
    staged_mapping_keep,
    staged_run_get,
    staged_run_keep,
    staged_upload_get,
    staged_upload_save,
)
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.problem_sort import PROBLEM_SORTS
from recoup.ingest.runs import (
    ImportBusyError,
    import_run_progress,
    import_run_start,
    import_runs_stalled_fail,
)
from recoup.ingest.selectors import (
    import_run_problems,
    import_run_problems_all,
    import_runs_recent,
    import_runs_visible_to,
)

ALLOWED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet"}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
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

    def __init__(self, *args: object, user: AnyUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Only the kinds this person may import are offered (`recoup.accounts.access`).
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k, k.replace("_", " ")) for k in importable_kinds(user, KINDS)]
        field = self.fields["mapping"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Standard columns"), *mapping_presets()]

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


def _guide(user: AnyUser) -> list[dict[str, Any]]:
    """Each kind this person may import: its columns in plain words, for the page's guide."""
    username = user.get_username() if isinstance(user, User) else ""
    return [
        {
            "kind": kind,
            "description": KINDS[kind].description,
            "columns": kind_columns(kind, username=username),
        }
        for kind in importable_kinds(user, KINDS)
    ]


def _page(request: HttpRequest, **context: Any) -> dict[str, Any]:
    return {
        "form": ImportForm(user=request.user),
        "runs": import_runs_recent(user=request.user, limit=15),
        "guide": _guide(request.user),
        **context,
    }


def _refuse_kind(request: HttpRequest, kind: str) -> None:
    if kind in KINDS and not can_import(request.user, kind):
        raise PermissionDenied(
            f"Your role may not import {kind.replace('_', ' ')}: managers and admins import it."
        )


@require_safe
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    return render(request, "ingest/import.html", _page(request))


@require_safe
@permission_required(can_import_something)
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV file of `kind`: its columns and one example row that imports as it is."""
    if kind not in KINDS:
        raise Http404(f"no kind of record is called {kind!r}")
    _refuse_kind(request, kind)
    body = kind_template_csv(kind, username=request.user.get_username())
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recoup-{kind}-template.csv"'
    return response


@permission_required(can_import_something)
def import_run(request: HttpRequest) -> HttpResponse:
    """Save the upload and start the import in the background; the run's page shows its
    progress, then its result."""
    if request.method != "POST":
        return import_page(request)
    _refuse_kind(request, request.POST.get("kind", ""))
    form = ImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return render(request, "ingest/import.html", _page(request, form=form), status=422)
    upload = form.cleaned_data["file"]
    preset = form.cleaned_data["mapping"]
    dry_run = form.cleaned_data["dry_run"]
    staged = None
    if request.POST.get("action") == "map" or dry_run:
        # Kept for a day, so that the mapping can be changed and the file checked again
        # without uploading it a second time.
        staged = staged_upload_save(
            kind=form.cleaned_data["kind"],
            preset=preset,
            file_name=upload.name,
            chunks=upload.chunks(),
            owner=_actor(request),
        )
        if request.POST.get("action") == "map":
            return redirect("ingest:mapping", token=staged.token)
    mapping = mapping_preset_path(preset) if preset else None
    try:
        with upload.open("rb") if staged is None else staged.path.open("rb") as source:
            run = import_run_start(
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                chunks=iter(lambda: source.read(1 << 20), b""),
                mapping=mapping,
                dry_run=dry_run,
                actor=_actor(request),
            )
    except ImportBusyError as error:
        context = _page(request, form=form, error=str(error))
        return render(request, "ingest/import.html", context, status=409)
    url = reverse("ingest:run_detail", args=[run.pk])
    if staged is None:
        return redirect(url)
    staged_run_keep(staged=staged, run_id=run.pk, mapping=mapping, mapping_yaml=None)
    return redirect(f"{url}?upload={staged.token}")


PROBLEM_COLUMNS: tuple[Column[dict[str, Any]], ...] = (
    Column("Row", lambda p: p.get("row", "")),
    Column("Record", lambda p: p.get("record", "")),
    Column("Column", lambda p: p.get("column", "")),
    Column("Value", lambda p: p.get("value", "")),
    Column("Expected", lambda p: p.get("expected", "")),
)


@require_safe
@login_required
def run_problems_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    """Every problem of a rejected run (the page shows the first ones) as CSV or XLSX, in the
    file's order; the run is found as its page finds it."""
    run = get_object_or_404(import_runs_visible_to(request.user), pk=run_id)
    try:
        sort = _problem_sort(request)
        return export_response(
            name=f"import-{run.pk}-problems",
            fmt=request.GET.get("format", "csv"),
            columns=PROBLEM_COLUMNS,
            rows=import_run_problems_all(run=run, sort=sort)
            if run.status == ImportStatus.REJECTED
            else [],
        )
    except ExportError as error:
        return bad_request(error)


# The problems table's columns: label, sort key, numeric.
PROBLEM_HEADERS = (
    ("Row", "row", True),
    ("Record", "record", False),
    ("Column", "column", False),
    ("Value", "value", False),
    ("Expected", "expected", False),
)


# Problems as the checks found them: no column is marked sorted.
FILE_ORDER = Sort("", False, ())


def _problem_sort(request: HttpRequest) -> Sort | None:
    """The order the reader asked for; None (the file's order) when they asked for none."""
    if not request.GET.get("sort", "").strip():
        return None
    return sort_parse(request.GET.get("sort"), PROBLEM_SORTS, "row")


@require_safe
@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: its progress while it runs (htmx polls this page for the fragment; without
    JavaScript the page refreshes itself), then its result or validation report."""
    # Someone else's run is not found rather than forbidden: run ids cannot be probed.
    run = get_object_or_404(import_runs_visible_to(request.user), pk=run_id)
    if run.status == ImportStatus.RUNNING and import_runs_stalled_fail():
        run.refresh_from_db()
    context: dict[str, Any] = {"run": run, "progress": None, "problems": []}
    if run.status == ImportStatus.REJECTED:
        try:
            sort = _problem_sort(request)
        except ExportError as error:
            return bad_request(error)
        context["problems"] = import_run_problems(run=run, sort=sort)
        context["headers"] = sort_headers(sort or FILE_ORDER, request.GET, PROBLEM_HEADERS)
        # The download carries the sort, not the page's other parameters (an upload's token).
        sorted_by = QueryDict(mutable=True)
        if sort is not None:
            sorted_by["sort"] = sort.param
        context["downloads"] = export_links(
            reverse("ingest:run_problems_export", args=[run.pk]), sorted_by
        )
        # A date the mapping could not read: the report points to the date format choice.
        context["date_problems"] = any(
            str(p.get("expected", "")).startswith(("a date like", "a date and time like"))
            for p in context["problems"]
        )
    if run.status == ImportStatus.RUNNING:
        context["progress"] = import_run_progress(run=run)
    token = request.GET.get("upload", "")
    context["poll_url"] = request.get_full_path()
    if token and run.status != ImportStatus.RUNNING and isinstance(request.user, User):
        # Expired or someone else's: then there is no link back to the mapping.
        with suppress(RecoupError):
            context["staged"] = staged_upload_get(token=token, user=request.user)
            context["import_now"] = _importable_now(request, run, context["staged"])
    if request.headers.get("HX-Request") == "true":
        if run.status != ImportStatus.RUNNING:
            # The run has ended: the recent imports list below it is refreshed out of band.
            context.update(runs=import_runs_recent(user=request.user, limit=15), oob=True)
        return render(request, "ingest/_run_update.html", context)
    # The next upload is most likely the same kind of file, fixed.
    context["form"] = ImportForm(
        initial={"kind": run.kind, "mapping": run.mapping}, user=request.user
    )
    return render(request, "ingest/import.html", _page(request, **context))


def _choices_from(request: HttpRequest, draft: MappingDraft) -> dict[str, str]:
    return {f.name: request.POST.get(f"field-{f.name}", "") for f in draft.fields}


def _sample(draft: MappingDraft, column: str, width: int) -> str:
    text = ", ".join(draft.samples.get(column, []))
    return text if len(text) <= width else text[: width - 1] + "…"


def _mapping_rows(draft: MappingDraft, chosen: dict[str, str]) -> list[dict[str, Any]]:
    """One row per field: its select's options (value, label, selected)."""
    rows = []
    for f in draft.fields:
        picked = chosen.get(f.name, "")
        options = [("", "(not in the file)", not picked)]
        if f.fixed_source:
            options.append((KEEP, f"Keep: {f.fixed_source}", picked == KEEP))
        for column in draft.columns:
            sample = _sample(draft, column, 40)
            label = f"{column} — e.g. {sample}" if sample else column
            options.append((column, label, picked == column))
        rows.append({"field": f, "options": options})
    return rows


def _date_choice(draft: MappingDraft, chosen: dict[str, str], picked: str) -> dict[str, Any]:
    """The date format part of the mapping page: the options, the preview of the first rows'
    dates with the format `picked` (a key of DATE_FORMATS, or AS_GIVEN) and the guess."""
    document = copy.deepcopy(draft.document)
    date_format_apply(document, picked)
    preview = date_preview(kind=draft.kind, head=draft.head, chosen=chosen, document=document)
    options = [(f.key, f"{f.label} — {f.example}", f.key == picked) for f in DATE_FORMATS]
    if picked == AS_GIVEN:
        given = ", ".join(draft.document.get("date_formats") or [])
        options.insert(0, (AS_GIVEN, f"As the preset says ({given})", True))
    # The one format that reads every date, when another is chosen: the page says to pick it.
    guess = preview.guess
    suggest = None
    if picked != AS_GIVEN and guess is not None and len(guess.fits) == 1:
        suggest = guess.fits[0] if guess.fits[0].key != picked else None
    return {
        "date_options": options,
        "date_picked": picked,
        "date_suggest": suggest,
        "preview": preview,
        "guess_rows": GUESS_ROWS,
    }


def _first_date_format(draft: MappingDraft, chosen: dict[str, str]) -> tuple[str, str]:
    """The format the page starts with, and why when it is not the mapping's own: a file whose
    dates are all in one format the mapping does not read starts with that format."""
    given = date_format_of(draft.document)
    if given == AS_GIVEN:
        return given, ""
    guess = date_preview(
        kind=draft.kind, head=draft.head, chosen=chosen, document=draft.document
    ).guess
    if guess is None or len(guess.fits) != 1 or guess.fits[0].key == given:
        return given, ""
    if any(f.key == given for f in guess.fits):
        return given, ""
    found = guess.fits[0]
    return found.key, f"Chosen for you: the file's dates are written {found.label}."


@permission_required(can_import_something)
def mapping_page(request: HttpRequest, token: str) -> HttpResponse:
    """The file's columns beside the kind's fields, prefilled from a preset, and the format its
    dates are written in; change any of them, save them as a preset of our own if wanted, and
    dry-run (or import) with them. `action=preview` (htmx, or the button without JavaScript)
    shows how the first dates read with the chosen format, changing nothing."""
    assert isinstance(request.user, User)  # the guard lets only people through
    try:
        staged = staged_upload_get(token=token, user=request.user)
    except RecoupError as error:
        raise Http404(str(error)) from None
    _refuse_kind(request, staged.kind)
    preset = request.GET.get("preset", staged.preset) if request.method == "GET" else ""
    preset = request.POST.get("preset", preset) if request.method == "POST" else preset
    try:
        draft = mapping_draft(
            kind=staged.kind,
            preset=preset or None,
            path=staged.path,
            edited=staged.last_mapping if "preset" not in request.GET else None,
        )
    except RecoupError as error:
        if preset:
            # The preset does not fit this file or kind: start again from standard columns.
            messages.error(request, str(error))
            return redirect(f"{reverse('ingest:mapping', args=[token])}?preset=")
        unreadable = _page(request, error=f"{staged.path.name}: {error}")
        return render(request, "ingest/import.html", unreadable, status=422)
    context: dict[str, Any] = {
        "staged": staged,
        "draft": draft,
        "error": "",
        "presets": mapping_presets(),
        "columns": [(c, _sample(draft, c, 60)) for c in draft.columns],
    }
    if request.method != "POST":
        prefilled = {f.name: (KEEP if f.fixed_source else f.column) for f in draft.fields}
        picked, context["date_note"] = _first_date_format(draft, prefilled)
        context.update(
            rows=_mapping_rows(draft, prefilled), **_date_choice(draft, prefilled, picked)
        )
        return render(request, "ingest/mapping.html", context)
    chosen = _choices_from(request, draft)
    picked = request.POST.get("date_format", AS_GIVEN)
    context["rows"] = _mapping_rows(draft, chosen)
    save_as = request.POST.get("save_as", "").strip()
    context["save_as"] = save_as
    try:
        context.update(_date_choice(draft, chosen, picked))
    except RecoupError as error:
        context.update(_date_choice(draft, chosen, date_format_of(draft.document)))
        context["error"] = str(error)
        return render(request, "ingest/mapping.html", context, status=422)
    if request.POST.get("action") == "preview":
        if request.headers.get("HX-Request") == "true":
            return render(request, "ingest/_date_preview.html", context)
        return render(request, "ingest/mapping.html", context)
    try:
        document = mapping_apply(draft=draft, choices=chosen, date_format=picked)
        if save_as:
            mapping_preset_save(name=save_as, document=document, actor=request.user)
        staged_mapping_keep(staged=staged, document=document)
        name = save_as or f"{preset or 'standard'}-edited"
        text = mapping_yaml(document)
        with staged.path.open("rb") as source:
            run = import_run_start(
                kind=staged.kind,
                file_name=staged.path.name,
                chunks=iter(lambda: source.read(1 << 20), b""),
                mapping=name,
                mapping_yaml=text,
                dry_run=request.POST.get("action") != "import",
                actor=request.user,
            )
    except RecoupError as error:
        context["error"] = str(error)
        return render(request, "ingest/mapping.html", context, status=422)
    staged_run_keep(staged=staged, run_id=run.pk, mapping=name, mapping_yaml=text)
    return redirect(f"{reverse('ingest:run_detail', args=[run.pk])}?upload={token}")


def _importable_now(request: HttpRequest, run: ImportRun, staged: StagedUpload) -> bool:
    """A dry run that passed, of an upload still kept, that this person may import."""
    if run.status != ImportStatus.DRY_RUN or not can_import(request.user, run.kind):
        return False
    try:
        kept = staged_run_get(staged=staged, run_id=run.pk)
    except RecoupError:
        return False
    return kept.imported_as is None


def _not_imported(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "ingest/import.html", _page(request, error=message), status=status)


@require_POST
@permission_required(can_import_something)
def import_now(request: HttpRequest, run_id: int) -> HttpResponse:
    """Import the file of a dry run that passed, with the mapping it was checked with: the
    upload kept for its mapping is imported, no second upload. Pressed twice, it shows the
    import the first press started."""
    assert isinstance(request.user, User)  # the guard lets only people through
    run = get_object_or_404(import_runs_visible_to(request.user), pk=run_id)
    _refuse_kind(request, run.kind)
    if run.status != ImportStatus.DRY_RUN:
        return _not_imported(
            request,
            f"{run.file_name}: only a dry run that passed can be imported this way"
            f" (this run is {run.get_status_display().lower()})",
            409,
        )
    try:
        staged = staged_upload_get(token=request.POST.get("upload", ""), user=request.user)
        kept = staged_run_get(staged=staged, run_id=run.pk)
    except RecoupError as error:
        return _not_imported(request, f"{run.file_name}: {error}", 410)
    if kept.imported_as is not None:
        return redirect("ingest:run_detail", kept.imported_as)
    try:
        with staged.path.open("rb") as source:
            started = import_run_start(
                kind=run.kind,
                file_name=run.file_name,
                chunks=iter(lambda: source.read(1 << 20), b""),
                mapping=kept.mapping,
                mapping_yaml=kept.mapping_yaml,
                dry_run=False,
                actor=request.user,
            )
    except ImportBusyError as error:
        return _not_imported(request, str(error), 409)
    except RecoupError as error:
        return _not_imported(request, f"{run.file_name}: {error}", 422)
    staged_run_keep(
        staged=staged,
        run_id=run.pk,
        mapping=kept.mapping,
        mapping_yaml=kept.mapping_yaml,
        imported_as=started.pk,
    )
    return redirect("ingest:run_detail", started.pk)
