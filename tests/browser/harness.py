"""Helpers for Playwright (sync API) browser tests.

The browser is Debian's Chromium (``/usr/bin/chromium``; ``scripts/install-chromium.sh``
installs it) driven through ``executable_path`` -- Playwright never downloads a browser.
Accessibility is checked with the vendored axe-core (``tests/browser/vendor/axe.min.js``,
see ``scripts/vendor-assets.sh``).

Typical use::

    with sync_playwright() as pw:
        browser = launch_browser(pw)
        page = browser.new_page()
        page.goto(url)
        violations = run_axe(page)
        assert not violations, format_violations(violations)
        screenshot(page, "case-list")
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOT_DIR = REPO_ROOT / "screenshots"

CHROMIUM = os.environ.get("OPENNRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# WCAG 2.1 A/AA plus axe best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def launch_browser(playwright: Playwright, **kwargs: Any) -> Browser:
    """Launch the system Chromium headless (no Playwright-managed browser download)."""
    if not chromium_available():
        raise RuntimeError(f"{CHROMIUM} not found: run scripts/install-chromium.sh")
    options: dict[str, Any] = {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": list(CHROMIUM_ARGS),
    }
    options.update(kwargs)
    return playwright.chromium.launch(**options)


def _inject_axe(page: Page) -> None:
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    # An inline <script> would be blocked by a strict Content-Security-Policy; DevTools
    # evaluation is not subject to the page's CSP, so evaluate the source directly.
    source = AXE_JS.read_text(encoding="utf-8")
    page.evaluate(f"() => {{ {source}\n}}")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise RuntimeError("axe-core could not be injected into the page")


def run_axe(
    page: Page,
    *,
    context: str | dict[str, Any] | None = None,
    tags: list[str] | None = None,
    disable_rules: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Run axe-core on the page and return its violations (an empty list means none).

    ``context`` is an axe context (selector or include/exclude object), default the whole
    document; ``disable_rules`` switches individual axe rules off (justify it in the test).
    """
    _inject_axe(page)
    options: dict[str, Any] = {
        "runOnly": tags or AXE_TAGS,
        "resultTypes": ["violations"],
    }
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    result = page.evaluate(
        """async ([context, options]) => {
            const results = await axe.run(context ?? document, options);
            return results.violations;
        }""",
        [context, options],
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Human-readable summary of axe violations, for assertion messages."""
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- [{v.get('impact') or 'n/a'}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            html = re.sub(r"\s+", " ", node.get("html", ""))
            lines.append(f"      {html[:200]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save ``screenshots/<name>.png`` at the repo root (the directory is gitignored)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"bad screenshot name: {name!r}")
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
