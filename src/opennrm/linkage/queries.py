"""Reads of candidate links, each as far as the reader may see.

A link joins two records. The reader sees a link in full — both records, the
explanation with the shared phone or document number — only when the policy's
visibility query lets them read both records. Seeing one side, they learn only that a
match exists, its strength and whom to contact (``signals.matches``). Seeing neither,
they do not learn the link exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth.models import Organisation
from opennrm.crypto import FieldCipher
from opennrm.errors import NotFound
from opennrm.investigations.models import Investigation
from opennrm.linkage.engine.link import explain_labels, shared_values
from opennrm.linkage.engine.model import Model
from opennrm.linkage.index import load_record
from opennrm.linkage.models import CandidateLink, LinkagePerson
from opennrm.policy import Action, Actor, can
from opennrm.policy.access import denied_entry
from opennrm.policy.visibility import visible
from opennrm.signals.models import Signal

__all__ = [
    "LinkView",
    "describe",
    "links_of_record",
    "read_link",
    "review_queue",
    "sees_sides",
    "visible_record_ids",
]

_TABLES: dict[str, Any] = {"signal": Signal, "investigation": Investigation}


def visible_record_ids(
    session: Session, actor: Actor, record_type: str, ids: Iterable[str], now: datetime
) -> set[str]:
    """Which of ``ids`` (of one record type) the actor may read."""
    wanted = list(set(ids))
    table = _TABLES.get(record_type)
    if table is None or not wanted:
        return set()
    return set(
        session.scalars(
            select(table.id).where(
                table.id.in_(wanted),
                visible(
                    actor,
                    record_type=record_type,
                    id_col=table.id,
                    owner_col=table.organisation_id,
                    creator_col=table.created_by,
                    now=now,
                ),
            )
        )
    )


def _visible_clause(actor: Actor, record_type_col, record_id_col, now: datetime):  # type: ignore[no-untyped-def]
    """SQL: the record named by the two columns is one the actor may read."""
    parts = []
    for record_type, table in _TABLES.items():
        parts.append(
            and_(
                record_type_col == record_type,
                record_id_col.in_(
                    select(table.id).where(
                        visible(
                            actor,
                            record_type=record_type,
                            id_col=table.id,
                            owner_col=table.organisation_id,
                            creator_col=table.created_by,
                            now=now,
                        )
                    )
                ),
            )
        )
    return or_(*parts) if parts else false()


def sees_sides(
    session: Session, actor: Actor, link: CandidateLink, now: datetime
) -> tuple[bool, bool]:
    left = link.left_record_id in visible_record_ids(
        session, actor, link.left_record_type, [link.left_record_id], now
    )
    right = link.right_record_id in visible_record_ids(
        session, actor, link.right_record_type, [link.right_record_id], now
    )
    return left, right


def links_of_record(
    session: Session, record_type: str, record_id: str
) -> list[tuple[CandidateLink, str, str, str]]:
    """Links touching one record, each with the *other* side's type, id and holder;
    rejected links are left out (a reviewer said they are not one person)."""
    rows = session.scalars(
        select(CandidateLink).where(
            CandidateLink.status != "rejected",
            or_(
                and_(
                    CandidateLink.left_record_type == record_type,
                    CandidateLink.left_record_id == record_id,
                ),
                and_(
                    CandidateLink.right_record_type == record_type,
                    CandidateLink.right_record_id == record_id,
                ),
            ),
        )
    ).all()
    out: list[tuple[CandidateLink, str, str, str]] = []
    for link in rows:
        if link.left_record_type == record_type and link.left_record_id == record_id:
            out.append(
                (link, link.right_record_type, link.right_record_id, link.right_organisation_id)
            )
        else:
            out.append(
                (link, link.left_record_type, link.left_record_id, link.left_organisation_id)
            )
    return out


def describe(session: Session, cipher: FieldCipher, model: Model, link: CandidateLink) -> str:
    """The explanation with the shared values named: only for a reader of both records."""
    left = session.get(LinkagePerson, link.left_person_id)
    right = session.get(LinkagePerson, link.right_person_id)
    shared = None
    if left is not None and right is not None:
        shared = shared_values(load_record(cipher, left), load_record(cipher, right))
    return explain_labels(model, link.levels, link.name_similarity, shared)


@dataclass(frozen=True)
class LinkView:
    link: CandidateLink
    left_org: str
    right_org: str
    explanation: str


def review_queue(
    session: Session,
    actor: Actor,
    *,
    cipher: FieldCipher,
    model: Model,
    now: datetime,
    status: str = "open",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[LinkView], int]:
    """Links whose two records the actor may both read, strongest first."""
    decision = can(actor, Action.LINKAGE_LIST)
    if not decision:
        return [], 0
    left_org = aliased(Organisation)
    right_org = aliased(Organisation)
    where = [
        CandidateLink.status == status,
        _visible_clause(actor, CandidateLink.left_record_type, CandidateLink.left_record_id, now),
        _visible_clause(actor, CandidateLink.right_record_type, CandidateLink.right_record_id, now),
    ]
    total = session.scalar(select(func.count()).select_from(CandidateLink).where(*where)) or 0
    rows = session.execute(
        select(CandidateLink, left_org.name, right_org.name)
        .join(left_org, left_org.id == CandidateLink.left_organisation_id)
        .join(right_org, right_org.id == CandidateLink.right_organisation_id)
        .where(*where)
        .order_by(CandidateLink.score.desc(), CandidateLink.created_at, CandidateLink.id)
        .limit(limit)
        .offset(offset)
    ).all()
    views = [
        LinkView(link, lo, ro, describe(session, cipher, model, link)) for link, lo, ro in rows
    ]
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "linkage.list",
            record_type="linkage_candidate",
            fields=["names", "birth_date", "phones", "emails", "identifiers"],
            detail={"status": status, "shown": len(views), "ids": [v.link.id for v in views]},
        ),
        at=now,
    )
    return views, total


def read_link(
    session: Session,
    actor: Actor,
    candidate_id: str,
    *,
    cipher: FieldCipher,
    model: Model,
    now: datetime,
) -> LinkView:
    """One link in full, for a reader of both records; otherwise 404 (audited)."""
    link = session.get(CandidateLink, candidate_id) if len(candidate_id) <= 36 else None
    sides = sees_sides(session, actor, link, now) if link is not None else (False, False)
    if link is None or not all(sides) or not can(actor, Action.LINKAGE_LIST):
        raise NotFound(
            audit=denied_entry(
                actor, Action.LINKAGE_LIST, "linkage_candidate", candidate_id, "not visible"
            )
        )
    orgs = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([link.left_organisation_id, link.right_organisation_id])
            )
        ).all()
    )
    view = LinkView(
        link,
        orgs.get(link.left_organisation_id, ""),
        orgs.get(link.right_organisation_id, ""),
        describe(session, cipher, model, link),
    )
    audit.record(
        session,
        AuditEntry.by(
            actor,
            "linkage.read",
            record_type="linkage_candidate",
            record_id=link.id,
            fields=["names", "birth_date", "phones", "emails", "identifiers"],
            detail={
                "left": f"{link.left_record_type}:{link.left_record_id}",
                "right": f"{link.right_record_type}:{link.right_record_id}",
            },
        ),
        at=now,
    )
    return view
