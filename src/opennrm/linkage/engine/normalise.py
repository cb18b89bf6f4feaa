"""Canonical forms for linkage: the same person or number written two ways comes out equal,
or close enough for a string similarity to see it.

Pure functions, no I/O. Unlike ``signals.normalise`` (which validates what a person typed
and refuses bad input), these are lenient: linkage sees data as it was stored, and a
value it cannot read is dropped (``None``) rather than refused.

Names go through three steps:

1. **Transliteration to Latin** with ``anyascii`` (Cyrillic, Thai, Vietnamese, Chinese,
   Arabic, Greek …). Cyrillic is transliterated a second time with the Ukrainian
   national scheme (Cabinet of Ministers resolution 55/2010: Г → h, И → y, Х → kh),
   because ``anyascii`` follows Russian practice and a Ukrainian passport says Hryhorii
   where a Russian-speaking interpreter writes Grigoriy.
2. **Folding** of the letters that transliteration schemes disagree on (w/v, j/y/i,
   ks/x, kh/h, ou/u, doubled letters …), so that Kowalenko, Kovalenko and Kovalenco
   fold to one skeleton (``kovalenko``).
3. **Tokens**: particles that are written attached, detached or left out (al-, el-,
   bin, ibn, de, da, von …) are dropped; short forms map to the full name (Sasha →
   Oleksandr) through a small table. Order is kept in ``tokens`` and forgotten in
   ``sorted_key``, because Vietnamese, Chinese and Hungarian names are written family
   name first and caseworkers swap given and family names.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from anyascii import anyascii
from stdnum import iban as _iban
from stdnum.fi import ytunnus as _ytunnus

__all__ = [
    "BirthDate",
    "NameForm",
    "address_key",
    "email_key",
    "fold_token",
    "identifier_key",
    "name_forms",
    "parse_birth_date",
    "phone_key",
    "plate_key",
    "postcode_of",
]

# Particles that are part of a name in one record and missing in another. "van" is not
# here: in Vietnamese names (Nguyễn Văn An) it is a middle name, not a particle.
PARTICLES = frozenset(
    {"al", "el", "ul", "bin", "ibn", "bint", "ben", "de", "da", "di", "du", "von", "der", "le"}
)

# Short forms, diminutives and other-language forms → one full form, as written; both
# sides are folded when the module loads. Only unambiguous forms are listed; a
# deployment's data may call for more.
_SHORT_FORMS_WRITTEN = {
    "sasha": "oleksandr", "sashko": "oleksandr", "aleksandr": "oleksandr",
    "alexander": "oleksandr", "aleksander": "oleksandr", "alexandr": "oleksandr",
    "oleksander": "oleksandr", "aleksei": "oleksii", "alexei": "oleksii",
    "alexey": "oleksii", "aleksey": "oleksii", "alyosha": "oleksii",
    "volodya": "volodymyr", "vova": "volodymyr", "vladimir": "volodymyr",
    "kolya": "mykola", "nikolai": "mykola", "nikolay": "mykola",
    "natasha": "nataliia", "natalia": "nataliia", "natalya": "nataliia",
    "nataliya": "nataliia", "katya": "kateryna", "ekaterina": "kateryna",
    "yekaterina": "kateryna", "katerina": "kateryna", "dima": "dmytro",
    "dmitri": "dmytro", "dmitry": "dmytro", "dmitriy": "dmytro", "seryozha": "serhii",
    "sergei": "serhii", "sergey": "serhii", "serhiy": "serhii", "misha": "mykhailo",
    "mikhail": "mykhailo", "yura": "yurii", "yuri": "yurii", "yuriy": "yurii",
    "jurij": "yurii", "tanya": "tetiana", "tatiana": "tetiana", "tatyana": "tetiana",
    "olya": "olha", "olga": "olha", "lena": "olena", "elena": "olena", "yelena": "olena",
    "petya": "petro", "pyotr": "petro", "piotr": "petro", "pavel": "pavlo",
    "andrei": "andrii", "andrey": "andrii", "andriy": "andrii", "grigoriy": "hryhorii",
    "grigory": "hryhorii", "yevgeniy": "yevhen", "evgeny": "yevhen", "ievgen": "yevhen",
    "bayo": "adebayo", "emeka": "chukwuemeka",
}  # fmt: skip

# Ukrainian national transliteration (resolution 55/2010), letters that differ from
# anyascii's Russian-style output; word-initial forms of є, ї, й, ю, я.
_UA_LETTERS = {
    "г": "h", "ґ": "g", "е": "e", "є": "ie", "и": "y", "і": "i", "ї": "i", "й": "i",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu", "я": "ia",
    "ь": "", "'": "", "’": "",
}  # fmt: skip
_UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")
# A "c" that is not part of a digraph and not before e/i/y is a k (Covalenco, Kovač).
_C_AS_K = re.compile(r"c(?![hzseiy])")

# Folding rules, applied in order to a lower-case ASCII token. Multi-letter spellings
# first, so that "shch" is not folded as "s" + "hch".
_FOLDS: tuple[tuple[str, str], ...] = (
    # Affricates (ч, ц: ch, cz, ts, tz, tsch …) all become "q", a letter names otherwise
    # hardly use, so that a later rule cannot read them as a hard "c".
    ("shch", "sq"),
    ("tsch", "q"),
    ("sch", "s"),
    ("tch", "q"),
    ("dzh", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("ch", "q"),
    ("cz", "q"),
    ("ts", "q"),
    ("tz", "q"),
    ("sh", "s"),
    ("sz", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("gh", "g"),
    ("ck", "k"),
    ("ks", "x"),
    ("w", "v"),
    ("ae", "a"),
    ("oe", "o"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("y", "i"),
    ("j", "i"),
)


@lru_cache(maxsize=262_144)
def fold_token(token: str) -> str:
    """The skeleton of one lower-case ASCII name token (``kowalenko`` → ``kovalenko``).

    A hard ``c`` and ``k`` are one sound in the names we see (Kovalenco / Kovalenko);
    doubled letters are one letter (Srisukk / Srisuk); German-style ``ae``/``oe`` for
    ä/ö are the plain vowel (Maekinen / Mäkinen / Makinen). The rules are applied until
    nothing changes, so folding a skeleton again gives the same skeleton.
    """
    out = _fold_letters(token)
    return SHORT_FORMS.get(out, out)


def _fold_once(token: str) -> str:
    out = _C_AS_K.sub("k", token)
    for old, new in _FOLDS:
        if old in out:
            out = out.replace(old, new)
    # Doubled letters are one letter; -iy / -ii / -ij have become -ii and end as -i.
    return _DOUBLE.sub(r"\1", out)


def _fold_letters(token: str) -> str:
    out = token
    for _round in range(6):
        again = _fold_once(out)
        if again == out:
            break
        out = again
    return out


SHORT_FORMS = {_fold_letters(k): _fold_letters(v) for k, v in _SHORT_FORMS_WRITTEN.items()}


def _ukrainian_latin(text: str) -> str:
    """Cyrillic text transliterated with the Ukrainian national scheme."""
    out: list[str] = []
    initial = True
    for char in text.lower():
        if char.isalpha() or char in "'’":
            mapped = _UA_INITIAL.get(char) if initial else None
            out.append(mapped if mapped is not None else _UA_LETTERS.get(char, char))
            initial = False
        else:
            out.append(char)
            initial = True
    return anyascii("".join(out))


def _has_cyrillic(text: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in text)


def _latin_tokens(text: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens; hyphens, apostrophes and dots split or vanish."""
    ascii_text = anyascii(unicodedata.normalize("NFC", text)).lower()
    ascii_text = ascii_text.replace("'", "").replace("`", "")
    return tuple(t for t in _NON_ALNUM.split(ascii_text) if t)


