"""Writing to the trail, inside the caller's transaction, and reading it back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.audit.chain import GENESIS_HASH, VerifyResult, entry_hash, verify_entries
from opennrm.audit.events import EVENT_TYPES
from opennrm.audit.models import AuditEvent, AuditHead
from opennrm.db import utcnow


class Acting(Protocol):
    """Who acts, as far as the trail needs to know (the policy's `Actor` fits)."""

    @property
    def user_id(self) -> str: ...

    @property
    def organisation_id(self) -> str: ...


@dataclass(frozen=True)
class AuditEntry:
    """One event to record; actions build these, `record()` chains and stores them."""

    action: str
    actor_user_id: str | None = None
    actor_org_id: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    fields: Sequence[str] = ()
    purpose: str | None = None
    outcome: str = "ok"
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def by(cls, actor: Acting, action: str, **values: Any) -> AuditEntry:
        """An entry for an act of a signed-in actor (user and organisation filled in)."""
        return cls(
            action=action,
            actor_user_id=actor.user_id,
            actor_org_id=actor.organisation_id,
            **values,
        )


def record(session: Session, entry: AuditEntry, *, at: datetime | None = None) -> AuditEvent:
    """Append one event in the caller's transaction, so it commits or fails with the act.

    The head row is locked (`FOR UPDATE` on PostgreSQL; SQLite's write transactions are
    already exclusive), which serialises appends and keeps the sequence gapless.
    """
    if entry.action not in EVENT_TYPES:
        raise ValueError(f"unknown audit event type {entry.action!r}; add it to audit/events.py")
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    values: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": at or utcnow(),
        "actor_user_id": entry.actor_user_id,
        "actor_org_id": entry.actor_org_id,
        "action": entry.action,
        "outcome": entry.outcome,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "fields": sorted(set(entry.fields)),
        "purpose": entry.purpose,
        "detail": entry.detail,
    }
    digest = entry_hash(head.hash, values)
    event = AuditEvent(**values, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq = event.seq
    head.hash = digest
    session.flush()
    return event


def _as_mapping(ev: AuditEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq, "at": ev.at, "actor_user_id": ev.actor_user_id,
        "actor_org_id": ev.actor_org_id, "action": ev.action, "outcome": ev.outcome,
        "record_type": ev.record_type, "record_id": ev.record_id, "fields": ev.fields,
        "purpose": ev.purpose, "detail": ev.detail, "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }  # fmt: skip


def iter_chain(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every event in sequence order, streamed in batches to bound memory."""
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        for ev in rows:
            yield _as_mapping(ev)
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Verify the whole chain and that the head row agrees with its last entry."""
    result = verify_entries(iter_chain(session))
    if not result.ok:
        return result
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
    if head.seq != result.last_seq or head.hash != result.last_hash:
        return VerifyResult(
            False,
            result.checked,
            result.last_seq,
            result.last_hash,
            result.last_seq + 1 if head.seq > result.last_seq else head.seq,
            f"the chain ends at entry {result.last_seq} but the head says {head.seq}: "
            "entries were removed from the end or the head was altered",
        )
    return result


def events_for_record(session: Session, record_type: str, record_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
            .order_by(AuditEvent.seq)
        )
    )


__all__ = ["GENESIS_HASH", "AuditEntry", "events_for_record", "iter_chain", "record", "verify"]


def verify_against_checkpoint(session: Session, seq: int, digest: str) -> VerifyResult:
    """Verify the chain, then that it still holds the checkpointed entry unchanged."""
    result = verify(session)
    if not result.ok:
        return result
    if result.last_seq < seq:
        return VerifyResult(
            False,
            result.checked,
            result.last_seq,
            result.last_hash,
            result.last_seq + 1,
            f"the chain ends at entry {result.last_seq} but a checkpoint vouches for entry "
            f"{seq}: the trail was truncated or rolled back",
        )
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if held != digest:
        return VerifyResult(
            False,
            result.checked,
            result.last_seq,
            result.last_hash,
            seq,
            f"entry {seq} differs from the signed checkpoint: the chain was recomputed "
            "or rolled back and rewritten",
        )
    return result
