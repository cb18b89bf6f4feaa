"""Exact matches between signals on normalised identifiers, shown as hit/no-hit.

Until the linkage engine exists, two signals match when they hold the same normalised
phone, e-mail, identity number or business id — found through the keyed blind indexes,
without decrypting anything. A match in a record the caller may see is shown in full;
any other match shows only that it exists, how strong it is and whom to contact, and
the holding organisation is told that someone asked (ARCHITECTURE.md rule 3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User, UserRole
from opennrm.db import utcnow
from opennrm.notifications.models import Notification
from opennrm.policy import POLICE_TYPES, Action, Actor
from opennrm.policy.rules import AUTHORITY_TYPES
from opennrm.policy.visibility import visible
from opennrm.signals.models import Signal, SignalIdentifier
from opennrm.signals.queries import RECORD_TYPE, access_signal

# How much one shared identifier says that two records concern the same person or firm.
KIND_STRENGTH = {"identifier": 0.99, "phone": 0.9, "email": 0.9, "business_id": 0.8}


def combined_strength(kinds: set[str]) -> float:
    """Independent evidence combined: 1 - prod(1 - s)."""
    miss = 1.0
    for kind in kinds:
        miss *= 1.0 - KIND_STRENGTH.get(kind, 0.5)
    return round(1.0 - miss, 4)


class ContactOut(BaseModel):
    organisation_id: str
    name: str
    type: str
    contact_email: str | None


class MatchOut(BaseModel):
    hit: bool = True
    strength: float
    matched_on: list[str]
    # Present only when the caller may see the other record:
    signal_id: str | None = None
    organisation_id: str | None = None
    organisation_name: str | None = None
    # Present only when the caller may not see it:
    contact_organisation: ContactOut | None = None


@dataclass(frozen=True)
class MatchPolicy:
    """Whether police-held matches reach partners outside the authorities at all."""

    police_hits_to_partners: bool = False


def find_matches(
    session: Session,
    signal_id: str,
    *,
    actor: Actor,
    policy: MatchPolicy,
    now: datetime | None = None,
) -> list[MatchOut]:
    now = now or utcnow()
    signal, _owner, _decision = access_signal(
        session, signal_id, Action.SIGNAL_READ, actor=actor, now=now, purpose="look for matches"
    )
    mine = aliased(SignalIdentifier)
    theirs = aliased(SignalIdentifier)
    pairs = session.execute(
        select(theirs.signal_id, theirs.kind)
        .join(mine, (mine.kind == theirs.kind) & (mine.blind_index == theirs.blind_index))
        .where(mine.signal_id == signal.id, theirs.signal_id != signal.id)
        .distinct()
    ).all()
    kinds: dict[str, set[str]] = defaultdict(set)
    for other_id, kind in pairs:
        kinds[other_id].add(kind)
    if not kinds:
        _audit_search(session, actor, signal.id, 0, 0)
        return []
    seeable = set(
        session.scalars(
            select(Signal.id).where(
                Signal.id.in_(kinds),
                visible(
                    actor,
                    record_type=RECORD_TYPE,
                    id_col=Signal.id,
                    owner_col=Signal.organisation_id,
                    creator_col=Signal.created_by,
                    now=now,
                ),
            )
        )
    )
    holder_rows = session.execute(
        select(Signal.id, Organisation)
        .join(Organisation, Organisation.id == Signal.organisation_id)
        .where(Signal.id.in_(kinds))
    ).all()
    holders: dict[str, Organisation] = {sid: org for sid, org in holder_rows}  # noqa: C416
    out: list[MatchOut] = []
    hidden = 0
    for other_id in sorted(kinds, key=lambda s: (-combined_strength(kinds[s]), s)):
        org = holders[other_id]
        strength = combined_strength(kinds[other_id])
        matched_on = sorted(kinds[other_id])
        if other_id in seeable:
            out.append(
                MatchOut(
                    strength=strength,
                    matched_on=matched_on,
                    signal_id=other_id,
                    organisation_id=org.id,
                    organisation_name=org.name,
                )
            )
            continue
        if (
            org.type in POLICE_TYPES
            and actor.organisation_type not in AUTHORITY_TYPES
            and not policy.police_hits_to_partners
        ):
            continue  # police data does not surface to partners, not even as a hit
        hidden += 1
        out.append(
            MatchOut(
                strength=strength,
                matched_on=matched_on,
                contact_organisation=ContactOut(
                    organisation_id=org.id,
                    name=org.name,
                    type=org.type,
                    contact_email=org.contact_email,
                ),
            )
        )
        _tell_holder(session, actor, other_id, org, strength)
    _audit_search(session, actor, signal.id, len(out), hidden)
    return out


def _tell_holder(
    session: Session, actor: Actor, other_id: str, holder: Organisation, strength: float
) -> None:
    """The holder learns that someone found a match in its record, and who asked."""
    asker = session.get(Organisation, actor.organisation_id)
    asker_name = asker.name if asker else actor.organisation_id
    message = f"{asker_name} found a match (strength {strength:.2f}) in one of your signals."
    # The record's author and the holder's supervisors: the people who can act on it.
    author = session.scalar(select(Signal.created_by).where(Signal.id == other_id))
    recipients = set(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == holder.id,
                User.is_active.is_(True),
                (UserRole.role == "supervisor") | (User.id == author),
            )
        )
    )
    for user_id in sorted(recipients):
        already = session.scalar(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.kind == "match_hit",
                Notification.record_id == other_id,
                Notification.message == message,
            )
        )
        if already is None:
            session.add(
                Notification(
                    user_id=user_id,
                    kind="match_hit",
                    record_type=RECORD_TYPE,
                    record_id=other_id,
                    message=message,
                )
            )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.match_hit",
            record_type=RECORD_TYPE,
            record_id=other_id,
            detail={"strength": strength, "asked_by": actor.organisation_id},
        ),
    )


def _audit_search(session: Session, actor: Actor, signal_id: str, found: int, hidden: int) -> None:
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.match",
            record_type=RECORD_TYPE,
            record_id=signal_id,
            fields=["phones", "emails", "identifiers", "business_ids"],
            detail={"matches": found, "hidden": hidden},
        ),
    )
