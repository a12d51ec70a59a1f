"""The per-run report: one self-contained static HTML page, readable offline.

:func:`write_run_report` reads the warehouse the run just built (read-only) and the run's document
outcomes, and writes ``{data_dir}/reports/run-<run id>.html`` plus ``latest.html`` (both atomically:
temporary file, then rename). The page is in Chinese and in the stewards' order (the same as their mail):

- the run summary (documents, loaded, failed, facts, units, years; the run's actions when known);
- **documents that failed or were quarantined, at the top**, with their reason, what it means and what
  to do (the run's outcomes, else ``documents``);
- the identity findings (``identity_summary`` / ``identity_findings``): per report "N 处错误" — "0 处错误"
  where there is none — then the errors, what juesuan could not read (tables not read reliably,
  unresolved codes), the warnings (with why they may need no correction), rounding collapsed to a count,
  waived findings and the checks that could not be made; each finding in one Chinese sentence and linked
  to its own anchor on the validation page (``validation.html#f-<ref>``: relative file links, or
  ``JUESUAN_DATA_DOCS_URL`` when the site is published);
- the units and years covered (``report_coverage`` with ``data_quality``'s verdict);
- headline figures and ratios (``unit_ratios``) and year-on-year headline changes (``year_over_year``);
- the comparison charts of :mod:`juesuan.report.charts`, embedded as ``data:image/png;base64`` URIs.

Nothing is fetched when the page is viewed: CSS is inline, images are data URIs, no web fonts.
A chart that cannot be drawn (no data, no CJK font) shows its reason in its place; the rest of the
page is still written. Hook it into a run with :func:`run_report_step` (a post-load step of the
nightly flow) or call :func:`write_run_report` after :func:`~juesuan.flows.pipeline.run_registry`.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import jinja2
import pandas as pd

from juesuan import __version__
from juesuan.contract import FINAL
from juesuan.errors import UsageError, WarehouseError
from juesuan.expectations.findings import Finding, findings_from_frame
from juesuan.report.charts import ChartError, ChartRequest, render_chart
from juesuan.report.fonts import CJKFontError
from juesuan.report.template import RUN_REPORT
from juesuan.report.validation_page import VALIDATION_PAGE
from juesuan.report.wording import (
    SourceDocument,
    document_advice,
    finding_sentence,
    report_title,
    rule_text,
    section_of,
    severity_label,
    status_label,
    warning_note,
    where_printed,
    where_text,
)
from juesuan.settings import Settings
from juesuan.transform.reliability import unreliable_tables
from juesuan.warehouse.query import connect_readonly, display_value, frame_from_arrow

if TYPE_CHECKING:
    from juesuan.flows.pipeline import StepResult

log = logging.getLogger(__name__)

REPORTS_FOLDER = "reports"
LATEST = "latest.html"
#: The charts every report shows: (request, caption).
REPORT_CHARTS: tuple[tuple[ChartRequest, str], ...] = (
    (ChartRequest("class-structure"), "支出功能分类结构：各类占各单位支出的比重（最新年度）"),
    (ChartRequest("basic-project"), "基本支出与项目支出（万元，条内为占本年支出合计的比重）"),
    (ChartRequest("personnel-public"), "人员经费与公用经费（万元，条内为占基本支出的比重）"),
    (ChartRequest("subject", subject="208"), "208 社会保障和就业支出：一般公共预算财政拨款支出，各单位各年度（万元）"),
)
GROWTH_LINES = (
    ("收入支出决算总表", "收入总计", "金额"),
    ("收入支出决算总表", "本年收入合计", "金额"),
    ("收入支出决算总表", "本年支出合计", "金额"),
    ("一般公共预算财政拨款支出决算表", "合计", "小计"),
)
FINDING_SEVERITIES = ("error", "warning", "rounding")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")  # it names a file: no separators


class DocumentOutcome(Protocol):
    """What a run knows of one document (``flows`` ``ReportOutcome`` has these and more)."""

    unit_id: str
    year: int
    url: str
    status: str
    facts: int
    error: str | None
    report_kind: str  # 决算 | 预算


@dataclass(frozen=True)
class Table:
    columns: list[str]
    numeric: set[str]
    rows: list[list[str]]


def report_dir(settings: Settings) -> Path:
    """Where run reports go: ``{data_dir}/reports``."""
    return settings.data_dir / REPORTS_FOLDER


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


# --- reading the warehouse ------------------------------------------------------------------------------
def _frame(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    return frame_from_arrow(connection.sql(sql, params=params).to_arrow_table())


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _percent(value: object) -> str:
    return "" if _missing(value) else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]


_COVERAGE_SQL = """
SELECT
    coverage.unit_id,
    coverage.unit_name,
    coverage.year,
    coverage.document_status,
    quality.figures_source,
    coverage.table_facts,
    coverage.narrative_facts,
    coalesce(quality.quality, 'no report') AS quality,
    quality.checked,
    quality.checks
