"""The ``juesuan`` command line. Named exceptions become error messages here, and only here."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from juesuan import contract
from juesuan.errors import JuesuanError, UsageError
from juesuan.settings import Settings

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

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn juesuan's named errors into one red line and exit status 1 (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except JuesuanError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
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
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the facts to this Parquet file.")],
    unit_id: Annotated[str | None, typer.Option("--unit-id", help="Registry unit id; inferred if absent.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Fiscal year; inferred if absent.")] = None,
    registry: RegistryOption = None,
) -> None:
    """Extract one document into contract facts and print a per-table summary."""
    from juesuan.extract.api import extract_document
    from juesuan.lake import write_table_atomic
    from juesuan.registry import load_registry

    settings = _settings(registry=registry)
    loaded = load_registry(settings.registry) if settings.registry.exists() else None
    if loaded is None and unit_id is None:
        raise JuesuanError(
            f"no registry at {settings.registry} to recognise the unit by name: pass --unit-id "
            "(or --registry FILE / JUESUAN_REGISTRY)"
        )
    extraction = extract_document(file, unit_id=unit_id, year=year, registry=loaded)
    write_table_atomic(contract.facts_to_table(extraction.facts), output)

    table = Table(title=f"{file.name} → {extraction.unit_id} {extraction.year}  (sha256 {extraction.sha256[:12]}…)")
    table.add_column("table", overflow="fold")
    for column in ("status", "rows", "facts", "source", "page"):
        table.add_column(column, justify="right" if column in ("rows", "facts") else "left")
    for report in extraction.tables:
        where = str(report.page) if report.page else (f"line {report.line}" if report.line else "")
        table.add_row(
            report.table_name or f"[dim]{report.title or '(untitled grid)'}[/]",
            report.status,
            str(report.rows),
            str(report.facts),
            report.extractor,
            where,
        )
    narrative = [f for f in extraction.facts if f.source_kind == "narrative"]
    table.add_row(
        "情况说明 (narrative)", "ok" if narrative else "empty", "", str(len(narrative)), "narrative-regex", ""
    )
    console.print(table)
    for repair in extraction.repairs:
        console.print(
            f"[yellow]code {repair.status}[/]: {repair.table_name} {repair.raw_code} {repair.raw_name} → {repair.code}"
        )
    console.print(f"{len(extraction.facts)} facts written to {output}")


@app.command()
@reports_errors
def run(
    registry: RegistryOption = None,
    lake: LakeOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Run the whole registry: extract every report, write the lake, build the warehouse."""
    from juesuan.flows.pipeline import ReportOutcome, run_registry
    from juesuan.registry import load_registry

    settings = _settings(registry=registry, lake=lake, warehouse=warehouse)
    total = len(load_registry(settings.registry).reports())
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("reports", total=total)

        def advance(outcome: ReportOutcome) -> None:
            progress.update(task, advance=1, description=f"{outcome.unit_id} {outcome.year}")

        summary = run_registry(settings, on_report=advance)

    table = Table(title=f"juesuan run — {settings.registry}")
    for column in ("unit", "year", "status", "facts", "tables", "code repairs", "reason"):
        table.add_column(column)
    for o in summary.outcomes:
        style = "green" if o.status == "loaded" else "red"
        table.add_row(
            o.unit_id,
            str(o.year),
            f"[{style}]{o.status}[/]",
            str(o.facts),
            str(o.tables),
            str(o.repairs),
            o.error or "",
        )
    console.print(table)
    if summary.warehouse is not None:
        console.print(f"warehouse: {summary.warehouse.path}  ({summary.warehouse.facts} facts)  lake: {settings.lake}")
    if summary.quarantined:
        console.print(f"[yellow]{len(summary.quarantined)} document(s) quarantined; see the documents table.[/]")


@app.command()
@reports_errors
def query(
    sql: Annotated[str, typer.Argument(help="Read-only SQL, e.g. 'SELECT * FROM unit_year_totals'.")],
    warehouse: WarehouseOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Run read-only SQL on the warehouse and print the result."""
    from juesuan.warehouse.query import run_query

    _check_format(fmt)
    settings = _settings(warehouse=warehouse)
    _print_frame(run_query(settings.warehouse, sql), fmt, title=None)


@app.command()
@reports_errors
def compare(
    subject: Annotated[str, typer.Option("--subject", help="科目代码, e.g. 208 or 2080109.")],
    table: Annotated[str, typer.Option("--table", help="Canonical table name.")] = contract.GENERAL_BUDGET,
    column: Annotated[str, typer.Option("--column", help="Canonical column name.")] = "小计",
    year: Annotated[int | None, typer.Option("--year", help="Fiscal year (default: each unit's latest).")] = None,
    warehouse: WarehouseOption = None,
    fmt: FormatOption = "table",
) -> None:
    """One subject across all units (table figures, narrative where a unit published no table)."""
    from juesuan.warehouse.query import compare_subject

    _check_format(fmt)
    settings = _settings(warehouse=warehouse)
    frame = compare_subject(settings.warehouse, subject, table_name=table, column_name=column, year=year)
    _print_frame(frame, fmt, title=f"{subject} · {table} · {column}")


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
