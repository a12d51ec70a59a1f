"""Tables of reports published (or converted) as text / markdown exports.

Exporters write a table as tab-separated lines, sometimes with blank lines where a page broke, and
put the title, the 公开NN表 marker, the unit name and the amount unit (金额单位：万元) on lines of
their own just above it. This module finds those grids and their titles; :mod:`.mapping` turns
them into facts, exactly as it does for grids read by camelot or python-docx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from juesuan.extract.base import DocumentContext, RawTable, StrategyResult
from juesuan.extract.mapping import looks_like_title, map_table
from juesuan.extract.text import clean_cell, strip_markup
from juesuan.transform.catalogue import Catalogue

EXTRACTOR = "text-table"
_AMOUNT_UNIT = re.compile(r"^(?:金额)?单位[:：]\s*(万元|元|亿元)$")
_TRAILER = re.compile(r"^(?:注|说明|备注)[:：]|本表|尾差|尾数")
# A line this long (or a finished sentence) between a title and a grid means the title belonged to
# a table of contents or to prose, not to the grid that follows.
_PROSE_LENGTH = 40


@dataclass
class _Block:
    first_line: int
    rows: list[list[str]] = field(default_factory=list)
    title: str | None = None
    amount_unit: str = "万元"
    trailer: list[str] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return [strip_markup(cell).strip() for cell in line.rstrip("\r\n").split("\t")]


def _is_grid(line: str) -> bool:
    return "\t" in line and any(cell for cell in _cells(line))


def _is_table_of_contents(rows: list[list[str]]) -> bool:
    """Rows of 'heading … page number' only: a table of contents, not a table."""
    filled = [[c for c in r if c] for r in rows if any(r)]
    return bool(filled) and all(len(r) == 2 and re.fullmatch(r"\d{1,3}", r[1]) for r in filled)


def find_tables(text: str) -> list[RawTable]:
    """Every grid in a text export, with the title and amount unit written above it."""
    blocks: list[_Block] = []
    current: _Block | None = None
    pending_title: str | None = None
    pending_unit = "万元"
    for number, line in enumerate(text.splitlines(), start=1):
        if _is_grid(line):
            if current is None:
                current = _Block(first_line=number, title=pending_title, amount_unit=pending_unit)
                blocks.append(current)
                pending_title, pending_unit = None, "万元"
            current.rows.append(_cells(line))
            continue
        stripped = clean_cell(line)
        if not stripped:
            continue  # blank lines (page breaks) do not end a table
        current = None
        if looks_like_title(line):
            pending_title = strip_markup(line).strip()
            pending_unit = "万元"
            continue
        unit = _AMOUNT_UNIT.match(stripped)
        if unit:
            pending_unit = unit.group(1)
            continue
        if blocks and pending_title is None and _TRAILER.search(stripped):
            blocks[-1].trailer.append(line.strip())
            continue
        if len(stripped) > _PROSE_LENGTH or stripped.endswith(("。", "：", ":")):
            pending_title = None
    tables = []
    for block in blocks:
        meaningful = [r for r in block.rows if sum(1 for c in r if c) >= 1]
        if len(meaningful) < 2 or max(sum(1 for c in r if c) for r in meaningful) < 2:
            continue  # a stray tab in prose, not a table
        if block.title is None and _is_table_of_contents(block.rows):
            continue
        title = block.title
        if title is None:
            first = [c for c in block.rows[0] if c]
            if len(first) == 1 and looks_like_title(first[0]):
                title = first[0]  # some exporters put the title inside the grid's first row
        tables.append(
            RawTable(
                title=title,
                rows=block.rows,
                extractor=EXTRACTOR,
                page=None,
                line=block.first_line,
                amount_unit=block.amount_unit,
                trailer=block.trailer,
            )
        )
    return tables


def extract_text_tables(text: str, context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
    result = StrategyResult()
    for raw in find_tables(text):
        result.extend(map_table(raw, context, catalogue))
    return result
