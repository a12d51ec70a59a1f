"""The query side of the warehouse: read-only connections, queries, comparisons and output formats.

Connections attach the warehouse file read-only into a fresh in-memory DuckDB instance rather than
calling ``duckdb.connect(path)``: DuckDB caches one instance per path inside a process, so a plain
connect after a rebuild would keep serving the replaced file. Amounts come back as exact
``decimal.Decimal`` values (DECIMAL columns never pass through float).

An analyst connection reads the warehouse and nothing else (issue 13.6, docs/security.md): once the
file is attached, external access is switched off (no ``read_text``/``read_csv``/``glob``/``COPY``/
``ATTACH``, no other file, no URL, no Python variable as a table), extensions are neither installed
nor loaded, nothing spills to disk, and the configuration is locked, so ``SET log_query_path``,
``profiling_output`` or ``enable_logging`` cannot write a file either. The warehouse build reads the
lake through its own connection (``warehouse/build.py``), never through this one.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from rich.cells import cell_len as cell_width
from rich.console import Console
from rich.table import Table

from juesuan.contract import BASIC, GENERAL_BUDGET, TABLE_NAMES
from juesuan.errors import UsageError, WarehouseError
from juesuan.warehouse.build import MART_MODELS

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
        duckdb.StatementType.SET,  # SET VARIABLE; every setting itself is locked (LOCKDOWN)
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


#: Set when the analyst connection is created: no extension is installed or loaded behind the query's back.
ANALYST_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "temp_directory": "",  # nothing spills to disk
}
#: Run once the warehouse is attached; the last one makes every setting final for the connection.
LOCKDOWN: tuple[str, ...] = (
    "SET enable_external_access = false",  # no file but the attached warehouse, no URL, no Python object
    "SET lock_configuration = true",  # no SET/PRAGMA/CALL may change a setting (log_query_path …) again
)


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
    connection = duckdb.connect(":memory:", config=ANALYST_CONFIG)
    try:
        connection.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {ALIAS} (READ_ONLY)")
        connection.execute(f"USE {ALIAS}")
        # Without the in-memory default catalogue, nothing but TEMP objects can be created.
        connection.execute("DETACH memory")
        for statement in LOCKDOWN:
            connection.execute(statement)
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


# --- comparisons ------------------------------------------------------------------------------------
BY_DIMENSIONS: tuple[str, ...] = ("subject", "class", "economic")
MEASURES: tuple[str, ...] = ("amount", "share")
#: Which report's figure a comparison shows (``juesuan compare --measure``): the 决算 (default), the
#: 预算, or the execution rate (决算 / 预算, from ``budget_vs_final``).
FINAL_MEASURE, BUDGET_MEASURE, EXECUTION_MEASURE = "final", "budget", "execution"
REPORT_MEASURES: tuple[str, ...] = (FINAL_MEASURE, BUDGET_MEASURE, EXECUTION_MEASURE)
#: Each measure's name for people (column heads of the budget measures, titles, charts, the web app).
MEASURE_LABELS: dict[str, str] = {FINAL_MEASURE: "决算数", BUDGET_MEASURE: "预算数", EXECUTION_MEASURE: "执行率"}
#: The columns of a budget comparison: 预算数 and 决算数 in 万元, 执行率 in %, 差额 = 决算数 - 预算数 (万元).
BUDGET_LABEL, FINAL_LABEL, EXECUTION_LABEL, DIFFERENCE_LABEL = "预算数", "决算数", "执行率", "差额"
ECONOMIC_TABLE_COLUMN = (BASIC, "决算数")
FUNCTIONAL_TABLE_COLUMN = (GENERAL_BUDGET, "小计")


@dataclass(frozen=True)
class Selection:
    """Which units and years a comparison covers: ``None`` is every registered unit / each unit's latest year.

    ``years_span`` marks years given as a range (``2022-2024``): years of the range no unit reported
    are left out (and said so in the comparison's notes) instead of being an error.
    """

    units: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    years_span: bool = False


def parse_units(values: list[str] | None) -> tuple[str, ...] | None:
    """``--units a,b --units c`` → ``("a", "b", "c")``; ``None`` when not given."""
    if not values:
        return None
    units = tuple(dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip()))
    if not units:
        raise UsageError("--units", ",".join(values))
    return units


def is_year_range(values: list[str] | None) -> bool:
    """Whether ``--years`` names a range (``2022-2024``) anywhere."""
    return any("-" in part for value in values or () for part in value.split(","))


def parse_years(values: list[str] | None) -> tuple[int, ...] | None:
    """``--years 2023,2024`` or ``--years 2022-2024`` (repeatable) → sorted years; ``None`` when not given."""
    if not values:
        return None
    years: set[int] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            first, dash, last = part.partition("-")
            try:
                low = int(first)
                high = int(last) if dash else low
            except ValueError as exc:
                raise UsageError("--years (YYYY, YYYY,YYYY or YYYY-YYYY)", value) from exc
            if not 1990 <= low <= high <= 2100:
                raise UsageError("--years (YYYY, YYYY,YYYY or YYYY-YYYY)", value)
            years.update(range(low, high + 1))
    return tuple(sorted(years))


def default_table_column(subject_code: str) -> tuple[str, str]:
    """Economic codes (3xx) compare in 基本支出决算表/决算数, everything else in 一般公共预算支出表/小计."""
    code = subject_code.strip()
    return ECONOMIC_TABLE_COLUMN if code.isdigit() and code.startswith("3") else FUNCTIONAL_TABLE_COLUMN


#: The unit-years a comparison can show: those with a 决算 (unit_year_totals, one row per unit-year), or for
#: the budget measure those whose 预算 is in budget_vs_final.
_FINAL_YEARS = "unit_year_totals"
_BUDGET_YEARS = "(SELECT DISTINCT unit_id, year FROM budget_vs_final WHERE budget_amount IS NOT NULL)"


#: Whether a unit-year's 预算 report reconciles, in data_quality's words, from its identities (rules B…).
_BUDGET_QUALITY = f"""(
    SELECT
        budgets.unit_id,
        budgets.year,
        CASE
            WHEN checks.unit_id IS NULL THEN 'not validated'
            WHEN checks.checked = 0 THEN 'not checkable'
            WHEN checks.errors > 0 THEN 'errors'
            WHEN checks.warnings > 0 THEN 'warnings'
            WHEN checks.rounding > 0 THEN 'rounding'
            ELSE 'exact'
        END AS quality,
        CASE WHEN checks.unit_id IS NULL OR checks.checked = 0 THEN NULL ELSE checks.errors = 0 END AS reconciles
    FROM {_BUDGET_YEARS} AS budgets
    LEFT JOIN identity_summary AS checks
        ON checks.unit_id = budgets.unit_id AND checks.year = budgets.year AND checks.report_kind = '预算'
)"""


def _years_source(report_measure: str) -> str:
    return _BUDGET_YEARS if report_measure == BUDGET_MEASURE else _FINAL_YEARS


def _quality_source(report_measure: str) -> str:
    """Where a comparison's quality flags come from: the 预算 report's identities for 预算数, else the 决算's."""
    return _BUDGET_QUALITY if report_measure == BUDGET_MEASURE else "data_quality"


def _check_selection(
    connection: duckdb.DuckDBPyConnection, selection: Selection, years_source: str = _FINAL_YEARS
) -> Selection:
    """``selection`` checked against the warehouse; a range's years without any report are left out."""
    if selection.units is not None:
        registered = [
            row[0] for row in connection.execute("SELECT unit_id FROM units ORDER BY registry_order").fetchall()
        ]
        unknown = [unit for unit in selection.units if unit not in registered]
        if unknown:
            raise UsageError("--units", ",".join(unknown), registered)
    if selection.years is not None:
        # unit_year_totals has one row per unit-year with facts: a small table, not the facts.
        years = connection.execute(f"SELECT DISTINCT year FROM {years_source} ORDER BY 1").fetchall()
        present = [int(row[0]) for row in years]
        missing = [year for year in selection.years if year not in present]
        kept = tuple(year for year in selection.years if year in present)
        if missing and (not selection.years_span or not kept):
            raise UsageError("--years", ",".join(map(str, missing)), [str(y) for y in present])
        if missing:
            return Selection(units=selection.units, years=kept, years_span=True)
    return selection


def _targets_sql(selection: Selection, years_source: str = _FINAL_YEARS, quality_source: str = "data_quality") -> str:
    """A ``targets`` CTE: the (unit, year) rows a comparison has, in registry order."""
    if selection.years is None:
        year_join = "LEFT JOIN latest ON latest.unit_id = unit_list.unit_id"
        year_expression = "latest.year"
    else:
        year_join = "CROSS JOIN chosen_years"
        year_expression = "chosen_years.year"
    return f"""
unit_list AS (
    SELECT unit_id, name AS unit_name, short_name, registry_order
    FROM units
    WHERE $units IS NULL OR list_contains($units, unit_id)
),
latest AS (
    SELECT unit_id, max(year) AS year FROM {years_source} GROUP BY unit_id
),
chosen_years AS (
    SELECT CAST(unnest($years) AS SMALLINT) AS year
),
years_of_units AS (
    SELECT
        unit_list.unit_id,
        unit_list.unit_name,
        unit_list.short_name,
        unit_list.registry_order,
        CAST({year_expression} AS SMALLINT) AS year
    FROM unit_list
    {year_join}
),
-- Whether each unit-year's figures reconcile (data_quality), joined here rather than afterwards.
targets AS (
    SELECT years_of_units.*, data_quality.quality, data_quality.reconciles
    FROM years_of_units
    LEFT JOIN {quality_source} AS data_quality
        ON data_quality.unit_id = years_of_units.unit_id AND data_quality.year = years_of_units.year
)
"""


def _selection_params(selection: Selection) -> dict[str, object]:
    return {
        "units": list(selection.units) if selection.units is not None else None,
        "years": list(selection.years) if selection.years is not None else [],
    }


_SUBJECT_SQL = """
chosen AS (
    SELECT unit_id, year, value, source_kind
    FROM preferred_facts
    WHERE table_name = $table_name AND column_name = $column_name AND subject_key = $subject_code
),
-- The unit-year's total of the same table and column (its 合计 row): the base of share.
totals AS (
    SELECT unit_id, year, value AS total
    FROM preferred_facts
    WHERE table_name = $table_name AND column_name = $column_name AND subject_key = '合计'
)
SELECT
    targets.unit_id,
    targets.unit_name,
    targets.year,
    chosen.value,
    chosen.source_kind,
    CASE WHEN chosen.value IS NULL THEN 'not reported' ELSE 'reported' END AS status,
    CAST(round(chosen.value / nullif(totals.total, 0), 6) AS DOUBLE) AS share,
    targets.quality,
    targets.reconciles,
    targets.short_name
FROM targets
LEFT JOIN chosen ON chosen.unit_id = targets.unit_id AND chosen.year = targets.year
LEFT JOIN totals ON totals.unit_id = targets.unit_id AND totals.year = targets.year
ORDER BY targets.registry_order, targets.unit_id, targets.year
"""


_BUDGET_SQL = """
chosen AS (
    SELECT
        unit_id, year, budget_amount, final_amount, difference, execution_rate, budget_source_kind,
        final_source_kind
    FROM budget_vs_final
    WHERE final_table = $table_name AND final_column = $column_name AND subject_key = $subject_code
)
SELECT
    targets.unit_id,
    targets.unit_name,
    targets.year,
    chosen.budget_amount,
    chosen.final_amount,
    chosen.difference,
    chosen.execution_rate,
    chosen.budget_source_kind,
    chosen.final_source_kind,
    targets.quality,
    targets.reconciles,
    targets.short_name
FROM targets
LEFT JOIN chosen ON chosen.unit_id = targets.unit_id AND chosen.year = targets.year
ORDER BY targets.registry_order, targets.unit_id, targets.year
"""


def budget_pair(connection: duckdb.DuckDBPyConnection, table_name: str, column_name: str) -> tuple[str, str]:
    """The 预算 table and column paired with a 决算 table and column (``budget_final_pairs``)."""
    # The first pair of a 决算 table and column is its budget's usual table (later ones fill its gaps).
    rows = connection.execute(
        "SELECT final_table, final_column, budget_table, budget_column FROM budget_final_pairs "
        "WHERE final_line IS NULL ORDER BY pair_order"
    ).fetchall()
    for final_table, final_column, budget_table, budget_column in rows:
        if (final_table, final_column) == (table_name, column_name):
            return str(budget_table), str(budget_column)
    raise UsageError(
        "--table/--column (with a budget measure, one the 预算 reports have a pair for)",
        f"{table_name}/{column_name}",
        list(dict.fromkeys(f"{row[0]}/{row[1]}" for row in rows)),
    )


def _budget_frame(
    connection: duckdb.DuckDBPyConnection,
    subject_code: str,
    table_name: str,
    column_name: str,
    selection: Selection,
    report_measure: str,
) -> pd.DataFrame:
    """One row per target unit-year: the measure's figure first (预算数, or 执行率 then 预算数, 决算数, 差额),
    then ``source_kind``, ``status`` and the quality columns, as in a 决算 comparison."""
    budget_pair(connection, table_name, column_name)
    params = {
        **_selection_params(selection),
        "table_name": table_name,
        "column_name": column_name,
        "subject_code": subject_code.strip(),
    }
    found = _fetch(
        connection,
        "WITH "
        + _targets_sql(selection, _years_source(report_measure), _quality_source(report_measure))
        + ","
        + _BUDGET_SQL,
        params,
    )
    frame = found[["unit_id", "unit_name", "year"]].copy()
    if report_measure == BUDGET_MEASURE:
        frame[BUDGET_LABEL] = found["budget_amount"]
        frame["source_kind"] = found["budget_source_kind"]
        shown = found["budget_amount"]
    else:
        frame[EXECUTION_LABEL] = found["execution_rate"]
        frame[BUDGET_LABEL] = found["budget_amount"]
        frame[FINAL_LABEL] = found["final_amount"]
        frame[DIFFERENCE_LABEL] = found["difference"]
        shown = found["execution_rate"]
    frame["status"] = [NOT_REPORTED if _is_missing(v) else REPORTED for v in shown]
    for column in ("quality", "reconciles", "short_name"):
        frame[column] = found[column]
    return frame


def _check_column(connection: duckdb.DuckDBPyConnection, table_name: str, column_name: str) -> None:
    known = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT column_name FROM subject_index WHERE table_name = $t ORDER BY 1", {"t": table_name}
        ).fetchall()
    ]
    if known and column_name not in known:
        raise UsageError("column", column_name, known)


