"""The column guide and template files of the import page: every kind's template imports through
the real importer without a problem, and every column is explained."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role
from recoup.accounts.services import user_create
from recoup.ingest.guide import kind_columns, kind_template_csv
from recoup.ingest.kinds import KINDS
from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m

pytestmark = pytest.mark.django_db

Run = Callable[..., ImportOutcome]


def test_every_kinds_template_imports_cleanly_after_the_kinds_before_it(
    run_import: Run, tmp_path: Path
) -> None:
    max_ = user_create(username="max", password="a long passphrase 9", role=Role.MANAGER)
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text(kind_template_csv(kind, username=max_.username), encoding="utf-8")
        outcome = run_import(kind, path)
        assert outcome.problems == [], (kind, outcome.problems)
        assert outcome.run.status == "succeeded", kind
        assert outcome.run.rows == 1, kind
    # The examples tell one story: Acme's invoice, paid in part, discounted, disputed, placed.
    invoice = m.Invoice.objects.get(external_id="INV-1001")
    assert invoice.customer.name == "Acme Trading Ltd"
    assert invoice.amount_minor == 1200_00
    assert m.Allocation.objects.get(payment__external_id="PAY-1001").amount_minor == 500_00
    # The agency's remittance is a payment on the placed invoice, its commission kept beside it.
    remitted = m.AgencyRemittance.objects.get(external_id="NSC-0001")
    assert remitted.payment is not None
    assert remitted.payment.allocations.get().invoice == invoice
    assert (remitted.amount_minor, remitted.commission_minor) == (150_00, 37_50)
    kinds = set(m.Adjustment.objects.values_list("external_id", "kind"))
    assert kinds == {
        ("ADJ-1001", "discount"),
        ("CN-1001", "credit_note"),
        ("WO-1001", "write_off"),
    }
    assert m.Activity.objects.get().collector == max_
    assert m.Assignment.objects.get().collector == max_
    assert m.Instalment.objects.get().plan.external_id == "PLAN-1001"


def test_a_template_follows_the_base_currency(settings: Settings) -> None:
    settings.BASE_CURRENCY = "EUR"
    row = next(csv.DictReader(io.StringIO(kind_template_csv("invoices"))))
    assert row["currency"] == "EUR"
    assert row["amount"] == "1200.00"


def test_a_template_is_a_header_and_one_row_without_the_fixed_kind() -> None:
    lines = kind_template_csv("credit-notes").splitlines()
    assert lines[0] == "external_id,invoice,effective_on,amount,currency,reason"
    assert len(lines) == 2


def test_every_column_of_every_kind_is_explained_with_a_type() -> None:
    for kind in KINDS:
        for column in kind_columns(kind, username="max"):
            assert column.meaning, (kind, column.name)
            assert column.type, (kind, column.name)


def test_the_guide_says_which_columns_are_required_and_what_they_take() -> None:
    columns = {c.name: c for c in kind_columns("activities", username="max")}
    assert columns["external_id"].required
    assert not columns["invoice"].required
    assert columns["channel"].type == "one of call, email, sms, letter, visit"
    assert columns["customer"].type == "the customer's external_id"
    assert columns["collector"].type == "a collector (user name)"
    assert columns["collector"].example == "max"
    assert columns["direction"].meaning == "who reached out; blank means you did (outbound)"
    currency = {c.name: c for c in kind_columns("invoices")}["currency"]
    assert not currency.required
    assert currency.meaning == "the currency of the amounts; blank means the base currency"
