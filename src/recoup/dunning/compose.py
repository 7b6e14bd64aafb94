"""From the selection to messages: each candidate's address, language, template and rendered
text, and the contact rules' verdict at its send time in the debtor's zone. Nothing here writes;
a message that cannot go says why (the template and line, the missing contact point, the rule
and when it lifts) and stops no other."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from recoup.accounts.names import person_name
from recoup.compliance.selectors import Proposal, contact_check_many
from recoup.core.money import Money
from recoup.dunning.models import LevelChannel, MessageStatus, MessageTemplate
from recoup.dunning.rendering import Rendered, RenderError, render_message
from recoup.dunning.selection import Candidate
from recoup.ledger.models import Assignment, ContactKind, ContactPoint, ContactStatus, Customer

WORKING = (ContactStatus.VALID, ContactStatus.UNVERIFIED)
# The contact point each channel needs, and the contact-rule channel it is checked as.
NEEDS: dict[str, str] = {
    LevelChannel.EMAIL: ContactKind.EMAIL,
    LevelChannel.LETTER: ContactKind.ADDRESS,
    LevelChannel.SMS: ContactKind.PHONE,
}
RULE_CHANNEL: dict[str, str] = {
    LevelChannel.EMAIL: "email",
    LevelChannel.LETTER: "letter",
    LevelChannel.SMS: "sms",
    LevelChannel.CALL_TASK: "call",
    LevelChannel.LEGAL: "legal",
}
HANDED_OVER = frozenset({LevelChannel.AGENCY, LevelChannel.LEGAL})
# The debtor's language where the ledger gives a clue: the country. Others read English.
GERMAN_COUNTRIES = frozenset({"DE", "AT", "CH", "LI", "DEU", "AUT", "CHE", "GERMANY", "AUSTRIA"})
_CHUNK = 2000
_RULES_BATCH = 5000


@dataclass(slots=True)
class Draft:
    candidate: Candidate
    status: str
    reason: str = ""
    blocked_until: datetime | None = None
    send_at: datetime | None = None
    contact_point_id: int | None = None
    address: str = ""
    language: str = ""
    template_id: int | None = None
    rendered: Rendered | None = None
    context: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    user_id: int | None


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def language_of(country: str) -> str:
    return "de" if country.strip().upper() in GERMAN_COUNTRIES else "en"


def send_instant(day: date, zone: str) -> datetime:
    """`day` at the sending hour on the debtor's wall clock, or now if that has passed."""
    local = datetime.combine(day, time(settings.DUNNING_SEND_HOUR), zoneinfo.ZoneInfo(zone))
    return max(local, timezone.now())


def _points(ids: Sequence[int]) -> dict[tuple[int, str], ContactPoint]:
    """Each customer's best working contact point of each kind (primary, then newest)."""
    out: dict[tuple[int, str], ContactPoint] = {}
    for part in chunks(ids):
        rows = ContactPoint.objects.filter(customer_id__in=part, status__in=WORKING).order_by(
            "customer_id", "kind", "-is_primary", "-id"
        )
        for point in rows:
            out.setdefault((point.customer_id, point.kind), point)
    return out


