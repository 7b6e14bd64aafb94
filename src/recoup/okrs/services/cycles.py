"""Cycles: created by planners; their cadence changed by admins; their dates moved only before
they start (key results' expected progress is measured against them)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.accounts.access import can_change_org_settings, require
from recoup.accounts.models import User
from recoup.core.errors import RecoupError
from recoup.okrs import scoring
from recoup.okrs.models import Cycle
from recoup.okrs.services.common import audited_create, audited_update, require_planner

CYCLE_CADENCE_FIELDS = frozenset(
    {
        "checkin_weekday",
        "planning_on",
        "midcycle_review_on",
        "evaluation_on",
        "on_track_within",
        "at_risk_within",
    }
)
CYCLE_DATE_FIELDS = frozenset({"starts_on", "ends_on"})


def _check_weekday(name: str, weekday: object) -> None:
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        raise RecoupError(f"cycle {name!r}: checkin_weekday must be 0 (Monday) to 6 (Sunday)")


def _check_span(name: str, starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise RecoupError(f"cycle {name!r}: ends_on {ends_on} must be after starts_on {starts_on}")


def _check_rituals(cycle: Cycle) -> None:
    """The ritual dates against the cycle's (possibly moved) span."""
    span = f"({cycle.starts_on} to {cycle.ends_on})"
    label = f"cycle {cycle.name!r}"
    review = cycle.midcycle_review_on
    if review is not None and not cycle.starts_on <= review <= cycle.ends_on:
        raise RecoupError(f"{label}: the mid-cycle review {review} is outside it {span}")
    if cycle.planning_on is not None and cycle.planning_on > cycle.ends_on:
        raise RecoupError(f"{label}: planning on {cycle.planning_on} is after it ends {span}")
    if cycle.evaluation_on is not None and cycle.evaluation_on < cycle.starts_on:
        raise RecoupError(
            f"{label}: evaluation on {cycle.evaluation_on} is before it starts {span}"
        )


@transaction.atomic
def cycle_create(
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    checkin_weekday: int = 0,
    planning_on: date | None = None,
    midcycle_review_on: date | None = None,
    evaluation_on: date | None = None,
    on_track_within: int = 10,
    at_risk_within: int = 25,
    actor: User | None = None,
    via: str = "",
) -> Cycle:
    require_planner(actor, f"creating cycle {name!r}")
    _check_span(name, starts_on, ends_on)
    _check_weekday(name, checkin_weekday)
    scoring.Thresholds(on_track_within, at_risk_within)
    if Cycle.objects.filter(name=name).exists():
        raise RecoupError(f"cycle {name!r} already exists")
    cycle = Cycle(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        checkin_weekday=checkin_weekday,
        planning_on=planning_on,
        midcycle_review_on=midcycle_review_on,
        evaluation_on=evaluation_on,
        on_track_within=on_track_within,
        at_risk_within=at_risk_within,
    )
    return audited_create(
        cycle,
        action="okr_cycle_create",
        object_type="okr_cycle",
        after={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        actor=actor,
        via=via,
    )


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, changes: Mapping[str, Any], actor: User | None = None, via: str = ""
) -> Cycle:
    """Change a cycle's cadence (check-in weekday, ritual dates, status thresholds: admins) or,
    before it starts, its dates (planners). Once it has started its dates stay: key results'
    expected progress is measured against them. Plans go through here too."""
    label = f"cycle {cycle.name!r}"
    unknown = set(changes) - CYCLE_CADENCE_FIELDS - CYCLE_DATE_FIELDS
    if unknown:
        raise RecoupError(f"{label}: cannot change {', '.join(sorted(unknown))}")
    differs = sorted(name for name, new in changes.items() if getattr(cycle, name) != new)
    cadence = [name for name in differs if name in CYCLE_CADENCE_FIELDS]
    moved = [name for name in differs if name in CYCLE_DATE_FIELDS]
    require(
        not cadence or actor is None or can_change_org_settings(actor),
        f"{label}: only an admin changes the cadence ({', '.join(cadence)})",
    )
    if moved:
        require_planner(actor, f"moving the dates of {label}")
        if timezone.localdate() >= cycle.starts_on:
            raise RecoupError(
                f"{label} started on {cycle.starts_on}: its dates stay, as key results' expected"
                " progress is measured against them"
            )
        _check_span(
            cycle.name,
            changes.get("starts_on", cycle.starts_on),
            changes.get("ends_on", cycle.ends_on),
        )
    _check_weekday(cycle.name, changes.get("checkin_weekday", cycle.checkin_weekday))
    scoring.Thresholds(
        changes.get("on_track_within", cycle.on_track_within),
        changes.get("at_risk_within", cycle.at_risk_within),
    )
    after = audited_update(
        cycle,
        changes,
        action="okr_cycle_update",
        object_type="okr_cycle",
        actor=actor,
        via=via,
        check=_check_rituals,
    )
    if "checkin_weekday" in after or "starts_on" in after or "ends_on" in after:
        from recoup.okrs.tasks import okr_schedule_refresh  # tasks import these services

        transaction.on_commit(okr_schedule_refresh)
    return cycle
