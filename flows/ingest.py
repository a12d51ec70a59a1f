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

from juesuan.errors import ContractViolation, DocumentError
from juesuan.extract.api import Extraction, extract_raw_document
from juesuan.extract.document import RawDocument, document_from_bytes, using_limits
from juesuan.extract.isolated import can_isolate, extract_isolated
from juesuan.flows.fetch import Fetched, FetchError, FetchPolicy, Validators, fetch_with_retries, fetcher_for
from juesuan.lake import Lake, is_local_url
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

    @property
    def key(self) -> tuple[str, int]:
        return (self.unit_id, self.year)


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
    }
    row.update(fields)
    return row


def ingest_report(job: IngestJob, env: IngestEnv, fetch: FetchFunction | None = None) -> ReportOutcome:
    """Fetch, and if the bytes are new, extract and write one report; never raises a named error.

    ``fetch`` defaults to the process's polite fetcher with a plain retry loop; the Prefect flow
    passes its retrying task instead.
    """
    started = time.perf_counter()
    report = job.report
    outcome = ReportOutcome(unit_id=report.unit_id, year=report.year, url=report.url, status="failed")
    fetch = fetch or _default_fetch(env)
    previous = None if job.force else job.previous
    try:
        fetched = _prefetched(job, env) or fetch(report, previous.validators if previous else None)
    except FetchError as exc:
        # Withdrawn keeps the last good facts; a body over the size limit is quarantined (it is the
        # document's fault, no retry helps); everything else failed tonight.
        outcome.status = outcome.action = {"withdrawn": "withdrawn", "too-large": "quarantined"}.get(exc.kind, "failed")
        outcome.error = exc.reason
        outcome.document = document_row(outcome, http_status=exc.http_status)
        log.warning("%s %s %s: %s", outcome.action, report.unit_id, report.year, exc)
        return _timed(outcome, started)
    except DocumentError as exc:
        outcome.status = outcome.action = "quarantined"
        outcome.error = exc.reason
        outcome.document = document_row(outcome)
        log.warning("quarantined %s %s: %s", report.unit_id, report.year, exc)
        return _timed(outcome, started)
    try:
        return _timed(_after_fetch(job, env, fetched, previous, outcome, started), started)
    except TimeoutError as exc:
        outcome.status = outcome.action = "failed"
        outcome.sha256 = None  # not known as read: the next night reads it again
        outcome.error = str(exc)
        outcome.document = document_row(outcome)
        log.error("failed %s %s: %s", report.unit_id, report.year, outcome.error)
        return _timed(outcome, started)
    except OSError as exc:
        # A full disk, an unwritable raw store or lake: this document fails with the reason, the run goes on.
        # No hash in the row: the next night fetches and extracts the bytes again instead of calling them known.
        outcome.status = outcome.action = "failed"
        outcome.sha256 = None
        outcome.error = f"could not store the document: {type(exc).__name__}: {exc}"
        outcome.document = document_row(outcome)
        log.error("failed %s %s: %s", report.unit_id, report.year, outcome.error)
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
    http = {
        "http_status": fetched.http_status,
        "size": len(data),
        "content_type": fetched.content_type,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
        "final_url": fetched.url if fetched.http_status is not None else None,
    }
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
            lake.keep_superseded(report.unit_id, report.year, extraction.sha256)
        lake.write_report(
            report.unit_id,
            report.year,
            extraction.sha256,
            extraction.facts,
            extraction.repairs,
            extraction.tables,
            prior_year_facts=extraction.prior_year_facts,
            evidence=extraction.evidence,
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


def _extract(job: IngestJob, env: IngestEnv, document: RawDocument, started: float) -> Extraction:
    """Read the document: in a worker process when the environment asks for it and allows it, else inline."""
    report = job.report
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
        )
        log.info(
            "%s %s read in a worker in %.1f s, peak memory %.0f MB",
            report.unit_id,
            report.year,
            isolated.seconds,
            isolated.peak_rss_bytes / 1024 / 1024,
        )
        return isolated.result()
    if env.isolation == "process" and not _INLINE_WARNED:
        _INLINE_WARNED.append(True)
        log.warning("this process may not start worker processes (a daemonic one): documents are read inline")
    return extract_raw_document(
        document,
        unit_id=report.unit_id,
        year=report.year,
        registry=registry,
        expected_format=report.format,
        catalogue=Catalogue.load(),
        limits=env.limits,
    )


def _prefetched(job: IngestJob, env: IngestEnv) -> Fetched | None:
    """The discovery step's download of the report, if it made one (its failure raises as a fetch would)."""
    if job.prefetched is None:
        return None
    fetched = job.prefetched.fetched(env.raw_store())
    if fetched is None:
        log.info("%s: the discovered bytes are not in the raw store; fetching again", job.report.url)
    return fetched


def _quarantine(outcome: ReportOutcome, reason: str, fields: dict[str, Any]) -> ReportOutcome:
    outcome.status = outcome.action = "quarantined"
    outcome.error = reason
    outcome.document = document_row(outcome, **fields)
    log.warning("quarantined %s %s: %s", outcome.unit_id, outcome.year, reason)
    return outcome


def _partition_matches(env: IngestEnv, row: Mapping[str, Any]) -> bool:
    """Known bytes count as unchanged unless they were loaded and the partition now holds others."""
    if row["status"] != "loaded":
        return True
    return env.lake().partition_sha256(str(row["unit_id"]), int(row["year"])) == row["sha256"]


def _unchanged(outcome: ReportOutcome, known: Mapping[str, Any], fetched: Fetched) -> ReportOutcome:
    outcome.action = "unchanged"
    outcome.status = str(known["status"])
    outcome.sha256 = str(known["sha256"])
    outcome.error = known.get("error")
    row = dict(known)
    # Servers may rotate validators without changing the body; keep the newest for tomorrow.
    if fetched.etag is not None:
        row["etag"] = fetched.etag
    if fetched.last_modified is not None:
        row["last_modified"] = fetched.last_modified
    outcome.document = row
    return outcome


def _timed(outcome: ReportOutcome, started: float) -> ReportOutcome:
    return replace(outcome, seconds=time.perf_counter() - started)


def _default_fetch(env: IngestEnv) -> FetchFunction:
    fetcher = fetcher_for(env.policy)

    def fetch(report: Report, validators: Validators | None) -> Fetched:
        return fetch_with_retries(fetcher, report, validators, env.retries, env.backoff)

    return fetch
