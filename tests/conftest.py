"""Test fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

The backend comes from `OPENNRM_TEST_DATABASE_URL` (unset: SQLite in a temporary
directory). `.ci/run` runs the whole suite once per backend. A migrated template with
the named personas is built once per session and cloned for each test (a file copy on
SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), so tests are isolated and fast.

On PostgreSQL the tests connect as the application's role (`APP_ROLE`), which owns no
table and is bound by row-level security, as a deployment does (ADR 0016); the template
is built and migrated by the server's superuser, the tables' owner. Code in a test that
reads or seeds the database directly acts as the system (`_test_acts_as_system`); the
app's requests declare their own actor. `OPENNRM_TEST_PG_AS_OWNER=1` connects as the
owner instead, to tell a row-security failure from any other.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opennrm import dbroles, migrate
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.policy import rowsecurity
from opennrm.settings import Settings
from tests.personas import World, seed_world

PG_URL = os.environ.get("OPENNRM_TEST_DATABASE_URL", "")
APP_ROLE = "opennrm_app"
AS_OWNER = os.environ.get("OPENNRM_TEST_PG_AS_OWNER") == "1"
_counter = itertools.count()


class Backend:
    """Makes template and per-test databases for one backend."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.is_pg = PG_URL.startswith("postgresql")
        if self.is_pg:
            self.base = make_url(PG_URL)
            self.template_name = f"{self.base.database}_tpl"
            self.admin = create_engine(
                self.base.set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
        else:
            self.template_file = tmp / "template.db"

    def template_url(self) -> str:
        if self.is_pg:
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{self.template_name}"'))
            return self.base.set(database=self.template_name).render_as_string(False)
        return f"sqlite:///{self.template_file}"

    def clone(self, *, as_owner: bool = AS_OWNER) -> str:
        """A copy of the template; on PostgreSQL its URL is the application role's unless
        `as_owner` (tests of migrations, roles and restores need the owner)."""
        n = next(_counter)
        if self.is_pg:
            name = f"{self.base.database}_t{n}"
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"'))
            url = self.base.set(database=name)
            if not as_owner:
                url = url.set(username=APP_ROLE, password=None)
            return url.render_as_string(False)
        target = self.tmp / f"t{n}.db"
        shutil.copyfile(self.template_file, target)
        return f"sqlite:///{target}"

    def empty(self) -> str:
        n = next(_counter)
        if self.is_pg:
            name = f"{self.base.database}_e{n}"
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{name}"'))
            return self.base.set(database=name).render_as_string(False)
        return f"sqlite:///{self.tmp / f'e{n}.db'}"

    def drop(self, url: str) -> None:
        if self.is_pg:
            name = make_url(url).database
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self.is_pg:
            self.drop(self.base.set(database=self.template_name).render_as_string(False))
            self.admin.dispose()


def as_owner(url: str) -> str:
    """The same database reached as the tables' owner (the test server's superuser)."""
    if not url.startswith("postgresql"):
        return url
    owner = make_url(PG_URL)
    return (
        make_url(url).set(username=owner.username, password=owner.password).render_as_string(False)
    )


KEYS = {"secret_key": "test-secret-key-" + "x" * 32, "data_key": "test-data-key-" + "y" * 32}


def make_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, **KEYS, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    b = Backend(tmp_path_factory.mktemp("db"))
    yield b
    b.close()


@pytest.fixture(scope="session")
def template(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The migrated template database with the personas, built once per session."""
    url = backend.template_url()
    db = Database(url)
    migrate.upgrade(db.engine)
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("data")), db)
    world = seed_world(ctx)
    if backend.is_pg:
        dbroles.ensure_login_role(backend.admin, APP_ROLE)
        dbroles.grant_app_role(db.engine, APP_ROLE)
    db.dispose()
    return world


@pytest.fixture(scope="session", autouse=True)
def _fixtures_act_as_system() -> Iterator[None]:
    """Fixtures of every scope seed and read the database directly as the system."""
    with rowsecurity.acting_as_system():
        yield


@pytest.fixture(autouse=True)
def _test_acts_as_system() -> Iterator[None]:
    """A test's own direct reads and writes act as the system (afresh for each test,
    whatever the previous test bound); requests it makes through the app declare their
    own actor."""
    with rowsecurity.acting_as_system():
        yield


@pytest.fixture
def db_url(backend: Backend, template: World) -> Iterator[str]:
    url = backend.clone()
    yield url
    backend.drop(url)


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    c = AppContext.build(make_settings(db_url, tmp_path), Database(db_url))
    yield c
    c.db.dispose()


@pytest.fixture
def owner_db_url(backend: Backend, template: World) -> Iterator[str]:
    """A fresh clone reached as the tables' owner, as a database administrator would:
    for tests of tampering, migrations and restores (on SQLite the same as `db_url`)."""
    url = backend.clone(as_owner=True)
    yield url
    backend.drop(url)


@pytest.fixture
def owner_ctx(owner_db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    c = AppContext.build(make_settings(owner_db_url, tmp_path), Database(owner_db_url))
    yield c
    c.db.dispose()


@pytest.fixture
def world(template: World) -> World:
    return template


@pytest.fixture
def app(ctx: AppContext):  # type: ignore[no-untyped-def]
    from opennrm.app import create_app

    return create_app(ctx.settings, ctx)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as c:
        yield c
