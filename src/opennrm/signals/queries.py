"""Reads of signals. Lists start from `policy.visible`; single records go through
`policy.access.check`. Every read of personal data writes an audit entry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from opennrm import audit
from opennrm.audit.models import AuditEvent
from opennrm.audit.trail import AuditEntry, events_for_record
from opennrm.auth.models import Organisation
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import NotFound
from opennrm.policy import Action, Actor, Decision, rowsecurity
from opennrm.policy.access import check, not_found
from opennrm.policy.models import Share
from opennrm.policy.visibility import shared_with_actor, visible
from opennrm.signals import schemas
from opennrm.signals.models import Signal, SignalPerson

RECORD_TYPE = "signal"
SUMMARY_SCOPE_FIELDS = (
    "exploitation_types",
    "summary",
    "occurred_on",
    "municipality",
    "indicators",
    "consent",
)
FULL_SCOPE_FIELDS = (*SUMMARY_SCOPE_FIELDS, "persons", "organisations", "addresses")

ListKind = Literal["mine", "shared", "all"]

log = logging.getLogger(__name__)


def load_signal_row(
    session: Session, signal_id: str, *, with_parts: bool = False
) -> tuple[Signal, Organisation] | None:
    """The signal and its owning organisation, for the policy to decide on. Never shown
    to anyone before `check()` has allowed it."""
    if len(signal_id) > 36:
        # No id is that long, so no record is revealed and there is nothing to audit; and
        # the trail's record_id column (36 characters) could not hold it: PostgreSQL
        # would refuse the denied-attempt entry and turn a 404 into a 500.
        raise NotFound()
    stmt = (
        select(Signal, Organisation)
        .join(Organisation, Organisation.id == Signal.organisation_id)
        .where(Signal.id == signal_id)
    )
    if with_parts:
        stmt = stmt.options(
            selectinload(Signal.persons),
            selectinload(Signal.organisations),
            selectinload(Signal.addresses),
        )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def access_signal(
    session: Session,
    signal_id: str,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    purpose: str | None = None,
    with_parts: bool = False,
) -> tuple[Signal, Organisation, Decision]:
    """The one way to reach a signal: load it, ask the policy, and refuse with 404 (or 403
    where the caller may see it) — audited — unless the action is allowed."""
    row = load_signal_row(session, signal_id, with_parts=with_parts)
    hidden = row is None
    if hidden:
        # Row security hides it, or it does not exist. The policy still decides on its
        # owner and creator alone, so that a denial is audited with its real reason and
        # break-the-glass can be asked for; nothing of it is shown (ADR 0016).
        with rowsecurity.system_scope(session, "existence"):
            row = load_signal_row(session, signal_id)
    if row is None:
        raise not_found(actor, action, RECORD_TYPE, signal_id, purpose)
    signal, owner = row
    decision = check(
        session,
        actor,
        action,
        record_type=RECORD_TYPE,
        record_id=signal.id,
        owner_org_id=owner.id,
        owner_org_type=owner.type,
        created_by=signal.created_by,
        now=now,
        purpose=purpose,
    )
    if hidden and action is not Action.SIGNAL_BREAK_GLASS:
        # The policy allows what row security hides: the two lines disagree. Fail closed
        # and say so in the log (ids only).
        log.error("row security hides signal %s that the policy allows for %s", signal.id, action)
        raise not_found(actor, action, RECORD_TYPE, signal_id, purpose)
    return signal, owner, decision


@dataclass(frozen=True)
class SignalView:
    out: schemas.SignalOut
    decision: Decision


def read_signal(
    session: Session,
    signal_id: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    purpose: str | None = None,
    now: datetime | None = None,
) -> SignalView:
    """One signal as far as the caller may see it; audited with the fields shown."""
    now = now or utcnow()
    signal, owner, decision = access_signal(
        session,
        signal_id,
        Action.SIGNAL_READ,
        actor=actor,
        now=now,
        purpose=purpose,
        with_parts=True,
    )
    full = decision.scope == "full"
    out = _to_out(signal, owner, cipher, decision, full)
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.read",
            record_type=RECORD_TYPE,
            record_id=signal.id,
            fields=list(FULL_SCOPE_FIELDS if full else SUMMARY_SCOPE_FIELDS),
            purpose=purpose,
            detail={
                "via": decision.via or "",
                "scope": decision.scope or "",
                **({"break_glass": True} if decision.via == "break_glass" else {}),
            },
        ),
    )
    return SignalView(out, decision)


def _to_out(
    signal: Signal, owner: Organisation, cipher: FieldCipher, decision: Decision, full: bool
) -> schemas.SignalOut:
    from opennrm.signals.actions import person_identifiers, summary_context

    persons = (
        [
            schemas.PersonOut(
                id=p.id,
                role=p.role,
                names=p.names,
                birth_date=p.birth_date,
                gender=p.gender,
                nationality=p.nationality,
                phones=p.phones,
                emails=p.emails,
                identifiers=person_identifiers(cipher, p),
            )
            for p in signal.persons
        ]
        if full
        else []
    )
    return schemas.SignalOut(
        id=signal.id,
        organisation_id=owner.id,
        organisation_name=owner.name,
        created_by=signal.created_by,
        created_at=signal.created_at,
        updated_at=signal.updated_at,
        exploitation_types=signal.exploitation_types,
        summary=cipher.decrypt(signal.summary_enc, summary_context(signal.id)),
        occurred_on=signal.occurred_on,
        municipality=signal.municipality,
        indicators=signal.indicators,
        consent=schemas.ConsentIn(
            to_assistance_system=signal.consent_to_assistance_system,
            to_police=signal.consent_to_police,
        ),
        persons=persons,
        organisations=[
            schemas.OrganisationOut(id=o.id, name=o.name, business_id=o.business_id)
            for o in signal.organisations
        ]
        if full
        else [],
        addresses=[a.text for a in signal.addresses] if full else [],
        redacted=not full,
        access=schemas.AccessOut(via=decision.via or "", scope=decision.scope or ""),
    )


def list_signals(
    session: Session,
    *,
    actor: Actor,
    kind: ListKind = "all",
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> schemas.SignalPage:
    """A page of the signals the caller may see, newest first; the search is audited."""
    now = now or utcnow()
    where = visible(
        actor,
        record_type=RECORD_TYPE,
        id_col=Signal.id,
        owner_col=Signal.organisation_id,
        creator_col=Signal.created_by,
        now=now,
    )
    if kind == "mine":
        where = where & (Signal.organisation_id == actor.organisation_id)
    elif kind == "shared":
        where = (
            where
            & (Signal.organisation_id != actor.organisation_id)
            & shared_with_actor(actor, record_type=RECORD_TYPE, id_col=Signal.id, now=now)
        )
    total = session.scalar(select(func.count()).select_from(Signal).where(where)) or 0
    person_count = (
        select(func.count(SignalPerson.id))
        .where(SignalPerson.signal_id == Signal.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Signal, Organisation, person_count)
        .join(Organisation, Organisation.id == Signal.organisation_id)
        .where(where)
        .order_by(Signal.created_at.desc(), Signal.id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = []
    for signal, owner, n in rows:
        own = owner.id == actor.organisation_id
        items.append(
            schemas.SignalListItem(
                id=signal.id,
                organisation_id=owner.id,
                organisation_name=owner.name,
                created_at=signal.created_at,
                exploitation_types=signal.exploitation_types,
                occurred_on=signal.occurred_on,
                municipality=signal.municipality,
                person_count=int(n),
                access=schemas.AccessOut(via="owner" if own else "share", scope=""),
            )
        )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.search",
            record_type=RECORD_TYPE,
            fields=["exploitation_types", "occurred_on", "municipality"],
            detail={
                "kind": kind,
                "limit": limit,
                "offset": offset,
                "total": total,
                "ids": [i.id for i in items],
            },
        ),
    )
    return schemas.SignalPage(items=items, total=total, limit=limit, offset=offset)


def list_shares(
    session: Session, signal_id: str, *, actor: Actor, now: datetime | None = None
) -> list[schemas.ShareOut]:
    """The shares of a signal, for those who may change them (the owning organisation)."""
    now = now or utcnow()
    signal, _owner, _decision = access_signal(
        session, signal_id, Action.SIGNAL_SHARE, actor=actor, now=now
    )
    rows = session.execute(
        select(Share, Organisation.name)
        .join(Organisation, Organisation.id == Share.organisation_id)
        .where(Share.record_type == RECORD_TYPE, Share.record_id == signal.id)
        .order_by(Share.created_at)
    ).all()
    return [share_out(s, name, now) for s, name in rows]


def share_out(s: Share, organisation_name: str, now: datetime) -> schemas.ShareOut:
    return schemas.ShareOut(
        id=s.id,
        record_id=s.record_id,
        organisation_id=s.organisation_id,
        organisation_name=organisation_name,
        basis=s.basis,
        scope=s.scope,
        expires_on=s.expires_on,
        note=s.note,
        created_by=s.created_by,
        created_at=s.created_at,
        revoked_at=s.revoked_at,
        revoke_reason=s.revoke_reason,
        active=s.revoked_at is None and s.expires_on >= now.date(),
    )


def signal_trail(
    session: Session, signal_id: str, *, actor: Actor, now: datetime | None = None
) -> list[AuditEvent]:
    """The audit trail of one signal, for its organisation's DPO and supervisors."""
    now = now or utcnow()
    signal, _owner, _decision = access_signal(
        session, signal_id, Action.AUDIT_READ, actor=actor, now=now
    )
    events = events_for_record(session, RECORD_TYPE, signal.id)
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "audit.read",
            record_type=RECORD_TYPE,
            record_id=signal.id,
            detail={"events": len(events)},
        ),
    )
    return events


__all__ = [
    "RECORD_TYPE",
    "list_shares",
    "list_signals",
    "load_signal_row",
    "read_signal",
    "signal_trail",
]
