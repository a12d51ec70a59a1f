"""Which tables of a report juesuan did not read reliably, and why: for the identity suites and the stewards.

The table reader records, for every table it finds, whether its figures can be trusted to stand for
the table (``TableReport.reliable``, with ``unreliable_reason``, ``reconciled`` and ``pages``; see
``extract/base.py``); the lake keeps that in ``parsed_tables``. A canonical table (``table_name`` known)
is **not read reliably** when

* the reader says so (``reliable`` false: identities of its own that do not reconcile, cells with text
  that became no figure …);
* its title was recognised over a grid that looks like the table but whose layout was not
  (status ``unrecognised``, the reader marks it unreliable): no figure of it was read;
* reading it failed (status ``error``).

A table found more than once in a report (a continuation read apart, a second copy) is unreliable
when any of its readings is: a missing part would otherwise read as blanks = 0.

In such a table an absent figure is *unknown*, not zero, and a present figure may be misread, so the
identity suites (``transform/identities.py``) read every check that needs the table as
``not_checkable`` with :meth:`UnreliableTable.describe` as the reason — never as an ``error`` of the
unit — and the stewards' mail lists the table apart, as juesuan's problem, not the unit's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from juesuan.contract import FINAL
from juesuan.extract.base import TableReport

UNRECOGNISED = "unrecognised"
FAILED = "error"
UNRECONCILED = "unreconciled"
#: Why a table is unreliable when the reader gave no reason of its own.
UNRECOGNISED_REASON = "its title was recognised but not its layout, so none of its figures was read"
FAILED_REASON = "reading it failed"
UNRECONCILED_REASON = "its own totals do not add up on the figures read"
NO_REASON = "the reader did not trust its figures"


@dataclass(frozen=True)
class UnreliableTable:
    """One canonical table of one report that juesuan did not read reliably."""

    unit_id: str
    year: int
    table_name: str
    reason: str
    pages: tuple[int, ...] = ()  # 1-based pages it is printed on (none for text exports)
    lines: tuple[int, ...] = ()  # 1-based lines of its title in a text export, where known
    titles: tuple[str, ...] = ()  # the titles as printed
    report_kind: str = FINAL  # the kind of the report the table is in (决算 or 预算)

    @property
    def where(self) -> str:
        """``page 7``, ``pages 7, 8``, ``line 1561`` or ``""`` (English, like the findings)."""
        if self.pages:
            return ("page " if len(self.pages) == 1 else "pages ") + ", ".join(str(p) for p in self.pages)
        if self.lines:
            return ("line " if len(self.lines) == 1 else "lines ") + ", ".join(str(n) for n in self.lines)
        return ""

    def describe(self) -> str:
        """The reason a not-checkable check gives: the table, where it is printed, and why."""
        where = f" ({self.where})" if self.where else ""
        return f"{self.table_name}{where} not read reliably by juesuan: {self.reason}"


def is_unreliable(table_name: str | None, status: str, reliable: bool) -> bool:
    """Whether a parsed table makes its canonical table unreliable (see the module docstring). An
    ``unrecognised`` grid is unreliable when the reader says so: it is when the grid looks like the
    table (its headers, its codes), not when the title only stood over chart data or a caption."""
    return table_name is not None and (not reliable or status == FAILED)


def reason_of(status: str, reason: str, reconciled: str) -> str:
    """The reader's reason, or one derived from the status and the reconciliation when it gave none."""
    if reason.strip():
        return reason.strip()
    if status == UNRECOGNISED:
        return UNRECOGNISED_REASON
    if status == FAILED:
        return FAILED_REASON
    if reconciled == UNRECONCILED:
        return UNRECONCILED_REASON
    return NO_REASON


def _merge(entries: Iterable[dict[str, Any]]) -> list[UnreliableTable]:
    """Entries (unit_id, year, report_kind, table_name, status, reliable, reason, reconciled, pages, page,
    line, title) folded into one :class:`UnreliableTable` per report and table, in a stable order."""
    grouped: dict[tuple[str, int, str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        if is_unreliable(entry["table_name"], entry["status"], entry["reliable"]):
            key = (entry["unit_id"], entry["year"], entry.get("report_kind") or FINAL, entry["table_name"])
            grouped.setdefault(key, []).append(entry)
    tables = []
    for (unit_id, year, report_kind, table_name), found in sorted(grouped.items()):
        reasons = [reason_of(e["status"], e["reason"], e["reconciled"]) for e in found]
        pages = sorted({p for e in found for p in (e["pages"] or ([e["page"]] if e["page"] is not None else []))})
        tables.append(
            UnreliableTable(
                unit_id=unit_id,
                year=year,
                table_name=table_name,
                reason="; ".join(dict.fromkeys(reasons)),
                pages=tuple(pages),
                lines=tuple(sorted({e["line"] for e in found if e["line"] is not None})),
                titles=tuple(dict.fromkeys(e["title"] for e in found if e["title"])),
                report_kind=report_kind,
            )
        )
    return tables


def unreliable_tables(parsed_tables: pd.DataFrame) -> list[UnreliableTable]:
    """The unreliable tables of every report in a ``parsed_tables`` frame (``Lake.read_parsed_tables()``)."""

    def optional_int(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    def text(value: Any) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    entries = (
        {
            "unit_id": str(row.unit_id),
            "year": int(row.year),
            # A frame without the column (read before report kinds existed) holds 决算 tables.
            "report_kind": text(getattr(row, "report_kind", None)) or FINAL,
            "table_name": None if not text(row.table_name) else str(row.table_name),
            "status": text(row.status),
            "reliable": bool(row.reliable),
            "reason": text(row.unreliable_reason),
            "reconciled": text(row.reconciled),
            "pages": [int(p) for p in row.pages] if row.pages is not None else [],
            "page": optional_int(row.page),
            "line": optional_int(row.line),
            "title": text(row.title) or None,
        }
        for row in parsed_tables.itertuples(index=False)
    )
    return _merge(entries)


def unreliable_tables_of(
    unit_id: str, year: int, tables: Iterable[TableReport], report_kind: str = FINAL
) -> list[UnreliableTable]:
    """The unreliable tables among one report's parsing reports (as the reader returns them)."""
    return _merge(
        {
            "unit_id": unit_id,
            "year": year,
            "report_kind": report_kind,
            "table_name": t.table_name,
            "status": t.status,
            "reliable": t.reliable,
            "reason": t.unreliable_reason,
            "reconciled": t.reconciled,
            "pages": list(t.pages),
            "page": t.page,
            "line": t.line,
            "title": t.title,
        }
        for t in tables
    )


def report_key(unit_id: str, year: int, report_kind: str = FINAL) -> tuple[str, int] | tuple[str, int, str]:
    """How ``reports_from_facts(unreliable=…)`` names a report: ``(unit_id, year)`` for a 决算 (as it always
    did), ``(unit_id, year, report_kind)`` for a report of another kind."""
    return (unit_id, year) if report_kind == FINAL else (unit_id, year, report_kind)


def unreliable_by_report(
    tables: Iterable[UnreliableTable],
) -> dict[tuple[str, int] | tuple[str, int, str], dict[str, str]]:
    """``{report: {table_name: reason with pages}}`` (report as :func:`report_key` names it), what
    ``reports_from_facts(unreliable=…)`` takes."""
    by_report: dict[tuple[str, int] | tuple[str, int, str], dict[str, str]] = {}
    for table in tables:
        key = report_key(table.unit_id, table.year, table.report_kind)
        by_report.setdefault(key, {})[table.table_name] = table.describe()
    return by_report
