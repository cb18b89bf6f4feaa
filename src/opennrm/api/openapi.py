"""Make the OpenAPI document tell the truth about failures.

FastAPI documents a 422 as its own `HTTPValidationError` (`{"detail": [...]}`), and
knows nothing of the error handlers in `api.errors`, which answer every failure with
`{"error": {"code", "message", "details"?}}`. Clients generated from the document, and
schemathesis' `response_schema_conformance`, would then expect a body the API never
sends. This module rewrites the built document once: every error response carries the
`Error` schema, every operation that needs a token declares its 401, every operation its 422 (see
`api.nul`), and every
operation with a JSON body declares the 400 (malformed JSON) and 413 (too large) that
the handlers and `BodySizeLimit` answer before the route runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_CONTENT = {"application/json": {"schema": ERROR_REF}}

ERROR_SCHEMAS: dict[str, Any] = {
    "ErrorDetail": {
        "type": "object",
        "title": "ErrorDetail",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "Dotted path of the offending input."},
            "message": {"type": "string"},
        },
    },
    "ErrorBody": {
        "type": "object",
        "title": "ErrorBody",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "Stable machine-readable code."},
            "message": {"type": "string", "description": "Human-readable; no personal data."},
            "details": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ErrorDetail"},
            },
        },
    },
    "Error": {
        "type": "object",
        "title": "Error",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
    },
}

# FastAPI's own validation-error models, unused once every 422 points at `Error`.
FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")

UNAUTHENTICATED = "No token, or the token is unknown, expired or revoked."
MALFORMED = "The body is not valid JSON; nothing was changed."
TOO_LARGE = "The body is larger than the server accepts; nothing was changed."
INVALID = "Invalid input; nothing was changed."
UNAVAILABLE = (
    "The database could not be reached. Retry; a create or share sent with an "
    "Idempotency-Key is stored at most once."
)


def install(app: FastAPI) -> None:
    """Wrap `app.openapi` so the document is rewritten once, when first built."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """Rewrite `doc` in place (and return it): see the module docstring."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(ERROR_SCHEMAS)
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            _document_operation(operation)
    return doc


def _document_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if operation.get("security"):
        responses.setdefault("401", {"description": UNAUTHENTICATED})
    # `api.nul.RejectNul` answers 422 on any route whose address holds a NUL character.
    responses.setdefault("422", {"description": INVALID})
    # `api.errors`: the database could not be reached (retry; keys make writes safe).
    responses.setdefault("503", {"description": UNAVAILABLE})
    if _has_json_body(operation):
        responses.setdefault("400", {"description": MALFORMED})
        responses.setdefault("413", {"description": TOO_LARGE})
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if status == "422" and response.get("description") == "Validation Error":
            response["description"] = INVALID
        response["content"] = ERROR_CONTENT


def _has_json_body(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return "application/json" in content
