"""The authorisation matrix of the action plan and the training library: every role × the
caller's organisation (an NGO, a police department, the ministry) × every route, through
the API and through the pages, with the expected status written out here rather than
read from the policy. Run on each database.

What is tested beyond the status: a write that is allowed changes what it should, a
refused one changes nothing and is on the trail as `denied`; progress on a measure is for
the coordinator and the supervisors of a responsible organisation (`own`) — another
organisation's supervisor is told no (`other`); attendance is recorded by the coordinator
for anyone and by a supervisor for their own staff only (a person of another
organisation is "not found"). `tests/test_authz_matrix.py` reads `ROUTES`,
`PLAIN_ROUTES`, `PAGE_ROUTES` and `PLAIN_PAGES` from here.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opennrm.actionplan import actions as plan_actions
from opennrm.actionplan import schemas as plan_schemas
from opennrm.actionplan.models import (
    Attendance,
    Course,
    Material,
    MaterialVersion,
    Measure,
    MeasureUpdate,
    Objective,
    TrainingSession,
)
from opennrm.actionplan.training import actions as training_actions
from opennrm.actionplan.training import schemas as training_schemas
from opennrm.app import create_app
from opennrm.audit.models import AuditEvent
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
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
KINDS = {"ngo": "ngo", "police": "helsinki", "ministry": "ministry"}
OTHER_ORG = "assistance"
"""The organisation responsible for the "other" measure, and the "other" person's."""
STATISTICS = {"coordinator", "analyst", "supervisor"}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TITLES = {"fi": "Matriisin otsikko", "sv": "Matrisens rubrik", "en": "Matrix title"}


def manage(kind: str, role: str, ok: int) -> int:
    """Objectives, measures, materials, courses, sessions: the coordinator only."""
    return ok if role == "coordinator" else 403


def everyone(kind: str, role: str) -> int:
    return 200


def report_progress(kind: str, situation: str, role: str, ok: int) -> int:
    """Progress on a measure: the coordinator, or a supervisor of a responsible
    organisation; a refusal says why (403), since the plan is common knowledge."""
    if role == "coordinator":
        return ok
    if role == "supervisor" and situation == "own":
        return ok
    return 403


def record_attendance(kind: str, situation: str, role: str, ok: int) -> int:
    """Attendance: the coordinator for anyone; a supervisor for their own staff, and for
    them a person of another organisation is as if there were none."""
    if role == "coordinator":
        return ok
    if role == "supervisor":
        return ok if situation == "own" else 404
    return 403


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    expect: Callable[[str, str, str], int]


