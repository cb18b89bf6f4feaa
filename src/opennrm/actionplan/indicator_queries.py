"""The counts the indicators are made of, aggregated in the database.

Every function here returns counts grouped by coded values (a month, an organisation
type, a role, yes/no): no record is loaded into Python and no personal content is read.
Grouping by a month is done in an outer query over a labelled CASE, because PostgreSQL
does not recognise two CASE expressions with bound parameters as the same expression.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from opennrm.actionplan.models import Attendance, Course, Measure, TrainingSession
from opennrm.actionplan.rules import CLOSED
from opennrm.actionplan.sqltime import before_end_of_day, month_of, whole_days, within
from opennrm.audit.models import AuditEvent
from opennrm.auth.models import Organisation, User, UserRole
from opennrm.investigations.models import Consultation, DesignatedInvestigator
from opennrm.investigations.registry import in_force
from opennrm.policy.models import Share
from opennrm.referrals.models import Referral, ReferralDecision
from opennrm.signals.models import Signal

AWAITING = ("requested", "accepted")
"""Consultation states in which the national team still owes its support."""
DEADLINE_REACH_DAYS = 120
"""How far after its request a consultation's deadline can fall (the longest clock is
fifteen working days; the margin is generous)."""


@dataclass(frozen=True)
class Window:
    """The months a series covers, and where they begin and end."""

    keys: list[str]
    bounds: list[datetime]
    """UTC instants: each month's local start, then the last month's end."""
    day_bounds: list[date]
    timezone: str
    today: date
    threshold: int = 5
    """Disclosure control's threshold (`OPENNRM_STATISTICS_THRESHOLD`)."""


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def signals_by_sector(session: Session, w: Window) -> dict[tuple[str, str], int]:
    """(month, type of the recording organisation) → signals recorded."""
    inner = (
        select(
            month_of(Signal.created_at, w.keys, w.bounds).label("month"),
            Organisation.type.label("sector"),
        )
        .join(Organisation, Organisation.id == Signal.organisation_id)
        .where(within(Signal.created_at, w.bounds))
        .subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.sector, func.count()).group_by(inner.c.month, inner.c.sector)
    )
    return {(m, s): int(n) for m, s, n in rows}


def referral_decision_days(session: Session, w: Window) -> dict[str, dict[int, int]]:
    """Month of referral → {whole days to the first decision: referrals}, for referrals
    to the assistance system that have a decision."""
    first = (
        select(
            ReferralDecision.referral_id.label("referral_id"),
            func.min(ReferralDecision.decided_at).label("decided_at"),
        )
        .group_by(ReferralDecision.referral_id)
        .subquery()
    )
    inner = (
        select(
            month_of(Referral.created_at, w.keys, w.bounds).label("month"),
            whole_days(_dialect(session), first.c.decided_at, Referral.created_at).label("days"),
        )
        .join(first, first.c.referral_id == Referral.id)
        .where(Referral.machine == "assistance", within(Referral.created_at, w.bounds))
        .subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.days, func.count()).group_by(inner.c.month, inner.c.days)
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for month, days, n in rows:
        out[month][max(int(days), 0)] = out[month].get(max(int(days), 0), 0) + int(n)
    return dict(out)


def _core_completed(user_id: object) -> object:
    return exists().where(
        Attendance.user_id == user_id,
        Attendance.completed.is_(True),
        TrainingSession.id == Attendance.session_id,
        Course.id == TrainingSession.course_id,
        Course.is_core.is_(True),
    )


def designated_trained(session: Session, today: date) -> tuple[int, int, int]:
    """(police departments, those with two designated investigators in force, those with
    two designated investigators in force who both completed a core course)."""
    departments = session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.type == "police")
    )
    trained = _core_completed(DesignatedInvestigator.user_id)
    per_department = (
        select(
            DesignatedInvestigator.organisation_id.label("org"),
            func.count(func.distinct(DesignatedInvestigator.user_id)).label("designated"),
            func.count(
                func.distinct(case((trained, DesignatedInvestigator.user_id), else_=None))  # type: ignore[arg-type]
            ).label("trained"),
        )
        .join(Organisation, Organisation.id == DesignatedInvestigator.organisation_id)
        .where(
            Organisation.type == "police",
            DesignatedInvestigator.function == "designated",
            in_force(today),
        )
        .group_by(DesignatedInvestigator.organisation_id)
        .subquery()
    )
    two, two_trained = session.execute(
        select(
            func.coalesce(func.sum(case((per_department.c.designated >= 2, 1), else_=0)), 0),
            func.coalesce(func.sum(case((per_department.c.trained >= 2, 1), else_=0)), 0),
        )
    ).one()
    return int(departments or 0), int(two), int(two_trained)


