"""Which invoices go to which agency or lawyer on a day, and which accounts are left out and why.

Per account of the placer's scope, in order:
- an open promise to pay, or a payment plan in good standing, leaves the account alone;
- its past-due open invoices are the candidates; disputed ones (a dispute standing that day and
  not verified) and those already placed (a placement standing that day) are left out, and an
  account with none left is listed with that reason;
- the first active rule (by position) whose every condition holds picks the agency: days past
  due of the oldest candidate, open amount in a currency, no contact for N days, a broken plan,
  the team that works the account;
- a lawyer is legal action: the contact rules are asked about the `legal` channel at noon of the
  day in the debtor's zone, and a time-barred debt (or any rule that blocks) is left out with
  the rule's words.
Accounts ticked by hand bypass the rules (the agency is chosen) but not the rest.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from recoup.compliance.selectors import Proposal, contact_check_many
from recoup.ledger.models import (
    Activity,
    Agency,
    AgencyKind,
    Assignment,
    Customer,
    PaymentPlan,
    Placement,
    PlanStatus,
)
from recoup.ledger.open_items import OpenItems, open_items_on
from recoup.placements.models import PlacementRule

# Why an account is left out, in words (the preview, the batch page, the CLI).
LEFT_OUT_WORDS: dict[str, str] = {
    "promise": "an open promise to pay",
    "plan": "a payment plan in good standing",
    "disputed": "every past-due invoice disputed",
    "placed": "every past-due invoice already placed",
    "time_barred": "legal action refused by the contact rules",
    "not_due": "nothing past due",
    "no_rule": "no rule matches",
}
# Listed one by one on the batch page; the others are only counted (there may be thousands).
LISTED = ("promise", "plan", "disputed", "placed", "time_barred")
BY_HAND = "chosen by hand"
_IDS_IN_SQL = 2_000


@dataclass(frozen=True, slots=True)
class Line:
    customer_id: int
    invoice_id: int
    agency_id: int
    rule_id: int | None
    reason: str
    days_past_due: int
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    customer_id: int
    reason: str  # a LEFT_OUT_WORDS key
    detail: str = ""


@dataclass(slots=True)
class Selection:
    as_of: date
    lines: list[Line] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def leave_out(self, customer_id: int, reason: str, detail: str = "") -> None:
        self.counts[reason] += 1
        if reason in LISTED:
            self.left_out.append(LeftOut(customer_id, reason, detail))


@dataclass(frozen=True, slots=True)
class Account:
    """One account's candidates and the facts the rules' conditions read."""

    customer_id: int
    items: tuple[tuple[int, int, int, str], ...]  # (invoice, due ordinal, open minor, currency)
    days_past_due: int
    totals: dict[str, int]
    days_since_contact: int | None  # None: never contacted
    broken_plan: bool
    team_id: int | None


def _small(ids: Collection[int] | None) -> list[int] | None:
    return list(ids) if ids is not None and len(ids) <= _IDS_IN_SQL else None


def _placed_invoices(day: date, ids: list[int] | None) -> set[int]:
    rows = Placement.objects.filter(placed_on__lte=day).filter(
        Q(recalled_on__isnull=True) | Q(recalled_on__gt=day)
    )
    if ids is not None:
        rows = rows.filter(invoice__customer_id__in=ids)
    return set(rows.values_list("invoice_id", flat=True))


def _last_contacts(day: date, ids: list[int] | None) -> dict[int, date]:
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    rows = Activity.objects.filter(occurred_at__lt=end)
    if ids is not None:
        rows = rows.filter(customer_id__in=ids)
    found = rows.values("customer_id").annotate(last=Max("occurred_at"))
    return {int(r["customer_id"]): timezone.localdate(r["last"]) for r in found}


def _broken_plans(day: date, ids: list[int] | None) -> set[int]:
    rows = PaymentPlan.objects.filter(status=PlanStatus.BROKEN, agreed_on__lte=day)
    if ids is not None:
        rows = rows.filter(customer_id__in=ids)
    return set(rows.values_list("customer_id", flat=True))


def _teams(day: date, ids: list[int] | None) -> dict[int, int]:
    rows = Assignment.objects.filter(valid_from__lte=day, team__isnull=False).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    if ids is not None:
        rows = rows.filter(customer_id__in=ids)
    return dict(rows.values_list("customer_id", "team_id"))


def accounts_on(
    day: date, customer_ids: Collection[int] | None, selection: Selection
) -> list[Account]:
    """The accounts with something to place on `day` (of `customer_ids`, or all); the others
    are counted in `selection` with their reason."""
    items: OpenItems = open_items_on(day, customer_ids=customer_ids)
    ids = _small(customer_ids)
    placed = _placed_invoices(day, ids)
    contacts = _last_contacts(day, ids)
    broken = _broken_plans(day, ids)
    teams = _teams(day, ids)
    today = day.toordinal()
    out: list[Account] = []
    for customer, (start, end) in items.by_customer().items():
        if customer in items.promised:
            selection.leave_out(customer, "promise")
            continue
        if customer in items.on_plan:
            selection.leave_out(customer, "plan")
            continue
        late = [i for i in range(start, end) if int(items.due[i]) < today]
        if not late:
            selection.counts["not_due"] += 1
            continue
        undisputed = [i for i in late if not items.disputed[i]]
        if not undisputed:
            selection.leave_out(customer, "disputed")
            continue
        free = [i for i in undisputed if int(items.invoice[i]) not in placed]
        if not free:
            selection.leave_out(customer, "placed")
            continue
        chosen = tuple(
            (
                int(items.invoice[i]),
                int(items.due[i]),
                int(items.open_minor[i]),
                str(items.currency[i]),
            )
            for i in free
        )
        totals: dict[str, int] = {}
        for _, _, minor, currency in chosen:
            totals[currency] = totals.get(currency, 0) + minor
        last = contacts.get(customer)
        out.append(
            Account(
                customer_id=customer,
                items=chosen,
                days_past_due=today - min(c[1] for c in chosen),
                totals=totals,
                days_since_contact=None if last is None else (day - last).days,
                broken_plan=customer in broken,
                team_id=teams.get(customer),
            )
        )
    return out


def rule_matches(rule: PlacementRule, account: Account) -> bool:
    """Does `account` meet every condition `rule` gives?"""
    if rule.min_days_past_due is not None and account.days_past_due < rule.min_days_past_due:
        return False
    if rule.min_open_minor is not None:
        owed = account.totals.get(rule.min_open_currency, 0)
        if owed < rule.min_open_minor:
            return False
    if rule.no_contact_days is not None:
        since = account.days_since_contact
        if since is not None and since < rule.no_contact_days:
            return False
    if rule.broken_plan and not account.broken_plan:
        return False
    return rule.team_id is None or rule.team_id == account.team_id


def _lines(account: Account, agency_id: int, rule: PlacementRule | None) -> list[Line]:
    return [
        Line(
            customer_id=account.customer_id,
            invoice_id=invoice,
            agency_id=agency_id,
            rule_id=rule.pk if rule is not None else None,
            reason=rule.name if rule is not None else BY_HAND,
            days_past_due=account.days_past_due,
            amount_minor=minor,
            currency=currency,
        )
        for invoice, _, minor, currency in account.items
    ]


def _legal_refusals(day: date, customer_ids: Sequence[int]) -> dict[int, str]:
    """The contact rules' words for each customer legal action is refused on `day`."""
    if not customer_ids:
        return {}
    zones = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "time_zone"))
    proposals = [
        Proposal(c, "legal", datetime.combine(day, time(12), zoneinfo.ZoneInfo(zones[c])))
        for c in customer_ids
    ]
    out: dict[int, str] = {}
    for start in range(0, len(proposals), 5000):
        part = proposals[start : start + 5000]
        batch = contact_check_many(proposals=part)
        for i, proposal in enumerate(part):
            if not bool(batch.allowed[i]):
                blocks = batch.verdict(i).blocks
                out[proposal.customer_id] = "; ".join(b.message for b in blocks)
    return out


