"""The registry of designated investigators and the capacity each police organisation
gives to trafficking investigations.

Every police department has (the norm) two designated trafficking investigators, so that
no investigator is left alone, with substitutes; the national team and the NBI liaisons
are listed too. A supervisor keeps the registry of their own organisation; the police and
the coordinators read it. The registry names officers in an official function and says
nothing about any case.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.db import utcnow
from opennrm.errors import Conflict, Forbidden, Invalid, NotFound
from opennrm.investigations import people_schemas as schemas
from opennrm.investigations.models import (
    FUNCTIONS,
    DesignatedInvestigator,
    InvestigationCapacity,
)
from opennrm.policy import POLICE_TYPES, Action, Actor, Decision, can
from opennrm.policy.access import denied_entry
from opennrm.policy.rules import INVESTIGATING_ROLES
from opennrm.referrals.config import ReferralConfig

ENTRY = "designated_investigator"
NORM_DESIGNATED = 2
"""Designated investigators a police department should have in force at any time."""

FUNCTIONS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "police": ("designated", "substitute"),
    "national_team": ("national_team",),
    "nbi": ("nbi_liaison",),
}
"""Which functions an organisation of each police type can give its officers: a
department designates its investigators and their substitutes, the national team lists
its members, the NBI its liaison officers."""


# --- shared pieces -----------------------------------------------------------------------


def in_force(today: date) -> ColumnElement[bool]:
    """An entry in force on `today`: started, and not ended before it (`until` is the
    last day in force)."""
    return and_(
        DesignatedInvestigator.since <= today,
        or_(
            DesignatedInvestigator.until.is_(None),
            DesignatedInvestigator.until >= today,
        ),
    )


def norm_met(organisation_type: str, designated: int) -> bool | None:
    """Whether a police department has its two designated investigators; `None` for the
    national team and the NBI, to which the norm does not apply."""
    if organisation_type != "police":
        return None
    return designated >= NORM_DESIGNATED


def _refuse(actor: Actor, action: Action, decision: Decision, message: str) -> Forbidden:
    return Forbidden(
        message,
        audit=AuditEntry.by(
            actor, str(action), outcome="denied", detail={"reason": decision.reason}
        ),
    )


def _require_manager(actor: Actor, message: str) -> None:
    decision = can(actor, Action.REGISTRY_MANAGE)
    if not decision.allowed:
        raise _refuse(actor, Action.REGISTRY_MANAGE, decision, message)


def _not_found(actor: Actor, record_type: str, record_id: str) -> NotFound:
    """What a supervisor hears about a user or an entry of another organisation: the same
    as for one that does not exist."""
    return NotFound(
        audit=denied_entry(actor, Action.REGISTRY_MANAGE, record_type, record_id, "not found")
    )


def _overlapping(
    session: Session, user_id: str, since: date, until: date | None, *, exclude: str = ""
) -> DesignatedInvestigator | None:
    """An entry of the same person whose period meets [since, until]."""
    conditions = [
        DesignatedInvestigator.user_id == user_id,
        DesignatedInvestigator.id != exclude,
        or_(DesignatedInvestigator.until.is_(None), DesignatedInvestigator.until >= since),
    ]
    if until is not None:
        conditions.append(DesignatedInvestigator.since <= until)
    return session.scalar(select(DesignatedInvestigator).where(*conditions).limit(1))


def designation_out(entry: DesignatedInvestigator, name: str) -> schemas.DesignationOut:
    return schemas.DesignationOut(
        id=entry.id,
        organisation_id=entry.organisation_id,
        user_id=entry.user_id,
        name=name,
        function=entry.function,
        since=entry.since,
        until=entry.until,
    )


# --- writes ------------------------------------------------------------------------------


def designate(
    session: Session,
    data: schemas.DesignationIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> schemas.DesignationOut:
    """Enter an officer of the supervisor's own organisation in the registry."""
    now = now or utcnow()
    _require_manager(actor, "Only a police supervisor keeps the registry of investigators.")
    user = session.scalar(select(User).where(User.id == data.user_id))
    if user is None or user.organisation_id != actor.organisation_id:
        raise _not_found(actor, "user", data.user_id)
    owner = session.get(Organisation, actor.organisation_id)
    if owner is None:  # pragma: no cover - the actor was loaded from this organisation
        raise Invalid("Your organisation no longer exists.")
    allowed = FUNCTIONS_BY_TYPE.get(owner.type, ())
    if data.function not in allowed:
        raise Invalid(
            f"A {owner.type} organisation cannot list anyone as {data.function!r}; "
            f"use {', '.join(allowed) or 'nothing: it is not a police organisation'}."
        )
    if not user.is_active:
        raise Invalid("The account is disabled; only active officers can be designated.")
    if not set(user.roles) & INVESTIGATING_ROLES:
        raise Invalid(
            "Only the unit's investigators and supervisors can be designated; give the "
            "person the investigator role first."
        )
    if data.until is not None and data.until < data.since:
        raise Invalid("'until' cannot be before 'since'.")
    if _overlapping(session, user.id, data.since, data.until) is not None:
        raise Conflict(
            "The person already has an entry in the registry for part of this period; end it first."
        )
    entry = DesignatedInvestigator(
        organisation_id=owner.id,
        user_id=user.id,
        function=data.function,
        since=data.since,
        until=data.until,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "registry.manage",
            record_type=ENTRY,
            record_id=entry.id,
            detail={
                "op": "add",
                "user_id": user.id,
                "function": data.function,
                "since": data.since.isoformat(),
                "until": data.until.isoformat() if data.until else "",
            },
        ),
    )
    return designation_out(entry, user.name)


