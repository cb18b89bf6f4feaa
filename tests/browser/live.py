"""A live OpenNRM for browser tests: a migrated SQLite file with the named personas,
served by uvicorn on a free port, and a signed-in browser context per persona that
collects whatever goes wrong on its pages (script errors, console errors, failed
responses) for the test to assert on.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page

from opennrm import migrate
from opennrm.app import create_app
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import Settings
from tests.personas import PASSWORD, World, seed_world
from tests.test_email import free_port


@dataclass
class Live:
    ctx: AppContext
    world: World
    base_url: str

    def api(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        """Call the API as a persona over HTTP; anything but success fails the test."""
        r = httpx.request(
            method, self.base_url + path, headers=self.world.people[who].auth, **kwargs
        )
        assert r.status_code < 300, r.text
        return r.json()


@contextmanager
def live_site(tmp: Path, name: str, **settings_: Any) -> Iterator[Live]:
    """A fresh database with the personas, served until the block ends; `settings_`
    are further settings (e-mail, say)."""
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{tmp / f'{name}.db'}",
        data_dir=tmp,
        secret_key=f"{name}-secret-" + "k" * 40,
        data_key=f"{name}-data-" + "d" * 40,
        public_url=f"http://localhost:{port}",
        **settings_,
    )
    db = Database(settings.database_url)
    migrate.upgrade(db.engine)
    ctx = AppContext.build(settings, db)
    world = seed_world(ctx)
    try:
        with serving(create_app(settings, ctx), port) as base_url:
            yield Live(ctx, world, base_url)
    finally:
        ctx.db.dispose()


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on `port` until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Visitor:
    """One persona's signed-in browser context and what went wrong on its pages."""

    context: BrowserContext
    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def close(self) -> None:
        assert self.problems == []
        self.context.close()


def sign_in(
    browser: Browser,
    site: Live,
    who: str,
    *,
    locale: str = "fi-FI",
    report: Callable[[int], bool] = lambda status: status >= 400,
    console: tuple[str, ...] = ("error",),
) -> Visitor:
    """Sign `who` in through the form; `report` says which response statuses count as
    problems, `console` which console message types do."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale=locale, accept_downloads=True
    )
    page = context.new_page()
    visitor = Visitor(context, page, site.base_url)
    page.on("pageerror", lambda e: visitor.problems.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: (
            visitor.problems.append(f"console {m.type}: {m.text}") if m.type in console else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            visitor.problems.append(f"HTTP {r.status}: {r.url}") if report(r.status) else None
        ),
    )
    persona = site.world.people[who]
    visitor.goto("/login")
    page.fill("#email", persona.email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/signals$"))
    return visitor
