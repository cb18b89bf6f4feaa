"""The authorisation matrix of investigations: every role × the caller's relation to the
case (own unit, the creator, another police unit, assigned to the case team, shared on a
statutory or on a consent basis) × every route, for a caller in a police department, in
the national team and in an NGO; then the same through the pages (with the purpose page
and the consultation pages). Expectations are written out here, not imported."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.investigations.consultation_queries import question_context
from opennrm.investigations.models import Consultation, Investigation
from opennrm.investigations.queries import summary_context
from opennrm.policy.models import Assignment, Share
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
NOT_ADMIN = set(ROLES) - {"admin"}
KINDS = {"police": "helsinki", "national": "national_team", "ngo": "ngo", "municipality": "vantaa"}
POLICE_KINDS = {"police", "national"}
SITUATIONS = [
    "own",
    "own_created",
    "other_police",
    "assigned",
    "shared_statutory",
    "shared_consent",
]


def readers(situation: str, kind: str) -> set[str]:
    # Ownership reads the same in every kind of organisation; only the police can own an
    # investigation in the first place (see the create expectations below).
    if situation == "own":
        return CONTENT
    if situation == "own_created":
        return CONTENT | {"frontline"}
    if situation == "assigned":
        return NOT_ADMIN
    if situation == "shared_statutory":
        return CONTENT
    if situation == "shared_consent":
        # Police data reaches a partner outside the police only on a statutory share.
        return CONTENT if kind in POLICE_KINDS else set()
    return set()


def changers(situation: str, kind: str) -> set[str]:
    if situation in ("own", "own_created"):
        return CONTENT
    if situation == "assigned":
        return NOT_ADMIN
    return set()


def expected_read(situation: str, role: str, kind: str) -> int:
    return 200 if role in readers(situation, kind) else 404


def expected_change(situation: str, role: str, kind: str) -> int:
    if role in changers(situation, kind):
        return 201
    return 403 if role in readers(situation, kind) else 404


GHOST = "00000000-0000-4000-8000-000000000000"
"""An id no user or assignment has."""


def expected_assign(situation: str, role: str, kind: str, ok: int) -> int:
    """Only the owning unit's supervisor assigns. The matrix asks it to assign a user of
    another unit (422) and to end an assignment that does not exist (404): past the policy,
    the action's own checks answer."""
    if situation in ("own", "own_created") and role == "supervisor":
        return ok
    return 403 if role in readers(situation, kind) else 404


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Any


ROUTES = [
    Route("read", "GET", "/api/v1/investigations/{investigation_id}", expected_read),
    Route(
        "deconfliction",
        "GET",
        "/api/v1/investigations/{investigation_id}/deconfliction",
        expected_read,
    ),
    Route("matches", "GET", "/api/v1/investigations/{investigation_id}/matches", expected_read),
    Route("stage", "POST", "/api/v1/investigations/{investigation_id}/stages", expected_change),
    Route("note", "POST", "/api/v1/investigations/{investigation_id}/notes", expected_change),
    Route(
        "assign",
        "POST",
        "/api/v1/investigations/{investigation_id}/assignments",
        lambda s, r, k: expected_assign(s, r, k, ok=422),
    ),
    Route(
        "end_assignment",
        "POST",
        "/api/v1/investigations/{investigation_id}/assignments/{assignment_id}/end",
        lambda s, r, k: expected_assign(s, r, k, ok=404),
    ),
]

INVESTIGATORS = {"investigator", "supervisor"}


def expected_create(role: str, kind: str) -> int:
    return 201 if kind in POLICE_KINDS and role in INVESTIGATORS else 403


PLAIN_ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/investigations"): expected_create,
    ("GET", "/api/v1/investigations"): lambda role, kind: 200,
}

# The same acts through the pages (a session cookie and the form's CSRF token). Opening a
# case first asks for the purpose (200) — but only of whoever may read it: everyone else
# gets the same "not found" page as for an id that never existed. A done form answers 303;
# a refusal the caller may know of is the 403 page.


def expected_page_change(situation: str, role: str, kind: str) -> int:
    return {201: 303, 403: 403, 404: 404}[expected_change(situation, role, kind)]


def expected_page_purpose(situation: str, role: str, kind: str) -> int:
    return 303 if role in readers(situation, kind) else 404


def expected_page_consult(situation: str, role: str, kind: str) -> int:
    # Only the owning unit asks the national team; the team does not ask itself (the
    # page shows the refusal on the form, 422).
    if situation in ("own", "own_created") and role in CONTENT:
        return 422 if kind == "national" else 303
    return 403 if role in readers(situation, kind) else 404


