"""The action plan and the training library in a real browser against a live server.

The coordinator opens the action plan from the navigation, then the progress report: its
charts are inline SVG with a title for screen readers, each indicator has its table, and
axe-core finds nothing. The PDF link downloads a PDF whose text holds the objectives. A
supervisor of an organisation responsible for a measure reports progress with the
keyboard only — first a mistake (no text), which the error summary names and nothing is
stored, then the report. A caseworker reads the teaching materials: a material that
tries to smuggle a script shows it as text. Every page is kept as a screenshot
(`/tmp/shots-actionplan/` and `screenshots/`) for people to look at.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfReader
from sqlalchemy import select

from opennrm.actionplan import actions as plan_actions
from opennrm.actionplan import schemas as plan_schemas
from opennrm.actionplan.models import MeasureUpdate
from opennrm.actionplan.training import actions as training_actions
from opennrm.actionplan.training import schemas as training_schemas
from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.signals import actions as signal_actions
from opennrm.signals.schemas import SignalIn
from opennrm.uow import unit_of_work
from tests.personas import World

from .harness import format_violations, launch_browser, run_axe, screenshot
from .live import Live, live_site, sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-actionplan")  # noqa: S108 - where reviewers look at the pages
OBJECTIVES = {
    "1": (
        "identification",
        {
            "fi": "Uhrit tavoitetaan ja tunnistetaan",
            "sv": "Offren nås och identifieras",
            "en": "Victims are reached and identified",
        },
    ),
    "2": (
        "assistance",
        {
            "fi": "Uhrit saavat tarvitsemansa avun",
            "sv": "Offren får den hjälp de behöver",
            "en": "Victims get the help they need",
        },
    ),
    "3": (
        "criminal_liability",
        {
            "fi": "Rikosvastuu toteutuu tehokkaasti",
            "sv": "Det straffrättsliga ansvaret förverkligas",
            "en": "Criminal liability is realised",
        },
    ),
}
INJECTION = (
    "## Tunnistaminen\n\n<script>document.title='hakkeroitu'</script>\n\n"
    "[Avaa](javascript:alert(1)) **Kysy velasta.**"
)


@dataclass
class LiveSite:
    ctx: AppContext
    world: World
    base_url: str
    measure_id: str
    material_id: str


def _seed(ctx: AppContext, world: World) -> tuple[str, str]:
    """Three objectives, their measures, some signals and a small library; through the
    real actions, as the coordinator and an NGO's caseworker."""
    today = ctx.referral_config.local_day(utcnow())
    with unit_of_work(ctx.db) as session:
        coordinator = session.get(User, world.coordinator.user_id)
        recorder = session.get(User, world.ngo_worker.user_id)
        assert coordinator is not None and recorder is not None
        boss = actor_for(session, coordinator)
        ids = {}
        for code, (aim, title) in OBJECTIVES.items():
            ids[code] = plan_actions.create_objective(
                session,
                plan_schemas.ObjectiveIn.model_validate(
                    {"code": code, "aim": aim, "title": title,
                     "description": {"fi": "Selaintestin tavoite."}}
                ),
                actor=boss,
            ).id  # fmt: skip
        measures = [
            ("1.1", "1", ["ngo"], 60, "Etulinjan koulutus", "Frontline training"),
            ("1.2", "1", ["vantaa"], -20, "Seulontakysymykset", "Screening questions"),
            ("2.1", "2", ["assistance"], 30, "Nopeat päätökset", "Quick decisions"),
            ("3.1", "3", ["helsinki", "national_team"], 120, "Tutkijoiden koulutus",
             "Training investigators"),
        ]  # fmt: skip
        measure_ids = {}
        for code, objective, orgs, days, fi, en in measures:
            measure_ids[code] = plan_actions.create_measure(
                session,
                plan_schemas.MeasureIn.model_validate(
                    {
                        "objective_id": ids[objective],
                        "code": code,
                        "title": {"fi": fi, "sv": f"{en} (sv)", "en": en},
                        "organisation_ids": [world.orgs[o] for o in orgs],
                        "deadline": (today + timedelta(days=days)).isoformat(),
                        "status": "in_progress",
                    }
                ),
                actor=boss,
            ).id
        worker = actor_for(session, recorder)
        for n in range(6):
            signal_actions.create_signal(
                session,
                SignalIn.model_validate(
                    {"exploitation_types": ["labour"],
                     "summary": f"Ravintolatyöntekijä {n} asuu työnantajan asunnossa."}
                ),
                actor=worker,
                cipher=ctx.cipher,
            )  # fmt: skip
        material = training_actions.create_material(
            session,
            training_schemas.MaterialIn.model_validate(
                {
                    "title": {"fi": "Tunnusmerkit", "sv": "Kännetecken", "en": "Indicators"},
                    "audience": ["caseworker", "frontline"],
                    "body": {"fi": INJECTION},
                }
            ),
            actor=boss,
        )
    return measure_ids["2.1"], material.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("actionplan"), "actionplan") as live:
        measure_id, material_id = _seed(live.ctx, live.world)
        yield LiveSite(live.ctx, live.world, live.base_url, measure_id, material_id)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(browser: Browser, site: LiveSite, who: str) -> tuple[Page, list[str]]:
    """A signed-in page; every error or warning in the console and every failed response
    is a problem."""
    visitor = sign_in(
        browser, Live(site.ctx, site.world, site.base_url), who, console=("error", "warning")
    )
    return visitor.page, visitor.problems


