"""Months and medians for the indicators, as pure functions.

An indicator's series runs over the last months of the deployment's calendar (local
time: a signal recorded at 00:30 on 1 March in Helsinki belongs to March). The database
counts; these functions only name the months, find their bounds and reduce counts to a
median or a share, so they can be checked without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WINDOW_MONTHS = 12
"""Months an indicator's series covers, the current one included."""


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_first(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def window(today: date, months: int = WINDOW_MONTHS) -> list[str]:
    """The `months` month keys ending with today's month, oldest first."""
    keys: list[str] = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def local_midnight(day: date, timezone: str) -> datetime:
    """The instant a local day begins, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def month_bounds(keys: list[str], timezone: str) -> list[datetime]:
    """The instants each month of `keys` begins, and the one the last month ends: one
    more bound than months."""
    days = [month_first(k) for k in keys]
    days.append(next_month(days[-1]))
    return [local_midnight(d, timezone) for d in days]


def month_day_bounds(keys: list[str]) -> list[date]:
    """As `month_bounds`, for a column of calendar days."""
    days = [month_first(k) for k in keys]
    days.append(next_month(days[-1]))
    return days


def offset_periods(first: date, last: date, timezone: str) -> list[tuple[date, date, int]]:
    """(from, until exclusive, minutes) over [first, last]: how far the local midnight
    starting each day is from UTC. One entry per stretch with the same offset, so that a
    database without time zones can find the end of a local day."""
    zone = ZoneInfo(timezone)
    periods: list[tuple[date, date, int]] = []
    day = first
    while day <= last:
        offset = datetime.combine(day, time.min, tzinfo=zone).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        if periods and periods[-1][2] == minutes:
            start, _, _ = periods[-1]
            periods[-1] = (start, day + timedelta(days=1), minutes)
        else:
            periods.append((day, day + timedelta(days=1), minutes))
        day += timedelta(days=1)
    return periods


def median(counts: Mapping[int, int]) -> float | None:
    """The median of values given as value → how many times it occurs; None for none."""
    total = sum(n for n in counts.values() if n > 0)
    if total == 0:
        return None
    ordered = sorted((v, n) for v, n in counts.items() if n > 0)

    def nth(index: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)  # pragma: no cover - index < total by construction

    middle = total // 2
    if total % 2:
        return float(nth(middle))
    return (nth(middle - 1) + nth(middle)) / 2


def share(part: int | None, whole: int | None) -> float | None:
    """`part` of `whole` in per cent, to one decimal; None when either is unknown (a
    suppressed count) or there is nothing to divide."""
    if part is None or whole is None or whole <= 0:
        return None
    return round(100 * part / whole, 1)


def meets(value: float | None, target: float | None, direction: str | None) -> bool | None:
    """Whether a value reaches its target (`up`: at least; `down`: at most)."""
    if value is None or target is None or direction is None:
        return None
    return value >= target if direction == "up" else value <= target
