"""Exports that open where analysts work: CSV with a UTF-8 BOM, XLSX and Parquet, picked by extension.

* **CSV** (``.csv``) is UTF-8 *with a byte-order mark*, so Excel and WPS on Windows read Chinese
  instead of mojibake; amounts keep every digit (``5347.00``, no thousands separators).
* **XLSX** (``.xlsx``, openpyxl) has one sheet per result and a 说明 (notes) sheet saying where the
  numbers come from, when, and in which units. Amounts are *numbers* shown with two decimals
  (``#,##0.00``), shares with four, so Excel can sum and chart them.
* **Parquet** (``.parquet``) keeps the exact ``DECIMAL`` amounts and the column types; the notes go
  into the file's key-value metadata (``juesuan.notes``). Any Parquet reader opens it — also DuckDB
  1.x clients, which cannot open the DuckDB 2.0 warehouse file.

An unknown extension is refused with the list of known ones, never silently written as something else.
Every file is written through a hidden temporary file and an atomic rename.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from juesuan.errors import UsageError
from juesuan.lake import write_bytes_atomic

#: File extensions and the format each one picks.
EXPORT_FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
#: What every notes sheet says about units and empty cells.
STANDARD_NOTES: tuple[str, ...] = (
    "金额单位：万元（车辆数等计数以辆、台套计，列名或说明中注明）。",
    "比例、占比为小数（0.4286 即 42.86%）。",
    "空白单元格表示报告未填报（NULL），不等于零。",
)
AMOUNT_FORMAT = "#,##0.00"
FRACTION_FORMAT = "0.0000"
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Result:
    """One result to export: a frame, the sheet name it gets in a workbook and what it is."""

    frame: pd.DataFrame
    name: str = "结果"
    description: str = ""


@dataclass(frozen=True)
class ExportNotes:
    """Where a result comes from; written to the XLSX notes sheet and the Parquet metadata."""

    source: str
    notes: tuple[str, ...] = ()
    column_descriptions: Mapping[str, str] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def lines(self) -> list[tuple[str, str]]:
        rows = [
            ("来源", self.source),
            ("生成时间（UTC）", self.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ]
        rows += [("说明", note) for note in (*self.notes, *STANDARD_NOTES)]
        return rows


def export_format(path: str | Path) -> str:
    """The format ``path``'s extension picks (``csv``, ``xlsx`` or ``parquet``); an unknown one is an error."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise UsageError(
            "output file extension (-o FILE)",
            f"{Path(path).name} ({suffix or 'no extension'})",
            list(EXPORT_FORMATS),
        )
    return EXPORT_FORMATS[suffix]


def write_results(path: str | Path, results: Sequence[Result], notes: ExportNotes) -> str:
    """Write ``results`` to ``path`` in the format its extension picks; returns that format.

    CSV and Parquet hold one result; a workbook holds one sheet per result plus the notes sheet.
    """
    path = Path(path)
    fmt = export_format(path)
    if not results:
        raise UsageError("results to export", "none")
    if fmt != "xlsx" and len(results) > 1:
        raise UsageError(f"{fmt} output of {len(results)} results (one per file; .xlsx holds several)", path.name)
    write_bytes_atomic(export_bytes(fmt, results, notes), path)
    return fmt


def export_bytes(fmt: str, results: Sequence[Result], notes: ExportNotes) -> bytes:
    """The bytes of an export in ``fmt`` (``csv``, ``xlsx`` or ``parquet``)."""
    if fmt == "csv":
        return csv_bytes(results[0].frame)
    if fmt == "xlsx":
        return xlsx_bytes(results, notes)
    if fmt == "parquet":
        return parquet_bytes(results[0].frame, notes)
    raise UsageError("export format", fmt, sorted(set(EXPORT_FORMATS.values())))


