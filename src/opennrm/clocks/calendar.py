"""Which days are working days: weekends and public holidays from the `holidays` library.

What we rely on. The Act on the Calculation of Statutory Time Limits (Laki säädettyjen
määräaikain laskemisesta 150/1930), § 5: when the last day of a time limit is a public
holiday (pyhäpäivä, which includes every Sunday), Independence Day, May Day, Christmas Eve,
Midsummer Eve or a Saturday, the act may still be done on the first working day after it.
The day the limit is counted from is not itself counted (§ 2).

`holidays.Finland` (checked with holidays 0.109) returns, in its default "public" category:
New Year's Day, Epiphany, Good Friday, Easter Sunday and Monday, May Day, Ascension Day,
Pentecost, Midsummer Eve and Day, All Saints' Day, Independence Day, Christmas Eve,
Christmas Day and Boxing Day (and Åland's Autonomy Day for subdivision "01"). Christmas Eve
and Midsummer Eve are not public holidays in law, only days on which § 5 moves a time
limit; the library lists them anyway, and `WorkingCalendar` adds them for Finland itself
so that a library change cannot make them working days. Holy Saturday, Midsummer Day and
All Saints' Day always fall on a Saturday, which is never a working day here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

SATURDAY = 5


@lru_cache(maxsize=256)
def _closed_days(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays (and for Finland the § 5 eves) of one year, as an immutable set."""
    days = set(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())
    if country == "FI":
        days.add(date(year, 12, 24))  # Christmas Eve
        # Midsummer Eve: the Friday between 19 and 25 June.
        days.add(next(date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4))
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days of one country (and optional subdivision): Monday to Friday, minus
    public holidays. Pure: the holidays are computed, never fetched."""

    country: str = "FI"
    subdivision: str | None = None

    def __post_init__(self) -> None:
        # Fail now, with the library's message, rather than on the first date asked.
        _closed_days(self.country, self.subdivision, 2000)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in _closed_days(
            self.country, self.subdivision, day.year
        )

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        """`day` itself if it is a working day, else the next working day (§ 5)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days `d` with `a < d <= b` (the start day is not counted, § 2);
        negative, with the same magnitude, when `b` is before `a`."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))


FINLAND = WorkingCalendar("FI")
"""The calendar of the Finnish deployment (mainland Finland)."""
