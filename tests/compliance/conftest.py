"""A tiny ledger for the contact rules: one debtor in Chicago, two invoices, and helpers that
write calls, restrictions and disputes in the debtor's own wall-clock time."""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from recoup.ledger.models import Activity, Customer, Dispute, Invoice

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
_ids = itertools.count(1)


def local(y: int, mo: int, d: int, h: int = 12, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    """A wall-clock time in Chicago as an aware UTC instant."""
    return datetime(y, mo, d, h, mi, s, us, tzinfo=CHICAGO).astimezone(UTC)


@dataclass
class Book:
    customer: Customer
    inv1: Invoice
    inv2: Invoice

    def call(
        self,
        at: datetime,
        *,
        invoice: Invoice | str | None = "inv1",
        outcome: str = "no_answer",
        direction: str = "outbound",
        channel: str = "call",
    ) -> Activity:
        inv = self.inv1 if invoice == "inv1" else invoice
        assert not isinstance(inv, str)
        return Activity.objects.create(
            external_id=f"A-{next(_ids)}",
            customer=self.customer,
            invoice=inv,
            channel=channel,
            direction=direction,
            outcome=outcome,
            occurred_at=at,
        )

    def dispute(self, opened: date, resolved: date | None = None, status: str = "open") -> Dispute:
        return Dispute.objects.create(
            external_id=f"D-{next(_ids)}",
            invoice=self.inv1,
            opened_on=opened,
            resolved_on=resolved,
            status=status,
        )


@pytest.fixture
def book(db: None) -> Book:
    customer = Customer.objects.create(
        external_id="C-1", name="Prairie Plumbing", time_zone="America/Chicago"
    )
    invoices = [
        Invoice.objects.create(
            external_id=f"INV-{n}",
            customer=customer,
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            amount_minor=10_000 * n,
            currency="USD",
        )
        for n in (1, 2)
    ]
    return Book(customer, invoices[0], invoices[1])


CheckFn = Callable[..., object]
