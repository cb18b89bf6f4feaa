"""A person as linkage sees them: every field folded once, up front.

``person_record`` takes the raw strings of the CSV contract (or of a signal's person)
and returns a frozen ``PersonRecord``; everything downstream — blocking, comparison,
explanation — reads only these canonical forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opennrm.linkage.engine.normalise import (
    BirthDate,
    NameForm,
    address_key,
    email_key,
    identifier_key,
    name_forms,
    parse_birth_date,
    phone_key,
    postcode_of,
)

__all__ = ["PersonRecord", "person_record"]

_GENDERS = {
    "m": "m", "male": "m", "man": "m", "mies": "m", "man ": "m",
    "f": "f", "female": "f", "woman": "f", "nainen": "f", "kvinna": "f",
    "x": "x", "other": "x", "non-binary": "x", "muu": "x",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person in one source record. ``id`` is the caller's, opaque to the engine."""

    id: str
    names: tuple[NameForm, ...] = ()
    birth: BirthDate | None = None
    gender: str = ""
    nationality: str = ""
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    address: str = ""
    postcode: str = ""
    # Which side of a two-source link the record is on (0 or 1); 0 for deduplication.
    source: int = 0


def _keys(values: Iterable[str], fold: object) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        if value and value.strip():
            key = fold(value)  # type: ignore[operator]
            if key:
                out.add(key)
    return frozenset(out)


def person_record(
    id: str,
    *,
    names: Iterable[str] = (),
    given_names: str = "",
    family_names: str = "",
    birth_date: str = "",
    gender: str = "",
    nationality: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    addresses: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    default_region: str = "FI",
    source: int = 0,
) -> PersonRecord:
    """Fold raw values into a record. Unreadable values are dropped, never refused.

    ``given_names`` and ``family_names`` are joined into one more written name (given
    first): the comparison forgets token order anyway, and a record that has both the
    split and a full name keeps both spellings.
    """
    written = [n for n in names if n and n.strip()]
    split = " ".join(p for p in (given_names.strip(), family_names.strip()) if p)
    if split:
        written.append(split)
    forms: list[NameForm] = []
    for text in written:
        for form in name_forms(text):
            if form not in forms:
                forms.append(form)
    address_list = [a for a in addresses if a and a.strip()]
    address = address_key(address_list[0]) if address_list else None
    postcode = postcode_of(address_list[0]) if address_list else None
    nat = nationality.strip().upper()
    return PersonRecord(
        id=id,
        names=tuple(forms[:4]),
        birth=parse_birth_date(birth_date) if birth_date else None,
        gender=_GENDERS.get(gender.strip().lower(), ""),
        nationality=nat if len(nat) == 2 and nat.isalpha() else "",
        phones=_keys(phones, lambda p: phone_key(p, default_region)),
        emails=_keys(emails, email_key),
        identifiers=_keys(identifiers, identifier_key),
        address=address or "",
        postcode=postcode or "",
        source=source,
    )
