"""Interface languages: message catalogues, dates and code labels for fi, sv and en.

The catalogues are plain `.po` files compiled in memory at start-up (`read_po` →
`write_mo` → `Translations`), so running OpenNRM needs no build step and no `.mo` files
are kept beside the sources. Dates are shown the way Finnish caseworkers write them
(29.11.2026 klo 14.05), in Helsinki time; storage stays in UTC.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from opennrm.auth import models as auth_models
from opennrm.signals import codes

LOCALES: tuple[str, ...] = auth_models.LOCALES
"""Interface languages, in the order the language switch shows them."""

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
"""Each language named in itself, as a language switch must."""

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DISPLAY_ZONE = ZoneInfo("Europe/Helsinki")

# Babel locale per interface language: Swedish as written in Finland, British English.
_BABEL_LOCALE = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
_DATE_FORMAT = {"fi": "d.M.yyyy", "sv": "d.M.yyyy", "en": "d MMM yyyy"}
_DATETIME_FORMAT = {
    "fi": "d.M.yyyy 'klo' H.mm",
    "sv": "d.M.yyyy 'kl.' H.mm",
    "en": "d MMM yyyy, HH:mm",
}


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (it is translated where
    it is shown, in the reader's language)."""
    return message


def normalise_locale(value: str | None) -> str | None:
    """One of LOCALES, or None for anything else (a cookie or a column may hold junk)."""
    if value is None:
        return None
    language = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return language if language in LOCALES else None


@cache
def translations(locale: str) -> Translations:
    """The compiled catalogue of `locale`; English falls back to the msgids."""
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(fp=mo, domain="messages")


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(locale).gettext


# --- dates ---------------------------------------------------------------------------


def format_day(value: date | datetime | str | None, locale: str) -> str:
    """A calendar date: 29.11.2026 (fi, sv) or 29 Nov 2026 (en). A timestamp is first
    moved to Helsinki time, so that a late-evening entry shows the local day."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_ZONE).date()
    return format_date(value, _DATE_FORMAT[locale], locale=_BABEL_LOCALE[locale])


def format_moment(value: datetime | None, locale: str) -> str:
    """A point in time in Helsinki time: 29.11.2026 klo 14.05 (fi)."""
    if value is None:
        return ""
    return format_datetime(
        value, _DATETIME_FORMAT[locale], tzinfo=DISPLAY_ZONE, locale=_BABEL_LOCALE[locale]
    )


def format_partial_date(value: str | None, locale: str) -> str:
    """A stored partial date (1990, 1990-04 or 1990-04-02) as a person would write it."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 3:
        return format_day(value, locale)
    if len(parts) == 2:
        month = date(int(parts[0]), int(parts[1]), 1)
        return format_date(month, "LLLL yyyy", locale=_BABEL_LOCALE[locale])
    return parts[0]


def format_phone(value: str) -> str:
    """A stored E.164 number grouped for reading: +358 40 1234567, +84 91 234 56 78."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- code lists --------------------------------------------------------------------------


def code_label(kind: str, code: str, locale: str) -> str:
    """The label of a code, or the code itself if an older record holds an unknown one."""
    try:
        return codes.label(kind, code, locale)
    except KeyError:
        return code


def format_month(year: int, month: int, locale: str) -> str:
    """A month as a caseworker reads it on a chart axis: "maalisk. 2026", "mars 2026"."""
    return format_date(date(year, month, 1), "LLL yyyy", locale=_BABEL_LOCALE[locale])


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return ""
    return str(Locale.parse(_BABEL_LOCALE[locale]).territories.get(code, code))


def _collation_key(locale: str) -> Callable[[str], str]:
    """Alphabetical order as readers of `locale` expect it; in Finnish and Swedish Å, Ä
    and Ö come after Z, elsewhere accents do not count."""
    last = "\U0010fff0"  # sorts after every letter
    tail = {"å": last + "1", "ä": last + "2", "ö": last + "3"} if locale in ("fi", "sv") else {}

    def key(text: str) -> str:
        out = []
        for char in text.casefold():
            if char in tail:
                out.append(tail[char])
                continue
            out.append(
                "".join(
                    c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
                )
            )
        return "".join(out)

    return key


@cache
def countries(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every assigned ISO 3166-1 country, sorted by name in `locale`."""
    names = [(code, country_name(code, locale)) for code in codes.COUNTRY_CODES]
    key = _collation_key(locale)
    return tuple(sorted(names, key=lambda pair: key(pair[1])))


def sort_names(names: list[str], locale: str) -> list[str]:
    return sorted(names, key=_collation_key(locale))
