from datetime import date

import pytest
from django.db import transaction

from recoup.core.bulk import bulk_insert, bulk_insert_columns
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


def test_bulk_insert_columns_puts_every_value_in_its_row_and_column() -> None:
    customer = Customer.objects.create(external_id="C1", name="Acme")
    n = 2345  # batches of 1,000 and statements of 100 rows, with a remainder of each
    columns = {
        "external_id": [f"INV-{i}" for i in range(n)],
        "customer_id": [customer.pk] * n,
        "issue_date": ["2024-01-01"] * n,
        "due_date": [f"2024-02-{i % 28 + 1:02d}" for i in range(n)],
        "amount_minor": [10**12 + i for i in range(n)],
        "currency": ["USD", "EUR", "JPY"] * (n // 3) + ["USD"] * (n % 3),
        "description": [f"line {i}" for i in range(n)],
        "delivery": [""] * n,
        "created_at": ["2024-01-01 00:00:00"] * n,
        "updated_at": ["2024-01-01 00:00:00"] * n,
    }
    with transaction.atomic():
        written = bulk_insert_columns(
            "ledger_invoice", list(columns), list(columns.values()), batch_size=1000
        )
    assert written == n
    stored = {
        ext: (due.isoformat(), amount, currency, description)
        for ext, due, amount, currency, description in Invoice.objects.values_list(
            "external_id", "due_date", "amount_minor", "currency", "description"
        )
    }
    assert stored == {
        columns["external_id"][i]: (
            columns["due_date"][i],
            columns["amount_minor"][i],
            columns["currency"][i],
            columns["description"][i],
        )
        for i in range(n)
    }


def test_bulk_insert_columns_refuses_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        bulk_insert_columns("ledger_agency", ["external_id", "name"], [["A1", "A2"], ["One"]])
