"""OKRs in the admin, read-only: every change (a check-in above all, which is never edited)
goes through `recoup.okrs.services`, which validates it and writes the audit entry."""

from django.contrib import admin

from recoup.core.admin import ReadOnlyAdminMixin
from recoup.okrs import models as m


class ObjectiveInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = m.Objective
    fields = ("key", "title", "owner", "team", "commitment")
    raw_id_fields = ("owner", "parent")
    extra = 0
    show_change_link = True


@admin.register(m.Cycle)
class CycleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "starts_on", "ends_on", "checkin_weekday")
    inlines = (ObjectiveInline,)


@admin.register(m.Objective)
class ObjectiveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "cycle", "team", "owner", "commitment")
    list_filter = ("cycle", "team", "commitment")
    search_fields = ("title", "key")
    raw_id_fields = ("owner", "parent")
    list_select_related = ("cycle", "team", "owner")


@admin.register(m.KeyResult)
class KeyResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "objective", "kind", "metric", "baseline", "target", "owner")
    # Exact numbers are text on SQLite (docs/decisions/0022): sorting them there is textual.
    sortable_by = ("title", "objective", "kind", "metric", "owner")
    list_filter = ("kind", "objective__cycle")
    search_fields = ("title", "key", "metric")
    raw_id_fields = ("objective", "owner", "rolls_up_into")
    list_select_related = ("objective", "owner")


@admin.register(m.Initiative)
class InitiativeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "key_result", "owner", "due_on", "status", "priority")
    list_filter = ("status", "priority")
    search_fields = ("title",)
    raw_id_fields = ("key_result", "owner")
    list_select_related = ("key_result", "owner")


@admin.register(m.CheckIn)
class CheckInAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "key_result",
        "data_date",
        "value",
        "confidence",
        "source",
        "author",
        "withdrawn_at",
    )
    list_filter = ("confidence", "source")
    sortable_by = ("key_result", "data_date", "confidence", "source", "author", "withdrawn_at")
    date_hierarchy = "data_date"
    raw_id_fields = ("key_result", "author", "corrects")
    list_select_related = ("key_result", "author")


@admin.register(m.StatusOverride)
class StatusOverrideAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key_result", "status", "author", "created_at", "cleared_at")
    list_filter = ("status",)
    raw_id_fields = ("key_result", "author")
    list_select_related = ("key_result", "author")


@admin.register(m.ObjectiveGrade)
class ObjectiveGradeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("objective", "graded_by", "graded_at")
    raw_id_fields = ("objective", "graded_by")
    list_select_related = ("objective", "graded_by")
