"""What each page of the web app shows, read from the warehouse's marts through a read-only connection.

Every function takes an open connection (:func:`juesuan.warehouse.query.connect_readonly`) and
returns plain rows (dicts) or DataFrames; the pages only lay them out. Every figure a page shows
carries the key of the fact it comes from (``FactKey``), so it can link to its provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import duckdb
import numpy as np
import pandas as pd

from juesuan.contract import THREE_PUBLIC, TOTALS
from juesuan.warehouse.query import frame_from_arrow

SEVERITIES = ("error", "warning", "rounding", "not_checkable")
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "rounding": "尾差", "not_checkable": "无法核对"}
QUALITY_LABELS = {
    "exact": "完全勾稽",
    "rounding": "仅有尾差",
    "warnings": "有警告",
    "errors": "有错误",
    "not checkable": "无法核对",
    "not validated": "未校验",
    "no facts": "无数据",
    "no report": "无报告",
}
SOURCE_LABELS = {"table": "表格", "narrative": "文字说明"}
STATUS_LABELS = {
    "loaded": "已入库",
    "quarantined": "已隔离",
    "withdrawn": "已撤回",
    "failed": "失败",
    "reported": "已填报",
    "not reported": "未填报",
}


@dataclass(frozen=True)
class FactKey:
    """The contract key of a fact (``source_kind`` optional: the table fact is preferred)."""

    unit_id: str
    year: int
    table_name: str
    subject_key: str
    column_name: str
    source_kind: str | None = None

    def href(self) -> str:
        params = {
            "unit": self.unit_id,
            "year": str(self.year),
            "table": self.table_name,
            "key": self.subject_key,
            "column": self.column_name,
        }
        if self.source_kind:
            params["source"] = self.source_kind
        return "/fact?" + urlencode(params)


def rows(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> list[dict]:
    """The result as a list of dicts (DECIMAL as ``Decimal``)."""
    relation = connection.sql(sql, params=params)
    if relation is None:
        return []
    frame = frame_from_arrow(relation.to_arrow_table())
    return [{k: _plain(v) for k, v in record.items()} for record in frame.to_dict("records")]


def _plain(value: object) -> object:
    """A cell as a plain Python value: lists for arrays, None for every kind of missing."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if _missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


# --- the units page -----------------------------------------------------------------------------------------
def overview(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts for the page header."""
    counted = connection.execute(
        """
        SELECT
            (SELECT count(*) FROM units),
            (SELECT count(*) FROM (SELECT DISTINCT unit_id, year FROM report_coverage)),
            (SELECT count(*) FROM documents),
            (SELECT count(*) FROM facts)
        """
    ).fetchall()[0]
    return dict(zip(("units", "unit_years", "documents", "facts"), counted, strict=True))


#: Units listed per page of the units page.
UNITS_PER_PAGE = 100


def units_and_years(connection: duckdb.DuckDBPyConnection, search: str = "", page: int = 1) -> tuple[list[dict], int]:
    """One page of registered units (matching ``search`` in id, name or place) with each year they have a
    report of: coverage, status, findings. Also the number of matching units."""
    where = (
        "WHERE $q = '' OR contains(unit_id, $q) OR contains(name, $q) OR contains(coalesce(province, '') "
        "|| coalesce(city, '') || coalesce(county, ''), $q)"
    )
    params: dict[str, object] = {"q": search.strip()}
    total = int(connection.execute(f"SELECT count(*) FROM units {where}", params).fetchall()[0][0])
    units = rows(
        connection,
        f"""
        SELECT unit_id, name, short_name, province, city, county, level, kind FROM units {where}
        ORDER BY registry_order LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": UNITS_PER_PAGE, "offset": max(page - 1, 0) * UNITS_PER_PAGE},
    )
    years = rows(
        connection,
        """
        SELECT
            c.unit_id, c.year, c.document_status, c.error, c.table_facts, c.narrative_facts,
            c.tables_with_facts, c.tables_not_read_reliably, c.repaired_codes,
            q.quality, q.reconciles, q.figures_source,
            coalesce(s.errors, 0) AS errors, coalesce(s.warnings, 0) AS warnings,
            coalesce(s.rounding, 0) AS rounding, coalesce(s.not_checkable, 0) AS not_checkable,
            s.checks
        FROM report_coverage AS c
        LEFT JOIN data_quality AS q ON q.unit_id = c.unit_id AND q.year = c.year
        LEFT JOIN identity_summary AS s ON s.unit_id = c.unit_id AND s.year = c.year AND s.report_kind = '决算'
        WHERE list_contains($units, c.unit_id)
        ORDER BY c.unit_id, c.year DESC
        """,
        {"units": [u["unit_id"] for u in units]},
    )
    by_unit: dict[str, list[dict]] = {}
    for row in years:
        by_unit.setdefault(row["unit_id"], []).append(row)
    for unit in units:
        unit["years"] = by_unit.get(unit["unit_id"], [])
    return units, total


