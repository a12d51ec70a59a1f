"""Build the DuckDB warehouse from the Parquet lake.

Layers, as in dbt's ``jaffle_shop_duckdb``:

``raw_*`` (tables)
    The lake loaded as it is: ``sql/raw/<name>.sql`` declares each table and its comments, the
    build fills it from the lake files (a missing file leaves the table empty, columns intact).
``stg_*`` (views, ``sql/staging``)
    Typed and renamed for joins; ``stg_resolved_facts`` resolves each code against the catalogue,
    for the reports' own facts (``stg_facts``) and the previous year's figures they restate
    (``stg_restated_facts``), which stay out of ``facts`` and every per-report mart.
marts (views, ``sql/marts``)
    What analysts query: the contract's plain names (``facts``, ``units``, ``subjects``,
    ``documents``, ``code_repairs``, ``parsed_tables``) and the analyst marts
    (``unit_year_totals``, ``function_class_spending``, ``subject_values``, ``subject_comparison``,
    ``basic_expenditure``, ``report_coverage``, and their building block ``preferred_facts``).
    Facts carry their ``report_kind`` (决算 or 预算, from the lake file's name: a 预算 report's files are
    ``{dataset}.budget.parquet`` beside the 决算's ``{dataset}.parquet``); every analyst mart holds 决算
    figures only, except ``budget_vs_final``, which sets each 预算 figure beside its 决算 figure.

Models listed in :data:`MATERIALIZED` (dbt's ``materialized='table'``) are stored as tables, each
computed once per build and kept in the order that lets the analysts' filters skip row groups; the
rest stay views. At ten million facts a view stack recomputed per query takes seconds, the tables
answer in milliseconds (benchmarks/RESULTS.md, docs/warehouse.md).

:func:`refresh_warehouse` is the nightly entry: it loads only the lake partitions whose files changed
since the last load (``raw_lake_files`` records each file's size and modification stamp) into a copy
of the published file, recomputes the staging and mart layers there, and swaps the copy in — the
same atomic publication as a full build, without reading every lake file again.

The SQL lives in the ``.sql`` files; this module only orders and runs them. The one exception is
``subject_comparison``, whose per-unit columns are generated from the units present (DuckDB cannot
pivot to dynamic columns inside a view).

The file is built under a hidden temporary name beside the published one, in one transaction, and
then renamed over it: an analyst holding the old file keeps reading it undisturbed, a new
connection sees the new one, and nobody ever sees a half-loaded warehouse.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import fsspec

from juesuan.contract import BUDGET, FINAL, REPORT_KIND_SLUGS
from juesuan.errors import WarehouseError
from juesuan.lake import (
    CODE_REPAIRS,
    DISCOVERED_DOCUMENTS,
    DISCOVERY_PAGES,
    FACTS,
    PARSED_TABLES,
    PRIOR_YEAR_FACTS,
    WAIVERS_FILE,
    skip_invalid_partitions,
)

log = logging.getLogger(__name__)

SQL_PACKAGE = "juesuan.warehouse"
HIVE_TYPES = "{'year': 'SMALLINT', 'unit_id': 'VARCHAR'}"
UNIT_COLUMNS_PLACEHOLDER = "{{unit_columns}}"
GENERATED_MART = "subject_comparison"
#: ``subject_comparison`` gets one column per unit up to this many units; beyond, a table ten thousand
#: columns wide helps nobody (and takes minutes to declare): it keeps its key columns and says so.
COMPARISON_MAX_UNITS = 200
#: Columns of ``subject_comparison`` before the per-unit ones.
COMPARISON_KEY_COLUMNS = ("table_name", "column_name", "subject_code", "subject_name", "level")


@dataclass(frozen=True)
class RawSource:
    """One raw table and the lake files it is loaded from."""

    table: str
    pattern: str  # glob relative to the lake root
    partitioned: bool = False  # hive partitions year=…/unit_id=… in the path
    order_by: str | None = "ALL"  # None: as read (the table is re-sorted downstream anyway)
    row_number_column: str | None = None  # filled from the file's row number (1-based)

    @property
    def patterns(self) -> tuple[str, ...]:
        """Every glob the table is loaded from: a per-report dataset has a file per report kind."""
        if not self.partitioned:
            return (self.pattern,)
        return (self.pattern, *(_kind_file(self.pattern, kind) for kind in REPORT_KIND_SLUGS if kind != FINAL))


#: A per-report partition holds the 决算's ``{dataset}.parquet`` and the 预算's ``{dataset}.budget.parquet``.
KIND_SUFFIXES: dict[str, str] = {kind: f".{slug}" for kind, slug in REPORT_KIND_SLUGS.items() if kind != FINAL}


def _kind_file(pattern: str, kind: str) -> str:
    """``facts/…/facts.parquet`` → ``facts/…/facts.budget.parquet`` for the 预算 kind."""
    return pattern.removesuffix(".parquet") + KIND_SUFFIXES[kind] + ".parquet"


def kind_of_path(path: str) -> str:
    """The report kind a per-report lake file holds, from its name (``facts.budget.parquet`` → 预算)."""
    name = path.rsplit("/", 1)[-1]
    for kind, suffix in KIND_SUFFIXES.items():
        if name.endswith(f"{suffix}.parquet"):
            return kind
    return FINAL


def _partitioned(dataset: str) -> str:
    return f"{dataset}/year=*/unit_id=*/{dataset}.parquet"


RAW_SOURCES: tuple[RawSource, ...] = (
    # Ten million facts sorted here would be sorted again by stg_resolved_facts: loaded as read.
    RawSource("raw_facts", _partitioned(FACTS), partitioned=True, order_by=None),
    RawSource("raw_units", "units.parquet", order_by="registry_order", row_number_column="registry_order"),
    RawSource("raw_subjects", "subjects.parquet"),
    RawSource("raw_documents", "documents.parquet"),
    RawSource("raw_code_repairs", _partitioned(CODE_REPAIRS), partitioned=True),
    RawSource("raw_parsed_tables", _partitioned(PARSED_TABLES), partitioned=True),
    RawSource("raw_identity_findings", _partitioned("identity_findings"), partitioned=True),
    RawSource("raw_prior_year_facts", _partitioned(PRIOR_YEAR_FACTS), partitioned=True),
    RawSource("raw_waivers", WAIVERS_FILE),
    # The discovery step's record (flows/discover.py, docs/discovery.md).
    RawSource("raw_discovered_documents", f"{DISCOVERED_DOCUMENTS}.parquet"),
    RawSource("raw_discovery_pages", f"{DISCOVERY_PAGES}.parquet"),
)
#: Staging views, in dependency order.
STAGING_MODELS: tuple[str, ...] = (
    "stg_subjects",
    "stg_units",
    "stg_documents",
    "stg_resolved_facts",
    "stg_facts",
    "stg_restated_facts",
    "stg_code_repairs",
    "stg_parsed_tables",
    "stg_identity_findings",
    "stg_waivers",
    "stg_discovered_documents",
    "stg_discovery_pages",
)
#: Mart views, in dependency order.
MART_MODELS: tuple[str, ...] = (
    "facts",
    "units",
    "subjects",
    "documents",
    "code_repairs",
    "parsed_tables",
    "preferred_facts",
    "subject_values",
    "subject_index",
    "headline_figures",
    "unit_year_totals",
    "function_class_spending",
    "basic_expenditure",
    GENERATED_MART,
    "report_coverage",
    # Analysts' comparison marts (docs/analysts.md).
    "unit_year_structure",
    "restated_facts",
    "year_over_year",
    "subject_matrix",
    "budget_execution",
    # Budget against outturn: the 预算 reports beside the 决算 (docs/analysts.md).
    "budget_final_pairs",
    "budget_vs_final",
    # Accounting identities (docs/validation.md).
    "identity_findings",
    "identity_summary",
    # Analysts' marts that carry the identities' verdict (docs/analysts.md).
    "data_quality",
    "unit_ratios",
    # Discovery: what was found on the units' disclosure pages and why it was taken or not (docs/discovery.md).
    "discovered_documents",
    "discovery_pages",
    "discovery_coverage",
)
#: Marts that hold no lake data but a seed (dbt's seeds): the same rows in every warehouse, even an empty one.
SEED_MODELS: tuple[str, ...] = ("budget_final_pairs",)
#: Staging and mart models stored as tables, with the order their rows are stored in (``None``: the
#: model's own ORDER BY). Sorted storage lets DuckDB skip row groups on the usual filters: provenance
#: and unit pages filter the facts by unit and year, comparisons the preferred facts by table, column
#: and subject. Every other model is a view over these.
MATERIALIZED: dict[str, str | None] = {
    "stg_resolved_facts": "unit_id, year, table_name, subject_key, column_name",
    "preferred_facts": "table_name, column_name, subject_key, unit_id, year",
    "subject_index": None,
    "headline_figures": None,
    "unit_year_totals": None,
    "function_class_spending": None,
    "basic_expenditure": None,
    "report_coverage": None,
    "unit_year_structure": None,
    "restated_facts": None,
    "year_over_year": "unit_id, year, table_name, subject_key, column_name",
    "budget_execution": None,
    "budget_vs_final": None,
    "identity_findings": None,
    "identity_summary": None,
    "data_quality": None,
    "unit_ratios": None,
}
#: The manifest of loaded lake files (raw layer, not loaded from the lake itself).
MANIFEST = "raw_lake_files"
RAW_MODELS: tuple[str, ...] = (*(s.table for s in RAW_SOURCES), MANIFEST)
MODELS: tuple[str, ...] = RAW_MODELS + STAGING_MODELS + MART_MODELS
LAYERS: dict[str, tuple[str, ...]] = {"raw": RAW_MODELS, "staging": STAGING_MODELS, "marts": MART_MODELS}


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced."""

    path: Path
    facts: int
    units: int
    documents: int
    unit_years: int
    models: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.facts} facts ({self.unit_years} unit-years), "
            f"{self.units} units, {self.documents} documents, {len(self.models)} tables and views"
        )


