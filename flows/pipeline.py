"""The main job: every report of the registry through extraction into the lake, then the warehouse.

Each report is isolated: a bad document is quarantined with its reason in ``documents`` and the run
goes on; its earlier good partition stays in the lake. Raw bytes are kept once, by sha256, in the
raw store and never overwritten. Re-running the same registry rewrites identical files.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from juesuan import __version__
from juesuan.errors import DocumentError
from juesuan.extract.api import extract_raw_document
from juesuan.extract.document import RawDocument, document_from_bytes
from juesuan.lake import Lake
from juesuan.registry import Registry, Report, load_registry
from juesuan.settings import Settings
from juesuan.transform.catalogue import Catalogue
from juesuan.warehouse.build import BuildSummary, build_warehouse

log = logging.getLogger(__name__)
USER_AGENT = f"juesuan/{__version__} (final-account report collector)"


@dataclass
class ReportOutcome:
    unit_id: str
    year: int
    url: str
    status: str  # "loaded" | "quarantined"
    sha256: str | None = None
    facts: int = 0
    tables: int = 0
    repairs: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    outcomes: list[ReportOutcome] = field(default_factory=list)
    warehouse: BuildSummary | None = None

    @property
    def loaded(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status == "loaded"]

    @property
    def quarantined(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]


def fetch_report(report: Report, timeout: float = 60.0) -> bytes:
    """The report's bytes, from a local path / file:// URL or over HTTP(S)."""
    if not report.is_remote:
        path = report.local_path()
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise DocumentError(report.url, "file not found") from exc
    try:
        response = httpx.get(report.url, timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as exc:
        raise DocumentError(report.url, f"download failed: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code != 200:
        raise DocumentError(report.url, f"HTTP {response.status_code} {response.reason_phrase}")
    return response.content


def store_raw(raw_store: Path, document: RawDocument) -> Path:
    """Keep the raw bytes immutably under their hash (written once, never overwritten)."""
    target = raw_store / document.sha256[:2] / f"{document.sha256}.{document.format}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    temporary.write_bytes(document.data)
    os.replace(temporary, target)
    return target


def process_report(
    report: Report, registry: Registry, lake: Lake, raw_store: Path, catalogue: Catalogue
) -> ReportOutcome:
    outcome = ReportOutcome(unit_id=report.unit_id, year=report.year, url=report.url, status="quarantined")
    document: RawDocument | None = None
    try:
        data = fetch_report(report)
        document = document_from_bytes(report.url, data)
        outcome.sha256 = document.sha256
        store_raw(raw_store, document)
        extraction = extract_raw_document(
            document,
            unit_id=report.unit_id,
            year=report.year,
            registry=registry,
            expected_format=report.format,
            catalogue=catalogue,
        )
    except DocumentError as exc:
        outcome.error = exc.reason
        log.warning("quarantined %s %s: %s", report.unit_id, report.year, exc)
        lake.record_document(
            sha256=document.sha256 if document else None,
            unit_id=report.unit_id,
            year=report.year,
            url=report.url,
            format=document.format if document else report.format,
            pages=None,
            status="quarantined",
            error=exc.reason,
        )
        return outcome
    lake.write_report(
        report.unit_id, report.year, extraction.sha256, extraction.facts, extraction.repairs, extraction.tables
    )
    lake.record_document(
        sha256=extraction.sha256,
        unit_id=report.unit_id,
        year=report.year,
        url=report.url,
        format=extraction.format,
        pages=extraction.pages,
        status="loaded",
        error=None,
    )
    outcome.status = "loaded"
    outcome.facts = len(extraction.facts)
    outcome.tables = sum(1 for t in extraction.tables if t.table_name and t.status == "ok")
    outcome.repairs = len(extraction.repairs)
    return outcome


def run_registry(
    settings: Settings,
    *,
    on_report: Callable[[ReportOutcome], None] | None = None,
    build: bool = True,
) -> RunSummary:
    """Extract every report of the registry into the lake and (re)build the warehouse."""
    registry = load_registry(settings.registry)
    catalogue = Catalogue.load()
    lake = Lake(settings.lake)
    lake.write_units(registry)
    lake.write_subjects(catalogue.frame())
    summary = RunSummary()
    for report in registry.reports():
        outcome = process_report(report, registry, lake, settings.raw_store, catalogue)
        summary.outcomes.append(outcome)
        if on_report is not None:
            on_report(outcome)
    if build:
        summary.warehouse = build_warehouse(settings.lake, settings.warehouse)
    return summary
