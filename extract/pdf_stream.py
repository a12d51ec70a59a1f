"""Unruled tables: rows of glyphs inside the area the table's own rules mark, camelot stream otherwise.

Reports without a cell grid still draw a few horizontal rules (the three-line table: above and below
the header, under the last row). Triage finds them with pdfium; their extent is the table's area, so
the title, the 编制单位 line and running headers never become rows.

The columns come from the gutters no glyph covers in that area (:func:`column_separators`); otherwise
a table with a single body row would get only the columns of its widest row. With area and columns
known, the rows are the text lines of the area (:func:`glyph_rows`) — what camelot's stream parser
returns for the same area and columns (a test compares them on every sample page), at a fraction of
its cost, since camelot lays out the whole page first. Where no area or no gutter is found, camelot's
stream parser reads the page itself. A header centred over two columns can still form a column of its own, and stream
parsing can set a header apart from the figures under it: :func:`merge_split_columns` joins two
adjacent columns that never both hold text in one row when one of them holds header text only.
"""

from __future__ import annotations

import bisect
import logging
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import camelot

from juesuan.extract.base import Cell
from juesuan.extract.pdf_lattice import glyph_cell
from juesuan.extract.pdf_triage import Char
from juesuan.extract.tables import PageTable, whitespace

log = logging.getLogger(__name__)
EXTRACTOR = "camelot-stream"
GLYPH_EXTRACTOR = "pdfium-stream"
_SAME_LINE = 2.0  # points between baselines of one text line
_BODY_FIGURE = re.compile(r"^-?[\d,]+\.\d+$")
_COLUMN_NUMBER = re.compile(r"^\d{1,2}$")

Area = tuple[float, float, float, float]  # x1, y_top, x2, y_bottom in PDF points


def _body_start(rows: list[list[str]]) -> int:
    """The row after the column-number row (栏次 1 2 3 …), else the first row with a decimal figure."""
    for index, row in enumerate(rows):
        cells = [cell.replace(" ", "") for cell in row if cell.strip()]
        numbers = [cell for cell in cells if _COLUMN_NUMBER.match(cell)]
        if any(cell in ("栏次", "行次") for cell in cells) or (len(numbers) >= 3 and len(numbers) == len(cells)):
            return index + 1
    for index, row in enumerate(rows):
        if any(_BODY_FIGURE.match(cell.replace(" ", "")) for cell in row):
            return index
    return len(rows)


def _occupancy(rows: list[list[str]], col: int, start: int) -> tuple[bool, bool]:
    in_header = any(row[col].strip() for row in rows[:start])
    in_body = any(row[col].strip() for row in rows[start:])
    return in_header, in_body


def _header_rows(grid: list[list[str]], col: int, start: int) -> set[int]:
    return {r for r in range(start) if grid[r][col].strip()}


def _joinable(grid: list[list[str]], col: int, start: int, rule: int) -> bool:
    """Whether columns ``col`` and ``col + 1`` are one column, under merge rule 0, 1 or 2."""
    if any(row[col].strip() and row[col + 1].strip() for row in grid):
        return False
    (left_head, left_body), (right_head, right_body) = _occupancy(grid, col, start), _occupancy(grid, col + 1, start)
    left_header_only, right_header_only = left_head and not left_body, right_head and not right_body
    if rule == 0:  # two header-only columns: a spanned header (项目, 栏次) beside its column's header
        return left_header_only and right_header_only
    if rule == 1:  # a header beside the figures under it
        return (left_header_only and right_body and not right_head) or (
            right_header_only and left_body and not left_head
        )
    # a header beside a column whose only other header text is a group label above it (支出 over 合计)
    for header_only, other in ((col, col + 1), (col + 1, col)):
        head_only, body = _occupancy(grid, header_only, start), _occupancy(grid, other, start)
        if head_only == (True, False) and body[1]:
            above = _header_rows(grid, other, start)
            if above and max(above) < min(_header_rows(grid, header_only, start)):
                return True
    return False


def merge_split_columns(rows: list[list[str]]) -> list[list[str]]:
    """Join adjacent columns that never both hold text in one row and of which one holds header text
    only — safest joins first: two header-only columns; a header and the figures under it; a header
    and a column whose own header is a group label above it. A header-only column holds no figure, so
    no join can move a fact."""
    if not rows:
        return rows
    width = max(len(row) for row in rows)
    grid = [row + [""] * (width - len(row)) for row in rows]
    start = _body_start(grid)
    for rule in (0, 1, 2):
        col = 0
        while col + 1 < len(grid[0]):
            if _joinable(grid, col, start, rule):
                for row in grid:
                    row[col] = row[col] or row[col + 1]
                    del row[col + 1]
                continue  # the merged column may pair with the next one too
            col += 1
    return grid


