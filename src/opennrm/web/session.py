"""Who is at the browser: the session cookie, CSRF tokens and the interface language.

The cookie carries only a random session id; the session, the user and their roles are
loaded from the database on every request (never cached), so signing out, disabling an
account or removing a role takes effect at once. Every POST form carries a CSRF token:
the session's own once signed in, and before that a random double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from opennrm.auth.actions import actor_for
from opennrm.auth.models import Organisation
from opennrm.auth.sessions import load_session
from opennrm.context import AppContext
from opennrm.errors import Forbidden
from opennrm.notifications.queries import unread_count
from opennrm.policy import Action, Actor, can, rowsecurity
from opennrm.policy.rules import CONTENT_ROLES
from opennrm.uow import unit_of_work
from opennrm.web.i18n import normalise_locale

# `__Host-` cookies must be Secure, have Path=/ and no Domain: no other host or path, and
# no plain-HTTP page, can set or shadow them. (Browsers treat http://localhost as secure.)
SESSION_COOKIE = "__Host-opennrm_session"
CSRF_COOKIE = "__Host-opennrm_csrf"
LOCALE_COOKIE = "__Host-opennrm_locale"
CSRF_FIELD = "csrf_token"

# Pages a signed-in user who still has to set up MFA may reach.
MFA_SETUP_PATH = "/mfa/setup"
MFA_EXEMPT_PATHS = frozenset({MFA_SETUP_PATH, "/logout", "/language"})


class LoginRequired(Exception):
    """No live session: the pages answer with a redirect to the sign-in page."""


class MfaSetupRequired(Exception):
    """The deployment requires MFA and this session has not passed it yet."""


class CsrfFailed(Forbidden):
    """The form's CSRF token is missing or wrong; nothing was done."""

    def __init__(self) -> None:
        super().__init__("The form's security token is missing or wrong.")


@dataclass(frozen=True)
class Visitor:
    """The signed-in person for one request, with what the layout needs to show."""

    actor: Actor
    name: str
    organisation_name: str
    locale: str
    csrf_token: str
    mfa_passed: bool
    mfa_enabled: bool
    # Counted afresh on every request (one COUNT), like everything else the visitor has.
    unread_notifications: int = 0

    @property
    def may_record(self) -> bool:
        return bool(can(self.actor, Action.SIGNAL_CREATE))

    @property
    def reads_content(self) -> bool:
        return self.actor.has_any(CONTENT_ROLES)

    @property
    def may_export(self) -> bool:
        return bool(can(self.actor, Action.EXPORT_RECORDS))


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(app_context)]


def cookie_locale(request: Request) -> str | None:
    return normalise_locale(request.cookies.get(LOCALE_COOKIE))


def anonymous_locale(request: Request) -> str:
    ctx = app_context(request)
    return cookie_locale(request) or normalise_locale(ctx.settings.default_locale) or "fi"


def load_visitor(request: Request) -> Visitor | None:
    """The visitor behind the session cookie, or None. Touches the session's idle timer.

    Kept on `request.state` for the error pages, within this one request only.
    """
    if hasattr(request.state, "visitor"):
        cached: Visitor | None = request.state.visitor
        return cached
    raw = request.cookies.get(SESSION_COOKIE)
    visitor = None
    if raw and len(raw) <= 128:
        ctx = app_context(request)
        with unit_of_work(ctx.db) as session:
            found = load_session(session, raw, ctx.timeouts)
            if found is not None:
                ws, user = found
                actor = actor_for(session, user)
                org_name = session.scalar(
                    select(Organisation.name).where(Organisation.id == user.organisation_id)
                )
                visitor = Visitor(
                    actor=actor,
                    name=user.name,
                    organisation_name=org_name or "",
                    locale=normalise_locale(user.locale) or anonymous_locale(request),
                    csrf_token=ws.csrf_token,
                    mfa_passed=ws.mfa_passed,
                    mfa_enabled=user.mfa_secret_enc is not None,
                    unread_notifications=unread_count(session, actor=actor),
                )
    if visitor is not None:
        rowsecurity.bind(visitor.actor)
    request.state.visitor = visitor
    return visitor


def optional_visitor(request: Request) -> Visitor | None:
    return load_visitor(request)


def require_visitor(request: Request) -> Visitor:
    """The signed-in visitor; otherwise a redirect to sign in (or to set up MFA first)."""
    visitor = load_visitor(request)
    if visitor is None:
        raise LoginRequired()
    settings = app_context(request).settings
    if (
        settings.mfa_required
        and not visitor.mfa_passed
        and request.url.path not in MFA_EXEMPT_PATHS
    ):
        raise MfaSetupRequired()
    return visitor


OptionalVisitor = Annotated[Visitor | None, Depends(optional_visitor)]
SignedIn = Annotated[Visitor, Depends(require_visitor)]


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def field(form: FormData, name: str, max_length: int = 20_000) -> str:
    """One text field of a form ('' when absent or a file), cut at `max_length`."""
    value = form.get(name)
    return value[:max_length] if isinstance(value, str) else ""


def tokens_match(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def checked_form(visitor: SignedIn, form: Form) -> FormData:
    """The form of a signed-in visitor, after checking its CSRF token."""
    if not tokens_match(field(form, CSRF_FIELD, 200), visitor.csrf_token):
        raise CsrfFailed()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def presession_token(request: Request) -> str:
    """The double-submit token for forms shown before sign-in; `render` sets the cookie
    when it is new."""
    existing = getattr(request.state, "presession_csrf", None)
    if existing:
        return str(existing)
    token = request.cookies.get(CSRF_COOKIE, "")
    if not (20 <= len(token) <= 100):
        token = secrets.token_urlsafe(32)
        request.state.new_presession_csrf = True
    request.state.presession_csrf = token
    return token


def check_presession_csrf(request: Request, form: FormData) -> None:
    if not tokens_match(field(form, CSRF_FIELD, 200), request.cookies.get(CSRF_COOKIE, "")):
        raise CsrfFailed()


def set_cookie(
    response: Response, name: str, value: str, *, max_age: int | None = None, http_only: bool = True
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=http_only, samesite="lax"
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="lax")


def safe_next(target: str | None, default: str = "/signals") -> str:
    """A local path to go to after sign-in; anything else (another host, a scheme,
    `//host`, backslashes, control characters) gives `default`: no open redirect."""
    if not target or len(target) > 500:
        return default
    if any(c in target for c in "\\\r\n\t") or not target.startswith("/"):
        return default
    if target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if parts.path in ("/login", "/logout"):
        return default
    return target
