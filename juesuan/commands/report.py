"""``juesuan report``: (re)write the static HTML run report from the current warehouse.

A run writes its report itself (:func:`juesuan.report.html.write_run_report`); this command writes
one on demand — after ``juesuan validate``, say — with the failures taken from ``documents``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from juesuan.cli import RegistryOption, WarehouseOption, _settings, console, reports_errors


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)


@reports_errors
def report(
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", "-o", help="Folder of the report pages (default: {data dir}/reports)."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Id in the page's name run-<id>.html (default: UTC time).")
    ] = None,
    registry: RegistryOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write the self-contained HTML report (summary, coverage, charts, identity findings, failures)."""
    from juesuan.report.html import LATEST, write_run_report

    settings = _settings(registry=registry, warehouse=warehouse)
    page = write_run_report(settings, run_id=run_id, output_dir=output_dir)
    console.print(f"report written to {page} (and {page.parent / LATEST}); open it in any browser, offline")
