"""Writes of investigations: open (directly or from a referred crime), record a stage of
the criminal process, and tell units working on shared identifiers about each other."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.auth.queries import member_ids
from opennrm.crypto import FieldCipher
from opennrm.db import new_id, utcnow
from opennrm.demo.finland import Deployment
from opennrm.errors import Conflict, Forbidden, Invalid, NotFound
from opennrm.investigations import schemas
from opennrm.investigations.models import (
    STAGES,
    Investigation,
    InvestigationIdentifier,
    InvestigationPerson,
    InvestigationStage,
)
from opennrm.investigations.queries import (
    RECORD_TYPE,
    access_investigation,
    deconfliction_hits,
    summary_context,
)
from opennrm.linkage.actions import index_record
from opennrm.linkage.engine.model import Model
from opennrm.linkage.index import PersonFields
from opennrm.notifications.actions import notify
from opennrm.policy import Action, Actor, can
from opennrm.policy.models import Assignment
from opennrm.referrals.config import ReferralConfig
from opennrm.referrals.queries import access_referral
from opennrm.support import machine


def _address_key(text: str) -> str:
    """An address compared loosely: case, accents of spacing and punctuation aside."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def _reference(owner: Organisation, investigation_id: str, year: int) -> str:
    prefix = (owner.key or "police").upper()
    return f"{prefix}-{year}-{investigation_id[:8].upper()}"


def _check_offences(codes: list[str], deployment: Deployment) -> list[str]:
    unknown = [c for c in codes if deployment.offence(c) is None]
    if unknown:
        known = ", ".join(o.code for o in deployment.offences)
        raise Invalid(f"Unknown offence code(s) {', '.join(unknown)}; use {known}.")
    return list(dict.fromkeys(codes))


def open_investigation(
    session: Session,
    data: schemas.InvestigationIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime | None = None,
    linkage_model: Model | None = None,
) -> Investigation:
    """Open an investigation in the actor's police unit, directly or from a crime
    referred to it (which is then accepted, in the same transaction)."""
    now = now or utcnow()
    decision = can(actor, Action.INVESTIGATION_CREATE)
    if not decision.allowed:
        raise Forbidden(
            decision.reason[0].upper() + decision.reason[1:] + ".",
            audit=AuditEntry.by(
                actor,
                str(Action.INVESTIGATION_CREATE),
                outcome="denied",
                detail={"reason": decision.reason},
            ),
        )
    offences = _check_offences(data.offences, config.deployment)
    owner = session.get(Organisation, actor.organisation_id)
    if owner is None:  # pragma: no cover - the actor was loaded from this organisation
        raise Invalid("Your organisation no longer exists.")
    signal_id = None
    referral = None
    if data.referral_id is not None:
        referral, _ = access_referral(
            session, data.referral_id, Action.REFERRAL_DECIDE, actor=actor
        )
        if referral.target != "police" or referral.target_organisation_id != owner.id:
            raise Invalid("Only a crime referred to your own unit can open an investigation.")
        if session.scalar(select(Investigation.id).where(Investigation.referral_id == referral.id)):
            raise Conflict("An investigation has been opened from this referral already.")
        signal_id = None if referral.anonymous else referral.signal_id
    investigation_id = new_id()
    investigation = Investigation(
        id=investigation_id,
        organisation_id=owner.id,
        reference=_reference(owner, investigation_id, now.year),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        offences=offences,
        referral_id=referral.id if referral else None,
        signal_id=signal_id,
        summary_enc=cipher.encrypt(data.summary, summary_context(investigation_id)),
        stage="reported",
        stage_on=config.local_day(now),
        cross_border=data.cross_border,
    )
    session.add(investigation)
    session.flush()
    session.add(
        InvestigationStage(
            investigation_id=investigation.id,
            stage="reported",
            on=investigation.stage_on,
            recorded_by=actor.user_id,
            recorded_at=now,
        )
    )
    _store_parts(session, investigation, data, cipher)
    if referral is not None and machine.is_open(referral.machine, referral.status):  # type: ignore[arg-type]
        _accept_referral(session, referral, actor, cipher, config, now)
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.create",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["summary", "persons", "offences"],
            detail={
                "reference": investigation.reference,
                "offences": offences,
                "referral": referral.id if referral else "",
                "persons": len(data.persons),
            },
        ),
    )
    deconflict(session, investigation, actor=actor)
    _index_persons(session, investigation, data, actor=actor, cipher=cipher, model=linkage_model)
    return investigation