def _refuse_legal(
    selection: Selection, picked: list[tuple[Account, int, PlacementRule | None]]
) -> None:
    lawyers = set(Agency.objects.filter(kind=AgencyKind.LAWYER).values_list("pk", flat=True))
    legal = [a.customer_id for a, agency, _ in picked if agency in lawyers]
    refused = _legal_refusals(selection.as_of, legal)
    for account, agency, rule in picked:
        if agency in lawyers and account.customer_id in refused:
            selection.leave_out(account.customer_id, "time_barred", refused[account.customer_id])
            continue
        selection.lines.extend(_lines(account, agency, rule))


def select_by_rules(*, day: date, customer_ids: Collection[int] | None) -> Selection:
    """The batch the active rules make on `day` of `customer_ids` (every customer when None)."""
    selection = Selection(day)
    rules = list(PlacementRule.objects.filter(active=True).order_by("position", "name"))
    picked: list[tuple[Account, int, PlacementRule | None]] = []
    for account in accounts_on(day, customer_ids, selection):
        rule = next((r for r in rules if rule_matches(r, account)), None)
        if rule is None:
            selection.counts["no_rule"] += 1
            continue
        picked.append((account, rule.agency_id, rule))
    _refuse_legal(selection, picked)
    return selection


def select_by_hand(*, day: date, customer_ids: Collection[int], agency: Agency) -> Selection:
    """The ticked accounts' past-due invoices to `agency`, with the same exclusions."""
    selection = Selection(day)
    accounts = accounts_on(day, customer_ids, selection)
    _refuse_legal(selection, [(a, agency.pk, None) for a in accounts])
    return selection
