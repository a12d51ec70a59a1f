"""Run the identity checkpoint: facts → checks → residual frame → GX → findings, Data Docs.

:func:`validate_lake` is the pipeline hook (call it after every load)::

    summary = validate_lake(settings, registry, run_id)

1. the lake's facts and parsing reports (``parsed_tables``) are read, and every rule yields its checks
   (``juesuan.transform.identities``) — those that need a table juesuan did not read reliably are
   ``not_checkable`` with the table, its pages and why (``juesuan.transform.reliability``);
2. the residual frame (one row per check, exact integer residuals) is validated by the stored
   checkpoint ``identities`` — three suites, one per family — whose ``UpdateDataDocsAction``
   rebuilds the Data Docs site;
3. the **expectation-count guard**: every suite must have loaded, and run, exactly as many
   expectations as its definition holds (a custom class that is not imported makes GX drop its
   expectations and pass);
4. each check's severity is read from the GX results (``not_checkable`` ← sides-present failed,
   ``error``/``warning`` ← within-tolerance failed, ``rounding`` ← exact failed) and must agree
   with the Decimal classification — a disagreement means float drift or a broken suite, and is
   an error;
5. the findings are written to the lake (``identity_findings``), one file per report.

A report is ``(unit_id, year, report_kind)``: a unit-year may have a 决算 and a 预算, each validated by its
own rules (R… and B…), each with its own findings file.

The lake may be any fsspec URL (``settings.lake_url``, e.g. ``s3://bucket/lake``): facts are read
and findings written through :class:`juesuan.lake.Lake`. GX's own output — validation results
(``settings.validation_results``) and the Data Docs site (``settings.data_docs``) — stays on the
local disk of the machine that validates.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from great_expectations.core.run_identifier import RunIdentifier

from juesuan.contract import FINAL
from juesuan.expectations.context import ExpectationsError, open_context
from juesuan.expectations.findings import Finding, report_of, write_findings
from juesuan.expectations.suites import (
    CHECKPOINT,
    CONTEXT_ROOT,
    EXACT,
    FAMILY_GUARD,
    SIDES_PRESENT,
    WITHIN_TOLERANCE,
    expected_counts,
)
from juesuan.lake import Lake, lake_of
from juesuan.registry import Registry
from juesuan.settings import Settings
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    SEVERITIES,
    SEVERITY_RANK,
    WARNING,
    IdentityCheck,
    compute_checks,
    reports_from_facts,
    residual_frame,
)
from juesuan.transform.reliability import UnreliableTable, unreliable_by_report, unreliable_tables
from juesuan.transform.report_evidence import attach_evidence

if TYPE_CHECKING:
    from collections.abc import Sequence

    from juesuan.notices import DocumentOutcome

log = logging.getLogger(__name__)


class ExpectationCountError(ExpectationsError):
    """A suite loaded or ran fewer (or more) expectations than it defines."""


@dataclass(frozen=True)
class ReportCounts:
    """What one report's validation came to."""

    unit_id: str
    year: int
    checks: int
    passed: int
    rounding: int
    warnings: int
    errors: int
    not_checkable: int
    report_kind: str = FINAL

    @property
    def checked(self) -> int:
        return self.checks - self.not_checkable


