"""The authorisation matrix of referrals: every role × the caller's relation to the
referral (receiver, referrer with or without consent, the referring user, stranger) ×
every route on one referral, with the expected status written out independently of the
policy code. Run on each database.

`tests/test_authz_matrix.py` covers the routes on a signal (screen, refer, notes,
timeline) and checks that every route has an entry somewhere.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opennrm.app import create_app
from opennrm.auth import actions as auth_actions
from opennrm.auth import sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.referrals.models import Referral
from opennrm.signals.models import Signal
from opennrm.support.models import SupportService
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

# X: the caller's organisation; Y: the other party of the referral; S: a stranger to it.
KINDS = {
    "ngo": {"X": "ngo", "Y": "assistance", "S": "vantaa"},
    "police": {"X": "helsinki", "Y": "sisasuomi", "S": "national_team"},
}
SITUATIONS = ["received", "sent_consent", "sent_anonymous", "sent_by_me", "strangers"]


def readable(situation: str, role: str) -> bool:
    if situation == "strangers":
        return False
    if situation == "sent_by_me":
        return role != "admin"  # the referring user, whatever the role, except an admin
    return role in CONTENT


def receiving(situation: str, role: str) -> bool:
    return situation == "received" and role in CONTENT


def expected_read(situation: str, role: str) -> int:
    return 200 if readable(situation, role) else 404


def expected_decide(situation: str, role: str, ok: int = 201) -> int:
    if receiving(situation, role):
        return ok
    return 403 if readable(situation, role) else 404


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Any


ROUTES = [
    Route("read", "GET", "/api/v1/referrals/{referral_id}", expected_read),
    Route("decide", "POST", "/api/v1/referrals/{referral_id}/decisions", expected_decide),
    Route("service", "POST", "/api/v1/referrals/{referral_id}/services", expected_decide),
    Route(
        "end_service",
        "POST",
        "/api/v1/referrals/{referral_id}/services/{service_id}/end",
        lambda s, r: expected_decide(s, r, ok=200),
    ),
    Route("note", "POST", "/api/v1/referrals/{referral_id}/notes", expected_decide),
    Route("share", "POST", "/api/v1/referrals/{referral_id}/shares", expected_decide),
]

# The same acts through the pages (a session cookie and the form's CSRF token): a done
# form answers 303 to the case page; a refusal the caller may know of is the 403 page,
# and one it may not is the same "not found" page as for an id that never existed.
PAGE_ROUTES = [
    Route("page_read", "GET", "/referrals/{referral_id}", expected_read),
    Route(
        "page_decide",
        "POST",
        "/referrals/{referral_id}/decisions",
        lambda s, r: expected_decide(s, r, ok=303),
    ),
    Route(
        "page_service",
        "POST",
        "/referrals/{referral_id}/services",
        lambda s, r: expected_decide(s, r, ok=303),
    ),
    Route(
        "page_end_service",
        "POST",
        "/referrals/{referral_id}/services/{service_id}/end",
        lambda s, r: expected_decide(s, r, ok=303),
    ),
    Route(
        "page_note",
        "POST",
        "/referrals/{referral_id}/notes",
        lambda s, r: expected_decide(s, r, ok=303),
    ),
]
AGEING_ROLES = {"supervisor", "coordinator", "analyst"}
PLAIN_PAGES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/referrals"): dict.fromkeys(ROLES, 200),
    ("GET", "/referrals/ageing"): {r: 200 if r in AGEING_ROLES else 403 for r in ROLES},
}

PLAIN_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/referrals"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/referrals/ageing"): {
        r: 200 if r in {"supervisor", "coordinator", "analyst"} else 403 for r in ROLES
    },
}


@dataclass
class Cell:
    referral_id: str
    service_id: str


@dataclass
class World:
    client: TestClient
    tokens: dict[tuple[str, str], str]
    cells: dict[tuple[str, str, str, str], Cell]
    web: dict[tuple[str, str], tuple[str, str]]  # (kind, role) → (session cookie, csrf)
    grantee: str = ""  # an organisation that is party to no matrix referral


@pytest.fixture(scope="module")
def rw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("rx")), Database(url))
    orgs = template.orgs
    tokens: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str, str], Cell] = {}
    web: dict[tuple[str, str], tuple[str, str]] = {}
    with unit_of_work(ctx.db) as session:
        users: dict[tuple[str, str], str] = {}
        for kind, o in KINDS.items():
            for role in [*ROLES, "colleague"]:
                u = auth_actions.create_user(
                    session,
                    email=f"rx.{kind}.{role}@example.org",
                    name=f"Referral matrix {role}",
                    organisation_id=orgs[o["X"]],
                    roles=["caseworker" if role == "colleague" else role],
                    password="Matriisi-salasana-1",
                )
                raw, _ = sessions.create_token(session, user=u, name="rx", days=2)
                tokens[kind, role] = raw
                users[kind, role] = u.id
                cookie, ws = sessions.start_session(session, u, mfa_passed=True)
                web[kind, role] = (cookie, ws.csrf_token)
        outsider = auth_actions.create_user(
            session,
            email="rx.outsider@example.org",
            name="Ulkopuolinen",
            organisation_id=orgs["ministry"],
            roles=["caseworker"],
            password="Matriisi-salasana-1",
        ).id
        for kind, o in KINDS.items():
            x, y, s = (orgs[o[k]] for k in "XYS")
            for role in ROLES:
                for situation in SITUATIONS:
                    for route in [*ROUTES, *PAGE_ROUTES]:
                        sender, receiver, creator = {
                            "received": (y, x, outsider),
                            "sent_consent": (x, y, users[kind, "colleague"]),
                            "sent_anonymous": (x, y, users[kind, "colleague"]),
                            "sent_by_me": (x, y, users[kind, role]),
                            "strangers": (y, s, outsider),
                        }[situation]
                        signal = Signal(
                            organisation_id=sender,
                            created_by=creator,
                            exploitation_types=["labour"],
                            summary_enc=b"",
                            indicators=[],
                        )
                        session.add(signal)
                        session.flush()
                        # Setup inserts rows directly: these situations (an admin who
                        # referred, say) cannot all be reached through the actions.
                        status = "received" if "decide" in route.name else "admitted"
                        referral = Referral(
                            signal_id=signal.id,
                            target="assistance_system",
                            machine="assistance",
                            from_organisation_id=sender,
                            target_organisation_id=receiver,
                            created_by=creator,
                            consent=situation != "sent_anonymous",
                            anonymous=False,
                            child=False,
                            status=status,
                        )
                        session.add(referral)
                        session.flush()
                        service = SupportService(
                            referral_id=referral.id,
                            service_type="health",
                            starts_on=date(2026, 11, 2),
                            created_by=outsider,
                        )
                        session.add(service)
                        session.flush()
                        cells[kind, role, situation, route.name] = Cell(referral.id, service.id)
    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(client, tokens, cells, web, grantee=orgs["itauusimaa"])
    ctx.db.dispose()
    backend.drop(url)


def _call(rw: World, route: Route, kind: str, role: str, cell: Cell):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {rw.tokens[kind, role]}"}
    path = route.path.format(referral_id=cell.referral_id, service_id=cell.service_id)
    body: dict[str, Any] | None = {
        "decide": {"decision": "admit", "reason": "Matriisin päätös."},
        "service": {"service_type": "legal", "starts_on": "2026-11-03"},
        "end_service": {"ends_on": "2026-11-20"},
        "note": {"kind": "fact", "text": "Matriisin muistiinpano."},
        "share": {
            "organisation_id": rw.grantee,
            "basis": "statutory",
            "expires_on": (utcnow().date() + timedelta(days=60)).isoformat(),
        },
    }.get(route.name)
    return rw.client.request(route.method, path, headers=headers, json=body)


CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CASES)
def test_referral_route(rw: World, kind: str, role: str, situation: str, route: Route) -> None:
    cell = rw.cells[kind, role, situation, route.name]
    expected = route.expect(situation, role)
    r = _call(rw, route, kind, role, cell)
    assert r.status_code == expected, (r.status_code, r.text)
    body = r.json()
    if expected == 404:
        assert body == {"error": {"code": "not_found", "message": "Not found."}}
    elif route.name == "read":
        assert body["id"] == cell.referral_id
        assert body["view"] == ("receiver" if receiving(situation, role) else "referrer")
        # Without consent the referrer does not follow the status.
        assert (body["status"] is None) is (situation == "sent_anonymous")
        if body["view"] == "referrer":
            assert body["services"] == [] and body["notes"] == []


LIST_CASES = [
    pytest.param(kind, role, id=f"list-{kind}-{role}")
    for kind, role in itertools.product(KINDS, ROLES)
]


@pytest.mark.parametrize(("kind", "role"), LIST_CASES)
def test_list_shows_exactly_the_readable(rw: World, kind: str, role: str) -> None:
    seen = every_item(rw.client, "/api/v1/referrals", rw.tokens[kind, role])
    for situation in SITUATIONS:
        cell = rw.cells[kind, role, situation, "read"]
        assert (cell.referral_id in seen) is readable(situation, role), situation


PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(rw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    r = rw.client.request(
        method, path, headers={"Authorization": f"Bearer {rw.tokens[kind, role]}"}
    )
    assert r.status_code == PLAIN_ROUTES[key][role], (r.status_code, r.text)
    if path.endswith("/ageing") and r.status_code == 200:
        body = r.json()
        orgs = {row["organisation_id"] for row in body["rows"]}
        if role == "supervisor":
            # A supervisor sees its own organisation's figures only.
            assert orgs <= {_own_org(rw, kind)}
        assert all("referral_id" not in row for row in body["rows"])


def _own_org(rw: World, kind: str) -> str:
    me = rw.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {rw.tokens[kind, 'caseworker']}"}
    ).json()
    return str(me["organisation"]["id"])


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_unauthenticated_is_refused(rw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = rw.client.request(method, path.format(referral_id="x", service_id="y"), json={})
    assert r.status_code == 401


# --- the pages -------------------------------------------------------------------------------

_browsers: dict[tuple[str, str], TestClient] = {}


def _browser(rw: World, kind: str, role: str) -> TestClient:
    key = (kind, role)
    if key not in _browsers or _browsers[key].app is not rw.client.app:
        b = TestClient(rw.client.app, base_url="https://testserver", follow_redirects=False)
        b.cookies.set("__Host-opennrm_session", rw.web[key][0])
        _browsers[key] = b
    return _browsers[key]


def _page_call(rw: World, route: Route, kind: str, role: str, cell: Cell):  # type: ignore[no-untyped-def]
    browser = _browser(rw, kind, role)
    path = route.path.format(referral_id=cell.referral_id, service_id=cell.service_id)
    if route.method == "GET":
        return browser.get(path)
    form = {"csrf_token": rw.web[kind, role][1]} | {
        "page_decide": {"decision": "admit", "reason": "Matriisin päätös."},
        "page_service": {
            "service_type": "legal",
            "starts_on-day": "3",
            "starts_on-month": "11",
            "starts_on-year": "2026",
        },
        "page_end_service": {"ends_on-day": "20", "ends_on-month": "11", "ends_on-year": "2026"},
        "page_note": {"kind": "fact", "text": "Matriisin muistiinpano."},
    }[route.name]
    return browser.post(path, data=form)


PAGE_CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(KINDS, ROLES, SITUATIONS, PAGE_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), PAGE_CASES)
def test_referral_page(rw: World, kind: str, role: str, situation: str, route: Route) -> None:
    cell = rw.cells[kind, role, situation, route.name]
    expected = route.expect(situation, role)
    r = _page_call(rw, route, kind, role, cell)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    if expected == 404:
        # The same page as for a referral that never existed.
        ghost_id = str(uuid.UUID(int=0, version=4))
        ghost = _page_call(rw, route, kind, role, Cell(ghost_id, cell.service_id))
        assert ghost.status_code == 404
        assert r.text.replace(cell.referral_id, "ID") == ghost.text.replace(ghost_id, "ID")
    elif expected == 303:
        assert r.headers["location"].startswith(f"/referrals/{cell.referral_id}?done=")
    elif route.name == "page_read":
        receiver = receiving(situation, role)
        assert ('action="/referrals/' in r.text) is receiver  # forms for the receiver only
        # Without consent the referrer reads that the status is not shared (the pages are
        # in Finnish here, the deployment's default).
        assert ('id="status-not-shared"' in r.text) is (situation == "sent_anonymous")


PLAIN_PAGE_CASES = [
    pytest.param(kind, role, key, id=f"page {key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_PAGES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_PAGE_CASES)
def test_plain_page(rw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, path = key
    r = _browser(rw, kind, role).request(method, path)
    assert r.status_code == PLAIN_PAGES[key][role], (r.status_code, r.text[:300])
    if path.endswith("/ageing") and r.status_code == 200:
        assert "<svg" in r.text or "There are no open referrals." in r.text


@pytest.mark.parametrize(
    "key", sorted({(r.method, r.path) for r in PAGE_ROUTES} | set(PLAIN_PAGES))
)
def test_pages_need_a_session(rw: World, key: tuple[str, str]) -> None:
    method, path = key
    anonymous = TestClient(rw.client.app, base_url="https://testserver", follow_redirects=False)
    r = anonymous.request(
        method,
        path.format(referral_id=str(uuid.uuid4()), service_id=str(uuid.uuid4())),
        data={"csrf_token": "guess"} if method == "POST" else None,
    )
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
