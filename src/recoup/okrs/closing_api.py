"""The end of a cycle in the API (mounted at /api/okrs beside `okrs.api`): read the grades, save
retrospectives, close the cycle, carry objectives and key results into the next one. Managers and
admins write (`can_change_okrs`); everyone signed in reads. Bad input answers 422, a refused
change 403, an unknown cycle or item 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from recoup.accounts.access import can_change_okrs
from recoup.accounts.api_auth import API_AUTH
from recoup.core.errors import NotFoundError
from recoup.okrs import selectors, services
from recoup.okrs.api import _actor, _allow, _call, _cycle
from recoup.okrs.closing_read import Grading, cycle_grading
from recoup.okrs.forms import mark_of
from recoup.okrs.models import Cycle, KeyResult, Objective

router = Router(auth=API_AUTH, tags=["okrs"])
VIA = "api"
NOTE = Field("", max_length=4000)


class RetrospectiveIn(Schema):
    objective: str = Field(min_length=1, max_length=80, description="the objective's key")
    what_worked: str = NOTE
    what_did_not: str = NOTE
    what_to_change: str = NOTE


class GradesIn(Schema):
    retrospectives: list[RetrospectiveIn] = Field(default_factory=list, max_length=200)


class CarryIn(Schema):
    to: str | None = Field(None, max_length=64, description="default: the next cycle")
    objectives: list[str] = Field(default_factory=list, max_length=200)
    key_results: list[str] = Field(
        default_factory=list, max_length=500, description="objective-key/key-result-key"
    )


def _grades_json(grading: Grading) -> dict[str, Any]:
    return selectors.to_json_dict(
        {
            "cycle": grading.cycle.name,
            "evaluation_on": grading.opens_on,
            "open": grading.open_now,
            "closed_at": grading.closed_at,
            "closed_by": grading.closed_by or None,
            "objectives": [
                {
                    "key": r.key,
                    "title": r.title,
                    "commitment": r.commitment,
                    "score": r.score,
                    "colour": r.colour,
                    "missed": r.missed,
                    "what_worked": r.what_worked,
                    "what_did_not": r.what_did_not,
                    "what_to_change": r.what_to_change,
                    "key_results": [
                        {"title": k.title, "score": k.score, "final": k.final}
                        for k in r.key_results
                    ],
                }
                for r in grading.rows
            ],
        }
    )


def _objective(cycle: Cycle, key: str) -> Objective:
    found = Objective.objects.filter(cycle=cycle, key=key).first()
    if found is None:
        raise NotFoundError(f"no objective {key!r} in cycle {cycle.name}")
    return found


def _grades(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    return _grades_json(cycle_grading(cycle=cycle, mark=mark_of(request.user)))


@router.get("/cycles/{name}/grades", response=dict[str, Any])
def cycles_grades(request: HttpRequest, name: str) -> dict[str, Any]:
    return _grades(request, _cycle(name))


@router.post("/cycles/{name}/grades", response=dict[str, Any])
def cycles_grade(request: HttpRequest, name: str, payload: GradesIn) -> dict[str, Any]:
    actor = _actor(request)
    _allow(can_change_okrs(actor), "grading a cycle needs the manager or admin role")
    cycle = _cycle(name)

    def grade() -> None:
        notes = {
            _objective(cycle, r.objective).pk: services.Retrospective(
                what_worked=r.what_worked,
                what_did_not=r.what_did_not,
                what_to_change=r.what_to_change,
            )
            for r in payload.retrospectives
        }
        services.cycle_grade(cycle=cycle, notes=notes, actor=actor, via=VIA)

    _call(grade)
    return _grades(request, cycle)


@router.post("/cycles/{name}/close", response=dict[str, Any])
def cycles_close(request: HttpRequest, name: str) -> dict[str, Any]:
    actor = _actor(request)
    _allow(can_change_okrs(actor), "closing a cycle needs the manager or admin role")
    cycle = _cycle(name)
    _call(lambda: services.cycle_close(cycle=cycle, actor=actor, via=VIA))
    return _grades(request, cycle)


@router.post("/cycles/{name}/carry", response=dict[str, Any])
def cycles_carry(request: HttpRequest, name: str, payload: CarryIn) -> dict[str, Any]:
    actor = _actor(request)
    _allow(can_change_okrs(actor), "carrying over needs the manager or admin role")
    source = _cycle(name)

    def carry() -> services.CarryReport:
        objectives = [_objective(source, key) for key in payload.objectives]
        key_results: list[KeyResult] = [
            selectors.key_result_get(ref=ref, cycle=source) for ref in payload.key_results
        ]
        return services.cycle_carry_over(
            source=source,
            objectives=objectives,
            key_results=key_results,
            target_name=payload.to,
            actor=actor,
            via=VIA,
        )

    report = _call(carry)
    return {
        "to": report.target.name,
        "created_cycle": report.created_cycle,
        "objectives": [{"id": o.pk, "key": o.key} for o in report.objectives],
        "key_results": [
            {"id": k.pk, "ref": f"{k.objective.key}/{k.key}", "baseline": str(k.baseline)}
            for k in report.key_results
        ],
    }
