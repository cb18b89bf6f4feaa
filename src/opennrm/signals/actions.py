"""Writes on signals. Each takes the caller's session (one transaction) and a keyword-only
`actor`, asks the policy, and writes its audit entry in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from opennrm.linkage.actions import index_record
from opennrm.linkage.engine.model import Model
from opennrm.linkage.index import PersonFields
from opennrm.notifications.models import Notification
from opennrm.policy import Action, Actor, can
from opennrm.policy.grants import grant_share
from opennrm.policy.models import BreakGlass, Share
from opennrm.signals import normalise
from opennrm.signals.models import (
    Signal,
    SignalAddress,
    SignalIdentifier,
    SignalOrganisation,
    SignalPerson,
)
from opennrm.signals.queries import RECORD_TYPE, access_signal
from opennrm.signals.schemas import BreakGlassIn, ShareIn, SignalIn

T = TypeVar("T")

SIGNAL_FIELDS = (
    "exploitation_types",
    "summary",
    "occurred_on",
    "municipality",
    "persons",
    "organisations",
    "addresses",
    "indicators",
    "consent",
)


def summary_context(signal_id: str) -> str:
    return f"signals:{signal_id}:summary"


def identifiers_context(person_id: str) -> str:
    return f"signal_persons:{person_id}:identifiers"


def person_identifiers(cipher: FieldCipher, person: SignalPerson) -> list[str]:
    """A signal person's identity numbers, decrypted (stored only encrypted)."""
    if not person.identifiers_enc:
        return []
    return list(json.loads(cipher.decrypt(person.identifiers_enc, identifiers_context(person.id))))


def _entry(
    actor: Actor,
    action: str,
    record_id: str,
    fields: list[str] | tuple[str, ...] = (),
    purpose: str | None = None,
    **detail: object,
) -> AuditEntry:
    return AuditEntry.by(
        actor,
        action,
        record_type=RECORD_TYPE,
        record_id=record_id,
        fields=list(fields),
        purpose=purpose,
        detail=dict(detail),
    )


def _once(
    session: Session, insert: Callable[[], T], stored: Callable[[], T | None]
) -> tuple[T, bool]:
    """Insert under an idempotency key; (record, created).

    Two requests with one key can overlap (a client whose first attempt timed out retries
    while that attempt is still running). Both find nothing, both insert; the unique index
    makes the later one wait for the first and then fail. That failure is a retry, not an
    error: roll back to the savepoint and return what the first request stored.
    """
    try:
        with session.begin_nested():
            return insert(), True
    except IntegrityError:
        first = stored()
        if first is None:
            raise
        return first, False


def create_signal(
    session: Session,
    data: SignalIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    idempotency_key: str | None = None,
    linkage_model: Model | None = None,
) -> tuple[Signal, bool]:
    """Store a new signal. Returns (signal, created); a retried key returns the original."""
    decision = can(actor, Action.SIGNAL_CREATE)
    if not decision:
        raise Forbidden("Your role may not record signals.")

    def stored() -> Signal | None:
        if idempotency_key is None:
            return None
        return session.scalar(
            select(Signal).where(
                Signal.created_by == actor.user_id, Signal.idempotency_key == idempotency_key
            )
        )

    existing = stored()
    if existing is not None:
        return existing, False
    now = utcnow()
    signal = Signal(
        organisation_id=actor.organisation_id,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        exploitation_types=data.exploitation_types,
        summary_enc=b"",
        occurred_on=data.occurred_on,
        municipality=data.municipality,
        indicators=data.indicators,
        consent_to_assistance_system=data.consent.to_assistance_system,
        consent_to_police=data.consent.to_police,
        idempotency_key=idempotency_key,
    )

    def insert() -> Signal:
        session.add(signal)
        session.flush()
        return signal

    signal, created = _once(session, insert, stored)
    if not created:
        return signal, False
    signal.summary_enc = cipher.encrypt(data.summary, summary_context(signal.id))
    _store_parts(session, signal, data, cipher)
    audit.record(
        session, _entry(actor, "signal.create", signal.id, SIGNAL_FIELDS, persons=len(data.persons))
    )
    _index_persons(session, signal, data, actor=actor, cipher=cipher, model=linkage_model)
    return signal, True


