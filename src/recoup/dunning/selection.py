"""Who is due which level on a day: per customer the one next step of their policy's ladder.

The rules, in order:
- an account with an open promise or a payment plan in good standing is left alone, as is one
  paused by an override; disputed invoices are left out of every message;
- the ladder restarts when none of the invoices the last message named is still open;
- the next level is the first after the last one sent whose day has come (days from the oldest
  open invoice's due date), passing over levels whose conditions the account does not meet and
  before-due reminders once the oldest invoice is past due; never two levels in one run, and
  none before its gap since the previous level has passed;
- a message names the open invoices whose due date the level has reached (before-due levels
  include those coming due); a total under the level's tolerance is left alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from recoup.dunning.models import CustomerOverride, Level, Message, MessageStatus, Policy
from recoup.ledger.models import Assignment, Customer
from recoup.ledger.open_items import OpenItems, open_items_on

# Reasons an account is left out before a message is made, as the preview counts them.
LEFT_OUT_WORDS: dict[str, str] = {
    "promise": "an open promise to pay",
    "plan": "a payment plan in good standing",
    "paused": "paused by an override",
    "disputed": "every open invoice disputed",
    "nothing_due": "no level due yet",
    "gap": "the gap since the last level has not passed",
    "tolerance": "balance under the level's tolerance",
    "conditions": "no level whose conditions the account meets",
    "done": "every level already sent",
    "today": "already in a run today",
    "other_policy": "follows another policy",
}


@dataclass(frozen=True, slots=True)
class Item:
    invoice_id: int
    issued: date
    due: date
    open_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class Candidate:
    customer_id: int
    policy_id: int
    level: Level
    items: tuple[Item, ...]
    totals: dict[str, int]  # currency -> minor units
    days_past_due: int


@dataclass(slots=True)
class Selection:
    day: date
    candidates: list[Candidate] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


# (customer id, days past due, total in the base currency) -> does the level's segment or
# likelihood condition hold. Built only when a level has such a condition (it scores accounts).
Judge = Callable[[Level, int], bool]


def _ordinal(d: date) -> int:
    return d.toordinal()


def _standing_teams(day: date, ids: Collection[int] | None) -> dict[int, int]:
    rows = Assignment.objects.filter(valid_from__lte=day, team__isnull=False).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    if ids is not None and len(ids) <= 2000:
        rows = rows.filter(customer_id__in=list(ids))
    return dict(rows.values_list("customer_id", "team_id"))


def _overrides(day: date) -> tuple[set[int], dict[int, int]]:
    """Customers paused on `day`, and those sent to another policy (newest override stands)."""
    paused: set[int] = set()
    other: dict[int, int] = {}
    seen: set[int] = set()
    for customer, until, policy in CustomerOverride.objects.order_by(
        "-created_at", "-id"
    ).values_list("customer_id", "paused_until", "policy_id"):
        if customer in seen:
            continue
        seen.add(customer)
        if until is not None and until >= day:
            paused.add(customer)
        if policy is not None:
            other[customer] = policy
    return paused, other


def _last_sent(customer_ids: Collection[int]) -> dict[int, tuple[int, date, set[int]]]:
    """Per customer the last message sent: its level, its day and the invoices it named."""
    out: dict[int, tuple[int, date, set[int]]] = {}
    rows = (
        Message.objects.filter(status=MessageStatus.SENT, sent_at__isnull=False)
        .order_by("customer_id", "-sent_at", "-id")
        .values_list("customer_id", "level_id", "run__as_of", "items")
    )
    wanted = set(customer_ids)
    for customer, level, day, items in rows:
        if customer in out or customer not in wanted:
            continue
        out[customer] = (level, day, {int(i["invoice_id"]) for i in items})
    return out


def policy_of(
    customer_id: int,
    *,
    overrides: dict[int, int],
    teams: dict[int, int],
    segments: dict[int, str],
    policies: list[Policy],
) -> Policy | None:
    """The override's policy, else the team's, else the customer segment's, else the default."""
    by_id = {p.pk: p for p in policies}
    if customer_id in overrides and overrides[customer_id] in by_id:
        return by_id[overrides[customer_id]]
    team = teams.get(customer_id)
    for p in policies:
        if p.team_id is not None and p.team_id == team:
            return p
    segment = segments.get(customer_id, "")
    for p in policies:
        if p.team_id is None and p.segment and p.segment == segment:
            return p
    return next((p for p in policies if p.is_default), None)


def _meets_amount(level: Level, totals: dict[str, int]) -> bool:
    if level.min_amount_minor is None:
        return True
    currency = level.min_amount_currency
    return any(
        v >= level.min_amount_minor for c, v in totals.items() if not currency or c == currency
    )


