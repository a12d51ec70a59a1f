"""Cheap page triage of a PDF with pypdfium2, before any table parser runs.

For every page it reads the text layer and counts the page objects (text, drawn paths, images): well
under a millisecond a page. From that it tells

* ``table`` pages — a line of the page is the title of a standard table (by title, never 公开NN);
* ``continuation`` pages — no title, right after a table page, and either marked 续表 or made of
  rows of figures: the table above goes on;
* ``scanned`` pages — no text layer but an image: only OCR can read them;
* ``text`` pages — everything else (cover, contents, 情况说明): the narrative reads them;
* ``blank`` pages.

camelot then runs on table and continuation pages only, with ``pages=`` set to exactly those.

The same module opens the document and turns pdfium's failures into specific errors: a PDF that
needs a password, one cut short (no ``%%EOF``), one with no pages, one pdfium cannot parse at all.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ParamSpec, TypeAlias, TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from juesuan.errors import DocumentError
from juesuan.extract.tables import TextLine, as_title
from juesuan.extract.text import clean_cell

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

PAGE_KINDS = ("table", "continuation", "text", "scanned", "blank")
_CONTINUED = re.compile(r"续表|（续）|\(续\)")
_FIGURE = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*(?:\.\d{1,2})(?![\d.])|(?<![\d.])\d+\.\d{2}(?![\d.])")
#: An amount as tables print it, with decimals or thousands separators (budgets in 元 print integers).
_AMOUNT = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2})(?![\d.,])")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")
_NOTE = re.compile(r"^(?:注|说明|备注)\d*[:：]")
# A line this short may be half of a title wrapped over two lines.
_TITLE_PART = 30
# A page naming this many standard tables and printing no figure is a table of contents.
_CONTENTS_TITLES = 3
# A page whose figure-bearing lines are this share of its lines holds a table, not prose.
_TABULAR_SHARE = 0.4
_EOF_WINDOW = 2048
#: pdfium is not thread-safe, not even across documents (pypdfium2's documentation: concurrent calls
#: crash or corrupt the process). The nightly flow extracts documents on a thread pool, so every use of
#: pdfium in this process holds this lock; work that does not touch pdfium (OCR inference, mapping) runs
#: outside it.
PDFIUM = threading.RLock()


def pdfium_serialised(method: Callable[P, R]) -> Callable[P, R]:
    """``method`` run while holding :data:`PDFIUM`."""

    @functools.wraps(method)
    def serialised(*args: P.args, **kwargs: P.kwargs) -> R:
        with PDFIUM:
            return method(*args, **kwargs)

    return serialised


_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b")
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)\b")
# A page after a table with this many drawn paths and no sentence is the table's next page.
_RULED_PATHS = 8
_MIN_RULE_WIDTH = 150.0  # points: a table rule, not an underline
_HEADER_ZONE = 60.0  # points from the top edge where running headers and their rules sit

# pdfium's FPDF_GetLastError codes (fpdfview.h) as the reasons they stand for.
_PDFIUM_ERRORS = {
    pdfium_c.FPDF_ERR_FORMAT: "not a valid PDF (damaged or not a PDF at all)",
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted PDF: a password is needed to open it",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted PDF with an unsupported security handler",
    pdfium_c.FPDF_ERR_FILE: "the PDF file cannot be read",
}


@dataclass
class PageInfo:
    """What triage learned about one page (1-based ``number``)."""

    number: int
    text: str
    chars: int
    paths: int
    images: int
    kind: str = "text"
    titles: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass
class Triage:
    pages: list[PageInfo]

    def of_kind(self, *kinds: str) -> list[PageInfo]:
        return [p for p in self.pages if p.kind in kinds]

    @property
    def table_pages(self) -> list[int]:
        return [p.number for p in self.of_kind("table", "continuation")]

    @property
    def scanned_pages(self) -> list[int]:
        return [p.number for p in self.of_kind("scanned")]


def open_pdf(source: str, data: bytes) -> pdfium.PdfDocument:
    """The document opened by pdfium; a clear :class:`DocumentError` for every way it can fail."""
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise DocumentError(source, "truncated PDF: no %%EOF end marker (the download was probably cut short)")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = pdfium_c.FPDF_GetLastError()
        if _PAGE_TREE.search(data) and not _PAGE_OBJECT.search(data):
            raise DocumentError(source, "the PDF has no pages") from exc  # pdfium refuses an empty page tree
        reason = _PDFIUM_ERRORS.get(code, f"damaged PDF: pdfium cannot open it ({exc})")
        raise DocumentError(source, reason) from exc
    if len(document) == 0:
        document.close()
        raise DocumentError(source, "the PDF has no pages")
    return document


class PageCache:
    """A document's pages, each loaded once for every reader of it (triage, glyphs, rules): for the
    heavy pages some producers write, loading a page costs more than reading it."""

    def __init__(self, document: pdfium.PdfDocument) -> None:
        self.document = document
        self._pages: dict[int, pdfium.PdfPage] = {}
        self._textpages: dict[int, pdfium.PdfTextPage] = {}

    def __len__(self) -> int:
        return len(self.document)

    def __getitem__(self, number: int) -> pdfium.PdfPage:
        """Page ``number`` (1-based)."""
        if number not in self._pages:
            self._pages[number] = self.document[number - 1]
        return self._pages[number]

    def textpage(self, number: int) -> pdfium.PdfTextPage:
        """Page ``number``'s text layer, loaded once (triage and the glyph readers both read it)."""
        if number not in self._textpages:
            self._textpages[number] = self[number].get_textpage()
        return self._textpages[number]

    def close(self) -> None:
        for textpage in self._textpages.values():
            textpage.close()
        self._textpages.clear()
        for page in self._pages.values():
            page.close()
        self._pages.clear()


