"""The query side of the warehouse: read-only connections, queries, comparisons and output formats.

Connections attach the warehouse file read-only into a fresh in-memory DuckDB instance rather than
calling ``duckdb.connect(path)``: DuckDB caches one instance per path inside a process, so a plain
connect after a rebuild would keep serving the replaced file. Amounts come back as exact
``decimal.Decimal`` values (DECIMAL columns never pass through float).
"""

from __future__ import annotations

import io
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from juesuan.contract import GENERAL_BUDGET, TABLE_NAMES
from juesuan.errors import UsageError, WarehouseError

ALIAS = "warehouse"
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")
REPORTED = "reported"
NOT_REPORTED = "not reported"
#: Statement types ``run_query`` accepts; anything else would write (or reach outside the warehouse).
READ_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
        duckdb.StatementType.SET,
        duckdb.StatementType.VARIABLE_SET,
        duckdb.StatementType.RELATION,
    }
)
_INTEGER_DTYPES: dict[pa.DataType, Any] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}
_CENT = Decimal("0.01")


def _missing(path: Path) -> WarehouseError:
    return WarehouseError(
        f"warehouse {path} not found: build it with `juesuan run` "
        "(or point --warehouse / JUESUAN_WAREHOUSE at an existing file)"
    )


def connect_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file; its tables and views need no qualification."""
    path = Path(path)
    if not path.is_file():
        raise _missing(path)
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {ALIAS} (READ_ONLY)")
        connection.execute(f"USE {ALIAS}")
        # Without the in-memory default catalogue, nothing but TEMP objects can be created.
        connection.execute("DETACH memory")
    except duckdb.Error as exc:
        connection.close()
        raise WarehouseError(
            f"cannot open warehouse {path}: {exc} (is it a DuckDB 2.x file? rebuild it with `juesuan run`)"
        ) from exc
    return connection


def frame_from_arrow(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas keeping DECIMAL as ``Decimal`` and integers with NULLs as nullable integers."""
    return table.to_pandas(types_mapper=_INTEGER_DTYPES.get)


def _fetch(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    relation = connection.sql(sql, params=params)
    if relation is None:
        return pd.DataFrame()
    return frame_from_arrow(relation.to_arrow_table())


def run_query(path: str | Path, sql: str) -> pd.DataFrame:
    """Run read-only SQL against the warehouse; the last statement's result as a DataFrame."""
    path = Path(path)
    connection = connect_readonly(path)
    try:
        try:
            statements = connection.extract_statements(sql)
        except duckdb.Error as exc:
            raise WarehouseError(f"query on {path} does not parse: {exc}") from exc
        if not statements:
            raise WarehouseError("empty query: give at least one SQL statement")
        for statement in statements:
            if statement.type not in READ_STATEMENTS:
                kind = statement.type.name.replace("_", " ")
                snippet = " ".join(statement.query.split())[:60]
                raise WarehouseError(
                    f"the warehouse {path} is read-only: {kind} statement refused ({snippet!r}). "
                    "It is rebuilt from the lake by `juesuan run`; query it with SELECT."
                )
        try:
            return _fetch(connection, sql)
        except duckdb.Error as exc:
            raise WarehouseError(f"query on {path} failed: {exc}") from exc
    finally:
        connection.close()


_COMPARE_SQL = """
WITH unit_list AS (
    SELECT unit_id, name AS unit_name, registry_order FROM units
),
latest AS (
    SELECT unit_id, max(year) AS year FROM facts GROUP BY unit_id
),
target AS (
    SELECT
        unit_list.unit_id,
        unit_list.unit_name,
        unit_list.registry_order,
        CAST(coalesce(CAST($year AS SMALLINT), latest.year) AS SMALLINT) AS year
    FROM unit_list
    LEFT JOIN latest ON latest.unit_id = unit_list.unit_id
),
chosen AS (
    SELECT unit_id, year, value, source_kind
    FROM preferred_facts
    WHERE table_name = $table_name AND column_name = $column_name AND subject_key = $subject_code
)
SELECT
    target.unit_id,
    target.unit_name,
    target.year,
    chosen.value,
    chosen.source_kind,
    CASE WHEN chosen.value IS NULL THEN 'not reported' ELSE 'reported' END AS status
FROM target
LEFT JOIN chosen ON chosen.unit_id = target.unit_id AND chosen.year = target.year
ORDER BY target.registry_order, target.unit_id
"""


def compare_subject(
    path: str | Path,
    subject_code: str,
    table_name: str = GENERAL_BUDGET,
    column_name: str = "小计",
    year: int | None = None,
) -> pd.DataFrame:
    """One subject across every registered unit: value, source and whether it was reported.

    ``subject_code`` may also be a line item of a summary table (``合计``, ``本年收入合计`` …).
    ``year`` None takes each unit's latest year with facts. Table facts are preferred, the narrative
    fills in where a unit-year has no table fact. Units that did not report it say ``not reported``.
    """
    if table_name not in TABLE_NAMES:
        raise UsageError("table", table_name, TABLE_NAMES)
    path = Path(path)
    connection = connect_readonly(path)
    try:
        known = [
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT column_name FROM facts WHERE table_name = $t ORDER BY 1", {"t": table_name}
            ).fetchall()
        ]
        if known and column_name not in known:
            raise UsageError("column", column_name, known)
        params: dict[str, object] = {
            "table_name": table_name,
            "column_name": column_name,
            "subject_code": subject_code.strip(),
            "year": year,
        }
        return _fetch(connection, _COMPARE_SQL, params)
    except duckdb.Error as exc:
        raise WarehouseError(f"comparison on {path} failed: {exc}") from exc
    finally:
        connection.close()


