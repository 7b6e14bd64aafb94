"""Money: an integer number of minor units plus an ISO 4217 currency code.

`Money` is the one constructor. Amounts written by people or files (``"1,234.50"``) go through
`Money.from_major`, which is exact: it refuses more decimals than the currency has instead of
rounding them away. Floats are refused everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.core.errors import MoneyError

_MAJOR_TEXT = re.compile(r"^\s*([+-]?)(\d+|\d{1,3}(?:,\d{3})+)?(?:\.(\d*))?\s*$")


def currency_exponent(currency: str) -> int:
    """Number of decimals of `currency` (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        return MINOR_UNIT_EXPONENT[currency]
    except KeyError:
        raise MoneyError(
            f"unknown currency {currency!r}: expected an ISO 4217 code such as USD"
        ) from None


def is_currency(code: str) -> bool:
    return code in MINOR_UNIT_EXPONENT


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; a float here means a lost cent somewhere upstream.
        if type(self.minor) is not int:
            raise MoneyError(f"money needs an integer number of minor units, got {self.minor!r}")
        currency_exponent(self.currency)

    @classmethod
    def from_major(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Exact conversion of a major-unit amount ("12.30", Decimal("12.3"), 12) to minor units."""
        exponent = currency_exponent(currency)
        if isinstance(amount, bool | float):
            raise MoneyError(
                f"money from {type(amount).__name__} is not exact: pass text or Decimal"
            )
        if isinstance(amount, int):
            return cls(amount * 10**exponent, currency)
        if isinstance(amount, Decimal):
            return cls(_decimal_to_minor(amount, exponent, str(amount)), currency)
        return cls(parse_minor(amount, exponent), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def major_str(self) -> str:
        """Plain decimal string in major units, e.g. ``"-1234.50"``; used in JSON and CSV."""
        return format(self.to_decimal(), "f")

    def __str__(self) -> str:
        return f"{self.to_decimal():,.{self.exponent}f} {self.currency}"

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(
                f"cannot combine {self.currency} with {other.currency} without an FX rate"
            )

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def convert(self, rate: Decimal, to_currency: str) -> Money:
        """Convert with `rate` (units of `to_currency` per one unit of this currency), rounding half
        to even at the target's minor unit, the usual convention for accounting conversions."""
        target_exp = currency_exponent(to_currency)
        value = self.to_decimal() * rate
        minor = (value.scaleb(target_exp)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return Money(int(minor), to_currency)


def parse_minor(text: str, exponent: int) -> int:
    """Parse major-unit text ("1,234.5", "-12", ".50") exactly into minor units."""
    match = _MAJOR_TEXT.match(text)
    if match is None or (match.group(2) is None and not match.group(3)):
        raise MoneyError(
            f"{text!r} is not an amount: expected digits with an optional decimal point"
        )
    sign: str
    whole: str
    frac: str
    sign, whole, frac = (
        match.group(1),
        (match.group(2) or "0").replace(",", ""),
        match.group(3) or "",
    )
    frac = frac.rstrip("0")
    if len(frac) > exponent:
        raise MoneyError(f"{text!r} has more than {exponent} decimals for this currency")
    minor: int = int(whole) * 10**exponent + (int(frac.ljust(exponent, "0")) if exponent else 0)
    return -minor if sign == "-" else minor


def _decimal_to_minor(amount: Decimal, exponent: int, shown: str) -> int:
    try:
        scaled = amount.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{shown!r} has more than {exponent} decimals for this currency")
        return int(scaled)  # exact: checked integral above
    except InvalidOperation:
        raise MoneyError(f"{shown!r} is not a finite amount") from None
