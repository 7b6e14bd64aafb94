"""Imported contacts judged by the contact rules: an import of activities records what
happened, so a contact that broke a rule is reported (in the import run's details and in the
record checks' findings), never refused."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from recoup.compliance.selectors import Proposal, contact_check_many
from recoup.ledger.models import Activity, Direction, Outcome

# Findings quoted in the run's details; the findings page and command list them all.
QUOTED = 20


def imported_contacts_judge(*, created_at: datetime) -> dict[str, Any]:
    """Judges the outgoing contacts an import inserted (stamped `created_at`), each as of its
    own instant; returns {"contacts_checked", "broke_rules", "by_rule", "examples"}."""
    contacts = list(
        Activity.objects.filter(created_at=created_at, direction=Direction.OUTBOUND)
        .select_related("customer", "invoice")
        .order_by("occurred_at", "id")
    )
    if not contacts:
        return {"contacts_checked": 0, "broke_rules": 0, "by_rule": {}, "examples": []}
    verdicts = contact_check_many(
        proposals=[
            Proposal(
                a.customer_id,
                a.channel,
                a.occurred_at,
                a.invoice_id,
                raises_dispute=a.outcome == Outcome.DISPUTE,
            )
            for a in contacts
        ]
    )
    broke = [i for i in range(len(contacts)) if not verdicts.allowed[i]]
    by_rule: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for i in broke:
        a = contacts[i]
        verdict = verdicts.verdict(i) if len(examples) < QUOTED else None
        if verdict is None:
            for r in verdicts.results:
                if r.spec.blocks and r.hit[i]:
                    by_rule[r.spec.code] += 1
            continue
        by_rule.update(b.rule for b in verdict.blocks)
        examples.append(
            {
                "activity": a.external_id,
                "customer": a.customer.external_id,
                "at": a.occurred_at.isoformat(),
                "rules": [b.rule for b in verdict.blocks],
                "why": " ".join(b.message for b in verdict.blocks),
            }
        )
    return {
        "contacts_checked": len(contacts),
        "broke_rules": len(broke),
        "by_rule": dict(sorted(by_rule.items())),
        "examples": examples,
    }