PAGE_ROUTES = [
    Route("page_read", "GET", "/investigations/{investigation_id}", expected_read),
    Route(
        "page_purpose",
        "POST",
        "/investigations/{investigation_id}/purpose",
        expected_page_purpose,
    ),
    Route("page_stage", "POST", "/investigations/{investigation_id}/stages", expected_page_change),
    Route("page_note", "POST", "/investigations/{investigation_id}/notes", expected_page_change),
    Route(
        "page_consult",
        "POST",
        "/investigations/{investigation_id}/consultations",
        expected_page_consult,
    ),
]

WORKLOAD_VIEWERS = {"coordinator", "analyst"}


def expected_workload(role: str, kind: str) -> int:
    police = kind in POLICE_KINDS and role in INVESTIGATORS
    return 200 if police or role in WORKLOAD_VIEWERS else 403


def expected_new_page(role: str, kind: str) -> int:
    return 200 if expected_create(role, kind) == 201 else 403


PLAIN_PAGES: dict[tuple[str, str], Any] = {
    ("GET", "/investigations"): lambda role, kind: 200,
    ("GET", "/investigations/new"): expected_new_page,
    ("POST", "/investigations/new"): lambda role, kind: {201: 303, 403: 403}[
        expected_create(role, kind)
    ],
    ("GET", "/workload"): expected_workload,
    ("GET", "/consultations"): lambda role, kind: 200,
}

# Consultations through the pages: one asked of the caller's organisation as the team,
# one asked by the caller's unit of the national team, one between two other units. The
# team's investigators and supervisors respond; the asking unit's readers read it.
CONSULTATION_SITUATIONS = ["to_my_team", "asked_by_my_unit", "others"]


def consultation_side(situation: str, role: str, kind: str) -> str | None:
    if role == "admin":
        return None
    team_is_mine = situation == "to_my_team" or (
        situation == "asked_by_my_unit" and kind == "national"
    )
    if team_is_mine and role in INVESTIGATORS:
        return "team"
    if situation == "asked_by_my_unit" and role in CONTENT:
        return "requester"
    return None


def expected_consultation_read(situation: str, role: str, kind: str) -> int:
    return 200 if consultation_side(situation, role, kind) else 404


def expected_consultation_respond(situation: str, role: str, kind: str) -> int:
    side = consultation_side(situation, role, kind)
    return {"team": 303, "requester": 403, None: 404}[side]


CONSULTATION_PAGES = [
    Route(
        "consultation_read",
        "GET",
        "/consultations/{consultation_id}",
        expected_consultation_read,
    ),
    Route(
        "consultation_respond",
        "POST",
        "/consultations/{consultation_id}/responses",
        expected_consultation_respond,
    ),
]


@dataclass
class World:
    client: TestClient
    tokens: dict[tuple[str, str], str]
    cells: dict[tuple[str, str, str, str], str]
    # (kind, role) → (session cookie, CSRF token), for the pages
    web: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # (kind, role, situation, route) → consultation id
    consultations: dict[tuple[str, str, str, str], str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def iw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("ix")), Database(url))
    orgs = template.orgs
    tokens: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str, str], str] = {}
    web: dict[tuple[str, str], tuple[str, str]] = {}
    consultations: dict[tuple[str, str, str, str], str] = {}
    today = utcnow().date()
    with unit_of_work(ctx.db) as session:
        users: dict[tuple[str, str], str] = {}
        for kind, org in KINDS.items():
            for role in [*ROLES, "colleague"]:
                u = auth_actions.create_user(
                    session,
                    email=f"ix.{kind}.{role}@example.org",
                    name=f"Investigation matrix {role}",
                    organisation_id=orgs[org],
                    roles=["investigator" if role == "colleague" else role],
                    password="Matriisi-salasana-1",
                )
                raw, _ = sessions.create_token(session, user=u, name="ix", days=2)
                tokens[kind, role] = raw
                users[kind, role] = u.id
                cookie, ws = sessions.start_session(session, u, mfa_passed=True)
                web[kind, role] = (cookie, ws.csrf_token)
        stranger = auth_actions.create_user(
            session,
            email="ix.sisasuomi@example.org",
            name="Sisä-Suomen tutkija",
            organisation_id=orgs["sisasuomi"],
            roles=["investigator"],
            password="Matriisi-salasana-1",
        ).id
        n = 0
        for kind, org in KINDS.items():
            x = orgs[org]
            for role, situation, route in itertools.product(
                ROLES, SITUATIONS, [*ROUTES, *PAGE_ROUTES]
            ):
                owner = x if situation in ("own", "own_created") else orgs["sisasuomi"]
                creator = {
                    "own": users[kind, "colleague"],
                    "own_created": users[kind, role],
                }.get(situation, stranger)
                n += 1
                # Setup inserts rows directly: an NGO "owning" an investigation cannot be
                # reached through the actions, and the matrix needs every cell.
                inv = Investigation(
                    organisation_id=owner,
                    reference=f"IX-{n:05d}",
                    created_by=creator,
                    offences=["RL-25-3"],
                    summary_enc=b"",
                    stage="reported",
                    stage_on=today,
                )
                session.add(inv)
                session.flush()
                inv.summary_enc = ctx.cipher.encrypt("Matriisin tutkinta.", summary_context(inv.id))
                if situation == "assigned":
                    session.add(
                        Assignment(
                            record_type="investigation",
                            record_id=inv.id,
                            user_id=users[kind, role],
                            created_by=stranger,
                        )
                    )
                if situation.startswith("shared_"):
                    session.add(
                        Share(
                            record_type="investigation",
                            record_id=inv.id,
                            organisation_id=x,
                            basis=situation.removeprefix("shared_"),
                            scope="full",
                            expires_on=today + timedelta(days=30),
                            created_by=stranger,
                        )
                    )
                cells[kind, role, situation, route.name] = inv.id
            for role, situation, route in itertools.product(
                ROLES, CONSULTATION_SITUATIONS, CONSULTATION_PAGES
            ):
                requesting, team = {
                    "to_my_team": (orgs["sisasuomi"], x),
                    "asked_by_my_unit": (x, orgs["national_team"]),
                    "others": (orgs["sisasuomi"], orgs["itauusimaa"]),
                }[situation]
                n += 1
                inv = Investigation(
                    organisation_id=requesting,
                    reference=f"IX-{n:05d}",
                    created_by=stranger,
                    offences=["RL-25-3"],
                    summary_enc=b"",
                    stage="reported",
                    stage_on=today,
                )
                session.add(inv)
                session.flush()
                consultation = Consultation(
                    investigation_id=inv.id,
                    requesting_organisation_id=requesting,
                    team_organisation_id=team,
                    requested_by=stranger,
                    question_enc=b"",
                    urgency="normal",
                )
                session.add(consultation)
                session.flush()
                consultation.question_enc = ctx.cipher.encrypt(
                    "Matriisin kysymys.", question_context(consultation.id)
                )
                consultations[kind, role, situation, route.name] = consultation.id
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(client, tokens, cells, web, consultations)
    ctx.db.dispose()
    backend.drop(url)


