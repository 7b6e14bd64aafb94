"""Cycles, objectives, key results, initiatives, check-ins and status overrides.

Fields and constraints only: progress, status and forecasts are computed in `scoring.py` and
`forecast.py`, every write goes through `services.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recoup.accounts.models import Team
from recoup.core.exact_decimal import ExactDecimalField


class Commitment(models.TextChoices):
    COMMITTED = "committed", "Committed"
    ASPIRATIONAL = "aspirational", "Aspirational"


class KeyResultKind(models.TextChoices):
    INCREASE_TO = "increase_to", "Increase to"
    DECREASE_TO = "decrease_to", "Decrease to"
    STAY_ABOVE = "stay_above", "Stay above"
    STAY_BELOW = "stay_below", "Stay below"
    MILESTONE = "milestone", "Milestone"
    TASK_TRACKED = "task_tracked", "Task-tracked"
    ROLL_UP = "roll_up", "Roll-up"


class BaselineSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    KPI = "kpi", "KPI engine"


class Confidence(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class CheckInSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATIC = "automatic", "Automatic"


class InitiativeStatus(models.TextChoices):
    TO_DO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Cycle(models.Model):
    """A planning period (a quarter by default) and its cadence."""

    name = models.CharField(max_length=64, unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    # Monday = 0 ... Sunday = 6, as `date.weekday()`.
    checkin_weekday = models.PositiveSmallIntegerField(default=0)
    planning_on = models.DateField(null=True, blank=True)
    midcycle_review_on = models.DateField(null=True, blank=True)
    evaluation_on = models.DateField(null=True, blank=True)
    # Points of progress behind expectation still counted on track / at risk.
    on_track_within = models.PositiveSmallIntegerField(default=10)
    at_risk_within = models.PositiveSmallIntegerField(default=25)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the cycle is graded and closed: from then on it is read-only (`services.closing`).
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="okr_cycle_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_weekday__lte=6), name="okr_cycle_weekday_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(on_track_within__lte=models.F("at_risk_within")),
                name="okr_cycle_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="objectives")
    # Stable identifier inside the cycle: plans refer to objectives by it, so re-applying a plan
    # updates rows instead of duplicating them.
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    commitment = models.CharField(
        max_length=16, choices=Commitment.choices, default=Commitment.COMMITTED
    )
    position = models.PositiveIntegerField(default=0)
    # Archived items leave the board and "My work" but stay in the history and the audit log.
    archived_at = models.DateTimeField(null=True, blank=True)
    # The objective of a closed cycle this one continues ("carried from 2026-Q3").
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_into"
    )

    class Meta:
        ordering = ["cycle", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="okr_objective_key_unique"),
            models.CheckConstraint(
                condition=models.Q(commitment__in=Commitment.values),
                name="okr_objective_commitment_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class KeyResult(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=KeyResultKind.choices)
    unit = models.CharField(max_length=32, blank=True)
    weight = ExactDecimalField(max_digits=8, decimal_places=3, default=1)
    baseline = ExactDecimalField(null=True, blank=True, max_digits=24, decimal_places=6)
    baseline_source = models.CharField(
        max_length=8, choices=BaselineSource.choices, default=BaselineSource.MANUAL
    )
    baseline_as_of = models.DateField(null=True, blank=True)
    target = ExactDecimalField(null=True, blank=True, max_digits=24, decimal_places=6)
    # A target stated relative to the baseline ("-20 %"): the target is set from it once the
    # baseline is known, which for a KPI-bound key result is at cycle start.
    target_change_pct = ExactDecimalField(null=True, blank=True, max_digits=9, decimal_places=3)
    # None means the cycle's end.
    due_on = models.DateField(null=True, blank=True)
    # Bound to a KPI when `metric` is set: params and filters go to the KPI engine verbatim.
    metric = models.CharField(max_length=64, blank=True)
    metric_params = models.JSONField(default=dict, blank=True)
    metric_filters = models.JSONField(default=dict, blank=True)
    # For flow KPIs (cash collected, on-time payment rate): the trailing window in days each
    # reading covers; None means the KPI's own default period (month to date).
    metric_window_days = models.PositiveIntegerField(null=True, blank=True)
    # Expected progress by the end of each week of the cycle, learned from the KPI's past cycles
    # (collections are seasonal); empty means linear.
    expected_curve = models.JSONField(default=list, blank=True)
    # Children of a roll-up key result (which may sit under other, aligned objectives).
    rolls_up_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_up_from"
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The key result of a closed cycle this one continues; its baseline is that one's final value.
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_into"
    )

    class Meta:
        ordering = ["objective", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "key"], name="okr_key_result_key_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=KeyResultKind.values), name="okr_key_result_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="okr_key_result_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ObjectiveGrade(models.Model):
    """An objective's end-of-cycle grade and its retrospective. The score is computed from its key
    results (`scoring.end_of_cycle_score`) each time the grading step saves, and kept as it was
    when the cycle closed."""

    objective = models.OneToOneField(Objective, on_delete=models.CASCADE, related_name="grade")
    score = ExactDecimalField(max_digits=3, decimal_places=1)
    what_worked = models.TextField(blank=True)
    what_did_not = models.TextField(blank=True)
    what_to_change = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="okr_grade_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective_id} {self.score}"


class Initiative(models.Model):
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="initiatives")
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.TO_DO
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key_result", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key_result", "key"], name="okr_initiative_key_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=InitiativeStatus.values),
                name="okr_initiative_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values),
                name="okr_initiative_priority_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def counted(self) -> CheckInQuerySet:
        """The check-ins progress, status, forecasts and the at-risk rule read: not withdrawn,
        not replaced by a correction."""
        return self.filter(withdrawn_at__isnull=True)


class CheckIn(models.Model):
    """One reading of a key result. What it reported is never edited, so the history is complete:
    a correction is a new row that names the one it replaces, and the replaced or withdrawn row
    only gets `withdrawn_at` (docs/okrs.md)."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = ExactDecimalField(null=True, blank=True, max_digits=24, decimal_places=6)
    # The date the value describes (the KPI's as-of date for automatic check-ins).
    data_date = models.DateField()
    # The latest ledger date the KPI engine had when it computed the value.
    ledger_as_of = models.DateField(null=True, blank=True)
    confidence = models.CharField(max_length=16, choices=Confidence.choices)
    comment = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=CheckInSource.choices)
    created_at = models.DateTimeField()
    # Set when the author withdraws the check-in or a correction replaces it; it then no longer
    # counts anywhere, but stays in the history.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The check-in this one corrects: one correction each, so two at once cannot both win.
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["key_result", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__in=Confidence.values),
                name="okr_checkin_confidence_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=CheckInSource.values), name="okr_checkin_source_valid"
            ),
            # The weekly job may run twice for the same date; the second run must add nothing.
            models.UniqueConstraint(
                fields=["key_result", "data_date"],
                condition=models.Q(source="automatic"),
                name="okr_checkin_automatic_once_per_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result_id} {self.data_date} {self.value}"


class StatusOverride(models.Model):
    """A person's call on a key result's status, with the reason; the latest uncleared one wins."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="overrides")
    status = models.CharField(max_length=16, choices=Confidence.choices)
    reason = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key_result", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="okr_status_override_reason_required"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Confidence.values),
                name="okr_status_override_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result_id} {self.status}"
