"""Import runs in the admin, read-only: a run is the record of what an import did."""

from django.contrib import admin

from recoup.core.admin import ReadOnlyAdminMixin
from recoup.ingest.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "started_at",
        "kind",
        "file_name",
        "status",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "errors",
        "dry_run",
    )
    list_filter = ("status", "kind", "dry_run")
    search_fields = ("file_name", "sha256")
