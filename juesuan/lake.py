"""The Parquet lake: per-report partitions replaced atomically, plus small dimension tables.

Layout (``{lake}`` defaults to ``data/lake``; it may be any fsspec URL, e.g. ``s3://bucket/lake``)::

    {lake}/facts/year=2023/unit_id=datong-sic/facts.parquet                 contract facts of one report
    {lake}/code_repairs/year=2023/unit_id=datong-sic/code_repairs.parquet   repaired / unresolved codes
    {lake}/parsed_tables/year=2023/unit_id=datong-sic/parsed_tables.parquet parsing report per table
    {lake}/prior_year_facts/year=2023/unit_id=datong-sic/prior_year_facts.parquet
                               figures of 2022 the 2023 report restates (与上年相比 …), see below
    {lake}/narrative_statements/…, document_marks/…, performance_tables/…
                               what the report says beyond its figures (extract/evidence.py): statements
                               relating figures, structure and hygiene marks, 绩效自评表
    {lake}/superseded_facts/year=2023/unit_id=datong-sic/superseded_facts.parquet
                               the facts of every earlier document of the report that a new one replaced
                               (a report revised after publication), with that document's sha256
    {lake}/units.parquet       one row per registry unit
    {lake}/subjects.parquet    the classification catalogue
    {lake}/documents.parquet   one row per document (sha256) ever seen, with status and error
    {lake}/waivers.parquet     acknowledged identity findings, a log (juesuan waive; juesuan.waivers)
    {lake}/mail_ledger.parquet what each steward was told, written after the server accepted it
    {lake}/discovered_documents.parquet  every link the discovery step found on the sources' pages,
                               how it was classified and why it was taken or rejected
    {lake}/discovery_pages.parquet       every listing / article page it walked, with its links

Partition columns (``year``, ``unit_id``) live in the path only (hive style).

Report kinds: a unit-year may have a 决算 (final accounts) and a 预算 (budget) report. Both live in
the same partition folder; the file name says the kind: ``{dataset}.parquet`` is the 决算's (as it
always was), ``{dataset}.budget.parquet`` the 预算's (``contract.REPORT_KIND_SLUGS``). Every
per-report method takes ``report_kind`` (default 决算), and every row read from a per-report dataset
carries ``report_kind``: the fact files store it as a column, the others take it from the file name,
and a file written before kinds existed (no column) reads as 决算. Writing or removing one kind's
report never touches the other's files.

``parsed_tables`` says, per table found, how far its figures can be trusted (``TableReport`` in
``extract/base.py``): ``reading`` (the reading of the grid that was kept), ``reconciled`` (``exact``,
``rounding``, ``unreconciled`` or ``unchecked``), ``reliable`` and ``unreliable_reason``, and ``pages``
(a list of every 1-based page the table is printed on; empty for text exports). The identity suites
read a table that was not read reliably as unknown, never as blanks = 0 (docs/validation.md). Files
written before these columns existed are read as reliable (:meth:`Lake.read_parsed_tables`).

``prior_year_facts`` sits in the partition of the report that states the figures, although they are
facts of the year before: a report's partitions are replaced together, and a restatement is
evidence of that report (``document_sha256`` is its hash). Its files carry the figures' own year
in the column ``fact_year`` (always the partition's year − 1), so nobody mistakes the partition
year for theirs. They are kept apart from ``facts``: they are no report of that year, and the
identity suites, which read ``facts`` only, never take them for one.

Atomicity: on a local disk every file is written to a hidden temporary name in the same folder and
renamed over the old one, so a reader sees the old report or the new one, never half of either. On
an object store (S3 and the like) a rename is a copy, but a single PUT is already atomic: the
object appears whole or not at all, so the file is put directly. A write whose bytes equal the
stored ones is skipped, so a re-run rewrites nothing and a night with nothing new leaves the lake
exactly as it was.

``documents`` rows are keyed by ``(sha256, unit_id, year, report_kind)``; a row with a NULL ``sha256`` is
the latest attempt of a report that delivered no bytes (download failed, report withdrawn, file
missing), and is dropped again once the report arrives. A report of several parts (a 预算's 正文 and
公开表 as two files) has one row per part, each with its own sha256 and url. Rows written before
``report_kind`` existed read as 决算.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from juesuan.contract import (
    FACT_SCHEMA,
    FINAL,
    PARTITION_COLUMNS,
    REPORT_KIND_SLUGS,
    REPORT_KINDS,
    Fact,
    facts_to_table,
    is_valid_unit_id,
    validate_facts,
)
from juesuan.errors import ContractViolation
from juesuan.extract.base import RECONCILED_STATES, CodeRepair, TableReport
from juesuan.extract.evidence import (
    MARK_SCHEMA,
    PERFORMANCE_SCHEMA,
    STATEMENT_SCHEMA,
    DocumentEvidence,
    mark_rows,
    performance_rows,
    statement_rows,
)
from juesuan.registry import Registry
from juesuan.settings import Settings

log = logging.getLogger(__name__)

FACTS = "facts"
CODE_REPAIRS = "code_repairs"
PARSED_TABLES = "parsed_tables"
PRIOR_YEAR_FACTS = "prior_year_facts"
NARRATIVE_STATEMENTS = "narrative_statements"
DOCUMENT_MARKS = "document_marks"
PERFORMANCE_TABLES = "performance_tables"
SUPERSEDED_FACTS = "superseded_facts"
#: Datasets with one partition per report, replaced with it (superseded_facts accumulates instead).
EVIDENCE_DATASETS = (NARRATIVE_STATEMENTS, DOCUMENT_MARKS, PERFORMANCE_TABLES)
PARTITIONED_DATASETS = (FACTS, CODE_REPAIRS, PARSED_TABLES, PRIOR_YEAR_FACTS, *EVIDENCE_DATASETS, SUPERSEDED_FACTS)
#: The column every row read from a per-report dataset carries (the fact files store it themselves).
REPORT_KIND = "report_kind"

#: ``loaded``: its facts are in the lake; ``quarantined``: bytes arrived but are no readable report;
#: ``withdrawn``: the site answers 404/410 (the last good facts are kept); ``failed``: the download
#: failed after its retries (5xx, timeout, truncated body), the last good facts are kept.
DOCUMENT_STATUSES = ("loaded", "quarantined", "withdrawn", "failed")

FACT_FILE_SCHEMA = pa.schema([f for f in FACT_SCHEMA if f.name not in PARTITION_COLUMNS])
#: A ``prior_year_facts`` file: the fact columns plus the figures' own year (partition year − 1).
PRIOR_YEAR_FACT_FILE_SCHEMA = pa.schema([pa.field("fact_year", pa.int16(), nullable=False), *FACT_FILE_SCHEMA])
#: A ``superseded_facts`` file: the fact columns of earlier documents plus when a newer one replaced them.
SUPERSEDED_FACT_FILE_SCHEMA = pa.schema(
    [*FACT_FILE_SCHEMA, pa.field("superseded_at", pa.timestamp("us", tz="UTC"), nullable=False)]
)
EVIDENCE_SCHEMAS = {
    NARRATIVE_STATEMENTS: STATEMENT_SCHEMA,
    DOCUMENT_MARKS: MARK_SCHEMA,
    PERFORMANCE_TABLES: PERFORMANCE_SCHEMA,
}
CODE_REPAIR_SCHEMA = pa.schema(
    [
        ("document_sha256", pa.string()),
        ("table_name", pa.string()),
        ("page", pa.int32()),
        ("raw_code", pa.string()),
        ("raw_name", pa.string()),
        ("code", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
    ]
)
PARSED_TABLE_SCHEMA = pa.schema(
    [
        ("document_sha256", pa.string()),
        ("title", pa.string()),
        ("table_name", pa.string()),
        ("status", pa.string()),
        ("extractor", pa.string()),
        ("page", pa.int32()),
        ("line", pa.int32()),
        ("rows", pa.int32()),
        ("facts", pa.int32()),
        ("notes", pa.string()),
        # How far the table's figures can be trusted (extract/base.py TableReport; docs/validation.md):
        ("reading", pa.string()),  # which reading of the grid was kept ("" when none was recorded)
        ("reconciled", pa.string()),  # one of RECONCILED_STATES
        ("reliable", pa.bool_()),  # False: the identity suites read the table's checks as not_checkable
        ("unreliable_reason", pa.string()),  # why not reliable ("" when reliable)
        ("pages", pa.list_(pa.int32())),  # every page the table is printed on, in order ([] for text exports)
    ]
)
#: What a ``parsed_tables`` file written before a column existed is read as (:meth:`Lake.read_parsed_tables`).
#: ``pages`` missing is ``[page]`` (or ``[]``); a missing ``reliable`` is true: older readers recorded no doubt.
PARSED_TABLE_DEFAULTS: dict[str, Any] = {
    "reading": "",
    "reconciled": "unchecked",
    "reliable": True,
    "unreliable_reason": "",
}
DOCUMENT_SCHEMA = pa.schema(
    [
        ("sha256", pa.string()),
        ("unit_id", pa.string()),
        ("year", pa.int16()),
        ("url", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("format", pa.string()),
        ("pages", pa.int32()),
        ("status", pa.string()),
        ("error", pa.string()),
        # What the server said about the bytes (NULL for local files): kept for conditional GETs.
        ("http_status", pa.int16()),
        ("size", pa.int64()),
        ("content_type", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        # Where the bytes finally came from after redirects (NULL for local files and older rows).
        ("final_url", pa.string()),
        # 决算 | 预算: the kind of the report the document is (a part of); older rows read as 决算.
        ("report_kind", pa.string()),
    ]
)
UNIT_SCHEMA = pa.schema(
    [
        ("unit_id", pa.string()),
        ("name", pa.string()),
        ("province", pa.string()),
        ("city", pa.string()),
        ("county", pa.string()),
        ("level", pa.string()),
        ("kind", pa.string()),
        ("stewards", pa.string()),
    ]
)


#: ``waivers.parquet``: one row per acknowledgement (``action = 'waive'``) or its withdrawal
#: (``'revoke'``) of an identity finding, never rewritten in place — the latest row per ``check_id`` counts
#: (:mod:`juesuan.waivers`). ``severity``, ``left_value`` and ``right_value`` are the finding as it was
#: waived: a waiver covers the finding while those stay the same.
WAIVER_SCHEMA = pa.schema(
    [
        ("check_id", pa.string()),
        ("unit_id", pa.string()),
        ("year", pa.int16()),
        ("action", pa.string()),  # waive | revoke
        ("reason", pa.string()),
        ("waived_by", pa.string()),
        ("waived_at", pa.timestamp("us", tz="UTC")),
        ("until", pa.date32()),  # last day the waiver holds; NULL: no expiry
        ("severity", pa.string()),
        ("left_value", pa.decimal128(20, 6)),
        ("right_value", pa.decimal128(20, 6)),
    ]
)
WAIVERS_FILE = "waivers.parquet"
#: ``mail_ledger.parquet``: what each steward was told, one row per steward and item, written only after
#: the message holding the item was accepted by the mail server (:mod:`juesuan.stewards_mail`).
MAIL_LEDGER_SCHEMA = pa.schema(
    [
        ("steward", pa.string()),
        ("item", pa.string()),  # the item's stable key (a finding's check_id, a document, a table …)
        ("unit_id", pa.string()),
        ("year", pa.int16()),
        ("kind", pa.string()),  # finding | document | table | code
        ("section", pa.string()),  # error | unread | warning | rounding
        ("fingerprint", pa.string()),  # what the item said (figures, status): a change makes it new again
        ("first_mailed_at", pa.timestamp("us", tz="UTC")),
        ("last_mailed_at", pa.timestamp("us", tz="UTC")),
        ("waived", pa.bool_()),  # mailed as waived (listed among the acknowledged findings)
        ("message_id", pa.string()),
    ]
)
MAIL_LEDGER_FILE = "mail_ledger.parquet"
#: The discovery step's record (``flows/discover.py``, docs/discovery.md): one row per link found on a
#: page of a source, keyed by ``(source, found_on, url, link_text)``; ``decision`` says what became of it.
DISCOVERED_DOCUMENTS = "discovered_documents"
DISCOVERY_PAGES = "discovery_pages"
DISCOVERY_DECISIONS = ("selected", "followed", "rejected", "failed")
DISCOVERED_DOCUMENT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),  # the source's listing url (its key in the registry)
        ("found_on", pa.string()),  # the page the link is on
        ("url", pa.string()),  # where the link points ("" for a javascript: link without an address)
        ("link_text", pa.string()),
        ("article_title", pa.string()),  # the listing entry / page title the link sits under
        ("listed_date", pa.string()),  # publication date printed beside it (YYYY-MM-DD)
        ("tag", pa.string()),  # a | iframe | embed | object | frame | refresh | script
        ("role", pa.string()),  # page | document
        ("depth", pa.int16()),  # 0: on a listing page, 1: on an article page, …
        ("position", pa.int32()),  # order found in the walk (earlier on a listing = newer)
        ("label_kind", pa.string()),  # what the words say: 决算 | 预算 | 预决算 | NULL
        ("label_year", pa.int16()),
        ("label_scope", pa.string()),  # 部门 | 单位
        ("label_part", pa.string()),  # 正文 | 公开表
        ("label_revision", pa.bool_()),  # the words say 更正 / 修订 / 更新 …
        ("unit_id", pa.string()),  # the unit it was taken for (NULL: none)
        ("year", pa.int16()),  # the fiscal year it was taken for
        ("final_url", pa.string()),  # after redirects
        ("http_status", pa.int16()),
        ("sha256", pa.string()),
        ("format", pa.string()),
        ("size", pa.int64()),
        ("content_type", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("content_kind", pa.string()),  # what the document says it is: 决算 | 预算 | NULL
        ("content_year", pa.int16()),
        ("content_unit", pa.string()),
        ("content_scope", pa.string()),
        ("content_part", pa.string()),  # 完整 | 公开表 | 正文
        ("content_evidence", pa.string()),  # the title words (or table titles) that decided the kind
        ("decision", pa.string()),  # one of DISCOVERY_DECISIONS
        ("stage", pa.string()),  # link | download | content | identity | selection
        ("reason", pa.string()),
        ("current", pa.bool_()),  # found by the latest walk (false: kept from an earlier night)
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("changed_at", pa.timestamp("us", tz="UTC")),  # when the row last changed
    ]
)
DISCOVERY_PAGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("role", pa.string()),  # listing | article | page
        ("depth", pa.int16()),
        ("page_number", pa.int32()),  # listing pages: 1, 2, … in walk order
        ("linked_from", pa.string()),
        ("status", pa.string()),  # ok | failed | blocked | skipped
        ("http_status", pa.int16()),
        ("error", pa.string()),
        ("charset", pa.string()),
        ("title", pa.string()),
        ("links", pa.int32()),
        ("links_json", pa.string()),  # the links as read on the last good fetch (reused on a 304 or a failure)
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("sha256", pa.string()),
        ("current", pa.bool_()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("changed_at", pa.timestamp("us", tz="UTC")),
    ]
)


SUBJECT_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("level", pa.string()),
        ("parent_code", pa.string()),
        ("classification", pa.string()),
        ("valid_from_year", pa.int16()),
        ("valid_to_year", pa.int16()),
    ]
)


def table_bytes(table: pa.Table) -> bytes:
    """A table as Parquet bytes (deterministic for equal tables, so equal content is detectable)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a hidden temporary file and an atomic rename."""
    write_bytes_atomic(table_bytes(table), path)


def write_bytes_atomic(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def is_local_url(url: str | Path) -> bool:
    text = str(url)
    return "://" not in text or text.startswith("file://")


@dataclass(frozen=True)
class DocumentPart:
    """What one document of a report contributes beside its facts: its tables' parsing reports and the
    evidence it states (a report of several parts has one per document, see :meth:`Lake.write_report`)."""

    sha256: str
    tables: Sequence[TableReport] = ()
    evidence: DocumentEvidence | None = None


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()


def _with_kind(table: pa.Table, report_kind: str) -> pa.Table:
    """``table`` with its ``report_kind`` column filled: missing (a file written before kinds) or NULL is
    the kind the file name says."""
    kinds = pa.array([report_kind] * table.num_rows, type=pa.string())
    if REPORT_KIND not in table.column_names:
        return table.append_column(REPORT_KIND, kinds)
    index = table.column_names.index(REPORT_KIND)
    filled = pc.coalesce(table.column(index).cast(pa.string()), kinds)
    return table.set_column(index, REPORT_KIND, filled)


def _conform(table: pa.Table, schema: pa.Schema, report_kind: str) -> pa.Table:
    """A stored fact table in today's ``schema`` (a file written before ``report_kind`` gets the file's kind)."""
    return _with_kind(table, report_kind).select(schema.names).cast(schema)


def _prior_year_table(unit_id: str, year: int, documents: set[str], facts: Sequence[Fact]) -> pa.Table:
    """The ``prior_year_facts`` file of a report of ``year``: contract-checked facts of ``year - 1``."""
    validate_facts(list(facts))
    strays = sorted({(f.unit_id, f.year) for f in facts} - {(unit_id, year - 1)})
    if strays:
        raise ContractViolation(
            f"prior-year facts of {strays} cannot go into the partition of {unit_id} {year} (only {unit_id} {year - 1})"
        )
    foreign = sorted({f.document_sha256 for f in facts} - documents)
    if foreign:
        raise ContractViolation(
            f"prior-year facts of {unit_id} {year} must come from its document(s) {sorted(documents)}, not {foreign}"
        )
    table = facts_to_table(list(facts)).drop_columns(list(PARTITION_COLUMNS))
    fact_year = pa.array([year - 1] * table.num_rows, type=pa.int16())
    return table.add_column(0, "fact_year", fact_year).cast(PRIOR_YEAR_FACT_FILE_SCHEMA)


def _parsed_table_row(document_sha256: str, table: TableReport) -> dict[str, Any]:
    """One ``parsed_tables`` row; a reconciliation state outside :data:`RECONCILED_STATES` breaks the contract."""
    if table.reconciled not in RECONCILED_STATES:
        name = table.table_name or table.title
        raise ContractViolation(f"table {name!r}: reconciled {table.reconciled!r} is not one of {RECONCILED_STATES}")
    return {
        "document_sha256": document_sha256,
        "title": table.title,
        "table_name": table.table_name,
        "status": table.status,
        "extractor": table.extractor,
        "page": table.page,
        "line": table.line,
        "rows": table.rows,
        "facts": table.facts,
        "notes": "; ".join(table.notes),
        "reading": table.reading,
        "reconciled": table.reconciled,
        "reliable": bool(table.reliable),
        "unreliable_reason": table.unreliable_reason,
        "pages": _pages(table.pages or None, table.page),
    }


def _with_parsed_table_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``parsed_tables`` file's rows with the columns an older file lacks filled in (see the defaults)."""
    for name, default in PARSED_TABLE_DEFAULTS.items():
        if name not in frame.columns:
            frame[name] = default
        else:
            frame[name] = frame[name].where(frame[name].notna(), default)
    listed = frame["pages"] if "pages" in frame.columns else [None] * len(frame)
    frame["pages"] = [_pages(pages, page) for pages, page in zip(listed, frame["page"], strict=True)]
    frame["reliable"] = frame["reliable"].astype(bool)
    return frame