Pages: TypeAlias = pdfium.PdfDocument | PageCache


@contextmanager
def loaded(source: Pages, number: int) -> Iterator[pdfium.PdfPage]:
    """Page ``number`` (1-based) of a document (loaded for the block) or of a cache (kept loaded)."""
    if isinstance(source, PageCache):
        yield source[number]
        return
    page = source[number - 1]
    try:
        yield page
    finally:
        page.close()


@contextmanager
def text_layer(source: Pages, number: int) -> Iterator[pdfium.PdfTextPage]:
    """Page ``number``'s text layer: the cache's (kept loaded), or one loaded for the block."""
    if isinstance(source, PageCache):
        yield source.textpage(number)
        return
    with loaded(source, number) as page:
        textpage = page.get_textpage()
        try:
            yield textpage
        finally:
            textpage.close()


def _count_objects(page: pdfium.PdfPage) -> tuple[int, int]:
    paths = images = 0
    for index in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        kind = pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(page.raw, index))
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
    return paths, images


def read_page(source: Pages, index: int) -> PageInfo:
    with text_layer(source, index + 1) as textpage:
        text = textpage.get_text_range()
        chars = textpage.count_chars()
    with loaded(source, index + 1) as page:
        paths, images = _count_objects(page)
    return PageInfo(number=index + 1, text=text, chars=chars, paths=paths, images=images)


def standard_titles(lines: list[str]) -> list[str]:
    """The lines that are the title of a standard table; a title wrapped onto two lines counts once."""
    titles = []
    skip = False
    for index, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if (title := as_title(line)) is not None:
            titles.append(title)
        elif index + 1 < len(lines) and max(len(line), len(lines[index + 1])) <= _TITLE_PART:
            if (joined := as_title(line + lines[index + 1])) is not None:
                titles.append(joined)
                skip = True
    return titles


def _body_lines(lines: list[str]) -> list[str]:
    """A page's lines without page numbers and without a table's notes (注：本表反映…。), which end
    in 。 like prose but belong to the table above them."""
    return [line for line in lines if not _PAGE_NUMBER.match(line) and not _NOTE.match(clean_cell(line))]


