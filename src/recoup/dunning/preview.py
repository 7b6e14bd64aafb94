"""A template's live preview: the subject and body as typed, rendered for one customer of the
asker's book with the facts the next run would use (their open invoices today), or the
template's error with its line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.dunning.compose import collectors_of, message_context
from recoup.dunning.models import MessageTemplate
from recoup.dunning.rendering import Rendered, RenderError, render_message
from recoup.dunning.selection import Candidate, Item
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.open_items import open_items_on
from recoup.ledger.selectors import customers_in_scope


@dataclass(frozen=True, slots=True)
class Preview:
    customer: Customer | None
    rendered: Rendered | None
    error: str


def _customer(scope: Scope, customer_id: object) -> Customer | None:
    book = customers_in_scope(scope).filter(invoices__isnull=False).distinct().order_by("name")
    text = str(customer_id or "")
    if text.isdigit() and len(text) <= 18:
        found = book.filter(pk=int(text)).first()
        if found is not None:
            return found
    return book.first()


def _candidate(template: MessageTemplate, customer: Customer, day: date) -> Candidate:
    items = open_items_on(day, customer_ids=[customer.pk])
    chosen = [
        Item(
            invoice_id=int(items.invoice[i]),
            issued=date.fromordinal(int(items.issued[i])),
            due=date.fromordinal(int(items.due[i])),
            open_minor=int(items.open_minor[i]),
            currency=str(items.currency[i]),
        )
        for i in range(len(items))
        if not items.disputed[i]
    ]
    totals: dict[str, int] = {}
    for item in chosen:
        totals[item.currency] = totals.get(item.currency, 0) + item.open_minor
    oldest = min((i.due for i in chosen), default=day)
    return Candidate(
        customer.pk,
        template.level.policy_id,
        template.level,
        tuple(chosen),
        totals,
        max((day - oldest).days, 0),
    )


def template_preview(
    *, scope: Scope, template: MessageTemplate, subject: str, body: str, customer_id: object
) -> Preview:
    customer = _customer(scope, customer_id)
    if customer is None:
        return Preview(None, None, "No customer in your book owes anything to preview with.")
    day = timezone.localdate()
    candidate = _candidate(template, customer, day)
    numbers = dict(
        Invoice.objects.filter(pk__in=[i.invoice_id for i in candidate.items]).values_list(
            "pk", "external_id"
        )
    )
    from django.conf import settings

    from recoup.dunning.compose import Person

    nobody = Person(settings.DUNNING_ORGANISATION, settings.DEFAULT_FROM_EMAIL, None)
    collector = collectors_of([customer.pk], day).get(customer.pk, nobody)
    context = message_context(
        customer=customer, candidate=candidate, numbers=numbers, collector=collector, day=day
    )
    try:
        rendered = render_message(name="template", subject=subject, body=body, context=context)
    except RenderError as error:
        return Preview(customer, None, str(error))
    return Preview(customer, rendered, "")
