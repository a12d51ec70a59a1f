"""One report, start to finish: fetch → (unchanged? stop) → store raw → extract → write its partitions.

These are plain functions; the Prefect flow (:mod:`.nightly`) wraps them in tasks and the plain
sequential loop (:func:`juesuan.flows.pipeline.run_registry`) calls them directly, so both do the
same work per document.

Incremental by content: a report is extracted again only when its *bytes* changed. The server's
``304 Not Modified`` (conditional GET with the validators kept in ``documents``) and, failing that,
the sha256 of the body against the sha256 of the report's current document decide; the URL never
does, since a city may republish a corrected report at the same address.

Every outcome carries the ``documents`` row it implies; the flow's single writer (:mod:`.ledger`)
merges them, so tasks running in parallel, or on other machines, never write ``documents`` at once.

A report is ``(unit_id, year, kind)`` (决算 or 预算), and the kind travels with it: to the extractor
(which refuses a document whose content is of the other kind, quarantined like one of another year),
into the lake (the kind's own partition files) and into ``documents``. A report published as several
files (``Report.parts``: a 预算's 正文 and its 公开表) is fetched part by part; each part is a
document with its own ``documents`` row, and their facts are merged into the one report (each fact
keeps its part's ``document_sha256``). The report is unchanged only when every part is; when any
part cannot be used the whole report is quarantined or failed, and its earlier partition stays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import fsspec

from juesuan.contract import FINAL, Fact
from juesuan.errors import ContractViolation, DocumentError, NoTablesOrFiguresError, WrongReportError
from juesuan.extract.api import Extraction, extract_raw_document
from juesuan.extract.document import RawDocument, document_from_bytes, using_limits
from juesuan.extract.isolated import can_isolate, extract_isolated
from juesuan.extract.narrative_budget import align_report
from juesuan.flows.fetch import Fetched, FetchError, FetchPolicy, Validators, fetch_with_retries, fetcher_for
from juesuan.lake import DocumentPart, Lake, is_local_url
from juesuan.registry import Registry, Report, Unit
from juesuan.settings import DocumentLimits
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger(__name__)

#: What happened to a report tonight.
ACTIONS = ("new", "changed", "unchanged", "quarantined", "withdrawn", "failed")

FetchFunction = Callable[[Report, Validators | None], Fetched]


@dataclass(frozen=True)
class PreviousDocument:
    """What ``documents`` knows of a report before tonight.

    ``row`` is the latest bytes that arrived (their validators go into tonight's conditional GET);
    ``known`` holds every document of the report by sha256, so bytes that come back after a bad
    night (a corrected report, then the old one again) are recognised, not extracted again.
    """

    row: Mapping[str, Any]
    known: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return str(self.row["sha256"])

    @property
    def validators(self) -> Validators:
        return Validators(etag=self.row.get("etag"), last_modified=self.row.get("last_modified"))

    def document(self, sha256: str) -> Mapping[str, Any] | None:
        return self.known.get(sha256, self.row if sha256 == self.sha256 else None)

    def part(self, url: str) -> PreviousDocument | None:
        """What is known of one part of a report of several: its latest bytes from ``url`` (every
        document of the report stays known, so a part moved to another address is recognised)."""
        rows = [row for row in self.known.values() if row["url"] == url]
        if not rows:
            return None
        latest = max(rows, key=lambda r: (r["fetched_at"], str(r["sha256"])))
        return PreviousDocument(latest, self.known)


@dataclass(frozen=True)
class IngestEnv:
    """Where things go and how to fetch: small and picklable, so Dask workers can rebuild it all."""

    lake_url: str
    raw_store_url: str
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    retries: int = 3
    backoff: float = 2.0
    #: Seconds one document may take. The document is read in a worker process killed when its time
    #: is up (:mod:`juesuan.extract.isolated`); read inline, the flow's task timeout interrupts the
    #: work from outside, but its exception can land in a garbage-collector callback, where Python
    #: ignores it, so the document also checks its own clock before writing anything.
    time_limit: float | None = None
    #: What one document may cost (bytes, text, unpacked DOCX, page pixels, memory).
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    #: "process": each document read in a worker process (hard time limit, memory cap); "inline".
    isolation: str = "process"

    def lake(self) -> Lake:
        return _lake(self.lake_url, json.dumps(self.storage_options, sort_keys=True))

    def raw_store(self) -> RawStore:
        return RawStore(self.raw_store_url, self.storage_options)


@cache
def _lake(url: str, options: str) -> Lake:
    """One Lake per process and location (its filesystem client is reused by every task)."""
    return Lake(url, json.loads(options))


@dataclass(frozen=True)
class Prefetched:
    """A report the discovery step already downloaded tonight (``flows/discover.py``).

    The bytes wait in the raw store under ``sha256``; ``error`` says why the download failed instead
    (a :class:`FetchError`'s kind, reason and HTTP status). Ingestion takes them from there rather
    than asking the site again.
    """

    url: str
    sha256: str | None
    format: str | None
    http_status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_kind: str | None = None
    error_reason: str | None = None

    def fetched(self, raw_store: RawStore) -> Fetched | None:
        """The response as the fetcher would have returned it; ``None`` when the raw store lost the bytes."""
        if self.error_kind is not None:
            raise FetchError(self.url, self.error_kind, self.error_reason or self.error_kind, self.http_status)
        if self.sha256 is None:
            return None
        data = raw_store.get(self.sha256, self.format or "bin")
        if data is None:
            return None
        return Fetched(
            url=self.url,
            http_status=self.http_status,
            data=data,
            content_type=self.content_type,
            etag=self.etag,
            last_modified=self.last_modified,
        )


@dataclass(frozen=True)
class IngestJob:
    """One registry entry and what is known of it before tonight."""

    report: Report
    unit: Unit
    registry_path: Path
    previous: PreviousDocument | None = None
    force: bool = False  # extract again even when the bytes did not change
    #: The discovery step's download of the report (``None``: fetch it here).
    prefetched: Prefetched | None = None
    #: The discovery step's downloads of the parts of a report of several (in ``report.parts`` order).
    prefetched_parts: tuple[Prefetched | None, ...] = ()

    def prefetched_for(self, index: int) -> Prefetched | None:
        """The discovery step's download of document ``index`` of the report (``None``: fetch it here)."""
        if self.prefetched_parts:
            return self.prefetched_parts[index] if index < len(self.prefetched_parts) else None
        return self.prefetched if index == 0 else None


@dataclass
class ReportOutcome:
    """What happened to one report, and the ``documents`` row it implies (``None``: leave as is)."""

    unit_id: str
    year: int
    url: str
    status: str  # document status: loaded | quarantined | withdrawn | failed
    action: str = "failed"  # one of ACTIONS
    sha256: str | None = None
    facts: int = 0
    prior_year_facts: int = 0  # figures of year - 1 the report restates (stored beside its facts)
    tables: int = 0
    repairs: int = 0
    error: str | None = None
    seconds: float = 0.0
    document: dict[str, Any] | None = None
    #: 决算 | 预算
    report_kind: str = FINAL
    #: The ``documents`` rows of the other parts of a report of several (``document`` is the first's).
    more_documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.unit_id, self.year, self.report_kind)

    @property
    def label(self) -> str:
        """``datong-sic 2023 决算``: the report in logs."""
        return f"{self.unit_id} {self.year} {self.report_kind}"

    def document_rows(self) -> list[dict[str, Any]]:
        """Every ``documents`` row the outcome implies (one per part of a report of several)."""
        return ([] if self.document is None else [self.document]) + self.more_documents


class RawStore:
    """Raw files kept once, by sha256, at ``{root}/{sha[:2]}/{sha}.{format}``; never overwritten."""

    def __init__(self, root: str | Path, storage_options: Mapping[str, Any] | None = None) -> None:
        self.is_local = is_local_url(root)
        self.url = str(root).removeprefix("file://").rstrip("/")
        if self.is_local:
            self.fs: fsspec.AbstractFileSystem = fsspec.filesystem("file")
        else:
            self.fs = fsspec.core.url_to_fs(self.url, **(storage_options or {}))[0]

    def path_for(self, sha256: str, extension: str) -> str:
        return f"{self.url}/{sha256[:2]}/{sha256}.{extension}"

    def get(self, sha256: str, extension: str) -> bytes | None:
        """The bytes kept under ``sha256`` (``None`` when they are not there)."""
        try:
            return bytes(self.fs.cat_file(self.path_for(sha256, extension)))
        except FileNotFoundError:
            return None

    def put(self, sha256: str, extension: str, data: bytes) -> str:
        target = self.path_for(sha256, extension)
        if self.fs.exists(target):
            return target  # immutable: the same hash is the same bytes
        if self.is_local:
            local = Path(target)
            local.parent.mkdir(parents=True, exist_ok=True)
            temporary = local.parent / f".{local.name}.{uuid.uuid4().hex}.tmp"
            try:
                temporary.write_bytes(data)
                os.replace(temporary, local)
            finally:
                if temporary.exists():
                    temporary.unlink()
        else:
            self.fs.pipe_file(target, data)
        return target


def document_row(outcome: ReportOutcome, **fields: Any) -> dict[str, Any]:
    """A ``documents`` row for ``outcome`` (see :data:`juesuan.lake.DOCUMENT_SCHEMA`)."""
    row: dict[str, Any] = {
        "sha256": outcome.sha256,
        "unit_id": outcome.unit_id,
        "year": outcome.year,
        "url": outcome.url,
        "fetched_at": datetime.now(UTC),
        "format": None,
        "pages": None,
        "status": outcome.status,
        "error": outcome.error,
        "http_status": None,
        "size": None,
        "content_type": None,
        "etag": None,
        "last_modified": None,
        "final_url": None,
        "report_kind": outcome.report_kind,
    }
    row.update(fields)
    return row


def fetch_status(error: FetchError) -> str:
    """What a failed download makes of the report: withdrawn keeps the last good facts; a body over the
    size limit is quarantined (it is the document's fault, no retry helps); anything else failed tonight."""
    return {"withdrawn": "withdrawn", "too-large": "quarantined"}.get(error.kind, "failed")


def http_fields(fetched: Fetched, data: bytes) -> dict[str, Any]:
    """What the server said about the bytes, for their ``documents`` row (NULLs for a local file)."""
    return {
        "http_status": fetched.http_status,
        "size": len(data),
        "content_type": fetched.content_type,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
        "final_url": fetched.url if fetched.http_status is not None else None,
    }


def ingest_report(job: IngestJob, env: IngestEnv, fetch: FetchFunction | None = None) -> ReportOutcome:
    """Fetch, and if the bytes are new, extract and write one report; never raises a named error.

    ``fetch`` defaults to the process's polite fetcher with a plain retry loop; the Prefect flow
    passes its retrying task instead.
    """
    started = time.perf_counter()
    report = job.report
    outcome = ReportOutcome(
        unit_id=report.unit_id, year=report.year, url=report.url, status="failed", report_kind=report.kind
    )
    fetch = fetch or _default_fetch(env)
    previous = None if job.force else job.previous
    if report.parts:
        return _timed(_ingest_parts(job, env, fetch, previous, outcome, started), started)
    try:
        fetched = _prefetched(job, env) or fetch(report, previous.validators if previous else None)
    except FetchError as exc:
        outcome.status = outcome.action = fetch_status(exc)
        outcome.error = exc.reason
        outcome.document = document_row(outcome, http_status=exc.http_status)
        log.warning("%s %s: %s", outcome.action, report.label, exc)
        return _timed(outcome, started)
    except DocumentError as exc:
        outcome.status = outcome.action = "quarantined"
        outcome.error = exc.reason
        outcome.document = document_row(outcome)
        log.warning("quarantined %s: %s", report.label, exc)
        return _timed(outcome, started)
    try:
        return _timed(_after_fetch(job, env, fetched, previous, outcome, started), started)
    except TimeoutError as exc:
        outcome.status = outcome.action = "failed"
        outcome.sha256 = None  # not known as read: the next night reads it again
        outcome.error = str(exc)
        outcome.document = document_row(outcome)
        log.error("failed %s: %s", report.label, outcome.error)
        return _timed(outcome, started)
    except OSError as exc:
        # A full disk, an unwritable raw store or lake: this document fails with the reason, the run goes on.
        # No hash in the row: the next night fetches and extracts the bytes again instead of calling them known.
        outcome.status = outcome.action = "failed"
        outcome.sha256 = None
        outcome.error = f"could not store the document: {type(exc).__name__}: {exc}"
        outcome.document = document_row(outcome)
        log.error("failed %s: %s", report.label, outcome.error)
        return _timed(outcome, started)


def _after_fetch(
    job: IngestJob,
    env: IngestEnv,
    fetched: Fetched,
    previous: PreviousDocument | None,
    outcome: ReportOutcome,
    started: float,
) -> ReportOutcome:
    report = job.report
    if fetched.not_modified:
        if previous is None:
            outcome.error = "HTTP 304 Not Modified to an unconditional request"
            outcome.document = document_row(outcome, http_status=304)
            return outcome
        return _unchanged(outcome, previous.row, fetched)
    data = fetched.data or b""
    sha256 = hashlib.sha256(data).hexdigest()
    known = previous.document(sha256) if previous is not None else None
    if known is not None and _partition_matches(env, known):
        return _unchanged(outcome, known, fetched)
    outcome.sha256 = sha256
    http = http_fields(fetched, data)
    raw_store = env.raw_store()
    try:
        with using_limits(env.limits):
            document = document_from_bytes(report.url, data)
    except DocumentError as exc:
        # Bytes that are no report are evidence: kept by hash like any raw file.
        raw_store.put(sha256, "bin", data)
        return _quarantine(outcome, exc.reason, http)
    raw_store.put(sha256, document.format, data)
    try:
        extraction = _extract(job, env, document, started)
        if env.time_limit is not None and time.perf_counter() - started > env.time_limit:
            raise TimeoutError(f"time limit of {env.time_limit:g} s exceeded while reading the document")
        lake = env.lake()
        if previous is not None:
            # New bytes for a report already loaded (revised after publication): keep both versions.
            lake.keep_superseded(report.unit_id, report.year, extraction.sha256, report_kind=report.kind)
        lake.write_report(
            report.unit_id,
            report.year,
            extraction.sha256,
            extraction.facts,
            extraction.repairs,
            extraction.tables,
            prior_year_facts=extraction.prior_year_facts,
            evidence=extraction.evidence,
            report_kind=report.kind,
        )
    except DocumentError as exc:
        return _quarantine(outcome, exc.reason, dict(http, format=document.format))
    except ContractViolation as exc:
        return _quarantine(outcome, str(exc), dict(http, format=document.format))
    outcome.status = "loaded"
    outcome.action = "changed" if previous is not None else "new"
    outcome.facts = len(extraction.facts)
    outcome.prior_year_facts = len(extraction.prior_year_facts)
    outcome.tables = sum(1 for t in extraction.tables if t.table_name and t.status == "ok")
    outcome.repairs = len(extraction.repairs)
    outcome.document = document_row(outcome, format=extraction.format, pages=extraction.pages, **http)
    return outcome


_INLINE_WARNED: list[bool] = []


def _extract(
    job: IngestJob, env: IngestEnv, document: RawDocument, started: float, report: Report | None = None
) -> Extraction:
    """Read the document (``report``: the part of the job's report it is; default the report itself) in a
    worker process when the environment asks for it and allows it, else inline, as the registry's kind."""
    report = report or job.report
    registry = Registry(path=job.registry_path, units=(job.unit,))
    remaining = None if env.time_limit is None else env.time_limit - (time.perf_counter() - started)
    if remaining is not None and remaining <= 0:
        raise TimeoutError(f"time limit of {env.time_limit:g} s exceeded before the document was read")
    if env.isolation == "process" and can_isolate():
        isolated = extract_isolated(
            document,
            unit_id=report.unit_id,
            year=report.year,
            registry=registry,
            expected_format=report.format,
            limits=env.limits,
            time_limit=remaining,
            report_kind=report.kind,
        )
        log.info(
            "%s read in a worker in %.1f s, peak memory %.0f MB",
            report.label,
            isolated.seconds,
            isolated.peak_rss_bytes / 1024 / 1024,
        )
        return _of_kind(report, isolated.result())
    if env.isolation == "process" and not _INLINE_WARNED:
        _INLINE_WARNED.append(True)
        log.warning("this process may not start worker processes (a daemonic one): documents are read inline")
    extraction = extract_raw_document(
        document,
        unit_id=report.unit_id,
        year=report.year,
        registry=registry,
        expected_format=report.format,
        catalogue=Catalogue.load(),
        limits=env.limits,
        report_kind=report.kind,
    )
    return _of_kind(report, extraction)


def _of_kind(report: Report, extraction: Extraction) -> Extraction:
    """The extraction, if the document is of the registry entry's kind; else it is the wrong report
    (quarantined like one of another year: a 预算 registered as a 决算 or the reverse)."""
    if extraction.report_kind != report.kind:
        raise WrongReportError(
            extraction.source,
            f"the document is a {extraction.report_kind} report, but the registry entry is a {report.kind} report",
        )
    return extraction


def _prefetched(job: IngestJob, env: IngestEnv, index: int = 0) -> Fetched | None:
    """The discovery step's download of document ``index``, if it made one (its failure raises as a fetch would)."""
    prefetched = job.prefetched_for(index)
    if prefetched is None:
        return None
    fetched = prefetched.fetched(env.raw_store())
    if fetched is None:
        log.info("%s: the discovered bytes are not in the raw store; fetching again", prefetched.url)
    return fetched


def _quarantine(outcome: ReportOutcome, reason: str, fields: dict[str, Any]) -> ReportOutcome:
    outcome.status = outcome.action = "quarantined"
    outcome.error = reason
    outcome.document = document_row(outcome, **fields)
    log.warning("quarantined %s: %s", outcome.label, reason)
    return outcome


def _partition_matches(env: IngestEnv, row: Mapping[str, Any]) -> bool:
    """Known bytes count as unchanged unless they were loaded and the partition now holds others."""
    if row["status"] != "loaded":
        return True
    kind = str(row.get("report_kind") or FINAL)
    return env.lake().partition_sha256(str(row["unit_id"]), int(row["year"]), kind) == row["sha256"]


def _unchanged(outcome: ReportOutcome, known: Mapping[str, Any], fetched: Fetched) -> ReportOutcome:
    outcome.action = "unchanged"
    outcome.status = str(known["status"])
    outcome.sha256 = str(known["sha256"])
    outcome.error = known.get("error")
    outcome.document = _refreshed(known, fetched)
    return outcome


def _refreshed(known: Mapping[str, Any], fetched: Fetched) -> dict[str, Any]:
    """A known document's row with tonight's validators: servers may rotate them without changing the
    body; the newest are kept for tomorrow."""
    row = dict(known)
    if fetched.etag is not None:
        row["etag"] = fetched.etag
    if fetched.last_modified is not None:
        row["last_modified"] = fetched.last_modified
    return row


def _timed(outcome: ReportOutcome, started: float) -> ReportOutcome:
    return replace(outcome, seconds=time.perf_counter() - started)


def _default_fetch(env: IngestEnv) -> FetchFunction:
    fetcher = fetcher_for(env.policy)

    def fetch(report: Report, validators: Validators | None) -> Fetched:
        return fetch_with_retries(fetcher, report, validators, env.retries, env.backoff)

    return fetch


# --- a report of several parts -------------------------------------------------------------------------------
@dataclass
class _Part:
    """One document of a report of several: where it is, what is known of it, and its bytes tonight."""

    report: Report
    previous: PreviousDocument | None
    fetched: Fetched
    data: bytes = b""
    sha256: str = ""
    known: Mapping[str, Any] | None = None  # its ``documents`` row when the bytes are known

    def http(self) -> dict[str, Any]:
        return http_fields(self.fetched, self.data)


def _ingest_parts(
    job: IngestJob,
    env: IngestEnv,
    fetch: FetchFunction,
    previous: PreviousDocument | None,
    outcome: ReportOutcome,
    started: float,
) -> ReportOutcome:
    """Every part fetched; unchanged when every part is known and the partition holds them; else every
    part read and the report written once from all of them (see the module docstring)."""
    report = job.report
    parts: list[_Part] = []
    for index, part in enumerate(report.documents()):
        part_previous = previous.part(part.url) if previous is not None else None
        try:
            fetched = _prefetched(job, env, index) or fetch(part, part_previous.validators if part_previous else None)
            parts.append(_part_bytes(env, part, part_previous, fetched, fetch))
        except FetchError as exc:
            outcome.status = outcome.action = fetch_status(exc)
            return _part_failed(outcome, part, exc.reason, http_status=exc.http_status)
        except DocumentError as exc:
            outcome.status = outcome.action = "quarantined"
            return _part_failed(outcome, part, exc.reason)
        except OSError as exc:
            outcome.status = outcome.action = "failed"
            return _part_failed(outcome, part, f"could not read the document: {type(exc).__name__}: {exc}")
    known = [p.known for p in parts]
    if previous is not None and all(row is not None for row in known) and _parts_match(env, report, parts):
        return _parts_unchanged(outcome, parts)
    try:
        return _read_parts(job, env, parts, previous, outcome, started)
    except TimeoutError as exc:
        outcome.status = outcome.action = "failed"
        return _part_failed(outcome, report, str(exc))
    except OSError as exc:
        outcome.status = outcome.action = "failed"
        return _part_failed(outcome, report, f"could not store the document: {type(exc).__name__}: {exc}")


def _part_bytes(
    env: IngestEnv, part: Report, previous: PreviousDocument | None, fetched: Fetched, fetch: FetchFunction
) -> _Part:
    """The part's bytes: the body, or for ``304 Not Modified`` the raw store's copy of the known ones."""
    found = _Part(report=part, previous=previous, fetched=fetched)
    if fetched.not_modified:
        row = previous.row if previous is not None else None
        data = None if row is None else env.raw_store().get(str(row["sha256"]), str(row["format"] or "bin"))
        if data is None:
            # The raw store lost them (or the server answered 304 to an unconditional GET): ask again.
            found.fetched = fetched = fetch(part, None)
            data = fetched.data
        found.data = data or b""
    else:
        found.data = fetched.data or b""
    found.sha256 = hashlib.sha256(found.data).hexdigest()
    found.known = previous.document(found.sha256) if previous is not None else None
    return found


def _parts_match(env: IngestEnv, report: Report, parts: list[_Part]) -> bool:
    """Known parts are unchanged, unless they were loaded and the partition now holds other documents (a
    part known as unusable keeps the report as it was: nothing new to read)."""
    if any(p.known is not None and p.known["status"] != "loaded" for p in parts):
        return True
    held = env.lake().partition_documents(report.unit_id, report.year, report.kind)
    return bool(held) and held <= {p.sha256 for p in parts}


def _parts_unchanged(outcome: ReportOutcome, parts: list[_Part]) -> ReportOutcome:
    rows = []
    for part in parts:
        assert part.known is not None
        rows.append(_refreshed(part.known, part.fetched))
    problem = next((row for row in rows if row["status"] != "loaded"), None)
    outcome.action = "unchanged"
    outcome.status = str((problem or rows[0])["status"])
    outcome.error = None if problem is None else problem.get("error")
    outcome.sha256 = str(rows[0]["sha256"])
    outcome.document, outcome.more_documents = rows[0], rows[1:]
    return outcome


def _read_parts(
    job: IngestJob,
    env: IngestEnv,
    parts: list[_Part],
    previous: PreviousDocument | None,
    outcome: ReportOutcome,
    started: float,
) -> ReportOutcome:
    report = job.report
    raw_store = env.raw_store()
    outcome.sha256 = parts[0].sha256
    extractions: list[Extraction] = []
    formats: list[str | None] = []
    empty: list[str] = []  # why each part without a figure had none
    for index, part in enumerate(parts):
        try:
            with using_limits(env.limits):
                document = document_from_bytes(part.report.url, part.data)
        except DocumentError as exc:
            raw_store.put(part.sha256, "bin", part.data)  # bytes that are no report are evidence too
            return _parts_quarantined(outcome, parts, formats, index, exc.reason)
        raw_store.put(part.sha256, document.format, part.data)
        formats.append(document.format)
        try:
            extractions.append(_extract(job, env, document, started, report=part.report))
        except NoTablesOrFiguresError as exc:
            # One part may hold no figure (a 正文 whose prose states none); the report needs them somewhere.
            empty.append(exc.reason)
            extractions.append(_empty_part(part.report, document))
        except DocumentError as exc:
            return _parts_quarantined(outcome, parts, formats, index, exc.reason)
        except ContractViolation as exc:
            return _parts_quarantined(outcome, parts, formats, index, str(exc))
    if env.time_limit is not None and time.perf_counter() - started > env.time_limit:
        raise TimeoutError(f"time limit of {env.time_limit:g} s exceeded while reading the document")
    if len(empty) == len(parts):
        return _parts_quarantined(outcome, parts, formats, None, empty[0])
    # A 正文's budget prose was read without its tables: keyed to the cells the 公开表 prints, once merged.
    facts = align_report(_merged(report, [e.facts for e in extractions]))
    prior_year_facts = align_report(_merged(report, [e.prior_year_facts for e in extractions]), facts)
    lake = env.lake()
    shas = [p.sha256 for p in parts]
    try:
        if previous is not None:
            lake.keep_superseded(report.unit_id, report.year, shas, report_kind=report.kind)
        lake.write_report(
            report.unit_id,
            report.year,
            shas[0],
            facts,
            [repair for e in extractions for repair in e.repairs],
            [],
            prior_year_facts=prior_year_facts,
            report_kind=report.kind,
            parts=[DocumentPart(e.sha256, e.tables, e.evidence) for e in extractions],
        )
    except ContractViolation as exc:
        return _parts_quarantined(outcome, parts, formats, None, str(exc))
    outcome.status = "loaded"
    outcome.action = "changed" if previous is not None else "new"
    outcome.facts = len(facts)
    outcome.prior_year_facts = len(prior_year_facts)
    outcome.tables = sum(1 for e in extractions for t in e.tables if t.table_name and t.status == "ok")
    outcome.repairs = sum(len(e.repairs) for e in extractions)
    rows = [
        _part_row(outcome, part, format=e.format, pages=e.pages, **part.http())
        for part, e in zip(parts, extractions, strict=True)
    ]
    outcome.document, outcome.more_documents = rows[0], rows[1:]
    log.info("%s: %d facts from %d documents", report.label, len(facts), len(parts))
    return outcome


def _empty_part(part: Report, document: RawDocument) -> Extraction:
    """A part read without a figure: a document of the report all the same (its ``documents`` row)."""
    return Extraction(
        source=document.source,
        sha256=document.sha256,
        format=document.format,
        pages=None,
        unit_id=part.unit_id,
        year=part.year,
        report_kind=part.kind,
    )


def _merged(report: Report, found: list[list[Fact]]) -> list[Fact]:
    """The facts of every part as one report's: a figure two parts both state (a table printed in the
    正文 and in the 公开表) is kept once, from the first part that states it (the registry's order)."""
    merged: dict[tuple[Any, ...], Fact] = {}
    differing = 0
    for facts in found:
        for fact in facts:
            kept = merged.setdefault(fact.key, fact)
            if kept is not fact and kept.value != fact.value:
                differing += 1
    if differing:
        log.warning("%s: %d figure(s) stated differently by two parts; the first part's kept", report.label, differing)
    return list(merged.values())


def _part_row(outcome: ReportOutcome, part: _Part, **fields: Any) -> dict[str, Any]:
    row = document_row(outcome, **fields)
    row.update(sha256=part.sha256, url=part.report.url)
    return row


def _parts_quarantined(
    outcome: ReportOutcome, parts: list[_Part], formats: list[str | None], bad: int | None, reason: str
) -> ReportOutcome:
    """The report quarantined: the part at fault (``bad``; ``None``: the merged report) with ``reason``,
    the other parts saying which part kept the report out."""
    outcome.status = outcome.action = "quarantined"
    culprit = parts[bad].report.url if bad is not None else None
    outcome.error = reason if culprit is None or len(parts) == 1 else f"{file_label(culprit)}: {reason}"
    rows = []
    for index, part in enumerate(parts):
        if bad is not None and index != bad and part.known is not None:
            # A part known from an earlier night keeps its row: its bytes are as good as they were.
            rows.append(_refreshed(part.known, part.fetched))
            continue
        fmt = formats[index] if index < len(formats) else None
        why = (
            reason if index == bad or bad is None else f"another part of the report could not be used ({outcome.error})"
        )
        row = _part_row(outcome, part, format=fmt, **part.http())
        row["error"] = why
        rows.append(row)
    outcome.document, outcome.more_documents = rows[0], rows[1:]
    log.warning("quarantined %s: %s", outcome.label, outcome.error)
    return outcome


def _part_failed(outcome: ReportOutcome, part: Report, reason: str, http_status: int | None = None) -> ReportOutcome:
    """The report not read tonight because of one part: one row without bytes (its earlier data stays)."""
    outcome.sha256 = None
    outcome.url = part.url
    outcome.error = reason
    outcome.document = document_row(outcome, http_status=http_status)
    outcome.more_documents = []
    log.warning("%s %s (%s): %s", outcome.action, outcome.label, part.url, reason)
    return outcome


def file_label(url: str) -> str:
    """The last part of a document's address: how a message names one part of a report."""
    return url.rstrip("/").rsplit("/", 1)[-1] or url
