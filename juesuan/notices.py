"""What each unit's stewards must hear about tonight, read from the lake: the *open items*.

An item is one thing a steward may have to act on, with a stable key (so the mail can tell new from
already known) and a fingerprint (what it says: a change makes it new again):

========== ================================================================ =============================
kind       what                                                             section (the mail's order)
========== ================================================================ =============================
finding    an identity finding (``identity_findings``), not passed and      error / warning / rounding
           not ``not_checkable``
document   the report's latest document failed: fetch error, withdrawn,     unread
           quarantined (an HTML page, truncated, wrong year or unit,
           scanned without OCR …)
table      a table juesuan did not read reliably (``parsed_tables``)         unread
code       a subject code juesuan could not resolve (``code_repairs``)      unread
========== ================================================================ =============================

:func:`collect_state` reads everything from the lake (findings, documents, parsing reports, code
repairs, waivers), so the stewards' mail can be built on any night — also one on which the identity
suites did not run, or after a night whose mail was not delivered. The night's own outcomes, when given,
win over ``documents`` for the reports they cover.

A report is ``(unit_id, year, report_kind)``: a unit's 决算 and 预算 of one year are two reports, each
with its own items, counts and title (``2025年度预算``). The item keys of a 决算 stay as they always were
(the mail ledger and waivers key on them); a 预算's name the kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd

from juesuan.contract import FINAL
from juesuan.expectations.findings import Finding, read_finding_objects
from juesuan.lake import Lake
from juesuan.registry import Registry
from juesuan.report.wording import (
    ERROR_SECTION,
    ROUNDING_SECTION,
    UNREAD_SECTION,
    SourceDocument,
    section_of,
)
from juesuan.transform.reliability import UnreliableTable, unreliable_tables
from juesuan.waivers import Waiver, active_waivers, covering

FINDING = "finding"
DOCUMENT = "document"
TABLE = "table"
CODE = "code"
PROBLEM_STATUSES = ("quarantined", "failed", "withdrawn")

#: A report: ``(unit_id, year, report_kind)``.
ReportKey = tuple[str, int, str]


def _item_report(unit_id: str, year: int, report_kind: str) -> str:
    """The start of an item key: ``unit/year`` for a 决算 (as always), ``unit/year/预算`` for a 预算."""
    return f"{unit_id}/{year}" if report_kind == FINAL else f"{unit_id}/{year}/{report_kind}"


class DocumentOutcome(Protocol):
    """What a run knows of one report tonight (``flows`` ``ReportOutcome`` has these and more)."""

    unit_id: str
    year: int
    url: str
    status: str
    sha256: str | None
    error: str | None
    report_kind: str


@dataclass(frozen=True)
class DocumentProblem:
    """A report whose latest document could not be used."""

    unit_id: str
    year: int
    status: str  # quarantined | failed | withdrawn
    reason: str
    url: str
    sha256: str | None = None
    report_kind: str = FINAL

    @property
    def source(self) -> SourceDocument:
        return SourceDocument(self.sha256 or "", self.url)


@dataclass(frozen=True)
class UnresolvedCode:
    unit_id: str
    year: int
    table_name: str
    raw_code: str
    raw_name: str
    page: int | None
    reason: str
    report_kind: str = FINAL


@dataclass(frozen=True)
class Notice:
    """One open item of one report (see the module docstring)."""

    item: str
    kind: str
    section: str
    unit_id: str
    year: int
    fingerprint: str
    finding: Finding | None = None
    document: DocumentProblem | None = None
    table: UnreliableTable | None = None
    code: UnresolvedCode | None = None
    waiver: Waiver | None = None  # an active waiver covers it: acknowledged, not open
    report_kind: str = FINAL

    @property
    def report(self) -> ReportKey:
        return (self.unit_id, self.year, self.report_kind)

    @property
    def is_open(self) -> bool:
        return self.waiver is None


@dataclass(frozen=True)
class ReportCounts:
    """What one report's latest validation came to (as ``identity_summary`` counts it)."""

    unit_id: str
    year: int
    checks: int
    passed: int
    rounding: int
    warnings: int
    errors: int
    not_checkable: int
    report_kind: str = FINAL


def report_counts(findings: Iterable[Finding]) -> dict[ReportKey, ReportCounts]:
    """Per report: every check and how many of each severity (unknown severities count as errors or warnings)."""
    tallies: dict[ReportKey, Counter[str]] = {}
    for finding in findings:
        tallies.setdefault(finding.report, Counter())[section_of(finding.severity) or finding.severity] += 1
    return {
        key: ReportCounts(
            unit_id=key[0],
            year=key[1],
            report_kind=key[2],
            checks=sum(tally.values()),
            passed=tally["passed"],
            rounding=tally[ROUNDING_SECTION],
            warnings=tally["warning"],
            errors=tally[ERROR_SECTION],
            not_checkable=tally["not_checkable"],
        )
        for key, tally in sorted(tallies.items())
    }


