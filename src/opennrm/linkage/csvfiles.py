"""Linkage over files (CONTRACT.md "Linkage over files"): read person CSVs, write pairs.

Columns: ``id, given_names, family_names, full_name, birth_date, gender, nationality,
phones, emails, address, identifiers``; any may be empty, others are ignored;
multi-valued cells are joined with ``|``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from opennrm.linkage.engine.link import Pair
from opennrm.linkage.engine.records import PersonRecord, person_record

__all__ = ["COLUMNS", "PAIR_COLUMNS", "CsvError", "read_people", "write_pairs"]

COLUMNS = (
    "id", "given_names", "family_names", "full_name", "birth_date", "gender",
    "nationality", "phones", "emails", "address", "identifiers",
)  # fmt: skip
PAIR_COLUMNS = ("left_id", "right_id", "score", "decision", "explanation")

# A cell longer than this is not a name or a phone list; refusing it bounds the work.
_MAX_CELL = 4_000


class CsvError(ValueError):
    """The file cannot be read as a linkage input; the message says where and why."""


def _many(cell: str) -> list[str]:
    return [v for v in (part.strip() for part in cell.split("|")) if v]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CsvError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            raise CsvError(f"{path}: the file is empty; a header row is required")
        if "id" not in reader.fieldnames:
            raise CsvError(f"{path}: the header has no 'id' column")
        try:
            yield from enumerate(reader, start=2)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvError(f"{path}: line {reader.line_num}: {exc}") from None


def read_people(path: Path, *, source: int = 0, default_region: str = "FI") -> list[PersonRecord]:
    """Every row as a record. Ids must be present and unique within the file."""
    seen: set[str] = set()
    out: list[PersonRecord] = []
    for line, row in _rows(path):
        cells = {c: (row.get(c) or "") for c in COLUMNS}
        too_long = next((c for c, v in cells.items() if len(v) > _MAX_CELL), None)
        if too_long:
            raise CsvError(
                f"{path}: line {line}: column {too_long!r} is over {_MAX_CELL} characters"
            )
        record_id = cells["id"].strip()
        if not record_id:
            raise CsvError(f"{path}: line {line}: the id is empty")
        if record_id in seen:
            raise CsvError(f"{path}: line {line}: id {record_id!r} appears twice")
        seen.add(record_id)
        out.append(
            person_record(
                record_id,
                names=[cells["full_name"]] if cells["full_name"].strip() else [],
                given_names=cells["given_names"],
                family_names=cells["family_names"],
                birth_date=cells["birth_date"],
                gender=cells["gender"],
                nationality=cells["nationality"],
                phones=_many(cells["phones"]),
                emails=_many(cells["emails"]),
                addresses=[cells["address"]] if cells["address"].strip() else [],
                identifiers=_many(cells["identifiers"]),
                default_region=default_region,
                source=source,
            )
        )
    return out


def write_pairs(path: Path, pairs: Iterable[Pair]) -> int:
    """Write the pairs, strongest first; returns how many were written."""
    ordered = sorted(pairs, key=lambda p: (-p.score, p.left_id, p.right_id))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIR_COLUMNS)
        for p in ordered:
            writer.writerow((p.left_id, p.right_id, f"{p.score:.4f}", p.decision, p.explanation))
    return len(ordered)
