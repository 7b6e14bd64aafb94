"""Numbers typed into forms: thousands separators only between groups of three digits, so a
decimal comma is refused with what to write instead of being read as a number 10 times larger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recoup.core.numbers import DecimalMark, format_typed_number, parse_typed_number


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


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("58,5", Decimal("58.5")),
        ("1.250,5", Decimal("1250.5")),
        ("1.234.567", Decimal("1234567")),
        ("1 250,75", Decimal("1250.75")),
        ("1\u00a0250", Decimal("1250")),
        (",5", Decimal("0.5")),
        ("-3", Decimal("-3")),
        ("1.250", Decimal("1250")),
        ("  ", None),
    ],
)
def test_with_a_decimal_comma_the_comma_marks_the_fraction(
    typed: str, value: Decimal | None
) -> None:
    assert parse_typed_number(typed, decimal_mark=",") == value


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("58.5", "the decimal mark is a comma here (a point separates thousands): write 58,5"),
        ("1.25", "write 1,25"),
        ("12.34.567", "is not a number"),
        ("1,250.5", "is not a number"),
        ("NaN", "is not a number"),
    ],
)
def test_with_a_decimal_comma_a_point_fraction_is_refused_with_what_to_write(
    typed: str, says: str
) -> None:
    with pytest.raises(ValueError, match=r"\S") as refused:
        parse_typed_number(typed, decimal_mark=",")
    assert says in str(refused.value)


def test_an_unknown_decimal_mark_is_refused() -> None:
    with pytest.raises(ValueError, match="not a decimal mark"):
        parse_typed_number("5", decimal_mark=";")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "mark", "text"),
    [
        (Decimal("400000.000000"), ".", "400000"),
        (Decimal("58.500000"), ",", "58,5"),
        (Decimal("-1250.25"), ",", "-1250,25"),
        (None, ",", ""),
    ],
)
def test_a_number_is_written_back_as_its_owner_types_it(
    value: Decimal | None, mark: DecimalMark, text: str
) -> None:
    assert format_typed_number(value, decimal_mark=mark) == text
    assert parse_typed_number(text, decimal_mark=mark) == (
        None if value is None else value.normalize()
    )
