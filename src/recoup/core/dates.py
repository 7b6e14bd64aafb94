"""Dates that come from a person or a file: the one parser and the range Recoup accepts.

Every interface (CLI options, API parameters and bodies, page parameters, plan files) reads a date
through `parse_input_date` or checks a parsed one with `check_input_date`, so an impossible date
(2026-02-30) or one far outside any ledger (0001-01-01, 9999-12-31) is a clear error where it was
typed, not an overflow in date arithmetic or an engine deep inside a query.
"""

from __future__ import annotations

import re
from argparse import ArgumentTypeError
from datetime import date
from typing import Annotated

from pydantic import AfterValidator

from recoup.core.errors import InputDateError

# Wide enough for any receivables history and any plan, narrow enough that a window, a lookback or
# a series end computed from an accepted date stays a valid date in Python and every engine.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def check_input_date(value: date, *, what: str) -> date:
    """`value` if it lies within EARLIEST_DATE..LATEST_DATE, else an InputDateError."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputDateError(
            what,
            f"{value.isoformat()} is outside the dates Recoup accepts "
            f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})",
        )
    return value


def parse_input_date(text: str, *, what: str) -> date:
    """A date written YYYY-MM-DD that exists on the calendar and lies within the accepted range.

    `what` names where the text came from (`--as-of`, `as_of`, `cycle.starts_on`) and starts the
    error's message."""
    cleaned = text.strip()
    found = _ISO_DATE.fullmatch(cleaned)
    if found is None:
        raise InputDateError(what, f"expected a date YYYY-MM-DD, got {text!r}")
    year, month, day = (int(part) for part in found.groups())
    try:
        value = date(year, month, day)
    except ValueError as exc:
        # Python's own words: "month must be in 1..12", "day is out of range for month".
        raise InputDateError(
            what, f"expected a date, got {cleaned!r}, which is not on the calendar ({exc})"
        ) from None
    return check_input_date(value, what=what)


def date_argument(text: str) -> date:
    """A command-line option's `type=`: argparse prefixes the option's name and exits with
    status 2, as for any other malformed argument."""
    try:
        return parse_input_date(text, what="date")
    except InputDateError as exc:
        raise ArgumentTypeError(exc.reason) from None


def _in_range(value: date) -> date:
    return check_input_date(value, what="date")


# An API field or query parameter holding a date: pydantic parses the calendar date and this
# bound answers 422, with the reason in `detail`, for one outside the accepted range.
InputDate = Annotated[date, AfterValidator(_in_range)]
