"""Writes on identity: organisations, users, roles, tokens, sessions, sign-in.

Every function takes the session of the caller's transaction and writes its audit entry
in it. Sign-in failures raise with an audit entry so that the refusal is recorded even
though nothing else is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.audit.trail import AuditEntry
from opennrm.auth import passwords, totp
from opennrm.auth.models import (
    LOCALES,
    ORGANISATION_TYPES,
    ROLES,
    LoginThrottle,
    Organisation,
    User,
    UserRole,
    WebSession,
)
from opennrm.crypto import FieldCipher
from opennrm.db import utcnow
from opennrm.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from opennrm.policy import Action, Actor, can
from opennrm.policy.rules import CONTENT_ROLES

SIGN_IN_FAILED = "The e-mail address, password or code is not right."


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def actor_for(session: Session, user: User, via: str = "session") -> Actor:
    org = session.get(Organisation, user.organisation_id)
    assert org is not None  # noqa: S101 - foreign key guarantees it
    return Actor(
        user_id=user.id,
        organisation_id=org.id,
        organisation_type=org.type,
        roles=frozenset(user.roles),
        email=user.email,
        via=via,  # type: ignore[arg-type]
    )


def _system_entry(action: str, record_type: str, record_id: str, **detail: object) -> AuditEntry:
    return AuditEntry(
        action=action, record_type=record_type, record_id=record_id, detail=dict(detail)
    )


def create_organisation(
    session: Session,
    *,
    name: str,
    type: str,
    region: str | None = None,
    contact_email: str | None = None,
    key: str | None = None,
    actor: Actor | None = None,
) -> Organisation:
    """Add an organisation. `key` ties it to the deployment configuration (routing finds
    the competent police department and the assistance system by it)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("An organisation needs a name of 1 to 200 characters.")
    if type not in ORGANISATION_TYPES:
        raise Invalid(
            f"Unknown organisation type {type!r}; use one of {', '.join(ORGANISATION_TYPES)}."
        )
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict(f"An organisation named {name!r} exists already.")
    if key is not None:
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key) or len(key) > 64:
            raise Invalid("An organisation key is a lower-case slug such as police-helsinki.")
        if session.scalar(select(Organisation.id).where(Organisation.key == key)):
            raise Conflict(f"An organisation with the key {key!r} exists already.")
    org = Organisation(name=name, type=type, region=region, contact_email=contact_email, key=key)
    session.add(org)
    session.flush()
    audit.record(
        session,
        AuditEntry(
            action="organisation.create",
            record_type="organisation",
            record_id=org.id,
            actor_user_id=actor.user_id if actor else None,
            actor_org_id=actor.organisation_id if actor else None,
            fields=["name", "type", "region", "key"],
        ),
    )
    return org


def _check_roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid(f"Unknown role(s) {', '.join(unknown)}; use {', '.join(ROLES)}.")
    if not roles:
        raise Invalid("A user needs at least one role.")
    if "admin" in roles and CONTENT_ROLES & set(roles):
        # Separation of duties: whoever manages accounts must not read case content.
        raise Invalid("An administrator cannot also hold a role that reads case content.")
    return sorted(set(roles))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    organisation_id: str,
    roles: list[str],
    password: str,
    actor: Actor | None = None,
    locale: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Add an account. `password_hash` lets a seeder that gives many synthetic accounts
    one known password hash it once (argon2 is deliberately slow); it must be the argon2
    hash of `password`."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise Invalid("Give a valid e-mail address.")
    if not name.strip():
        raise Invalid("A user needs a name.")
    problem = passwords.password_problem(password)
    if problem:
        raise Invalid(problem[0].upper() + problem[1:] + ".")
    roles = _check_roles(roles)
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("No such organisation.")
    if actor is not None and actor.organisation_id != organisation_id:
        raise NotFound("No such organisation.")
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("A user with that e-mail address exists already.")
    user = User(
        email=email,
        name=name.strip(),
        organisation_id=organisation_id,
        password_hash=password_hash or passwords.hash_password(password),
        locale=locale,
    )
    user.role_rows = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    audit.record(
        session,
        AuditEntry(
            action="user.create",
            record_type="user",
            record_id=user.id,
            actor_user_id=actor.user_id if actor else None,
            actor_org_id=actor.organisation_id if actor else organisation_id,
            fields=["email", "name", "roles"],
            detail={"roles": roles},
        ),
    )
    return user


