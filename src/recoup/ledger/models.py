"""Ledger facts. Amounts are integer minor units (`*_minor`) with an ISO 4217 `currency`.

Business dates (`issue_date`, `received_on`, ...) are dates; event times are timezone-aware.
External ids are the keys files use; they are unique per kind and make imports idempotent.
Constraints live in the database wherever the database can hold them.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from recoup.accounts.models import Team
from recoup.core.models import TimeStamped, currency_field

User = settings.AUTH_USER_MODEL


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as America/Chicago")


class Synced(TimeStamped):
    """A ledger row the analytics copy follows (`recoup.metrics.sync`): each sync reads the rows
    changed since its watermark, the latest `updated_at`, and the index makes that and the
    watermark itself a seek instead of a scan (1.1 s for invoices, 5.2 s for activities at a
    million invoices, on every refresh)."""

    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


def _positive(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gt": 0}), name=name)


def _in_choices(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Customer(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    segment = models.CharField(max_length=64, blank=True, db_index=True)
    # As the source gives it; ISO 3166 alpha-2 where the source has it.
    country = models.CharField(max_length=32, blank=True, db_index=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # The first day the customer is known to the ledger; nothing about them predates it.
    since = models.DateField(null=True, blank=True)
    credit_limit_minor = models.BigIntegerField(null=True, blank=True)
    credit_limit_currency = currency_field(blank=True)
    # Communication restrictions (Regulation F and similar): checked before any contact.
    cease_communication = models.BooleanField(default=False)
    bankruptcy = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    opt_out_email = models.BooleanField(default=False)
    opt_out_sms = models.BooleanField(default=False)
    opt_out_letter = models.BooleanField(default=False)
    statute_of_limitations_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit_minor__isnull=True) | Q(credit_limit_minor__gte=0),
                name="customer_credit_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class ContactKind(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    ADDRESS = "address", "Postal address"


class ContactStatus(models.TextChoices):
    VALID = "valid", "Valid"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    MOVED = "moved", "Moved"
    BOUNCED = "bounced", "Bounced"
    UNVERIFIED = "unverified", "Not verified"


class ContactSource(models.TextChoices):
    """Where a contact point came from. Tracing a debtor who cannot be reached records where the
    new number or address was found, so that a wrong one can be traced back to its source."""

    IMPORTED = "imported", "Ledger import"
    DEBTOR = "debtor", "The debtor told us"
    DIRECTORY = "directory", "Phone or business directory"
    CREDIT_BUREAU = "credit_bureau", "Credit bureau"
    PUBLIC_RECORDS = "public_records", "Public records"
    WEB_SEARCH = "web_search", "Web search"
    OTHER = "other", "Other"


class ContactPoint(TimeStamped):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=16, choices=ContactKind.choices)
    value = models.CharField(max_length=300)
    label = models.CharField(max_length=64, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=ContactStatus.choices, default=ContactStatus.UNVERIFIED
    )
    status_changed_on = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=16, choices=ContactSource.choices, default=ContactSource.IMPORTED
    )
    # Which directory, bureau report or web page, in the finder's words.
    source_note = models.CharField(max_length=300, blank=True)
    found_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_points_found"
    )

    class Meta:
        constraints = [
            _in_choices("kind", ContactKind, "contact_point_kind_valid"),
            _in_choices("status", ContactStatus, "contact_point_status_valid"),
            _in_choices("source", ContactSource, "contact_point_source_valid"),
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="contact_point_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class Invoice(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    # Indexed for the operational paths only (by external id, by customer); date scans belong to
    # the analytics engine, and every extra index costs bulk loads a sort (decision 0007).
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    issue_date = models.DateField()
    due_date = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    description = models.CharField(max_length=300, blank=True)
    # How the invoice reached the customer ("paper", "electronic"), as the source gives it.
    delivery = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            _positive("amount_minor", "invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="invoice_due_not_before_issue"
            ),
        ]
        indexes = [models.Index(fields=["customer", "due_date"])]

    def __str__(self) -> str:
        return self.external_id


class Payment(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    method = models.CharField(max_length=32, blank=True)
    reference = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [_positive("amount_minor", "payment_amount_positive")]

    def __str__(self) -> str:
        return self.external_id


class Allocation(models.Model):
    """The part of a payment applied to one invoice, in the invoice's (= payment's) currency."""

    # The unique (payment, invoice) and the (invoice, payment) index serve both lookups.
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    amount_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            _positive("amount_minor", "allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique"),
        ]
        indexes = [models.Index(fields=["invoice", "payment"])]

    def __str__(self) -> str:
        return f"{self.amount_minor} of payment {self.payment_id} to invoice {self.invoice_id}"


class AdjustmentKind(models.TextChoices):
    CREDIT_NOTE = "credit_note", "Credit note"
    WRITE_OFF = "write_off", "Write-off"
    DISCOUNT = "discount", "Discount"


class Adjustment(Synced):
    """A reduction of an invoice's open amount that is not cash: credit note, write-off, discount."""

    external_id = models.CharField(max_length=64, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=16, choices=AdjustmentKind.choices)
    effective_on = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["effective_on", "id"]
        constraints = [
            _positive("amount_minor", "adjustment_amount_positive"),
            _in_choices("kind", AdjustmentKind, "adjustment_kind_valid"),
        ]


