"""The authorisation matrix of consultations: every role × the caller's organisation (the
national team asked, the police unit that asked, another police unit, an NGO, a
municipality) × every route, with the expected status written out here rather than
imported from the policy. Run on each database.

`tests/test_authz_matrix.py` checks that every route has an entry somewhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import sessions
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.investigations.models import Consultation, Investigation
from opennrm.uow import unit_of_work
from tests.conftest import make_settings
from tests.listing import every_item

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
CONTENT = {"caseworker", "investigator", "supervisor"}
TEAM = {"investigator", "supervisor"}

# The caller's organisation, by its relation to a consultation that Sisä-Suomi asked of
# the national team.
KINDS = {
    "team": "national_team",
    "requester": "sisasuomi",
    "other_police": "helsinki",
    "ngo": "ngo",
    "municipality": "vantaa",
}
POLICE_KINDS = {"team", "requester", "other_police"}


def readable(kind: str, role: str) -> bool:
    if kind == "team":
        return role in TEAM
    if kind == "requester":
        return role in CONTENT
    return False


def expected_read(kind: str, role: str) -> int:
    return 200 if readable(kind, role) else 404


def expected_respond(kind: str, role: str) -> int:
    if kind == "team" and role in TEAM:
        return 201
    return 403 if readable(kind, role) else 404


def expected_request(kind: str, role: str) -> int:
    # Only the owning unit's readers ask; nobody else may know the investigation exists
    # (the team has not joined it, and an administrator sees no case content).
    return 201 if kind == "requester" and role in CONTENT else 404


def expected_measure(kind: str, role: str) -> int:
    if role in {"coordinator", "analyst"}:
        return 200
    if kind in POLICE_KINDS and role == "supervisor":
        return 200
    if kind == "team" and role == "investigator":
        return 200
    return 403


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Any


ROUTES = [
    Route("read", "GET", "/api/v1/consultations/{consultation_id}", expected_read),
    Route("respond", "POST", "/api/v1/consultations/{consultation_id}/responses", expected_respond),
    Route(
        "request",
        "POST",
        "/api/v1/investigations/{investigation_id}/consultations",
        expected_request,
    ),
]

PLAIN_ROUTES: dict[tuple[str, str], dict[str, dict[str, int]]] = {
    ("GET", "/api/v1/consultations"): {k: dict.fromkeys(ROLES, 200) for k in KINDS},
    ("GET", "/api/v1/consultations/measure"): {
        k: {r: expected_measure(k, r) for r in ROLES} for k in KINDS
    },
}

BODIES: dict[str, dict[str, Any]] = {
    "respond": {"action": "accept"},
    "request": {"question": "Onko vastaavia tapauksia muualla?", "urgency": "normal"},
}


@dataclass
class World:
    client: TestClient
    tokens: dict[tuple[str, str], str]
    cells: dict[tuple[str, str, str], str]  # (kind, role, route) → consultation id
    investigation_id: str


@pytest.fixture(scope="module")
def cw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("cx")), Database(url))
    orgs = template.orgs
    tokens: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str], str] = {}
    with unit_of_work(ctx.db) as session:
        for kind, org in KINDS.items():
            for role in ROLES:
                u = auth_actions.create_user(
                    session,
                    email=f"cx.{kind}.{role}@example.org",
                    name=f"Consultation matrix {role}",
                    organisation_id=orgs[org],
                    roles=[role],
                    password="Matriisi-salasana-1",
                )
                raw, _ = sessions.create_token(session, user=u, name="cx", days=2)
                tokens[kind, role] = raw
        owner = auth_actions.create_user(
            session,
            email="cx.owner@example.org",
            name="Tutkija",
            organisation_id=orgs["sisasuomi"],
            roles=["investigator"],
            password="Matriisi-salasana-1",
        ).id
        # Setup inserts rows directly: each cell needs its own consultation, waiting for
        # a response.
        investigation = Investigation(
            organisation_id=orgs["sisasuomi"],
            reference="MATRIX-CX-1",
            created_by=owner,
            offences=["RL-25-3"],
            summary_enc=b"",
            stage_on=date(2026, 11, 2),
        )
        session.add(investigation)
        session.flush()
        for kind, role, route in itertools.product(KINDS, ROLES, ROUTES):
            c = Consultation(
                investigation_id=investigation.id,
                requesting_organisation_id=orgs["sisasuomi"],
                team_organisation_id=orgs["national_team"],
                requested_by=owner,
                question_enc=ctx.cipher.encrypt("Kysymys.", "placeholder"),
                urgency="normal",
            )
            session.add(c)
            session.flush()
            c.question_enc = ctx.cipher.encrypt("Kysymys.", f"consultations:{c.id}:question")
            cells[kind, role, route.name] = c.id
        investigation_id = investigation.id
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(client, tokens, cells, investigation_id)
    ctx.db.dispose()
    backend.drop(url)


CASES = [
    pytest.param(kind, role, route, id=f"{route.name}-{kind}-{role}")
    for kind, role, route in itertools.product(KINDS, ROLES, ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "route"), CASES)
def test_consultation_route(cw: World, kind: str, role: str, route: Route) -> None:
    cid = cw.cells[kind, role, route.name]
    path = route.path.format(consultation_id=cid, investigation_id=cw.investigation_id)
    r = cw.client.request(
        route.method,
        path,
        headers={"Authorization": f"Bearer {cw.tokens[kind, role]}"},
        json=BODIES.get(route.name),
    )
    expected = route.expect(kind, role)
    assert r.status_code == expected, (r.status_code, r.text)
    body = r.json()
    if expected == 404:
        assert body == {"error": {"code": "not_found", "message": "Not found."}}
    elif route.name == "read":
        assert body["id"] == cid and body["question"] == "Kysymys."
        assert body["view"] == ("team" if kind == "team" else "requester")
        # What may follow and the clock are the team's.
        assert (body["allowed_responses"] == []) is (kind != "team")
    elif route.name == "respond" and expected == 201:
        assert body["status"] == "accepted"


@pytest.mark.parametrize(
    ("kind", "role"),
    [pytest.param(k, r, id=f"list-{k}-{r}") for k, r in itertools.product(KINDS, ROLES)],
)
def test_list_shows_exactly_the_readable(cw: World, kind: str, role: str) -> None:
    seen = every_item(cw.client, "/api/v1/consultations", cw.tokens[kind, role])
    cell = cw.cells[kind, role, "read"]
    assert (cell in seen) is readable(kind, role)
    if cell in seen:
        assert "question" not in seen[cell]  # a list shows no texts
        assert seen[cell]["view"] == ("team" if kind == "team" else "requester")


PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(cw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    r = cw.client.request(
        method, path, headers={"Authorization": f"Bearer {cw.tokens[kind, role]}"}
    )
    assert r.status_code == PLAIN_ROUTES[key][kind][role], (r.status_code, r.text)
    if path.endswith("/measure") and r.status_code == 200:
        body = r.json()
        assert set(body) == {"as_of", "rows", "total_investigations", "total_supported"}
        assert all(set(row) == {"year", "investigations", "supported"} for row in body["rows"])


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_unauthenticated_is_refused(cw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = cw.client.request(method, path.format(consultation_id="x", investigation_id="y"), json={})
    assert r.status_code == 401