def _subject_frame(
    connection: duckdb.DuckDBPyConnection,
    subject_code: str,
    table_name: str,
    column_name: str,
    selection: Selection,
    measure: str = "amount",
) -> pd.DataFrame:
    """One row per target unit-year; ``share`` (value / the 合计 of the same table and column) only
    when ``measure == 'share'``; ``short_name`` last."""
    if table_name not in TABLE_NAMES:
        raise UsageError("table", table_name, TABLE_NAMES)
    _check_column(connection, table_name, column_name)
    params = {
        **_selection_params(selection),
        "table_name": table_name,
        "column_name": column_name,
        "subject_code": subject_code.strip(),
    }
    frame = _fetch(connection, "WITH " + _targets_sql(selection) + "," + _SUBJECT_SQL, params)
    if measure != "share":
        frame = frame.drop(columns=["share"])
    else:
        frame.insert(4, "share", frame.pop("share"))
    return frame


def compare_subject(
    path: str | Path,
    subject_code: str,
    table_name: str = GENERAL_BUDGET,
    column_name: str = "小计",
    year: int | None = None,
    units: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One subject across every registered unit: value, source and whether it was reported.

    ``subject_code`` may also be a line item of a summary table (``合计``, ``本年收入合计`` …).
    ``year`` None takes each unit's latest year with facts. Table facts are preferred, the narrative
    fills in where a unit-year has no table fact. Units that did not report it say ``not reported``.
    """
    selection = Selection(units=units, years=(year,) if year is not None else None)
    path = Path(path)
    connection = connect_readonly(path)
    try:
        selection = _check_selection(connection, selection)
        frame = _subject_frame(connection, subject_code, table_name, column_name, selection)
        return frame.drop(columns=["quality", "reconciles", "short_name"])  # its documented columns
    except duckdb.Error as exc:
        raise WarehouseError(f"comparison on {path} failed: {exc}") from exc
    finally:
        connection.close()


def _pivot_structure(frame: pd.DataFrame, targets: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
    """One row per target (unit, year), one column per component (in the order given), NULL = not stated."""
    columns = list(dict.fromkeys(frame["component"]))
    by_target: dict[tuple[str, int], dict[str, object]] = {}
    for row in frame.itertuples(index=False):
        by_target.setdefault((row.unit_id, int(row.year)), {})[row.component] = row.value
    rows = []
    for target in targets.itertuples(index=False):
        cells = by_target.get((target.unit_id, int(target.year))) if not pd.isna(target.year) else None
        record: dict[str, object] = {name: getattr(target, name) for name in lead}
        for column in columns:
            record[column] = (cells or {}).get(column)
        record["status"] = REPORTED if cells else NOT_REPORTED
        rows.append(record)
    result = pd.DataFrame(rows, columns=[*lead, *columns, "status"])
    result["year"] = result["year"].astype("Int16")
    return result


_STRUCTURE_SQL = {
    "class": """
SELECT
    unit_id,
    year,
    component_code || ' ' || component AS component,
    {measure} AS value
FROM unit_year_structure
WHERE dimension = '支出功能分类' AND ($prefix IS NULL OR starts_with(component_code, $prefix))
ORDER BY component_code
""",
    "economic": """
SELECT unit_id, year, component, value
FROM (
    SELECT unit_id, year, component, {measure} AS value
    FROM unit_year_structure
    WHERE dimension = '基本支出经费' AND $prefix IS NULL
    UNION ALL
    SELECT
        unit_id,
        year,
        economic_class_code || ' ' || economic_class_name AS component,
        {class_measure} AS value
    FROM basic_expenditure
    WHERE $prefix IS NULL OR starts_with(economic_class_code, $prefix)
)
""",
}


#: A structure of the budget measures: the 类 of the default table and column's pair in budget_vs_final
#: (and, for the economic one, the 人员经费 / 公用经费 lines), with the measure's figure.
_BUDGET_STRUCTURE_SQL = """
SELECT
    unit_id,
    year,
    CASE
        WHEN subject_code IS NOT NULL THEN subject_code || ' ' || subject_name
        ELSE replace(subject_key, '合计', '')
    END AS component,
    {measure} AS value
FROM budget_vs_final
WHERE final_table = $table_name AND final_column = $column_name AND budget_amount IS NOT NULL
    AND (
        (subject_level = '类' AND ($prefix IS NULL OR starts_with(subject_code, $prefix)))
        OR ($by = 'economic' AND $prefix IS NULL AND subject_key IN ('人员经费合计', '公用经费合计'))
    )
ORDER BY subject_code NULLS FIRST
"""


def _structure_frame(
    connection: duckdb.DuckDBPyConnection,
    by: str,
    prefix: str | None,
    measure: str,
    selection: Selection,
    report_measure: str = FINAL_MEASURE,
) -> pd.DataFrame:
    targets = _fetch(
        connection,
        "WITH "
        + _targets_sql(selection, _years_source(report_measure), _quality_source(report_measure))
        + " SELECT unit_id, unit_name, year, short_name, quality, reconciles "
        "FROM targets "
        "ORDER BY registry_order, unit_id, year",
        _selection_params(selection),
    )
    if report_measure == FINAL_MEASURE:
        sql = _STRUCTURE_SQL[by].format(
            measure="share" if measure == "share" else "amount",
            class_measure="share_of_basic" if measure == "share" else "amount",
        )
        frame = _fetch(connection, sql, {"prefix": prefix})
    else:
        table_name, column_name = ECONOMIC_TABLE_COLUMN if by == "economic" else FUNCTIONAL_TABLE_COLUMN
        sql = _BUDGET_STRUCTURE_SQL.format(
            measure="budget_amount" if report_measure == BUDGET_MEASURE else "execution_rate"
        )
        params: dict[str, object] = {"prefix": prefix, "by": by, "table_name": table_name, "column_name": column_name}
        frame = _fetch(connection, sql, params)
    if by == "economic":
        # 人员经费 / 公用经费 first, then the economic classes in code order.
        order = {name: i for i, name in enumerate(_economic_order(frame["component"]))}
        frame = frame.sort_values("component", key=lambda s: s.map(order), kind="stable")
    pivot = _pivot_structure(frame, targets, ["unit_id", "unit_name", "year"])
    for column in ("quality", "reconciles", "short_name"):
        pivot[column] = targets[column].to_list()
    return pivot


def _economic_order(components: pd.Series) -> list[str]:
    groups = [c for c in ("人员经费", "公用经费") if c in set(components)]
    classes = sorted({c for c in components if c not in groups})
    return groups + classes


@dataclass(frozen=True)
class Note:
    """A note on a comparison, for people: in English (command line) and Chinese (web app, workbooks)."""

    en: str
    zh: str


@dataclass(frozen=True)
class Comparison:
    """A comparison's rows, title and notes (mixed years, years without reports, how the subject was found)."""

    frame: pd.DataFrame
    by: str
    title: str
    notes: tuple[Note, ...] = ()
    subject_key: str | None = None
    subject_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None
    report_measure: str = FINAL_MEASURE
    budget_table_name: str | None = None  # the 预算 table and column of a budget measure
    budget_column_name: str | None = None
    budget_subject_key: str | None = None

    @property
    def value_column(self) -> str:
        """The column holding the figure compared (charts and the web app draw it)."""
        if self.report_measure == BUDGET_MEASURE:
            return BUDGET_LABEL
        if self.report_measure == EXECUTION_MEASURE:
            return EXECUTION_LABEL
        return "value"

    @property
    def measure_label(self) -> str:
        """预算数, 决算数 or 执行率."""
        return MEASURE_LABELS[self.report_measure]


def compare(
    path: str | Path,
    *,
    by: str = "subject",
    subject: str | None = None,
    table_name: str | None = None,
    column_name: str | None = None,
    selection: Selection | None = None,
    measure: str = "amount",
    report_measure: str = FINAL_MEASURE,
) -> pd.DataFrame:
    """Compare units: one subject (``by='subject'``), the functional-class structure (``'class'``) or
    the economic structure of basic spending (``'economic'``).

    ``subject`` (needed for ``'subject'``) is a 科目代码, a catalogue name or a line item (resolved by
    :func:`juesuan.warehouse.subject_search.resolve_subject`); its table and column default
    to 一般公共预算财政拨款支出决算表/小计 for functional codes and line items and to
    一般公共预算财政拨款基本支出决算表/决算数 for economic codes (3xx). For ``'class'`` and
    ``'economic'`` it filters the components by code prefix. ``measure='share'`` gives shares: of the
    unit-year's 合计 in the same table and column for a subject, of the whole for a structure.
    Every selected unit gets a row per year; ``status`` says whether it reported, ``quality`` and
    ``reconciles`` (from ``data_quality``) whether the unit-year's figures reconcile; ``short_name``
    (last) labels the unit for people. :func:`compare_units` adds the title and notes.

    ``report_measure`` (``--measure``) is which report's figure: ``final`` (the 决算, column ``value``),
    ``budget`` (the 预算 report's figure for the same subject, column ``预算数``, from ``budget_vs_final``;
    the table and column name the 决算's, see ``budget_final_pairs``) or ``execution`` (``执行率`` in %,
    with ``预算数``, ``决算数`` and ``差额``); for ``'class'`` / ``'economic'`` each 类 column holds the
    measure's figure (``budget_vs_final``), and ``quality`` is the 预算 report's for ``budget``.
    """
    return compare_units(
        path,
        by=by,
        subject=subject,
        table_name=table_name,
        column_name=column_name,
        selection=selection,
        measure=measure,
        report_measure=report_measure,
    ).frame


def compare_units(
    path: str | Path,
    *,
    by: str = "subject",
    subject: str | None = None,
    table_name: str | None = None,
    column_name: str | None = None,
    selection: Selection | None = None,
    measure: str = "amount",
    connection: duckdb.DuckDBPyConnection | None = None,
    report_measure: str = FINAL_MEASURE,
) -> Comparison:
    """:func:`compare` with its title and notes (see :class:`Comparison`).

    ``connection`` (a read-only connection to ``path`` the caller keeps open, as the web app does) is
    used instead of opening one.
    """
    from juesuan.warehouse.subject_search import resolve_subject

    if by not in BY_DIMENSIONS:
        raise UsageError("--by", by, BY_DIMENSIONS)
    if measure not in MEASURES:
        raise UsageError("measure", measure, MEASURES)
    if report_measure not in REPORT_MEASURES:
        raise UsageError("--measure", report_measure, REPORT_MEASURES)
    if report_measure != FINAL_MEASURE and measure == "share":
        raise UsageError(f"--share (only with --measure {FINAL_MEASURE})", report_measure)
    asked = selection or Selection()
    path = Path(path)
    owned = connection is None
    connection = connect_readonly(path) if connection is None else connection
    try:
        chosen = _check_selection(connection, asked, _years_source(report_measure))
        notes: list[Note] = []
        budget_table = budget_column = budget_key = None
        if by == "subject":
            if subject is None or not subject.strip():
                raise UsageError("--subject (required with --by subject)", subject)
            found = resolve_subject(connection, subject)
            if found.key != subject.strip():
                notes.append(
                    Note(f"subject {subject.strip()!r} is {found.label}", f"科目“{subject.strip()}”即 {found.label}")
                )
            default_table, default_column = default_table_column(found.key)
            chosen_table = table_name or default_table
            chosen_column = column_name or (default_column if chosen_table == default_table else None)
            if chosen_column is None:
                raise UsageError("--column (required with a --table other than the default)", column_name)
            if report_measure == FINAL_MEASURE:
                frame = _subject_frame(connection, found.key, chosen_table, chosen_column, chosen, measure)
                if not (frame["status"] == REPORTED).any():
                    notes.append(_reported_elsewhere(connection, found.key, found.label, chosen_table, chosen_column))
                title = f"{found.label} · {chosen_table} · {chosen_column}"
            else:
                frame = _budget_frame(connection, found.key, chosen_table, chosen_column, chosen, report_measure)
                budget_table, budget_column = budget_pair(connection, chosen_table, chosen_column)
                budget_key = budget_subject_key(connection, found.key, chosen_table, chosen_column)
                if budget_key != found.key:
                    notes.append(
                        Note(f"the 预算 states {found.key} as {budget_key}", f"预算中 {found.key} 对应 {budget_key}")
                    )
                title = (
                    f"{found.label} · {MEASURE_LABELS[report_measure]} · {budget_table}/{budget_column} "
                    f"↔ {chosen_table}/{chosen_column}"
                )
                notes.append(
                    Note(
                        f"预算数 from {budget_table}/{budget_column} of the 预算 reports, 决算数 from "
                        f"{chosen_table}/{chosen_column}; 执行率 = 决算数 / 预算数 in %, amounts in 万元; "
                        "empty = the report is not in the warehouse or does not state the subject",
                        f"预算数取自预算公开的 {budget_table}/{budget_column}，"
                        f"决算数取自 {chosen_table}/{chosen_column}；"
                        "执行率 = 决算数 ÷ 预算数 × 100（%），金额单位万元；空白表示仓库中没有该报告或报告未列该科目",
                    )
                )
            result = Comparison(
                _with_quality(connection, frame), by, title, (), found.key, found.name, chosen_table, chosen_column
            )
        else:
            if table_name is not None or column_name is not None:
                raise UsageError("--table/--column (only with --by subject)", table_name or column_name)
            prefix = subject.strip() if subject and subject.strip() else None
            frame = _structure_frame(connection, by, prefix, measure, chosen, report_measure)
            title = comparison_title(by, subject, None, None)
            if report_measure != FINAL_MEASURE:
                table_name, column_name = ECONOMIC_TABLE_COLUMN if by == "economic" else FUNCTIONAL_TABLE_COLUMN
                budget_table, budget_column = budget_pair(connection, table_name, column_name)
                title += f" · {MEASURE_LABELS[report_measure]} · {budget_table}/{budget_column}"
                unit = "%" if report_measure == EXECUTION_MEASURE else "万元"
                notes.append(
                    Note(
                        f"{MEASURE_LABELS[report_measure]} ({unit}) of each 类 from budget_vs_final "
                        f"({budget_table}/{budget_column} ↔ {table_name}/{column_name})",
                        f"各类的{MEASURE_LABELS[report_measure]}（{unit}），取自 budget_vs_final"
                        f"（{budget_table}/{budget_column} ↔ {table_name}/{column_name}）",
                    )
                )
            result = Comparison(_with_quality(connection, frame), by, title)
        notes += _year_notes(result.frame, asked, chosen)
        return Comparison(
            result.frame,
            result.by,
            result.title,
            tuple(notes),
            result.subject_key,
            result.subject_name,
            result.table_name,
            result.column_name,
            report_measure,
            budget_table,
            budget_column,
            budget_key,
        )
    except duckdb.Error as exc:
        raise WarehouseError(f"comparison on {path} failed: {exc}") from exc
    finally:
        if owned:
            connection.close()


def budget_subject_key(connection: duckdb.DuckDBPyConnection, key: str, table_name: str, column_name: str) -> str:
    """The 预算's row of a 决算 row: the same key, except for the pairs of lines (budget_final_pairs)."""
    rows = connection.execute(
        "SELECT budget_line FROM budget_final_pairs WHERE final_table = $t AND final_column = $c AND final_line = $k",
        {"t": table_name, "c": column_name, "k": key},
    ).fetchall()
    return str(rows[0][0]) if rows else key


def _reported_elsewhere(
    connection: duckdb.DuckDBPyConnection, key: str, label: str, table_name: str, column_name: str
) -> Note:
    """Where a subject nobody states in the chosen table and column is stated instead."""
    rows = connection.execute(
        """
        SELECT table_name, column_name, units
        FROM subject_index
        WHERE subject_key = $key
        ORDER BY units DESC, table_name, column_name
        LIMIT 6
        """,
        {"key": key},
    ).fetchall()
    where = f"{table_name}/{column_name}"
    if not rows:
        return Note(
            f"no unit of the warehouse states {label} in any table",
            f"仓库中没有任何单位填报 {label}",
        )
    en = "; ".join(f"{t}/{c} ({n} unit{'s' if n != 1 else ''})" for t, c, n in rows)
    zh = "；".join(f"{t}/{c}（{n} 个单位）" for t, c, n in rows)
    return Note(
        f"no selected unit states {label} in {where}; it is stated in {en} (--table/--column)",
        f"所选单位均未在 {where} 中填报 {label}；填报于 {zh}",
    )


#: A note lists the units of each year by name up to this many units; beyond, it counts them.
NOTE_MAX_NAMES = 12


def _year_notes(frame: pd.DataFrame, asked: Selection, chosen: Selection) -> list[Note]:
    notes: list[Note] = []
    if asked.years is not None and chosen.years is not None and len(chosen.years) < len(asked.years):
        dropped = [y for y in asked.years if y not in chosen.years]
        shown = ", ".join(map(str, dropped))
        notes.append(
            Note(
                f"no unit has a report of {shown} in the warehouse: left out of the range",
                f"仓库中没有任何单位 {shown} 年度的报告，已从年度范围中略去",
            )
        )
    if asked.years is None and "year" in frame:
        years = frame.dropna(subset=["year"])
        labels = years["short_name"].fillna(years["unit_id"]) if "short_name" in years else years["unit_id"]
        by_year = labels.groupby(years["year"].astype(int), sort=True).agg(list)
        if len(by_year) > 1:
            many = len(years) > NOTE_MAX_NAMES
            en_parts = [f"{y}: {len(n):,} units" if many else f"{y}: {', '.join(n)}" for y, n in by_year.items()]
            zh_parts = [f"{y} 年 {len(n):,} 个单位" if many else f"{y} 年：{'、'.join(n)}" for y, n in by_year.items()]
            notes.append(
                Note(
                    f"mixed years — each unit's latest report: {'; '.join(en_parts)}",
                    f"年度不一致——各单位取最新一年的报告：{'；'.join(zh_parts)}",
                )
            )
    return notes


#: Columns people read in a terminal, in order; the machine formats keep every column.
_DISPLAY_DROP = ("unit_id", "unit_name", "short_name", "reconciles")


def display_frame(comparison: Comparison) -> tuple[pd.DataFrame, str | None]:
    """A comparison for a terminal: units by short name, class columns headed by their codes only
    (their names in the returned legend), no column that repeats another. Fits 80 columns for the
    usual five-unit, five-class comparison."""
    frame = comparison.frame
    shown = pd.DataFrame({"unit": frame.get("short_name", frame["unit_id"]).fillna(frame["unit_id"])})
    legend: list[str] = []
    for column in frame.columns:
        if column in _DISPLAY_DROP:
            continue
        name = str(column)
        code, _, label = name.partition(" ")
        if comparison.by in ("class", "economic") and code.isdigit() and label:
            shown[code] = frame[column]
            legend.append(f"{code} {label}")
        elif name == "value" and comparison.by == "subject":
            shown[comparison.measure_label] = frame[column]  # 决算数: which report's figure it is
        else:
            shown[name] = frame[column]
    if "status" in shown and (shown["status"] == REPORTED).all():
        shown = shown.drop(columns=["status"])  # every row reported: the column says nothing
    return shown, ("; ".join(legend) if legend else None)


def mart_for_selection(path: str | Path, mart: str, selection: Selection | None = None) -> pd.DataFrame:
    """The rows of a per-unit-year mart for the selected units and years, in registry order.

    ``mart`` is any mart with ``unit_id`` and ``year`` columns (``unit_year_totals``,
    ``unit_year_structure``, ``unit_ratios`` …); without years, each unit's latest year is taken.
    """
    selection = selection or Selection()
    path = Path(path)
    connection = connect_readonly(path)
    try:
        columns = {
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = $mart AND database_name = $db",
                {"mart": mart, "db": ALIAS},
            ).fetchall()
        }
        if mart not in MART_MODELS or not {"unit_id", "year"} <= columns:
            allowed = _unit_year_marts(connection)
            raise UsageError("mart (one with unit_id and year columns)", mart, allowed)
        selection = _check_selection(connection, selection)
        sql = (
            "WITH " + _targets_sql(selection) + f"SELECT mart.* FROM targets JOIN {mart} AS mart "
            "ON mart.unit_id = targets.unit_id AND mart.year = targets.year "
            "ORDER BY targets.registry_order, targets.unit_id, targets.year"
        )
        return _fetch(connection, sql, _selection_params(selection))
    except duckdb.Error as exc:
        raise WarehouseError(f"reading {mart} from {path} failed: {exc}") from exc
    finally:
        connection.close()


