"""The investigation pages through a signed-in browser session (TestClient): opening an
investigation from the referral page, the purpose asked once per session and case (and
recorded with every read), the stage form and its errors, notes, the question to the
national team, deconfliction, and what other units and NGOs get: no menu item, an empty
list and the same "not found" page as for an id that never existed.

The data is made through the API (as another system would); the pages under test are
used only through their forms, with the session's CSRF token.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from opennrm.audit.models import AuditEvent
from opennrm.auth import sessions
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.errors import Invalid
from opennrm.investigations import purposes
from opennrm.investigations.models import ReadPurpose
from opennrm.uow import unit_of_work
from tests.personas import Persona, World
from tests.test_investigations import SUMMARY, open_case
from tests.test_pages_referrals import (
    Browser,
    counting,
    error_summary,
    make_signal,
    refer_api,
    text_of,
)

PURPOSE_H1 = "Why do you open this investigation?"
SUMMARY_START = SUMMARY[:40]  # the whole summary has quotes, which the page escapes


def new_id(location: str) -> str:
    match = re.fullmatch(r"/investigations/([0-9a-f-]{36})\?done=opened", location)
    assert match, location
    return match.group(1)


def give_purpose(browser: Browser, inv_id: str, choice: str = "investigation", **more: str) -> Any:
    r = browser.post(f"/investigations/{inv_id}/purpose", {"purpose": choice, **more})
    assert r.status_code == 303, r.text[:500]
    return r


def reads(ctx: AppContext, inv_id: str) -> list[tuple[str, str | None]]:
    with unit_of_work(ctx.db) as session:
        return [
            (str(user), purpose)
            for user, purpose in session.execute(
                select(AuditEvent.actor_user_id, AuditEvent.purpose)
                .where(
                    AuditEvent.record_id == inv_id,
                    AuditEvent.action == "investigation.read",
                    AuditEvent.outcome == "ok",
                )
                .order_by(AuditEvent.seq)
            )
        ]


# --- opening from the referral page, the purpose ------------------------------------------------


def test_open_from_the_referral_page_then_the_purpose_once_per_session(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)  # Vantaa: the police of Itä-Uusimaa
    referral_id = refer_api(client, world.ngo_worker, signal_id, "police", True)
    police = Browser(client, world.itauusimaa_investigator)

    referral = police.get(f"/referrals/{referral_id}").text
    link = f'href="/investigations/new?referral={referral_id}"'
    assert link in referral
    assert ">Open an investigation<" in referral.replace("\n", "")
    # The referring NGO sees no such button.
    assert link not in Browser(client, world.ngo_worker).get(f"/referrals/{referral_id}").text

    form = police.get(f"/investigations/new?referral={referral_id}").text
    assert f'name="referral_id" value="{referral_id}"' in form
    assert 'type="hidden" name="referral_id"' in form
    assert "Trafficking in human beings" in form and "Rikoslaki 25:3" in form

    # Nothing filled in: both required questions in the error summary, linked to fields.
    r = police.post(
        "/investigations/new",
        {"referral_id": referral_id, "from_referral": "yes", "action": "save"},
    )
    assert r.status_code == 422
    assert error_summary(r.text) == (
        "There is a problem Select at least one offence Enter a summary of the facts"
    )
    assert 'href="#offences"' in r.text and 'href="#summary"' in r.text
    assert 'id="offences"' in r.text and 'id="summary"' in r.text

    r = police.post(
        "/investigations/new",
        {
            "referral_id": referral_id,
            "from_referral": "yes",
            "offences": "RL-25-3",
            "summary": SUMMARY,
            "person_count": "1",
            "persons-0-category": "victim",
            "persons-0-names": "Nguyễn Văn Hùng",
            "persons-0-birth_date": "17.3.1994",
            "persons-0-nationality": "VN",
            "persons-0-phones": "+358 44 987 6543",
            "organisation_count": "1",
            "organisations-0-name": "Vantaan Runkotyö Oy",
            "addresses": "Tikkurilantie 44, 01300 Vantaa",
            "cross_border": "yes",
            "action": "save",
        },
    )
    assert r.status_code == 303, r.text[:800]
    inv_id = new_id(r.headers["location"])
    accepted = client.get(
        f"/api/v1/referrals/{referral_id}", headers=world.itauusimaa_investigator.auth
    ).json()
    assert accepted["status"] == "accepted"

    # First the purpose, and nothing of the case.
    first = police.get(r.headers["location"])
    assert first.status_code == 200
    assert PURPOSE_H1 in first.text and "The investigation was opened" in first.text
    assert SUMMARY_START not in first.text and "Hùng" not in first.text
    assert reads(ctx, inv_id) == []

    empty = police.post(f"/investigations/{inv_id}/purpose", {"done": "opened"})
    assert empty.status_code == 422
    assert error_summary(empty.text) == "There is a problem Select why you open this investigation"
    short = police.post(
        f"/investigations/{inv_id}/purpose", {"purpose": "other", "other_purpose": "x"}
    )
    assert short.status_code == 422
    assert "Describe the purpose in at least 5 characters" in error_summary(short.text)

    done = give_purpose(police, inv_id, "interview", done="opened")
    assert done.headers["location"] == f"/investigations/{inv_id}?done=opened"
    case = police.get(done.headers["location"]).text
    words = text_of(case)
    assert PURPOSE_H1 not in case
    assert SUMMARY_START in case and "Nguyễn Văn Hùng" in case
    assert "Victims" in words and "17.3.1994" not in words  # English: 17 Mar 1994
    assert "17 Mar 1994" in words and "Vietnam" in words
    assert "Trafficking in human beings (Rikoslaki 25:3)" in words
    assert "Your purpose: Preparing an interview." in words
    assert "No other police unit works on a case that shares" in words
    assert 'href="/referrals/' + referral_id + '"' in case

    # Asked once per session and case: the next view reads for the same purpose.
    again = police.get(f"/investigations/{inv_id}").text
    assert PURPOSE_H1 not in again and SUMMARY_START in again
    me = world.itauusimaa_investigator.user_id
    assert reads(ctx, inv_id)[-2:] == [
        (me, "preparing an interview"),
        (me, "preparing an interview"),
    ]

    # A new sign-in asks again, and a typed purpose is recorded as typed.
    other_session = Browser(client, world.itauusimaa_investigator)
    assert PURPOSE_H1 in other_session.get(f"/investigations/{inv_id}").text
    give_purpose(other_session, inv_id, "other", other_purpose="Syyttäjän  pyyntö 12/2026")
    assert SUMMARY_START in other_session.get(f"/investigations/{inv_id}").text
    assert reads(ctx, inv_id)[-1] == (me, "Syyttäjän pyyntö 12/2026")

    # The list shows it, with the offence by name and the cross-border tag.
    listed = police.get("/investigations").text
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*/investigations/{inv_id}.*?</tr>", listed, re.S)
    assert row, "the investigation is not in the list"
    cells = text_of(row.group(0))
    assert "POLICE-ITA-UUSIMAA-" in cells and "Itä-Uudenmaan poliisilaitos" in cells
    assert "Trafficking in human beings" in cells and "Reported" in cells
    assert "Cross-border" in cells

    # Opening a second investigation from the same referral is refused, and said why.
    twice = police.post(
        "/investigations/new",
        {
            "referral_id": referral_id,
            "from_referral": "yes",
            "offences": "RL-25-3",
            "summary": SUMMARY,
            "action": "save",
        },
    )
    assert twice.status_code == 409
    assert "already been opened from this referral" in error_summary(twice.text)


def test_opening_directly_with_persons_and_their_errors(client: TestClient, world: World) -> None:
    police = Browser(client, world.helsinki_investigator)
    form = police.get("/investigations/new").text
    assert 'id="referral_id"' in form and 'type="hidden" name="referral_id"' not in form

    base = {
        "offences": ["RL-25-3a", "RL-20-9"],
        "summary": "Kaksi naista asuu hierontalan takahuoneessa.",
        "person_count": "1",
        "persons-0-category": "suspect",
        "persons-0-names": "Ion Munteanu",
        "organisation_count": "1",
    }
    more = police.post("/investigations/new", {**base, "action": "add_person"})  # type: ignore[dict-item]
    assert more.status_code == 200
    assert 'id="persons-1-category"' in more.text and "autofocus" in more.text
    assert 'value="Ion Munteanu"' in more.text or ">Ion Munteanu<" in more.text

    bad = police.post(
        "/investigations/new",
        {
            **base,  # type: ignore[dict-item]
            "person_count": "2",
            "persons-1-names": "Olena Kovalenko",
            "persons-1-birth_date": "31.2.1990",
            "persons-1-phones": "not a number",
            "referral_id": "abc",
            "action": "save",
        },
    )
    assert bad.status_code == 422
    summary = error_summary(bad.text)
    assert "Enter the referral's id as it is shown in the address of the referral" in summary
    assert "Date of birth of person 2 must be a real date" in summary
    assert 'href="#persons-1-birth_date"' in bad.text and 'href="#referral_id"' in bad.text
    # What was typed is kept.
    assert "Olena Kovalenko" in bad.text and 'value="RL-25-3a" aria-describedby' in bad.text

    bad = police.post(
        "/investigations/new",
        {
            **base,  # type: ignore[dict-item]
            "person_count": "2",
            "persons-1-names": "Olena Kovalenko",
            "persons-1-phones": "not a number",
            "action": "save",
        },
    )
    assert bad.status_code == 422
    assert error_summary(bad.text) == (
        "There is a problem Select the category of person 2 "
        "Phone number on line 1 for person 2 is not valid. Include the country code, for "
        "example +358 40 123 4567"
    )

    ok = police.post(
        "/investigations/new",
        {
            **base,  # type: ignore[dict-item]
            "person_count": "2",
            "persons-1-category": "victim",
            "persons-1-names": "Olena Kovalenko\nOlena K.",
            "persons-1-phones": "+380 67 123 4567",
            "action": "save",
        },
    )
    assert ok.status_code == 303, error_summary(ok.text)
    inv_id = new_id(ok.headers["location"])
    give_purpose(police, inv_id)
    case = text_of(police.get(f"/investigations/{inv_id}").text)
    assert "Suspects Ion Munteanu" in case and "Victims Olena Kovalenko" in case
    assert "Other names Olena K." in case and "+380 67 123 4567" in case
    assert "Aggravated trafficking in human beings (Rikoslaki 25:3a)" in case
    assert "Pandering (Rikoslaki 20:9)" in case


# --- stages, notes, the national team ------------------------------------------------------------


def test_the_stage_form_and_its_errors(client: TestClient, world: World) -> None:
    inv = open_case(client, world.helsinki_investigator)
    police = Browser(client, world.helsinki_investigator)
    give_purpose(police, inv["id"])
    page = police.get(f"/investigations/{inv['id']}").text
    assert 'action="/investigations/' + inv["id"] + '/stages"' in page
    assert 'value="reported"' not in page  # only the stages ahead are offered

    r = police.post(f"/investigations/{inv['id']}/stages", {})
    assert r.status_code == 422
    assert error_summary(r.text) == (
        "There is a problem Select the stage the case has reached Enter the date of the stage"
    )
    assert 'href="#on-day"' in r.text and 'id="on-day"' in r.text

    today = utcnow().date()

    def stage(name: str, day: Any, outcome: str = "") -> Any:
        return police.post(
            f"/investigations/{inv['id']}/stages",
            {
                "stage": name,
                "on-day": str(day.day),
                "on-month": str(day.month),
                "on-year": str(day.year),
                "outcome": outcome,
            },
        )

    future = stage("pre_trial", today + timedelta(days=5))
    assert future.status_code == 422
    assert "The date of the stage cannot be in the future" in error_summary(future.text)
    early = stage("pre_trial", today - timedelta(days=40))
    assert early.status_code == 422
    assert "cannot be before the date of the current stage" in error_summary(early.text)
    bad_day = police.post(
        f"/investigations/{inv['id']}/stages",
        {"stage": "pre_trial", "on-day": "31", "on-month": "2", "on-year": "2026"},
    )
    assert "must be a real date" in error_summary(bad_day.text)
    assert re.search(r'value="pre_trial"[^>]*checked', bad_day.text)  # the choice is kept

    ok = stage("pre_trial", today)
    assert ok.status_code == 303
    assert ok.headers["location"] == f"/investigations/{inv['id']}?done=staged#stages"
    back = stage("reported", today)
    assert back.status_code == 409
    assert "a case moves forward only" in error_summary(back.text)
    assert stage("closed", today, "not_prosecuted").status_code == 303
    closed = text_of(police.get(f"/investigations/{inv['id']}").text)
    assert "Outcome: Not prosecuted" in closed and "The investigation is closed." in closed
    assert "Record the next stage" not in closed
    got = client.get(
        f"/api/v1/investigations/{inv['id']}",
        headers={**world.helsinki_investigator.auth, "X-Purpose": "checking the test"},
    ).json()
    assert [s["stage"] for s in got["stages"]] == ["reported", "pre_trial", "closed"]


def test_notes_and_a_question_to_the_national_team(client: TestClient, world: World) -> None:
    inv = open_case(client, world.itauusimaa_investigator)
    police = Browser(client, world.itauusimaa_investigator)
    give_purpose(police, inv["id"])
    r = police.post(f"/investigations/{inv['id']}/notes", {})
    assert error_summary(r.text) == (
        "There is a problem Select whether the note is a fact or an assessment Write the note"
    )
    r = police.post(
        f"/investigations/{inv['id']}/notes",
        {"kind": "assessment", "text": "Välittäjä on todennäköisesti sama kuin 2025."},
    )
    assert r.status_code == 303
    page = police.get(r.headers["location"]).text
    assert "govuk-tag--purple" in page and "Välittäjä on todennäköisesti" in page

    r = police.post(f"/investigations/{inv['id']}/consultations", {"question": " "})
    assert error_summary(r.text) == (
        "There is a problem Write your question to the national team "
        "Select how urgent the question is"
    )
    assert "The national team responds within 1 working day" in r.text
    r = police.post(
        f"/investigations/{inv['id']}/consultations",
        {"question": "Onko välittäjä tuttu muista tutkinnoista?", "urgency": "normal"},
    )
    assert r.status_code == 303, error_summary(r.text)
    asked = client.get("/api/v1/consultations", headers=world.national_team_lead.auth).json()[
        "items"
    ]
    assert [c["investigation_id"] for c in asked] == [inv["id"]]
    assert asked[0]["urgency"] == "normal"


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("outsider", ["helsinki_investigator", "ngo_worker"])
def test_others_get_the_not_found_page_before_any_purpose(
    client: TestClient, world: World, ctx: AppContext, outsider: str
) -> None:
    inv = open_case(client, world.itauusimaa_investigator)
    before = reads(ctx, inv["id"])  # the API's own read after opening
    who = Browser(client, getattr(world, outsider))
    ghost = str(uuid.UUID(int=0, version=4))
    for method, path, form in [
        ("GET", "/investigations/{}", None),
        ("POST", "/investigations/{}/purpose", {"purpose": "investigation"}),
        ("POST", "/investigations/{}/stages", {"stage": "pre_trial"}),
        ("POST", "/investigations/{}/notes", {"kind": "fact", "text": "x"}),
    ]:
        real = (
            who.get(path.format(inv["id"]))
            if method == "GET"
            else who.post(path.format(inv["id"]), form or {})
        )
        fake = (
            who.get(path.format(ghost))
            if method == "GET"
            else who.post(path.format(ghost), form or {})
        )
        assert real.status_code == 404, (path, real.status_code)
        assert real.text.replace(inv["id"], "ID") == fake.text.replace(ghost, "ID")
        assert PURPOSE_H1 not in real.text and inv["reference"] not in real.text
    assert reads(ctx, inv["id"]) == before
    with unit_of_work(ctx.db) as session:
        remembered = session.scalar(
            select(ReadPurpose.id).where(ReadPurpose.record_id == inv["id"])
        )
    assert remembered is None
    assert inv["reference"] not in who.get("/investigations").text


def test_ngo_sees_no_menu_item_an_empty_list_and_no_form(client: TestClient, world: World) -> None:
    open_case(client, world.helsinki_investigator)
    ngo = Browser(client, world.ngo_worker, locale="fi")
    signals = ngo.get("/signals").text
    assert 'href="/investigations"' not in signals
    listed = ngo.get("/investigations")
    assert listed.status_code == 200
    assert "Tutkintoja, jotka saat nähdä, ei ole." in text_of(listed.text)
    assert 'href="/investigations/new"' not in listed.text
    assert ngo.get("/investigations/new").status_code == 403

    police = Browser(client, world.helsinki_investigator, locale="fi")
    nav = police.get("/signals").text
    assert 'href="/investigations"' in nav and ">Tutkinnat<" in nav.replace("\n", "").replace(
        " ", ""
    )
    swedish = Browser(client, world.helsinki_investigator, locale="sv").get("/investigations")
    assert "Förundersökningar" in swedish.text


def test_deconfliction_tells_the_unit_and_the_contact_only(
    client: TestClient, world: World
) -> None:
    helsinki = open_case(client, world.helsinki_investigator)
    mine = open_case(
        client,
        world.sisasuomi_investigator,
        persons=[{"category": "suspect", "names": ["Ion Munteanu"], "phones": ["040 765 4321"]}],
        organisations=[],
        addresses=[],
    )
    police = Browser(client, world.sisasuomi_investigator)
    give_purpose(police, mine["id"], "supervision")
    box = re.search(
        r'<div class="govuk-notification-banner"[^>]*id="deconfliction".*?</div>\s*</div>',
        police.get(f"/investigations/{mine['id']}").text,
        re.S,
    )
    assert box, "no deconfliction box"
    words = text_of(box.group(0))
    assert (
        "Helsingin poliisilaitos works on a case that shares a phone number with this one." in words
    )
    assert "helsinki@example.fi" in words.replace(" ", "")
    assert helsinki["reference"] not in box.group(0) and helsinki["id"] not in box.group(0)


def test_the_case_and_the_list_make_the_same_queries_for_one_or_many(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    inv = open_case(client, world.helsinki_investigator)
    police = Browser(client, world.helsinki_investigator)
    give_purpose(police, inv["id"])
    with counting(ctx) as list_one:
        assert police.get("/investigations").status_code == 200
    with counting(ctx) as case_before:
        assert police.get(f"/investigations/{inv['id']}").status_code == 200
    for _ in range(3):
        open_case(client, world.helsinki_investigator)
    for kind in ("fact", "assessment", "fact"):
        client.post(
            f"/api/v1/investigations/{inv['id']}/notes",
            json={"kind": kind, "text": "Muistiinpano."},
            headers=world.helsinki_investigator.auth,
        )
    with counting(ctx) as list_four:
        assert police.get("/investigations").text.count('href="/investigations/') >= 4
    assert len(list_four) == len(list_one), list_four
    with counting(ctx) as case_after:
        assert police.get(f"/investigations/{inv['id']}").text.count("govuk-tag--purple") == 1
    assert len(case_after) == len(case_before), case_after


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("fi", ["Miksi avaat tämän tutkinnan?", "Tutkinnan suorittaminen", "Jatka"]),
        ("sv", ["Varför öppnar du den här förundersökningen?", "Fortsätt"]),
    ],
)
def test_the_purpose_page_in_finnish_and_swedish(
    client: TestClient, world: World, locale: str, words: list[str]
) -> None:
    inv = open_case(client, world.helsinki_investigator)
    page = Browser(client, world.helsinki_investigator, locale=locale).get(
        f"/investigations/{inv['id']}"
    )
    assert f'<html lang="{locale}"' in page.text
    for word in words:
        assert word in page.text, word


# --- the purposes kept per session ---------------------------------------------------------------


def test_purposes_are_kept_per_session_and_record(ctx: AppContext, world: World) -> None:
    persona: Persona = world.helsinki_investigator
    with unit_of_work(ctx.db) as session:
        user = session.get(User, persona.user_id)
        assert user is not None
        raw, ws = sessions.start_session(session, user, mfa_passed=True)
        other_raw, _ = sessions.start_session(session, user, mfa_passed=True)
    key = purposes.session_key(raw)
    assert key == ws.id_hash and key != purposes.session_key(other_raw)
    record = str(uuid.uuid4())
    with unit_of_work(ctx.db) as session:
        assert purposes.remembered_purpose(session, key, "investigation", record) is None
        purposes.remember_purpose(session, key, "investigation", record, "  case review ")
    with unit_of_work(ctx.db) as session:
        assert purposes.remembered_purpose(session, key, "investigation", record) == "case review"
        other = purposes.session_key(other_raw)
        assert purposes.remembered_purpose(session, other, "investigation", record) is None
        assert purposes.remembered_purpose(session, key, "investigation", str(uuid.uuid4())) is None
        # Given again (a form sent twice), the newer purpose replaces the older.
        purposes.remember_purpose(session, key, "investigation", record, "supervision")
    with unit_of_work(ctx.db) as session:
        assert purposes.remembered_purpose(session, key, "investigation", record) == "supervision"
        count = len(session.scalars(select(ReadPurpose.id)).all())
    assert count == 1
    with pytest.raises(Invalid), unit_of_work(ctx.db) as session:
        purposes.remember_purpose(session, key, "investigation", record, "x")


# --- consultations and the workload board --------------------------------------------------------


def test_the_national_team_accepts_and_joins_from_its_inbox(
    client: TestClient, world: World
) -> None:
    inv = open_case(client, world.itauusimaa_investigator)
    asker = Browser(client, world.itauusimaa_investigator)
    give_purpose(asker, inv["id"])
    r = asker.post(
        f"/investigations/{inv['id']}/consultations",
        {
            "question": "Tarvitsemme tulkin ja kokemusta vastaavista tapauksista.",
            "urgency": "urgent",
        },
    )
    assert r.status_code == 303
    outgoing = asker.get("/consultations").text
    assert inv["reference"] in outgoing and "Asked" in outgoing

    team = Browser(client, world.national_team_lead)
    inbox = team.get("/consultations")
    assert inbox.status_code == 200
    row = re.search(r'<table[^>]*id="incoming".*?</table>', inbox.text, re.S)
    assert row, "no inbox"
    cells = text_of(row.group(0))
    assert "Itä-Uudenmaan poliisilaitos" in cells and "Urgent" in cells
    assert re.search(r"\d+ \w{3} \d{4}", cells) and ("working day" in cells or "Due today" in cells)
    consultation_id = re.search(r'href="/consultations/([0-9a-f-]{36})"', row.group(0)).group(1)  # type: ignore[union-attr]
    # The team cannot read the case before it joins.
    assert team.get(f"/investigations/{inv['id']}").status_code == 404

    page = team.get(f"/consultations/{consultation_id}").text
    assert "Tarvitsemme tulkin" in page and 'action="/consultations/' in page
    r = team.post(f"/consultations/{consultation_id}/responses", {})
    assert r.status_code == 422 and error_summary(r.text) == "There is a problem Select a response"
    assert (
        team.post(f"/consultations/{consultation_id}/responses", {"response": "accept"}).status_code
        == 303
    )
    r = team.post(f"/consultations/{consultation_id}/responses", {"response": "join"})
    assert r.status_code == 422
    assert "Enter the last day on the case team" in error_summary(r.text)
    until = utcnow().date() + timedelta(days=14)
    r = team.post(
        f"/consultations/{consultation_id}/responses",
        {
            "response": "join",
            "join_until-day": str(until.day),
            "join_until-month": str(until.month),
            "join_until-year": str(until.year),
        },
    )
    assert r.status_code == 303, error_summary(r.text)
    joined = text_of(team.get(r.headers["location"]).text)
    assert "Joined the case team" in joined and "The response was saved" in joined
    # Now on the case team: the purpose page, then the case.
    assert PURPOSE_H1 in team.get(f"/investigations/{inv['id']}").text
    give_purpose(team, inv["id"], "consultation")
    case_page = team.get(f"/investigations/{inv['id']}").text
    assert SUMMARY_START in case_page
    # The case team shows who joined, and until when.
    team_row = text_of(case_page.split('id="case-team"', 1)[1].split("</dd>", 1)[0])
    assert "Sari Laine" in team_row and "until" in team_row

    # Another department learns nothing of it.
    other = Browser(client, world.helsinki_investigator)
    assert other.get(f"/consultations/{consultation_id}").status_code == 404
    assert consultation_id not in other.get("/consultations").text
    # The asking unit reads the outcome, but does not respond.
    mine = asker.get(f"/consultations/{consultation_id}").text
    assert "Joined the case team" in text_of(mine) and 'action="/consultations/' not in mine
    refused = asker.post(f"/consultations/{consultation_id}/responses", {"response": "close"})
    assert refused.status_code == 403


def test_the_workload_board(client: TestClient, world: World) -> None:
    open_case(client, world.itauusimaa_investigator)
    open_case(client, world.itauusimaa_investigator)
    open_case(client, world.helsinki_investigator)
    board = Browser(client, world.national_team_lead).get("/workload")
    assert board.status_code == 200
    assert board.text.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 1
    rows = {
        text_of(m.group(1)).strip(): text_of(m.group(0))
        for m in re.finditer(
            r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>(.*?)</th>.*?</tr>',
            board.text,
            re.S,
        )
    }
    assert rows["Itä-Uudenmaan poliisilaitos"].split()[2:4] == ["2", "2"]
    assert "Helsingin poliisilaitos" in rows and "Fewer than two" in rows["Helsingin poliisilaitos"]
    own = Browser(client, world.itauusimaa_investigator).get("/workload").text
    assert "Itä-Uudenmaan poliisilaitos" in own and "Helsingin poliisilaitos" not in own
    assert Browser(client, world.ngo_worker).get("/workload").status_code == 403
    # A coordinator reaches the national board from the menu; an NGO worker has no link.
    national = Browser(client, world.coordinator).get("/workload")
    assert national.status_code == 200 and 'href="/workload"' in national.text
    assert 'href="/workload"' not in Browser(client, world.ngo_worker).get("/signals").text


def test_a_shared_support_case_shows_its_status_but_nothing_else(
    client: TestClient, world: World
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    support = client.post(
        f"/api/v1/signals/{signal_id}/referrals",
        json={"target": "assistance_system", "consent": True},
        headers=world.ngo_worker.auth,
    ).json()
    client.post(
        f"/api/v1/referrals/{support['id']}/decisions",
        json={"decision": "admit", "reason": "Salainen perustelu: turvakoti Joutsenossa."},
        headers=world.assistance_caseworker.auth,
    )
    police = Browser(client, world.itauusimaa_investigator)
    assert police.get(f"/referrals/{support['id']}").status_code == 404
    # This person did not consent to the police: only a statutory basis will do.
    shared = client.post(
        f"/api/v1/referrals/{support['id']}/shares",
        json={
            "organisation_id": world.orgs["itauusimaa"],
            "basis": "statutory",
            "expires_on": (utcnow().date() + timedelta(days=30)).isoformat(),
        },
        headers=world.assistance_caseworker.auth,
    )
    assert shared.status_code == 201, shared.text
    page = police.get(f"/referrals/{support['id']}")
    assert page.status_code == 200
    assert "Salainen perustelu" not in page.text and "Joutsenossa" not in page.text
    assert 'name="decision"' not in page.text  # no decision form for a follower
