"""The referral pages through a signed-in browser session (TestClient): referring from
the signal page, the queue and its clocks, deciding on a case (and being refused), the
support plan and notes, anonymous notifications, the ageing report, the timeline, and
the pages in Finnish, Swedish and English.

The data is made through the API (as another organisation's system would); the pages
under test are used only through their forms, with the session's CSRF token.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from opennrm.audit.models import AuditEvent
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.referrals.models import Referral
from opennrm.uow import unit_of_work
from tests.personas import PASSWORD, Persona, World

VICTIM = "Nguyễn Văn Hùng"
PHONE = "+358 44 987 6543"
SUMMARY = "Rakennustyömaalla Vantaalla työskentelevä mies kertoo, että passi on työnantajalla."
SIGNAL: dict[str, Any] = {
    "exploitation_types": ["labour"],
    "summary": SUMMARY,
    "occurred_on": "2026-10-12",
    "municipality": "Vantaa",
    "persons": [
        {
            "role": "victim",
            "names": [VICTIM],
            "birth_date": "1994-03-17",
            "gender": "male",
            "nationality": "VN",
            "phones": [PHONE],
        }
    ],
}


# --- helpers --------------------------------------------------------------------------------


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """One person's signed-in session, as their browser would hold it."""

    def __init__(self, client: TestClient, who: Persona, locale: str = "en") -> None:
        self.http = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
        page = self.http.get("/login")
        r = self.http.post(
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
        self.token = csrf_in(self.http.get("/account").text)
        self.language(locale)

    def language(self, locale: str) -> None:
        r = self.http.post("/language", data={"csrf_token": self.token, "locale": locale})
        assert r.status_code == 303

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str]) -> Any:
        return self.http.post(path, data={"csrf_token": self.token, **data})


def text_of(html: str) -> str:
    """The page's visible words, one space between them (for phrases split by tags)."""
    no_tags = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", no_tags.replace("&#39;", "'").replace("&amp;", "&"))


