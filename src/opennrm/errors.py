"""Domain errors, independent of HTTP. The API and the pages map them to responses.

A refusal can carry an audit entry: the transaction of the refused act is rolled back
(nothing it did is kept) and the entry is then written on its own, so that attempts on
records a caller may not see are on the trail too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from opennrm.audit.trail import AuditEntry


@dataclass
class FieldProblem:
    field: str
    message: str


class DomainError(Exception):
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        audit: AuditEntry | None = None,
        after_rollback: Callable[[Session], None] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.audit = audit
        # Bookkeeping that must survive the rollback (e.g. counting a failed sign-in).
        self.after_rollback = after_rollback


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""

    code = "not_found"

    def __init__(self, message: str = "Not found.", *, audit: AuditEntry | None = None) -> None:
        super().__init__(message, audit=audit)


class Forbidden(DomainError):
    code = "forbidden"


class Invalid(DomainError):
    code = "invalid"

    def __init__(self, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Conflict(DomainError):
    code = "conflict"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class RateLimited(DomainError):
    code = "rate_limited"