class Channel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Visit"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"
    WRONG_PARTY = "wrong_party", "Wrong party"
    RIGHT_PARTY_CONTACT = "right_party_contact", "Right-party contact"
    PROMISE = "promise", "Promise to pay"
    REFUSAL = "refusal", "Refusal"
    DISPUTE = "dispute", "Dispute"
    PAYMENT = "payment", "Payment"


class Activity(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    # (customer, occurred_at) below serves lookups by customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.OUTBOUND
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    collector = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    occurred_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "activities"
        constraints = [
            _in_choices("channel", Channel, "activity_channel_valid"),
            _in_choices("direction", Direction, "activity_direction_valid"),
            _in_choices("outcome", Outcome, "activity_outcome_valid"),
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            # A collector's contacts of a day (the worklist's calls made today).
            models.Index(fields=["collector", "occurred_at"]),
        ]


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class PromiseToPay(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="promises")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="promises"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    collector = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="promises"
    )
    promised_on = models.DateField()
    due_date = models.DateField(db_index=True)
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    status = models.CharField(
        max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "promise to pay"
        verbose_name_plural = "promises to pay"
        constraints = [
            _positive("amount_minor", "promise_amount_positive"),
            _in_choices("status", PromiseStatus, "promise_status_valid"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("promised_on")), name="promise_due_not_before_made"
            ),
        ]


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class PaymentPlan(TimeStamped):
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payment_plans")
    agreed_on = models.DateField()
    total_minor = models.BigIntegerField()
    currency = currency_field()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)

    class Meta:
        constraints = [
            _positive("total_minor", "plan_total_positive"),
            _in_choices("status", PlanStatus, "plan_status_valid"),
        ]


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [
            _positive("amount_minor", "instalment_amount_positive"),
            models.UniqueConstraint(fields=["plan", "sequence"], name="instalment_unique"),
        ]

    def __str__(self) -> str:
        return f"instalment {self.sequence} of plan {self.plan_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    # Regulation F: collection may resume once the debt is verified to the debtor.
    VERIFIED = "verified", "Verified, collection may resume"
    RESOLVED = "resolved", "Resolved"


class Dispute(Synced):
    external_id = models.CharField(max_length=64, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    opened_on = models.DateField(db_index=True)
    resolved_on = models.DateField(null=True, blank=True)
    amount_minor = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )

    class Meta:
        constraints = [
            _in_choices("status", DisputeStatus, "dispute_status_valid"),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("opened_on")),
                name="dispute_resolved_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__isnull=True) | Q(amount_minor__gt=0),
                name="dispute_amount_positive",
            ),
        ]


class AgencyKind(models.TextChoices):
    AGENCY = "agency", "Collection agency"
    LAWYER = "lawyer", "Lawyer"


class Agency(TimeStamped):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AgencyKind.choices, default=AgencyKind.AGENCY)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [_in_choices("kind", AgencyKind, "agency_kind_valid")]

    def __str__(self) -> str:
        return self.name


