"""What placing keeps: the rules that say which accounts go to which agency or lawyer (first
match wins), and the batches prepared from them (or ticked by hand) with a line per invoice,
approved into the ledger's `Placement` rows.

Amounts are integer minor units with a currency. A line's `(batch, invoice)` is unique and the
placement it made is kept on it, so approving a batch twice places nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from recoup.accounts.models import Team
from recoup.core.models import TimeStamped, currency_field
from recoup.core.money import Money
from recoup.ledger.models import Agency, Customer, Invoice, Placement

User = settings.AUTH_USER_MODEL


class PlacementRule(TimeStamped):
    """Accounts that meet every condition given go to `agency`. Rules are tried by `position`."""

    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="placement_rules")
    # Days past due of the oldest open invoice, at least.
    min_days_past_due = models.PositiveIntegerField(null=True, blank=True)
    # The open amount in `min_open_currency`, at least.
    min_open_minor = models.BigIntegerField(null=True, blank=True)
    min_open_currency = currency_field(blank=True)
    # No contact (logged activity) for this many days, at least.
    no_contact_days = models.PositiveIntegerField(null=True, blank=True)
    broken_plan = models.BooleanField(default=False, help_text="only accounts with a broken plan")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="placement_rules"
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_open_minor__isnull=True) | Q(min_open_minor__gte=0),
                name="placement_rule_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_open_minor__isnull=True) | ~Q(min_open_currency=""),
                name="placement_rule_amount_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def min_open(self) -> Money | None:
        if self.min_open_minor is None:
            return None
        return Money(self.min_open_minor, self.min_open_currency)


class BatchStatus(models.TextChoices):
    PREPARED = "prepared", "Waiting for approval"
    APPROVED = "approved", "Approved and placed"


class PlacementBatch(TimeStamped):
    as_of = models.DateField()
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.PREPARED
    )
    # Ticked by hand rather than chosen by the rules.
    by_hand = models.BooleanField(default=False)
    prepared_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Accounts left out, with why: [{"customer_id", "reason"}], and the counts by reason.
    left_out = models.JSONField(default=list)
    left_out_counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "placement batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="placement_batch_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"placement batch {self.pk} of {self.as_of.isoformat()}"


class BatchLine(models.Model):
    """One invoice of a batch: where it goes, why, and for how much."""

    batch = models.ForeignKey(PlacementBatch, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        PlacementRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The rule's name when the batch was made ("chosen by hand" for a ticked account).
    reason = models.CharField(max_length=120)
    days_past_due = models.IntegerField()
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    placement = models.OneToOneField(
        Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_line"
    )

    class Meta:
        ordering = ["batch", "agency", "customer", "invoice"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "invoice"], name="placement_line_once"),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="placement_line_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} to {self.agency_id}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def reference(self) -> str:
        """The placement reference agencies quote back: one per batch and invoice."""
        return placement_reference(self.batch_id, self.invoice_id)


def placement_reference(batch_id: int, invoice_id: int) -> str:
    return f"PB{batch_id}-{invoice_id}"