def _unit_year_marts(connection: duckdb.DuckDBPyConnection) -> list[str]:
    found = connection.execute(
        "SELECT table_name FROM duckdb_columns() WHERE database_name = $db AND column_name IN ('unit_id', 'year') "
        "GROUP BY table_name HAVING count(*) = 2",
        {"db": ALIAS},
    ).fetchall()
    present = {row[0] for row in found}
    return [name for name in MART_MODELS if name in present]


NO_REPORT = "no report"


def _with_quality(connection: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (which carries the unit-year's ``quality`` and ``reconciles`` from ``data_quality``)
    with ``no report`` where there is no unit-year, ``reconciles`` as a nullable boolean, and the
    columns in their documented order: …, ``status``, ``quality``, ``reconciles``, ``short_name``."""
    finished = frame.copy()
    finished["quality"] = finished["quality"].astype(object).where(finished["quality"].notna(), NO_REPORT)
    finished["reconciles"] = finished["reconciles"].astype("boolean")
    for column in ("quality", "reconciles", "short_name"):
        finished[column] = finished.pop(column)
    return finished


def comparison_title(by: str, subject: str | None, table_name: str | None, column_name: str | None) -> str:
    """A title for a comparison printed as a table."""
    if by == "subject" and subject:
        default_table, default_column = default_table_column(subject)
        table = table_name or default_table
        column = column_name or default_column
        return f"{subject} · {table} · {column}"
    what = "支出功能分类 (类)" if by == "class" else "基本支出 by economic class"
    return what + (f" · {subject}" if subject else "")


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
    cells = [[display_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    for position, column in enumerate(frame.columns):
        # Amounts and ids are never cut short on a narrow terminal; long text wraps instead.
        keep_whole = (
            column in numeric
            or str(column).endswith("_id")
            or column in ("unit", "year", "status", "quality", "source_kind")
        )
        width = max((cell_width(row[position]) for row in cells), default=0)
        table.add_column(
            str(column),
            justify="right" if column in numeric else "left",
            no_wrap=keep_whole,
            min_width=width if keep_whole else None,
            overflow="fold",
        )
    for row in cells:
        table.add_row(*row)
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
