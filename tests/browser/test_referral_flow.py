"""The referral mechanism end to end, in a real browser against a live server that sends
e-mail to a real (local) SMTP server.

An NGO caseworker opens a labour-exploitation signal from Vantaa, screens it with the
indicators and, through the signal page, refers the victim (with consent) to the
assistance system and the crime to the police department competent for Vantaa
(Itä-Uusimaa). The assistance system's caseworker opens the queue, sees the deadline,
opens the case and admits the person; the page shows the new clock. The Itä-Uusimaa
investigator has a notification, and an e-mail arrived that carries no personal data.
axe-core must find nothing on the screening, queue, case, ageing and timeline pages, and
every page is kept as a screenshot for people to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import update

from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.notifications.outbox import deliver_pending
from opennrm.referrals.models import Referral
from opennrm.uow import unit_of_work
from tests.personas import PASSWORD, World
from tests.test_email import SmtpServer

from .harness import format_violations, launch_browser, run_axe, screenshot
from .live import live_site

pytestmark = pytest.mark.browser

VICTIM = "Nguyễn Văn Hùng"
PHONE = "+358 44 987 6543"
SUMMARY = (
    "Rakennustyömaalla Tikkurilassa työskentelevä mies kertoo, että passi on "
    "työnantajalla ja palkasta pidätetään asumiskuluja."
)
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
        },
        {"role": "suspect", "names": ["Chukwuemeka Okafor"], "gender": "male"},
    ],
    "organisations": [{"name": "Vantaan Runkotyö Oy"}],
    "addresses": ["Tikkurilantie 44, 01300 Vantaa"],
}


GROUNDS = ["AL-DR-1", "AL-DR-2", "AL-EC-1", "AL-EC-2", "AL-CD-1", "AL-CD-2"]
"""Indicators of the adult labour list that give grounds to refer (two in each of a
recruitment, an exploitation and a means dimension)."""


@dataclass
class LiveSite:
    ctx: AppContext
    world: World
    base_url: str
    smtp: SmtpServer

    def api(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        persona = self.world.people[who]
        r = httpx.request(method, self.base_url + path, headers=persona.auth, **kwargs)
        assert r.status_code < 300, r.text
        return r.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """A migrated database with the named personas, served by uvicorn with e-mail on."""
    smtp = SmtpServer().start()
    tmp: Path = tmp_path_factory.mktemp("referral-flow")
    try:
        with live_site(tmp, "referral-flow", smtp_host="127.0.0.1", smtp_port=smtp.port) as live:
            yield LiveSite(live.ctx, live.world, live.base_url, smtp)
    finally:
        smtp.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """One person's browser, signed in; collects whatever goes wrong on it."""

    def __init__(self, browser: Browser, site: LiveSite, who: str) -> None:
        self.site = site
        self.context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="fi-FI")
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
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
        if message.type == "error" and "status of 422" not in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status != 422:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.site.base_url + path)

    def check(self, name: str) -> None:
        """axe-core finds nothing, and a screenshot is kept for people to look at."""
        self.page.wait_for_selector("body.govuk-frontend-supported", state="attached")
        violations = run_axe(self.page)
        assert violations == [], f"{name}: {format_violations(violations)}"
        screenshot(self.page, f"referrals-{name}")

    def close(self) -> None:
        assert self.problems == []
        self.context.close()


def _older_referrals(site: LiveSite) -> None:
    """Older referrals to the assistance system, so that the queue and the ageing report
    have something to show: three past their deadlines by 3, 12 and 40 days, and an
    anonymous notification (which has no deadline)."""
    today = site.ctx.referral_config.local_day(utcnow())
    for days, municipality in ((3, "Helsinki"), (12, "Espoo"), (40, "Tampere"), (None, "Turku")):
        signal = site.api(
            "POST",
            "/api/v1/signals",
            "ngo_worker",
            json={
                "exploitation_types": ["sexual"],
                "summary": "Synteettinen ilmoitus raporttia varten.",
                "municipality": municipality,
            },
        )
        referral = site.api(
            "POST",
            f"/api/v1/signals/{signal['id']}/referrals",
            "ngo_worker",
            json={"target": "assistance_system", "consent": days is not None},
        )
        if days is None:
            continue
        with unit_of_work(site.ctx.db) as session:
            # A deadline in the past cannot be waited for: set directly.
            session.execute(
                update(Referral)
                .where(Referral.id == referral["id"])
                .values(deadline=today - timedelta(days=days))
            )


