"""Clock rules, deadlines and the time left on them. Pure: dates in, dates out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from opennrm.clocks.calendar import WorkingCalendar

Unit = Literal["working", "calendar"]
UNITS: tuple[Unit, ...] = ("working", "calendar")


@dataclass(frozen=True)
class ClockRule:
    """A time limit of `days` working or calendar days, and its name in fi/sv/en."""

    days: int
    unit: Unit
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; use one of {', '.join(UNITS)}")
        if self.days < 0:
            raise ValueError(f"days must not be negative (got {self.days})")

    def label(self, locale: str) -> str:
        """The rule's name in `locale`, else in English, else empty."""
        return self.labels.get(locale) or self.labels.get("en", "")


def deadline(start: date, rule: ClockRule, calendar: WorkingCalendar) -> date:
    """The last day of a time limit that starts on `start` (which is not counted).

    working: the `days`-th working day after `start` (0 days: `start` itself when it is a
    working day, else the next one). calendar: `start + days`, moved forward to the next
    working day when it falls on a weekend, a holiday or a § 5 eve.
    """
    if rule.unit == "calendar":
        return calendar.on_or_after(start + timedelta(days=rule.days))
    if rule.days == 0:
        return calendar.on_or_after(start)
    day = start
    for _ in range(rule.days):
        day = calendar.next_working_day(day)
    return day


@dataclass(frozen=True)
class Remaining:
    """Time left until a deadline, seen on `today`. On the deadline itself nothing is
    left and nothing is overdue: the last day is still in time."""

    calendar_days: int
    working_days: int
    overdue: bool
    days_overdue: int

    @property
    def due_today(self) -> bool:
        return self.calendar_days == 0 and not self.overdue


def time_left(deadline: date, today: date, calendar: WorkingCalendar) -> Remaining:
    """Calendar and working days left until `deadline`, or calendar days past it."""
    if today > deadline:
        return Remaining(0, 0, overdue=True, days_overdue=(today - deadline).days)
    return Remaining(
        calendar_days=(deadline - today).days,
        working_days=calendar.working_days_between(today, deadline),
        overdue=False,
        days_overdue=0,
    )
