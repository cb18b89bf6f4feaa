"""Portable logical backup and restore, encrypted (ADR 0008).

A backup is gzip'd JSON lines (a header line, one line a row, a trailer line with the row
counts) inside the authenticated, chunked encryption of `backup_crypto`. Portable between
SQLite and PostgreSQL, so a deployment can move from the embedded default to a server.

The dump is taken in one transaction (REPEATABLE READ on PostgreSQL; SQLite's write
lock), so it is a consistent snapshot, and written to a temporary file renamed into place
only when complete. A restore first authenticates the whole file, then goes into an
empty database in one transaction and verifies the audit chain before committing: a file
that is damaged, truncated, of another key or whose trail does not verify restores
nothing at all.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from opennrm import migrate
from opennrm.audit import trail
from opennrm.audit.chain import VerifyResult
from opennrm.backup_crypto import (
    DEFAULT_CHUNK,
    BackupFileError,
    BackupKey,
    DecryptingReader,
    authenticate_file,
    is_encrypted_backup,
    write_encrypted,
)
from opennrm.db import Database
from opennrm.tables import metadata

FORMAT = "opennrm-backup/2"
# Backups written before encryption: gzip'd JSON lines in clear. Read only when the
# operator asks for it explicitly (`opennrm restore --allow-unencrypted`).
LEGACY_FORMAT = "opennrm-backup/1"
# Rows inserted per statement on restore (executemany).
BATCH = 500


class RestoreError(RuntimeError):
    """The backup cannot be restored here; the message says why. Nothing was written."""


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning one JSON row of `table` back into column values."""
    convert: dict[str, Callable[[Any], Any]] = {}
    for col in table.c:
        kind = getattr(col.type, "impl", col.type)
        if isinstance(kind, LargeBinary):
            convert[col.name] = lambda v: base64.b64decode(v["$b64"])
        elif isinstance(kind, DateTime):
            convert[col.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            convert[col.name] = date.fromisoformat
        elif isinstance(kind, Numeric) and not isinstance(kind, Float):
            convert[col.name] = Decimal

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in row.items():
            if name not in table.c:
                raise RestoreError(f"the backup has a column {table.name}.{name} unknown here")
            fn = convert.get(name)
            out[name] = None if value is None else fn(value) if fn else value
        return out

    return decode


def _system_scope(conn: Connection | Session) -> None:
    """Declare the transaction a system task, for PostgreSQL row-level security.

    Under FORCE ROW LEVEL SECURITY (migration 0009) a transaction that names no actor sees
    no rows, even as the tables' owner: without this a backup would silently leave out
    every protected row and a restore's emptiness check would pass on a full database.
    """
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    if dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('opennrm.scope', 'system', true)"))


def write_backup(
    db: Database, path: Path, key: BackupKey, *, chunk_size: int = DEFAULT_CHUNK
) -> dict[str, int]:
    """Write an encrypted backup of every table to `path`; returns rows per table."""
    counts: dict[str, int] = {}

    def fill(sink: io.RawIOBase) -> None:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with (
                conn.begin(),
                gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6, mtime=0) as zipped,
                io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as out,
            ):
                _system_scope(conn)
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
                out.write(json.dumps({"end": counts}) + "\n")

    write_encrypted(path, key, fill, chunk_size=chunk_size)
    return counts


@contextmanager
def _lines(path: Path, key: BackupKey, allow_unencrypted: bool) -> Iterator[IO[str]]:
    """The text lines of a backup file, after checking what kind of file it is."""
    if not path.is_file():
        raise RestoreError(f"{path} does not exist")
    if is_encrypted_backup(path):
        try:
            authenticate_file(path, key)
        except BackupFileError as exc:
            raise RestoreError(f"{path} cannot be restored: {exc}; nothing restored") from None
        with (
            path.open("rb") as raw,
            gzip.GzipFile(fileobj=io.BufferedReader(DecryptingReader(raw, key))) as plain,
            io.TextIOWrapper(plain, encoding="utf-8") as text_lines,
        ):
            yield text_lines
        return
    if _legacy_format(path) != LEGACY_FORMAT:
        raise RestoreError(f"{path} is not an OpenNRM backup")
    if not allow_unencrypted:
        raise RestoreError(
            f"{path} is an unencrypted backup ({LEGACY_FORMAT}, written before backups were "
            "encrypted); restore it only with --allow-unencrypted, then destroy the file"
        )
    with gzip.open(path, "rt", encoding="utf-8") as text_lines:
        yield text_lines


