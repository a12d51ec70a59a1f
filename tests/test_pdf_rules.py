"""The grids read from pdfium's drawing are camelot's grids: checked against camelot itself.

juesuan skips camelot's page-layout pass: ruled tables get their rules from pdfium's path objects
(:mod:`juesuan.extract.pdf_rules`) and unruled ones their rows from the glyphs
(:func:`juesuan.extract.pdf_stream.glyph_rows`). Both must give what camelot gives on the same page;
these tests run camelot on every table page of the committed samples and compare cell by cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import camelot
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from juesuan.extract.api import extract_document
from juesuan.extract.pdf import read_pdf
from juesuan.extract.pdf_lattice import fill_cells
from juesuan.extract.pdf_rules import page_rules, read_ruled, read_ruled_pages
from juesuan.extract.pdf_stream import column_separators, glyph_rows, merge_split_columns
from juesuan.extract.pdf_triage import rule_area
from juesuan.samples.generate import REGISTRY
from juesuan.samples.score import parse_truth_csv, score

SAMPLES = Path(REGISTRY).parent / "reports"
_NAME = re.compile(r"(?P<unit>.+)_(?P<year>\d{4})\.pdf$")


def _samples(variant: str) -> list[Path]:
    return sorted((SAMPLES / variant).glob("*.pdf"))


def _squeeze(rows: list[list[str]]) -> list[list[str]]:
    return [[re.sub(r"\s+", "", cell) for cell in row] for row in rows]


def _table_pages(path: Path) -> tuple[object, list[int]]:
    reading = read_pdf(str(path), path.read_bytes(), use_ocr=False)
    pages = [p.number for p in reading.triage.pages if p.kind in ("table", "continuation")]
    return reading, pages


@pytest.mark.parametrize("variant", ["ruled", "office", "browser"])
def test_pdfium_rules_give_camelots_lattice_grids(variant: str) -> None:
    compared = 0
    for path in _samples(variant):
        reading, pages = _table_pages(path)
        if not pages:
            continue
        ours, missed = read_ruled_pages(reading.document, pages, reading.chars)
        assert missed == {}, f"{path.name}: no grid from pdfium's rules on pages {sorted(missed)}"
        theirs = camelot.read_pdf(str(path), pages=",".join(map(str, pages)), flavor="lattice", engine="vector")
        assert [t.page for t in ours] == [int(t.page) for t in theirs], path.name
        for mine, table in zip(ours, theirs, strict=True):
            expected = fill_cells(table.cells, reading.chars(int(table.page)))
            assert _squeeze(mine.rows) == _squeeze(expected), f"{path.name} page {mine.page}"
            assert mine.parsing_report["lines"] == "pdfium"
            assert float(mine.parsing_report["whitespace"]) < 90
            compared += 1
        reading.close()
    assert compared > 0


def test_glyph_rows_give_camelots_stream_rows() -> None:
    compared = 0
    for path in _samples("unruled"):
        reading, pages = _table_pages(path)
        for number in pages:
            area = rule_area(reading.document, number)
            assert area is not None, f"{path.name} page {number}: no rules around the table"
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
            assert _squeeze(ours) == _squeeze(theirs), f"{path.name} page {number}"
            compared += 1
        reading.close()
    assert compared > 0


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
    path = _samples("ruled")[0]
    match = _NAME.match(path.name)
    assert match is not None
    monkeypatch.setattr("juesuan.extract.pdf_rules.read_ruled", lambda page, rules, chars: [])
    extraction = extract_document(path, unit_id=match["unit"], year=int(match["year"]))
    truth = parse_truth_csv(Path(f"{path}.truth.csv").read_text(encoding="utf-8"))
    result = score(extraction.facts, truth, source_kind="table")
    assert (result.missing, result.wrong, result.extra) == ([], [], [])
    assert {f.extractor for f in extraction.facts if f.source_kind == "table"} == {"camelot-lattice"}
