"""The linkage index in the database: persons' features, blocking keys and candidate links.

Online matching (every new signal and investigation) runs inside the transaction that
stores the record: the new persons are indexed, candidates are fetched by blind-indexed
blocking key, scored by the engine, and the pairs worth attention are kept as candidate
links. A key held by more than ``max_block`` persons is skipped, as in batch linkage.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.linkage.engine.blocking import DEFAULT_MAX_BLOCK, block_limit, blocking_keys
from opennrm.linkage.engine.link import Pair, match_one
from opennrm.linkage.engine.model import Model
from opennrm.linkage.engine.records import PersonRecord, person_record
from opennrm.linkage.models import CandidateLink, LinkageKey, LinkagePerson

__all__ = [
    "PersonFields",
    "index_person",
    "key_digest",
    "link_person",
    "load_record",
    "reindex_person",
    "stored_records",
]

# A blocking key's blind index is cut to 128 bits: collisions stay negligible at any
# national scale and the index is half the size.
_KEY_HEX = 32


@dataclass(frozen=True)
class PersonFields:
    """The raw values of one person, as stored in the record they come from."""

    names: list[str] = field(default_factory=list)
    birth_date: str | None = None
    gender: str | None = None
    nationality: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, person: object, addresses: list[str]) -> PersonFields:
        """The fields of a person as a signal or an investigation received them (any object
        with names, birth_date, nationality, phones and, where it has them, gender,
        emails and identifiers)."""
        return cls(
            names=list(getattr(person, "names", [])),
            birth_date=getattr(person, "birth_date", None),
            gender=getattr(person, "gender", None),
            nationality=getattr(person, "nationality", None),
            phones=list(getattr(person, "phones", [])),
            emails=list(getattr(person, "emails", [])),
            identifiers=list(getattr(person, "identifiers", [])),
            addresses=list(addresses),
        )

    def record(self, record_id: str) -> PersonRecord:
        return person_record(
            record_id,
            names=self.names,
            birth_date=self.birth_date or "",
            gender=self.gender or "",
            nationality=self.nationality or "",
            phones=self.phones,
            emails=self.emails,
            addresses=self.addresses,
            identifiers=self.identifiers,
        )


def _context(person_id: str) -> str:
    return f"linkage_persons:{person_id}:features"


def key_digest(cipher: FieldCipher, key: str) -> str:
    return cipher.blind_index("linkage", key)[:_KEY_HEX]


def index_person(
    session: Session,
    cipher: FieldCipher,
    *,
    record_type: str,
    record_id: str,
    source_person_id: str,
    organisation_id: str,
    fields: PersonFields,
) -> tuple[LinkagePerson, PersonRecord]:
    """Store one person's encrypted features and blind-indexed blocking keys."""
    person = LinkagePerson(
        record_type=record_type,
        record_id=record_id,
        source_person_id=source_person_id,
        organisation_id=organisation_id,
        features_enc=b"",
    )
    session.add(person)
    session.flush()
    person.features_enc = cipher.encrypt(json.dumps(asdict(fields)), _context(person.id))
    record = fields.record(person.id)
    session.add_all(
        LinkageKey(person_id=person.id, key=key_digest(cipher, k)) for k in blocking_keys(record)
    )
    return person, record


def reindex_person(
    session: Session, cipher: FieldCipher, person: LinkagePerson, fields: PersonFields
) -> PersonRecord:
    """Rewrite an indexed person's features and keys (its old keys are already gone)."""
    person.features_enc = cipher.encrypt(json.dumps(asdict(fields)), _context(person.id))
    record = fields.record(person.id)
    session.add_all(
        LinkageKey(person_id=person.id, key=key_digest(cipher, k)) for k in blocking_keys(record)
    )
    return record


def load_record(cipher: FieldCipher, person: LinkagePerson) -> PersonRecord:
    raw = json.loads(cipher.decrypt(person.features_enc, _context(person.id)))
    return PersonFields(**raw).record(person.id)


# The store's size, counted at most every few minutes: the term frequency of a name
# needs it, and counting a million rows on every new signal would cost more than the
# match itself. Keyed by database URL.
_SIZE_TTL_SECONDS = 300.0
_sizes: dict[str, tuple[float, int]] = {}


