"""Numbers as people type them into forms: "1,250.5", "58.5", "-3", "1 250".

A thousands separator is only read as one between groups of exactly three digits, so a typed
decimal comma ("58,5") is refused with a sentence that says what to write, never read as 585.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Digits grouped by commas, spaces (also no-break and thin) or apostrophes in threes, then an
# optional fraction after a point.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:([,\u00a0\u202f ']))\d{3}(?:\1\d{3})*(?:\.\d+)?")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_SEPARATORS = ",\u00a0\u202f '"


def parse_typed_number(raw: str) -> Decimal | None:
    """The number in `raw`, None when blank; ValueError with a sentence when it is not one."""
    text = raw.strip()
    if not text:
        return None
    if _PLAIN.fullmatch(text):
        plain = text
    elif _GROUPED.fullmatch(text):
        plain = "".join(ch for ch in text if ch not in _SEPARATORS)
    elif re.fullmatch(r"[+-]?\d+,\d+", text):
        raise ValueError(
            f"{raw.strip()!r}: the decimal mark is a point here (a comma separates thousands): "
            f"write {text.replace(',', '.')}"
        )
    else:
        raise ValueError(f"{raw.strip()!r} is not a number")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"{raw.strip()!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw.strip()!r} is not a number")
    return value
