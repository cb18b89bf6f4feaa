"""Training and teaching materials through the API: the versioned library (old versions
stay readable), attached files checked and downloaded as attachments, Markdown rendered
with raw HTML and script links escaped, courses and sessions kept by the coordinator,
attendance recorded by the coordinator or the person's own supervisor and seen only by
those `can_see_attendance` lets see it, coverage as protected counts, and the two action
plan indicators that training feeds, with exact values."""

from __future__ import annotations

import base64
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from sqlalchemy import func, select

from opennrm.actionplan.models import (
    Attendance,
    Course,
    Material,
    MaterialVersion,
    TrainingFile,
    TrainingSession,
)
from opennrm.actionplan.training.markdown import to_html
from opennrm.audit.models import AuditEvent
from opennrm.auth import actions as auth_actions
from opennrm.auth import passwords, sessions
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.investigations import registry
from opennrm.investigations.people_schemas import DesignationIn
from opennrm.uow import unit_of_work

PASSWORD = "Koulutus-salasana-2026"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
INJECTION = (
    "# Tunnistaminen\n\n"
    "<script>alert('x')</script>\n\n"
    "[Avaa ohje](javascript:alert(document.cookie)) ja "
    '<img src=x onerror="alert(1)">\n\n'
    "**Huomaa** velkasuhde."
)


class Person:
    def __init__(self, user_id: str, organisation_id: str, token: str) -> None:
        self.user_id = user_id
        self.organisation_id = organisation_id
        self.auth = {"Authorization": f"Bearer {token}"}


@cache
def _hash() -> str:
    return passwords.hash_password(PASSWORD)


def make_person(ctx: AppContext, world: Any, org: str, name: str, roles: list[str]) -> Person:
    with unit_of_work(ctx.db) as session:
        user = auth_actions.create_user(
            session,
            email=f"{name.lower().replace(' ', '.')}@example.org",
            name=name,
            organisation_id=world.orgs[org],
            roles=roles,
            password=PASSWORD,
            password_hash=_hash(),
        )
        raw, _ = sessions.create_token(session, user=user, name="tests", days=2)
        return Person(user.id, user.organisation_id, raw)


def titles(text: str) -> dict[str, str]:
    return {"fi": f"{text} (fi)", "sv": f"{text} (sv)", "en": text}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def material(client: Any, world: Any, **body: Any) -> Any:
    payload: dict[str, Any] = {
        "title": titles("Recognising forced labour"),
        "audience": ["frontline", "caseworker"],
        "body": {"fi": "Pakkotyön tunnusmerkit.", "en": "Signs of forced labour."},
    }
    payload.update(body)
    return client.post("/api/v1/training/materials", json=payload, headers=world.coordinator.auth)


def count(ctx: AppContext, model: Any) -> int:
    with unit_of_work(ctx.db) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def events(ctx: AppContext, action: str, outcome: str = "ok") -> list[AuditEvent]:
    with unit_of_work(ctx.db) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.outcome == outcome)
                .order_by(AuditEvent.seq)
            )
        )


def today(ctx: AppContext) -> Any:
    return ctx.referral_config.local_day(utcnow())


# --- the library -----------------------------------------------------------------------------


