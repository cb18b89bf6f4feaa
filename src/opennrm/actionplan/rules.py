"""The action plan's fixed vocabulary and the few rules on it, as pure functions.

A plan is kept by people, not by code: the coordinator writes its objectives and measures.
What code fixes is the vocabulary the platform can compute with — the five aims an
objective serves (each indicator serves one of them, so that the report can put the
figures next to the objective they measure) and the states of a measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final, Literal

LANGUAGES: Final = ("fi", "sv", "en")
"""Every text of the plan and of the training library is written in these three."""

Aim = Literal["identification", "assistance", "criminal_liability", "cooperation", "evidence"]
AIMS: Final[tuple[Aim, ...]] = (
    "identification",
    "assistance",
    "criminal_liability",
    "cooperation",
    "evidence",
)
"""What an objective aims at. The national action plan against trafficking names these
five: victims are reached and identified, victims get the help they need, criminal
liability is realised, authorities and civil society act together, and the work is
developed on an evidence basis."""

AIM_NAMES: Final[Mapping[str, Mapping[str, str]]] = {
    "identification": {
        "fi": "Uhrit tavoitetaan ja tunnistetaan",
        "sv": "Offren nås och identifieras",
        "en": "Victims are reached and identified",
    },
    "assistance": {
        "fi": "Uhrit saavat tarvitsemansa avun",
        "sv": "Offren får den hjälp de behöver",
        "en": "Victims get the help they need",
    },
    "criminal_liability": {
        "fi": "Rikosvastuu toteutuu",
        "sv": "Det straffrättsliga ansvaret förverkligas",
        "en": "Criminal liability is realised",
    },
    "cooperation": {
        "fi": "Toimijat ja kansalaisyhteiskunta toimivat yhdessä",
        "sv": "Aktörerna och civilsamhället agerar tillsammans",
        "en": "Authorities and civil society act together",
    },
    "evidence": {
        "fi": "Työtä kehitetään tietoon perustuen",
        "sv": "Arbetet utvecklas på basis av kunskap",
        "en": "The work is developed on an evidence basis",
    },
}

Status = Literal["planned", "in_progress", "done", "delayed", "cancelled"]
STATUSES: Final[tuple[Status, ...]] = ("planned", "in_progress", "done", "delayed", "cancelled")
CLOSED: Final = frozenset({"done", "cancelled"})
"""A measure in these states is finished; its deadline no longer matters."""


def effective_status(status: str, deadline: date, today: date) -> str:
    """The status to show: a measure whose deadline has passed and that is neither done
    nor cancelled is delayed, whatever was last reported. Computed on every view and
    never stored, so that no job has to run at midnight for the plan to be right."""
    if status in CLOSED:
        return status
    if deadline < today:
        return "delayed"
    return status


def overdue(status: str, deadline: date, today: date) -> bool:
    """Whether the deadline passed before the measure was finished."""
    return status not in CLOSED and deadline < today


def missing_languages(texts: Mapping[str, str]) -> list[str]:
    """The languages of LANGUAGES with no text (blank counts as none), in order."""
    return [lang for lang in LANGUAGES if not texts.get(lang, "").strip()]


def in_language(texts: Mapping[str, str] | None, locale: str) -> str:
    """The text in `locale`, or in the first language that has one."""
    if not texts:
        return ""
    if texts.get(locale):
        return texts[locale]
    return next((texts[lang] for lang in LANGUAGES if texts.get(lang)), "")


def code_key(code: str) -> tuple[tuple[int, str], ...]:
    """Sort key of a code such as "1.10": numerically part by part, so that 1.2 comes
    before 1.10; a part that is not a number sorts after the numbers, by its text."""
    parts = []
    for part in code.split("."):
        parts.append((int(part), "") if part.isdigit() else (1 << 30, part))
    return tuple(parts)
