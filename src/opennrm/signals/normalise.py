"""Normalisation of what people type into signals: phones, e-mails, business ids,
partial dates, free text and names.

Pure functions without I/O. Each returns the canonical form of a valid value or raises
``InvalidValue`` naming the field and saying, in words a caseworker understands, what is
wrong. Messages do not repeat personal data (phones, names, e-mails, birth dates), so
they are safe to log; company business ids, which are public, are repeated.

Linkage relies on these canonical forms: the same phone or name typed in two ways must
come out equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from opennrm.signals.codes import is_country_code

__all__ = [
    "MIN_YEAR",
    "NAME_MAX_LEN",
    "InvalidValue",
    "PartialDate",
    "business_id_check_digit",
    "check_business_id",
    "clean_name",
    "clean_text",
    "latest_today",
    "normalise_country",
    "normalise_email",
    "normalise_phone",
    "parse_partial_date",
]

# Longer input than this is not a phone number or address, whatever it contains; refusing
# it early keeps the parsers' work bounded.
_MAX_PHONE_INPUT = 64
_MAX_EMAIL_INPUT = 320
NAME_MAX_LEN = 200
MIN_YEAR = 1900
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+")


class InvalidValue(ValueError):
    """A value a person entered cannot be accepted; ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --- phones ---------------------------------------------------------------------------


