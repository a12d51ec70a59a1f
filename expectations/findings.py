"""The ``identity_findings`` dataset: one row per identity check of one validation run.

Layout, partitioned like the facts (hive style, partition columns in the path only), one file per report —
a unit-year's 决算 in ``identity_findings.parquet``, its 预算 in ``identity_findings.budget.parquet``
(``juesuan.lake.partition_file``)::

    {lake}/identity_findings/year=2023/unit_id=datong-sic/identity_findings.parquet
    {lake}/identity_findings/year=2023/unit_id=datong-sic/identity_findings.budget.parquet

Every row also carries ``report_kind`` (决算 or 预算) as a column, like the facts; a file written before
kinds existed has none and reads as its file name says (决算).

The lake may be a local folder or any fsspec URL (``s3://bucket/lake``): every read and write goes
through :class:`juesuan.lake.Lake`. A report's partition is replaced whole by every validation run
(atomically: a rename on a local disk, one PUT on an object store), so it always holds the checks of
the latest run —
``passed`` ones included, because the warehouse's ``identity_summary`` counts them. The
``identity_findings`` view of the warehouse shows the rest (rounding, warning, error,
not_checkable). Amounts are ``DECIMAL(20,6)`` 万元 like the facts; pages are lists because a side
can add up figures from several pages (empty for text exports, which have no pages).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

from juesuan.contract import FINAL, REPORT_KINDS, VALUE_TYPE, quantize
from juesuan.lake import Lake, partition_glob
from juesuan.transform.identities import ERROR, SEVERITY_RANK, IdentityCheck

log = logging.getLogger(__name__)

DATASET = "identity_findings"

FINDING_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("validated_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("check_id", pa.string(), nullable=False),
        pa.field("rule_id", pa.string(), nullable=False),
        pa.field("rule_name", pa.string(), nullable=False),
        pa.field("family", pa.string(), nullable=False),
        pa.field("check_name", pa.string(), nullable=False),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("other_table_name", pa.string(), nullable=False),
        pa.field("subject_code", pa.string(), nullable=True),
        pa.field("line_item", pa.string(), nullable=False),
        pa.field("column_name", pa.string(), nullable=False),
        pa.field("left_value", VALUE_TYPE, nullable=True),
        pa.field("right_value", VALUE_TYPE, nullable=True),
        pa.field("difference", VALUE_TYPE, nullable=True),
        pa.field("tolerance", VALUE_TYPE, nullable=False),
        pa.field("left_expression", pa.string(), nullable=False),
        pa.field("right_expression", pa.string(), nullable=False),
        pa.field("left_source_kind", pa.string(), nullable=True),
        pa.field("right_source_kind", pa.string(), nullable=True),
        pa.field("left_pages", pa.list_(pa.int32()), nullable=False),
        pa.field("right_pages", pa.list_(pa.int32()), nullable=False),
        pa.field("left_document_sha256", pa.string(), nullable=True),
        pa.field("right_document_sha256", pa.string(), nullable=True),
        pa.field("message", pa.string(), nullable=False),
        # 决算 or 预算: the kind of the report the check is on (its file's name says it too).
        pa.field("report_kind", pa.string(), nullable=False),
    ]
)
FILE_SCHEMA = FINDING_SCHEMA  # unit_id and year live in the path
COLUMNS = ("unit_id", "year", *FINDING_SCHEMA.names)
#: A validated report: ``(unit_id, year, report_kind)``; ``(unit_id, year)`` names a 决算 (as it always did).
ReportKey = tuple[str, int] | tuple[str, int, str]


@dataclass(frozen=True)
class Finding:
    """The outcome of one identity check in one run, flat, as stored and as mailed."""

    unit_id: str
    year: int
    run_id: str
    validated_at: datetime
    check_id: str
    rule_id: str
    rule_name: str
    family: str
    check_name: str
    severity: str
    table_name: str
    other_table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    left_value: Decimal | None
    right_value: Decimal | None
    difference: Decimal | None
    tolerance: Decimal
    left_expression: str
    right_expression: str
    left_source_kind: str | None
    right_source_kind: str | None
    left_pages: tuple[int, ...]
    right_pages: tuple[int, ...]
    left_document_sha256: str | None
    right_document_sha256: str | None
    message: str
    #: 决算 or 预算: which report of the unit-year the check is on (the stewards' mail names it).
    report_kind: str = FINAL

    @classmethod
    def from_check(cls, check: IdentityCheck, severity: str, run_id: str, validated_at: datetime) -> Finding:
        return cls(
            unit_id=check.unit_id,
            year=check.year,
            run_id=run_id,
            validated_at=validated_at,
            check_id=check.check_id,
            rule_id=check.rule_id,
            rule_name=check.rule.title,
            family=check.family,
            check_name=check.note,
            severity=severity,
            table_name=check.table_name,
            other_table_name=check.right_table,
            subject_code=check.subject_code,
            line_item=check.line_item,
            column_name=check.column_name,
            left_value=check.left.value,
            right_value=check.right.value,
            difference=check.difference,
            tolerance=check.tolerance,
            left_expression=check.left.expression(),
            right_expression=check.right.expression(),
            left_source_kind=check.left.source_kind,
            right_source_kind=check.right.source_kind,
            left_pages=tuple(check.left.pages),
            right_pages=tuple(check.right.pages),
            left_document_sha256=_one_document(check.left.documents) or check.report_document,
            right_document_sha256=_one_document(check.right.documents) or check.other_document or check.report_document,
            message=check.message(),
            report_kind=check.report_kind,
        )

    @property
    def report(self) -> tuple[str, int, str]:
        """The report the finding is on: ``(unit_id, year, report_kind)``."""
        return (self.unit_id, self.year, self.report_kind)

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, SEVERITY_RANK[ERROR])

    @property
    def ref(self) -> str:
        """A short, stable reference to the check (:func:`finding_ref`): anchors, the mail, ``juesuan waive``."""
        return finding_ref(self.check_id)

    @property
    def line(self) -> str:
        return f"{self.subject_code} {self.line_item}" if self.subject_code else self.line_item

    @property
    def tables(self) -> str:
        if self.other_table_name and self.other_table_name != self.table_name:
            return f"{self.table_name} ↔ {self.other_table_name}"
        return self.table_name


def finding_ref(check_id: str) -> str:
    """Ten hex digits of the check id's SHA-256: short enough to quote in a mail, stable across runs."""
    return hashlib.sha256(check_id.encode("utf-8")).hexdigest()[:10]


