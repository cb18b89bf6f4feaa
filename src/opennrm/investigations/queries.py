"""Reads of investigations. One investigation is reached only through
`access_investigation()`; lists start from `policy.visible`. Reading police data needs a
purpose, which the trail records (Law Enforcement Directive art. 25)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Invalid, NotFound
from opennrm.investigations import schemas
from opennrm.investigations.models import (
    Investigation,
    InvestigationIdentifier,
    InvestigationStage,
)
from opennrm.policy import Action, Actor, Decision, rowsecurity
from opennrm.policy.access import check, not_found
from opennrm.policy.models import Assignment
from opennrm.policy.visibility import referral_visible, visible
from opennrm.referrals.models import Referral

if TYPE_CHECKING:
    from opennrm.linkage.engine.model import Model
    from opennrm.signals.matches import MatchOut, MatchPolicy

RECORD_TYPE = "investigation"
MIN_PURPOSE = 5


def summary_context(investigation_id: str) -> str:
    return f"investigations:{investigation_id}:summary"


def require_purpose(purpose: str | None) -> str:
    """Police data is opened for a stated purpose, or not at all."""
    if purpose is None or len(purpose.strip()) < MIN_PURPOSE:
        raise Invalid(
            "Say why you open this investigation: give a purpose of at least "
            f"{MIN_PURPOSE} characters (X-Purpose header); it is recorded in the audit trail."
        )
    return purpose.strip()


def access_investigation(
    session: Session,
    investigation_id: str,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    purpose: str | None = None,
    with_persons: bool = False,
) -> tuple[Investigation, Organisation, Decision]:
    """The one way to reach an investigation: load it, ask the policy, refuse with 404
    (or 403 where the caller may know it exists) — audited — unless allowed."""
    if len(investigation_id) > 36:
        raise NotFound()
    stmt = (
        select(Investigation, Organisation)
        .join(Organisation, Organisation.id == Investigation.organisation_id)
        .where(Investigation.id == investigation_id)
    )
    if with_persons:
        stmt = stmt.options(selectinload(Investigation.persons))
    row = session.execute(stmt).first()
    if row is None:
        raise not_found(actor, action, RECORD_TYPE, investigation_id, purpose)
    investigation, owner = row
    decision = check(
        session,
        actor,
        action,
        record_type=RECORD_TYPE,
        record_id=investigation.id,
        owner_org_id=owner.id,
        owner_org_type=owner.type,
        created_by=investigation.created_by,
        now=now,
        purpose=purpose,
    )
    return investigation, owner, decision


def read_investigation(
    session: Session,
    investigation_id: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    purpose: str | None,
    now: datetime | None = None,
) -> schemas.InvestigationOut:
    """One investigation, for a stated purpose; audited with the purpose."""
    now = now or utcnow()
    investigation, owner, decision = access_investigation(
        session,
        investigation_id,
        Action.INVESTIGATION_READ,
        actor=actor,
        now=now,
        purpose=purpose,
        with_persons=True,
    )
    stated = require_purpose(purpose)
    stages = session.scalars(
        select(InvestigationStage)
        .where(InvestigationStage.investigation_id == investigation.id)
        .order_by(InvestigationStage.on, InvestigationStage.recorded_at)
    ).all()
    out = schemas.InvestigationOut(
        id=investigation.id,
        reference=investigation.reference,
        organisation_id=owner.id,
        organisation=owner.name,
        created_at=investigation.created_at,
        offences=investigation.offences,
        referral_id=investigation.referral_id,
        signal_id=investigation.signal_id,
        stage=investigation.stage,
        stage_on=investigation.stage_on,
        outcome=investigation.outcome,
        cross_border=investigation.cross_border,
        summary=cipher.decrypt(investigation.summary_enc, summary_context(investigation.id)),
        persons=[
            schemas.PersonOut(
                category=p.category,
                names=p.names,
                birth_date=p.birth_date,
                nationality=p.nationality,
                phones=p.phones,
            )
            for p in investigation.persons
        ],
        stages=[
            schemas.StageOut(stage=s.stage, on=s.on, outcome=s.outcome, recorded_at=s.recorded_at)
            for s in stages
        ],
        team=case_team(session, investigation.id, now),
        support_cases=linked_support_cases(session, investigation, actor, now),
        via=decision.via or "",
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.read",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["summary", "persons", "stages"],
            purpose=stated,
            detail={"via": decision.via or ""},
        ),
    )
    return out


def linked_support_cases(
    session: Session, investigation: Investigation, actor: Actor, now: datetime
) -> list[schemas.SupportCaseOut]:
    """Support cases of the signal the investigation came from that the actor may see —
    for the police, only those the assistance system shared with them."""
    if investigation.signal_id is None:
        return []
    rows = session.scalars(
        select(Referral)
        .where(
            Referral.signal_id == investigation.signal_id,
            Referral.target == "assistance_system",
            Referral.machine == "assistance",
            referral_visible(
                actor,
                from_col=Referral.from_organisation_id,
                target_col=Referral.target_organisation_id,
                creator_col=Referral.created_by,
                id_col=Referral.id,
                now=now,
            ),
        )
        .order_by(Referral.created_at)
    )
    return [
        schemas.SupportCaseOut(
            referral_id=r.id,
            status=r.status,
            status_changed_at=r.status_changed_at,
            recovery_period_ends_on=r.recovery_period_ends_on,
        )
        for r in rows
    ]


def case_team(
    session: Session, investigation_id: str, now: datetime | None
) -> list[schemas.TeamMemberOut]:
    """The assignments on a case, oldest first: those in force at `now`, or all."""
    stmt = (
        select(Assignment, User.name, Organisation.name)
        .join(User, User.id == Assignment.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            Assignment.record_type == RECORD_TYPE,
            Assignment.record_id == investigation_id,
        )
        .order_by(Assignment.created_at, Assignment.id)
    )
    if now is not None:
        stmt = stmt.where(or_(Assignment.ended_at.is_(None), Assignment.ended_at > now))
    rows = session.execute(stmt).all()
    return [
        schemas.TeamMemberOut(
            assignment_id=a.id,
            user_id=a.user_id,
            name=name,
            organisation=org,
            since=a.created_at,
            until=a.ended_at,
        )
        for a, name, org in rows
    ]


def list_investigations(
    session: Session,
    *,
    actor: Actor,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> schemas.InvestigationPage:
    """The investigations the caller may see, newest first; references and stages only."""
    now = now or utcnow()
    where = visible(
        actor,
        record_type=RECORD_TYPE,
        id_col=Investigation.id,
        owner_col=Investigation.organisation_id,
        creator_col=Investigation.created_by,
        now=now,
    )
    total = session.scalar(select(func.count()).select_from(Investigation).where(where)) or 0
    rows = session.execute(
        select(Investigation, Organisation.name)
        .join(Organisation, Organisation.id == Investigation.organisation_id)
        .where(where)
        .order_by(Investigation.created_at.desc(), Investigation.id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        schemas.InvestigationListItem(
            id=i.id,
            reference=i.reference,
            organisation_id=i.organisation_id,
            organisation=name,
            created_at=i.created_at,
            offences=i.offences,
            stage=i.stage,
            stage_on=i.stage_on,
            cross_border=i.cross_border,
        )
        for i, name in rows
    ]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.list",
            record_type=RECORD_TYPE,
            detail={"returned": len(items), "total": total},
        ),
    )
    return schemas.InvestigationPage(items=items, total=total, limit=limit, offset=offset)


def deconfliction_hits(
    session: Session, investigation: Investigation
) -> list[schemas.DeconflictionHit]:
    """Other police units whose investigations share an identifier with this one."""
    mine = select(InvestigationIdentifier.blind_index).where(
        InvestigationIdentifier.investigation_id == investigation.id
    )
    # Other units' identifiers are beyond row security by design: only the unit and its
    # contact leave this function (ADR 0016).
    with rowsecurity.system_scope(session, "deconfliction"):
        rows = session.execute(
            select(Organisation, InvestigationIdentifier.kind)
            .join(Investigation, Investigation.id == InvestigationIdentifier.investigation_id)
            .join(Organisation, Organisation.id == Investigation.organisation_id)
            .where(
                InvestigationIdentifier.blind_index.in_(mine),
                Investigation.organisation_id != investigation.organisation_id,
            )
        ).all()
    by_org: dict[str, tuple[Organisation, set[str]]] = {}
    for org, kind in rows:
        by_org.setdefault(org.id, (org, set()))[1].add(kind)
    return [
        schemas.DeconflictionHit(
            organisation_id=org.id,
            organisation=org.name,
            contact_email=org.contact_email,
            kinds=sorted(kinds),
        )
        for org, kinds in sorted(by_org.values(), key=lambda v: v[0].name)
    ]


def read_deconfliction(
    session: Session, investigation_id: str, *, actor: Actor, now: datetime | None = None
) -> list[schemas.DeconflictionHit]:
    """The deconfliction hits of one investigation, for whoever may read it; audited."""
    investigation, _owner, decision = access_investigation(
        session, investigation_id, Action.INVESTIGATION_READ, actor=actor, now=now or utcnow()
    )
    hits = deconfliction_hits(session, investigation)
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.read",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["deconfliction"],
            detail={"via": decision.via or "", "units": len(hits)},
        ),
    )
    return hits


def investigation_matches(
    session: Session,
    investigation_id: str,
    *,
    actor: Actor,
    purpose: str | None,
    cipher: FieldCipher,
    policy: MatchPolicy,
    model: Model,
    now: datetime | None = None,
) -> list[MatchOut]:
    """Person links between this investigation and other records (linkage): in full
    where the caller may read the other record, as a hit with the holder's contact
    otherwise (the holder is told). Police data: a purpose is required and recorded."""
    from opennrm.signals.matches import record_matches  # the signals' hit/no-hit rules

    now = now or utcnow()
    investigation, _owner, _decision = access_investigation(
        session,
        investigation_id,
        Action.INVESTIGATION_READ,
        actor=actor,
        now=now,
        purpose=require_purpose(purpose),
    )
    return record_matches(
        session,
        RECORD_TYPE,
        investigation.id,
        {},
        actor=actor,
        policy=policy,
        cipher=cipher,
        model=model,
        now=now,
    )
