"""Render a :class:`~.layout.Report` as DOCX with python-docx: the same cover, narrative and tables.

Tables are Word tables with merged header cells (``merge`` over the spans of the grid) and a header
row repeated on every page. DOCX has no fixed pages, so expected facts carry no page.

python-docx stamps the zip entries with the current time; the archive is rewritten with a fixed
timestamp so that the same report always gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from juesuan.samples.layout import Grid, Report
from juesuan.samples.render_pdf import ExpectedFact, Rendered
from juesuan.samples.truth import RESTATED

FONT = "SimSun"
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_DATETIME = datetime.datetime(*_FIXED_TIME)


def _set_font(document: docx.document.Document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _repeat_header(row: docx.table._Row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _add_grid(document: docx.document.Document, grid: Grid) -> None:
    header = grid.header
    table = document.add_table(rows=len(header) + len(grid.body), cols=grid.width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(header):
        for col, cell in enumerate(row):
            if cell is None:
                continue
            target = table.cell(r, col)
            if cell.colspan > 1 or cell.rowspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, col + cell.colspan - 1))
            target.text = cell.text
            target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _repeat_header(table.rows[r])
    for index, values in enumerate(grid.body):
        r = len(header) + index
        for col, text in enumerate(values):
            span = grid.body_spans.get((index, col), 1)
            target = table.cell(r, col)
            if span > 1:
                target = target.merge(table.cell(r, col + span - 1))
            if text:
                target.text = text
                aligned = WD_ALIGN_PARAGRAPH.LEFT if col in grid.label_cols else WD_ALIGN_PARAGRAPH.RIGHT
                target.paragraphs[0].alignment = aligned


def _new_section(document: docx.document.Document, is_landscape: bool) -> None:
    section = document.add_section()
    width, height = section.page_width, section.page_height
    if is_landscape != (width > height):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if is_landscape else WD_ORIENT.PORTRAIT


def _deterministic(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_docx(report: Report) -> Rendered:
    document = docx.Document()
    _set_font(document)
    properties = document.core_properties
    properties.title = report.title
    properties.author = report.unit_name
    properties.created = properties.modified = _FIXED_DATETIME  # python-docx would stamp "now"
    for text in (report.unit_name, report.cover_title, report.cover_date):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_page_break()
    expected: list[ExpectedFact] = []
    for paragraph in report.paragraphs:
        document.add_paragraph(paragraph.text)
        expected.extend(ExpectedFact(f, "narrative", None) for f in paragraph.facts)
        expected.extend(ExpectedFact(f, RESTATED, None) for f in paragraph.restated)
    for index, grid in enumerate(report.grids, start=1):
        _new_section(document, grid.landscape)
        document.add_paragraph(f"公开{index:02d}表").alignment = WD_ALIGN_PARAGRAPH.RIGHT
        document.add_paragraph(grid.title).alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.add_paragraph(f"编制单位：{report.unit_name}\t金额单位：万元")
        _add_grid(document, grid)
        if grid.note:
            document.add_paragraph(grid.note)
        for facts in grid.row_facts:
            expected.extend(ExpectedFact(f, "table", None) for f in facts)
    buffer = io.BytesIO()
    document.save(buffer)
    return Rendered(_deterministic(buffer.getvalue()), 0, expected)