# --- output formats ---------------------------------------------------------------------------------
def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def exact_decimal(value: Decimal) -> str:
    """All the digits of an amount, trailing zeros trimmed to two decimals (5347.000000 → 5347.00)."""
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{whole}.{fraction}"


def display_value(value: object) -> str:
    """A cell for people: amounts with thousands separators and two decimals (half up)."""
    if _is_missing(value):
        return ""
    if isinstance(value, Decimal):
        return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)


def _exact_value(value: object) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, Decimal):
        return exact_decimal(value)
    return str(value)


def _json_value(value: object) -> str:
    if _is_missing(value):
        return "null"
    if isinstance(value, Decimal):
        return exact_decimal(value)  # a JSON number, every digit kept
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, pd.Timestamp):
        return json.dumps(value.isoformat())
    return json.dumps(str(value), ensure_ascii=False)


def _numeric_columns(frame: pd.DataFrame) -> set[str]:
    numeric = set()
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            numeric.add(column)
            continue
        present = series.dropna()
        if len(present) and all(isinstance(v, Decimal) for v in present):
            numeric.add(column)
    return numeric


def frame_to_rich_table(frame: pd.DataFrame, title: str | None = None) -> Table:
    """A rich table of ``frame``: numbers right-aligned, amounts as 1,234.56."""
    numeric = _numeric_columns(frame)
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if column in numeric else "left")
    for row in frame.itertuples(index=False, name=None):
        table.add_row(*(display_value(v) for v in row))
    return table


def _markdown(frame: pd.DataFrame) -> str:
    numeric = _numeric_columns(frame)

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(str(c)) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if c in numeric else "---" for c in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(display_value(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def _json(frame: pd.DataFrame) -> str:
    keys = [json.dumps(str(c), ensure_ascii=False) for c in frame.columns]
    records = [
        "  {" + ", ".join(f"{k}: {_json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in frame.itertuples(index=False, name=None)
    ]
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(records) + "\n]\n"


def _csv(frame: pd.DataFrame) -> str:
    exact = frame.copy()
    for column in _numeric_columns(frame):
        if any(isinstance(v, Decimal) for v in frame[column]):
            exact[column] = [_exact_value(v) for v in frame[column]]
    return exact.to_csv(index=False, lineterminator="\n")


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` as text: ``table`` (rich, for a terminal), ``csv``, ``json`` or ``markdown``.

    Amounts are printed with thousands separators and two decimals in table and markdown, and
    exactly (every digit, no separators) in csv and json.
    """
    if fmt == "csv":
        return _csv(frame)
    if fmt == "json":
        return _json(frame)
    if fmt == "markdown":
        return _markdown(frame)
    if fmt == "table":
        buffer = io.StringIO()
        Console(file=buffer, width=200, color_system=None, legacy_windows=False).print(frame_to_rich_table(frame))
        return buffer.getvalue()
    raise UsageError("format", fmt, FORMATS)
