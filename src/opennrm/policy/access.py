"""`check()`: decide one act on one record, and turn a refusal into the right error.

A refusal the caller may not learn about is a `NotFound` — the same answer as for an id
that does not exist — and both are written to the trail as denied attempts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from opennrm.audit.trail import AuditEntry
from opennrm.errors import Forbidden, NotFound
from opennrm.policy.rules import Action, Actor, Decision, can
from opennrm.policy.visibility import load_facts

MAX_ID_LENGTH = 36


def denied_entry(
    actor: Actor,
    action: Action,
    record_type: str,
    record_id: str,
    reason: str,
    purpose: str | None = None,
) -> AuditEntry:
    if len(record_id) > MAX_ID_LENGTH:
        # No record has such an id; keep the attempt, not the caller's oversized string.
        return AuditEntry(
            action=str(action),
            outcome="denied",
            actor_user_id=actor.user_id,
            actor_org_id=actor.organisation_id,
            record_type=record_type,
            purpose=purpose,
            detail={"reason": "malformed id", "id_length": len(record_id)},
        )
    return AuditEntry(
        action=str(action),
        outcome="denied",
        actor_user_id=actor.user_id,
        actor_org_id=actor.organisation_id,
        record_type=record_type,
        record_id=record_id,
        purpose=purpose,
        detail={"reason": reason},
    )


def not_found(
    actor: Actor, action: Action, record_type: str, record_id: str, purpose: str | None = None
) -> NotFound:
    return NotFound(audit=denied_entry(actor, action, record_type, record_id, "not found", purpose))


def check(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    record_type: str,
    record_id: str,
    owner_org_id: str,
    owner_org_type: str,
    created_by: str,
    now: datetime,
    purpose: str | None = None,
) -> Decision:
    facts = load_facts(
        session,
        actor,
        record_type=record_type,
        record_id=record_id,
        owner_org_id=owner_org_id,
        owner_org_type=owner_org_type,
        created_by=created_by,
        now=now,
    )
    decision = can(actor, action, facts)
    if decision.allowed:
        return decision
    entry = denied_entry(actor, action, record_type, record_id, decision.reason, purpose)
    if decision.reveal:
        raise Forbidden(decision.reason[0].upper() + decision.reason[1:] + ".", audit=entry)
    raise NotFound(audit=entry)
