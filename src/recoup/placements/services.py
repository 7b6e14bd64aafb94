"""Placing's writers: a rule saved or removed, a batch prepared (by the rules or ticked by hand;
nothing placed yet), a batch approved (its placements written, all or none, once), and
placements recalled. Each is audited and holds the actor to `can_place_accounts` and to the
debtors they place for (`recoup.placements.scope`); a job or command acts for everyone."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from recoup.accounts.access import can_place_accounts, require
from recoup.accounts.models import Team, User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.core.money import Money
from recoup.ledger.models import Agency, Allocation, Customer, Placement
from recoup.ledger.selectors import customers_in_scope
from recoup.placements.models import (
    BatchLine,
    BatchStatus,
    PlacementBatch,
    PlacementRule,
    placement_reference,
)
from recoup.placements.scope import placing_scope
from recoup.placements.selection import Selection, select_by_hand, select_by_rules

STEERING_ONLY = "Only managers and admins place accounts with agencies and lawyers."
OTHER_TEAMS = "This holds accounts of teams you do not place for."


class PlacementError(RecoupError, ValueError):
    pass


def _allowed(actor: User | None) -> None:
    require(actor is None or can_place_accounts(actor), STEERING_ONLY)


def _rule_json(rule: PlacementRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "position": rule.position,
        "active": rule.active,
        "agency": rule.agency.name,
        "min_days_past_due": rule.min_days_past_due,
        "min_open": str(rule.min_open) if rule.min_open is not None else None,
        "no_contact_days": rule.no_contact_days,
        "broken_plan": rule.broken_plan,
        "team": rule.team.name if rule.team is not None else None,
    }


@transaction.atomic
def placement_rule_save(
    *,
    actor: User | None,
    rule: PlacementRule | None,
    name: str,
    agency: Agency,
    position: int = 1,
    active: bool = True,
    min_days_past_due: int | None = None,
    min_open: Money | None = None,
    no_contact_days: int | None = None,
    broken_plan: bool = False,
    team: Team | None = None,
    via: str = "",
) -> PlacementRule:
    """Creates a rule (`rule` None) or changes one."""
    _allowed(actor)
    name = name.strip()
    if not name:
        raise PlacementError("give the rule a name")
    clash = PlacementRule.objects.filter(name=name)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise PlacementError(f"there is already a rule named {name!r}")
    if min_open is not None and min_open.minor < 0:
        raise PlacementError("the open amount cannot be negative")
    before = _rule_json(rule) if rule is not None else None
    target = rule or PlacementRule()
    target.name, target.agency, target.position, target.active = name[:80], agency, position, active
    target.min_days_past_due, target.no_contact_days = min_days_past_due, no_contact_days
    target.min_open_minor = min_open.minor if min_open is not None else None
    target.min_open_currency = min_open.currency if min_open is not None else ""
    target.broken_plan, target.team = broken_plan, team
    target.save()
    audit_record(
        action="placement_rule_save",
        object_type="placement_rule",
        object_id=target.pk,
        before=before,
        after=_rule_json(target),
        actor=actor,
        via=via,
    )
    return target


@transaction.atomic
def placement_rule_delete(*, actor: User | None, rule: PlacementRule, via: str = "") -> None:
    _allowed(actor)
    before = _rule_json(rule)
    pk = rule.pk
    rule.delete()
    audit_record(
        action="placement_rule_delete",
        object_type="placement_rule",
        object_id=pk,
        before=before,
        actor=actor,
        via=via,
    )


def _scope_ids(actor: User | None) -> list[int] | None:
    scope = placing_scope(actor)
    if scope.sees_all:
        return None
    return list(customers_in_scope(scope).values_list("pk", flat=True))


def _keep(
    *, actor: User | None, as_of: date, selection: Selection, by_hand: bool, via: str
) -> PlacementBatch:
    with transaction.atomic():
        batch = PlacementBatch.objects.create(
            as_of=as_of,
            by_hand=by_hand,
            prepared_by=actor,
            left_out=[
                {"customer_id": x.customer_id, "reason": x.reason, "detail": x.detail}
                for x in selection.left_out
            ],
            left_out_counts=dict(selection.counts),
        )
        BatchLine.objects.bulk_create(
            [
                BatchLine(
                    batch=batch,
                    customer_id=line.customer_id,
                    invoice_id=line.invoice_id,
                    agency_id=line.agency_id,
                    rule_id=line.rule_id,
                    reason=line.reason[:120],
                    days_past_due=line.days_past_due,
                    amount_minor=line.amount_minor,
                    currency=line.currency,
                )
                for line in selection.lines
            ],
            batch_size=500,
        )
        audit_record(
            action="placement_batch_prepare",
            object_type="placement_batch",
            object_id=batch.pk,
            after={
                "as_of": as_of.isoformat(),
                "by_hand": by_hand,
                "invoices": len(selection.lines),
                "accounts": len({line.customer_id for line in selection.lines}),
                "left_out": dict(selection.counts),
            },
            actor=actor,
            via=via,
        )
    return batch


def batch_prepare(*, actor: User | None, as_of: date, via: str = "") -> PlacementBatch:
    """The batch the rules make on `as_of` of the debtors `actor` places for; nothing placed."""
    _allowed(actor)
    selection = select_by_rules(day=as_of, customer_ids=_scope_ids(actor))
    return _keep(actor=actor, as_of=as_of, selection=selection, by_hand=False, via=via)


def batch_prepare_by_hand(
    *,
    actor: User | None,
    as_of: date,
    customer_ids: Collection[int],
    agency: Agency,
    via: str = "",
) -> PlacementBatch:
    """A batch of ticked accounts to `agency`; an account outside the actor's teams is refused."""
    _allowed(actor)
    wanted = {int(c) for c in customer_ids}
    if not wanted:
        raise PlacementError("tick at least one account to place")
    found = set(Customer.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        raise PlacementError(f"no customer {min(wanted - found)}")
    scope = placing_scope(actor)
    if not scope.sees_all:
        mine = set(customers_in_scope(scope).filter(pk__in=wanted).values_list("pk", flat=True))
        require(mine == wanted, OTHER_TEAMS)
    selection = select_by_hand(day=as_of, customer_ids=wanted, agency=agency)
    return _keep(actor=actor, as_of=as_of, selection=selection, by_hand=True, via=via)


def batch_check_scope(actor: User | None, batch: PlacementBatch) -> None:
    """Refuses a batch holding a debtor `actor` does not place for (`AccessDeniedError`)."""
    scope = placing_scope(actor)
    if scope.sees_all:
        return
    outside = batch.lines.exclude(customer__in=customers_in_scope(scope))
    require(not outside.exists(), OTHER_TEAMS)


def batch_approve(*, actor: User | None, batch: PlacementBatch, via: str = "") -> PlacementBatch:
    """Places every line of a prepared batch, all or none. Approving again places nothing."""
    _allowed(actor)
    batch_check_scope(actor, batch)
    with transaction.atomic():
        # The conditional update lets one approval through, however many arrive at once.
        claimed = PlacementBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREPARED).update(
            status=BatchStatus.APPROVED, approved_by=actor, approved_at=timezone.now()
        )
        if not claimed:
            batch.refresh_from_db()
            return batch
        lines = list(batch.lines.filter(placement__isnull=True))
        standing = Placement.objects.filter(
            invoice_id__in=[line.invoice_id for line in lines], placed_on__lte=batch.as_of
        ).filter(Q(recalled_on__isnull=True) | Q(recalled_on__gt=batch.as_of))
        taken = standing.count()
        if taken:
            raise PlacementError(
                f"{taken:,} invoices of this batch were placed meanwhile: prepare a new batch"
            )
        placements = Placement.objects.bulk_create(
            [
                Placement(
                    external_id=placement_reference(batch.pk, line.invoice_id),
                    invoice_id=line.invoice_id,
                    agency_id=line.agency_id,
                    placed_on=batch.as_of,
                    amount_minor=line.amount_minor,
                    currency=line.currency,
                )
                for line in lines
            ],
            batch_size=500,
        )
        by_invoice = {
            p.invoice_id: p.pk
            for p in Placement.objects.filter(
                external_id__in=[p.external_id for p in placements]
            ).only("pk", "invoice_id")
        }
        for line in lines:
            line.placement_id = by_invoice[line.invoice_id]
        BatchLine.objects.bulk_update(lines, ["placement"], batch_size=500)
        batch.refresh_from_db()
        audit_record(
            action="placement_batch_approve",
            object_type="placement_batch",
            object_id=batch.pk,
            after={"as_of": batch.as_of.isoformat(), "placed": len(lines)},
            actor=actor,
            via=via,
        )
    return batch


