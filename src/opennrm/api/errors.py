"""The contract's error shape, `{"error": {"code", "message"}}`, for every failure."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from opennrm.api import openapi
from opennrm.api.nul import RejectNul
from opennrm.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)

log = logging.getLogger("opennrm.api")

STATUS = {
    NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 409, Unauthenticated: 401,
    RateLimited: 429,
}  # fmt: skip


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details:
        err["details"] = details
    return {"error": err}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    details = []
    for e in errors:
        msg = str(e.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        details.append({"field": _field(tuple(e.get("loc", ()))), "message": msg})
    return details


def install(app: FastAPI) -> None:
    openapi.install(app)
    app.add_middleware(RejectNul)

    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        details = None
        if isinstance(exc, Invalid) and exc.problems:
            details = [{"field": p.field, "message": p.message} for p in exc.problems]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, details), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return JSONResponse(
                error_body("malformed_json", "The body is not valid JSON."), status_code=400
            )
        if any(
            e.get("type") == "model_attributes_type" and tuple(e.get("loc", ())) == ("body",)
            for e in exc.errors()
        ):
            return JSONResponse(
                error_body(
                    "invalid",
                    "Send a JSON object as the body, with Content-Type: application/json.",
                ),
                status_code=422,
            )
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return JSONResponse(
            error_body("invalid", f"The input is not valid: {summary}", details), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "error"
        )
        message = exc.detail if isinstance(exc.detail, str) else "Request refused."
        if exc.status_code == 404:
            message = "Not found."
        return JSONResponse(
            error_body(code, message),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(OperationalError)
    async def _unavailable(_req: Request, exc: OperationalError) -> JSONResponse:
        # The database went away (or stayed locked): whether a commit in flight landed
        # is unknown, so promise nothing but a safe retry. Never echo the error's text.
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse(
            error_body("unavailable", openapi.UNAVAILABLE),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        # Never echo the exception: it may contain personal data from the request.
        log.error("unhandled error %s", type(exc).__name__)
        return JSONResponse(
            error_body("internal", "Something went wrong; nothing was saved."), status_code=500
        )