def consultations_in_time(session: Session, w: Window) -> dict[tuple[str, str], int]:
    """(month of the request, "yes"/"no") → consultations due: the deadline has passed or
    the team has responded. "yes" when the team's first response that ended what it owed
    (anything but accepting) came by the end of the deadline day, local time.

    The moment of that response is read from the audit trail, the only place that keeps
    it (a consultation row keeps the time of its latest change only)."""
    responded_at = (
        select(func.min(AuditEvent.at))
        .where(
            AuditEvent.record_type == "consultation",
            AuditEvent.record_id == Consultation.id,
            AuditEvent.action == "consultation.respond",
            AuditEvent.outcome == "ok",
            AuditEvent.detail["response"].as_string() != "accept",
        )
        .correlate(Consultation)
        .scalar_subquery()
    )
    deadline = Consultation.deadline
    in_time = and_(
        responded_at.is_not(None),
        before_end_of_day(
            _dialect(session),
            responded_at,
            deadline,
            timezone=w.timezone,
            # Deadlines fall from the window's first day to some weeks after today.
            first=w.day_bounds[0],
            last=w.today + timedelta(days=DEADLINE_REACH_DAYS),
        ),
    )
    inner = (
        select(
            month_of(Consultation.requested_at, w.keys, w.bounds).label("month"),
            case((in_time, "yes"), else_="no").label("in_time"),
        )
        .where(
            deadline.is_not(None),
            within(Consultation.requested_at, w.bounds),
            or_(deadline < w.today, Consultation.status.not_in(AWAITING)),
        )
        .subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.in_time, func.count()).group_by(
            inner.c.month, inner.c.in_time
        )
    )
    return {(m, flag): int(n) for m, flag, n in rows}


def shares_between(session: Session, w: Window) -> dict[tuple[str, str, str], int]:
    """(month, type of the sharing organisation, type of the receiving one) → shares
    made. The sharer is the organisation of the person who made the share."""
    grantee = aliased(Organisation)
    grantor = aliased(Organisation)
    inner = (
        select(
            month_of(Share.created_at, w.keys, w.bounds).label("month"),
            grantor.type.label("grantor"),
            grantee.type.label("grantee"),
        )
        .join(User, User.id == Share.created_by)
        .join(grantor, grantor.id == User.organisation_id)
        .join(grantee, grantee.id == Share.organisation_id)
        .where(within(Share.created_at, w.bounds))
        .subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.grantor, inner.c.grantee, func.count()).group_by(
            inner.c.month, inner.c.grantor, inner.c.grantee
        )
    )
    return {(m, a, b): int(n) for m, a, b, n in rows}


def training_coverage(session: Session, roles: tuple[str, ...]) -> dict[tuple[str, str], int]:
    """(role, "yes"/"no") → active users in the role who have / have not completed at
    least one course. Someone with two of the roles counts in each."""
    completed = exists().where(Attendance.user_id == User.id, Attendance.completed.is_(True))
    inner = (
        select(
            UserRole.role.label("role"),
            case((completed, "yes"), else_="no").label("completed"),
        )
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role.in_(roles), User.is_active.is_(True))
        .subquery()
    )
    rows = session.execute(
        select(inner.c.role, inner.c.completed, func.count()).group_by(
            inner.c.role, inner.c.completed
        )
    )
    return {(r, c): int(n) for r, c, n in rows}


def measures_by_status(session: Session, today: date) -> dict[str, int]:
    """Shown status (a measure past its deadline and not finished is delayed) → measures."""
    shown = case(
        (Measure.status.in_(CLOSED), Measure.status),
        (Measure.deadline < today, literal("delayed")),
        else_=Measure.status,
    ).label("shown")
    inner = select(shown).subquery()
    rows = session.execute(select(inner.c.shown, func.count()).group_by(inner.c.shown))
    return {s: int(n) for s, n in rows}
