"""PDF reports (statistics, action-plan progress): A4, Unicode text, charts and tables.

fpdf2's built-in core fonts are Latin-1 only, so a Finnish "ä" survives but a Romanian
"ș" or a Ukrainian name would not; the DejaVu fonts that ship with matplotlib cover Latin,
Greek, Cyrillic and Vietnamese and need no extra dependency. They do not cover Thai: such
glyphs are dropped by fpdf2 (with a warning) unless a fallback font is installed and
passed as ``fallback_fonts``.
"""

from __future__ import annotations

import builtins
import io
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace, ViewerPreferences
from fpdf.enums import TableCellFillMode

from opennrm.reports.charts import Chart

__all__ = ["Document", "is_number"]

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
MARGIN = 20.0  # mm; leaves 170 mm of text width on A4, the default chart width
TEXT = (11, 12, 12)
MUTED = (80, 90, 95)
RULE = (177, 180, 182)
FILL = (243, 242, 241)
BODY_PT = 10
LINE = 5.0  # mm per body line
HEADING_PT = {1: 16, 2: 13, 3: 11}
CHART_DPI = 200

# Numbers as statistics tables print them: "1 234", "12,5", "-3" (or U+2212), "45 %";
# and the placeholders that stand in numeric columns (suppressed, not available).
_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?\s?%?$")
_PLACEHOLDERS = frozenset({"–", "—", "-", "×", "..", "…", "."})


def is_number(text: str) -> bool:
    """Whether a table cell reads as a number (and so is right-aligned)."""
    stripped = text.strip()
    return bool(_NUMBER.match(stripped)) or stripped in _PLACEHOLDERS


