"""The deployment's deadlines: a JSON file mapping clock names to rules.

    {"assistance.admission": {"days": 5, "unit": "working",
                              "label": {"fi": "…", "sv": "…", "en": "…"},
                              "note": "why this number (optional)"}}

The demo deployment's file is `opennrm/demo/data/deadlines.json`; a real deployment points
`OPENNRM_DEADLINES_FILE` at its own, with the numbers its law and agreements set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opennrm.clocks.rules import UNITS, ClockRule

LABEL_LOCALES = ("fi", "sv", "en")
FIELDS = {"days", "unit", "label", "note"}


class DeadlinesConfigError(ValueError):
    """The deadlines file is not valid; the message names the file and the clock."""


def load_deadlines(path: Path | str) -> dict[str, ClockRule]:
    """Read and validate a deadlines file; raises `DeadlinesConfigError` on any fault."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeadlinesConfigError(f"{path}: cannot read deadlines: {exc}") from exc
    return parse_deadlines(data, source=str(path))


def parse_deadlines(data: Any, *, source: str = "deadlines") -> dict[str, ClockRule]:
    if not isinstance(data, dict):
        raise DeadlinesConfigError(f"{source}: expected an object of clock names to rules")
    return {name: _rule(source, name, entry) for name, entry in data.items()}


def _rule(source: str, name: str, entry: Any) -> ClockRule:
    where = f"{source}: clock {name!r}"
    if not isinstance(entry, dict):
        raise DeadlinesConfigError(f"{where}: expected an object with days, unit and label")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise DeadlinesConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    days = entry.get("days")
    # bool is an int in Python; `true` days is a typo, not one day.
    if not isinstance(days, int) or isinstance(days, bool):
        raise DeadlinesConfigError(f"{where}: days must be a whole number")
    if days < 0:
        raise DeadlinesConfigError(f"{where}: days must not be negative (got {days})")
    unit = entry.get("unit")
    if unit not in UNITS:
        raise DeadlinesConfigError(f"{where}: unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    label = entry.get("label")
    if not isinstance(label, dict):
        raise DeadlinesConfigError(f"{where}: missing label (fi, sv and en)")
    missing = [loc for loc in LABEL_LOCALES if not _text(label.get(loc))]
    if missing:
        raise DeadlinesConfigError(f"{where}: missing label in {', '.join(missing)}")
    note = entry.get("note")
    if note is not None and not isinstance(note, str):
        raise DeadlinesConfigError(f"{where}: note must be text")
    return ClockRule(days=days, unit=unit, labels={loc: label[loc] for loc in LABEL_LOCALES})


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