def test_editing_a_material_adds_a_version_and_keeps_the_old_one(
    client: Any, world: Any, ctx: AppContext
) -> None:
    made = material(
        client,
        world,
        file={"name": "Ohjeistus – ihmiskauppa.pdf", "content_type": "application/pdf",
              "data": b64(PDF)},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    mid = made.json()["id"]
    assert made.json()["version"] == 1
    assert made.json()["file"] == {
        "name": "Ohjeistus – ihmiskauppa.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
    }

    revised = client.post(
        f"/api/v1/training/materials/{mid}/versions",
        json={
            "title": titles("Recognising forced and sexual exploitation"),
            "body": {"fi": "Päivitetty: myös seksuaalinen hyväksikäyttö.", "sv": "Uppdaterad."},
            "note": "Seksuaalinen hyväksikäyttö lisätty.",
        },
        headers=world.coordinator.auth,
    )
    assert revised.status_code == 201, revised.text
    now = revised.json()
    assert (now["version"], now["current_version"]) == (2, 2)
    assert now["title"]["en"] == "Recognising forced and sexual exploitation"
    assert now["file"]["name"] == "Ohjeistus – ihmiskauppa.pdf"  # the file is kept
    assert [v["version"] for v in now["versions"]] == [2, 1]
    assert now["versions"][0]["note"] == "Seksuaalinen hyväksikäyttö lisätty."
    assert now["versions"][0]["created_by_name"] == "Helena Lindqvist"

    old = client.get(
        f"/api/v1/training/materials/{mid}", params={"version": 1}, headers=world.ngo_worker.auth
    ).json()
    assert old["version"] == 1 and old["current_version"] == 2
    assert old["title"]["en"] == "Recognising forced labour"
    assert old["body"] == {
        "fi": "Pakkotyön tunnusmerkit.",
        "sv": "",
        "en": "Signs of forced labour.",
    }

    # Removing the file in version 3 leaves it readable through versions 1 and 2.
    third = client.post(
        f"/api/v1/training/materials/{mid}/versions",
        json={"title": titles("Recognising exploitation"), "body": {"fi": "Ilman liitettä."},
              "remove_file": True},
        headers=world.coordinator.auth,
    )  # fmt: skip
    assert third.status_code == 201 and third.json()["file"] is None
    gone = client.get(f"/api/v1/training/materials/{mid}/file", headers=world.ngo_worker.auth)
    assert gone.status_code == 404
    first = client.get(
        f"/api/v1/training/materials/{mid}/file", params={"version": 1}, headers=world.admin.auth
    )
    assert first.status_code == 200 and first.content == PDF
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"] == (
        'attachment; filename="Ohjeistus___ihmiskauppa.pdf"; '
        "filename*=UTF-8''Ohjeistus%20%E2%80%93%20ihmiskauppa.pdf"
    )
    assert first.headers["x-content-type-options"] == "nosniff"
    assert count(ctx, TrainingFile) == 1  # stored once, referred to by two versions
    assert [e.detail["version"] for e in events(ctx, "training.material.update")] == [2, 3]
    missing = client.get(
        f"/api/v1/training/materials/{mid}", params={"version": 4}, headers=world.ngo_worker.auth
    )
    assert missing.status_code == 404

    listed = client.get(
        "/api/v1/training/materials", params={"role": "caseworker"}, headers=world.ngo_worker.auth
    ).json()
    assert [(m["id"], m["current_version"], m["languages"]) for m in listed] == [(mid, 3, ["fi"])]
    assert (
        client.get(
            "/api/v1/training/materials",
            params={"role": "investigator"},
            headers=world.ngo_worker.auth,
        ).json()
        == []
    )


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ({"name": "ohje.pdf", "content_type": "application/pdf", "data": b64(PNG)},
         "not of the type it claims"),
        ({"name": "ohje.exe", "content_type": "application/x-msdownload", "data": b64(b"MZ")},
         "not accepted"),
        ({"name": "ohje.png", "content_type": "application/pdf", "data": b64(PDF)},
         "must end with .pdf"),
        ({"name": "ohje.txt", "content_type": "text/plain", "data": b64(b"\xff\xfe\x00")},
         "UTF-8"),
        ({"name": "ohje.pdf", "content_type": "application/pdf",
          "data": b64(b"%PDF-" + b"0" * 500_001)}, "larger than 500 kB"),
        ({"name": "ohje.pdf", "content_type": "application/pdf", "data": "ei base64:tä!"},
         "not base64"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_and_nothing_is_stored(
    client: Any, world: Any, ctx: AppContext, file: dict[str, str], problem: str
) -> None:
    r = material(client, world, file=file)
    assert r.status_code == 422, r.text
    assert problem in r.text
    assert count(ctx, Material) == count(ctx, MaterialVersion) == count(ctx, TrainingFile) == 0
    assert events(ctx, "training.material.create") == []


def test_a_material_needs_content_and_titles(client: Any, world: Any, ctx: AppContext) -> None:
    empty = material(client, world, body={})
    assert empty.status_code == 422
    assert "at least one language, or a file" in empty.text
    no_sv = material(client, world, title={"fi": "Otsikko", "en": "Title"})
    assert no_sv.status_code == 422
    assert "title.sv" in [d["field"] for d in no_sv.json()["error"]["details"]]
    unknown = material(client, world, audience=["police"])
    assert unknown.status_code == 422
    assert count(ctx, Material) == 0


def test_only_the_coordinator_keeps_the_library(client: Any, world: Any, ctx: AppContext) -> None:
    made = material(client, world).json()
    for who in (world.analyst, world.ngo_supervisor, world.admin):
        payload = {"title": titles("Luvaton"), "audience": ["frontline"], "body": {"fi": "x"}}
        assert (
            client.post("/api/v1/training/materials", json=payload, headers=who.auth).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/training/materials/{made['id']}/versions", json=payload, headers=who.auth
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/training/courses", json={"title": titles("Kurssi")}, headers=who.auth
            ).status_code
            == 403
        )
    assert count(ctx, Material) == 1 and count(ctx, MaterialVersion) == 1
    assert count(ctx, Course) == 0
    assert len(events(ctx, "training.material.create", "denied")) == 3
    assert len(events(ctx, "training.material.update", "denied")) == 3


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert('x')</script>",
        "[Avaa ohje](javascript:alert(document.cookie))",
        '<img src=x onerror="alert(1)">',
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![kuva](https://tracker.example/pixel.png)",
    ],
)
def test_markdown_cannot_carry_script_or_load_anything(markdown: str) -> None:
    html = to_html(markdown)
    assert "<script" not in html
    assert 'href="javascript' not in html.lower()
    assert "<img" not in html
    assert 'href="data:' not in html
    assert "onerror=" not in html or "&quot;" in html  # only as escaped text


