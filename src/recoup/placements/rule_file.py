"""Placement rules as YAML, a file a manager keeps and loads: read and checked whole (every
problem named) before anything is written; a rule is found by its name.

    rules:
      - name: Lawyer for the oldest
        agency: AG-LEX          # the agency's or lawyer's reference (external id)
        active: true
        min_days_past_due: 180
        min_open: 5000.00 USD
        no_contact_days: 30
        broken_plan: false
        team: North             # optional: only the accounts this team works
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from django.db import transaction

from recoup.accounts.models import Team, User
from recoup.core.errors import MoneyError, RecoupError
from recoup.core.money import Money
from recoup.ledger.models import Agency
from recoup.placements.models import PlacementRule
from recoup.placements.services import placement_rule_save

KEYS = frozenset(
    {
        "name",
        "agency",
        "active",
        "min_days_past_due",
        "min_open",
        "no_contact_days",
        "broken_plan",
        "team",
    }
)


class RuleFileError(RecoupError, ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    agency: Agency
    active: bool
    min_days_past_due: int | None
    min_open: Money | None
    no_contact_days: int | None
    broken_plan: bool
    team: Team | None


def rules_as_data() -> list[dict[str, Any]]:
    out = []
    for r in PlacementRule.objects.select_related("agency", "team").order_by("position", "name"):
        data: dict[str, Any] = {"name": r.name, "agency": r.agency.external_id, "active": r.active}
        if r.min_days_past_due is not None:
            data["min_days_past_due"] = r.min_days_past_due
        if r.min_open is not None:
            data["min_open"] = f"{r.min_open.major_str()} {r.min_open.currency}"
        if r.no_contact_days is not None:
            data["no_contact_days"] = r.no_contact_days
        if r.broken_plan:
            data["broken_plan"] = True
        if r.team is not None:
            data["team"] = r.team.name
        out.append(data)
    return out


def rules_dump() -> str:
    return yaml.safe_dump({"rules": rules_as_data()}, sort_keys=False, allow_unicode=True)


def _days(row: dict[str, Any], key: str, where: str, problems: list[str]) -> int | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
        problems.append(f"{where}: {key} is a whole number of days from 0 to 36500")
        return None
    return value


def _money(text: Any, where: str, problems: list[str]) -> Money | None:
    if text is None:
        return None
    parts = str(text).split()
    try:
        if len(parts) != 2:
            raise MoneyError("write an amount and its currency, e.g. 5000.00 USD")
        money = Money.from_major(parts[0], parts[1].upper())
    except MoneyError as error:
        problems.append(f"{where}: min_open {text!r}: {error}")
        return None
    if money.minor < 0:
        problems.append(f"{where}: min_open cannot be negative")
        return None
    return money


def rules_parse(text: str) -> list[RuleSpec]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RuleFileError([f"not YAML: {error}"]) from None
    rows = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise RuleFileError(["the file needs a list under 'rules:'"])
    agencies = {a.external_id: a for a in Agency.objects.all()}
    teams = {t.name: t for t in Team.objects.all()}
    problems: list[str] = []
    specs: list[RuleSpec] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        where = f"rule {n}"
        if not isinstance(row, dict):
            problems.append(f"{where}: a mapping of name, agency and conditions")
            continue
        unknown = sorted(set(map(str, row)) - KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(unknown)}")
        name = str(row.get("name") or "").strip()
        if not name or len(name) > 80:
            problems.append(f"{where}: a name of 1 to 80 characters")
        elif name in seen:
            problems.append(f"{where}: the name {name!r} is used twice")
        seen.add(name)
        agency = agencies.get(str(row.get("agency") or ""))
        if agency is None:
            problems.append(f"{where}: no agency or lawyer {row.get('agency')!r}")
        team_name = row.get("team")
        team = teams.get(str(team_name)) if team_name else None
        if team_name and team is None:
            problems.append(f"{where}: no team named {team_name!r}")
        for flag in ("active", "broken_plan"):
            if flag in row and not isinstance(row[flag], bool):
                problems.append(f"{where}: {flag} is true or false")
        spec_days = _days(row, "min_days_past_due", where, problems)
        spec_quiet = _days(row, "no_contact_days", where, problems)
        spec_money = _money(row.get("min_open"), where, problems)
        if agency is not None and name:
            specs.append(
                RuleSpec(
                    name=name,
                    agency=agency,
                    active=row.get("active", True) is True,
                    min_days_past_due=spec_days,
                    min_open=spec_money,
                    no_contact_days=spec_quiet,
                    broken_plan=row.get("broken_plan", False) is True,
                    team=team,
                )
            )
    if problems:
        raise RuleFileError(problems)
    return specs


@transaction.atomic
def rules_load(*, actor: User | None, text: str, via: str = "") -> list[PlacementRule]:
    """Creates or changes the rules the file names, in the file's order (positions 1, 2, ...);
    rules it does not name are kept as they are."""
    specs = rules_parse(text)
    by_name = {r.name: r for r in PlacementRule.objects.all()}
    return [
        placement_rule_save(
            actor=actor,
            rule=by_name.get(s.name),
            name=s.name,
            agency=s.agency,
            position=n,
            active=s.active,
            min_days_past_due=s.min_days_past_due,
            min_open=s.min_open,
            no_contact_days=s.no_contact_days,
            broken_plan=s.broken_plan,
            team=s.team,
            via=via,
        )
        for n, s in enumerate(specs, start=1)
    ]
