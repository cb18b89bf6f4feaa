"""A checksum of every table's content, equal on SQLite and PostgreSQL for equal data.

The restore drill and the backup tests compare a source and its restored copy with it,
independently of the backup code: each row is read through the tables' own SQLAlchemy
types (so a boolean is a boolean and a time is an aware UTC time on both databases),
written in one canonical form and hashed; a table's checksum is the hash of its sorted
row hashes, so it does not depend on the order (and so on the collation) either database
returns rows in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from opennrm.tables import metadata


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return {"decimal": format(value.normalize(), "f")}
    if isinstance(value, float):
        return {"float": repr(value)}
    return value


def _row_hash(row: Row[Any]) -> bytes:
    canonical = {key: _canonical(value) for key, value in row._mapping.items()}
    line = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(line.encode()).digest()


def table_checksums(engine: Engine) -> dict[str, TableSum]:
    """Row count and checksum of every table, read in one transaction."""
    sums: dict[str, TableSum] = {}
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # Under row-level security (migration 0009) an undeclared transaction sees
            # no rows: the checksum of an empty table would prove nothing.
            conn.exec_driver_sql("SELECT set_config('opennrm.scope', 'system', true)")
        for table in metadata.sorted_tables:
            hashes = sorted(_row_hash(row) for row in conn.execute(select(table)))
            sums[table.name] = TableSum(len(hashes), hashlib.sha256(b"".join(hashes)).hexdigest())
    return sums
