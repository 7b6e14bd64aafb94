"""The Django admin works for every model: list, add and change pages render."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from recoup.accounts.models import Role
from recoup.accounts.services import user_create
from recoup.ledger import models as m

pytestmark = pytest.mark.django_db

RECOUP_APPS = {"accounts", "ledger", "ingest", "metrics", "okrs", "demo"}


@pytest.fixture
def admin_client_logged_in() -> Client:
    user_create(username="root", password="pw-long-enough-1", role=Role.ADMIN, is_superuser=True)
    client = Client()
    assert client.login(username="root", password="pw-long-enough-1")
    return client


def test_every_recoup_model_is_registered_in_the_admin() -> None:
    missing = [
        model._meta.label
        for app in RECOUP_APPS
        if app in {c.label for c in apps.get_app_configs()}
        for model in apps.get_app_config(app).get_models()
        if not model._meta.auto_created and model not in admin.site._registry
    ]
    assert missing == []


def test_every_admin_list_and_add_page_renders(admin_client_logged_in: Client) -> None:
    customer = m.Customer.objects.create(external_id="C-1", name="Acme Ltd")
    m.Invoice.objects.create(
        external_id="INV-1",
        customer=customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=10_000,
        currency="USD",
    )
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = admin_client_logged_in.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model._meta.label
        if model_admin.has_add_permission(changelist.wsgi_request):
            add = admin_client_logged_in.get(reverse("admin:{}_{}_add".format(*info)))
            assert add.status_code == 200, model._meta.label
    change = admin_client_logged_in.get(
        reverse("admin:ledger_invoice_change", args=[m.Invoice.objects.get().pk])
    )
    assert change.status_code == 200
    assert b"INV-1" in change.content
