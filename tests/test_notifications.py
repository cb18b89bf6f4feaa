"""Notifications: who gets them, the unread filter, marking them read (only one's own),
and the page that leads a data protection officer to the audit trail.

Run on SQLite and PostgreSQL like the rest (`OPENNRM_TEST_DATABASE_URL`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from opennrm.audit.models import AuditEvent
from opennrm.auth.actions import actor_for, set_locale
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.errors import Invalid
from opennrm.notifications.models import Notification
from opennrm.uow import unit_of_work
from tests.personas import PASSWORD, Persona, World

SIGNAL = {
    "exploitation_types": ["labour"],
    "summary": "Marjanpoimijat asuvat ladossa; passit ovat työnantajalla.",
    "municipality": "Vantaa",
    "persons": [{"role": "victim", "names": ["Nguyễn Văn An"], "phones": ["+84 912 345 678"]}],
}
JUSTIFICATION = "The victim called the emergency number and says she is locked in a flat."


def record_signal(client: TestClient, world: World) -> str:
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=SIGNAL)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def break_glass(client: TestClient, who: Persona, signal_id: str, hours: int = 2) -> None:
    r = client.post(
        f"/api/v1/signals/{signal_id}/break-glass",
        headers=who.auth,
        json={"justification": JUSTIFICATION, "hours": hours},
    )
    assert r.status_code == 201, r.text


def notes(client: TestClient, who: Persona, **params: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/notifications", headers=who.auth, params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


def mark(client: TestClient, who: Persona, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/notifications/read", headers=who.auth, json=body)


def audit_count(ctx: AppContext) -> int:
    with unit_of_work(ctx.db) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


# --- the API ---------------------------------------------------------------------------------


def test_break_glass_notifies_the_dpos_of_both_organisations(
    client: TestClient, world: World
) -> None:
    signal_id = record_signal(client, world)
    break_glass(client, world.helsinki_investigator, signal_id, hours=3)

    for dpo in (world.dpo, world.helsinki_dpo):
        [note] = notes(client, dpo)
        assert note["kind"] == "break_glass"
        assert note["record_type"] == "signal"
        assert note["record_id"] == signal_id
        assert note["read_at"] is None
        assert note["message"] == (
            f"Emergency access to a signal for 3 h by {world.helsinki_investigator.email}."
        )
        # A reference and a message, never the content of the record.
        assert "Marjanpoimijat" not in str(note)
        assert "Nguyễn" not in str(note)
    # Nobody else is told.
    for other in (world.ngo_worker, world.ngo_supervisor, world.helsinki_investigator):
        assert notes(client, other) == []
    assert notes(client, world.sisasuomi_investigator) == []


def test_unread_filter_and_marking_one_then_all(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    signal_id = record_signal(client, world)
    break_glass(client, world.helsinki_investigator, signal_id)
    break_glass(client, world.sisasuomi_investigator, signal_id)
    dpo = world.dpo

    both = notes(client, dpo)
    assert len(both) == 2
    # Newest first: Sisä-Suomi asked second.
    assert world.sisasuomi_investigator.email in both[0]["message"]
    assert both[0]["created_at"] >= both[1]["created_at"]
    assert notes(client, dpo, unread="true") == both

    before = audit_count(ctx)
    r = mark(client, dpo, {"ids": [both[1]["id"]]})
    assert r.status_code == 200, r.text
    assert r.json() == {"marked": 1}
    unread = notes(client, dpo, unread="true")
    assert [n["id"] for n in unread] == [both[0]["id"]]
    everything = {n["id"]: n for n in notes(client, dpo)}
    first_read_at = everything[both[1]["id"]]["read_at"]
    assert first_read_at is not None

    # Marking it again changes nothing, not even the time it was first read.
    assert mark(client, dpo, {"ids": [both[1]["id"]]}).json() == {"marked": 0}
    assert {n["id"]: n for n in notes(client, dpo)}[both[1]["id"]]["read_at"] == first_read_at
    # An empty list marks nothing; no list marks all.
    assert mark(client, dpo, {"ids": []}).json() == {"marked": 0}
    assert len(notes(client, dpo, unread="true")) == 1
    assert mark(client, dpo, {}).json() == {"marked": 1}
    assert notes(client, dpo, unread="true") == []
    assert mark(client, dpo, {}).json() == {"marked": 0}
    assert len(notes(client, dpo)) == 2

    # Reading and marking notifications is interface state, not an audited act.
    notes(client, dpo)
    assert audit_count(ctx) == before
    # The Helsinki DPO's notification (of their own investigator's access) is untouched.
    assert len(notes(client, world.helsinki_dpo, unread="true")) == 1


def test_another_users_notification_cannot_be_marked(client: TestClient, world: World) -> None:
    signal_id = record_signal(client, world)
    break_glass(client, world.helsinki_investigator, signal_id)
    [theirs] = notes(client, world.dpo)
    [mine] = notes(client, world.helsinki_dpo)
    ghost = str(uuid.uuid4())

    for ids in ([theirs["id"]], [mine["id"], theirs["id"]], [ghost], [mine["id"], ghost]):
        r = mark(client, world.helsinki_dpo, {"ids": ids})
        assert r.status_code == 404, r.text
        # Someone else's id and an id that never existed get the same answer.
        assert r.json() == {"error": {"code": "not_found", "message": "No such notification."}}
    # Nothing changed, not even the caller's own notification named beside the other.
    assert notes(client, world.dpo, unread="true") == [theirs]
    assert notes(client, world.helsinki_dpo, unread="true") == [mine]


def test_bad_bodies_are_refused(client: TestClient, world: World) -> None:
    assert mark(client, world.dpo, {"ids": "all"}).status_code == 422
    assert mark(client, world.dpo, {"ids": ["x" * 37]}).status_code == 422
    assert mark(client, world.dpo, {"all": True}).status_code == 422
    assert mark(client, world.dpo, {"ids": [str(uuid.uuid4())] * 501}).status_code == 422


def test_set_locale_is_validated(ctx: AppContext, world: World) -> None:
    with unit_of_work(ctx.db) as session:
        user = session.get(User, world.ngo_worker.user_id)
        assert user is not None
        actor = actor_for(session, user)
        with pytest.raises(Invalid):
            set_locale(session, actor=actor, locale="de")
        set_locale(session, actor=actor, locale="sv")
    with unit_of_work(ctx.db) as session:
        user = session.get(User, world.ngo_worker.user_id)
        assert user is not None
        assert user.locale == "sv"


# --- the pages -------------------------------------------------------------------------------


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="https://testserver", follow_redirects=False)


def sign_in(browser: TestClient, who: Persona, locale: str = "en") -> str:
    """Sign in through the form and choose a language; returns the session's CSRF token."""
    page = browser.get("/login")
    r = browser.post(
        "/login",
        data={
            "csrf_token": csrf_in(page.text),
            "email": who.email,
            "password": PASSWORD,
            "otp": "",
            "next": "/signals",
        },
    )
    assert r.status_code == 303, r.text
    token = csrf_in(browser.get("/account").text)
    r = browser.post("/language", data={"csrf_token": token, "locale": locale, "next": "/"})
    assert r.status_code == 303
    return token