def _mail_to(site: LiveSite, address: str, timeout: float = 15.0) -> str:
    """The raw e-mail sent to `address`; delivers the outbox directly if the background
    worker has not yet done it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for received in list(site.smtp.received):
            if address in received.rcpt_tos:
                return received.raw.decode("utf-8", "replace")
        deliver_pending(site.ctx)
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {address}")


def test_refer_admit_and_tell(browser: Browser, site: LiveSite) -> None:
    signal = site.api("POST", "/api/v1/signals", "ngo_worker", json=SIGNAL)
    signal_path = f"/signals/{signal['id']}"
    _older_referrals(site)

    # --- the NGO caseworker screens the signal, then refers from the signal page -------------
    ngo = Visit(browser, site, "ngo_worker")
    page = ngo.page
    ngo.goto(signal_path)
    page.get_by_role("link", name="Seulo ilmoitus").click()
    expect(page.locator("h1")).to_have_text("Seulo ilmoitus")
    ngo.check("screen-profile")
    page.get_by_label("Aikuiset – työperäinen hyväksikäyttö", exact=True).check()
    page.get_by_role("button", name="Jatka").click()
    page.wait_for_url(re.compile(r"/screen\?profile=adult_labour$"))
    expect(page.locator("fieldset h2")).to_have_count(6)  # a fieldset per dimension
    for code in GROUNDS:
        page.locator(f"input[name=indicators][value='{code}']").check()
    ngo.check("screen-indicators")
    page.get_by_role("button", name="Tallenna seulonta").click()
    page.wait_for_url(re.compile(r"/screenings\?done=screened$"))
    expect(page.locator(".govuk-summary-list")).to_contain_text("Perusteet ohjaukselle")
    ngo.check("screening-result")
    page.get_by_role("button", name="Ohjaa ilmoitus").click()
    page.wait_for_url(re.compile(re.escape(signal_path) + "#refer$"))
    expect(page.locator("#referrals")).to_have_text("Ohjaukset")
    # htmx swapped the signal's (empty) referral list into the page.
    expect(page.locator("#signal-referrals")).to_contain_text("Ilmoitusta ei ole ohjattu.")
    page.get_by_label("Ihmiskaupan uhrien auttamisjärjestelmä", exact=True).check()
    page.get_by_label("Kyllä, henkilö on antanut suostumuksensa").check()
    page.get_by_role("button", name="Ohjaa", exact=True).click()
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}\?done=referred$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Ohjaus lähetettiin"
    )
    expect(page.locator("h1")).to_have_text("Ohjaaminen auttamisjärjestelmään")
    ngo.check("sent-to-assistance")

    # The crime to the police, with the keyboard only.
    page.get_by_role("link", name="Avaa ilmoitus").click()
    page.wait_for_url(re.compile(re.escape(signal_path) + "$"))
    expect(page.locator("#signal-referrals tbody tr")).to_have_count(1)
    page.focus("#target-2")  # the police
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "consent"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}\?done=referred$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Itä-Uudenmaan poliisilaitos"
    )
    ngo.goto(signal_path)
    expect(page.locator("#signal-referrals tbody tr")).to_have_count(2)
    ngo.check("signal-with-referrals")
    ngo.goto("/referrals")
    ngo.check("queue-ngo")
    ngo.close()

    # --- the assistance system's caseworker admits the person --------------------------------
    caseworker = Visit(browser, site, "assistance_caseworker")
    page = caseworker.page
    caseworker.goto("/referrals")
    expect(page.locator("h1")).to_have_text("Ohjaukset")
    received = page.locator("tbody tr", has_text="Pro-tuki ry (testi)").filter(
        has=page.locator(".govuk-tag", has_text="Vastaanotettu")
    )
    expect(received).to_have_count(4)
    fresh = page.locator("tbody tr", has=page.locator("td", has_text="työpäivää jäljellä"))
    expect(fresh).to_have_count(1)
    expect(fresh).to_contain_text(re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"))
    expect(page.locator(".govuk-tag--red")).to_have_count(3)  # the older ones, overdue
    caseworker.check("queue")

    fresh.get_by_role("link", name=re.compile("Avaa")).click()
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    expect(page.locator("#deadline")).to_contain_text("Päätös auttamisjärjestelmään ottamisesta")
    caseworker.check("case-received")

    page.get_by_label("Ota auttamisjärjestelmään").check()
    page.fill("#reason", "Henkilö täyttää edellytykset. Tulkki tarvitaan tapaamisiin.")
    page.get_by_role("button", name="Tallenna päätös").click()
    page.wait_for_url(re.compile(r"\?done=decided#status$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Päätös tallennettiin"
    )
    expect(page.locator("#deadline")).to_contain_text("Ihmiskaupan uhriksi tunnistaminen")
    expect(page.locator("#deadline")).to_contain_text("päivää jäljellä")
    expect(page.get_by_text("Toipumis- ja harkinta-aika päättyy", exact=True)).to_be_visible()

    page.select_option("#service_type", "accommodation")
    page.fill("#provider", "Turvakoti Helmi")
    page.fill("#starts_on-day", "2")
    page.fill("#starts_on-month", "11")
    page.fill("#starts_on-year", "2026")
    page.get_by_role("button", name="Lisää palvelu").click()
    page.wait_for_url(re.compile(r"done=service_added"))
    page.get_by_label("Arvio", exact=True).check()
    page.fill("#text", "Asiakas vaikuttaa rauhoittuneen; pelkää työnantajan kostoa.")
    page.get_by_role("button", name="Tallenna muistiinpano").click()
    page.wait_for_url(re.compile(r"done=noted"))
    expect(page.locator("#notes + ul .govuk-tag--purple")).to_have_text("Arvio")
    caseworker.check("case-admitted")
    # The same case in Swedish, and back.
    page.locator(".opennrm-language-switch button[lang=sv]").click()
    expect(page.locator("h1")).to_have_text("Hänvisning till hjälpsystemet")
    expect(page.locator("#deadline")).to_contain_text("Identifiering som offer för människohandel")
    caseworker.check("case-admitted-sv")
    page.locator(".opennrm-language-switch button[lang=fi]").click()
    expect(page.locator("h1")).to_have_text("Ohjaaminen auttamisjärjestelmään")

    page.get_by_role("link", name="Katso ilmoituksen aikajana").click()
    page.wait_for_url(re.compile(r"/timeline$"))
    expect(page.locator("tbody tr").first).to_contain_text("Ilmoitus kirjattu")
    expect(page.locator("tbody")).to_contain_text("Otettiin auttamisjärjestelmään")
    caseworker.check("timeline")
    caseworker.close()

    # --- the national coordinator reads the ageing report -----------------------------------
    coordinator = Visit(browser, site, "coordinator")
    coordinator.goto("/referrals/ageing")
    expect(coordinator.page.locator("svg[role=img]")).to_have_count(1)
    expect(coordinator.page.locator("tbody tr").first).to_contain_text(
        "Ihmiskaupan uhrien auttamisjärjestelmä"
    )
    coordinator.check("ageing")
    coordinator.close()

    # --- the police of Itä-Uusimaa were told, in the app and by e-mail -----------------------
    police = Visit(browser, site, "itauusimaa_investigator")
    police.goto("/notifications")
    expect(police.page.locator("tbody")).to_contain_text("Uusi ohjaus")
    police.goto("/referrals")
    expect(police.page.locator("tbody tr")).to_have_count(1)
    police.check("queue-police")
    police.close()

    for who in ("itauusimaa_investigator", "assistance_caseworker"):
        mail = _mail_to(site, site.world.people[who].email)
        assert f"{site.base_url}/notifications" in mail
        for secret in (
            VICTIM,
            "Hùng",
            "Nguy",
            PHONE,
            "987 6543",
            "9876543",
            "Vantaa",
            "Tikkuril",
            "passi",
            "Okafor",
            "Runkotyö",
            signal["id"],
        ):
            assert secret not in mail, (who, secret)