def sql_text(layer: str, name: str) -> str:
    """The SQL of one model, from ``warehouse/sql/<layer>/<name>.sql``."""
    return (resources.files(SQL_PACKAGE) / "sql" / layer / f"{name}.sql").read_text(encoding="utf-8")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_warehouse(
    lake: str | Path, warehouse: Path, storage_options: Mapping[str, Any] | None = None
) -> BuildSummary:
    """Build the warehouse file ``warehouse`` from the whole lake at ``lake`` and publish it atomically.

    ``lake`` is a folder or an fsspec URL (``s3://bucket/lake``, with ``storage_options`` for
    fsspec); a remote lake is read by DuckDB through the same fsspec filesystem.
    """
    lake_files = LakeFiles(lake, storage_options)
    warehouse = Path(warehouse)
    if not lake_files.exists():
        raise WarehouseError(f"lake {lake} not found: run `juesuan run` to extract the reports into it first")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    temporary = warehouse.parent / f".{warehouse.name}.{uuid.uuid4().hex}.tmp"

    def fill(connection: duckdb.DuckDBPyConnection, progress: list[str]) -> None:
        inventory = lake_files.inventory()  # one listing of the lake, for the loads and the manifest
        for source in RAW_SOURCES:
            progress[0] = source.table
            connection.execute(sql_text("raw", source.table))
            _load_raw(
                connection, lake_files, source, [f.url for f in inventory.values() if f.raw_table == source.table]
            )
        connection.execute(sql_text("raw", MANIFEST))
        progress[0] = MANIFEST
        _record_files(connection, inventory, replace=True)

    summary = _publish(lake_files, warehouse, temporary, fill)
    log.info("built %s", summary)
    return summary


