"""Delivering the e-mail outbox: at least once, never holding a transaction open on SMTP.

`notify()` writes an `EmailOutbox` row in the transaction of its notification; this module
sends them. For each user with pending rows, in three short steps:

1. claim: one `UPDATE … WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR
   next_attempt_at <= now) …` sets a random `claimed_by`, a lease in `next_attempt_at`
   and counts the attempt, and commits. A second worker running at the same time finds
   the rows claimed (PostgreSQL re-checks the condition after the row lock; SQLite runs
   one writer at a time), so in the normal case each e-mail is sent once;
2. send, outside any transaction: one e-mail per user however many rows they have
   waiting (they all say the same: there is something new to read);
3. record: `sent_at` on success; on failure the error's class name (never its message,
   which may hold an address) and a back-off before the next try.

Semantics: at least once. A worker that dies between the SMTP server accepting and step 3
leaves a claim whose lease runs out, and the e-mail is sent again. A row is given up after
`MAX_ATTEMPTS` claims (a crash counts, so a message that kills the worker cannot loop), on
a refused recipient, for a deactivated user, and when older than `MAX_AGE` (a week-old "you
have a new message" helps nobody). Sent and abandoned rows are deleted after `KEEP`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, update

from opennrm.auth.models import User
from opennrm.db import Database, new_id, utcnow
from opennrm.mail import SmtpSettings, compose, send
from opennrm.notifications.models import EmailOutbox

if TYPE_CHECKING:
    from opennrm.context import AppContext

log = logging.getLogger(__name__)

OUTBOX_WRITTEN = "opennrm.email_outbox_written"
"""`session.info` key set by `notify()`: the worker is kicked when that session commits."""
MAX_ATTEMPTS = 30
"""With the back-off, about a day of tries: an SMTP server down for hours loses nothing."""
LEASE = timedelta(minutes=5)
MAX_AGE = timedelta(days=7)
KEEP = timedelta(days=30)

Sender = Callable[[EmailMessage, SmtpSettings], None]
Clock = Callable[[], datetime]


@dataclass
class DeliveryReport:
    """What one `deliver_pending` run did. No addresses, no user ids."""

    sent: int = 0
    """e-mails the SMTP server accepted"""
    rows: int = 0
    """outbox rows marked sent (one e-mail covers all of a user's waiting rows)"""
    failed: int = 0
    """e-mails not accepted this time; their rows are tried again after a back-off"""
    gave_up: int = 0
    """outbox rows that will not be tried again"""
    disabled: bool = False
    """e-mail is off (no `OPENNRM_SMTP_HOST`): nothing was looked at"""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _pending(now: datetime) -> ColumnElement[bool]:
    return and_(
        EmailOutbox.sent_at.is_(None),
        EmailOutbox.attempts < MAX_ATTEMPTS,
        or_(EmailOutbox.next_attempt_at.is_(None), EmailOutbox.next_attempt_at <= now),
        EmailOutbox.created_at >= now - MAX_AGE,
    )


@dataclass(frozen=True)
class _Claim:
    token: str
    rows: int
    attempts: int
    email: str | None
    active: bool
    locale: str | None


def deliver_pending(
    ctx: AppContext,
    *,
    limit: int = 100,
    clock: Clock = utcnow,
    sender: Sender = send,
) -> DeliveryReport:
    """Send up to `limit` e-mails (one per user) from the outbox; see the module docstring.

    Does nothing while e-mail is off. Safe to run in several processes at once.
    """
    smtp = SmtpSettings.from_settings(ctx.settings)
    if smtp is None:
        return DeliveryReport(disabled=True)
    report = DeliveryReport()
    now = clock()
    with ctx.db.transaction() as session:
        user_ids = session.scalars(
            select(EmailOutbox.user_id)
            .where(_pending(now))
            .group_by(EmailOutbox.user_id)
            .order_by(func.min(EmailOutbox.created_at))
            .limit(max(1, limit))
        ).all()
    for user_id in user_ids:
        claim = _claim(ctx.db, user_id, clock())
        if claim is None:
            continue  # another worker has them
        if not claim.active or not claim.email:
            report.gave_up += _finish(ctx.db, claim, clock(), error="RecipientInactive", final=True)
            continue
        message = compose(
            to=claim.email,
            locale=claim.locale or ctx.settings.default_locale,
            public_url=ctx.settings.public_url,
            mail_from=ctx.settings.mail_from,
        )
        try:
            sender(message, smtp)
        except Exception as exc:  # any failure is recorded and retried, never raised
            error = type(exc).__name__
            final = isinstance(exc, smtplib.SMTPRecipientsRefused)
            log.warning("e-mail not sent: %s (attempt %d)", error, claim.attempts)
            report.failed += 1
            report.gave_up += _finish(ctx.db, claim, clock(), error=error, final=final)
            continue
        report.sent += 1
        report.rows += _finish(ctx.db, claim, clock(), error=None, final=False)
    _purge(ctx.db, clock())
    if report.sent or report.failed or report.gave_up:
        log.info(
            "e-mail outbox: %d sent, %d failed, %d given up",
            report.sent,
            report.failed,
            report.gave_up,
        )
    return report


def _claim(db: Database, user_id: str, now: datetime) -> _Claim | None:
    token = new_id()
    with db.transaction() as session:
        claimed = cast(
            "CursorResult[Any]",
            session.execute(
                update(EmailOutbox)
                .where(EmailOutbox.user_id == user_id, _pending(now))
                .values(
                    claimed_by=token,
                    next_attempt_at=now + LEASE,
                    attempts=EmailOutbox.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            ),
        )
        if not claimed.rowcount:
            return None
        mine = EmailOutbox.claimed_by == token
        attempts = session.scalar(select(func.max(EmailOutbox.attempts)).where(mine))
        # The language the user had chosen when the newest of them was written.
        locale = session.scalar(
            select(EmailOutbox.locale).where(mine).order_by(EmailOutbox.created_at.desc()).limit(1)
        )
        user = session.execute(
            select(User.email, User.is_active, User.locale).where(User.id == user_id)
        ).one_or_none()
    return _Claim(
        token=token,
        rows=claimed.rowcount,
        attempts=int(attempts or 0),
        email=user.email if user else None,
        active=bool(user and user.is_active),
        locale=locale or (user.locale if user else None),
    )


def _finish(db: Database, claim: _Claim, now: datetime, *, error: str | None, final: bool) -> int:
    """Record the outcome of a claim; returns the rows marked sent (on success) or given
    up (on failure)."""
    mine = EmailOutbox.claimed_by == claim.token
    counted = mine
    if error is None:
        values: dict[str, object] = {"sent_at": now, "last_error": None, "next_attempt_at": None}
    elif final:
        values = {"attempts": MAX_ATTEMPTS, "last_error": error, "next_attempt_at": None}
    else:
        values = {"last_error": error, "next_attempt_at": now + backoff(claim.attempts)}
        counted = and_(mine, EmailOutbox.attempts >= MAX_ATTEMPTS)
    with db.transaction() as session:
        count = session.scalar(select(func.count()).select_from(EmailOutbox).where(counted))
        session.execute(
            update(EmailOutbox)
            .where(mine)
            .values(claimed_by=None, **values)
            .execution_options(synchronize_session=False)
        )
    return int(count or 0)


def _purge(db: Database, now: datetime) -> None:
    """Delete rows sent, or abandoned, longer than `KEEP` ago."""
    with db.transaction() as session:
        session.execute(
            delete(EmailOutbox)
            .where(
                or_(
                    EmailOutbox.sent_at < now - KEEP,
                    and_(EmailOutbox.sent_at.is_(None), EmailOutbox.created_at < now - KEEP),
                )
            )
            .execution_options(synchronize_session=False)
        )
