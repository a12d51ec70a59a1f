"""What the analyst notebooks (``notebooks/``) share: finding the warehouse and showing charts inline.

Notebooks run from ``notebooks/`` (Jupyter's working folder is the notebook's), where the default
relative ``data/juesuan.duckdb`` does not exist; :func:`warehouse_path` therefore honours
``JUESUAN_WAREHOUSE`` / ``JUESUAN_DATA_DIR`` first and otherwise looks for the default path in the
working folder and the folders above it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.errors import WarehouseError
from juesuan.report.charts import ChartRequest, render_chart
from juesuan.settings import Settings
from juesuan.warehouse.query import Selection


def warehouse_path(start: Path | None = None) -> Path:
    """The warehouse file a notebook should read (see the module docstring)."""
    configured = Settings.from_env().warehouse
    if configured.is_absolute():
        if not configured.is_file():
            raise WarehouseError(f"warehouse {configured} not found: run `juesuan run` first")
        return configured
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / configured
        if candidate.is_file():
            return candidate
    raise WarehouseError(
        f"warehouse {configured} not found in {here} or any folder above it: run `juesuan run` in the "
        "project folder first, or set JUESUAN_WAREHOUSE to the warehouse file"
    )


def chart(
    warehouse: Path,
    kind: str,
    *,
    units: tuple[str, ...] | None = None,
    years: tuple[int, ...] | None = None,
    subject: str | None = None,
) -> Any:
    """A chart of :mod:`juesuan.report.charts` as an inline image for Jupyter."""
    from IPython.display import Image

    request = ChartRequest(kind, Selection(units=units, years=years), subject=subject)
    return Image(data=render_chart(warehouse, request), format="png")


def execute_notebook(
    source: Path, output: Path | None = None, *, warehouse: Path | None = None, timeout: int = 600
) -> Any:
    """Run a notebook (a jupytext ``.py`` or an ``.ipynb``) top to bottom in a fresh kernel.

    The kernel starts in the notebook's folder with ``JUESUAN_WAREHOUSE`` set to ``warehouse``
    when given. A failing cell raises ``nbclient``'s ``CellExecutionError`` naming the cell and the
    error. The executed notebook (with outputs) is returned, and written to ``output`` if given.
    """
    import os

    import jupytext
    import nbformat
    from nbclient import NotebookClient

    source = Path(source)
    if not source.is_file():
        raise WarehouseError(f"notebook {source} not found")
    notebook = jupytext.read(source)
    environment = dict(os.environ)
    if warehouse is not None:
        environment["JUESUAN_WAREHOUSE"] = str(Path(warehouse).resolve())
    # jupyter_client's default transport: TCP on 127.0.0.1 only, ports picked free, closed at the end.
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.resolve().parent)}},
    )
    client.execute(env=environment)  # passed on to the kernel manager's start_kernel
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(output))
    return notebook