def _one_document(documents: list[str]) -> str | None:
    # Every fact of a report comes from its one document; several would be a lake bug worth seeing.
    return ",".join(documents) if documents else None


#: Every findings file of the lake, of every kind (``identity_findings.parquet``, ``….budget.parquet``).
FILES = partition_glob(DATASET)


def report_of(key: ReportKey) -> tuple[str, int, str]:
    """``(unit_id, year, report_kind)`` of a report key (a pair is a 决算)."""
    if len(key) == 2:
        return (key[0], key[1], FINAL)
    unit_id, year, kind = key
    if kind not in REPORT_KINDS:
        raise ValueError(f"report kind {kind!r} not in {REPORT_KINDS}")
    return (unit_id, year, kind)


def _lake(lake: Lake | Path | str) -> Lake:
    return lake if isinstance(lake, Lake) else Lake(lake)


def _table(findings: list[Finding]) -> pa.Table:
    rows = []
    for finding in findings:
        row = asdict(finding)
        del row["unit_id"], row["year"]
        for name in ("left_value", "right_value", "difference", "tolerance"):
            if row[name] is not None:
                row[name] = quantize(row[name])
        row["left_pages"] = list(finding.left_pages)
        row["right_pages"] = list(finding.right_pages)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=FILE_SCHEMA)


