"""Planning a cycle from the pages: the new-cycle form (with objectives copied from a past cycle)
and the "+ objective", "+ key result" and "+ initiative" forms. Every row goes through the audited
services in `recoup.okrs.services`; this module only names things (keys from titles) and copies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from recoup.accounts.models import Team, User
from recoup.okrs import services
from recoup.okrs.models import Cycle, Initiative, KeyResult, Objective

KEY_LENGTH = 80  # the models' SlugField length


def key_from_title(title: str, taken: Iterable[str]) -> str:
    """A slug of `title` not in `taken` ("cash", "cash-2", …): plans refer to rows by key, and a
    page has only the title."""
    used = set(taken)
    base = slugify(title)[: KEY_LENGTH - 4].strip("-") or "item"
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}-{n}"
    return key


def _first(given: int | None, otherwise: int) -> int:
    """What the form says, else the copied cycle's value, else the default."""
    return otherwise if given is None else given


@transaction.atomic
def cycle_start(
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    copy_from: Cycle | None,
    actor: User | None,
    checkin_weekday: int | None = None,
    on_track_within: int | None = None,
    at_risk_within: int | None = None,
    via: str = "web",
) -> Cycle:
    """A new cycle; with `copy_from`, its objectives (title, team, owner, commitment and
    alignment) start the new one, without their key results: targets are set anew each cycle."""
    cycle = services.cycle_create(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        checkin_weekday=_first(checkin_weekday, copy_from.checkin_weekday if copy_from else 0),
        on_track_within=_first(on_track_within, copy_from.on_track_within if copy_from else 10),
        at_risk_within=_first(at_risk_within, copy_from.at_risk_within if copy_from else 25),
        actor=actor,
        via=via,
    )
    if copy_from is None:
        return cycle
    copies: dict[int, Objective] = {}
    live = Objective.objects.filter(cycle=copy_from, archived_at__isnull=True)
    old = list(live.order_by("position", "id"))
    for objective in old:
        copies[objective.pk] = services.objective_create(
            cycle=cycle,
            key=objective.key,
            title=objective.title,
            description=objective.description,
            owner=objective.owner,
            team=objective.team,
            commitment=objective.commitment,
            actor=actor,
            via=via,
        )
    # Alignment within the old cycle carries over; alignment to another cycle's objective stays
    # where it was aimed, since that objective did not move.
    for objective in old:
        if objective.parent_id is None:
            continue
        parent = copies.get(objective.parent_id, objective.parent)
        if parent is None or parent.archived_at is not None:
            continue  # aligned to an objective that was archived: nothing to align to
        services.objective_update(
            objective=copies[objective.pk], changes={"parent": parent}, actor=actor, via=via
        )
    return cycle


def objective_add(
    *,
    cycle: Cycle,
    title: str,
    team: Team | None,
    owner: User | None,
    parent: Objective | None,
    commitment: str,
    actor: User | None,
    via: str = "web",
) -> Objective:
    taken = Objective.objects.filter(cycle=cycle).values_list("key", flat=True)
    return services.objective_create(
        cycle=cycle,
        key=key_from_title(title, taken),
        title=title,
        owner=owner,
        team=team,
        parent=parent,
        commitment=commitment,
        actor=actor,
        via=via,
    )


@transaction.atomic
def key_result_add(
    *,
    objective: Objective,
    title: str,
    kind: str,
    unit: str,
    owner: User | None,
    baseline: Decimal | None,
    target: Decimal | None,
    due_on: date | None,
    metric: str,
    actor: User | None,
    target_change_pct: Decimal | None = None,
    weight: Decimal | None = None,
    team_filter: Team | None = None,
    rolls_up_into: KeyResult | None = None,
    via: str = "web",
) -> KeyResult:
    taken = KeyResult.objects.filter(objective=objective).values_list("key", flat=True)
    kr = services.key_result_create(
        objective=objective,
        key=key_from_title(title, taken),
        title=title,
        kind=kind,
        owner=owner,
        unit=unit,
        baseline=baseline,
        target=target,
        due_on=due_on,
        metric=metric,
        target_change_pct=target_change_pct,
        weight=Decimal(1) if weight is None else weight,
        metric_filters={"team": [team_filter.name]} if team_filter else None,
        actor=actor,
        via=via,
    )
    if rolls_up_into is not None:
        services.key_result_update(
            key_result=kr, changes={"rolls_up_into": rolls_up_into}, actor=actor, via=via
        )
    return kr


def initiative_add(
    *,
    key_result: KeyResult,
    title: str,
    owner: User | None,
    due_on: date | None,
    priority: str,
    status: str,
    actor: User | None,
    via: str = "web",
) -> Initiative:
    taken = Initiative.objects.filter(key_result=key_result).values_list("key", flat=True)
    return services.initiative_create(
        key_result=key_result,
        key=key_from_title(title, taken),
        title=title,
        owner=owner,
        due_on=due_on,
        priority=priority,
        status=status,
        actor=actor,
        via=via,
    )
