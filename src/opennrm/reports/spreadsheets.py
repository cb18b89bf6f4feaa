"""CSV and XLSX downloads of statistics and action-plan tables.

Formula injection (OWASP "CSV Injection"): a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula by Excel and LibreOffice, which can
exfiltrate data (``=HYPERLINK(...)``) or start programs (DDE). Labels in our tables come
from people (organisation names, free-text categories), so every text cell that starts
that way gets a leading apostrophe. The accepted trade-off: legitimate text such as a
phone number "+358 40 123 4567" or a label "-10 % goal" also shows the apostrophe.
Numbers are written as numbers and are never touched: a negative number is a number,
not a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["Sheet", "Value", "neutralise", "sheet_title", "to_csv", "to_xlsx"]

Value = str | int | float | None

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_TITLE = 31  # Excel's limit on sheet names
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Control characters other than tab, newline and CR are invalid in the XML of an XLSX
# (openpyxl raises on them); the same set openpyxl checks.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH = 60  # characters; longer text wraps in Excel rather than widening the sheet


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Value]]
    note: str = ""  # e.g. "Empty cells are suppressed (fewer than 5)."


def neutralise(value: str) -> str:
    """Text that a spreadsheet would run as a formula, made inert by a leading apostrophe."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _check(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> None:
    for index, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(f"row {index} has {len(row)} cells for {len(headers)} headers")


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> bytes:
    """RFC 4180 CSV with a UTF-8 byte order mark, which Excel needs to read ä/ö/å right."""
    _check(headers, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_cell_text(h) for h in headers])
    writer.writerows([_cell_text(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(title: str, taken: set[str] | None = None) -> str:
    """A name Excel accepts: no []:*?/\\, at most 31 characters, unique in the workbook."""
    name = _TITLE_FORBIDDEN.sub(" ", title).strip().strip("'").strip() or "Sheet"
    name = name[:MAX_TITLE].rstrip()
    used = {t.casefold() for t in taken or set()}
    candidate, number = name, 2
    while candidate.casefold() in used:  # Excel compares sheet names case-insensitively
        suffix = f" ({number})"
        candidate = name[: MAX_TITLE - len(suffix)].rstrip() + suffix
        number += 1
    return candidate


def _text(value: str) -> str:
    return _ILLEGAL.sub("", neutralise(value))


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "OpenNRM"
    taken: set[str] = set()
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F3F2F1")
    for sheet in sheets:
        _check(sheet.headers, sheet.rows)
        title = sheet_title(sheet.title, taken)
        taken.add(title)
        ws = workbook.create_sheet(title)
        widths = [len(h) for h in sheet.headers]
        for column, header in enumerate(sheet.headers, start=1):
            cell = ws.cell(row=1, column=column)
            cell.value = _text(header)
            cell.data_type = "s"
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for r, values in enumerate(sheet.rows, start=2):
            for column, value in enumerate(values, start=1):
                if value is None:
                    continue  # an empty cell, not "", so Excel counts it as blank
                cell = ws.cell(row=r, column=column)
                if isinstance(value, str):
                    cell.value = _text(value)
                    cell.data_type = "s"  # never a formula, whatever the text says
                else:
                    cell.value = value
                widths[column - 1] = max(widths[column - 1], len(str(cell.value)))
        ws.freeze_panes = "A2"
        if sheet.rows and sheet.headers:
            last = get_column_letter(len(sheet.headers))
            ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
        for column, width in enumerate(widths, start=1):
            letter = get_column_letter(column)
            ws.column_dimensions[letter].width = min(max(width + 2, 8), MAX_WIDTH)
        if sheet.note:
            note = ws.cell(row=len(sheet.rows) + 3, column=1)
            note.value = _text(sheet.note)
            note.data_type = "s"
            note.font = Font(italic=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
