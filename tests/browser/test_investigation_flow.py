"""Investigations end to end, in a real browser against a live server.

An NGO refers a crime it saw in Rovaniemi to the police (through the API, as its system
would); the competent department is Lappi. Its investigator opens the referral,
chooses "Open an investigation", fills in the offence, the summary and the victim, gives
the purpose the page asks for, records the next stage of the criminal process and asks
the national team for support. A national-team investigator accepts the question in the
team's inbox and joins the case team; the workload board counts the investigation. The
Helsinki investigator, who has no part in it, gets "not found". axe-core must find
nothing on the list, new, purpose, case, consultation and workload pages, and every page
is kept as a screenshot for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from opennrm.db import utcnow
from tests.personas import PASSWORD

from .harness import format_violations, launch_browser, run_axe, screenshot
from .live import Live, live_site

pytestmark = pytest.mark.browser

SUMMARY = (
    "Rakennustyömaalla Tikkurilassa työskentelevä mies kertoo, että passi on "
    "työnantajalla ja palkasta pidätetään asumiskuluja."
)
SIGNAL: dict[str, Any] = {
    "exploitation_types": ["labour"],
    "summary": SUMMARY,
    "occurred_on": "2026-10-12",
    "municipality": "Rovaniemi",
    "persons": [{"role": "victim", "names": ["Nguyễn Văn Hùng"], "phones": ["+358 44 987 6543"]}],
}


REVEALING_RADIO = "input.govuk-radios__input[aria-controls]"


LiveSite = Live


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """A migrated database with the named personas, served by uvicorn."""
    with live_site(tmp_path_factory.mktemp("investigation-flow"), "investigation-flow") as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """One person's browser, signed in, in Finnish; collects whatever goes wrong on it."""

    def __init__(self, browser: Browser, site: LiveSite, who: str) -> None:
        self.site = site
        self.context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="fi-FI")
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.expected_status: set[int] = set()
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        persona = site.world.people[who]
        self.goto("/login")
        self.page.fill("#email", persona.email)
        self.page.fill("#password", PASSWORD)
        self.page.locator("form[action='/login'] button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/signals$"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and not re.search(r"status of (422|404)", message.text):
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in {422, *self.expected_status}:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.site.base_url + path)

    def check(self, name: str) -> None:
        """axe-core finds nothing, and a screenshot is kept for people to look at.

        One known exception: GOV.UK Frontend puts `aria-expanded` on a radio that reveals
        a field (the purpose page's "another purpose", the team's responses), which the
        ARIA spec does not list for radios. GOV.UK keeps it on purpose, as screen readers
        announce it (alphagov/govuk-frontend#979). So `aria-allowed-attr` is checked on
        everything but those radios, and every other rule on everything."""
        self.page.wait_for_selector("body.govuk-frontend-supported", state="attached")
        violations = run_axe(self.page, disable_rules=["aria-allowed-attr"]) + run_axe(
            self.page, context={"exclude": [[REVEALING_RADIO]]}
        )
        assert violations == [], f"{name}: {format_violations(violations)}"
        screenshot(self.page, f"investigations-{name}")

    def close(self) -> None:
        assert self.problems == []
        self.context.close()


