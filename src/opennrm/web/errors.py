"""Error answers for people: HTML pages in the layout, while `/api/` keeps its JSON.

The API's handlers (`opennrm.api.errors`) are installed first; these wrap them and
answer page requests with a page instead. A record that does not exist and one the
visitor may not see get the very same "Page not found" page, so the pages are no
existence oracle. A missing or expired session sends the visitor to sign in.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from opennrm.errors import DomainError, Forbidden, NotFound, Unauthenticated
from opennrm.web.access import RECORD_ID
from opennrm.web.render import render
from opennrm.web.session import (
    MFA_SETUP_PATH,
    SESSION_COOKIE,
    CsrfFailed,
    LoginRequired,
    MfaSetupRequired,
    Visitor,
    clear_cookie,
    load_visitor,
)

log = logging.getLogger("opennrm.web")

Handler = Callable[[Request, Any], Awaitable[Response]]
JsonHandler = Callable[[Request, Any], Response | Awaitable[Response]]


async def _answer(handler: JsonHandler, request: Request, exc: Exception) -> Response:
    """Call one of the API's handlers, whether it is a coroutine or not."""
    result = handler(request, exc)
    return await result if inspect.isawaitable(result) else result


def _register(app: FastAPI, kind: type[Exception], handler: Handler) -> None:
    # Starlette types handlers as taking any Exception; ours take the class they handle.
    app.add_exception_handler(kind, handler)


_SIGNAL_PATH = re.compile(rf"/signals/({RECORD_ID.pattern})")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path == "/api" or path.startswith("/health"))


def login_redirect(request: Request) -> RedirectResponse:
    target = "/login"
    if request.method == "GET" and request.url.path not in ("/", "/login"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(here, safe="")
    response = RedirectResponse(target, status_code=303)
    if SESSION_COOKIE in request.cookies:
        clear_cookie(response, SESSION_COOKIE)
    return response


async def _visitor(request: Request) -> Visitor | None:
    """The visitor for the error page's layout; never fails the error page itself."""
    try:
        return await run_in_threadpool(load_visitor, request)
    except Exception:  # the database may be what failed
        return None


async def error_page(request: Request, status: int, *, csrf_failed: bool = False) -> Response:
    visitor = await _visitor(request)
    match = _SIGNAL_PATH.fullmatch(request.url.path)
    break_glass_id = (
        match.group(1) if status == 404 and match and visitor and visitor.reads_content else None
    )
    return render(
        request,
        "errors/error.html",
        visitor=visitor,
        status=status,
        status_code=status,
        csrf_failed=csrf_failed,
        break_glass_id=break_glass_id,
    )


def install(app: FastAPI) -> None:
    """Wrap the JSON handlers so that page requests get pages."""
    json_domain = app.exception_handlers[DomainError]
    json_http = app.exception_handlers[StarletteHTTPException]
    json_validation = app.exception_handlers[RequestValidationError]
    json_unexpected = app.exception_handlers[Exception]
    json_unavailable = app.exception_handlers[OperationalError]

    async def domain(request: Request, exc: DomainError) -> Response:
        if not is_page(request):
            return await _answer(json_domain, request, exc)
        if isinstance(exc, Unauthenticated):
            return login_redirect(request)
        if isinstance(exc, NotFound):
            return await error_page(request, 404)
        if isinstance(exc, Forbidden):
            return await error_page(request, 403, csrf_failed=isinstance(exc, CsrfFailed))
        return await error_page(request, 400)

    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_page(request):
            return await _answer(json_http, request, exc)
        status = exc.status_code if exc.status_code in (404, 405, 413) else 400
        return await error_page(request, status)

    async def validation(request: Request, exc: RequestValidationError) -> Response:
        if not is_page(request):
            return await _answer(json_validation, request, exc)
        # Page routes read their own forms; a malformed path or query is a bad address.
        return await error_page(request, 404)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await _answer(json_unexpected, request, exc)
        # Never log the exception text: it may hold personal data from the request.
        log.error("unhandled error on a page: %s", type(exc).__name__)
        try:
            return await error_page(request, 500)
        except Exception:
            return await _answer(json_unexpected, request, exc)

    async def unavailable(request: Request, exc: OperationalError) -> Response:
        if not is_page(request):
            return await _answer(json_unavailable, request, exc)
        return await unexpected(request, exc)

    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        return login_redirect(request)

    async def mfa_required(_request: Request, _exc: MfaSetupRequired) -> Response:
        return RedirectResponse(MFA_SETUP_PATH, status_code=303)

    _register(app, DomainError, domain)
    _register(app, StarletteHTTPException, http)
    _register(app, RequestValidationError, validation)
    _register(app, Exception, unexpected)
    _register(app, OperationalError, unavailable)
    _register(app, LoginRequired, login_required)
    _register(app, MfaSetupRequired, mfa_required)
