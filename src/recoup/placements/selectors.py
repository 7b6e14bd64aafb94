"""Reading placements as a placer may: the rules, the latest batches whose every account they
place for, one batch (its lines by agency, what was left out and why), the accounts they may
tick by hand, and a preview that keeps nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet, Sum

from recoup.accounts.scope import Scope
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.money import Money
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import customers_in_scope
from recoup.placements.models import BatchLine, PlacementBatch, PlacementRule
from recoup.placements.selection import (
    LEFT_OUT_WORDS,
    Account,
    Selection,
    accounts_on,
    select_by_rules,
)
from recoup.placements.services import OTHER_TEAMS


def rules_in_order() -> QuerySet[PlacementRule]:
    return PlacementRule.objects.select_related("agency", "team").order_by("position", "name")


def _outside(scope: Scope) -> QuerySet[BatchLine]:
    return BatchLine.objects.exclude(customer__in=customers_in_scope(scope))


@dataclass(frozen=True, slots=True)
class BatchRow:
    batch: PlacementBatch
    accounts: int
    invoices: int
    totals: str


def _totals_text(rows: QuerySet[BatchLine]) -> str:
    sums = rows.values("currency").annotate(total=Sum("amount_minor")).order_by("currency")
    return " + ".join(str(Money(int(r["total"]), r["currency"])) for r in sums) or "none"


def batches_visible(scope: Scope, *, limit: int = 20) -> list[BatchRow]:
    """The latest batches whose every account `scope` places for."""
    batches = PlacementBatch.objects.select_related("approved_by", "prepared_by")
    if not scope.sees_all:
        batches = batches.exclude(pk__in=_outside(scope).values("batch_id"))
    out = []
    for batch in batches[:limit]:
        lines = batch.lines.all()
        counts = lines.aggregate(accounts=Count("customer", distinct=True), invoices=Count("id"))
        out.append(BatchRow(batch, counts["accounts"], counts["invoices"], _totals_text(lines)))
    return out


def batch_for(scope: Scope, batch_id: int) -> PlacementBatch:
    """A batch, if every account in it is one `scope` places for (else `AccessDeniedError`)."""
    found = (
        PlacementBatch.objects.select_related("approved_by", "prepared_by")
        .filter(pk=batch_id)
        .first()
    )
    if found is None:
        raise NotFoundError(f"no placement batch {batch_id}")
    if not scope.sees_all and _outside(scope).filter(batch=found).exists():
        raise AccessDeniedError(OTHER_TEAMS)
    return found


def batch_lines(batch: PlacementBatch) -> QuerySet[BatchLine]:
    return batch.lines.select_related("customer", "invoice", "agency", "placement").order_by(
        "agency__name", "customer__name", "invoice__due_date", "id"
    )


@dataclass(frozen=True, slots=True)
class AgencyGroup:
    name: str
    kind: str
    accounts: int
    invoices: int
    totals: str


def batch_groups(batch: PlacementBatch) -> list[AgencyGroup]:
    """Per agency: accounts, invoices and amounts by currency."""
    rows = batch.lines.values("agency__name", "agency__kind", "currency").annotate(
        accounts=Count("customer", distinct=True), invoices=Count("id"), total=Sum("amount_minor")
    )
    groups: dict[str, dict[str, Any]] = {}
    for r in rows.order_by("agency__name", "currency"):
        g = groups.setdefault(
            r["agency__name"],
            {"kind": r["agency__kind"], "accounts": 0, "invoices": 0, "totals": []},
        )
        g["accounts"] += r["accounts"]
        g["invoices"] += r["invoices"]
        g["totals"].append(str(Money(int(r["total"]), r["currency"])))
    return [
        AgencyGroup(name, g["kind"], g["accounts"], g["invoices"], " + ".join(g["totals"]))
        for name, g in groups.items()
    ]


@dataclass(frozen=True, slots=True)
class LeftOutRow:
    customer_id: int
    name: str
    reference: str
    why: str
    detail: str


def left_out_rows(
    left_out: list[dict[str, Any]] | list[Any], *, limit: int = 500
) -> list[LeftOutRow]:
    """The listed accounts left out, by name, with why in words."""
    wanted = left_out[:limit]
    ids = [int(x["customer_id"]) for x in wanted]
    names = {c.pk: c for c in Customer.objects.filter(pk__in=ids).only("name", "external_id")}
    return [
        LeftOutRow(
            int(x["customer_id"]),
            names[int(x["customer_id"])].name if int(x["customer_id"]) in names else "",
            names[int(x["customer_id"])].external_id if int(x["customer_id"]) in names else "",
            LEFT_OUT_WORDS.get(str(x["reason"]), str(x["reason"])),
            str(x.get("detail", "")),
        )
        for x in wanted
    ]


def counts_in_words(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(LEFT_OUT_WORDS.get(k, k), int(v)) for k, v in sorted(counts.items()) if v]


def preview(scope: Scope, *, day: date) -> Selection:
    """What the rules would place on `day` of `scope`'s debtors; nothing is kept."""
    ids = None if scope.sees_all else list(customers_in_scope(scope).values_list("pk", flat=True))
    return select_by_rules(day=day, customer_ids=ids)


@dataclass(frozen=True, slots=True)
class HandRow:
    customer: Customer
    days_past_due: int
    invoices: int
    totals: str


def accounts_to_tick(scope: Scope, *, day: date, limit: int = 200) -> list[HandRow]:
    """The accounts of `scope` with past-due invoices to place on `day`, the latest first."""
    ids = None if scope.sees_all else list(customers_in_scope(scope).values_list("pk", flat=True))
    accounts: list[Account] = accounts_on(day, ids, Selection(day))
    accounts.sort(key=lambda a: (-a.days_past_due, a.customer_id))
    shown = accounts[:limit]
    customers = Customer.objects.in_bulk([a.customer_id for a in shown])
    return [
        HandRow(
            customers[a.customer_id],
            a.days_past_due,
            len(a.items),
            " + ".join(str(Money(v, c)) for c, v in sorted(a.totals.items())),
        )
        for a in shown
    ]


def invoice_numbers(ids: list[int]) -> dict[int, str]:
    return dict(Invoice.objects.filter(pk__in=ids).values_list("pk", "external_id"))
