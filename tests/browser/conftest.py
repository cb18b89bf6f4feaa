"""A real OpenNRM for the page tests: a migrated SQLite file, seeded through the auth
actions with synthetic people, served by uvicorn in a background thread.

The browser must use the host `localhost`: the session cookie is `__Host-` and Secure,
and Chromium treats http://localhost (not every address) as a secure context.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from opennrm import migrate
from opennrm.app import create_app
from opennrm.auth.actions import create_organisation, create_user
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import Settings
from tests.browser.live import serving

PASSWORD = "Kesäpäivä-2026-synteettinen"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    organisation: str


@dataclass
class Site:
    app: FastAPI
    ctx: AppContext
    organisations: dict[str, str]  # name -> id
    people: dict[str, Person]
    base_url: str = ""


PEOPLE = {
    "ngo_worker": ("amina.yusuf@protuki.example.org", "Amina Yusuf", "Pro-tuki ry", ["caseworker"]),
    "ngo_supervisor": (
        "elina.saarinen@protuki.example.org",
        "Elina Saarinen",
        "Pro-tuki ry",
        ["supervisor"],
    ),
    "ngo_dpo": (
        "ewa.kowalczyk@protuki.example.org",
        "Ewa Kowalczyk",
        "Pro-tuki ry",
        ["dpo"],
    ),
    "helsinki_investigator": (
        "mikael.lindqvist@poliisi.example.fi",
        "Mikael Lindqvist",
        "Helsingin poliisilaitos",
        ["investigator"],
    ),
    "sisasuomi_investigator": (
        "leila.haddad@poliisi.example.fi",
        "Leila Haddad",
        "Sisä-Suomen poliisilaitos",
        ["investigator"],
    ),
}
ORGANISATIONS = {
    "Pro-tuki ry": ("ngo", None),
    "Helsingin poliisilaitos": ("police", "01"),
    "Sisä-Suomen poliisilaitos": ("police", "13"),
}


@dataclass(frozen=True)
class Template:
    """A migrated, seeded database file that each test copies (hashing passwords and
    migrating once per session keeps the tests fast)."""

    path: Path
    organisations: dict[str, str]
    people: dict[str, Person]


def _settings(path: Path, **overrides: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{path}",
        data_dir=path.parent,
        secret_key="pages-secret-" + "k" * 40,
        data_key="pages-data-" + "d" * 40,
        **overrides,
    )  # type: ignore[arg-type]


def make_template(tmp: Path) -> Template:
    path = tmp / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    orgs: dict[str, str] = {}
    people: dict[str, Person] = {}
    with db.transaction() as session:
        for name, (kind, region) in ORGANISATIONS.items():
            orgs[name] = create_organisation(session, name=name, type=kind, region=region).id
        for key, (email, name, org, roles) in PEOPLE.items():
            create_user(
                session,
                email=email,
                name=name,
                organisation_id=orgs[org],
                roles=roles,
                password=PASSWORD,
            )
            people[key] = Person(email, name, org)
    db.dispose()
    return Template(path, orgs, people)


def build_site(template: Template, tmp: Path, **settings: object) -> Site:
    """A site on a fresh copy of the template database."""
    path = tmp / "pages.db"
    shutil.copyfile(template.path, path)
    config = _settings(path, **settings)
    ctx = AppContext.build(config, Database(config.database_url))
    return Site(
        app=create_app(config, ctx),
        ctx=ctx,
        organisations=template.organisations,
        people=template.people,
    )


@pytest.fixture(scope="session")
def pages_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("pages-template"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_site(pages_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = build_site(pages_template, tmp_path_factory.mktemp("pages"))
    port = _free_port()
    try:
        with serving(site.app, port) as base_url:
            site.base_url = base_url
            yield site
    finally:
        site.ctx.db.dispose()


@pytest.fixture
def pages_site(pages_template: Template, tmp_path: Path) -> Iterator[Site]:
    """A fresh site for in-process tests (no server)."""
    built = build_site(pages_template, tmp_path)
    yield built
    built.ctx.db.dispose()


@pytest.fixture
def pages_client(pages_site: Site) -> Iterator[TestClient]:
    with TestClient(pages_site.app, base_url="https://testserver") as c:
        yield c