def store_size(session: Session) -> int:
    url = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _sizes.get(url)
    if cached is not None and now - cached[0] < _SIZE_TTL_SECONDS and cached[1] >= 1000:
        return cached[1]
    size = session.scalar(select(func.count()).select_from(LinkagePerson)) or 0
    _sizes[url] = (now, size)
    return size


@dataclass(frozen=True)
class Candidates:
    found: list[tuple[LinkagePerson, PersonRecord]]
    # Stored persons written with the record's (first) name, and all stored persons.
    same_name: int
    total: int


def candidates_for(
    session: Session,
    cipher: FieldCipher,
    record: PersonRecord,
    *,
    exclude_record: tuple[str, str],
    max_block: int = DEFAULT_MAX_BLOCK,
) -> Candidates:
    """Stored persons sharing a usable blocking key with ``record``."""
    keys = blocking_keys(record)
    limits = {key_digest(cipher, k): block_limit(k, max_block) for k in keys}
    digests = list(limits)
    if not digests:
        return Candidates([], 0, 0)
    counts = dict(
        session.execute(
            select(LinkageKey.key, func.count())
            .where(LinkageKey.key.in_(digests))
            .group_by(LinkageKey.key)
        ).all()
    )
    usable = [key for key, count in counts.items() if count <= limits[key]]
    same_name = 0
    if record.names:
        # The record itself is indexed already, so it is among the count.
        same_name = counts.get(key_digest(cipher, f"n:{record.names[0].sorted_key}"), 0)
    if not usable:
        return Candidates([], same_name, 0)
    rows = session.scalars(
        select(LinkagePerson)
        .where(
            LinkagePerson.id.in_(
                select(LinkageKey.person_id).where(LinkageKey.key.in_(usable)).distinct()
            ),
            or_(
                LinkagePerson.record_type != exclude_record[0],
                LinkagePerson.record_id != exclude_record[1],
            ),
        )
        .order_by(LinkagePerson.id)
    ).all()
    found = [(p, load_record(cipher, p)) for p in rows]
    return Candidates(found, same_name, store_size(session))


def _upsert(
    session: Session,
    older: LinkagePerson,
    newer: LinkagePerson,
    pair: Pair,
    similarity: float,
    model: Model,
    now: datetime,
) -> CandidateLink | None:
    existing = session.scalar(
        select(CandidateLink).where(
            or_(
                (CandidateLink.left_person_id == older.id)
                & (CandidateLink.right_person_id == newer.id),
                (CandidateLink.left_person_id == newer.id)
                & (CandidateLink.right_person_id == older.id),
            )
        )
    )
    if existing is not None:
        if existing.status == "open":
            existing.score = pair.score
            existing.decision = pair.decision
            existing.levels = pair.levels
            existing.name_similarity = similarity
            existing.model_version = model.version
            existing.updated_at = now
        return None
    link = CandidateLink(
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
        name_similarity=similarity,
        model_version=model.version,
        created_at=now,
        updated_at=now,
    )
    session.add(link)
    return link


def link_person(
    session: Session,
    cipher: FieldCipher,
    model: Model,
    person: LinkagePerson,
    record: PersonRecord,
    *,
    now: datetime | None = None,
) -> list[CandidateLink]:
    """Match one indexed person against the store; keep and return the new links."""
    now = now or utcnow()
    candidates = candidates_for(
        session, cipher, record, exclude_record=(person.record_type, person.record_id)
    )
    by_id = {p.id: p for p, _r in candidates.found}
    new: list[CandidateLink] = []
    pairs = match_one(
        record,
        [r for _p, r in candidates.found],
        model.for_size(candidates.total),
        name_frequency=float(model.name_tf(candidates.same_name, candidates.total)),
    )
    for pair in pairs:
        link = _upsert(
            session, by_id[pair.right_id], person, pair, pair.name_similarity, model, now
        )
        if link is not None:
            new.append(link)
    return new


def stored_records(session: Session, cipher: FieldCipher) -> list[PersonRecord]:
    """Every indexed person (for training and batch re-linking)."""
    return [
        load_record(cipher, p)
        for p in session.scalars(select(LinkagePerson).order_by(LinkagePerson.id))
    ]
