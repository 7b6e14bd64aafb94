"""Writing the contact rules and restrictions: each change audited, each refusal in words."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from recoup.accounts.access import (
    can_change_contact_rules,
    can_override_contact_rules,
    can_work_account,
    require,
)
from recoup.accounts.models import Team, User
from recoup.accounts.scope import scope_for
from recoup.accounts.services import audit_record
from recoup.compliance.models import (
    ContactChannel,
    Restriction,
    RestrictionKind,
    Rule,
    RuleScope,
    Severity,
)
from recoup.compliance.preset import PRESETS
from recoup.compliance.rules import RuleParamError, RuleSpec
from recoup.core.errors import NotFoundError, RecoupError
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import customers_in_scope


class RestrictionError(RecoupError):
    pass


def _restriction_json(r: Restriction) -> dict[str, Any]:
    return {
        "customer": r.customer.external_id,
        "invoice": r.invoice.external_id if r.invoice else "",
        "kind": r.kind,
        "channel": r.channel,
        "effective_on": r.effective_on.isoformat(),
        "ended_on": r.ended_on.isoformat() if r.ended_on else None,
        "note": r.note,
    }


def _in_book(actor: User | None, customer: Customer) -> None:
    if actor is None:
        return
    if not customers_in_scope(scope_for(actor)).filter(pk=customer.pk).exists():
        raise NotFoundError(f"customer {customer.external_id} not found")


@transaction.atomic
def restriction_record(
    *,
    actor: User | None,
    customer: Customer,
    kind: str,
    channel: str = "",
    effective_on: date,
    ended_on: date | None = None,
    note: str = "",
    invoice: Invoice | None = None,
    via: str = "",
) -> Restriction:
    """Records that `customer` may not be contacted (cease, bankruptcy, opt-out of `channel`,
    dispute) from `effective_on` (through `ended_on`, if known). Audited."""
    require(
        actor is None or can_work_account(actor),
        "your role may not record restrictions: collectors, managers and admins do",
    )
    _in_book(actor, customer)
    if kind not in RestrictionKind.values:
        raise RestrictionError(f"kind {kind!r}: one of {', '.join(RestrictionKind.values)}")
    if channel and channel not in ContactChannel.values:
        raise RestrictionError(f"channel {channel!r}: one of {', '.join(ContactChannel.values)}")
    if kind == RestrictionKind.OPT_OUT and not channel:
        raise RestrictionError("an opt-out names the channel opted out of (call, sms, ...)")
    if kind != RestrictionKind.OPT_OUT and channel:
        raise RestrictionError(f"a {kind} restriction covers every channel: leave channel empty")
    if ended_on is not None and ended_on < effective_on:
        raise RestrictionError(f"ended on {ended_on} is before effective on {effective_on}")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise RestrictionError(f"invoice {invoice.external_id} is not {customer.external_id}'s")
    if Restriction.objects.filter(
        customer=customer, kind=kind, channel=channel, effective_on=effective_on
    ).exists():
        raise RestrictionError(
            f"{customer.external_id} already has a {kind} restriction"
            f"{' of ' + channel if channel else ''} from {effective_on}"
        )
    restriction = Restriction.objects.create(
        customer=customer,
        invoice=invoice,
        kind=kind,
        channel=channel,
        effective_on=effective_on,
        ended_on=ended_on,
        note=note[:300],
        recorded_by=actor,
    )
    audit_record(
        action="restriction_record",
        object_type="restriction",
        object_id=restriction.pk,
        after=_restriction_json(restriction),
        actor=actor,
        via=via,
    )
    return restriction


@transaction.atomic
def restriction_end(
    *, actor: User | None, restriction: Restriction, ended_on: date, note: str = "", via: str = ""
) -> Restriction:
    """The last day `restriction` was in effect (the debtor revoked the cease request, the
    bankruptcy was dismissed, the dispute was answered). Audited."""
    require(
        actor is None or can_override_contact_rules(actor),
        "your role may not end restrictions: managers and admins do",
    )
    restriction = (
        Restriction.objects.select_for_update(of=("self",))
        .select_related("customer", "invoice")
        .get(pk=restriction.pk)
    )
    _in_book(actor, restriction.customer)
    if ended_on < restriction.effective_on:
        raise RestrictionError(
            f"ended on {ended_on} is before the restriction took effect ({restriction.effective_on})"
        )
    before = _restriction_json(restriction)
    restriction.ended_on = ended_on
    if note:
        restriction.note = (f"{restriction.note}; {note}" if restriction.note else note)[:300]
    restriction.save(update_fields=["ended_on", "note", "updated_at"])
    audit_record(
        action="restriction_end",
        object_type="restriction",
        object_id=restriction.pk,
        before=before,
        after=_restriction_json(restriction),
        actor=actor,
        via=via,
    )
    return restriction


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "kind": rule.kind,
        "params": rule.params,
        "severity": rule.severity,
        "scope": rule.scope,
        "team": rule.team.name if rule.team else "",
        "customer": rule.customer.external_id if rule.customer else "",
        "active": rule.active,
        "source": rule.source,
    }


@transaction.atomic
def rule_save(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    params: dict[str, Any],
    severity: str = Severity.BLOCK,
    team: Team | None = None,
    customer: Customer | None = None,
    active: bool = True,
    source: str = "",
    preset: str = "",
    via: str = "",
) -> Rule:
    """Creates or changes the rule `code` at its scope (the organisation, `team` or
    `customer`), after its evaluator accepts `params`. Audited."""
    require(
        actor is None or can_change_contact_rules(actor),
        "your role may not change contact rules: admins do",
    )
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 64:
        raise RuleParamError(f"code {code!r}: letters, digits, - and _ (at most 64)")
    if not name.strip():
        raise RuleParamError("name: say in a few words what the rule is")
    if severity not in Severity.values:
        raise RuleParamError(f"severity {severity!r}: block or warn")
    if team is not None and customer is not None:
        raise RuleParamError("a rule is for a team or for a customer, not both")
    spec = RuleSpec.make(code=code, name=name, kind=kind, params=params)
    scope = RuleScope.CUSTOMER if customer else RuleScope.TEAM if team else RuleScope.SYSTEM
    existing = (
        Rule.objects.select_for_update()
        .filter(code=code, scope=scope, team=team, customer=customer)
        .first()
    )
    values = {
        "name": name.strip()[:200],
        "kind": kind,
        "params": spec.params,
        "severity": severity,
        "active": active,
        "source": source[:200],
    }
    if preset:
        values["preset"] = preset
    if existing is None:
        rule = Rule.objects.create(code=code, scope=scope, team=team, customer=customer, **values)
        audit_record(
            action="compliance_rule_create",
            object_type="compliance_rule",
            object_id=rule.pk,
            after=_rule_json(rule),
            actor=actor,
            via=via,
        )
        return rule
    before = _rule_json(existing)
    for field_name, value in values.items():
        setattr(existing, field_name, value)
    existing.save()
    after = _rule_json(existing)
    if after != before:
        audit_record(
            action="compliance_rule_update",
            object_type="compliance_rule",
            object_id=existing.pk,
            before=before,
            after=after,
            actor=actor,
            via=via,
        )
    return existing


@transaction.atomic
def preset_load(*, actor: User | None, name: str, via: str = "") -> list[Rule]:
    """Loads (or restores) a bundled rule set as organisation-wide rules."""
    if name not in PRESETS:
        raise RuleParamError(f"preset {name!r}: one of {', '.join(PRESETS)}")
    return [rule_save(actor=actor, preset=name, via=via, **row) for row in PRESETS[name]]


def preset_ensure(*, using: str = "default", **_signal: Any) -> int:
    """Receiver of `post_migrate`: a database without any contact rule (a new one, or one a test
    run flushed) gets the US preset, as migration 0002 gives a new installation; a database with
    rules, even all switched off, is left as its admins made it. Returns the rules created."""
    rules = Rule.objects.using(using)
    if rules.exists():
        return 0
    for row in PRESETS["us-reg-f"]:
        spec = RuleSpec.make(
            code=row["code"], name=row["name"], kind=row["kind"], params=row["params"]
        )
        rules.create(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            params=spec.params,
            source=row.get("source", ""),
            scope=RuleScope.SYSTEM,
            severity=Severity.BLOCK,
            preset="us-reg-f",
        )
    return len(PRESETS["us-reg-f"])
