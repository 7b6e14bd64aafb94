"""Every ledger kind imports with the default mapping (columns named like the fields)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from recoup.accounts.models import Role, Team, User
from recoup.compliance.models import Restriction
from recoup.ingest.kinds import KINDS
from recoup.ingest.services import ImportOutcome
from recoup.ledger import models as m

pytestmark = pytest.mark.django_db

Write = Callable[..., Path]
Run = Callable[..., ImportOutcome]


@pytest.fixture
def ledger() -> m.Invoice:
    customer = m.Customer.objects.create(external_id="C-1", name="Acme Ltd")
    User.objects.create(username="ann", role=Role.COLLECTOR)
    Team.objects.create(name="North")
    invoice = m.Invoice.objects.create(
        external_id="INV-1",
        customer=customer,
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amount_minor=100_000,
        currency="USD",
    )
    m.Payment.objects.create(
        external_id="P-1",
        customer=customer,
        received_on=date(2024, 2, 10),
        amount_minor=30_000,
        currency="USD",
    )
    return invoice


CASES: dict[str, tuple[str, Callable[[], object], object]] = {
    "customers": (
        "external_id,name,segment,time_zone,do_not_call,credit_limit\n"
        "C-9,Beta GmbH,smb,Europe/Berlin,yes,5000\n",
        lambda: (
            m.Customer.objects.filter(external_id="C-9")
            .values_list("time_zone", "do_not_call", "credit_limit_minor", "credit_limit_currency")
            .get()
        ),
        ("Europe/Berlin", True, 500_000, "USD"),
    ),
    "contact-points": (
        "customer,kind,value,status,source\nC-1,Phone,+1 555 0100,wrong_number,Credit bureau\n"
        "C-1,email,ap@acme.example,,\n",
        lambda: list(
            m.ContactPoint.objects.order_by("kind").values_list("kind", "value", "status", "source")
        ),
        [
            ("email", "ap@acme.example", "unverified", "imported"),
            ("phone", "+1 555 0100", "wrong_number", "credit_bureau"),
        ],
    ),
    "invoices": (
        "external_id,customer,issue_date,due_date,amount\nINV-2,C-1,2024-02-01,2024-03-02,10\n",
        lambda: m.Invoice.objects.get(external_id="INV-2").amount_minor,
        1_000,
    ),
    "payments": (
        "external_id,customer,received_on,amount,invoice,allocated\n"
        "P-2,C-1,2024-02-11,80.00,INV-1,50.00\n",
        lambda: (
            m.Allocation.objects.filter(payment__external_id="P-2")
            .values_list("amount_minor", flat=True)
            .get()
        ),
        5_000,
    ),
    "allocations": (
        "payment,invoice,amount\nP-1,INV-1,300.00\n",
        lambda: m.Allocation.objects.values_list("amount_minor", flat=True).get(),
        30_000,
    ),
    "adjustments": (
        "external_id,invoice,kind,effective_on,amount,reason\n"
        "D-1,INV-1,Discount,2024-01-10,20.00,early payment\n",
        lambda: m.Adjustment.objects.values_list("kind", "amount_minor").get(),
        ("discount", 2_000),
    ),
    "credit-notes": (
        "external_id,invoice,effective_on,amount\nCN-1,INV-1,2024-01-10,20.00\n",
        lambda: m.Adjustment.objects.values_list("kind", flat=True).get(),
        "credit_note",
    ),
    "write-offs": (
        "external_id,invoice,effective_on,amount\nWO-1,INV-1,2024-06-10,700.00\n",
        lambda: m.Adjustment.objects.values_list("kind", flat=True).get(),
        "write_off",
    ),
    "activities": (
        "external_id,customer,invoice,channel,direction,outcome,collector,occurred_at,note\n"
        "A-1,C-1,INV-1,call,outbound,right_party_contact,ann,2024-02-01T09:30:00-05:00,spoke\n",
        lambda: m.Activity.objects.values_list("occurred_at", "collector__username").get(),
        (datetime(2024, 2, 1, 14, 30, tzinfo=UTC), "ann"),
    ),
    "promises": (
        "external_id,customer,invoice,promised_on,due_date,amount,status\n"
        "PTP-1,C-1,INV-1,2024-02-01,2024-02-15,500.00,kept\n",
        lambda: m.PromiseToPay.objects.values_list("status", "amount_minor").get(),
        ("kept", 50_000),
    ),
    "payment-plans": (
        "external_id,customer,agreed_on,total\nPL-1,C-1,2024-02-01,1000.00\n",
        lambda: m.PaymentPlan.objects.values_list("status", "total_minor").get(),
        ("active", 100_000),
    ),
    "disputes": (
        "external_id,invoice,opened_on,amount,reason\nDS-1,INV-1,2024-01-20,100.00,damaged\n",
        lambda: m.Dispute.objects.values_list("status", "amount_minor").get(),
        ("open", 10_000),
    ),
    "restrictions": (
        "customer,kind,channel,effective_on\nC-1,opt_out,SMS,2024-02-01\n",
        lambda: Restriction.objects.values_list("kind", "channel", "ended_on").get(),
        ("opt_out", "sms", None),
    ),
    "agencies": (
        "external_id,name,kind\nAG-1,Smith & Partners,lawyer\n",
        lambda: m.Agency.objects.values_list("kind", flat=True).get(),
        "lawyer",
    ),
    "assignments": (
        "customer,collector,team,valid_from\nC-1,ann,,2024-01-01\nC-1,,North,2024-03-01\n",
        lambda: list(m.Assignment.objects.values_list("collector__username", "team__name")),
        [("ann", None), (None, "North")],
    ),
    "credit-decisions": (
        "external_id,customer,applicant,applied_on,decided_on,decision,limit_granted,score\n"
        "CD-1,C-1,Acme Ltd,2024-01-02,2024-01-05,Approved,25000,712\n",
        lambda: m.CreditDecision.objects.values_list(
            "decision", "limit_granted_minor", "currency", "score"
        ).get(),
        ("approved", 2_500_000, "USD", 712),
    ),
    "collection-costs": (
        "external_id,incurred_on,amount,category,team\nCC-1,2024-01-31,12000.00,salaries,North\n",
        lambda: m.CollectionCost.objects.values_list("amount_minor", "team__name").get(),
        (1_200_000, "North"),
    ),
    "fx-rates": (
        "currency,rate_date,rate\nEUR,2024-01-01,1.0842\n",
        lambda: m.FxRate.objects.values_list("rate_scaled", flat=True).get(),
        10_842_000_000,
    ),
}


def test_every_kind_has_a_case_here() -> None:
    # Remittances need a placement first: tests/ingest/test_remittances.py.
    assert set(KINDS) - {"instalments", "placements", "remittances"} == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_imports_with_columns_named_like_its_fields(
    ledger: m.Invoice, write_file: Write, run_import: Run, kind: str
) -> None:
    text, read, expected = CASES[kind]
    outcome = run_import(kind, write_file(f"{kind}.csv", text))
    assert outcome.ok, outcome.problems
    assert read() == expected
    assert run_import(kind, write_file(f"{kind}.csv", text)).run.inserted == 0


def test_placements_refer_to_agencies_and_instalments_to_plans(
    ledger: m.Invoice, write_file: Write, run_import: Run
) -> None:
    steps = [
        ("agencies", "external_id,name\nAG-1,Collect Co\n"),
        (
            "placements",
            "external_id,invoice,agency,placed_on,amount\nPLC-1,INV-1,AG-1,2024-04-01,1000.00\n",
        ),
        ("payment-plans", "external_id,customer,agreed_on,total\nPL-1,C-1,2024-02-01,900\n"),
        (
            "instalments",
            "plan,sequence,due_date,amount\nPL-1,1,2024-03-01,450\nPL-1,2,2024-04-01,450\n",
        ),
    ]
    for kind, text in steps:
        outcome = run_import(kind, write_file(f"{kind}.csv", text))
        assert outcome.ok, (kind, outcome.problems)
    assert m.Placement.objects.get().agency.name == "Collect Co"
    assert list(m.Instalment.objects.values_list("sequence", "amount_minor")) == [
        (1, 45_000),
        (2, 45_000),
    ]


def test_an_assignment_needs_a_collector_or_a_team(
    ledger: m.Invoice, write_file: Write, run_import: Run
) -> None:
    outcome = run_import(
        "assignments", write_file("a.csv", "customer,collector,valid_from\nC-1,,2024-01-01\n")
    )
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "collector")]
    assert m.Assignment.objects.count() == 0
