"""Refuse NUL characters in the URL before any route runs.

PostgreSQL text cannot hold U+0000: psycopg raises `DataError` on the first query that
binds such a value, so an id like `a%00b` in a path or a query parameter turned every
lookup into a 500 (found by schemathesis on PostgreSQL; SQLite answered 404). No
identifier, code or search term of ours can contain it, so one check at the edge
answers 422 `invalid` for every route, API and pages alike, instead of a check in each.
JSON and form text fields refuse control characters in their own validators.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

MESSAGE = "The address contains a NUL character (U+0000), which no field accepts."


def has_nul(scope: Scope) -> bool:
    path = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    return "\x00" in path or b"\x00" in query or b"%00" in query


class RejectNul:
    """Pure ASGI middleware (no body buffering): it reads only the path and query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_nul(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": {"code": "invalid", "message": MESSAGE}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