def recall_candidates(
    *,
    actor: User | None,
    on: date,
    agency: Agency | None = None,
    placed_before: date | None = None,
    idle_days: int | None = None,
    reference: str = "",
) -> QuerySet[Placement]:
    """The standing placements a recall would end: one by its reference, or those of an agency
    placed before a day, or those placed at least `idle_days` before `on` with nothing recovered
    since (each narrowed by the others given), of the debtors `actor` places for."""
    if not (reference or placed_before or idle_days is not None):
        raise PlacementError("say what to recall: a placement, a day, or days without recovery")
    rows = Placement.objects.filter(recalled_on__isnull=True, placed_on__lte=on)
    scope = placing_scope(actor)
    if not scope.sees_all:
        rows = rows.filter(invoice__customer__in=customers_in_scope(scope))
    if reference:
        rows = rows.filter(external_id=reference.strip())
    if agency is not None:
        rows = rows.filter(agency=agency)
    if placed_before is not None:
        rows = rows.filter(placed_on__lt=placed_before)
    if idle_days is not None:
        if idle_days < 0:
            raise PlacementError("days without recovery cannot be negative")
        recovered = Allocation.objects.filter(
            invoice_id=OuterRef("invoice_id"),
            payment__received_on__gte=OuterRef("placed_on"),
            payment__received_on__lte=on,
        )
        rows = rows.filter(placed_on__lte=date.fromordinal(on.toordinal() - idle_days)).exclude(
            Exists(recovered)
        )
    return rows