def has_prose(lines: list[str]) -> bool:
    """A sentence of running text (not a table's note) is on the page."""
    return any(line.endswith("。") for line in _body_lines(lines))


def is_tabular(lines: list[str]) -> bool:
    """Rows of figures rather than sentences."""
    body = _body_lines(lines)
    if not body or has_prose(lines):
        return False
    with_figures = sum(1 for line in body if _FIGURE.search(line))
    return with_figures >= 2 and with_figures / len(body) >= _TABULAR_SHARE


def _last_row(lines: list[str], paths: int) -> bool:
    """A page holding one ruled row of figures only: the last row of the table before it (its 合计)."""
    body = _body_lines(lines)
    return len(body) == 1 and len(_AMOUNT.findall(body[0])) >= 2 and paths >= 4


def is_contents(lines: list[str], titles: list[str]) -> bool:
    """A table of contents: it names several standard tables and prints no figure of them."""
    return len(titles) >= _CONTENTS_TITLES and not any(_FIGURE.search(line) for line in _body_lines(lines))


def classify(pages: list[PageInfo]) -> None:
    """Set each page's ``kind`` and ``titles`` (in place)."""
    previous = "text"
    for page in pages:
        lines = page.lines
        if page.chars == 0 or not clean_cell(page.text):
            page.kind = "scanned" if page.images else "blank"
        else:
            titles = standard_titles(lines)
            if titles and not is_contents(lines, titles):
                page.titles = titles
                page.kind = "table"
            elif previous in ("table", "continuation") and (
                any(_CONTINUED.search(line) for line in lines[:6])
                or is_tabular(lines)
                or (page.paths >= _RULED_PATHS and not has_prose(lines))
                or _last_row(lines, page.paths)
            ):
                page.kind = "continuation"
            else:
                page.kind = "text"
        if page.kind != "blank":  # an empty page inside a long table does not end it
            previous = page.kind


