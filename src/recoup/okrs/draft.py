"""A check-in drafted from the data: the KPI's value, its change since the last check-in, the
forecast with its chance, and what drove the change, split exactly by team, collector and bucket
by the KPI engine ("Days sales outstanding -2.1 days: North -1.6, Enterprise -0.7, South +0.2").

The person reads the draft on the check-in form, edits it and adds their confidence; the weekly
automatic check-in writes the same text. Parts are rounded to the precision the change is shown
in, the rounding spread so the parts still add up to the change as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.core.errors import RecoupError
from recoup.core.numbers import DecimalMark
from recoup.metrics.selectors import Drivers, allocate_to
from recoup.okrs import kpi
from recoup.okrs.forecast_text import forecast_text
from recoup.okrs.models import CheckIn, KeyResult
from recoup.okrs.selectors import key_result_forecast, key_result_state

# The splits a manager asks for first; each only where the KPI has the dimension.
DRAFT_DIMENSIONS = ("team", "collector", "bucket")
# The KPI drill-down page narrows to these (its accounts table lists the customers behind).
LINKED_DIMENSIONS = ("team", "collector", "bucket")
PARTS_IN_TEXT = 3
BY_TITLE = {"team": "By team", "collector": "By collector", "bucket": "By aging bucket"}


@dataclass(frozen=True, slots=True)
class DriverPart:
    label: str  # "North", "Nina North", "91-120"
    value: Decimal  # the part of the change, at the draft's precision
    text: str  # "-1.6 days"
    href: str  # the KPI drill-down narrowed to this group; "" where it cannot narrow


@dataclass(frozen=True, slots=True)
class DriverSplit:
    by: str
    title: str
    parts: list[DriverPart]  # largest first; they add up to the change


@dataclass(frozen=True, slots=True)
class CheckInDraft:
    as_of: date
    since: date
    value: Decimal
    value_text: str
    change: Decimal | None
    change_text: str  # "-2.1 days", or "" when the change is undefined
    forecast: str
    splits: list[DriverSplit]
    text: str  # the drafted comment
    not_split: str = ""  # why no split is given, when none is

    @property
    def largest(self) -> DriverPart | None:
        for split in self.splits:
            if split.parts:
                return split.parts[0]
        return None


def checkin_draft(
    *, key_result: KeyResult, today: date, mark: DecimalMark = "."
) -> CheckInDraft | None:
    """The draft for a KPI-bound key result as of `today` (the cycle end once it is over); None
    for a key result checked in by hand, or when the KPI has no value."""
    if not key_result.metric:
        return None
    cycle = key_result.objective.cycle
    as_of = min(today, cycle.ends_on)
    since = _since(key_result, as_of)
    reading = kpi.kpi_evaluate(
        metric=key_result.metric,
        as_of=as_of,
        params=key_result.metric_params,
        filters=key_result.metric_filters,
        window_days=key_result.metric_window_days,
    )
    if reading.value is None:
        return None
    info = kpi.kpi_definitions().get(key_result.metric)
    title = info.title if info is not None else key_result.metric
    quantum = _quantum(reading.unit, reading.value)
    dims = [
        d
        for d in DRAFT_DIMENSIONS
        if info is not None
        and d in info.dimensions
        and len(key_result.metric_filters.get(d, [])) != 1
    ]
    splits: list[DriverSplit] = []
    change: Decimal | None = None
    not_split = ""
    if since < as_of and dims:
        try:
            found = kpi.kpi_drivers(
                metric=key_result.metric,
                from_day=since,
                to_day=as_of,
                by=dims,
                params=key_result.metric_params,
                filters=key_result.metric_filters,
                window_days=key_result.metric_window_days,
            )
        except RecoupError as error:
            not_split = str(error)
        else:
            names = _names(found)
            for drivers in found:
                if drivers.change is None:
                    continue
                change = _round(drivers.change, quantum)
                shown = _spread(
                    {_key(c.dims, drivers.by): c.exact for c in drivers.contributions},
                    change,
                    quantum,
                )
                parts = [
                    DriverPart(
                        label=names.get((drivers.by, key), key),
                        value=part,
                        text=_signed(part, reading.unit, quantum, mark),
                        href=_href(key_result, drivers.by, key, as_of),
                    )
                    for key, part in shown.items()
                    if part != 0
                ]
                splits.append(DriverSplit(drivers.by, BY_TITLE[drivers.by], parts))
    elif since >= as_of:
        not_split = f"the last check-in is as of {as_of:%-d %b %Y} already"
    value_text = _plain(reading.value, reading.unit, quantum, mark)
    change_text = "" if change is None else _signed(change, reading.unit, quantum, mark)
    forecast = forecast_text(
        key_result_forecast(key_result=key_result, today=as_of),
        key_result_state(key_result=key_result, today=as_of),
        mark=mark,
    ).sentence
    text = _text(title, value_text, as_of, since, change_text, splits, forecast)
    return CheckInDraft(
        as_of=as_of,
        since=since,
        value=reading.value,
        value_text=value_text,
        change=change,
        change_text=change_text,
        forecast=forecast,
        splits=splits,
        text=text,
        not_split=not_split,
    )


def _since(key_result: KeyResult, as_of: date) -> date:
    """The data date of the last counted check-in before `as_of`, else the baseline's day."""
    last = (
        CheckIn.objects.counted()
        .filter(key_result=key_result, value__isnull=False, data_date__lt=as_of)
        .order_by("-data_date", "-created_at", "-id")
        .values_list("data_date", flat=True)
        .first()
    )
    if last is not None:
        return last
    start = key_result.baseline_as_of or key_result.objective.cycle.starts_on
    return min(start, as_of - timedelta(days=7)) if start >= as_of else start