def _pages(pages: Any, page: Any) -> list[int]:
    """Every page of a table: ``pages`` when given, else its first ``page`` (or none: a text export)."""
    if pages is not None and not (isinstance(pages, float) and pd.isna(pages)):
        return [int(p) for p in pages]
    return [] if page is None or pd.isna(page) else [int(page)]


def _document_sort_key(row: Mapping[str, Any]) -> tuple[str, int, int, str]:
    # 决算 rows first, as they always were; then the 预算's.
    kind = row.get("report_kind") or FINAL
    return (str(row["unit_id"]), int(row["year"]), REPORT_KINDS.index(kind), str(row["sha256"] or ""))


def document_key(row: Mapping[str, Any]) -> tuple[str | None, str, int, str]:
    """A ``documents`` row's key: ``(sha256, unit_id, year, report_kind)`` (older rows: 决算)."""
    return (row["sha256"], str(row["unit_id"]), int(row["year"]), row.get("report_kind") or FINAL)


def merge_document_rows(existing: Iterable[dict[str, Any]], updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``existing`` with every update row inserted or replaced (key: sha256, unit_id, year, report_kind), sorted.

    An update with a sha256 means bytes arrived for that report: the report's NULL-sha256 row (a
    failed attempt) is dropped with it.
    """
    rows = {document_key(r): {**r, "report_kind": r.get("report_kind") or FINAL} for r in existing}
    for update in updates:
        key = document_key(update)
        if update["sha256"] is not None:
            rows.pop((None, *key[1:]), None)
        row = {name: update.get(name) for name in DOCUMENT_SCHEMA.names}
        row["report_kind"] = key[3]
        rows[key] = row
    return sorted(rows.values(), key=_document_sort_key)


def partition_file(dataset: str, report_kind: str = FINAL) -> str:
    """The file of one report in a partition folder: ``facts.parquet`` (决算), ``facts.budget.parquet`` (预算)."""
    if report_kind not in REPORT_KINDS:
        raise ContractViolation(f"report kind {report_kind!r} is not one of {', '.join(REPORT_KINDS)}")
    if report_kind == FINAL:
        return f"{dataset}.parquet"
    return f"{dataset}.{REPORT_KIND_SLUGS[report_kind]}.parquet"


def kind_of_file(dataset: str, name: str) -> str | None:
    """The report kind a partition file's name says (``None``: not a report file of ``dataset``)."""
    for kind in REPORT_KINDS:
        if name == partition_file(dataset, kind):
            return kind
    return None


