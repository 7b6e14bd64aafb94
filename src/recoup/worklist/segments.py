"""Segments of the book and their treatments (seed 002: by age, amount and likelihood): the rules
a manager keeps on the segments page, read in order, the first an account meets being its
segment. An account no rule takes is called (the treatment with the most judgement in it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from recoup.core.money import Money
from recoup.worklist.models import SegmentRule, Treatment

# Treatments worked from the list (a contact now); the others are sent or handed on.
CONTACT_TREATMENTS = frozenset({Treatment.CALL, Treatment.EMAIL})
NO_RULE = "No segment"


@dataclass(frozen=True, slots=True)
class Segment:
    """One rule, read once: its limits inclusive at both ends, None where it has none."""

    id: int
    position: int
    name: str
    treatment: str
    min_days: int | None
    max_days: int | None
    min_balance: int | None
    max_balance: int | None
    min_likelihood: int | None
    max_likelihood: int | None

    @property
    def treatment_words(self) -> str:
        return str(Treatment(self.treatment).label)

    def takes(self, days_past_due: float, balance_minor: float, likelihood: float) -> bool:
        percent = likelihood * 100
        return (
            _within(days_past_due, self.min_days, self.max_days)
            and _within(balance_minor, self.min_balance, self.max_balance)
            and _within(percent, self.min_likelihood, self.max_likelihood)
        )

    @property
    def words(self) -> str:
        """Its conditions in words: "120 days or more past due, likely to pay up to 30 %"."""
        days = _range_words(self.min_days, self.max_days, "{} days past due", "{:,}")
        owed = _range_words(self.min_balance, self.max_balance, "owes {}", None, money=True)
        likely = _range_words(self.min_likelihood, self.max_likelihood, "likely to pay {}", "{} %")
        said = [p for p in (days, owed, likely) if p]
        return ", ".join(said) if said else "every account"


def _within(value: float, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _range_words(
    low: int | None, high: int | None, sentence: str, number: str | None, money: bool = False
) -> str:
    def shown(n: int) -> str:
        return str(Money(n, settings.BASE_CURRENCY)) if money else (number or "{}").format(n)

    if low is not None and high is not None:
        return sentence.format(f"{shown(low)} to {shown(high)}")
    if low is not None:
        return sentence.format(f"{shown(low)} or more")
    if high is not None:
        return sentence.format(f"up to {shown(high)}")
    return ""


def segments_current() -> list[Segment]:
    """The rules in the order they are read."""
    return [
        Segment(
            id=r.pk,
            position=r.position,
            name=r.name,
            treatment=r.treatment,
            min_days=r.min_days_past_due,
            max_days=r.max_days_past_due,
            min_balance=r.min_balance_minor,
            max_balance=r.max_balance_minor,
            min_likelihood=r.min_likelihood,
            max_likelihood=r.max_likelihood,
        )
        for r in SegmentRule.objects.order_by("position", "id")
    ]


def segment_of(
    segments: list[Segment], days_past_due: float, balance_minor: float, likelihood: float
) -> Segment | None:
    """The first segment that takes the account, or None."""
    for segment in segments:
        if segment.takes(days_past_due, balance_minor, likelihood):
            return segment
    return None
