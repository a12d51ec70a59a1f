"""Scanned pages: OCR with RapidOCR (ONNX models shipped inside the wheel, works offline).

A page without a text layer is rendered by pdfium and read twice:

* **words** — RapidOCR's detector and recogniser give text boxes; boxes on one baseline form a line.
  The lines are the page's text (titles, 金额单位, the narrative) with positions in PDF points.
* **grid** — the ruling lines are found in the picture (morphological opening with long thin
  kernels, OpenCV); every horizontal and vertical rule of a table gives a row or column boundary,
  so merged cells come out as in camelot's lattice: the text sits in one of the cells it spans.
  Each word goes to the cell that holds its centre.

Facts read this way carry ``extractor='ocr'``. When ``rapidocr_onnxruntime`` is not installed (or
``JUESUAN_OCR=off``), :func:`ocr_available` is false and the PDF strategy quarantines a scanned
report with that reason instead of reporting it as empty.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from juesuan.errors import DocumentError
from juesuan.extract.base import Cell, box_of
from juesuan.extract.document import document_limits, over_limit
from juesuan.extract.tables import PageTable, TextLine

log = logging.getLogger(__name__)
EXTRACTOR = "ocr"
DPI = 150
OCR_SWITCH = "JUESUAN_OCR"  # "off" disables OCR (e.g. to see how a machine without it behaves)
_NUMERAL = re.compile(r"[一二三四五六七八九十]{1,3}")
_MIN_TABLE_SIDE = 60  # pixels: smaller line structures are underlines or boxes, not tables
# A vertical rule is kept from this length up: taller than a 10 pt glyph's strokes, shorter than the
# rule beside a single header row (a column rule may show only there, merged cells hiding the rest).
_VERTICAL_RULE_PX = round(DPI / 72 * 10.5)


def check_render_size(source: str, number: int, width_pt: float, height_pt: float) -> None:
    """Refuse a page that would render to more pixels than the limit, before it is rendered.

    A few kilobytes of PDF can declare pages metres wide; rendered at :data:`DPI` for OCR each
    would take gigabytes (issue 13.11). The page's pixel area is known from its size in points.
    """
    scale = DPI / 72
    width, height = round(width_pt * scale), round(height_pt * scale)
    limit = document_limits().max_page_pixels
    if width * height > limit:
        what = f"page {number} ({width_pt:,.0f} × {height_pt:,.0f} pt) rendered at {DPI} dpi for OCR"
        raise DocumentError(
            source,
            over_limit(what, width * height / 1e6, limit / 1e6, "JUESUAN_MAX_PAGE_MEGAPIXELS", unit="megapixels"),
        )


def ocr_available() -> bool:
    if os.environ.get(OCR_SWITCH, "").lower() in ("off", "0", "false", "no"):
        return False
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


@dataclass(frozen=True)
class Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float  # pixels, origin top-left

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)


@dataclass
class OcrPage:
    number: int
    words: list[Word]
    image: np.ndarray  # grayscale
    height_pt: float

    @property
    def scale(self) -> float:
        return DPI / 72

    def lines(self) -> list[TextLine]:
        """Words on one baseline joined left to right, positions in PDF points."""
        rows: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: w.center[1]):
            if rows and abs(rows[-1][0].center[1] - word.center[1]) < (word.bottom - word.top) * 0.5:
                rows[-1].append(word)
            else:
                rows.append([word])
        lines = []
        for row in rows:
            row.sort(key=lambda w: w.left)
            top = min(w.top for w in row) / self.scale
            bottom = max(w.bottom for w in row) / self.scale
            lines.append(TextLine(" ".join(w.text for w in row), self.height_pt - top, self.height_pt - bottom))
        return lines

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())


def read_page_image(number: int, image: np.ndarray, height_pt: float) -> OcrPage:
    result, _ = _engine()(image, use_cls=False)  # pages are upright: skip the text-direction classifier
    words = []
    for box, text, _score in result or []:
        xs = [point[0] for point in box]
        ys = [point[1] for point in box]
        words.append(Word(str(text), min(xs), min(ys), max(xs), max(ys)))
    log.info("ocr: page %d, %d text boxes", number, len(words))
    return OcrPage(number, words, image, height_pt)


def _reading_order(words: list[Word]) -> str:
    """Words of one cell as read: lines top to bottom, each left to right ("一、" before its name,
    though the recogniser may box the numbering a pixel lower)."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.center[1]):
        if lines and abs(lines[-1][0].center[1] - word.center[1]) < (word.bottom - word.top) * 0.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    return "\n".join(_join_line(sorted(line, key=lambda w: w.left)) for line in lines)


