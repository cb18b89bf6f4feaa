"""Rendering pages: one Jinja2 environment per interface language.

Each environment has its catalogue installed once (`jinja2.ext.i18n`, new-style
gettext), so concurrent requests in different languages never share mutable state.
Autoescaping is on for every template: what people typed is always shown as text.
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from opennrm.settings import Environment as Deployment
from opennrm.web import i18n, labels
from opennrm.web.session import (
    CSRF_COOKIE,
    Visitor,
    anonymous_locale,
    app_context,
    presession_token,
    set_cookie,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _paragraphs(text: str | None) -> list[list[str]]:
    """Free text as paragraphs of lines, so templates can keep the writer's line breaks
    without marking anything safe."""
    blocks = (text or "").replace("\r\n", "\n").split("\n\n")
    return [b.strip("\n").split("\n") for b in blocks if b.strip()]


def _email(address: str | None) -> Markup:
    """An e-mail address that may wrap before the @ rather than in the middle of a word."""
    local, at, domain = (address or "").partition("@")
    return escape(local) + (Markup("<wbr>@") + escape(domain) if at else Markup(""))


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        day=partial(i18n.format_day, locale=locale),
        moment=partial(i18n.format_moment, locale=locale),
        partial_date=partial(i18n.format_partial_date, locale=locale),
        country=partial(i18n.country_name, locale=locale),
        phone=i18n.format_phone,
        email=_email,
        paragraphs=_paragraphs,
    )
    env.globals.update(
        code_label=partial(i18n.code_label, locale=locale),
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        LOCALES=i18n.LOCALES,
        labels=labels,
    )
    return env


def render(
    request: Request,
    template: str,
    *,
    visitor: Visitor | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` in the visitor's language (or the anonymous one)."""
    locale = visitor.locale if visitor else anonymous_locale(request)
    csrf = visitor.csrf_token if visitor else presession_token(request)
    settings = app_context(request).settings
    html = (
        environment(locale)
        .get_template(template)
        .render(
            locale=locale,
            visitor=visitor,
            csrf_token=csrf,
            path=request.url.path,
            demo=settings.env is Deployment.DEMO,
            errors=context.pop("errors", []),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    if visitor is None and getattr(request.state, "new_presession_csrf", False):
        set_cookie(response, CSRF_COOKIE, csrf)
    return response
