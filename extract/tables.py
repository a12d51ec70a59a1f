"""From grids read on pages to facts: clean-up, titles, continued tables, one mapping.

Every paged strategy (camelot lattice, camelot stream, OCR) yields :class:`PageTable` grids with
their vertical position on the page, plus the page's positioned text lines. This module

1. cleans grids the way printed tables need (text wrapped inside a merged header cell is one cell:
   ``上缴上级\\n支出`` → ``上缴上级支出``; empty rows and columns go);
2. gives each grid its title — the nearest standard-table title line above it on its page — and its
   amount unit (``金额单位：元`` between title and grid) and trailer (注：… below it);
3. stitches a grid with no title of its own at the top of the page after a table onto that table
   (a table continued over pages, with or without its header repeated);
4. maps the stitched grid through the one canonical mapping (:func:`juesuan.extract.mapping.map_table`)
   — header once, repeated headers dropped — and gives every fact the page its row is printed on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from juesuan.contract import Fact
from juesuan.extract.base import Cell, DocumentContext, RawTable, StrategyResult, TableReport
from juesuan.extract.layout import body_start, is_header_word
from juesuan.extract.mapping import canonical_table_name, is_budget_table, looks_like_title, map_table
from juesuan.extract.selfcheck import PREFERENCE, UNRECONCILED
from juesuan.extract.text import clean_cell
from juesuan.transform.catalogue import Catalogue

_CONTINUED = re.compile(r"续表|\(续\)")
_WRAPPED = re.compile(r"\s*\n\s*")
_AMOUNT_UNIT = re.compile(r"(?<!编制)单位[:：]\s*(万元|亿元|元)")
_TOTAL_WORDS = frozenset({"合计", "小计", "总计"})
_TRAILER = re.compile(r"^(?:注|说明|备注)[:：]|本表|无数据")


@dataclass(frozen=True)
class TextLine:
    """A run of text on a page; ``top`` and ``bottom`` in PDF points (origin bottom-left)."""

    text: str
    top: float
    bottom: float


@dataclass
class PageTable:
    """A grid as read from one page, with its vertical extent on the page when known."""

    page: int | None
    rows: list[list[str]]
    extractor: str
    top: float | None = None
    bottom: float | None = None
    parsing_report: dict[str, float | int | str] = field(default_factory=dict)
    #: Each column's (left, right) x extent in points, where the reader knows it (ruled grids).
    columns: list[tuple[float, float]] | None = None


def whitespace(rows: list[list[str]]) -> float:
    """camelot's parsing-report ``whitespace``: the share of empty cells, in percent."""
    cells = [cell for row in rows for cell in row]
    return round(100.0 * sum(1 for cell in cells if not cell.strip()) / len(cells), 2) if cells else 100.0


_QUOTES = re.compile(r"[“”\"＂‘’]")


def as_title(text: str) -> str | None:
    """``text`` as a standard-table title, or None. Quotes are dropped first: PDF producers place
    the “ ” of 财政拨款“三公”经费支出决算表 where they like in the text order."""
    candidate = _QUOTES.sub("", text).strip()
    return candidate if canonical_table_name(candidate) is not None else None


def _joined(cell: str) -> str:
    """A cell's text with lines wrapped inside it joined, stripped; a positioned cell stays positioned."""
    text = _WRAPPED.sub("", cell).strip() if "\n" in cell else cell.strip()
    return cell.with_text(text) if isinstance(cell, Cell) and text else text


def clean_rows(rows: list[list[str]]) -> list[list[str]]:
    """Wrapped cell text joined, cells stripped, empty rows and empty columns dropped."""
    return _cleaned(rows)[0]


