"""A scratch database for one evidence run, created and dropped around it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def fresh_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server `server_url` names (its own database
    name is ignored; the user must be allowed to create databases), dropped at the end."""
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database(server_url: str | None, tmp: Path, prefix: str) -> Iterator[str]:
    """A file in `tmp` (no URL, or a SQLite one), or a fresh PostgreSQL database."""
    if not server_url or not server_url.startswith("postgresql"):
        yield f"sqlite:///{tmp / f'{prefix}.db'}"
        return
    with fresh_postgres(server_url, prefix) as url:
        yield url