def triage(source: Pages) -> Triage:
    pages = [read_page(source, index) for index in range(len(source))]
    classify(pages)
    counts = {kind: sum(1 for p in pages if p.kind == kind) for kind in PAGE_KINDS}
    log.info("triage: %d pages %s", len(pages), ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    return Triage(pages)


def running_lines(pages: list[PageInfo]) -> set[str]:
    """Running headers/footers: lines printed on at least half of the text pages (3 or more)."""
    counts: dict[str, int] = {}
    for page in pages:
        for line in set(page.lines):
            counts[line] = counts.get(line, 0) + 1
    threshold = max(3, len(pages) // 2)
    return {line for line, n in counts.items() if n >= threshold}


def narrative_text(page: PageInfo, running: set[str]) -> str:
    """A page's text for the narrative: without running headers/footers and page numbers."""
    kept = [
        line
        for line in page.text.splitlines()
        if line.strip() not in running and not _PAGE_NUMBER.match(line.strip() or "x")
    ]
    return "\n".join(kept)


@dataclass(frozen=True)
class Char:
    """One glyph: its text, the centre of its box and its baseline (PDF points)."""

    text: str
    x: float
    y: float
    baseline: float
    height: float
    left: float
    right: float


Point = tuple[float, float]


def display_transform(page: pdfium.PdfPage) -> Callable[[float, float], Point] | None:
    """From page space to the page as displayed, for a page with a /Rotate (None when upright).

    pdfium reports glyph boxes and path points in the unrotated page space; a landscape table
    printed on a portrait page turned by /Rotate 90 runs upwards there. Every reader works on the
    displayed page, where text lines are horizontal."""
    rotation = page.get_rotation() % 360
    if not rotation:
        return None
    width, height = page.get_width(), page.get_height()
    if page.get_rotation() in (90, 270):
        width, height = height, width  # get_width/height already give the displayed size
    if rotation == 90:
        return lambda x, y: (y, width - x)
    if rotation == 180:
        return lambda x, y: (width - x, height - y)
    return lambda x, y: (height - y, x)


def _turned(char: Char, turn: Callable[[float, float], Point], origin: Point) -> Char:
    corners = [
        turn(x, y) for x in (char.left, char.right) for y in (char.y - char.height / 2, char.y + char.height / 2)
    ]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return Char(
        char.text,
        (min(xs) + max(xs)) / 2,
        (min(ys) + max(ys)) / 2,
        turn(*origin)[1],
        max(ys) - min(ys),
        min(xs),
        max(xs),
    )


def page_chars(source: Pages, number: int) -> list[Char]:
    """Every visible glyph of a page, once (text runs can overlap; glyphs do not), in the displayed
    page's coordinates. Read through pdfium's C functions directly: a few milliseconds for a full page."""
    with loaded(source, number) as page:
        turn = display_transform(page)
    with text_layer(source, number) as textpage:
        raw = textpage.raw
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        x, y = ctypes.c_double(), ctypes.c_double()
        chars = []
        for index in range(pdfium_c.FPDFText_CountChars(raw)):
            text = chr(pdfium_c.FPDFText_GetUnicode(raw, index))
            if not text.strip() or not pdfium_c.FPDFText_GetCharBox(raw, index, left, right, bottom, top):
                continue
            pdfium_c.FPDFText_GetCharOrigin(raw, index, x, y)
            char = Char(
                text,
                (left.value + right.value) / 2,
                (bottom.value + top.value) / 2,
                y.value,
                top.value - bottom.value,
                left.value,
                right.value,
            )
            chars.append(char if turn is None else _turned(char, turn, (x.value, y.value)))
    return chars


def lines_of(chars: list[Char]) -> list[TextLine]:
    """The text lines of a page with their vertical extent (to place titles and units around grids):
    glyphs on one baseline, split where a gap wider than two glyphs separates them."""
    return [_line(glyphs) for glyphs in line_glyphs(chars)]


def line_glyphs(chars: list[Char]) -> list[list[Char]]:
    """The glyphs of each text line of :func:`lines_of`, in the same order."""
    rows: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: -c.baseline):
        if rows and abs(rows[-1][0].baseline - char.baseline) <= 2.0:
            rows[-1].append(char)
        else:
            rows.append([char])
    lines: list[list[Char]] = []
    for row in rows:
        line_height = max(c.height for c in row)  # of the line: a quote mark's own box is tiny
        row.sort(key=lambda c: c.left)
        current = [row[0]]
        for char in row[1:]:
            if char.left - current[-1].right > 2 * max(line_height, 2.0):
                lines.append(current)
                current = []
            current.append(char)
        lines.append(current)
    return lines


def page_lines(source: Pages, number: int) -> list[TextLine]:
    return lines_of(page_chars(source, number))


def _line(chars: list[Char]) -> TextLine:
    tops = [c.y + c.height / 2 for c in chars]
    bottoms = [c.y - c.height / 2 for c in chars]
    return TextLine(text="".join(c.text for c in chars), top=max(tops), bottom=min(bottoms))


def rule_area(source: Pages, number: int) -> tuple[float, float, float, float] | None:
    """The area spanned by a page's horizontal table rules (not the running-header rule), if any."""
    with loaded(source, number) as page:
        height = page.get_height()
        turn = display_transform(page)
        rules = []
        for index in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
            obj = pdfium_c.FPDFPage_GetObject(page.raw, index)
            if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            left, bottom, right, top = (ctypes.c_float() for _ in range(4))
            pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
            if turn is not None:
                (x0, y0), (x1, y1) = turn(x0, y0), turn(x1, y1)
                x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            is_rule = y1 - y0 < 3 and x1 - x0 > _MIN_RULE_WIDTH
            if is_rule and y1 < height - _HEADER_ZONE:
                rules.append((x0, y1, x1, y0))
    if len(rules) < 2:
        return None
    return (
        min(r[0] for r in rules) - 2,
        max(r[1] for r in rules) + 2,
        max(r[2] for r in rules) + 2,
        min(r[3] for r in rules) - 2,
    )