def _cleaned(rows: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """:func:`clean_rows` and the indices of the columns it kept."""
    grid = [[_joined(cell) for cell in row] for row in rows]
    grid = [row for row in grid if any(row)]
    if not grid:
        return [], []
    width = max(len(row) for row in grid)
    grid = [row + [""] * (width - len(row)) for row in grid]
    keep = [col for col in range(width) if any(row[col] for row in grid)]
    return [[row[col] for col in keep] for row in grid], keep


def _row_key(row: list[str]) -> str:
    return "|".join(clean_cell(cell) for cell in row)


@dataclass
class _Group:
    title: str | None
    parts: list[RawTable]


def _wrapped_titles(lines: list[TextLine]) -> list[TextLine]:
    """Titles printed over two lines, one right under the other, as one line each."""
    ordered = sorted(lines, key=lambda line: -line.top)
    joined = []
    for upper, lower in itertools.pairwise(ordered):
        height = upper.top - upper.bottom
        if 0 <= upper.bottom - lower.top <= max(height, 2.0) * 1.5 and max(len(upper.text), len(lower.text)) <= 30:
            line = TextLine(upper.text + lower.text, upper.top, lower.bottom)
            if as_title(line.text) is not None and as_title(upper.text) is None and as_title(lower.text) is None:
                joined.append(line)
    return joined


def _title_above(lines: list[TextLine], top: float | None, floor: float | None) -> TextLine | None:
    """The lowest standard-table title line above ``top`` (and below ``floor``, the grid above)."""
    candidates = [
        line
        for line in [*lines, *_wrapped_titles(lines)]
        if as_title(line.text) is not None
        and (top is None or line.bottom >= top - 2)
        and (floor is None or line.top <= floor + 2)
    ]
    return min(candidates, key=lambda line: line.bottom) if candidates else None


def _title_inside(rows: list[list[str]], table: PageTable) -> tuple[list[list[str]], TextLine | None]:
    """A standard title printed in the grid's own first row (a spreadsheet's merged title cell, one
    text across the row), taken out of the grid."""
    for index, row in enumerate(rows[:2]):
        filled = [cell for cell in row if cell.strip()]
        if len(filled) == 1 and as_title(filled[0]) is not None:
            top = table.top if table.top is not None else 0.0
            return rows[:index] + rows[index + 1 :], TextLine(filled[0], top, top)
        if len(filled) > 1 or (filled and not _AMOUNT_UNIT.search(clean_cell(filled[0]))):
            break
    return rows, None


def _unit_inside(rows: list[list[str]]) -> tuple[list[list[str]], str | None]:
    """The amount unit printed in the grid's own first row (``单位：元`` in a ruled cell), taken out of it."""
    for index, row in enumerate(rows[:2]):
        for col, cell in enumerate(row):
            if (match := _AMOUNT_UNIT.search(clean_cell(cell))) is not None:
                cleaned = [list(r) for r in rows]
                cleaned[index][col] = _AMOUNT_UNIT.sub("", clean_cell(cell)).strip("（）()")
                if not any(cleaned[index]):
                    del cleaned[index]
                return cleaned, match.group(1)
    return rows, None


def _running(lines: dict[int, list[TextLine]]) -> set[str]:
    """Lines printed on two or more of the table pages: running headers, not titles."""
    seen: dict[str, int] = {}
    for page_lines in lines.values():
        for text in {clean_cell(line.text) for line in page_lines}:
            seen[text] = seen.get(text, 0) + 1
    return {text for text, count in seen.items() if count >= 2}


def _other_title_above(
    lines: list[TextLine], top: float | None, floor: float | None, running: set[str]
) -> TextLine | None:
    """The nearest title-like line above a grid that names no standard table (a table of another
    kind: a 预算 or 绩效 table, or a wording juesuan does not know). Such a grid starts a table."""
    candidates = [
        line
        for line in lines
        if looks_like_title(line.text)
        and clean_cell(line.text) not in running
        and (top is None or line.bottom >= top - 2)
        and (floor is None or line.top <= floor + 2)
    ]
    return min(candidates, key=lambda line: line.bottom) if candidates else None


def _orphan_titles(ordered: list[PageTable], lines: dict[int, list[TextLine]]) -> dict[int, TextLine]:
    """Per page, a standard title printed below every grid of the page: a title left at the foot of a
    page whose table starts on the next page."""
    orphans: dict[int, TextLine] = {}
    for page, page_lines in lines.items():
        # A stray box (one row: the first header row of a table split from the rest) holds no table.
        bottoms = [t.bottom for t in ordered if t.page == page and len(clean_rows(t.rows)) >= 2]
        if not bottoms or any(bottom is None for bottom in bottoms):
            continue  # a page without a grid: its title heads an empty table (or one no reader found)
        lowest = min(b for b in bottoms if b is not None)
        titles = [
            line
            for line in [*page_lines, *_wrapped_titles(page_lines)]
            if as_title(line.text) is not None and line.top <= lowest + 2
        ]
        if titles:
            orphans[page] = min(titles, key=lambda line: line.bottom)
    return orphans


def _follows(
    previous: int | None, page: int, lines: dict[int, list[TextLine]], with_grids: set[int], blank: set[int]
) -> bool:
    """``page`` comes right after ``previous``, or after empty pages only: blank ones, or table pages
    with no grid and no title (an empty ruled page inside a long table) — never after prose."""
    if previous is None or page <= previous:
        return False
    between = range(previous + 1, page)
    return page - previous <= 3 and all(
        p in blank or (p in lines and p not in with_grids and not any(as_title(line.text) for line in lines[p]))
        for p in between
    )


def _carries_on(first: RawTable, rows: list[list[str]]) -> bool:
    """A grid's rows carry a table on: body rows only (rows before its first figure that hold no
    header word are body rows too: the rest of a label wrapped over the page break, blank lines), or
    a header that repeats the table's own."""
    start = body_start(rows)
    if start == 0:
        return True
    # A total word in the first column is a row label (the rest of ``当年收入`` / ``小计`` wrapped over the
    # page break), not a column header.
    above = {
        clean_cell(cell)
        for row in rows[:start]
        for index, cell in enumerate(row)
        if index or clean_cell(cell) not in _TOTAL_WORDS
    } - {""}
    if not any(is_header_word(cell) for cell in above):
        return True
    header = {clean_cell(cell) for row in first.rows[: body_start(first.rows)] for cell in row} - {""}
    return above <= header | {"栏次", "行次"}


def _filled(table: PageTable) -> int:
    return sum(1 for row in table.rows for cell in row if cell.strip())


def _without_overlaps(tables: list[PageTable]) -> list[PageTable]:
    """One grid per stretch of a page: where two grids of a page overlap (camelot's stream parser can
    return the same rows twice, as a whole and as a part), the one holding more text stays."""
    kept: list[PageTable] = []
    for table in sorted(tables, key=_filled, reverse=True):
        overlaps = any(
            other.page == table.page
            and None not in (table.top, table.bottom, other.top, other.bottom)
            and min(table.top or 0.0, other.top or 0.0) - max(table.bottom or 0.0, other.bottom or 0.0) > 2
            for other in kept
        )
        if not overlaps:
            kept.append(table)
    return kept


def assemble(
    tables: list[PageTable], lines: dict[int, list[TextLine]], blank: set[int] | frozenset[int] = frozenset()
) -> list[list[RawTable]]:
    """Group page grids into logical tables (parts in page order), each part titled and unit-scaled.

    A grid is a table of its own when a title stands above it (a standard one, or any title-like
    line); without one, right under the table before it (on the same page, or at the top of the
    page after it), it continues that table when its rows carry it on (body rows, or the table's
    header repeated). A standard title marked 续表 over a grid right after the same table continues
    it too."""
    groups: list[_Group] = []
    ordered = sorted(_without_overlaps(tables), key=lambda t: (t.page or 0, -(t.top or 0.0)))
    with_grids = {t.page for t in ordered if t.page is not None}
    running = _running(lines)
    previous_on_page: dict[int, PageTable] = {}
    orphans = _orphan_titles(ordered, lines)
    for table in ordered:
        rows, kept = _cleaned(table.rows)
        spans = [table.columns[col] for col in kept] if table.columns and len(table.columns) >= len(kept) else None
        page = table.page or 0
        page_lines = lines.get(page, [])
        above = previous_on_page.get(page)
        floor = above.bottom if above is not None else None
        title_line = _title_above(page_lines, table.top, floor)
        if title_line is None:
            rows, title_line = _title_inside(rows, table)
        if title_line is None and above is None:
            # A title printed at the foot of the page before, its grid starting on this page.
            title_line = orphans.pop(page - 1, None)
        other_title = None if title_line else _other_title_above(page_lines, table.top, floor, running)
        last = groups[-1] if groups else None
        # Right after the last table: the grid just above on this page (a table a reader split in two),
        # or at the top of a page that follows it.
        after_last = bool(
            last is not None
            and (above is not None or _follows(last.parts[-1].page, page, lines, with_grids, set(blank)))
        )
        continues = bool(
            after_last
            and last is not None
            and rows
            and _carries_on(last.parts[0], rows)
            and (
                (title_line is None and other_title is None)
                or (
                    title_line is not None
                    # 续表, or a budget template that repeats the whole title on the table's next page
                    and (
                        _CONTINUED.search(clean_cell(title_line.text))
                        or is_budget_table(last.title and canonical_table_name(last.title))
                    )
                    and as_title(title_line.text) is not None
                    and canonical_table_name(as_title(title_line.text)) == canonical_table_name(last.title)
                )
            )
        )
        if not rows or (len(rows) < 2 and not continues):
            continue  # a stray box, not a table (a continuation may hold a single row)
        previous_on_page[page] = table
        region = [
            line
            for line in page_lines
            if (table.top is None or line.bottom >= table.top - 2)
            and (title_line is None or line.top <= title_line.bottom + 2)
            and (floor is None or line.top <= floor + 2)
        ]
        unit = next((m.group(1) for line in region if (m := _AMOUNT_UNIT.search(line.text))), None)
        if unit is None:
            rows, unit = _unit_inside(rows)
        trailer = [
            line.text
            for line in page_lines
            if table.bottom is not None and line.top <= table.bottom + 2 and _TRAILER.search(clean_cell(line.text))
        ]
        if continues:
            group = groups[-1]
            title = group.title
            unit = unit or group.parts[0].amount_unit
        else:
            title = as_title(title_line.text) if title_line else (other_title.text if other_title else None)
            group = _Group(title, [])
            groups.append(group)
        group.parts.append(
            RawTable(
                title=title,
                rows=rows,
                extractor=table.extractor,
                page=table.page,
                amount_unit=unit or "万元",
                trailer=trailer,
                parsing_report=dict(table.parsing_report),
                column_spans=spans,
            )
        )
    return [group.parts for group in groups]


# --- mapping a logical table made of parts ----------------------------------------------------------------
_LABEL_HEADERS = {"项目", "科目代码", "科目名称", "科目编码", "栏次", "行次"}


def _narrowed(rows: list[list[str]], width: int, *, labelled_only: bool = False) -> list[list[str]]:
    """A part read with more columns than the part it is stitched to: drop columns that hold no body
    text, those headed only by a label header (科目名称, 项目 …) first (only those with
    ``labelled_only``). Such a column carries no figure, so dropping it can move none; it only lines
    the figures up under the other part's columns."""
    grid = [row + [""] * (max(len(r) for r in rows) - len(row)) for row in rows]
    start = body_start(grid)
    while grid and len(grid[0]) > width:
        empty = [c for c in range(len(grid[0])) if not any(row[c].strip() for row in grid[start:])]
        labelled = [c for c in empty if {clean_cell(row[c]) for row in grid[:start]} - {""} <= _LABEL_HEADERS]
        candidates = labelled if labelled_only else labelled or empty
        if not candidates:
            break
        drop = candidates[0]
        for row in grid:
            del row[drop]
    return grid


def _continuation_rows(part: RawTable, header: list[list[str]], width: int) -> list[list[str]]:
    """A continuation's rows without a repeated header (or 栏次 row), fitted to the first part's width."""
    rows = _narrowed(part.rows, width) if part.rows and max(len(r) for r in part.rows) > width else list(part.rows)
    header_keys = {_row_key(row) for row in header}
    while rows and (_row_key(rows[0]) in header_keys or clean_cell(rows[0][0]) in ("栏次", "行次")):
        rows.pop(0)
    return [row[:width] + [""] * (width - len(row)) for row in rows]


def _combined(parts: list[RawTable], rows: list[list[str]]) -> RawTable:
    first = parts[0]
    return RawTable(
        title=first.title,
        rows=rows,
        extractor=first.extractor,
        page=first.page,
        line=first.line,
        amount_unit=first.amount_unit,
        trailer=[line for part in parts for line in part.trailer],
        parsing_report=dict(first.parsing_report),
    )


def _aligned(part: RawTable, spans: list[tuple[float, float]] | None, width: int) -> list[list[str]] | None:
    """A continuation's rows placed under the first part's columns by their position on the page
    (its blank columns were dropped, so counting columns would shift figures); None when the
    positions are unknown or do not line up one to one."""
    if not spans or not part.column_spans or len(spans) != width:
        return None
    target: list[int] = []
    for left, right in part.column_spans:
        middle = (left + right) / 2
        column = next((i for i, (a, b) in enumerate(spans) if a - 1 <= middle <= b + 1), None)
        if column is not None and right - left > 1.5 * (spans[column][1] - spans[column][0]):
            # A cell merged over several of the first part's columns (a total's label over two blocks):
            # it belongs to the first column it covers.
            column = next((i for i, (a, b) in enumerate(spans) if a - 2 <= left < b - 2), column)
        if column is None or column in target:
            return None
        target.append(column)
    placed = []
    for row in part.rows:
        cells = [""] * width
        for index, cell in enumerate(row[: len(target)]):
            cells[target[index]] = cell
        placed.append(cells)
    return placed


def _stitch(parts: list[RawTable]) -> tuple[list[list[str]], list[int]]:
    """All rows of a continued table, header once, and the row count at the end of each part."""
    first_rows = parts[0].rows
    width = max(len(row) for row in first_rows)
    aligned = [_aligned(part, parts[0].column_spans, width) for part in parts[1:]]
    if all(rows is not None for rows in aligned):
        header = first_rows[: body_start(first_rows)]
        rows = [row + [""] * (width - len(row)) for row in first_rows]
        ends = [len(rows)]
        for part, placed in zip(parts[1:], aligned, strict=True):
            assert placed is not None
            rows.extend(_continuation_rows(replace(part, rows=placed), header, width))
            ends.append(len(rows))
        return rows, ends
    # A continuation read with fewer columns than the first page (stream parsing split a label column
    # of the first page in two): the first page gives up its empty label columns to match.
    narrowest = min((max(len(row) for row in part.rows) for part in parts[1:] if part.rows), default=width)
    if narrowest < width:
        first_rows = _narrowed(first_rows, narrowest, labelled_only=True)
        width = max(len(row) for row in first_rows)
    header = first_rows[: body_start(first_rows)]
    rows = [row + [""] * (width - len(row)) for row in first_rows]
    ends = [len(rows)]
    for part in parts[1:]:
        rows.extend(_continuation_rows(part, header, width))
        ends.append(len(rows))
    return rows, ends


def _parsing_report(parts: list[RawTable]) -> dict[str, float | int | str]:
    report: dict[str, float | int | str] = dict(parts[0].parsing_report)
    if len(parts) > 1:
        accuracies = [float(p.parsing_report["accuracy"]) for p in parts if "accuracy" in p.parsing_report]
        whitespace = [float(p.parsing_report["whitespace"]) for p in parts if "whitespace" in p.parsing_report]
        if accuracies:
            report["accuracy"] = min(accuracies)
        if whitespace:
            report["whitespace"] = max(whitespace)
        report["pages"] = ",".join(str(p.page) for p in parts if p.page is not None)
    return report


def _positioned(rows: list[list[str]]) -> bool:
    """Whether every non-empty cell knows the page it is printed on."""
    cells = [cell for row in rows for cell in row if cell.strip()]
    return bool(cells) and all(isinstance(cell, Cell) and cell.page is not None for cell in cells)


def map_parts(parts: list[RawTable], context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
    """One logical table: the parts' rows stitched (header once) and mapped as one grid.

    Mapping the whole grid keeps what a row means when it depends on rows above it (the section of
    a 相关信息 row, the fund lines under 年初财政拨款结转和结余). Each fact's page is the page of the
    part that first yields it: the grid is mapped once per part boundary (tables are small).
    """
    rows, ends = _stitch(parts)
    table = _combined(parts, rows)
    table.parsing_report = _parsing_report(parts)
    mapped = map_table(table, context, catalogue)
    if len(parts) == 1:
        return mapped
    if not _positioned(rows):
        # Cells that do not know their page: each fact gets the page of the part that first yields it.
        page_of: dict[tuple[str, int, str, str, str, str, str], int | None] = {}
        for part, end in zip(parts, ends, strict=True):
            for fact in map_table(_combined(parts, rows[:end]), context, catalogue, check=False).facts:
                page_of.setdefault(fact.key, part.page)
        mapped.facts = [replace(f, page=page_of.get(f.key, f.page)) for f in mapped.facts]
    pages = ", ".join(str(p.page) for p in parts)
    for report in mapped.tables:
        report.notes.insert(0, f"continued over {len(parts)} pages ({pages}), stitched")
        report.pages = [p.page for p in parts if p.page is not None]
    return mapped


#: Other readings of some pages, by reading name (see :meth:`.pdf.PdfReading.alternative_groups`).
Alternatives = Callable[[list[int]], dict[str, list[list[RawTable]]]]


def reading_name(part: RawTable) -> str:
    """How a grid was read: ``pdfium-rules`` for ruled grids built from pdfium's paths, else the extractor."""
    return "pdfium-rules" if part.parsing_report.get("lines") == "pdfium" else part.extractor


def _standing(mapped: StrategyResult) -> tuple[bool, int, int]:
    """How good a reading is: reliable first, then how well it reconciles, then how much it read."""
    report = mapped.tables[0]
    return (report.reliable, -PREFERENCE.index(report.reconciled), len(mapped.facts))


def _needs_another_reading(report: TableReport) -> bool:
    return report.table_name is not None and (not report.reliable or report.reconciled == UNRECONCILED)


def _better_reading(
    parts: list[RawTable], mapped: StrategyResult, context: DocumentContext, catalogue: Catalogue, others: Alternatives
) -> StrategyResult:
    """The reading of a table that checks out best: the first one, or another parser's reading of
    the same pages under the same title when that one is more reliable or reconciles better."""
    report = mapped.tables[0]
    pages = sorted({p.page for p in parts if p.page is not None})
    best, best_name = mapped, report.reading
    for name, groups in others(pages).items():
        for candidate in groups:
            if canonical_table_name(candidate[0].title) != report.table_name:
                continue
            if not {p.page for p in candidate} & set(pages):
                continue
            trial = map_parts(candidate, context, catalogue)
            if trial.tables and _standing(trial) > _standing(best):
                best, best_name = trial, name
    kept = best.tables[0]
    kept.reading = best_name
    tried = f"first reading ({report.reading}) {report.reconciled}, {'reliable' if report.reliable else 'unreliable'}"
    if best is mapped:
        kept.notes.append(f"{tried}; no other reading of pages {pages} did better")
    else:
        kept.notes.insert(0, f"{tried}; kept the {best_name} reading ({kept.reconciled})")
    return best


def map_groups(
    groups: list[list[RawTable]],
    context: DocumentContext,
    catalogue: Catalogue,
    alternatives: Alternatives | None = None,
) -> StrategyResult:
    """Facts and parsing reports of every logical table (one report per table, however many pages).

    With ``alternatives`` (paged documents), a table whose reading does not check out — not
    reliable, or its own identities broken — is read again by the other parsers and the reading
    that checks out best is kept (:func:`_better_reading`)."""
    result = StrategyResult()
    seen: dict[tuple[str, int, str, str, str, str, str], Decimal] = {}
    for parts in groups:
        mapped = map_parts(parts, context, catalogue)
        for report in mapped.tables:
            report.reading = reading_name(parts[0])
        if alternatives is not None and mapped.tables and _needs_another_reading(mapped.tables[0]):
            mapped = _better_reading(parts, mapped, context, catalogue, alternatives)
        mapped.facts = _once(mapped, seen)
        result.extend(mapped)
    return result


def _once(mapped: StrategyResult, seen: dict[tuple[str, int, str, str, str, str, str], Decimal]) -> list[Fact]:
    """A table's facts without the cells an earlier table of the same name already gave (a table
    printed twice); where the two disagree the first stays and this table is not read reliably."""
    kept = []
    clashes = []
    for fact in mapped.facts:
        if fact.key not in seen:
            seen[fact.key] = fact.value
            kept.append(fact)
        elif seen[fact.key] != fact.value:
            clashes.append(f"{fact.subject_key} {fact.column_name} {fact.value} (first {seen[fact.key]})")
    for report in mapped.tables:
        if len(kept) < len(mapped.facts):
            report.notes.append(f"{len(mapped.facts) - len(kept)} cell(s) already read from an earlier table")
        if clashes:
            report.reliable = False
            report.unreliable_reason = f"printed twice with other figures: {'; '.join(clashes[:3])}"
        report.facts = len(kept)
    return kept
