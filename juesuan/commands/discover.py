"""``juesuan discover``: walk the registry's sources now and show what they hold, without ingesting.

For a steward adding a source entry (does it find the reports?) or looking into a missing report:
the same walk, classification and choice as the nightly run's discovery step (``flows/discover.py``,
docs/discovery.md), one source after another, its record written to the lake like a night's (the
next ``juesuan run`` finds the documents unchanged and ingests them from the raw store). Prints one
row per unit and year found (the document taken, or why none was), or with ``--unit`` every link
found for that unit with its decision and reason.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

from juesuan.cli import (
    FormatOption,
    LakeOption,
    RegistryOption,
    _check_format,
    _print_frame,
    _settings,
    console,
    reports_errors,
)
from juesuan.errors import JuesuanError

UNIT_COLUMNS = ("year", "decision", "stage", "link_text", "reason", "url")


def register(app: typer.Typer) -> None:
    app.command(name="discover")(discover)


@reports_errors
def discover(
    registry: RegistryOption = None,
    lake: LakeOption = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="List every link found for this unit, with its decision and reason.")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Walk the registry's sources now: the reports they hold, or every link of one unit (not ingested)."""
    from juesuan.flows.discover import DiscoveryEnv
    from juesuan.flows.discover import discover as walk
    from juesuan.flows.nightly import run_lock
    from juesuan.flows.pipeline import ingest_env
    from juesuan.lake import lake_of
    from juesuan.registry import load_registry

    _check_format(fmt)
    settings = _settings(registry=registry, lake=lake)
    loaded = load_registry(settings.registry)
    if not loaded.sources:
        raise JuesuanError(f"{settings.registry} lists no [[unit.source]] or [[source]] to walk")
    if unit is not None:
        loaded.unit(unit)  # a clear error for an unknown id
    with run_lock(settings):
        found = walk(loaded, lake_of(settings), DiscoveryEnv(ingest=ingest_env(settings), workers=settings.workers))
    documents = [row for row in found.documents if row["current"]]
    if unit is not None:
        rows = [row for row in documents if row["unit_id"] == unit and row["role"] == "document"]
        frame = pd.DataFrame(rows, columns=[*UNIT_COLUMNS, "position"]).sort_values(["year", "position"])
        frame = frame[list(UNIT_COLUMNS)].rename(columns={"url": "link"})
        _print_frame(frame.reset_index(drop=True), fmt, title=f"discovered for {unit}")
    else:
        _print_frame(_per_report(documents), fmt, title=f"juesuan discover — {settings.registry}")
    if fmt == "table":
        console.print(f"discovery: {found.summary.line()} in {found.summary.seconds:.1f} s", highlight=False)
        console.print("Recorded in the lake; `juesuan run` ingests the reports selected.", highlight=False)


def _per_report(documents: list[dict[str, object]]) -> pd.DataFrame:
    """One row per unit and year some document was found for: the one taken, or why none was."""
    reports: dict[tuple[str, int], dict[str, object]] = {}
    for row in documents:
        if row["role"] != "document" or row["unit_id"] is None or row["year"] is None:
            continue
        key = (str(row["unit_id"]), int(str(row["year"])))
        entry = reports.setdefault(key, {"unit": key[0], "year": key[1], "result": "", "document": "", "why": ""})
        if row["decision"] == "selected":
            entry.update(result="selected", document=row["final_url"] or row["url"], why="")
        elif row["decision"] == "failed" and entry["result"] != "selected":
            entry.update(result="download failed", document=row["url"], why=row["reason"])
        elif not entry["result"]:
            entry.update(result="rejected", document=row["url"], why=row["reason"])
    columns = ["unit", "year", "result", "document", "why"]
    return pd.DataFrame([reports[key] for key in sorted(reports)], columns=columns)