def _call(iw: World, route: Route, kind: str, role: str, inv_id: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {iw.tokens[kind, role]}", "X-Purpose": "matrix check"}
    path = route.path.format(investigation_id=inv_id, assignment_id=GHOST)
    body: dict[str, Any] | None = {
        "stage": {"stage": "pre_trial", "on": utcnow().date().isoformat()},
        "note": {"kind": "fact", "text": "Matriisin muistiinpano."},
        "assign": {"user_id": GHOST},
    }.get(route.name)
    return iw.client.request(route.method, path, headers=headers, json=body)


CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CASES)
def test_investigation_route(iw: World, kind: str, role: str, situation: str, route: Route) -> None:
    inv_id = iw.cells[kind, role, situation, route.name]
    expected = route.expect(situation, role, kind)
    r = _call(iw, route, kind, role, inv_id)
    assert r.status_code == expected, (r.status_code, r.text)
    if expected == 404:
        assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}
    elif route.name == "read":
        assert r.json()["summary"] == "Matriisin tutkinta."


LIST_CASES = [
    pytest.param(kind, role, id=f"list-{kind}-{role}")
    for kind, role in itertools.product(KINDS, ROLES)
]


@pytest.mark.parametrize(("kind", "role"), LIST_CASES)
def test_list_shows_exactly_the_readable(iw: World, kind: str, role: str) -> None:
    seen = every_item(iw.client, "/api/v1/investigations", iw.tokens[kind, role])
    for situation in SITUATIONS:
        inv_id = iw.cells[kind, role, situation, "read"]
        assert (inv_id in seen) is (expected_read(situation, role, kind) == 200), situation


PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(iw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    body = None
    if method == "POST":
        body = {"offences": ["RL-25-3"], "summary": "Matriisin uusi tutkinta."}
    r = iw.client.request(
        method, path, headers={"Authorization": f"Bearer {iw.tokens[kind, role]}"}, json=body
    )
    assert r.status_code == PLAIN_ROUTES[key](role, kind), (r.status_code, r.text)


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_unauthenticated_is_refused(iw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = iw.client.request(method, path.format(investigation_id="x", assignment_id="y"), json={})
    assert r.status_code == 401


# --- the pages -------------------------------------------------------------------------------

_browsers: dict[tuple[str, str], TestClient] = {}


def _browser(iw: World, kind: str, role: str) -> TestClient:
    key = (kind, role)
    if key not in _browsers or _browsers[key].app is not iw.client.app:
        b = TestClient(iw.client.app, base_url="https://testserver", follow_redirects=False)
        b.cookies.set("__Host-opennrm_session", iw.web[key][0])
        _browsers[key] = b
    return _browsers[key]


def _page_call(iw: World, route: Route, kind: str, role: str, record_id: str):  # type: ignore[no-untyped-def]
    browser = _browser(iw, kind, role)
    path = route.path.format(investigation_id=record_id, consultation_id=record_id)
    if route.method == "GET":
        return browser.get(path)
    today = utcnow().date()
    form = {"csrf_token": iw.web[kind, role][1]} | {
        "page_purpose": {"purpose": "investigation"},
        "page_stage": {
            "stage": "pre_trial",
            "on-day": str(today.day),
            "on-month": str(today.month),
            "on-year": str(today.year),
        },
        "page_note": {"kind": "fact", "text": "Matriisin muistiinpano."},
        "page_consult": {"question": "Matriisin kysymys.", "urgency": "normal"},
        "consultation_respond": {"response": "accept"},
    }[route.name]
    return browser.post(path, data=form)


def _same_as_missing(iw: World, route: Route, kind: str, role: str, record_id: str, r) -> None:  # type: ignore[no-untyped-def]
    """A refusal the caller may not learn of is the page of an id that never existed."""
    ghost_id = str(uuid.UUID(int=0, version=4))
    ghost = _page_call(iw, route, kind, role, ghost_id)
    assert ghost.status_code == 404
    assert r.text.replace(record_id, "ID") == ghost.text.replace(ghost_id, "ID")


PAGE_CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, PAGE_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), PAGE_CASES)
def test_investigation_page(iw: World, kind: str, role: str, situation: str, route: Route) -> None:
    inv_id = iw.cells[kind, role, situation, route.name]
    expected = route.expect(situation, role, kind)
    r = _page_call(iw, route, kind, role, inv_id)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    assert "Matriisin tutkinta." not in r.text
    if expected == 404:
        _same_as_missing(iw, route, kind, role, inv_id, r)
    elif route.name == "page_read":
        assert "Why do you open this investigation?" in r.text or "tutkinnan?" in r.text
    elif route.name == "page_purpose":
        # The purpose is kept for the session: the case opens, read for it.
        assert r.headers["location"] == f"/investigations/{inv_id}"
        case = _browser(iw, kind, role).get(r.headers["location"])
        assert case.status_code == 200 and "Matriisin tutkinta." in case.text
    elif expected == 303:
        assert r.headers["location"].startswith(f"/investigations/{inv_id}?done=")


CONSULTATION_PAGE_CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(
        KINDS, ROLES, CONSULTATION_SITUATIONS, CONSULTATION_PAGES
    )
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CONSULTATION_PAGE_CASES)
def test_consultation_page(iw: World, kind: str, role: str, situation: str, route: Route) -> None:
    consultation_id = iw.consultations[kind, role, situation, route.name]
    expected = route.expect(situation, role, kind)
    r = _page_call(iw, route, kind, role, consultation_id)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    if expected == 404:
        _same_as_missing(iw, route, kind, role, consultation_id, r)
        assert "Matriisin kysymys." not in r.text
    elif route.name == "consultation_read":
        assert "Matriisin kysymys." in r.text
        team = consultation_side(situation, role, kind) == "team"
        assert (f'action="/consultations/{consultation_id}/responses"' in r.text) is team


PLAIN_PAGE_CASES = [
    pytest.param(kind, role, key, id=f"page {key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_PAGES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_PAGE_CASES)
def test_plain_page(iw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    browser = _browser(iw, kind, role)
    if method == "GET":
        r = browser.get(path)
    else:
        r = browser.post(
            path,
            data={
                "csrf_token": iw.web[kind, role][1],
                "action": "save",
                "offences": "RL-25-3",
                "summary": "Matriisin uusi tutkinta.",
            },
        )
    assert r.status_code == PLAIN_PAGES[key](role, kind), (r.status_code, r.text[:300])
    if path == "/investigations":
        # The list is filtered by the policy (test_list_shows_exactly_the_readable checks
        # the same query through the API); it never shows a summary.
        assert "Matriisin tutkinta." not in r.text
    elif path == "/workload" and r.status_code == 200:
        assert "<svg" in r.text or "There are no police organisations" in r.text


@pytest.mark.parametrize(
    "key",
    sorted({(r.method, r.path) for r in [*PAGE_ROUTES, *CONSULTATION_PAGES]} | set(PLAIN_PAGES)),
)
def test_pages_need_a_session(iw: World, key: tuple[str, str]) -> None:
    method, path = key
    anonymous = TestClient(iw.client.app, base_url="https://testserver", follow_redirects=False)
    some_id = str(uuid.uuid4())
    r = anonymous.request(
        method,
        path.format(investigation_id=some_id, consultation_id=some_id),
        data={"csrf_token": "guess"} if method == "POST" else None,
    )
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
