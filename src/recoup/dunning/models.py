"""What dunning keeps: policies and their levels (the ladder from a friendly reminder to a
lawyer), each level's message templates by language, per-customer overrides, and the runs with
the one message each customer was to get.

Amounts are integer minor units with a currency. A message's `key` (customer, level, run day) is
unique, so a second run on the same day cannot prepare, nor send, the same step twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from recoup.accounts.models import Team
from recoup.core.models import TimeStamped, currency_field
from recoup.core.money import Money
from recoup.dunning.storage import letters_storage
from recoup.ledger.models import ContactPoint, Customer

User = settings.AUTH_USER_MODEL


class LevelChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    SMS = "sms", "Text message"
    CALL_TASK = "call_task", "Call task"
    AGENCY = "agency", "Agency"
    LEGAL = "legal", "Legal"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    GERMAN = "de", "German"


class Policy(TimeStamped):
    """A ladder of levels. A customer follows their override's policy, else the policy of their
    team, else of their segment (the ledger's customer segment), else the default."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="dunning_policies"
    )
    segment = models.CharField(max_length=64, blank=True)
    is_default = models.BooleanField(default=False)
    # Send on preparation, without waiting for a manager's approval.
    auto_send = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="dunning_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Level(TimeStamped):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    # Days relative to the oldest open invoice's due date: negative is before it falls due.
    days = models.IntegerField()
    channel = models.CharField(max_length=16, choices=LevelChannel.choices)
    # Days at least since the previous level was sent to the customer.
    min_gap_days = models.PositiveIntegerField(default=0)
    # A balance under this is left alone (in `tolerance_currency`, else any currency's units).
    tolerance_minor = models.BigIntegerField(default=0)
    tolerance_currency = currency_field(blank=True)
    # Conditions: a level whose conditions the account does not meet is passed over.
    min_amount_minor = models.BigIntegerField(null=True, blank=True)
    min_amount_currency = currency_field(blank=True)
    segment = models.CharField(max_length=80, blank=True, help_text="a worklist segment's name")
    max_likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], help_text="percent"
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="dunning_level_order"),
            models.CheckConstraint(
                condition=Q(channel__in=LevelChannel.values), name="dunning_level_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(tolerance_minor__gte=0), name="dunning_level_tolerance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name}: {self.position}. {self.name}"


class MessageTemplate(TimeStamped):
    """A level's message in one language: subject and body are Django template text."""

    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="templates")
    language = models.CharField(max_length=8, choices=Language.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()

    class Meta:
        ordering = ["level", "language"]
        constraints = [
            models.UniqueConstraint(fields=["level", "language"], name="dunning_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level} ({self.language})"


class CustomerOverride(TimeStamped):
    """A manager's word on one customer: no dunning until a day, or another policy. The newest
    override of a customer stands."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="dunning_overrides"
    )
    paused_until = models.DateField(null=True, blank=True)
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.PROTECT, related_name="overrides"
    )
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paused_until__isnull=False) | Q(policy__isnull=False),
                name="dunning_override_says_something",
            ),
        ]


class RunStatus(models.TextChoices):
    PREPARED = "prepared", "Waiting for approval"
    SENT = "sent", "Approved and sent"
    CANCELLED = "cancelled", "Cancelled"


class Run(TimeStamped):
    as_of = models.DateField()
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PREPARED)
    prepared_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Accounts left out before any message: disputed, promised, on a plan, paused, under
    # tolerance, already dunned today; counts by reason.
    left_out = models.JSONField(default=dict)
    print_file = models.FileField(storage=letters_storage, upload_to="runs/", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="dunning_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.as_of.isoformat()}"


class MessageStatus(models.TextChoices):
    READY = "ready", "Ready to send"
    BLOCKED = "blocked", "Blocked by the contact rules"
    FAILED = "failed", "Cannot be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    REFUSED = "refused", "Refused by the receiving server"
    HANDED_OVER = "handed_over", "Handed to placements"


class Message(TimeStamped):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="messages")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="dunning_messages", db_index=False
    )
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="messages")
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=8, blank=True)
    channel = models.CharField(max_length=16, choices=LevelChannel.choices)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    # Why it is blocked or failed, in words (template and line, missing contact point, the rule).
    reason = models.TextField(blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    send_at = models.DateTimeField()
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # [{"invoice_id", "number", "issued", "due", "open_minor", "currency"}, ...]
    items = models.JSONField(default=list)
    totals = models.JSONField(default=dict)  # currency -> minor units
    # customer:level:day; unique, so the same step is never prepared twice on one day.
    key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    letter = models.FileField(storage=letters_storage, upload_to="letters/", blank=True)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="dunning_message_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["customer", "sent_at"])]

    def __str__(self) -> str:
        return self.key

    @property
    def totals_text(self) -> str:
        return " + ".join(str(Money(int(v), c)) for c, v in sorted(self.totals.items()))
