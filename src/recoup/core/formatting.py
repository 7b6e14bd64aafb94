"""How numbers read on the pages: exact decimals rounded for display only, with their unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

UNIT_LABELS = {"money": "", "days": "days", "percent": "%", "ratio": "", "count": ""}


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def unit_label(unit: str) -> str:
    if unit == "money":
        return str(settings.BASE_CURRENCY)
    return UNIT_LABELS.get(unit, unit)


def value_text(value: Decimal | None, unit: str, *, compact: bool = False) -> str:
    """`value` for reading: money in the base currency (compact: 28.47 M), days to one decimal."""
    if value is None:
        return "—"
    if unit == "money":
        if compact and abs(value) >= 1_000_000:
            return f"{_grouped(value / 1_000_000, 2)} M"
        if compact and abs(value) >= 10_000:
            return f"{_grouped(value / 1_000, 1)} k"
        return _grouped(value, 2)
    if unit == "count":
        return _grouped(value, 0)
    if unit in {"days", "percent"}:
        return _grouped(value, 1)
    return _grouped(value, 2)


def with_unit(value: Decimal | None, unit: str, *, compact: bool = False) -> str:
    text = value_text(value, unit, compact=compact)
    label = unit_label(unit)
    if value is None or not label:
        return text
    return f"{text} {label}" if label != "%" else f"{text} %"


def delta_text(delta: Decimal | None, unit: str) -> str:
    """A change with its sign: "+2.3 days", "-1.2 pts" for percentages, "+1.25 M USD"."""
    if delta is None:
        return ""
    sign = "+" if delta > 0 else "\u2212" if delta < 0 else "±"
    magnitude = value_text(abs(delta), unit, compact=True)
    label = "pts" if unit == "percent" else unit_label(unit)
    return f"{sign}{magnitude} {label}".rstrip()