class Placement(Synced):
    """An invoice handed to an agency or a lawyer; `amount_minor` is what was placed."""

    external_id = models.CharField(max_length=64, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="placements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="placements")
    placed_on = models.DateField(db_index=True)
    recalled_on = models.DateField(null=True, blank=True)
    amount_minor = models.BigIntegerField()
    currency = currency_field()

    class Meta:
        constraints = [
            _positive("amount_minor", "placement_amount_positive"),
            models.CheckConstraint(
                condition=Q(recalled_on__isnull=True) | Q(recalled_on__gte=F("placed_on")),
                name="placement_recalled_not_before_placed",
            ),
        ]


class AgencyCommissionRate(TimeStamped):
    """The share of what an agency recovers that it keeps, by the placement's age: from
    `from_days` days after placement (on the payment date) until the next band's start."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="commission_rates")
    from_days = models.PositiveIntegerField()
    # Basis points: 2500 is 25 %. Integer, so the commission stays exact in every database.
    rate_bp = models.PositiveIntegerField()

    class Meta:
        ordering = ["agency", "from_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "from_days"], name="agency_commission_rate_unique"
            ),
            models.CheckConstraint(
                condition=Q(rate_bp__lte=10_000), name="agency_commission_rate_at_most_all"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} from day {self.from_days}: {self.rate_bp} bp"


class AgencyRemittance(TimeStamped):
    """What an agency reports it collected on a placement and the commission it kept, under the
    agency's own reference. The money reaches the ledger as `payment`, allocated in full to the
    placed invoice; the commission is the agency's fee, not a reduction of the debt."""

    external_id = models.CharField(max_length=56, unique=True)
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="remittances")
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="remittance"
    )
    received_on = models.DateField()
    amount_minor = models.BigIntegerField()
    commission_minor = models.BigIntegerField(default=0)
    currency = currency_field()

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            _positive("amount_minor", "remittance_amount_positive"),
            models.CheckConstraint(
                condition=Q(commission_minor__gte=0) & Q(commission_minor__lte=F("amount_minor")),
                name="remittance_commission_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Assignment(Synced):
    """Who works a customer from `valid_from` until the day before `valid_to` (open if null).

    Moves between collectors close one row and open the next, so the history is never lost and
    KPIs "by collector as of D" use the assignment that stood on D.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assignments")
    collector = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["customer", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="assignment_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(collector__isnull=False) | Q(team__isnull=False),
                name="assignment_has_collector_or_team",
            ),
            models.UniqueConstraint(
                fields=["customer", "valid_from"], name="assignment_one_start_per_day"
            ),
        ]
        indexes = [models.Index(fields=["customer", "valid_from", "valid_to"])]


class FxRate(models.Model):
    """Units of the base currency per one unit of `currency`, valid from `rate_date` on.

    Stored as an integer scaled by `SCALE` so conversion stays exact in SQLite, whose NUMERIC
    is a binary float.
    """

    SCALE = 10**10

    currency = currency_field()
    rate_date = models.DateField()
    rate_scaled = models.BigIntegerField()

    class Meta:
        ordering = ["currency", "rate_date"]
        constraints = [
            _positive("rate_scaled", "fx_rate_positive"),
            models.UniqueConstraint(fields=["currency", "rate_date"], name="fx_rate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_date}"


class CreditDecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    REFERRED = "referred", "Referred"


class CreditDecision(Synced):
    """A credit application and its decision (seed 001: approval time, policy compliance)."""

    external_id = models.CharField(max_length=64, unique=True)
    # Applicants may not be customers yet; the name is kept for them.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_decisions"
    )
    applicant = models.CharField(max_length=200, blank=True)
    applied_on = models.DateField(db_index=True)
    decided_on = models.DateField(db_index=True)
    decision = models.CharField(max_length=16, choices=CreditDecisionKind.choices)
    limit_granted_minor = models.BigIntegerField(null=True, blank=True)
    currency = currency_field(blank=True)
    score = models.IntegerField(null=True, blank=True)
    policy_exception = models.BooleanField(default=False)
    exception_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["decided_on", "id"]
        constraints = [
            _in_choices("decision", CreditDecisionKind, "credit_decision_kind_valid"),
            models.CheckConstraint(
                condition=Q(decided_on__gte=F("applied_on")),
                name="credit_decision_not_before_application",
            ),
            models.CheckConstraint(
                condition=Q(limit_granted_minor__isnull=True) | Q(limit_granted_minor__gte=0),
                name="credit_limit_granted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class CollectionCost(Synced):
    """A cost of collecting (salaries, agency fees, tools) for cost-to-collect."""

    external_id = models.CharField(max_length=64, unique=True)
    incurred_on = models.DateField(db_index=True)
    amount_minor = models.BigIntegerField()
    currency = currency_field()
    category = models.CharField(max_length=64, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="collection_costs"
    )

    class Meta:
        ordering = ["incurred_on", "id"]
        constraints = [_positive("amount_minor", "collection_cost_amount_positive")]

    def __str__(self) -> str:
        return self.external_id
