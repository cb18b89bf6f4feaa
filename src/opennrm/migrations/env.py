"""Alembic environment. It never imports the models: migrations describe the schema
as it was when written. Autogenerate and `alembic check` pass `target_metadata` in
through `config.attributes`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
target_metadata = config.attributes.get("target_metadata")


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run_with(conn)


def _run_with(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