ROUTES = [
    Route(
        "progress",
        "POST",
        "/api/v1/actionplan/measures/{measure_id}/progress",
        lambda k, s, r: report_progress(k, s, r, 201),
    ),
    Route(
        "attend",
        "POST",
        "/api/v1/training/sessions/{session_id}/attendance",
        lambda k, s, r: record_attendance(k, s, r, 200),
    ),
]
PLAIN_ROUTES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/api/v1/actionplan"): everyone,
    ("POST", "/api/v1/actionplan/objectives"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/actionplan/objectives/{objective_id}"): everyone,
    ("PATCH", "/api/v1/actionplan/objectives/{objective_id}"): lambda k, r: manage(k, r, 200),
    ("POST", "/api/v1/actionplan/measures"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/actionplan/measures/{measure_id}"): everyone,
    ("PATCH", "/api/v1/actionplan/measures/{measure_id}"): lambda k, r: manage(k, r, 200),
    ("GET", "/api/v1/actionplan/indicators"): everyone,
    ("GET", "/api/v1/actionplan/indicators/{key}"): everyone,
    ("GET", "/api/v1/training/materials"): everyone,
    ("POST", "/api/v1/training/materials"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/training/materials/{material_id}"): everyone,
    ("POST", "/api/v1/training/materials/{material_id}/versions"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/training/materials/{material_id}/file"): everyone,
    ("GET", "/api/v1/training/courses"): everyone,
    ("POST", "/api/v1/training/courses"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/training/courses/{course_id}"): everyone,
    ("PATCH", "/api/v1/training/courses/{course_id}"): lambda k, r: manage(k, r, 200),
    ("GET", "/api/v1/training/sessions"): everyone,
    ("POST", "/api/v1/training/sessions"): lambda k, r: manage(k, r, 201),
    ("GET", "/api/v1/training/sessions/{session_id}"): everyone,
    ("GET", "/api/v1/training/attendance"): everyone,
    # Coverage is counts by group and role: the statistics roles.
    ("GET", "/api/v1/training/coverage"): lambda k, r: 200 if r in STATISTICS else 403,
}
PAGE_ROUTES = [
    Route(
        "page_progress",
        "POST",
        "/actionplan/measures/{measure_id}/progress",
        lambda k, s, r: report_progress(k, s, r, 303),
    ),
    Route(
        "page_attend",
        "POST",
        "/training/sessions/{session_id}/attendance",
        lambda k, s, r: record_attendance(k, s, r, 303),
    ),
]
PLAIN_PAGES: dict[tuple[str, str], Callable[[str, str], int]] = {
    ("GET", "/actionplan"): everyone,
    ("GET", "/actionplan/objectives/new"): lambda k, r: manage(k, r, 200),
    ("POST", "/actionplan/objectives/new"): lambda k, r: manage(k, r, 303),
    ("GET", "/actionplan/objectives/{objective_id}/edit"): lambda k, r: manage(k, r, 200),
    ("POST", "/actionplan/objectives/{objective_id}/edit"): lambda k, r: manage(k, r, 303),
    ("GET", "/actionplan/measures/new"): lambda k, r: manage(k, r, 200),
    ("POST", "/actionplan/measures/new"): lambda k, r: manage(k, r, 303),
    ("GET", "/actionplan/measures/{measure_id}"): everyone,
    ("GET", "/actionplan/measures/{measure_id}/edit"): lambda k, r: manage(k, r, 200),
    ("POST", "/actionplan/measures/{measure_id}/edit"): lambda k, r: manage(k, r, 303),
    ("GET", "/actionplan/report"): everyone,
    ("GET", "/actionplan/report.pdf"): everyone,
    ("GET", "/training"): everyone,
    ("GET", "/training/materials/new"): lambda k, r: manage(k, r, 200),
    ("POST", "/training/materials/new"): lambda k, r: manage(k, r, 303),
    ("GET", "/training/materials/{material_id}"): everyone,
    ("GET", "/training/materials/{material_id}/file"): everyone,
    ("GET", "/training/materials/{material_id}/edit"): lambda k, r: manage(k, r, 200),
    ("POST", "/training/materials/{material_id}/edit"): lambda k, r: manage(k, r, 303),
    ("GET", "/training/courses"): everyone,
    ("GET", "/training/courses/new"): lambda k, r: manage(k, r, 200),
    ("POST", "/training/courses/new"): lambda k, r: manage(k, r, 303),
    ("GET", "/training/courses/{course_id}"): everyone,
    ("GET", "/training/courses/{course_id}/edit"): lambda k, r: manage(k, r, 200),
    ("POST", "/training/courses/{course_id}/edit"): lambda k, r: manage(k, r, 303),
    ("GET", "/training/sessions/new"): lambda k, r: manage(k, r, 200),
    ("POST", "/training/sessions/new"): lambda k, r: manage(k, r, 303),
    ("GET", "/training/sessions/{session_id}"): everyone,
    ("GET", "/training/attendance"): everyone,
    ("GET", "/training/coverage"): lambda k, r: 200 if r in STATISTICS else 403,
}
SITUATIONS = ["own", "other"]
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}


# --- the world ---------------------------------------------------------------------------------


@dataclass
class Caller:
    kind: str
    role: str
    user_id: str
    token: str
    cookie: str
    csrf: str


@dataclass
class World:
    client: TestClient
    ctx: AppContext
    orgs: dict[str, str]
    callers: dict[tuple[str, str], Caller]
    objective_id: str
    # (kind, situation) → measure id; "own": the caller's organisation is responsible
    measures: dict[tuple[str, str], str]
    # (kind, situation) → person id; "own": a colleague in the caller's organisation
    people: dict[tuple[str, str], str]
    material_id: str
    course_id: str
    session_id: str


@pytest.fixture(scope="module")
def aw(backend, template, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = backend.clone()
    ctx = AppContext.build(make_settings(url, tmp_path_factory.mktemp("ap")), Database(url))
    orgs = template.orgs
    coordinator = template.people["coordinator"]
    password = "Ohjelma-salasana-7"
    hashed = passwords.hash_password(password)
    n = itertools.count(1)
    callers: dict[tuple[str, str], Caller] = {}
    people: dict[tuple[str, str], str] = {}
    measures: dict[tuple[str, str], str] = {}
    today = ctx.referral_config.local_day(utcnow())

    with unit_of_work(ctx.db) as session:

        def user(org: str, role: str) -> Any:
            return auth_actions.create_user(
                session,
                email=f"ap.{next(n)}@example.org",
                name=f"Ohjelmamatriisi {role} {next(n)}",
                organisation_id=orgs[org],
                roles=[role],
                password=password,
                password_hash=hashed,
            )

        for kind, org in KINDS.items():
            for role in ROLES:
                u = user(org, role)
                token, _ = sessions.create_token(session, user=u, name="ap", days=2)
                cookie, ws = sessions.start_session(session, u, mfa_passed=True)
                callers[kind, role] = Caller(kind, role, u.id, token, cookie, ws.csrf_token)
            people[kind, "own"] = user(org, "caseworker").id
            people[kind, "other"] = user(OTHER_ORG, "caseworker").id

        from opennrm.auth.actions import actor_for
        from opennrm.auth.models import User

        boss = session.get(User, coordinator.user_id)
        actor = actor_for(session, boss)
        objective = plan_actions.create_objective(
            session,
            plan_schemas.ObjectiveIn.model_validate(
                {"code": "1", "aim": "identification", "title": TITLES}
            ),
            actor=actor,
        )
        for kind, org in KINDS.items():
            for situation, responsible in (("own", org), ("other", OTHER_ORG)):
                made = plan_actions.create_measure(
                    session,
                    plan_schemas.MeasureIn.model_validate(
                        {
                            "objective_id": objective.id,
                            "code": f"1.{next(n)}",
                            "title": TITLES,
                            "organisation_ids": [orgs[responsible]],
                            "deadline": (today + timedelta(days=90)).isoformat(),
                        }
                    ),
                    actor=actor,
                )
                measures[kind, situation] = made.id
        material = training_actions.create_material(
            session,
            training_schemas.MaterialIn.model_validate(
                {
                    "title": TITLES,
                    "audience": ["frontline"],
                    "body": {"fi": "Matriisin aineisto."},
                    "file": {
                        "name": "ohje.pdf",
                        "content_type": "application/pdf",
                        "data": base64.b64encode(PDF).decode(),
                    },
                }
            ),
            actor=actor,
        )
        course = training_actions.create_course(
            session,
            training_schemas.CourseIn.model_validate(
                {"title": TITLES, "material_ids": [material.id], "is_core": True}
            ),
            actor=actor,
        )
        held = training_actions.create_session(
            session,
            training_schemas.SessionIn(
                course_id=course.id,
                held_on=today - timedelta(days=3),
                online=True,
                organiser_id=orgs["ministry"],
            ),
            actor=actor,
            config=ctx.referral_config,
        )

    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(
            client,
            ctx,
            orgs,
            callers,
            objective.id,
            measures,
            people,
            material.id,
            course.id,
            held.id,
        )
    ctx.db.dispose()
    backend.drop(url)


_browsers: dict[tuple[str, str], TestClient] = {}


def _browser(aw: World, kind: str, role: str) -> TestClient:
    key = (kind, role)
    if key not in _browsers or _browsers[key].app is not aw.client.app:
        b = TestClient(aw.client.app, base_url="https://testserver", follow_redirects=False)
        b.cookies.set("__Host-opennrm_session", aw.callers[key].cookie)
        _browsers[key] = b
    return _browsers[key]


def _count(aw: World, model: Any) -> int:
    with aw.ctx.db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _denied(aw: World, user_id: str) -> list[str]:
    with aw.ctx.db.transaction() as s:
        return list(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.actor_user_id == user_id, AuditEvent.outcome == "denied"
                )
            )
        )


def _fill(aw: World, path: str, kind: str) -> str:
    return path.format(
        objective_id=aw.objective_id,
        measure_id=aw.measures[kind, "other"],
        material_id=aw.material_id,
        course_id=aw.course_id,
        session_id=aw.session_id,
        key="measures_on_schedule",
    )


_codes = itertools.count(100)


def _api_body(aw: World, method: str, path: str, kind: str) -> dict[str, Any] | None:
    code = next(_codes)
    if path == "/api/v1/actionplan/objectives":
        return {"code": str(code), "aim": "evidence", "title": TITLES}
    if path == "/api/v1/actionplan/measures":
        return {
            "objective_id": aw.objective_id,
            "code": f"9.{code}",
            "title": TITLES,
            "organisation_ids": [aw.orgs[KINDS[kind]]],
            "deadline": "2027-06-30",
        }
    if method == "PATCH" and "objectives" in path:
        return {"description": {"fi": f"Muutettu {code}"}}
    if method == "PATCH" and "measures" in path:
        return {"deadline": f"2027-{1 + code % 12:02d}-15"}
    if path == "/api/v1/training/materials" or path.endswith("/versions"):
        return {"title": TITLES, "audience": ["caseworker"], "body": {"sv": f"Text {code}."}}
    if path == "/api/v1/training/courses":
        return {"title": TITLES}
    if method == "PATCH" and "courses" in path:
        return {"is_core": bool(code % 2)}
    if path == "/api/v1/training/sessions":
        return {
            "course_id": aw.course_id,
            "held_on": "2026-10-01",
            "place": "Joensuu",
            "organiser_id": aw.orgs["ministry"],
            "region": "MK12",
        }
    return None


# --- the API -------------------------------------------------------------------------------------

WRITES = {
    "/api/v1/actionplan/objectives": Objective,
    "/api/v1/actionplan/measures": Measure,
    "/api/v1/training/materials": Material,
    "/api/v1/training/materials/{material_id}/versions": MaterialVersion,
    "/api/v1/training/courses": Course,
    "/api/v1/training/sessions": TrainingSession,
}

PLAIN_CASES = [
    pytest.param(kind, role, key, id=f"{key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_ROUTES)
]


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_CASES)
def test_plain_route(aw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, template = key
    caller = aw.callers[kind, role]
    path = _fill(aw, template, kind)
    model = WRITES.get(template) if method == "POST" else None
    before = _count(aw, model) if model is not None else 0
    expected = PLAIN_ROUTES[key](kind, role)
    r = aw.client.request(
        method,
        path,
        headers={"Authorization": f"Bearer {caller.token}"},
        json=_api_body(aw, method, template, kind),
    )
    assert r.status_code == expected, (r.status_code, r.text[:300])
    if expected == 403:
        assert r.json()["error"]["code"] == "forbidden"
        if model is not None:
            assert _count(aw, model) == before
        assert _denied(aw, caller.user_id), "a refusal is on the trail"
        return
    if model is not None:
        assert _count(aw, model) == before + 1
    if template == "/api/v1/actionplan":
        assert next(o["code"] for o in r.json()["objectives"]) == "1"
    elif template.endswith("/file"):
        assert r.content == PDF
        assert r.headers["content-disposition"].startswith("attachment;")
    elif template == "/api/v1/training/attendance":
        # Whatever else it holds, nobody sees another organisation's caseworker here
        # unless they are the coordinator.
        names = {row["organisation"]["id"] for row in r.json()}
        if role != "coordinator":
            assert names <= {aw.orgs[KINDS[kind]]}
    elif template == "/api/v1/training/coverage":
        assert r.json()["threshold"] == 5


CASES = [
    pytest.param(kind, role, situation, route, id=f"{route.name}-{kind}-{role}-{situation}")
    for kind, role, situation, route in itertools.product(
        KINDS, ROLES, SITUATIONS, [*ROUTES, *PAGE_ROUTES]
    )
]


def _call(aw: World, route: Route, kind: str, role: str, situation: str):  # type: ignore[no-untyped-def]
    caller = aw.callers[kind, role]
    measure = aw.measures[kind, situation]
    person = aw.people[kind, situation]
    path = route.path.format(measure_id=measure, session_id=aw.session_id)
    if route.name == "progress":
        return aw.client.post(
            path,
            headers={"Authorization": f"Bearer {caller.token}"},
            json={"status": "in_progress", "text": f"Edistytty ({role})."},
        )
    if route.name == "attend":
        return aw.client.post(
            path,
            headers={"Authorization": f"Bearer {caller.token}"},
            json={"user_id": person, "completed": True},
        )
    form = {"csrf_token": caller.csrf}
    if route.name == "page_progress":
        today = aw.ctx.referral_config.local_day(utcnow())
        form |= {
            "reported_on-day": str(today.day),
            "reported_on-month": str(today.month),
            "reported_on-year": str(today.year),
            "status": "in_progress",
            "text": f"Edistytty lomakkeella ({role}).",
        }
    else:
        form |= {"user_id": person, "completed": "yes"}
    return _browser(aw, kind, role).post(path, data=form)


def _progress_by(aw: World, measure_id: str, user_id: str) -> int:
    with aw.ctx.db.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(MeasureUpdate)
                .where(MeasureUpdate.measure_id == measure_id, MeasureUpdate.reported_by == user_id)
            )
            or 0
        )


def _attendance_by(aw: World, person: str, recorder: str) -> int:
    with aw.ctx.db.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Attendance)
                .where(
                    Attendance.session_id == aw.session_id,
                    Attendance.user_id == person,
                    Attendance.recorded_by == recorder,
                )
            )
            or 0
        )


