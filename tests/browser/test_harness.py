"""Self-check of the browser test harness and the vendored design system.

Serves tiny static pages (no app needed) that use GOV.UK Frontend components from
``src/opennrm/web/static`` under a strict Content-Security-Policy, and proves that:

* the vendored CSS/JS load with no 404s, no console errors and no CSP violations;
* axe-core really runs: zero violations on a correct page, a ``label`` violation on a
  deliberately broken one;
* GOV.UK Frontend's JS is initialised by ``static/js/init.js`` (also for htmx swaps);
* keyboard navigation works (skip link, then Tab to the first input);
* no GDS Transport font or GOV.UK brand asset is requested.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .harness import (
    REPO_ROOT,
    format_violations,
    launch_browser,
    run_axe,
    screenshot,
)

STATIC = REPO_ROOT / "src" / "opennrm" / "web" / "static"
GOVUK_CSS = STATIC / "vendor" / "govuk-frontend" / "govuk-frontend.min.css"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)

HEAD = """<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <meta name="htmx-config" content='{"includeIndicatorStyles": false, "historyCacheSize": 0,
    "refreshOnHistoryMiss": true, "allowEval": false, "allowScriptTags": false}'>
  <title>{title} &ndash; OpenNRM</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/vendor/govuk-frontend/govuk-frontend.min.css">
  <script src="/static/vendor/htmx/htmx.min.js" defer></script>
  <script type="module" src="/static/js/init.js"></script>
</head>
<body class="govuk-template__body">
  <a href="#main-content" class="govuk-skip-link"
     data-module="govuk-skip-link">Skip to main content</a>
  <header>
    <section aria-label="Service information" class="govuk-service-navigation"
             data-module="govuk-service-navigation">
      <div class="govuk-width-container">
        <div class="govuk-service-navigation__container">
          <span class="govuk-service-navigation__service-name">
            <a href="/good.html" class="govuk-service-navigation__link">OpenNRM</a>
          </span>
        </div>
      </div>
    </section>
  </header>
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
"""

FOOT = """
    </main>
  </div>
  <footer class="govuk-footer">
    <div class="govuk-width-container">
      <p class="govuk-body-s">OpenNRM harness self-check. Synthetic data only.</p>
    </div>
  </footer>
</body>
</html>
"""

GOOD_BODY = """
      <div class="govuk-error-summary" data-module="govuk-error-summary">
        <div role="alert">
          <h2 class="govuk-error-summary__title">There is a problem</h2>
          <div class="govuk-error-summary__body">
            <ul class="govuk-list govuk-error-summary__list">
              <li><a href="#case-reference">Enter the case reference</a></li>
            </ul>
          </div>
        </div>
      </div>
      <h1 class="govuk-heading-l">Record a referral</h1>
      <p class="govuk-body">The quick brown fox jumps over the lazy dog. 0123456789</p>
      <form method="post" action="/good.html" novalidate>
        <div class="govuk-form-group govuk-form-group--error">
          <label class="govuk-label govuk-label--s" for="case-reference">Case reference</label>
          <div id="case-reference-hint" class="govuk-hint">For example, NRM-2024-0042</div>
          <p id="case-reference-error" class="govuk-error-message">
            <span class="govuk-visually-hidden">Error:</span> Enter the case reference
          </p>
          <input class="govuk-input govuk-input--width-10 govuk-input--error" id="case-reference"
                 name="case_reference" type="text" spellcheck="false"
                 aria-describedby="case-reference-hint case-reference-error">
        </div>
        <div class="govuk-form-group">
          <label class="govuk-label govuk-label--s" for="first-responder">
            First responder organisation
          </label>
          <input class="govuk-input govuk-input--width-20" id="first-responder"
                 name="first_responder" type="text">
        </div>
        <div class="govuk-button-group">
          <button type="submit" class="govuk-button" data-module="govuk-button">
            Save referral
          </button>
          <button type="button" class="govuk-button govuk-button--secondary"
                  hx-get="/fragment.html" hx-target="#fragment-slot" hx-swap="innerHTML">
            Load more
          </button>
        </div>
      </form>
      <div id="fragment-slot"></div>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m">Recent referrals</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header">Reference</th>
            <th scope="col" class="govuk-table__header">Received</th>
            <th scope="col" class="govuk-table__header">Status</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          <tr class="govuk-table__row">
            <th scope="row" class="govuk-table__header">NRM-2024-0041</th>
            <td class="govuk-table__cell">3 June 2024</td>
            <td class="govuk-table__cell">
              <strong class="govuk-tag govuk-tag--yellow">Awaiting decision</strong>
            </td>
          </tr>
          <tr class="govuk-table__row">
            <th scope="row" class="govuk-table__header">NRM-2024-0040</th>
            <td class="govuk-table__cell">1 June 2024</td>
            <td class="govuk-table__cell">
              <strong class="govuk-tag govuk-tag--green">Positive decision</strong>
            </td>
          </tr>
        </tbody>
      </table>
