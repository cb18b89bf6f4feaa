"""The authorisation matrix of statistics and exports: every role × two kinds of
organisation × every route and page, run on each database.

Statistics are no secret, so a refusal is a 403 with the reason, never a 404. The
expected statuses are written out here, not imported from the policy.
`tests/test_authz_matrix.py` reads `PLAIN_ROUTES` and `PLAIN_PAGES` from here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.uow import unit_of_work
from opennrm.web.session import SESSION_COOKIE
from tests.conftest import make_settings

ROLES = [
    "frontline",
    "caseworker",
    "investigator",
    "analyst",
    "supervisor",
    "coordinator",
    "dpo",
    "admin",
]
KINDS = {"ngo": "ngo", "ministry": "ministry"}
STATISTICS = {"coordinator", "analyst", "supervisor"}
EXPORTERS = {"caseworker", "investigator", "supervisor", "analyst"}
RECORDERS = {"frontline", "caseworker", "investigator", "supervisor"}


def statistics_role(ok: int) -> Callable[[str, str], int]:
    return lambda kind, role: ok if role in STATISTICS else 403


PLAIN_ROUTES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/api/v1/statistics"): statistics_role(200),
    ("GET", "/api/v1/statistics/decision-times"): statistics_role(200),
    ("GET", "/api/v1/statistics/{subject}"): statistics_role(200),
    ("GET", "/api/v1/statistics/releases"): statistics_role(200),
    ("POST", "/api/v1/statistics/releases"): lambda k, r: 201 if r == "coordinator" else 403,
    ("GET", "/api/v1/exports/htcds"): lambda k, r: 200 if r in EXPORTERS else 403,
    ("GET", "/api/v1/exports/htcds/schema"): lambda k, r: 200,
    # An empty file is refused as such once the role may record signals at all.
    ("POST", "/api/v1/imports/htcds"): lambda k, r: 422 if r in RECORDERS else 403,
    ("GET", "/api/v1/exports/ctdc"): statistics_role(200),
    ("GET", "/api/v1/exports/official"): statistics_role(200),
    ("GET", "/api/v1/exports/official/{name}.csv"): statistics_role(200),
}
PLAIN_PAGES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/statistics"): statistics_role(200),
    ("GET", "/statistics/report.pdf"): statistics_role(200),
    ("GET", "/statistics/explore"): statistics_role(200),
    ("GET", "/statistics/explore.{fmt}"): statistics_role(200),
    ("GET", "/statistics/exports"): lambda k, r: 200 if r in STATISTICS | EXPORTERS else 403,
    ("POST", "/statistics/exports/htcds"): lambda k, r: 200 if r in EXPORTERS else 403,
    ("GET", "/statistics/exports/ctdc.csv"): statistics_role(200),
    ("GET", "/statistics/exports/official.xlsx"): statistics_role(200),
}
CONCRETE = {
    "/api/v1/statistics/{subject}": "/api/v1/statistics/signals?by=sex",
    "/api/v1/statistics/decision-times": "/api/v1/statistics/decision-times?by=target",
    "/api/v1/exports/official": "/api/v1/exports/official?year=2026",
    "/api/v1/exports/official/{name}.csv": (
        "/api/v1/exports/official/eurostat_victims_sex_age.csv?year=2026"
    ),
    "/statistics/explore": "/statistics/explore?subject=signals&by=sex",
    "/statistics/explore.{fmt}": "/statistics/explore.xlsx?subject=signals&by=sex",
}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/statistics/releases"): {
        "subject": "signals",
        "by": ["sex"],
        "epsilon": 0.1,
    },
    ("POST", "/api/v1/imports/htcds"): [],
}


@dataclass
class World:
    client: TestClient
    ctx: AppContext
    tokens: dict[tuple[str, str], str]
    web: dict[tuple[str, str], tuple[str, str]]


@pytest.fixture(scope="module")
def sw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("st")), Database(url))
    password = "Tilasto-salasana-7"
    hashed = passwords.hash_password(password)
    tokens: dict[tuple[str, str], str] = {}
    web: dict[tuple[str, str], tuple[str, str]] = {}
    n = itertools.count(1)
    with unit_of_work(ctx.db) as session:
        for kind, org in KINDS.items():
            for role in ROLES:
                user = auth_actions.create_user(
                    session,
                    email=f"st.{next(n)}@example.org",
                    name=f"Tilastomatriisi {role}",
                    organisation_id=template.orgs[org],
                    roles=[role],
                    password=password,
                    password_hash=hashed,
                )
                tokens[kind, role], _ = sessions.create_token(session, user=user, name="st", days=2)
                cookie, ws = sessions.start_session(session, user, mfa_passed=True)
                web[kind, role] = (cookie, ws.csrf_token)
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield World(client, ctx, tokens, web)
    ctx.db.dispose()
    backend.drop(url)


def _cells(routes: dict[tuple[str, str], Any]) -> list[tuple[str, str, tuple[str, str]]]:
    return [(k, r, key) for k in KINDS for r in ROLES for key in sorted(routes)]


@pytest.mark.parametrize(("kind", "role", "key"), _cells(PLAIN_ROUTES))
def test_api_route(sw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    r = sw.client.request(
        method,
        CONCRETE.get(path, path),
        headers={
            "Authorization": f"Bearer {sw.tokens[kind, role]}",
            "X-Purpose": "Matriisitesti: oikeudet",
        },
        json=BODIES.get(key),
    )
    expected = PLAIN_ROUTES[key](kind, role)
    assert r.status_code == expected, r.text
    if expected == 403:
        assert r.json()["error"]["code"] == "forbidden"
        assert r.json()["error"]["message"]  # the reason is told


@pytest.mark.parametrize(("kind", "role", "key"), _cells(PLAIN_PAGES))
def test_page(sw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    cookie, csrf = sw.web[kind, role]
    sw.client.cookies.clear()
    sw.client.cookies.set(SESSION_COOKIE, cookie)
    r = sw.client.request(
        method,
        CONCRETE.get(path, path),
        data={"csrf_token": csrf, "purpose": "Matriisitesti: oikeudet"}
        if method == "POST"
        else None,
    )
    sw.client.cookies.clear()
    assert r.status_code == PLAIN_PAGES[key](kind, role), r.text[:500]


@pytest.mark.parametrize("key", sorted(PLAIN_ROUTES))
def test_api_needs_authentication(sw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = sw.client.request(method, CONCRETE.get(path, path), json=BODIES.get(key))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("key", sorted(PLAIN_PAGES))
def test_pages_need_a_session(sw: World, key: tuple[str, str]) -> None:
    method, path = key
    sw.client.cookies.clear()
    r = sw.client.request(
        method,
        CONCRETE.get(path, path),
        data={"csrf_token": "guess", "purpose": "x" * 10} if method == "POST" else None,
    )
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
