"""Abstract base models and field helpers shared by every app."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

currency_validator = RegexValidator(r"^[A-Z]{3}$", "an ISO 4217 code: three capital letters")


def currency_field(**kwargs: object) -> models.CharField[str, str]:
    return models.CharField(max_length=3, validators=[currency_validator], **kwargs)  # type: ignore[arg-type]


class TimeStamped(models.Model):
    """When a row was first written and last changed in Recoup (not the business date)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class JobSlot(models.Model):
    """One planned run of a scheduled job (`recoup.core.schedule`). Every worker runs a scheduler,
    and the unique (job, slot) lets only one of them queue the run of a slot: the others' insert
    is refused, whatever they read before."""

    job = models.CharField(max_length=64)
    slot = models.DateTimeField()
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="core_job_slot_queued_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