def make_signal(client: TestClient, who: Persona, **changes: Any) -> str:
    body = copy.deepcopy(SIGNAL)
    body.update(changes)
    r = client.post("/api/v1/signals", json=body, headers=who.auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def refer_api(client: TestClient, who: Persona, signal_id: str, target: str, consent: bool) -> str:
    r = client.post(
        f"/api/v1/signals/{signal_id}/referrals",
        json={"target": target, "consent": consent},
        headers=who.auth,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def read_api(client: TestClient, who: Persona, referral_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/referrals/{referral_id}", headers=who.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def finnish_day(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{day}.{month}.{year}"


def error_summary(html: str) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no error summary on the page"
    return text_of(match.group(0)).strip()


# --- referring from the signal page ------------------------------------------------------------


def test_refer_from_the_signal_page(client: TestClient, world: World) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    ngo = Browser(client, world.ngo_worker)

    page = ngo.get(f"/signals/{signal_id}").text
    assert f'action="/signals/{signal_id}/referrals"' in page
    assert f'hx-get="/signals/{signal_id}/referrals"' in page
    assert f'href="/signals/{signal_id}/timeline"' in page
    assert "a child is referred with their identity whatever the consent" in text_of(page).lower()
    fragment = ngo.get(f"/signals/{signal_id}/referrals", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert "The signal has not been referred." in fragment

    # Nothing chosen: both questions are answered with errors, nothing is sent.
    r = ngo.post(f"/signals/{signal_id}/referrals", {})
    assert r.status_code == 422
    assert error_summary(r.text) == (
        "There is a problem Select where to refer Select whether the person consented"
    )
    assert client.get("/api/v1/referrals", headers=world.ngo_worker.auth).json()["total"] == 0

    r = ngo.post(f"/signals/{signal_id}/referrals", {"target": "police", "consent": "yes"})
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert re.fullmatch(r"/referrals/[0-9a-f-]{36}\?done=referred", location)
    referral_id = location.split("/")[2].split("?")[0]
    done = ngo.get(location).text
    assert "The referral was sent" in done
    assert "Itä-Uudenmaan poliisilaitos" in done  # Vantaa → the police of Itä-Uusimaa
    assert (
        read_api(client, world.ngo_worker, referral_id)["target_organisation_id"]
        == (world.orgs["itauusimaa"])
    )

    listed = ngo.get(f"/signals/{signal_id}/referrals", headers={"HX-Request": "true"}).text
    assert f'href="/referrals/{referral_id}"' in listed
    assert "Referral to the police" in listed and "Received" in listed

    # The same again is refused by the action (409), and the page says why.
    again = ngo.post(f"/signals/{signal_id}/referrals", {"target": "police", "consent": "yes"})
    assert again.status_code == 409
    assert "already has an open referral to the same receiver" in error_summary(again.text)
    assert re.search(r'value="police"[^>]* checked', again.text)  # the answers are kept


def test_the_police_queue_shows_the_deadline_and_the_time_left(
    client: TestClient, world: World
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral_id = refer_api(client, world.ngo_worker, signal_id, "police", True)
    clock = read_api(client, world.itauusimaa_investigator, referral_id)["clock"]
    police = Browser(client, world.itauusimaa_investigator, locale="fi")

    queue = police.get("/referrals")
    assert queue.status_code == 200
    html = queue.text
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*/referrals/{referral_id}.*?</tr>", html, re.S)
    assert row, "the referral is not in the queue"
    cells = text_of(row.group(0))
    assert finnish_day(clock["deadline"]) in cells  # d.m.yyyy
    left = clock["working_days_left"]
    assert (f"{left} työpäivää jäljellä" if left != 1 else "1 työpäivä jäljellä") in cells
    assert "Pro-tuki ry (testi)" in cells and "Ohjaus poliisille" in cells
    assert "Vastaanotettu" in cells
    assert "Saapuneet" in html and "Lähetetyt" in html
    assert 'aria-current="page"' in html and ">Ohjaukset<" in html.replace("\n", "")

    # The caseworker's own organisation sent it: it is under "Sent", with its status.
    ngo = Browser(client, world.ngo_worker)
    sent = ngo.get("/referrals").text
    assert "No open referrals are waiting for your organisation." in sent
    assert "Itä-Uudenmaan poliisilaitos" in sent and "Received" in sent


def test_an_overdue_referral_is_marked_red_in_the_queue_and_counted(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", True)
    with unit_of_work(ctx.db) as session:
        # Ten days past its deadline: set up directly, the clock cannot be waited for.
        due = ctx.referral_config.local_day(utcnow()) - timedelta(days=10)
        session.execute(update(Referral).where(Referral.id == referral_id).values(deadline=due))
    caseworker = Browser(client, world.assistance_caseworker)
    html = caseworker.get("/referrals").text
    assert '<strong class="govuk-tag govuk-tag--red">Overdue by 10 days</strong>' in html
    assert f"{due.day} {due.strftime('%b')} {due.year}" in html  # English: 2 Nov 2026

    coordinator = Browser(client, world.coordinator)
    ageing = coordinator.get("/referrals/ageing")
    assert ageing.status_code == 200
    page = ageing.text
    assert "<svg" in page and 'role="img"' in page
    assert 'aria-labelledby="ageing-chart-caption"' in page and 'id="ageing-chart-caption"' in page
    row = re.search(r"<tr[^>]*>\s*<th scope=\"row\"[^>]*>Ihmiskaupan uhrien.*?</tr>", page, re.S)
    assert row, "no row for the assistance system"
    assert text_of(row.group(0)).split()[-6:] == ["1", "1", "0", "1", "0", "10"]
    assert VICTIM not in page and referral_id not in page
    # The queue links a coordinator to the report; a caseworker gets the 403 page.
    assert 'href="/referrals/ageing"' in coordinator.get("/referrals").text
    refused = caseworker.get("/referrals/ageing")
    assert refused.status_code == 403
    assert "You cannot do this" in refused.text


# --- deciding on a case -----------------------------------------------------------------------


def test_a_case_through_its_decisions_services_and_notes(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", True)
    case = f"/referrals/{referral_id}"
    caseworker = Browser(client, world.assistance_caseworker)

    html = caseworker.get(case).text
    assert "Decision on admission to the assistance system" in html  # the clock's name
    assert "working days left" in html
    assert f'href="/signals/{signal_id}"' in html  # an identified referral leads to the signal
    # Only the decisions the state machine allows now are offered.
    offered = re.findall(r'name="decision" type="radio" value="([a-z_]+)"', html)
    assert offered == ["admit", "decline"]
    assert 'name="period_ends_on-day"' in html

    # A decision the machine refuses: the error summary says what is allowed, and
    # nothing changes.
    r = caseworker.post(
        f"{case}/decisions", {"decision": "identify_victim", "reason": "Tunnistettu."}
    )
    assert r.status_code == 409
    assert error_summary(r.text) == (
        "There is a problem This decision cannot be taken now. Decisions you can take now: "
        "Admit to the assistance system, Decline"
    )
    # Reasons are required; the chosen decision is kept.
    r = caseworker.post(f"{case}/decisions", {"decision": "admit", "reason": "  "})
    assert r.status_code == 422
    assert "Give the reasons for the decision" in error_summary(r.text)
    assert re.search(r'value="admit"[^>]* checked', r.text)
    r = caseworker.post(
        f"{case}/decisions",
        {
            "decision": "admit",
            "reason": "Ok.",
            "period_ends_on-day": "31",
            "period_ends_on-month": "2",
        },
    )
    assert r.status_code == 422
    assert "The end of the period must be a real date" in error_summary(r.text)
    after = read_api(client, world.assistance_caseworker, referral_id)
    assert after["status"] == "received" and after["decisions"] == []
    with unit_of_work(ctx.db) as session:
        decided = session.scalars(
            select(AuditEvent.outcome).where(
                AuditEvent.record_id == referral_id, AuditEvent.action == "referral.decide"
            )
        ).all()
    assert decided == []

    # Admit: the new clock (identification) and the end of the recovery period show.
    r = caseworker.post(
        f"{case}/decisions",
        {"decision": "admit", "reason": "Henkilö täyttää edellytykset.\n\nTulkki tarvitaan."},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{case}?done=decided#status"
    html = caseworker.get(r.headers["location"]).text
    assert "The decision was saved" in html
    admitted = read_api(client, world.assistance_caseworker, referral_id)
    assert admitted["status"] == "admitted"
    assert "Identification as a victim of trafficking" in html
    assert "Recovery and reflection period ends" in html
    assert "Admitted" in html and "Henkilö täyttää edellytykset." in html
    assert "Nguyen Thi Lan" in html  # who decided
    offered = re.findall(r'name="decision" type="radio" value="([a-z_]+)"', html)
    assert offered == ["identify_victim", "not_victim", "extend_period", "exit"]

    # The support plan: a service with its HTCDS type, then ended.
    r = caseworker.post(
        f"{case}/services",
        {"service_type": "accommodation", "provider": "Turvakoti", "starts_on-day": "2"},
    )
    assert r.status_code == 422
    assert "Enter the start date" in error_summary(r.text)
    r = caseworker.post(
        f"{case}/services",
        {
            "service_type": "accommodation",
            "provider": "Turvakoti",
            "starts_on-day": "2",
            "starts_on-month": "11",
            "starts_on-year": "2026",
        },
    )
    assert r.status_code == 303
    html = caseworker.get(f"{case}").text
    assert "Accommodation" in html and "SocialCare" in html and "Turvakoti" in html
    service_id = read_api(client, world.assistance_caseworker, referral_id)["services"][0]["id"]
    end = f"{case}/services/{service_id}/end"
    r = caseworker.post(end, {"ends_on-day": "1", "ends_on-month": "11", "ends_on-year": "2026"})
    assert r.status_code == 422
    assert "A service cannot end before it starts" in error_summary(r.text)
    assert f'href="#end-{service_id}-day"' in r.text
    r = caseworker.post(end, {"ends_on-day": "30", "ends_on-month": "11", "ends_on-year": "2026"})
    assert r.status_code == 303
    ended = read_api(client, world.assistance_caseworker, referral_id)["services"][0]
    assert ended["ends_on"] == "2026-11-30"

    # Notes, marked as fact or assessment.
    r = caseworker.post(f"{case}/notes", {"text": "Asiakas on vakaa."})
    assert r.status_code == 422
    assert "Select whether the note is a fact or an assessment" in error_summary(r.text)
    assert (
        caseworker.post(f"{case}/notes", {"kind": "fact", "text": "Tulkki varattu."}).status_code
        == 303
    )
    r = caseworker.post(f"{case}/notes", {"kind": "assessment", "text": "Asiakas on vakaa."})
    assert r.status_code == 303
    html = caseworker.get(f"{case}").text
    assert '<strong class="govuk-tag govuk-tag--blue">Fact</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--purple">Assessment</strong>' in html

    # The referrer follows the status and the decisions, not the reasons or the plan.
    ngo = Browser(client, world.ngo_worker)
    mine = ngo.get(case).text
    assert "Admitted" in mine and "Admitted to the assistance system" in mine
    assert "Henkilö täyttää" not in mine and "Turvakoti" not in mine and "Tulkki" not in mine
    assert 'action="/referrals/' not in mine  # no forms for the referrer
    refused = ngo.post(f"{case}/decisions", {"decision": "identify_victim", "reason": "Minä."})
    assert refused.status_code == 403


# --- anonymous notifications ---------------------------------------------------------------------


def test_an_anonymous_notification_names_nobody(client: TestClient, world: World) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", False)
    caseworker = Browser(client, world.assistance_caseworker)
    for path in (f"/referrals/{referral_id}", "/referrals"):
        html = caseworker.get(path).text
        for secret in (VICTIM, "Hùng", "1994", "987 6543", "Vantaa", "passi", signal_id):
            assert secret not in html, (path, secret)
    html = caseworker.get(f"/referrals/{referral_id}").text
    rows = text_of(html)
    assert "What the notification says" in rows
    assert "Region Uusimaa" in rows
    assert "Age group 30–39 years" in rows
    assert "Forms of exploitation Forced labour" in rows
    assert "Anonymous notification to the assistance system" in rows
    assert "/timeline" not in html  # no way to the signal
    offered = re.findall(r'name="decision" type="radio" value="([a-z_]+)"', html)
    assert offered == ["acknowledge"]

    # The referrer learns it arrived, not what came of it.
    ngo = Browser(client, world.ngo_worker)
    mine = ngo.get(f"/referrals/{referral_id}").text
    assert "The person did not consent: the status of this referral is not shared with you." in mine
    assert "Status not shared (no consent)" in ngo.get("/referrals").text


# --- the timeline -----------------------------------------------------------------------------


def test_the_timeline_in_order_with_facts_and_assessments(client: TestClient, world: World) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    for kind, text in (
        ("fact", "Soitti tukipuhelimeen."),
        ("assessment", "Vaikuttaa pelokkaalta."),
    ):
        r = client.post(
            f"/api/v1/signals/{signal_id}/notes",
            json={"kind": kind, "text": text},
            headers=world.ngo_worker.auth,
        )
        assert r.status_code == 201, r.text
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", True)
    cw = world.assistance_caseworker
    r = client.post(
        f"/api/v1/referrals/{referral_id}/decisions",
        json={"decision": "admit", "reason": "Edellytykset täyttyvät."},
        headers=cw.auth,
    )
    assert r.status_code == 201, r.text

    ngo = Browser(client, world.ngo_worker)
    page = ngo.get(f"/signals/{signal_id}/timeline")
    assert page.status_code == 200
    words = text_of(page.text)
    order = [
        "Signal recorded",
        "Soitti tukipuhelimeen.",
        "Vaikuttaa pelokkaalta.",
        "Referred to the assistance system",
        "Admitted to the assistance system",
    ]
    positions = [words.index(w) for w in order]
    assert positions == sorted(positions)
    assert '<strong class="govuk-tag govuk-tag--blue">Fact</strong>' in page.text
    assert '<strong class="govuk-tag govuk-tag--purple">Assessment</strong>' in page.text
    assert "Edellytykset täyttyvät." not in page.text  # the receiver's reasons stay there
    assert "Chiamaka Eze" in words and "Pro-tuki ry (testi)" in words
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}", words)  # en: 2 Nov 2026, 14:05
    assert f'href="/referrals/{referral_id}"' in page.text

    # In Finnish, the date and time as d.m.yyyy klo H.MM.
    ngo.language("fi")
    fi = text_of(ngo.get(f"/signals/{signal_id}/timeline").text)
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}", fi)
    assert "Ilmoitus kirjattu" in fi and "Tosiasia" in fi and "Arvio" in fi

    # The receiver's timeline shows the reasons, as an assessment; strangers get 404.
    receiver = Browser(client, cw)
    seen = receiver.get(f"/signals/{signal_id}/timeline").text
    assert "Edellytykset täyttyvät." in seen
    assert "Soitti tukipuhelimeen." not in seen  # the holder's own notes stay with it
    stranger = Browser(client, world.helsinki_investigator)
    assert stranger.get(f"/signals/{signal_id}/timeline").status_code == 404


# --- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "fi",
            [
                ">Ohjaukset<",
                "Saapuneet",
                "Määräaika",
                "Päätös auttamisjärjestelmään ottamisesta",
                "Ota auttamisjärjestelmään",
                "Perustelut",
                "Tukisuunnitelma",
            ],
        ),
        (
            "sv",
            [
                ">Hänvisningar<",
                "Inkommande",
                "Tidsfrist",
                "Beslut om intagning i hjälpsystemet",
                "Ta in i hjälpsystemet",
                "Motivering",
                "Stödplan",
            ],
        ),
        (
            "en",
            [
                ">Referrals<",
                "Incoming",
                "Deadline",
                "Decision on admission to the assistance system",
                "Admit to the assistance system",
                "Reasons",
                "Support plan",
            ],
        ),
    ],
)
def test_the_pages_in_each_language(
    client: TestClient, world: World, locale: str, words: list[str]
) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", True)
    caseworker = Browser(client, world.assistance_caseworker, locale=locale)
    queue = caseworker.get("/referrals").text
    case = caseworker.get(f"/referrals/{referral_id}").text
    assert f'<html lang="{locale}"' in case
    both = re.sub(r"\s+", " ", queue + case).replace("> ", ">").replace(" <", "<")
    for word in words:
        assert word in both, word


# --- screening -----------------------------------------------------------------------------------

GROUNDS = ["AL-DR-1", "AL-DR-2", "AL-EC-1", "AL-EC-2", "AL-CD-1", "AL-CD-2"]


def test_screen_a_signal_then_refer_it_anonymously(client: TestClient, world: World) -> None:
    signal_id = make_signal(client, world.ngo_worker)
    ngo = Browser(client, world.ngo_worker, locale="fi")
    assert f'href="/signals/{signal_id}/screen"' in ngo.get(f"/signals/{signal_id}").text

    # Step 1: the list of indicators (a plain GET form).
    step1 = ngo.get(f"/signals/{signal_id}/screen").text
    profiles = re.findall(r'name="profile" type="radio" value="([a-z_]+)"', step1)
    assert profiles[0] == "adult_labour" and "child_labour" in profiles
    assert "Aikuiset – työperäinen hyväksikäyttö" in step1
    bad = ngo.get(f"/signals/{signal_id}/screen", params={"profile": "nonsense"})
    assert bad.status_code == 422
    assert "Valitse, ketä ja mitä hyväksikäytön muotoa seulonta koskee" in error_summary(bad.text)

    # Step 2: a fieldset per dimension, each indicator in Finnish with its strength.
    step2 = ngo.get(f"/signals/{signal_id}/screen", params={"profile": "adult_labour"}).text
    assert step2.count('<fieldset class="govuk-fieldset govuk-!-margin-bottom-6"') == 6
    assert "Harhaanjohtava värväys" in step2 and "Pakottaminen määränpäässä" in step2
    assert "Harhaanjohdettu työn luonteesta, työpaikan sijainnista tai työnantajasta" in step2
    assert re.search(
        r"govuk-tag--purple\"><span class=\"govuk-visually-hidden\">vahvuus: </span>Vahva", step2
    )
    assert len(re.findall(r'name="indicators" type="checkbox"', step2)) == 67

    r = ngo.http.post(
        f"/signals/{signal_id}/screen",
        data={"csrf_token": ngo.token, "profile": "adult_labour", "indicators": GROUNDS},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/signals/{signal_id}/screenings?done=screened"
    result = text_of(ngo.get(r.headers["location"]).text)
    assert "Seulonta tallennettiin" in result
    assert "Perusteet ohjaukselle" in result
    assert "Ohjaamiselle on perusteet: ulottuvuudet harhaanjohtava värväys" in result
    assert "Harhaanjohtava värväys Täyttyy" in result
    assert "Pakottava värväys Ei täyty" in result

    # A code from another list is refused, and nothing is stored.
    r = ngo.http.post(
        f"/signals/{signal_id}/screen",
        data={"csrf_token": ngo.token, "profile": "adult_labour", "indicators": ["AS-DR-1"]},
    )
    assert r.status_code == 422
    screenings = client.get(
        f"/api/v1/signals/{signal_id}/screenings", headers=world.ngo_worker.auth
    ).json()
    assert len(screenings) == 1

    # The screening travels with the anonymous notification, without identity.
    referral_id = refer_api(client, world.ngo_worker, signal_id, "assistance_system", False)
    caseworker = Browser(client, world.assistance_caseworker)
    rows = text_of(caseworker.get(f"/referrals/{referral_id}").text)
    assert "Screening Grounds to refer" in rows
    assert (
        "Positive dimensions Deceptive recruitment, Exploitative conditions, Coercion at "
        "destination"
    ) in rows

    # The timeline names the screening and leads to it.
    timeline = ngo.get(f"/signals/{signal_id}/timeline").text
    assert "Seulottu: perusteet ohjaukselle" in timeline
    assert "Aikuiset – työperäinen hyväksikäyttö" in timeline
    assert f'href="/signals/{signal_id}/screenings"' in timeline


# --- query counts -------------------------------------------------------------------------------


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


def test_the_queue_and_the_case_make_the_same_queries_for_one_or_many(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    cw = world.assistance_caseworker
    caseworker = Browser(client, cw)
    first = refer_api(
        client, world.ngo_worker, make_signal(client, world.ngo_worker), "assistance_system", True
    )
    with counting(ctx) as one:
        assert caseworker.get("/referrals").status_code == 200
    with counting(ctx) as case_before:
        assert caseworker.get(f"/referrals/{first}").status_code == 200
    for _ in range(3):
        refer_api(
            client,
            world.ngo_worker,
            make_signal(client, world.ngo_worker),
            "assistance_system",
            True,
        )
    r = client.post(
        f"/api/v1/referrals/{first}/decisions",
        json={"decision": "admit", "reason": "Edellytykset täyttyvät."},
        headers=cw.auth,
    )
    assert r.status_code == 201, r.text
    for kind in ("fact", "assessment", "fact"):
        r = client.post(
            f"/api/v1/referrals/{first}/notes",
            json={"kind": kind, "text": "Muistiinpano."},
            headers=cw.auth,
        )
        assert r.status_code == 201, r.text
    with counting(ctx) as four:
        html = caseworker.get("/referrals").text
    assert html.count('href="/referrals/') >= 4
    assert len(four) == len(one), four
    with counting(ctx) as case_after:
        assert caseworker.get(f"/referrals/{first}").text.count("govuk-tag--purple") == 1
    assert len(case_after) == len(case_before), case_after
