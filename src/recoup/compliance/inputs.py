"""Reading what a person typed for a check: an instant with its offset, a channel, the
customer and invoice by external id within the asker's book. Shared by the CLI, the API and
the pages, so they refuse the same things with the same words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recoup.accounts.scope import Scope
from recoup.compliance.engine import CHANNELS, CheckInputError
from recoup.core.errors import NotFoundError
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import customers_in_scope


@dataclass(frozen=True, slots=True)
class CheckRequest:
    customer: Customer
    channel: str
    at: datetime
    invoice: Invoice | None


def parse_instant(text: str, what: str = "at") -> datetime:
    """An ISO 8601 instant with its offset (2026-03-09T04:30:00Z, 2026-03-08T22:30-06:00)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CheckInputError(
            f"{what} {text!r}: an ISO 8601 instant such as 2026-03-09T14:30:00Z"
        ) from None
    if at.tzinfo is None:
        raise CheckInputError(
            f"{what} {text!r}: give the offset (Z or +02:00): an instant without one is ambiguous"
        )
    if not 1990 <= at.year <= 2059:
        raise CheckInputError(f"{what} {text!r}: a year from 1990 to 2059")
    return at


def check_request(
    scope: Scope, *, customer: str, channel: str, at: str, invoice: str | None = None
) -> CheckRequest:
    """Raises `CheckInputError` for malformed input and `NotFoundError` for a customer or an
    invoice outside `scope` (which reads as unknown: no probing of other books)."""
    if channel not in CHANNELS:
        raise CheckInputError(f"channel {channel!r}: one of {', '.join(CHANNELS)}")
    instant = parse_instant(at)
    found = customers_in_scope(scope).filter(external_id=customer).first()
    if found is None:
        raise NotFoundError(f"customer {customer!r} not found")
    inv = None
    if invoice:
        inv = Invoice.objects.filter(external_id=invoice, customer=found).first()
        if inv is None:
            raise NotFoundError(f"invoice {invoice!r} of customer {customer!r} not found")
    return CheckRequest(found, channel, instant, inv)