@pytest.mark.parametrize(("kind", "role", "situation", "route"), CASES)
def test_route(aw: World, kind: str, role: str, situation: str, route: Route) -> None:
    caller = aw.callers[kind, role]
    expected = route.expect(kind, situation, role)
    r = _call(aw, route, kind, role, situation)
    assert r.status_code == expected, (r.status_code, r.text[:300])
    progress = "progress" in route.name
    if progress:
        done = _progress_by(aw, aw.measures[kind, situation], caller.user_id)
    else:
        done = _attendance_by(aw, aw.people[kind, situation], caller.user_id)
    if expected >= 400:
        assert done == 0, "a refused write stored nothing"
        event = "actionplan.measure.report" if progress else "training.attendance.record"
        assert event in _denied(aw, caller.user_id)
        if expected == 404 and route.name == "attend":
            ghost = aw.client.post(
                route.path.format(session_id=aw.session_id),
                headers={"Authorization": f"Bearer {caller.token}"},
                json={"user_id": str(uuid.uuid4()), "completed": True},
            )
            assert ghost.status_code == 404 and ghost.json() == r.json() == NOT_FOUND
        return
    assert done >= 1
    if route.name == "progress":
        assert r.json()["reporter_name"].startswith("Ohjelmamatriisi")
    elif route.name == "attend":
        assert r.json()["user_id"] == aw.people[kind, situation]
    else:
        assert r.headers["location"].endswith("?done=progress" if progress else "?done=attendance")