def test_open_from_a_referred_crime_consult_and_count(browser: Browser, site: LiveSite) -> None:
    signal = site.api("POST", "/api/v1/signals", "ngo_worker", json=SIGNAL)
    referral = site.api(
        "POST",
        f"/api/v1/signals/{signal['id']}/referrals",
        "ngo_worker",
        json={"target": "police", "consent": True},
    )

    # Helsinki already investigates a case with the victim's number, written another way.
    site.api(
        "POST",
        "/api/v1/investigations",
        "helsinki_investigator",
        json={
            "offences": ["RL-47-3a"],
            "summary": "Palkkoja maksamatta siivousyrityksessä.",
            "persons": [
                {"category": "witness", "names": ["Anonyymi"], "phones": ["+358449876543"]}
            ],
        },
    )

    # --- the Lappi investigator opens an investigation from the referral ----------------------
    police = Visit(browser, site, "lappi_investigator")
    page = police.page
    police.goto("/investigations")
    expect(page.locator("h1")).to_have_text("Tutkinnat")
    expect(page.locator(".govuk-service-navigation__item--active")).to_contain_text("Tutkinnat")
    expect(page.get_by_text("Tutkintoja, jotka saat nähdä, ei ole.")).to_be_visible()
    police.check("list-empty")

    police.goto(f"/referrals/{referral['id']}")
    page.get_by_role("button", name="Avaa tutkinta").click()
    page.wait_for_url(re.compile(r"/investigations/new\?referral=[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_have_text("Avaa tutkinta")
    expect(page.locator(".govuk-inset-text")).to_contain_text("ohjatusta rikoksesta")
    police.check("new")

    # Saved empty: the error summary links to the fields.
    page.locator("form button[value=save]:not(.govuk-visually-hidden)").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Valitse vähintään yksi rikosnimike"
    )
    police.check("new-errors")
    page.locator(".govuk-error-summary a[href='#summary']").click()
    assert page.evaluate("document.activeElement.id") == "summary"

    page.get_by_label("Ihmiskauppa", exact=True).check()
    page.fill("#summary", SUMMARY)
    page.check("#cross_border")
    page.get_by_label("Uhri", exact=True).check()
    page.fill("#persons-0-names", "Nguyễn Văn Hùng")
    page.fill("#persons-0-birth_date", "17.3.1994")
    page.select_option("#persons-0-nationality", "VN")
    page.fill("#persons-0-phones", "044 987 6543")
    page.get_by_role("button", name="Lisää henkilö").click()
    expect(page.locator("#person-1")).to_be_visible()
    page.get_by_label("Epäilty", exact=True).nth(1).check()
    page.fill("#persons-1-names", "Chukwuemeka Okafor")
    page.locator("form button[value=save]:not(.govuk-visually-hidden)").click()

    # --- the purpose, asked once -------------------------------------------------------------
    page.wait_for_url(re.compile(r"/investigations/[0-9a-f-]{36}\?done=opened$"))
    investigation_path = re.sub(r"\?.*$", "", page.url.removeprefix(site.base_url))
    expect(page.locator("h1")).to_have_text("Miksi avaat tämän tutkinnan?")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Tutkinta avattiin")
    assert SUMMARY not in page.content()
    police.check("purpose")
    # The other purpose reveals its text field (GOV.UK conditional reveal).
    other = page.locator("#conditional-other-purpose")
    expect(other).to_be_hidden()
    page.get_by_label("Muu käyttötarkoitus").check()
    expect(other).to_be_visible()
    page.get_by_label("Kuulustelun valmistelu").check()
    expect(other).to_be_hidden()
    page.get_by_role("button", name="Jatka").click()

    page.wait_for_url(re.compile(r"/investigations/[0-9a-f-]{36}\?done=opened$"))
    expect(page.locator("h1")).to_contain_text("Tutkinta POLICE-LAPPI-")
    expect(page.locator("#purpose")).to_contain_text("Kuulustelun valmistelu")
    # Deconfliction: the other unit and whom to contact, not its case.
    expect(page.locator("#deconfliction")).to_contain_text(
        "Helsingin poliisilaitos tutkii asiaa, jossa on sama puhelinnumero kuin tässä asiassa."
    )
    expect(page.locator("#deconfliction a[href='mailto:helsinki@example.fi']")).to_have_count(1)
    assert "Palkkoja maksamatta" not in page.content()
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    expect(page.locator("#current-stage")).to_contain_text("Rikosilmoitus")
    police.check("case")

    # --- the next stage, with the keyboard only -----------------------------------------------
    today = utcnow().date()
    page.focus("#stage")  # the first radio: pre-trial investigation
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "on-day"
    page.keyboard.type(str(today.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.year))
    page.get_by_role("button", name="Kirjaa vaihe").click()
    page.wait_for_url(re.compile(r"\?done=staged#stages$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Vaihe kirjattiin")
    expect(page.locator("#stages + table tbody tr")).to_have_count(2)
    expect(page.locator("#current-stage")).to_contain_text("Esitutkinta")
    assert page.get_by_role("heading", name="Miksi avaat tämän tutkinnan?").count() == 0

    # --- a question to the national team -------------------------------------------------------
    page.fill("#question", "Onko välittäjä tuttu muista tutkinnoista? Tarvitsemme tukea.")
    page.get_by_label("Kiireellinen", exact=True).check()
    page.get_by_role("button", name="Lähetä kysymys").click()
    page.wait_for_url(re.compile(r"\?done=consulted#consultations$"))
    police.check("case-consulted")
    police.goto("/investigations")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Ihmiskauppa")
    expect(page.locator("tbody tr")).to_contain_text("Esitutkinta")
    expect(page.locator("tbody tr")).to_contain_text("Rajat ylittävä")
    police.check("list")
    police.close()

    # --- the national team accepts and joins ---------------------------------------------------
    team = Visit(browser, site, "national_team_lead")
    page = team.page
    team.goto("/investigations")
    page.get_by_role("link", name="Konsultaatiot valtakunnallisen ryhmän kanssa").click()
    expect(page.locator("#incoming tbody tr")).to_have_count(1)
    expect(page.locator("#incoming tbody tr")).to_contain_text("Lapin poliisilaitos")
    expect(page.locator("#incoming tbody tr")).to_contain_text(
        re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
    )
    team.check("inbox")
    page.locator("#incoming tbody tr a").click()
    page.wait_for_url(re.compile(r"/consultations/[0-9a-f-]{36}$"))
    expect(page.locator("#deadline")).to_contain_text("Konsultaatio, kiireellinen")
    team.check("consultation")
    page.get_by_label("Ota vastaan").check()
    page.get_by_role("button", name="Tallenna vastaus").click()
    page.wait_for_url(re.compile(r"done=responded$"))
    page.get_by_label("Liity tutkintaryhmään").check()
    until = today + timedelta(days=30)
    page.fill("#join_until-day", str(until.day))
    page.fill("#join_until-month", str(until.month))
    page.fill("#join_until-year", str(until.year))
    team.check("consultation-join")
    page.get_by_role("button", name="Tallenna vastaus").click()
    page.wait_for_url(re.compile(r"done=responded$"))
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Liittynyt tutkintaryhmään")
    page.get_by_role("link", name=re.compile("Avaa tutkinta POLICE-LAPPI-")).click()
    expect(page.locator("h1")).to_have_text("Miksi avaat tämän tutkinnan?")
    page.get_by_label("Konsultaatio", exact=True).check()
    page.get_by_role("button", name="Jatka").click()
    expect(page.locator("h1")).to_contain_text("Tutkinta POLICE-LAPPI-")

    # --- the workload board counts it ----------------------------------------------------------
    team.goto("/workload")
    expect(page.locator("svg[role=img]")).to_have_count(1)
    row = page.locator("tbody tr", has_text="Lapin poliisilaitos")
    expect(row.locator("td").first).to_have_text("1")
    team.check("workload")
    team.close()

    # --- an unrelated department sees nothing --------------------------------------------------
    helsinki = Visit(browser, site, "helsinki_investigator")
    helsinki.expected_status.add(404)
    helsinki.goto(investigation_path)
    expect(helsinki.page.locator("h1")).to_have_text("Sivua ei löytynyt")
    assert "Miksi avaat" not in helsinki.page.content()
    helsinki.check("not-found")
    helsinki.goto("/investigations")
    expect(helsinki.page.locator("tbody tr")).to_have_count(1)  # its own case only
    expect(helsinki.page.locator("tbody")).not_to_contain_text("POLICE-ITA-UUSIMAA")
    helsinki.close()
