"""The grids read from pdfium's drawing are camelot's grids: checked against camelot itself.

juesuan skips camelot's page-layout pass: ruled tables get their rules from pdfium's path objects
(:mod:`juesuan.extract.pdf_rules`) and unruled ones their rows from the glyphs
(:func:`juesuan.extract.pdf_stream.glyph_rows`). Both must give what camelot gives on the same page;
these tests run camelot on every table page of the rendered samples and compare cell by cell.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import camelot
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from test_pdf import PRODUCERS, _font_or_skip, _rendered

from juesuan.extract.api import extract_document
from juesuan.extract.pdf import PdfReading, read_pdf
from juesuan.extract.pdf_lattice import fill_cells
from juesuan.extract.pdf_rules import page_rules, read_ruled, read_ruled_pages
from juesuan.extract.pdf_stream import column_separators, glyph_rows, merge_split_columns
from juesuan.extract.pdf_triage import rule_area
from juesuan.samples.generate import REGISTRY
from juesuan.samples.score import parse_truth_csv, score

SAMPLES = Path(REGISTRY).parent / "reports"
_NAME = re.compile(r"(?P<unit>.+)_(?P<year>\d{4})\.pdf$")
# The units whose samples have tables (大竹 and 乌海 are narrative-only), laid out by each producer.
RULED_CASES = [
    ("ruled", "datong-sic"),
    ("ruled", "chaoyang-sic"),
    ("ruled", "jincheng-hrss"),
    ("office", "datong-sic"),
    ("office", "jincheng-hrss"),
    ("browser", "chaoyang-sic"),
]
UNRULED_UNITS = ["datong-sic", "chaoyang-sic", "jincheng-hrss"]


def _sample(tmp_path: Path, variant: str, unit_id: str) -> Path:
    """The sample rendered as the PDF tests render it (cached there), written where camelot can read it."""
    _font_or_skip()
    if variant in PRODUCERS and shutil.which(PRODUCERS[variant]) is None:
        pytest.skip(f"{PRODUCERS[variant]} not installed (needed to lay out the {variant} variant)")
    data, _ = _rendered(unit_id, variant)
    path = tmp_path / f"{unit_id}-{variant}.pdf"
    path.write_bytes(data)
    return path


def _squeeze(rows: list[list[str]]) -> list[list[str]]:
    return [[re.sub(r"\s+", "", cell) for cell in row] for row in rows]


def _table_pages(path: Path) -> tuple[PdfReading, list[int]]:
    reading = read_pdf(str(path), path.read_bytes(), use_ocr=False)
    pages = [p.number for p in reading.triage.pages if p.kind in ("table", "continuation")]
    return reading, pages


@pytest.mark.parametrize(("variant", "unit_id"), RULED_CASES)
def test_pdfium_rules_give_camelots_lattice_grids(tmp_path: Path, variant: str, unit_id: str) -> None:
    path = _sample(tmp_path, variant, unit_id)
    reading, pages = _table_pages(path)
    assert pages
    ours, missed = read_ruled_pages(reading.loaded_pages, pages, reading.chars)
    assert missed == {}, f"no grid from pdfium's rules on pages {sorted(missed)}"
    theirs = camelot.read_pdf(str(path), pages=",".join(map(str, pages)), flavor="lattice", engine="vector")
    assert [t.page for t in ours] == [int(t.page) for t in theirs]
    for mine, table in zip(ours, theirs, strict=True):
        expected = fill_cells(table.cells, reading.chars(int(table.page)))
        assert _squeeze(mine.rows) == _squeeze(expected), f"page {mine.page}"
        assert mine.parsing_report["lines"] == "pdfium"
        assert float(mine.parsing_report["whitespace"]) < 90
    reading.close()


@pytest.mark.parametrize("unit_id", UNRULED_UNITS)
def test_glyph_rows_give_camelots_stream_rows(tmp_path: Path, unit_id: str) -> None:
    path = _sample(tmp_path, "unruled", unit_id)
    reading, pages = _table_pages(path)
    assert pages
    for number in pages:
        area = rule_area(reading.loaded_pages, number)
        assert area is not None, f"page {number}: no rules around the table"
        separators = column_separators(reading.chars(number), area)
        found = camelot.read_pdf(
            str(path),
            pages=str(number),
            flavor="stream",
            table_areas=[",".join(f"{v:.1f}" for v in area)],
            columns=[",".join(f"{x:.1f}" for x in separators)],
        )
        assert len(found) == 1
        theirs = merge_split_columns(found[0].df.astype(str).values.tolist())
        ours = merge_split_columns(glyph_rows(reading.chars(number), area, separators))
        assert _squeeze(ours) == _squeeze(theirs), f"page {number}"
    reading.close()


def _grid_in_a_form(path: Path) -> list[list[str]]:
    """A 3 × 3 ruled table whose rules live in a form XObject drawn shifted; the text on the page."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.beginForm("grid")
    for y in (0, 20, 40, 60):
        pdf.line(0, y, 300, y)
    for x in (0, 100, 200, 300):
        pdf.line(x, 0, x, 60)
    pdf.endForm()
    pdf.saveState()
    pdf.translate(100, 500)
    pdf.doForm("grid")
    pdf.restoreState()
    rows = [["A1", "B1", "C1"], ["A2", "B2", "C2"], ["A3", "B3", "C3"]]
    for r, row in enumerate(rows):
        for col, text in enumerate(row):
            pdf.drawString(100 + 100 * col + 10, 500 + 60 - 20 * (r + 1) + 6, text)
    pdf.showPage()
    pdf.save()
    return rows


def test_rules_inside_a_form_xobject_are_read(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    expected = _grid_in_a_form(path)
    reading = read_pdf(str(path), path.read_bytes(), use_ocr=False)
    rules = page_rules(reading.document, 1)
    assert sorted(round(v[1]) for v in rules.horizontal) == [500, 520, 540, 560]
    assert sorted(round(v[0]) for v in rules.vertical) == [100, 200, 300, 400]
    tables = read_ruled(1, rules, reading.chars(1))
    assert [t.rows for t in tables] == [expected]
    assert tables[0].parsing_report["accuracy"] == 100.0
    reading.close()


def test_a_page_whose_rules_form_no_grid_here_goes_to_camelots_lattice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a producer draw rules our path reading cannot make a grid of, camelot's own lattice
    parser (with its layout pass) reads the page: the facts stay exact."""
    path = SAMPLES / "ruled" / "datong-sic_2023.pdf"  # committed: the main job reads it
    match = _NAME.match(path.name)
    assert match is not None
    monkeypatch.setattr("juesuan.extract.pdf_rules.read_ruled", lambda page, rules, chars: [])
    extraction = extract_document(path, unit_id=match["unit"], year=int(match["year"]))
    truth = parse_truth_csv(Path(f"{path}.truth.csv").read_text(encoding="utf-8"))
    result = score(extraction.facts, truth, source_kind="table")
    assert (result.missing, result.wrong, result.extra) == ([], [], [])
    assert result.expected > 100
    assert {f.extractor for f in extraction.facts if f.source_kind == "table"} == {"camelot-lattice"}