@transaction.atomic
def placements_recall(
    *,
    actor: User | None,
    on: date,
    agency: Agency | None = None,
    placed_before: date | None = None,
    idle_days: int | None = None,
    reference: str = "",
    via: str = "",
) -> int:
    """Recalls on `on` the placements `recall_candidates` names; how many were recalled."""
    _allowed(actor)
    rows = recall_candidates(
        actor=actor,
        on=on,
        agency=agency,
        placed_before=placed_before,
        idle_days=idle_days,
        reference=reference,
    )
    ids = list(rows.values_list("pk", flat=True))
    if reference and not ids:
        raise PlacementError(f"no standing placement {reference.strip()!r} to recall")
    recalled = Placement.objects.filter(pk__in=ids, recalled_on__isnull=True).update(
        recalled_on=on, updated_at=timezone.now()
    )
    audit_record(
        action="placements_recall",
        object_type="placement",
        object_id=str(ids[0]) if len(ids) == 1 else f"{len(ids)} placements",
        after={
            "on": on.isoformat(),
            "recalled": recalled,
            "placements": ids[:1000],
            "agency": agency.name if agency is not None else None,
            "placed_before": placed_before.isoformat() if placed_before else None,
            "idle_days": idle_days,
            "reference": reference or None,
        },
        actor=actor,
        via=via,
    )
    return recalled
