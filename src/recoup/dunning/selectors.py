"""Reading dunning: the policies as data, a preview that keeps nothing, and runs and their
messages as a person may see them (a collector: the messages to debtors of their book)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet

from recoup.accounts.scope import Scope
from recoup.core.errors import NotFoundError
from recoup.core.money import Money
from recoup.dunning.compose import Draft, drafts_make
from recoup.dunning.conditions import judge_for
from recoup.dunning.models import Message, MessageStatus, Policy, Run
from recoup.dunning.selection import LEFT_OUT_WORDS, select
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customers_in_scope


def _amount(minor: int | None, currency: str) -> str | None:
    if minor is None:
        return None
    if not currency:
        return str(minor)
    return f"{Money(minor, currency).major_str()} {currency}"


def policies_as_data() -> list[dict[str, Any]]:
    """Every policy as the YAML file writes it (templates left out)."""
    out = []
    for p in Policy.objects.prefetch_related("levels").select_related("team").order_by("name"):
        levels = []
        for lv in sorted(p.levels.all(), key=lambda x: x.position):
            level: dict[str, Any] = {
                "name": lv.name,
                "days": lv.days,
                "channel": lv.channel,
                "gap": lv.min_gap_days,
            }
            if lv.tolerance_minor:
                level["tolerance"] = _amount(lv.tolerance_minor, lv.tolerance_currency)
            if lv.min_amount_minor is not None:
                level["min_amount"] = _amount(lv.min_amount_minor, lv.min_amount_currency)
            if lv.segment:
                level["segment"] = lv.segment
            if lv.max_likelihood is not None:
                level["max_likelihood"] = lv.max_likelihood
            levels.append(level)
        data: dict[str, Any] = {"name": p.name}
        if p.description:
            data["description"] = p.description
        data.update({"default": p.is_default, "auto_send": p.auto_send})
        if p.team is not None:
            data["team"] = p.team.name
        if p.segment:
            data["segment"] = p.segment
        data["levels"] = levels
        out.append(data)
    return out


def preview_drafts(
    *, day: date, policy: Policy | None = None
) -> tuple[list[Draft], dict[str, int]]:
    """Who would get what on `day`, rendered and checked; nothing is kept."""
    selection = select(day=day, policy=policy, judge_for=judge_for(day))
    left_out = {LEFT_OUT_WORDS[k]: v for k, v in selection.left_out.items()}
    return drafts_make(selection.candidates, day), left_out


def draft_json(draft: Draft) -> dict[str, Any]:
    c = draft.candidate
    names = dict(Customer.objects.filter(pk=c.customer_id).values_list("pk", "external_id"))
    return {
        "customer": names.get(c.customer_id, str(c.customer_id)),
        "level": c.level.name,
        "channel": c.level.channel,
        "status": draft.status,
        "reason": draft.reason,
        "blocked_until": draft.blocked_until.isoformat() if draft.blocked_until else None,
        "send_at": draft.send_at.isoformat() if draft.send_at else None,
        "address": draft.address,
        "language": draft.language,
        "subject": draft.rendered.subject if draft.rendered else "",
        "totals": [str(Money(v, cur)) for cur, v in sorted(c.totals.items())],
        "invoices": len(c.items),
    }


@dataclass(frozen=True, slots=True)
class RunRow:
    run: Run
    counts: dict[str, int]


def runs_visible(scope: Scope, *, limit: int = 20) -> list[RunRow]:
    """The latest runs, each with the counts of the messages `scope` may see."""
    runs = list(Run.objects.select_related("policy", "approved_by")[:limit])
    messages = messages_visible(scope).filter(run__in=runs)
    counts: dict[int, dict[str, int]] = {r.pk: {} for r in runs}
    for run_id, status, n in messages.values_list("run_id", "status").annotate(n=Count("id")):
        counts[run_id][status] = n
    return [RunRow(r, counts[r.pk]) for r in runs]


def messages_visible(scope: Scope) -> QuerySet[Message]:
    if scope.sees_all:
        return Message.objects.all()
    return Message.objects.filter(customer__in=customers_in_scope(scope))


def run_for(scope: Scope, run_id: int) -> Run:
    run = Run.objects.select_related("policy", "approved_by", "prepared_by").filter(pk=run_id)
    found = run.first()
    if found is None:
        raise NotFoundError(f"no dunning run {run_id}")
    return found


def run_messages(scope: Scope, run: Run, *, status: str | None = None) -> QuerySet[Message]:
    rows = messages_visible(scope).filter(run=run).select_related("customer", "level")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("status", "customer__name", "id")


def message_for(scope: Scope, message_id: int) -> Message:
    found = messages_visible(scope).select_related("customer", "level", "run").filter(pk=message_id)
    message = found.first()
    if message is None:
        raise NotFoundError(f"no dunning message {message_id}")
    return message


def letters_of(scope: Scope, customer: Customer) -> QuerySet[Message]:
    return (
        messages_visible(scope)
        .filter(customer=customer, status=MessageStatus.SENT)
        .exclude(letter="")
        .order_by("-sent_at")
    )
