"""The authorisation matrix: every API route × every role × every ownership/share
situation, with the expected outcome written out as a table, run on each database.

The expectations below are deliberately spelled out with literal role names rather than
imported from the policy module, so that a change to the policy has to be matched by a
change here. `test_every_route_is_in_the_matrix` fails when a route is added without an
entry.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.policy.models import BreakGlass, Share
from opennrm.signals.models import Signal
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
NONE: set[str] = set()
ALL = set(ROLES)

# The acting organisation X per kind; Y owns the "other" records; Z is a police unit
# other than X; W receives the shares made during the test.
KINDS = {
    "ngo": {"X": "ngo", "Y": "vantaa", "Z": "helsinki", "W": "assistance"},
    "police": {"X": "helsinki", "Y": "vantaa", "Z": "sisasuomi", "W": "assistance"},
}

SITUATIONS = [
    "own_created",
    "own",
    "other",
    "shared",
    "shared_summary",
    "expired",
    "revoked",
    "break_glass",
    "break_glass_expired",
    "other_police",
]
READABLE_BY = {
    "own_created": CONTENT | {"frontline"},
    "own": CONTENT,
    "other": NONE,
    "shared": CONTENT,
    "shared_summary": CONTENT,
    "expired": NONE,
    "revoked": NONE,
    "break_glass": CONTENT,
    "break_glass_expired": NONE,
    "other_police": NONE,
}
OWNED_BY_X = {"own_created", "own"}


def expected_read(situation: str, role: str, kind: str) -> int:
    return 200 if role in READABLE_BY[situation] else 404


def expected_change(situation: str, role: str, kind: str, ok: int = 200) -> int:
    """Update, list/make/revoke shares: the owning organisation's readers only."""
    if situation in OWNED_BY_X and role in READABLE_BY[situation]:
        return ok
    return 403 if role in READABLE_BY[situation] else 404


def expected_break_glass(situation: str, role: str, kind: str) -> int:
    if role not in CONTENT:
        return 403 if role in READABLE_BY[situation] else 404
    if situation in {"own_created", "own", "shared", "shared_summary"}:
        return 403  # can already read it: no emergency access needed
    if situation == "other_police" and kind == "ngo":
        return 404  # police information never reaches an NGO by emergency access
    return 201


def expected_audit(situation: str, role: str, kind: str) -> int:
    if situation in OWNED_BY_X and role in {"supervisor", "dpo"}:
        return 200
    return 403 if role in READABLE_BY[situation] else 404


@dataclass(frozen=True)
class RecordRoute:
    name: str
    method: str
    path: str
    expect: Any
    ok: int = 200


RECORD_ROUTES = [
    RecordRoute("read", "GET", "/api/v1/signals/{signal_id}", expected_read),
    RecordRoute("update", "PATCH", "/api/v1/signals/{signal_id}", expected_change),
    RecordRoute("list_shares", "GET", "/api/v1/signals/{signal_id}/shares", expected_change),
    RecordRoute(
        "share",
        "POST",
        "/api/v1/signals/{signal_id}/shares",
        lambda s, r, k: expected_change(s, r, k, ok=201),
    ),
    RecordRoute(
        "revoke", "DELETE", "/api/v1/signals/{signal_id}/shares/{share_id}", expected_change
    ),
    RecordRoute(
        "break_glass", "POST", "/api/v1/signals/{signal_id}/break-glass", expected_break_glass
    ),
    RecordRoute("audit", "GET", "/api/v1/audit", expected_audit),
    RecordRoute("matches", "GET", "/api/v1/signals/{signal_id}/matches", expected_read),
    RecordRoute("timeline", "GET", "/api/v1/signals/{signal_id}/timeline", expected_read),
    RecordRoute("screenings", "GET", "/api/v1/signals/{signal_id}/screenings", expected_read),
    RecordRoute(
        "screen",
        "POST",
        "/api/v1/signals/{signal_id}/screenings",
        lambda s, r, k: expected_change(s, r, k, ok=201),
    ),
    RecordRoute(
        "refer",
        "POST",
        "/api/v1/signals/{signal_id}/referrals",
        lambda s, r, k: expected_change(s, r, k, ok=201),
    ),
    RecordRoute(
        "note",
        "POST",
        "/api/v1/signals/{signal_id}/notes",
        lambda s, r, k: expected_change(s, r, k, ok=201),
    ),
]
MUTATING = {"update", "share", "revoke", "break_glass", "refer", "note", "screen"}