def column_separators(chars: list[Char], area: Area) -> list[float]:
    """x positions between the table's columns: the middles of the vertical gaps that no glyph in
    the area covers. Header text is centred over its column and figures are right-aligned in it, so
    each column's glyphs overlap into one band; a band-free strip wider than a glyph is a gutter."""
    x1, top, x2, bottom = area
    inside = [c for c in chars if x1 <= c.x <= x2 and bottom <= c.y <= top]
    if not inside:
        return []
    gutter = 0.8 * sorted(c.height for c in inside)[len(inside) // 2]
    separators = []
    reach = None
    for char in sorted(inside, key=lambda c: c.left):
        if reach is not None and char.left - reach >= gutter:
            separators.append((reach + char.left) / 2)
        reach = char.right if reach is None else max(reach, char.right)
    return separators


def glyph_rows(chars: list[Char], area: Area, separators: list[float], page: int | None = None) -> list[list[str]]:
    """The table's rows from its glyphs: one row per text line (glyphs on one baseline), each glyph in
    the column its centre falls in. Exactly what camelot's stream parser makes of the same area and
    columns (checked on every unruled sample page), without camelot's page-layout pass."""
    x1, top, x2, bottom = area
    lines: list[list[Char]] = []
    for char in sorted((c for c in chars if x1 <= c.x <= x2 and bottom <= c.y <= top), key=lambda c: -c.baseline):
        if lines and abs(lines[-1][0].baseline - char.baseline) <= _SAME_LINE:
            lines[-1].append(char)
        else:
            lines.append([char])
    rows = []
    for line in lines:
        cells: list[list[Char]] = [[] for _ in range(len(separators) + 1)]
        for char in line:
            cells[bisect.bisect_left(separators, char.x)].append(char)
        rows.append([glyph_cell(sorted(cell, key=lambda c: c.x), page) for cell in cells])
    return rows


def _glyph_table(page: int, chars: list[Char], area: Area, separators: list[float]) -> PageTable:
    rows = merge_split_columns(glyph_rows(chars, area, separators, page))
    report: dict[str, float | int | str] = {
        "whitespace": whitespace(rows),
        "order": 1,
        "page": page,
        "columns": len(separators) + 1,
    }
    return PageTable(
        page=page, rows=rows, extractor=GLYPH_EXTRACTOR, top=area[1], bottom=area[3], parsing_report=report
    )


def _positioned(table: Any, page: int) -> list[list[str]]:
    """camelot's cell texts as :class:`~.base.Cell` with its cells' rectangles (PDF points)."""
    texts = table.df.astype(str).values.tolist()
    return [
        [
            Cell(text, page, (cell.x1, cell.y1, cell.x2, cell.y2)) if text.strip() else text
            for text, cell in zip(row, cells, strict=False)
        ]
        for row, cells in zip(texts, table.cells, strict=False)
    ]


def read_stream(
    path: Path, pages: dict[int, Area | None], chars_of: Callable[[int], list[Char]] | None = None
) -> list[PageTable]:
    """Tables on unruled ``pages`` (page → table area, or None to let camelot find it).

    With the area and the page's glyphs at hand the columns are known (:func:`column_separators`)
    and the rows are the text lines: :func:`glyph_rows` assembles the table. Without an area, or
    where no gutter separates columns, camelot's stream parser finds the table itself."""
    tables: list[PageTable] = []
    for page, area in sorted(pages.items()):
        separators = column_separators(chars_of(page), area) if chars_of is not None and area is not None else []
        if area is not None and chars_of is not None and separators:
            tables.append(_glyph_table(page, chars_of(page), area, separators))
            continue
        kwargs: dict[str, object] = {}
        if area is not None:
            kwargs["table_areas"] = [",".join(f"{v:.1f}" for v in area)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            found = camelot.read_pdf(str(path), pages=str(page), flavor="stream", **kwargs)
        for table in found:
            _, y1, _, y2 = table._bbox
            report = {k: v for k, v in dict(table.parsing_report).items() if isinstance(v, int | float | str)}
            tables.append(
                PageTable(
                    page=page,
                    rows=merge_split_columns(_positioned(table, page)),
                    extractor=EXTRACTOR,
                    top=float(max(y1, y2)),
                    bottom=float(min(y1, y2)),
                    parsing_report=report,
                )
            )
    log.info("stream: %d table(s) on %d page(s)", len(tables), len(pages))
    return tables
