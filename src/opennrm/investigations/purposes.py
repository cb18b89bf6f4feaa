"""The purpose a person gave for opening police data, remembered for one web session.

The pages ask why an investigation is opened the first time it is opened in a session,
and pass the answer to every read of it afterwards (`queries.read_investigation(...,
purpose=...)`), so that each read in the trail carries it (Law Enforcement Directive
art. 25) without asking again on every page view. A new session asks again; signing out
ends the session, and the purposes go with it (`ON DELETE CASCADE` once it is removed).

The key is the session's id hash (`web_sessions.id_hash`), never the cookie itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm.auth import sessions
from opennrm.db import utcnow
from opennrm.investigations.models import ReadPurpose
from opennrm.investigations.queries import require_purpose


def session_key(cookie: str) -> str:
    """The id hash of the web session whose cookie is `cookie` (as stored by
    `auth.sessions`): the key of `read_purposes.session_key`."""
    return sessions.session_id_hash(cookie)


def remembered_purpose(
    session: Session, session_key: str, record_type: str, record_id: str
) -> str | None:
    """The purpose given in this web session for this record, or None (ask for one)."""
    return session.scalar(
        select(ReadPurpose.purpose)
        .where(
            ReadPurpose.session_key == session_key,
            ReadPurpose.record_type == record_type,
            ReadPurpose.record_id == record_id,
        )
        .order_by(ReadPurpose.created_at.desc())
        .limit(1)
    )


def remember_purpose(
    session: Session,
    session_key: str,
    record_type: str,
    record_id: str,
    purpose: str,
    *,
    now: datetime | None = None,
) -> str:
    """Keep `purpose` for the rest of the session; a new one replaces an older one (a
    form sent twice). Refuses a purpose too short to say anything (`Invalid`). The
    caller has checked that the visitor may read the record; the read that follows
    records the purpose in the trail."""
    stated = require_purpose(purpose)
    existing = session.scalar(
        select(ReadPurpose).where(
            ReadPurpose.session_key == session_key,
            ReadPurpose.record_type == record_type,
            ReadPurpose.record_id == record_id,
        )
    )
    if existing is None:
        session.add(
            ReadPurpose(
                session_key=session_key,
                record_type=record_type,
                record_id=record_id,
                purpose=stated,
                created_at=now or utcnow(),
            )
        )
    else:
        existing.purpose = stated
        existing.created_at = now or utcnow()
    return stated