def _legacy_format(path: Path) -> str | None:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = json.loads(f.readline())
    except (OSError, ValueError, EOFError):
        return None
    return header.get("format") if isinstance(header, dict) else None


def restore_backup(
    db: Database, path: Path, key: BackupKey, *, allow_unencrypted: bool = False
) -> tuple[dict[str, int], VerifyResult]:
    """Restore `path` into the empty database `db`; returns rows per table and the chain."""
    try:
        with _lines(path, key, allow_unencrypted) as lines:
            return _restore_lines(db, path, lines)
    except (BackupFileError, OSError, EOFError, ValueError, KeyError) as exc:
        # Authenticated before use, so this is a damaged legacy file or one changed
        # between the check and the restore; the transaction was rolled back.
        raise RestoreError(f"{path} cannot be restored: {exc}; nothing restored") from None
    except (IntegrityError, DataError) as exc:
        # Only the kind of error: the database's message would quote the row's values.
        raise RestoreError(
            f"{path} holds rows this database refuses ({type(exc.orig).__name__}); nothing restored"
        ) from None


def _restore_lines(db: Database, path: Path, lines: IO[str]) -> tuple[dict[str, int], VerifyResult]:
    header = json.loads(lines.readline())
    if header.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise RestoreError(f"{path} is not an OpenNRM backup ({header.get('format')!r})")
    if header.get("revision") != migrate.head_revision():
        raise RestoreError(
            f"the backup is of schema {header.get('revision')}, this OpenNRM has "
            f"{migrate.head_revision()}; restore it with the version that wrote it"
        )
    migrate.upgrade(db.engine)
    tables = {t.name: t for t in metadata.sorted_tables}
    decoders = {name: _decoder(t) for name, t in tables.items()}
    counts: dict[str, int] = {}
    trailer: dict[str, int] | None = None
    with db.transaction() as session:
        _system_scope(session)
        _require_empty(session)
        batch: list[dict[str, Any]] = []
        batch_table: Table | None = None
        for line in lines:
            item = json.loads(line)
            if "end" in item:
                trailer = item["end"]
                continue
            if trailer is not None:
                raise RestoreError(f"{path} has rows after its end; nothing restored")
            table = tables.get(item["t"])
            if table is None:
                raise RestoreError(f"the backup has a table {item['t']} unknown here")
            row = decoders[table.name](item["r"])
            counts[table.name] = counts.get(table.name, 0) + 1
            if table.name == "audit_head":
                session.execute(table.update().where(table.c.id == row["id"]).values(**row))
                continue
            if table is not batch_table or len(batch) >= BATCH:
                _insert(session, batch_table, batch)
                batch, batch_table = [], table
            batch.append(row)
        _insert(session, batch_table, batch)
        _check_trailer(path, header["format"], trailer, counts)
        result = trail.verify(session)
        if not result.ok:
            raise RestoreError(
                f"the restored audit trail does not verify (entry "
                f"{result.first_bad_seq}: {result.reason}); nothing restored"
            )
        # After the checks: setval is not undone by a rollback.
        _reset_sequences(session)
    return counts, result


def _insert(session: Session, table: Table | None, rows: list[dict[str, Any]]) -> None:
    if table is not None and rows:
        session.execute(table.insert(), rows)


def _check_trailer(
    path: Path, fmt: str, trailer: dict[str, int] | None, counts: dict[str, int]
) -> None:
    if fmt == LEGACY_FORMAT:
        return  # format 1 had no trailer
    if trailer is None:
        raise RestoreError(f"{path} has no end: the backup is incomplete; nothing restored")
    if {t: n for t, n in trailer.items() if n} != counts:
        raise RestoreError(
            f"{path} holds other rows than its end says; the backup is inconsistent; "
            "nothing restored"
        )


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