def _join_line(words: list[Word]) -> str:
    """Boxes of one line joined; a box that is only a Chinese numeral before more text is list
    numbering whose 、 the recogniser dropped (二 | 政府性基金… → 二、政府性基金…)."""
    parts = []
    for index, word in enumerate(words):
        text = word.text
        if index + 1 < len(words) and _NUMERAL.fullmatch(text):
            text += "、"
        parts.append(text)
    return "".join(parts)


# --- the ruling grid ----------------------------------------------------------------------------------
def _positions(profile: np.ndarray, threshold: float) -> list[int]:
    """Centres of the runs where ``profile`` exceeds ``threshold`` (one per drawn rule)."""
    found: list[int] = []
    start: int | None = None
    for index, value in enumerate([*profile.tolist(), 0]):
        if value > threshold and start is None:
            start = index
        elif value <= threshold and start is not None:
            found.append((start + index - 1) // 2)
            start = None
    return found


def _masks(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    binary = (image < 160).astype(np.uint8) * 255
    width = binary.shape[1]
    horizontal = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, width // 25), 1))
    )
    vertical = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _VERTICAL_RULE_PX))
    )
    return horizontal, vertical


def _drawn(mask: np.ndarray, fixed: int, start: int, end: int, *, horizontal: bool) -> bool:
    """Whether a rule runs along ``fixed`` (a row's y or a column's x) over most of ``start``–``end``."""
    inset = max(2, (end - start) // 10)
    if horizontal:
        band = mask[max(0, fixed - 3) : fixed + 4, start + inset : end - inset]
        covered = (band > 0).any(axis=0)
    else:
        band = mask[start + inset : end - inset, max(0, fixed - 3) : fixed + 4]
        covered = (band > 0).any(axis=1)
    return bool(covered.size) and float(covered.mean()) > 0.6


def _merged_cells(
    horizontal: np.ndarray, vertical: np.ndarray, rows_at: list[int], cols_at: list[int]
) -> list[list[tuple[int, int]]]:
    """For every grid cell, the top-left cell of the merged cell it belongs to (no rule between them)."""
    owner: list[list[tuple[int, int]]] = []
    for r in range(len(rows_at) - 1):
        owners: list[tuple[int, int]] = []
        for c in range(len(cols_at) - 1):
            rule_left = _drawn(vertical, cols_at[c], rows_at[r], rows_at[r + 1], horizontal=False)
            rule_above = _drawn(horizontal, rows_at[r], cols_at[c], cols_at[c + 1], horizontal=True)
            if c > 0 and not rule_left:
                owners.append(owners[c - 1])
            elif r > 0 and not rule_above:
                owners.append(owner[r - 1][c])
            else:
                owners.append((r, c))
        owner.append(owners)
    return owner


def _positioned(page: OcrPage, words: list[Word]) -> str:
    """The words of one cell in reading order, as a :class:`~.base.Cell` with their box in PDF points."""
    text = _reading_order(words)
    if not words:
        return text
    scale, height = page.scale, page.height_pt
    box = box_of([(w.left / scale, height - w.bottom / scale, w.right / scale, height - w.top / scale) for w in words])
    return Cell(text, page.number, box)


def grid_tables(page: OcrPage) -> list[PageTable]:
    """The ruled tables of a scanned page, filled with the OCR words inside each cell."""
    import cv2

    horizontal, vertical = _masks(page.image)
    joined = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    tables = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < _MIN_TABLE_SIDE * 3 or h < _MIN_TABLE_SIDE:
            continue
        h_region = horizontal[y : y + h, x : x + w]
        v_region = vertical[y : y + h, x : x + w]
        rows_at = [y + p for p in _positions((h_region > 0).sum(axis=1), w * 0.1)]
        cols_at = [x + p for p in _positions((v_region > 0).sum(axis=0), _VERTICAL_RULE_PX - 2)]
        if len(rows_at) < 2 or len(cols_at) < 2:
            continue
        owner = _merged_cells(horizontal, vertical, rows_at, cols_at)
        cells: dict[tuple[int, int], list[Word]] = {}
        for word in page.words:
            cx, cy = word.center
            row = next((i for i in range(len(rows_at) - 1) if rows_at[i] <= cy < rows_at[i + 1]), None)
            col = next((j for j in range(len(cols_at) - 1) if cols_at[j] <= cx < cols_at[j + 1]), None)
            if row is not None and col is not None:
                cells.setdefault(owner[row][col], []).append(word)
        grid: list[list[str]] = [
            [_positioned(page, cells.get((r, c), [])) for c in range(len(cols_at) - 1)] for r in range(len(rows_at) - 1)
        ]
        tables.append(
            PageTable(
                page=page.number,
                rows=grid,
                extractor=EXTRACTOR,
                top=page.height_pt - y / page.scale,
                bottom=page.height_pt - (y + h) / page.scale,
                parsing_report={"rows": len(grid), "cols": len(grid[0]), "words": len(page.words)},
            )
        )
    return tables
