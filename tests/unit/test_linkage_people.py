"""The linkage test-data generator: deterministic, in the CSV contract's shape, valid
values, and every kind of variation and hard negative that linkage has to survive."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from itertools import combinations
from pathlib import Path
from random import Random

import phonenumbers
import pytest
from rapidfuzz.distance import OSA

from opennrm.demo.linkage_people import COLUMNS, _slip, generate_people, write_dataset
from opennrm.signals.codes import is_country_code

Row = dict[str, str]
CONTRACT = (
    "id, given_names, family_names, full_name, birth_date, gender, nationality, phones, "
    "emails, address, identifiers"
)
DOMAINS = {"example.com", "example.fi", "example.org"}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
THAI = re.compile(r"[\u0e00-\u0e7f]")
HAN = re.compile(r"[\u4e00-\u9fff]")
VIETNAMESE = re.compile(r"[\u1ea0-\u1ef9ăđơư]")  # letters only Vietnamese uses


@pytest.fixture(scope="module")
def people() -> list[tuple[Row, str]]:
    return list(generate_people(5000, seed=2026))


@pytest.fixture(scope="module")
def clusters(people: list[tuple[Row, str]]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row, entity in people:
        grouped[entity].append(row)
    return grouped


def _rows(people: list[tuple[Row, str]]) -> list[Row]:
    return [row for row, _ in people]


def _names(row: Row) -> str:
    return row["full_name"] or f"{row['given_names']} {row['family_names']}".strip()


def _words(row: Row) -> tuple[str, ...]:
    """The name as a sorted bag of words, so that order and layout do not matter."""
    return tuple(sorted(_names(row).casefold().split()))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pairs_within(
    clusters: dict[str, list[Row]], related: Callable[[Row, Row], bool]
) -> list[tuple[Row, Row]]:
    return [
        (a, b)
        for rows in clusters.values()
        for a, b in combinations(rows, 2)
        if related(a, b) or related(b, a)
    ]


def _full_date(text: str) -> date | None:
    return date.fromisoformat(text) if len(text) == 10 else None


def _e164(text: str) -> str:
    number = phonenumbers.parse(text, "FI")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phones(row: Row) -> set[str]:
    return {_e164(p) for p in row["phones"].split("|") if p}


# --- shape and determinism -----------------------------------------------------------------


def test_columns_are_the_contract_header() -> None:
    assert ", ".join(COLUMNS) == CONTRACT


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    first = list(generate_people(800, seed=11))
    assert first == list(generate_people(800, seed=11))
    assert first != list(generate_people(800, seed=12))
    assert list(generate_people(0, seed=11)) == []


def test_every_row_has_the_contract_columns_as_strings(people: list[tuple[Row, str]]) -> None:
    for row, entity in people:
        assert tuple(row) == COLUMNS
        assert all(isinstance(v, str) for v in row.values())
        assert all(v == v.strip() for v in row.values())
        assert re.fullmatch(r"E\d{7}", entity)
        assert _names(row), "every record carries a name"


def test_row_ids_are_unique_and_in_order(people: list[tuple[Row, str]]) -> None:
    ids = [row["id"] for row, _ in people]
    assert ids == [f"R{i:07d}" for i in range(1, len(people) + 1)]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        list(generate_people(-1))
    with pytest.raises(ValueError, match="duplicate_share"):
        list(generate_people(10, duplicate_share=0.9))


# --- ground truth ------------------------------------------------------------------------


def test_clusters_have_two_to_five_rows_mostly_two_and_about_the_asked_share() -> None:
    truth = [entity for _, entity in generate_people(20_000, seed=9)]
    sizes = Counter(Counter(truth).values())
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert sizes[2] > sizes[3] > sizes[4] > sizes[5] > 0
    share = 1 - len(set(truth)) / len(truth)
    assert 0.32 <= share <= 0.38


@pytest.mark.parametrize("asked", [0.0, 0.15, 0.5])
def test_duplicate_share_is_followed(asked: float) -> None:
    truth = [entity for _, entity in generate_people(10_000, seed=3, duplicate_share=asked)]
    share = 1 - len(set(truth)) / len(truth)
    assert abs(share - asked) < 0.03


def test_an_entity_first_appears_before_its_extra_records(
    people: list[tuple[Row, str]],
) -> None:
    seen: set[str] = set()
    for _, entity in people:
        number = int(entity[1:])
        # New entities are numbered in order of first appearance.
        assert entity in seen or number == len(seen) + 1
        seen.add(entity)


# --- valid values --------------------------------------------------------------------------


def test_birth_dates_have_an_allowed_shape_and_are_real_dates(
    people: list[tuple[Row, str]],
) -> None:
    shapes: Counter[int] = Counter()
    for row in _rows(people):
        text = row["birth_date"]
        shapes[len(text)] += 1
        if not text:
            continue
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text), text
        year = int(text[:4])
        assert 1930 <= year <= 2012
        if len(text) >= 7:
            assert 1 <= int(text[5:7]) <= 12
        if len(text) == 10:
            date.fromisoformat(text)  # raises on 2001-02-30
    assert shapes[0] and shapes[4] and shapes[7] and shapes[10]
    assert shapes[10] > shapes[4] > shapes[7]  # full dates most common, then the year


def test_every_phone_is_a_valid_number(people: list[tuple[Row, str]]) -> None:
    phones = [p for row in _rows(people) for p in row["phones"].split("|") if p]
    assert len(phones) > 2000
    for text in phones:
        # National formats are Finnish numbers, as a Finnish deployment reads them.
        number = phonenumbers.parse(text, "FI")
        assert phonenumbers.is_valid_number(number), text
    assert any(p.startswith("+") and " " not in p for p in phones)  # E.164
    assert any(p.startswith("+") and " " in p for p in phones)  # spaced
    assert any(p.startswith("00") for p in phones)
    assert any(re.fullmatch(r"0\d{2} \d{3} \d{4}", p) for p in phones)  # national
    assert any(re.fullmatch(r"0\d{2}-\d{7}", p) for p in phones)
    regions = Counter(_e164(p)[:4] for p in phones)
    assert regions["+358"] > 0 and len(regions) >= 6  # Finnish SIMs and home numbers
    assert any("|" in row["phones"] for row in _rows(people))  # a second phone


def test_emails_only_at_example_domains_and_mostly_missing(
    people: list[tuple[Row, str]],
) -> None:
    emails = [row["emails"] for row in _rows(people) if row["emails"]]
    assert 0.05 * len(people) < len(emails) < 0.4 * len(people)
    for email in emails:
        local, _, domain = email.rpartition("@")
        assert re.fullmatch(r"[A-Za-z0-9._]+", local), email
        assert domain.lower() in DOMAINS
    assert any(e != e.lower() for e in emails)  # written in another case


def test_gender_and_nationality_are_codes_or_empty(people: list[tuple[Row, str]]) -> None:
    rows = _rows(people)
    genders = Counter(row["gender"] for row in rows)
    assert set(genders) == {"female", "male", ""}
    for row in rows:
        assert row["nationality"] == "" or is_country_code(row["nationality"])
    nationalities = Counter(row["nationality"] for row in rows)
    assert nationalities[""] and len(nationalities) >= 9


def test_addresses_are_finnish_and_vary(people: list[tuple[Row, str]]) -> None:
    addresses = [row["address"] for row in _rows(people) if row["address"]]
    assert 0.1 * len(people) < len(addresses) < 0.6 * len(people)  # often missing
    assert any(re.search(r", \d{5} [A-ZÄÖ]", a) for a in addresses)  # Street 12 B 4, 00100 Town
    assert any(re.search(r"\d, [A-ZÄÖ][a-zäö]+$", a) for a in addresses)  # no postcode
    assert any(a == a.lower() for a in addresses)
    assert any(re.search(r"\b\w+(k|t)\. \d", a) for a in addresses)  # Hämeent. 12
    assert all(not re.search(r"\d{5}", a) or re.search(r"\b\d{5}\b", a) for a in addresses)


def test_identifiers_are_rare_passport_numbers(people: list[tuple[Row, str]]) -> None:
    identifiers = [row["identifiers"] for row in _rows(people) if row["identifiers"]]
    assert 0.03 * len(people) < len(identifiers) < 0.25 * len(people)
    assert any(re.fullmatch(r"[A-Z]{2}:[A-Z0-9]{8,9}", i) for i in identifiers)
    assert any(re.fullmatch(r"[A-Z0-9]{8,9}", i) for i in identifiers)


# --- variation that linkage must survive -----------------------------------------------------


def test_names_come_in_their_own_scripts_and_in_latin(
    clusters: dict[str, list[Row]],
) -> None:
    for script in (CYRILLIC, THAI, HAN):
        mixed = [
            rows
            for rows in clusters.values()
            if any(script.search(_names(r)) for r in rows)
            and any(not script.search(_names(r)) for r in rows)
        ]
        assert mixed, f"no cluster mixes {script.pattern} and Latin"


def test_layouts_split_full_and_both(people: list[tuple[Row, str]]) -> None:
    rows = _rows(people)
    split_only = sum(1 for r in rows if r["given_names"] and not r["full_name"])
    full_only = sum(1 for r in rows if r["full_name"] and not r["given_names"])
    both = sum(1 for r in rows if r["full_name"] and r["given_names"])
    assert split_only > 0.25 * len(rows)
    assert full_only > 0.25 * len(rows)
    assert both > 0.15 * len(rows)


# Different spellings of the same name part that the generator should produce.
TRANSLITERATIONS = (
    ("oleksandr", "aleksandr"), ("oleksandr", "alexander"), ("serhii", "sergei"),
    ("serhii", "serhiy"), ("mykola", "nikolai"), ("volodymyr", "vladimir"),
    ("andrii", "andrei"), ("nataliia", "natalia"), ("tetiana", "tatiana"),
    ("iryna", "irina"), ("olena", "elena"), ("yuliia", "yulia"), ("dmytro", "dmitry"),
    ("kovalenko", "kowalenko"), ("shevchenko", "schewtschenko"), ("shevchenko", "szewczenko"),
    ("tkachenko", "tkatschenko"), ("melnyk", "melnik"), ("boiko", "boyko"),
    ("hryhorenko", "grigorenko"), ("honcharenko", "goncharenko"),
    ("somchai", "somchay"), ("malee", "mali"), ("siriporn", "siriphon"),
    ("prasert", "prasoet"), ("pornthip", "porntip"), ("wichai", "vichai"),
)  # fmt: skip
NICKNAMES = (
    ("sasha", "oleksandr"), ("sasha", "aleksandr"), ("kolya", "mykola"), ("dima", "dmytro"),
    ("volodya", "volodymyr"), ("natasha", "nataliia"), ("katya", "kateryna"),
    ("lena", "olena"), ("tanya", "tetiana"), ("nastya", "anastasiia"), ("masha", "mariia"),
    ("emeka", "chukwuemeka"), ("seun", "oluwaseun"), ("tunde", "babatunde"),
    ("femi", "oluwafemi"), ("kemi", "oluwakemi"), ("ada", "adaeze"), ("funmi", "funmilayo"),
    ("uche", "uchenna"), ("segun", "olusegun"), ("wale", "adewale"),
)  # fmt: skip


def _cluster_words(rows: Iterable[Row]) -> set[str]:
    return {w for r in rows for w in _names(r).casefold().split()}


def test_transliteration_variants_fall_in_the_same_cluster(
    clusters: dict[str, list[Row]],
) -> None:
    seen = {
        pair
        for rows in clusters.values()
        for pair in TRANSLITERATIONS
        if set(pair) <= _cluster_words(rows)
    }
    assert len(seen) >= 6, seen


def test_nicknames_stand_for_given_names(clusters: dict[str, list[Row]]) -> None:
    seen = {
        pair
        for rows in clusters.values()
        for pair in NICKNAMES
        if set(pair) <= _cluster_words(rows)
    }
    assert len(seen) >= 2, seen


@pytest.mark.parametrize(
    ("variation", "transform"),
    [
        ("Vietnamese diacritics dropped", lambda w: _plain(w) if VIETNAMESE.search(w) else w),
        ("Romanian comma below as cedilla", lambda w: w.translate(str.maketrans("șț", "şţ"))),
        ("Romanian diacritics dropped", lambda w: _plain(w) if "ș" in w or "ț" in w else w),
        ("Finnish ä as a", lambda w: w.translate(str.maketrans("äö", "ao"))),
        ("Finnish ä as ae", lambda w: w.replace("ä", "ae").replace("ö", "oe")),
    ],
)
def test_diacritic_variants_fall_in_the_same_cluster(
    clusters: dict[str, list[Row]], variation: str, transform: Callable[[str], str]
) -> None:
    def related(a: Row, b: Row) -> bool:
        changed = tuple(transform(w) for w in _words(a))
        return changed != _words(a) and changed == _words(b)

    assert _pairs_within(clusters, related), variation


def test_arabic_particles_attached_detached_or_dropped(
    people: list[tuple[Row, str]], clusters: dict[str, list[Row]]
) -> None:
    families = [row["family_names"] for row in _rows(people)]
    for pattern in (r"al-[A-Z]\w+", r"Al-[A-Z]\w+", r"El-[A-Z]\w+", r"Al [A-Z]\w+", r"Al[a-z]+"):
        assert any(re.fullmatch(pattern, f) for f in families), pattern

    def particle_dropped(a: Row, b: Row) -> bool:
        stripped = re.sub(r"^(al-|el-|al )", "", a["family_names"].casefold())
        return (
            stripped != a["family_names"].casefold()
            and stripped == b["family_names"].casefold() != ""
        )

    assert _pairs_within(clusters, particle_dropped)


def test_keyboard_slips_change_one_letter() -> None:
    rng = Random(5)
    for name in ("Oleksandr Kovalenko", "Nguyen Van An", "Chukwuemeka Okonkwo", "Li Wei"):
        for _ in range(50):
            slipped = _slip(rng, name)
            assert len(slipped.split()) == len(name.split())
            assert OSA.distance(slipped.casefold(), name.casefold()) <= 1 or slipped == name
    assert _slip(rng, "Li Na") == "Li Na"  # nothing long enough to slip on


def test_typos_appear_within_clusters(clusters: dict[str, list[Row]]) -> None:
    # Nigerian names have one spelling, so a one-letter difference is a slip.
    def slipped(a: Row, b: Row) -> bool:
        if a["nationality"] != "NG" or b["nationality"] != "NG":
            return False
        for field in ("given_names", "family_names"):
            x, y = a[field].casefold(), b[field].casefold()
            if x and y and x != y and OSA.distance(x, y) == 1:
                return True
        return False

    assert _pairs_within(clusters, slipped)


def test_family_name_first_and_fields_swapped(
    people: list[tuple[Row, str]], clusters: dict[str, list[Row]]
) -> None:
    rows = _rows(people)
    family_first = [
        r
        for r in rows
        if r["given_names"]
        and r["full_name"]
        and r["full_name"].casefold().startswith(r["family_names"].casefold() + " ")
        and r["given_names"].casefold() != r["family_names"].casefold()
    ]
    assert family_first
    assert any(
        re.match(r"[A-Z]{2,} [A-Z][a-z]", r["full_name"]) for r in rows
    )  # KOVALENKO Oleksandr

    def swapped(a: Row, b: Row) -> bool:
        return (
            a["given_names"] != ""
            and a["given_names"].casefold() == b["family_names"].casefold()
            and a["family_names"].casefold() == b["given_names"].casefold()
            and a["given_names"].casefold() != a["family_names"].casefold()
        )

    assert _pairs_within(clusters, swapped)


def test_birth_dates_swapped_shifted_or_partial_within_clusters(
    clusters: dict[str, list[Row]],
) -> None:
    def day_month_swapped(a: Row, b: Row) -> bool:
        x, y = _full_date(a["birth_date"]), _full_date(b["birth_date"])
        return bool(x and y and x.day != x.month and (x.year, x.month, x.day) == (
            y.year, y.day, y.month
        ))  # fmt: skip

    def year_off_by_one(a: Row, b: Row) -> bool:
        x, y = _full_date(a["birth_date"]), _full_date(b["birth_date"])
        return bool(x and y and (x.month, x.day) == (y.month, y.day) and y.year - x.year == 1)

    def less_precise(a: Row, b: Row) -> bool:
        return (
            len(a["birth_date"]) == 10
            and len(b["birth_date"]) in (4, 7)
            and a["birth_date"].startswith(b["birth_date"])
        )

    for check in (day_month_swapped, year_off_by_one, less_precise):
        assert _pairs_within(clusters, check), check.__name__


def test_phone_formats_differ_within_clusters(clusters: dict[str, list[Row]]) -> None:
    def same_number_other_format(a: Row, b: Row) -> bool:
        return a["phones"] != b["phones"] and bool(a["phones"]) and _phones(a) == _phones(b)

    assert _pairs_within(clusters, same_number_other_format)


# --- hard negatives ---------------------------------------------------------------------


def _across(
    people: list[tuple[Row, str]], key: Callable[[Row], Iterable[str]]
) -> list[list[tuple[Row, str]]]:
    """Groups of rows of two or more different entities that share a key."""
    index: dict[str, list[tuple[Row, str]]] = defaultdict(list)
    for row, entity in people:
        for k in key(row):
            index[k].append((row, entity))
    return [group for group in index.values() if len({e for _, e in group}) > 1]


def _family(row: Row) -> str:
    return _plain(row["family_names"]).casefold()


def test_family_members_share_family_name_phone_and_address(
    people: list[tuple[Row, str]],
) -> None:
    by_phone = _across(people, _phones)
    family_phone = [
        g
        for g in by_phone
        if len({_family(r) for r, _ in g if r["family_names"]} ) == 1
        and len({e for r, e in g if r["family_names"]}) > 1
    ]  # fmt: skip
    assert len(family_phone) >= 5

    def home(row: Row) -> Iterable[str]:
        # The address up to the staircase and flat, lower case, without the town.
        if row["address"] and row["family_names"]:
            yield f"{_family(row)}|{row['address'].split(',')[0].casefold()}"

    assert len(_across(people, home)) >= 5


def test_parents_and_children_are_a_generation_apart(people: list[tuple[Row, str]]) -> None:
    def years(group: list[tuple[Row, str]]) -> dict[str, int]:
        return {e: int(r["birth_date"][:4]) for r, e in group if r["birth_date"]}

    def family_phone(row: Row) -> Iterable[str]:
        if row["family_names"]:
            yield from (f"{_family(row)}|{p}" for p in _phones(row))

    spans = [
        max(found.values()) - min(found.values())
        for group in _across(people, family_phone)
        if len(found := years(group)) > 1
    ]
    assert any(span >= 19 for span in spans)


def test_twins_share_family_name_and_birth_date_not_given_name(
    people: list[tuple[Row, str]],
) -> None:
    def family_and_day(row: Row) -> Iterable[str]:
        if row["family_names"] and len(row["birth_date"]) == 10:
            yield f"{_family(row)}|{row['birth_date']}"

    twins = [
        group
        for group in _across(people, family_and_day)
        if len({_plain(r["given_names"]).casefold() for r, _ in group}) > 1
    ]
    assert twins


def test_namesakes_are_other_people_born_in_other_years(
    people: list[tuple[Row, str]],
) -> None:
    def name(row: Row) -> Iterable[str]:
        yield " ".join(_plain(w) for w in _words(row))

    namesakes = [
        group
        for group in _across(people, name)
        if len({r["birth_date"][:4] for r, _ in group if r["birth_date"]}) > 1
    ]
    assert len(namesakes) >= 20
    assert any(k.startswith("an ") or " an " in k for k in (
        " ".join(_plain(w) for w in _words(g[0][0])) for g in namesakes
    ))  # fmt: skip


# --- files ------------------------------------------------------------------------------


def _read(path: Path) -> tuple[tuple[str, ...], list[Row]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return tuple(reader.fieldnames or ()), rows


def test_write_dataset_with_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "people.csv", tmp_path / "truth.csv"
    write_dataset(out, 1200, seed=8, truth=truth)
    header, rows = _read(out)
    assert header == COLUMNS
    expected = list(generate_people(1200, seed=8))
    assert rows == [row for row, _ in expected]
    truth_header, truth_rows = _read(truth)
    assert truth_header == ("id", "entity_id")
    assert [(t["id"], t["entity_id"]) for t in truth_rows] == [
        (row["id"], entity) for row, entity in expected
    ]


def test_write_dataset_split_spreads_clusters_over_two_files(tmp_path: Path) -> None:
    out, other, truth = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "truth.csv"
    calls: list[tuple[int, int]] = []
    n = 20_500
    write_dataset(
        out, n, seed=8, truth=truth, split=other, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(10_000, n), (20_000, n), (n, n)]
    header_a, rows_a = _read(out)
    header_b, rows_b = _read(other)
    assert header_a == header_b == COLUMNS
    assert 0.45 * n < len(rows_a) < 0.55 * n
    expected = list(generate_people(n, seed=8))
    union = sorted(rows_a + rows_b, key=lambda r: r["id"])
    assert union == [row for row, _ in expected]
    entity = {t["id"]: t["entity_id"] for t in _read(truth)[1]}
    assert entity == {row["id"]: e for row, e in expected}
    in_a = {entity[r["id"]] for r in rows_a}
    in_b = {entity[r["id"]] for r in rows_b}
    assert len(in_a & in_b) > 0.2 * len(set(entity.values()))  # clusters across files