@dataclass
class ValidationSummary:
    """The outcome of one validation run."""

    run_id: str
    validated_at: datetime
    findings: list[Finding]
    #: The validated reports, ``(unit_id, year, report_kind)``.
    reports: list[tuple[str, int, str]]
    expectations_run: dict[str, int] = field(default_factory=dict)
    data_docs_index: Path | None = None
    data_docs_url: str | None = None
    findings_files: list[str] = field(default_factory=list)  # fsspec paths (plain paths for a local lake)
    #: Tables of the validated reports juesuan did not read reliably (their checks are not_checkable).
    unreliable_tables: list[UnreliableTable] = field(default_factory=list)
    #: Our own offline validation page (``{data_docs}/validation.html``, juesuan.report.validation_page).
    validation_page: Path | None = None

    def counts(self) -> list[ReportCounts]:
        per: dict[tuple[str, int, str], Counter[str]] = {report_of(report): Counter() for report in self.reports}
        for finding in self.findings:
            per[finding.report][finding.severity] += 1
        return [
            ReportCounts(
                unit_id=unit_id,
                year=year,
                report_kind=kind,
                checks=sum(counter.values()),
                passed=counter[PASSED],
                rounding=counter[ROUNDING],
                warnings=counter[WARNING],
                errors=counter[ERROR],
                not_checkable=counter[NOT_CHECKABLE],
            )
            for (unit_id, year, kind), counter in per.items()
        ]

    def problems(self, at_least: str = ROUNDING) -> list[Finding]:
        """Findings at or above a severity, worst first, then by unit, year, rule and place."""
        floor = SEVERITY_RANK[at_least]
        chosen = [f for f in self.findings if f.rank >= floor]
        return sorted(chosen, key=lambda f: (-f.rank, f.unit_id, f.year, f.rule_id, f.check_id))

    def worst(self) -> str:
        return max((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__, default=PASSED)

    def fails(self, fail_on: str) -> bool:
        """Whether any finding is at least as bad as ``fail_on`` (error, warning or rounding)."""
        return any(f.rank >= SEVERITY_RANK[fail_on] for f in self.findings)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def validate_checks(
    checks: list[IdentityCheck],
    settings: Settings,
    run_id: str,
    validated_at: datetime | None = None,
    context_root: Path = CONTEXT_ROOT,
) -> tuple[list[Finding], dict[str, int], Path | None]:
    """Validate checks through the stored checkpoint; return findings, expectations run, Data Docs index."""
    validated_at = validated_at or datetime.now(UTC)
    residuals = residual_frame(checks)
    context = open_context(settings, context_root)
    checkpoint = context.checkpoints.get(CHECKPOINT)
    expected = expected_counts()
    _guard_loaded(checkpoint, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = checkpoint.run(
            batch_parameters={"dataframe": residuals.frame},
            run_id=RunIdentifier(run_name=run_id, run_time=validated_at),
        )
    ran: dict[str, int] = {}
    failing: dict[str, set[str]] = {SIDES_PRESENT: set(), WITHIN_TOLERANCE: set(), EXACT: set()}
    for validation in result.run_results.values():
        suite = validation.suite_name
        ran[suite] = ran.get(suite, 0) + len(validation.results)
        for outcome in validation.results:
            _collect(outcome, suite, failing)
    _guard_ran(ran, expected)
    findings = [
        Finding.from_check(check, _severity(check, failing), run_id, validated_at) for check in residuals.checks
    ]
    _guard_agreement(residuals.checks, findings)
    index = Path(settings.data_docs) / "index.html"
    return findings, ran, index if index.is_file() else None


def _guard_loaded(checkpoint: Any, expected: dict[str, int]) -> None:
    loaded = {vd.suite.name: len(vd.suite.expectations) for vd in checkpoint.validation_definitions}
    if loaded != expected:
        raise ExpectationCountError(
            f"the stored suites do not hold the expectations they define: loaded {loaded}, defined {expected}. "
            "Is juesuan.expectations.custom imported (GX drops expectation types it does not know), "
            "and is the stored context current (python -m juesuan.expectations.suites)?"
        )


def _guard_ran(ran: dict[str, int], expected: dict[str, int]) -> None:
    if ran != expected:
        raise ExpectationCountError(f"the checkpoint ran {ran} expectations per suite, defined {expected}")


def _collect(outcome: Any, suite: str, failing: dict[str, set[str]]) -> None:
    meta = outcome.expectation_config.meta or {}
    role = meta.get("role")
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        raise ExpectationsError(
            f"{suite}: expectation {outcome.expectation_config.type} ({meta}) raised "
            f"{outcome.exception_info.get('exception_message')}"
        )
    if role == FAMILY_GUARD:
        if not outcome.success:
            raise ExpectationsError(f"{suite}: rows name rules outside their family: {outcome.result}")
        return
    if role not in failing:
        raise ExpectationsError(f"{suite}: expectation without a known role in its meta: {meta}")
    for index in outcome.result.get("unexpected_index_list") or []:
        failing[role].add(str(index["check_id"]))


def _severity(check: IdentityCheck, failing: dict[str, set[str]]) -> str:
    check_id = check.check_id
    if check_id in failing[SIDES_PRESENT]:
        return NOT_CHECKABLE
    if check_id in failing[WITHIN_TOLERANCE]:
        return check.severity_if_broken
    if check_id in failing[EXACT]:
        return ROUNDING
    return PASSED


def _guard_agreement(checks: list[IdentityCheck], findings: list[Finding]) -> None:
    disagreements = [
        f"{check.check_id}: GX {finding.severity}, Decimal {check.expected_severity()}"
        for check, finding in zip(checks, findings, strict=True)
        if finding.severity != check.expected_severity()
    ]
    if disagreements:
        raise ExpectationsError(
            f"{len(disagreements)} check(s) classified differently by GX and by Decimal arithmetic: "
            + "; ".join(disagreements[:5])
        )


def validate_lake(
    settings: Settings,
    registry: Registry | None,
    run_id: str | None = None,
    lake: Lake | None = None,
    *,
    outcomes: Sequence[DocumentOutcome] | None = None,
) -> ValidationSummary:
    """Validate every report in the lake; write the findings; rebuild the Data Docs (the pipeline hook).

    ``lake`` defaults to the one ``settings`` name (``lake_url`` when set, else the ``lake`` folder).
    With a registry, the offline validation page (``{data_docs}/validation.html``) is written too; the
    night's ``outcomes``, when given, say which documents failed tonight.
    """
    run_id = run_id or new_run_id()
    validated_at = datetime.now(UTC)
    lake = lake or lake_of(settings)
    facts = lake.read_facts()
    parsed_tables = lake.read_parsed_tables()
    doubtful = unreliable_tables(parsed_tables)
    kinds = {unit.id: unit.kind for unit in registry.units} if registry is not None else {}
    reports = reports_from_facts(facts, kinds, unreliable_by_report(doubtful))
    # What the checks beyond arithmetic read: statements, marks, last year's report, earlier versions …
    names = {unit.id: unit.name for unit in registry.units} if registry is not None else {}
    attach_evidence(reports, lake, parsed_tables, names)
    checks = compute_checks(reports)
    findings, ran, index = validate_checks(checks, settings, run_id, validated_at)
    report_keys = [(report.unit_id, report.year, report.report_kind) for report in reports]
    validated = set(report_keys)
    files = write_findings(lake, report_keys, findings)
    summary = ValidationSummary(
        run_id=run_id,
        validated_at=validated_at,
        findings=findings,
        reports=report_keys,
        expectations_run=ran,
        data_docs_index=index,
        data_docs_url=settings.data_docs_url,
        findings_files=files,
        unreliable_tables=[table for table in doubtful if (table.unit_id, table.year, table.report_kind) in validated],
    )
    if registry is not None:
        from juesuan.report.validation_page import write_validation_page

        summary.validation_page = write_validation_page(settings, registry, lake, outcomes=outcomes, now=validated_at)
    totals = Counter(f.severity for f in findings)
    log.info(
        "validated %d report(s), %d checks: %s; %d table(s) not read reliably; Data Docs %s",
        len(report_keys),
        len(findings),
        ", ".join(f"{totals[s]} {s}" for s in SEVERITIES if totals[s]),
        len(summary.unreliable_tables),
        index,
    )
    return summary


__all__ = [
    "ExpectationCountError",
    "ReportCounts",
    "ValidationSummary",
    "new_run_id",
    "validate_checks",
    "validate_lake",
]
