"""The Django admin is a window, not a back door: every Recoup model is shown there and none can
be added, changed or deleted, not even by a superuser, since only services write audit entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import AuditEntry, Role, Team, User
from recoup.accounts.services import team_create, user_create
from recoup.ledger import models as m
from recoup.metrics.models import CustomValue
from recoup.metrics.services import custom_metric_define, custom_value_record
from recoup.okrs.models import CheckIn, Cycle, KeyResult, Objective

pytestmark = pytest.mark.django_db

RECOUP_APPS = {"accounts", "ledger", "ingest", "metrics", "okrs", "demo"}


@pytest.fixture
def root() -> User:
    return user_create(
        username="root", password="pw-long-enough-1", role=Role.ADMIN, is_superuser=True
    )


@pytest.fixture
def admin_client_logged_in(root: User) -> Client:
    client = Client()
    assert client.login(username="root", password="pw-long-enough-1")
    return client


@pytest.fixture
def invoice() -> m.Invoice:
    customer = m.Customer.objects.create(external_id="C-1", name="Acme Ltd")
    return m.Invoice.objects.create(
        external_id="INV-1",
        customer=customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=10_000,
        currency="USD",
    )


@pytest.fixture
def checkin(root: User) -> CheckIn:
    cycle = Cycle.objects.create(
        name="2026-Q1", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31)
    )
    objective = Objective.objects.create(cycle=cycle, key="cash", title="Collect cash sooner")
    key_result = KeyResult.objects.create(
        objective=objective, key="dso", title="DSO below 45 days", kind="decrease_to"
    )
    return CheckIn.objects.create(
        key_result=key_result,
        value=Decimal("52"),
        data_date=date(2026, 2, 2),
        confidence="on_track",
        author=root,
        source="manual",
        created_at=timezone.now(),
    )


def _admin_url(obj: Model, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def _form_of(obj: Model, **changes: object) -> dict[str, object]:
    """What a change form would post for `obj`, with `changes` applied."""
    data: dict[str, object] = {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and getattr(obj, f.attname) is not None
    }
    return {**data, **changes, "_save": "Save"}


def test_every_recoup_model_is_registered_in_the_admin() -> None:
    missing = [
        model._meta.label
        for app in RECOUP_APPS
        if app in {c.label for c in apps.get_app_configs()}
        for model in apps.get_app_config(app).get_models()
        if not model._meta.auto_created and model not in admin.site._registry
    ]
    assert missing == []


def test_no_admin_page_lets_even_a_superuser_add_change_or_delete(
    admin_client_logged_in: Client, invoice: m.Invoice
) -> None:
    request = admin_client_logged_in.get(reverse("admin:index")).wsgi_request
    writable = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            writable.append(f"{model._meta.label}: add")
        if model_admin.has_change_permission(request) or model_admin.has_delete_permission(request):
            writable.append(f"{model._meta.label}: change or delete")
        for inline in model_admin.get_inline_instances(request):
            if (
                inline.has_add_permission(request, None)
                or inline.has_change_permission(request)
                or inline.has_delete_permission(request)
            ):
                writable.append(f"{model._meta.label}: inline {type(inline).__name__}")
    assert writable == []


def test_every_admin_list_and_change_page_renders_for_reading(
    admin_client_logged_in: Client, invoice: m.Invoice, checkin: CheckIn
) -> None:
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = admin_client_logged_in.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model._meta.label
        assert b'class="addlink"' not in changelist.content, model._meta.label
    for obj in (invoice, checkin):
        change = admin_client_logged_in.get(_admin_url(obj, "change"))
        assert change.status_code == 200
        assert b'name="_save"' not in change.content
    assert b"INV-1" in admin_client_logged_in.get(_admin_url(invoice, "change")).content


def test_posting_a_changed_invoice_to_the_admin_is_refused_and_changes_nothing(
    admin_client_logged_in: Client, invoice: m.Invoice
) -> None:
    audit_before = AuditEntry.objects.count()
    response = admin_client_logged_in.post(
        _admin_url(invoice, "change"), _form_of(invoice, amount_minor=1)
    )
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.amount_minor == 10_000
    assert AuditEntry.objects.count() == audit_before


def test_a_check_in_cannot_be_edited_or_deleted_through_the_admin(
    admin_client_logged_in: Client, checkin: CheckIn
) -> None:
    edit = admin_client_logged_in.post(
        _admin_url(checkin, "change"), _form_of(checkin, value="99", comment="rewritten")
    )
    delete = admin_client_logged_in.post(_admin_url(checkin, "delete"), {"post": "yes"})
    assert (edit.status_code, delete.status_code) == (403, 403)
    checkin.refresh_from_db()
    assert (checkin.value, checkin.comment) == (Decimal("52"), "")


def test_a_custom_metric_value_cannot_be_changed_through_the_admin(
    admin_client_logged_in: Client,
) -> None:
    custom_metric_define(metric_id="qa_score", title="QA score")
    value = custom_value_record(metric_id="qa_score", on=date(2026, 3, 1), value="81")
    response = admin_client_logged_in.post(
        _admin_url(value, "change"), _form_of(value, value_text="100")
    )
    assert response.status_code == 403
    assert CustomValue.objects.get().value_text == "81"


def test_users_and_teams_cannot_be_added_or_changed_through_the_admin(
    admin_client_logged_in: Client, root: User
) -> None:
    viewer = user_create(username="vera", password=None, role=Role.VIEWER)
    team_create(name="North")
    promote = admin_client_logged_in.post(
        _admin_url(viewer, "change"), _form_of(viewer, role=Role.ADMIN, is_superuser="on")
    )
    password = admin_client_logged_in.post(
        reverse("admin:auth_user_password_change", args=[viewer.pk]),
        {"password1": "a-new-long-pass-9", "password2": "a-new-long-pass-9"},
    )
    add_team = admin_client_logged_in.post(reverse("admin:accounts_team_add"), {"name": "South"})
    assert (promote.status_code, password.status_code, add_team.status_code) == (403, 403, 403)
    viewer.refresh_from_db()
    assert (viewer.role, viewer.is_superuser, viewer.has_usable_password()) == (
        Role.VIEWER,
        False,
        False,
    )
    assert list(Team.objects.values_list("name", flat=True)) == ["North"]


def test_audit_entries_cannot_be_deleted_through_the_admin(
    admin_client_logged_in: Client,
) -> None:
    team_create(name="North")
    entry = AuditEntry.objects.get(action="team_create")
    response = admin_client_logged_in.post(
        reverse("admin:accounts_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    delete = admin_client_logged_in.post(_admin_url(entry, "delete"), {"post": "yes"})
    assert response.status_code < 500
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