class _Pages(FPDF):
    """fpdf2 calls ``header``/``footer`` on every page; the running texts live here."""

    def __init__(self, title: str, footer: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_title = title
        self.running_footer = footer

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.set_y(10)
        self.cell(0, 4, _fit(self, self.running_title, self.epw))
        self.set_y(self.t_margin)
        self.set_text_color(*TEXT)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        number_width = 20.0
        self.cell(self.epw - number_width, 4, _fit(self, self.running_footer, self.epw - 25))
        self.cell(number_width, 4, f"{self.page_no()} / {self.str_alias_nb_pages}", align="R")
        self.set_text_color(*TEXT)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten a one-line running text so it never runs into the page number."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


class Document:
    """A report built top to bottom; ``bytes()`` finishes it.

    The title goes into the PDF metadata and is shown by viewers instead of the file
    name, and headings become the outline (bookmarks): both are what screen readers and
    the accessibility checkers look for first.
    """

    def __init__(
        self,
        *,
        title: str,
        subtitle: str = "",
        locale: str = "fi",
        footer: str = "",
        author: str = "",
        fallback_fonts: Sequence[Path] = (),
    ) -> None:
        pdf = _Pages(title, footer)
        for style, name in FONT_FILES.items():
            pdf.add_font(FONT, style, FONT_DIR / name)
        fallbacks = []
        for index, path in enumerate(fallback_fonts):
            family = f"Fallback{index}"
            pdf.add_font(family, "", path)
            fallbacks.append(family)
        if fallbacks:
            pdf.set_fallback_fonts(fallbacks, exact_match=False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(auto=True, margin=MARGIN)
        pdf.set_title(title)
        pdf.set_lang(locale)
        pdf.set_creator("OpenNRM")
        if subtitle:
            pdf.set_subject(subtitle)
        if author:
            pdf.set_author(author)
        pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
        pdf.set_text_color(*TEXT)
        pdf.add_page()
        self._pdf = pdf
        self._level = -1  # outline level of the last heading
        self._finished: builtins.bytes | None = None

        pdf.set_font(FONT, "B", 20)
        pdf.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            pdf.set_font(FONT, "", 12)
            pdf.set_text_color(*MUTED)
            pdf.ln(1)
            pdf.multi_cell(0, 6, subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(*TEXT)
        pdf.ln(6)

    def _open(self) -> FPDF:
        if self._finished is not None:
            raise RuntimeError("the document is finished: bytes() was called")
        return self._pdf

    def _keep_space(self, height: float) -> None:
        """Start a new page rather than leave a heading or caption alone at the bottom."""
        pdf = self._pdf
        if pdf.will_page_break(height) and pdf.get_y() > pdf.t_margin + 1:
            pdf.add_page()

    def heading(self, text: str, level: int = 1, keep_with_next: float = 25) -> None:
        """A heading; `keep_with_next` millimetres of what follows (a chart's height)
        must fit under it on the page, or it starts the next one."""
        pdf = self._open()
        level = min(max(level, 1), 3)
        size = HEADING_PT[level]
        self._keep_space(size * 0.5 + keep_with_next)
        pdf.ln(2 if level > 1 else 4)
        outline = min(level - 1, self._level + 1)  # the outline may not skip a level
        pdf.start_section(text, level=outline)
        self._level = outline
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(0, size * 0.45, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def paragraph(self, text: str) -> None:
        pdf = self._open()
        pdf.set_font(FONT, "", BODY_PT)
        pdf.multi_cell(0, LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> None:
        pdf = self._open()
        if not pairs:
            return
        pdf.set_font(FONT, "", BODY_PT)
        bold = FontFace(emphasis="BOLD")
        with pdf.table(
            borders_layout="NONE",
            first_row_as_headings=False,
            col_widths=(1, 2),
            text_align="LEFT",
            line_height=LINE,
            padding=(0.8, 2, 0.8, 0),
            align="LEFT",
        ) as table:
            for key, value in pairs:
                row = table.row()
                row.cell(key, style=bold)
                row.cell(value)
        pdf.ln(3)

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], caption: str = ""
    ) -> None:
        pdf = self._open()
        width = len(headers)
        for index, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(f"row {index} has {len(row)} cells for {width} headers")
        pdf.set_font(FONT, "", 9)
        numeric = [
            any(row[c].strip() for row in rows)
            and all(is_number(row[c]) for row in rows if row[c].strip())
            for c in range(width)
        ]
        widths = self._column_widths(headers, rows)
        self._keep_space((3 if caption else 0) * LINE + 3 * (LINE + 2))
        if caption:
            pdf.set_font(FONT, "B", BODY_PT)
            pdf.multi_cell(0, LINE, caption, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            pdf.set_font(FONT, "", 9)
        with pdf.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", fill_color=FILL),
            cell_fill_color=(250, 250, 250),
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            line_height=4.6,
            padding=(1, 1.5),
            repeat_headings=1,
        ) as table:
            heading = table.row()
            for header, is_numeric in zip(headers, numeric, strict=True):
                heading.cell(header, align="RIGHT" if is_numeric else "LEFT")
            for values in rows:
                line = table.row()
                for value in values:
                    line.cell(value, align="RIGHT" if is_number(value) else "LEFT")
        pdf.ln(4)

    def _column_widths(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> tuple[float, ...]:
        """Widths from content, so short numeric columns do not get a third of the page."""
        pdf = self._pdf
        natural: list[float] = []
        for c, header in enumerate(headers):
            pdf.set_font(FONT, "B", 9)
            longest = pdf.get_string_width(header)
            pdf.set_font(FONT, "", 9)
            for row in rows[:500]:  # a sample is enough to size a column
                longest = max(longest, pdf.get_string_width(row[c]))
            natural.append(min(max(longest + 4, 14.0), 90.0))
        total = sum(natural)
        if total <= pdf.epw:
            return tuple(natural)
        return tuple(w * pdf.epw / total for w in natural)

    def chart(self, chart: Chart, width_mm: float = 170) -> None:
        pdf = self._open()
        width = min(width_mm, pdf.epw)
        ratio = chart.size_in[1] / chart.size_in[0]
        room = pdf.eph - 10
        if width * ratio > room:  # a tall chart is scaled to fit one page
            width = room / ratio
        height = width * ratio
        if pdf.will_page_break(height):
            pdf.add_page()
        x = pdf.l_margin + (pdf.epw - width) / 2
        pdf.image(
            io.BytesIO(chart.png(dpi=CHART_DPI)),
            x=x,
            w=width,
            h=height,
            title=chart.title,
            alt_text=chart.description or chart.title,
        )
        pdf.ln(4)

    def bytes(self) -> builtins.bytes:  # the method shadows the type in the class body
        if self._finished is None:
            self._finished = bytes(self._pdf.output())
        return self._finished
