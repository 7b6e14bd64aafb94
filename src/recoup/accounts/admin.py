"""Users, teams and the audit log in the admin, read-only.

People and teams are changed in Settings, through `recoup.accounts.services`, which audits every
change; the same change made here would leave no entry. The audit log is evidence: nobody edits
or deletes it, not even an admin. The Audit page (`/audit/`) shows it in words.

Django's groups are not shown: what a person may do comes from their role (`accounts.access`),
and a group edited here would only hand out admin permissions beside it.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from recoup.accounts.models import ApiToken, AuditEntry, Team, TeamMembership, User
from recoup.core.admin import ReadOnlyAdminMixin

admin.site.unregister(Group)


@admin.register(User)
class RecoupUserAdmin(ReadOnlyAdminMixin, UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Recoup", {"fields": ("role", "decimal_mark")}))  # type: ignore[misc]


class TeamMembershipInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = TeamMembership
    extra = 0


@admin.register(Team)
class TeamAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ("name",)
    inlines = (TeamMembershipInline,)


@admin.register(TeamMembership)
class TeamMembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "user", "is_lead", "joined_at")
    list_filter = ("team",)
    list_select_related = ("team", "user")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor", "via", "action", "object_type", "object_id")
    list_filter = ("action", "object_type", "via")
    search_fields = ("object_id",)
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "name", "kind", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    # The digest is what a token is checked against: no reason to show it anywhere.
    exclude = ("digest",)