@dataclass
class StewardState:
    """Everything the stewards' mail, the validation page and ``juesuan findings`` show, as of now."""

    notices: list[Notice]
    findings: list[Finding]
    counts: dict[ReportKey, ReportCounts]
    documents: dict[str, SourceDocument]  # by sha256
    report_documents: dict[ReportKey, SourceDocument]  # the document each report's facts came from
    names: dict[str, str]
    kinds: dict[str, str]  # the units' kinds (行政单位 …), by unit id
    repairs: dict[ReportKey, list[dict[str, Any]]] = field(default_factory=dict)  # repaired codes (info)
    collected_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def for_units(self, unit_ids: Iterable[str]) -> list[Notice]:
        wanted = set(unit_ids)
        return [n for n in self.notices if n.unit_id in wanted]

    def document_of(self, finding: Finding) -> SourceDocument | None:
        sha = (finding.left_document_sha256 or finding.right_document_sha256 or "").split(",")[0]
        return self.documents.get(sha) or self.report_documents.get(finding.report)

    def name(self, unit_id: str) -> str:
        return self.names.get(unit_id, unit_id)


def _fingerprint(*parts: object) -> str:
    return "|".join("" if part is None else str(part) for part in parts)


def finding_notice(finding: Finding, waivers: dict[str, Waiver]) -> Notice | None:
    section = section_of(finding.severity)
    if section is None:
        return None
    return Notice(
        item=finding.check_id,
        kind=FINDING,
        section=section,
        unit_id=finding.unit_id,
        year=finding.year,
        fingerprint=_fingerprint(finding.severity, finding.left_value, finding.right_value),
        finding=finding,
        waiver=covering(finding, waivers),
        report_kind=finding.report_kind,
    )


def _latest_documents(rows: Sequence[dict[str, Any]]) -> dict[ReportKey, dict[str, Any]]:
    """The latest attempt of every report (by fetch time; a failed attempt has no sha256)."""
    latest: dict[ReportKey, dict[str, Any]] = {}
    for row in rows:
        key = (str(row["unit_id"]), int(row["year"]), str(row.get("report_kind") or FINAL))
        known = latest.get(key)
        stamp = row["fetched_at"] or datetime.min.replace(tzinfo=UTC)
        if known is None or stamp >= (known["fetched_at"] or datetime.min.replace(tzinfo=UTC)):
            latest[key] = row
    return latest


def document_problems(
    rows: Sequence[dict[str, Any]],
    registered: set[ReportKey],
    outcomes: Sequence[DocumentOutcome] | None = None,
) -> list[DocumentProblem]:
    """Registered reports whose latest document failed: tonight's outcome where known, else ``documents``."""
    latest: dict[ReportKey, tuple[str, str | None, str, str | None]] = {
        key: (str(row["status"]), row.get("error"), str(row["url"]), row.get("sha256"))
        for key, row in _latest_documents(rows).items()
    }
    for outcome in outcomes or ():
        key = (outcome.unit_id, outcome.year, outcome.report_kind)
        latest[key] = (outcome.status, outcome.error, outcome.url, outcome.sha256)
    problems = []
    for (unit_id, year, kind), (status, error, url, sha256) in sorted(latest.items()):
        if (unit_id, year, kind) in registered and status in PROBLEM_STATUSES:
            problems.append(DocumentProblem(unit_id, year, status, error or status, url, sha256, kind))
    return problems


def _document_notice(problem: DocumentProblem) -> Notice:
    # The status (not the wording of the reason) identifies the problem: a flaky server's message
    # changes from night to night, the problem does not.
    report = _item_report(problem.unit_id, problem.year, problem.report_kind)
    return Notice(
        item=f"{report}/document/{problem.sha256 or '-'}",
        kind=DOCUMENT,
        section=UNREAD_SECTION,
        unit_id=problem.unit_id,
        year=problem.year,
        fingerprint=_fingerprint(problem.status),
        document=problem,
        report_kind=problem.report_kind,
    )


def _table_notice(table: UnreliableTable) -> Notice:
    report_kind = table.report_kind
    return Notice(
        item=f"{_item_report(table.unit_id, table.year, report_kind)}/table/{table.table_name}",
        kind=TABLE,
        section=UNREAD_SECTION,
        unit_id=table.unit_id,
        year=table.year,
        fingerprint=_fingerprint(table.reason, ",".join(map(str, table.pages))),
        table=table,
        report_kind=report_kind,
    )


