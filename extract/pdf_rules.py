"""Ruled tables from the page's drawing: rules read from pdfium's path objects, grids built by camelot.

camelot's lattice parser with ``engine="vector"`` spends nearly all of its time in its page-layout
pass (playa's ``extract_page``), which lays out every glyph of the page to find the ruling lines
among them — text juesuan then ignores, since cell text comes from pdfium's glyph boxes
(:mod:`.pdf_lattice`). This strategy reads the rules straight from pdfium's path objects, with the
rules camelot's vector engine recognises (stroked lines, the edges of stroked rectangles, thin filled
rectangles), and hands them to camelot's own lattice geometry: collinear pieces coalesced, crossing
lines clustered into tables and joints (``find_joints_from_lines``), anchors merged, cells and their
drawn edges set (``Table.set_edges`` / ``set_border``). Only the layout pass is skipped.

A page whose rules do not form a grid here is handed back: the caller runs camelot's own lattice
parser on it (and stream after that), so nothing is lost when a producer draws rules some other way.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c
from camelot.core import Table
from camelot.image_processing import coalesce_collinear_lines, find_joints_from_lines
from camelot.utils import merge_close_lines, segments_in_bbox

from juesuan.extract.pdf_lattice import EXTRACTOR, fill_cells
from juesuan.extract.pdf_triage import Char, Pages, display_transform, loaded
from juesuan.extract.tables import PageTable, whitespace

log = logging.getLogger(__name__)

LINE_SOURCE = "pdfium"
# camelot's own tolerances (lattice parser defaults and its vector engine's constants), so that the
# same drawing gives the same grid as camelot's layout pass would.
_AXIS_TOL = 0.5  # a segment this close to horizontal/vertical is a rule
_THIN_RECT = 1.5  # a filled rectangle this thin is a rule
_LINE_TOL = 2.0
_JOINT_TOL = 2.0
_MAX_WHITESPACE = 90.0  # camelot drops grids emptier than this: page borders, not tables

Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rules:
    """A page's ruling lines in PDF points: horizontal ``(x0, y, x1, y)``, vertical ``(x, y0, x, y1)``."""

    horizontal: list[Segment]
    vertical: list[Segment]

    @property
    def could_hold_grid(self) -> bool:
        """Two rules each way at least: otherwise no lattice parser can find a grid here."""
        return len(self.horizontal) >= 2 and len(self.vertical) >= 2


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _matrix(obj: pdfium_c.FPDF_PAGEOBJECT, outer: Matrix) -> Matrix:
    """The object's matrix followed by ``outer`` (the enclosing forms' matrices): object space to page."""
    m = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, m)
    a, b, c, d, e, f = outer
    return (
        m.a * a + m.b * c,
        m.a * b + m.b * d,
        m.c * a + m.d * c,
        m.c * b + m.d * d,
        m.e * a + m.f * c + e,
        m.e * b + m.f * d + f,
    )


def _points(obj: pdfium_c.FPDF_PAGEOBJECT, matrix: Matrix) -> Iterator[tuple[int, float, float, bool]]:
    """The path's points in page space: (segment type, x, y, closes the subpath)."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    for index in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        yield (
            pdfium_c.FPDFPathSegment_GetType(segment),
            a * x.value + c * y.value + e,
            b * x.value + d * y.value + f,
            bool(pdfium_c.FPDFPathSegment_GetClose(segment)),
        )


def _edges(obj: pdfium_c.FPDF_PAGEOBJECT, matrix: Matrix) -> Iterator[Segment]:
    """Straight edges of a stroked path (curves are not rules)."""
    start = current = None
    for kind, x, y, closes in _points(obj, matrix):
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = current = (x, y)
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            yield (current[0], current[1], x, y)
            current = (x, y)
        else:  # a Bézier control or end point: no rule here
            current = (x, y)
        if closes and start is not None and current is not None:
            yield (current[0], current[1], start[0], start[1])
            current = start


def _thin_fill(obj: pdfium_c.FPDF_PAGEOBJECT, outer: Matrix) -> Segment | None:
    """A filled path whose extent is this thin is a rule along its long side. pdfium gives the extent
    with the path's own matrix applied; the enclosing forms' matrices (if any) are applied here."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    a, b, c, d, e, f = outer
    corners = [(x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)]
    xs = [a * x + c * y + e for x, y in corners]
    ys = [b * x + d * y + f for x, y in corners]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    width, height = x1 - x0, y1 - y0
    if not (min(width, height) <= _THIN_RECT < max(width, height)):
        return None
    if width >= height:
        middle = (y0 + y1) / 2
        return (x0, middle, x1, middle)
    middle = (x0 + x1) / 2
    return (middle, y0, middle, y1)


