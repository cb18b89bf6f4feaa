"""Every word the pages show exists in Finnish and Swedish, and dates read as people in
Finland write them. Plain pytest: no browser needed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from opennrm.web import i18n
from opennrm.web.render import TEMPLATES_DIR, environment

WEB = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%\{(\w+)\}")


def used_messages() -> dict[str | tuple[str, ...], str]:
    """msgid (or singular/plural pair) -> where it is used, from templates and Python."""
    with (WEB / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def catalogue(locale: str):  # type: ignore[no-untyped-def]
    path = i18n.TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def test_extraction_finds_the_pages_messages() -> None:
    messages = used_messages()
    assert len(messages) > 250
    assert "Record a signal" in messages  # a template
    assert "Select at least one form of exploitation" in messages  # Python (forms.py)
    assert "Data protection officer" in messages  # marked with N_ (labels.py)


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_every_message_is_translated(locale: str) -> None:
    cat = catalogue(locale)
    problems = []
    for msgid, where in used_messages().items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = cat.get(key)
        strings = (
            []
            if entry is None
            else (list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        )
        if entry is None or not all(s.strip() for s in strings):
            problems.append(f"{where}: {key!r} has no {locale} translation")
        elif entry.fuzzy:
            problems.append(f"{where}: {key!r} is marked fuzzy in {locale}")
        else:
            wanted = set(PLACEHOLDER.findall(key))
            problems += [
                f"{where}: {key!r} -> {s!r} changes the placeholders"
                for s in strings
                if set(PLACEHOLDER.findall(s)) - wanted
            ]
    assert problems == []


def test_the_english_catalogue_speaks_only_english() -> None:
    """English is the source language: an English entry either is empty (the msgid is
    shown) or repeats the msgid. A Swedish string pasted there once showed up on the
    English signal page."""
    wrong = [
        (m.id, m.string)
        for m in catalogue("en")
        if m.id and not isinstance(m.id, tuple) and m.string and m.string != m.id
    ]
    assert wrong == []


def test_catalogues_compile_and_translate() -> None:
    assert i18n.translations("fi").gettext("Sign in") == "Kirjaudu sisään"
    assert i18n.translations("sv").gettext("Sign in") == "Logga in"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
    assert i18n.translations("fi").ngettext("%(num)s signal", "%(num)s signals", 3) == (
        "%(num)s ilmoitusta"
    )


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_template_compiles(locale: str) -> None:
    env = environment(locale)
    for path in TEMPLATES_DIR.rglob("*.html"):
        env.get_template(path.relative_to(TEMPLATES_DIR).as_posix())


def test_dates_as_caseworkers_write_them() -> None:
    afternoon = datetime(2026, 11, 29, 12, 5, tzinfo=UTC)  # 14.05 in Helsinki
    assert i18n.format_moment(afternoon, "fi") == "29.11.2026 klo 14.05"
    assert i18n.format_moment(afternoon, "sv") == "29.11.2026 kl. 14.05"
    assert i18n.format_moment(afternoon, "en") == "29 Nov 2026, 14:05"
    assert i18n.format_day(date(2026, 3, 7), "fi") == "7.3.2026"
    late = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Helsinki
    assert i18n.format_day(late, "fi") == "1.7.2026"
    assert i18n.format_partial_date("1990-04", "fi") == "huhtikuu 1990"
    assert i18n.format_partial_date("1990-04-02", "sv") == "2.4.1990"
    assert i18n.format_partial_date("1990", "en") == "1990"


def test_countries_sort_the_local_way() -> None:
    names = [name for _code, name in i18n.countries("sv")]
    assert names.index("Zimbabwe") < names.index("Åland") < names.index("Österrike")
    assert names.index("Ecuador") < names.index("Egypten")  # accents aside, a to z
    assert dict(i18n.countries("fi"))["VN"] == "Vietnam"
