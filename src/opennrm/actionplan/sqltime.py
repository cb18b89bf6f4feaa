"""Time arithmetic in SQL on SQLite and PostgreSQL alike.

The indicators count in the database (GROUP BY), so months, elapsed days and "by the end
of the deadline day" have to be SQL. Months are a CASE over the months' bounds (bound
parameters, identical on both databases); elapsed days and the end of a local day differ
by dialect: PostgreSQL knows time zones, SQLite is given the deployment's UTC offsets day
by day (`periods.offset_periods`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, extract, func, literal_column
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import DateTime

from opennrm.actionplan.periods import offset_periods

Column = ColumnElement[Any] | QueryableAttribute[Any]


def month_of(
    column: Column,
    keys: list[str],
    bounds: list[datetime] | list[date],
) -> ColumnElement[str]:
    """The month key of `column` (one of `keys`); use it with `within()`."""
    return case(
        *((column < bounds[i + 1], keys[i]) for i in range(len(keys) - 1)),
        else_=keys[-1],
    )


def within(column: Column, bounds: list[datetime] | list[date]) -> ColumnElement[bool]:
    return and_(column >= bounds[0], column < bounds[-1])


def whole_days(dialect: str, later: Column, earlier: Column) -> ColumnElement[int]:
    """Whole days elapsed from `earlier` to `later` (24-hour periods, rounded down)."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", later - earlier) / 86400), Integer)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def before_end_of_day(
    dialect: str,
    moment: Column,
    day: Column,
    *,
    timezone: str,
    first: date,
    last: date,
) -> ColumnElement[bool]:
    """Whether `moment` came before the local day `day` ended (`day` in [first, last])."""
    if dialect == "postgresql":
        next_midnight = cast(day, DateTime) + literal_column("INTERVAL '1 day'")
        return moment < func.timezone(timezone, next_midnight)
    # The local midnight ending `day` is the next day's; its offset is the next day's.
    one = timedelta(days=1)
    modifier = case(
        *(
            (and_(day >= start - one, day < until - one), f"{-minutes:+d} minutes")
            for start, until, minutes in offset_periods(first + one, last + one, timezone)
        ),
        else_="+0 minutes",
    )
    return func.julianday(moment) < func.julianday(day, "+1 day", modifier)
