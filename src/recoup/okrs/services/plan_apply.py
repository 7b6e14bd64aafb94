"""Applying a plan file: everything it declares is created or changed through the same
services, and so under the same rules, as the pages use. All or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from recoup.accounts.access import can_manage_users, require
from recoup.accounts.models import AuditEntry, Role, Team, TeamMembership, User
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs.models import Cycle, Initiative, KeyResult, KeyResultKind, Objective
from recoup.okrs.plan import Plan, PlanError, PlanKeyResult
from recoup.okrs.services.common import require_planner
from recoup.okrs.services.cycles import cycle_create, cycle_update
from recoup.okrs.services.initiatives import initiative_create, initiative_update
from recoup.okrs.services.key_results import (
    NoKpiValueError,
    key_result_baseline_ensure,
    key_result_create,
    key_result_update,
    metric_problems,
)
from recoup.okrs.services.objectives import objective_create, objective_update


@dataclass(slots=True)
class ApplyReport:
    cycle: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _DryRunError(Exception):
    pass


def plan_apply(
    *, plan: Plan, actor: User | None = None, via: str = "okr-apply", dry_run: bool = False
) -> ApplyReport:
    """Create or update everything the plan declares, matched by keys; re-applying the same plan
    changes nothing. Items missing from the plan are left as they are. All or nothing."""
    require_planner(actor, f"applying a plan to cycle {plan.cycle.name!r}")
    report = ApplyReport(cycle=plan.cycle.name)
    try:
        with transaction.atomic():
            _plan_apply(plan, report, actor, via)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    return report


def _plan_apply(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> None:
    problems: list[tuple[int, str]] = []
    teams = _plan_teams(plan, report, actor, via)
    users = _plan_people(plan, teams, report, actor, via)

    def user(name: str | None, line: int, where: str) -> User | None:
        if name is None:
            return None
        found = users.get(name)
        if found is None:
            problems.append(
                (line, f"{where}: no user {name!r}; add it under people: or create it first")
            )
        return found

    def team(name: str | None, line: int, where: str) -> Team | None:
        if name is None:
            return None
        found = teams.get(name)
        if found is None:
            problems.append(
                (line, f"{where}: no team {name!r}; add it under teams: or create it first")
            )
        return found

    keys = {o.key for o in plan.objectives}
    for o in plan.objectives:
        if (
            o.parent is not None
            and o.parent not in keys
            and not Objective.objects.filter(key=o.parent)
            .exclude(cycle__name=plan.cycle.name)
            .exists()
        ):
            problems.append(
                (
                    o.field_lines.get("parent", o.line),
                    f"objective {o.key!r}: parent {o.parent!r} is not an objective of this plan",
                )
            )
    refs = {f"{o.key}/{kr.key}": kr for o in plan.objectives for kr in o.key_results}
    for o in plan.objectives:
        for kr in o.key_results:
            for line, child in kr.children:
                if child not in refs:
                    problems.append(
                        (
                            line,
                            f"key result {o.key}/{kr.key}: child {child!r} is not a key result of this plan (objective-key/key-result-key)",
                        )
                    )
                elif kr.kind != KeyResultKind.ROLL_UP:
                    problems.append(
                        (
                            line,
                            f"key result {o.key}/{kr.key}: only a roll_up key result has children",
                        )
                    )
                elif child == f"{o.key}/{kr.key}":
                    problems.append(
                        (line, f"key result {o.key}/{kr.key} cannot roll up into itself")
                    )
    _check_plan_metrics(plan, problems)
    # Resolve people and teams for every item now so that all problems are reported together.
    resolved: dict[int, tuple[User | None, Team | None]] = {}
    for o in plan.objectives:
        where = f"objective {o.key!r}"
        resolved[o.line] = (
            user(o.owner, o.field_lines.get("owner", o.line), where),
            team(o.team, o.field_lines.get("team", o.line), where),
        )
        for kr in o.key_results:
            where = f"key result {o.key}/{kr.key}"
            resolved[kr.line] = (user(kr.owner, kr.field_lines.get("owner", kr.line), where), None)
            for ini in kr.initiatives:
                where = f"initiative {o.key}/{kr.key}/{ini.key}"
                resolved[ini.line] = (
                    user(ini.owner, ini.field_lines.get("owner", ini.line), where),
                    None,
                )
    if problems:
        raise PlanError(plan.source, problems)

    try:
        cycle = _plan_cycle(plan, report, actor, via)
        objectives: dict[str, Objective] = {}
        key_results: dict[str, KeyResult] = {}
        for o in plan.objectives:
            owner, team_obj = resolved[o.line]
            obj = Objective.objects.filter(cycle=cycle, key=o.key).first()
            if obj is None:
                obj = objective_create(
                    cycle=cycle,
                    key=o.key,
                    title=o.title,
                    description=o.description,
                    owner=owner,
                    team=team_obj,
                    commitment=o.commitment,
                    actor=actor,
                    via=via,
                )
                report.created.append(f"objective {o.key}")
            else:
                mark = _audit_mark()
                objective_update(
                    objective=obj,
                    changes={
                        "title": o.title,
                        "description": o.description,
                        "owner": owner,
                        "team": team_obj,
                        "commitment": o.commitment,
                    },
                    actor=actor,
                    via=via,
                )
                _note_update(report, f"objective {o.key}", mark)
            objectives[o.key] = obj
            for kr in o.key_results:
                key_results[f"{o.key}/{kr.key}"] = _plan_key_result(
                    plan.source, obj, o.key, kr, resolved, report, actor, via
                )
        for o in plan.objectives:
            parent = objectives.get(o.parent) if o.parent else None
            if o.parent and parent is None:
                parent = (
                    Objective.objects.filter(key=o.parent)
                    .exclude(cycle=cycle)
                    .order_by("-cycle__starts_on")
                    .first()
                )
            mark = _audit_mark()
            objective_update(
                objective=objectives[o.key], changes={"parent": parent}, actor=actor, via=via
            )
            _note_update(report, f"objective {o.key}", mark)
            for kr in o.key_results:
                for _, child in kr.children:
                    mark = _audit_mark()
                    key_result_update(
                        key_result=key_results[child],
                        changes={"rolls_up_into": key_results[f"{o.key}/{kr.key}"]},
                        actor=actor,
                        via=via,
                    )
                    _note_update(report, f"key result {child}", mark)
    except (PlanError, AccessDeniedError):
        raise
    except RecoupError as exc:
        raise PlanError(plan.source, [(plan.cycle.line, str(exc))]) from None
    report.updated = sorted(set(report.updated))


def _audit_mark() -> int:
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def _note_update(report: ApplyReport, item: str, mark: int) -> None:
    if AuditEntry.objects.filter(id__gt=mark).exists():
        report.updated.append(item)


def _check_plan_metrics(plan: Plan, problems: list[tuple[int, str]]) -> None:
    for o in plan.objectives:
        for kr in o.key_results:
            if kr.metric:
                line = kr.field_lines.get("metric", kr.line)
                problems.extend(
                    (line, f"key result {o.key}/{kr.key}: {problem}")
                    for problem in metric_problems(
                        kr.metric, kr.metric_params, kr.metric_filters, kr.kind
                    )
                )


def _plan_teams(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> dict[str, Team]:
    wanted = {name for _, name in plan.teams} | {t for p in plan.people for t in p.teams}
    wanted |= {o.team for o in plan.objectives if o.team}
    teams = {t.name: t for t in Team.objects.filter(name__in=wanted)}
    declared = {name for _, name in plan.teams} | {t for p in plan.people for t in p.teams}
    for name in sorted(declared - set(teams)):
        require(
            actor is None or can_manage_users(actor),
            f"the plan creates team {name!r}: only an admin creates teams",
        )
        teams[name] = team_create(name=name, actor=actor, via=via)
        report.created.append(f"team {name}")
    return teams


def _plan_people(
    plan: Plan, teams: dict[str, Team], report: ApplyReport, actor: User | None, via: str
) -> dict[str, User]:
    names = {p.username for p in plan.people}
    for o in plan.objectives:
        names |= {o.owner} if o.owner else set()
        for kr in o.key_results:
            names |= {kr.owner} if kr.owner else set()
            names |= {i.owner for i in kr.initiatives if i.owner}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    for person in plan.people:
        u = users.get(person.username)
        if u is None:
            require(
                actor is None or can_manage_users(actor),
                f"the plan creates user {person.username!r}: only an admin creates users",
            )
            # People declared by a plan get no password: an administrator sets one to let them in.
            u = user_create(
                username=person.username,
                password=None,
                role=Role(person.role),
                actor=actor,
                via=via,
            )
            users[u.username] = u
            report.created.append(f"user {u.username}")
        for team_name in person.teams:
            if not TeamMembership.objects.filter(team=teams[team_name], user=u).exists():
                require(
                    actor is None or can_manage_users(actor),
                    f"the plan puts {u.username!r} in team {team_name!r}: only an admin"
                    " changes who is in a team",
                )
                team_member_add(team=teams[team_name], user=u, actor=actor, via=via)
                report.created.append(f"membership {u.username} in {team_name}")
    return users


def _plan_cycle(plan: Plan, report: ApplyReport, actor: User | None, via: str) -> Cycle:
    """The plan's cycle, created, or changed through `cycle_update` under the same rules as
    the cadence page (admins change the cadence; dates move only before the cycle starts)."""
    pc = plan.cycle
    values = {
        "starts_on": pc.starts_on,
        "ends_on": pc.ends_on,
        "checkin_weekday": pc.checkin_weekday,
        "planning_on": pc.planning_on,
        "midcycle_review_on": pc.midcycle_review_on,
        "evaluation_on": pc.evaluation_on,
        "on_track_within": pc.on_track_within,
        "at_risk_within": pc.at_risk_within,
    }
    cycle = Cycle.objects.filter(name=pc.name).first()
    if cycle is None:
        report.created.append(f"cycle {pc.name}")
        return cycle_create(name=pc.name, actor=actor, via=via, **values)  # type: ignore[arg-type]
    mark = _audit_mark()
    cycle_update(cycle=cycle, changes=values, actor=actor, via=via)
    _note_update(report, f"cycle {pc.name}", mark)
    return cycle


def _plan_key_result(
    source: str,
    objective: Objective,
    objective_key: str,
    kr: PlanKeyResult,
    resolved: dict[int, tuple[User | None, Team | None]],
    report: ApplyReport,
    actor: User | None,
    via: str,
) -> KeyResult:
    ref = f"{objective_key}/{kr.key}"
    owner = resolved[kr.line][0]
    try:
        existing = KeyResult.objects.filter(objective=objective, key=kr.key).first()
        if existing is None:
            obj = key_result_create(
                objective=objective,
                key=kr.key,
                title=kr.title,
                kind=kr.kind,
                owner=owner,
                unit=kr.unit,
                weight=kr.weight,
                baseline=kr.baseline,
                target=kr.target,
                target_change_pct=kr.target_change_pct,
                due_on=kr.due_on,
                metric=kr.metric,
                metric_params=kr.metric_params,
                metric_filters=kr.metric_filters,
                metric_window_days=kr.metric_window_days,
                actor=actor,
                via=via,
            )
            report.created.append(f"key result {ref}")
        else:
            changes: dict[str, Any] = {
                "title": kr.title,
                "kind": kr.kind,
                "owner": owner,
                "unit": kr.unit,
                "weight": kr.weight,
                "target": kr.target,
                "target_change_pct": kr.target_change_pct,
                "due_on": kr.due_on,
                "metric": kr.metric,
                "metric_params": kr.metric_params,
                "metric_filters": kr.metric_filters,
                "metric_window_days": kr.metric_window_days,
            }
            # A KPI-bound key result without a baseline in the plan keeps the one read from the
            # KPI engine at cycle start.
            if kr.baseline is not None or not kr.metric:
                changes["baseline"] = kr.baseline
            mark = _audit_mark()
            obj = key_result_update(key_result=existing, changes=changes, actor=actor, via=via)
            _note_update(report, f"key result {ref}", mark)
        try:
            if key_result_baseline_ensure(key_result=obj, via=via):
                report.updated.append(f"key result {ref} (baseline from {obj.metric})")
        except NoKpiValueError as exc:
            # The plan is still right; the ledger just has no data for this KPI yet. The
            # weekly check-in tries again.
            report.notes.append(f"key result {ref}: no baseline yet ({exc})")
        for ini in kr.initiatives:
            ini_owner = resolved[ini.line][0]
            found = Initiative.objects.filter(key_result=obj, key=ini.key).first()
            if found is None:
                initiative_create(
                    key_result=obj,
                    key=ini.key,
                    title=ini.title,
                    owner=ini_owner,
                    due_on=ini.due_on,
                    status=ini.status,
                    priority=ini.priority,
                    actor=actor,
                    via=via,
                )
                report.created.append(f"initiative {ref}/{ini.key}")
            else:
                mark = _audit_mark()
                initiative_update(
                    initiative=found,
                    changes={
                        "title": ini.title,
                        "owner": ini_owner,
                        "due_on": ini.due_on,
                        "status": ini.status,
                        "priority": ini.priority,
                    },
                    actor=actor,
                    via=via,
                )
                _note_update(report, f"initiative {ref}/{ini.key}", mark)
    except RecoupError as exc:
        if isinstance(exc, PlanError):
            raise
        line = kr.field_lines.get("target", kr.line) if "target" in str(exc) else kr.line
        raise PlanError(source, [(line, f"key result {ref}: {exc}")]) from None
    return obj