@dataclass(frozen=True, slots=True)
class NameForm:
    """One way of writing a person's name, folded.

    ``ordered_key`` keeps the order written; ``sorted_key`` forgets it; ``latin`` is
    what a person would read in an explanation. Both keys are computed once, here:
    blocking and comparison read them for every pair.
    """

    latin: str
    tokens: tuple[str, ...]
    ordered_key: str = ""
    sorted_key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ordered_key", " ".join(self.tokens))
        object.__setattr__(self, "sorted_key", " ".join(sorted(self.tokens)))


# Particles as they fold: a token is recognised as a particle after folding, so that a
# name's folded form, read again, gives the same tokens ("Ɖy" folds to "di").
_FOLDED_PARTICLES = frozenset(fold_token(p) for p in PARTICLES)


def _form(latin_tokens: tuple[str, ...]) -> NameForm | None:
    folded = tuple(fold_token(t) for t in latin_tokens if not t.isdigit())
    folded = tuple(t for t in folded if t)
    folded = tuple(t for t in folded if t not in _FOLDED_PARTICLES) or folded
    if not folded:
        return None
    return NameForm(latin=" ".join(latin_tokens), tokens=folded)


@lru_cache(maxsize=131_072)
def name_forms(text: str) -> tuple[NameForm, ...]:
    """The folded forms of one written name: one, or two for Cyrillic (Russian-style and
    Ukrainian national transliteration). Empty for a name without letters."""
    if not text or not text.strip():
        return ()
    forms: list[NameForm] = []
    first = _form(_latin_tokens(text))
    if first is not None:
        forms.append(first)
    if _has_cyrillic(text):
        second = _form(_latin_tokens(_ukrainian_latin(text)))
        if second is not None and second.tokens != (first.tokens if first else ()):
            forms.append(second)
    return tuple(forms)


