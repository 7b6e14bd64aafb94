from django.contrib import admin

from recoup.ingest.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
    readonly_fields = [f.name for f in ImportRun._meta.fields]