def _check_axe(page: Page, name: str) -> None:
    page.wait_for_selector("body.govuk-frontend-supported", state="attached")
    violations = run_axe(page)
    assert violations == [], f"{name}: {format_violations(violations)}"


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"actionplan-{name}")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_coordinator_reads_the_report_and_downloads_the_pdf(
    browser: Browser, site: LiveSite
) -> None:
    page, problems = _sign_in(browser, site, "coordinator")
    nav = page.locator(".govuk-service-navigation__list a[href='/actionplan']")
    expect(nav).to_have_text("Toimintaohjelma")
    nav.click()
    page.wait_for_url(re.compile(r"/actionplan$"))
    expect(page.locator("h1")).to_have_text("Ihmiskaupan vastainen toimintaohjelma")
    expect(page.locator("#objective-1")).to_contain_text("Uhrit tavoitetaan ja tunnistetaan")
    # 1.2 is past its deadline: shown as delayed, whatever was reported.
    row = page.locator("tr", has=page.locator("a", has_text="Seulontakysymykset"))
    expect(row).to_contain_text("Myöhässä")
    _check_axe(page, "plan")
    _shot(page, "plan")

    page.get_by_role("link", name="Edistymisraportti").click()
    page.wait_for_url(re.compile(r"/actionplan/report$"))
    expect(page.locator("h1")).to_have_text("Ihmiskaupan vastaisen toimintaohjelman edistyminen")
    charts = page.locator("figure.opennrm-chart svg[role=img]")
    assert charts.count() >= 5
    # Every chart carries its title and a text description for screen readers.
    for i in range(charts.count()):
        assert (charts.nth(i).locator("title").text_content() or "").strip()
        assert (charts.nth(i).locator("desc").text_content() or "").strip()
    section = page.locator("#indicator-signals_by_sector").locator("xpath=..")
    expect(section.locator("table").first).to_contain_text("Kuukausi")
    expect(section).to_contain_text("Järjestöt")
    # The six signals of the month: published (not below five).
    today = site.ctx.referral_config.local_day(utcnow())
    month = f"{today.month}/{today.year}"
    cells = section.locator("table").first.locator("tr", has=page.locator("th", has_text=month))
    expect(cells.locator("td").first).to_have_text("6")
    assert page.locator("main table").count() >= 8
    expect(page.locator("#objective-2")).to_be_visible()
    _check_axe(page, "report")
    _shot(page, "report")

    with page.expect_download() as info:
        page.get_by_role("link", name="Lataa raportti PDF-tiedostona").click()
    pdf = info.value
    assert pdf.suggested_filename.startswith("action-plan-")
    data = Path(pdf.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    for _aim, title in OBJECTIVES.values():
        assert title["fi"] in text, title["fi"]
    assert "Ilmoitukset kuukausittain kirjaajan sektorin mukaan" in text
    assert "Seulontakysymykset" in text and "Myöhässä" in text
    assert problems == [], problems
    page.context.close()


def test_a_responsible_supervisor_reports_progress_with_the_keyboard(
    browser: Browser, site: LiveSite
) -> None:
    page, problems = _sign_in(browser, site, "assistance_supervisor")
    page.goto(f"{site.base_url}/actionplan/measures/{site.measure_id}")
    expect(page.locator("h1")).to_contain_text("2.1 Nopeat päätökset")
    expect(page.locator("#report-progress")).to_have_text("Raportoi edistyminen")

    def keyboard_report(text: str, *, checked: str, choose_done: bool, url: str = "") -> None:
        page.locator("#reported_on-day").focus()
        page.keyboard.press("Tab")  # month
        page.keyboard.press("Tab")  # year
        page.keyboard.press("Tab")  # the status radios: the checked one
        expect(page.locator(checked)).to_be_focused()
        if choose_done:
            page.keyboard.press("ArrowDown")  # in progress → done
        expect(page.locator("#status-3")).to_be_checked()
        page.keyboard.press("Tab")
        expect(page.locator("#text")).to_be_focused()
        if text:
            page.keyboard.type(text)
        page.keyboard.press("Tab")
        expect(page.locator("#evidence_url")).to_be_focused()
        if url:
            page.keyboard.type(url)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Lähetä raportti")).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_load_state()

    # A mistake first: no text. The summary names it; nothing is stored.
    link = "https://example.fi/paatosaikaraportti.pdf"
    keyboard_report("", checked="#status-2", choose_done=True, url=link)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#text']")).to_have_text("Kerro, mitä on tehty")
    expect(page.locator("#evidence_url")).to_have_value(link)
    _check_axe(page, "progress-error")
    _shot(page, "progress-error")
    with unit_of_work(site.ctx.db) as session:
        assert session.scalars(select(MeasureUpdate)).all() == []

    # The form kept what was typed: "done" and the link. Now the text.
    keyboard_report(
        "Päätösajat seurannassa; mediaani kolme vuorokautta.", checked="#status-3",
        choose_done=False,
    )  # fmt: skip
    page.wait_for_url(re.compile(r"done=progress"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Raporttisi tallennettiin"
    )
    expect(page.locator("#measure-status")).to_contain_text("Valmis")
    reports = page.locator(".opennrm-progress-list li")
    expect(reports).to_have_count(1)
    expect(reports.first).to_contain_text("Käynnissä → Valmis")
    expect(reports.first).to_contain_text("Anneli Heikkinen")
    expect(reports.first).to_contain_text("mediaani kolme vuorokautta")
    expect(reports.first.locator("a")).to_have_attribute("href", link)
    _check_axe(page, "progress-saved")
    _shot(page, "progress-saved")
    assert [p for p in problems if "422" not in p] == [], problems
    page.context.close()


def test_another_supervisor_sees_no_report_form(browser: Browser, site: LiveSite) -> None:
    page, _problems = _sign_in(browser, site, "ngo_supervisor")
    page.goto(f"{site.base_url}/actionplan/measures/{site.measure_id}")
    expect(page.locator("form[action$='/progress']")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("vastuutahon esihenkilö")
    page.context.close()


def test_the_training_library_shows_a_script_as_text(browser: Browser, site: LiveSite) -> None:
    page, problems = _sign_in(browser, site, "ngo_worker")
    nav = page.locator(".govuk-service-navigation__list a[href='/training']")
    expect(nav).to_have_text("Koulutus")
    nav.click()
    page.wait_for_url(re.compile(r"/training$"))
    expect(page.locator("h1")).to_have_text("Koulutus ja opetusaineistot")
    expect(page.get_by_role("link", name="Tunnusmerkit")).to_be_visible()
    _check_axe(page, "library")
    _shot(page, "library")

    page.get_by_role("link", name="Tunnusmerkit").click()
    body = page.locator(".opennrm-markdown")
    expect(body.locator("h2")).to_have_text("Tunnistaminen")
    expect(body).to_contain_text("<script>document.title='hakkeroitu'</script>")
    assert body.locator("script").count() == 0
    assert body.locator("a[href^='javascript']").count() == 0
    expect(body.locator("strong")).to_have_text("Kysy velasta.")
    assert page.title() != "hakkeroitu"
    _check_axe(page, "material")
    _shot(page, "material")
    assert problems == [], problems
    page.context.close()
