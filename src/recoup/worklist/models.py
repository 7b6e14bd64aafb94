"""What the worklist keeps: the likelihood methods fitted on the ledger's past (so that a list is
scored, not trained, when a collector opens it), each collector's daily call limit, and the
segments that decide how each account is treated."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from recoup.core.exact_decimal import ExactDecimalField
from recoup.core.models import TimeStamped


class FittedLikelihood(TimeStamped):
    """One fit of `recoup.worklist.likelihood`: its parameters and how it did on held-out data."""

    # Which question it answers (`recoup.worklist.likelihood.QUESTIONS`): paying, or going late.
    question = models.CharField(max_length=16, default="pay")
    trained_on = models.DateField(help_text="the last day of the history it learned from")
    method = models.CharField(max_length=16)
    parameters = models.JSONField()
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"


class CollectorCapacity(TimeStamped):
    """How many calls a collector makes in a day (seed 004's daily call limit)."""

    collector = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity"
    )
    daily_calls = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )


class Treatment(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    AGENCY = "agency", "Agency"
    LEGAL = "legal", "Legal"


class SegmentRule(TimeStamped):
    """One segment of the book (seed 002: by age, amount and likelihood) and how its accounts are
    treated. Rules are read in `position` order and the first an account meets is its segment;
    a condition left empty holds for every account."""

    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    treatment = models.CharField(max_length=16, choices=Treatment.choices)
    min_days_past_due = models.PositiveIntegerField(null=True, blank=True)
    max_days_past_due = models.PositiveIntegerField(null=True, blank=True)
    # In minor units of the base currency.
    min_balance_minor = models.BigIntegerField(null=True, blank=True)
    max_balance_minor = models.BigIntegerField(null=True, blank=True)
    # Percent, 0 to 100.
    min_likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    max_likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(treatment__in=Treatment.values),
                name="segment_rule_treatment_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TargetPeriod(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class CollectorTarget(TimeStamped):
    """A manager's target for one figure of the collector scorecard (`recoup.worklist.scorecard`):
    a catalogue metric, or one of its measures (the contacts behind the contact rate). With no
    collector it is everyone's, until a collector has their own. Which way is good comes from
    the catalogue, not from here."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scorecard_targets",
    )
    metric = models.CharField(max_length=64)
    measure = models.CharField(max_length=32, blank=True)
    target = ExactDecimalField(max_digits=24, decimal_places=6)
    # The period an amount counts over (contacts a week, cash a month); blank for a rate or a
    # balance, which read the same whatever the period.
    period = models.CharField(max_length=8, choices=TargetPeriod.choices, blank=True)

    class Meta:
        ordering = ["metric", "measure", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collector", "metric", "measure"], name="collector_target_unique"
            ),
            # NULLs are distinct in a unique index: everyone's target needs its own.
            models.UniqueConstraint(
                fields=["metric", "measure"],
                condition=models.Q(collector__isnull=True),
                name="collector_target_everyone_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(period__in=[*TargetPeriod.values, ""]),
                name="collector_target_period_valid",
            ),
        ]

    def __str__(self) -> str:
        figure = f"{self.metric}.{self.measure}" if self.measure else self.metric
        return f"{figure} {self.target} ({self.collector_id or 'everyone'})"