def end_designation(
    session: Session,
    entry_id: str,
    data: schemas.DesignationEndIn,
    *,
    actor: Actor,
    config: ReferralConfig,
    now: datetime | None = None,
) -> schemas.DesignationOut:
    """Set the last day an entry of the supervisor's own organisation is in force."""
    now = now or utcnow()
    _require_manager(actor, "Only a police supervisor keeps the registry of investigators.")
    if len(entry_id) > 36:
        raise NotFound()
    row = session.execute(
        select(DesignatedInvestigator, User.name)
        .join(User, User.id == DesignatedInvestigator.user_id)
        .where(DesignatedInvestigator.id == entry_id)
    ).first()
    if row is None or row[0].organisation_id != actor.organisation_id:
        raise _not_found(actor, ENTRY, entry_id)
    entry, name = row
    today = config.local_day(now)
    if entry.until is not None and entry.until < today:
        raise Conflict("This entry has already ended.")
    if data.until < entry.since:
        raise Invalid("'until' cannot be before the day the entry started.")
    if _overlapping(session, entry.user_id, entry.since, data.until, exclude=entry.id):
        raise Conflict("The person has another entry in the registry for part of this period.")
    entry.until = data.until
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "registry.manage",
            record_type=ENTRY,
            record_id=entry.id,
            detail={"op": "end", "until": data.until.isoformat()},
        ),
    )
    return designation_out(entry, name)


def set_capacity(
    session: Session,
    data: schemas.CapacityIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> schemas.CapacityOut:
    """The person-years the supervisor's own organisation gives to trafficking cases."""
    now = now or utcnow()
    _require_manager(actor, "Only a police supervisor sets the unit's capacity.")
    owner = session.get(Organisation, actor.organisation_id)
    if owner is None:  # pragma: no cover - the actor was loaded from this organisation
        raise Invalid("Your organisation no longer exists.")
    capacity = session.get(InvestigationCapacity, owner.id)
    if capacity is None:
        capacity = InvestigationCapacity(organisation_id=owner.id)
        session.add(capacity)
    capacity.person_years = data.person_years
    capacity.set_by = actor.user_id
    capacity.set_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "capacity.set",
            record_type="organisation",
            record_id=owner.id,
            detail={"person_years": str(data.person_years)},
        ),
    )
    return schemas.CapacityOut(
        organisation_id=owner.id,
        organisation=owner.name,
        person_years=float(data.person_years),
        set_at=now,
    )


# --- reads -------------------------------------------------------------------------------


def registry_decision(actor: Actor) -> Decision:
    """Who reads the registry (`policy.rules`, `Action.REGISTRY_READ`)."""
    return can(actor, Action.REGISTRY_READ)


def read_registry(
    session: Session,
    *,
    actor: Actor,
    config: ReferralConfig,
    organisation_id: str | None = None,
    now: datetime | None = None,
) -> schemas.RegistryOut:
    """The entries in force today of every police organisation (or of one), with whether
    each department has its two designated investigators. Two queries."""
    now = now or utcnow()
    decision = registry_decision(actor)
    if not decision.allowed:
        raise _refuse(
            actor,
            Action.REGISTRY_READ,
            decision,
            "Only the police and the coordinators see the registry of investigators.",
        )
    today = config.local_day(now)
    orgs_stmt = select(Organisation).where(Organisation.type.in_(POLICE_TYPES))
    if organisation_id is not None:
        orgs_stmt = orgs_stmt.where(Organisation.id == organisation_id)
    orgs = session.scalars(orgs_stmt.order_by(Organisation.name)).all()
    if organisation_id is not None and not orgs:
        raise NotFound("No such police organisation.")
    entries = session.execute(
        select(DesignatedInvestigator, User.name)
        .join(User, User.id == DesignatedInvestigator.user_id)
        .where(
            in_force(today),
            DesignatedInvestigator.organisation_id.in_([o.id for o in orgs]),
        )
        .order_by(DesignatedInvestigator.since, User.name)
    ).all()
    by_org: dict[str, list[schemas.DesignationOut]] = {o.id: [] for o in orgs}
    for entry, name in entries:
        by_org[entry.organisation_id].append(designation_out(entry, name))
    out = []
    for org in orgs:
        listed = sorted(by_org[org.id], key=lambda e: FUNCTIONS.index(e.function))
        designated = sum(1 for e in listed if e.function == "designated")
        out.append(
            schemas.RegistryOrganisation(
                organisation_id=org.id,
                organisation=org.name,
                organisation_type=org.type,
                designated_in_force=designated,
                at_least_two_designated=norm_met(org.type, designated),
                entries=listed,
            )
        )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "registry.read",
            detail={
                "organisations": len(out),
                "entries": sum(len(o.entries) for o in out),
            },
        ),
    )
    return schemas.RegistryOut(as_of=today, organisations=out)