@dataclass(frozen=True)
class RefreshSummary(BuildSummary):
    """What a refresh did: the partitions loaded again (0 and ``full=True`` for a full build)."""

    full: bool = False
    changed_files: int = 0
    removed_files: int = 0

    def __str__(self) -> str:
        if self.full:
            return f"full build: {super().__str__()}"
        return (
            f"refresh: {self.changed_files} changed and {self.removed_files} removed lake file(s) loaded; "
            f"{super().__str__()}"
        )


def refresh_warehouse(
    lake: str | Path, warehouse: Path, storage_options: Mapping[str, Any] | None = None
) -> RefreshSummary:
    """Bring ``warehouse`` up to date with the lake, loading only the files that changed since its last load.

    A copy of the published file gets the changed partitions (rows of a changed or removed partition
    deleted, its new file loaded), the staging and mart layers are recomputed in it, and the copy is
    swapped in atomically. Without a published warehouse, or one built by another version of the
    models, it is a full :func:`build_warehouse`.
    """
    lake_files = LakeFiles(lake, storage_options)
    warehouse = Path(warehouse)
    if not lake_files.exists():
        raise WarehouseError(f"lake {lake} not found: run `juesuan run` to extract the reports into it first")
    previous = _loaded_files(warehouse)
    if previous is None:
        return _as_refresh(build_warehouse(lake, warehouse, storage_options), full=True)
    current = lake_files.inventory()
    changed = {key: info for key, info in current.items() if previous.get(key) != info.signature}
    removed = {key for key in previous if key not in current}
    temporary = warehouse.parent / f".{warehouse.name}.{uuid.uuid4().hex}.tmp"
    shutil.copyfile(warehouse, temporary)

    def fill(connection: duckdb.DuckDBPyConnection, progress: list[str]) -> None:
        _drop_derived(connection)
        for source in RAW_SOURCES:
            progress[0] = source.table
            stale = {key for key in (*changed, *removed) if key[0] == source.table}
            if not stale:
                continue
            if source.partitioned:
                # A partition holds one file per report kind: only the changed kind's rows go.
                partitions = sorted(
                    {
                        f"{info.year}/{info.unit_id}/{kind_of_path(info.path)}"
                        for info in _infos(stale, changed)
                        if info.year is not None
                    }
                )
                connection.execute(
                    f"DELETE FROM {source.table} "
                    "WHERE list_contains($keys, CAST(year AS VARCHAR) || '/' || unit_id || '/' || report_kind)",
                    {"keys": partitions},
                )
            else:
                connection.execute(f"DELETE FROM {source.table}")
            files = [changed[key].url for key in stale if key in changed]
            _load_raw(connection, lake_files, source, files)
        progress[0] = MANIFEST
        _record_files(connection, current, replace=True)

    summary = _publish(lake_files, warehouse, temporary, fill)
    result = _as_refresh(summary, full=False, changed=len(changed), removed=len(removed))
    log.info("%s", result)
    return result


