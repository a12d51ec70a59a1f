"""``juesuan.read``: the warehouse as pandas DataFrames for notebooks, amounts as float64.

>>> import juesuan
>>> juesuan.read("unit_year_totals", unit_id=["datong-sic", "wuhai-sic"]).plot.bar(x="unit_id", y="基本支出")

The warehouse keeps amounts as exact ``DECIMAL(20,6)``; pandas has no decimal dtype, and a column of
``decimal.Decimal`` objects does not plot ("no numeric data to plot") nor compute fast. ``read``
therefore converts every ``DECIMAL`` column to ``float64`` (exact to the cent for any amount a report
prints); exact sums stay in SQL (``juesuan query``, :func:`juesuan.warehouse.query.run_query`) or
``read(..., exact=True)``. Integer columns with gaps come back as pandas' nullable integers.

The connection is the warehouse's read-only one (:func:`juesuan.warehouse.query.connect_readonly`),
so whatever hardening applies to analysts' connections applies here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from juesuan.errors import UsageError, WarehouseError
from juesuan.settings import Settings

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def find_warehouse(start: Path | None = None) -> Path:
    """The warehouse a notebook reads: ``JUESUAN_WAREHOUSE`` / ``JUESUAN_DATA_DIR`` when absolute, else
    the default relative path looked up in the working folder and every folder above it (notebooks
    run in ``notebooks/``)."""
    configured = Settings.from_env().warehouse
    if configured.is_absolute():
        if not configured.is_file():
            raise WarehouseError(f"warehouse {configured} not found: run `juesuan run` first")
        return configured
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / configured
        if candidate.is_file():
            return candidate
    raise WarehouseError(
        f"warehouse {configured} not found in {here} or any folder above it: run `juesuan run` in the "
        "project folder first, or pass warehouse=… / set JUESUAN_WAREHOUSE"
    )


def floats_for_decimals(table: pa.Table) -> pa.Table:
    """``table`` with every decimal column cast to float64 (the others unchanged)."""
    columns = []
    fields = []
    for column, item in zip(table.columns, table.schema, strict=True):
        if pa.types.is_decimal(item.type):
            columns.append(column.cast(pa.float64()))
            fields.append(pa.field(item.name, pa.float64(), item.nullable, item.metadata))
        else:
            columns.append(column)
            fields.append(item)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _relations(connection: Any) -> dict[str, list[str]]:
    from juesuan.warehouse.query import ALIAS

    rows = connection.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = $db "
        "ORDER BY table_name, column_index",
        {"db": ALIAS},
    ).fetchall()
    relations: dict[str, list[str]] = {}
    for table, column in rows:
        relations.setdefault(table, []).append(column)
    return relations


def _filter_sql(filters: Mapping[str, Any], columns: list[str], what: str) -> tuple[str, dict[str, object]]:
    clauses = []
    params: dict[str, object] = {}
    for position, (name, wanted) in enumerate(filters.items()):
        if name not in columns:
            raise UsageError(f"filter for {what}", name, columns)
        column = '"' + name.replace('"', '""') + '"'
        key = f"f{position}"
        if wanted is None:
            clauses.append(f"{column} IS NULL")
        elif isinstance(wanted, str | bytes) or not isinstance(wanted, Iterable):
            clauses.append(f"{column} = ${key}")
            params[key] = wanted
        else:
            values = list(wanted)
            if not values:
                raise UsageError(f"filter {name} (an empty list matches nothing)", values)
            clauses.append(f"list_contains(${key}, {column})")
            params[key] = values
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def read(sql_or_mart: str, warehouse: str | Path | None = None, *, exact: bool = False, **filters: Any) -> pd.DataFrame:
    """A mart (or any read-only SQL) of the warehouse as a DataFrame, amounts as float64.

    ``sql_or_mart`` is the name of a mart or view (``unit_year_totals``, ``facts`` …) or a SELECT
    statement. Keyword filters keep the rows whose column equals the value, or is one of the values
    of a list (``year=[2023, 2024]``); ``None`` matches NULL. A filter on a column the result does not
    have is an error listing the columns. ``exact=True`` keeps ``Decimal`` amounts.
    ``warehouse`` defaults to :func:`find_warehouse`.
    """
    from juesuan.warehouse.query import READ_STATEMENTS, connect_readonly, frame_from_arrow

    path = Path(warehouse) if warehouse is not None else find_warehouse()
    text = sql_or_mart.strip()
    if not text:
        raise UsageError("sql_or_mart (a mart name or a SELECT statement)", sql_or_mart)
    connection = connect_readonly(path)
    try:
        relations = _relations(connection)
        if _IDENTIFIER.match(text):
            if text not in relations:
                visible = sorted(name for name in relations if not name.startswith(("raw_", "stg_")))
                raise UsageError("mart", text, visible)
            source, columns, what = f'"{text}"', relations[text], f"mart {text}"
        else:
            statements = connection.extract_statements(text)
            if len(statements) != 1 or statements[0].type not in READ_STATEMENTS:
                raise WarehouseError(
                    f"juesuan.read takes one read-only statement (SELECT …); refused: {' '.join(text.split())[:60]!r}"
                )
            source = f"({text.rstrip(';')})"
            columns = [d[0] for d in connection.sql(f"SELECT * FROM {source} AS q LIMIT 0").description]
            what = "the query's result"
        where, params = _filter_sql(filters, columns, what)
        table = connection.sql(f"SELECT * FROM {source} AS q{where}", params=params).to_arrow_table()
    except duckdb.Error as exc:
        raise WarehouseError(f"reading {sql_or_mart.strip()[:60]!r} from {path} failed: {exc}") from exc
    finally:
        connection.close()
    return frame_from_arrow(table if exact else floats_for_decimals(table))
