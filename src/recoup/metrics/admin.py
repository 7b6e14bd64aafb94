"""Admin for what the KPI engine stores: custom metrics and values, references, snapshots, and
the organisation's metric defaults (read-only here: Settings → KPI variants validates them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from recoup.metrics.models import (
    CustomMetric,
    CustomValue,
    MetricDefault,
    MetricSnapshot,
    ReferenceValue,
)


@admin.register(CustomMetric)
class CustomMetricAdmin(admin.ModelAdmin[CustomMetric]):
    list_display = ["metric_id", "title", "unit", "direction", "aggregation"]
    search_fields = ["metric_id", "title"]


@admin.register(CustomValue)
class CustomValueAdmin(admin.ModelAdmin[CustomValue]):
    list_display = ["metric", "on", "value_text", "team", "collector"]
    list_filter = ["metric"]
    date_hierarchy = "on"


@admin.register(ReferenceValue)
class ReferenceValueAdmin(admin.ModelAdmin[ReferenceValue]):
    list_display = ["metric_id", "period", "value_text", "source"]
    list_filter = ["source", "period"]


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin[MetricSnapshot]):
    list_display = ["metric_id", "on", "value_text", "data_as_of", "engine", "computed_at"]
    list_filter = ["metric_id", "engine"]
    readonly_fields = [f.name for f in MetricSnapshot._meta.fields]


@admin.register(MetricDefault)
class MetricDefaultAdmin(admin.ModelAdmin[MetricDefault]):
    """Shown, not edited: a value changed here would skip the validation and the audit entry
    that `metric_defaults_set` gives every change made from Settings → KPI variants."""

    list_display = ["metric_id", "param", "value", "updated_at"]
    list_filter = ["param"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MetricDefault | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MetricDefault | None = None) -> bool:
        return False
