"""The generated ledger looks like a collections ledger: proportions, behaviours and rates."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, F, Q, Sum

from recoup.demo.services import DemoSummary
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Allocation,
    ContactPoint,
    Customer,
    Invoice,
    Payment,
    PromiseToPay,
)
from tests.demo.conftest import AS_OF, INVOICES

pytestmark = pytest.mark.django_db


def test_row_counts_keep_the_proportions_the_benchmarks_assume(demo_ledger: DemoSummary) -> None:
    customers = Customer.objects.count()
    assert INVOICES / 20 <= customers <= INVOICES / 10
    assert 1.35 <= Payment.objects.count() / INVOICES <= 1.65
    assert 2.8 <= Activity.objects.count() / INVOICES <= 3.2
    assert demo_ledger.rows["ledger_invoice"] == INVOICES
    assert demo_ledger.rows["ledger_activity"] == Activity.objects.count()


def test_every_aging_bucket_holds_open_invoices_at_the_as_of_date(
    demo_ledger: DemoSummary,
) -> None:
    settled = {
        row["invoice"]: row["total"]
        for row in Allocation.objects.values("invoice").annotate(total=Sum("amount_minor"))
    }
    for row in Adjustment.objects.values("invoice").annotate(total=Sum("amount_minor")):
        settled[row["invoice"]] = settled.get(row["invoice"], 0) + row["total"]
    buckets = {"current": 0, "1-30": 0, "31-60": 0, "61-90": 0, "91-120": 0, "120+": 0}
    for pk, due, amount in Invoice.objects.values_list("pk", "due_date", "amount_minor"):
        if amount - settled.get(pk, 0) <= 0:
            continue
        late = (AS_OF - due).days
        key = (
            "current"
            if late <= 0
            else "1-30"
            if late <= 30
            else "31-60"
            if late <= 60
            else "61-90"
            if late <= 90
            else "91-120"
            if late <= 120
            else "120+"
        )
        buckets[key] += 1
    assert all(count >= 5 for count in buckets.values()), buckets


def test_outcome_rates_are_those_of_a_collections_floor(demo_ledger: DemoSummary) -> None:
    total = Activity.objects.count()
    share = {
        row["outcome"]: row["n"] / total
        for row in Activity.objects.values("outcome").annotate(n=Count("id"))
    }
    assert 0.40 <= share["no_answer"] <= 0.60
    assert 0.04 <= share["message_left"] <= 0.15
    assert 0.01 <= share["wrong_party"] <= 0.05
    assert 0.08 <= share["right_party_contact"] <= 0.20
    assert 0.06 <= share["promise"] <= 0.20
    assert 0.01 <= share["refusal"] <= 0.08
    assert 0.002 <= share["dispute"] <= 0.03
    assert 0.03 <= share["payment"] <= 0.15
    channels = set(Activity.objects.values_list("channel", "direction").distinct())
    assert {("call", "outbound"), ("call", "inbound"), ("email", "outbound")} <= channels
    assert {"sms", "letter", "visit"} <= {c for c, _ in channels}


def test_outbound_calls_keep_to_local_hours_but_for_a_few(demo_ledger: DemoSummary) -> None:
    calls = Activity.objects.filter(channel="call", direction="outbound").values_list(
        "occurred_at", "customer__time_zone"
    )
    outside = 0
    for at, zone in calls:
        local = at.astimezone(ZoneInfo(zone))
        outside += not 8 <= local.hour < 21
    assert all(at.tzinfo is not None and at.utcoffset() == timedelta(0) for at, _ in calls[:50])
    assert 0 < outside <= 0.03 * calls.count()
    assert calls[0][0].astimezone(UTC).tzinfo is UTC


def test_customers_pay_in_different_ways(demo_ledger: DemoSummary) -> None:
    paid = Allocation.objects.values("invoice").annotate(n=Count("payment"))
    multi_invoice_payments = (
        Allocation.objects.values("payment").annotate(n=Count("invoice")).filter(n__gte=2)
    )
    on_time = Allocation.objects.filter(payment__received_on__lte=F("invoice__due_date"))
    late = Allocation.objects.filter(
        payment__received_on__gt=F("invoice__due_date") + timedelta(days=60)
    )
    assert paid.filter(n__gte=2).count() > 0.1 * paid.count()  # partial payments
    assert multi_invoice_payments.exists()
    assert on_time.count() > 0.2 * Allocation.objects.count()
    assert late.count() > 0.05 * Allocation.objects.count()
    kinds = set(Adjustment.objects.values_list("kind", "reason").distinct())
    assert {"credit_note", "write_off", "discount"} == {kind for kind, _ in kinds}
    assert ("write_off", "Uncollectable after placement") in kinds
    assert ("write_off", "Small balance written off") in kinds


def test_invoice_sizes_terms_and_currencies_vary(demo_ledger: DemoSummary) -> None:
    terms = {
        (due - issue).days for issue, due in Invoice.objects.values_list("issue_date", "due_date")
    }
    amounts = sorted(Invoice.objects.values_list("amount_minor", flat=True))
    assert terms == {15, 30, 45, 60}
    assert amounts[len(amounts) * 9 // 10] > 8 * amounts[len(amounts) // 10]
    by_segment = dict(
        Invoice.objects.values_list("customer__segment").annotate(s=Sum("amount_minor")).order_by()
    )
    assert set(by_segment) == {"SMB", "Mid-market", "Enterprise", "Public sector"}
    assert {"USD", "EUR", "GBP"} == set(Payment.objects.values_list("currency", flat=True))


def test_some_customers_restrict_contact_and_some_debts_are_time_barred(
    demo_ledger: DemoSummary,
) -> None:
    flags = Customer.objects.aggregate(
        cease=Count("id", filter=Q(cease_communication=True)),
        bankrupt=Count("id", filter=Q(bankruptcy=True)),
        dnc=Count("id", filter=Q(do_not_call=True)),
        no_email=Count("id", filter=Q(opt_out_email=True)),
        no_sms=Count("id", filter=Q(opt_out_sms=True)),
        barred=Count("id", filter=Q(statute_of_limitations_date__lte=AS_OF)),
        not_yet=Count("id", filter=Q(statute_of_limitations_date__gt=AS_OF)),
        limits=Count("id", filter=Q(credit_limit_minor__gt=0)),
    )
    assert all(n > 0 for n in flags.values()), flags
    assert flags["limits"] > 0.8 * Customer.objects.count()


def test_contact_points_have_primary_channels_and_some_are_invalid(
    demo_ledger: DemoSummary,
) -> None:
    per_customer = (
        ContactPoint.objects.filter(is_primary=True).values("customer").annotate(n=Count("id"))
    )
    statuses = set(ContactPoint.objects.values_list("kind", "status").distinct())
    assert per_customer.count() == Customer.objects.count()
    assert all(row["n"] == 3 for row in per_customer)
    assert {("phone", "wrong_number"), ("email", "bounced"), ("address", "moved")} <= statuses


def test_promises_are_kept_more_often_than_broken(demo_ledger: DemoSummary) -> None:
    counts = dict(PromiseToPay.objects.values_list("status").annotate(n=Count("id")).order_by())
    kept_rate = counts["kept"] / (counts["kept"] + counts["broken"])
    assert 0.45 <= kept_rate <= 0.85
    assert PromiseToPay.objects.filter(status="open").exists()
