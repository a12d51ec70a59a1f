"""The analysts' web app: a local, read-only view of the warehouse in Chinese (``juesuan ui``).

Server-rendered pages (FastAPI routes, Jinja2 templates), a few lines of script for the subject
suggestions, charts drawn as inline SVG: the pages work offline, load nothing from elsewhere and
need no build step. Every request opens its own read-only connection
(:func:`juesuan.warehouse.query.connect_readonly`), so a rebuilt warehouse is picked up by the next
page and the analysts' connection hardening applies here too. Every figure links to its provenance
(``/fact``): the document, the page rendered with the cell or sentence highlighted, the raw text,
the extractor and the reading status of its table.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from juesuan.contract import GENERAL_BUDGET, TABLE_NAMES
from juesuan.errors import JuesuanError, UsageError, WarehouseError
from juesuan.ui import data
from juesuan.ui.documents import DocumentNotAvailable, RawFiles, text_context

PACKAGE = "juesuan.ui"
EXPORT_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


class NotFound(JuesuanError):
    """A unit, document or page the warehouse does not have."""


@dataclass(frozen=True)
class UiConfig:
    """What the app reads: the warehouse file and the raw store of the documents."""

    warehouse: Path
    raw_store: Path


# --- formatting ---------------------------------------------------------------------------------------------
def amount(value: object) -> str:
    """1,234.56 (half up); empty for a missing figure."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, int | float):
        return f"{value:,.2f}"
    return str(value)


