"""Refusals of the action plan and the training library, each with its audit entry.

The plan and the library are common knowledge inside the platform: a refusal says why
(403) and the attempt stays on the trail with the act that was tried (`outcome: denied`).
"""

from __future__ import annotations

from opennrm.audit.trail import AuditEntry
from opennrm.errors import Forbidden, NotFound
from opennrm.policy import Action, Actor, Decision, can


def refusal(
    actor: Actor,
    event: str,
    message: str,
    *,
    reason: str,
    record_type: str | None = None,
    record_id: str | None = None,
) -> Forbidden:
    return Forbidden(
        message,
        audit=AuditEntry.by(
            actor,
            event,
            outcome="denied",
            record_type=record_type,
            record_id=record_id,
            detail={"reason": reason},
        ),
    )


def require(
    actor: Actor,
    action: Action,
    event: str,
    message: str,
    *,
    record_type: str | None = None,
    record_id: str | None = None,
) -> Decision:
    """The policy's decision on `action`; a refusal is raised, audited as `event`."""
    decision = can(actor, action)
    if not decision.allowed:
        raise refusal(
            actor,
            event,
            message,
            reason=decision.reason,
            record_type=record_type,
            record_id=record_id,
        )
    return decision


def hidden(actor: Actor, event: str, record_type: str, record_id: str) -> NotFound:
    """What a caller hears about a person they may not act for: the same as for a person
    who does not exist; the attempt is on the trail."""
    return NotFound(
        audit=AuditEntry.by(
            actor,
            event,
            outcome="denied",
            record_type=record_type,
            record_id=record_id,
            detail={"reason": "not found"},
        )
    )
