"""Server-side web sessions and personal API tokens.

Only hashes of session ids and tokens are stored: a copy of the database does not let
anyone sign in. Both are checked against the database on every request, so ending a
session, disabling a user or revoking a token takes effect on the very next request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth import totp
from opennrm.auth.models import ApiToken, User, WebSession
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Invalid, NotFound
from opennrm.policy import Actor

TOKEN_PREFIX = "onrm_"  # noqa: S105 - a public prefix, not a secret


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def session_id_hash(cookie: str) -> str:
    """The stored key of the web session whose cookie is `cookie` (`web_sessions.id_hash`),
    for tables that hang off a session, such as the purposes given for reading."""
    return _digest(cookie)


@dataclass(frozen=True)
class SessionTimeouts:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, user: User, *, mfa_passed: bool) -> tuple[str, WebSession]:
    """Create a session; returns the cookie value (shown once) and the row."""
    raw = secrets.token_urlsafe(32)
    ws = WebSession(
        id_hash=_digest(raw),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        mfa_passed=mfa_passed,
    )
    session.add(ws)
    session.flush()
    return raw, ws


def load_session(
    session: Session, raw: str, timeouts: SessionTimeouts, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session and its active user, touching its idle timer; None otherwise."""
    now = now or utcnow()
    ws = session.get(WebSession, _digest(raw))
    if ws is None or ws.ended_at is not None:
        return None
    if now - ws.last_seen_at > timeouts.idle or now - ws.created_at > timeouts.absolute:
        ws.ended_at = now
        return None
    user = session.get(User, ws.user_id)
    if user is None or not user.is_active:
        ws.ended_at = now
        return None
    ws.last_seen_at = now
    return ws, user


def end_session(session: Session, raw: str) -> None:
    ws = session.get(WebSession, _digest(raw))
    if ws is not None and ws.ended_at is None:
        ws.ended_at = utcnow()
        audit.record(session, AuditEntry(action="auth.logout", actor_user_id=ws.user_id))


def create_token(
    session: Session, *, user: User, name: str, days: int, actor: Actor | None = None
) -> tuple[str, ApiToken]:
    """A new personal token; the plaintext is returned once and never stored."""
    name = name.strip() or "API token"
    if len(name) > 100:
        raise Invalid("A token name may have at most 100 characters.")
    if not 1 <= days <= 366:
        raise Invalid("A token may be valid for 1 to 366 days.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tok = ApiToken(
        user_id=user.id,
        token_hash=_digest(raw),
        name=name,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(tok)
    session.flush()
    audit.record(
        session,
        AuditEntry(
            action="token.create",
            record_type="api_token",
            record_id=tok.id,
            actor_user_id=actor.user_id if actor else user.id,
            actor_org_id=actor.organisation_id if actor else user.organisation_id,
            detail={"days": days},
        ),
    )
    return raw, tok


def resolve_token(session: Session, raw: str, now: datetime | None = None) -> User | None:
    """The active user behind a live token, or None."""
    now = now or utcnow()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    tok = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if tok is None or tok.revoked_at is not None or tok.expires_at <= now:
        return None
    user = session.get(User, tok.user_id)
    if user is None or not user.is_active:
        return None
    # Touch at most once a minute: a write per API call would serialise every reader.
    if tok.last_used_at is None or now - tok.last_used_at > timedelta(minutes=1):
        tok.last_used_at = now
    return user


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at)
        )
    )


def revoke_token(session: Session, *, actor: Actor, token_id: str) -> ApiToken:
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.user_id != actor.user_id:
        raise NotFound("No such token.")
    if tok.revoked_at is None:
        tok.revoked_at = utcnow()
        audit.record(
            session,
            AuditEntry(
                action="token.revoke",
                record_type="api_token",
                record_id=tok.id,
                actor_user_id=actor.user_id,
                actor_org_id=actor.organisation_id,
            ),
        )
    return tok


# --- MFA enrolment -----------------------------------------------------------------------


def begin_mfa_enrolment(cipher: FieldCipher, user: User) -> tuple[str, str]:
    """A fresh secret and an opaque, encrypted form token carrying it until confirmed."""
    secret = totp.new_secret()
    blob = cipher.encrypt(secret, f"mfa-enrol:{user.id}")
    return secret, base64.urlsafe_b64encode(blob).decode()


def confirm_mfa_enrolment(
    session: Session, cipher: FieldCipher, user: User, form_token: str, code: str
) -> None:
    try:
        secret = cipher.decrypt(base64.urlsafe_b64decode(form_token), f"mfa-enrol:{user.id}")
    except Exception as exc:  # any tampering or a token from another user
        raise Invalid("The enrolment expired or was altered; start again.") from exc
    step = totp.accept(secret, code, None)
    if step is None:
        raise Invalid("That code is not right. Check the time on your device and try again.")
    user.mfa_secret_enc = cipher.encrypt(secret, f"users:{user.id}:mfa")
    user.mfa_last_step = step
    audit.record(
        session,
        AuditEntry(
            action="auth.mfa_enrol",
            record_type="user",
            record_id=user.id,
            actor_user_id=user.id,
            actor_org_id=user.organisation_id,
        ),
    )
