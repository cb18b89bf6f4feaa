"""Adding a note to a signal (by its holder) or to a referral (by its receiver)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.notes.models import CaseNote
from opennrm.policy import Action, Actor
from opennrm.referrals.queries import access_referral, note_context
from opennrm.referrals.schemas import NoteIn
from opennrm.signals.queries import access_signal


def add_note(
    session: Session,
    record_type: Literal["signal", "referral", "investigation"],
    record_id: str,
    data: NoteIn,
    *,
    actor: Actor,
    cipher: FieldCipher,
    now: datetime | None = None,
) -> CaseNote:
    """Write a note marked as fact or assessment. Only the organisation that holds the
    record writes on it: the signal's owner, the referral's receiver, or the
    investigation's unit and case team."""
    now = now or utcnow()
    if record_type == "investigation":
        from opennrm.investigations.queries import access_investigation

        investigation, owner, _ = access_investigation(
            session, record_id, Action.INVESTIGATION_UPDATE, actor=actor, now=now
        )
        record_id, org_id = investigation.id, owner.id
    elif record_type == "signal":
        signal, owner, _ = access_signal(
            session, record_id, Action.NOTE_CREATE, actor=actor, now=now
        )
        record_id, org_id = signal.id, owner.id
    else:
        referral, _ = access_referral(session, record_id, Action.REFERRAL_NOTE, actor=actor)
        record_id, org_id = referral.id, referral.target_organisation_id
    note = CaseNote(
        record_type=record_type,
        record_id=record_id,
        organisation_id=org_id,
        kind=data.kind,
        text_enc=b"",
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(note)
    session.flush()
    note.text_enc = cipher.encrypt(data.text, note_context(note.id))
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "note.create",
            record_type=record_type,
            record_id=record_id,
            fields=["notes"],
            detail={"note_id": note.id, "kind": data.kind},
        ),
    )
    return note
