"""A level's conditions that need the worklist's model: the account's segment (the first
worklist segment its age, balance and likelihood fit) and its likelihood to pay. Scored only
for the customers a run considers, and only when some level asks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from recoup.dunning.models import Level
from recoup.dunning.selection import Judge
from recoup.worklist.features import features_on, ledger_facts_load
from recoup.worklist.likelihood import scored
from recoup.worklist.segments import segment_of, segments_current
from recoup.worklist.services import likelihood_current


def judge_for(day: date) -> Callable[[list[int]], Judge]:
    def build(customer_ids: list[int]) -> Judge:
        accounts = features_on(ledger_facts_load(until=day, customer_ids=customer_ids), day)
        probability, _ = scored(likelihood_current(today=day), accounts)
        days = accounts.column("days_past_due")
        facts = {
            int(c): (float(days[i]), float(accounts.open_minor[i]), float(probability[i]))
            for i, c in enumerate(accounts.customer_ids.tolist())
        }
        segments = segments_current()

        def judge(level: Level, customer_id: int) -> bool:
            if customer_id not in facts:
                return False
            past_due, owed, likely = facts[customer_id]
            if level.max_likelihood is not None and likely * 100 > level.max_likelihood:
                return False
            if level.segment:
                segment = segment_of(segments, past_due, owed, likely)
                return segment is not None and segment.name == level.segment
            return True

        return judge

    return build
