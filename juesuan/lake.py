"""The Parquet lake: per-report partitions replaced atomically, plus small dimension tables.

Layout (``{lake}`` defaults to ``data/lake``)::

    {lake}/facts/year=2023/unit_id=datong-sic/facts.parquet                 contract facts of one report
    {lake}/code_repairs/year=2023/unit_id=datong-sic/code_repairs.parquet   repaired / unresolved codes
    {lake}/parsed_tables/year=2023/unit_id=datong-sic/parsed_tables.parquet parsing report per table
    {lake}/units.parquet       one row per registry unit
    {lake}/subjects.parquet    the classification catalogue
    {lake}/documents.parquet   one row per document (sha256) ever seen, with status and error

Partition columns (``year``, ``unit_id``) live in the path only (hive style). Every file is written
to a hidden temporary name in the same folder and renamed over the old one, so a reader sees the
old report or the new one, never half of either, and a re-run rewrites the same bytes.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from juesuan.contract import FACT_SCHEMA, PARTITION_COLUMNS, Fact, facts_to_table, validate_facts
from juesuan.errors import ContractViolation
from juesuan.extract.base import CodeRepair, TableReport
from juesuan.registry import Registry

FACTS = "facts"
CODE_REPAIRS = "code_repairs"
PARSED_TABLES = "parsed_tables"
PARTITIONED_DATASETS = (FACTS, CODE_REPAIRS, PARSED_TABLES)

DOCUMENT_STATUSES = ("loaded", "quarantined")

FACT_FILE_SCHEMA = pa.schema([f for f in FACT_SCHEMA if f.name not in PARTITION_COLUMNS])
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
    ]
)
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


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a hidden temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


class Lake:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def partition(self, dataset: str, unit_id: str, year: int) -> Path:
        return self.root / dataset / f"year={year}" / f"unit_id={unit_id}" / f"{dataset}.parquet"

    # --- per-report data -----------------------------------------------------------------------------
    def write_report(
        self,
        unit_id: str,
        year: int,
        document_sha256: str,
        facts: list[Fact],
        repairs: list[CodeRepair],
        tables: list[TableReport],
    ) -> None:
        """Replace one report's partitions (facts, code repairs, parsing report).

        The facts are checked against the contract first: nothing that breaks it reaches the lake.
        """
        validate_facts(facts)
        strays = {(f.unit_id, f.year) for f in facts} - {(unit_id, year)}
        if strays:
            raise ContractViolation(f"facts of {sorted(strays)} cannot go into the partition of {unit_id} {year}")
        fact_table = facts_to_table(facts).drop_columns(list(PARTITION_COLUMNS))
        write_table_atomic(fact_table.cast(FACT_FILE_SCHEMA), self.partition(FACTS, unit_id, year))
        repair_rows = [asdict(r) for r in repairs]
        write_table_atomic(
            pa.Table.from_pylist(repair_rows, schema=CODE_REPAIR_SCHEMA),
            self.partition(CODE_REPAIRS, unit_id, year),
        )
        table_rows = [
            {
                "document_sha256": document_sha256,
                "title": t.title,
                "table_name": t.table_name,
                "status": t.status,
                "extractor": t.extractor,
                "page": t.page,
                "line": t.line,
                "rows": t.rows,
                "facts": t.facts,
                "notes": "; ".join(t.notes),
            }
            for t in tables
        ]
        write_table_atomic(
            pa.Table.from_pylist(table_rows, schema=PARSED_TABLE_SCHEMA),
            self.partition(PARSED_TABLES, unit_id, year),
        )

    def read_facts(self) -> pd.DataFrame:
        """All facts with their partition columns (empty frame with the contract columns if none)."""
        folder = self.root / FACTS
        if not any(folder.glob("year=*/unit_id=*/facts.parquet")):
            return FACT_SCHEMA.empty_table().to_pandas()
        dataset = pq.ParquetDataset(folder, partitioning="hive")
        frame = dataset.read().to_pandas()
        frame["year"] = frame["year"].astype("int16")
        frame["unit_id"] = frame["unit_id"].astype(str)
        return frame[[f.name for f in FACT_SCHEMA]]

    # --- dimensions ------------------------------------------------------------------------------------
    def write_units(self, registry: Registry) -> None:
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
        write_table_atomic(pa.Table.from_pylist(rows, schema=UNIT_SCHEMA), self.root / "units.parquet")

    def write_subjects(self, subjects: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(subjects[SUBJECT_SCHEMA.names], schema=SUBJECT_SCHEMA, preserve_index=False)
        write_table_atomic(table, self.root / "subjects.parquet")

    def read_documents(self) -> pd.DataFrame:
        path = self.root / "documents.parquet"
        if not path.exists():
            return DOCUMENT_SCHEMA.empty_table().to_pandas()
        return pq.read_table(path).to_pandas()

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
    ) -> None:
        """Insert or update the row of one document (keyed by its sha256 and the registry entry).

        A document that never arrived (download failed) has no hash: ``sha256`` is ``None``.
        """
        if status not in DOCUMENT_STATUSES:
            raise ValueError(f"status {status!r} not one of {DOCUMENT_STATUSES}")
        path = self.root / "documents.parquet"
        existing = pq.read_table(path).to_pylist() if path.exists() else []

        def same(row: dict[str, object]) -> bool:
            return row["sha256"] == sha256 and row["unit_id"] == unit_id and row["year"] == year

        previous = [row for row in existing if same(row)]
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
        }
        rows = [*(r for r in existing if not same(r)), row]
        rows.sort(key=lambda r: (str(r["unit_id"]), int(r["year"]), str(r["sha256"] or "")))
        write_table_atomic(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), self.root / "documents.parquet")