FROM report_coverage AS coverage
LEFT JOIN data_quality AS quality ON quality.unit_id = coverage.unit_id AND quality.year = coverage.year
LEFT JOIN units ON units.unit_id = coverage.unit_id
ORDER BY units.registry_order NULLS LAST, coverage.unit_id, coverage.year NULLS LAST
"""

_HEADLINE_SQL = """
SELECT
    ratios.unit_id AS "单位",
    ratios.year AS "年度",
    ratios."本年收入合计",
    ratios."本年支出合计",
    ratios."基本支出",
    ratios."项目支出",
    ratios.basic_share AS "基本支出占比",
    ratios.personnel_share_of_basic AS "人员经费占基本支出",
    ratios."三公经费",
    ratios.three_public_yuan_per_10k_public_use AS "三公经费/万元公用经费（元）",
    ratios.quality AS "勾稽"
FROM unit_ratios AS ratios
LEFT JOIN units ON units.unit_id = ratios.unit_id
ORDER BY units.registry_order NULLS LAST, ratios.unit_id, ratios.year
"""

_GROWTH_SQL = """
SELECT
    growth.unit_id AS "单位",
    growth.year AS "年度",
    growth.table_name || ' · ' || growth.subject_key AS "项目",
    growth.previous_value AS "上年",
    growth.value AS "本年",
    growth.change AS "增减",
    growth.change_rate AS "增减率",
    growth.previous_source_kind AS "上年来源"