def _under_tolerance(level: Level, totals: dict[str, int]) -> bool:
    if level.tolerance_minor <= 0:
        return False
    currency = level.tolerance_currency
    if currency and set(totals) != {currency}:
        return False
    return all(v < level.tolerance_minor for v in totals.values())


def _items_for(open_items: OpenItems, start: int, end: int, level: Level, day: int) -> list[Item]:
    reach = min(level.days, 1)
    out = []
    for i in range(start, end):
        if open_items.disputed[i] or int(open_items.due[i]) + reach > day:
            continue
        out.append(
            Item(
                invoice_id=int(open_items.invoice[i]),
                issued=date.fromordinal(int(open_items.issued[i])),
                due=date.fromordinal(int(open_items.due[i])),
                open_minor=int(open_items.open_minor[i]),
                currency=str(open_items.currency[i]),
            )
        )
    return out


def _totals(items: list[Item]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, 0) + item.open_minor
    return totals


def select(
    *,
    day: date,
    policy: Policy | None = None,
    customer_ids: Collection[int] | None = None,
    open_items: OpenItems | None = None,
    judge_for: Callable[[list[int]], Judge] | None = None,
) -> Selection:
    """Each customer's next level on `day` (of `policy`'s customers only, when given)."""
    items = open_items if open_items is not None else open_items_on(day, customer_ids=customer_ids)
    policies = list(Policy.objects.prefetch_related("levels").order_by("name"))
    ladders = {p.pk: sorted(p.levels.all(), key=lambda lv: lv.position) for p in policies}
    slices = items.by_customer()
    ids = list(slices)
    teams = _standing_teams(day, ids)
    segments = dict(
        Customer.objects.filter(pk__in=ids).values_list("pk", "segment")
        if len(ids) <= 2000
        else Customer.objects.exclude(segment="").values_list("pk", "segment")
    )
    paused, overrides = _overrides(day)
    last = _last_sent(ids)
    today_keys = set(Message.objects.filter(run__as_of=day).values_list("customer_id", flat=True))
    needs_judge = any(
        lv.segment or lv.max_likelihood is not None for v in ladders.values() for lv in v
    )
    judge = judge_for(ids) if needs_judge and judge_for is not None else None
    out = Selection(day)
    d = _ordinal(day)
    for customer, (start, end) in slices.items():
        found = policy_of(
            customer, overrides=overrides, teams=teams, segments=segments, policies=policies
        )
        if found is None or (policy is not None and found.pk != policy.pk):
            out.left_out["other_policy"] += 1
            continue
        reason = _left_out(customer, items, start, end, paused, today_keys)
        if reason:
            out.left_out[reason] += 1
            continue
        picked = _next_level(customer, items, start, end, ladders[found.pk], last, d, judge)
        if isinstance(picked, str):
            out.left_out[picked] += 1
            continue
        level, chosen = picked
        oldest = min(i.due for i in chosen)
        out.candidates.append(
            Candidate(
                customer_id=customer,
                policy_id=found.pk,
                level=level,
                items=tuple(chosen),
                totals=_totals(chosen),
                days_past_due=max(d - oldest.toordinal(), 0),
            )
        )
    return out


def _left_out(
    customer: int, items: OpenItems, start: int, end: int, paused: set[int], today: set[int]
) -> str:
    if customer in items.promised:
        return "promise"
    if customer in items.on_plan:
        return "plan"
    if customer in paused:
        return "paused"
    if customer in today:
        return "today"
    if bool(items.disputed[start:end].all()):
        return "disputed"
    return ""


def _next_level(
    customer: int,
    items: OpenItems,
    start: int,
    end: int,
    ladder: list[Level],
    last: dict[int, tuple[int, date, set[int]]],
    day: int,
    judge: Judge | None,
) -> tuple[Level, list[Item]] | str:
    undisputed = ~items.disputed[start:end]
    oldest_due = int(items.due[start:end][undisputed].min())
    after, since = -1, None
    if customer in last:
        level_id, sent_day, named = last[customer]
        still_open = set(items.invoice[start:end].tolist())
        positions = [i for i, lv in enumerate(ladder) if lv.pk == level_id]
        if named & still_open and positions:
            after, since = positions[0], sent_day.toordinal()
    remaining = ladder[after + 1 :]
    if not remaining:
        return "done"
    reason = "nothing_due"
    for level in remaining:
        if oldest_due + level.days > day:
            break  # later levels come later still
        if level.days < 0 and oldest_due < day:
            continue  # a before-due reminder, and the debt is already late
        if since is not None and since + level.min_gap_days > day:
            return "gap"
        chosen = _items_for(items, start, end, level, day)
        if not chosen:
            continue
        totals = _totals(chosen)
        if not _meets_amount(level, totals) or (judge is not None and not judge(level, customer)):
            reason = "conditions"
            continue
        if _under_tolerance(level, totals):
            return "tolerance"
        return level, chosen
    return reason
