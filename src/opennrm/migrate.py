"""Schema migrations (Alembic), driven from code so no alembic.ini is needed to run them.

The app refuses to start unless the database is exactly at the head revision: an empty
or older database needs `opennrm db upgrade`; a newer one needs a newer OpenNRM.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaNotCurrent(RuntimeError):
    """The database schema is not the one this code was written for."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None  # noqa: S101 - there is always at least the initial revision
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Raise `SchemaNotCurrent` with the command to run unless the schema is at head."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaNotCurrent(
            "The database has no OpenNRM schema yet. Run `opennrm db upgrade` first."
        )
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaNotCurrent(
            f"The database schema ({current}) is newer than this OpenNRM ({head}). "
            "Upgrade OpenNRM to the version that wrote it; do not run this version on it."
        )
    raise SchemaNotCurrent(
        f"The database schema ({current}) is older than this OpenNRM ({head}). "
        "Run `opennrm db upgrade`."
    )
