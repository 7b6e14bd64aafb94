"""Dunning policies as YAML, like OKR plans: a file a manager keeps and loads, read into small
frozen values first (every problem named), then written by `services.policies_load`.

    policies:
      - name: Standard
        default: true
        auto_send: false
        team: North            # optional: the policy of this team's debtors
        segment: SMB           # optional: of the ledger's customer segment
        levels:
          - name: Friendly reminder
            days: -3           # relative to the due date; negative is before it
            channel: email     # email, letter, sms, call_task, agency, legal
            gap: 0             # days at least since the previous level
            tolerance: 5.00 EUR
            min_amount: 50.00 EUR
            segment: Small and recent     # a worklist segment's name
            max_likelihood: 80            # percent
            templates:
              en: {subject: "...", body: "..."}
              de: {subject: "...", body: "..."}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from recoup.core.errors import MoneyError, RecoupError
from recoup.core.money import Money
from recoup.dunning.models import Language, LevelChannel


class PolicyFileError(RecoupError, ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    language: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class LevelSpec:
    name: str
    days: int
    channel: str
    gap: int
    tolerance: Money | None
    min_amount: Money | None
    segment: str
    max_likelihood: int | None
    templates: tuple[TemplateSpec, ...]


@dataclass(frozen=True, slots=True)
class PolicySpec:
    name: str
    description: str
    default: bool
    auto_send: bool
    team: str
    segment: str
    levels: tuple[LevelSpec, ...]


_POLICY_KEYS = {"name", "description", "default", "auto_send", "team", "segment", "levels"}
_LEVEL_KEYS = {
    "name",
    "days",
    "channel",
    "gap",
    "tolerance",
    "min_amount",
    "segment",
    "max_likelihood",
    "templates",
}


def _money(value: Any, where: str, problems: list[str]) -> Money | None:
    if value is None:
        return None
    parts = str(value).split()
    if len(parts) != 2:
        problems.append(f"{where}: an amount and a currency, such as 5.00 EUR")
        return None
    try:
        return Money.from_major(parts[0], parts[1].upper())
    except MoneyError as error:
        problems.append(f"{where}: {error}")
        return None


def _int(value: Any, where: str, problems: list[str], *, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}: a whole number from {low} to {high}")
        return None
    return value


def _unknown(item: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for key in sorted(set(item) - allowed):
        problems.append(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})")


def _templates(value: Any, where: str, problems: list[str]) -> tuple[TemplateSpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(f"{where}.templates: a language code for each template, such as en:")
        return ()
    out = []
    for language, text in value.items():
        here = f"{where}.templates.{language}"
        if language not in Language.values:
            problems.append(f"{here}: a language of {', '.join(Language.values)}")
            continue
        if not isinstance(text, dict) or not text.get("subject") or not text.get("body"):
            problems.append(f"{here}: give a subject and a body")
            continue
        out.append(TemplateSpec(str(language), str(text["subject"]), str(text["body"])))
    return tuple(out)


def _level(item: Any, where: str, problems: list[str]) -> LevelSpec | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: a level needs name, days and channel")
        return None
    _unknown(item, _LEVEL_KEYS, where, problems)
    count = len(problems)
    name = str(item.get("name") or "").strip()
    if not name:
        problems.append(f"{where}.name: give the level a name")
    days = _int(item.get("days"), f"{where}.days", problems, low=-365, high=3650)
    channel = str(item.get("channel") or "")
    if channel not in LevelChannel.values:
        problems.append(f"{where}.channel: one of {', '.join(LevelChannel.values)}")
    gap = _int(item.get("gap", 0), f"{where}.gap", problems, low=0, high=3650)
    likelihood = item.get("max_likelihood")
    if likelihood is not None:
        likelihood = _int(likelihood, f"{where}.max_likelihood", problems, low=0, high=100)
    tolerance = _money(item.get("tolerance"), f"{where}.tolerance", problems)
    min_amount = _money(item.get("min_amount"), f"{where}.min_amount", problems)
    templates = _templates(item.get("templates"), where, problems)
    if len(problems) > count or days is None or gap is None:
        return None
    return LevelSpec(
        name=name,
        days=days,
        channel=channel,
        gap=gap,
        tolerance=tolerance,
        min_amount=min_amount,
        segment=str(item.get("segment") or ""),
        max_likelihood=likelihood,
        templates=templates,
    )


def policies_parse(text: str) -> list[PolicySpec]:
    """The policies of a YAML text; raises PolicyFileError naming every problem."""
    try:
        root = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyFileError([f"not valid YAML: {error}"]) from None
    if not isinstance(root, dict) or not isinstance(root.get("policies"), list):
        raise PolicyFileError(["the file needs a list under 'policies:'"])
    problems: list[str] = []
    out: list[PolicySpec] = []
    for i, item in enumerate(root["policies"], start=1):
        where = f"policies[{i}]"
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            problems.append(f"{where}: a policy needs a name and levels")
            continue
        _unknown(item, _POLICY_KEYS, where, problems)
        where = f"policy {item['name']!r}"
        raw_levels = item.get("levels")
        if not isinstance(raw_levels, list) or not raw_levels:
            problems.append(f"{where}: give it at least one level")
            continue
        levels = [_level(lv, f"{where} level {n}", problems) for n, lv in enumerate(raw_levels, 1)]
        days = [lv.days for lv in levels if lv is not None]
        if days != sorted(days):
            problems.append(f"{where}: levels go in order of their days")
        out.append(
            PolicySpec(
                name=str(item["name"]).strip(),
                description=str(item.get("description") or ""),
                default=bool(item.get("default", False)),
                auto_send=bool(item.get("auto_send", False)),
                team=str(item.get("team") or ""),
                segment=str(item.get("segment") or ""),
                levels=tuple(lv for lv in levels if lv is not None),
            )
        )
    if sum(p.default for p in out) > 1:
        problems.append("only one policy may be the default")
    if problems:
        raise PolicyFileError(problems)
    return out


def _amount(money: Money | None) -> str | None:
    return None if money is None else f"{money.major_str()} {money.currency}"


def policies_dump(policies: list[dict[str, Any]]) -> str:
    """YAML of policies given as plain dicts (see `selectors.policies_as_data`)."""
    return yaml.safe_dump({"policies": policies}, sort_keys=False, allow_unicode=True)


__all__ = ["LevelSpec", "PolicyFileError", "PolicySpec", "TemplateSpec", "policies_parse"]
