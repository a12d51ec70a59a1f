"""DOCX reports: python-docx tables and paragraphs, in document order, into the shared mapping.

The body is walked in order so that every table gets the standard-table title written in the
paragraphs just above it, the amount unit (金额单位：元) between title and table, and the 注 lines
after it. Cells are read from the XML grid: a cell merged across columns (``gridSpan``) keeps its
text in its first column and leaves the others blank, a vertically merged continuation
(``vMerge``) is blank — the same shape camelot gives merged cells, so the mapping reads both alike.
A Word table continued over pages is one table already. DOCX has no fixed pages: ``page`` is NULL.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import docx
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P
from lxml import etree

from juesuan.errors import DocumentError
from juesuan.extract.base import RawTable
from juesuan.extract.document import document_limits, over_limit
from juesuan.extract.mapping import canonical_table_name
from juesuan.extract.tables import clean_rows
from juesuan.settings import MB

EXTRACTOR = "docx"
_AMOUNT_UNIT = re.compile(r"(?<!编制)单位[:：]\s*(万元|亿元|元)")
_TRAILER = re.compile(r"^(?:注|说明|备注)[:：]|本表")
_TITLE_LOOKBACK = 4  # non-empty paragraphs above a table searched for its title


@dataclass
class DocxReading:
    paragraphs: list[str]
    tables: list[RawTable] = field(default_factory=list)

    @property
    def text(self) -> str:
        rows = ["\t".join(row) for table in self.tables for row in table.rows]
        return "\n".join([*self.paragraphs, *rows])

    def segments(self) -> list[tuple[int | None, str]]:
        return [(None, "\n".join(self.paragraphs))]

    def table_groups(self) -> list[list[RawTable]]:
        return [[table] for table in self.tables]


def _paragraph_text(element: etree._Element) -> str:
    return "".join(node.text or "" for node in element.iter(qn("w:t")))


def _cell_text(tc: CT_Tc) -> str:
    return "\n".join(_paragraph_text(p) for p in tc.iter(qn("w:p"))).strip()


def table_rows(tbl: CT_Tbl) -> list[list[str]]:
    """The grid of a table: merged cells' text in their first cell, blanks where they extend."""
    rows = []
    for tr in tbl.tr_lst:
        row: list[str] = []
        for tc in tr.tc_lst:
            continued = tc.vMerge is not None and tc.vMerge != "restart"
            row.append("" if continued else _cell_text(tc))
            row.extend([""] * (tc.grid_span - 1))
        rows.append(row)
    return rows


def check_package(source: str, data: bytes) -> None:
    """Refuse a DOCX that would unpack to more than the limit, before python-docx unpacks it.

    python-docx reads every member of the package into memory (a thumbnail too), so a small file
    whose members inflate to gigabytes (issue 13.11: 3.2 MB → 3 GiB) is refused by the sizes its
    ZIP directory declares. Only stored and deflated members are read: for those, :mod:`zipfile`
    never returns more than the declared size, and a member that inflates to more fails its CRC.
    """
    limit = document_limits().max_docx_uncompressed_bytes
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise DocumentError(source, f"damaged DOCX: {exc}") from exc
    for member in members:
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DocumentError(
                source, f"DOCX member {member.filename} uses compression method {member.compress_type}, not deflate"
            )
    total = sum(member.file_size for member in members)
    if total > limit:
        largest = max(members, key=lambda member: member.file_size)
        what = f"the DOCX unpacked ({len(members)} members; {largest.filename} alone {largest.file_size / MB:,.1f} MB)"
        raise DocumentError(source, over_limit(what, total, limit, "JUESUAN_MAX_DOCX_UNCOMPRESSED_MB"))


def read_docx(source: str, data: bytes) -> DocxReading:
    check_package(source, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise DocumentError(source, f"damaged DOCX: {exc.__class__.__name__}: {exc}") from exc
    reading = DocxReading(paragraphs=[])
    since_table: list[str] = []
    for element in document.element.body.iterchildren():
        if isinstance(element, CT_P):
            text = _paragraph_text(element).strip()
            if text:
                reading.paragraphs.append(text)
                since_table.append(text)
                if reading.tables and _TRAILER.search(text) and canonical_table_name(text) is None:
                    reading.tables[-1].trailer.append(text)
        elif isinstance(element, CT_Tbl):
            recent = since_table[-_TITLE_LOOKBACK:]
            title_index = max((i for i, t in enumerate(recent) if canonical_table_name(t)), default=None)
            title = recent[title_index] if title_index is not None else None
            after_title = recent[title_index + 1 :] if title_index is not None else recent
            unit = next((m.group(1) for t in after_title if (m := _AMOUNT_UNIT.search(t))), "万元")
            rows = clean_rows(table_rows(element))
            if len(rows) >= 2:
                reading.tables.append(
                    RawTable(title=title, rows=rows, extractor=EXTRACTOR, page=None, amount_unit=unit)
                )
            since_table = []
    return reading
