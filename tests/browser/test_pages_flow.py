"""The pages in a real browser, as the people who use them would go through them.

An NGO caseworker signs in, switches language, records a signal about two persons (adding
the second with "Add another person"), and shares it with the Helsinki police under the
victim's consent. The Helsinki investigator then reads it; an investigator of another
department gets the same "not found" page as for an id that never existed. axe-core must
find nothing on any page, and every page is saved as a screenshot for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from opennrm.signals.normalise import business_id_check_digit

from .conftest import PASSWORD, Site
from .harness import format_violations, launch_browser, run_axe, screenshot

pytestmark = pytest.mark.browser

VICTIM = "Nguyễn Văn An"
SUSPECT = "Олександр Коваленко"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """One person's browser: its own cookies, and everything that went wrong on it."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.site = site
        self.context: BrowserContext = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="fi-FI"
        )
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.expected_status: set[int] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", self._response)
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        if "status of 404" in message.text and 404 in self.expected_status:
            return
        if "status of 422" in message.text:
            return  # a form answered with its errors, as designed
        self.problems.append(f"console.{message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in (*self.expected_status, 422):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def url(self, path: str) -> str:
        return self.site.base_url + path

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    def check(self, name: str) -> None:
        """axe-core finds nothing, and a screenshot is kept for people to look at."""
        self.page.wait_for_selector("body.govuk-frontend-supported", state="attached")
        violations = run_axe(self.page)
        assert violations == [], f"{name}: {format_violations(violations)}"
        screenshot(self.page, f"pages-{name}")

    def sign_in(self, who: str) -> None:
        person = self.site.people[who]
        self.goto("/login")
        self.page.fill("#email", person.email)
        self.page.fill("#password", PASSWORD)
        self.page.locator("form[action='/login'] button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/signals$"))

    def close(self) -> None:
        assert self.problems == []
        assert self.dialogs == []
        self.context.close()


def _business_id() -> str:
    body = "2098765"
    return f"{body}-{business_id_check_digit(body)}"