# --- values -----------------------------------------------------------------------------------------------
def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def exact_text(value: Decimal) -> str:
    """Every digit of an amount, trailing zeros trimmed to two decimals (5347.000000 → 5347.00)."""
    whole, _, fraction = format(value, "f").partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def decimal_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding exact amounts (``Decimal`` values, as the warehouse returns DECIMAL columns)."""
    found = []
    for column in frame.columns:
        present = frame[column].dropna()
        if len(present) and all(isinstance(v, Decimal) for v in present):
            found.append(column)
    return found


def fraction_columns(frame: pd.DataFrame) -> list[str]:
    """Float columns (shares, ratios, rates): shown with four decimals."""
    return [
        c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


# --- CSV --------------------------------------------------------------------------------------------------
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, amounts exact, lists and booleans as text."""
    exact = frame.copy()
    for column in decimal_columns(frame):
        exact[column] = [None if _is_missing(v) else exact_text(v) for v in frame[column]]
    text = exact.to_csv(index=False, lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


# --- XLSX -------------------------------------------------------------------------------------------------
def _sheet_title(name: str, taken: set[str]) -> str:
    base = (name.translate(_SHEET_FORBIDDEN).strip("'") or "结果")[:31]
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _cell_value(value: object) -> object:
    if _is_missing(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return _cell_value(value.item())
    if hasattr(value, "tolist"):  # numpy arrays (list columns)
        return json.dumps(value.tolist(), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False, default=str)
    return str(value)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _write_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font

    columns = [str(c) for c in frame.columns]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
    amounts = {frame.columns.get_loc(c) for c in decimal_columns(frame)}
    fractions = {frame.columns.get_loc(c) for c in fraction_columns(frame)}
    widths = [_display_width(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        values = [_cell_value(v) for v in row]
        sheet.append(values)
        for i, value in enumerate(values):
            if value is not None:
                shown = f"{value:,.2f}" if i in amounts and isinstance(value, float) else str(value)
                widths[i] = max(widths[i], _display_width(shown))
    for i in amounts | fractions:
        number_format = AMOUNT_FORMAT if i in amounts else FRACTION_FORMAT
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = number_format
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(width + 2, 6), 60)
    sheet.freeze_panes = "A2"


def xlsx_bytes(results: Sequence[Result], notes: ExportNotes) -> bytes:
    """A workbook: one sheet per result, then the notes sheet 说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    default = workbook.active
    taken: set[str] = {"说明"}
    for result in results:
        _write_sheet(workbook.create_sheet(_sheet_title(result.name, taken)), result.frame)
    if default is not None:
        workbook.remove(default)
    sheet = workbook.create_sheet("说明")
    sheet.append(["项目", "内容"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for label, text in notes.lines():
        sheet.append([label, text])
    for result, title in zip(results, [s.title for s in workbook.worksheets[: len(results)]], strict=True):
        described = f"{result.description}：" if result.description else ""
        sheet.append(["工作表", f"{title}：{described}{len(result.frame)} 行"])
    if notes.column_descriptions:
        sheet.append([])
        sheet.append(["列", "含义"])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)
        for column, meaning in notes.column_descriptions.items():
            sheet.append([column, meaning])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    for (cell,) in sheet.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Parquet ----------------------------------------------------------------------------------------------
def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table; amounts stay exact decimals, mixed object columns become text."""
    prepared = frame.copy()
    for column in prepared.columns:
        series = prepared[column]
        if series.dtype == object and column not in decimal_columns(frame):
            present = series.dropna()
            kinds = {type(v) for v in present}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool, list}):
                prepared[column] = [None if _is_missing(v) else str(v) for v in series]
    table = pa.Table.from_pandas(prepared, preserve_index=False)
    # pandas infers the narrowest decimal the values fit; amounts are DECIMAL(20,6) in the warehouse.
    for position, item in enumerate(table.schema):
        if pa.types.is_decimal(item.type) and item.type.precision < 20:
            widened = pa.decimal128(20, item.type.scale)
            table = table.set_column(position, item.with_type(widened), table.column(position).cast(widened))
    return table


def notes_metadata(notes: ExportNotes) -> bytes:
    """The notes as the JSON stored under ``juesuan.notes`` in a Parquet file's metadata."""
    described: dict[str, object] = {label: text for label, text in notes.lines() if label != "说明"}
    described["说明"] = [*notes.notes, *STANDARD_NOTES]
    return json.dumps(described, ensure_ascii=False).encode()


def _with_notes(table: pa.Table, notes: ExportNotes) -> pa.Table:
    metadata = dict(table.schema.metadata or {})
    metadata[b"juesuan.notes"] = notes_metadata(notes)
    fields = [
        f.with_metadata({b"description": notes.column_descriptions[f.name].encode()})
        if f.name in notes.column_descriptions
        else f
        for f in table.schema
    ]
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=metadata))


def parquet_bytes(frame: pd.DataFrame, notes: ExportNotes) -> bytes:
    table = _with_notes(arrow_table(frame), notes)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def write_batches_parquet(path: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch], notes: ExportNotes) -> int:
    """Stream record batches into a Parquet file (atomically); returns the number of rows written."""
    import os
    import uuid

    fields = [
        f.with_metadata({b"description": notes.column_descriptions[f.name].encode()})
        if f.name in notes.column_descriptions
        else f
        for f in schema
    ]
    metadata = dict(schema.metadata or {})
    metadata[b"juesuan.notes"] = notes_metadata(notes)
    described = pa.schema(fields, metadata=metadata)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    rows = 0
    try:
        with pq.ParquetWriter(temporary, described) as writer:
            for batch in batches:
                writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=described))
                rows += batch.num_rows
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return rows