FROM year_over_year AS growth
LEFT JOIN units ON units.unit_id = growth.unit_id
WHERE (growth.table_name, growth.subject_key, growth.column_name) IN (SELECT * FROM (VALUES {lines}))
ORDER BY units.registry_order NULLS LAST, growth.unit_id, growth.year, growth.table_name DESC, growth.subject_key
"""


def _cell(value: object, column: str, percent_columns: tuple[str, ...]) -> str:
    if column in percent_columns:
        return _percent(value)
    if isinstance(value, float) and not _missing(value):
        return f"{value:,.2f}"  # ratios in 元 per 万元
    return display_value(value)


def _table(frame: pd.DataFrame, percent_columns: tuple[str, ...] = ()) -> Table:
    numeric = {c for c in frame.columns if c not in ("单位", "年度", "项目", "勾稽", "上年来源")}
    rows = [
        [_cell(value, str(column), percent_columns) for column, value in record.items()]
        for record in frame.to_dict("records")
    ]
    return Table(columns=[str(c) for c in frame.columns], numeric=numeric, rows=rows)


def _growth(connection: duckdb.DuckDBPyConnection) -> Table:
    lines = ", ".join("(" + ", ".join(f"'{part}'" for part in line) + ")" for line in GROWTH_LINES)
    return _table(_frame(connection, _GROWTH_SQL.format(lines=lines)), percent_columns=("增减率",))


def _link(settings: Settings, target: Path | None, output_dir: Path) -> str | None:
    if target is None:
        return None
    if settings.data_docs_url:
        relative = target.relative_to(settings.data_docs).as_posix()
        return f"{settings.data_docs_url.rstrip('/')}/{relative}"
    return Path(os.path.relpath(target.resolve(), output_dir.resolve())).as_posix()


def _sources(connection: duckdb.DuckDBPyConnection) -> dict[str, SourceDocument]:
    rows = _records(_frame(connection, "SELECT sha256, url, format FROM documents WHERE sha256 IS NOT NULL"))
    return {str(r["sha256"]): SourceDocument(str(r["sha256"]), str(r["url"]), r["format"]) for r in rows}


def _finding_item(
    finding: Finding, row: dict[str, Any], sources: dict[str, SourceDocument], page: str | None, kinds: dict[str, str]
) -> dict[str, Any]:
    sha = (finding.left_document_sha256 or finding.right_document_sha256 or "").split(",")[0]
    waived = None
    if row.get("waived"):
        until = f"，有效至 {row['waived_until']}" if row.get("waived_until") else ""
        waived = f"已确认：{row.get('waived_by') or ''}：{row.get('waived_reason') or ''}{until}"
    return {
        "ref": finding.ref,
        "severity": finding.severity,
        "severity_label": severity_label(finding.severity),
        "unit_id": finding.unit_id,
        "year": finding.year,
        "report": report_title(str(row.get("unit_name") or finding.unit_id), finding.year, finding.report_kind),
        "sentence": finding_sentence(finding),
        "where": where_text(finding, sources.get(sha)),
        "rule": rule_text(finding),
        "note": warning_note(finding, kinds.get(finding.unit_id, "")) if finding.severity == "warning" else "",
        "left": display_value(row["left_value"]),
        "right": display_value(row["right_value"]),
        "difference": display_value(row["difference"]),
        "link": f"{page}#f-{finding.ref}" if page else None,
        "waived": waived,
    }


def _identities(connection: duckdb.DuckDBPyConnection, settings: Settings, output_dir: Path) -> dict[str, Any]:
    """The identity findings in the stewards' order: errors, what juesuan could not read, warnings, rounding."""
    summary = _records(_frame(connection, "SELECT * FROM identity_summary"))
    for row in summary:
        errors = int(row["errors"] or 0)
        row["verdict"] = f"{errors} 处错误" + ("，需更正" if errors else "")
    frame = _frame(connection, "SELECT * FROM identity_findings")
    rows = _records(frame)
    findings = findings_from_frame(frame)
    kinds = {
        str(r["unit_id"]): str(r["kind"] or "") for r in _records(_frame(connection, "SELECT unit_id, kind FROM units"))
    }
    sources = _sources(connection)
    validation_page = settings.data_docs / VALIDATION_PAGE
    page = _link(settings, validation_page, output_dir) if validation_page.is_file() else None
    groups: dict[str, list[dict[str, Any]]] = {"error": [], "warning": [], "rounding": [], "waived": []}
    not_checkable: list[dict[str, Any]] = []
    for finding, row in zip(findings, rows, strict=True):
        section = section_of(finding.severity)
        unit = finding.unit_id
        if section is None:
            not_checkable.append(
                {
                    "report": report_title(str(row.get("unit_name") or unit), finding.year, finding.report_kind),
                    "rule": rule_text(finding),
                    "message": finding.message,
                    "link": f"{page}#f-{finding.ref}" if page else None,
                }
            )
            continue
        item = _finding_item(finding, row, sources, page, kinds)
        groups["waived" if row.get("waived") else section].append(item)
    names = {str(r["unit_id"]): r["unit_name"] for r in summary}
    # The same rule as the identity suites and the mail (transform/reliability.py), on the warehouse's copy.
    unread = [
        {
            "report": report_title(str(names.get(t.unit_id) or t.unit_id), t.year, t.report_kind),
            "table_name": t.table_name,
            "where": where_printed(t.pages, t.lines),
            "reason": t.reason,
        }
        for t in unreliable_tables(_frame(connection, "SELECT * FROM parsed_tables"))
    ]
    codes = _records(
        _frame(connection, "SELECT * FROM code_repairs WHERE status = 'unresolved' ORDER BY unit_id, year, table_name")
    )
    for code in codes:
        name = str(names.get(code["unit_id"]) or code["unit_id"])
        code["report"] = report_title(name, int(code["year"]), str(code.get("report_kind") or FINAL))
    index = settings.data_docs / "index.html"
    return {
        "summary": summary,
        "errors": groups["error"],
        "warnings": groups["warning"],
        "rounding": groups["rounding"],
        "waived": groups["waived"],
        "not_checkable": not_checkable,
        "unread_tables": unread,
        "unresolved_codes": codes,
        "total_errors": len(groups["error"]),
        "run_ids": sorted({str(r["run_id"]) for r in summary if r.get("run_id")}),
        "page_link": page,
        "index_link": _link(settings, index, output_dir) if index.is_file() else None,
    }


def _failures(
    connection: duckdb.DuckDBPyConnection, outcomes: Sequence[DocumentOutcome] | None
) -> list[dict[str, Any]]:
    failed: list[dict[str, Any]]
    if outcomes is not None:
        failed = [
            {
                "unit_id": o.unit_id,
                "year": o.year,
                "report_kind": o.report_kind,
                "status": o.status,
                "error": o.error,
                "url": o.url,
            }
            for o in outcomes
            if o.status != "loaded"
        ]
    else:
        # The latest attempt of every report (unit, year and kind; rows without a kind are 决算).
        latest: dict[tuple[str, int, str], dict[str, Any]] = {}
        rows = _records(_frame(connection, "SELECT * FROM documents ORDER BY fetched_at NULLS FIRST"))
        for row in rows:
            row["report_kind"] = row.get("report_kind") or FINAL
            latest[(str(row["unit_id"]), int(row["year"]), row["report_kind"])] = row
        failed = [r for _, r in sorted(latest.items()) if r["status"] != "loaded"]
    names = {str(r[0]): str(r[1]) for r in connection.execute("SELECT unit_id, name FROM units").fetchall()}
    for row in failed:
        advice = document_advice(str(row["status"]), None if row["error"] is None else str(row["error"]))
        source = SourceDocument("", str(row["url"]))
        row.update(
            report=report_title(
                names.get(str(row["unit_id"]), str(row["unit_id"])), int(str(row["year"])), str(row["report_kind"])
            ),
            status_label=status_label(str(row["status"])),
            problem=advice.problem,
            action=advice.action,
            source=source.name,
        )
    return failed


