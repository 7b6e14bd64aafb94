"""How an audit entry reads for people: its codes in words and its values as a field-by-field diff.

The services write short codes (`okr_checkin_create`, `custom_value`, `via="import"`) so that the
log stays stable and searchable; the Audit page shows them through these dictionaries. A code
written by a newer service and not yet listed here still reads sensibly through the fallbacks
(`okr_checkin_create` would read "okr checkin create"); `tests/accounts/test_audit_page.py`
checks that every action the code writes is listed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

# What the person did, as the verb phrase after their name: "Ada Lovelace checked in a key result".
ACTION_PHRASES: dict[str, str] = {
    "user_create": "added a user",
    "user_update": "changed a user",
    "user_deactivate": "deactivated a user",
    "user_reactivate": "reactivated a user",
    "user_password_reset": "reset a user's password",
    "user_password_change": "changed their password",
    "team_create": "created a team",
    "team_member_add": "added someone to a team",
    "team_member_remove": "removed someone from a team",
    "api_token_create": "created an API token",
    "api_token_revoke": "revoked an API token",
    "calendar_address_create": "made a new calendar address",
    "job_run_now": "ran a background job now",
    "report_subscription_create": "added a weekly report list",
    "report_subscription_update": "changed a weekly report list",
    "report_subscription_delete": "removed a weekly report list",
    "login_failed": "failed to log in",
    "login_locked": "locked a log-in after repeated failures",
    "import": "imported a file",
    "import_update": "changed a record",
    "import_mapping_preset_save": "saved a column mapping",
    "demo_ledger_generate": "generated the demo ledger",
    "demo_ledger_clear": "cleared the demo ledger",
    "metric_snapshot_refresh": "refreshed KPI snapshots",
    "metric_defaults_set": "changed a KPI's default variant",
    "custom_metric_define": "defined a custom metric",
    "custom_metric_update": "changed a custom metric",
    "custom_value_record": "recorded a custom metric value",
    "reference_value_set": "set a reference value",
    "okr_cycle_create": "created an OKR cycle",
    "okr_cycle_update": "changed an OKR cycle",
    "okr_cycle_close": "closed an OKR cycle",
    "okr_objective_grade": "graded an objective",
    "okr_objective_carry": "carried an objective into the next cycle",
    "okr_key_result_carry": "carried a key result into the next cycle",
    "okr_objective_create": "created an objective",
    "okr_objective_update": "changed an objective",
    "okr_key_result_create": "created a key result",
    "okr_key_result_update": "changed a key result",
    "okr_key_result_curve_learn": "learned a key result's expected curve",
    "okr_initiative_create": "created an initiative",
    "okr_initiative_update": "changed an initiative",
    "okr_objective_archive": "archived an objective",
    "okr_objective_restore": "restored an objective",
    "okr_key_result_archive": "archived a key result",
    "okr_key_result_restore": "restored a key result",
    "okr_initiative_archive": "archived an initiative",
    "okr_initiative_restore": "restored an initiative",
    "okr_checkin_create": "checked in a key result",
    "okr_checkin_correct": "corrected a check-in",
    "okr_checkin_withdraw": "withdrew a check-in",
    "okr_status_override_set": "overrode a key result's status",
    "okr_status_override_clear": "cleared a key result's status override",
    "okr_baseline_capture": "captured a key result's baseline",
    "compliance_rule_create": "added a contact rule",
    "compliance_rule_update": "changed a contact rule",
    "restriction_record": "recorded a contact restriction",
    "restriction_end": "ended a contact restriction",
    "workspace_contact_log": "logged a contact",
    "workspace_contact_override": "overrode the contact rules to log a contact",
    "workspace_contact_point_add": "added a contact point",
    "workspace_contact_point_mark": "marked a contact point",
    "workspace_promise_record": "recorded a promise to pay",
    "workspace_plan_create": "set up a payment plan",
    "workspace_dispute_open": "opened a dispute",
    "workspace_dispute_resolve": "closed a dispute",
    "workspace_note_add": "added a note",
    "workspace_call_back_add": "set a call-back",
    "workspace_call_back_done": "made a call-back",
    "workspace_flag_clear": "cleared an account's flag",
    "workspace_judgement": "judged promises and payment plans by payments",
    "worklist_daily_calls_set": "set a collector's daily calls",
    "worklist_account_move": "moved an account to another collector",
    "worklist_target_set": "set a target on the collector scorecard",
    "agency_commission_rate_set": "set an agency's commission rate",
    "worklist_segment_save": "set a segment of the book and its treatment",
    "dunning_policies_load": "loaded dunning policies",
    "dunning_override_set": "set a customer's dunning override",
    "dunning_template_save": "changed a dunning template",
    "dunning_run_prepare": "prepared a dunning run",
    "dunning_run_approve": "approved and sent a dunning run",
    "placement_rule_save": "set a placement rule",
    "placement_rule_delete": "removed a placement rule",
    "placement_batch_prepare": "prepared a placement batch",
    "placement_batch_approve": "approved a placement batch",
    "placements_recall": "recalled placements",
    "worklist_segment_delete": "removed a segment of the book",
    "notify_preference_set": "changed their notification settings",
    "notify_unsubscribe": "unsubscribed from e-mails",
    "notify_team_webhook_set": "set a team's chat webhook",
}

# What kind of item an entry is about. Imports name ledger records by their model
# (`Model._meta.model_name`), so those appear here without underscores.
OBJECT_KINDS: dict[str, str] = {
    "user": "User",
    "team": "Team",
    "api_token": "API token",
    "login": "Log-in as",
    "import_run": "Import run",
    "job": "Background job",
    "report_subscription": "Weekly report list",
    "mapping_preset": "Column mapping",
    "ledger": "Ledger",
    "metric": "KPI",
    "metric_snapshot": "KPI snapshot",
    "custom_metric": "Custom metric",
    "custom_value": "Custom metric value",
    "reference_value": "Reference value",
    "okr_cycle": "OKR cycle",
    "okr_objective": "Objective",
    "okr_key_result": "Key result",
    "okr_initiative": "Initiative",
    "compliance_rule": "Contact rule",
    "restriction": "Contact restriction",
    "customer": "Customer",
    "contactpoint": "Contact point",
    "invoice": "Invoice",
    "payment": "Payment",
    "allocation": "Allocation",
    "adjustment": "Adjustment",
    "activity": "Activity",
    "promisetopay": "Promise to pay",
    "paymentplan": "Payment plan",
    "instalment": "Instalment",
    "dispute": "Dispute",
    "agency": "Agency",
    "placement": "Placement",
    "assignment": "Assignment",
    "fxrate": "FX rate",
    "creditdecision": "Credit decision",
    "collectioncost": "Collection cost",
    "scorecard_target": "Scorecard target",
    "agency_commission_rate": "Agency commission rate",
    "agencyremittance": "Agency remittance",
}

# Who acted when no person did (a command or a job names itself in `via`), and, beside a
# person's name, through what they acted.
VIA_NAMES: dict[str, str] = {
    "import": "Import",
    "demo-data": "Demo data",
    "demo-okrs": "Demo OKR plans",
    "demo-login": "Demo log-in",
    "web": "Web",
    "api": "API",
    "kpi": "KPI command",
    "analytics-sync": "Analytics sync",
    "okr-cli": "OKR command",
    "okr-apply": "OKR plan file",
    "okr-baseline": "OKR baselines",
    "okr-checkin-auto": "Automatic check-ins",
    "okr-checkin-task": "Scheduled check-ins",
    "compliance": "Compliance command",
    "judgement": "Promise judgement after an import",
    "judgement-task": "Scheduled promise judgement",
    "workspace-cli": "Workspace command",
    "unsubscribe": "Unsubscribe link in an e-mail",
}

# Who acted when an entry names no person and no command: someone not logged in (a failed
# log-in names the username that was tried as its item, not as its actor).
VIA_WITHOUT_PERSON: dict[str, str] = {
    "web": "Someone on the web",
    "api": "Someone through the API",
}

# Values longer than this are shortened in the table; the full value stays one click away.
SHORT_VALUE = 60


def _words(code: str) -> str:
    return code.replace("_", " ").replace("-", " ").strip()


def action_phrase(action: str) -> str:
    return ACTION_PHRASES.get(action) or _words(action) or "did something"


def object_kind(object_type: str) -> str:
    return OBJECT_KINDS.get(object_type) or _words(object_type).capitalize() or "Item"


def via_name(via: str) -> str:
    """What a person acted through ("API"), or the command or job that acted on its own."""
    if not via:
        return "System"
    return VIA_NAMES.get(via) or f"System ({via})"


def actor_without_person(via: str) -> str:
    """Who an entry without a person names: a command or job ("Import"), or someone unknown."""
    return VIA_WITHOUT_PERSON.get(via) or via_name(via)


# Field names are snake_case codes; these read as letters, not as words.
_ACRONYMS = frozenset({"api", "fx", "id", "ip", "kpi", "okr", "sql", "url"})


def field_label(name: str) -> str:
    """`amount_minor` reads "Amount (minor units)", `due_date` "Due date", `ip` "IP"."""
    base = name.removesuffix("_minor")
    words = [w.upper() if w in _ACRONYMS else w for w in _words(base).split()]
    if not words:
        return name
    label = " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])
    return f"{label} (minor units)" if base != name else label


def _instant_text(value: str) -> str | None:
    """An ISO instant ("2026-12-02T01:03:29.151045+00:00") as "2 Dec 2026, 01:03" in the
    reader's time zone; None for any other text (dates alone stay as written)."""
    if len(value) < 16 or value[10:11] != "T":
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None
    return timezone.localtime(instant).strftime("%-d %b %Y, %H:%M")


