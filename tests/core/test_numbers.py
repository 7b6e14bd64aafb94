"""Numbers typed into forms: thousands separators only between groups of three digits, so a
decimal comma is refused with what to write instead of being read as a number 10 times larger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recoup.core.numbers import parse_typed_number


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("58.5", Decimal("58.5")),
        ("  -3 ", Decimal("-3")),
        (".5", Decimal("0.5")),
        ("1,250.5", Decimal("1250.5")),
        ("1,234,567", Decimal("1234567")),
        ("1 250", Decimal("1250")),
        ("1\u202f250.75", Decimal("1250.75")),
        ("1'250", Decimal("1250")),
        ("", None),
    ],
)
def test_numbers_people_type_are_read_as_they_meant(typed: str, value: Decimal | None) -> None:
    assert parse_typed_number(typed) == value


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("58,5", "the decimal mark is a point here (a comma separates thousands): write 58.5"),
        ("1,25", "write 1.25"),
        ("1,2345", "write 1.2345"),
        ("12,34,567", "is not a number"),
        ("1,250 300", "is not a number"),
        ("NaN", "is not a number"),
        ("Infinity", "is not a number"),
        ("5e3", "is not a number"),
        ("about 5", "is not a number"),
    ],
)
def test_anything_else_is_refused_with_a_sentence(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"\S") as refused:
        parse_typed_number(typed)
    assert says in str(refused.value)