# --- the unit-year page -------------------------------------------------------------------------------------
def unit(connection: duckdb.DuckDBPyConnection, unit_id: str) -> dict | None:
    found = rows(connection, "SELECT * FROM units WHERE unit_id = $u", {"u": unit_id})
    return found[0] if found else None


def unit_years(connection: duckdb.DuckDBPyConnection, unit_id: str, with_budgets: bool = False) -> list[int]:
    """The years of the unit's 决算 reports, newest first; ``with_budgets`` adds the years of its 预算
    reports (a budget is published before the year's 决算)."""
    budgets = (
        "UNION SELECT DISTINCT year FROM budget_vs_final WHERE unit_id = $u AND budget_amount IS NOT NULL"
        if with_budgets
        else ""
    )
    return [
        int(year)
        for (year,) in connection.execute(
            f"SELECT DISTINCT year FROM report_coverage WHERE unit_id = $u {budgets} ORDER BY year DESC",
            {"u": unit_id},
        ).fetchall()
        if year is not None
    ]


def headline(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> list[dict]:
    found = rows(
        connection,
        """
        SELECT measure, value, source_kind, table_name, subject_key, column_name
        FROM headline_figures WHERE unit_id = $u AND year = $y ORDER BY measure_order
        """,
        {"u": unit_id, "y": year},
    )
    for row in found:
        row["key"] = _key(unit_id, year, row)
    return found


def _key(unit_id: str, year: int, row: dict) -> FactKey:
    return FactKey(unit_id, year, row["table_name"], row["subject_key"], row["column_name"], row["source_kind"])


#: The “三公” table's lines in the order the standard table prints them.
THREE_PUBLIC_LINES = (
    "合计",
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
)
_BASIS_ROW = re.compile(r"^(?P<table>[^/]+)/(?P<key>[^/]+)/(?P<column>[^/]+)$")
_BASIS_CLASS = re.compile(r"^(?P<table>[^/]+)/(?P<column>[^/ ]+) \((?P<source>\w+)\)$")


def basis_key(unit_id: str, year: int, row: dict) -> FactKey | None:
    """The fact a ``unit_year_structure`` row comes from, read off its documented ``basis``:
    ``table/row/column`` for a single figure, ``table/column (source)`` for a class's row."""
    basis = row.get("basis") or ""
    if match := _BASIS_ROW.match(basis):
        return FactKey(unit_id, year, match["table"], match["key"], match["column"], row.get("source_kind"))
    if (match := _BASIS_CLASS.match(basis)) and row.get("component_code"):
        return FactKey(unit_id, year, match["table"], row["component_code"], match["column"], match["source"])
    return None


def structure(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> dict[str, list[dict]]:
    """``unit_year_structure`` of the unit-year by dimension, each row with the key of its fact."""
    found = rows(
        connection,
        """
        SELECT dimension, component_code, component, amount, total, total_name, share, source_kind, basis
        FROM unit_year_structure WHERE unit_id = $u AND year = $y
        ORDER BY dimension, component_code NULLS FIRST, component
        """,
        {"u": unit_id, "y": year},
    )
    by_dimension: dict[str, list[dict]] = {}
    for row in found:
        row["key"] = basis_key(unit_id, year, row)
        by_dimension.setdefault(row["dimension"], []).append(row)
    return by_dimension


def three_public(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> tuple[list[str], list[dict]]:
    """The “三公” table of the unit-year: its columns and one row per line with each cell's fact key."""
    found = rows(
        connection,
        """
        SELECT subject_key, coalesce(subject_name, line_item) AS line, column_name, value, source_kind
        FROM preferred_facts WHERE unit_id = $u AND year = $y AND table_name = $t
        """,
        {"u": unit_id, "y": year, "t": THREE_PUBLIC},
    )
    columns = sorted({r["column_name"] for r in found}, key=lambda c: (c != "预算数", c))
    order = list(THREE_PUBLIC_LINES)
    lines: dict[str, dict] = {}
    for r in found:
        line = lines.setdefault(r["subject_key"], {"line": r["line"], "cells": {}})
        line["cells"][r["column_name"]] = {
            "value": r["value"],
            "key": FactKey(unit_id, year, THREE_PUBLIC, r["subject_key"], r["column_name"], r["source_kind"]),
        }
    ordered = sorted(lines.items(), key=lambda item: (order.index(item[0]) if item[0] in order else 99, item[0]))
    return columns, [line for _, line in ordered]


def year_over_year(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int, everything: bool) -> list[dict]:
    """Figures against last year: the summary table, the 类 and the 合计 rows (or every pair)."""
    found = rows(
        connection,
        f"""
        SELECT table_name, subject_key, subject_name, subject_level, column_name, previous_value, value, change,
               change_rate, source_kind, previous_source_kind, previous_restated
        FROM year_over_year
        WHERE unit_id = $u AND year = $y
          {"" if everything else "AND (table_name = $totals OR subject_level = '类' OR subject_key = '合计')"}
        ORDER BY table_name = $totals DESC, table_name, subject_key, column_name
        """,
        {"u": unit_id, "y": year, "totals": TOTALS},
    )
    for row in found:
        row["key"] = _key(unit_id, year, row)
        row["previous_key"] = FactKey(
            unit_id,
            year - 1,
            row["table_name"],
            row["subject_key"],
            row["column_name"],
            row["previous_source_kind"],
        )
    return found


def budget_vs_final(
    connection: duckdb.DuckDBPyConnection, unit_id: str, year: int, everything: bool = False
) -> list[dict]:
    """The unit-year's 预算 against its 决算 (``budget_vs_final``): totals, line items and 类 unless
    ``everything``; each figure keyed to its fact in its own report."""
    found = rows(
        connection,
        f"""
        SELECT final_table, final_column, budget_table, budget_column, subject_code, subject_key, budget_subject_key,
               subject_name, subject_level, budget_amount, final_amount, difference, execution_rate, stated_budget,
               budget_source_kind, final_source_kind
        FROM budget_vs_final
        WHERE unit_id = $u AND year = $y
          {"" if everything else "AND (subject_level IS NULL OR subject_level = '类')"}
        """,
        {"u": unit_id, "y": year},
    )
    for row in found:
        row["budget_key"] = FactKey(
            unit_id, year, row["budget_table"], row["budget_subject_key"], row["budget_column"],
            row["budget_source_kind"],
        )  # fmt: skip
        row["final_key"] = FactKey(
            unit_id, year, row["final_table"], row["subject_key"], row["final_column"], row["final_source_kind"]
        )
    return found


def has_budget(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> bool:
    """Whether the warehouse holds a 预算 report's figures for the unit-year."""
    found = connection.execute(
        "SELECT count(*) FROM budget_vs_final WHERE unit_id = $u AND year = $y AND budget_amount IS NOT NULL",
        {"u": unit_id, "y": year},
    ).fetchall()
    return bool(found[0][0])


def budget_execution(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> list[dict]:
    found = rows(
        connection,
        """
        SELECT table_name, subject_key, line_name, budget_kind, actual_column, budget, actual, difference,
               execution_rate, budget_source_kind, actual_source_kind
        FROM budget_execution WHERE unit_id = $u AND year = $y
        ORDER BY budget_kind, table_name, subject_key
        """,
        {"u": unit_id, "y": year},
    )
    for row in found:
        row["budget_key"] = FactKey(
            unit_id, year, row["table_name"], row["subject_key"], row["budget_kind"], row["budget_source_kind"]
        )
        row["actual_key"] = FactKey(
            unit_id, year, row["table_name"], row["subject_key"], row["actual_column"], row["actual_source_kind"]
        )
    return found


def quality(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> dict | None:
    found = rows(connection, "SELECT * FROM data_quality WHERE unit_id = $u AND year = $y", {"u": unit_id, "y": year})
    return found[0] if found else None


def documents(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int | None = None) -> list[dict]:
    return rows(
        connection,
        """
        SELECT sha256, unit_id, year, url, fetched_at, format, pages, status, error, report_kind
        FROM documents WHERE unit_id = $u AND ($y IS NULL OR year = $y)
        ORDER BY year DESC, report_kind, fetched_at DESC
        """,
        {"u": unit_id, "y": year},
    )


def parsed_tables(connection: duckdb.DuckDBPyConnection, unit_id: str, year: int) -> list[dict]:
    return rows(
        connection,
        """
        SELECT document_sha256, title, table_name, status, reading, extractor, reconciled, reliable,
               unreliable_reason, pages, page, line, facts, notes
        FROM parsed_tables WHERE unit_id = $u AND year = $y
        ORDER BY coalesce(page, line, 0), title
        """,
        {"u": unit_id, "y": year},
    )


# --- findings -----------------------------------------------------------------------------------------------
def findings(
    connection: duckdb.DuckDBPyConnection,
    unit_id: str | None = None,
    year: int | None = None,
    severities: tuple[str, ...] | None = None,
    rule_id: str | None = None,
    limit: int = 500,
) -> list[dict]:
    found = rows(
        connection,
        """
        SELECT f.*, u.short_name
        FROM identity_findings AS f
        LEFT JOIN units AS u ON u.unit_id = f.unit_id
        WHERE ($unit IS NULL OR f.unit_id = $unit)
          AND ($year IS NULL OR f.year = $year)
          AND ($severities IS NULL OR list_contains($severities, f.severity))
          AND ($rule IS NULL OR f.rule_id = $rule)
        ORDER BY
            CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 WHEN 'rounding' THEN 2 ELSE 3 END,
            u.registry_order NULLS LAST, f.unit_id, f.year, f.rule_id, f.check_id
        LIMIT $limit
        """,
        {
            "unit": unit_id,
            "year": year,
            "severities": list(severities) if severities else None,
            "rule": rule_id,
            "limit": limit,
        },
    )
    for row in found:
        row["left_pages"] = list(row.get("left_pages") or [])
        row["right_pages"] = list(row.get("right_pages") or [])
    return found


#: Up to this many units the findings page offers them in a list (with counts); beyond, a text box.
FILTER_MAX_UNITS = 200


def finding_filters(connection: duckdb.DuckDBPyConnection) -> dict[str, list | None]:
    """The choices of the findings page's filters, with counts (``units`` None: too many to list)."""
    unit_count = int(connection.execute("SELECT count(*) FROM units").fetchall()[0][0])
    units = None
    if unit_count <= FILTER_MAX_UNITS:
        units = rows(
            connection,
            """
            SELECT u.unit_id, u.short_name, count(f.check_id) AS n
            FROM units AS u LEFT JOIN identity_findings AS f ON f.unit_id = u.unit_id
            GROUP BY ALL ORDER BY min(u.registry_order)
            """,
        )
    return {
        "units": units,
        "rules": rows(
            connection,
            "SELECT rule_id, any_value(rule_name) AS rule_name, count(*) AS n FROM identity_findings "
            "GROUP BY rule_id ORDER BY rule_id",
        ),
        "severities": rows(
            connection, "SELECT severity, count(*) AS n FROM identity_findings GROUP BY severity ORDER BY severity"
        ),
    }


# --- provenance ---------------------------------------------------------------------------------------------
def fact_sources(connection: duckdb.DuckDBPyConnection, key: FactKey) -> list[dict]:
    """Every fact with ``key`` (table fact first), each with its document and its table's reading;
    a figure last year's report does not state but the next report restates comes from ``restated_facts``."""
    found = rows(
        connection,
        """
        SELECT f.*, FALSE AS restated, NULL::SMALLINT AS restated_from_year
        FROM facts AS f
        WHERE f.unit_id = $unit AND f.year = $year AND f.table_name = $table
          AND coalesce(f.subject_code, f.line_item) = $key AND f.column_name = $column
        ORDER BY CASE f.source_kind WHEN 'table' THEN 0 ELSE 1 END
        """,
        _key_params(key),
    )
    if not found:
        found = rows(
            connection,
            """
            SELECT unit_id, year, table_name, subject_code, coalesce(subject_name, subject_key) AS line_item,
                   column_name, value, source_kind, NULL::VARCHAR AS extractor, document_sha256, page, raw_text,
                   bbox, TRUE AS restated, restated_from_year
            FROM restated_facts
            WHERE unit_id = $unit AND year = $year AND table_name = $table
              AND subject_key = $key AND column_name = $column
            ORDER BY superseded
            """,
            _key_params(key),
        )
    if key.source_kind:
        found.sort(key=lambda f: f["source_kind"] != key.source_kind)
    for fact in found:
        fact["bbox"] = [float(v) for v in fact["bbox"]] if fact.get("bbox") is not None else None
        document = rows(connection, "SELECT * FROM documents WHERE sha256 = $s", {"s": fact["document_sha256"]})
        fact["document"] = document[0] if document else None
        tables = rows(
            connection,
            """
            SELECT title, status, reading, extractor, reconciled, reliable, unreliable_reason, pages, page, line,
                   facts, notes
            FROM parsed_tables WHERE document_sha256 = $s AND table_name = $t
            ORDER BY facts DESC
            """,
            {"s": fact["document_sha256"], "t": fact["table_name"]},
        )
        fact["reading"] = tables[0] if (tables and fact["source_kind"] == "table") else None
    return found


def _key_params(key: FactKey) -> dict[str, object]:
    return {
        "unit": key.unit_id,
        "year": key.year,
        "table": key.table_name,
        "key": key.subject_key,
        "column": key.column_name,
    }


def subject_name(connection: duckdb.DuckDBPyConnection, code: str, year: int) -> str | None:
    found = connection.execute(
        "SELECT name FROM subjects WHERE code = $c ORDER BY abs(valid_from_year - $y) LIMIT 1", {"c": code, "y": year}
    ).fetchall()
    return str(found[0][0]) if found else None


def document(connection: duckdb.DuckDBPyConnection, sha256: str) -> dict | None:
    found = rows(connection, "SELECT * FROM documents WHERE sha256 = $s", {"s": sha256})
    return found[0] if found else None


# --- the data dictionary ------------------------------------------------------------------------------------
def marts(connection: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> list[dict]:
    from juesuan.warehouse.query import ALIAS

    comments = dict(
        connection.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE database_name = $db "
            "UNION ALL SELECT table_name, comment FROM duckdb_tables() WHERE database_name = $db",
            {"db": ALIAS},
        ).fetchall()
    )
    columns = rows(
        connection,
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = $db ORDER BY table_name, column_index",
        {"db": ALIAS},
    )
    by_table: dict[str, list[dict]] = {}
    for column in columns:
        by_table.setdefault(column["table_name"], []).append(column)
    return [
        {"name": name, "comment": comments.get(name) or "", "columns": by_table.get(name, [])}
        for name in names
        if name in comments
    ]


def as_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None
