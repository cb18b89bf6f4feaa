"""Reads of the actor's own notifications.

A notification names a kind, a record reference and a short message; it holds no case
content, and it is only ever shown to the user it was made for. Reading them is
therefore not an audit event: the acts they tell about (emergency access, a match) are
on the trail already, and opening the record they point to is audited where it is read.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from opennrm.notifications.models import Notification
from opennrm.policy import Actor

MAX_LIMIT = 500


def _mine(actor: Actor, *, unread_only: bool = False) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Notification.user_id == actor.user_id]
    if unread_only:
        clauses.append(Notification.read_at.is_(None))
    return clauses


def list_notifications(
    session: Session, *, actor: Actor, limit: int = 100, unread_only: bool = False
) -> list[Notification]:
    """The actor's notifications, newest first (at most `limit`, capped at 500)."""
    limit = max(1, min(limit, MAX_LIMIT))
    return list(
        session.scalars(
            select(Notification)
            .where(*_mine(actor, unread_only=unread_only))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, *, actor: Actor) -> int:
    """How many of the actor's notifications are unread: one COUNT, for every page."""
    count = session.scalar(
        select(func.count()).select_from(Notification).where(*_mine(actor, unread_only=True))
    )
    return int(count or 0)