def _drawn(
    objects: Iterator[pdfium_c.FPDF_PAGEOBJECT], outer: Matrix, fill_mode: ctypes.c_int, stroked: ctypes.c_int
) -> Iterator[Segment]:
    """Straight segments of the paths among ``objects``, inside form XObjects too (whose drawing
    camelot's layout pass sees as well)."""
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            inner = _matrix(obj, outer)
            count = pdfium_c.FPDFFormObj_CountObjects(obj)
            yield from _drawn((pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)), inner, fill_mode, stroked)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroked)
            if stroked.value:
                yield from _edges(obj, _matrix(obj, outer))
            elif fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE:
                line = _thin_fill(obj, outer)
                if line is not None:
                    yield line


def page_rules(source: Pages, number: int) -> Rules:
    """Every ruling line drawn on page ``number`` (1-based)."""
    with loaded(source, number) as page:
        count = pdfium_c.FPDFPage_CountObjects(page.raw)
        objects = (pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(count))
        raw = list(_drawn(objects, _IDENTITY, ctypes.c_int(), ctypes.c_int()))
        turn = display_transform(page)
    if turn is not None:
        raw = [(*turn(x0, y0), *turn(x1, y1)) for x0, y0, x1, y1 in raw]
    horizontal, vertical = [], []
    for x0, y0, x1, y1 in raw:
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if dy <= _AXIS_TOL and dx > 0:
            horizontal.append((min(x0, x1), y0, max(x0, x1), y0))
        elif dx <= _AXIS_TOL and dy > 0:
            vertical.append((x0, min(y0, y1), x0, max(y0, y1)))
    return Rules(
        horizontal=coalesce_collinear_lines(horizontal, "horizontal"),
        vertical=coalesce_collinear_lines(vertical, "vertical"),
    )


def _anchors(bbox: Segment, joints: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Column x and row y boundaries of one grid (rows top first), as camelot's lattice sets them."""
    cols = merge_close_lines(sorted([x for x, _ in joints] + [bbox[0], bbox[2]]), line_tol=_LINE_TOL)
    rows = merge_close_lines(sorted([y for _, y in joints] + [bbox[1], bbox[3]], reverse=True), line_tol=_LINE_TOL)
    return cols, rows


def _report(page: int, order: int, rows: list[list[str]], inside: int) -> dict[str, float | int | str]:
    """camelot's parsing-report fields, measured the same way on our cell text: whitespace is the
    share of empty cells; accuracy the share of the ``inside`` glyphs (in the grid's box) that landed
    in a cell."""
    placed = sum(len(cell.replace("\n", "")) for row in rows for cell in row)
    return {
        "accuracy": round(100.0 * placed / inside, 2) if inside else 100.0,
        "whitespace": whitespace(rows),
        "order": order,
        "page": page,
        "lines": LINE_SOURCE,
    }


def read_ruled(page: int, rules: Rules, chars: list[Char]) -> list[PageTable]:
    """The ruled tables of one page, top first; ``[]`` when its rules form no grid."""
    joints_by_bbox = find_joints_from_lines(rules.horizontal, rules.vertical)
    tables = []
    for order, (bbox, joints) in enumerate(sorted(joints_by_bbox.items(), key=lambda item: -item[0][3]), start=1):
        cols, rows = _anchors(bbox, joints)
        if len(cols) < 2 or len(rows) < 2:
            continue
        grid = Table(list(itertools.pairwise(cols)), list(itertools.pairwise(rows)))
        vertical, horizontal = segments_in_bbox(bbox, rules.vertical, rules.horizontal)
        grid.set_edges(vertical, horizontal, joint_tol=_JOINT_TOL).set_border()
        in_box = [ch for ch in chars if bbox[0] <= ch.x <= bbox[2] and bbox[1] <= ch.y <= bbox[3]]
        text = fill_cells(grid.cells, in_box, page)
        report = _report(page, order, text, len(in_box))
        if float(report["whitespace"]) >= _MAX_WHITESPACE:
            log.debug("page %d: a ruled box with %.0f%% empty cells is not a table", page, report["whitespace"])
            continue
        tables.append(
            PageTable(
                page=page,
                rows=text,
                extractor=EXTRACTOR,
                top=float(bbox[3]),
                bottom=float(bbox[1]),
                parsing_report=report,
                columns=list(itertools.pairwise(cols)),
            )
        )
    return tables


def read_ruled_pages(
    source: Pages, pages: list[int], chars_of: Callable[[int], list[Char]]
) -> tuple[list[PageTable], dict[int, Rules]]:
    """Ruled tables of ``pages`` from pdfium's rules, and the rules of the pages where none were found."""
    found: list[PageTable] = []
    missed: dict[int, Rules] = {}
    for number in pages:
        rules = page_rules(source, number)
        tables = read_ruled(number, rules, chars_of(number))
        found.extend(tables)
        if not tables:
            missed[number] = rules
    log.info(
        "lattice (pdfium rules): %d table(s) on %d page(s), %d without a grid", len(found), len(pages), len(missed)
    )
    return found, missed
