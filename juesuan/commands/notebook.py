"""``juesuan notebook NOTEBOOK``: run an analyst notebook top to bottom, as the test suite does.

The notebooks in ``notebooks/`` are jupytext percent scripts paired with ``.ipynb`` files; this
runs one (either form) in a fresh kernel against the warehouse and writes the executed notebook,
outputs and charts included, for reading in Jupyter or on a code forge.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from juesuan.cli import WarehouseOption, _settings, console, reports_errors
from juesuan.errors import JuesuanError


def register(app: typer.Typer) -> None:
    app.command(name="notebook")(notebook)


@reports_errors
def notebook(
    source: Annotated[Path, typer.Argument(help="A notebook: notebooks/<name>.py (jupytext) or .ipynb.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Executed notebook to write (default: <name>.executed.ipynb).")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Run a notebook top to bottom against the warehouse and write it with its outputs."""
    try:
        from nbclient.exceptions import CellExecutionError

        from juesuan.report.notebook import execute_notebook
    except ImportError as exc:
        raise JuesuanError(
            f"running notebooks needs nbclient, jupytext and ipykernel ({exc.name} is missing): "
            "pip install nbclient jupytext ipykernel"
        ) from exc

    settings = _settings(warehouse=warehouse)
    target = output or source.with_name(f"{source.stem}.executed.ipynb")
    try:
        execute_notebook(source, target, warehouse=settings.warehouse.resolve())
    except CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the kernel colours its traceback
        last = [line for line in plain.strip().splitlines() if line.strip()][-1]
        raise JuesuanError(f"{source}: a cell failed: {last}") from exc
    console.print(f"{source} ran top to bottom; executed notebook written to {target}")
