"""One of each placements item a page acts on, for a customer: a rule, and a prepared batch
holding the customer's invoice (not yet approved)."""

from __future__ import annotations

from django.utils import timezone

from recoup.ledger.models import Agency, Customer
from recoup.placements.models import BatchLine, PlacementBatch, PlacementRule


def placements_items(customer: Customer) -> dict[str, str]:
    agency = Agency.objects.create(external_id="AG-MATRIX", name="Matrix Recovery")
    rule = PlacementRule.objects.create(name="Late accounts", agency=agency, min_days_past_due=90)
    batch = PlacementBatch.objects.create(as_of=timezone.localdate(), by_hand=True)
    invoice = customer.invoices.get()
    BatchLine.objects.create(
        batch=batch,
        customer=customer,
        invoice=invoice,
        agency=agency,
        reason="chosen by hand",
        days_past_due=(batch.as_of - invoice.due_date).days,
        amount_minor=invoice.amount_minor,
        currency=invoice.currency,
    )
    return {"placement_batch_id": str(batch.pk), "placement_rule_id": str(rule.pk)}
