"""The generated ledger is internally consistent: checked with queries over the stored rows."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from recoup.demo import generator as g
from recoup.demo.services import DemoSummary
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Allocation,
    Assignment,
    Customer,
    Dispute,
    FxRate,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    Placement,
    PromiseToPay,
)
from tests.demo.conftest import AS_OF

pytestmark = pytest.mark.django_db


def _scalar(sql: str, params: list[object] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return int(row[0] or 0)


def _sum_of(model: type[Allocation] | type[Adjustment], **where: object) -> Subquery:
    return Subquery(
        model.objects.filter(invoice=OuterRef("pk"), **where)
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total"),
        output_field=IntegerField(),
    )


def test_nothing_is_paid_credited_or_written_off_beyond_an_invoice_amount(
    demo_ledger: DemoSummary,
) -> None:
    over = (
        Invoice.objects.annotate(
            paid=Coalesce(_sum_of(Allocation), Value(0)),
            adjusted=Coalesce(_sum_of(Adjustment), Value(0)),
        )
        .filter(amount_minor__lt=F("paid") + F("adjusted"))
        .count()
    )
    assert Invoice.objects.count() == demo_ledger.invoices
    assert over == 0


def test_every_payment_is_fully_allocated_and_never_beyond_it(demo_ledger: DemoSummary) -> None:
    mismatched = _scalar(
        """
        SELECT COUNT(*) FROM ledger_payment p
        LEFT JOIN (SELECT payment_id, SUM(amount_minor) AS total FROM ledger_allocation
                   GROUP BY payment_id) a ON a.payment_id = p.id
        WHERE a.total IS NULL OR a.total <> p.amount_minor
        """
    )
    assert Payment.objects.exists()
    assert mismatched == 0


def test_allocations_stay_in_the_invoice_currency_and_customer(demo_ledger: DemoSummary) -> None:
    wrong = Allocation.objects.filter(
        ~Q(payment__currency=F("invoice__currency"))
        | ~Q(payment__customer_id=F("invoice__customer_id"))
    ).count()
    assert wrong == 0


def test_no_payment_is_dated_before_the_invoice_it_pays(demo_ledger: DemoSummary) -> None:
    early = Allocation.objects.filter(payment__received_on__lt=F("invoice__issue_date")).count()
    assert early == 0


def test_nothing_predates_the_customer(demo_ledger: DemoSummary) -> None:
    assert Invoice.objects.filter(issue_date__lt=F("customer__since")).count() == 0
    assert Payment.objects.filter(received_on__lt=F("customer__since")).count() == 0
    assert Activity.objects.filter(occurred_at__date__lt=F("customer__since")).count() == 0
    assert PromiseToPay.objects.filter(promised_on__lt=F("customer__since")).count() == 0
    assert Assignment.objects.filter(valid_from__lt=F("customer__since")).count() == 0


def test_no_fact_is_dated_after_the_as_of_date(demo_ledger: DemoSummary) -> None:
    assert Invoice.objects.filter(issue_date__gt=AS_OF).count() == 0
    assert Payment.objects.filter(received_on__gt=AS_OF).count() == 0
    assert Adjustment.objects.filter(effective_on__gt=AS_OF).count() == 0
    assert Activity.objects.filter(occurred_at__date__gt=AS_OF).count() == 0
    assert PromiseToPay.objects.filter(promised_on__gt=AS_OF).count() == 0
    assert Dispute.objects.filter(Q(opened_on__gt=AS_OF) | Q(resolved_on__gt=AS_OF)).count() == 0
    assert Placement.objects.filter(Q(placed_on__gt=AS_OF) | Q(recalled_on__gt=AS_OF)).count() == 0
    assert PaymentPlan.objects.filter(agreed_on__gt=AS_OF).count() == 0
    assert Customer.objects.filter(since__gt=AS_OF).count() == 0


def test_history_covers_about_two_years(demo_ledger: DemoSummary) -> None:
    first = Invoice.objects.order_by("issue_date").values_list("issue_date", flat=True)[0]
    assert AS_OF - timedelta(days=g.HISTORY_DAYS) <= first <= AS_OF - timedelta(days=700)


def test_due_dates_are_never_before_issue_or_promise(demo_ledger: DemoSummary) -> None:
    assert Invoice.objects.filter(due_date__lt=F("issue_date")).count() == 0
    assert PromiseToPay.objects.filter(due_date__lt=F("promised_on")).count() == 0
    assert Instalment.objects.filter(due_date__lt=F("plan__agreed_on")).count() == 0


def test_kept_promises_were_paid_by_due_date_plus_grace_and_broken_ones_were_not(
    demo_ledger: DemoSummary,
) -> None:
    grace_end = ExpressionWrapper(
        F("due_date") + timedelta(days=g.PROMISE_GRACE_DAYS), output_field=DateField()
    )
    paid_in_window = Subquery(
        Allocation.objects.filter(
            invoice=OuterRef("invoice"),
            payment__received_on__gte=OuterRef("promised_on"),
            payment__received_on__lte=OuterRef("grace_end"),
        )
        .values("invoice")
        .annotate(total=Sum("amount_minor"))
        .values("total"),
        output_field=IntegerField(),
    )
    promises = PromiseToPay.objects.annotate(grace_end=grace_end).annotate(
        paid=Coalesce(paid_in_window, Value(0))
    )
    statuses = dict(promises.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses.get("kept", 0) > 0
    assert statuses.get("broken", 0) > 0
    assert promises.filter(status="kept", paid__lt=F("amount_minor")).count() == 0
    assert promises.filter(status="broken", paid__gte=F("amount_minor")).count() == 0
    assert promises.filter(status="broken", grace_end__gte=AS_OF).count() == 0
    assert promises.filter(activity__isnull=True).count() == 0
    assert promises.exclude(activity__outcome="promise").count() == 0


def test_activities_are_logged_by_the_collector_assigned_on_that_day(
    demo_ledger: DemoSummary,
) -> None:
    rows = Activity.objects.values_list("customer_id", "collector_id", "occurred_at")
    periods: dict[int, list[tuple[object, object, int | None]]] = {}
    for customer_id, collector_id, start, end in Assignment.objects.values_list(
        "customer_id", "collector_id", "valid_from", "valid_to"
    ):
        periods.setdefault(customer_id, []).append((start, end, collector_id))
    mismatches = 0
    for customer_id, collector_id, at in rows:
        zone_day = at.date()
        standing = [
            c
            for start, end, c in periods[customer_id]
            if start <= zone_day and (end is None or zone_day < end)  # type: ignore[operator]
        ]
        # The local business day may differ from the UTC day by one around midnight.
        if collector_id not in standing:
            near = [
                c
                for start, end, c in periods[customer_id]
                if start <= zone_day + timedelta(days=1)  # type: ignore[operator]
                and (end is None or zone_day - timedelta(days=1) < end)  # type: ignore[operator]
            ]
            mismatches += collector_id not in near
    assert rows.count() > 0
    assert mismatches == 0


def test_customers_move_between_collectors_with_their_history_kept(
    demo_ledger: DemoSummary,
) -> None:
    moved = (
        Assignment.objects.values("customer_id").annotate(n=Count("id")).filter(n__gte=2).count()
    )
    open_periods = (
        Assignment.objects.filter(valid_to__isnull=True)
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    assert moved > 0
    assert open_periods.filter(n__gt=1).count() == 0
    assert open_periods.count() == Customer.objects.count()


def test_payment_plans_add_up_to_their_instalments(demo_ledger: DemoSummary) -> None:
    mismatched = _scalar(
        """
        SELECT COUNT(*) FROM ledger_paymentplan p
        JOIN (SELECT plan_id, SUM(amount_minor) AS total, COUNT(*) AS n FROM ledger_instalment
              GROUP BY plan_id) i ON i.plan_id = p.id
        WHERE i.total <> p.total_minor
        """
    )
    statuses = set(PaymentPlan.objects.values_list("status", flat=True))
    assert PaymentPlan.objects.count() == Instalment.objects.values("plan").distinct().count()
    assert mismatched == 0
    assert {"completed", "broken", "active"} <= statuses


def test_placements_are_old_defaulted_debt_and_some_is_recovered(
    demo_ledger: DemoSummary,
) -> None:
    placements = Placement.objects.all()
    assert placements.exists()
    assert (
        placements.filter(placed_on__lte=F("invoice__due_date") + timedelta(days=90)).count() == 0
    )
    assert placements.filter(amount_minor__gt=F("invoice__amount_minor")).count() == 0
    recovered = (
        Allocation.objects.filter(
            invoice__placements__isnull=False,
            payment__received_on__gt=F("invoice__placements__placed_on"),
        )
        .values("invoice")
        .distinct()
        .count()
    )
    assert recovered > 0
    assert {"agency", "lawyer"} == set(placements.values_list("agency__kind", flat=True))


def test_fx_rates_cover_every_date_and_foreign_currency_used(demo_ledger: DemoSummary) -> None:
    foreign = set(Invoice.objects.exclude(currency="USD").values_list("currency", flat=True))
    first_use = Customer.objects.order_by("since").values_list("since", flat=True)[0]
    first_issue = Invoice.objects.order_by("issue_date").values_list("issue_date", flat=True)[0]
    assert foreign == {"EUR", "GBP"}
    for currency in foreign:
        rates = FxRate.objects.filter(currency=currency)
        assert rates.filter(rate_date__lte=first_issue).exists()
        assert rates.filter(rate_date__lte=AS_OF).order_by("-rate_date")[0].rate_date >= (
            AS_OF - timedelta(days=3)
        )
        dates = sorted(rates.values_list("rate_date", flat=True))
        # Business-day rates: no gap longer than a weekend.
        assert max(b - a for a, b in itertools.pairwise(dates)) <= timedelta(days=3)
    assert first_use <= first_issue
    assert Invoice.objects.filter(currency="USD").count() > Invoice.objects.count() * 0.6


def test_time_zones_match_the_customer_country(demo_ledger: DemoSummary) -> None:
    allowed = {c.code: {zone for zone, _ in c.zones} for c in g.COUNTRIES}
    pairs = set(Customer.objects.values_list("country", "time_zone"))
    assert len({country for country, _ in pairs}) >= 5
    assert all(zone in allowed[country] for country, zone in pairs)


def test_disputes_are_opened_resolved_and_some_still_open(demo_ledger: DemoSummary) -> None:
    statuses = set(Dispute.objects.values_list("status", flat=True))
    assert {"open", "resolved"} <= statuses
    assert Dispute.objects.filter(status="open", resolved_on__isnull=False).count() == 0
    assert Dispute.objects.filter(opened_on__lt=F("invoice__issue_date")).count() == 0
    raised = Activity.objects.filter(outcome="dispute").count()
    assert raised == Dispute.objects.count()
