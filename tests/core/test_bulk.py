from datetime import date

import pytest
from django.db import transaction

from recoup.core.bulk import bulk_insert
from recoup.ledger.models import Customer, Invoice

pytestmark = pytest.mark.django_db(transaction=True)


def test_bulk_insert_writes_every_row_with_exact_integer_amounts() -> None:
    customer = Customer.objects.create(external_id="C1", name="Acme")
    rows = [
        (f"INV-{i}", customer.pk, date(2024, 1, 1), date(2024, 1, 31), 10**12 + i, "USD", "", "")
        for i in range(2500)
    ]
    columns = [
        "external_id",
        "customer_id",
        "issue_date",
        "due_date",
        "amount_minor",
        "currency",
        "description",
        "delivery",
    ]
    with transaction.atomic():
        written = bulk_insert(
            "ledger_invoice",
            [*columns, "created_at", "updated_at"],
            [(*r, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z") for r in rows],
            batch_size=1000,
        )
    assert written == 2500
    assert Invoice.objects.count() == 2500
    assert sum(Invoice.objects.values_list("amount_minor", flat=True)) == sum(r[4] for r in rows)


def test_bulk_insert_is_rolled_back_with_its_transaction() -> None:
    customer = Customer.objects.create(external_id="C1", name="Acme")
    columns = [
        "external_id",
        "customer_id",
        "issue_date",
        "due_date",
        "amount_minor",
        "currency",
        "description",
        "delivery",
        "created_at",
        "updated_at",
    ]
    row = (
        "INV-1",
        customer.pk,
        date(2024, 1, 1),
        date(2024, 1, 31),
        100,
        "USD",
        "",
        "",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00Z",
    )

    def insert_then_fail() -> None:
        with transaction.atomic():
            bulk_insert("ledger_invoice", columns, [row])
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert Invoice.objects.count() == 0