def _index_persons(
    session: Session,
    signal: Signal,
    data: SignalIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    model: Model | None,
) -> None:
    """Online matching: the signal's persons are matched against everything stored, in
    this transaction (linkage.actions.index_record)."""
    person_ids = session.scalars(
        select(SignalPerson.id)
        .where(SignalPerson.signal_id == signal.id)
        .order_by(SignalPerson.position)
    ).all()
    index_record(
        session,
        cipher,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=signal.id,
        organisation_id=signal.organisation_id,
        persons=[
            (person_id, PersonFields.of(p, data.addresses))
            for person_id, p in zip(person_ids, data.persons, strict=True)
        ],
        model=model,
    )


def _store_parts(session: Session, signal: Signal, data: SignalIn, cipher: FieldCipher) -> None:
    for pos, p in enumerate(data.persons):
        person = SignalPerson(
            signal_id=signal.id,
            position=pos,
            role=p.role,
            names=p.names,
            birth_date=p.birth_date,
            gender=p.gender,
            nationality=p.nationality,
            phones=p.phones,
            emails=p.emails,
        )
        session.add(person)
        session.flush()
        if p.identifiers:
            person.identifiers_enc = cipher.encrypt(
                json.dumps(p.identifiers), identifiers_context(person.id)
            )
        for kind, values in (
            ("phone", p.phones),
            ("email", p.emails),
            ("identifier", p.identifiers),
        ):
            for value in values:
                session.add(
                    SignalIdentifier(
                        signal_id=signal.id, kind=kind, blind_index=cipher.blind_index(kind, value)
                    )
                )
    for pos, o in enumerate(data.organisations):
        session.add(
            SignalOrganisation(
                signal_id=signal.id, position=pos, name=o.name, business_id=o.business_id
            )
        )
        if o.business_id:
            session.add(
                SignalIdentifier(
                    signal_id=signal.id,
                    kind="business_id",
                    blind_index=cipher.blind_index("business_id", o.business_id),
                )
            )
    for pos, text in enumerate(data.addresses):
        session.add(SignalAddress(signal_id=signal.id, position=pos, text=text))


def _owned_for(
    session: Session, actor: Actor, signal_id: str, action: Action, now: datetime
) -> tuple[Signal, Organisation]:
    signal, owner, _decision = access_signal(session, signal_id, action, actor=actor, now=now)
    return signal, owner


def share_signal(
    session: Session,
    signal_id: str,
    data: ShareIn,
    *,
    actor: Actor,
    idempotency_key: str | None = None,
) -> tuple[Share, bool]:
    """Share a signal of one's own. Returns (share, created); a retried key returns the
    share made the first time (and a key used for another signal is refused)."""
    now = utcnow()
    signal, owner = _owned_for(session, actor, signal_id, Action.SIGNAL_SHARE, now)

    def stored() -> Share | None:
        if idempotency_key is None:
            return None
        first = session.scalar(
            select(Share).where(
                Share.created_by == actor.user_id, Share.idempotency_key == idempotency_key
            )
        )
        if first is not None and (first.record_type, first.record_id) != (RECORD_TYPE, signal.id):
            raise Conflict("This Idempotency-Key was already used for another share.")
        return first

    existing = stored()
    if existing is not None:
        return existing, False
    grantee = session.get(Organisation, data.organisation_id)
    if grantee is None:
        raise Invalid("There is no organisation with that id.")

    def insert() -> Share:
        return grant_share(
            session,
            record_type=RECORD_TYPE,
            record_id=signal.id,
            owner=owner,
            grantee=grantee,
            basis=data.basis,
            scope=data.scope,
            expires_on=data.expires_on,
            note=data.note,
            consent_to_police=signal.consent_to_police,
            consent_to_assistance_system=signal.consent_to_assistance_system,
            actor=actor,
            now=now,
            idempotency_key=idempotency_key,
        )

    share, created = _once(session, insert, stored)
    if not created:
        return share, False
    audit.record(
        session,
        _entry(
            actor,
            "signal.share",
            signal.id,
            SIGNAL_FIELDS
            if data.scope == "full"
            else ("exploitation_types", "summary", "occurred_on", "municipality", "indicators"),
            share_id=share.id,
            grantee=grantee.id,
            basis=data.basis,
            scope=data.scope,
            expires_on=data.expires_on.isoformat(),
        ),
    )
    return share, True


