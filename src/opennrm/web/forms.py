"""HTML forms to pydantic input and back: field names, kept values and error messages.

A form posts flat fields (`persons-1-phones`); these helpers rebuild the nested input
the domain validates (`SignalIn`, `ShareIn`, `BreakGlassIn`), keep what was typed so that
a re-rendered form loses nothing, and turn pydantic's errors into GOV.UK error messages
in the reader's language, each linked to the id of the field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from opennrm.signals.schemas import MAX_ITEMS, MAX_SUMMARY
from opennrm.web.session import field as form_field

Gettext = Callable[[str], str]

MAX_NAMES = 10
MAX_VALUES = 10


@dataclass(frozen=True)
class FieldError:
    """One problem: `field` is the id of the input the error summary links to."""

    field: str
    message: str


# --- dates as Finnish caseworkers type them -------------------------------------------------

_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_MY = re.compile(r"(\d{1,2})\.(\d{4})")


def partial_date_to_iso(text: str) -> str:
    """`27.3.2026` → `2026-03-27`, `3.2026` → `2026-03`; anything else unchanged (ISO
    input is accepted too, and what cannot be read is left for the validator to refuse
    with the value as typed)."""
    text = text.strip().rstrip(".")
    if m := _DMY.fullmatch(text):
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    if m := _MY.fullmatch(text):
        return f"{m[2]}-{int(m[1]):02d}"
    return text


def nonblank_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line number, stripped line) of every line with content."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


# --- the signal form -------------------------------------------------------------------------


@dataclass
class PersonForm:
    role: str = ""
    names: str = ""
    birth_date: str = ""
    gender: str = ""
    nationality: str = ""
    phones: str = ""
    emails: str = ""
    identifiers: str = ""

    def is_blank(self) -> bool:
        return not any(v.strip() for v in vars(self).values())

    def payload(self) -> dict[str, Any]:
        return {
            "role": self.role or None,
            "names": [v for _, v in nonblank_lines(self.names)],
            "birth_date": partial_date_to_iso(self.birth_date) or None,
            "gender": self.gender or None,
            "nationality": self.nationality or None,
            "phones": [v for _, v in nonblank_lines(self.phones)],
            "emails": [v for _, v in nonblank_lines(self.emails)],
            "identifiers": [v for _, v in nonblank_lines(self.identifiers)],
        }


@dataclass
class OrganisationForm:
    name: str = ""
    business_id: str = ""

    def is_blank(self) -> bool:
        return not (self.name.strip() or self.business_id.strip())


@dataclass
class SignalForm:
    """What the record-a-signal form holds, exactly as typed."""

    form_id: str = ""
    exploitation_types: list[str] = field(default_factory=list)
    summary: str = ""
    occurred_on: str = ""
    municipality: str = ""
    consent_to_assistance_system: bool = False
    consent_to_police: bool = False
    persons: list[PersonForm] = field(default_factory=lambda: [PersonForm()])
    organisations: list[OrganisationForm] = field(default_factory=lambda: [OrganisationForm()])
    addresses: str = ""

    @classmethod
    def parse(cls, form: FormData) -> SignalForm:
        def count(name: str) -> int:
            raw = form_field(form, name, 3)
            return min(int(raw), MAX_ITEMS) if raw.isdigit() else 1

        persons = [
            PersonForm(
                **{
                    k: form_field(form, f"persons-{i}-{k}", 5000)
                    for k in PersonForm.__dataclass_fields__
                }
            )
            for i in range(count("person_count"))
        ]
        organisations = [
            OrganisationForm(
                name=form_field(form, f"organisations-{i}-name", 400),
                business_id=form_field(form, f"organisations-{i}-business_id", 40),
            )
            for i in range(count("organisation_count"))
        ]
        types = [v for v in form.getlist("exploitation_types") if isinstance(v, str)]
        return cls(
            form_id=form_field(form, "form_id", 64),
            exploitation_types=types[:20],
            summary=form_field(form, "summary", MAX_SUMMARY * 2),
            occurred_on=form_field(form, "occurred_on", 40),
            municipality=form_field(form, "municipality", 200),
            consent_to_assistance_system=form.get("consent_to_assistance_system") == "yes",
            consent_to_police=form.get("consent_to_police") == "yes",
            persons=persons,
            organisations=organisations,
            addresses=form_field(form, "addresses", 20_000),
        )

    def apply(self, action: str) -> str | None:
        """Add or remove a repeating group; returns the id of the field to focus next."""
        kind, _, index = action.partition(":")
        if kind == "add_person" and len(self.persons) < MAX_ITEMS:
            self.persons.append(PersonForm())
            return f"persons-{len(self.persons) - 1}-role"
        if kind == "add_organisation" and len(self.organisations) < MAX_ITEMS:
            self.organisations.append(OrganisationForm())
            return f"organisations-{len(self.organisations) - 1}-name"
        if kind == "remove_person" and index.isdigit() and int(index) < len(self.persons):
            del self.persons[int(index)]
            if not self.persons:
                self.persons.append(PersonForm())
            return "add-person"
        if (
            kind == "remove_organisation"
            and index.isdigit()
            and int(index) < len(self.organisations)
        ):
            del self.organisations[int(index)]
            if not self.organisations:
                self.organisations.append(OrganisationForm())
            return "add-organisation"
        return None

    def payload(self) -> tuple[dict[str, Any], list[int], list[int]]:
        """The input for `SignalIn`, leaving out groups nobody filled in, and for each
        person and organisation kept, its position in the form (for error links)."""
        person_pos = [i for i, p in enumerate(self.persons) if not p.is_blank()]
        org_pos = [i for i, o in enumerate(self.organisations) if not o.is_blank()]
        data = {
            "exploitation_types": self.exploitation_types,
            "summary": self.summary,
            "occurred_on": partial_date_to_iso(self.occurred_on) or None,
            "municipality": self.municipality.strip() or None,
            "persons": [self.persons[i].payload() for i in person_pos],
            "organisations": [
                {
                    "name": self.organisations[i].name,
                    "business_id": self.organisations[i].business_id.strip() or None,
                }
                for i in org_pos
            ],
            "addresses": [v for _, v in nonblank_lines(self.addresses)],
            "consent": {
                "to_assistance_system": self.consent_to_assistance_system,
                "to_police": self.consent_to_police,
            },
        }
        return data, person_pos, org_pos


# --- errors ---------------------------------------------------------------------------------


def _kind(error: ErrorDetails) -> str:
    """Classify one pydantic error: missing, too_long, too_many, control, future,
    too_early or invalid."""
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind in ("missing", "too_short") or "must not be empty" in msg or "is empty" in msg:
        return "missing"
    if kind == "string_too_long" or "characters long" in msg or "too long" in msg:
        return "too_long"
    if kind == "too_long":
        return "too_many"
    if "control character" in msg:
        return "control"
    if "in the future" in msg:
        return "future"
    if "is before" in msg:
        return "too_early"
    return "invalid"


def signal_errors(
    exc: ValidationError, form: SignalForm, person_pos: list[int], org_pos: list[int], _: Gettext
) -> list[FieldError]:
    """Pydantic's errors on `SignalIn` as messages linked to the form's fields."""
    out: list[FieldError] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        kind = _kind(error)
        top = loc[0] if loc else ""
        if top == "persons" and len(loc) >= 3 and isinstance(loc[1], int):
            out.append(_person_error(loc, kind, form, person_pos, _))
        elif top == "persons":
            out.append(FieldError("add-person", _("You can add at most 50 persons")))
        elif top == "organisations" and len(loc) >= 3 and isinstance(loc[1], int):
            out.append(_organisation_error(org_pos[loc[1]], str(loc[2]), kind, _))
        elif top == "organisations":
            out.append(FieldError("add-organisation", _("You can add at most 50 organisations")))
        elif top == "addresses":
            out.append(_line_error("addresses", form.addresses, loc, kind, _))
        else:
            out.append(_signal_field_error(str(top), kind, _))
    return _dedupe(out)


def _organisation_error(pos: int, name: str, kind: str, _: Gettext) -> FieldError:
    n = {"n": pos + 1}
    if name == "business_id":
        message = _(
            "Business ID of organisation %(n)s is not valid. Use the form 1234567-8 and "
            "check the last digit"
        )
        return FieldError(f"organisations-{pos}-business_id", message % n)
    if kind == "missing":
        return FieldError(
            f"organisations-{pos}-name", _("Enter the name of organisation %(n)s") % n
        )
    message = _("Name of organisation %(n)s must be 300 characters or fewer")
    return FieldError(f"organisations-{pos}-name", message % n)


def _signal_field_error(name: str, kind: str, _: Gettext) -> FieldError:
    if name == "exploitation_types":
        return FieldError("exploitation_types", _("Select at least one form of exploitation"))
    if name == "summary":
        if kind == "missing":
            return FieldError("summary", _("Enter a summary of what was seen or heard"))
        if kind == "too_long":
            return FieldError(
                "summary",
                _("Summary must be %(max)s characters or fewer")
                % {"max": f"{MAX_SUMMARY:,}".replace(",", "\u00a0")},
            )
        return FieldError(
            "summary",
            _(
                "Summary contains a character that cannot be saved. Remove it or type the text "
                "again instead of pasting it"
            ),
        )
    if name == "occurred_on":
        return FieldError(
            "occurred_on",
            _date_message(
                kind,
                _("Date of the events"),
                _("Date of the events must be today or in the past"),
                _("Date of the events must be in 1950 or later"),
                _,
            ),
        )
    if name == "municipality":
        return FieldError("municipality", _("Enter the name of a municipality"))
    return FieldError("summary", _("Check the information you entered"))


def _date_message(kind: str, label: str, future: str, early: str, _: Gettext) -> str:
    if kind == "future":
        return future
    if kind == "too_early":
        return early
    return _("%(field)s must be a real date, for example 27.3.2026, 3.2026 or 2026") % {
        "field": label
    }


def _person_error(
    loc: tuple[Any, ...], kind: str, form: SignalForm, person_pos: list[int], _: Gettext
) -> FieldError:
    pos = person_pos[loc[1]]
    n = pos + 1
    name = str(loc[2])
    fid = f"persons-{pos}-{name}"
    person = form.persons[pos]
    if name == "role":
        return FieldError(fid, _("Select the role of person %(n)s") % {"n": n})
    if name == "names":
        if kind == "missing":
            return FieldError(fid, _("Enter at least one name for person %(n)s") % {"n": n})
        if kind == "too_many":
            return FieldError(fid, _("Enter at most 10 names for person %(n)s") % {"n": n})
        line = _line_number(person.names, loc)
        return FieldError(
            fid,
            _(
                "Name on line %(line)s for person %(n)s must contain letters and be 200 "
                "characters or fewer"
            )
            % {"line": line, "n": n},
        )
    if name == "birth_date":
        return FieldError(
            fid,
            _date_message(
                kind,
                _("Date of birth of person %(n)s") % {"n": n},
                _("Date of birth of person %(n)s must be in the past") % {"n": n},
                _("Date of birth of person %(n)s must be in 1900 or later") % {"n": n},
                _,
            ),
        )
    if name == "gender":
        return FieldError(fid, _("Select the gender of person %(n)s from the list") % {"n": n})
    if name == "nationality":
        return FieldError(fid, _("Select the nationality of person %(n)s from the list") % {"n": n})
    values = getattr(person, name, "")
    if kind == "too_many":
        return FieldError(
            fid, _("Enter at most 10 lines in this field for person %(n)s") % {"n": n}
        )
    line = _line_number(values, loc)
    messages = {
        "phones": _(
            "Phone number on line %(line)s for person %(n)s is not valid. Include the "
            "country code, for example +358 40 123 4567"
        ),
        "emails": _(
            "E-mail address on line %(line)s for person %(n)s is not valid. Enter it "
            "in the form name@example.com"
        ),
        "identifiers": _(
            "Identity number on line %(line)s for person %(n)s must be 100 characters or fewer"
        ),
    }
    message = messages.get(name, _("Check line %(line)s for person %(n)s"))
    return FieldError(fid, message % {"line": line, "n": n})


def _line_error(fid: str, text: str, loc: tuple[Any, ...], kind: str, _: Gettext) -> FieldError:
    if len(loc) < 2 or kind == "too_many":
        return FieldError(fid, _("Enter at most 50 addresses"))
    return FieldError(
        fid,
        _("Address on line %(line)s must be 500 characters or fewer")
        % {"line": _line_number(text, loc)},
    )


def _line_number(text: str, loc: tuple[Any, ...]) -> int:
    """The line of the text area that the list index in `loc` came from."""
    index = next((p for p in reversed(loc) if isinstance(p, int)), 0)
    lines = nonblank_lines(text)
    return lines[index][0] if 0 <= index < len(lines) else index + 1


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


# --- a date in three fields (GOV.UK date input) -------------------------------------------------


@dataclass
class DateParts:
    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def of(cls, value: date) -> DateParts:
        return cls(str(value.day), str(value.month), str(value.year))

    @classmethod
    def parse(cls, form: FormData, prefix: str) -> DateParts:
        return cls(
            *(form_field(form, f"{prefix}-{p}", 10).strip() for p in ("day", "month", "year"))
        )

    def value(self) -> date | None:
        if not (self.day.isdigit() and self.month.isdigit() and self.year.isdigit()):
            return None
        if len(self.year) != 4:
            return None
        try:
            return date(int(self.year), int(self.month), int(self.day))
        except ValueError:
            return None
