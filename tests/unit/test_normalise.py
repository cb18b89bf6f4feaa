"""Normalisation of signal input: realistic values in, canonical values out."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from opennrm.signals.normalise import (
    InvalidValue,
    PartialDate,
    business_id_check_digit,
    check_business_id,
    clean_name,
    clean_text,
    normalise_country,
    normalise_email,
    normalise_phone,
    parse_partial_date,
)

# --- phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Finland: international, national, 00-prefixed, with the "(0)" people add
        ("+358 40 123 4567", "+358401234567"),
        ("040 1234567", "+358401234567"),
        ("040-123 4567", "+358401234567"),
        ("00358401234567", "+358401234567"),
        ("+358 (0)40 123 4567", "+358401234567"),
        ("09 3101 1234", "+358931011234"),  # Helsinki landline
        # Viet Nam
        ("+84 912 345 678", "+84912345678"),
        ("0084 91 234 5678", "+84912345678"),
        # Nigeria
        ("+234 803 123 4567", "+2348031234567"),
        # Romania
        ("+40 721 234 567", "+40721234567"),
        # Ukraine
        ("+380 67 123 4567", "+380671234567"),
        ("+380 (67) 123-45-67", "+380671234567"),
        # Thailand
        ("+66 81 234 5678", "+66812345678"),
    ],
)
def test_phone_is_normalised_to_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_phone_national_format_uses_default_region() -> None:
    assert normalise_phone("0912 345 678", default_region="VN") == "+84912345678"
    assert normalise_phone("0803 123 4567", default_region="ng") == "+2348031234567"


@pytest.mark.parametrize(
    "raw",
    [
        "12",
        "abc",
        "",
        "   ",
        "+358 40",
        "+999 123 456 789",
        "1" * 80,
        "+358 40 FLOWERS",
        "040 123 4567 ext 2",
    ],
)
def test_phone_rejects_what_is_not_a_number(raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise_phone(raw)
    assert exc.value.field == "phone"
    assert str(exc.value).startswith("phone: ")


def test_invalid_value_is_a_value_error_with_field_and_message() -> None:
    with pytest.raises(ValueError, match=r"^mobile: may contain only digits"):
        normalise_phone("abc", field="mobile")
    with pytest.raises(ValueError, match=r"^mobile: is not a phone number"):
        normalise_phone("+ (-)", field="mobile")


_REGIONS = ["FI", "VN", "NG", "RO", "UA", "TH", "CN", "IQ", "SE", "EE", "GB"]
_FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]


@given(
    region=st.sampled_from(_REGIONS),
    number_type=st.sampled_from(
        [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
    ),
    tail=st.text(alphabet="0123456789", min_size=1, max_size=4),
    typed_as=st.sampled_from(_FORMATS),
    rewritten_as=st.sampled_from(_FORMATS),
)
def test_phone_normalisation_is_idempotent(
    region: str, number_type: int, tail: str, typed_as: int, rewritten_as: int
) -> None:
    # Vary the tail of the region's example number: mostly valid, sometimes not.
    example = phonenumbers.example_number_for_type(region, number_type)
    assume(example is not None)
    significant = phonenumbers.national_significant_number(example)
    candidate = phonenumbers.parse(significant[: -len(tail)] + tail, region)
    typed = phonenumbers.format_number(candidate, typed_as)
    try:
        first = normalise_phone(typed, default_region=region)
    except InvalidValue:
        assert not phonenumbers.is_valid_number(candidate)
        return
    assert first.startswith("+")
    assert normalise_phone(first) == first
    assert normalise_phone(first, default_region="US") == first
    rewritten = phonenumbers.format_number(phonenumbers.parse(first), rewritten_as)
    assert normalise_phone(rewritten, default_region=region) == first


# --- e-mail ---------------------------------------------------------------------------


def test_email_domain_is_lower_cased_and_local_part_kept() -> None:
    assert normalise_email("  Nguyen.An@Example.COM ") == "Nguyen.An@example.com"
    assert normalise_email("ops@example.fi") == "ops@example.fi"


@pytest.mark.parametrize("raw", ["", "no-at-sign", "a@", "@example.com", "a b@example.com"])
def test_email_rejects_invalid(raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        normalise_email(raw)
    assert exc.value.field == "email"


# --- business ids ----------------------------------------------------------------------


def test_business_id_check_digit_by_hand_for_nokia() -> None:
    # 0112038-9 is Nokia Oyj. 0*7 + 1*9 + 1*10 + 2*5 + 0*8 + 3*4 + 8*2 = 57;
    # 57 mod 11 = 2; 11 - 2 = 9.
    assert business_id_check_digit("0112038") == 9
    assert check_business_id("0112038-9") == "0112038-9"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 1234567: 7+18+30+20+40+24+14 = 153; 153 mod 11 = 10; 11-10 = 1
        ("1234567-1", "1234567-1"),
        # 2345678: 14+27+40+25+48+28+16 = 198; 198 mod 11 = 0 → 0
        ("2345678-0", "2345678-0"),
        # legacy six digits 112038-9 is 0112038-9 once padded
        ("112038-9", "0112038-9"),
        (" 0112038-9 ", "0112038-9"),
    ],
)
def test_business_id_accepts_and_canonicalises(raw: str, expected: str) -> None:
    assert check_business_id(raw) == expected


def test_business_id_remainder_one_is_never_valid() -> None:
    # 0000008: 8*2 = 16; 16 mod 11 = 5 → 6.  0000006: 12 mod 11 = 1 → no valid id.
    assert business_id_check_digit("0000008") == 6
    assert business_id_check_digit("0000006") is None
    for check in range(10):
        with pytest.raises(InvalidValue, match="no check digit fits"):
            check_business_id(f"0000006-{check}")


@pytest.mark.parametrize("raw", ["1234567-8", "0112038-8", "01120389", "12345-6", "FI01120389", ""])
def test_business_id_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        check_business_id(raw)
    assert exc.value.field == "business_id"


# --- partial dates ---------------------------------------------------------------------

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990", PartialDate(1990)),
        ("1990-04", PartialDate(1990, 4)),
        ("1990-04-02", PartialDate(1990, 4, 2)),
        ("2024-02-29", PartialDate(2024, 2, 29)),
        ("1900", PartialDate(1900)),
        ("2026-06", PartialDate(2026, 6)),
        ("2026-06-15", PartialDate(2026, 6, 15)),
    ],
)
def test_partial_date_parses(raw: str, expected: PartialDate) -> None:
    parsed = parse_partial_date(raw, today=TODAY)
    assert parsed == expected
    assert parsed.iso() == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2023-02-30", "not a day"),
        ("2023-02-29", "not a day"),
        ("1990-13", "month 13"),
        ("1990-00", "month 0"),
        ("1899-12-31", "before 1900"),
        ("2027", "future"),
        ("2026-07", "future"),
        ("2026-06-16", "future"),
        ("90-04-02", "not a date"),
        ("1990-4-2", "not a date"),
        ("02.04.1990", "not a date"),
        ("", "not a date"),
    ],
)
def test_partial_date_rejects(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_partial_date(raw, field="birth_date", today=TODAY)


def test_partial_date_default_today_accepts_today() -> None:
    # The latest calendar date anywhere (UTC+14) is still "today" for someone.
    today = datetime.now(timezone(timedelta(hours=14))).date()
    assert parse_partial_date(today.isoformat()).iso() == today.isoformat()


def test_partial_date_iso_pads() -> None:
    assert PartialDate(1905, 1, 2).iso() == "1905-01-02"
    assert str(PartialDate(1990, 4)) == "1990-04"


# --- text ------------------------------------------------------------------------------


def test_clean_text_strips_and_normalises_to_nfc() -> None:
    decomposed = "Ty\u00f6ntekij\u00e4".replace("\u00f6", "o\u0308").replace("\u00e4", "a\u0308")
    assert clean_text(f"  {decomposed}\n", "summary", 100) == "Työntekijä"


def test_clean_text_keeps_newlines_and_tabs_and_unifies_line_ends() -> None:
    assert clean_text("line 1\r\nline 2\rline\t3", "summary", 100) == "line 1\nline 2\nline\t3"


def test_clean_text_rejects_control_character_with_field_and_position() -> None:
    with pytest.raises(InvalidValue) as exc:
        clean_text("passport held\x07 by employer", "summary", 100)
    assert exc.value.field == "summary"
    assert "U+0007" in exc.value.message
    assert "position 14" in exc.value.message


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\ud800"])
def test_clean_text_rejects_other_controls_and_lone_surrogates(char: str) -> None:
    with pytest.raises(InvalidValue):
        clean_text(f"a{char}b", "summary", 100)


def test_clean_text_rejects_overlong_and_empty() -> None:
    assert clean_text("x" * 10, "summary", 10) == "x" * 10
    with pytest.raises(InvalidValue, match="11 characters long; at most 10"):
        clean_text("x" * 11, "summary", 10)
    with pytest.raises(InvalidValue, match="must not be empty"):
        clean_text("   ", "summary", 10)
    assert clean_text("  ", "notes", 10, allow_empty=True) == ""


def test_clean_text_finnish_summary() -> None:
    text = "Työntekijän passi on työnantajalla ja hän asuu ravintolan varastossa."
    assert clean_text(text, "summary", 5000) == text


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Matti Meikäläinen", "Matti Meikäläinen"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Chukwuemeka Okonkwo", "Chukwuemeka Okonkwo"),
        ("Ionuț Popescu", "Ionuț Popescu"),
        ("Олександр Коваленко", "Олександр Коваленко"),
        ("สมชาย ใจดี", "สมชาย ใจดี"),
        ("王伟", "王伟"),
        ("Ahmed Ali al-Jubouri", "Ahmed Ali al-Jubouri"),
        ("  Nguyễn   Văn\tAn \n", "Nguyễn Văn An"),
        ("Anna-Liisa\u00a0Virtanen", "Anna-Liisa Virtanen"),
    ],
)
def test_clean_name_accepts_any_script(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_clean_name_composes_vietnamese_diacritics() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"
    assert clean_name(decomposed) == "Nguyễn Văn An"
    assert len(clean_name(decomposed)) == len("Nguyễn Văn An")


def test_clean_name_rejects_control_characters_and_long_names() -> None:
    with pytest.raises(InvalidValue, match=r"U\+0000 at position 4"):
        clean_name("Ana\x00 Pop")
    with pytest.raises(InvalidValue, match="201 characters"):
        clean_name("a" * 201)
    assert clean_name("a" * 200) == "a" * 200
    with pytest.raises(InvalidValue, match="no letters"):
        clean_name("12345")
    with pytest.raises(InvalidValue, match="must not be empty"):
        clean_name(" \t ")


def test_messages_do_not_repeat_personal_data() -> None:
    secrets = {
        "phone": lambda: normalise_phone("+358 40 SECRET"),
        "email": lambda: normalise_email("SECRET@"),
        "date": lambda: parse_partial_date("1990-02-30 SECRET"),
        "birth": lambda: parse_partial_date("2023-02-30"),
        "name": lambda: clean_name("SECRET\x00"),
    }
    for call in secrets.values():
        with pytest.raises(InvalidValue) as exc:
            call()
        assert "SECRET" not in str(exc.value)
        assert "2023-02-30" not in str(exc.value)


def test_clean_name_names_the_field() -> None:
    with pytest.raises(InvalidValue) as exc:
        clean_name("\x1b[31m", field="persons[0].names[1]")
    assert exc.value.field == "persons[0].names[1]"


# --- countries --------------------------------------------------------------------------


def test_normalise_country() -> None:
    assert normalise_country(" vn ") == "VN"
    with pytest.raises(InvalidValue, match="ISO 3166-1"):
        normalise_country("VNM")
    with pytest.raises(InvalidValue):
        normalise_country("XK")