def _index_persons(
    session: Session,
    investigation: Investigation,
    data: schemas.InvestigationIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    model: Model | None,
) -> None:
    """Online matching of the investigation's persons against everything stored. Who
    learns of a link, and how much, is decided when it is read (linkage.queries)."""
    person_ids = session.scalars(
        select(InvestigationPerson.id)
        .where(InvestigationPerson.investigation_id == investigation.id)
        .order_by(InvestigationPerson.position)
    ).all()
    index_record(
        session,
        cipher,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=investigation.id,
        organisation_id=investigation.organisation_id,
        persons=[
            (person_id, PersonFields.of(p, data.addresses))
            for person_id, p in zip(person_ids, data.persons, strict=True)
        ],
        model=model,
    )


def _accept_referral(
    session: Session,
    referral: object,
    actor: Actor,
    cipher: FieldCipher,
    config: ReferralConfig,
    now: datetime,
) -> None:
    from opennrm.referrals.actions import decide
    from opennrm.referrals.models import Referral
    from opennrm.referrals.schemas import DecisionIn

    assert isinstance(referral, Referral)  # noqa: S101 - loaded by access_referral above
    allowed = machine.allowed_decisions(referral.machine, referral.status)  # type: ignore[arg-type]
    decision = (
        "accept" if "accept" in allowed else "acknowledge" if "acknowledge" in allowed else None
    )
    if decision is None:
        return
    decide(
        session,
        referral.id,
        DecisionIn(decision=decision, reason="An investigation was opened."),
        actor=actor,
        cipher=cipher,
        config=config,
        now=now,
    )


def _store_parts(
    session: Session,
    investigation: Investigation,
    data: schemas.InvestigationIn,
    cipher: FieldCipher,
) -> None:
    def index(kind: str, value: str) -> None:
        session.add(
            InvestigationIdentifier(
                investigation_id=investigation.id,
                kind=kind,
                blind_index=cipher.blind_index(kind, value),
            )
        )

    for pos, p in enumerate(data.persons):
        session.add(
            InvestigationPerson(
                investigation_id=investigation.id,
                position=pos,
                category=p.category,
                names=p.names,
                birth_date=p.birth_date,
                nationality=p.nationality,
                phones=p.phones,
            )
        )
        for kind, values in (
            ("phone", p.phones),
            ("email", p.emails),
            ("identifier", p.identifiers),
        ):
            for value in values:
                index(kind, value)
    for o in data.organisations:
        if o.business_id:
            index("business_id", o.business_id)
    for text in data.addresses:
        index("address", _address_key(text))


def deconflict(session: Session, investigation: Investigation, *, actor: Actor) -> int:
    """Tell both sides when another police unit's investigation shares an identifier:
    each learns the other unit and its contact, not the case. Returns how many units."""
    hits = deconfliction_hits(session, investigation)
    for hit in hits:
        for org_id in (hit.organisation_id, investigation.organisation_id):
            notify(
                session,
                user_ids=_leads(session, org_id),
                kind="deconfliction",
                record_type=RECORD_TYPE if org_id == investigation.organisation_id else None,
                record_id=investigation.id if org_id == investigation.organisation_id else None,
                message="Another police unit works on a case that shares an identifier "
                "with one of yours; contact them to coordinate.",
            )
        audit.record(
            session,
            AuditEntry.by(
                actor,
                "investigation.deconflict",
                record_type=RECORD_TYPE,
                record_id=investigation.id,
                detail={"other_unit": hit.organisation_id, "kinds": hit.kinds},
            ),
        )
    return len(hits)


