"""What the worklist keeps: the likelihood method fitted on the ledger's past (so that a list is
scored, not trained, when a collector opens it) and each collector's daily call limit."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from recoup.core.models import TimeStamped


class FittedLikelihood(TimeStamped):
    """One fit of `recoup.worklist.likelihood`: its parameters and how it did on held-out data."""

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