def nav_link(html: str) -> tuple[str, str]:
    """The navigation's notifications link: (what is seen, what only a screen reader reads)."""
    match = re.search(
        r'<a class="govuk-service-navigation__link" href="/notifications"[^>]*>(.*?)</a>',
        html,
        re.S,
    )
    assert match, "no notifications link in the service navigation"
    inner = match.group(1)
    hidden = re.findall(r'<span class="govuk-visually-hidden">(.*?)</span>', inner)
    seen = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", inner)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", seen)).strip(), " ".join(hidden)


def test_the_dpo_follows_a_notification_to_the_audit_trail(
    client: TestClient, browser: TestClient, world: World
) -> None:
    signal_id = record_signal(client, world)
    token = sign_in(browser, world.dpo)
    assert nav_link(browser.get("/signals").text) == ("Notifications", "")

    break_glass(client, world.helsinki_investigator, signal_id)
    # Counted on every request: the very next page shows it.
    home = browser.get("/signals").text
    # Seen as "Notifications (1)", heard as "Notifications (1 unread)".
    assert nav_link(home) == ("Notifications (1)", "(1 unread)")
    assert '<span aria-hidden="true"> (1)</span>' in home

    page = browser.get("/notifications")
    assert page.status_code == 200
    html = page.text
    assert '<h1 class="govuk-heading-l">Notifications</h1>' in html
    assert "Emergency access" in html
    assert "Someone used emergency access to read a signal" in html
    assert world.helsinki_investigator.email in html
    assert '<strong class="govuk-tag govuk-tag--blue">New</strong>' in html
    assert "Mark all as read" in html
    # A DPO may read the trail but not the signal: only the trail is linked.
    assert f'href="/signals/{signal_id}/audit"' in html
    assert "View audit trail" in html
    assert f'href="/signals/{signal_id}"' not in html
    assert "Nguyễn" not in html

    trail = browser.get(f"/signals/{signal_id}/audit")
    assert trail.status_code == 200
    assert "Emergency access" in trail.text
    assert world.helsinki_investigator.email in trail.text.replace("<wbr>", "")
    assert "Nguyễn" not in trail.text

    # A forged form changes nothing.
    assert browser.post("/notifications/read", data={"csrf_token": "forged"}).status_code == 403
    assert nav_link(browser.get("/signals").text)[0] == "Notifications (1)"

    r = browser.post("/notifications/read", data={"csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/notifications?done=read"
    after = browser.get(r.headers["location"]).text
    assert "All notifications are marked as read" in after
    assert "govuk-tag--blue" not in after
    assert "Mark all as read" not in after
    assert nav_link(after) == ("Notifications", "")
    assert f'href="/signals/{signal_id}/audit"' in after  # still listed, now read


def test_the_page_in_finnish_and_for_a_dpo_who_cannot_open_the_record(
    client: TestClient, browser: TestClient, world: World
) -> None:
    signal_id = record_signal(client, world)
    break_glass(client, world.helsinki_investigator, signal_id)
    # The Helsinki DPO is told (their investigator used emergency access), but the trail
    # belongs to the NGO: no link to a page that would answer "not found".
    sign_in(browser, world.helsinki_dpo, locale="fi")
    html = browser.get("/notifications").text
    assert '<html lang="fi"' in html
    assert nav_link(html) == ("Viestit (1)", "(1 lukematon)")
    assert "Hätäpääsy" in html
    assert "Joku avasi hätäpääsyllä ilmoituksen" in html
    assert '<strong class="govuk-tag govuk-tag--blue">Uusi</strong>' in html
    assert "Et voi avata tätä tietoa" in html
    assert f"/signals/{signal_id}" not in html
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}", html)  # the moment filter
    # The stored message is English: it says so, for screen readers.
    assert (
        f'lang="en">Emergency access to a signal for 2 h by {world.helsinki_investigator.email}.'
        in html
    )


def test_a_match_links_the_holder_to_the_signal(
    client: TestClient, browser: TestClient, world: World
) -> None:
    signal_id = record_signal(client, world)
    # The police record the same phone number; the search tells the NGO's author.
    police = {**SIGNAL, "summary": "Puhelinnumero löytyi takavarikoidusta puhelimesta."}
    r = client.post("/api/v1/signals", headers=world.helsinki_investigator.auth, json=police)
    assert r.status_code == 201, r.text
    r = client.get(
        f"/api/v1/signals/{r.json()['id']}/matches", headers=world.helsinki_investigator.auth
    )
    assert r.status_code == 200, r.text
    assert [n["kind"] for n in notes(client, world.ngo_worker)] == ["match_hit"]

    sign_in(browser, world.ngo_worker)
    html = browser.get("/notifications").text
    assert "Match found" in html
    assert f'href="/signals/{signal_id}"' in html
    assert f'href="/signals/{signal_id}/audit"' not in html  # a caseworker reads no trail
    assert "View signal" in html


def test_an_empty_list(browser: TestClient, world: World) -> None:
    sign_in(browser, world.analyst)
    html = browser.get("/notifications").text
    assert "You have no notifications." in html
    assert "Mark all as read" not in html
    assert 'aria-current="page"' in html


@contextmanager
def counting(ctx: AppContext) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", count)


def test_the_page_makes_the_same_queries_for_one_or_many(
    client: TestClient, browser: TestClient, world: World, ctx: AppContext
) -> None:
    signal_id = record_signal(client, world)
    sign_in(browser, world.dpo)
    break_glass(client, world.helsinki_investigator, signal_id)
    with counting(ctx) as one:
        assert browser.get("/notifications").status_code == 200
    with unit_of_work(ctx.db) as session:
        for n in range(5):
            session.add(
                Notification(
                    user_id=world.dpo.user_id,
                    kind="break_glass",
                    record_type="signal",
                    record_id=signal_id,
                    message=f"Emergency access {n}.",
                )
            )
    with counting(ctx) as six:
        html = browser.get("/notifications").text
    assert html.count("govuk-tag--blue") == 6
    assert len(six) == len(one), six
    # The unread count in the navigation is one COUNT on every page.
    assert sum("count(" in s.lower() and "notifications" in s for s in six) == 1
