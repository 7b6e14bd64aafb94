"""Local time in a debtor's time zone for many instants at once, daylight saving included.

`zoneinfo` converts one instant at a time; the batch checks convert millions. A `ZoneTable` holds
a zone's UTC offsets as a step function (the instants where the offset changes, found by probing
`zoneinfo` day by day and bisecting to the second), so converting is one `searchsorted`. Every
instant is an integer number of microseconds since 1970-01-01 UTC; a local "day" is the number of
days since 1970-01-01 in the debtor's calendar.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt

US = 1_000_000
DAY_US = 86_400 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1).toordinal()
I64 = npt.NDArray[np.int64]

# Offsets are tabled for these years; an instant outside them uses the nearest edge's offset.
FIRST_YEAR, LAST_YEAR = 1990, 2060


def to_us(at: datetime) -> int:
    """An aware datetime as microseconds since the epoch (naive datetimes are a bug here)."""
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no time zone: instants must be aware")
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))


def day_to_date(day: int) -> date:
    return date.fromordinal(int(day) + EPOCH_DAY)


def date_to_day(on: date) -> int:
    return on.toordinal() - EPOCH_DAY


class ZoneTable:
    """The offsets of one IANA zone: `offset_us(instants)` and local midnight as an instant."""

    def __init__(self, name: str) -> None:
        self.name = name
        zone = zoneinfo.ZoneInfo(name)

        def offset(seconds: int) -> int:
            moment = datetime.fromtimestamp(seconds, UTC).astimezone(zone)
            off = moment.utcoffset()
            return int(off.total_seconds()) if off is not None else 0

        start = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp())
        end = int(datetime(LAST_YEAR, 1, 1, tzinfo=UTC).timestamp())
        changes = [start]
        offsets = [offset(start)]
        # Transitions are months apart: probing every 12 hours misses none, and bisection
        # finds each to the second.
        step = 43_200
        previous = offsets[0]
        t = start
        while t < end:
            nxt = t + step
            current = offset(nxt)
            if current != previous:
                lo, hi = t, nxt
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if offset(mid) == previous:
                        lo = mid
                    else:
                        hi = mid
                changes.append(hi)
                offsets.append(current)
                previous = current
            t = nxt
        self.changes_us: I64 = np.asarray(changes, dtype=np.int64) * US
        self.offsets_us: I64 = np.asarray(offsets, dtype=np.int64) * US

    def offset_us(self, instants: I64) -> I64:
        i = np.searchsorted(self.changes_us, instants, side="right") - 1
        return self.offsets_us[np.clip(i, 0, len(self.offsets_us) - 1)]

    def local_us(self, instants: I64) -> I64:
        """Wall-clock microseconds since the local epoch (for the day and the time of day)."""
        return instants + self.offset_us(instants)

    def instant_of_local(self, local: I64) -> I64:
        """The instant at local wall-clock time `local`. A time repeated in the autumn maps to
        its first occurrence; a time skipped by a spring-forward gap maps to the instant the
        clocks jump (02:30 on that day is 03:00)."""
        early = self.offset_us(local - self.offsets_us.max())
        late = self.offset_us(local - self.offsets_us.min())
        u_early, u_late = local - early, local - late
        ok_early = self.offset_us(u_early) == early
        ok_late = self.offset_us(u_late) == late
        both = np.minimum(u_early, u_late)
        out = np.where(ok_early & ok_late, both, np.where(ok_early, u_early, u_late))
        gap = ~(ok_early | ok_late)
        if gap.any():
            i = np.searchsorted(self.changes_us, np.maximum(u_early, u_late)[gap], "right") - 1
            out[gap] = self.changes_us[np.clip(i, 0, len(self.changes_us) - 1)]
        return out


@lru_cache(maxsize=512)
def zone_table(name: str) -> ZoneTable:
    return ZoneTable(name)


def local_us_many(instants: I64, zone_codes: I64, zone_names: list[str]) -> I64:
    """`instants` on each one's wall clock, `zone_codes[i]` indexing `zone_names`."""
    out = np.empty_like(instants)
    for code in np.unique(zone_codes):
        rows = zone_codes == code
        out[rows] = zone_table(zone_names[int(code)]).local_us(instants[rows])
    return out


def instants_of_local_many(local: I64, zone_codes: I64, zone_names: list[str]) -> I64:
    out = np.empty_like(local)
    for code in np.unique(zone_codes):
        rows = zone_codes == code
        out[rows] = zone_table(zone_names[int(code)]).instant_of_local(local[rows])
    return out
