"""Signing in and out, the interface language and setting up two-step verification.

Sign-in always starts a new session (a new random id), ends any session the browser
still carried, and only ever redirects to a local path. Failures say the same thing
whether the account exists or not; the throttle's refusal says so plainly.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opennrm.auth import totp
from opennrm.auth.actions import authenticate, set_locale
from opennrm.auth.models import User
from opennrm.auth.sessions import (
    begin_mfa_enrolment,
    confirm_mfa_enrolment,
    end_session,
    start_session,
)
from opennrm.errors import Invalid, NotFound, RateLimited, Unauthenticated
from opennrm.uow import unit_of_work
from opennrm.web.forms import FieldError
from opennrm.web.i18n import gettext_for, normalise_locale
from opennrm.web.render import render
from opennrm.web.session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LOCALE_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    CsrfFailed,
    Ctx,
    Form,
    OptionalVisitor,
    SignedIn,
    anonymous_locale,
    check_presession_csrf,
    clear_cookie,
    field,
    safe_next,
    set_cookie,
    tokens_match,
)

router = APIRouter(include_in_schema=False)

LOCALE_COOKIE_SECONDS = 365 * 24 * 3600


@router.get("/")
def home(visitor: OptionalVisitor) -> RedirectResponse:
    return RedirectResponse("/signals" if visitor else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, visitor: OptionalVisitor) -> Response:
    target = safe_next(request.query_params.get("next"))
    if visitor is not None:
        return RedirectResponse(target, status_code=303)
    return render(
        request,
        "auth/login.html",
        visitor=None,
        email="",
        next=target,
        signed_out=request.query_params.get("signed_out") == "1",
    )


@router.post("/login")
def login(request: Request, ctx: Ctx, form: Form) -> Response:
    check_presession_csrf(request, form)
    _ = gettext_for(anonymous_locale(request))
    email = field(form, "email", 254).strip()
    password = field(form, "password", 1024)
    otp = field(form, "otp", 12)
    target = safe_next(field(form, "next", 500))
    errors = []
    if not email:
        errors.append(FieldError("email", _("Enter your e-mail address")))
    if not password:
        errors.append(FieldError("password", _("Enter your password")))
    if not errors:
        previous = request.cookies.get(SESSION_COOKIE, "")
        try:
            with unit_of_work(ctx.db) as session:
                user, mfa_verified = authenticate(
                    session,
                    email=email,
                    password=password,
                    otp=otp or None,
                    client=request.client.host if request.client else "unknown",
                    throttle=ctx.throttle,
                    secret=ctx.secret_key,
                    cipher=ctx.cipher,
                    require_mfa=ctx.settings.mfa_required,
                )
                if previous and len(previous) <= 128:
                    end_session(session, previous)
                raw, _ws = start_session(session, user, mfa_passed=mfa_verified)
        except RateLimited:
            errors.append(
                FieldError(
                    "email",
                    _("Too many failed sign-ins. Wait %(minutes)s minutes and try again")
                    % {"minutes": ctx.settings.login_lockout_minutes},
                )
            )
        except Unauthenticated:
            errors.append(
                FieldError(
                    "email", _("The e-mail address, password or authentication code is not right")
                )
            )
    if errors:
        return render(
            request,
            "auth/login.html",
            visitor=None,
            status=422,
            errors=errors,
            email=email,
            next=target,
            signed_out=False,
        )
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, raw)
    clear_cookie(response, CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx, _form: CheckedForm) -> Response:
    raw = request.cookies.get(SESSION_COOKIE, "")
    with unit_of_work(ctx.db) as session:
        end_session(session, raw)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


@router.post("/language")
def switch_language(request: Request, ctx: Ctx, visitor: OptionalVisitor, form: Form) -> Response:
    """Change the interface language; saved on the account once signed in, and in a
    cookie for the pages before sign-in."""
    if visitor is None:
        check_presession_csrf(request, form)
    elif not tokens_match(field(form, CSRF_FIELD, 200), visitor.csrf_token):
        raise CsrfFailed()
    locale = normalise_locale(field(form, "locale", 8))
    target = safe_next(field(form, "next", 500), "/signals" if visitor else "/login")
    response = RedirectResponse(target, status_code=303)
    if locale is None:
        return response
    if visitor is not None:
        with unit_of_work(ctx.db) as session:
            set_locale(session, actor=visitor.actor, locale=locale)
    set_cookie(response, LOCALE_COOKIE, locale, max_age=LOCALE_COOKIE_SECONDS)
    return response


# --- two-step verification (TOTP) ----------------------------------------------------------


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrolment_secret(ctx: Ctx, user_id: str, form_token: str) -> str | None:
    """The secret inside an enrolment token, to show it again after a wrong code."""
    try:
        blob = base64.urlsafe_b64decode(form_token.encode())
        return ctx.cipher.decrypt(blob, f"mfa-enrol:{user_id}")
    except Exception:  # altered, truncated or another user's token
        return None


@router.get("/mfa/setup")
def mfa_setup_page(request: Request, ctx: Ctx, visitor: SignedIn) -> Response:
    if visitor.mfa_enabled:
        return render(request, "auth/mfa_setup.html", visitor=visitor, enabled=True)
    with unit_of_work(ctx.db) as session:
        user = session.get(User, visitor.actor.user_id)
        if user is None:
            raise NotFound()
        secret, form_token = begin_mfa_enrolment(ctx.cipher, user)
    return _setup_form(request, visitor, secret, form_token, [])


def _setup_form(
    request: Request, visitor: SignedIn, secret: str, form_token: str, errors: list[FieldError]
) -> Response:
    return render(
        request,
        "auth/mfa_setup.html",
        visitor=visitor,
        enabled=False,
        status=422 if errors else 200,
        errors=errors,
        secret=_grouped(secret),
        uri=totp.provisioning_uri(secret, visitor.actor.email),
        enrolment=form_token,
        required=not visitor.mfa_passed and request.app.state.ctx.settings.mfa_required,
    )


@router.post("/mfa/setup")
def mfa_setup(request: Request, ctx: Ctx, visitor: SignedIn, form: CheckedForm) -> Response:
    _ = gettext_for(visitor.locale)
    if visitor.mfa_enabled:
        return RedirectResponse("/account", status_code=303)
    form_token = field(form, "enrolment", 1000)
    code = field(form, "code", 20).strip()
    secret = _enrolment_secret(ctx, visitor.actor.user_id, form_token)
    if secret is None:
        return RedirectResponse("/mfa/setup", status_code=303)
    if not code:
        return _setup_form(
            request,
            visitor,
            secret,
            form_token,
            [FieldError("code", _("Enter the 6-digit code from your authenticator app"))],
        )
    old_raw = request.cookies.get(SESSION_COOKIE, "")
    try:
        with unit_of_work(ctx.db) as session:
            user = session.get(User, visitor.actor.user_id)
            if user is None:
                raise NotFound()
            confirm_mfa_enrolment(session, ctx.cipher, user, form_token, code)
            # A new session id once the sign-in is stronger, as at every privilege change.
            end_session(session, old_raw)
            raw, _ws = start_session(session, user, mfa_passed=True)
    except Invalid:
        return _setup_form(
            request,
            visitor,
            secret,
            form_token,
            [
                FieldError(
                    "code",
                    _(
                        "The code is not right. Check that the time on your device is correct and "
                        "enter the newest code"
                    ),
                )
            ],
        )
    response = RedirectResponse("/account?done=mfa", status_code=303)
    set_cookie(response, SESSION_COOKIE, raw)
    return response