def _code_notice(code: UnresolvedCode) -> Notice:
    report = _item_report(code.unit_id, code.year, code.report_kind)
    return Notice(
        item=f"{report}/code/{code.table_name}/{code.raw_code}/{code.raw_name}",
        kind=CODE,
        section=UNREAD_SECTION,
        unit_id=code.unit_id,
        year=code.year,
        fingerprint=_fingerprint(code.reason),
        code=code,
        report_kind=code.report_kind,
    )


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _codes(frame: pd.DataFrame, reports: set[ReportKey]) -> tuple[list[UnresolvedCode], dict[Any, Any]]:
    unresolved: list[UnresolvedCode] = []
    repaired: dict[ReportKey, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        key = (str(row["unit_id"]), int(row["year"]), str(row.get("report_kind") or FINAL))
        if key not in reports:
            continue
        if row["status"] == "unresolved":
            unresolved.append(
                UnresolvedCode(
                    unit_id=key[0],
                    year=key[1],
                    table_name=str(row["table_name"] or ""),
                    raw_code="" if _missing(row["raw_code"]) else str(row["raw_code"]),
                    raw_name="" if _missing(row["raw_name"]) else str(row["raw_name"]),
                    page=None if _missing(row["page"]) else int(row["page"]),
                    reason=str(row["reason"] or ""),
                    report_kind=key[2],
                )
            )
        else:
            repaired.setdefault(key, []).append(row)
    return unresolved, repaired


def collect_state(
    lake: Lake,
    registry: Registry,
    *,
    outcomes: Sequence[DocumentOutcome] | None = None,
    now: datetime | None = None,
) -> StewardState:
    """The open items of every registered unit, from the lake (and tonight's outcomes, when given)."""
    now = now or datetime.now(UTC)
    registered_units = {unit.id for unit in registry.units}
    registered = {report.key for report in registry.reports()}
    findings = [f for f in read_finding_objects(lake) if f.unit_id in registered_units]
    waivers = active_waivers(lake, now)
    notices: list[Notice] = []
    for finding in findings:
        notice = finding_notice(finding, waivers)
        if notice is not None:
            notices.append(notice)
    document_rows = lake.read_document_rows()
    notices += [_document_notice(p) for p in document_problems(document_rows, registered, outcomes)]
    reports_in_lake = {f.report for f in findings} | {
        key for key in lake.report_keys("facts") if key[0] in registered_units
    }
    doubtful = unreliable_tables(lake.read_parsed_tables())
    notices += [_table_notice(t) for t in doubtful if (t.unit_id, t.year, t.report_kind) in reports_in_lake]
    unresolved, repaired = _codes(lake.read_code_repairs(), reports_in_lake)
    notices += [_code_notice(c) for c in unresolved]
    documents = {
        str(row["sha256"]): SourceDocument(str(row["sha256"]), str(row["url"]), row.get("format"))
        for row in document_rows
        if row["sha256"]
    }
    report_documents: dict[ReportKey, SourceDocument] = {}
    for finding in findings:
        sha = (finding.left_document_sha256 or "").split(",")[0]
        if sha in documents:
            report_documents.setdefault(finding.report, documents[sha])
    for report in registry.reports():  # a report whose document is not in ``documents``: its registered address
        report_documents.setdefault(report.key, SourceDocument("", report.url, report.format))
    return StewardState(
        notices=notices,
        findings=findings,
        counts=report_counts(findings),
        documents=documents,
        report_documents=report_documents,
        names={unit.id: unit.name for unit in registry.units},
        kinds={unit.id: unit.kind for unit in registry.units},
        repairs=repaired,
        collected_at=now,
    )


def open_findings(state: StewardState, unit_ids: Iterable[str] | None = None) -> list[Notice]:
    """Open (not waived) finding notices, errors first, then warnings, then rounding."""
    order = {ERROR_SECTION: 0, UNREAD_SECTION: 1, "warning": 2, ROUNDING_SECTION: 3}
    chosen = state.notices if unit_ids is None else state.for_units(unit_ids)
    found = [n for n in chosen if n.kind == FINDING and n.is_open]
    return sorted(found, key=lambda n: (order.get(n.section, 9), n.unit_id, n.year, n.report_kind, n.item))


__all__ = [
    "CODE",
    "DOCUMENT",
    "FINDING",
    "TABLE",
    "DocumentProblem",
    "Notice",
    "ReportKey",
    "StewardState",
    "UnresolvedCode",
    "collect_state",
    "document_problems",
    "open_findings",
]