def _leads(session: Session, organisation_id: str) -> list[str]:
    """A unit's supervisors and investigators: who coordinates with the other unit."""
    return member_ids(session, organisation_id, ("supervisor", "investigator"))


def record_stage(
    session: Session,
    investigation_id: str,
    data: schemas.StageIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> InvestigationStage:
    """Move the case to a stage of the criminal process (forward, or record its outcome)."""
    now = now or utcnow()
    investigation, _owner, _ = access_investigation(
        session, investigation_id, Action.INVESTIGATION_UPDATE, actor=actor, now=now
    )
    if investigation.stage == "closed":
        raise Conflict("The investigation is closed; no further stage can be recorded.")
    if STAGES.index(data.stage) < STAGES.index(investigation.stage):
        raise Conflict(
            f"The case is at {investigation.stage!r}; a stage cannot go back to {data.stage!r}."
        )
    if data.on < investigation.stage_on:
        raise Invalid("A stage cannot be dated before the previous one.")
    if data.on > now.date():
        raise Invalid("A stage cannot be dated in the future.")
    stage = InvestigationStage(
        investigation_id=investigation.id,
        stage=data.stage,
        on=data.on,
        outcome=data.outcome,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    session.add(stage)
    investigation.stage = data.stage
    investigation.stage_on = data.on
    investigation.outcome = data.outcome or investigation.outcome
    investigation.updated_at = now
    if data.stage == "closed":
        investigation.closed_at = now
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.update",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            fields=["stage"],
            detail={"stage": data.stage, "outcome": data.outcome or ""},
        ),
    )
    return stage


def assign(
    session: Session,
    investigation_id: str,
    data: schemas.AssignIn,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Assignment:
    """Put an investigator of the owning unit on the case team (the supervisor's act)."""
    now = now or utcnow()
    investigation, owner, _ = access_investigation(
        session, investigation_id, Action.INVESTIGATION_ASSIGN, actor=actor, now=now
    )
    user = session.get(User, data.user_id) if len(data.user_id) <= 36 else None
    if (
        user is None
        or not user.is_active
        or user.organisation_id != owner.id
        or "investigator" not in user.roles
    ):
        raise Invalid("Assign an active investigator of the unit that owns the case.")
    already = session.scalar(
        select(Assignment.id).where(
            Assignment.record_type == RECORD_TYPE,
            Assignment.record_id == investigation.id,
            Assignment.user_id == user.id,
            or_(Assignment.ended_at.is_(None), Assignment.ended_at > now),
        )
    )
    if already is not None:
        raise Conflict("That investigator is on the case team already.")
    assignment = Assignment(
        record_type=RECORD_TYPE,
        record_id=investigation.id,
        user_id=user.id,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(assignment)
    session.flush()
    notify(
        session,
        user_ids=[user.id],
        kind="investigation_assigned",
        record_type=RECORD_TYPE,
        record_id=investigation.id,
        message="You were assigned to an investigation.",
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.assign",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            detail={"assignment_id": assignment.id, "user": user.id, "change": "added"},
        ),
    )
    return assignment


def end_assignment(
    session: Session,
    investigation_id: str,
    assignment_id: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Assignment:
    """Take someone off the case team now."""
    now = now or utcnow()
    investigation, _owner, _ = access_investigation(
        session, investigation_id, Action.INVESTIGATION_ASSIGN, actor=actor, now=now
    )
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id,
            Assignment.record_type == RECORD_TYPE,
            Assignment.record_id == investigation.id,
        )
    )
    if assignment is None:
        raise NotFound()
    if assignment.ended_at is not None and assignment.ended_at <= now:
        raise Conflict("That assignment has ended already.")
    assignment.ended_at = now
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "investigation.assign",
            record_type=RECORD_TYPE,
            record_id=investigation.id,
            detail={"assignment_id": assignment.id, "user": assignment.user_id, "change": "ended"},
        ),
    )
    return assignment