def write_findings(lake: Lake | Path | str, reports: Iterable[ReportKey], findings: list[Finding]) -> list[str]:
    """Replace the file of every validated report; drop the files of reports no longer in the lake.

    ``reports`` are ``(unit_id, year, report_kind)`` (a pair is a 决算). Returns the written files as fsspec
    paths (plain paths for a local lake).
    """
    lake = _lake(lake)
    by_report: dict[tuple[str, int, str], list[Finding]] = {report_of(report): [] for report in reports}
    for finding in findings:
        key = finding.report
        if key not in by_report:
            raise ValueError(f"finding {finding.check_id} is for {key}, which was not validated in this run")
        by_report[key].append(finding)
    written = []
    for (unit_id, year, kind), rows in sorted(by_report.items()):
        relative = Lake.partition_relative(DATASET, unit_id, year, kind)
        lake.put_table(_table(rows), relative)
        written.append(relative)
    kept = set(written)
    for stale, _unit, _year, _kind in lake.report_files(DATASET):
        if stale not in kept:
            log.info("removing findings of a report no longer in the lake: %s", lake.path(stale))
            lake.remove(stale)
    return [lake.path(relative) for relative in written]


def read_findings(lake: Lake | Path | str) -> pd.DataFrame:
    """Every stored finding with ``unit_id`` and ``year`` (empty frame with the columns if none)."""
    lake = _lake(lake)
    frames = []
    for relative, unit_id, year, kind in lake.report_files(DATASET):
        table = lake.read_table(relative)
        if table is None:
            raise FileNotFoundError(f"{lake.path(relative)} was listed but is gone: is a validation running?")
        frame = table.to_pandas()
        if "report_kind" not in frame.columns:
            frame["report_kind"] = kind  # written before kinds existed: the file's name says (决算)
        frame.insert(0, "year", year)
        frame.insert(0, "unit_id", unit_id)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return str(value)


def _amount(value: object) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _page_list(value: object) -> tuple[int, ...]:
    if value is None or (isinstance(value, float) and value != value):
        return ()
    return tuple(int(page) for page in value)  # type: ignore[attr-defined]


def findings_from_frame(frame: pd.DataFrame) -> list[Finding]:
    """Stored findings (:func:`read_findings`) back as :class:`Finding` objects, in the frame's order."""
    return [_finding_from_row(row) for row in frame.to_dict("records")]


def _finding_from_row(row: dict[str, object]) -> Finding:
    validated_at = row["validated_at"]
    if isinstance(validated_at, pd.Timestamp):
        validated_at = validated_at.to_pydatetime()
    return Finding(
        unit_id=str(row["unit_id"]),
        year=int(row["year"]),  # type: ignore[call-overload]
        run_id=str(row["run_id"]),
        validated_at=validated_at,  # type: ignore[arg-type]
        check_id=str(row["check_id"]),
        rule_id=str(row["rule_id"]),
        rule_name=str(row["rule_name"]),
        family=str(row["family"]),
        check_name=str(row["check_name"]),
        severity=str(row["severity"]),
        table_name=str(row["table_name"]),
        other_table_name=str(row["other_table_name"]),
        subject_code=_text(row["subject_code"]),
        line_item=str(row["line_item"]),
        column_name=str(row["column_name"]),
        left_value=_amount(row["left_value"]),
        right_value=_amount(row["right_value"]),
        difference=_amount(row["difference"]),
        tolerance=_amount(row["tolerance"]) or Decimal(0),
        left_expression=str(row["left_expression"]),
        right_expression=str(row["right_expression"]),
        left_source_kind=_text(row["left_source_kind"]),
        right_source_kind=_text(row["right_source_kind"]),
        left_pages=_page_list(row["left_pages"]),
        right_pages=_page_list(row["right_pages"]),
        left_document_sha256=_text(row["left_document_sha256"]),
        right_document_sha256=_text(row["right_document_sha256"]),
        message=str(row["message"]),
        report_kind=_text(row.get("report_kind")) or FINAL,
    )


def read_finding_objects(lake: Lake | Path | str, reports: Iterable[ReportKey] | None = None) -> list[Finding]:
    """Every stored finding as :class:`Finding` objects (of ``reports`` only, when given: ``(unit_id, year,
    report_kind)``, a pair naming the 决算)."""
    found = findings_from_frame(read_findings(lake))
    if reports is None:
        return found
    wanted = {report_of(report) for report in reports}
    return [f for f in found if f.report in wanted]
