"""Batch re-linking of the whole store: after a new model is trained, or to rebuild the index.

Every person of every signal and investigation is re-indexed (features and blocking
keys written afresh), the engine links the whole store in one vectorised pass, and the
candidate links are brought up to date in one transaction: reviewed links keep their
decision, open links take the new score, open links the model no longer proposes are
removed, new ones are added. Progress goes to the callback, stage by stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.context import AppContext
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.investigations.models import Investigation, InvestigationPerson
from opennrm.linkage.engine.link import link
from opennrm.linkage.engine.model import Model
from opennrm.linkage.engine.records import PersonRecord
from opennrm.linkage.index import PersonFields, index_person, reindex_person
from opennrm.linkage.models import CandidateLink, LinkageKey, LinkagePerson
from opennrm.signals.actions import person_identifiers
from opennrm.signals.models import Signal, SignalAddress, SignalPerson

__all__ = ["RelinkSummary", "relink_all"]

Progress = Callable[[str, int, int], None]
# record type, record id, source person id, owning organisation, raw fields
Source = tuple[str, str, str, str, PersonFields]


@dataclass(frozen=True)
class RelinkSummary:
    persons: int
    open: int  # links waiting for review after the run
    reviewed: int  # confirmed or rejected links, kept as they were


def _signal_persons(session: Session, cipher: FieldCipher) -> list[Source]:
    addresses: dict[str, list[str]] = {}
    for signal_id, text in session.execute(
        select(SignalAddress.signal_id, SignalAddress.text).order_by(SignalAddress.position)
    ):
        addresses.setdefault(signal_id, []).append(text)
    out = []
    for person, owner in session.execute(
        select(SignalPerson, Signal.organisation_id)
        .join(Signal, Signal.id == SignalPerson.signal_id)
        .order_by(SignalPerson.signal_id, SignalPerson.position)
    ):
        identifiers = person_identifiers(cipher, person)
        fields = PersonFields(
            names=list(person.names),
            birth_date=person.birth_date,
            gender=person.gender,
            nationality=person.nationality,
            phones=list(person.phones),
            emails=list(person.emails),
            identifiers=identifiers,
            addresses=addresses.get(person.signal_id, []),
        )
        out.append(("signal", person.signal_id, person.id, owner, fields))
    return out


def _investigation_persons(session: Session) -> list[Source]:
    out = []
    for person, owner in session.execute(
        select(InvestigationPerson, Investigation.organisation_id)
        .join(Investigation, Investigation.id == InvestigationPerson.investigation_id)
        .order_by(InvestigationPerson.investigation_id, InvestigationPerson.position)
    ):
        fields = PersonFields(
            names=list(person.names),
            birth_date=person.birth_date,
            nationality=person.nationality,
            phones=list(person.phones),
        )
        out.append(("investigation", person.investigation_id, person.id, owner, fields))
    return out


def relink_all(
    ctx: AppContext, *, model: Model | None = None, progress: Progress | None = None
) -> RelinkSummary:
    """Rebuild the index and the candidate links of the whole store, in one transaction."""
    model = model or ctx.linkage_model
    cipher = ctx.cipher
    now = utcnow()
    with ctx.db.transaction() as session:
        reviewed = {
            (c.left_person_id, c.right_person_id): c
            for c in session.scalars(select(CandidateLink).where(CandidateLink.status != "open"))
        }
        # Persons keep their index ids across a re-link only through their source person.
        old_ids = dict(
            session.execute(select(LinkagePerson.source_person_id, LinkagePerson.id)).all()
        )
        sources = _signal_persons(session, cipher) + _investigation_persons(session)
        total = len(sources)
        session.execute(delete(LinkageKey))
        session.execute(delete(CandidateLink).where(CandidateLink.status == "open"))
        records: list[PersonRecord] = []
        persons: dict[str, LinkagePerson] = {}
        for n, (record_type, record_id, source_id, owner, fields) in enumerate(sources):
            if progress and n % 1000 == 0:
                progress("indexing", n, total)
            existing_id = old_ids.get(source_id)
            person = session.get(LinkagePerson, existing_id) if existing_id else None
            if person is not None:
                record = reindex_person(session, cipher, person, fields)
            else:
                person, record = index_person(
                    session,
                    cipher,
                    record_type=record_type,
                    record_id=record_id,
                    source_person_id=source_id,
                    organisation_id=owner,
                    fields=fields,
                )
            persons[person.id] = person
            records.append(record)
        if progress:
            progress("indexing", total, total)
        session.flush()
        pairs = link(records, model, progress=progress)
        new = 0
        for pair in pairs:
            a, b = persons[pair.left_id], persons[pair.right_id]
            if a.record_type == b.record_type and a.record_id == b.record_id:
                continue  # two persons of one record are not a link between records
            older, newer = (a, b) if (a.created_at, a.id) <= (b.created_at, b.id) else (b, a)
            if (older.id, newer.id) in reviewed or (newer.id, older.id) in reviewed:
                continue  # a reviewer's decision stands
            session.add(
                CandidateLink(
                    left_person_id=older.id,
                    right_person_id=newer.id,
                    left_record_type=older.record_type,
                    left_record_id=older.record_id,
                    left_organisation_id=older.organisation_id,
                    right_record_type=newer.record_type,
                    right_record_id=newer.record_id,
                    right_organisation_id=newer.organisation_id,
                    score=pair.score,
                    decision=pair.decision,
                    levels=pair.levels,
                    name_similarity=pair.name_similarity,
                    model_version=model.version,
                    created_at=now,
                    updated_at=now,
                )
            )
            new += 1
        audit.record(
            session,
            AuditEntry(
                action="linkage.relink",
                detail={
                    "persons": total,
                    "open": new,
                    "reviewed": len(reviewed),
                    "model": model.version,
                },
            ),
            at=now,
        )
    return RelinkSummary(persons=total, open=new, reviewed=len(reviewed))
