"""The early warning: accounts with nothing past due yet that are likely to go more than 30 days
late, so that a collector calls before the invoice ages rather than after.

Each account of the books asked for that owes something and has nothing past due is scored by the
"late" likelihood (`recoup.worklist.likelihood.LATE`); the list is ordered by what is at risk (the
balance falling due within 30 days times the likelihood it goes late), each account with its reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.scope import OutOfScopeError, Scope
from recoup.core.money import Money
from recoup.ledger.models import Customer
from recoup.worklist.likelihood import LATE, Likelihood, top_reasons_many
from recoup.worklist.selectors import Reason, book_scores, books_of, id_chunks

# At most this many accounts on the list: the ones most at risk.
SHOWN = 100
# Below this likelihood of going late an account is no warning.
WARN_FROM = 0.2


@dataclass(frozen=True, slots=True)
class Warning:
    customer_id: int
    external_id: str
    name: str
    collector_name: str
    balance: Money
    due_soon: Money  # what falls due within 30 days
    likelihood: float  # of going more than 30 days late
    at_risk: Money
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    day: date
    watched: int  # accounts asked: owing something, nothing past due
    warnings: list[Warning]  # the most at risk first, at most SHOWN
    likelihood: Likelihood

    @property
    def at_risk(self) -> Money:
        return Money(sum(w.at_risk.minor for w in self.warnings), settings.BASE_CURRENCY)


def early_warning_for(
    scope: Scope, *, collectors: Sequence[User], likelihood: Likelihood, day: date
) -> EarlyWarning:
    """The accounts of `collectors`' books on `day` most likely to go late, as `scope` sees them."""
    for collector in collectors:
        if not scope.sees_all and collector.pk not in scope.collector_ids:
            raise OutOfScopeError(f"{person_name(collector)}'s accounts are outside your teams")
    books = books_of(scope, [c.pk for c in collectors], day)
    owner = {i: c for c in collectors for i in books.get(c.pk, [])}
    every = sorted(owner)
    accounts, probability, pushes = book_scores(every, day, likelihood)
    current = accounts.column("days_past_due") == 0
    due_soon = accounts.column("due_soon_share") * accounts.open_minor
    at_risk = due_soon * probability
    candidates = [
        i for i in range(len(accounts.customer_ids)) if current[i] and probability[i] >= WARN_FROM
    ]
    candidates.sort(key=lambda i: (-at_risk[i], -probability[i], int(accounts.customer_ids[i])))
    shown = candidates[:SHOWN]
    ids = [int(accounts.customer_ids[i]) for i in shown]
    names: dict[int, tuple[str, str]] = {}
    for chunk in id_chunks(ids):
        rows = Customer.objects.filter(pk__in=chunk).values_list("pk", "name", "external_id")
        names.update({pk: (name, ref) for pk, name, ref in rows})
    base = settings.BASE_CURRENCY
    reasons = top_reasons_many(accounts.values[shown], pushes[shown])
    warnings = []
    for k, i in enumerate(shown):
        customer_id = int(accounts.customer_ids[i])
        name, ref = names[customer_id]
        warnings.append(
            Warning(
                customer_id=customer_id,
                external_id=ref,
                name=name,
                collector_name=person_name(owner[customer_id]),
                balance=Money(round(accounts.open_minor[i]), base),
                due_soon=Money(round(due_soon[i]), base),
                likelihood=float(probability[i]),
                at_risk=Money(round(at_risk[i]), base),
                reasons=[Reason(words, push > 0) for words, push in reasons[k]],
            )
        )
    return EarlyWarning(
        day=day, watched=int(current.sum()), warnings=warnings, likelihood=likelihood
    )


def early_warning_json(warning: EarlyWarning) -> dict[str, Any]:
    quality = warning.likelihood.quality
    return {
        "day": warning.day.isoformat(),
        "question": f"will the account {LATE.words}?",
        "method": warning.likelihood.method,
        "holdout_auc": None
        if quality is None
        else (quality.model_auc if warning.likelihood.method == "model" else quality.scorecard_auc),
        "watched": warning.watched,
        "at_risk": warning.at_risk.major_str(),
        "currency": warning.at_risk.currency,
        "accounts": [
            {
                "customer": w.external_id,
                "name": w.name,
                "collector_name": w.collector_name,
                "balance": w.balance.major_str(),
                "due_within_30_days": w.due_soon.major_str(),
                "likelihood_late": round(w.likelihood, 4),
                "at_risk": w.at_risk.major_str(),
                "reasons": [{"words": r.words, "raises_risk": r.raises} for r in w.reasons],
            }
            for w in warning.warnings
        ],
    }
