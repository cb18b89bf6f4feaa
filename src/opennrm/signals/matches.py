"""A signal's matches, shown as hit/no-hit.

Two kinds of match: a shared identifier (the same normalised phone, e-mail, identity
number or business id, found through the keyed blind indexes without decrypting
anything), and a person link the linkage engine found between this signal's persons
and a person in another signal or investigation (``linkage``; rejected links are left
out). A match in a record the caller may see is shown in full, with the link's
explanation; any other shows only that it exists, how strong it is and whom to contact,
and the holding organisation is told that someone found it (ARCHITECTURE.md rule 3).
Police-held records reach partners outside the authorities not even as a hit unless the
deployment allows it (``OPENNRM_POLICE_HITS_TO_PARTNERS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation, User, UserRole
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.investigations.models import Investigation
from opennrm.linkage.engine.model import Model
from opennrm.linkage.models import CandidateLink
from opennrm.linkage.queries import describe, links_of_record, visible_record_ids
from opennrm.notifications.models import Notification
from opennrm.policy import POLICE_TYPES, Action, Actor, rowsecurity
from opennrm.policy.rules import AUTHORITY_TYPES
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
    # "phone", "email", "identifier", "business_id" (shared exactly) and/or "person"
    # (a person link from the linkage engine).
    matched_on: list[str]
    # Present only when the caller may see the other record:
    record_type: str | None = None
    record_id: str | None = None
    signal_id: str | None = None
    organisation_id: str | None = None
    organisation_name: str | None = None
    candidate_id: str | None = None
    link_status: str | None = None
    explanation: str | None = None
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
    cipher: FieldCipher,
    model: Model,
    now: datetime | None = None,
) -> list[MatchOut]:
    now = now or utcnow()
    signal, _owner, _decision = access_signal(
        session, signal_id, Action.SIGNAL_READ, actor=actor, now=now, purpose="look for matches"
    )
    mine = aliased(SignalIdentifier)
    theirs = aliased(SignalIdentifier)
    with rowsecurity.system_scope(session, "linkage"):  # every holder's identifiers
        pairs = session.execute(
            select(theirs.signal_id, theirs.kind)
            .join(mine, (mine.kind == theirs.kind) & (mine.blind_index == theirs.blind_index))
            .where(mine.signal_id == signal.id, theirs.signal_id != signal.id)
            .distinct()
        ).all()
    found: dict[tuple[str, str], _Found] = {}
    for other_id, kind in pairs:
        item = found.setdefault((RECORD_TYPE, other_id), _Found())
        item.kinds.add(kind)
    return record_matches(
        session,
        RECORD_TYPE,
        signal.id,
        found,
        actor=actor,
        policy=policy,
        cipher=cipher,
        model=model,
        now=now,
    )


def record_matches(
    session: Session,
    record_type: str,
    record_id: str,
    found: dict[tuple[str, str], _Found],
    *,
    actor: Actor,
    policy: MatchPolicy,
    cipher: FieldCipher,
    model: Model,
    now: datetime,
) -> list[MatchOut]:
    """The matches of one record the caller may read (``found`` holds its identifier
    matches, if any): person links added, each shown in full or as a hit, holders told,
    the search audited on the record.

    The other records' holders are beyond row security by design (hit/no-hit, ADR 0016);
    what is shown in full is still decided by `policy.visible` (`visible_record_ids`)."""
    with rowsecurity.system_scope(session, "linkage"):
        return _record_matches(
            session,
            record_type,
            record_id,
            found,
            actor=actor,
            policy=policy,
            cipher=cipher,
            model=model,
            now=now,
        )


def _record_matches(
    session: Session,
    record_type: str,
    record_id: str,
    found: dict[tuple[str, str], _Found],
    *,
    actor: Actor,
    policy: MatchPolicy,
    cipher: FieldCipher,
    model: Model,
    now: datetime,
) -> list[MatchOut]:
    for link, other_type, other_id, _org in links_of_record(session, record_type, record_id):
        item = found.setdefault((other_type, other_id), _Found())
        if item.link is None or link.score > item.link.score:
            item.link = link
    if not found:
        _audit_search(session, actor, record_type, record_id, 0, 0)
        return []
    seeable: set[tuple[str, str]] = set()
    for other_type in {t for t, _i in found}:
        ids = [i for t, i in found if t == other_type]
        seeable |= {
            (other_type, i) for i in visible_record_ids(session, actor, other_type, ids, now)
        }
    holders = _holders(session, found)
    out: list[MatchOut] = []
    hidden = 0
    for key in sorted(found, key=lambda k: (-found[k].strength, k)):
        other_type, other_id = key
        item = found[key]
        org = holders[key]
        if key in seeable:
            out.append(
                MatchOut(
                    strength=item.strength,
                    matched_on=item.matched_on,
                    record_type=other_type,
                    record_id=other_id,
                    signal_id=other_id if other_type == RECORD_TYPE else None,
                    organisation_id=org.id,
                    organisation_name=org.name,
                    candidate_id=item.link.id if item.link else None,
                    link_status=item.link.status if item.link else None,
                    explanation=describe(session, cipher, model, item.link) if item.link else None,
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
                strength=item.strength,
                matched_on=item.matched_on,
                contact_organisation=ContactOut(
                    organisation_id=org.id,
                    name=org.name,
                    type=org.type,
                    contact_email=org.contact_email,
                ),
            )
        )
        _tell_holder(session, actor, other_type, other_id, org, item.strength)
    _audit_search(session, actor, record_type, record_id, len(out), hidden)
    return out


@dataclass
class _Found:
    """What ties one other record to this signal: shared identifiers and/or a person link."""

    kinds: set[str] = field(default_factory=set)
    link: CandidateLink | None = None

    @property
    def strength(self) -> float:
        exact = combined_strength(self.kinds) if self.kinds else 0.0
        linked = self.link.score if self.link else 0.0
        return round(1.0 - (1.0 - exact) * (1.0 - linked), 4)

    @property
    def matched_on(self) -> list[str]:
        return sorted(self.kinds | ({"person"} if self.link else set()))


def _holders(
    session: Session, found: dict[tuple[str, str], _Found]
) -> dict[tuple[str, str], Organisation]:
    out: dict[tuple[str, str], Organisation] = {}
    for record_type, table in (("signal", Signal), ("investigation", Investigation)):
        ids = [i for t, i in found if t == record_type]
        if not ids:
            continue
        rows = session.execute(
            select(table.id, Organisation)
            .join(Organisation, Organisation.id == table.organisation_id)
            .where(table.id.in_(ids))
        ).all()
        out.update({(record_type, rid): org for rid, org in rows})
    return out


def _tell_holder(
    session: Session,
    actor: Actor,
    record_type: str,
    other_id: str,
    holder: Organisation,
    strength: float,
) -> None:
    """The holder learns that someone found a match in its record, and who asked."""
    asker = session.get(Organisation, actor.organisation_id)
    asker_name = asker.name if asker else actor.organisation_id
    what = "signals" if record_type == RECORD_TYPE else "investigations"
    message = f"{asker_name} found a match (strength {strength:.2f}) in one of your {what}."
    # The record's author and the holder's supervisors: the people who can act on it.
    table = Signal if record_type == RECORD_TYPE else Investigation
    author = session.scalar(select(table.created_by).where(table.id == other_id))
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
                    record_type=record_type,
                    record_id=other_id,
                    message=message,
                )
            )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "signal.match_hit" if record_type == RECORD_TYPE else "linkage.hit",
            record_type=record_type,
            record_id=other_id,
            detail={"strength": strength, "asked_by": actor.organisation_id},
        ),
    )


def _audit_search(
    session: Session, actor: Actor, record_type: str, record_id: str, found: int, hidden: int
) -> None:
    audit.record(
        session,
        AuditEntry.by(
            actor,
            f"{record_type}.match",
            record_type=record_type,
            record_id=record_id,
            fields=["names", "birth_date", "phones", "emails", "identifiers", "business_ids"],
            detail={"matches": found, "hidden": hidden},
        ),
    )
