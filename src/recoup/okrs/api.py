"""The OKR API (mounted at /api/okrs): cycles, objectives, key results, initiatives, check-ins,
overrides, status, history, forecasts, audit, templates, target suggestions and plans.

A session or a personal token (`Authorization: Bearer`); who may change what is decided by
`recoup.accounts.access` (the same predicates as the pages: docs/access.md), everyone signed in
may read. Bad input answers 422 with a `detail` naming what is wrong; a refused change 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from recoup.accounts.access import (
    can_change_okrs,
    can_check_in,
    can_override_status,
    can_progress_initiative,
    can_see_target_suggestions,
)
from recoup.accounts.api_auth import API_AUTH
from recoup.accounts.models import Team, User
from recoup.core.dates import InputDate
from recoup.core.errors import AccessDeniedError, NotFoundError, RecoupError
from recoup.okrs import checkins, selectors, services
from recoup.okrs.calendar import cycle_calendar
from recoup.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective
from recoup.okrs.plan import PlanError, plan_parse
from recoup.okrs.templates import TEMPLATES, template_as_plan

router = Router(auth=API_AUTH, tags=["okrs"])
VIA = "api"


KindLiteral = Literal[
    "increase_to", "decrease_to", "stay_above", "stay_below", "milestone", "task_tracked", "roll_up"
]
ConfidenceLiteral = Literal["on_track", "at_risk", "off_track"]
InitiativeStatusLiteral = Literal["todo", "in_progress", "done", "cancelled"]
PriorityLiteral = Literal["low", "medium", "high"]


def _call[T](fn: Callable[[], T]) -> T:
    try:
        return fn()
    except PlanError as exc:
        raise HttpError(
            422, "; ".join(f"line {line}: {msg}" for line, msg in exc.problems)
        ) from None
    except NotFoundError as exc:
        raise HttpError(404, str(exc)) from None
    except AccessDeniedError as exc:
        raise HttpError(403, str(exc)) from None
    except RecoupError as exc:
        raise HttpError(422, str(exc)) from None


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _allow(allowed: bool, message: str) -> None:
    if not allowed:
        raise HttpError(403, message)


def _require_planner(request: HttpRequest) -> User:
    user = _actor(request)
    _allow(can_change_okrs(user), "changing OKRs needs the manager or admin role")
    return user


def _user(username: str | None) -> User | None:
    if not username:
        return None
    found = User.objects.filter(username=username).first()
    if found is None:
        raise HttpError(422, f"no user {username!r}")
    return found


def _team(name: str | None) -> Team | None:
    if not name:
        return None
    found = Team.objects.filter(name=name).first()
    if found is None:
        raise HttpError(422, f"no team {name!r}")
    return found


def _get(model: type[Any], pk: int, what: str) -> Any:
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise HttpError(404, f"no {what} {pk}")
    return found


def _patch(payload: Schema, *, not_null: tuple[str, ...]) -> dict[str, Any]:
    """The fields a PATCH names. JSON `null` clears a field that may be empty; for one that must
    hold a value it is refused here, before the database would refuse it with an error."""
    given: dict[str, Any] = payload.dict(exclude_unset=True)
    for name in not_null:
        if name in given and given[name] is None:
            raise HttpError(422, f"{name} cannot be null: leave it out to keep its value")
    return given


def _cycle(name: str | None, as_of: date | None = None) -> Cycle:
    return _call(lambda: selectors.cycle_get(name=name, today=as_of))


# --- schemas ----------------------------------------------------------------------------------


class CycleIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    starts_on: InputDate
    ends_on: InputDate
    checkin_weekday: int = Field(0, ge=0, le=6)
    planning_on: InputDate | None = None
    midcycle_review_on: InputDate | None = None
    evaluation_on: InputDate | None = None
    on_track_within: int = Field(10, ge=0, le=100)
    at_risk_within: int = Field(25, ge=0, le=100)


class ObjectiveIn(Schema):
    cycle: str
    key: str = Field(pattern=r"^[-a-z0-9_]+$", max_length=80)
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    owner: str | None = None
    team: str | None = None
    parent_id: int | None = None
    commitment: Literal["committed", "aspirational"] = "committed"


class ObjectivePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    owner: str | None = None
    team: str | None = None
    parent_id: int | None = None
    commitment: Literal["committed", "aspirational"] | None = None


class KeyResultIn(Schema):
    objective_id: int
    key: str = Field(pattern=r"^[-a-z0-9_]+$", max_length=80)
    title: str = Field(min_length=1, max_length=300)
    kind: KindLiteral
    owner: str | None = None
    unit: str = ""
    weight: Decimal = Field(Decimal(1), gt=0, max_digits=8, decimal_places=3)
    baseline: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    target: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    target_change_pct: Decimal | None = Field(None, max_digits=9, decimal_places=3)
    due_on: InputDate | None = None
    metric: str = ""
    metric_params: dict[str, str] = {}
    metric_filters: dict[str, list[str]] = {}
    metric_window_days: int | None = Field(None, ge=1, le=3660)


class KeyResultPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    owner: str | None = None
    unit: str | None = None
    weight: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=3)
    baseline: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    target: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    due_on: InputDate | None = None
    rolls_up_into_id: int | None = None


class InitiativeIn(Schema):
    key_result_id: int
    key: str = Field(pattern=r"^[-a-z0-9_]+$", max_length=80)
    title: str = Field(min_length=1, max_length=300)
    owner: str | None = None
    due_on: InputDate | None = None
    status: InitiativeStatusLiteral = "todo"
    priority: PriorityLiteral = "medium"


class InitiativePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    owner: str | None = None
    due_on: InputDate | None = None
    status: InitiativeStatusLiteral | None = None
    priority: PriorityLiteral | None = None


class CheckInIn(Schema):
    value: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    confidence: ConfidenceLiteral
    comment: str = ""
    data_date: InputDate | None = None


class CheckInCorrectIn(Schema):
    value: Decimal | None = Field(None, max_digits=24, decimal_places=6)
    confidence: ConfidenceLiteral
    comment: str = ""


class OverrideIn(Schema):
    status: ConfidenceLiteral
    reason: str = Field(min_length=1)


class PlanIn(Schema):
    yaml: str = Field(min_length=1)
    dry_run: bool = False


def _ids(o: Objective | KeyResult | Initiative | Cycle) -> dict[str, Any]:
    return {"id": o.pk}


# --- cycles and status ------------------------------------------------------------------------


@router.get("/cycles", response=list[dict[str, Any]])
def cycles_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        selectors.to_json_dict(
            {
                "id": c.pk,
                "name": c.name,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
                "checkin_weekday": c.checkin_weekday,
                "planning_on": c.planning_on,
                "midcycle_review_on": c.midcycle_review_on,
                "evaluation_on": c.evaluation_on,
                "on_track_within": c.on_track_within,
                "at_risk_within": c.at_risk_within,
            }
        )
        for c in Cycle.objects.all()
    ]


@router.post("/cycles", response={201: dict[str, Any]})
def cycles_create(request: HttpRequest, payload: CycleIn) -> Status[dict[str, Any]]:
    actor = _require_planner(request)
    cycle = _call(lambda: services.cycle_create(**payload.dict(), actor=actor, via=VIA))
    return Status(201, _ids(cycle))


@router.get("/status", response=dict[str, Any])
def status(
    request: HttpRequest,
    cycle: str | None = None,
    as_of: InputDate | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    c = _cycle(cycle, as_of)
    return selectors.cycle_status(cycle=c, today=as_of, team=team).as_json()


@router.get("/cycles/{name}/calendar.ics", response=str)
def calendar(request: HttpRequest, name: str) -> HttpResponse:
    cycle = _cycle(name)
    response = HttpResponse(
        cycle_calendar(cycle=cycle, host=request.get_host()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="okrs-{cycle.pk}.ics"'
    return response


@router.get("/tree", response=list[dict[str, Any]])
def tree(
    request: HttpRequest, cycle: str | None = None, as_of: InputDate | None = None
) -> list[dict[str, Any]]:
    return selectors.alignment_tree(cycle=_cycle(cycle, as_of), today=as_of)


@router.get("/audit", response=dict[str, Any])
def audit(request: HttpRequest, cycle: str | None = None) -> dict[str, Any]:
    report = _call(lambda: selectors.cycle_audit(cycle=_cycle(cycle)))
    return {
        "score": report.score,
        "findings": [selectors.to_json_dict(f) for f in report.findings],
    }


@router.post("/plans/audit", response=dict[str, Any])
def plan_audit(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    report = _call(lambda: selectors.plan_audit(plan=plan_parse(payload.yaml, source="plan")))
    return {
        "score": report.score,
        "findings": [selectors.to_json_dict(f) for f in report.findings],
    }


@router.post("/plans", response=dict[str, Any])
def plan_apply(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    actor = _require_planner(request)
    report = _call(
        lambda: services.plan_apply(
            plan=plan_parse(payload.yaml, source="plan"),
            actor=actor,
            via=VIA,
            dry_run=payload.dry_run,
        )
    )
    return {
        "cycle": report.cycle,
        "created": report.created,
        "updated": report.updated,
        "dry_run": payload.dry_run,
    }


@router.get("/templates", response=list[dict[str, Any]])
def templates(request: HttpRequest, team: str = "", owner: str = "") -> list[dict[str, Any]]:
    return [template_as_plan(t, team=team, owner=owner) | {"area": t.area} for t in TEMPLATES]


# --- objectives, key results, initiatives -----------------------------------------------------


@router.post("/objectives", response={201: dict[str, Any]})
def objectives_create(request: HttpRequest, payload: ObjectiveIn) -> Status[dict[str, Any]]:
    actor = _require_planner(request)
    cycle = _cycle(payload.cycle)
    parent = _get(Objective, payload.parent_id, "objective") if payload.parent_id else None
    objective = _call(
        lambda: services.objective_create(
            cycle=cycle,
            key=payload.key,
            title=payload.title,
            description=payload.description,
            owner=_user(payload.owner),
            team=_team(payload.team),
            parent=parent,
            commitment=payload.commitment,
            actor=actor,
            via=VIA,
        )
    )
    return Status(201, _ids(objective))


@router.patch("/objectives/{objective_id}", response=dict[str, Any])
def objectives_update(
    request: HttpRequest, objective_id: int, payload: ObjectivePatch
) -> dict[str, Any]:
    actor = _require_planner(request)
    objective = _get(Objective, objective_id, "objective")
    given = _patch(payload, not_null=("title", "description", "commitment"))
    changes: dict[str, Any] = {
        k: v for k, v in given.items() if k in ("title", "description", "commitment")
    }
    if "owner" in given:
        changes["owner"] = _user(given["owner"])
    if "team" in given:
        changes["team"] = _team(given["team"])
    if "parent_id" in given:
        changes["parent"] = (
            _get(Objective, given["parent_id"], "objective") if given["parent_id"] else None
        )
    _call(
        lambda: services.objective_update(
            objective=objective, changes=changes, actor=actor, via=VIA
        )
    )
    return _ids(objective)


@router.post("/key-results", response={201: dict[str, Any]})
def key_results_create(request: HttpRequest, payload: KeyResultIn) -> Status[dict[str, Any]]:
    actor = _require_planner(request)
    objective = _get(Objective, payload.objective_id, "objective")
    data = payload.dict()
    data.pop("objective_id")
    data["owner"] = _user(data["owner"])
    kr = _call(
        lambda: services.key_result_create(objective=objective, **data, actor=actor, via=VIA)
    )
    if kr.metric and kr.baseline is None:
        from django.utils import timezone

        if timezone.localdate() >= objective.cycle.starts_on:
            _call(lambda: services.key_result_baseline_capture(key_result=kr, via=VIA))
    return Status(201, _ids(kr))


@router.patch("/key-results/{kr_id}", response=dict[str, Any])
def key_results_update(request: HttpRequest, kr_id: int, payload: KeyResultPatch) -> dict[str, Any]:
    actor = _require_planner(request)
    kr = _get(KeyResult, kr_id, "key result")
    given = _patch(payload, not_null=("title", "unit", "weight"))
    changes = {k: v for k, v in given.items() if k not in ("owner", "rolls_up_into_id")}
    if "owner" in given:
        changes["owner"] = _user(given["owner"])
    if "rolls_up_into_id" in given:
        changes["rolls_up_into"] = (
            _get(KeyResult, given["rolls_up_into_id"], "key result")
            if given["rolls_up_into_id"]
            else None
        )
    _call(lambda: services.key_result_update(key_result=kr, changes=changes, actor=actor, via=VIA))
    return _ids(kr)


@router.post("/initiatives", response={201: dict[str, Any]})
def initiatives_create(request: HttpRequest, payload: InitiativeIn) -> Status[dict[str, Any]]:
    actor = _require_planner(request)
    kr = _get(KeyResult, payload.key_result_id, "key result")
    data = payload.dict()
    data.pop("key_result_id")
    data["owner"] = _user(data["owner"])
    ini = _call(lambda: services.initiative_create(key_result=kr, **data, actor=actor, via=VIA))
    return Status(201, _ids(ini))


@router.patch("/initiatives/{initiative_id}", response=dict[str, Any])
def initiatives_update(
    request: HttpRequest, initiative_id: int, payload: InitiativePatch
) -> dict[str, Any]:
    actor = _actor(request)
    ini = _get(Initiative, initiative_id, "initiative")
    _allow(
        can_change_okrs(actor) or can_progress_initiative(actor, ini),
        "changing this initiative needs its owner, its key result's owner, or the manager or"
        " admin role",
    )
    given = _patch(payload, not_null=("title", "status", "priority"))
    if "owner" in given:
        given["owner"] = _user(given["owner"])
    _call(lambda: services.initiative_update(initiative=ini, changes=given, actor=actor, via=VIA))
    return _ids(ini)


# --- check-ins, overrides, history, forecast, targets -----------------------------------------


@router.post("/key-results/{kr_id}/checkins", response={201: dict[str, Any]})
def checkins_create(request: HttpRequest, kr_id: int, payload: CheckInIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    kr = _get(KeyResult, kr_id, "key result")
    _allow(
        can_check_in(actor, kr),
        "checking in this key result needs its owner, its objective's owner, or the"
        " manager or admin role",
    )
    checkin = _call(
        lambda: services.checkin_create(
            key_result=kr,
            value=payload.value,
            confidence=payload.confidence,
            comment=payload.comment,
            data_date=payload.data_date,
            author=actor,
            via=VIA,
        )
    )
    body = {
        "id": checkin.pk,
        "value": checkin.value,
        "data_date": checkin.data_date,
        "confidence": checkin.confidence,
    }
    return Status(201, selectors.to_json_dict(body))


@router.get("/key-results/{kr_id}/checkins", response=list[dict[str, Any]])
def checkins_history(request: HttpRequest, kr_id: int) -> list[dict[str, Any]]:
    kr = _get(KeyResult, kr_id, "key result")
    return [selectors.to_json_dict(c) for c in selectors.key_result_history(key_result=kr)]


def _own_checkin(request: HttpRequest, kr_id: int, checkin_id: int) -> tuple[User, CheckIn]:
    """The same access rule as checking in, then the check-in of that key result."""
    actor = _actor(request)
    kr = _get(KeyResult, kr_id, "key result")
    _allow(
        can_check_in(actor, kr),
        "correcting a check-in of this key result needs its owner, its objective's owner, or the"
        " manager or admin role",
    )
    in_range = 0 < checkin_id < 2**63
    found = CheckIn.objects.filter(pk=checkin_id, key_result=kr).first() if in_range else None
    if found is None:
        raise HttpError(404, f"key result {kr_id} has no check-in {checkin_id}")
    return actor, found


@router.post("/key-results/{kr_id}/checkins/{checkin_id}/correct", response=dict[str, Any])
def checkins_correct(
    request: HttpRequest, kr_id: int, checkin_id: int, payload: CheckInCorrectIn
) -> dict[str, Any]:
    """The author replaces their latest check-in; the replaced one stays in the history."""
    actor, old = _own_checkin(request, kr_id, checkin_id)
    new = _call(
        lambda: checkins.checkin_correct(
            checkin=old,
            value=payload.value,
            confidence=payload.confidence,
            comment=payload.comment,
            author=actor,
            via=VIA,
        )
    )
    body = {
        "id": new.pk,
        "corrects": old.pk,
        "value": new.value,
        "data_date": new.data_date,
        "confidence": new.confidence,
    }
    return selectors.to_json_dict(body)


@router.post("/key-results/{kr_id}/checkins/{checkin_id}/withdraw", response=dict[str, Any])
def checkins_withdraw(request: HttpRequest, kr_id: int, checkin_id: int) -> dict[str, Any]:
    """The author takes back their latest check-in; it stays in the history, counted nowhere."""
    actor, old = _own_checkin(request, kr_id, checkin_id)
    done = _call(lambda: checkins.checkin_withdraw(checkin=old, author=actor, via=VIA))
    return selectors.to_json_dict({"id": done.pk, "withdrawn_at": done.withdrawn_at})


@router.get("/key-results/{kr_id}", response=dict[str, Any])
def key_results_get(
    request: HttpRequest, kr_id: int, as_of: InputDate | None = None
) -> dict[str, Any]:
    kr = _get(KeyResult, kr_id, "key result")
    return selectors.to_json_dict(selectors.key_result_state(key_result=kr, today=as_of))


@router.post("/key-results/{kr_id}/override", response=dict[str, Any])
def override_set(request: HttpRequest, kr_id: int, payload: OverrideIn) -> dict[str, Any]:
    actor = _actor(request)
    _allow(can_override_status(actor), "overriding a status needs the manager or admin role")
    kr = _get(KeyResult, kr_id, "key result")
    o = _call(
        lambda: services.status_override_set(
            key_result=kr, status=payload.status, reason=payload.reason, author=actor, via=VIA
        )
    )
    return {"id": o.pk, "status": o.status, "reason": o.reason}


@router.delete("/key-results/{kr_id}/override", response=dict[str, Any])
def override_clear(request: HttpRequest, kr_id: int) -> dict[str, Any]:
    actor = _actor(request)
    _allow(can_override_status(actor), "clearing an override needs the manager or admin role")
    kr = _get(KeyResult, kr_id, "key result")
    return {
        "cleared": _call(
            lambda: services.status_override_clear(key_result=kr, author=actor, via=VIA)
        )
    }


@router.get("/key-results/{kr_id}/forecast", response=dict[str, Any])
def forecast(request: HttpRequest, kr_id: int, as_of: InputDate | None = None) -> dict[str, Any]:
    kr = _get(KeyResult, kr_id, "key result")
    return selectors.to_json_dict(selectors.key_result_forecast(key_result=kr, today=as_of))


@router.get("/key-results/{kr_id}/suggest-target", response=dict[str, Any])
def suggest_target(request: HttpRequest, kr_id: int, history: int = 8) -> dict[str, Any]:
    _allow(
        can_see_target_suggestions(_actor(request)),
        "target suggestions need the manager or admin role",
    )
    kr = _get(KeyResult, kr_id, "key result")
    if not kr.metric:
        raise HttpError(422, f"key result {kr.key!r} is not bound to a KPI")
    if not 1 <= history <= 40:
        raise HttpError(422, "history must be between 1 and 40 cycles")
    cycle = kr.objective.cycle
    return _call(
        lambda: selectors.target_suggest(
            metric=kr.metric,
            params=kr.metric_params,
            filters=kr.metric_filters,
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            history_cycles=history,
        ).as_json()
    )


@router.post("/key-results/{kr_id}/learn-curve", response=dict[str, Any])
def learn_curve(request: HttpRequest, kr_id: int, cycles: int = 4) -> dict[str, Any]:
    actor = _require_planner(request)
    kr = _get(KeyResult, kr_id, "key result")
    curve = _call(
        lambda: services.key_result_curve_learn(key_result=kr, cycles=cycles, actor=actor, via=VIA)
    )
    return {"expected_curve": curve}


@router.post("/checkins/auto", response=dict[str, Any])
def checkins_auto(request: HttpRequest, as_of: InputDate | None = None) -> dict[str, Any]:
    _require_planner(request)
    report = _call(lambda: services.checkin_auto_run(today=as_of, via=VIA))
    return selectors.to_json_dict(
        {
            "as_of": report.as_of,
            "created": len(report.created),
            "baselines": len(report.baselines),
            "skipped": report.skipped,
        }
    )
