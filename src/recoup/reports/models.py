"""Weekly report subscriptions (who gets the report, about which team, when) and the log of
what was sent. Fields and constraints only; every write goes through `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recoup.accounts.models import Team
from recoup.ledger.models import validate_time_zone


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ReportFormat(models.TextChoices):
    HTML_AND_PDF = "html_pdf", "E-mail with the PDF attached"
    HTML = "html", "E-mail only"


class ReportSubscription(models.Model):
    """A recipient list for the weekly report: sent on `weekday` at `hour` in `time_zone` (the
    readers' own morning, wherever they are), about `team` (the whole organisation when empty)."""

    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # Addresses of people without an account (a CFO, a board mailbox), one per line.
    emails = models.TextField(blank=True, default="")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    hour = models.PositiveSmallIntegerField(default=7)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    format = models.CharField(
        max_length=10, choices=ReportFormat.choices, default=ReportFormat.HTML_AND_PDF
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="report_hour_of_day"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="report_weekday"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportDelivery(models.Model):
    """One weekly report sent to one list: the unique (list, week) makes sending idempotent."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    week_of = models.DateField()  # the Monday of the week the report was sent in
    as_of = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.TextField()  # the addresses it went to, one per line

    class Meta:
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("subscription", "week_of"), name="report_delivery_once_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} on {self.sent_at:%Y-%m-%d %H:%M}"
