"""``juesuan chart KIND -o FILE.png``: the common comparison charts, with Chinese labels.

The drawing is :mod:`juesuan.report.charts`; this module only turns options into a
:class:`~juesuan.report.charts.ChartRequest` and prints where the PNG went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from juesuan.cli import WarehouseOption, _settings, console, reports_errors


def register(app: typer.Typer) -> None:
    app.command(name="chart")(chart)


@reports_errors
def chart(
    kind: Annotated[
        str, typer.Argument(help="class-structure, basic-project, personnel-public or subject (needs --subject).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    subject: Annotated[
        str | None, typer.Option("--subject", help="科目代码 or line item for the subject chart, e.g. 2080109.")
    ] = None,
    units: Annotated[
        list[str] | None, typer.Option("--units", help="Unit ids, comma-separated or repeated (default: all).")
    ] = None,
    years: Annotated[
        list[str] | None,
        typer.Option(
            "--years", help="Years: 2023, 2023,2024 or 2022-2024 (default: latest per unit; subject: all years)."
        ),
    ] = None,
    table: Annotated[str | None, typer.Option("--table", help="Canonical table of the subject chart.")] = None,
    column: Annotated[str | None, typer.Option("--column", help="Canonical column of the subject chart.")] = None,
    measure: Annotated[
        str,
        typer.Option(
            "--measure", help="Subject chart: final (决算数, default), budget (预算数) or execution (执行率, %)."
        ),
    ] = "final",
    warehouse: WarehouseOption = None,
) -> None:
    """Draw a comparison chart (Chinese labels, CJK font) into a PNG file."""
    from juesuan.report.charts import ChartRequest, write_chart
    from juesuan.warehouse.query import Selection, parse_units, parse_years

    settings = _settings(warehouse=warehouse)
    request = ChartRequest(
        kind=kind,
        selection=Selection(units=parse_units(units), years=parse_years(years)),
        subject=subject,
        table_name=table,
        column_name=column,
        measure=measure,
    )
    written = write_chart(settings.warehouse, request, output)
    console.print(f"{kind} chart written to {written} ({written.stat().st_size:,} bytes)")
