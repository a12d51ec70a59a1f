"""PDF reports: triage, then the right table parser per page, then the shared mapping.

1. :mod:`.pdf_triage` opens the file (bad PDFs become specific errors) and classifies every page from
   its text layer and object counts — milliseconds for a whole report.
2. Scanned pages (no text layer) are OCR'd (:mod:`.ocr`) when an engine is installed; otherwise the
   report is quarantined with that reason if its readable pages hold no standard table.
3. Table and continuation pages — and only those — go to the table parsers: ruled grids built by
   camelot's lattice geometry from the rules pdfium reads (:mod:`.pdf_rules`), camelot's own lattice
   parser (vector engine, :mod:`.pdf_lattice`) where those rules form no grid, then the unruled
   reader inside the area marked by the table's rules (:mod:`.pdf_stream`); scanned table pages go
   to the OCR grid reader.
4. :mod:`.tables` titles, stitches and maps the grids; every fact carries its page.
5. The narrative reads the other pages, page by page, without running headers and page numbers.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pypdfium2 as pdfium

from juesuan.errors import DocumentError
from juesuan.extract import ocr
from juesuan.extract.base import Box, RawTable, box_of
from juesuan.extract.pdf_lattice import read_lattice
from juesuan.extract.pdf_rules import read_ruled_pages
from juesuan.extract.pdf_stream import Area, read_stream
from juesuan.extract.pdf_triage import (
    PDFIUM,
    Char,
    PageCache,
    PageInfo,
    Triage,
    classify,
    line_glyphs,
    lines_of,
    narrative_text,
    open_pdf,
    page_chars,
    pdfium_serialised,
    rule_area,
    running_lines,
    triage,
)
from juesuan.extract.tables import PageTable, TextLine, assemble

log = logging.getLogger(__name__)


@dataclass
class PdfReading:
    """A PDF opened and triaged; :meth:`table_groups` runs the table parsers."""

    source: str
    data: bytes
    document: pdfium.PdfDocument
    loaded_pages: PageCache
    triage: Triage
    ocr_pages: dict[int, ocr.OcrPage] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _chars: dict[int, list[Char]] = field(default_factory=dict)

    def chars(self, number: int) -> list[Char]:
        """A page's glyphs, read once: the lattice cells and the title lines both need them."""
        if number not in self._chars:
            self._chars[number] = page_chars(self.loaded_pages, number)
        return self._chars[number]

    @property
    def pages(self) -> int:
        return len(self.triage.pages)

    def figure_box(self, page: int, sentence: str, figure: str) -> Box | None:
        """Where on ``page`` the ``figure`` of ``sentence`` (a narrative fact's raw text) is printed:
        the sentence is found in the page's glyphs in reading order, then the figure within it."""
        if page in self.ocr_pages or not 1 <= page <= self.pages:
            return None
        with PDFIUM:
            glyphs = [char for line in line_glyphs(self.chars(page)) for char in line]
        text = "".join(char.text for char in glyphs)
        wanted = "".join(sentence.split())
        start = text.find(wanted)
        offset = wanted.find(figure) if start >= 0 else -1
        if offset < 0:
            return None
        found = glyphs[start + offset : start + offset + len(figure)]
        return box_of([(c.left, c.y - c.height / 2, c.right, c.y + c.height / 2) for c in found])

    @property
    def text(self) -> str:
        return "\n".join(page.text for page in self.triage.pages)

    @pdfium_serialised
    def segments(self) -> list[tuple[int | None, str]]:
        """Per-page text of the non-table pages, for the narrative, in visual order: lines rebuilt
        from glyph positions, since some producers put quote marks elsewhere in the text order."""
        readable = []
        for page in self.triage.pages:
            if page.kind in ("blank", "scanned"):
                continue
            if page.kind == "text" and page.number not in self.ocr_pages:
                lines = lines_of(self.chars(page.number))
                page = replace(page, text="\n".join(line.text for line in lines))
            readable.append(page)
        running = running_lines(readable)
        return [(p.number, narrative_text(p, running)) for p in readable if p.kind == "text"]

    @pdfium_serialised
    def table_groups(self) -> list[list[RawTable]]:
        digital = [
            p.number
            for p in self.triage.pages
            if p.kind in ("table", "continuation") and p.number not in self.ocr_pages
        ]
        scanned = [n for n, _ in sorted(self.ocr_pages.items()) if self._page(n).kind in ("table", "continuation")]
        found: list[PageTable] = []
        lines: dict[int, list[TextLine]] = {}
        with tempfile.TemporaryDirectory(prefix="juesuan-pdf-") as folder:
            path = Path(folder) / "report.pdf"
            path.write_bytes(self.data)
            lattice, missed = read_ruled_pages(self.loaded_pages, digital, self.chars)
            try:
                # Rules drawn in a way our reading of the paths missed: camelot's own layout pass.
                lattice += read_lattice(path, [n for n, rules in missed.items() if rules.could_hold_grid], self.chars)
                ruled = {t.page for t in lattice}
                unruled: dict[int, Area | None] = {n: rule_area(self.loaded_pages, n) for n in missed if n not in ruled}
                found.extend(lattice + read_stream(path, unruled, self.chars))
            except Exception as exc:  # a parser crash on one file quarantines that file, by name
                pages = ", ".join(map(str, digital))
                raise DocumentError(
                    self.source, f"camelot failed on pages {pages}: {exc.__class__.__name__}: {exc}"
                ) from exc
        for number in digital:
            lines[number] = lines_of(self.chars(number))
        for number in scanned:
            page = self.ocr_pages[number]
            found.extend(ocr.grid_tables(page))
            lines[number] = page.lines()
        empty = sorted(set(digital + scanned) - {t.page for t in found if t.page is not None})
        if empty:
            self.notes.append(f"pages {', '.join(map(str, empty))} look like table pages but no grid was found")
        return assemble(found, lines, {p.number for p in self.triage.pages if p.kind == "blank"})

    @pdfium_serialised
    def alternative_groups(self, pages: list[int]) -> dict[str, list[list[RawTable]]]:
        """Other readings of ``pages``, for a table whose first reading did not check out: camelot's
        own lattice parser (its layout pass finds rules drawn in ways the pdfium reading may miss)
        and the unruled reader (glyph rows, or camelot stream) — each assembled as its own tables."""
        digital = [n for n in pages if n not in self.ocr_pages]
        if not digital:
            return {}
        lines = {n: lines_of(self.chars(n)) for n in digital}
        readings: dict[str, list[list[RawTable]]] = {}
        with tempfile.TemporaryDirectory(prefix="juesuan-pdf-") as folder:
            path = Path(folder) / "report.pdf"
            path.write_bytes(self.data)
            try:
                readings["camelot-lattice"] = assemble(read_lattice(path, digital, self.chars), lines)
                areas: dict[int, Area | None] = {n: rule_area(self.loaded_pages, n) for n in digital}
                readings["stream"] = assemble(read_stream(path, areas, self.chars), lines)
            except Exception as exc:  # noqa: BLE001 - an alternative that crashes is no alternative
                log.warning("%s: alternative reading of pages %s failed: %s", self.source, digital, exc)
        return readings

    def _page(self, number: int) -> PageInfo:
        return self.triage.pages[number - 1]

    @pdfium_serialised
    def close(self) -> None:
        self.loaded_pages.close()
        self.document.close()