def value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return _instant_text(value) or value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class ShownValue:
    """A value as a cell shows it: `short` always, `full` too when `short` had to be cut."""

    short: str
    full: str

    @property
    def is_cut(self) -> bool:
        return self.short != self.full


def shown(value: Any) -> ShownValue:
    text = value_text(value)
    if len(text) <= SHORT_VALUE:
        return ShownValue(text, text)
    return ShownValue(text[: SHORT_VALUE - 1].rstrip() + "…", text)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of an entry: its value before and after (None where the entry has no side)."""

    field: str
    label: str
    before: ShownValue | None
    after: ShownValue | None


def _as_fields(values: Any) -> dict[str, Any]:
    if values is None:
        return {}
    if isinstance(values, dict):
        return values
    # Entries are written with mappings; anything else is shown whole rather than dropped.
    return {"value": values}


def field_changes(before: Any, after: Any) -> list[FieldChange]:
    """The fields that differ between `before` and `after`, in the order they were written.

    A side that is missing (a creation has no before, a removal no after) shows every field of
    the other side; a field present on one side only counts as changed.
    """
    old, new = _as_fields(before), _as_fields(after)
    changes = []
    for name in dict.fromkeys([*old, *new]):
        if name in old and name in new and old[name] == new[name]:
            continue
        changes.append(
            FieldChange(
                field=name,
                label=field_label(name),
                before=shown(old[name]) if name in old else None,
                after=shown(new[name]) if name in new else None,
            )
        )
    return changes


# Apps above this one name their items for the Audit page (a customer by its name, not its id):
# object type -> a function from ids to names, registered in the app's `ready()`.
ItemNamer = Callable[[Collection[str]], dict[str, str]]
ITEM_NAMERS: dict[str, ItemNamer] = {}


def item_namer_register(object_type: str, namer: ItemNamer) -> None:
    ITEM_NAMERS[object_type] = namer


def item_names(items: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Names of (object type, id) pairs, one query per type; items without a namer are left out."""
    ids_by_type: dict[str, set[str]] = {}
    for object_type, object_id in items:
        ids_by_type.setdefault(object_type, set()).add(object_id)
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in ids_by_type.items():
        namer = ITEM_NAMERS.get(object_type)
        if namer is not None:
            names.update({(object_type, i): n for i, n in namer(ids).items()})
    return names
