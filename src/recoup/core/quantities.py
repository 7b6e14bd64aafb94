"""Quantities as people read them: "62 days", "18.5 %", "1.34 M USD", "1,250 calls".

A key result's unit is free text from its plan ("days", "percent", "USD", "count", "points"),
so the unit decides the shape: percentages and days to one decimal, money compact with its
currency code, plain counts without the word "count". Trailing zeros go ("1.5 M", not "1.50 M").
The decimal mark is the reader's own (`User.decimal_mark`); thousands are then grouped with the
other mark, as people who write "58,5" write "1.250,5".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from recoup.core.numbers import DecimalMark

_PERCENT = {"percent", "%", "pct", "percentage"}
_DAYS = {"days", "day"}
_PLAIN = {"count", "number", ""}


def _is_money(unit: str) -> bool:
    return unit == "money" or (len(unit) == 3 and unit.isalpha() and unit.isupper())


def _number(value: Decimal, places: int, mark: DecimalMark, *, trim: bool = True) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if mark == ",":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "\u2212")


def quantity_text(value: Decimal | None, unit: str, *, decimal_mark: DecimalMark = ".") -> str:
    """`value` in `unit`, for reading; "—" when there is none."""
    if value is None:
        return "—"
    unit = (unit or "").strip()
    low = unit.lower()
    if low in _PERCENT:
        return f"{_number(value, 1, decimal_mark)} %"
    if low in _DAYS:
        text = _number(value, 1, decimal_mark)
        return f"{text} day" if text == "1" else f"{text} days"
    if _is_money(unit):
        code = str(settings.BASE_CURRENCY) if unit == "money" else unit
        size = abs(value)
        if size >= 1_000_000:
            return f"{_number(value / 1_000_000, 2, decimal_mark)} M {code}"
        if size >= 10_000:
            return f"{_number(value / 1_000, 1, decimal_mark)} k {code}"
        return f"{_number(value, 2, decimal_mark, trim=value == value.to_integral())} {code}"
    # Small counts keep their decimals (an average of 2.5 calls); large ones read as whole.
    text = _number(value, 2 if abs(value) < 100 else 0, decimal_mark)
    return text if low in _PLAIN else f"{text} {unit}"


def from_to_text(
    start: Decimal | None, end: Decimal | None, unit: str, *, decimal_mark: DecimalMark = "."
) -> str:
    """ "62 → 50 days": the unit once at the end when both sides share it, else on each side."""
    left = quantity_text(start, unit, decimal_mark=decimal_mark)
    right = quantity_text(end, unit, decimal_mark=decimal_mark)
    if start is None or end is None:
        return f"{left} → {right}"
    low = (unit or "").strip().lower()
    if low in _DAYS or low in _PERCENT:
        return f"{_number(start, 1, decimal_mark)} → {right}"
    return f"{left} → {right}"


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 item", "7 items": a count in a sentence, never "item(s)"."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"