def _as_refresh(summary: BuildSummary, full: bool, changed: int = 0, removed: int = 0) -> RefreshSummary:
    return RefreshSummary(
        path=summary.path,
        facts=summary.facts,
        units=summary.units,
        documents=summary.documents,
        unit_years=summary.unit_years,
        models=summary.models,
        full=full,
        changed_files=changed,
        removed_files=removed,
    )


def _infos(keys: set[tuple[str, str]], changed: dict[tuple[str, str], LakeFile]) -> list[LakeFile]:
    """The partitions of ``keys`` (changed ones from the lake, removed ones from their path)."""
    found = []
    for key in keys:
        if key in changed:
            found.append(changed[key])
        else:
            year, unit_id = _partition_of(key[1])
            found.append(LakeFile(key[0], key[1], "", year, unit_id, ""))
    return found


def _publish(
    lake_files: LakeFiles,
    warehouse: Path,
    temporary: Path,
    fill: Any,
) -> BuildSummary:
    """Run ``fill`` (the raw layer) and the derived layers in ``temporary`` in one transaction, then
    swap it in for ``warehouse``; leftovers are removed whatever happens."""
    spill = temporary.with_name(temporary.name + ".spill")
    leftovers = (temporary, temporary.with_name(temporary.name + ".wal"))
    try:
        connection = duckdb.connect(str(temporary))
        lake_files.register(connection)
        progress = ["start"]
        try:
            # Bounded memory (DuckDB would take 80% of the machine): sorts and windows spill beside the file.
            connection.execute(f"SET memory_limit = {quote_literal(build_memory_limit())}")
            connection.execute(f"SET temp_directory = {quote_literal(str(spill))}")
            connection.execute("BEGIN TRANSACTION")
            fill(connection, progress)
            progress[0] = "key check"
            _check_fact_keys(connection, lake_files)
            _create_derived(connection, progress)
            progress[0] = "commit"
            connection.execute("COMMIT")
            summary = _summarise(connection, warehouse)
            progress[0] = "checkpoint"
            connection.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise WarehouseError(f"building the warehouse from {lake_files} failed at {progress[0]}: {exc}") from exc
        finally:
            connection.close()
        os.replace(temporary, warehouse)
    finally:
        for leftover in leftovers:
            if leftover.exists():
                leftover.unlink()
        shutil.rmtree(spill, ignore_errors=True)
    return summary