def collectors_of(ids: Sequence[int], day: date) -> dict[int, Person]:
    out: dict[int, Person] = {}
    for part in chunks(ids):
        rows = (
            Assignment.objects.filter(customer_id__in=part, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
            .select_related("collector")
        )
        for a in rows:
            if a.collector is not None:
                out[a.customer_id] = Person(
                    person_name(a.collector),
                    a.collector.email or settings.DEFAULT_FROM_EMAIL,
                    a.collector.pk,
                )
    return out


def _customers(ids: Sequence[int]) -> dict[int, Customer]:
    out: dict[int, Customer] = {}
    for part in chunks(ids):
        out.update(
            Customer.objects.filter(pk__in=part)
            .only("pk", "name", "external_id", "country", "time_zone")
            .in_bulk()
        )
    return out


def _invoice_numbers(ids: Sequence[int]) -> dict[int, str]:
    from recoup.ledger.models import Invoice

    out: dict[int, str] = {}
    for part in chunks(ids):
        out.update(Invoice.objects.filter(pk__in=part).values_list("pk", "external_id"))
    return out


def _templates(level_ids: set[int]) -> dict[tuple[int, str], MessageTemplate]:
    rows = MessageTemplate.objects.filter(level_id__in=level_ids)
    return {(t.level_id, t.language): t for t in rows}


def payment_link(customer: Customer) -> str:
    return settings.DUNNING_PAYMENT_LINK.replace("{customer}", customer.external_id)


def message_context(
    *,
    customer: Customer,
    candidate: Candidate,
    numbers: dict[int, str],
    collector: Person,
    day: date,
) -> dict[str, Any]:
    """What a template may say: the ledger's facts of this message."""
    items = [
        {
            "number": numbers.get(i.invoice_id, str(i.invoice_id)),
            "issued": i.issued.isoformat(),
            "due": i.due.isoformat(),
            "days_overdue": max((day - i.due).days, 0),
            "open": str(Money(i.open_minor, i.currency)),
        }
        for i in candidate.items
    ]
    totals = [str(Money(v, c)) for c, v in sorted(candidate.totals.items())]
    return {
        "customer": {"name": customer.name, "reference": customer.external_id},
        "items": items,
        "total": " and ".join(totals),
        "payment_link": payment_link(customer),
        "collector": {"name": collector.name, "email": collector.email},
        "organisation": settings.DUNNING_ORGANISATION,
        "level": candidate.level.name,
        "days_past_due": candidate.days_past_due,
        "as_of": day.isoformat(),
    }


def drafts_make(candidates: list[Candidate], day: date, *, check_rules: bool = True) -> list[Draft]:
    """A draft message per candidate, rendered and checked against the contact rules."""
    ids = [c.customer_id for c in candidates]
    customers = _customers(ids)
    points = _points(ids)
    people = collectors_of(ids, day)
    numbers = _invoice_numbers([i.invoice_id for c in candidates for i in c.items])
    templates = _templates({c.level.pk for c in candidates})
    nobody = Person(settings.DUNNING_ORGANISATION, settings.DEFAULT_FROM_EMAIL, None)
    drafts: list[Draft] = []
    for c in candidates:
        customer = customers[c.customer_id]
        channel = c.level.channel
        draft = Draft(c, MessageStatus.READY, send_at=send_instant(day, customer.time_zone))
        drafts.append(draft)
        collector = people.get(c.customer_id, nobody)
        draft.context = message_context(
            customer=customer, candidate=c, numbers=numbers, collector=collector, day=day
        )
        draft.language = language_of(customer.country)
        template = templates.get((c.level.pk, draft.language)) or templates.get((c.level.pk, "en"))
        if template is not None:
            draft.template_id, draft.language = template.pk, template.language
            try:
                draft.rendered = render_message(
                    name=f"template {c.level.name!r} ({template.language})",
                    subject=template.subject,
                    body=template.body,
                    context=draft.context,
                )
            except RenderError as error:
                draft.status, draft.reason = MessageStatus.FAILED, str(error)
                continue
        elif channel not in HANDED_OVER:
            draft.status = MessageStatus.FAILED
            draft.reason = f"level {c.level.name!r} has no template in {draft.language} or en"
            continue
        if channel in NEEDS:
            point = points.get((c.customer_id, NEEDS[channel]))
            if point is None:
                kind = ContactKind(NEEDS[channel]).label.lower()
                draft.status = MessageStatus.FAILED
                draft.reason = f"no working {kind} for this customer (nothing to send to)"
                continue
            draft.contact_point_id, draft.address = point.pk, point.value
        elif channel == LevelChannel.CALL_TASK:
            draft.address = collector.name
        if channel == LevelChannel.AGENCY:
            draft.status = MessageStatus.HANDED_OVER
            draft.reason = "placed with an agency from the placements page"
    if check_rules:
        rules_apply(drafts)
    return drafts


def rules_apply(drafts: list[Draft], at: datetime | None = None) -> None:
    """Asks the contact rules about every ready draft (at its send time, or `at`); a blocked one
    says which rule and when it lifts."""
    ready = [
        d
        for d in drafts
        if d.status == MessageStatus.READY and d.candidate.level.channel in RULE_CHANNEL
    ]
    if not ready:
        return
    proposals = [
        Proposal(
            d.candidate.customer_id,
            RULE_CHANNEL[d.candidate.level.channel],
            at or d.send_at or timezone.now(),
        )
        for d in ready
    ]
    # In batches: each loads the facts of its own customers, as query parameters.
    for start in range(0, len(ready), _RULES_BATCH):
        _rules_batch(ready[start : start + _RULES_BATCH], proposals[start : start + _RULES_BATCH])


def _rules_batch(ready: list[Draft], proposals: list[Proposal]) -> None:
    batch = contact_check_many(proposals=proposals)
    for i, draft in enumerate(ready):
        if bool(batch.allowed[i]):
            continue
        verdict = batch.verdict(i)
        draft.status = MessageStatus.BLOCKED
        draft.reason = "; ".join(
            f"{b.message} ({b.fact})" if b.fact else b.message for b in verdict.blocks
        )
        draft.blocked_until = verdict.next_allowed_at
