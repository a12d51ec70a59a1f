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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import fsspec

from juesuan.errors import WarehouseError
from juesuan.lake import CODE_REPAIRS, FACTS, PARSED_TABLES, PRIOR_YEAR_FACTS

log = logging.getLogger(__name__)

SQL_PACKAGE = "juesuan.warehouse"
HIVE_TYPES = "{'year': 'SMALLINT', 'unit_id': 'VARCHAR'}"
UNIT_COLUMNS_PLACEHOLDER = "{{unit_columns}}"
GENERATED_MART = "subject_comparison"
#: Columns of ``subject_comparison`` before the per-unit ones.
COMPARISON_KEY_COLUMNS = ("table_name", "column_name", "subject_code", "subject_name", "level")


@dataclass(frozen=True)
class RawSource:
    """One raw table and the lake files it is loaded from."""

    table: str
    pattern: str  # glob relative to the lake root
    partitioned: bool = False  # hive partitions year=…/unit_id=… in the path
    order_by: str = "ALL"
    row_number_column: str | None = None  # filled from the file's row number (1-based)


def _partitioned(dataset: str) -> str:
    return f"{dataset}/year=*/unit_id=*/{dataset}.parquet"


RAW_SOURCES: tuple[RawSource, ...] = (
    RawSource("raw_facts", _partitioned(FACTS), partitioned=True),
    RawSource("raw_units", "units.parquet", order_by="registry_order", row_number_column="registry_order"),
    RawSource("raw_subjects", "subjects.parquet"),
    RawSource("raw_documents", "documents.parquet"),
    RawSource("raw_code_repairs", _partitioned(CODE_REPAIRS), partitioned=True),
    RawSource("raw_parsed_tables", _partitioned(PARSED_TABLES), partitioned=True),
    RawSource("raw_identity_findings", _partitioned("identity_findings"), partitioned=True),
    RawSource("raw_prior_year_facts", _partitioned(PRIOR_YEAR_FACTS), partitioned=True),
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
    # Accounting identities (docs/validation.md).
    "identity_findings",
    "identity_summary",
    # Analysts' marts that carry the identities' verdict (docs/analysts.md).
    "data_quality",
    "unit_ratios",
)
RAW_MODELS: tuple[str, ...] = tuple(s.table for s in RAW_SOURCES)
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
    """Build the warehouse file ``warehouse`` from the lake at ``lake`` and publish it atomically.

    ``lake`` is a folder or an fsspec URL (``s3://bucket/lake``, with ``storage_options`` for
    fsspec); a remote lake is read by DuckDB through the same fsspec filesystem.
    """
    lake_files = LakeFiles(lake, storage_options)
    warehouse = Path(warehouse)
    if not lake_files.exists():
        raise WarehouseError(f"lake {lake} not found: run `juesuan run` to extract the reports into it first")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    temporary = warehouse.parent / f".{warehouse.name}.{uuid.uuid4().hex}.tmp"
    leftovers = (temporary, temporary.with_name(temporary.name + ".wal"))
    try:
        connection = duckdb.connect(str(temporary))
        lake_files.register(connection)
        step = "start"
        try:
            connection.execute("BEGIN TRANSACTION")
            for source in RAW_SOURCES:
                step = source.table
                connection.execute(sql_text("raw", source.table))
                _load_raw(connection, lake_files, source)
            step = "key check"
            _check_fact_keys(connection, lake_files)
            for name in STAGING_MODELS:
                step = name
                connection.execute(sql_text("staging", name))
            for name in MART_MODELS:
                step = name
                if name == GENERATED_MART:
                    connection.execute(_comparison_sql(connection))
                else:
                    connection.execute(sql_text("marts", name))
            step = "commit"
            connection.execute("COMMIT")
            summary = _summarise(connection, warehouse)
            step = "checkpoint"
            connection.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise WarehouseError(f"building the warehouse from {lake} failed at {step}: {exc}") from exc
        finally:
            connection.close()
        os.replace(temporary, warehouse)
    finally:
        for leftover in leftovers:
            if leftover.exists():
                leftover.unlink()
    log.info("built %s", summary)
    return summary


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
        if self.is_local:
            return [str(path) for path in found]
        # fsspec lists remote paths without their protocol; DuckDB needs it to pick the filesystem.
        return [path if "://" in path else f"{self.protocol}://{path}" for path in found]

    def register(self, connection: duckdb.DuckDBPyConnection) -> None:
        if not self.is_local:
            connection.register_filesystem(self.fs)


def _load_raw(connection: duckdb.DuckDBPyConnection, lake: LakeFiles, source: RawSource) -> None:
    files = lake.glob(source.pattern)
    if not files:
        log.info("%s: no lake files match %s/%s; the table stays empty", source.table, lake, source.pattern)
        return
    options = ["union_by_name = true"]
    if source.partitioned:
        options += ["hive_partitioning = true", f"hive_types = {HIVE_TYPES}"]
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
        elif column in lake_columns:
            select.append(quote_identifier(column))
        else:
            log.warning("%s: column %s is missing from the lake files; it stays NULL", source.table, column)
    ignored = sorted(set(lake_columns) - set(table_columns) - {"file_row_number"})
    if ignored:
        log.warning("%s: lake column(s) %s not in the warehouse; ignored", source.table, ", ".join(ignored))
    connection.execute(
        f"INSERT INTO {source.table} BY NAME SELECT {', '.join(select)} FROM {scan} ORDER BY {source.order_by}",
        params,
    )


def _check_fact_keys(connection: duckdb.DuckDBPyConnection, lake: LakeFiles) -> None:
    """The contract key must be unique, among the reports' facts and among the restated ones; the marts rely on it."""
    for table, year in (("raw_facts", "year"), ("raw_prior_year_facts", "fact_year")):
        duplicates = connection.execute(
            f"""
            SELECT unit_id, {year}, table_name, coalesce(subject_code, line_item), column_name, source_kind, count(*)
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
        WITH latest AS (SELECT unit_id, max(year) AS year FROM stg_facts GROUP BY unit_id)
        SELECT coalesce(stg_units.unit_id, latest.unit_id) AS unit_id, stg_units.unit_name, latest.year
        FROM stg_units
        FULL OUTER JOIN latest ON latest.unit_id = stg_units.unit_id
        ORDER BY stg_units.registry_order NULLS LAST, 1
        """
    ).fetchall()
    columns: list[str] = []
    comments: list[str] = []
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