# --- pages without a record situation --------------------------------------------------------

PLAIN_PAGE_CASES = [
    pytest.param(kind, role, key, id=f"page {key[0]} {key[1]}-{kind}-{role}")
    for kind, role, key in itertools.product(KINDS, ROLES, PLAIN_PAGES)
]


DONE = {
    "/actionplan/objectives/new": "objective",
    "/actionplan/objectives/{objective_id}/edit": "objective",
    "/actionplan/measures/new": "measure",
    "/actionplan/measures/{measure_id}/edit": "changed",
    "/training/materials/new": "material",
    "/training/materials/{material_id}/edit": "version",
    "/training/courses/new": "course",
    "/training/courses/{course_id}/edit": "course",
    "/training/sessions/new": "session",
}
"""Where a saved form leads: the page of what was saved, with its success banner."""


def _page_form(aw: World, path: str, kind: str, csrf: str) -> dict[str, str]:
    code = next(_codes)
    form = {"csrf_token": csrf}
    titles = {f"title-{lang}": f"{text} {code}" for lang, text in TITLES.items()}
    if path.startswith("/actionplan/objectives"):
        form |= {"code": str(code), "aim": "cooperation", **titles}
    elif path.startswith("/actionplan/measures"):
        form |= {
            "objective_id": aw.objective_id,
            "code": f"8.{code}",
            **titles,
            "organisation_ids": aw.orgs[KINDS[kind]],
            "deadline-day": "30",
            "deadline-month": "6",
            "deadline-year": "2027",
            "status": "planned",
        }
    elif path.startswith("/training/materials"):
        form |= {**titles, "audience": "frontline", "body-en": f"Text {code}."}
    elif path.startswith("/training/courses"):
        form |= {**titles, "material_ids": aw.material_id}
    elif path.startswith("/training/sessions"):
        form |= {
            "course_id": aw.course_id,
            "held_on-day": "1",
            "held_on-month": "10",
            "held_on-year": "2026",
            "online": "yes",
            "organiser_id": aw.orgs["ministry"],
            "region": "",
        }
    return form


