"""The per-run report: one self-contained static HTML page, readable offline.

:func:`write_run_report` reads the warehouse the run just built (read-only) and the run's document
outcomes, and writes ``{data_dir}/reports/run-<run id>.html`` plus ``latest.html`` (both atomically:
temporary file, then rename). The page holds:

- the run summary (documents, loaded, failed, facts, units, years; the run's actions when known);
- the units and years covered (``report_coverage`` with ``data_quality``'s verdict);
- headline figures and ratios (``unit_ratios``) and year-on-year headline changes (``year_over_year``);
- the comparison charts of :mod:`juesuan.report.charts`, embedded as ``data:image/png;base64`` URIs;
- the identity findings (``identity_summary`` / ``identity_findings``), each linked to its Data Docs
  validation page (relative file links, or ``JUESUAN_DATA_DOCS_URL`` when the site is published);
- the documents that failed, with their reasons (the run's outcomes, else ``documents``).

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
from juesuan.errors import UsageError, WarehouseError
from juesuan.report.charts import ChartError, ChartRequest, render_chart
from juesuan.report.fonts import CJKFontError
from juesuan.report.template import RUN_REPORT
from juesuan.settings import Settings
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


def _validation_page(settings: Settings, family: str, run_id: str) -> Path | None:
    folder = settings.data_docs / "validations" / f"identities_{family}" / run_id
    pages = sorted(folder.glob("*/*.html"))
    return pages[-1] if pages else None


def _link(settings: Settings, target: Path | None, output_dir: Path) -> str | None:
    if target is None:
        return None
    if settings.data_docs_url:
        relative = target.relative_to(settings.data_docs).as_posix()
        return f"{settings.data_docs_url.rstrip('/')}/{relative}"
    return Path(os.path.relpath(target.resolve(), output_dir.resolve())).as_posix()


def _pages(value: object) -> set[str]:
    """Pages of one side of a finding (a list of 1-based pages; empty for text exports)."""
    if value is None or isinstance(value, str):
        return {value} if value else set()
    return {str(page) for page in value}  # type: ignore[attr-defined]


def _identities(connection: duckdb.DuckDBPyConnection, settings: Settings, output_dir: Path) -> dict[str, Any]:
    summary = _records(_frame(connection, "SELECT * FROM identity_summary"))
    findings = _records(_frame(connection, "SELECT * FROM identity_findings"))
    index = settings.data_docs / "index.html"
    pages: dict[tuple[str, str], str | None] = {}
    shown: list[dict[str, Any]] = []
    not_checkable: list[dict[str, Any]] = []
    for f in findings:
        key = (str(f["family"]), str(f["run_id"]))
        if key not in pages:
            pages[key] = _link(settings, _validation_page(settings, *key), output_dir)
        tables = f["table_name"] or ""
        if f["other_table_name"] and f["other_table_name"] != f["table_name"]:
            tables += f" / {f['other_table_name']}"
        pages_text = ", ".join(_pages(f["left_pages"]) | _pages(f["right_pages"]))
        row = {
            **f,
            "tables": tables,
            "line": f["subject_code"] or f["line_item"] or "",
            "left": display_value(f["left_value"]),
            "right": display_value(f["right_value"]),
            "difference": display_value(f["difference"]),
            "pages": pages_text,
            "link": pages[key] or (_link(settings, index, output_dir) if index.is_file() else None),
        }
        (shown if f["severity"] in FINDING_SEVERITIES else not_checkable).append(row)
    shown.sort(key=lambda r: FINDING_SEVERITIES.index(r["severity"]))
    return {
        "summary": summary,
        "findings": shown,
        "not_checkable": not_checkable,
        "run_ids": sorted({str(r["run_id"]) for r in summary if r.get("run_id")}),
        "index_link": _link(settings, index, output_dir) if index.is_file() else None,
    }


def _failures(
    connection: duckdb.DuckDBPyConnection, outcomes: Sequence[DocumentOutcome] | None
) -> list[dict[str, Any]]:
    if outcomes is not None:
        return [
            {"unit_id": o.unit_id, "year": o.year, "status": o.status, "error": o.error, "url": o.url}
            for o in outcomes
            if o.status != "loaded"
        ]
    latest = _frame(
        connection,
        """
        SELECT unit_id, year, status, error, url FROM documents
        QUALIFY row_number() OVER (PARTITION BY unit_id, year ORDER BY fetched_at DESC NULLS LAST) = 1
        """,
    )
    return [r for r in _records(latest) if r["status"] != "loaded"]


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
