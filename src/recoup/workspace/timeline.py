"""An account's history as one list, newest first: invoices, payments, credit notes and
write-offs, contacts, promises, plans, disputes, placements, notes, call-backs and flags.

Each source reads at most `limit` of its newest rows; merged, the newest `limit` are shown, and
"show more" asks again with a larger limit. Facts dated by day (an invoice, a payment) sort at
the end of their day, after the timed events of that day (calls, notes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from django.db.models import Count
from django.utils import timezone

from recoup.accounts.names import person_name
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Customer,
    Dispute,
    Invoice,
    Payment,
    PaymentPlan,
    Placement,
    PromiseToPay,
)
from recoup.workspace.models import AccountFlag, CallBack, Note

TIMELINE_STEP = 30
# Activities a dunning run sent carry this prefix in their external id (their kind on the list).
DUNNING_ACTIVITY_PREFIX = "dunning-msg-"
TIMELINE_MAX = 600


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # a CSS-friendly code: invoice, payment, contact, promise, ...
    kind_label: str
    on: date
    at: datetime | None  # timed events only
    title: str
    detail: str = ""
    who: str = ""
    badge: str = ""
    badge_tone: str = ""  # good, warn, bad, or "" for neutral

    def sort_key(self, zone: tzinfo) -> tuple[date, time]:
        if self.at is None:
            return (self.on, time.max)
        return (self.on, self.at.astimezone(zone).time())


@dataclass(frozen=True, slots=True)
class Timeline:
    entries: list[Entry]
    has_more: bool
    limit: int


def _timed(kind: str, label: str, at: datetime, zone: tzinfo, **fields: str) -> Entry:
    return Entry(kind, label, at.astimezone(zone).date(), at, **fields)


def _money(minor: int, currency: str) -> str:
    return str(Money(minor, currency))


JUDGEMENT_TONES = {"kept": "good", "partly_kept": "warn", "broken": "bad", "pending": ""}


def _sources(customer: Customer, limit: int, zone: tzinfo) -> Iterable[Entry]:
    for i in Invoice.objects.filter(customer=customer).order_by("-issue_date", "-id")[:limit]:
        yield Entry(
            "invoice",
            "Invoice",
            i.issue_date,
            None,
            f"Invoice {i.external_id} issued for {_money(i.amount_minor, i.currency)}",
            f"due {i.due_date.isoformat()}" + (f" · {i.description}" if i.description else ""),
        )
    for p in Payment.objects.filter(customer=customer).order_by("-received_on", "-id")[:limit]:
        yield Entry(
            "payment",
            "Payment",
            p.received_on,
            None,
            f"Payment of {_money(p.amount_minor, p.currency)} received",
            " · ".join(part for part in (p.external_id, p.method, p.reference) if part),
        )
    for a in (
        Adjustment.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .order_by("-effective_on", "-id")[:limit]
    ):
        yield Entry(
            "adjustment",
            a.get_kind_display(),
            a.effective_on,
            None,
            f"{a.get_kind_display()} of {_money(a.amount_minor, a.currency)} on {a.invoice}",
            a.reason,
        )
    for c in (
        Activity.objects.filter(customer=customer)
        .select_related("collector", "override__overridden_by")
        .order_by("-occurred_at", "-id")[:limit]
    ):
        override = getattr(c, "override", None)
        dunning = c.external_id.startswith(DUNNING_ACTIVITY_PREFIX)
        yield _timed(
            "dunning" if dunning else "contact",
            "Dunning message" if dunning else "Contact",
            c.occurred_at,
            zone,
            title=f"{c.get_channel_display()}, {c.get_direction_display().lower()}: "
            f"{c.get_outcome_display()}",
            detail=c.note,
            who=person_name(c.collector),
            badge="Rules overridden" if override is not None else "",
            badge_tone="warn" if override is not None else "",
        )
        if override is not None:
            rules = ", ".join(str(b.get("rule", "")) for b in override.blocks)
            yield _timed(
                "override",
                "Override",
                c.occurred_at,
                zone,
                title=f"Contact rules overridden ({rules})",
                detail=override.reason,
                who=person_name(override.overridden_by),
                badge="Override",
                badge_tone="warn",
            )
    for pr in (
        PromiseToPay.objects.filter(customer=customer)
        .select_related("outcome", "collector")
        .order_by("-promised_on", "-id")[:limit]
    ):
        outcome = getattr(pr, "outcome", None)
        yield Entry(
            "promise",
            "Promise",
            pr.promised_on,
            None,
            f"Promise to pay {_money(pr.amount_minor, pr.currency)} by {pr.due_date.isoformat()}",
            f"{_money(outcome.paid_minor, pr.currency)} paid toward it" if outcome else "",
            who=person_name(pr.collector),
            badge=outcome.get_judgement_display() if outcome else pr.get_status_display(),
            badge_tone=JUDGEMENT_TONES.get(outcome.judgement, "") if outcome else "",
        )
    plans = (
        PaymentPlan.objects.filter(customer=customer)
        .annotate(count=Count("instalments"))
        .order_by("-agreed_on", "-id")[:limit]
    )
    for pl in plans:
        count = pl.count
        yield Entry(
            "plan",
            "Payment plan",
            pl.agreed_on,
            None,
            f"Payment plan of {_money(pl.total_minor, pl.currency)} in {count} "
            f"instalment{'s' if count != 1 else ''}",
            badge=pl.get_status_display(),
            badge_tone={"broken": "bad", "completed": "good"}.get(pl.status, ""),
        )
    disputes = (
        Dispute.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .order_by("-opened_on", "-id")[:limit]
    )
    for d in disputes:
        amount = f" ({_money(d.amount_minor, d.invoice.currency)})" if d.amount_minor else ""
        yield Entry(
            "dispute",
            "Dispute",
            d.opened_on,
            None,
            f"Dispute opened on {d.invoice}{amount}",
            d.reason,
            badge=d.get_status_display(),
            badge_tone="warn" if d.status != "resolved" else "",
        )
        if d.resolved_on is not None:
            yield Entry(
                "dispute", "Dispute", d.resolved_on, None, f"Dispute on {d.invoice} resolved"
            )
    for pm in (
        Placement.objects.filter(invoice__customer=customer)
        .select_related("invoice", "agency")
        .order_by("-placed_on", "-id")[:limit]
    ):
        yield Entry(
            "placement",
            "Placement",
            pm.placed_on,
            None,
            f"{pm.invoice} placed with {pm.agency} for {_money(pm.amount_minor, pm.currency)}",
        )
        if pm.recalled_on is not None:
            yield Entry(
                "placement",
                "Placement",
                pm.recalled_on,
                None,
                f"{pm.invoice} recalled from {pm.agency}",
            )
    for n in Note.objects.filter(customer=customer).select_related("author")[:limit]:
        yield _timed(
            "note",
            "Note",
            n.written_at,
            zone,
            title="Note",
            detail=n.text,
            who=person_name(n.author),
        )
    for cb in (
        CallBack.objects.filter(customer=customer)
        .select_related("owner")
        .order_by("-created_at", "-id")[:limit]
    ):
        due = timezone.localtime(cb.due_at, zone).strftime("%Y-%m-%d %H:%M")
        yield _timed(
            "callback",
            "Call-back",
            cb.created_at,
            zone,
            title=f"Call-back set for {due}",
            detail=cb.note,
            who=person_name(cb.owner),
            badge="Done" if cb.done_at else "",
            badge_tone="good" if cb.done_at else "",
        )
    for f in AccountFlag.objects.filter(customer=customer).order_by("-raised_on", "-id")[:limit]:
        yield Entry(
            "flag",
            "Flag",
            f.raised_on,
            None,
            f"Flagged: {f.get_reason_display()}",
            f.detail,
            badge="Cleared" if f.cleared_on else "Open",
            badge_tone="" if f.cleared_on else "bad",
        )


def account_timeline(customer: Customer, *, limit: int = TIMELINE_STEP) -> Timeline:
    """The newest `limit` events of `customer` (see the module docstring); the customer must
    already have been found through the reader's scope."""
    limit = max(1, min(limit, TIMELINE_MAX))
    zone = timezone.get_current_timezone()
    # One more than shown from each source: then "more" is known without counting.
    entries = sorted(
        _sources(customer, limit + 1, zone), key=lambda e: e.sort_key(zone), reverse=True
    )
    return Timeline(entries[:limit], len(entries) > limit, limit)
