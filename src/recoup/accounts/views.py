"""The Audit page: who did what to which item, and when, in words, with the values changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
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

ENTRIES_PER_PAGE = 50

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


@require_safe
@permission_required(can_read_audit)
def audit_page(request: HttpRequest) -> HttpResponse:
    reach = audit_reach(request.user)
    form = AuditFilterForm(
        request.GET or None,
        people=audit_people(reach),
        object_types=audit_object_types(reach),
        without_person=reach.sees_everyone,
    )
    valid = form.is_valid() if form.is_bound else True
    page = None
    rows: list[AuditRow] = []
    if valid:
        narrowed = form.narrowed() if form.is_bound else AuditFilter()
        paginator = Paginator(audit_entries(reach, narrowed=narrowed), ENTRIES_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        entries = list(page.object_list)
        names = item_names([(e.object_type, e.object_id) for e in entries])
        rows = [_row(e, request.user, names.get((e.object_type, e.object_id))) for e in entries]
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": form.query_without_page(),
            "sees_everyone": reach.sees_everyone,
            "time_zone": timezone.get_current_timezone_name(),
        },
        # A filter that cannot be read is the request's fault: say so, with the form's errors.
        status=200 if valid else 400,
    )
