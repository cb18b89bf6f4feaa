"""The statistics pages in a real browser against a live server.

Thirty signals from two organisations, some back-dated into earlier months. The
coordinator reads the year's report (every table beside its chart; axe-core finds
nothing; no Content-Security-Policy complaint about the inline charts), downloads it as
a PDF and reads it, builds a table of their own with the keyboard only and downloads
it; a caseworker exports HTCDS records with a purpose. Screenshots are kept
(`screenshots/statistics-*.png`) for people to look at.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from pypdf import PdfReader
from sqlalchemy import select, update

from opennrm.db import utcnow
from opennrm.signals.models import Signal
from opennrm.uow import unit_of_work

from .harness import format_violations, launch_browser, run_axe, screenshot
from .live import Live, live_site, sign_in

pytestmark = pytest.mark.browser

PEOPLE = [
    ("labour", "female", "VN", "1992-06-11", "Nguyễn Thị Lan"),
    ("labour", "male", "VN", "1984-01-30", "Trần Văn Minh"),
    ("sexual", "female", "NG", "2009-03-03", "Blessing Okafor"),
    ("sexual", "female", "RO", "1998-10-10", "Andreea Popa"),
    ("begging", "male", "RO", "1966-05-05", "Ion Stoica"),
    ("labour", "male", "UA", "1990-12-24", "Oleksii Bondarenko"),
]


def _seed(site: Live) -> None:
    made: list[str] = []
    for i in range(30):
        exploitation, gender, nationality, born, name = PEOPLE[i % len(PEOPLE)]
        who = "ngo_worker" if i % 3 else "municipality_caseworker"
        body = {
            "exploitation_types": [exploitation],
            "summary": "Tilastosivun testihavainto: työnantaja pitää passia ja palkkaa.",
            "municipality": "Vantaa" if i % 2 else "Helsinki",
            "persons": [
                {
                    "role": "victim",
                    "names": [name],
                    "birth_date": born,
                    "gender": gender,
                    "nationality": nationality,
                }
            ],
        }
        made.append(site.api("POST", "/api/v1/signals", who, json=body)["id"])
    # A third of them were recorded in earlier months of the year.
    now = utcnow()
    with unit_of_work(site.ctx.db) as session:
        for n, signal_id in enumerate(made[:10]):
            session.execute(
                update(Signal)
                .where(Signal.id == signal_id)
                .values(created_at=now - timedelta(days=31 * (1 + n % 3)))
            )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_site(tmp_path_factory.mktemp("statistics-pages"), "statistics") as live:
        _seed(live)
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
    """One person's signed-in browser; `check` runs axe-core and keeps a screenshot."""

    def __init__(self, browser: Browser, site: Live, who: str, locale: str = "fi-FI") -> None:
        # A form answered with 422 is the page saying what is missing, not a failure.
        self.visitor = sign_in(
            browser, site, who, locale=locale, report=lambda s: s >= 400 and s != 422
        )
        self.page = self.visitor.page
        self.problems = self.visitor.problems

    def goto(self, path: str) -> None:
        self.visitor.goto(path)

    def check(self, name: str) -> None:
        self.page.wait_for_selector("body.govuk-frontend-supported", state="attached")
        violations = run_axe(self.page)
        assert violations == [], f"{name}: {format_violations(violations)}"
        screenshot(self.page, f"statistics-{name}")

    def close(self) -> None:
        self.visitor.close()


def this_year(site: Live) -> int:
    """Signals recorded this calendar year (the back-dated ones may fall in the last)."""
    config = site.ctx.referral_config
    year = config.local_day(utcnow()).year
    with unit_of_work(site.ctx.db) as session:
        days = [config.local_day(at) for at in session.scalars(select(Signal.created_at))]
    return sum(1 for d in days if d.year == year)


def test_the_coordinator_reads_the_report_and_its_pdf(browser: Browser, site: Live) -> None:
    visit = Visit(browser, site, "coordinator")
    page = visit.page
    visit.goto("/statistics")
    visit.check("report")
    sections = page.locator("section.opennrm-statistics-view")
    assert sections.count() == 11
    charts = page.locator("section.opennrm-statistics-view svg[role=img]")
    assert charts.count() >= 6
    for i in range(sections.count()):
        section = sections.nth(i)
        # Wherever there is something to count, the chart stands beside the table.
        assert section.locator("table").count() == section.locator("svg[role=img]").count()
    # Every chart is drawn with presentation attributes: nothing for the CSP to refuse.
    assert page.locator("svg[role=img] [style]").count() == 0
    first = charts.first
    assert first.locator("title").text_content()
    # The months of the year are the first table, its total this year's signals.
    months = sections.first.locator("tbody tr")
    # January up to this month; the months still to come are not drawn as zeros.
    assert months.count() == site.ctx.referral_config.local_day(utcnow()).month
    assert sections.first.locator("tfoot").inner_text().split()[-1] == str(this_year(site))
    # Suppressed cells read as "suppressed" to a screen reader.
    hidden = page.locator("td .govuk-visually-hidden")
    assert hidden.count() > 0
    with page.expect_download() as download:
        page.locator("a[href^='/statistics/report.pdf']").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    year = str(site.ctx.referral_config.local_day(utcnow()).year)
    assert year in (pdf.metadata.title or "")
    assert len(pdf.pages) >= 4
    assert "Nguyễn" not in text and "Okafor" not in text
    visit.close()


def test_a_table_of_ones_own_with_the_keyboard_and_its_download(
    browser: Browser, site: Live
) -> None:
    visit = Visit(browser, site, "analyst")
    page = visit.page
    visit.goto("/account")
    visit.goto("/statistics/explore")
    visit.check("explore-empty")
    # Choose with the keyboard: a focused list jumps to what is typed.
    page.locator("#subject").focus()
    page.keyboard.type("Oletetut")  # "Oletetut ja tunnistetut uhrit": victims
    page.locator("#by").focus()
    page.keyboard.type("Sukupuoli")
    assert page.locator("#subject").input_value() == "victims"
    assert page.locator("#by").input_value() == "sex"
    page.locator("button.govuk-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    visit.check("explore-table")
    table = page.locator("section.opennrm-statistics-view table")
    assert table.count() == 1
    assert page.locator("section.opennrm-statistics-view svg[role=img]").count() == 1
    with page.expect_download() as download:
        page.locator("a[href^='/statistics/explore.csv']").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert content.splitlines()[0] == "sex,count"
    rows = dict(line.split(",") for line in content.splitlines()[1:])
    assert rows["female"] in ("15", "")
    visit.close()


def test_a_caseworker_exports_htcds_with_a_purpose(browser: Browser, site: Live) -> None:
    visit = Visit(browser, site, "ngo_worker", locale="sv-FI")
    page = visit.page
    visit.goto("/statistics/exports")
    visit.check("exports")
    # Without a purpose the form says what is missing and nothing leaves.
    page.locator("form[action='/statistics/exports/htcds'] button").click()
    page.wait_for_selector(".govuk-error-summary")
    visit.problems.clear()  # the 422 of the form is expected
    visit.check("exports-error")
    page.fill("#purpose", "Årsrapport till IOM")
    with page.expect_download() as download:
        page.locator("form[action='/statistics/exports/htcds'] button").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20  # the NGO's own signals, one victim each
    assert all(json.loads(line)["x_opennrm"]["case_id"] for line in lines)
    visit.close()
