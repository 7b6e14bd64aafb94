"""A batch as the file agencies take: one row per placed invoice with the debtor's name, address
and contact points, the invoice's number, dates and amount in its currency, and the placement
reference the agency quotes back in its remittances."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recoup.core.exports import Column, Kind, chunked
from recoup.core.money import Money
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus
from recoup.placements.models import BatchLine, PlacementBatch

WORKING = (ContactStatus.VALID, ContactStatus.UNVERIFIED)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ExportRow:
    reference: str
    agency: str
    debtor: str
    debtor_reference: str
    address: str
    email: str
    phone: str
    invoice: str
    issued: date
    due: date
    days_past_due: int
    amount: Decimal
    currency: str
    placed_on: date | None


COLUMNS: tuple[Column[ExportRow], ...] = (
    Column("Placement reference", lambda r: r.reference),
    Column("Agency", lambda r: r.agency),
    Column("Debtor", lambda r: r.debtor),
    Column("Debtor reference", lambda r: r.debtor_reference),
    Column("Address", lambda r: r.address),
    Column("E-mail", lambda r: r.email),
    Column("Phone", lambda r: r.phone),
    Column("Invoice", lambda r: r.invoice),
    Column("Issued", lambda r: r.issued, Kind.DATE),
    Column("Due", lambda r: r.due, Kind.DATE),
    Column("Days past due", lambda r: r.days_past_due, Kind.NUMBER),
    Column("Amount", lambda r: r.amount, Kind.MONEY),
    Column("Currency", lambda r: r.currency),
    Column("Placed on", lambda r: r.placed_on, Kind.DATE),
)


def _points(customer_ids: list[int]) -> dict[tuple[int, str], str]:
    """Each customer's best working contact point of each kind (primary, then newest)."""
    out: dict[tuple[int, str], str] = {}
    rows = ContactPoint.objects.filter(customer_id__in=customer_ids, status__in=WORKING).order_by(
        "customer_id", "kind", "-is_primary", "-id"
    )
    for customer, kind, value in rows.values_list("customer_id", "kind", "value"):
        out.setdefault((customer, kind), value)
    return out


def export_rows(batch: PlacementBatch) -> Iterator[ExportRow]:
    """The batch's lines as rows, read a few hundred at a time."""
    lines = (
        BatchLine.objects.filter(batch=batch)
        .select_related("customer", "invoice", "agency", "placement")
        .order_by("agency__name", "customer__name", "invoice__due_date", "id")
    )
    for part in chunked(lines.iterator(chunk_size=_CHUNK), _CHUNK):
        points = _points(sorted({line.customer_id for line in part}))
        for line in part:
            c = line.customer_id
            yield ExportRow(
                reference=line.reference,
                agency=line.agency.name,
                debtor=line.customer.name,
                debtor_reference=line.customer.external_id,
                address=points.get((c, ContactKind.ADDRESS), ""),
                email=points.get((c, ContactKind.EMAIL), ""),
                phone=points.get((c, ContactKind.PHONE), ""),
                invoice=line.invoice.external_id,
                issued=line.invoice.issue_date,
                due=line.invoice.due_date,
                days_past_due=line.days_past_due,
                amount=Money(line.amount_minor, line.currency).to_decimal(),
                currency=line.currency,
                placed_on=line.placement.placed_on if line.placement is not None else None,
            )