def stale_build_files(warehouse: Path) -> list[Path]:
    """The temporary files of builds of ``warehouse`` (``.<name>.<uuid>.tmp`` and its ``.wal``)."""
    warehouse = Path(warehouse)
    if not warehouse.parent.is_dir():
        return []
    found = [*warehouse.parent.glob(f".{warehouse.name}.*.tmp"), *warehouse.parent.glob(f".{warehouse.name}.*.tmp.wal")]
    return sorted(path for path in found if path.is_file())


def remove_stale_builds(warehouse: Path, before: float) -> list[Path]:
    """Delete temporary build files of ``warehouse`` last modified before ``before`` (a ``time.time()``).

    A build killed mid-way (kill -9) leaves its temporary file; the next run, holding the warehouse
    lock since ``before``, removes what is older than its lock (issue 13.4). A build that started
    after the lock was taken is never touched.
    """
    removed = []
    for path in stale_build_files(warehouse):
        try:
            if path.stat().st_mtime < before:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    if removed:
        log.warning(
            "removed %d temporary warehouse file(s) an interrupted build left: %s",
            len(removed),
            ", ".join(p.name for p in removed),
        )
    return removed


def build_memory_limit() -> str:
    """DuckDB's memory limit for a build (``JUESUAN_BUILD_MEMORY_LIMIT``, default 4GB)."""
    from juesuan.settings import Settings

    return Settings.from_env().build_memory_limit


def _create_derived(connection: duckdb.DuckDBPyConnection, progress: list[str]) -> None:
    """The staging and mart layers, in dependency order; :data:`MATERIALIZED` models become tables."""
    for layer, names in (("staging", STAGING_MODELS), ("marts", MART_MODELS)):
        for name in names:
            progress[0] = name
            if name == GENERATED_MART:
                connection.execute(_comparison_sql(connection))
            else:
                connection.execute(sql_text(layer, name))
            if name in MATERIALIZED:
                _materialize(connection, name, MATERIALIZED[name])


def _materialize(connection: duckdb.DuckDBPyConnection, name: str, order_by: str | None) -> None:
    """Replace the view ``name`` by a table of its rows (sorted by ``order_by``), comments kept."""
    comment = connection.execute(
        "SELECT comment FROM duckdb_views() WHERE view_name = $n AND database_name = current_database()", {"n": name}
    ).fetchall()
    columns = connection.execute(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE table_name = $n AND database_name = current_database() ORDER BY column_index",
        {"n": name},
    ).fetchall()
    staged = quote_identifier(f"__materializing_{name}")
    ordering = f" ORDER BY {order_by}" if order_by else ""
    connection.execute(f"CREATE TABLE {staged} AS SELECT * FROM {quote_identifier(name)}{ordering}")
    connection.execute(f"DROP VIEW {quote_identifier(name)}")
    connection.execute(f"ALTER TABLE {staged} RENAME TO {quote_identifier(name)}")
    if comment and comment[0][0]:
        connection.execute(f"COMMENT ON TABLE {quote_identifier(name)} IS {quote_literal(comment[0][0])}")
    for column, text in columns:
        if text:
            connection.execute(
                f"COMMENT ON COLUMN {quote_identifier(name)}.{quote_identifier(column)} IS {quote_literal(text)}"
            )


