"""The database role the application connects as, on PostgreSQL (ADR 0016).

The tables belong to the role that runs the migrations. The application connects as
another role that owns nothing, cannot bypass row security, and holds only the
privileges it needs: it can add to the audit trail but never change or remove an entry,
and it can read the schema version but not change it. `opennrm db grant ROLE` applies
this after every `opennrm db upgrade` (new tables need their grants).
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from opennrm.tables import metadata

# Tables the application may only append to or only read.
APPEND_ONLY = {"audit_events": "SELECT, INSERT"}
READ_ONLY = {"alembic_version": "SELECT"}
FULL = "SELECT, INSERT, UPDATE, DELETE"

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(ValueError):
    """The role cannot be used as the application's role; the message says why."""


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Grant `role` what the application needs, as the tables' owner; returns the
    statements run. Refuses a role that owns the tables, is a superuser or bypasses
    row security: row security would not hold for it."""
    if not _ROLE.match(role):
        raise RoleError(f"{role!r} is not a plain lower-case PostgreSQL role name")
    if engine.dialect.name != "postgresql":
        raise RoleError("database roles and row security exist only on PostgreSQL")
    statements = [f"GRANT USAGE ON SCHEMA public TO {role}"]
    for table in [*(t.name for t in metadata.sorted_tables), "alembic_version"]:
        privileges = APPEND_ONLY.get(table) or READ_ONLY.get(table) or FULL
        statements.append(f"REVOKE ALL ON {table} FROM {role}")
        statements.append(f"GRANT {privileges} ON {table} TO {role}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    with engine.begin() as conn:
        _check_role(conn, role)
        for statement in statements:
            conn.execute(text(statement))
    return statements


def ensure_login_role(engine: Engine, role: str) -> None:
    """Create `role` (may log in, no superuser, no `BYPASSRLS`) unless it exists: for test
    and evidence servers; a deployment creates its role with its own password."""
    if not _ROLE.match(role):
        raise RoleError(f"{role!r} is not a plain lower-case PostgreSQL role name")
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if not exists:
            conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))


def _check_role(conn: Connection, role: str) -> None:
    row = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if row is None:
        raise RoleError(f"role {role} does not exist; create it first (CREATE ROLE … LOGIN)")
    if row.rolsuper or row.rolbypassrls:
        raise RoleError(f"role {role} is a superuser or bypasses row security")
    owns = conn.execute(
        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = :r"),
        {"r": role},
    ).scalar()
    if owns:
        raise RoleError(f"role {role} owns tables; the application's role must own none")