# Routes without a record: role → expected status (same for both kinds).
PLAIN_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/v1/signals"): {r: 201 if r in CONTENT | {"frontline"} else 403 for r in ROLES},
    ("GET", "/api/v1/signals"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/me"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/screening/catalogue"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/organisations"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/tokens"): dict.fromkeys(ROLES, 200),
    ("POST", "/api/v1/tokens"): dict.fromkeys(ROLES, 201),
    ("DELETE", "/api/v1/tokens/{token_id}"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/notifications"): dict.fromkeys(ROLES, 200),
    ("POST", "/api/v1/notifications/read"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/admin/users"): {r: 200 if r == "admin" else 403 for r in ROLES},
    ("POST", "/api/v1/admin/users"): {r: 201 if r == "admin" else 403 for r in ROLES},
    ("PATCH", "/api/v1/admin/users/{user_id}"): {r: 200 if r == "admin" else 403 for r in ROLES},
}
OPEN_ROUTES = {("GET", "/health"), ("GET", "/api/v1/openapi.json"), ("POST", "/api/v1/auth/token")}


# --- the world of the matrix ---------------------------------------------------------------


@dataclass
class Cell:
    signal_id: str
    share_id: str


@dataclass
class MatrixWorld:
    client: TestClient
    tokens: dict[tuple[str, str], str]  # (kind, role) → token
    user_ids: dict[tuple[str, str], str]
    cells: dict[tuple[str, str, str, str], Cell]  # (kind, role, situation, route group)
    orgs: dict[str, str]
    other_user: dict[str, str]  # kind → a user id in X to manage
    foreign_user: str  # a user of another organisation
    web: dict[tuple[str, str], tuple[str, str]]  # (kind, role) → (session cookie, csrf)


def _signal(session, ctx: AppContext, owner: str, creator: str) -> Signal:  # type: ignore[no-untyped-def]
    # Setup inserts rows directly: situations such as "an analyst created it" cannot be
    # reached through the actions, and the matrix needs them all.
    s = Signal(
        organisation_id=owner,
        created_by=creator,
        exploitation_types=["labour"],
        summary_enc=b"",
        occurred_on="2026-09",
        municipality="Vantaa",
        indicators=[],
    )
    session.add(s)
    session.flush()
    from opennrm.signals.actions import summary_context

    s.summary_enc = ctx.cipher.encrypt("Matrix signal.", summary_context(s.id))
    return s


@pytest.fixture(scope="module")
def mw(backend, template, tmp_path_factory) -> Iterator[MatrixWorld]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("mx")), Database(url))
    orgs = template.orgs
    tokens: dict[tuple[str, str], str] = {}
    user_ids: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str, str], Cell] = {}
    other_user: dict[str, str] = {}
    web: dict[tuple[str, str], tuple[str, str]] = {}
    now = utcnow()
    today = now.date()
    with unit_of_work(ctx.db) as session:
        creators: dict[str, str] = {}
        for kind, o in KINDS.items():
            for role in ROLES:
                u = auth_actions.create_user(
                    session,
                    email=f"mx.{kind}.{role}@example.org",
                    name=f"Matrix {role}",
                    organisation_id=orgs[o["X"]],
                    roles=[role],
                    password="Matriisi-salasana-1",
                )
                raw, _ = sessions.create_token(session, user=u, name="mx", days=2)
                tokens[kind, role] = raw
                user_ids[kind, role] = u.id
                cookie, ws = sessions.start_session(session, u, mfa_passed=True)
                web[kind, role] = (cookie, ws.csrf_token)
            colleague = auth_actions.create_user(
                session,
                email=f"mx.{kind}.colleague@example.org",
                name="Kollega",
                organisation_id=orgs[o["X"]],
                roles=["caseworker"],
                password="Matriisi-salasana-1",
            )
            creators[kind] = colleague.id
            other_user[kind] = colleague.id
        foreign = auth_actions.create_user(
            session,
            email="mx.foreign@example.org",
            name="Vieras",
            organisation_id=orgs["ministry"],
            roles=["analyst"],
            password="Matriisi-salasana-1",
        )
        for kind, o in KINDS.items():
            x, y, z, w = (orgs[o[k]] for k in "XYZW")
            for role in ROLES:
                actor_id = user_ids[kind, role]
                for situation in SITUATIONS:
                    for group in ["read", *sorted(MUTATING), *sorted(PAGE_ONLY_GROUPS)]:
                        owner = {"own_created": x, "own": x, "other_police": z}.get(situation, y)
                        creator = actor_id if situation == "own_created" else creators[kind]
                        if owner != x:
                            creator = foreign.id
                        s = _signal(session, ctx, owner, creator)
                        if situation in {"shared", "shared_summary", "expired", "revoked"}:
                            session.add(
                                Share(
                                    record_type="signal",
                                    record_id=s.id,
                                    organisation_id=x,
                                    basis="statutory",
                                    scope="summary" if situation == "shared_summary" else "full",
                                    expires_on=today - timedelta(days=1)
                                    if situation == "expired"
                                    else today + timedelta(days=30),
                                    created_by=creator,
                                    revoked_at=now if situation == "revoked" else None,
                                )
                            )
                        if situation in {"break_glass", "break_glass_expired"}:
                            session.add(
                                BreakGlass(
                                    record_type="signal",
                                    record_id=s.id,
                                    user_id=actor_id,
                                    organisation_id=x,
                                    justification="Matrix emergency access.",
                                    expires_at=now + timedelta(hours=2)
                                    if situation == "break_glass"
                                    else now - timedelta(minutes=1),
                                )
                            )
                        target = Share(
                            record_type="signal",
                            record_id=s.id,
                            organisation_id=w,
                            basis="statutory",
                            scope="full",
                            expires_on=today + timedelta(days=30),
                            created_by=creator,
                        )
                        session.add(target)
                        session.flush()
                        cells[kind, role, situation, group] = Cell(s.id, target.id)
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield MatrixWorld(client, tokens, user_ids, cells, orgs, other_user, foreign.id, web)
    ctx.db.dispose()
    backend.drop(url)


