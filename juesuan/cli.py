"""The ``juesuan`` command line. Named exceptions become error messages here, and only here."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import pandas as pd
import pyarrow as pa
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from juesuan import contract
from juesuan.errors import JuesuanError, UsageError
from juesuan.settings import Settings

if TYPE_CHECKING:
    from juesuan.export import ExportNotes, Result
    from juesuan.warehouse.subject_search import AmbiguousSubjectError, SubjectNotFoundError

app = typer.Typer(
    name="juesuan",
    help="决算公开 reports into one validated, comparable dataset: extract, run, query, compare.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
FORMATS = ("table", "csv", "json", "markdown")
#: ``juesuan run``: 0 all documents good (or unchanged / withdrawn), 1 the run or one of its steps
#: failed, 3 every step ran but some documents failed or were quarantined.
DOCUMENTS_EXIT_CODE = 3

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn juesuan's named errors into one red line and exit status 1 (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except JuesuanError as exc:
            # soft_wrap: one line whatever the terminal's width (logs and mail keep it whole).
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from exc

    return wrapper


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
    )


RegistryOption = Annotated[Path | None, typer.Option("--registry", help="Source registry TOML [env JUESUAN_REGISTRY].")]
LakeOption = Annotated[Path | None, typer.Option("--lake", help="Parquet lake folder [env JUESUAN_LAKE].")]
WarehouseOption = Annotated[
    Path | None, typer.Option("--warehouse", help="DuckDB warehouse file [env JUESUAN_WAREHOUSE].")
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output: table, csv, json or markdown.")]


def _settings(**overrides: Path | None) -> Settings:
    return Settings.from_env().with_overrides(**overrides)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError("--format", fmt, FORMATS)


@app.command()
@reports_errors
def extract(
    file: Annotated[Path, typer.Argument(help="A report: text/markdown export (PDF/DOCX: see README).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the facts here: .parquet, .csv (UTF-8 with BOM) or .xlsx.")
    ],
    unit_id: Annotated[str | None, typer.Option("--unit-id", help="Registry unit id; inferred if absent.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Fiscal year; inferred if absent.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="决算 or 预算: what the document is taken for (a document whose content says the other kind is "
            "refused); read from its content if absent.",
        ),
    ] = None,
    registry: RegistryOption = None,
    prior_year_output: Annotated[
        Path | None,
        typer.Option(
            "--prior-year-output", help="Also write the previous year's figures the report restates (与上年相比)."
        ),
    ] = None,
) -> None:
    """Extract one document into contract facts and print a per-table summary."""
    from juesuan.export import export_format
    from juesuan.extract.api import extract_document
    from juesuan.registry import load_registry

    export_format(output)  # refuse an unknown extension before reading anything
    if prior_year_output is not None:
        export_format(prior_year_output)
    settings = _settings(registry=registry)
    loaded = load_registry(settings.registry) if settings.registry.exists() else None
    if loaded is None and unit_id is None:
        raise JuesuanError(
            f"no registry at {settings.registry} to recognise the unit by name: pass --unit-id "
            "(or --registry FILE / JUESUAN_REGISTRY)"
        )
    extraction = extract_document(
        file, unit_id=unit_id, year=year, registry=loaded, limits=settings.document_limits(), report_kind=kind
    )
    _write_facts(contract.facts_to_table(extraction.facts), output, f"{file.name} ({extraction.sha256})")

    title = f"{file.name} → {extraction.unit_id} {extraction.year} {extraction.report_kind}"
    table = Table(title=f"{title}  (sha256 {extraction.sha256[:12]}…)")
    table.add_column("table", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("facts", justify="right")
    table.add_column("checks", no_wrap=True)
    table.add_column("reading", overflow="fold", max_width=16)
    table.add_column("page", overflow="fold", max_width=10)
    for report in extraction.tables:
        pages = ",".join(map(str, report.pages)) or (str(report.page) if report.page else "")
        table.add_row(
            report.table_name or f"[dim]{report.title or '(untitled grid)'}[/]",
            report.status if report.reliable else f"[red]{report.status}, unreliable[/]",
            str(report.facts),
            report.reconciled,
            report.reading or report.extractor,
            pages or (f"line {report.line}" if report.line else ""),
        )
    narrative = [f for f in extraction.facts if f.source_kind == "narrative"]
    table.add_row(
        "情况说明 (narrative)", "ok" if narrative else "empty", str(len(narrative)), "", "narrative-regex", ""
    )
    console.print(table)
    for report in extraction.tables:
        if not report.reliable:
            pages = f" (pages {','.join(map(str, report.pages))})" if report.pages else ""
            console.print(f"[red]not read reliably[/]: {report.table_name}{pages}: {report.unreliable_reason}")
    for repair in extraction.repairs:
        console.print(
            f"[yellow]code {repair.status}[/]: {repair.table_name} {repair.raw_code} {repair.raw_name} → {repair.code}"
        )
    console.print(f"{len(extraction.facts)} facts written to {output}")
    restated = extraction.prior_year_facts
    if prior_year_output is not None:
        _write_facts(contract.facts_to_table(restated), prior_year_output, f"{file.name} ({extraction.sha256})")
        console.print(
            f"{len(restated)} figures of {extraction.year - 1} restated by the report written to {prior_year_output}"
        )
    elif restated:
        console.print(
            f"{len(restated)} figures of {extraction.year - 1} restated by the report not written "
            "(--prior-year-output FILE keeps them)"
        )


def _write_facts(table: pa.Table, output: Path, source: str) -> None:
    """Contract facts to ``output``: Parquet as the lake stores them, or CSV/XLSX for people.

    A path that cannot be written is one line, not a traceback.
    """
    from juesuan.export import ExportNotes, Result, export_format, write_results
    from juesuan.lake import write_table_atomic
    from juesuan.warehouse.query import frame_from_arrow

    try:
        if export_format(output) == "parquet":
            write_table_atomic(table, output)
            return
        frame = frame_from_arrow(table)
        notes = ExportNotes(source=f"juesuan extract {source}")
        write_results(output, [Result(frame, "facts", "contract facts")], notes)
    except OSError as exc:
        raise JuesuanError(f"cannot write {output}: {exc.strerror or exc}") from exc


@app.command()
@reports_errors
def run(
    registry: RegistryOption = None,
    lake: Annotated[
        str | None, typer.Option("--lake", help="Parquet lake: folder or fsspec URL (s3://…) [env JUESUAN_LAKE(_URL)].")
    ] = None,
    warehouse: WarehouseOption = None,
    dask_address: Annotated[
        str | None,
        typer.Option("--dask-address", help="Run the documents on this Dask cluster (tcp://host:8786).", metavar="URL"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Extract every report again, changed or not.")] = False,
) -> None:
    """Run the whole registry (the nightly flow, now): fetch, extract, write the lake, load the warehouse."""
    import os

    if not logging.getLogger().isEnabledFor(logging.INFO):
        # Prefect logs every task run; the progress bar says it better. Runs still log to the Prefect API.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The ephemeral server would phone home (and log an error where there is no internet).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from juesuan.flows.ingest import ReportOutcome
    from juesuan.flows.nightly import listening, run_flow, settings_for
    from juesuan.registry import load_registry

    settings = settings_for(str(registry) if registry else None, lake, str(warehouse) if warehouse else None)
    loaded_registry = load_registry(settings.registry)
    # With sources the reports are known only once discovered: the bar then counts without a total.
    total = None if loaded_registry.sources else len(loaded_registry.reports())
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("starting Prefect…", total=total)

        def advance(outcome: ReportOutcome) -> None:
            progress.update(task, advance=1, description=outcome.label)

        with listening(advance):
            summary = run_flow(settings, force=force, dask_address=dask_address, default_steps=True)

    table = Table(title=f"juesuan run — {settings.registry}")
    table.add_column("unit", no_wrap=True)
    for column in ("year", "kind", "result", "status", "facts", "tables", "code repairs"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason", overflow="fold", min_width=40)
    styles = {"loaded": "green", "quarantined": "red", "withdrawn": "yellow", "failed": "red"}
    for o in summary.outcomes:
        style = styles.get(o.status, "white")
        table.add_row(
            o.unit_id,
            str(o.year),
            o.report_kind,
            o.action,
            f"[{style}]{o.status}[/]",
            str(o.facts),
            str(o.tables),
            str(o.repairs),
            escape(o.error or ""),
        )
    # Without a terminal (a log, cron mail) rich would squeeze the reasons to a few characters a line.
    wide = console if console.is_terminal else Console(width=max(console.width, 200))
    wide.print(table)
    where = settings.lake_url or settings.lake
    if summary.warehouse is not None:
        console.print(
            f"warehouse: {summary.warehouse.path}  ({summary.warehouse.facts} facts)  lake: {where}", soft_wrap=True
        )
    elif any(step.name == "warehouse" for step in summary.steps):
        console.print(
            f"warehouse: {settings.warehouse} not rebuilt (see the warehouse step below)  lake: {where}", soft_wrap=True
        )
    else:
        console.print(f"warehouse: {settings.warehouse} unchanged (nothing new tonight)  lake: {where}", soft_wrap=True)
    if summary.discovery is not None:
        console.print(f"discovery: {summary.discovery.line()} in {summary.discovery.seconds:.1f} s", highlight=False)
    counts = ", ".join(f"{n} {action}" for action, n in summary.counts().items() if n)
    console.print(f"{len(summary.outcomes)} reports in {summary.seconds:.1f} s: {counts}")
    for step in summary.steps:
        style = "green" if step.status == "ok" else "red"
        console.print(f"{step.name}: [{style}]{step.status}[/] {escape(step.detail)}", highlight=False, soft_wrap=True)
    if summary.quarantined:
        console.print(f"[yellow]{len(summary.quarantined)} document(s) quarantined; see the documents table.[/]")
    failed_steps = [step.name for step in summary.steps if step.status != "ok"]
    if failed_steps:
        raise JuesuanError(f"the run's step(s) failed: {', '.join(failed_steps)}")
    troubled = [o for o in summary.outcomes if o.status in ("failed", "quarantined")]
    if troubled:
        err_console.print(
            f"{len(troubled)} document(s) failed or quarantined: exit status {DOCUMENTS_EXIT_CODE}", highlight=False
        )
        raise typer.Exit(code=DOCUMENTS_EXIT_CODE)


OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the result to FILE instead: .csv (UTF-8 with BOM), .xlsx or .parquet."),
]


@app.command()
@reports_errors
def query(
    sql: Annotated[str, typer.Argument(help="Read-only SQL, e.g. 'SELECT * FROM unit_year_totals'.")],
    warehouse: WarehouseOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
) -> None:
    """Run read-only SQL on the warehouse and print the result (or write it with -o FILE)."""
    from juesuan.export import ExportNotes, Result, export_format
    from juesuan.warehouse.query import run_query

    _check_format(fmt)
    if output is not None:
        export_format(output)
    settings = _settings(warehouse=warehouse)
    frame = run_query(settings.warehouse, sql)
    if output is not None:
        notes = ExportNotes(source=f"{settings.warehouse} — SQL: {' '.join(sql.split())}")
        _export(output, [Result(frame, "查询结果", "juesuan query")], notes)
        return
    _print_frame(frame, fmt, title=None)


def _export(output: Path, results: list[Result], notes: ExportNotes) -> None:
    from juesuan.export import write_results

    fmt = write_results(output, results, notes)
    rows = sum(len(r.frame) for r in results)
    console.print(f"{rows} row(s) written to {output} ({fmt}, {output.stat().st_size:,} bytes)", highlight=False)


@app.command()
@reports_errors
def compare(
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject",
            help="科目代码 (208, 2080109, 30101), a subject's name (社会保障和就业支出; part of one lists the "
            "matches) or a line item; with --by class/economic a code prefix.",
        ),
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="subject (one subject), class (functional 类 structure) or economic (基本支出).")
    ] = "subject",
    units: Annotated[
        list[str] | None, typer.Option("--units", help="Unit ids, comma-separated or repeated (default: all).")
    ] = None,
    years: Annotated[
        list[str] | None,
        typer.Option("--years", help="Years: 2023, 2023,2024 or 2022-2024 (default: each unit's latest)."),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="One fiscal year (same as --years YYYY).")] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Canonical table (--by subject; default by the code's kind).")
    ] = None,
    column: Annotated[str | None, typer.Option("--column", help="Canonical column (--by subject).")] = None,
    share: Annotated[
        bool, typer.Option("--share", help="Shares: of the unit's 合计 (--by subject), of the whole (class/economic).")
    ] = False,
    measure: Annotated[
        str,
        typer.Option(
            "--measure",
            help="final (决算数, default), budget (预算数 of the 预算 report) or execution (执行率 = 决算/预算, %).",
        ),
    ] = "final",
    warehouse: WarehouseOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
) -> None:
    """Compare units: one subject, the functional-class structure or the economic structure of 基本支出."""
    from juesuan.export import ExportNotes, Result, export_format
    from juesuan.warehouse.query import Selection, compare_units, is_year_range, parse_units, parse_years
    from juesuan.warehouse.subject_search import AmbiguousSubjectError, SubjectNotFoundError

    _check_format(fmt)
    if output is not None:
        export_format(output)
    if year is not None and years:
        raise UsageError("--year together with --years", f"{year} and {','.join(years)}")
    chosen_years = parse_years(years) if years else ((year,) if year is not None else None)
    selection = Selection(units=parse_units(units), years=chosen_years, years_span=is_year_range(years))
    settings = _settings(warehouse=warehouse)
    try:
        comparison = compare_units(
            settings.warehouse,
            by=by,
            subject=subject,
            table_name=table,
            column_name=column,
            selection=selection,
            measure="share" if share else "amount",
            report_measure=measure,
        )
    except (AmbiguousSubjectError, SubjectNotFoundError) as exc:
        _print_subject_matches(exc)
        raise
    if output is not None:
        notes = ExportNotes(
            source=f"{settings.warehouse} — juesuan compare: {comparison.title}",
            notes=tuple(note.zh for note in comparison.notes),
        )
        _export(output, [Result(comparison.frame, "比较", comparison.title)], notes)
        return
    if fmt == "table":
        from juesuan.warehouse.query import display_frame, frame_to_rich_table

        shown, legend = display_frame(comparison)
        rich_table = frame_to_rich_table(shown, comparison.title)
        rich_table.show_edge = False
        if legend:
            rich_table.caption = legend
        console.print(rich_table)
        for note in comparison.notes:
            console.print(f"[yellow]note:[/] {note.en}", highlight=False)
        return
    _print_frame(comparison.frame, fmt, title=comparison.title)
    for note in comparison.notes:
        err_console.print(f"note: {note.en}", highlight=False)


def _print_subject_matches(exc: AmbiguousSubjectError | SubjectNotFoundError) -> None:
    """The subjects that match (or come nearest), as a table on stderr, before the one-line error."""
    from juesuan.warehouse.subject_search import AmbiguousSubjectError

    matches = exc.matches if isinstance(exc, AmbiguousSubjectError) else exc.suggestions
    if not matches:
        return
    title = "matching subjects" if isinstance(exc, AmbiguousSubjectError) else "nearest subjects"
    listing = Table(title=f"{title} for {exc.text!r}")
    listing.add_column("--subject", no_wrap=True)
    listing.add_column("name", overflow="fold")
    listing.add_column("level", no_wrap=True)
    listing.add_column("units", justify="right", no_wrap=True)
    for match in matches[:20]:
        listing.add_row(match.key, match.name, match.level or "line", str(match.reported_units))
    err_console.print(listing)


def _print_frame(frame: pd.DataFrame, fmt: str, title: str | None) -> None:
    from juesuan.warehouse.query import format_frame, frame_to_rich_table

    if fmt == "table":
        console.print(frame_to_rich_table(frame, title))
    else:
        sys.stdout.write(format_frame(frame, fmt))
        sys.stdout.flush()


def _register_plugins() -> None:
    from juesuan.commands import register_all

    register_all(app)


_register_plugins()
