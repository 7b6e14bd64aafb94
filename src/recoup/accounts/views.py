"""The Audit page: who did what to which item, and when, in words, with the values changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from recoup.accounts.access import AnyUser, can_manage_users, can_read_audit, permission_required
from recoup.accounts.audit_display import (
    FieldChange,
    action_phrase,
    actor_without_person,
    field_changes,
    item_names,
    object_kind,
    via_name,
)
from recoup.accounts.forms import AuditFilterForm
from recoup.accounts.models import AuditEntry
from recoup.accounts.names import person_name
from recoup.accounts.selectors import (
    AuditFilter,
    audit_entries,
    audit_object_types,
    audit_people,
    audit_reach,
)
from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    Sort,
    bad_request,
    chunked,
    export_links,
    export_response,
    order_empties_last,
    query_with,
    sort_headers,
    sort_parse,
)

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 1000
# Sort key → the fields it orders by; ties fall back to time and id so pages do not shuffle.
AUDIT_SORTS: dict[str, tuple[str, ...]] = {
    "when": ("at", "id"),
    # By the name the page shows (`person_name`); entries of nobody (the system) last.
    "who": ("who_name", "-at", "-id"),
    "what": ("action", "-at", "-id"),
    "item": ("object_type", "object_id", "-at", "-id"),
}
ORDER_TEXT = {"-when": "newest first", "when": "oldest first"}
# The actor's full name, else their username, as `person_name` says it, in any case alike
# (databases differ on case); null for no actor.
WHO_NAME = Lower(
    Coalesce(
        NullIf(Trim(Concat("actor__first_name", Value(" "), "actor__last_name")), Value("")),
        "actor__username",
    )
)
AUDIT_HEADERS = (
    ("When", "when", False),
    ("Who", "who", False),
    ("Did what", "what", False),
    ("Item", "item", False),
    ("Changes", "", False),
)

# Items that have a page of their own: the URL name that shows one (its only argument is the
# item's id) and the rule that opens it, when not every reader of the audit may. Other items are
# named without a link.
ITEM_PAGES: dict[str, tuple[str, Callable[[AnyUser], bool] | None]] = {
    "customer": ("workspace:account", None),
    "okr_key_result": ("okrs:key_result", None),
    "import_run": ("ingest:run_detail", None),
    "user": ("web:settings_user", can_manage_users),
}


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    who: str
    # Through what a person acted ("API", "Import"); empty when `who` already names it.
    through: str
    what: str
    kind: str
    # The item in words with its id: "Customer #12".
    item: str
    item_url: str
    changes: list[FieldChange]


def _item_url(entry: AuditEntry, reader: AnyUser) -> str:
    url_name, rule = ITEM_PAGES.get(entry.object_type, ("", None))
    if not url_name or not entry.object_id.isdigit() or (rule is not None and not rule(reader)):
        return ""
    try:
        return reverse(url_name, args=[int(entry.object_id)])
    except NoReverseMatch:
        return ""


def _item_label(entry: AuditEntry, name: str | None) -> str:
    """The item in words: its name where its app gives one ("Customer Harbor Bakery Supply"),
    else with its id ("Customer #12", "Custom metric qa_score")."""
    kind = object_kind(entry.object_type)
    if name:
        return f"{kind} {name}"
    if entry.object_id.isdigit():
        return f"{kind} #{entry.object_id}"
    return f"{kind} {entry.object_id}".rstrip()


def _row(entry: AuditEntry, reader: AnyUser, name: str | None) -> AuditRow:
    actor = entry.actor
    return AuditRow(
        at=entry.at,
        who=person_name(actor) if actor is not None else actor_without_person(entry.via),
        through=via_name(entry.via) if actor is not None and entry.via else "",
        what=action_phrase(entry.action),
        kind=object_kind(entry.object_type),
        item=_item_label(entry, name),
        item_url=_item_url(entry, reader),
        changes=field_changes(entry.before, entry.after),
    )


def _changes_text(changes: list[FieldChange]) -> str:
    """The values changed, in one cell: "Status: open → paid; Note: set to 'called'"."""
    parts = []
    for change in changes:
        if change.before and change.after:
            parts.append(f"{change.label}: {change.before.full} → {change.after.full}")
        elif change.after:
            parts.append(f"{change.label}: {change.after.full}")
        elif change.before:
            parts.append(f"{change.label}: removed {change.before.full}")
    return "; ".join(parts)


AUDIT_COLUMNS: tuple[Column[AuditRow], ...] = (
    Column("When", lambda r: r.at, Kind.DATE),
    Column("Who", lambda r: r.who),
    Column("Through", lambda r: r.through),
    Column("Did what", lambda r: r.what),
    Column("Item kind", lambda r: r.kind),
    Column("Item", lambda r: r.item),
    Column("Changes", lambda r: _changes_text(r.changes)),
)


def _audit_filters(
    request: HttpRequest,
) -> tuple[AuditFilterForm, QuerySet[AuditEntry] | None, Sort, bool]:
    """The page's form, its entries (None while the filters cannot be read), its sort, and
    whether the reader sees everyone's entries: the page and its downloads share them."""
    reach = audit_reach(request.user)
    sort = sort_parse(request.GET.get("sort"), AUDIT_SORTS, "-when")
    form = AuditFilterForm(
        request.GET or None,
        people=audit_people(reach),
        object_types=audit_object_types(reach),
        without_person=reach.sees_everyone,
    )
    if form.is_bound and not form.is_valid():
        return form, None, sort, reach.sees_everyone
    narrowed = form.narrowed() if form.is_bound else AuditFilter()
    entries = (
        audit_entries(reach, narrowed=narrowed)
        .annotate(who_name=WHO_NAME)
        .order_by(*order_empties_last(sort, {"who_name"}))
    )
    return form, entries, sort, reach.sees_everyone