def normalise_phone(raw: str, default_region: str = "FI", *, field: str = "phone") -> str:
    """The number in E.164 (``+358401234567``).

    Numbers without a country code are read as numbers of ``default_region``. A leading
    ``00`` is taken as the international prefix, as it is throughout Europe.
    """
    text = raw.strip()
    if not text:
        raise InvalidValue(field, "is empty; enter a phone number such as +358 40 123 4567")
    if len(text) > _MAX_PHONE_INPUT:
        raise InvalidValue(field, f"is too long to be a phone number ({len(text)} characters)")
    if text.lower().startswith("tel:"):
        text = text[4:]
    # phonenumbers reads letters as keypad digits ("0800 FLOWERS"); in a signal a letter
    # is a typing error, not a vanity number.
    if not _PHONE_CHARS.fullmatch(text):
        raise InvalidValue(
            field, "may contain only digits, spaces, a leading + and the marks - . ( ) /"
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidValue(
            field, "is not a phone number; write it with the country code, e.g. +358 40 123 4567"
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(field, "has the wrong number of digits for a phone number")
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(field, "is not a number in use in the country its code belongs to")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- e-mail ---------------------------------------------------------------------------


def normalise_email(raw: str, *, field: str = "email") -> str:
    """The address with its domain in lower case; the local part is kept as typed,
    because mail servers may treat it case-sensitively."""
    text = raw.strip()
    if not text:
        raise InvalidValue(field, "is empty")
    if len(text) > _MAX_EMAIL_INPUT:
        raise InvalidValue(field, "is too long to be an e-mail address")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(field, f"is not a valid e-mail address: {exc}") from None
    return f"{result.local_part}@{result.domain.lower()}"


# --- Finnish business id (Y-tunnus) ----------------------------------------------------

_BUSINESS_ID = re.compile(r"(\d{6,7})-(\d)")
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(body: str) -> int | None:
    """The check digit of a 7-digit Y-tunnus body, or None when no id can have that body.

    Weights 7, 9, 10, 5, 8, 4, 2; remainder of the sum modulo 11: 0 gives 0, 1 is never
    issued, otherwise 11 - remainder.
    """
    if len(body) != 7 or not body.isdigit():
        raise ValueError("a business id body has exactly 7 digits")
    remainder = sum(int(d) * w for d, w in zip(body, _BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def check_business_id(raw: str, *, field: str = "business_id") -> str:
    """The Finnish business id in canonical ``NNNNNNN-C`` form.

    Old ids of six digits (``123456-7``) are padded with a leading zero, as the Finnish
    Business Information System does.
    """
    text = raw.strip()
    match = _BUSINESS_ID.fullmatch(text)
    if match is None:
        raise InvalidValue(
            field, f"{text!r} is not a Finnish business id; expected the form 1234567-8"
        )
    body, check = match.group(1).rjust(7, "0"), int(match.group(2))
    expected = business_id_check_digit(body)
    if expected is None:
        raise InvalidValue(field, f"{text!r} is not a valid business id (no check digit fits)")
    if expected != check:
        raise InvalidValue(field, f"{text!r} has a wrong check digit; check for a typing error")
    return f"{body}-{check}"


# --- partial dates ----------------------------------------------------------------------

_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day (a birth date ``1990-04``)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a partial date with a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None and self.month is not None:
            date(self.year, self.month, self.day)  # raises ValueError for 2023-02-30

    def iso(self) -> str:
        """``1990``, ``1990-04`` or ``1990-04-02``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def earliest(self) -> date:
        """The first day the partial date may stand for."""
        return date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        return self.iso()


def latest_today() -> date:
    """Today's date where it is latest on Earth (UTC+14).

    The server does not know the caller's time zone; a date that is already today
    somewhere must not be refused as lying in the future.
    """
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def parse_partial_date(
    raw: str, *, field: str = "date", today: date | None = None, min_year: int = MIN_YEAR
) -> PartialDate:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and refuse impossible dates.

    A date before ``min_year`` or after ``today`` (default: ``latest_today()``) is
    refused; for a partial date, only the part given is compared.
    """
    text = raw.strip()
    match = _PARTIAL_DATE.fullmatch(text)
    if match is None:
        raise InvalidValue(field, "is not a date; use YYYY-MM-DD, or YYYY-MM or YYYY when unsure")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise InvalidValue(field, f"has month {month}; months run from 01 to 12")
    try:
        value = PartialDate(year, month, day)
    except ValueError:
        raise InvalidValue(field, "is not a day in the calendar") from None
    if year < min_year:
        raise InvalidValue(field, f"is before {min_year}")
    limit = today if today is not None else latest_today()
    if (
        year > limit.year
        or (month is not None and (year, month) > (limit.year, limit.month))
        or (day is not None and value.earliest() > limit)
    ):
        raise InvalidValue(field, "is in the future")
    return value


# --- text and names -----------------------------------------------------------------------


def _is_forbidden_char(char: str) -> bool:
    # Cc: C0/C1 control characters (NUL, ESC, BEL …); Cs: lone surrogates, which a JSON
    # body can carry as "\ud800" but no database can store as UTF-8.
    return unicodedata.category(char) in ("Cc", "Cs")


def _reject_controls(text: str, field: str, allowed: str) -> None:
    for position, char in enumerate(text, start=1):
        if char not in allowed and _is_forbidden_char(char):
            raise InvalidValue(
                field,
                f"contains the control character U+{ord(char):04X} at position {position}; "
                "remove it (it often comes from copying text out of another program)",
            )


def clean_text(raw: str, field: str, max_len: int, *, allow_empty: bool = False) -> str:
    """Free text stripped, NFC-normalised and checked.

    Line breaks and tabs are kept; Windows and old Mac line ends (``\\r\\n``, ``\\r``),
    which browsers send from every text area, become ``\\n``. Other control characters
    are refused with their position (1-based, in the text as sent). Length is counted in
    characters after normalisation.
    """
    _reject_controls(raw, field, allowed="\n\t\r")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text.strip())
    if not text and not allow_empty:
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_len:
        raise InvalidValue(field, f"is {len(text)} characters long; at most {max_len} are allowed")
    return text


def clean_name(raw: str, field: str = "name", max_len: int = NAME_MAX_LEN) -> str:
    """A person's name in any script, NFC-normalised, with runs of whitespace (tabs and
    line breaks included, as pasted from spreadsheets) collapsed to one space.

    Refuses control characters, names without a single letter and names over
    ``max_len`` characters.
    """
    _reject_controls(raw, field, allowed="\t\n\r")
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_len:
        raise InvalidValue(
            field, f"is {len(text)} characters long; names of at most {max_len} are allowed"
        )
    if not any(unicodedata.category(c).startswith("L") for c in text):
        raise InvalidValue(field, "contains no letters")
    return text


# --- countries ------------------------------------------------------------------------------


def normalise_country(raw: str, *, field: str = "nationality") -> str:
    """An ISO 3166-1 alpha-2 code in upper case (``vn`` → ``VN``)."""
    code = raw.strip().upper()
    if not is_country_code(code):
        raise InvalidValue(
            field, f"{raw.strip()[:8]!r} is not an ISO 3166-1 two-letter country code such as FI"
        )
    return code