# --- birth dates ---------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date known to the year, month or day; 0 stands for unknown."""

    year: int
    month: int = 0
    day: int = 0


def parse_birth_date(text: str) -> BirthDate | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (also ``YYYYMMDD``); None when unreadable.

    An impossible day or month is kept as unknown rather than refused: a record with a
    mistyped day still carries its year.
    """
    raw = text.strip()
    if len(raw) == 8 and raw.isdigit():
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    match = _DATE.fullmatch(raw)
    if match is None:
        return None
    year = int(match.group(1))
    if not 1850 <= year <= 2100:
        return None
    month = int(match.group(2) or 0)
    day = int(match.group(3) or 0)
    if not 1 <= month <= 12:
        return BirthDate(year)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return BirthDate(year, month)
    return BirthDate(year, month, day)


# --- phones, e-mails, identifiers, addresses, plates ---------------------------------


@lru_cache(maxsize=65_536)
def phone_key(text: str, default_region: str = "FI") -> str | None:
    """E.164 (``+358401234567``) for anything ``phonenumbers`` can read as a possible
    number; numbers without a country code are read in ``default_region``."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    compact = _PHONE_SEPARATORS.sub("", raw)
    if _E164.fullmatch(compact):
        # Already international: E.164 is the digits after "+"; parsing would only
        # confirm it, at a cost that dominates linking a million records.
        return compact
    country = _trunk_zero_country_code(default_region)
    if country and _NATIONAL.fullmatch(compact):
        # A national number in a country whose trunk prefix is 0 (Finland, most of
        # Europe): the same as phonenumbers would give, about 100 times faster.
        return f"+{country}{compact[1:]}"
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=256)
def _trunk_zero_country_code(region: str) -> int | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None or metadata.national_prefix != "0" or metadata.country_code is None:
        return None
    return int(metadata.country_code)


def email_key(text: str) -> str | None:
    """Lower case, without a ``+tag``; None when there is no ``@``."""
    raw = text.strip().lower()
    local, at, domain = raw.partition("@")
    if not at or not local or "." not in domain:
        return None
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


@lru_cache(maxsize=65_536)
def identifier_key(text: str) -> str | None:
    """An identity document number, IBAN or Finnish business id in one canonical form.

    IBANs (validated with ``python-stdnum``) become ``IBAN:FI2112345600000785``, valid
    business ids ``FI-Y:1234567-8``; anything else is upper case with separators removed
    (``FE 123-456`` → ``FE123456``), because document numbers are copied with spaces.
    """
    raw = text.strip()
    if not raw:
        return None
    if _iban.is_valid(raw):
        return "IBAN:" + _iban.compact(raw)
    if _ytunnus.is_valid(raw):
        return "FI-Y:" + _ytunnus.format(raw)
    compact = re.sub(r"[^0-9A-Za-z:]", "", raw).upper()
    return compact or None


def plate_key(text: str) -> str | None:
    """A vehicle registration plate without separators (``abc-123`` → ``ABC123``)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", anyascii(text)).upper()
    return compact or None


_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_NATIONAL = re.compile(r"0[1-9]\d{4,12}")
_POSTCODE = re.compile(r"\b(\d{4,6})\b")
_STREET_WORDS = (
    (re.compile(r"\bkatu\b"), "k"),
    (re.compile(r"(\w)katu\b"), r"\1k"),
    (re.compile(r"(\w)tie\b"), r"\1t"),
    (re.compile(r"\bstreet\b"), "st"),
    (re.compile(r"\broad\b"), "rd"),
    (re.compile(r"\bavenue\b"), "ave"),
    (re.compile(r"\bgatan\b"), "g"),
)


@lru_cache(maxsize=65_536)
def address_key(text: str) -> str | None:
    """An address folded for comparison: ASCII, lower case, common street words
    shortened (Mannerheimintie → mannerheimint), punctuation gone."""
    raw = anyascii(text).lower()
    for pattern, short in _STREET_WORDS:
        raw = pattern.sub(short, raw)
    tokens = [t for t in _NON_ALNUM.split(raw) if t]
    return " ".join(tokens) or None


def postcode_of(text: str) -> str | None:
    """The postcode in an address (the last run of 4–6 digits), if any."""
    found = _POSTCODE.findall(text)
    return found[-1] if found else None