def _call(mw: MatrixWorld, route: RecordRoute, kind: str, role: str, cell: Cell):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {mw.tokens[kind, role]}"}
    path = route.path.format(signal_id=cell.signal_id, share_id=cell.share_id)
    w = mw.orgs[KINDS[kind]["W"]]
    if route.name == "update":
        return mw.client.patch(path, headers=headers, json={"summary": "Changed in the matrix."})
    if route.name == "share":
        return mw.client.post(
            path,
            headers=headers,
            json={
                "organisation_id": w,
                "basis": "statutory",
                "scope": "full",
                "expires_on": (utcnow().date() + timedelta(days=10)).isoformat(),
            },
        )
    if route.name == "break_glass":
        return mw.client.post(
            path,
            headers=headers,
            json={
                "justification": "A victim may be in danger tonight; need the phone numbers.",
                "hours": 2,
            },
        )
    if route.name == "audit":
        return mw.client.get(path, headers=headers, params={"record_id": cell.signal_id})
    if route.name == "refer":
        # The matrix signals happen in Vantaa: the police referral goes to Itä-Uusimaa.
        return mw.client.post(path, headers=headers, json={"target": "police", "consent": True})
    if route.name == "screen":
        return mw.client.post(
            path, headers=headers, json={"profile": "adult_labour", "indicators": []}
        )
    if route.name == "note":
        return mw.client.post(
            path, headers=headers, json={"kind": "fact", "text": "Matriisin muistiinpano."}
        )
    return mw.client.request(route.method, path, headers=headers)


