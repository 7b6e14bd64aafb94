from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.core.errors import MoneyError
from recoup.core.money import Money, parse_minor


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("55.94", "USD", 5594),
        ("1,234.5", "USD", 123450),
        ("-12", "EUR", -1200),
        (".50", "USD", 50),
        ("1000", "JPY", 1000),
        ("1.234", "KWD", 1234),
        ("  7.10 ", "GBP", 710),
    ],
)
def test_major_text_becomes_exact_minor_units(text: str, currency: str, minor: int) -> None:
    assert Money.from_major(text, currency) == Money(minor, currency)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "12,34", "1e5", "$5", "."])
def test_text_that_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(MoneyError, match="not an amount"):
        parse_minor(text, 2)


def test_more_decimals_than_the_currency_has_is_refused_not_rounded() -> None:
    with pytest.raises(MoneyError, match="more than 2 decimals"):
        Money.from_major("10.005", "USD")
    with pytest.raises(MoneyError, match="more than 0 decimals"):
        Money.from_major("10.5", "JPY")


def test_floats_and_unknown_currencies_are_refused() -> None:
    with pytest.raises(MoneyError, match="not exact"):
        Money.from_major(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="integer number of minor units"):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="unknown currency 'XYZ'"):
        Money(1, "XYZ")


def test_different_currencies_do_not_add() -> None:
    with pytest.raises(MoneyError, match="USD with EUR"):
        _ = Money(1, "USD") + Money(1, "EUR")


def test_display_and_plain_strings() -> None:
    assert str(Money(123456789, "USD")) == "1,234,567.89 USD"
    assert Money(-5, "USD").major_str() == "-0.05"
    assert Money(7, "JPY").major_str() == "7"


def test_conversion_rounds_half_to_even_at_the_target_minor_unit() -> None:
    assert Money(1, "USD").convert(Decimal("0.5"), "EUR") == Money(0, "EUR")
    assert Money(3, "USD").convert(Decimal("0.5"), "EUR") == Money(2, "EUR")
    assert Money(10000, "JPY").convert(Decimal("0.0067"), "USD") == Money(6700, "USD")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip_through_their_text(minor: int) -> None:
    money = Money(minor, "USD")
    assert Money.from_major(money.major_str(), "USD") == money
    assert Money.from_major(money.to_decimal(), "USD") == money


@given(st.lists(st.integers(min_value=0, max_value=10**12), max_size=50))
def test_sums_are_exact(minors: list[int]) -> None:
    total = Money.zero("EUR")
    for minor in minors:
        total = total + Money(minor, "EUR")
    assert total.minor == sum(minors)
