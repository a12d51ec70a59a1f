"""Render a :class:`~.layout.Report` as a PDF with reportlab, and say on which page every fact lands.

Pages: a cover, a table of contents, narrative pages, then one standard table per page (landscape
for the wide ones), a long table continuing on the next page under a "续表" mark with its header
repeated. Every page but the cover has a running header and a page number. A narrative-only report
(tables published as images) has no table page; its contents list its parts where they start.

Two styles: ``ruled`` draws the full cell grid (what camelot's lattice reads); ``unruled`` draws a
three-line table (rules above and below the header and under the last row only), the layout camelot's
stream/network parsers are for; its font shrinks until no cell wraps, since a wrapped cell in an
unruled table is indistinguishable from two rows.

Output is byte-deterministic (reportlab's ``invariant`` mode: fixed dates and document id), and the
CJK font is embedded as a subset, so the PDF renders anywhere.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table, TableStyle

from juesuan.errors import JuesuanError
from juesuan.samples.layout import Grid, Report
from juesuan.samples.truth import RESTATED, TruthFact

STYLES = ("ruled", "unruled")
FONT_NAME = "SampleCJK"
#: Where fonts with CJK glyphs and TrueType outlines are looked for (reportlab cannot embed CFF outlines).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
MARGIN = 50.0
MAX_BODY_ROWS = {False: 18, True: 13}  # per page, portrait / landscape: long tables continue
TABLE_FONT_SIZE = 9.0
# Room kept free in every unruled cell: text closer than this to its neighbour reads as one run.
UNRULED_GAP = 22.0


class FontMissingError(JuesuanError):
    """No usable CJK TrueType font on this machine."""


def find_font() -> Path:
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    tried = ", ".join(str(p) for p in FONT_CANDIDATES)
    raise FontMissingError(
        f"no CJK TrueType font found (tried {tried}); install one: apt-get install -y fonts-wqy-microhei"
    )


def register_font(path: Path | None = None) -> str:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path or find_font()), subfontIndex=0))
    return FONT_NAME


@dataclass(frozen=True)
class ExpectedFact:
    """A rendered fact with its source kind (table, narrative, or restated: last year's figure a change
    sentence states) and the page it is printed on (None for DOCX)."""

    fact: TruthFact
    source_kind: str
    page: int | None


@dataclass
class Rendered:
    data: bytes
    pages: int
    expected: list[ExpectedFact] = field(default_factory=list)


# --- planning: which page holds what ---------------------------------------------------------------
@dataclass
class _TablePage:
    grid: Grid
    rows: range  # body rows on this page
    first: bool
    last: bool


def _page_size(is_landscape: bool) -> tuple[float, float]:
    return landscape(A4) if is_landscape else A4


class _Renderer:
    def __init__(self, report: Report, style: str) -> None:
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r} (allowed: {', '.join(STYLES)})")
        self.report = report
        self.style = style
        self.font = register_font()
        self.body = ParagraphStyle("body", fontName=self.font, fontSize=11, leading=19, wordWrap="CJK")
        self.heading = ParagraphStyle("heading", parent=self.body, fontSize=13, leading=24)
        self.cell = ParagraphStyle("cell", fontName=self.font, fontSize=TABLE_FONT_SIZE, leading=11, wordWrap="CJK")
        self.cell_center = ParagraphStyle("cellc", parent=self.cell, alignment=TA_CENTER)
        self.expected: list[ExpectedFact] = []
        self.part_pages: list[tuple[str, int]] = []  # 第…部分 headings and the page each starts on

    # --- narrative ---------------------------------------------------------------------------------
    def _narrative_pages(self) -> list[list[tuple[RLParagraph, float]]]:
        width = A4[0] - 2 * MARGIN
        top, bottom = A4[1] - MARGIN - 30, MARGIN + 30
        pages: list[list[tuple[RLParagraph, float]]] = [[]]
        y = top
        for paragraph in self.report.paragraphs:
            flow = RLParagraph(paragraph.text, self.heading if paragraph.heading else self.body)
            _, height = flow.wrap(width, top - bottom)
            if y - height < bottom and pages[-1]:
                pages.append([])
                y = top
            pages[-1].append((flow, height))
            page_number = 3 + len(pages) - 1
            if paragraph.heading and paragraph.text.startswith("第") and "部分" in paragraph.text:
                self.part_pages.append((paragraph.text, page_number))
            self.expected.extend(ExpectedFact(f, "narrative", page_number) for f in paragraph.facts)
            self.expected.extend(ExpectedFact(f, RESTATED, page_number) for f in paragraph.restated)
            y -= height + 4
        return pages

    # --- tables ------------------------------------------------------------------------------------------
    def _table(self, grid: Grid, rows: range, width: float, font_size: float) -> Table:
        header = grid.header_texts()
        data: list[list[object]] = []
        ruled = self.style == "ruled"
        for row in header:
            data.append([RLParagraph(text, self.cell_center) if ruled and text else text for text in row])
        for index in rows:
            cells: list[object] = []
            for col, text in enumerate(grid.body[index]):
                label = col in grid.label_cols
                cells.append(RLParagraph(text, self.cell) if ruled and text and label else text)
            data.append(cells)
        total = sum(grid.widths)
        col_widths = [width * w / total for w in grid.widths]
        table = Table(data, colWidths=col_widths, repeatRows=0)
        commands: list[tuple[object, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.font, font_size),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, len(header) - 1), "CENTER"),
            ("ALIGN", (0, len(header)), (-1, -1), "RIGHT"),
            *(("ALIGN", (col, len(header)), (col, -1), "LEFT") for col in grid.label_cols),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for r, row in enumerate(grid.header):
            for col, cell in enumerate(row):
                if cell is not None and (cell.colspan > 1 or cell.rowspan > 1):
                    commands.append(("SPAN", (col, r), (col + cell.colspan - 1, r + cell.rowspan - 1)))
        for position, index in enumerate(rows):
            for (row, col), span in grid.body_spans.items():
                if row == index:
                    r = len(header) + position
                    commands.append(("SPAN", (col, r), (col + span - 1, r)))
        last_header = len(header) - 1
        if ruled:
            commands.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
        else:
            commands += [
                ("LINEABOVE", (0, 0), (-1, 0), 1.2, colors.black),
                ("LINEBELOW", (0, last_header), (-1, last_header), 0.6, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.black),
            ]
        table.setStyle(TableStyle(commands))
        return table

    def _unruled_font_size(self, grid: Grid, width: float) -> float:
        """The largest size (9 pt down to 6 pt) at which no cell of ``grid`` is wider than its column."""
        total = sum(grid.widths)
        col_widths = [width * w / total for w in grid.widths]
        header = grid.header_texts()
        size = TABLE_FONT_SIZE
        while size > 6:
            fits = True
            for r, row in enumerate(header):
                for col, text in enumerate(row):
                    cell = grid.header[r][col]
                    span = cell.colspan if cell is not None else 1
                    fits = fits and self._fits(text, sum(col_widths[col : col + span]), size)
            for r, row in enumerate(grid.body):
                for col, text in enumerate(row):
                    span = grid.body_spans.get((r, col), 1)
                    fits = fits and self._fits(text, sum(col_widths[col : col + span]), size)
            if fits:
                return size
            size -= 0.5
        return size

    def _fits(self, text: str, width: float, size: float) -> bool:
        return pdfmetrics.stringWidth(text, self.font, size) <= width - UNRULED_GAP

    def _table_pages(self, grid: Grid) -> list[_TablePage]:
        page_w, page_h = _page_size(grid.landscape)
        width = page_w - 2 * MARGIN
        available = page_h - 2 * MARGIN - 95
        font_size = TABLE_FONT_SIZE if self.style == "ruled" else self._unruled_font_size(grid, width)
        limit = MAX_BODY_ROWS[grid.landscape]
        pages: list[_TablePage] = []
        start = 0
        total = len(grid.body)
        while True:
            end = start
            while end < total and end - start < limit:
                _, height = self._table(grid, range(start, end + 1), width, font_size).wrap(width, page_h)
                if height > available and end > start:
                    break
                end += 1
            pages.append(_TablePage(grid, range(start, end), first=start == 0, last=end >= total))
            if end >= total:
                return pages
            start = end

    # --- drawing ------------------------------------------------------------------------------------------
    def _frame(self, canvas: Canvas, number: int, page_w: float, page_h: float) -> None:
        canvas.setFont(self.font, 8.5)
        canvas.drawString(MARGIN, page_h - 32, self.report.title)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, page_h - 36, page_w - MARGIN, page_h - 36)
        canvas.setFont(self.font, 9)
        canvas.drawCentredString(page_w / 2, 28, f"— {number} —")

    def render(self) -> Rendered:
        narrative = self._narrative_pages()
        table_pages = [page for grid in self.report.grids for page in self._table_pages(grid)]
        first_table_page = 3 + len(narrative)
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
        canvas.setTitle(self.report.title)
        canvas.setAuthor(self.report.unit_name)
        canvas.setCreator("juesuan samples")
        self._cover(canvas)
        self._contents(canvas, table_pages, first_table_page)
        for offset, page in enumerate(narrative):
            self._narrative_page(canvas, page, 3 + offset)
        for offset, table_page in enumerate(table_pages):
            self._draw_table_page(canvas, table_page, first_table_page + offset)
        canvas.save()
        return Rendered(buffer.getvalue(), first_table_page + len(table_pages) - 1, self.expected)

    def _cover(self, canvas: Canvas) -> None:
        w, h = A4
        canvas.setFont(self.font, 24)
        canvas.drawCentredString(w / 2, h * 0.62, self.report.unit_name)
        canvas.setFont(self.font, 22)
        canvas.drawCentredString(w / 2, h * 0.55, self.report.cover_title)
        canvas.setFont(self.font, 14)
        canvas.drawCentredString(w / 2, h * 0.25, self.report.cover_date)
        canvas.showPage()

    def _contents(self, canvas: Canvas, table_pages: list[_TablePage], first_table_page: int) -> None:
        w, h = A4
        self._frame(canvas, 2, w, h)
        canvas.setFont(self.font, 18)
        canvas.drawCentredString(w / 2, h - 90, "目  录")
        profile, remarks, tables = self.report.contents_parts
        entries: list[tuple[str, int]] = [(profile, 3), (remarks, 3), (tables, first_table_page)]
        if self.report.narrative_only:
            entries = list(self.part_pages)
        for offset, page in enumerate(table_pages):
            if page.first:
                number = len([e for e in entries if e[0].startswith("  ")]) + 1
                entries.append((f"  公开{number:02d}表 {page.grid.title}", first_table_page + offset))
        y = h - 130
        canvas.setFont(self.font, 11)
        for label, page_number in entries:
            canvas.drawString(MARGIN + 10, y, label)
            canvas.drawRightString(w - MARGIN - 10, y, str(page_number))
            canvas.setDash(1, 2)
            label_end = MARGIN + 14 + pdfmetrics.stringWidth(label, self.font, 11)
            canvas.line(label_end, y + 2, w - MARGIN - 24, y + 2)
            canvas.setDash()
            y -= 22
        canvas.showPage()

    def _narrative_page(self, canvas: Canvas, flows: list[tuple[RLParagraph, float]], number: int) -> None:
        w, h = A4
        self._frame(canvas, number, w, h)
        y = h - MARGIN - 30
        for flow, height in flows:
            flow.drawOn(canvas, MARGIN, y - height)
            y -= height + 4
        canvas.showPage()

    def _draw_table_page(self, canvas: Canvas, page: _TablePage, number: int) -> None:
        grid = page.grid
        page_w, page_h = _page_size(grid.landscape)
        canvas.setPageSize((page_w, page_h))
        self._frame(canvas, number, page_w, page_h)
        width = page_w - 2 * MARGIN
        y = page_h - MARGIN - 20
        index = self.report.grids.index(grid) + 1
        if page.first:
            canvas.setFont(self.font, 9)
            canvas.drawRightString(page_w - MARGIN, y, f"公开{index:02d}表")
            canvas.setFont(self.font, 15)
            canvas.drawCentredString(page_w / 2, y - 24, grid.title)
        else:
            canvas.setFont(self.font, 10)
            canvas.drawString(MARGIN, y - 24, "续表")
        canvas.setFont(self.font, 9)
        canvas.drawString(MARGIN, y - 46, f"编制单位：{self.report.unit_name}")
        canvas.drawRightString(page_w - MARGIN, y - 46, "金额单位：万元")
        font_size = TABLE_FONT_SIZE if self.style == "ruled" else self._unruled_font_size(grid, width)
        table = self._table(grid, page.rows, width, font_size)
        _, height = table.wrap(width, page_h)
        top = y - 56
        table.drawOn(canvas, MARGIN, top - height)
        for index_row in page.rows:
            self.expected.extend(ExpectedFact(f, "table", number) for f in grid.row_facts[index_row])
        if page.last and grid.note:
            canvas.setFont(self.font, 9)
            canvas.drawString(MARGIN, top - height - 16, grid.note)
        canvas.showPage()


def render_pdf(report: Report, style: str = "ruled") -> Rendered:
    """The report as PDF bytes in ``style`` (ruled or unruled), with the expected facts and pages."""
    return _Renderer(report, style).render()


__all__ = ["STYLES", "ExpectedFact", "FontMissingError", "Rendered", "find_font", "render_pdf"]