def update_user(
    session: Session,
    *,
    actor: Actor,
    user_id: str,
    roles: list[str] | None = None,
    is_active: bool | None = None,
) -> User:
    """An administrator changes roles or disables an account of their own organisation."""
    if not can(actor, Action.USER_MANAGE):
        raise Forbidden("Only administrators manage users.")
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id:
        raise NotFound("No such user.")
    changed: list[str] = []
    if roles is not None:
        user.role_rows = [UserRole(role=r) for r in _check_roles(roles)]
        changed.append("roles")
    if is_active is not None:
        if user.id == actor.user_id and not is_active:
            raise Invalid("You cannot disable your own account.")
        user.is_active = is_active
        changed.append("is_active")
        if not is_active:
            _end_all_sessions(session, user.id)
    session.flush()
    audit.record(
        session,
        AuditEntry(
            action="user.update",
            record_type="user",
            record_id=user.id,
            actor_user_id=actor.user_id,
            actor_org_id=actor.organisation_id,
            fields=changed,
            detail={"roles": user.roles, "is_active": user.is_active},
        ),
    )
    return user


def set_locale(session: Session, *, actor: Actor, locale: str) -> None:
    """Save the actor's interface language.

    A display preference of one's own account, not personal data about anyone's case, so
    it is saved without an audit entry.
    """
    if locale not in LOCALES:
        raise Invalid(f"Unknown language {locale!r}; use one of {', '.join(LOCALES)}.")
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("No such user.")
    user.locale = locale


def _end_all_sessions(session: Session, user_id: str) -> None:
    now = utcnow()
    for ws in session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    ):
        ws.ended_at = now


# --- sign-in -------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    lockout: timedelta


def _throttle_key(kind: str, value: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _throttle_rows(session: Session, keys: list[str]) -> list[LoginThrottle]:
    rows = [session.get(LoginThrottle, key, with_for_update=True) for key in keys]
    return [r for r in rows if r is not None]


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    otp: str | None,
    client: str,
    throttle: ThrottlePolicy,
    secret: str,
    cipher: FieldCipher,
    require_mfa: bool,
) -> tuple[User, bool]:
    """Check a sign-in. Returns the user and whether a TOTP code was verified.

    An unknown e-mail, a wrong password, a wrong or reused code and a disabled account
    all give the same message after the same work. Failures are counted per account
    and per client address; past the limit, sign-in is refused for a while whatever
    the password.
    """
    email = email.strip().lower()[:254]
    now = utcnow()
    keys = [_throttle_key("email", email, secret), _throttle_key("client", client, secret)]
    rows = _throttle_rows(session, keys)
    user = session.scalar(select(User).where(User.email == email))
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    locked = any(r.locked_until is not None and r.locked_until > now for r in rows)
    failure = AuditEntry(
        action="auth.login_failed",
        outcome="denied",
        actor_user_id=user.id if user else None,
        actor_org_id=user.organisation_id if user else None,
        detail={"email_hash": keys[0][:16], "reason": "locked" if locked else "credentials"},
    )
    if locked:
        raise RateLimited("Too many failed sign-ins. Try again later.", audit=failure)
    ok = user is not None and user.is_active and password_ok
    mfa_verified = False
    if ok and user is not None and user.mfa_secret_enc is not None:
        secret_b32 = cipher.decrypt(user.mfa_secret_enc, f"users:{user.id}:mfa")
        step = totp.accept(secret_b32, otp or "", user.mfa_last_step)
        if step is None:
            ok = False
        else:
            user.mfa_last_step = step
            mfa_verified = True
    if not ok or user is None:
        raise Unauthenticated(
            SIGN_IN_FAILED, audit=failure, after_rollback=_failure_counter(keys, throttle, now)
        )
    for r in rows:
        r.failures = 0
        r.locked_until = None
    audit.record(
        session,
        AuditEntry(
            action="auth.login",
            actor_user_id=user.id,
            actor_org_id=user.organisation_id,
            detail={"mfa": mfa_verified},
        ),
    )
    return user, mfa_verified


def _failure_counter(
    keys: list[str], throttle: ThrottlePolicy, now: datetime
) -> Callable[[Session], None]:
    """Counts a failure; runs after the sign-in's rollback, beside the audit entry."""

    def count(session: Session) -> None:
        for key in keys:
            row = session.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_start=now)
                session.add(row)
            if now - row.window_start > throttle.lockout:
                row.failures = 0
                row.window_start = now
            row.failures += 1
            if row.failures >= throttle.max_failures:
                row.locked_until = now + throttle.lockout

    return count
