"""Rounding parts so they add up to their rounded whole (largest remainder).

Money is converted to the base currency exactly and rounded to a minor unit only when shown. A
number split by customer, collector or bucket is then rounded part by part, and the rounded parts
drift from the rounded whole by a cent or more. Allocating the rounding instead gives every part
its floor, then one more minor unit to the parts with the largest remainders, until they add up to
the whole rounded once (decision 0021).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from recoup.core.money import currency_exponent
from recoup.metrics.evaluate import Result

ONE = Decimal(1)


def allocate_minor(parts: Sequence[Decimal]) -> list[Decimal]:
    """`parts` (unrounded minor units) as whole minor units that sum to their rounded sum.

    Ties in the remainders go to the earlier part, so the answer does not depend on luck."""
    whole = sum(parts, Decimal(0)).quantize(ONE, rounding=ROUND_HALF_EVEN)
    floors = [p.quantize(ONE, rounding=ROUND_FLOOR) for p in parts]
    left = int(whole - sum(floors, Decimal(0)))
    # `left` is between 0 and len(parts): each floor is at most one unit below its part.
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += ONE
    return floors


def allocate_money[K](parts: Mapping[K, Decimal], currency: str) -> dict[K, Decimal]:
    """Unrounded minor units of `currency` per key as amounts that add up to the rounded total."""
    keys = list(parts)
    minor = allocate_minor([parts[k] for k in keys])
    exponent = currency_exponent(currency)
    return {k: m.scaleb(-exponent) for k, m in zip(keys, minor, strict=True)}


def money_minor(result: Result) -> Decimal | None:
    """The unrounded base minor units behind a money result (its one measure), else None."""
    if result.unit != "money" or len(result.measures) != 1:
        return None
    return next(iter(result.measures.values()))
