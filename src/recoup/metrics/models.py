"""What the KPI engine stores: custom metric series, industry reference values, daily snapshots,
and the organisation's default metric variants."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from recoup.accounts.models import Team
from recoup.core.models import TimeStamped
from recoup.metrics.contracts import Direction


class CustomAggregation(models.TextChoices):
    LATEST = "latest", "Latest value on or before the date"
    SUM = "sum", "Sum over the period"
    MEAN = "mean", "Mean over the period"


class CustomMetric(TimeStamped):
    """A metric the ledger cannot compute (QA score, training completion, invoices per hour):
    its values are imported or entered by hand and tracked like any catalogue metric."""

    metric_id = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=32, default="number")
    direction = models.CharField(
        max_length=8,
        choices=[(d.value, d.name.replace("_", " ").lower()) for d in Direction],
        default=Direction.HIGHER_IS_BETTER.value,
    )
    aggregation = models.CharField(
        max_length=8, choices=CustomAggregation.choices, default=CustomAggregation.LATEST
    )

    class Meta:
        ordering = ["metric_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(aggregation__in=CustomAggregation.values),
                name="custom_metric_aggregation_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=[d.value for d in Direction]),
                name="custom_metric_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.metric_id


class CustomValue(TimeStamped):
    """One observation of a custom metric on a date, optionally for a team or a collector.

    The value is kept as decimal text: SQLite's NUMERIC is a binary float.
    """

    metric = models.ForeignKey(CustomMetric, on_delete=models.CASCADE, related_name="values")
    on = models.DateField(db_index=True)
    value_text = models.CharField(max_length=40)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="custom_values"
    )
    collector = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custom_values",
    )

    class Meta:
        ordering = ["metric", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "on"],
                condition=Q(team__isnull=True, collector__isnull=True),
                name="custom_value_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["metric", "on", "team"],
                condition=Q(team__isnull=False, collector__isnull=True),
                name="custom_value_one_per_day_team",
            ),
            models.UniqueConstraint(
                fields=["metric", "on", "collector"],
                condition=Q(collector__isnull=False),
                name="custom_value_one_per_day_collector",
            ),
        ]


class ReferenceValue(TimeStamped):
    """An industry reference value to show beside a team's own number, dated and sourced."""

    metric_id = models.CharField(max_length=64)
    value_text = models.CharField(max_length=40)
    period = models.CharField(max_length=32)  # e.g. "2020-Q3"
    source = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["metric_id", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric_id", "period", "source"], name="reference_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period}: {self.value_text} ({self.source})"


class MetricSnapshot(models.Model):
    """A metric's value on one day, kept for trends and key results.

    `key` identifies the variant (parameters and filters, canonical JSON); `data_as_of` is the
    latest ledger date the computation saw.
    """

    metric_id = models.CharField(max_length=64)
    key = models.CharField(max_length=500)
    on = models.DateField()
    value_text = models.CharField(max_length=40, blank=True)  # empty: undefined (zero division)
    data_as_of = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField()
    engine = models.CharField(max_length=16)

    class Meta:
        ordering = ["metric_id", "key", "on"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric_id", "key", "on"], name="metric_snapshot_unique"
            ),
        ]
        indexes = [models.Index(fields=["metric_id", "key", "on"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.on}: {self.value_text or 'undefined'}"


class MetricDefault(TimeStamped):
    """The organisation's choice for one parameter of a catalogue metric (bucket edges, the DSO
    window, the CEI variant, what counts as current): used whenever a request leaves it out, in
    place of the catalogue's default. Written only by `metric_defaults_set`, which validates it."""

    metric_id = models.CharField(max_length=64)
    param = models.CharField(max_length=64)
    value = models.CharField(max_length=200)

    class Meta:
        ordering = ["metric_id", "param"]
        constraints = [
            models.UniqueConstraint(fields=["metric_id", "param"], name="metric_default_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}.{self.param} = {self.value}"