def _text(
    title: str,
    value_text: str,
    as_of: date,
    since: date,
    change_text: str,
    splits: list[DriverSplit],
    forecast: str,
) -> str:
    text = f"{title} {value_text} as of {as_of:%-d %b %Y}"
    if change_text:
        text += f", {change_text} since {since:%-d %b %Y}"
        lead = next((s for s in splits if s.parts), None)
        if lead is not None:
            named = ", ".join(f"{p.label} {p.text}" for p in lead.parts[:PARTS_IN_TEXT])
            more = len(lead.parts) - PARTS_IN_TEXT
            text += f" ({lead.title.lower()}: {named}{f' and {more} more' if more > 0 else ''})"
    return f"{text}. {forecast}"


def _key(dims: dict[str, str], by: str) -> str:
    return dims.get(by, "")


def _names(found: list[Drivers]) -> dict[tuple[str, str], str]:
    """Collectors by name, not username; other groups as the engine labels them."""
    usernames = {c.dims["collector"] for d in found if d.by == "collector" for c in d.contributions}
    return {
        ("collector", u.username): person_name(u)
        for u in User.objects.filter(username__in=usernames)
    }


def _href(key_result: KeyResult, by: str, key: str, as_of: date) -> str:
    if by not in LINKED_DIMENSIONS or key.startswith("("):
        return ""
    query = {by: key, "as_of": as_of.isoformat()}
    return f"{reverse('web:explain', args=[key_result.metric])}?{urlencode(query)}"


def _quantum(unit: str, value: Decimal) -> Decimal:
    """The precision the draft writes the change in: a tenth of a day or a percentage point,
    whole currency units from a hundred up, whole counts."""
    if unit in {"days", "percent", "ratio"}:
        return Decimal("0.1")
    if unit == "money":
        return Decimal(1) if abs(value) >= 100 else Decimal("0.01")
    return Decimal(1) if unit == "count" else Decimal("0.01")


def _round(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def _spread(exact: dict[str, Fraction], total: Decimal, quantum: Decimal) -> dict[str, Decimal]:
    shown = allocate_to(exact, total, quantum)
    return dict(sorted(shown.items(), key=lambda kv: (-abs(exact[kv[0]]), kv[0])))


def _plain(value: Decimal, unit: str, quantum: Decimal, mark: DecimalMark) -> str:
    places = max(0, -quantum.as_tuple().exponent)  # type: ignore[operator]
    digits = f"{abs(_round(value, quantum)):,.{places}f}"
    if mark == ",":
        digits = digits.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits}{_unit_word(unit)}"


def _signed(value: Decimal, unit: str, quantum: Decimal, mark: DecimalMark) -> str:
    text = _plain(value, unit, quantum, mark)
    return text if value < 0 else f"+{text}"


def _unit_word(unit: str) -> str:
    if unit == "days":
        return " days"
    if unit == "percent":
        return " %"
    if unit == "money":
        return f" {settings.BASE_CURRENCY}"
    return ""
