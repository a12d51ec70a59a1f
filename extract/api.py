"""The single public entry of extraction: :func:`extract_document`.

It checks its arguments, reads the bytes, picks the reader for the format — text exports
(:mod:`.text_export`), PDF (:mod:`.pdf`: triage, camelot lattice/stream, OCR for scanned pages) or
DOCX (:mod:`.docx_reader`) — checks that the document is the report it claims to be (unit and year,
against the registry) *before* any table parser runs, then maps every grid through the one canonical
mapping and reads the narrative. It returns contract facts with a parsing report per table, and
apart from them the previous year's figures the narrative restates (``prior_year_facts``). Every
failure is a named :class:`~juesuan.errors.DocumentError` that names the file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from juesuan.contract import FINAL, REPORT_KINDS, TABLES_OF_KIND, Fact, validate_facts
from juesuan.errors import DocumentError, NoTablesOrFiguresError, UnsupportedFormatError, UsageError
from juesuan.extract.base import CodeRepair, DocumentContext, StrategyResult, TableReport
from juesuan.extract.document import (
    FORMATS,
    RawDocument,
    check_report_identity,
    infer_unit,
    load_document,
    stated_kind,
    stated_year,
    using_limits,
)
from juesuan.extract.docx_reader import DocxReading, read_docx
from juesuan.extract.evidence import DocumentEvidence
from juesuan.extract.marks import document_marks
from juesuan.extract.narrative import read_narrative
from juesuan.extract.pdf import PdfReading, read_pdf
from juesuan.extract.tables import map_groups
from juesuan.extract.text_export import extract_text_tables
from juesuan.registry import Registry, Unit
from juesuan.settings import DocumentLimits
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger(__name__)


@dataclass
class Extraction:
    """Everything one document yielded.

    ``prior_year_facts`` are figures of ``year - 1`` restated by the narrative's changes against
    last year (与上年相比 …): narrative facts of the unit's previous year whose provenance is this
    document. They never mix with ``facts``, the report's own year.
    """

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
    prior_year_facts: list[Fact] = field(default_factory=list)
    #: What the report says beyond its figures: statements relating figures, structure and hygiene marks,
    #: 绩效自评表 (extract/evidence.py); kept in the lake beside the facts for the checks beyond arithmetic.
    evidence: DocumentEvidence = field(default_factory=DocumentEvidence)
    #: 决算 (final accounts) or 预算 (budget disclosure), as the document's own content says (its cover,
    #: its tables' titles); every fact carries it.
    report_kind: str = FINAL


def extract_document(
    path: str | Path,
    *,
    unit_id: str | None = None,
    year: int | None = None,
    registry: Registry | None = None,
    expected_format: str | None = None,
    catalogue: Catalogue | None = None,
    use_ocr: bool | None = None,
    limits: DocumentLimits | None = None,
    report_kind: str | None = None,
) -> Extraction:
    """Extract one document into contract facts.

    ``unit_id`` and ``year`` are inferred from the document when not given (the unit through the
    registry's unit names). Whenever a registry is at hand, the document must be the report it
    claims to be: a report of another year or unit than given is a
    :class:`~juesuan.errors.WrongReportError` (with ``--unit-id`` alone too, issue 13.12).
    ``limits`` bound what the document may cost (:class:`~juesuan.settings.DocumentLimits`;
    default: the thread's current limits, see :func:`~juesuan.extract.document.using_limits`).
    ``report_kind`` (决算 / 预算) is what the caller takes the document for: the kind is read from the
    content (cover, table titles), and a document whose content says the other kind is a
    :class:`~juesuan.errors.WrongReportError`; content that does not tell takes the given kind (default 决算).
    """
    _check_arguments(expected_format, year, report_kind)
    with using_limits(limits):
        document = load_document(path)
        return extract_raw_document(
            document,
            unit_id=unit_id,
            year=year,
            registry=registry,
            expected_format=expected_format,
            catalogue=catalogue,
            use_ocr=use_ocr,
            report_kind=report_kind,
        )


def _check_arguments(expected_format: str | None, year: int | None, report_kind: str | None = None) -> None:
    """The entry's argument checks, shared by both entries: a bad value is named with the allowed ones."""
    if expected_format is not None and expected_format not in FORMATS:
        raise UsageError("format", expected_format, FORMATS)
    if year is not None and not 1990 <= year <= 2100:
        raise UsageError("year", year)
    if report_kind is not None and report_kind not in REPORT_KINDS:
        raise UsageError("report_kind", report_kind, REPORT_KINDS)


def extract_raw_document(
    document: RawDocument,
    *,
    unit_id: str | None = None,
    year: int | None = None,
    registry: Registry | None = None,
    expected_format: str | None = None,
    catalogue: Catalogue | None = None,
    use_ocr: bool | None = None,
    limits: DocumentLimits | None = None,
    report_kind: str | None = None,
) -> Extraction:
    """Extract an already loaded document (see :func:`extract_document`).

    ``use_ocr`` decides whether scanned PDF pages are OCR'd: ``None`` uses OCR when an engine is
    installed (and ``JUESUAN_OCR`` is not ``off``).
    """
    _check_arguments(expected_format, year, report_kind)
    catalogue = catalogue or Catalogue.load()
    if expected_format is not None and not _format_agrees(expected_format, document.format):
        raise UnsupportedFormatError(
            document.source, f"the registry says {expected_format}, but the bytes are {document.format}"
        )
    with using_limits(limits):
        reading = _read(document, use_ocr)
        try:
            return _extract(document, reading, unit_id, year, registry, catalogue, report_kind)
        finally:
            reading.close()


class _Reading(Protocol):
    """What every format reader offers: text to identify and narrate, grids to map."""

    @property
    def pages(self) -> int | None: ...

    @property
    def text(self) -> str: ...

    @property
    def notes(self) -> list[str]: ...

    def segments(self) -> list[tuple[int | None, str]]: ...

    def page_texts(self) -> list[tuple[int | None, str]]: ...

    def tables(self, context: DocumentContext, catalogue: Catalogue) -> StrategyResult: ...

    def located(self, facts: list[Fact]) -> list[Fact]: ...

    def close(self) -> None: ...


@dataclass
class _TextReading:
    data_text: str
    notes: list[str] = field(default_factory=list)
    pages: int | None = None

    @property
    def text(self) -> str:
        return self.data_text

    def segments(self) -> list[tuple[int | None, str]]:
        return [(None, self.data_text)]

    def page_texts(self) -> list[tuple[int | None, str]]:
        return [(None, self.data_text)]

    def tables(self, context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
        return extract_text_tables(self.data_text, context, catalogue)

    def located(self, facts: list[Fact]) -> list[Fact]:
        return facts  # a text export has no positions

    def close(self) -> None:
        return None


@dataclass
class _PagedReading:
    """A PDF or DOCX reading: its grids go through the shared stitching and mapping."""

    reading: PdfReading | DocxReading

    @property
    def pages(self) -> int | None:
        return self.reading.pages if isinstance(self.reading, PdfReading) else None

    @property
    def text(self) -> str:
        return self.reading.text

    @property
    def notes(self) -> list[str]:
        return self.reading.notes if isinstance(self.reading, PdfReading) else []

    def segments(self) -> list[tuple[int | None, str]]:
        return self.reading.segments()

    def page_texts(self) -> list[tuple[int | None, str]]:
        """The whole document's text by page (table pages too), for the structure and hygiene marks."""
        if isinstance(self.reading, PdfReading):
            return [(page.number, page.text) for page in self.reading.triage.pages]
        return self.reading.segments()

    def tables(self, context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
        others = self.reading.alternative_groups if isinstance(self.reading, PdfReading) else None
        return map_groups(self.reading.table_groups(), context, catalogue, others)

    def located(self, facts: list[Fact]) -> list[Fact]:
        """Narrative facts with the box of their figure on their page (PDF text layers only)."""
        if not isinstance(self.reading, PdfReading):
            return facts
        return [_with_box(self.reading, fact) for fact in facts]

    def close(self) -> None:
        if isinstance(self.reading, PdfReading):
            self.reading.close()


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _with_box(reading: PdfReading, fact: Fact) -> Fact:
    """A narrative fact with the box of its figure: the last number of its sentence that states it
    (in 万元, or in 元 for a sentence that gives the amount in 元)."""
    if fact.page is None or fact.bbox is not None:
        return fact
    sentence = "".join(fact.raw_text.split())
    figures = [m.group(0) for m in _NUMBER.finditer(sentence)]
    for figure in reversed(figures):
        stated = Decimal(figure.replace(",", ""))
        if stated in (fact.value, fact.value * 10000):
            box = reading.figure_box(fact.page, sentence, figure)
            return replace(fact, bbox=box) if box is not None else fact
    return fact


def _read(document: RawDocument, use_ocr: bool | None) -> _Reading:
    if document.format in ("txt", "md"):
        return _TextReading(document.text)
    if document.format == "pdf":
        return _PagedReading(read_pdf(document.source, document.data, use_ocr=use_ocr))
    if document.format == "docx":
        return _PagedReading(read_docx(document.source, document.data))
    raise UnsupportedFormatError(
        document.source, f"no reader for format {document.format!r} (allowed: {', '.join(FORMATS)})"
    )


def _extract(
    document: RawDocument,
    reading: _Reading,
    unit_id: str | None,
    year: int | None,
    registry: Registry | None,
    catalogue: Catalogue,
    given_kind: str | None = None,
) -> Extraction:
    text = reading.text
    unit = _resolve_unit(document.source, text, unit_id, registry)
    resolved_unit_id = unit.id if unit is not None else unit_id
    if resolved_unit_id is None:
        raise DocumentError(document.source, "cannot tell which unit the report is for: pass --unit-id or a registry")
    stated = stated_kind(text)
    kind = stated or given_kind or FINAL
    if year is None:
        year = stated_year(text, kind)
        if year is None:
            raise NoTablesOrFiguresError(document.source, "states no fiscal year (YYYY年度); pass --year")
    # Always, before any table is read: a unit given without a year is checked too (issue 13.12), and a
    # report of the other kind than the caller says is refused like one of another year.
    check_report_identity(document.source, text, unit, year, kind, given_kind)
    context = DocumentContext(unit_id=resolved_unit_id, year=year, document_sha256=document.sha256)
    result = StrategyResult(notes=list(reading.notes))
    result.extend(_of_kind(reading.tables(context, catalogue), kind))
    # The narrative reads beside the report's own tables (those read reliably): they key the cells a figure
    # restates and decide a subject the prose names wrongly.
    unreliable = {t.table_name for t in result.tables if not t.reliable}
    table_facts = [f for f in result.facts if f.table_name not in unreliable]
    empty = [t.table_name for t in result.tables if t.table_name and t.status == "empty" and t.reliable]
    prose = read_narrative(reading.segments(), context, catalogue, table_facts=table_facts, empty_tables=empty)
    narrative, previous_year = prose.narrative, prose.previous_year
    narrative.facts = _kind_facts(reading.located(narrative.facts), kind, narrative.notes)
    previous_year.facts = _kind_facts(reading.located(previous_year.facts), kind, previous_year.notes)
    result.extend(narrative)
    names = [unit.name] if unit is not None else []
    evidence = DocumentEvidence(
        statements=prose.statements,
        marks=prose.marks + document_marks(reading.page_texts(), year, names, prose=reading.segments()),
        performance=[replace(t, number=n) for n, t in enumerate(result.performance, start=1)],
    )
    if not result.facts:
        recognised = [t.title for t in result.tables if t.table_name]
        detail = f" (tables found but empty: {', '.join(map(str, recognised))})" if recognised else ""
        raise NoTablesOrFiguresError(document.source, f"no standard table and no narrative figure found{detail}")
    validate_facts(result.facts)
    validate_facts(previous_year.facts)
    log.info(
        "%s: %d facts from %d tables, %d restated figures of %d",
        document.source,
        len(result.facts),
        len(result.tables),
        len(previous_year.facts),
        year - 1,
    )
    return Extraction(
        source=document.source,
        sha256=document.sha256,
        format=document.format,
        pages=reading.pages,
        unit_id=resolved_unit_id,
        year=year,
        facts=result.facts,
        tables=result.tables,
        repairs=result.repairs,
        notes=result.notes + [f"last year: {note}" for note in previous_year.notes],
        prior_year_facts=previous_year.facts,
        evidence=evidence,
        report_kind=kind,
    )


def _kind_facts(facts: list[Fact], kind: str, notes: list[str]) -> list[Fact]:
    """The facts of a report of ``kind``: those of its kind's tables, marked with the kind. A figure
    keyed to a table of the other kind (prose of a budget naming a 决算 table) is left out, with a note."""
    kept = [replace(f, report_kind=kind) for f in facts if f.table_name in TABLES_OF_KIND[kind]]
    if len(kept) < len(facts):
        other = sorted({f.table_name for f in facts if f.table_name not in TABLES_OF_KIND[kind]})
        left_out = len(facts) - len(kept)
        notes.append(f"{left_out} figure(s) of tables not of a {kind} report left out: {', '.join(other)}")
    return kept


def _of_kind(result: StrategyResult, kind: str) -> StrategyResult:
    """A table reading of a ``kind`` report: a table of the other kind is reported, never read into facts
    (a 决算 table inside a budget disclosure, or the reverse, would mix the two reports)."""
    tables = TABLES_OF_KIND[kind]
    for report in result.tables:
        if report.table_name is not None and report.table_name not in tables:
            report.notes.insert(0, f"a table of the other kind ({report.table_name}) in a {kind} report: not read")
            report.status, report.facts, report.table_name = "unrecognised", 0, None
    result.facts = _kind_facts(result.facts, kind, result.notes)
    return result


def _format_agrees(expected: str, actual: str) -> bool:
    text_formats = {"txt", "md"}
    return expected == actual or (expected in text_formats and actual in text_formats)


def _resolve_unit(source: str, text: str, unit_id: str | None, registry: Registry | None) -> Unit | None:
    if registry is None:
        return None
    if unit_id is None:
        return infer_unit(source, text, registry)
    return registry.unit(unit_id)
