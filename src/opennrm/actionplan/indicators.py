"""The indicators of the action plan, computed live from the platform's data.

Nothing is stored: every call counts afresh (`indicator_queries`, GROUP BY in the
database), so an indicator is as current as the data. Counts by category — signals by
sector, shares by route, consultations by month, training by role — pass statistical
disclosure control (`statistics.disclosure.protect`) before anyone sees them, the same
control the platform's statistics use: a small count is suppressed, and so is whatever
would let it be worked out from the totals. A median is shown only over at least as many
cases as the threshold. Shares of police departments and of the plan's own measures name
no person and are shown as counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from opennrm.actionplan import indicator_queries as counts
from opennrm.actionplan import periods
from opennrm.actionplan.definitions import BY_KEY, INDICATORS, REPORTED_ROLES, Indicator
from opennrm.actionplan.disclosed import THRESHOLD, Protected
from opennrm.actionplan.indicator_queries import Window
from opennrm.actionplan.rules import STATUSES
from opennrm.actionplan.schemas import IndicatorOut, PointOut, RowOut, SeriesOut
from opennrm.auth.models import ORGANISATION_TYPES
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.policy import Action, Actor, can, rowsecurity
from opennrm.referrals.config import ReferralConfig
from opennrm.statistics import disclosure

OTHER = "other"
YES_NO = ("yes", "no")


@dataclass
class Figures:
    """What one indicator's computation yields, before its definition is added."""

    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    suppressed: bool = False
    series: list[SeriesOut] = field(default_factory=list)
    rows: list[RowOut] = field(default_factory=list)


# --- disclosure control ----------------------------------------------------------------------


def _point(period: str, cell: disclosure.Cell) -> PointOut:
    return PointOut(
        period=period,
        value=None if cell.count is None else float(cell.count),
        count=cell.count,
        suppressed=cell.suppressed,
    )


def _count_row(key: str, cell: disclosure.Cell) -> RowOut:
    return RowOut(
        key=key,
        value=None if cell.count is None else float(cell.count),
        numerator=cell.count,
        denominator=None,
        suppressed=cell.suppressed,
    )


def _shows(cell: disclosure.Cell) -> bool:
    """A category worth a line: something was counted (or hidden) in it."""
    return cell.suppressed or bool(cell.count)


def _series_by_category(
    table: Protected, w: Window, dim: str, categories: Sequence[str]
) -> tuple[list[SeriesOut], list[RowOut]]:
    """A series over months per category with anything in it, the "all" series, and a
    row per category with its total over the window."""
    series = [
        SeriesOut(
            key="all",
            points=[_point(m, table.cell(("month",), (m,))) for m in w.keys],
        )
    ]
    rows = []
    for category in categories:
        margin = table.cell((dim,), (category,))
        if not _shows(margin):
            continue
        rows.append(_count_row(category, margin))
        series.append(
            SeriesOut(
                key=category,
                points=[_point(m, table.cell(("month", dim), (m, category))) for m in w.keys],
            )
        )
    return series, rows


# --- the indicators --------------------------------------------------------------------------


def _signals_by_sector(session: Session, w: Window) -> Figures:
    raw = counts.signals_by_sector(session, w)
    table = Protected(
        {(m, s): n for (m, s), n in raw.items()},
        [w.keys, ORGANISATION_TYPES],
        ("month", "sector"),
        w.threshold,
    )
    series, rows = _series_by_category(table, w, "sector", ORGANISATION_TYPES)
    total = table.total()
    return Figures(
        value=None if total.count is None else float(total.count),
        numerator=total.count,
        suppressed=total.suppressed,
        series=series,
        rows=rows,
    )


def _referral_decision_days(session: Session, w: Window) -> Figures:
    by_month = counts.referral_decision_days(session, w)
    overall: dict[int, int] = defaultdict(int)
    points = []
    for month in w.keys:
        histogram = by_month.get(month, {})
        for days, n in histogram.items():
            overall[days] += n
        n = sum(histogram.values())
        shown = disclosure.protect_summary(n, w.threshold)
        points.append(
            PointOut(
                period=month,
                value=periods.median(histogram) if shown else None,
                count=n if shown or n == 0 else None,
                suppressed=0 < n < w.threshold,
            )
        )
    n = sum(overall.values())
    shown = disclosure.protect_summary(n, w.threshold)
    return Figures(
        value=periods.median(overall) if shown else None,
        numerator=n if shown or n == 0 else None,
        suppressed=0 < n < w.threshold,
        series=[SeriesOut(key="all", points=points)],
    )


def _designated_trained(session: Session, w: Window) -> Figures:
    departments, two, two_trained = counts.designated_trained(session, w.today)
    return Figures(
        value=periods.share(two_trained, departments),
        numerator=two_trained,
        denominator=departments,
        rows=[
            RowOut(
                key=key,
                value=periods.share(n, departments),
                numerator=n,
                denominator=departments,
                suppressed=False,
            )
            for key, n in (("two_designated", two), ("two_designated_trained", two_trained))
        ],
    )


def _share_point(period: str, yes: disclosure.Cell, all_: disclosure.Cell) -> PointOut:
    return PointOut(
        period=period,
        value=periods.share(yes.count, all_.count),
        count=all_.count,
        suppressed=yes.suppressed or all_.suppressed,
    )


