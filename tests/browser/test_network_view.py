"""The network view in a real browser against a live server.

Two organisations' signals share a phone; a third signal's person and a fourth's are
confirmed to be one person; a police investigation shares its suspect's phone with the
municipality's signal. The analyst, assigned to all of them, opens the network: the
graph is drawn (a canvas, and the number of points drawn is said on the page), the
tables are there, the path between two cases is found with the keyboard only, and
axe-core finds nothing. No console error either: the Content-Security-Policy would
report Cytoscape's <style> element if the page did not pre-empt it. Screenshots are kept
(`screenshots/network-*.png`, and /tmp/network.png) for people to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from opennrm.db import utcnow
from opennrm.policy.models import Assignment
from opennrm.uow import unit_of_work
from tests.personas import PASSWORD

from .harness import format_violations, launch_browser, run_axe, screenshot
from .live import Live, live_site

pytestmark = pytest.mark.browser

PHONE = "+358 40 765 4321"


@dataclass
class LiveSite(Live):
    cases: dict[str, str] = field(default_factory=dict)


def _signal(site: LiveSite, who: str, persons: list[dict[str, Any]], **more: Any) -> str:
    body = {
        "exploitation_types": ["labour"],
        "summary": "Siivoojat asuvat työnantajan asunnossa; passit ovat työnantajalla.",
        "municipality": "Helsinki",
        "persons": persons,
        "consent": {"to_police": True},
        **more,
    }
    return str(site.api("POST", "/api/v1/signals", who, json=body)["id"])


def _seed_cases(site: LiveSite) -> dict[str, str]:
    company = {"name": "Siivouspalvelu Esimerkki Oy", "business_id": "0112038-9"}
    same = {
        "role": "victim",
        "names": ["Oleksandr Kovalenko"],
        "birth_date": "1988-03-14",
        "nationality": "UA",
    }
    cases = {
        "a": _signal(
            site,
            "ngo_worker",
            [{"role": "victim", "names": ["Thandiwe Mokoena"], "phones": [PHONE]}],
            organisations=[company],
            addresses=["Mannerheimintie 5 A, 00100 Helsinki"],
        ),
        "b": _signal(
            site,
            "municipality_caseworker",
            [
                {"role": "victim", "names": ["Moe Thu Zar"], "phones": ["040 7654321"]},
                {"role": "suspect", "names": ["Ion Munteanu"], "phones": ["+358 44 123 4567"]},
            ],
        ),
        "c": _signal(site, "ngo_worker", [{**same, "emails": ["sasha.k@example.com"]}]),
        "d": _signal(site, "ngo_worker", [same], organisations=[company]),
        "e": _signal(site, "ngo_worker", [{"role": "victim", "names": ["Grace Okafor"]}]),
    }
    investigation = site.api(
        "POST",
        "/api/v1/investigations",
        "helsinki_investigator",
        json={
            "offences": ["RL-25-3"],
            "summary": "Siivousyrityksen työntekijät asuvat työnantajan asunnossa.",
            "persons": [
                {"category": "suspect", "names": ["Ion Munteanu"], "phones": ["+358441234567"]}
            ],
        },
    )
    cases["i"] = str(investigation["id"])
    links = site.api("GET", "/api/v1/linkage/candidates", "ngo_worker")["items"]
    [link] = [
        link
        for link in links
        if {link["left"]["record_id"], link["right"]["record_id"]} == {cases["c"], cases["d"]}
    ]
    site.api(
        "POST",
        f"/api/v1/linkage/candidates/{link['id']}/decision",
        "ngo_worker",
        json={"decision": "confirm", "reason": "Sama henkilö: passi ja syntymäaika."},
    )
    # The analyst reads what is assigned to them (rows, as the authorisation tests make).
    with unit_of_work(site.ctx.db) as session:
        for key, record_id in cases.items():
            session.add(
                Assignment(
                    record_type="investigation" if key == "i" else "signal",
                    record_id=record_id,
                    user_id=site.world.analyst.user_id,
                    created_by=site.world.national_team_lead.user_id,
                    created_at=utcnow() - timedelta(minutes=5),
                )
            )
    return cases


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("network-view"), "network-view") as base:
        live = LiveSite(base.ctx, base.world, base.base_url)
        live.cases = _seed_cases(live)
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(browser: Browser, site: LiveSite, who: str) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fi-FI")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    persona = site.world.people[who]
    page.goto(site.base_url + "/login")
    page.fill("#email", persona.email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/signals$"))
    return page, problems


def _check_axe(page: Page, name: str) -> None:
    page.wait_for_selector("body.govuk-frontend-supported", state="attached")
    violations = run_axe(page)
    assert violations == [], f"{name}: {format_violations(violations)}"


def test_the_analyst_sees_the_network_drawn_and_in_tables(browser: Browser, site: LiveSite) -> None:
    page, problems = _sign_in(browser, site, "analyst")
    nav = page.locator(".govuk-service-navigation__list a[href='/network']")
    expect(nav).to_have_text("Verkosto")
    nav.click()
    page.wait_for_url(re.compile(r"/network$"))
    expect(page.locator("h1")).to_have_text("Henkilöiden ja tapausten verkosto")

    # The graph is drawn on a canvas, and the page says how much it drew.
    graph = page.locator("#network-graph")
    expect(graph).to_have_attribute("data-nodes", re.compile(r"^\d+$"))
    data = json.loads(page.locator("#network-data").text_content() or "{}")
    drawn = int(graph.get_attribute("data-nodes") or 0)
    assert drawn == len(data["nodes"]) > 10
    assert int(graph.get_attribute("data-edges") or 0) == len(data["edges"])
    assert graph.locator("canvas").count() >= 1
    box = graph.bounding_box()
    assert box is not None and box["height"] >= 500 and box["width"] > 600
    expect(page.locator("#network-status")).to_contain_text(f"Kaaviossa on {drawn} pistettä")
    assert data["counts"]["case"] == 6
    # Cytoscape added no <style> of its own: the page pre-empted it.
    assert page.locator("head style").count() == 0

    # The tables: the shared phone is among what appears in the most cases, the
    # confirmed pair is one cluster.
    expect(page.locator("#network-top")).to_contain_text("+358 40 7654321")
    expect(page.locator("#network-cases")).to_be_visible()
    clusters = page.locator("#network-clusters tbody tr")
    expect(clusters).to_have_count(1)
    expect(clusters.first).to_contain_text("Oleksandr Kovalenko")
    expect(page.locator("#network-key li")).to_have_count(11)

    # The zoom buttons work from the keyboard.
    page.locator("[data-network-zoom='in']").focus()
    page.keyboard.press("Enter")
    page.locator("[data-network-zoom='fit']").focus()
    page.keyboard.press("Enter")

    _check_axe(page, "network")
    screenshot(page, "network-view")
    graph.screenshot(path=str(screenshot(page, "network-view").with_name("network-graph.png")))
    # A copy where reviewers look for it; nothing reads it back.
    page.screenshot(path="/tmp/network.png", full_page=True)  # noqa: S108

    # The path between the NGO's signal and the police investigation, keyboard only.
    a, i = site.cases["a"], site.cases["i"]
    page.locator("#source").focus()
    page.locator("#source").select_option(f"signal:{a}")
    page.keyboard.press("Tab")
    page.locator("#target").select_option(f"investigation:{i}")
    page.keyboard.press("Tab")
    expect(page.locator("#path button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"source=signal"))
    steps = page.locator("#path ol li")
    expect(steps.first).to_contain_text("Ilmoitus")
    expect(steps.last).to_contain_text("Tutkinta")
    texts = steps.all_text_contents()
    assert len(texts) >= 7 and "+358 40 7654321" in texts[2]
    _check_axe(page, "network-path")
    screenshot(page, "network-path")
    graph.screenshot(path=str(screenshot(page, "network-path").with_name("network-path-graph.png")))

    # Only what joins two or more cases: Grace Okafor's lone signal drops out.
    page.goto(site.base_url + "/network?linked_only=yes")
    data = json.loads(page.locator("#network-data").text_content() or "{}")
    assert data["counts"]["case"] == 5
    assert "Grace Okafor" not in (page.locator("main").text_content() or "")

    assert problems == []
    page.context.close()


def test_a_caseworker_has_no_network(browser: Browser, site: LiveSite) -> None:
    page, problems = _sign_in(browser, site, "ngo_worker")
    assert page.locator(".govuk-service-navigation__list a[href='/network']").count() == 0
    response = page.goto(site.base_url + "/network")
    assert response is not None and response.status == 403
    _check_axe(page, "network-forbidden")
    assert problems[0] == f"HTTP 403: {site.base_url}/network"
    assert all("403" in p for p in problems), problems
    page.context.close()


def test_a_caseworker_reviews_a_possible_link(browser: Browser, site: LiveSite) -> None:
    """The review pages in Finnish: the queue, one pair with how it agrees, and the
    decision — keyboard-usable and axe-clean."""
    first = _signal(
        site,
        "ngo_worker",
        [{"role": "victim", "names": ["Nguyễn Thị Hoa"], "phones": ["+84 91 234 5678"],
          "birth_date": "1994-06-02"}],
    )  # fmt: skip
    second = _signal(
        site,
        "ngo_worker",
        [{"role": "victim", "names": ["HOA Nguyen Thi"], "phones": ["0084912345678"],
          "birth_date": "1994-02-06"}],
    )  # fmt: skip
    page, problems = _sign_in(browser, site, "ngo_worker")
    nav = page.locator(".govuk-service-navigation__list a[href='/linkage']")
    expect(nav).to_have_text("Mahdolliset yhteydet")
    nav.click()
    page.wait_for_url(re.compile(r"/linkage$"))
    row = page.locator("tbody tr", has=page.locator(f"a[href='/signals/{first}']")).filter(
        has=page.locator(f"a[href='/signals/{second}']")
    )
    expect(row).to_have_count(1)
    # The engine's explanation, in Finnish.
    expect(row).to_contain_text("sama puhelinnumero +84912345678")
    expect(row).to_contain_text("Todennäköisesti sama henkilö")
    _check_axe(page, "linkage-queue")
    screenshot(page, "linkage-queue")

    row.locator("a", has_text="Arvioi").click()
    page.wait_for_url(re.compile(r"/linkage/[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_have_text("Mahdollinen yhteys")
    expect(page.locator("table")).to_contain_text("Päivä ja kuukausi vaihtaneet paikkaa")
    _check_axe(page, "linkage-link")
    # Submitting without a choice and a reason: errors, nothing saved.
    page.locator("form[action$='/decision'] button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check_axe(page, "linkage-link-errors")
    page.locator("#decision").check()
    page.locator("#reason").fill(
        "Sama puhelin ja syntymäaika, nimi kirjoitettu eri järjestyksessä."
    )
    page.locator("#reason").press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Vahvistettu")
    expect(page.locator("form[action$='/decision']")).to_have_count(0)
    _check_axe(page, "linkage-decided")
    screenshot(page, "linkage-decided")
    # 422 on the empty form is expected; nothing else went wrong.
    assert [p for p in problems if "422" not in p] == []
    page.context.close()
