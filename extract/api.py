"""The single public entry of extraction: :func:`extract_document`.

It checks its arguments, reads the bytes, picks the strategies for the format (tables and
narrative), and returns contract facts with a parsing report per table. Every failure is a named
:class:`~juesuan.errors.DocumentError` that names the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from juesuan.contract import Fact, validate_facts
from juesuan.errors import DocumentError, NoTablesOrFiguresError, UnsupportedFormatError, UsageError
from juesuan.extract.base import CodeRepair, DocumentContext, StrategyResult, TableReport
from juesuan.extract.document import (
    FORMATS,
    RawDocument,
    check_report_identity,
    infer_unit,
    load_document,
    stated_year,
)
from juesuan.extract.narrative import extract_narrative
from juesuan.extract.text_export import extract_text_tables
from juesuan.registry import Registry, Unit
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger(__name__)


@dataclass
class Extraction:
    """Everything one document yielded."""

    source: str
    sha256: str
    format: str
    pages: int | None
    unit_id: str
    year: int
    facts: list[Fact] = field(default_factory=list)
    tables: list[TableReport] = field(default_factory=list)
    repairs: list[CodeRepair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def extract_document(
    path: str | Path,
    *,
    unit_id: str | None = None,
    year: int | None = None,
    registry: Registry | None = None,
    expected_format: str | None = None,
    catalogue: Catalogue | None = None,
) -> Extraction:
    """Extract one document into contract facts.

    ``unit_id`` and ``year`` are inferred from the document when not given (the unit through the
    registry's unit names). When both are given and a registry is at hand, the document must be
    the report it claims to be: another year or unit is a :class:`~juesuan.errors.WrongReportError`.
    """
    if expected_format is not None and expected_format not in FORMATS:
        raise UsageError("format", expected_format, FORMATS)
    if year is not None and not 1990 <= year <= 2100:
        raise UsageError("year", year)
    document = load_document(path)
    return extract_raw_document(
        document,
        unit_id=unit_id,
        year=year,
        registry=registry,
        expected_format=expected_format,
        catalogue=catalogue,
    )


def extract_raw_document(
    document: RawDocument,
    *,
    unit_id: str | None = None,
    year: int | None = None,
    registry: Registry | None = None,
    expected_format: str | None = None,
    catalogue: Catalogue | None = None,
) -> Extraction:
    catalogue = catalogue or Catalogue.load()
    if expected_format is not None and not _format_agrees(expected_format, document.format):
        raise UnsupportedFormatError(
            document.source, f"the registry says {expected_format}, but the bytes are {document.format}"
        )
    if document.format not in ("txt", "md"):
        raise UnsupportedFormatError(
            document.source,
            f"{document.format} reports are not read yet: this version reads text/markdown exports "
            "(PDF and DOCX strategies are tracked in the issue 'PDF and DOCX reports through camelot')",
        )
    text = document.text
    unit = _resolve_unit(document.source, text, unit_id, registry)
    resolved_unit_id = unit.id if unit is not None else unit_id
    if resolved_unit_id is None:
        raise DocumentError(document.source, "cannot tell which unit the report is for: pass --unit-id or a registry")
    if year is None:
        year = stated_year(text)
        if year is None:
            raise NoTablesOrFiguresError(document.source, "states no fiscal year (YYYY年度); pass --year")
    else:
        check_report_identity(document.source, text, unit, year)
    context = DocumentContext(unit_id=resolved_unit_id, year=year, document_sha256=document.sha256)
    result = StrategyResult()
    result.extend(extract_text_tables(text, context, catalogue))
    result.extend(extract_narrative([(None, text)], context, catalogue))
    if not result.facts:
        recognised = [t.title for t in result.tables if t.table_name]
        detail = f" (tables found but empty: {', '.join(map(str, recognised))})" if recognised else ""
        raise NoTablesOrFiguresError(document.source, f"no standard table and no narrative figure found{detail}")
    validate_facts(result.facts)
    log.info("%s: %d facts from %d tables", document.source, len(result.facts), len(result.tables))
    return Extraction(
        source=document.source,
        sha256=document.sha256,
        format=document.format,
        pages=None,
        unit_id=resolved_unit_id,
        year=year,
        facts=result.facts,
        tables=result.tables,
        repairs=result.repairs,
        notes=result.notes,
    )


def _format_agrees(expected: str, actual: str) -> bool:
    text_formats = {"txt", "md"}
    return expected == actual or (expected in text_formats and actual in text_formats)


def _resolve_unit(source: str, text: str, unit_id: str | None, registry: Registry | None) -> Unit | None:
    if registry is None:
        return None
    if unit_id is None:
        return infer_unit(source, text, registry)
    return registry.unit(unit_id)