def _consultations_in_time(session: Session, w: Window) -> Figures:
    raw = counts.consultations_in_time(session, w)
    table = Protected(raw, [w.keys, YES_NO], ("month", "in_time"), w.threshold)
    points = [
        _share_point(m, table.cell(("month", "in_time"), (m, "yes")), table.cell(("month",), (m,)))
        for m in w.keys
    ]
    yes, due = table.cell(("in_time",), ("yes",)), table.total()
    return Figures(
        value=periods.share(yes.count, due.count),
        numerator=yes.count,
        denominator=due.count,
        suppressed=yes.suppressed or due.suppressed,
        series=[SeriesOut(key="all", points=points)],
        rows=[
            _count_row("in_time", yes),
            _count_row("late", table.cell(("in_time",), ("no",))),
            _count_row("due", due),
        ],
    )


def _shares_between(session: Session, w: Window) -> Figures:
    raw = counts.shares_between(session, w)
    totals: dict[str, int] = defaultdict(int)
    for (_m, a, b), n in raw.items():
        totals[f"{a}>{b}"] += n
    # A route is a category of its own only when it has as many shares as the threshold
    # over the window; the others are counted together, so that no route exists in the
    # table only because one organisation shared once.
    routes = sorted(r for r, n in totals.items() if n >= w.threshold)
    categories = [*routes, OTHER] if len(routes) < len(totals) or not routes else routes
    by_route: dict[tuple[str, str], int] = defaultdict(int)
    for (m, a, b), n in raw.items():
        route = f"{a}>{b}"
        by_route[m, route if route in routes else OTHER] += n
    table = Protected(by_route, [w.keys, categories], ("month", "route"), w.threshold)
    series, rows = _series_by_category(table, w, "route", categories)
    total = table.total()
    return Figures(
        value=None if total.count is None else float(total.count),
        numerator=total.count,
        suppressed=total.suppressed,
        series=series,
        rows=rows,
    )


def _training_coverage(session: Session, w: Window) -> Figures:
    raw = counts.training_coverage(session, REPORTED_ROLES)
    table = Protected(raw, [REPORTED_ROLES, YES_NO], ("role", "completed"), w.threshold)
    rows = []
    for role in REPORTED_ROLES:
        yes, everyone = (
            table.cell(("role", "completed"), (role, "yes")),
            table.cell(("role",), (role,)),
        )
        rows.append(
            RowOut(
                key=role,
                value=periods.share(yes.count, everyone.count),
                numerator=yes.count,
                denominator=everyone.count,
                suppressed=yes.suppressed or everyone.suppressed,
            )
        )
    yes, everyone = table.cell(("completed",), ("yes",)), table.total()
    return Figures(
        value=periods.share(yes.count, everyone.count),
        numerator=yes.count,
        denominator=everyone.count,
        suppressed=yes.suppressed or everyone.suppressed,
        rows=rows,
    )


def _measures_on_schedule(session: Session, w: Window) -> Figures:
    by_status = counts.measures_by_status(session, w.today)
    followed = sum(n for s, n in by_status.items() if s != "cancelled")
    on_schedule = followed - by_status.get("delayed", 0)
    return Figures(
        value=periods.share(on_schedule, followed),
        numerator=on_schedule,
        denominator=followed,
        rows=[
            RowOut(
                key=status,
                value=float(by_status.get(status, 0)),
                numerator=by_status.get(status, 0),
                denominator=None,
                suppressed=False,
            )
            for status in STATUSES
        ],
    )


COMPUTE: dict[str, Callable[[Session, Window], Figures]] = {
    "signals_by_sector": _signals_by_sector,
    "training_coverage": _training_coverage,
    "referral_decision_days": _referral_decision_days,
    "designated_investigators_trained": _designated_trained,
    "consultations_in_time": _consultations_in_time,
    "shares_between_sectors": _shares_between,
    "measures_on_schedule": _measures_on_schedule,
}


# --- entry points ----------------------------------------------------------------------------


def window_for(config: ReferralConfig, now: datetime, threshold: int = THRESHOLD) -> Window:
    today = config.local_day(now)
    keys = periods.window(today)
    timezone = config.deployment.timezone
    return Window(
        keys=keys,
        bounds=periods.month_bounds(keys, timezone),
        day_bounds=periods.month_day_bounds(keys),
        timezone=timezone,
        today=today,
        threshold=threshold,
    )


def _out(indicator: Indicator, figures: Figures, w: Window) -> IndicatorOut:
    return IndicatorOut(
        key=indicator.key,
        aim=indicator.aim,
        name=dict(indicator.name),
        description=dict(indicator.description),
        unit=indicator.unit,
        target=indicator.target,
        direction=indicator.direction,
        value=figures.value,
        numerator=figures.numerator,
        denominator=figures.denominator,
        suppressed=figures.suppressed,
        met=periods.meets(figures.value, indicator.target, indicator.direction),
        as_of=w.today,
        months=w.keys,
        series=figures.series,
        rows=figures.rows,
        threshold=w.threshold,
    )


def _readable(actor: Actor) -> None:
    if not can(actor, Action.ACTIONPLAN_READ):  # pragma: no cover - allowed to all today
        raise NotFound()


def compute_all(
    session: Session,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
    threshold: int = THRESHOLD,
) -> list[IndicatorOut]:
    """Every indicator, in the order of the registry."""
    _readable(actor)
    w = window_for(config, now or utcnow(), threshold)
    with rowsecurity.system_scope(session, "statistics"):  # national counts, protected
        return [_out(i, COMPUTE[i.key](session, w), w) for i in INDICATORS]


def compute_one(
    session: Session,
    key: str,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
    threshold: int = THRESHOLD,
) -> IndicatorOut:
    _readable(actor)
    indicator = BY_KEY.get(key)
    if indicator is None:
        raise NotFound("No indicator has this key.")
    w = window_for(config, now or utcnow(), threshold)
    with rowsecurity.system_scope(session, "statistics"):
        return _out(indicator, COMPUTE[key](session, w), w)