def read_pdf(source: str, data: bytes, *, use_ocr: bool | None = None) -> PdfReading:
    """Open and triage a PDF; OCR its scanned pages when an engine is available."""
    with PDFIUM:
        document = open_pdf(source, data)
        loaded_pages = PageCache(document)
        reading = PdfReading(
            source=source, data=data, document=document, loaded_pages=loaded_pages, triage=triage(loaded_pages)
        )
    scanned = reading.triage.scanned_pages
    if not scanned:
        return reading
    use_ocr = ocr.ocr_available() if use_ocr is None else use_ocr
    described = _describe_pages(scanned, reading.pages)
    if not use_ocr:
        if not reading.triage.table_pages:
            reading.close()
            raise DocumentError(
                source,
                f"scanned PDF: {described} have no text layer (images only) and no OCR engine is available "
                "(install rapidocr-onnxruntime, or unset JUESUAN_OCR=off)",
            )
        reading.notes.append(f"{described} are images without text and were not read (no OCR engine)")
        return reading
    log.info("%s: OCR of %s", source, described)
    for number in scanned:
        with PDFIUM:  # the rendering only: OCR reads the copied pixels without pdfium
            page = document[number - 1]
            try:
                height = page.get_height()
                ocr.check_render_size(source, number, page.get_width(), height)  # before the pixels exist
                image = page.render(scale=ocr.DPI / 72, grayscale=True).to_numpy().copy()
            finally:
                page.close()
        gray = image[:, :, 0] if image.ndim == 3 else image
        ocr_page = ocr.read_page_image(number, gray, height)
        reading.ocr_pages[number] = ocr_page
        info = reading.triage.pages[number - 1]
        info.text, info.chars = ocr_page.text, len(ocr_page.text)
    classify(reading.triage.pages)
    reading.notes.append(f"{described} read by OCR")
    return reading


def _describe_pages(pages: list[int], total: int) -> str:
    if len(pages) == total:
        return f"all {total} pages"
    return f"pages {', '.join(map(str, pages))}"
