"""OKRs as code: the YAML plan format, read into typed dataclasses with the line of every item.

Reading checks shapes and values (unknown fields, types, choices) and reports every problem at
once, each naming the file line; references to users, teams and other items are checked by
`services.plan_apply`, which also knows the lines from these dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import yaml
from django.utils.text import slugify

from recoup.accounts.models import Role
from recoup.core.dates import parse_input_date
from recoup.core.errors import InputDateError, RecoupError
from recoup.okrs.models import Commitment, InitiativeStatus, KeyResultKind, Priority

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

T = TypeVar("T")


class PlanError(RecoupError):
    """All problems found in a plan; `str()` lists them one per line."""

    def __init__(self, source: str, problems: list[tuple[int, str]]) -> None:
        self.source = source
        self.problems = sorted(problems)
        super().__init__("\n".join(f"{source}:{line}: {msg}" for line, msg in self.problems))


@dataclass(frozen=True, slots=True)
class PlanInitiative:
    line: int
    # Line of each field given, for errors found later (unknown owner, team, parent).
    field_lines: dict[str, int]
    key: str
    title: str
    owner: str | None
    due_on: date | None
    status: str
    priority: str


@dataclass(frozen=True, slots=True)
class PlanKeyResult:
    line: int
    # Line of each field given, for errors found later (unknown owner, team, parent).
    field_lines: dict[str, int]
    key: str
    title: str
    kind: str
    owner: str | None
    unit: str
    weight: Decimal
    baseline: Decimal | None
    target: Decimal | None
    target_change_pct: Decimal | None
    due_on: date | None
    metric: str
    metric_params: dict[str, str]
    metric_filters: dict[str, list[str]]
    metric_window_days: int | None
    children: list[tuple[int, str]]  # ("objective-key/key-result-key") with its line
    initiatives: list[PlanInitiative]


@dataclass(frozen=True, slots=True)
class PlanObjective:
    line: int
    # Line of each field given, for errors found later (unknown owner, team, parent).
    field_lines: dict[str, int]
    key: str
    title: str
    description: str
    owner: str | None
    team: str | None
    parent: str | None
    commitment: str
    key_results: list[PlanKeyResult]


@dataclass(frozen=True, slots=True)
class PlanPerson:
    line: int
    username: str
    role: str
    teams: list[str]


@dataclass(frozen=True, slots=True)
class PlanCycle:
    line: int
    name: str
    starts_on: date
    ends_on: date
    checkin_weekday: int
    planning_on: date | None
    midcycle_review_on: date | None
    evaluation_on: date | None
    on_track_within: int
    at_risk_within: int


@dataclass(frozen=True, slots=True)
class Plan:
    source: str
    cycle: PlanCycle
    people: list[PlanPerson] = field(default_factory=list)
    teams: list[tuple[int, str]] = field(default_factory=list)
    objectives: list[PlanObjective] = field(default_factory=list)


class _Map:
    """A YAML mapping with the line of each key (1-based)."""

    def __init__(self, line: int, items: dict[str, tuple[int, Any]]) -> None:
        self.line = line
        self.items = items


class _Seq:
    def __init__(self, line: int, items: list[tuple[int, Any]]) -> None:
        self.line = line
        self.items = items


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def _from_node(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    problems: list[tuple[int, str]],
    seen: set[int] | None = None,
) -> Any:
    line = node.start_mark.line + 1
    seen = set() if seen is None else seen
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        # An alias is the same node met twice; expanding aliases of aliases is how a few lines
        # of YAML grow into gigabytes, and plans have no use for them.
        if id(node) in seen:
            problems.append((line, "anchors and aliases (&name, *name) are not supported in plans"))
            return None
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        items: dict[str, tuple[int, Any]] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append((key_line, "a key must be a plain name"))
                continue
            key = str(key_node.value)
            if key in items:
                problems.append(
                    (key_line, f"{key!r} appears twice (first on line {items[key][0]})")
                )
                continue
            items[key] = (key_line, _from_node(value_node, loader, problems, seen))
        return _Map(line, items)
    if isinstance(node, yaml.SequenceNode):
        return _Seq(
            line,
            [(i.start_mark.line + 1, _from_node(i, loader, problems, seen)) for i in node.value],
        )
    assert isinstance(node, yaml.ScalarNode)
    # Numbers are kept exact: YAML's float would turn 0.1 into 0.1000000000000000055...
    if node.tag in (_INT_TAG, _FLOAT_TAG):
        try:
            return Decimal(str(node.value).replace("_", ""))
        except InvalidOperation:
            return node.value
    # YAML would build a date from anything shaped like one and fail with a bare ValueError on
    # 2026-02-30; kept as text, a date field parses it with the line, any other field keeps it.
    if node.tag == _TIMESTAMP_TAG:
        return str(node.value)
    return loader.construct_object(node)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def fail(self, line: int, path: str, msg: str) -> None:
        self.problems.append((line, f"{path}: {msg}"))

    def mapping(self, value: Any, line: int, path: str, allowed: set[str]) -> _Map | None:
        if not isinstance(value, _Map):
            self.fail(line, path, f"expected a mapping of fields, got {_describe(value)}")
            return None
        for name, (key_line, _) in value.items.items():
            if name not in allowed:
                self.fail(
                    key_line,
                    f"{path}.{name}",
                    f"unknown field; expected one of {', '.join(sorted(allowed))}",
                )
        return value

    def sequence(self, m: _Map, name: str, path: str) -> list[tuple[int, Any]]:
        if name not in m.items:
            return []
        line, value = m.items[name]
        if not isinstance(value, _Seq):
            self.fail(line, f"{path}.{name}", f"expected a list, got {_describe(value)}")
            return []
        return value.items

    def get(
        self,
        m: _Map,
        name: str,
        path: str,
        convert: Callable[[Any], T],
        expected: str,
        *,
        required: bool = False,
        default: T | None = None,
    ) -> T | None:
        if name not in m.items or m.items[name][1] is None:
            if required:
                self.fail(m.line, f"{path}.{name}", "is required")
            return default
        line, raw = m.items[name]
        try:
            return convert(raw)
        except InputDateError as exc:
            self.fail(line, f"{path}.{name}", exc.reason)
            return default
        except (ValueError, TypeError, InvalidOperation):
            self.fail(line, f"{path}.{name}", f"expected {expected}, got {_describe(raw)}")
            return default

    def line_of(self, m: _Map, name: str) -> int:
        return m.items[name][0] if name in m.items else m.line


def _field_lines(m: _Map) -> dict[str, int]:
    return {name: line for name, (line, _) in m.items.items()}


def _describe(value: Any) -> str:
    if isinstance(value, _Map):
        return "a mapping"
    if isinstance(value, _Seq):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value if not isinstance(value, Decimal) else str(value))


def _text(raw: Any) -> str:
    if isinstance(raw, (_Map, _Seq, bool)) or raw is None:
        raise TypeError
    text = str(raw).strip()
    if not text:
        raise ValueError
    return text


def _date(raw: Any) -> date:
    if not isinstance(raw, str):
        raise TypeError
    return parse_input_date(raw, what="date")


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, str):
        return Decimal(raw.replace(",", "").strip())
    raise TypeError


def _target(raw: Any) -> tuple[Decimal | None, Decimal | None]:
    """An absolute target (95, "95%") or a change relative to the baseline ("-20%", "+15%")."""
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "")
        if text.endswith("%") and text[:1] in "+-":
            return None, Decimal(text[:-1])
        if text.endswith("%"):
            return Decimal(text[:-1]), None
    return _decimal(raw), None


def _choice(choices: list[str]) -> Callable[[Any], str]:
    def convert(raw: Any) -> str:
        text = _text(raw).lower().replace(" ", "_").replace("-", "_")
        if text not in choices:
            raise ValueError
        return text

    return convert


def _weekday(raw: Any) -> int:
    if isinstance(raw, Decimal) and raw == int(raw) and 0 <= raw <= 6:
        return int(raw)
    text = _text(raw).lower()
    if text not in WEEKDAYS:
        raise ValueError
    return WEEKDAYS.index(text)


def _points(raw: Any) -> int:
    if not isinstance(raw, Decimal) or raw != int(raw) or not 0 <= raw <= 100:
        raise ValueError
    return int(raw)


def _days(raw: Any) -> int:
    if not isinstance(raw, Decimal) or raw != int(raw) or not 1 <= raw <= 3660:
        raise ValueError
    return int(raw)


def _key(raw: Any) -> str:
    text = _text(raw)
    if slugify(text) != text:
        raise ValueError
    return text


def _string_list(raw: Any) -> list[str]:
    if isinstance(raw, _Seq):
        return [_text(v) for _, v in raw.items]
    return [_text(raw)]


def _string_map(raw: Any) -> dict[str, str]:
    if not isinstance(raw, _Map):
        raise TypeError
    return {k: _text(v) for k, (_, v) in raw.items.items()}


def _filters(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, _Map):
        raise TypeError
    return {k: _string_list(v) for k, (_, v) in raw.items.items()}


def _choices_text(values: list[str]) -> str:
    return "one of " + ", ".join(values)


def _read_initiative(r: _Reader, raw: Any, line: int, path: str) -> PlanInitiative | None:
    m = r.mapping(raw, line, path, {"key", "title", "owner", "due_on", "status", "priority"})
    if m is None:
        return None
    title = r.get(m, "title", path, _text, "a title", required=True) or ""
    return PlanInitiative(
        line=m.line,
        field_lines=_field_lines(m),
        key=r.get(m, "key", path, _key, "a slug (lower-case letters, digits, hyphens)")
        or slugify(title)[:80],
        title=title,
        owner=r.get(m, "owner", path, _text, "a username"),
        due_on=r.get(m, "due_on", path, _date, "a date YYYY-MM-DD"),
        status=r.get(
            m,
            "status",
            path,
            _choice(InitiativeStatus.values),
            _choices_text(InitiativeStatus.values),
            default=InitiativeStatus.TO_DO.value,
        )
        or InitiativeStatus.TO_DO.value,
        priority=r.get(
            m,
            "priority",
            path,
            _choice(Priority.values),
            _choices_text(Priority.values),
            default=Priority.MEDIUM.value,
        )
        or Priority.MEDIUM.value,
    )


_KR_FIELDS = {
    "key",
    "title",
    "kind",
    "owner",
    "unit",
    "weight",
    "baseline",
    "target",
    "due_on",
    "metric",
    "children",
    "initiatives",
}
_METRIC_FIELDS = {"id", "params", "filters", "window_days"}


def _read_key_result(r: _Reader, raw: Any, line: int, path: str) -> PlanKeyResult | None:
    m = r.mapping(raw, line, path, _KR_FIELDS)
    if m is None:
        return None
    title = r.get(m, "title", path, _text, "a title", required=True) or ""
    window: int | None = None
    metric, params, filters = "", {}, {}
    if "metric" in m.items:
        metric_line, metric_raw = m.items["metric"]
        if isinstance(metric_raw, _Map):
            mm = r.mapping(metric_raw, metric_line, f"{path}.metric", _METRIC_FIELDS)
            if mm is not None:
                metric = r.get(mm, "id", f"{path}.metric", _text, "a KPI id", required=True) or ""
                params = (
                    r.get(
                        mm, "params", f"{path}.metric", _string_map, "a mapping of names to values"
                    )
                    or {}
                )
                filters = (
                    r.get(
                        mm,
                        "filters",
                        f"{path}.metric",
                        _filters,
                        "a mapping of dimension to values",
                    )
                    or {}
                )
                window = r.get(
                    mm, "window_days", f"{path}.metric", _days, "a whole number of days (1-3660)"
                )
        else:
            metric = (
                r.get(m, "metric", path, _text, "a KPI id or a mapping with id, params, filters")
                or ""
            )
    weight = r.get(m, "weight", path, _decimal, "a positive number", default=Decimal(1))
    if weight is not None and weight <= 0:
        r.fail(
            r.line_of(m, "weight"), f"{path}.weight", f"expected a positive number, got {weight}"
        )
    children = [
        (child_line, _text(child))
        for child_line, child in r.sequence(m, "children", path)
        if child is not None
    ]
    initiatives = [
        ini
        for i, (ini_line, ini_raw) in enumerate(r.sequence(m, "initiatives", path))
        if (ini := _read_initiative(r, ini_raw, ini_line, f"{path}.initiatives[{i}]")) is not None
    ]
    no_target: tuple[Decimal | None, Decimal | None] = (None, None)
    target = (
        r.get(m, "target", path, _target, "a number, or a change such as -20%", default=no_target)
        or no_target
    )
    return PlanKeyResult(
        line=m.line,
        field_lines=_field_lines(m),
        key=r.get(m, "key", path, _key, "a slug (lower-case letters, digits, hyphens)")
        or slugify(title)[:80],
        title=title,
        kind=r.get(
            m,
            "kind",
            path,
            _choice(KeyResultKind.values),
            _choices_text(KeyResultKind.values),
            required=True,
        )
        or KeyResultKind.INCREASE_TO.value,
        owner=r.get(m, "owner", path, _text, "a username"),
        unit=r.get(m, "unit", path, _text, "a unit such as USD, percent, days, count") or "",
        weight=weight or Decimal(1),
        baseline=r.get(m, "baseline", path, _decimal, "a number"),
        target=target[0],
        target_change_pct=target[1],
        due_on=r.get(m, "due_on", path, _date, "a date YYYY-MM-DD"),
        metric=metric,
        metric_params=params,
        metric_filters=filters,
        metric_window_days=window,
        children=children,
        initiatives=initiatives,
    )


_OBJECTIVE_FIELDS = {
    "key",
    "title",
    "description",
    "owner",
    "team",
    "parent",
    "commitment",
    "key_results",
}


def _read_objective(r: _Reader, raw: Any, line: int, path: str) -> PlanObjective | None:
    m = r.mapping(raw, line, path, _OBJECTIVE_FIELDS)
    if m is None:
        return None
    title = r.get(m, "title", path, _text, "a title", required=True) or ""
    key_results = [
        kr
        for i, (kr_line, kr_raw) in enumerate(r.sequence(m, "key_results", path))
        if (kr := _read_key_result(r, kr_raw, kr_line, f"{path}.key_results[{i}]")) is not None
    ]
    return PlanObjective(
        line=m.line,
        field_lines=_field_lines(m),
        key=r.get(m, "key", path, _key, "a slug (lower-case letters, digits, hyphens)")
        or slugify(title)[:80],
        title=title,
        description=r.get(m, "description", path, _text, "text") or "",
        owner=r.get(m, "owner", path, _text, "a username"),
        team=r.get(m, "team", path, _text, "a team name"),
        parent=r.get(m, "parent", path, _key, "the key of another objective"),
        commitment=r.get(
            m,
            "commitment",
            path,
            _choice(Commitment.values),
            _choices_text(Commitment.values),
            default=Commitment.COMMITTED.value,
        )
        or Commitment.COMMITTED.value,
        key_results=key_results,
    )


_CYCLE_FIELDS = {
    "name",
    "starts_on",
    "ends_on",
    "checkin_weekday",
    "planning_on",
    "midcycle_review_on",
    "evaluation_on",
    "on_track_within",
    "at_risk_within",
}


def _read_cycle(r: _Reader, raw: Any, line: int) -> PlanCycle | None:
    m = r.mapping(raw, line, "cycle", _CYCLE_FIELDS)
    if m is None:
        return None
    name = r.get(m, "name", "cycle", _text, "a name such as 2026-Q4", required=True)
    starts = r.get(m, "starts_on", "cycle", _date, "a date YYYY-MM-DD", required=True)
    ends = r.get(m, "ends_on", "cycle", _date, "a date YYYY-MM-DD", required=True)
    on_track = r.get(m, "on_track_within", "cycle", _points, "whole points 0-100", default=10)
    at_risk = r.get(m, "at_risk_within", "cycle", _points, "whole points 0-100", default=25)
    if starts and ends and ends <= starts:
        r.fail(r.line_of(m, "ends_on"), "cycle.ends_on", f"must be after starts_on ({starts})")
    if on_track is not None and at_risk is not None and on_track > at_risk:
        r.fail(
            r.line_of(m, "on_track_within"),
            "cycle.on_track_within",
            "must not exceed at_risk_within",
        )
    if name is None or starts is None or ends is None:
        return None
    return PlanCycle(
        line=m.line,
        name=name,
        starts_on=starts,
        ends_on=ends,
        checkin_weekday=r.get(
            m, "checkin_weekday", "cycle", _weekday, "a weekday name (monday ... sunday)", default=0
        )
        or 0,
        planning_on=r.get(m, "planning_on", "cycle", _date, "a date YYYY-MM-DD"),
        midcycle_review_on=r.get(m, "midcycle_review_on", "cycle", _date, "a date YYYY-MM-DD"),
        evaluation_on=r.get(m, "evaluation_on", "cycle", _date, "a date YYYY-MM-DD"),
        on_track_within=on_track if on_track is not None else 10,
        at_risk_within=at_risk if at_risk is not None else 25,
    )


def _read_person(r: _Reader, raw: Any, line: int, path: str) -> PlanPerson | None:
    m = r.mapping(raw, line, path, {"username", "role", "teams"})
    if m is None:
        return None
    username = r.get(m, "username", path, _text, "a username", required=True)
    if username is None:
        return None
    return PlanPerson(
        line=m.line,
        username=username,
        role=r.get(
            m,
            "role",
            path,
            _choice(Role.values),
            _choices_text(Role.values),
            default=Role.COLLECTOR.value,
        )
        or Role.COLLECTOR.value,
        teams=r.get(m, "teams", path, _string_list, "a list of team names") or [],
    )


def plan_parse(text: str, *, source: str = "plan") -> Plan:
    """Read a plan; raises PlanError naming the line of every problem."""
    r = _Reader()
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise PlanError(
            source, [(line, f"not valid YAML: character {exc.character!r} is not allowed")]
        ) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PlanError(source, [(line, f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise PlanError(source, [(1, f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise PlanError(source, [(1, "the plan is empty; it needs at least a cycle")])
    root = r.mapping(
        _from_node(node, loader, r.problems), 1, "plan", {"cycle", "people", "teams", "objectives"}
    )
    if root is None:
        raise PlanError(source, r.problems)
    cycle = None
    if "cycle" in root.items:
        cycle = _read_cycle(r, root.items["cycle"][1], root.items["cycle"][0])
    else:
        r.fail(root.line, "plan.cycle", "is required")
    people = [
        p
        for i, (line, raw) in enumerate(r.sequence(root, "people", "plan"))
        if (p := _read_person(r, raw, line, f"people[{i}]")) is not None
    ]
    teams: list[tuple[int, str]] = []
    for i, (line, raw) in enumerate(r.sequence(root, "teams", "plan")):
        try:
            teams.append((line, _text(raw)))
        except (TypeError, ValueError):
            r.fail(line, f"teams[{i}]", f"expected a team name, got {_describe(raw)}")
    objectives = [
        o
        for i, (line, raw) in enumerate(r.sequence(root, "objectives", "plan"))
        if (o := _read_objective(r, raw, line, f"objectives[{i}]")) is not None
    ]
    _check_unique_keys(r, objectives)
    if r.problems or cycle is None:
        raise PlanError(source, r.problems)
    return Plan(source=source, cycle=cycle, people=people, teams=teams, objectives=objectives)


def _check_unique_keys(r: _Reader, objectives: list[PlanObjective]) -> None:
    seen: dict[str, int] = {}
    for o in objectives:
        if o.key in seen:
            r.fail(o.line, f"objective {o.key!r}", f"key already used on line {seen[o.key]}")
        seen.setdefault(o.key, o.line)
        kr_seen: dict[str, int] = {}
        for kr in o.key_results:
            if kr.key in kr_seen:
                r.fail(
                    kr.line,
                    f"key result {o.key}/{kr.key}",
                    f"key already used on line {kr_seen[kr.key]}",
                )
            kr_seen.setdefault(kr.key, kr.line)
            ini_seen: dict[str, int] = {}
            for ini in kr.initiatives:
                if ini.key in ini_seen:
                    r.fail(
                        ini.line,
                        f"initiative {o.key}/{kr.key}/{ini.key}",
                        f"key already used on line {ini_seen[ini.key]}",
                    )
                ini_seen.setdefault(ini.key, ini.line)