RECORD_CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, RECORD_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), RECORD_CASES)
def test_record_route(
    mw: MatrixWorld, kind: str, role: str, situation: str, route: RecordRoute
) -> None:
    group = route.name if route.name in MUTATING else "read"
    cell = mw.cells[kind, role, situation, group]
    expected = route.expect(situation, role, kind)
    r = _call(mw, route, kind, role, cell)
    assert r.status_code == expected, (r.status_code, r.text)
    body = r.json()
    if expected == 404:
        # Indistinguishable from an id that does not exist.
        assert body == {"error": {"code": "not_found", "message": "Not found."}}
    elif route.name == "read":
        assert body["id"] == cell.signal_id
        assert body["redacted"] is (situation == "shared_summary")
        assert body["summary"] in ("Matrix signal.", "Changed in the matrix.")
    elif route.name == "matches":
        assert body == []  # the matrix signals hold no identifiers
    elif route.name == "audit" and expected == 200:
        assert all(e["record_id"] == cell.signal_id for e in body)
    elif route.name == "timeline":
        assert body[0]["kind"] == "signal" and body[0]["record_id"] == cell.signal_id
    elif route.name == "refer" and expected == 201:
        assert body["target_organisation_id"] == mw.orgs["itauusimaa"]


LIST_CASES = [
    pytest.param(kind, role, id=f"list-{kind}-{role}")
    for kind, role in itertools.product(KINDS, ROLES)
]


@pytest.mark.parametrize(("kind", "role"), LIST_CASES)
def test_list_shows_exactly_the_readable(mw: MatrixWorld, kind: str, role: str) -> None:
    seen = every_item(mw.client, "/api/v1/signals", mw.tokens[kind, role])
    for situation in SITUATIONS:
        cell = mw.cells[kind, role, situation, "read"]
        readable = expected_read(situation, role, kind) == 200
        assert (cell.signal_id in seen) is readable, situation


PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(mw: MatrixWorld, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    headers = {"Authorization": f"Bearer {mw.tokens[kind, role]}"}
    expected = PLAIN_ROUTES[key][role]
    json: Any = None
    if path == "/api/v1/signals" and method == "POST":
        json = {"exploitation_types": ["sexual"], "summary": "Seen at a massage parlour."}
    elif path == "/api/v1/tokens" and method == "POST":
        json = {"name": "matrix", "days": 1}
    elif path == "/api/v1/notifications/read":
        json = {}
    elif path == "/api/v1/tokens/{token_id}":
        made = mw.client.post("/api/v1/tokens", headers=headers, json={"days": 1}).json()
        path = path.format(token_id=made["id"])
    elif path == "/api/v1/admin/users" and method == "POST":
        json = {
            "email": f"new.{kind}.{role}@example.org",
            "name": "Uusi Käyttäjä",
            "roles": ["frontline"],
            "password": "Uusi-salasana-2026",
        }
    elif path == "/api/v1/admin/users/{user_id}":
        path = path.format(user_id=mw.other_user[kind])
        json = {"roles": ["caseworker"]}
    r = mw.client.request(method, path, headers=headers, json=json)
    assert r.status_code == expected, (r.status_code, r.text)
    if expected >= 400:
        assert set(r.json()["error"]) >= {"code", "message"}


def test_admin_cannot_touch_another_organisations_user(mw: MatrixWorld) -> None:
    headers = {"Authorization": f"Bearer {mw.tokens['ngo', 'admin']}"}
    r = mw.client.patch(
        f"/api/v1/admin/users/{mw.foreign_user}", headers=headers, json={"is_active": False}
    )
    assert r.status_code == 404


def test_a_token_of_another_user_cannot_be_revoked(mw: MatrixWorld) -> None:
    owner = {"Authorization": f"Bearer {mw.tokens['ngo', 'caseworker']}"}
    other = {"Authorization": f"Bearer {mw.tokens['police', 'caseworker']}"}
    made = mw.client.post("/api/v1/tokens", headers=owner, json={"days": 1}).json()
    r = mw.client.delete(f"/api/v1/tokens/{made['id']}", headers=other)
    assert r.status_code == 404
    assert (
        mw.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {made['token']}"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "key", sorted({(r.method, r.path) for r in RECORD_ROUTES} | set(PLAIN_ROUTES))
)
def test_unauthenticated_is_refused(mw: MatrixWorld, key: tuple[str, str]) -> None:
    method, path = key
    path = path.format(signal_id="x", share_id="y", token_id="z", user_id="u")
    r = mw.client.request(method, path, json={})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def _api_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every API operation, read from the OpenAPI document (which FastAPI builds from the
    route table), plus the document itself."""
    out = {("GET", "/api/v1/openapi.json")}
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            out.add((method.upper(), path))
    return out


def test_every_route_is_in_the_matrix(mw: MatrixWorld) -> None:
    from tests import test_authz_actionplan as actionplan
    from tests import test_authz_consultations as consultations
    from tests import test_authz_investigations as investigations
    from tests import test_authz_linkage as linkage
    from tests import test_authz_referrals as referrals
    from tests import test_authz_registry as registry
    from tests import test_authz_statistics as statistics
    from tests import test_network as network

    covered = (
        {(r.method, r.path) for r in RECORD_ROUTES}
        | set(PLAIN_ROUTES)
        | OPEN_ROUTES
        | {(r.method, r.path) for r in referrals.ROUTES}
        | set(referrals.PLAIN_ROUTES)
        | {(r.method, r.path) for r in investigations.ROUTES}
        | set(investigations.PLAIN_ROUTES)
        | {(r.method, r.path) for r in registry.ROUTES}
        | set(registry.PLAIN_ROUTES)
        | {(r.method, r.path) for r in consultations.ROUTES}
        | set(consultations.PLAIN_ROUTES)
        | {(r.method, r.path) for r in linkage.ROUTES}
        | set(linkage.PLAIN_ROUTES)
        | network.ROUTES_COVERED
        | set(statistics.PLAIN_ROUTES)
        | {(r.method, r.path) for r in actionplan.ROUTES}
        | set(actionplan.PLAIN_ROUTES)
    )
    routes = _api_routes(mw.client.app)
    missing = routes - covered
    assert not missing, f"routes without a matrix entry: {sorted(missing)}"
    assert not (covered - routes), f"stale matrix entries: {sorted(covered - routes)}"


# --- the pages -------------------------------------------------------------------------------
#
# The same situations through the web pages, signed in with a session cookie and a CSRF
# token. A refusal the caller may not know about is the HTML "not found" page with 404.


def _web_break_glass(situation: str, role: str, kind: str) -> int:
    # The page sends whoever may already read the record straight to it (303), like a
    # granted access; a refusal it may not reveal is the same 404 as anywhere.
    return {201: 303, 403: 303, 404: 404}[expected_break_glass(situation, role, kind)]


@dataclass(frozen=True)
class PageRoute:
    name: str
    method: str
    path: str
    expect: Any


PAGE_ROUTES = [
    PageRoute("read", "GET", "/signals/{signal_id}", expected_read),
    PageRoute("audit", "GET", "/signals/{signal_id}/audit", expected_audit),
    PageRoute(
        "share",
        "POST",
        "/signals/{signal_id}/shares",
        lambda s, r, k: expected_change(s, r, k, ok=303),
    ),
    PageRoute(
        "revoke_page", "GET", "/signals/{signal_id}/shares/{share_id}/revoke", expected_change
    ),
    PageRoute(
        "revoke",
        "POST",
        "/signals/{signal_id}/shares/{share_id}/revoke",
        lambda s, r, k: expected_change(s, r, k, ok=303),
    ),
    PageRoute(
        "break_glass_page",
        "GET",
        "/signals/{signal_id}/break-glass",
        lambda s, r, k: 200 if r in CONTENT else 404,
    ),
    PageRoute("break_glass", "POST", "/signals/{signal_id}/break-glass", _web_break_glass),
    PageRoute("timeline", "GET", "/signals/{signal_id}/timeline", expected_read),
    PageRoute("referrals", "GET", "/signals/{signal_id}/referrals", expected_change),
    PageRoute(
        "refer",
        "POST",
        "/signals/{signal_id}/referrals",
        lambda s, r, k: expected_change(s, r, k, ok=303),
    ),
    PageRoute("screen_page", "GET", "/signals/{signal_id}/screen", expected_change),
    PageRoute(
        "screen",
        "POST",
        "/signals/{signal_id}/screen",
        lambda s, r, k: expected_change(s, r, k, ok=303),
    ),
    PageRoute("screenings", "GET", "/signals/{signal_id}/screenings", expected_read),
]
PAGE_GROUP = {
    "share": "share",
    "revoke": "revoke",
    "break_glass": "break_glass",
    "refer": "web_refer",
    "screen": "web_refer",
}
# Signals only the pages act on: the API's "refer" cells already hold an open referral,
# and a second one to the same receiver is refused.
PAGE_ONLY_GROUPS = {"web_refer"}

# Pages without a record: role → expected status.
RECORDERS = CONTENT | {"frontline"}
PLAIN_PAGES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): dict.fromkeys(ROLES, 303),
    ("GET", "/signals"): dict.fromkeys(ROLES, 200),
    ("GET", "/signals/shared"): dict.fromkeys(ROLES, 200),
    ("GET", "/signals/new"): {r: 200 if r in RECORDERS else 403 for r in ROLES},
    ("POST", "/signals/new"): {r: 303 if r in RECORDERS else 403 for r in ROLES},
    ("GET", "/account"): dict.fromkeys(ROLES, 200),
    ("GET", "/notifications"): dict.fromkeys(ROLES, 200),
    ("POST", "/notifications/read"): dict.fromkeys(ROLES, 303),
    ("POST", "/account/tokens"): dict.fromkeys(ROLES, 200),
    ("POST", "/language"): dict.fromkeys(ROLES, 303),
    ("GET", "/mfa/setup"): dict.fromkeys(ROLES, 200),
}
# Sign-in, sign-out, MFA confirmation and token revocation change the session or need a
# secret; tests/browser/test_pages_security.py and test_pages_flow.py cover them.
PAGES_TESTED_ELSEWHERE = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/mfa/setup"),
    ("POST", "/account/tokens/{token_id}/revoke"),
}

_clients: dict[tuple[str, str], TestClient] = {}


def _browser(mw: MatrixWorld, kind: str, role: str) -> TestClient:
    key = (kind, role)
    if key not in _clients or _clients[key].app is not mw.client.app:
        c = TestClient(mw.client.app, base_url="https://testserver", follow_redirects=False)
        c.cookies.set("__Host-opennrm_session", mw.web[key][0])
        _clients[key] = c
    return _clients[key]


def _page_call(mw: MatrixWorld, route: PageRoute, kind: str, role: str, cell: Cell):  # type: ignore[no-untyped-def]
    browser = _browser(mw, kind, role)
    path = route.path.format(signal_id=cell.signal_id, share_id=cell.share_id)
    if route.method == "GET":
        return browser.get(path)
    csrf = mw.web[kind, role][1]
    expires = utcnow().date() + timedelta(days=20)
    form = {"csrf_token": csrf}
    if route.name == "share":
        form |= {
            "organisation_id": mw.orgs[KINDS[kind]["W"]],
            "basis": "statutory",
            "scope": "full",
            "expires_on-day": str(expires.day),
            "expires_on-month": str(expires.month),
            "expires_on-year": str(expires.year),
        }
    elif route.name == "break_glass":
        form |= {
            "justification": "Uhri voi olla vaarassa tänä yönä; tarvitsen numerot.",
            "hours": "2",
        }
    elif route.name == "refer":
        # The matrix signals happen in Vantaa: the police referral goes to Itä-Uusimaa.
        form |= {"target": "police", "consent": "yes"}
    elif route.name == "screen":
        form |= {"profile": "adult_labour", "indicators": "AL-DR-1"}
    return browser.post(path, data=form)


PAGE_CASES = [
    pytest.param(kind, role, situation, route, id=f"page-{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, PAGE_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), PAGE_CASES)
def test_page_route(
    mw: MatrixWorld, kind: str, role: str, situation: str, route: PageRoute
) -> None:
    group = PAGE_GROUP.get(route.name, "read")
    cell = mw.cells[kind, role, situation, group]
    expected = route.expect(situation, role, kind)
    r = _page_call(mw, route, kind, role, cell)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    if expected == 404:
        # The same page as for an id that never existed (the page names its own address,
        # so the ids are put aside before comparing).
        ghost_id = str(uuid.UUID(int=0, version=4))
        ghost = _page_call(mw, route, kind, role, Cell(ghost_id, cell.share_id))
        assert ghost.status_code == 404
        assert r.text.replace(cell.signal_id, "ID") == ghost.text.replace(ghost_id, "ID")
        assert "Matrix signal." not in r.text
    elif route.name == "read":
        assert "Matrix signal." in r.text or "Changed in the matrix." in r.text
    elif route.name == "refer" and expected == 303:
        assert r.headers["location"].startswith("/referrals/")


PLAIN_PAGE_CASES = [
    pytest.param(kind, role, key, id=f"page {key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_PAGES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_PAGE_CASES)
def test_plain_page(mw: MatrixWorld, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    browser = _browser(mw, kind, role)
    csrf = mw.web[kind, role][1]
    if method == "GET":
        r = browser.get(path)
    elif path == "/signals/new":
        r = browser.post(
            path,
            data={
                "csrf_token": csrf,
                "action": "save",
                "exploitation_types": "labour",
                "summary": "Nail salon worker sleeps in the back room and is never paid.",
            },
        )
    elif path == "/account/tokens":
        r = browser.post(path, data={"csrf_token": csrf, "name": "matrix", "days": "1"})
    elif path == "/language":
        r = browser.post(path, data={"csrf_token": csrf, "locale": "en", "next": "/signals"})
    elif path == "/notifications/read":
        r = browser.post(path, data={"csrf_token": csrf})
    assert r.status_code == PLAIN_PAGES[key][role], (r.status_code, r.text[:300])


@pytest.mark.parametrize(
    "key", sorted({(r.method, r.path) for r in PAGE_ROUTES} | set(PLAIN_PAGES) - {("GET", "/")})
)
def test_pages_need_a_session(mw: MatrixWorld, key: tuple[str, str]) -> None:
    method, path = key
    anonymous = TestClient(mw.client.app, base_url="https://testserver", follow_redirects=False)
    r = anonymous.request(
        method,
        path.format(signal_id=str(uuid.uuid4()), share_id="x"),
        data={"csrf_token": "guess"} if method == "POST" else None,
    )
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")


def test_a_post_without_the_csrf_token_changes_nothing(mw: MatrixWorld) -> None:
    cell = mw.cells["ngo", "caseworker", "own", "share"]
    browser = _browser(mw, "ngo", "caseworker")
    before = browser.get(f"/signals/{cell.signal_id}").text.count("In force")
    r = browser.post(
        f"/signals/{cell.signal_id}/shares/{cell.share_id}/revoke", data={"csrf_token": "forged"}
    )
    assert r.status_code == 403
    assert browser.get(f"/signals/{cell.signal_id}").text.count("In force") == before


def _page_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every page route, walking the routers the app includes."""
    found: set[tuple[str, str]] = set()

    def walk(routes) -> None:  # type: ignore[no-untyped-def]
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif hasattr(route, "methods") and not getattr(route, "include_in_schema", True):
                for method in route.methods - {"HEAD"}:
                    found.add((method, route.path))

    walk(app.router.routes)
    return found


def test_every_page_is_in_the_matrix(mw: MatrixWorld) -> None:
    pages = _page_routes(mw.client.app)
    # FastAPI's own documentation pages; the OpenAPI document is in the API matrix.
    pages -= {
        ("GET", "/api/v1/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/api/v1/openapi.json"),
    }
    assert len(pages) > 15, "the route walk found too few pages"
    from tests import test_authz_actionplan as actionplan
    from tests import test_authz_investigations as investigations
    from tests import test_authz_linkage as linkage
    from tests import test_authz_referrals as referrals
    from tests import test_authz_statistics as statistics
    from tests import test_network as network

    covered = (
        {(r.method, r.path) for r in PAGE_ROUTES}
        | set(PLAIN_PAGES)
        | PAGES_TESTED_ELSEWHERE
        | {(r.method, r.path) for r in referrals.PAGE_ROUTES}
        | set(referrals.PLAIN_PAGES)
        | {(r.method, r.path) for r in investigations.PAGE_ROUTES}
        | {(r.method, r.path) for r in investigations.CONSULTATION_PAGES}
        | set(investigations.PLAIN_PAGES)
        | {(r.method, r.path) for r in linkage.PAGE_ROUTES}
        | set(linkage.PLAIN_PAGES)
        | network.PAGES_COVERED
        | set(statistics.PLAIN_PAGES)
        | {(r.method, r.path) for r in actionplan.PAGE_ROUTES}
        | set(actionplan.PLAIN_PAGES)
    )
    assert not pages - covered, f"pages without a matrix entry: {sorted(pages - covered)}"
    assert not covered - pages, f"stale page entries: {sorted(covered - pages)}"
