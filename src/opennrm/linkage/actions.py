"""Writes of linkage: indexing new records (online matching) and reviewers' decisions.

Indexing runs inside the transaction that stores the signal or investigation, so a
record is never stored without its index and candidate links (and never indexed when
its own write fails). A reviewer's decision is audited as what it is: a statement that
two organisations' records concern one person — a combination of data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Conflict, Forbidden, Invalid, NotFound
from opennrm.linkage.engine.model import Model, default_model
from opennrm.linkage.index import PersonFields, index_person, link_person
from opennrm.linkage.models import CandidateLink
from opennrm.policy import Action, Actor, rowsecurity
from opennrm.policy.access import denied_entry, not_found
from opennrm.policy.rules import can_review_link

__all__ = ["REVIEW_DECISIONS", "index_record", "review_link", "shipped_model"]

RECORD_TYPE = "linkage_candidate"
REVIEW_DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
MAX_REASON = 2_000


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    return default_model()


def index_record(
    session: Session,
    cipher: FieldCipher,
    *,
    actor: Actor,
    record_type: str,
    record_id: str,
    organisation_id: str,
    persons: Sequence[tuple[str, PersonFields]],
    model: Model | None = None,
    now: datetime | None = None,
) -> list[CandidateLink]:
    """Index the persons of a new record and match each against the store.

    ``persons`` pairs each source person's id with its raw fields. Returns the new
    candidate links. One audit event says how many persons were matched and how many
    links were found, without naming any.
    """
    model = model or shipped_model()
    now = now or utcnow()
    found: list[CandidateLink] = []
    for source_person_id, fields in persons:
        person, record = index_person(
            session,
            cipher,
            record_type=record_type,
            record_id=record_id,
            source_person_id=source_person_id,
            organisation_id=organisation_id,
            fields=fields,
        )
        # Matching compares with every organisation's index; only hit/no-hit leaves it
        # unless the policy lets the reader see the other record (ADR 0016).
        with rowsecurity.system_scope(session, "linkage"):
            found += link_person(session, cipher, model, person, record, now=now)
    session.flush()
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "linkage.match",
            record_type=record_type,
            record_id=record_id,
            fields=["names", "birth_date", "phones", "emails", "identifiers", "addresses"],
            detail={
                "persons": len(persons),
                "candidates": len(found),
                "model": model.version,
                "linked_records": sorted(
                    {f"{c.left_record_type}:{c.left_record_id}" for c in found}
                ),
            },
        ),
        at=now,
    )
    return found


def review_link(
    session: Session,
    candidate_id: str,
    decision: str,
    reason: str,
    *,
    actor: Actor,
    cipher: FieldCipher,
    now: datetime | None = None,
) -> CandidateLink:
    """Confirm or reject a candidate link, as someone who may read both records."""
    from opennrm.linkage.queries import sees_sides  # reads signals and investigations

    now = now or utcnow()
    link = session.get(CandidateLink, candidate_id) if len(candidate_id) <= 36 else None
    if link is None:
        raise not_found(actor, Action.LINKAGE_REVIEW, RECORD_TYPE, candidate_id)
    sees = sees_sides(session, actor, link, now)
    verdict = can_review_link(actor, sees_left=sees[0], sees_right=sees[1])
    if not verdict:
        entry = denied_entry(actor, Action.LINKAGE_REVIEW, RECORD_TYPE, link.id, verdict.reason)
        if verdict.reveal:
            raise Forbidden(verdict.reason[0].upper() + verdict.reason[1:] + ".", audit=entry)
        raise NotFound(audit=entry)
    if decision not in REVIEW_DECISIONS:
        raise Invalid("decision must be 'confirm' or 'reject'.")
    text = reason.strip()
    if len(text) < 5:
        raise Invalid("Give a reason of at least 5 characters: the decision is audited.")
    if len(text) > MAX_REASON:
        raise Invalid(f"The reason is {len(text)} characters long; at most {MAX_REASON}.")
    status = REVIEW_DECISIONS[decision]
    if link.status != "open":
        raise Conflict(f"This link was already {link.status}; it cannot be decided again.")
    link.status = status
    link.reviewed_by = actor.user_id
    link.reviewed_at = now
    link.review_reason_enc = cipher.encrypt(text, f"linkage_candidates:{link.id}:reason")
    link.updated_at = now
    audit.record(
        session,
        AuditEntry.by(
            actor,
            f"linkage.{decision}",
            record_type=RECORD_TYPE,
            record_id=link.id,
            fields=["names", "birth_date", "phones", "emails", "identifiers", "addresses"],
            detail={
                "left": f"{link.left_record_type}:{link.left_record_id}",
                "right": f"{link.right_record_type}:{link.right_record_id}",
                "score": link.score,
                "model": link.model_version,
            },
        ),
        at=now,
    )
    return link
