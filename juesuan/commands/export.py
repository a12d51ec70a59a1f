"""``juesuan export``: the warehouse's marts as Parquet files (or CSV / XLSX) for any tool.

A DuckDB 2.0 file cannot be opened by DuckDB 1.x, older R/Python clients or BI tools; Parquet can.
Each mart becomes ``DIR/<mart>.parquet`` with exact decimals and its column descriptions as field
metadata, plus ``DIR/columns.csv`` (UTF-8 with BOM): every exported column with its type and meaning.
Parquet rows are streamed in batches, so a mart of millions of facts never sits in memory whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import typer

from juesuan.cli import WarehouseOption, _settings, console, reports_errors
from juesuan.errors import UsageError, WarehouseError

EXPORT_KINDS = ("parquet", "csv", "xlsx")
#: A worksheet holds 1,048,576 rows; a bigger mart is exported as Parquet or CSV only.
XLSX_ROW_LIMIT = 1_048_575
BATCH_ROWS = 100_000


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


@reports_errors
def export(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder for the files.")] = Path("export"),
    marts: Annotated[
        list[str] | None, typer.Option("--marts", help="Marts to export, comma-separated (default: every mart).")
    ] = None,
    kind: Annotated[str, typer.Option("--format", "-f", help="parquet (default), csv (UTF-8 with BOM) or xlsx.")] = (
        "parquet"
    ),
    warehouse: WarehouseOption = None,
) -> None:
    """Export the warehouse's marts as Parquet files (or CSV/XLSX) for tools that cannot open DuckDB 2.0."""
    if kind not in EXPORT_KINDS:
        raise UsageError("--format", kind, EXPORT_KINDS)
    settings = _settings(warehouse=warehouse)
    chosen = [m.strip() for value in marts or [] for m in value.split(",") if m.strip()] or None
    written = export_marts(settings.warehouse, output_dir, chosen, kind)
    for path, rows in written:
        console.print(f"{path}  {rows:,} rows", highlight=False)
    console.print(f"{len(written) - 1} mart(s) exported to {output_dir} ({kind}); their columns in columns.csv")


def export_marts(
    warehouse: Path, output_dir: Path, marts: list[str] | None = None, kind: str = "parquet"
) -> list[tuple[Path, int]]:
    """Write each mart to ``output_dir`` as ``<mart>.<kind>``, then ``columns.csv``; returns (path, rows)."""
    from juesuan.export import ExportNotes, Result, csv_bytes, write_batches_parquet, write_results
    from juesuan.lake import write_bytes_atomic
    from juesuan.warehouse.build import MART_MODELS
    from juesuan.warehouse.query import ALIAS, connect_readonly, frame_from_arrow

    connection = connect_readonly(warehouse)
    try:
        comments = dict(
            connection.execute(
                "SELECT view_name, comment FROM duckdb_views() WHERE database_name = $db "
                "UNION ALL SELECT table_name, comment FROM duckdb_tables() WHERE database_name = $db",
                {"db": ALIAS},
            ).fetchall()
        )
        available = [m for m in MART_MODELS if m in comments]
        chosen = marts or available
        unknown = [m for m in chosen if m not in available]
        if unknown:
            raise UsageError("--marts", ",".join(unknown), available)
        columns = connection.execute(
            "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE database_name = $db AND list_contains($marts, table_name) ORDER BY table_name, column_index",
            {"db": ALIAS, "marts": chosen},
        ).fetchall()
        described: dict[str, dict[str, str]] = {}
        for table, column, _, comment in columns:
            described.setdefault(table, {})[column] = comment or ""
        output_dir.mkdir(parents=True, exist_ok=True)
        written: list[tuple[Path, int]] = []
        for mart in chosen:
            notes = ExportNotes(
                source=f"{warehouse} — {mart}: {comments[mart] or ''}", column_descriptions=described.get(mart, {})
            )
            path = output_dir / f"{mart}.{kind}"
            try:
                if kind == "parquet":
                    reader = connection.sql(f'SELECT * FROM "{mart}"').to_arrow_reader(BATCH_ROWS)
                    rows = write_batches_parquet(path, reader.schema, reader, notes)
                else:
                    total = int(connection.execute(f'SELECT count(*) FROM "{mart}"').fetchall()[0][0])
                    if kind == "xlsx" and total > XLSX_ROW_LIMIT:
                        raise UsageError(f"--format xlsx for {mart} ({total:,} rows: more than a sheet holds)", kind)
                    frame = frame_from_arrow(connection.sql(f'SELECT * FROM "{mart}"').to_arrow_table())
                    write_results(path, [Result(frame, mart, comments[mart] or "")], notes)
                    rows = len(frame)
            except duckdb.Error as exc:
                raise WarehouseError(f"exporting {mart} from {warehouse} failed: {exc}") from exc
            written.append((path, rows))
        dictionary = pd.DataFrame(columns, columns=["mart", "column", "type", "meaning"])
        write_bytes_atomic(csv_bytes(dictionary), output_dir / "columns.csv")
        written.append((output_dir / "columns.csv", len(dictionary)))
        return written
    finally:
        connection.close()