def test_markdown_is_rendered() -> None:
    html = to_html(INJECTION)
    assert "<h1>Tunnistaminen</h1>" in html
    assert "<strong>Huomaa</strong>" in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "[Avaa ohje](javascript:alert(document.cookie))" in html  # left as text
    assert to_html("[Ohje](https://oikeusministerio.fi/ihmiskauppa)") == (
        '<p><a href="https://oikeusministerio.fi/ihmiskauppa">Ohje</a></p>\n'
    )


# --- courses, sessions, attendance --------------------------------------------------------


def make_course(
    client: Any, world: Any, core: bool = True, materials: list[str] | None = None
) -> str:
    r = client.post(
        "/api/v1/training/courses",
        json={"title": titles("Core course for designated investigators" if core else "Basics"),
              "is_core": core, "material_ids": materials or []},
        headers=world.coordinator.auth,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def make_session(client: Any, world: Any, course: str, days_ago: int = 7, **extra: Any) -> str:
    body = {
        "course_id": course,
        "held_on": (utcnow().date() - timedelta(days=days_ago)).isoformat(),
        "place": "Poliisiammattikorkeakoulu, Tampere",
        "organiser_id": world.orgs["ministry"],
        "region": "MK06",
    }
    body.update(extra)
    r = client.post("/api/v1/training/sessions", json=body, headers=world.coordinator.auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def attend(client: Any, who: Any, session_id: str, user_id: str, completed: bool = True) -> Any:
    return client.post(
        f"/api/v1/training/sessions/{session_id}/attendance",
        json={"user_id": user_id, "completed": completed},
        headers=who.auth,
    )


def test_courses_and_sessions(client: Any, world: Any, ctx: AppContext) -> None:
    first = material(client, world).json()["id"]
    second = material(client, world, title=titles("Interviewing victims")).json()["id"]
    core = make_course(client, world, True, [second, first])
    listed = client.get("/api/v1/training/courses", headers=world.ngo_frontline.auth).json()
    assert [m["id"] for m in listed[0]["materials"]] == [second, first]
    assert listed[0]["is_core"] is True and listed[0]["completed"] is None

    ghost = "00000000-0000-4000-8000-000000000000"
    bad = client.post(
        "/api/v1/training/courses",
        json={"title": titles("Kurssi"), "material_ids": [first, ghost]},
        headers=world.coordinator.auth,
    )
    assert bad.status_code == 422 and ghost in bad.text
    for extra, field in (
        ({"region": "MK99"}, "region"),
        ({"course_id": ghost}, "course_id"),
        ({"organiser_id": ghost}, "organiser_id"),
    ):
        body = {
            "course_id": core,
            "held_on": "2026-10-01",
            "online": True,
            "organiser_id": world.orgs["ministry"],
        }
        body.update(extra)
        r = client.post("/api/v1/training/sessions", json=body, headers=world.coordinator.auth)
        assert r.status_code == 422, r.text
        assert field in [d["field"] for d in r.json()["error"]["details"]]
    nowhere = client.post(
        "/api/v1/training/sessions",
        json={"course_id": core, "held_on": "2026-10-01", "organiser_id": world.orgs["ministry"]},
        headers=world.coordinator.auth,
    )
    assert nowhere.status_code == 422 and "online" in nowhere.text
    assert count(ctx, TrainingSession) == 0

    online = make_session(client, world, core, place="", online=True, region=None)
    shown = client.get(f"/api/v1/training/sessions/{online}", headers=world.ngo_worker.auth).json()
    assert shown["online"] is True and shown["place"] is None
    assert shown["course_title"]["en"] == "Core course for designated investigators"
    patched = client.patch(
        f"/api/v1/training/courses/{core}",
        json={"material_ids": [first]},
        headers=world.coordinator.auth,
    ).json()
    assert [m["id"] for m in patched["materials"]] == [first]
    (event,) = events(ctx, "training.course.update")
    assert event.fields == ["material_ids"]


def test_attendance_is_recorded_by_the_coordinator_or_the_persons_supervisor(
    client: Any, world: Any, ctx: AppContext
) -> None:
    course = make_course(client, world)
    held = make_session(client, world, course)
    # The assistance system's supervisor records for their own caseworker.
    r = attend(client, world.assistance_supervisor, held, world.assistance_caseworker.user_id)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Nguyen Thi Lan" and r.json()["completed"] is True
    # ...but not for someone of another organisation: as if there were no such person.
    other = attend(client, world.assistance_supervisor, held, world.ngo_worker.user_id)
    ghost = attend(
        client, world.assistance_supervisor, held, "00000000-0000-4000-8000-000000000000"
    )
    assert other.status_code == ghost.status_code == 404
    assert other.json() == ghost.json()
    # A caseworker or an analyst records nothing.
    for who in (world.assistance_caseworker, world.analyst):
        refused = attend(client, who, held, who.user_id)
        assert refused.status_code == 403
    # The coordinator records for anyone, and corrects an entry by recording again.
    assert attend(client, world.coordinator, held, world.ngo_worker.user_id).status_code == 200
    again = attend(client, world.coordinator, held, world.ngo_worker.user_id, completed=False)
    assert again.status_code == 200 and again.json()["completed"] is False
    with unit_of_work(ctx.db) as session:
        rows = dict(session.execute(select(Attendance.user_id, Attendance.completed)).all())
    assert rows == {world.assistance_caseworker.user_id: True, world.ngo_worker.user_id: False}
    recorded = events(ctx, "training.attendance.record")
    assert [(e.detail["user"], e.detail["completed"], e.detail["before"]) for e in recorded] == [
        (world.assistance_caseworker.user_id, True, ""),
        (world.ngo_worker.user_id, True, ""),
        (world.ngo_worker.user_id, False, True),
    ]
    denied = events(ctx, "training.attendance.record", "denied")
    assert len(denied) == 4
    assert denied[0].record_id == world.ngo_worker.user_id  # the person, not the session

    # Not before the session has been held.
    later = make_session(client, world, course, days_ago=-3)
    early = attend(client, world.coordinator, later, world.ngo_worker.user_id)
    assert early.status_code == 422 and "not been held" in early.text
    assert count(ctx, Attendance) == 2


def test_who_sees_whose_attendance(client: Any, world: Any, ctx: AppContext) -> None:
    course = make_course(client, world)
    held = make_session(client, world, course)
    for persona in (world.assistance_caseworker, world.assistance_supervisor, world.ngo_worker,
                    world.ngo_frontline, world.helsinki_investigator):  # fmt: skip
        assert attend(client, world.coordinator, held, persona.user_id).status_code == 200

    def seen(who: Any) -> set[str]:
        listed = client.get("/api/v1/training/attendance", headers=who.auth)
        assert listed.status_code == 200
        session_view = client.get(f"/api/v1/training/sessions/{held}", headers=who.auth).json()
        names = {a["name"] for a in session_view["attendees"]}
        assert names == {r["name"] for r in listed.json()}
        return names

    assert seen(world.assistance_caseworker) == {"Nguyen Thi Lan"}  # only themselves
    assert seen(world.assistance_supervisor) == {"Nguyen Thi Lan", "Anneli Heikkinen"}
    assert seen(world.ngo_supervisor) == {"Chiamaka Eze", "Ioana Popescu"}
    assert seen(world.analyst) == set()
    assert seen(world.admin) == set()
    assert len(seen(world.coordinator)) == 5
    # A filter cannot widen what is seen.
    narrowed = client.get(
        "/api/v1/training/attendance",
        params={"organisation_id": world.orgs["helsinki"]},
        headers=world.ngo_supervisor.auth,
    )
    assert narrowed.json() == []
    # Showing people is on the trail, with how many.
    reads = events(ctx, "training.attendance.read")
    by_user = {(e.actor_user_id, e.record_id): e.detail for e in reads}
    assert by_user[world.ngo_supervisor.user_id, held] == {"people": 2}
    assert by_user[world.coordinator.user_id, None]["people"] == 5
    # A session's total is for those who keep attendance only.
    path = f"/api/v1/training/sessions/{held}"
    assert client.get(path, headers=world.ngo_supervisor.auth).json()["attendees_total"] == 5
    assert client.get(path, headers=world.ngo_worker.auth).json()["attendees_total"] is None


# --- coverage and the indicators it feeds ----------------------------------------------------


def test_training_coverage_indicator_by_role(client: Any, world: Any, ctx: AppContext) -> None:
    course = make_course(client, world, core=False)
    held = make_session(client, world, course)
    helsinki = [
        make_person(ctx, world, "helsinki", f"Tutkija Numero {i}", ["investigator"])
        for i in range(5)
    ]
    lapland = make_person(ctx, world, "lappi", "Ante Aikio", ["investigator"])
    vantaa = [
        make_person(ctx, world, "vantaa", f"Sosiaalityontekija {i}", ["caseworker"])
        for i in range(2)
    ]
    frontline = [
        make_person(ctx, world, "ngo", f"Kenttatyontekija {i}", ["frontline"]) for i in range(4)
    ]
    completed = [world.helsinki_investigator, *helsinki, world.ngo_worker,
                 world.assistance_caseworker, world.municipality_caseworker, *vantaa]  # fmt: skip
    for who in completed:
        assert attend(client, world.coordinator, held, who.user_id).status_code == 200
    # Attended without completing: not covered.
    not_done = attend(client, world.coordinator, held, frontline[0].user_id, completed=False)
    assert not_done.status_code == 200

    got = client.get(
        "/api/v1/actionplan/indicators/training_coverage", headers=world.ngo_frontline.auth
    ).json()
    # Investigators: the world's five (the national team's lead among them), five more in
    # Helsinki and one in Lapland; caseworkers: three and two in Vantaa; frontline: one
    # and four more at the NGO.
    assert {r["key"]: (r["numerator"], r["denominator"], r["value"]) for r in got["rows"]} == {
        "investigator": (6, 11, 54.5),
        "caseworker": (5, 5, 100.0),
        "frontline": (0, 5, 0.0),
    }
    assert (got["numerator"], got["denominator"], got["value"]) == (11, 21, 52.4)
    assert got["met"] is False and got["target"] == 80.0
    assert lapland.user_id not in {c.user_id for c in completed}

    coverage = client.get(
        "/api/v1/training/coverage", params={"by": "organisation"}, headers=world.analyst.auth
    )
    assert coverage.status_code == 200
    body = coverage.json()
    cells = {(c["group"], c["role"]): c for c in body["groups"]}
    # Organisations with fewer than five people in these roles are counted together.
    groups = {c["group"] for c in body["groups"]}
    assert "other" in groups and "Vantaan kaupunki, sosiaalipalvelut" not in groups
    # What is published is true, and no published count is from 1 to 4; which cells the
    # disclosure control withholds is its own business (tests/test_disclosure*.py).
    truth = {
        ("Helsingin poliisilaitos", "investigator"): (6, 6),
        ("Pro-tuki ry (testi)", "caseworker"): (1, 1),
        ("Pro-tuki ry (testi)", "frontline"): (5, 0),
    }
    for key, (users, done) in truth.items():
        cell = cells[key]
        assert cell["users"] in (users, None) and cell["completed"] in (done, None), cell
        assert cell["suppressed"] is (cell["users"] is None or cell["completed"] is None)
    published = [c[k] for c in body["groups"] for k in ("users", "completed")]
    assert all(n is None or n == 0 or n >= 5 for n in published)
    assert cells["Pro-tuki ry (testi)", "caseworker"]["users"] is None
    courses = {(c["course_id"], c["role"]): c for c in body["courses"]}
    assert courses[course, "caseworker"]["completed"] == 5
    assert courses[course, "frontline"]["completed"] == 0
    assert courses[course, "investigator"]["completed"] == 6
    refused = client.get("/api/v1/training/coverage", headers=world.ngo_worker.auth)
    assert refused.status_code == 403


def test_police_departments_with_two_trained_designated_investigators(
    client: Any, world: Any, ctx: AppContext
) -> None:
    core = make_course(client, world, core=True)
    basics = make_course(client, world, core=False)
    core_session = make_session(client, world, core)
    basics_session = make_session(client, world, basics)
    chiefs = {
        org: make_person(ctx, world, org, f"Komisario {org.title()}", ["supervisor"])
        for org in ("helsinki", "sisasuomi", "itauusimaa")
    }
    second = {
        org: make_person(ctx, world, org, f"Rikoskonstaapeli {org.title()}", ["investigator"])
        for org in ("helsinki", "sisasuomi")
    }
    retired = make_person(ctx, world, "itauusimaa", "Vanhempi Konstaapeli", ["investigator"])
    since = today(ctx) - timedelta(days=200)
    with unit_of_work(ctx.db) as session:

        def designate(org: str, user_id: str, until: Any = None) -> None:
            chief = session.get(User, chiefs[org].user_id)
            assert chief is not None
            registry.designate(
                session,
                DesignationIn(user_id=user_id, function="designated", since=since, until=until),
                actor=actor_for(session, chief),
            )

        designate("helsinki", world.helsinki_investigator.user_id)
        designate("helsinki", second["helsinki"].user_id)
        designate("sisasuomi", world.sisasuomi_investigator.user_id)
        designate("sisasuomi", second["sisasuomi"].user_id)
        designate("itauusimaa", world.itauusimaa_investigator.user_id)
        # Ended yesterday: no longer in force, trained or not.
        designate("itauusimaa", retired.user_id, until=today(ctx) - timedelta(days=1))

    for who in (world.helsinki_investigator, second["helsinki"], world.sisasuomi_investigator,
                world.itauusimaa_investigator, retired):  # fmt: skip
        assert attend(client, world.coordinator, core_session, who.user_id).status_code == 200
    # Sisä-Suomi's second investigator completed only another course, and attended the core
    # course without completing it.
    sisasuomi = second["sisasuomi"].user_id
    assert attend(client, world.coordinator, basics_session, sisasuomi).status_code == 200
    assert attend(client, world.coordinator, core_session, sisasuomi, False).status_code == 200

    got = client.get(
        "/api/v1/actionplan/indicators/designated_investigators_trained",
        headers=world.ngo_frontline.auth,
    ).json()
    # Four departments (Helsinki, Sisä-Suomi, Itä-Uusimaa, Lappi); two have two designated
    # investigators in force; only Helsinki's have both completed the core course.
    assert (got["numerator"], got["denominator"], got["value"]) == (1, 4, 25.0)
    assert {r["key"]: (r["numerator"], r["value"]) for r in got["rows"]} == {
        "two_designated": (2, 50.0),
        "two_designated_trained": (1, 25.0),
    }
    assert got["met"] is False


# --- the pages -----------------------------------------------------------------------------------


def browser_for(client: Any, ctx: AppContext, persona: Any) -> tuple[Any, str]:
    """A page client signed in as `persona`, and its CSRF token."""
    from fastapi.testclient import TestClient

    with unit_of_work(ctx.db) as session:
        user = session.get(User, persona.user_id)
        assert user is not None
        cookie, ws = sessions.start_session(session, user, mfa_passed=True)
    browser = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    browser.cookies.set("__Host-opennrm_session", cookie)
    return browser, ws.csrf_token


def page_titles(text: str) -> dict[str, str]:
    return {f"title-{lang}": f"{text} ({lang})" for lang in ("fi", "sv", "en")}


def test_a_file_is_uploaded_checked_and_downloaded_as_an_attachment(
    client: Any, world: Any, ctx: AppContext
) -> None:
    browser, csrf = browser_for(client, ctx, world.coordinator)
    form = {"csrf_token": csrf, **page_titles("Tarkistuslista"), "audience": "investigator"}
    fake = browser.post(
        "/training/materials/new",
        data=form,
        files={"file": ("tarkistuslista.pdf", PNG, "application/pdf")},
    )
    assert fake.status_code == 422
    assert '<a href="#file">Tiedoston sisältö ei ole nimen mukaista tyyppiä</a>' in fake.text
    assert 'value="Tarkistuslista (sv)"' in fake.text  # what was typed is kept
    assert count(ctx, Material) == count(ctx, TrainingFile) == 0

    made = browser.post(
        "/training/materials/new",
        data=form,
        files={"file": ("Tarkistuslista – esitutkinta.pdf", PDF, "application/pdf")},
    )
    assert made.status_code == 303, made.text[:500]
    page = browser.get(made.headers["location"])
    assert "Aineisto lisättiin" in page.text and "Tarkistuslista – esitutkinta.pdf" in page.text
    material_id = made.headers["location"].split("/")[3].split("?")[0]
    reader, _ = browser_for(client, ctx, world.ngo_frontline)
    download = reader.get(f"/training/materials/{material_id}/file")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Tarkistuslista%20%E2%80%93%20esitutkinta.pdf"
        in (download.headers["content-disposition"])
    )


def test_a_material_page_escapes_what_the_writer_typed(
    client: Any, world: Any, ctx: AppContext
) -> None:
    made = material(client, world, body={"fi": INJECTION}).json()
    browser, _ = browser_for(client, ctx, world.ngo_worker)
    page = browser.get(f"/training/materials/{made['id']}")
    assert page.status_code == 200
    body = page.text.split('class="opennrm-markdown govuk-body"')[1].split("</div>")[0]
    assert "<h1>Tunnistaminen</h1>" in body and "<strong>Huomaa</strong>" in body
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in body
    assert "<script" not in body and "<img" not in body
    assert 'href="javascript' not in body.lower()
    # The page's own scripts are the layout's, none from the material.
    assert page.text.count("<script") == 2


def test_editing_a_material_in_the_page_keeps_the_old_version(
    client: Any, world: Any, ctx: AppContext
) -> None:
    browser, csrf = browser_for(client, ctx, world.coordinator)
    made = material(client, world).json()
    edit = f"/training/materials/{made['id']}/edit"
    assert "Tallentaminen lisää version 2." in browser.get(edit).text
    r = browser.post(
        edit,
        data={"csrf_token": csrf, **page_titles("Pakkotyön tunnistaminen"),
              "audience": ["frontline", "caseworker"], "body-fi": "Uusi teksti.",
              "note": "Otsikko selkeämmäksi."},
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("?done=version")
    now = browser.get(r.headers["location"]).text
    assert "Versio 2/2" in now and "Pakkotyön tunnistaminen (fi)" in now
    assert "Otsikko selkeämmäksi." in now
    old = browser.get(f"/training/materials/{made['id']}?version=1").text
    assert "Versio 1/2" in old and "Recognising forced labour (fi)" in old
    assert "Tämä on aineiston aiempi versio" in old
    assert browser.get(f"/training/materials/{made['id']}?version=7").status_code == 404
    assert count(ctx, MaterialVersion) == 2


def test_the_session_page_shows_only_the_attendees_one_may_see(
    client: Any, world: Any, ctx: AppContext
) -> None:
    course = make_course(client, world)
    held = make_session(client, world, course)
    for persona in (world.ngo_worker, world.ngo_frontline, world.assistance_caseworker):
        assert attend(client, world.coordinator, held, persona.user_id).status_code == 200
    ngo, csrf = browser_for(client, ctx, world.ngo_supervisor)
    page = ngo.get(f"/training/sessions/{held}").text
    assert "Chiamaka Eze" in page and "Ioana Popescu" in page
    assert "Nguyen Thi Lan" not in page
    # The supervisor's form offers their own staff only.
    form = page.split('id="user_id"')[1].split("</select>")[0]
    assert "Chiamaka Eze" in form and "Nguyen Thi Lan" not in form and "Helena" not in form
    # And posting someone else's id anyway is "not found", nothing recorded.
    r = ngo.post(
        f"/training/sessions/{held}/attendance",
        data={"csrf_token": csrf, "user_id": world.helsinki_investigator.user_id,
              "completed": "yes"},
    )  # fmt: skip
    assert r.status_code == 404
    missing = ngo.post(
        f"/training/sessions/{held}/attendance", data={"csrf_token": csrf, "completed": "yes"}
    )
    assert missing.status_code == 422 and '<a href="#user_id">Valitse henkilö</a>' in missing.text
    assert count(ctx, Attendance) == 3
    worker, _ = browser_for(client, ctx, world.ngo_worker)
    own = worker.get("/training/attendance").text
    assert "Chiamaka Eze" in own and "Ioana Popescu" not in own
