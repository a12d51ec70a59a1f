"""Ruled tables: camelot's lattice parser with the vector engine, on the pages triage chose.

``engine="vector"`` reads the ruling lines the PDF draws instead of rendering the page and finding
them in the picture (the default raster engine): about ten times cheaper, the same cells for tables
whose rules are real vector strokes — which is how office software draws them. Pages are always
passed explicitly (camelot's default is page 1 only). A page where no ruled table is found is
returned to the caller, who tries the stream parser on it.

camelot supplies the cell grid (cells and which of their edges are drawn); the text of each cell is
then taken from pdfium's glyph boxes, each character going to the cell that holds its centre. Office
suites write fonts whose declared ascent and descent put a line's text box half a row off, which
moved figures into the row above in camelot's own text assignment; glyph centres do not move. A
cell whose right edge is not drawn is merged with its neighbour, and the merged cell's text is kept
in its first cell — the shape the mapping expects of merged header and 合计 cells.
"""

from __future__ import annotations

import bisect
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import camelot

from juesuan.extract.base import Cell, box_of
from juesuan.extract.pdf_triage import Char
from juesuan.extract.tables import PageTable

log = logging.getLogger(__name__)
EXTRACTOR = "camelot-lattice"


def page_spec(pages: list[int]) -> str:
    return ",".join(str(p) for p in sorted(set(pages)))


def _cell_text(chars: list[Char]) -> str:
    """Characters in reading order: lines top to bottom, each left to right."""
    lines: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: -c.baseline):
        if lines and abs(lines[-1][0].baseline - char.baseline) <= 2.0:
            lines[-1].append(char)
        else:
            lines.append([char])
    return "\n".join("".join(c.text for c in sorted(line, key=lambda c: c.x)) for line in lines)


def glyph_cell(chars: list[Char], page: int | None) -> Cell:
    """A cell's text in reading order, with its page and the box of its glyphs."""
    box = box_of([(c.left, c.y - c.height / 2, c.right, c.y + c.height / 2) for c in chars])
    return Cell(_cell_text(chars), page, box)


def fill_cells(cells: list[list[Any]], chars: list[Char], page: int | None = None) -> list[list[str]]:
    """The grid's text from glyph centres; a merged cell's text (over columns or rows) goes to its
    top-left cell. Cells are merged where the rule between them is not drawn. Each cell is a
    :class:`~.base.Cell` that knows ``page`` and the box of its glyphs."""
    owner: list[list[tuple[int, int]]] = []
    for r, row in enumerate(cells):
        owners: list[tuple[int, int]] = []
        for c, cell in enumerate(row):
            if c > 0 and not row[c - 1].right and not cell.left:
                owners.append(owners[c - 1])
            elif r > 0 and c < len(cells[r - 1]) and not cells[r - 1][c].bottom and not cell.top:
                owners.append(owner[r - 1][c])
            else:
                owners.append((r, c))
        owner.append(owners)
    found: dict[tuple[int, int], list[Char]] = {}
    # Rows run top to bottom and columns left to right, so each glyph's cell is two bisections away.
    row_cells = [(r, row) for r, row in enumerate(cells) if row]
    tops = [-max(row[0].y1, row[0].y2) for _, row in row_cells]
    lefts = [[cell.x1 for cell in row] for _, row in row_cells]
    for char in chars:
        index = bisect.bisect_right(tops, -char.y) - 1
        if index < 0:
            continue
        r, row = row_cells[index]
        if char.y < min(row[0].y1, row[0].y2):
            continue
        c = bisect.bisect_right(lefts[index], char.x) - 1
        if c >= 0 and char.x <= row[c].x2:
            found.setdefault(owner[r][c], []).append(char)
    return [[glyph_cell(found.get((r, c), []), page) for c in range(len(row))] for r, row in enumerate(cells)]


def read_lattice(path: Path, pages: list[int], chars_of: Callable[[int], list[Char]] | None = None) -> list[PageTable]:
    """Every ruled table on ``pages`` with camelot's parsing report (accuracy, whitespace)."""
    if not pages:
        return []
    with warnings.catch_warnings():
        # camelot warns once per page without a table; triage already expects some such pages.
        warnings.simplefilter("ignore", UserWarning)
        found = camelot.read_pdf(str(path), pages=page_spec(pages), flavor="lattice", engine="vector")
    tables = []
    for table in found:
        _, y1, _, y2 = table._bbox
        report = dict(table.parsing_report)
        tables.append(
            PageTable(
                page=int(table.page),
                rows=(
                    fill_cells(table.cells, chars_of(int(table.page)), int(table.page))
                    if chars_of is not None
                    else table.df.astype(str).values.tolist()
                ),
                extractor=EXTRACTOR,
                top=float(max(y1, y2)),
                bottom=float(min(y1, y2)),
                parsing_report={k: v for k, v in report.items() if isinstance(v, int | float | str)},
                columns=[(float(left), float(right)) for left, right in table.cols],
            )
        )
    log.info("lattice (vector): %d table(s) on pages %s", len(tables), page_spec(pages))
    return tables