def partition_glob(dataset: str, report_kind: str | None = None) -> str:
    """The lake glob of ``dataset``'s partition files of one kind (``None``: every kind)."""
    name = f"{dataset}*.parquet" if report_kind is None else partition_file(dataset, report_kind)
    return f"{dataset}/year=*/unit_id=*/{name}"


def partition_problem(relative: str) -> str | None:
    """Why a lake path is no valid hive partition (``None`` when it is one, or holds no partition keys).

    Every ``year=…`` folder must be a four-digit year and every ``unit_id=…`` folder a valid unit id:
    a folder such as ``unit_id=datong-sic⏎`` (an id with a trailing newline, issue 13.1) would make
    every hive reader of the lake fail, so readers skip it and say so.
    """
    for part in relative.split("/"):
        key, equals, value = part.partition("=")
        if not equals:
            continue
        if key == "year" and not (len(value) == 4 and value.isascii() and value.isdigit()):
            return f"year {value!r} is not a four-digit year"
        if key == "unit_id" and not is_valid_unit_id(value):
            return f"unit_id {value!r} is not a valid unit id (lower-case ASCII letters, digits and '-')"
    return None


_REPORTED_INVALID: set[str] = set()


def skip_invalid_partitions(paths: Iterable[str], where: str) -> list[str]:
    """``paths`` without those in no valid partition; each skipped one is logged (once per process)."""
    kept = []
    for path in paths:
        problem = partition_problem(path)
        if problem is None:
            kept.append(path)
            continue
        if path not in _REPORTED_INVALID:
            _REPORTED_INVALID.add(path)
            log.warning("%s: skipping %r: not a valid partition (%s); remove that folder", where, path, problem)
    return kept


