"""Portable logical backup and restore (gzip'd JSON lines, one row a line).

Portable between SQLite and PostgreSQL, so a deployment can move from the embedded
default to a server. The dump is taken in one transaction (REPEATABLE READ on
PostgreSQL; SQLite's write lock), so it is a consistent snapshot. Restore goes into an
empty database in one transaction and verifies the audit chain before committing:
a backup that does not verify is not restored at all.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Integer, LargeBinary, Table, func, select, text
from sqlalchemy.orm import Session

from opennrm import migrate
from opennrm.audit import trail
from opennrm.audit.chain import VerifyResult
from opennrm.db import Database
from opennrm.tables import metadata

FORMAT = "opennrm-backup/1"


class RestoreError(RuntimeError):
    """The backup cannot be restored here; the message says why. Nothing was written."""


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        col = table.c[name]
        if value is None:
            out[name] = None
        elif isinstance(col.type, LargeBinary):
            out[name] = base64.b64decode(value["$b64"])
        elif isinstance(col.type, DateTime) or isinstance(
            getattr(col.type, "impl", None), DateTime
        ):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(col.type, Date):
            out[name] = date.fromisoformat(value)
        else:
            out[name] = value
    return out


def write_backup(db: Database, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin(), gzip.open(path, "wt", encoding="utf-8") as out:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            out.write(json.dumps({"format": FORMAT, "revision": revision}) + "\n")
            for table in metadata.sorted_tables:
                n = 0
                order = list(table.primary_key.columns)
                for row in conn.execute(select(table).order_by(*order)).mappings():
                    line = {"t": table.name, "r": {k: _encode(v) for k, v in row.items()}}
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                    n += 1
                counts[table.name] = n
    return counts


def restore_backup(db: Database, path: Path) -> tuple[dict[str, int], VerifyResult]:
    migrate.upgrade(db.engine)
    try:
        opened = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 - closed below
        header = json.loads(opened.readline())
    except (OSError, ValueError) as exc:
        raise RestoreError(f"{path} is not an OpenNRM backup: {exc}") from None
    if header.get("format") != FORMAT:
        raise RestoreError(f"{path} is not an OpenNRM backup ({header.get('format')!r})")
    if header.get("revision") != migrate.head_revision():
        raise RestoreError(
            f"the backup is of schema {header.get('revision')}, this OpenNRM has "
            f"{migrate.head_revision()}; restore it with the version that wrote it"
        )
    tables = {t.name: t for t in metadata.sorted_tables}
    counts: dict[str, int] = {}
    with opened, db.transaction() as session:
        _require_empty(session)
        for line in opened:
            item = json.loads(line)
            table = tables[item["t"]]
            row = _decode(table, item["r"])
            if table.name == "audit_head":
                session.execute(table.update().where(table.c.id == row["id"]).values(**row))
            else:
                session.execute(table.insert().values(**row))
            counts[table.name] = counts.get(table.name, 0) + 1
        _reset_sequences(session)
        result = trail.verify(session)
        if not result.ok:
            raise RestoreError(
                f"the restored audit trail does not verify (entry "
                f"{result.first_bad_seq}: {result.reason}); nothing restored"
            )
    return counts, result


def _require_empty(session: Session) -> None:
    for table in metadata.sorted_tables:
        if table.name == "audit_head":
            continue
        if session.scalar(select(func.count()).select_from(table)):
            raise RestoreError(
                f"the database is not empty (table {table.name} has rows); "
                "restore only into an empty database"
            )


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        for col in table.primary_key.columns:
            if isinstance(col.type, Integer) and col.autoincrement is True:
                next_value = select(func.coalesce(func.max(col), 0) + 1).scalar_subquery()
                sequence = func.pg_get_serial_sequence(table.name, col.name)
                session.execute(select(func.setval(sequence, next_value, False)))
