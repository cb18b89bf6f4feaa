"""Writes on notifications: making them (with their e-mail) and marking them read.

Marking a notification read is interface state, like the language: it changes nothing
anybody else sees and touches no case content, so it writes no audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.auth.models import User
from opennrm.db import utcnow
from opennrm.errors import Invalid, NotFound
from opennrm.notifications.models import EmailOutbox, Notification
from opennrm.notifications.outbox import OUTBOX_WRITTEN
from opennrm.policy import Actor

MAX_IDS = 500


def mark_read(session: Session, *, actor: Actor, notification_ids: list[str] | None) -> int:
    """Mark the actor's notifications read; returns how many were unread until now.

    `None` marks every unread notification of the actor; a list marks exactly those
    (an empty list marks nothing). Only the actor's own notifications can be marked: an
    id that does not exist or belongs to someone else raises `NotFound` before anything
    is changed, the same answer for both, so nobody learns another user's ids. One
    already read keeps the time it was first read.
    """
    now = utcnow()
    mine = [Notification.user_id == actor.user_id]
    if notification_ids is None:
        rows = list(
            session.scalars(select(Notification).where(*mine, Notification.read_at.is_(None)))
        )
    else:
        wanted = set(notification_ids)
        if len(wanted) > MAX_IDS:
            raise Invalid(f"Mark at most {MAX_IDS} notifications at a time.")
        if any(len(i) > 36 for i in wanted):
            raise NotFound("No such notification.")
        rows = (
            list(session.scalars(select(Notification).where(*mine, Notification.id.in_(wanted))))
            if wanted
            else []
        )
        if len(rows) != len(wanted):
            raise NotFound("No such notification.")
    marked = 0
    for row in rows:
        if row.read_at is None:
            row.read_at = now
            marked += 1
    return marked


def notify(
    session: Session,
    *,
    user_ids: Iterable[str],
    kind: str,
    record_type: str | None,
    record_id: str | None,
    message: str,
) -> int:
    """Notify each distinct active user once, in the caller's transaction; returns how many.

    Each gets an in-app `Notification` and, having an e-mail address, an `EmailOutbox` row:
    the e-mail is sent after the transaction commits (by the background worker) and is
    never sent if it rolls back. Unknown and deactivated users are skipped. The message is
    shown in the app only; the e-mail says no more than that there is something to read.
    """
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return 0
    users = session.scalars(
        select(User).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id)
    ).all()
    for user in users:
        session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                record_type=record_type,
                record_id=record_id,
                message=message,
            )
        )
        if user.email:
            session.add(EmailOutbox(user_id=user.id, locale=user.locale))
            # Read after commit by the worker, which then delivers at once (ADR 0009).
            session.info[OUTBOX_WRITTEN] = True
    return len(users)
