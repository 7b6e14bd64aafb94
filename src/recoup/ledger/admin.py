"""The ledger in the admin, read-only: facts change through imports and services, which audit."""

from django.contrib import admin

from recoup.core.admin import ReadOnlyAdminMixin
from recoup.ledger import models as m


@admin.register(m.Customer)
class CustomerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "name", "segment", "country", "time_zone", "since")
    list_filter = ("segment", "cease_communication", "bankruptcy", "do_not_call")
    search_fields = ("external_id", "name")


@admin.register(m.ContactPoint)
class ContactPointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("customer", "kind", "value", "status", "is_primary", "source")
    list_filter = ("kind", "status", "source")
    search_fields = ("value", "customer__external_id")
    raw_id_fields = ("customer", "found_by")


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = m.Allocation
    extra = 0
    raw_id_fields = ("payment", "invoice")


@admin.register(m.Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("payment", "invoice", "amount_minor")
    search_fields = ("payment__external_id", "invoice__external_id")
    raw_id_fields = ("payment", "invoice")
    list_select_related = ("payment", "invoice")


@admin.register(m.Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "customer", "issue_date", "due_date", "amount_minor", "currency")
    list_filter = ("currency",)
    search_fields = ("external_id", "customer__external_id", "customer__name")
    date_hierarchy = "due_date"
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)


@admin.register(m.Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "customer", "received_on", "amount_minor", "currency")
    search_fields = ("external_id", "customer__external_id")
    date_hierarchy = "received_on"
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    inlines = (AllocationInline,)


@admin.register(m.Adjustment)
class AdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "invoice", "kind", "effective_on", "amount_minor", "currency")
    list_filter = ("kind",)
    search_fields = ("external_id", "invoice__external_id")
    raw_id_fields = ("invoice",)


@admin.register(m.Activity)
class ActivityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("occurred_at", "customer", "channel", "direction", "outcome", "collector")
    list_filter = ("channel", "direction", "outcome")
    search_fields = ("external_id", "customer__external_id")
    date_hierarchy = "occurred_at"
    raw_id_fields = ("customer", "invoice", "collector")
    list_select_related = ("customer", "collector")


@admin.register(m.PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "customer", "promised_on", "due_date", "amount_minor", "status")
    list_filter = ("status",)
    search_fields = ("external_id", "customer__external_id")
    raw_id_fields = ("customer", "invoice", "activity", "collector")


class InstalmentInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = m.Instalment
    extra = 0


@admin.register(m.Instalment)
class InstalmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("plan", "sequence", "due_date", "amount_minor")
    raw_id_fields = ("plan",)
    list_select_related = ("plan",)


@admin.register(m.PaymentPlan)
class PaymentPlanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "customer", "agreed_on", "total_minor", "currency", "status")
    list_filter = ("status",)
    raw_id_fields = ("customer",)
    inlines = (InstalmentInline,)


@admin.register(m.Dispute)
class DisputeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "invoice", "opened_on", "resolved_on", "status")
    list_filter = ("status",)
    raw_id_fields = ("invoice",)


@admin.register(m.Agency)
class AgencyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "name", "kind")
    search_fields = ("name", "external_id")


@admin.register(m.Placement)
class PlacementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "invoice", "agency", "placed_on", "recalled_on", "amount_minor")
    list_filter = ("agency",)
    raw_id_fields = ("invoice",)


@admin.register(m.AgencyCommissionRate)
class AgencyCommissionRateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Set on the agency scorecard, which audits every change.
    list_display = ("agency", "from_days", "rate_bp")
    list_filter = ("agency",)


@admin.register(m.AgencyRemittance)
class AgencyRemittanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "external_id",
        "placement",
        "received_on",
        "amount_minor",
        "commission_minor",
        "currency",
    )
    search_fields = ("external_id", "placement__external_id")
    date_hierarchy = "received_on"
    raw_id_fields = ("placement", "payment")


@admin.register(m.Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("customer", "collector", "team", "valid_from", "valid_to")
    list_filter = ("team",)
    raw_id_fields = ("customer", "collector")


@admin.register(m.FxRate)
class FxRateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("currency", "rate_date", "rate_scaled")
    list_filter = ("currency",)


@admin.register(m.CreditDecision)
class CreditDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "customer", "applied_on", "decided_on", "decision", "score")
    list_filter = ("decision", "policy_exception")
    search_fields = ("external_id", "applicant", "customer__external_id")
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)


@admin.register(m.CollectionCost)
class CollectionCostAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "incurred_on", "amount_minor", "currency", "category", "team")
    list_filter = ("category", "team")
    search_fields = ("external_id",)
    list_select_related = ("team",)