def _rows(entries: list[AuditEntry], reader: AnyUser) -> list[AuditRow]:
    names = item_names([(e.object_type, e.object_id) for e in entries])
    return [_row(e, reader, names.get((e.object_type, e.object_id))) for e in entries]


@require_safe
@permission_required(can_read_audit)
def audit_page(request: HttpRequest) -> HttpResponse:
    try:
        form, entries, sort, sees_everyone = _audit_filters(request)
    except ExportError as error:
        return bad_request(error)
    page = None
    rows: list[AuditRow] = []
    if entries is not None:
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        rows = _rows(list(page.object_list), request.user)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_with(request.GET),
            "filtered": bool(form.query_without_page()),
            "order_text": ORDER_TEXT.get(sort.param, "sorted by the marked column"),
            "headers": sort_headers(sort, request.GET, AUDIT_HEADERS),
            "downloads": export_links(reverse("accounts:audit_export"), request.GET),
            "sees_everyone": sees_everyone,
            "time_zone": timezone.get_current_timezone_name(),
        },
        # A filter that cannot be read is the request's fault: say so, with the form's errors.
        status=200 if entries is not None else 400,
    )


@require_safe
@permission_required(can_read_audit)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The Audit page's entries as CSV or XLSX (`?format=`), with its filters and sort."""
    try:
        form, entries, _, _ = _audit_filters(request)
        if entries is None:
            errors = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            raise ExportError(f"the filters could not be read: {errors}")
        found = entries

        def rows() -> Iterator[AuditRow]:
            # Item names are looked up a batch at a time, as the page does for its 50.
            for batch in chunked(found.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
                yield from _rows(batch, request.user)

        # The guard is typed for plain responses; a download streams (Django sends either).
        download = export_response(
            name="audit", fmt=request.GET.get("format", "csv"), columns=AUDIT_COLUMNS, rows=rows()
        )
        return cast(HttpResponse, download)
    except ExportError as error:
        return bad_request(error)
