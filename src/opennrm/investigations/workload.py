"""The workload board: per police organisation, open investigations, consultations and
ageing against the capacity the organisation entered, and whether it has its two
designated investigators.

Counts only — no reference, no person, no case id — computed in one SQL statement with
GROUP BY subqueries, so the board reads no investigation row into Python. A police unit
sees its own row; the national team, the NBI, coordinators and analysts see every row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.db import utcnow
from opennrm.errors import Forbidden
from opennrm.investigations import people_schemas as schemas
from opennrm.investigations.models import (
    Consultation,
    DesignatedInvestigator,
    Investigation,
    InvestigationCapacity,
)
from opennrm.investigations.registry import in_force, norm_met
from opennrm.policy import POLICE_TYPES, Action, Actor, can, rowsecurity
from opennrm.policy.rules import NATIONAL_POLICE_TYPES, NATIONAL_VIEW_ROLES
from opennrm.referrals.config import ReferralConfig

OPEN_CONSULTATION_STATES = ("requested", "accepted", "joined")


def sees_every_row(actor: Actor) -> bool:
    """The national team and the NBI follow every department; coordinators and analysts
    see national counts. Everyone else sees their own unit."""
    national_police = actor.organisation_type in NATIONAL_POLICE_TYPES
    national_view = actor.has_any(NATIONAL_VIEW_ROLES)
    return national_police or national_view


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def workload(
    session: Session,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> schemas.WorkloadOut:
    now = now or utcnow()
    decision = can(actor, Action.WORKLOAD_READ)
    if not decision.allowed:
        raise Forbidden(
            "Only the police, coordinators and analysts see the workload board.",
            audit=AuditEntry.by(
                actor,
                str(Action.WORKLOAD_READ),
                outcome="denied",
                detail={"reason": decision.reason},
            ),
        )
    with rowsecurity.system_scope(session, "statistics"):  # counts over every unit
        today = config.local_day(now)
        local = ZoneInfo(config.deployment.timezone)
        year_start = datetime(today.year, 1, 1, tzinfo=local).astimezone(UTC)
        national = sees_every_row(actor)

        # "Open" is every stage before the terminal one; the (organisation, stage) index
        # serves this grouping.
        is_open = Investigation.stage != "closed"
        investigations = (
            select(
                Investigation.organisation_id.label("org_id"),
                _count(is_open).label("open"),
                _count(Investigation.created_at >= year_start).label("this_year"),
                func.min(case((is_open, Investigation.created_at))).label("oldest"),
            )
            .group_by(Investigation.organisation_id)
            .subquery()
        )
        open_consultation = Consultation.status.in_(OPEN_CONSULTATION_STATES)
        asked = (
            select(
                Consultation.requesting_organisation_id.label("org_id"),
                func.count().label("n"),
            )
            .where(open_consultation)
            .group_by(Consultation.requesting_organisation_id)
            .subquery()
        )
        to_answer = (
            select(Consultation.team_organisation_id.label("org_id"), func.count().label("n"))
            .where(open_consultation)
            .group_by(Consultation.team_organisation_id)
            .subquery()
        )
        designated = (
            select(DesignatedInvestigator.organisation_id.label("org_id"), func.count().label("n"))
            .where(DesignatedInvestigator.function == "designated", in_force(today))
            .group_by(DesignatedInvestigator.organisation_id)
            .subquery()
        )

        def zero(column: ColumnElement[int]) -> ColumnElement[int]:
            return func.coalesce(column, 0, type_=Integer)

        stmt = (
            select(
                Organisation.id,
                Organisation.name,
                Organisation.type,
                zero(investigations.c.open),
                zero(investigations.c.this_year),
                zero(asked.c.n),
                zero(to_answer.c.n),
                investigations.c.oldest,
                InvestigationCapacity.person_years,
                zero(designated.c.n),
            )
            .outerjoin(investigations, investigations.c.org_id == Organisation.id)
            .outerjoin(asked, asked.c.org_id == Organisation.id)
            .outerjoin(to_answer, to_answer.c.org_id == Organisation.id)
            .outerjoin(designated, designated.c.org_id == Organisation.id)
            .outerjoin(
                InvestigationCapacity, InvestigationCapacity.organisation_id == Organisation.id
            )
            .where(Organisation.type.in_(POLICE_TYPES))
            .order_by(Organisation.name)
        )
        if not national:
            stmt = stmt.where(Organisation.id == actor.organisation_id)

        rows = []
        for (
            org_id,
            name,
            org_type,
            n_open,
            this_year,
            n_asked,
            n_to_answer,
            oldest,
            person_years,
            n_designated,
        ) in session.execute(stmt).all():
            oldest_days = None
            if oldest is not None:
                oldest_days = max(0, (today - config.local_day(oldest)).days)
            capacity = float(person_years) if person_years is not None else None
            rows.append(
                schemas.WorkloadRow(
                    organisation_id=org_id,
                    organisation=name,
                    organisation_type=org_type,
                    open_investigations=n_open,
                    opened_this_year=this_year,
                    open_consultations_asked=n_asked,
                    open_consultations_to_answer=n_to_answer,
                    oldest_open_days=oldest_days,
                    person_years=capacity,
                    open_per_person_year=round(n_open / capacity, 2) if capacity else None,
                    designated_in_force=n_designated,
                    fewer_than_two_designated=_flag(norm_met(org_type, n_designated)),
                )
            )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            str(Action.WORKLOAD_READ),
            detail={"organisations": len(rows), "national": national},
        ),
    )
    return schemas.WorkloadOut(as_of=today, national=national, rows=rows)


def _flag(met: bool | None) -> bool | None:
    return None if met is None else not met