def percent(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def rate(value: object) -> str:
    """An execution rate already in % (budget_vs_final.execution_rate): 99.02%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):,.2f}%"  # type: ignore[arg-type]


def _label(labels: dict[str, str]) -> Any:
    return lambda value: labels.get(str(value), "" if value is None else str(value))


def _templates() -> Jinja2Templates:
    folder = Path(str(resources.files(PACKAGE) / "templates"))
    templates = Jinja2Templates(directory=str(folder))
    env = templates.env
    env.filters["amount"] = amount
    env.filters["percent"] = percent
    env.filters["rate"] = rate
    env.filters["severity"] = _label(data.SEVERITY_LABELS)
    env.filters["quality"] = _label(data.QUALITY_LABELS)
    env.filters["source"] = _label(data.SOURCE_LABELS)
    env.filters["status"] = _label(data.STATUS_LABELS)
    env.globals["query"] = lambda **params: urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return templates


class SharedWarehouse:
    """One read-only DuckDB instance over the warehouse for the whole app, a cursor per request.

    The instance comes from :func:`juesuan.warehouse.query.connect_readonly` (its hardening applies
    to every cursor) and keeps its buffer pool warm between pages. When the nightly build swaps in a
    new file (another inode, size or modification time), the next request opens a new instance; pages
    still running on the old one finish there and it is closed when its last cursor is gone.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._root: duckdb.DuckDBPyConnection | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        from juesuan.warehouse.query import connect_readonly

        try:
            status = self.path.stat()
        except FileNotFoundError:
            status = None
        stamp = (status.st_ino, status.st_size, status.st_mtime_ns) if status else None
        with self._lock:
            if self._root is None or stamp != self._stamp:
                self._root = connect_readonly(self.path)  # a missing file: WarehouseError naming it
                self._stamp = stamp
            return self._root.cursor()


def create_app(config: UiConfig) -> FastAPI:
    """The app over ``config.warehouse`` (read-only) and ``config.raw_store``."""
    app = FastAPI(title="决算数据 · juesuan", docs_url=None, redoc_url=None, openapi_url=None)
    templates = _templates()
    raw_files = RawFiles(config.raw_store)
    app.mount("/static", StaticFiles(directory=str(resources.files(PACKAGE) / "static")), name="static")

    warehouse = SharedWarehouse(config.warehouse)

    @contextmanager
    def connection() -> Iterator[duckdb.DuckDBPyConnection]:
        opened = warehouse.cursor()
        try:
            yield opened
        except duckdb.Error as exc:
            raise WarehouseError(f"query on {config.warehouse} failed: {exc}") from exc
        finally:
            opened.close()

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        built = None
        if config.warehouse.is_file():
            built = datetime.fromtimestamp(config.warehouse.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return templates.TemplateResponse(
            request,
            template,
            {"warehouse": config.warehouse, "built": built, **context},
            status_code=status_code,
        )

    @app.exception_handler(JuesuanError)
    def named_error(request: Request, exc: JuesuanError) -> HTMLResponse:
        status = 400
        if isinstance(exc, DocumentNotAvailable | NotFound):
            status = 404
        elif isinstance(exc, WarehouseError):
            status = 503
        return page(request, "error.html", status_code=status, message=str(exc))

    # --- units ------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def units_page(request: Request, q: str = "", page_number: int = Query(1, alias="page", ge=1)) -> HTMLResponse:
        with connection() as con:
            units, total = data.units_and_years(con, q, page_number)
            return page(
                request,
                "units.html",
                overview=data.overview(con),
                units=units,
                matching=total,
                q=q,
                page_number=page_number,
                pages=max(1, -(-total // data.UNITS_PER_PAGE)),
            )

    @app.get("/unit/{unit_id}", response_class=HTMLResponse)
    def unit_latest(request: Request, unit_id: str) -> Response:
        with connection() as con:
            years = data.unit_years(con, unit_id)
            if data.unit(con, unit_id) is None:
                raise NotFound(f"没有单位 {unit_id}")
        if not years:
            return page(request, "error.html", status_code=404, message=f"单位 {unit_id} 还没有任何年度的报告。")
        return RedirectResponse(f"/unit/{unit_id}/{years[0]}", status_code=302)

    @app.get("/unit/{unit_id}/{year}", response_class=HTMLResponse)
    def unit_year_page(request: Request, unit_id: str, year: int, yoy: str = "", bvf: str = "") -> HTMLResponse:
        with connection() as con:
            unit = data.unit(con, unit_id)
            if unit is None:
                raise NotFound(f"没有单位 {unit_id}")
            columns, three_public = data.three_public(con, unit_id, year)
            return page(
                request,
                "unit_year.html",
                unit=unit,
                year=year,
                years=data.unit_years(con, unit_id, with_budgets=True),
                quality=data.quality(con, unit_id, year),
                headline=data.headline(con, unit_id, year),
                structure=data.structure(con, unit_id, year),
                three_public_columns=columns,
                three_public=three_public,
                yoy=data.year_over_year(con, unit_id, year, everything=yoy == "all"),
                yoy_all=yoy == "all",
                budget=data.budget_execution(con, unit_id, year),
                budget_vs_final=data.budget_vs_final(con, unit_id, year, everything=bvf == "all"),
                budget_vs_final_all=bvf == "all",
                has_budget=data.has_budget(con, unit_id, year),
                findings=data.findings(con, unit_id, year, ("error", "warning", "rounding")),
                not_checkable=len(data.findings(con, unit_id, year, ("not_checkable",))),
                documents=data.documents(con, unit_id, year),
                tables=data.parsed_tables(con, unit_id, year),
            )

    # --- compare ----------------------------------------------------------------------------------------
    def _comparison(
        subject: str, table: str, column: str, years: str, units: str, measure: str = "final"
    ) -> tuple[Any, dict[str, Any]]:
        from juesuan.warehouse.query import Selection, compare_units, is_year_range, parse_units, parse_years
        from juesuan.warehouse.subject_search import AmbiguousSubjectError, SubjectNotFoundError

        year_values = [years] if years.strip() else None
        selection = Selection(
            units=parse_units([units]) if units.strip() else None,
            years=parse_years(year_values),
            years_span=is_year_range(year_values),
        )
        try:
            with connection() as con:
                comparison = compare_units(
                    config.warehouse,
                    subject=subject,
                    table_name=table or None,
                    column_name=column or None,
                    selection=selection,
                    measure="share" if measure == "final" else "amount",
                    connection=con,
                    report_measure=measure,
                )
        except AmbiguousSubjectError as exc:
            return None, {"matches": exc.matches, "ambiguous": True}
        except SubjectNotFoundError as exc:
            return None, {"matches": exc.suggestions, "not_found": True}
        return comparison, {}

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(
        request: Request,
        subject: str = "",
        table: str = "",
        column: str = "",
        years: str = "",
        units: str = "",
        measure: str = "final",
        page_number: int = Query(1, alias="page", ge=1),
    ) -> HTMLResponse:
        from juesuan.warehouse.query import MEASURE_LABELS

        context: dict[str, Any] = {
            "subject": subject,
            "table": table,
            "column": column,
            "years": years,
            "units": units,
            "measure": measure,
            "measures": MEASURE_LABELS,
            "tables": TABLE_NAMES,
        }
        with connection() as con:
            context["columns"] = _columns_of(con, table or GENERAL_BUDGET)
        if subject.strip():
            comparison, problem = _comparison(subject, table, column, years, units, measure)
            context.update(problem)
            if comparison is not None:
                context.update(_comparison_context(comparison, page_number))
        return page(request, "compare.html", **context)

    @app.get("/compare/export")
    def compare_export(
        subject: str,
        format: str = Query("xlsx"),
        table: str = "",
        column: str = "",
        years: str = "",
        units: str = "",
        measure: str = "final",
    ) -> Response:
        from juesuan.export import ExportNotes, Result, export_bytes

        if format not in EXPORT_MEDIA:
            raise UsageError("format", format, list(EXPORT_MEDIA))
        comparison, _ = _comparison(subject, table, column, years, units, measure)
        if comparison is None:
            raise UsageError("subject (one subject; see /compare)", subject)
        notes = ExportNotes(
            source=f"{config.warehouse} — 比较：{comparison.title}", notes=tuple(n.zh for n in comparison.notes)
        )
        body = export_bytes(format, [Result(comparison.frame, "比较", comparison.title)], notes)
        suffix = "" if comparison.report_measure == "final" else f"-{comparison.report_measure}"
        name = f"compare-{comparison.subject_key}{suffix}.{format}"
        return Response(
            body,
            media_type=EXPORT_MEDIA[format],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
        )

    @app.get("/api/subjects")
    def subjects_api(q: str = "", limit: int = 15) -> list[dict[str, Any]]:
        from juesuan.warehouse.subject_search import find_subjects

        with connection() as con:
            matches = find_subjects(con, q, limit=min(max(limit, 1), 50))
        return [
            {"key": m.key, "name": m.name, "level": m.level, "units": m.reported_units, "label": m.label}
            for m in matches
        ]

    # --- findings ---------------------------------------------------------------------------------------
    @app.get("/findings", response_class=HTMLResponse)
    def findings_page(
        request: Request, unit: str = "", severity: str = "", rule: str = "", year: str = ""
    ) -> HTMLResponse:
        if severity and severity not in data.SEVERITIES:
            raise UsageError("severity", severity, data.SEVERITIES)
        chosen_year = _year(year)
        severities = (severity,) if severity else ("error", "warning", "rounding")
        with connection() as con:
            return page(
                request,
                "findings.html",
                findings=data.findings(con, unit or None, chosen_year, severities, rule or None),
                filters=data.finding_filters(con),
                unit=unit,
                severity=severity,
                rule=rule,
                year=year,
            )

    # --- provenance -------------------------------------------------------------------------------------
    @app.get("/fact", response_class=HTMLResponse)
    def fact_page(
        request: Request, unit: str, year: int, table: str, key: str, column: str, source: str = ""
    ) -> HTMLResponse:
        fact_key = data.FactKey(unit, year, table, key, column, source or None)
        with connection() as con:
            sources = data.fact_sources(con, fact_key)
            unit_row = data.unit(con, unit)
        if not sources:
            return page(
                request,
                "error.html",
                status_code=404,
                message=f"没有找到这个数字：{unit} {year} {table} {key} {column}",
            )
        views = [_source_view(raw_files, fact) for fact in sources]
        return page(request, "fact.html", key=fact_key, unit=unit_row, main=views[0], others=views[1:])

    @app.get("/documents/{sha256}/pages/{number}.png")
    def page_image(sha256: str, number: int, scale: float = 2.0) -> Response:
        path = _pdf_of(sha256)
        return Response(
            raw_files.render(path, number, scale),
            media_type="image/png",
            headers={"Cache-Control": "private, max-age=3600"},
        )

    @app.get("/documents/{sha256}/pages/{number}", response_class=HTMLResponse)
    def page_view(request: Request, sha256: str, number: int) -> HTMLResponse:
        with connection() as con:
            document = data.document(con, sha256)
            if document is None:
                raise NotFound(f"没有文档 {sha256}")
            facts = data.rows(
                con,
                """
                SELECT unit_id, year, table_name, coalesce(subject_code, line_item) AS subject_key, line_item,
                       column_name, value, source_kind, bbox
                FROM facts WHERE document_sha256 = $s AND page = $p
                ORDER BY source_kind, table_name, subject_key, column_name
                """,
                {"s": sha256, "p": number},
            )
        path = _pdf_of(sha256, document)
        size = raw_files.page_size(path, number)
        for fact in facts:
            fact["key"] = data.FactKey(
                fact["unit_id"], fact["year"], fact["table_name"], fact["subject_key"], fact["column_name"],
                fact["source_kind"],
            )  # fmt: skip
            fact["box"] = _box_style(fact.get("bbox"), size)
        return page(
            request,
            "page.html",
            document=document,
            number=number,
            pages=raw_files.page_count(path),
            size=size,
            facts=facts,
        )

    @app.get("/documents/{sha256}")
    def document_file(sha256: str) -> Response:
        with connection() as con:
            document = data.document(con, sha256)
        if document is None:
            raise NotFound(f"没有文档 {sha256}")
        path = raw_files.locate(document)
        media = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8", "md": "text/plain; charset=utf-8"}
        return Response(
            path.read_bytes(),
            media_type=media.get(str(document.get("format")), "application/octet-stream"),
            headers={"Content-Disposition": f"inline; filename*=UTF-8''{_quote(path.name)}"},
        )

    def _pdf_of(sha256: str, document: dict | None = None) -> Path:
        if document is None:
            with connection() as con:
                document = data.document(con, sha256)
        if document is None:
            raise NotFound(f"没有文档 {sha256}")
        if document.get("format") != "pdf":
            raise DocumentNotAvailable(f"document {sha256[:12]}… is {document.get('format')}, not a PDF: no pages")
        return raw_files.locate(document)

    # --- data dictionary --------------------------------------------------------------------------------
    @app.get("/tables", response_class=HTMLResponse)
    def tables_page(request: Request) -> HTMLResponse:
        from juesuan.warehouse.build import MART_MODELS

        with connection() as con:
            return page(request, "tables.html", marts=data.marts(con, MART_MODELS))

    return app


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _year(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise UsageError("year", text)
    return int(text)


def _columns_of(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        str(row[0])
        for row in connection.execute(
            "SELECT DISTINCT column_name FROM subject_index WHERE table_name = $t ORDER BY 1", {"t": table}
        ).fetchall()
    ]


#: Rows of a comparison per page, and bars in its chart (the largest amounts when there are more).
ROWS_PER_PAGE = 200
CHART_MAX_BARS = 40


def _comparison_context(comparison: Any, page_number: int = 1) -> dict[str, Any]:
    """One page of a comparison's rows, each figure with its fact key, and the bars of the chart."""
    frame = comparison.frame
    total = len(frame)
    pages = max(1, -(-total // ROWS_PER_PAGE))
    page_number = min(page_number, pages)
    shown = frame.iloc[(page_number - 1) * ROWS_PER_PAGE : page_number * ROWS_PER_PAGE]
    charted = frame
    largest = False
    column = comparison.value_column
    if frame[column].notna().sum() > CHART_MAX_BARS:
        values = frame[column].map(lambda v: None if data._missing(v) else float(v))
        charted = frame.loc[values.dropna().sort_values(ascending=False).index[:CHART_MAX_BARS]]
        largest = True
    rows = _comparison_rows(comparison, shown)
    bars = _bars(_comparison_rows(comparison, charted))
    return {
        "comparison": comparison,
        "rows": rows,
        "chart_bars": bars,
        "chart_largest": largest,
        "total_rows": total,
        "page_number": page_number,
        "pages": pages,
    }


def _comparison_rows(comparison: Any, frame: Any) -> list[dict[str, Any]]:
    """The rows of a comparison: ``value`` the measure's figure; ``key`` its fact (the 决算's, or the 预算's
    for 预算数), ``budget_key`` / ``final_key`` the facts of the budget measures' 预算数 and 决算数."""
    from juesuan.warehouse.query import BUDGET_LABEL, BUDGET_MEASURE, FINAL_LABEL, FINAL_MEASURE

    def present(value: object) -> object:
        return None if data._missing(value) else value

    rows = []
    for record in frame.to_dict("records"):
        value = present(record.get(comparison.value_column))
        year = None if data._missing(record.get("year")) else int(record["year"])
        budget_key = final_key = None
        if year is not None and comparison.report_measure == FINAL_MEASURE:
            final_key = data.FactKey(
                record["unit_id"],
                year,
                comparison.table_name,
                comparison.subject_key,
                comparison.column_name,
                record.get("source_kind"),
            )
        elif year is not None:
            budget_source = record.get("source_kind") if comparison.report_measure == BUDGET_MEASURE else None
            budget_key = data.FactKey(
                record["unit_id"],
                year,
                comparison.budget_table_name,
                comparison.budget_subject_key,
                comparison.budget_column_name,
                budget_source,
            )
            final_key = data.FactKey(
                record["unit_id"], year, comparison.table_name, comparison.subject_key, comparison.column_name, None
            )
        key = budget_key if comparison.report_measure == BUDGET_MEASURE else final_key
        share = record.get("share")
        rows.append(
            {
                **record,
                "value": value,
                "budget": present(record.get(BUDGET_LABEL)),
                "final": present(record.get(FINAL_LABEL)),
                "difference": present(record.get("差额")),
                "year": year,
                "share": None if data._missing(share) else share,
                "key": key if value is not None else None,
                "budget_key": budget_key,
                "final_key": final_key,
                "reconciles": None if data._missing(record.get("reconciles")) else bool(record["reconciles"]),
            }
        )
    return rows


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    values = [float(r["value"]) for r in rows if r["value"] is not None]
    top = max((abs(v) for v in values), default=0.0) or 1.0
    return [
        {
            "label": f"{r.get('short_name') or r['unit_id']} {r['year'] or ''}",
            "value": r["value"],
            "width": 0 if r["value"] is None else abs(float(r["value"])) / top,
            "key": r["key"],
            "quality": r.get("quality"),
        }
        for r in rows
    ]


def _box_style(bbox: list[float] | None, size: Any) -> dict[str, float] | None:
    """A bbox (points, origin bottom-left, as displayed) as percentages of the rendered page (origin top-left)."""
    if bbox is None or size is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in bbox)
    return {
        "left": 100 * x0 / size.width,
        "top": 100 * (size.height - y1) / size.height,
        "width": 100 * (x1 - x0) / size.width,
        "height": 100 * (y1 - y0) / size.height,
    }


def _source_view(raw_files: RawFiles, fact: dict) -> dict[str, Any]:
    """One fact for the provenance page: where its page image, box or text lines come from."""
    view: dict[str, Any] = {"fact": fact, "document": fact.get("document"), "reading": fact.get("reading")}
    document = fact.get("document")
    view["problem"] = None
    if document is None:
        view["problem"] = "仓库中没有这份文档的记录。"
        return view
    try:
        path = raw_files.locate(document)
    except DocumentNotAvailable as exc:
        view["problem"] = f"原始文件不可用：{exc}"
        return view
    view["file"] = path
    if document.get("format") == "pdf" and fact.get("page"):
        size = raw_files.page_size(path, int(fact["page"]))
        view["size"] = size
        view["box"] = _box_style(fact.get("bbox"), size)
    elif document.get("format") in ("txt", "md") and fact.get("raw_text"):
        view["lines"] = text_context(path, str(fact["raw_text"]))
    return view