def _drop_derived(connection: duckdb.DuckDBPyConnection) -> None:
    """Drop every staging and mart model (views and materialized tables), dependents first."""
    kinds = dict(
        connection.execute(
            "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE database_name = current_database() AND NOT internal "
            "UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    )
    for name in reversed((*STAGING_MODELS, *MART_MODELS)):
        if name in kinds:
            connection.execute(f"DROP {kinds[name]} {quote_identifier(name)}")


def _loaded_files(warehouse: Path) -> dict[tuple[str, str], str] | None:
    """The manifest of a published warehouse built by these models; ``None`` when a full build is needed."""
    if not warehouse.is_file():
        return None
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        log.warning("warehouse %s cannot be opened (%s): building it anew", warehouse, exc)
        return None
    try:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {row[0] for row in connection.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        expected_tables = set(RAW_MODELS) | set(MATERIALIZED)
        if not expected_tables <= tables or not (set(MODELS) - expected_tables) <= views:
            log.info("warehouse %s was built by other models: building it anew", warehouse)
            return None
        # A raw table declared with other columns (report_kind added …) cannot take the new rows.
        if _raw_columns(connection) != _raw_columns(None):
            log.info("warehouse %s has raw tables of other columns: building it anew", warehouse)
            return None
        rows = connection.execute(f"SELECT raw_table, path, signature FROM {MANIFEST}").fetchall()
    except duckdb.Error as exc:
        log.warning("warehouse %s has no usable manifest (%s): building it anew", warehouse, exc)
        return None
    finally:
        connection.close()
    return {(table, path): signature for table, path, signature in rows}


def _raw_columns(connection: duckdb.DuckDBPyConnection | None) -> dict[str, list[tuple[str, str]]]:
    """Each raw table's columns and types: in ``connection``'s file, or as ``sql/raw`` declares them (None)."""
    own = connection is None
    connection = duckdb.connect(":memory:") if connection is None else connection
    try:
        if own:
            for name in RAW_MODELS:
                connection.execute(sql_text("raw", name))
        found: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in connection.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND list_contains($raw, table_name) "
            "ORDER BY table_name, column_index",
            {"raw": list(RAW_MODELS)},
        ).fetchall():
            found.setdefault(table, []).append((column, data_type))
        return found
    finally:
        if own:
            connection.close()


def _record_files(
    connection: duckdb.DuckDBPyConnection, files: Mapping[tuple[str, str], LakeFile], replace: bool
) -> None:
    if replace:
        connection.execute(f"DELETE FROM {MANIFEST}")
    rows = [(f.raw_table, f.path, f.year, f.unit_id, f.signature) for f in sorted(files.values(), key=_file_key)]
    if rows:
        connection.executemany(f"INSERT INTO {MANIFEST} VALUES (?, ?, ?, ?, ?)", rows)


def _file_key(item: LakeFile) -> tuple[str, str]:
    return item.raw_table, item.path


def _partition_of(path: str) -> tuple[int | None, str | None]:
    """``facts/year=2023/unit_id=datong-sic/facts.parquet`` → (2023, 'datong-sic')."""
    year = unit_id = None
    for part in path.split("/"):
        if part.startswith("year="):
            year = int(part.removeprefix("year="))
        elif part.startswith("unit_id="):
            unit_id = part.removeprefix("unit_id=")
    return year, unit_id


@dataclass(frozen=True)
class LakeFile:
    """One lake file a raw table is loaded from."""

    raw_table: str
    path: str  # relative to the lake
    url: str  # what DuckDB reads
    year: int | None
    unit_id: str | None
    signature: str  # size and modification stamp (or ETag)


class LakeFiles:
    """Lists the lake's files through fsspec, local or remote, and lets DuckDB read them."""

    def __init__(self, lake: str | Path, storage_options: Mapping[str, Any] | None = None) -> None:
        text = str(lake)
        self.is_local = "://" not in text or text.startswith("file://")
        self.url = text.removeprefix("file://").rstrip("/") if self.is_local else text.rstrip("/")
        if self.is_local:
            self.fs: fsspec.AbstractFileSystem = fsspec.filesystem("file")
        else:
            self.fs = fsspec.core.url_to_fs(self.url, **dict(storage_options or {}))[0]
        self.protocol = text.split("://", 1)[0] if not self.is_local else "file"

    def __str__(self) -> str:
        return self.url

    def exists(self) -> bool:
        return bool(self.fs.isdir(self.url)) if self.is_local else bool(self.fs.exists(self.url))

    def glob(self, pattern: str) -> list[str]:
        # fsspec keeps directory listings per filesystem instance; other processes may have written since.
        self.fs.invalidate_cache()
        found = sorted(self.fs.glob(f"{self.url}/{pattern}"))
        # A folder that is no valid partition (unit_id=datong-sic⏎) is reported and skipped: with it
        # DuckDB's hive reader would fail every build until someone deleted it.
        found = skip_invalid_partitions([str(path) for path in found], f"lake {self.url}")
        if self.is_local:
            return [str(path) for path in found]
        # fsspec lists remote paths without their protocol; DuckDB needs it to pick the filesystem.
        return [path if "://" in path else f"{self.protocol}://{path}" for path in found]

    def register(self, connection: duckdb.DuckDBPyConnection) -> None:
        if not self.is_local:
            connection.register_filesystem(self.fs)

    def inventory(self) -> dict[tuple[str, str], LakeFile]:
        """Every file a raw table is loaded from, keyed by (raw table, path relative to the lake)."""
        found: dict[tuple[str, str], LakeFile] = {}
        base = fsspec.core.strip_protocol(self.url).rstrip("/") + "/"
        for source, pattern in ((s, p) for s in RAW_SOURCES for p in s.patterns):
            self.fs.invalidate_cache()
            listed = self.fs.glob(f"{self.url}/{pattern}", detail=True)
            valid = set(skip_invalid_partitions([str(path) for path in listed], f"lake {self.url}"))
            for path, info in sorted(listed.items()):
                if str(path) not in valid:
                    continue
                bare = fsspec.core.strip_protocol(str(path))
                relative = bare.removeprefix(base)
                url = str(path) if self.is_local or "://" in str(path) else f"{self.protocol}://{path}"
                stamp = info.get("mtime") or info.get("LastModified") or info.get("ETag") or info.get("etag") or ""
                year, unit_id = _partition_of(relative) if source.partitioned else (None, None)
                found[(source.table, relative)] = LakeFile(
                    source.table, relative, url, year, unit_id, f"{info.get('size')}:{stamp}"
                )
        return found


def _load_raw(
    connection: duckdb.DuckDBPyConnection, lake: LakeFiles, source: RawSource, only: list[str] | None = None
) -> None:
    """Load ``source``'s lake files (or just the files ``only`` names) into its raw table."""
    files = sorted(f for p in source.patterns for f in lake.glob(p)) if only is None else sorted(only)
    if not files:
        log.info("%s: no lake files match %s/%s; the table stays empty", source.table, lake, source.pattern)
        return
    options = ["union_by_name = true"]
    if source.partitioned:
        options += ["hive_partitioning = true", f"hive_types = {HIVE_TYPES}", "filename = true"]
    else:
        options.append("hive_partitioning = false")
    if source.row_number_column:
        options.append("file_row_number = true")
    scan = f"read_parquet($files, {', '.join(options)})"
    params = {"files": files}
    lake_columns = [d[0] for d in connection.execute(f"SELECT * FROM {scan} LIMIT 0", params).description]
    table_columns = [d[0] for d in connection.execute(f"SELECT * FROM {source.table} LIMIT 0").description]
    select: list[str] = []
    for column in table_columns:
        if column == source.row_number_column:
            select.append(f"file_row_number + 1 AS {quote_identifier(column)}")
        elif column == KIND_COLUMN and source.partitioned:
            # The file's name says which report it is of, like the folders say its unit and year.
            _check_kinds(connection, scan, params, source, lake_columns)
            select.append(f"{_FILE_KIND} AS {KIND_COLUMN}")
        elif column in lake_columns:
            select.append(quote_identifier(column))
        else:
            log.warning("%s: column %s is missing from the lake files; it stays NULL", source.table, column)
    ignored = sorted(set(lake_columns) - set(table_columns) - {"file_row_number", "filename"})
    if ignored:
        log.warning("%s: lake column(s) %s not in the warehouse; ignored", source.table, ", ".join(ignored))
    connection.execute(
        f"INSERT INTO {source.table} BY NAME SELECT {', '.join(select)} FROM {scan}"
        + (f" ORDER BY {source.order_by}" if source.order_by else ""),
        params,
    )


KIND_COLUMN = "report_kind"
#: The report kind of a per-report file, from its name (``filename`` of DuckDB's Parquet reader).
_FILE_KIND = (
    "CASE "
    + " ".join(
        f"WHEN filename LIKE {quote_literal('%' + suffix + '.parquet')} THEN {quote_literal(kind)}"
        for kind, suffix in KIND_SUFFIXES.items()
    )
    + f" ELSE {quote_literal(FINAL)} END"
)


def _check_kinds(
    connection: duckdb.DuckDBPyConnection,
    scan: str,
    params: dict[str, Any],
    source: RawSource,
    lake_columns: list[str],
) -> None:
    """A row whose ``report_kind`` contradicts its file's name would survive the refresh of its partition."""
    if KIND_COLUMN not in lake_columns:
        return  # files written before the kind existed: the name decides (决算 unless .budget.parquet)
    wrong = connection.execute(
        f"SELECT filename, {KIND_COLUMN} FROM {scan} "
        f"WHERE {KIND_COLUMN} IS NOT NULL AND {KIND_COLUMN} <> {_FILE_KIND} LIMIT 1",
        params,
    ).fetchall()
    if wrong:
        raise WarehouseError(
            f"{source.table}: {wrong[0][0]} holds rows of report_kind {wrong[0][1]!r}; "
            f"a {BUDGET} report's rows belong in {{dataset}}{KIND_SUFFIXES[BUDGET]}.parquet, a {FINAL}'s in "
            "{dataset}.parquet"
        )


def _check_fact_keys(connection: duckdb.DuckDBPyConnection, lake: LakeFiles) -> None:
    """The contract key must be unique, among the reports' facts and among the restated ones; the marts rely on it."""
    for table, year in (("raw_facts", "year"), ("raw_prior_year_facts", "fact_year")):
        duplicates = connection.execute(
            f"""
            SELECT
                unit_id, {year}, report_kind, table_name, coalesce(subject_code, line_item), column_name,
                source_kind, count(*)
            FROM {table}
            GROUP BY ALL
            HAVING count(*) > 1
            ORDER BY ALL
            LIMIT 5
            """
        ).fetchall()
        if duplicates:
            shown = "; ".join("/".join(str(part) for part in row[:-1]) + f" ×{row[-1]}" for row in duplicates)
            raise WarehouseError(
                f"lake {lake}: duplicate fact keys in {table} (the contract key must be unique): {shown}"
            )


def _comparison_sql(connection: duckdb.DuckDBPyConnection) -> str:
    """``subject_comparison.sql`` with one column (and one comment) per unit present."""
    units = connection.execute(
        """
        WITH latest AS (SELECT unit_id, max(year) AS year FROM stg_facts WHERE report_kind = '决算' GROUP BY unit_id)
        SELECT coalesce(stg_units.unit_id, latest.unit_id) AS unit_id, stg_units.unit_name, latest.year
        FROM stg_units
        FULL OUTER JOIN latest ON latest.unit_id = stg_units.unit_id
        ORDER BY stg_units.registry_order NULLS LAST, 1
        """
    ).fetchall()
    columns: list[str] = []
    comments: list[str] = []
    if len(units) > COMPARISON_MAX_UNITS:
        log.info("%s: %d units, more than %d: no column per unit", GENERATED_MART, len(units), COMPARISON_MAX_UNITS)
        note = (
            f"With {len(units)} units (more than {COMPARISON_MAX_UNITS}) there is no column per unit: "
            "use subject_values (long form), subject_matrix or juesuan compare."
        )
        units = []
        comments.append(f"COMMENT ON VIEW {GENERATED_MART} IS {quote_literal(note)};")
    for unit_id, unit_name, year in units:
        if unit_id in COMPARISON_KEY_COLUMNS:
            raise WarehouseError(f"unit id {unit_id!r} collides with a column of {GENERATED_MART}")
        column = quote_identifier(unit_id)
        columns.append(f",\n    max(value) FILTER (WHERE unit_id = {quote_literal(unit_id)}) AS {column}")
        who = f"{unit_id} ({unit_name})" if unit_name else f"{unit_id} (not in the registry)"
        if year is None:
            text = f"{who}: no facts in the warehouse, so always NULL (amounts would be in 万元)."
        else:
            text = (
                f"{who}: value in its latest year with facts ({year}), table fact preferred, else narrative; "
                "amount in 万元, counts such as 车辆数 in 辆; NULL = not reported."
            )
        comments.append(f"COMMENT ON COLUMN {GENERATED_MART}.{column} IS {quote_literal(text)};")
    template = sql_text("marts", GENERATED_MART)
    if UNIT_COLUMNS_PLACEHOLDER not in template:
        raise WarehouseError(f"{GENERATED_MART}.sql lost its {UNIT_COLUMNS_PLACEHOLDER} placeholder")
    generated = template.replace(UNIT_COLUMNS_PLACEHOLDER, "".join(columns).lstrip())
    return generated + "\n" + "\n".join(comments) + "\n"


def _summarise(connection: duckdb.DuckDBPyConnection, warehouse: Path) -> BuildSummary:
    def count(sql: str) -> int:
        row = connection.execute(sql).fetchone()
        return int(row[0]) if row else 0

    return BuildSummary(
        path=warehouse,
        facts=count("SELECT count(*) FROM raw_facts"),
        units=count("SELECT count(*) FROM raw_units"),
        documents=count("SELECT count(*) FROM raw_documents"),
        unit_years=count("SELECT count(*) FROM (SELECT DISTINCT unit_id, year FROM raw_facts)"),
        models=MODELS,
    )