class Lake:
    """The lake at a local folder or an fsspec URL (``s3://bucket/lake``, ``memory://lake`` …).

    ``storage_options`` go to fsspec (for S3: ``{"endpoint_url": …, "key": …, "secret": …}``; by
    default s3fs reads the usual ``AWS_*`` variables).
    """

    def __init__(self, root: str | Path, storage_options: Mapping[str, Any] | None = None) -> None:
        self.storage_options = dict(storage_options or {})
        self.is_local = is_local_url(root)
        self._root: Path | None
        if self.is_local:
            self._root = Path(str(root).removeprefix("file://"))
            self.url = str(self._root)
            self.fs: fsspec.AbstractFileSystem = fsspec.filesystem("file")
        else:
            self.url = str(root).rstrip("/")
            self.fs, _ = fsspec.core.url_to_fs(self.url, **self.storage_options)
            self._root = None

    def __repr__(self) -> str:
        return f"Lake({self.url!r})"

    @property
    def root(self) -> Path:
        """The lake folder of a local lake (``url`` names any lake, local or not)."""
        if self._root is None:
            raise ValueError(f"lake {self.url} is not on the local disk; use Lake.url")
        return self._root

    def path(self, relative: str) -> str:
        """A file or folder of the lake as an fsspec path (a plain path for a local lake)."""
        return f"{self.url}/{relative}"

    def partition(self, dataset: str, unit_id: str, year: int, report_kind: str = FINAL) -> Path:
        return self.root / self.partition_relative(dataset, unit_id, year, report_kind)

    @staticmethod
    def partition_relative(dataset: str, unit_id: str, year: int, report_kind: str = FINAL) -> str:
        """``{dataset}/year=Y/unit_id=U/{dataset}.parquet`` (决算) or ``….budget.parquet`` (预算)."""
        relative = f"{dataset}/year={year}/unit_id={unit_id}/{partition_file(dataset, report_kind)}"
        problem = partition_problem(relative)
        if problem is not None:
            raise ContractViolation(f"no partition of {dataset} for {unit_id!r} {year!r}: {problem}")
        return relative

    # --- file access -------------------------------------------------------------------------------------
    def exists(self, relative: str) -> bool:
        return bool(self.fs.exists(self.path(relative)))

    def read_bytes(self, relative: str) -> bytes | None:
        try:
            return bytes(self.fs.cat_file(self.path(relative)))
        except FileNotFoundError:
            return None

    def put_table(self, table: pa.Table, relative: str) -> bool:
        """Store ``table`` at ``relative`` atomically; ``False`` (nothing written) when unchanged."""
        data = table_bytes(table)
        if self.read_bytes(relative) == data:
            return False
        if self.is_local:
            write_bytes_atomic(data, self.root / relative)
        else:
            # One PUT: the object store publishes it whole or not at all.
            self.fs.pipe_file(self.path(relative), data)
        return True

    def read_table(self, relative: str) -> pa.Table | None:
        data = self.read_bytes(relative)
        return None if data is None else pq.read_table(pa.BufferReader(data))

    def remove_stale_temporaries(self) -> list[str]:
        """Delete temporary files a killed writer left behind (call only while no writer runs)."""
        if not self.is_local or not self.root.exists():
            return []
        stale = [p for p in self.root.rglob(".*.tmp") if p.is_file()]
        for path in stale:
            path.unlink()
        return [str(p) for p in stale]

    def files(self, pattern: str) -> list[str]:
        """The files matching ``pattern`` (a glob relative to the lake), relative to the lake, sorted.

        Files in a folder that is no valid partition (``unit_id=`` not a unit id, ``year=`` not a
        year) are left out and logged: one bad folder must not stop every reader of the lake.
        """
        self.fs.invalidate_cache()  # listings are cached per filesystem; writers may be other processes
        base = fsspec.core.strip_protocol(self.url).rstrip("/") + "/"
        found = []
        for path in self.fs.glob(self.path(pattern)):
            text = str(path)
            if not text.startswith(base):
                raise ValueError(f"{self.fs.protocol} listed {text}, which is outside the lake {self.url}")
            found.append(text.removeprefix(base))
        return skip_invalid_partitions(sorted(found), f"lake {self.url}")

    def remove(self, relative: str) -> None:
        """Delete one file of the lake (missing: ``FileNotFoundError``)."""
        self.fs.rm_file(self.path(relative))

    def report_files(self, dataset: str, report_kind: str | None = None) -> list[tuple[str, str, int, str]]:
        """``(relative path, unit_id, year, report_kind)`` of every partition file of ``dataset`` (of one
        kind, or of every kind), in path order; other files in the folders are ignored."""
        found = []
        for relative in self.files(partition_glob(dataset, report_kind)):
            parts = relative.split("/")
            kind = kind_of_file(dataset, parts[-1])
            if kind is None:
                continue
            found.append((relative, parts[-2].removeprefix("unit_id="), int(parts[-3].removeprefix("year=")), kind))
        return found

    def remove_report(self, unit_id: str, year: int, report_kind: str = FINAL) -> list[str]:
        """Delete every partition file of one report (its kind only); returns the files removed."""
        removed = []
        for dataset in PARTITIONED_DATASETS:
            relative = self.partition_relative(dataset, unit_id, year, report_kind)
            if self.exists(relative):
                self.remove(relative)
                removed.append(relative)
        return removed

    # --- per-report data -----------------------------------------------------------------------------
    def write_report(
        self,
        unit_id: str,
        year: int,
        document_sha256: str,
        facts: list[Fact],
        repairs: list[CodeRepair],
        tables: list[TableReport],
        prior_year_facts: Sequence[Fact] = (),
        evidence: DocumentEvidence | None = None,
        *,
        report_kind: str = FINAL,
        parts: Sequence[DocumentPart] = (),
    ) -> None:
        """Replace one report's partitions (facts, code repairs, parsing report, prior-year facts, evidence).

        The facts are checked against the contract first: nothing that breaks it reaches the lake.
        ``prior_year_facts`` are the figures of ``year - 1`` the report restates; they go into the
        report's own ``prior_year_facts`` partition (written even when empty), as do the ``evidence``
        datasets (statements, marks, 绩效自评表). The facts file goes last, so a report whose facts
        file holds ``document_sha256`` has all its partitions of that document (see :meth:`partition_sha256`).

        ``report_kind`` chooses the report's files (决算 ``{dataset}.parquet``, 预算
        ``{dataset}.budget.parquet``); every fact must be of that kind. A report of several documents
        passes each one's tables and evidence as ``parts`` (instead of ``tables`` and ``evidence``;
        ``document_sha256`` is then the first part's): every row keeps its own document's hash.
        """
        if parts and (tables or evidence is not None):
            raise ValueError("a report of several parts gives its tables and evidence per part, not both")
        parts = parts or [DocumentPart(document_sha256, tables, evidence)]
        sources = {part.sha256 for part in parts} | {document_sha256}
        validate_facts(facts)
        strays = {(f.unit_id, f.year) for f in facts} - {(unit_id, year)}
        if strays:
            raise ContractViolation(f"facts of {sorted(strays)} cannot go into the partition of {unit_id} {year}")
        kinds = {f.report_kind for f in [*facts, *prior_year_facts]} - {report_kind}
        if kinds:
            kind_list = "/".join(sorted(kinds))
            raise ContractViolation(
                f"facts of a {kind_list} report cannot go into the {report_kind} partition of {unit_id} {year}"
            )
        fact_table = facts_to_table(facts).drop_columns(list(PARTITION_COLUMNS)).cast(FACT_FILE_SCHEMA)
        prior_year_table = _prior_year_table(unit_id, year, sources, prior_year_facts)
        repair_rows = [asdict(r) for r in repairs]
        self.put_table(
            pa.Table.from_pylist(repair_rows, schema=CODE_REPAIR_SCHEMA),
            self.partition_relative(CODE_REPAIRS, unit_id, year, report_kind),
        )
        table_rows = [_parsed_table_row(part.sha256, t) for part in parts for t in part.tables]
        self.put_table(
            pa.Table.from_pylist(table_rows, schema=PARSED_TABLE_SCHEMA),
            self.partition_relative(PARSED_TABLES, unit_id, year, report_kind),
        )
        self.put_table(prior_year_table, self.partition_relative(PRIOR_YEAR_FACTS, unit_id, year, report_kind))
        found = [(part.sha256, part.evidence or DocumentEvidence()) for part in parts]
        evidence_tables = {
            NARRATIVE_STATEMENTS: _concat([statement_rows(sha, e.statements) for sha, e in found], STATEMENT_SCHEMA),
            DOCUMENT_MARKS: _concat([mark_rows(sha, e.marks) for sha, e in found], MARK_SCHEMA),
            PERFORMANCE_TABLES: _concat([performance_rows(sha, e.performance) for sha, e in found], PERFORMANCE_SCHEMA),
        }
        for dataset, table in evidence_tables.items():
            self.put_table(table, self.partition_relative(dataset, unit_id, year, report_kind))
        self.put_table(fact_table, self.partition_relative(FACTS, unit_id, year, report_kind))

    def keep_superseded(
        self,
        unit_id: str,
        year: int,
        document_sha256: str | Iterable[str],
        at: datetime | None = None,
        *,
        report_kind: str = FINAL,
    ) -> int:
        """Before ``document_sha256`` replaces a report's facts: keep the facts of the document it replaces.

        Every earlier document of the report stays in ``superseded_facts`` (one file per report, a
        document's facts kept once). Returns how many facts were kept now (0 when the report holds no
        other document). A report of several parts passes the hashes of all its new documents: the
        current facts are kept unless every document they came from is among them.
        """
        incoming = {document_sha256} if isinstance(document_sha256, str) else set(document_sha256)
        current = self.read_table(self.partition_relative(FACTS, unit_id, year, report_kind))
        if current is None or current.num_rows == 0:
            return 0
        old = {str(sha) for sha in current.column("document_sha256").to_pylist()}
        if old <= incoming:
            return 0
        relative = self.partition_relative(SUPERSEDED_FACTS, unit_id, year, report_kind)
        kept = self.read_table(relative)
        if kept is not None and old <= set(kept.column("document_sha256").to_pylist()):
            return 0
        stamp = pa.array([at or datetime.now(UTC)] * current.num_rows, type=pa.timestamp("us", tz="UTC"))
        added = _conform(current, FACT_FILE_SCHEMA, report_kind).append_column("superseded_at", stamp)
        added = added.cast(SUPERSEDED_FACT_FILE_SCHEMA)
        if kept is not None:
            added = pa.concat_tables([_conform(kept, SUPERSEDED_FACT_FILE_SCHEMA, report_kind), added])
        table = added
        self.put_table(table, relative)
        return current.num_rows

    def partition_sha256(self, unit_id: str, year: int, report_kind: str = FINAL) -> str | None:
        """The document the report's facts partition came from (``None`` when there is none; the first
        part's for a report of several parts, see :meth:`partition_documents`)."""
        table = self.read_table(self.partition_relative(FACTS, unit_id, year, report_kind))
        if table is None or table.num_rows == 0:
            return None
        return str(table.column("document_sha256")[0].as_py())

    def partition_documents(self, unit_id: str, year: int, report_kind: str = FINAL) -> set[str]:
        """Every document the report's facts partition holds facts of (empty when there is none)."""
        table = self.read_table(self.partition_relative(FACTS, unit_id, year, report_kind))
        if table is None:
            return set()
        return {str(sha) for sha in table.column("document_sha256").to_pylist()}

    def _read_partitioned(self, dataset: str, schema: pa.Schema) -> pd.DataFrame | None:
        """A hive-partitioned dataset of every kind read against today's file schema: a column that files
        written by an earlier version lack (``bbox``) comes back NULL instead of failing the read, and
        ``report_kind`` missing is the kind the file name says. Only the files of valid partitions are
        read (:meth:`files`); ``None`` when there is none."""
        folder = fsspec.core.strip_protocol(self.path(dataset))  # pyarrow wants the path without s3://
        partitions = pa.schema([pa.field("year", pa.int16()), pa.field("unit_id", pa.string())])
        tables = []
        for kind in REPORT_KINDS:
            relative = self.files(partition_glob(dataset, kind))
            if not relative:
                continue
            paths = [fsspec.core.strip_protocol(self.path(name)) for name in relative]
            files = ds.dataset(
                paths,
                format="parquet",
                partitioning=ds.partitioning(partitions, flavor="hive"),
                partition_base_dir=folder,
                filesystem=self.fs,
                schema=pa.schema([*schema, *partitions]),
            )
            tables.append(_with_kind(files.to_table(), kind))
        if not tables:
            return None
        return pa.concat_tables(tables).to_pandas()

    def read_facts(self) -> pd.DataFrame:
        """All facts of every kind with their partition columns (empty frame with the contract columns if none)."""
        frame = self._read_partitioned(FACTS, FACT_FILE_SCHEMA)
        if frame is None:
            return FACT_SCHEMA.empty_table().to_pandas()
        frame["year"] = frame["year"].astype("int16")
        frame["unit_id"] = frame["unit_id"].astype(str)
        return frame[[f.name for f in FACT_SCHEMA]]

    def read_prior_year_facts(self) -> pd.DataFrame:
        """Every restated figure: the contract columns (``year`` is the figures' year, the stating
        report's year − 1; ``report_kind`` the stating report's) plus ``restated_from_year``, the year of
        the report that states them."""
        columns = [*(f.name for f in FACT_SCHEMA), "restated_from_year"]
        frame = self._read_partitioned(PRIOR_YEAR_FACTS, PRIOR_YEAR_FACT_FILE_SCHEMA)
        if frame is None:
            empty = FACT_SCHEMA.empty_table().to_pandas()
            empty["restated_from_year"] = pd.Series(dtype="int16")
            return empty[columns]
        frame["restated_from_year"] = frame["year"].astype("int16")
        frame["year"] = frame["fact_year"].astype("int16")
        frame["unit_id"] = frame["unit_id"].astype(str)
        return frame[columns]

    def _read_report_frames(self, dataset: str, prepare: Any = None) -> list[pd.DataFrame]:
        """Each partition file of ``dataset`` as a frame with ``unit_id``, ``year`` and ``report_kind`` first."""
        frames = []
        for relative, unit_id, year, kind in self.report_files(dataset):
            table = self.read_table(relative)
            if table is None:
                raise FileNotFoundError(f"{self.path(relative)} was listed but is gone: is a writer running?")
            frame = table.to_pandas() if prepare is None else prepare(table.to_pandas())
            frame.insert(0, REPORT_KIND, kind)
            frame.insert(0, "year", year)
            frame.insert(0, "unit_id", unit_id)
            frames.append(frame)
        return [f for f in frames if not f.empty]

    def read_parsed_tables(self) -> pd.DataFrame:
        """Every table's parsing report: ``unit_id``, ``year``, ``report_kind`` and the
        :data:`PARSED_TABLE_SCHEMA` columns.

        Files written before ``reading``, ``reconciled``, ``reliable``, ``unreliable_reason`` and ``pages``
        existed are read with :data:`PARSED_TABLE_DEFAULTS` (``reliable`` true) and ``pages`` = ``[page]``.
        An empty frame with the columns when the lake has none.
        """
        columns = ["unit_id", "year", REPORT_KIND, *PARSED_TABLE_SCHEMA.names]
        frames = [f[columns] for f in self._read_report_frames(PARSED_TABLES, _with_parsed_table_defaults)]
        if not frames:
            empty = PARSED_TABLE_SCHEMA.empty_table().to_pandas()
            empty.insert(0, REPORT_KIND, pd.Series(dtype="object"))
            empty.insert(0, "year", pd.Series(dtype="int16"))
            empty.insert(0, "unit_id", pd.Series(dtype="object"))
            return empty[columns]
        frame = pd.concat(frames, ignore_index=True)
        frame["year"] = frame["year"].astype("int16")
        return frame

    def read_partitions(self, dataset: str, report_kind: str = FINAL) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """Every partition of a per-report dataset of one kind as rows, by ``(unit_id, year)`` (evidence,
        superseded facts); each row carries ``report_kind``. Every kind at once: :meth:`read_report_partitions`."""
        return {
            (unit_id, year): rows
            for (unit_id, year, kind), rows in self.read_report_partitions(dataset).items()
            if kind == report_kind
        }

    def read_report_partitions(self, dataset: str) -> dict[tuple[str, int, str], list[dict[str, Any]]]:
        """Every partition of a per-report dataset as rows, by ``(unit_id, year, report_kind)``."""
        found: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
        for relative, unit_id, year, kind in self.report_files(dataset):
            table = self.read_table(relative)
            if table is None:
                raise FileNotFoundError(f"{self.path(relative)} was listed but is gone: is a writer running?")
            # The file's own column (fact files) wins; a file written before kinds existed is 决算.
            found[(unit_id, year, kind)] = [
                {**row, REPORT_KIND: row.get(REPORT_KIND) or kind} for row in table.to_pylist()
            ]
        return found

    def partition_keys(self, dataset: str, report_kind: str | None = FINAL) -> set[tuple[str, int]]:
        """The ``(unit_id, year)`` of every partition file of ``dataset`` of one kind (``None``: any kind)."""
        return {(unit_id, year) for _, unit_id, year, _ in self.report_files(dataset, report_kind)}

    def report_keys(self, dataset: str) -> set[tuple[str, int, str]]:
        """The ``(unit_id, year, report_kind)`` of every report with a partition file of ``dataset``."""
        return {(unit_id, year, kind) for _, unit_id, year, kind in self.report_files(dataset)}

    # --- dimensions ------------------------------------------------------------------------------------
    def write_units(self, registry: Registry) -> bool:
        rows = [
            {
                "unit_id": u.id,
                "name": u.name,
                "province": u.province,
                "city": u.city,
                "county": u.county,
                "level": u.level,
                "kind": u.kind,
                "stewards": ", ".join(u.stewards),
            }
            for u in registry.units
        ]
        return self.put_table(pa.Table.from_pylist(rows, schema=UNIT_SCHEMA), "units.parquet")

    def write_subjects(self, subjects: pd.DataFrame) -> bool:
        table = pa.Table.from_pandas(subjects[SUBJECT_SCHEMA.names], schema=SUBJECT_SCHEMA, preserve_index=False)
        return self.put_table(table, "subjects.parquet")

    def read_documents(self) -> pd.DataFrame:
        table = self.read_table("documents.parquet")
        if table is None:
            return DOCUMENT_SCHEMA.empty_table().to_pandas()
        return _with_kind(table, FINAL).to_pandas()

    def read_document_rows(self) -> list[dict[str, Any]]:
        """``documents`` as rows with every column of :data:`DOCUMENT_SCHEMA` (older files: NULLs, and
        ``report_kind`` 决算)."""
        table = self.read_table("documents.parquet")
        if table is None:
            return []
        rows = [{name: row.get(name) for name in DOCUMENT_SCHEMA.names} for row in table.to_pylist()]
        for row in rows:
            row["report_kind"] = row["report_kind"] or FINAL
        return rows

    # --- discovery (flows/discover.py) ----------------------------------------------------------------
    def read_discovery(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``discovered_documents`` and ``discovery_pages`` rows (empty lists before the first discovery)."""
        found = []
        for name, schema in (
            (DISCOVERED_DOCUMENTS, DISCOVERED_DOCUMENT_SCHEMA),
            (DISCOVERY_PAGES, DISCOVERY_PAGE_SCHEMA),
        ):
            table = self.read_table(f"{name}.parquet")
            rows = [] if table is None else table.to_pylist()
            found.append([{column: row.get(column) for column in schema.names} for row in rows])
        return found[0], found[1]

    def write_discovery(self, documents: list[dict[str, Any]], pages: list[dict[str, Any]]) -> bool:
        """Replace both discovery files (each atomically); ``True`` when either changed."""
        for row in documents:
            if row["decision"] not in DISCOVERY_DECISIONS:
                raise ValueError(f"decision {row['decision']!r} not one of {DISCOVERY_DECISIONS}")
        document_order = sorted(
            documents, key=lambda r: (r["source"], r["position"], r["found_on"], r["url"], r["link_text"], r["tag"])
        )
        page_order = sorted(pages, key=lambda r: (r["source"], r["depth"], r["page_number"] or 0, r["url"]))
        changed = self.put_table(
            pa.Table.from_pylist(document_order, schema=DISCOVERED_DOCUMENT_SCHEMA), f"{DISCOVERED_DOCUMENTS}.parquet"
        )
        return (
            self.put_table(pa.Table.from_pylist(page_order, schema=DISCOVERY_PAGE_SCHEMA), f"{DISCOVERY_PAGES}.parquet")
            or changed
        )

    def write_document_rows(self, rows: list[dict[str, Any]]) -> bool:
        for row in rows:
            if row["status"] not in DOCUMENT_STATUSES:
                raise ValueError(f"status {row['status']!r} not one of {DOCUMENT_STATUSES}")
            if (row.get("report_kind") or FINAL) not in REPORT_KINDS:
                raise ValueError(f"report_kind {row['report_kind']!r} not one of {REPORT_KINDS}")
        rows = [{**row, "report_kind": row.get("report_kind") or FINAL} for row in rows]
        ordered = sorted(rows, key=_document_sort_key)
        return self.put_table(pa.Table.from_pylist(ordered, schema=DOCUMENT_SCHEMA), "documents.parquet")

    def record_document(
        self,
        *,
        sha256: str | None,
        unit_id: str,
        year: int,
        url: str,
        format: str | None,
        pages: int | None,
        status: str,
        error: str | None,
        fetched_at: datetime | None = None,
        http_status: int | None = None,
        size: int | None = None,
        content_type: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        final_url: str | None = None,
        report_kind: str = FINAL,
    ) -> None:
        """Insert or update the row of one document (keyed by its sha256 and the registry entry).

        A document that never arrived (download failed) has no hash: ``sha256`` is ``None``.
        """
        if status not in DOCUMENT_STATUSES:
            raise ValueError(f"status {status!r} not one of {DOCUMENT_STATUSES}")
        existing = self.read_document_rows()
        previous = [r for r in existing if document_key(r) == (sha256, unit_id, year, report_kind)]
        if fetched_at is None:
            # Re-recording an unchanged document keeps its first timestamp, so a re-run changes nothing.
            fetched_at = previous[0]["fetched_at"] if previous else datetime.now(UTC)
        row = {
            "sha256": sha256,
            "unit_id": unit_id,
            "year": year,
            "url": url,
            "fetched_at": fetched_at,
            "format": format,
            "pages": pages,
            "status": status,
            "error": error,
            "http_status": http_status,
            "size": size,
            "content_type": content_type,
            "etag": etag,
            "last_modified": last_modified,
            "final_url": final_url,
            "report_kind": report_kind,
        }
        self.write_document_rows(merge_document_rows(existing, [row]))

    # --- stewards: waivers, mail ledger, code repairs (juesuan.waivers, juesuan.stewards_mail) ----------
    def read_code_repairs(self) -> pd.DataFrame:
        """Every code repair: ``unit_id``, ``year``, ``report_kind`` and the :data:`CODE_REPAIR_SCHEMA` columns."""
        columns = ["unit_id", "year", REPORT_KIND, *CODE_REPAIR_SCHEMA.names]
        frames = [f[columns] for f in self._read_report_frames(CODE_REPAIRS)]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)

    def read_waiver_rows(self) -> list[dict[str, Any]]:
        """``waivers.parquet`` as rows (empty when no finding was ever waived)."""
        table = self.read_table(WAIVERS_FILE)
        return [] if table is None else table.to_pylist()

    def write_waiver_rows(self, rows: list[dict[str, Any]]) -> bool:
        return self.put_table(pa.Table.from_pylist(rows, schema=WAIVER_SCHEMA), WAIVERS_FILE)

    def read_mail_ledger(self) -> list[dict[str, Any]]:
        """``mail_ledger.parquet`` as rows (empty before the first accepted message)."""
        table = self.read_table(MAIL_LEDGER_FILE)
        return [] if table is None else table.to_pylist()

    def write_mail_ledger(self, rows: list[dict[str, Any]]) -> bool:
        ordered = sorted(rows, key=lambda r: (str(r["steward"]), str(r["item"])))
        return self.put_table(pa.Table.from_pylist(ordered, schema=MAIL_LEDGER_SCHEMA), MAIL_LEDGER_FILE)


def storage_options(settings: Settings) -> dict[str, Any]:
    """fsspec options for remote stores: the S3 endpoint when one is set (credentials: ``AWS_*``)."""
    if settings.s3_endpoint_url:
        return {"client_kwargs": {"endpoint_url": settings.s3_endpoint_url}}
    return {}


def lake_of(settings: Settings) -> Lake:
    """The lake ``settings`` name: ``lake_url`` when set (with :func:`storage_options`), else ``lake``."""
    if settings.lake_url:
        return Lake(settings.lake_url, storage_options(settings))
    return Lake(settings.lake)
