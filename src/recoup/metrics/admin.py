"""What the KPI engine stores, read-only in the admin: custom metrics and their values, reference
values, snapshots and the organisation's metric defaults. Each is written by a service in
`recoup.metrics.services` that validates it and audits it (Settings → KPI variants for defaults);
a row edited here would do neither."""

from __future__ import annotations

from django.contrib import admin

from recoup.core.admin import ReadOnlyAdminMixin
from recoup.metrics.models import (
    CustomMetric,
    CustomValue,
    MetricDefault,
    MetricSnapshot,
    ReferenceValue,
)


@admin.register(CustomMetric)
class CustomMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CustomMetric]):
    list_display = ["metric_id", "title", "unit", "direction", "aggregation"]
    search_fields = ["metric_id", "title"]


@admin.register(CustomValue)
class CustomValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CustomValue]):
    list_display = ["metric", "on", "value_text", "team", "collector"]
    list_filter = ["metric"]
    date_hierarchy = "on"


@admin.register(ReferenceValue)
class ReferenceValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ReferenceValue]):
    list_display = ["metric_id", "period", "value_text", "source"]
    list_filter = ["source", "period"]


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[MetricSnapshot]):
    list_display = ["metric_id", "on", "value_text", "data_as_of", "engine", "computed_at"]
    list_filter = ["metric_id", "engine"]


@admin.register(MetricDefault)
class MetricDefaultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[MetricDefault]):
    list_display = ["metric_id", "param", "value", "updated_at"]
    list_filter = ["param"]
