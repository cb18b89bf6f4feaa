"""The unit of work: one transaction per act, with refusals still audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from opennrm import audit
from opennrm.db import Database
from opennrm.errors import DomainError


@contextmanager
def unit_of_work(db: Database) -> Iterator[Session]:
    """Commit everything on success; on error roll back, then keep only the audit entry."""
    try:
        with db.transaction() as session:
            yield session
    except DomainError as exc:
        if exc.audit is not None or exc.after_rollback is not None:
            with db.transaction() as session:
                if exc.after_rollback is not None:
                    exc.after_rollback(session)
                if exc.audit is not None:
                    audit.record(session, exc.audit)
        raise
