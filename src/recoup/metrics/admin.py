"""Admin for what the KPI engine stores: custom metrics and values, references, snapshots."""

from __future__ import annotations

from django.contrib import admin

from recoup.metrics.models import CustomMetric, CustomValue, MetricSnapshot, ReferenceValue


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
