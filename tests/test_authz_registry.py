"""The authorisation matrix of the registry of investigators, capacity, the workload board
and the cross-border log: every role × the caller's organisation (a police department,
the national team, an NGO, a municipality) × the record's relation to it (its own, another
police department's, a case the caller was assigned to), with the expected status written
out independently of the policy code. Run on each database.

`tests/test_authz_matrix.py::test_every_route_is_in_the_matrix` reads `ROUTES` and
`PLAIN_ROUTES` from here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.investigations.models import CrossBorderRequest, DesignatedInvestigator, Investigation
from opennrm.policy.models import Assignment
from opennrm.uow import unit_of_work
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
CONTENT = {"caseworker", "investigator", "supervisor"}
POLICE_KINDS = {"police", "national_team"}

# The caller's organisation per kind; OTHER is a police department that is not the caller's.
KINDS = {
    "police": "helsinki",
    "national_team": "national_team",
    "ngo": "ngo",
    "municipality": "vantaa",
}
OTHER = "sisasuomi"


def expected_manage(kind: str, situation: str, role: str, ok: int) -> int:
    """Registry writes: a supervisor of a police organisation, on its own people only; a
    person or entry of another organisation is "not found"."""
    if kind not in POLICE_KINDS or role != "supervisor":
        return 403
    return ok if situation == "own" else 404


def reads_case(situation: str, role: str) -> bool:
    if role == "admin":
        return False
    if situation == "own":
        return role in CONTENT
    return situation == "assigned"


def expected_case(kind: str, situation: str, role: str, ok: int) -> int:
    """Cross-border log: the owning unit's readers, and whoever was assigned to the case
    team; everyone else hears "not found" (police data is never revealed to exist)."""
    return ok if reads_case(situation, role) else 404


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Callable[[str, str, str], int]


ROUTES = [
    Route(
        "designate",
        "POST",
        "/api/v1/investigators",
        lambda k, s, r: expected_manage(k, s, r, 201),
    ),
    Route(
        "end",
        "POST",
        "/api/v1/investigators/{entry_id}/end",
        lambda k, s, r: expected_manage(k, s, r, 200),
    ),
    Route(
        "cb_create",
        "POST",
        "/api/v1/investigations/{investigation_id}/cross-border",
        lambda k, s, r: expected_case(k, s, r, 201),
    ),
    Route(
        "cb_list",
        "GET",
        "/api/v1/investigations/{investigation_id}/cross-border",
        lambda k, s, r: expected_case(k, s, r, 200),
    ),
    Route(
        "cb_status",
        "POST",
        "/api/v1/cross-border/{request_id}/status",
        lambda k, s, r: expected_case(k, s, r, 200),
    ),
]
REGISTRY_ROUTES = {"designate", "end"}


def situations(kind: str, route: Route) -> list[str]:
    if route.name in REGISTRY_ROUTES:
        return ["own", "other_police"]
    # Only the police own investigations, and only the police join a case team.
    return ["own", "other_police", "assigned"] if kind in POLICE_KINDS else ["other_police"]


def _police_officer(kind: str, role: str) -> bool:
    return kind in POLICE_KINDS and role in {"investigator", "supervisor"}


PLAIN_ROUTES: dict[tuple[str, str], Callable[[str, str], int]] = {
    # Names of officers in their function: the police and the coordinators.
    ("GET", "/api/v1/investigators"): lambda k, r: (
        200 if _police_officer(k, r) or r == "coordinator" else 403
    ),
    ("PUT", "/api/v1/capacity"): lambda k, r: (
        200 if k in POLICE_KINDS and r == "supervisor" else 403
    ),
    # Counts only: the police, coordinators and analysts.
    ("GET", "/api/v1/workload"): lambda k, r: (
        200 if _police_officer(k, r) or r in {"coordinator", "analyst"} else 403
    ),
}
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}


@dataclass
class Cell:
    ids: dict[str, str]
    body: dict[str, Any] | None


@dataclass
class World:
    client: TestClient
    orgs: dict[str, str]
    tokens: dict[tuple[str, str], str]
    cells: dict[tuple[str, str, str, str], Cell]


@pytest.fixture(scope="module")
def xw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("xw")), Database(url))
    orgs = template.orgs
    other_creator = template.people["sisasuomi_investigator"].user_id
    password = "Matriisi-salasana-2"
    hashed = passwords.hash_password(password)
    today = ctx.referral_config.local_day(utcnow())
    tokens: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str, str], Cell] = {}
    n = itertools.count()

    with unit_of_work(ctx.db) as session:

        def user(org: str, role: str) -> str:
            u = auth_actions.create_user(
                session,
                email=f"xw.{next(n)}@example.org",
                name=f"Matriisi {role}",
                organisation_id=orgs[org],
                roles=[role],
                password=password,
                password_hash=hashed,
            )
            return u.id

        callers: dict[tuple[str, str], str] = {}
        for kind, org in KINDS.items():
            for role in ROLES:
                u = auth_actions.create_user(
                    session,
                    email=f"xw.{kind}.{role}@example.org",
                    name=f"Matriisi {kind} {role}",
                    organisation_id=orgs[org],
                    roles=[role],
                    password=password,
                    password_hash=hashed,
                )
                tokens[kind, role], _ = sessions.create_token(session, user=u, name="xw", days=2)
                callers[kind, role] = u.id
            callers[kind, "colleague"] = user(org, "investigator")

        # Setup inserts rows directly: situations such as an NGO's "own" registry entry
        # cannot be reached through the actions, and the matrix needs them all.
        def investigation(owner: str, creator: str) -> str:
            inv = Investigation(
                organisation_id=owner,
                reference=f"MATRIX-{next(n)}",
                created_by=creator,
                offences=["RL-25-3"],
                summary_enc=b"",
                stage="reported",
                stage_on=today,
            )
            session.add(inv)
            session.flush()
            return inv.id

        for kind, org in KINDS.items():
            function = "national_team" if kind == "national_team" else "designated"
            for role, route in itertools.product(ROLES, ROUTES):
                for situation in situations(kind, route):
                    owner_key = org if situation == "own" else OTHER
                    owner = orgs[owner_key]
                    ids: dict[str, str] = {}
                    body: dict[str, Any] | None = None
                    if route.name == "designate":
                        target = user(owner_key, "investigator")
                        body = {"user_id": target, "function": function, "since": str(today)}
                    elif route.name == "end":
                        entry = DesignatedInvestigator(
                            organisation_id=owner,
                            user_id=user(owner_key, "investigator"),
                            function=function,
                            since=today - timedelta(days=30),
                            created_by=other_creator,
                        )
                        session.add(entry)
                        session.flush()
                        ids["entry_id"] = entry.id
                        body = {"until": str(today + timedelta(days=30))}
                    else:
                        creator = (
                            callers[kind, "colleague"] if situation == "own" else other_creator
                        )
                        inv = investigation(owner, creator)
                        ids["investigation_id"] = inv
                        if situation == "assigned":
                            session.add(
                                Assignment(
                                    record_type="investigation",
                                    record_id=inv,
                                    user_id=callers[kind, role],
                                    created_by=other_creator,
                                )
                            )
                        if route.name == "cb_create":
                            body = {
                                "countries": ["EE"],
                                "channel": "europol",
                                "requested_on": str(today - timedelta(days=1)),
                            }
                        elif route.name == "cb_status":
                            request = CrossBorderRequest(
                                investigation_id=inv,
                                countries=["SE"],
                                channel="interpol",
                                requested_on=today - timedelta(days=5),
                                created_by=creator,
                            )
                            session.add(request)
                            session.flush()
                            ids["request_id"] = request.id
                            body = {"status": "answered", "answered_on": str(today)}
                    cells[kind, role, situation, route.name] = Cell(ids, body)

    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(client, orgs, tokens, cells)
    ctx.db.dispose()
    backend.drop(url)


CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, route in itertools.product(KINDS, ROLES, ROUTES)
    for situation in situations(kind, route)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CASES)
def test_record_route(xw: World, kind: str, role: str, situation: str, route: Route) -> None:
    cell = xw.cells[kind, role, situation, route.name]
    headers = {"Authorization": f"Bearer {xw.tokens[kind, role]}"}
    if route.name == "cb_list":
        headers["X-Purpose"] = "authorisation matrix"
    r = xw.client.request(
        route.method, route.path.format(**cell.ids), headers=headers, json=cell.body
    )
    expected = route.expect(kind, situation, role)
    assert r.status_code == expected, (r.status_code, r.text)
    if expected == 404:
        assert r.json() == NOT_FOUND


PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(xw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    body = {"person_years": 4.5} if method == "PUT" else None
    r = xw.client.request(
        method, path, headers={"Authorization": f"Bearer {xw.tokens[kind, role]}"}, json=body
    )
    expected = PLAIN_ROUTES[key](kind, role)
    assert r.status_code == expected, (r.status_code, r.text)
    if r.status_code != 200:
        return
    if path == "/api/v1/workload":
        police = {
            xw.orgs[k] for k in ("helsinki", "sisasuomi", "itauusimaa", "lappi", "national_team")
        }
        national = kind == "national_team" or role in {"coordinator", "analyst"}
        rows = r.json()["rows"]
        assert {row["organisation_id"] for row in rows} == (
            police if national else {xw.orgs[KINDS[kind]]}
        )
        assert "MATRIX-" not in r.text and "Matriisi" not in r.text
    elif path == "/api/v1/investigators":
        for org in r.json()["organisations"]:
            for entry in org["entries"]:
                assert set(entry) == {
                    "id",
                    "organisation_id",
                    "user_id",
                    "name",
                    "function",
                    "since",
                    "until",
                }
    else:
        assert r.json()["organisation_id"] == xw.orgs[KINDS[kind]]


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_unauthenticated_is_refused(xw: World, key: tuple[str, str]) -> None:
    method, path = key
    path = path.format(entry_id="e", investigation_id="i", request_id="r")
    r = xw.client.request(method, path, json={})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