"""

BROKEN_BODY = """
      <h1 class="govuk-heading-l">Record a referral</h1>
      <form method="post" action="/broken.html" novalidate>
        <div class="govuk-form-group">
          <!-- deliberately broken: input without a label -->
          <input class="govuk-input" id="case-reference" name="case_reference" type="text">
        </div>
        <button type="submit" class="govuk-button" data-module="govuk-button">Save</button>
      </form>
"""

FRAGMENT = """<button type="button" class="govuk-button" data-module="govuk-button"
        id="swapped-button">Swapped in by htmx</button>"""


def _page(title: str, body: str) -> str:
    return HEAD.replace("{title}", title) + body + FOOT


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[tuple[str, int]]

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.requests.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    root = tmp_path_factory.mktemp("harness-site")
    (root / "good.html").write_text(_page("Error: Record a referral", GOOD_BODY), "utf-8")
    (root / "broken.html").write_text(_page("Broken page", BROKEN_BODY), "utf-8")
    (root / "fragment.html").write_text(FRAGMENT, "utf-8")
    (root / "static").symlink_to(STATIC, target_is_directory=True)
    log: list[tuple[str, int]] = []
    handler = type("Handler", (_Handler,), {"requests": log})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console.{m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()


def _open(page: Page, url: str) -> None:
    page.goto(url)
    # init.js (an ES module) has run and initialised GOV.UK Frontend components.
    page.wait_for_selector(
        "body.govuk-frontend-supported [data-govuk-button-init]", state="attached"
    )


def test_vendored_css_has_no_gov_uk_font_or_brand() -> None:
    css = GOVUK_CSS.read_text("utf-8")
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css
    assert not [u for u in re.findall(r"url\(([^)]*)\)", css) if not u.startswith("data:")]
    assert "@import" not in css
    assert "sourceMappingURL" not in css


@pytest.mark.browser
def test_correct_page_has_no_axe_violations(page: Page, site: tuple[str, list]) -> None:
    base, log = site
    _open(page, f"{base}/good.html")

    violations = run_axe(page)
    assert violations == [], format_violations(violations)

    # The design system really applied: GOV.UK button styles, Arial fallback font.
    button = page.locator("button.govuk-button").first
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") != "rgb(239, 239, 239)"
    font = page.locator("p.govuk-body").evaluate("el => getComputedStyle(el).fontFamily")
    assert font.lower().startswith("arial"), font
    assert page.evaluate("() => [...document.fonts].map(f => f.family)") == []

    # GOV.UK Frontend JS initialised the components (via static/js/init.js).
    for module in ("govuk-button", "govuk-error-summary", "govuk-skip-link"):
        assert page.locator(f"[data-{module}-init]").count() >= 1, module

    screenshot(page, "harness-govuk-demo")

    assert page.problems == []  # type: ignore[attr-defined]
    paths = [p for p, _ in log]
    assert not [p for p in paths if "/assets/" in p or p.endswith((".woff", ".woff2"))]
    assert all(status < 400 for _, status in log), log


@pytest.mark.browser
def test_axe_reports_missing_label(page: Page, site: tuple[str, list]) -> None:
    base, _ = site
    _open(page, f"{base}/broken.html")
    violations = run_axe(page)
    ids = {v["id"] for v in violations}
    assert "label" in ids, format_violations(violations)
    label = next(v for v in violations if v["id"] == "label")
    assert [n["target"] for n in label["nodes"]] == [["#case-reference"]]
    assert "Form elements must have labels" in format_violations(violations)


@pytest.mark.browser
def test_keyboard_reaches_first_input(page: Page, site: tuple[str, list]) -> None:
    base, _ = site
    _open(page, f"{base}/good.html")

    # GOV.UK error summary takes focus on load, so screen readers announce it ...
    page.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    # ... and its links move focus to the field in error.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Enter the case reference"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'case-reference'")

    # From the top of a fresh page: Tab -> skip link, Enter -> main, Tab -> first input.
    _open(page, f"{base}/broken.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "govuk-skip-link"
    assert page.locator(".govuk-skip-link").is_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'main-content'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "case-reference"
    page.keyboard.type("NRM-1")
    assert page.input_value("#case-reference") == "NRM-1"
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.browser
def test_htmx_swapped_components_are_initialised(page: Page, site: tuple[str, list]) -> None:
    base, _ = site
    _open(page, f"{base}/good.html")
    page.get_by_role("button", name="Load more").click()
    swapped = page.locator("#swapped-button")
    swapped.wait_for()
    page.wait_for_selector("#swapped-button[data-govuk-button-init]", state="attached")
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    assert page.problems == []  # type: ignore[attr-defined]


def test_screenshot_dir_is_gitignored() -> None:
    assert "/screenshots/" in (REPO_ROOT / ".gitignore").read_text("utf-8").split()


def test_paths_exist() -> None:
    for rel in (
        "src/opennrm/web/static/vendor/htmx/htmx.min.js",
        "src/opennrm/web/static/vendor/govuk-frontend/govuk-frontend.min.js",
        "src/opennrm/web/static/js/init.js",
        "tests/browser/vendor/axe.min.js",
    ):
        assert (REPO_ROOT / rel).is_file(), rel
