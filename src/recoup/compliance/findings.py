"""Checks on the activity records themselves, for the audits collection managers run: past
contacts that broke a contact rule (replayed through the engine as of their own instant),
promises logged without a contact, and unusual write-offs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef

from recoup.accounts.names import person_name
from recoup.accounts.scope import Scope
from recoup.compliance.engine import CHANNEL_WORDS
from recoup.compliance.facts import CONVERSATION_OUTCOMES, Facts
from recoup.compliance.rules import RuleSpec
from recoup.compliance.selectors import Proposal, contact_check_many, rule_specs
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Adjustment,
    AdjustmentKind,
    Direction,
    Outcome,
    Payment,
    PromiseToPay,
)
from recoup.ledger.selectors import customers_in_scope

# Write-offs: before this many days past due is early (unless the debtor is bankrupt) ...
EARLY_WRITE_OFF_DAYS = 90
# ... and a payment this recent says the debtor was still paying.
RECENT_PAYMENT_DAYS = 30
# Contacts the engine replays in one batch (memory stays bounded on a long period).
BATCH = 200_000

CONTACT_RULE = "contact_rule"
PROMISE_WITHOUT_CONTACT = "promise_without_contact"
UNUSUAL_WRITE_OFF = "unusual_write_off"
FINDING_TITLES = {
    CONTACT_RULE: "Contact that broke a rule",
    PROMISE_WITHOUT_CONTACT: "Promise logged without a contact",
    UNUSUAL_WRITE_OFF: "Unusual write-off",
}


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # CONTACT_RULE, PROMISE_WITHOUT_CONTACT, UNUSUAL_WRITE_OFF
    at: datetime  # when it happened (a day's findings at 00:00 UTC)
    customer_id: int
    customer: str  # "Name (EXT)"
    who: str  # the collector's name, or "" when the record names nobody
    what: str  # plain words
    rules: tuple[str, ...] = ()
    record: str = ""  # the record's external id

    @property
    def title(self) -> str:
        return FINDING_TITLES[self.check]

    def as_json(self) -> dict[str, object]:
        return {
            "check": self.check,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "customer": self.customer,
            "who": self.who,
            "what": self.what,
            "rules": list(self.rules),
            "record": self.record,
        }


@dataclass(slots=True)
class FindingsReport:
    date_from: date
    date_to: date
    findings: list[Finding] = field(default_factory=list)
    contacts_checked: int = 0

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.check for f in self.findings))

    def rule_counts(self) -> dict[str, int]:
        return dict(Counter(r for f in self.findings for r in f.rules))


def _span(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date_from, time(), tzinfo=UTC),
        datetime.combine(date_to + timedelta(days=1), time(), tzinfo=UTC),
    )


def findings_list(
    scope: Scope, *, date_from: date, date_to: date, facts: Facts | None = None
) -> FindingsReport:
    """Everything the record checks find from `date_from` to `date_to` (UTC days) among the
    debtors `scope` may see, oldest first."""
    report = FindingsReport(date_from, date_to)
    report.findings.extend(_contact_findings(scope, date_from, date_to, report, facts))
    report.findings.extend(_promises_without_contact(scope, date_from, date_to))
    report.findings.extend(_unusual_write_offs(scope, date_from, date_to))
    report.findings.sort(key=lambda f: (f.at, f.customer, f.check))
    return report


def _contact_findings(
    scope: Scope, date_from: date, date_to: date, report: FindingsReport, facts: Facts | None
) -> Iterator[Finding]:
    start, end = _span(date_from, date_to)
    contacts = (
        Activity.objects.filter(
            occurred_at__gte=start, occurred_at__lt=end, direction=Direction.OUTBOUND
        )
        .filter(customer__in=customers_in_scope(scope))
        .select_related("customer", "invoice", "collector")
        .order_by("occurred_at", "id")
    )
    specs = rule_specs()
    batch: list[Activity] = []
    for activity in contacts.iterator(chunk_size=5_000):
        batch.append(activity)
        if len(batch) >= BATCH:
            yield from _judge(batch, specs, facts, report)
            batch = []
    if batch:
        yield from _judge(batch, specs, facts, report)


def _judge(
    batch: list[Activity], specs: list[RuleSpec], facts: Facts | None, report: FindingsReport
) -> Iterator[Finding]:
    proposals = [
        Proposal(
            a.customer_id,
            a.channel,
            a.occurred_at,
            a.invoice_id,
            raises_dispute=a.outcome == Outcome.DISPUTE,
        )
        for a in batch
    ]
    verdicts = contact_check_many(proposals=proposals, facts=facts, rules=specs)
    report.contacts_checked += len(batch)
    broke = [i for i in range(len(batch)) if not verdicts.allowed[i]]
    verdicts.checks.facts.invoice_labels_prefetch(a.invoice_id or -1 for a in batch)
    for i in broke:
        a = batch[i]
        verdict = verdicts.verdict(i)
        about = f" about invoice {a.invoice.external_id}" if a.invoice else ""
        reasons = " ".join(b.message for b in verdict.blocks)
        yield Finding(
            CONTACT_RULE,
            a.occurred_at,
            a.customer_id,
            str(a.customer),
            person_name(a.collector),
            f"A {CHANNEL_WORDS[a.channel]}{about} ({Outcome(a.outcome).label.lower()}): {reasons}",
            tuple(b.rule for b in verdict.blocks),
            a.external_id,
        )


def _promises_without_contact(scope: Scope, date_from: date, date_to: date) -> Iterator[Finding]:
    # A contact the same day in the debtor's time zone: a UTC window 14 hours wider each side
    # holds every zone's day (UTC-12 to UTC+14). One query per unlinked promise: they are the
    # exception (the workspace links a promise to the contact it was made in).
    promises = (
        PromiseToPay.objects.filter(
            promised_on__gte=date_from, promised_on__lte=date_to, activity__isnull=True
        )
        .filter(customer__in=customers_in_scope(scope))
        .select_related("customer", "collector")
        .order_by("promised_on", "id")
    )
    for p in promises.iterator(chunk_size=2_000):
        start = datetime.combine(p.promised_on, time(), tzinfo=UTC) - timedelta(hours=14)
        end = start + timedelta(days=1, hours=28)
        talked = Activity.objects.filter(
            customer_id=p.customer_id,
            outcome__in=CONVERSATION_OUTCOMES,
            occurred_at__gte=start,
            occurred_at__lt=end,
        ).exists()
        if talked:
            continue
        amount = Money(p.amount_minor, p.currency)
        yield Finding(
            PROMISE_WITHOUT_CONTACT,
            datetime.combine(p.promised_on, time(), tzinfo=UTC),
            p.customer_id,
            str(p.customer),
            person_name(p.collector),
            f"A promise to pay {amount.major_str()} {p.currency} by {p.due_date:%d %B %Y} was"
            f" logged for {p.promised_on:%d %B %Y}, but no conversation with the debtor is"
            " recorded that day.",
            record=p.external_id,
        )


def _unusual_write_offs(scope: Scope, date_from: date, date_to: date) -> Iterator[Finding]:
    recent_payment = Payment.objects.filter(
        customer_id=OuterRef("invoice__customer_id"),
        received_on__lte=OuterRef("effective_on"),
        received_on__gte=OuterRef("effective_on") - timedelta(days=RECENT_PAYMENT_DAYS),
    )
    write_offs = (
        Adjustment.objects.filter(
            kind=AdjustmentKind.WRITE_OFF, effective_on__gte=date_from, effective_on__lte=date_to
        )
        .filter(invoice__customer__in=customers_in_scope(scope))
        .annotate(paying=Exists(recent_payment))
        .select_related("invoice", "invoice__customer")
        .order_by("effective_on", "id")
    )
    for w in write_offs.iterator(chunk_size=2_000):
        inv, customer = w.invoice, w.invoice.customer
        reasons = []
        late = (w.effective_on - inv.due_date).days
        if late < EARLY_WRITE_OFF_DAYS and not customer.bankruptcy:
            reasons.append(
                f"only {late} days past due (written off before {EARLY_WRITE_OFF_DAYS} days"
                " without a bankruptcy)"
            )
        if w.paying:
            reasons.append(f"the debtor paid something in the {RECENT_PAYMENT_DAYS} days before")
        if w.amount_minor > inv.amount_minor:
            reasons.append("more than the invoice's amount")
        if not reasons:
            continue
        amount = Money(w.amount_minor, w.currency)
        yield Finding(
            UNUSUAL_WRITE_OFF,
            datetime.combine(w.effective_on, time(), tzinfo=UTC),
            customer.pk,
            str(customer),
            "",
            f"{amount.major_str()} {w.currency} of invoice {inv.external_id} written off on"
            f" {w.effective_on:%d %B %Y}: {'; '.join(reasons)}.",
            record=w.external_id,
        )


__all__ = ["FINDING_TITLES", "Finding", "FindingsReport", "findings_list"]
