"""The example OKR plans moved onto the quarter that is running, with their weekly automatic
check-ins back-filled: a newcomer's first look at the board is a quarter in progress."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

import recoup
from recoup.core.errors import RecoupError
from recoup.okrs.models import CheckIn, CheckInSource, Cycle, Objective
from recoup.okrs.plan import Plan, plan_parse
from recoup.okrs.services import checkin_auto_run, objective_archive, plan_apply

VIA = "demo-okrs"
# The example plans live beside the documentation that explains them (docs/okrs.md).
EXAMPLE_PLANS = Path(recoup.__file__).resolve().parents[2] / "examples" / "okrs"
# Automatic check-ins are stamped with the morning of the day they describe, as the weekly job
# would have written them.
CHECKIN_HOUR = time(7, 0)


class DemoOkrsError(RecoupError):
    pass


@dataclass(frozen=True, slots=True)
class DemoOkrsSummary:
    cycles: list[str]
    created: int  # objectives, key results and initiatives the plans created
    checkins: int
    weeks: int
    # Objectives whose KPIs the demo ledger cannot measure (credit applications, say):
    # archived, so the board shows a quarter in progress rather than rows that stay "outdated".
    archived: list[str] = dataclasses.field(default_factory=list)


def quarter_of(day: date) -> tuple[date, date]:
    """First and last day of the calendar quarter holding `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = (
        date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    )
    return start, following - timedelta(days=1)


def _quarter_label(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _date_mover(old_start: date, old_end: date, new_start: date, new_end: date) -> Any:
    """Move a plan date onto the new quarter: dates inside the old quarter keep their distance
    from its start (and stay inside the new one), dates after it keep their distance from its
    end (the evaluation a few days later)."""
    shift = new_start - old_start

    def move(day: date) -> date:
        if day > old_end:
            return new_end + (day - old_end)
        return min(day + shift, new_end)

    return move


def _moved(value: Any, move: Any) -> Any:
    if isinstance(value, date):
        return move(value)
    if isinstance(value, list):
        return [_moved(v, move) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _moved(getattr(value, f.name), move)
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), (date, list))
            or dataclasses.is_dataclass(getattr(value, f.name))
        }
        return dataclasses.replace(value, **changes)
    return value


def plan_for_quarter(plan: Plan, day: date) -> Plan:
    """`plan` moved onto the quarter holding `day`, its cycle renamed after that quarter."""
    start, end = quarter_of(day)
    move = _date_mover(plan.cycle.starts_on, plan.cycle.ends_on, start, end)
    moved: Plan = _moved(plan, move)
    name = re.sub(r"^\d{4}-Q[1-4]", _quarter_label(start), plan.cycle.name)
    if name == plan.cycle.name:
        name = f"{_quarter_label(start)} {plan.cycle.name}"
    return dataclasses.replace(moved, cycle=dataclasses.replace(moved.cycle, name=name))


def example_plans() -> list[Plan]:
    paths = sorted(EXAMPLE_PLANS.glob("*.yaml"))
    if not paths:
        raise DemoOkrsError(
            f"no example plans in {EXAMPLE_PLANS}: this installation lacks examples/"
        )
    return [plan_parse(p.read_text(encoding="utf-8"), source=p.name) for p in paths]


def _check_in_days(cycle: Cycle, today: date) -> list[date]:
    last = min(today, cycle.ends_on)
    first = cycle.starts_on + timedelta(
        days=(cycle.checkin_weekday - cycle.starts_on.weekday()) % 7
    )
    return (
        [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
        if first <= last
        else []
    )


def demo_okrs_apply(
    *, today: date, progress: Callable[[int, int], None] | None = None
) -> DemoOkrsSummary:
    """Apply every example plan to the quarter holding `today`, then run the weekly automatic
    check-in for each check-in day of that quarter up to `today`. Refuses when a cycle of that
    name exists already, so it never mixes with a manager's own plans."""
    plans = [plan_for_quarter(p, today) for p in example_plans()]
    taken = sorted(
        Cycle.objects.filter(name__in=[p.cycle.name for p in plans]).values_list("name", flat=True)
    )
    if taken:
        raise DemoOkrsError(
            f"cycle {', '.join(taken)} exists already: the demo plans were applied before"
        )
    created = checkins = 0
    with transaction.atomic():
        cycles = []
        for plan in plans:
            created += len(plan_apply(plan=plan, via=VIA).created)
            cycles.append(Cycle.objects.get(name=plan.cycle.name))
        runs = [(cycle, day) for cycle in cycles for day in _check_in_days(cycle, today)]
        for done, (cycle, day) in enumerate(runs):
            if progress is not None:
                progress(done, len(runs))
            run = checkin_auto_run(today=day, cycle=cycle, via=VIA)
            stamp = datetime.combine(day, CHECKIN_HOUR, tzinfo=UTC)
            CheckIn.objects.filter(
                pk__in=[c.pk for c in run.created], source=CheckInSource.AUTOMATIC
            ).update(created_at=stamp)
            checkins += len(run.created)
        if progress is not None:
            progress(len(runs), len(runs))
        archived = _archive_unmeasured(cycles)
    weeks = max((len(_check_in_days(c, today)) for c in cycles), default=0)
    return DemoOkrsSummary(
        cycles=[p.cycle.name for p in plans],
        created=created,
        checkins=checkins,
        weeks=weeks,
        archived=archived,
    )


def _archive_unmeasured(cycles: list[Cycle]) -> list[str]:
    """Archive the objectives all of whose key results are KPI-bound and got no reading."""
    archived = []
    for objective in Objective.objects.filter(cycle__in=cycles, archived_at__isnull=True):
        krs = list(objective.key_results.all())
        if krs and all(
            kr.metric and not CheckIn.objects.filter(key_result=kr).exists() for kr in krs
        ):
            objective_archive(objective=objective, via=VIA)
            archived.append(objective.title)
    return archived