def _charts() -> list[dict[str, Any]]:
    return [
        {"kind": request.kind, "title": caption, "data_uri": None, "error": None} for request, caption in REPORT_CHARTS
    ]


def _draw(warehouse: Path, charts: list[dict[str, Any]]) -> None:
    for chart, (request, _caption) in zip(charts, REPORT_CHARTS, strict=True):
        try:
            png = render_chart(warehouse, request)
        except (ChartError, CJKFontError) as exc:
            # Shown in the chart's place; the report itself is still written.
            log.warning("run report: %s chart not drawn: %s", request.kind, exc)
            chart["error"] = str(exc)
            continue
        chart["data_uri"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _run_facts(connection: duckdb.DuckDBPyConnection) -> tuple[int, list[int], int]:
    facts = int(connection.execute("SELECT count(*) FROM facts").fetchall()[0][0])
    years = [int(r[0]) for r in connection.execute("SELECT DISTINCT year FROM facts ORDER BY 1").fetchall()]
    units = int(connection.execute("SELECT count(*) FROM units").fetchall()[0][0])
    return facts, years, units


def render_run_report(
    settings: Settings,
    outcomes: Sequence[DocumentOutcome] | None = None,
    *,
    run_id: str,
    seconds: float | None = None,
    output_dir: Path | None = None,
) -> str:
    """The report page as HTML text (see the module docstring for what it holds)."""
    output_dir = output_dir or report_dir(settings)
    connection = connect_readonly(settings.warehouse)
    try:
        coverage = _records(_frame(connection, _COVERAGE_SQL))
        for row in coverage:
            row["checked_text"] = f"{row['checked']} of {row['checks']}" if row.get("checks") else "—"
        headline = _table(_frame(connection, _HEADLINE_SQL), percent_columns=("基本支出占比", "人员经费占基本支出"))
        growth = _growth(connection)
        identities = _identities(connection, settings, output_dir)
        failures = _failures(connection, outcomes)
        facts, years, unit_count = _run_facts(connection)
        documents = (
            len(outcomes) if outcomes is not None else len(_records(_frame(connection, "SELECT 1 FROM documents")))
        )
    except duckdb.Error as exc:
        raise WarehouseError(f"run report: reading {settings.warehouse} failed: {exc}") from exc
    finally:
        connection.close()
    charts = _charts()
    _draw(settings.warehouse, charts)
    actions = Counter(str(getattr(o, "action", o.status)) for o in outcomes) if outcomes is not None else Counter()
    run = {
        "run_id": run_id,
        "written_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": seconds,
        "registry": str(settings.registry),
        "warehouse": str(settings.warehouse),
        "documents": documents,
        "loaded": documents - len(failures),
        "failed": len(failures),
        "facts": f"{facts:,}",
        "unit_count": unit_count,
        "years": years,
        "actions": sorted(actions.items()),
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(RUN_REPORT).render(
        version=__version__,
        run=run,
        coverage=coverage,
        headline=headline,
        growth=growth,
        charts=charts,
        identities=identities,
        failures=failures,
    )


def _write_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_run_report(
    settings: Settings,
    outcomes: Sequence[DocumentOutcome] | None = None,
    *,
    run_id: str | None = None,
    seconds: float | None = None,
    output_dir: Path | None = None,
) -> Path:
    """Write the run's report page and ``latest.html`` beside it; returns the run's page.

    ``outcomes`` are the run's documents (``RunSummary.outcomes``); without them the failures come
    from the warehouse's ``documents`` table. ``output_dir`` defaults to ``{data_dir}/reports``.
    """
    run_id = run_id or new_run_id()
    if not _RUN_ID.match(run_id):
        raise UsageError("run id (letters, digits, '.', '_', '-')", run_id)
    output_dir = output_dir or report_dir(settings)
    html = render_run_report(settings, outcomes, run_id=run_id, seconds=seconds, output_dir=output_dir)
    page = output_dir / f"run-{run_id}.html"
    _write_atomic(html, page)
    _write_atomic(html, output_dir / LATEST)
    log.info("run report written to %s (%d bytes)", page, len(html.encode("utf-8")))
    return page


class _RunContext(Protocol):
    """The part of the nightly flow's ``StepContext`` the report step reads."""

    @property
    def settings(self) -> Settings: ...

    @property
    def summary(self) -> Any: ...


def run_report_step(context: _RunContext) -> StepResult:
    """A post-load step of the nightly flow: ``HOOKS.post_load.append(Step("run report", run_report_step))``."""
    from juesuan.flows.pipeline import StepResult

    page = write_run_report(context.settings, context.summary.outcomes, seconds=context.summary.seconds or None)
    return StepResult(name="run report", status="ok", detail=str(page))
