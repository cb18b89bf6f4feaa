"""The SQL side of the policy: which rows an actor may see, and the facts for `can()`.

`visible()` must agree with `rules.can(..., Action.SIGNAL_READ, ...)` row for row; the
matrix tests check both paths against the same expectation table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from opennrm.policy.models import Assignment, BreakGlass, Share
from opennrm.policy.rules import (
    ADMIN_ROLES,
    BREAK_GLASS_ROLES,
    CONTENT_ROLES,
    Actor,
    RecordFacts,
    Scope,
    share_counts_for,
)

Column = ColumnElement[str] | InstrumentedAttribute[str]


def visible(
    actor: Actor,
    *,
    record_type: str,
    id_col: Column,
    owner_col: Column,
    creator_col: Column,
    now: datetime,
) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the records the actor may read."""
    if actor.has_any(ADMIN_ROLES):
        return false()  # administrators see no case content (rules._read_grant)
    today = now.date()
    clauses: list[ColumnElement[bool]] = []
    if actor.has_any(CONTENT_ROLES):
        clauses.append(owner_col == actor.organisation_id)
    if "frontline" in actor.roles:
        clauses.append(and_(owner_col == actor.organisation_id, creator_col == actor.user_id))
    clauses.append(
        exists().where(
            Assignment.record_type == record_type,
            Assignment.record_id == id_col,
            Assignment.user_id == actor.user_id,
            _assignment_in_force(now),
        )
    )
    if actor.has_any(CONTENT_ROLES):
        clauses.append(_active_share_exists(actor, record_type, id_col, today))
    if actor.has_any(BREAK_GLASS_ROLES):
        clauses.append(
            exists().where(
                BreakGlass.record_type == record_type,
                BreakGlass.record_id == id_col,
                BreakGlass.user_id == actor.user_id,
                BreakGlass.expires_at > now,
            )
        )
    return or_(false(), *clauses)


def shared_with_actor(
    actor: Actor, *, record_type: str, id_col: Column, now: datetime
) -> ColumnElement[bool]:
    """Records shared with the actor's organisation by a share in force."""
    return _active_share_exists(actor, record_type, id_col, now.date())


def _active_share_exists(
    actor: Actor, record_type: str, id_col: Column, today: date
) -> ColumnElement[bool]:
    return exists().where(
        Share.record_type == record_type,
        Share.record_id == id_col,
        Share.organisation_id == actor.organisation_id,
        Share.revoked_at.is_(None),
        Share.expires_on >= today,
        *_basis_clause(actor, record_type),
    )


def _assignment_in_force(now: datetime) -> ColumnElement[bool]:
    """An assignment counts until it ends: open-ended, or ending later than `now` (a
    national-team investigator joins a case team until the end of a chosen day)."""
    return or_(Assignment.ended_at.is_(None), Assignment.ended_at > now)


def _basis_clause(actor: Actor, record_type: str) -> list[ColumnElement[bool]]:
    """`rules.share_counts_for` in SQL: outside the police, only statutory shares of an
    investigation count."""
    if share_counts_for(actor, record_type, "consent"):
        return []
    return [Share.basis == "statutory"]


def load_facts(
    session: Session,
    actor: Actor,
    *,
    record_type: str,
    record_id: str,
    owner_org_id: str,
    owner_org_type: str,
    created_by: str,
    now: datetime,
) -> RecordFacts:
    """Gather the caller's grants on one record (shares, assignment, break-glass)."""
    today = now.date()
    scopes = session.scalars(
        select(Share.scope).where(
            Share.record_type == record_type,
            Share.record_id == record_id,
            Share.organisation_id == actor.organisation_id,
            Share.revoked_at.is_(None),
            Share.expires_on >= today,
            *_basis_clause(actor, record_type),
        )
    ).all()
    share_scope: Scope | None = None
    if "full" in scopes:
        share_scope = "full"
    elif "summary" in scopes:
        share_scope = "summary"
    assigned = session.scalar(
        select(
            exists().where(
                Assignment.record_type == record_type,
                Assignment.record_id == record_id,
                Assignment.user_id == actor.user_id,
                _assignment_in_force(now),
            )
        )
    )
    break_glass = session.scalar(
        select(
            exists().where(
                BreakGlass.record_type == record_type,
                BreakGlass.record_id == record_id,
                BreakGlass.user_id == actor.user_id,
                BreakGlass.expires_at > now,
            )
        )
    )
    return RecordFacts(
        record_type=record_type,
        owner_org_id=owner_org_id,
        owner_org_type=owner_org_type,
        created_by=created_by,
        assigned=bool(assigned),
        share_scope=share_scope,
        break_glass=bool(break_glass),
    )


def referral_visible(
    actor: Actor,
    *,
    from_col: Column,
    target_col: Column,
    creator_col: Column,
    id_col: Column,
    now: datetime,
) -> ColumnElement[bool]:
    """The referrals an actor may see: `rules.can_referral(..., REFERRAL_READ, ...)` in SQL."""
    if actor.has_any(ADMIN_ROLES):
        return false()
    clauses: list[ColumnElement[bool]] = []
    if actor.has_any(CONTENT_ROLES):
        clauses.append(target_col == actor.organisation_id)
        clauses.append(from_col == actor.organisation_id)
        clauses.append(_active_share_exists(actor, "referral", id_col, now.date()))
    clauses.append(and_(from_col == actor.organisation_id, creator_col == actor.user_id))
    return or_(false(), *clauses)


def referral_shared_with(session: Session, actor: Actor, referral_id: str, now: datetime) -> bool:
    """Whether a share of the referral in force reaches the actor's organisation."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Share.record_type == "referral",
                    Share.record_id == referral_id,
                    Share.organisation_id == actor.organisation_id,
                    Share.revoked_at.is_(None),
                    Share.expires_on >= now.date(),
                )
            )
        )
    )