def revoke_share(
    session: Session, signal_id: str, share_id: str, *, actor: Actor, reason: str | None
) -> Share:
    now = utcnow()
    signal, _owner = _owned_for(session, actor, signal_id, Action.SIGNAL_REVOKE_SHARE, now)
    if reason is not None:
        try:
            reason = normalise.clean_text(reason, "reason", 2000, allow_empty=True) or None
        except normalise.InvalidValue as exc:
            raise Invalid(f"The reason {exc.message}.") from None
    share = session.get(Share, share_id)
    if share is None or share.record_type != RECORD_TYPE or share.record_id != signal.id:
        raise NotFound("No such share.")
    if share.revoked_at is not None:
        return share
    share.revoked_at = now
    share.revoked_by = actor.user_id
    share.revoke_reason = reason
    audit.record(
        session,
        _entry(
            actor,
            "signal.revoke_share",
            signal.id,
            share_id=share.id,
            grantee=share.organisation_id,
        ),
    )
    return share


def update_signal(
    session: Session,
    signal_id: str,
    changes: dict[str, object],
    *,
    actor: Actor,
    cipher: FieldCipher,
) -> Signal:
    """Change the summary, codes, place, date or consent of a signal of one's own."""
    now = utcnow()
    signal, _owner = _owned_for(session, actor, signal_id, Action.SIGNAL_UPDATE, now)
    allowed = {
        "exploitation_types",
        "summary",
        "occurred_on",
        "municipality",
        "indicators",
        "consent",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    current_consent = {
        "to_assistance_system": signal.consent_to_assistance_system,
        "to_police": signal.consent_to_police,
    }
    current = {
        "exploitation_types": signal.exploitation_types,
        "summary": cipher.decrypt(signal.summary_enc, summary_context(signal.id)),
        "occurred_on": signal.occurred_on,
        "municipality": signal.municipality,
        "indicators": signal.indicators,
        "consent": current_consent,
    }
    proposed = {**current, **changes}
    consent_change = changes.get("consent")
    if isinstance(consent_change, dict):
        # A merge patch: `{"consent": {"to_police": true}}` must not silently withdraw
        # the consent to the assistance system that it does not mention.
        proposed["consent"] = {**current_consent, **consent_change}
    try:
        merged = SignalIn.model_validate(proposed)
    except ValidationError as exc:
        raise _invalid(exc) from None
    signal.exploitation_types = merged.exploitation_types
    signal.summary_enc = cipher.encrypt(merged.summary, summary_context(signal.id))
    signal.occurred_on = merged.occurred_on
    signal.municipality = merged.municipality
    signal.indicators = merged.indicators
    signal.consent_to_assistance_system = merged.consent.to_assistance_system
    signal.consent_to_police = merged.consent.to_police
    signal.updated_at = now
    audit.record(session, _entry(actor, "signal.update", signal.id, sorted(changes)))
    return signal


def _invalid(exc: ValidationError) -> Invalid:
    """The same 422 a bad create gets, for a change validated here rather than by the API."""
    problems = [
        FieldProblem(
            ".".join(str(p) for p in e.get("loc", ())) or "body",
            str(e.get("msg", "invalid")).removeprefix("Value error, "),
        )
        for e in exc.errors()
    ]
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return Invalid(f"The input is not valid: {summary}", problems)


def break_glass(
    session: Session, signal_id: str, data: BreakGlassIn, *, actor: Actor, max_hours: int
) -> BreakGlass:
    """Emergency access: justified, time-limited, flagged and notified to the DPO(s)."""
    now = utcnow()
    signal, owner, _decision = access_signal(
        session,
        signal_id,
        Action.SIGNAL_BREAK_GLASS,
        actor=actor,
        now=now,
        purpose=data.justification,
    )
    hours = min(data.hours, max_hours)
    grant = BreakGlass(
        record_type=RECORD_TYPE,
        record_id=signal.id,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        justification=data.justification.strip(),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(grant)
    session.flush()
    dpo_ids = session.scalars(
        select(User.id)
        .where(
            User.is_active.is_(True), User.organisation_id.in_({actor.organisation_id, owner.id})
        )
        .where(User.role_rows.any(role="dpo"))
    ).all()
    for dpo_id in dpo_ids:
        session.add(
            Notification(
                user_id=dpo_id,
                kind="break_glass",
                record_type=RECORD_TYPE,
                record_id=signal.id,
                message=f"Emergency access to a signal for {hours} h by {actor.email}.",
            )
        )
    audit.record(
        session,
        _entry(
            actor,
            "signal.break_glass",
            signal.id,
            purpose=grant.justification,
            grant_id=grant.id,
            hours=hours,
            owner=owner.id,
            dpos_notified=len(dpo_ids),
        ),
    )
    return grant
