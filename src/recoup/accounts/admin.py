from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from recoup.accounts.models import AuditEntry, Team, TeamMembership, User


@admin.register(User)
class RecoupUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Recoup", {"fields": ("role",)}))  # type: ignore[misc]


class TeamMembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ("name",)
    inlines = (TeamMembershipInline,)


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "user", "is_lead", "joined_at")
    list_filter = ("team",)
    list_select_related = ("team", "user")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor", "via", "action", "object_type", "object_id")
    list_filter = ("action", "object_type", "via")
    search_fields = ("object_id",)
    date_hierarchy = "at"

    # The audit log is evidence: nobody edits or deletes it, not even an admin.
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
