"""What the workspace adds to the ledger: notes, call-backs, dispute owners and deadlines, manager
overrides of contact rules, the judgement of promises and instalments by payments, and the flags
that judgement raises. The ledger's own facts (activities, promises, plans, disputes, contact
points) stay in `recoup.ledger`; rows here point at them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from recoup.core.models import TimeStamped
from recoup.ledger.models import Activity, Customer, Dispute, Instalment, PromiseToPay

User = settings.AUTH_USER_MODEL


class Note(TimeStamped):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="account_notes"
    )
    written_at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["customer", "written_at"])]


class CallBack(TimeStamped):
    """A promise to ourselves: call this debtor back at `due_at` (their request, or ours)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="call_backs")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="call_backs"
    )
    due_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["customer", "due_at"])]


class DisputeCase(TimeStamped):
    """Who works a dispute and by when it must be answered; the dispute itself is the ledger's."""

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="case")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute_cases"
    )
    deadline = models.DateField(null=True, blank=True, db_index=True)
    resolution = models.TextField(blank=True)


class ContactOverride(TimeStamped):
    """A contact logged although the contact rules blocked it: who allowed it, why, and the blocks
    as the engine stated them at that instant (so an audit can replay the decision)."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="override")
    # None when a command acted for the organisation (its `via` is in the audit entry).
    overridden_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    blocks = models.JSONField()


class Judgement(models.TextChoices):
    PENDING = "pending", "Not due yet"
    KEPT = "kept", "Kept"
    PARTLY_KEPT = "partly_kept", "Partly kept"
    BROKEN = "broken", "Broken"


class PromiseOutcome(models.Model):
    """A promise judged by the customer's payments (same rule as the `promise_kept_rate` KPI)."""

    promise = models.OneToOneField(PromiseToPay, on_delete=models.CASCADE, related_name="outcome")
    judgement = models.CharField(max_length=16, choices=Judgement.choices)
    paid_minor = models.BigIntegerField()
    grace_days = models.PositiveSmallIntegerField()
    judged_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(judgement__in=Judgement.values), name="promise_outcome_valid"
            )
        ]

    def __str__(self) -> str:
        return f"promise {self.promise_id}: {self.judgement}"


class InstalmentOutcome(models.Model):
    """An instalment judged by the payments made toward its plan, oldest instalment first."""

    instalment = models.OneToOneField(Instalment, on_delete=models.CASCADE, related_name="outcome")
    judgement = models.CharField(max_length=16, choices=Judgement.choices)
    paid_minor = models.BigIntegerField()
    grace_days = models.PositiveSmallIntegerField()
    judged_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(judgement__in=Judgement.values), name="instalment_outcome_valid"
            )
        ]

    def __str__(self) -> str:
        return f"instalment {self.instalment_id}: {self.judgement}"


class FlagReason(models.TextChoices):
    BROKEN_PROMISE = "broken_promise", "Broken promise"
    PARTLY_KEPT_PROMISE = "partly_kept_promise", "Promise partly kept"
    MISSED_INSTALMENT = "missed_instalment", "Missed instalment"


class AccountFlag(TimeStamped):
    """Something about an account that needs follow-up work (the worklist lists open flags)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=32, choices=FlagReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    promise = models.ForeignKey(
        PromiseToPay, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    instalment = models.ForeignKey(
        Instalment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    raised_on = models.DateField()
    cleared_on = models.DateField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clear_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["customer", "cleared_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=FlagReason.values), name="flag_reason"),
            models.CheckConstraint(
                condition=Q(cleared_on__isnull=True) | Q(cleared_on__gte=models.F("raised_on")),
                name="flag_cleared_not_before_raised",
            ),
            # One open flag per broken promise or missed instalment, however often it is judged.
            models.UniqueConstraint(
                fields=["promise"],
                condition=Q(cleared_on__isnull=True, promise__isnull=False),
                name="flag_one_open_per_promise",
            ),
            models.UniqueConstraint(
                fields=["instalment"],
                condition=Q(cleared_on__isnull=True, instalment__isnull=False),
                name="flag_one_open_per_instalment",
            ),
        ]