def test_record_share_and_read_a_signal(browser: Browser, live_site: Site) -> None:
    ngo = Visit(browser, live_site)
    page = ngo.page

    # --- sign in, with the keyboard only ---------------------------------------------------
    ngo.goto("/login")
    assert page.locator("html").get_attribute("lang") == "fi"
    expect(page.locator("h1")).to_have_text("Kirjaudu OpenNRM-palveluun")
    ngo.check("login-fi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "govuk-skip-link"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'main-content'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(live_site.people["ngo_worker"].email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/signals$"))

    cookies = {c["name"]: c for c in ngo.context.cookies()}
    session = cookies["__Host-opennrm_session"]
    assert session["secure"] is True
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["path"] == "/"
    assert session["domain"] == "localhost"  # host-only: no Domain attribute
    assert "__Host-opennrm_csrf" not in cookies  # the pre-session token is gone

    expect(page.locator("h1")).to_have_text("Organisaationi ilmoitukset")
    ngo.check("signals-empty-fi")

    # --- switch to English once, and stay there -----------------------------------------------
    page.locator(".opennrm-language-switch button[lang=en]").click()
    expect(page.locator("h1")).to_have_text("Signals of my organisation")
    assert page.locator("html").get_attribute("lang") == "en"

    # --- record a signal, first with mistakes ----------------------------------------------------
    page.get_by_role("link", name="Record a signal").first.click()
    expect(page.locator("h1")).to_have_text("Record a signal")
    ngo.check("new-signal")
    page.get_by_role("button", name="Save the signal").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(
        summary.get_by_role("link", name="Select at least one form of exploitation")
    ).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Record a signal – OpenNRM$"))
    ngo.check("new-signal-errors")
    summary.get_by_role("link", name="Enter a summary of what was seen or heard").click()
    expect(page.locator("#summary")).to_be_focused()

    page.get_by_label("Forced labour").check()
    page.fill(
        "#summary",
        "Workers from Vietnam live in a barn at a berry farm. Their "
        "passports are kept by the employer and they owe a recruitment "
        "fee of 3 000 euros.\n\nOne of them called our helpline.",
    )
    page.fill("#occurred_on", "8.2026")
    page.fill("#municipality", "Vantaa")
    page.get_by_label("Referral to the assistance system").check()
    page.get_by_label("Sharing the information with the police").check()

    page.check("#persons-0-role")  # victim
    page.fill("#persons-0-names", VICTIM)
    page.fill("#persons-0-birth_date", "2.4.1990")
    page.select_option("#persons-0-gender", "male")
    page.select_option("#persons-0-nationality", "VN")
    page.fill("#persons-0-phones", "+84 912 345 678")

    page.get_by_role("button", name="Add another person").click()
    expect(page.locator("#persons-1-role")).to_be_focused()  # the new person's first field
    expect(page.locator("#persons-0-names")).to_have_value(VICTIM)  # nothing was lost
    expect(page.locator("#persons-0-phones")).to_have_value("+84 912 345 678")
    expect(page.locator("#summary")).to_have_value(re.compile("berry farm"))
    assert page.locator("#consent_to_police").is_checked()
    ngo.check("new-signal-two-persons")

    page.check("#persons-1-role-2")  # suspect
    page.fill("#persons-1-names", SUSPECT)
    page.select_option("#persons-1-nationality", "UA")
    page.fill("#persons-1-phones", "040 123 4567")
    page.fill("#organisations-0-name", "Marjatila Oy")
    page.fill("#organisations-0-business_id", _business_id())
    page.fill("#addresses", "Mansikkatie 5, 01300 Vantaa")

    # Enter in a text field saves (the form's first submit button is "save", not "remove").
    page.focus("#municipality")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/signals/[0-9a-f-]{36}\?done=created$"))
    signal_path = page.url.removeprefix(live_site.base_url).split("?")[0]
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The signal was recorded"
    )
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    expect(page.get_by_text(VICTIM).first).to_be_visible()
    expect(page.get_by_text("+358 40 1234567")).to_be_visible()  # grouped for reading
    expect(page.locator("#audit-trail")).to_have_count(0)  # a caseworker sees no trail
    ngo.check("signal")

    # --- share it with the Helsinki police, first forgetting the organisation -------------------
    page.locator("#basis").check()  # consent
    page.get_by_role("button", name="Share the signal").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the organisation to share with"
    )
    ngo.check("share-errors")
    page.select_option("#organisation_id", label="Helsingin poliisilaitos")
    page.get_by_role("button", name="Share the signal").click()
    page.wait_for_url(re.compile(r"done=shared"))
    shares = page.locator("#shares + table")
    expect(shares).to_contain_text("Helsingin poliisilaitos")
    expect(shares).to_contain_text("Consent")
    expect(shares).to_contain_text("In force")
    ngo.check("signal-shared")

    shares.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.locator("h1")).to_contain_text("Revoke the share with Helsingin poliisilaitos")
    ngo.check("revoke-confirm")  # not confirmed: the police read it below

    ngo.goto("/signals")
    expect(page.locator("tbody tr")).to_have_count(1)
    ngo.check("signals-list")
    ngo.goto("/account")
    ngo.check("account")
    page.get_by_role("link", name=re.compile("Set up")).click()
    expect(page.locator("#mfa-secret")).to_have_text(re.compile(r"^([A-Z2-7]{4} )+[A-Z2-7]{4}$"))
    ngo.check("mfa-setup")
    ngo.close()

    # --- the Helsinki investigator reads it (in Finnish, the default) --------------------------
    police = Visit(browser, live_site)
    police.sign_in("helsinki_investigator")
    police.goto("/signals/shared")
    expect(police.page.locator("tbody tr")).to_have_count(1)
    police.check("shared-with-us-fi")
    police.goto(signal_path)
    expect(police.page.get_by_text(VICTIM).first).to_be_visible()
    expect(police.page.get_by_text(SUSPECT).first).to_be_visible()
    expect(police.page.locator("#shares")).to_have_count(0)  # only the owner shares
    expect(police.page.locator("#audit-trail")).to_have_count(0)
    police.check("signal-police-fi")
    police.close()

    # --- another department gets "not found", exactly as for a missing record ----------------
    other = Visit(browser, live_site)
    other.expected_status.add(404)
    other.sign_in("sisasuomi_investigator")
    response = other.goto(signal_path)
    assert response is not None and response.status == 404
    hidden_text = other.page.locator("main").inner_text()
    assert VICTIM not in other.page.content()
    other.check("not-found-fi")
    missing = other.goto("/signals/00000000-0000-4000-8000-000000000000")
    assert missing is not None and missing.status == 404
    assert other.page.locator("main").inner_text() == hidden_text

    # A person in danger: emergency access, justified, and then the record opens.
    other.goto(signal_path)
    other.page.get_by_role("link", name="pyytää hätäpääsyä").click()
    expect(other.page.locator("h1")).to_have_text("Pyydä hätäpääsyä")
    other.check("break-glass-fi")
    other.page.fill("#justification", "Kiire")
    other.page.get_by_role("button", name="Avaa tieto hätäpääsyllä").click()
    expect(other.page.locator(".govuk-error-summary")).to_contain_text("vähintään 20 merkillä")
    other.check("break-glass-errors-fi")
    other.page.fill(
        "#justification",
        "Uhri soitti hätäkeskukseen Jyväskylästä ja kertoo, että hänet on suljettu asuntoon.",
    )
    other.page.fill("#hours", "2")
    other.page.get_by_role("button", name="Avaa tieto hätäpääsyllä").click()
    expect(other.page.locator(".govuk-notification-banner")).to_contain_text("Käytät hätäpääsyä")
    expect(other.page.get_by_text(VICTIM).first).to_be_visible()
    other.check("signal-break-glass-fi")
    other.close()

    # --- the NGO's data protection officer is told, and follows the notice to the trail --------
    dpo = Visit(browser, live_site)
    dpo.sign_in("ngo_dpo")
    nav_item = dpo.page.locator(".govuk-service-navigation__link[href='/notifications']")
    expect(nav_item).to_contain_text("Viestit (1)")
    expect(dpo.page.get_by_role("link", name="Viestit (1 lukematon)", exact=True)).to_be_visible()
    nav_item.click()
    expect(dpo.page.locator("h1")).to_have_text("Viestit")
    rows = dpo.page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Hätäpääsy")
    expect(rows.first).to_contain_text("Uusi")
    expect(rows.first).to_contain_text("leila.haddad@poliisi.example.fi")
    dpo.check("notifications-fi")
    dpo.page.locator(".opennrm-language-switch button[lang=en]").click()
    expect(dpo.page.locator("h1")).to_have_text("Notifications")
    expect(nav_item).to_contain_text("Notifications (1)")
    expect(
        dpo.page.get_by_role("link", name="Notifications (1 unread)", exact=True)
    ).to_be_visible()
    expect(rows.first.get_by_role("link", name=re.compile("View signal"))).to_have_count(0)
    dpo.check("notifications")
    rows.first.get_by_role("link", name=re.compile("View audit trail")).click()
    dpo.page.wait_for_url(re.compile(r"/signals/[0-9a-f-]{36}/audit$"))
    assert dpo.page.url.removeprefix(live_site.base_url) == f"{signal_path}/audit"
    trail_table = dpo.page.locator("table")
    expect(trail_table).to_contain_text("Emergency access")
    expect(trail_table).to_contain_text("leila.haddad@poliisi.example.fi")
    dpo.check("notifications-audit-trail")
    dpo.page.go_back()
    dpo.page.get_by_role("button", name="Mark all as read").click()
    dpo.page.wait_for_url(re.compile(r"/notifications\?done=read$"))
    expect(dpo.page.locator(".govuk-notification-banner--success")).to_contain_text(
        "All notifications are marked as read"
    )
    expect(rows.first).not_to_contain_text("New")
    expect(nav_item).to_have_text("Notifications")
    dpo.check("notifications-read")
    dpo.close()

    # --- the NGO's supervisor, in Swedish, sees the audit trail with the police read on it ------
    supervisor = Visit(browser, live_site)
    supervisor.sign_in("ngo_supervisor")
    supervisor.page.locator(".opennrm-language-switch button[lang=sv]").click()
    expect(supervisor.page.locator("h1")).to_have_text("Min organisations anmälningar")
    supervisor.goto(signal_path)
    trail = supervisor.page.locator("#audit-trail ~ table")
    expect(trail).to_contain_text("mikael.lindqvist@poliisi.example.fi")
    expect(trail).to_contain_text("Helsingin poliisilaitos")
    # The other department's attempt is on the trail too, as refused.
    refused = trail.locator("tr", has_text="leila.haddad@poliisi.example.fi")
    expect(refused.first).to_contain_text("Nekat")
    supervisor.check("signal-trail-sv")
    supervisor.close()


def test_script_in_a_name_is_shown_as_text(browser: Browser, live_site: Site) -> None:
    ngo = Visit(browser, live_site)
    page = ngo.page
    ngo.sign_in("ngo_worker")
    ngo.goto("/signals/new")
    script = "<script>alert(1)</script>"
    page.locator("#exploitation_types").check()
    page.fill("#summary", 'A note with markup <img src=x onerror="alert(2)"> in it.')
    page.check("#persons-0-role-3")
    page.fill("#persons-0-names", script)
    page.locator("button[value=save]:not([tabindex])").click()
    summary = page.locator(".govuk-error-summary")
    # A name needs letters: "script" and "alert" have them, so it is accepted as typed.
    expect(summary).to_have_count(0)
    page.wait_for_url(re.compile(r"done=created"))
    expect(page.locator(".govuk-summary-card__title")).to_contain_text(script)
    expect(page.get_by_text('<img src=x onerror="alert(2)">', exact=False)).to_be_visible()
    assert page.locator("main script, main img").count() == 0
    # Let the page's own requests finish first: a reload would abort them, and an aborted
    # request is counted as a problem (it happened on a loaded CI machine).
    page.wait_for_load_state("networkidle")
    page.reload()
    assert ngo.dialogs == []
    ngo.close()
