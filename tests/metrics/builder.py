"""A tiny ledger written through the ORM, in the domain's own words, for KPI tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from recoup.accounts.models import Team, User
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Agency,
    Allocation,
    Assignment,
    CollectionCost,
    CreditDecision,
    Customer,
    Dispute,
    FxRate,
    Invoice,
    Payment,
    Placement,
    PromiseToPay,
)

_ids = itertools.count(1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _ext(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


@dataclass
class Ledger:
    currency: str = "USD"
    customers: dict[str, Customer] = field(default_factory=dict)

    def customer(
        self,
        name: str,
        *,
        segment: str = "",
        country: str = "",
        limit: str | None = None,
        team: str | None = None,
        collector: str | None = None,
        since: str = "2000-01-01",
    ) -> Customer:
        customer = Customer.objects.create(
            external_id=_ext("C"),
            name=name,
            segment=segment,
            country=country,
            credit_limit_minor=None
            if limit is None
            else Money.from_major(limit, self.currency).minor,
            credit_limit_currency="" if limit is None else self.currency,
        )
        self.customers[name] = customer
        if team or collector:
            self.assign(name, team=team, collector=collector, since=since)
        return customer

    def _customer(self, name: str) -> Customer:
        return self.customers.get(name) or self.customer(name)

    def assign(
        self,
        name: str,
        *,
        team: str | None = None,
        collector: str | None = None,
        since: str,
        until: str | None = None,
    ) -> Assignment:
        return Assignment.objects.create(
            customer=self._customer(name),
            team=None if team is None else Team.objects.get_or_create(name=team)[0],
            collector=None
            if collector is None
            else User.objects.get_or_create(username=collector)[0],
            valid_from=d(since),
            valid_to=None if until is None else d(until),
        )

    def invoice(
        self,
        customer: str,
        amount: str,
        *,
        issued: str,
        due: str,
        currency: str | None = None,
    ) -> Invoice:
        cur = currency or self.currency
        return Invoice.objects.create(
            external_id=_ext("I"),
            customer=self._customer(customer),
            issue_date=d(issued),
            due_date=d(due),
            amount_minor=Money.from_major(amount, cur).minor,
            currency=cur,
        )

    def pay(self, invoice: Invoice, amount: str, *, on: str) -> Payment:
        payment = Payment.objects.create(
            external_id=_ext("P"),
            customer=invoice.customer,
            received_on=d(on),
            amount_minor=Money.from_major(amount, invoice.currency).minor,
            currency=invoice.currency,
        )
        Allocation.objects.create(
            payment=payment, invoice=invoice, amount_minor=payment.amount_minor
        )
        return payment

    def unapplied_payment(self, customer: str, amount: str, *, on: str) -> Payment:
        return Payment.objects.create(
            external_id=_ext("P"),
            customer=self._customer(customer),
            received_on=d(on),
            amount_minor=Money.from_major(amount, self.currency).minor,
            currency=self.currency,
        )

    def adjust(self, invoice: Invoice, amount: str, *, on: str, kind: str) -> Adjustment:
        return Adjustment.objects.create(
            external_id=_ext("A"),
            invoice=invoice,
            kind=kind,
            effective_on=d(on),
            amount_minor=Money.from_major(amount, invoice.currency).minor,
            currency=invoice.currency,
        )

    def place(
        self, invoice: Invoice, agency: str, *, on: str, amount: str, recalled: str | None = None
    ) -> Placement:
        return Placement.objects.create(
            external_id=_ext("PL"),
            invoice=invoice,
            agency=Agency.objects.get_or_create(name=agency, defaults={"external_id": _ext("AG")})[
                0
            ],
            placed_on=d(on),
            recalled_on=None if recalled is None else d(recalled),
            amount_minor=Money.from_major(amount, invoice.currency).minor,
            currency=invoice.currency,
        )

    def activity(
        self,
        customer: str,
        outcome: str,
        *,
        on: str,
        channel: str = "call",
        direction: str = "outbound",
        collector: str | None = None,
    ) -> Activity:
        return Activity.objects.create(
            external_id=_ext("AC"),
            customer=self._customer(customer),
            channel=channel,
            direction=direction,
            outcome=outcome,
            collector=None
            if collector is None
            else User.objects.get_or_create(username=collector)[0],
            occurred_at=datetime.combine(d(on), time(10, 0), tzinfo=UTC),
        )

    def promise(self, customer: str, amount: str, *, made: str, due: str) -> PromiseToPay:
        return PromiseToPay.objects.create(
            external_id=_ext("PTP"),
            customer=self._customer(customer),
            promised_on=d(made),
            due_date=d(due),
            amount_minor=Money.from_major(amount, self.currency).minor,
            currency=self.currency,
        )

    def dispute(self, invoice: Invoice, *, opened: str, resolved: str | None = None) -> Dispute:
        return Dispute.objects.create(
            external_id=_ext("D"),
            invoice=invoice,
            opened_on=d(opened),
            resolved_on=None if resolved is None else d(resolved),
            status="resolved" if resolved else "open",
        )

    def credit_decision(
        self, *, applied: str, decided: str, exception: bool = False, customer: str | None = None
    ) -> CreditDecision:
        return CreditDecision.objects.create(
            external_id=_ext("CD"),
            customer=None if customer is None else self._customer(customer),
            applied_on=d(applied),
            decided_on=d(decided),
            decision="approved",
            policy_exception=exception,
        )

    def cost(self, amount: str, *, on: str, team: str | None = None) -> CollectionCost:
        return CollectionCost.objects.create(
            external_id=_ext("CC"),
            incurred_on=d(on),
            amount_minor=Money.from_major(amount, self.currency).minor,
            currency=self.currency,
            team=None if team is None else Team.objects.get_or_create(name=team)[0],
        )

    def fx(self, currency: str, rate: str, *, on: str) -> FxRate:
        return FxRate.objects.create(
            currency=currency,
            rate_date=d(on),
            rate_scaled=int(Decimal(rate) * FxRate.SCALE),
        )
