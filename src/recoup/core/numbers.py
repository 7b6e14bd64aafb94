"""Numbers as people type them into forms: "1,250.5", "58.5", "-3", "1 250" — or, for someone whose
decimal mark is a comma, "1.250,5" and "58,5".

A thousands separator is only read as one between groups of exactly three digits, so a number
typed with the other decimal mark ("58,5" where the mark is a point, "58.5" where it is a comma)
is refused with a sentence that says what to write, never read as a number ten times larger.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

DecimalMark = Literal[".", ","]
DECIMAL_MARKS: tuple[DecimalMark, ...] = (".", ",")
_NAMES = {".": "point", ",": "comma"}
# Besides the other mark, these separate thousands whichever the decimal mark is: spaces (also
# no-break and narrow no-break) and apostrophes.
_SPACES = "\u00a0\u202f '"


def _patterns(mark: DecimalMark) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    other = "," if mark == "." else "."
    m, o, s = re.escape(mark), re.escape(other), re.escape(_SPACES)
    plain = re.compile(rf"[+-]?(?:\d+(?:{m}\d*)?|{m}\d+)")
    grouped = re.compile(rf"[+-]?\d{{1,3}}([{o}{s}])\d{{3}}(?:\1\d{{3}})*(?:{m}\d+)?")
    wrong_mark = re.compile(rf"[+-]?\d+{o}\d+")
    return plain, grouped, wrong_mark


_PATTERNS = {mark: _patterns(mark) for mark in DECIMAL_MARKS}


def parse_typed_number(raw: str, *, decimal_mark: DecimalMark = ".") -> Decimal | None:
    """The number in `raw`, None when blank; ValueError with a sentence when it is not one.

    `decimal_mark` is the person's own (their account setting): "." or ",".
    """
    if decimal_mark not in _PATTERNS:
        raise ValueError(f"{decimal_mark!r} is not a decimal mark: use '.' or ','")
    plain_re, grouped_re, wrong_re = _PATTERNS[decimal_mark]
    other = "," if decimal_mark == "." else "."
    text = raw.strip()
    if not text:
        return None
    if plain_re.fullmatch(text):
        plain = text.replace(decimal_mark, ".")
    elif grouped_re.fullmatch(text):
        digits = "".join(ch for ch in text if ch not in _SPACES + other)
        plain = digits.replace(decimal_mark, ".")
    elif wrong_re.fullmatch(text):
        raise ValueError(
            f"{text!r}: the decimal mark is a {_NAMES[decimal_mark]} here (a {_NAMES[other]} "
            f"separates thousands): write {text.replace(other, decimal_mark)}"
        )
    else:
        raise ValueError(f"{text!r} is not a number")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return value


def format_typed_number(value: Decimal | None, *, decimal_mark: DecimalMark = ".") -> str:
    """`value` as the person would type it back: no thousands separators, their decimal mark,
    no trailing zeros (400000.000000 is "400000")."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", decimal_mark)