@pytest.mark.parametrize(("kind", "role", "key"), PLAIN_PAGE_CASES)
def test_plain_page(aw: World, kind: str, role: str, key: tuple[str, str]) -> None:
    method, template = key
    caller = aw.callers[kind, role]
    browser = _browser(aw, kind, role)
    path = _fill(aw, template, kind)
    if method == "GET":
        r = browser.get(path)
    else:
        r = browser.post(path, data=_page_form(aw, template, kind, caller.csrf))
    expected = PLAIN_PAGES[key](kind, role)
    assert r.status_code == expected, (r.status_code, r.text[:500])
    if expected == 403:
        assert "Matriisin aineisto" not in r.text
        return
    if method == "POST":
        assert r.headers["location"].endswith(f"?done={DONE[template]}"), r.headers["location"]
    elif template == "/actionplan/report.pdf":
        assert r.content.startswith(b"%PDF-") and r.headers["content-type"] == "application/pdf"
    elif template.endswith("/file"):
        assert r.content == PDF
    elif template == "/actionplan":
        assert "Matriisin otsikko" in r.text or "Matrix title" in r.text


@pytest.mark.parametrize("key", sorted({(r.method, r.path) for r in ROUTES} | set(PLAIN_ROUTES)))
def test_the_api_needs_a_token(aw: World, key: tuple[str, str]) -> None:
    method, path = key
    r = aw.client.request(method, path.format(
        objective_id="x", measure_id="x", material_id="x", course_id="x", session_id="x", key="x"
    ), json={})  # fmt: skip
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "key", sorted({(r.method, r.path) for r in PAGE_ROUTES} | set(PLAIN_PAGES))
)
def test_pages_need_a_session(aw: World, key: tuple[str, str]) -> None:
    method, path = key
    anonymous = TestClient(aw.client.app, base_url="https://testserver", follow_redirects=False)
    ghost = str(uuid.uuid4())
    r = anonymous.request(
        method,
        path.format(objective_id=ghost, measure_id=ghost, material_id=ghost, course_id=ghost,
                    session_id=ghost),
        data={"csrf_token": "guess"} if method == "POST" else None,
    )  # fmt: skip
    # Forms without a session fail their CSRF check first (403); pages send to sign-in.
    assert r.status_code in (303, 403)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")


def test_a_form_without_its_csrf_token_changes_nothing(aw: World) -> None:
    before = _count(aw, Objective)
    browser = _browser(aw, "ministry", "coordinator")
    r = browser.post(
        "/actionplan/objectives/new",
        data={"csrf_token": "forged", "code": "77", "aim": "evidence",
              **{f"title-{k}": v for k, v in TITLES.items()}},
    )  # fmt: skip
    assert r.status_code == 403
    assert _count(aw, Objective) == before
