"""Hand each report what the checks beyond arithmetic read, from the lake (see ``ReportFacts.evidence``).

:func:`attach_evidence` fills ``report.evidence`` for every report of a validation run: its statements,
marks and 绩效自评表 (the lake's ``narrative_statements``, ``document_marks``, ``performance_tables``), the
tables the reader found (``parsed_tables``), the figures of the year before it restates
(``prior_year_facts``), last year's report of the unit when the lake holds it, the earlier documents of
the report (``superseded_facts``) and the unit's registry name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from juesuan.contract import FINAL
from juesuan.extract.evidence import marks_from_rows, performance_from_rows, statements_from_rows
from juesuan.lake import DOCUMENT_MARKS, NARRATIVE_STATEMENTS, PERFORMANCE_TABLES, SUPERSEDED_FACTS, Lake
from juesuan.transform.identities import FactRef, ParsedTable, ReportFacts, SupersededVersion


def _fact(row: Mapping[str, Any]) -> FactRef:
    code = row.get("subject_code")
    page = row.get("page")
    value = row["value"]
    if not isinstance(value, Decimal):
        raise TypeError(f"fact value {value!r} is {type(value).__name__}, expected Decimal (no float amounts)")
    return FactRef(
        table_name=row["table_name"],
        subject_code=None if code is None or (isinstance(code, float) and pd.isna(code)) else str(code),
        line_item=row["line_item"],
        column_name=row["column_name"],
        value=value,
        source_kind=row["source_kind"],
        page=None if page is None or pd.isna(page) else int(page),
        document_sha256=row["document_sha256"],
    )


def _kind(row: Mapping[str, Any]) -> str:
    """A row's report kind: rows read before kinds existed (no value, or NaN from pandas) are 决算."""
    kind = row.get("report_kind")
    return kind if isinstance(kind, str) and kind else FINAL


def _parsed_tables(frame: pd.DataFrame) -> dict[tuple[str, int], list[ParsedTable]]:
    found: dict[tuple[str, int], list[ParsedTable]] = {}
    for row in frame.to_dict("records"):
        if _kind(row) != FINAL:
            continue  # a 预算's tables are no part of the 决算 of its unit-year
        name = row.get("table_name")
        line = row.get("line")
        found.setdefault((str(row["unit_id"]), int(row["year"])), []).append(
            ParsedTable(
                title=str(row.get("title") or ""),
                table_name=None if name is None or (isinstance(name, float) and pd.isna(name)) else str(name),
                status=str(row["status"]),
                facts=int(row.get("facts") or 0),
                reliable=bool(row.get("reliable", True)),
                pages=tuple(int(p) for p in (row.get("pages") or [])),
                line=None if line is None or pd.isna(line) else int(line),
            )
        )
    return found


def _superseded(rows: list[dict[str, Any]]) -> list[SupersededVersion]:
    by_document: dict[str, tuple[datetime, list[FactRef]]] = {}
    for row in rows:
        sha = row["document_sha256"]
        _, facts = by_document.setdefault(sha, (row["superseded_at"], []))
        facts.append(_fact(row))
    ordered = sorted(by_document.items(), key=lambda item: item[1][0])
    return [SupersededVersion(sha, facts) for sha, (_, facts) in ordered]


def attach_evidence(
    reports: Iterable[ReportFacts],
    lake: Lake,
    parsed_tables: pd.DataFrame | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> None:
    """Fill ``report.evidence`` of every 决算 report from the lake (in place).

    The checks beyond arithmetic are 决算 rules: a 预算 report gets no evidence, and neither its files nor
    its facts become a 决算's (its parsing reports, statements and restated figures are the 预算's own).
    """
    chosen = [r for r in reports if r.report_kind == FINAL]
    by_key = {(r.unit_id, r.year): r for r in chosen}
    statements = lake.read_partitions(NARRATIVE_STATEMENTS)
    marks = lake.read_partitions(DOCUMENT_MARKS)
    performance = lake.read_partitions(PERFORMANCE_TABLES)
    superseded = lake.read_partitions(SUPERSEDED_FACTS)
    tables = _parsed_tables(parsed_tables if parsed_tables is not None else lake.read_parsed_tables())
    restated: dict[tuple[str, int], list[FactRef]] = {}
    prior = lake.read_prior_year_facts()
    for row in prior.to_dict("records"):
        if _kind(row) != FINAL:
            continue
        restated.setdefault((str(row["unit_id"]), int(row["restated_from_year"])), []).append(_fact(row))
    names = unit_names or {}
    for report in chosen:
        key = (report.unit_id, report.year)
        evidence = report.evidence
        evidence.read = key in statements
        evidence.statements = statements_from_rows(statements.get(key, []))
        evidence.marks = marks_from_rows(marks.get(key, []))
        evidence.performance = performance_from_rows(performance.get(key, []))
        evidence.tables = tables.get(key, [])
        evidence.restated = restated.get(key, [])
        evidence.previous = by_key.get((report.unit_id, report.year - 1))
        evidence.superseded = _superseded(superseded.get(key, []))
        evidence.unit_name = names.get(report.unit_id, "")
