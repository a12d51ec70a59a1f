"""``juesuan samples``: render the bundled sample reports (all variants) and their ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table


def register(app: typer.Typer) -> None:
    from juesuan.cli import console, reports_errors

    @app.command()
    @reports_errors
    def samples(
        variant: Annotated[
            list[str] | None,
            typer.Option("--variant", help="ruled, unruled, docx, scanned, office, browser (repeatable; default all)."),
        ] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: samples/reports).")] = None,
        unit: Annotated[list[str] | None, typer.Option("--unit", help="Only these unit ids (repeatable).")] = None,
        refresh_from: Annotated[
            Path | None,
            typer.Option(
                "--refresh-from", help="First re-derive samples/facts from the text exports of this registry."
            ),
        ] = None,
        derive_budgets: Annotated[
            bool,
            typer.Option(
                "--derive-budgets",
                help="First re-derive the synthetic budget facts (samples/facts/<unit>.budget.csv) from the 决算.",
            ),
        ] = False,
    ) -> None:
        """Render the sample reports from samples/facts (byte-deterministic: a re-run changes nothing)."""
        from juesuan.errors import UsageError
        from juesuan.samples import generate as g
        from juesuan.samples.truth import refresh_from_corpus

        variants = tuple(variant or g.VARIANTS)
        for name in variants:
            if name not in g.VARIANTS:
                raise UsageError("--variant", name, g.VARIANTS)
        if refresh_from is not None:
            counts = refresh_from_corpus(refresh_from)
            console.print(f"ground truth refreshed: {counts}")
        if derive_budgets:
            from juesuan.registry import load_registry

            counts = g.derive_budget_facts(load_registry(g.REGISTRY))
            console.print(f"budget facts derived: {counts}")
        written = g.generate(variants, out or g.REPORTS_DIR, units=tuple(unit) if unit else None)
        table = Table(title="juesuan samples")
        for column in ("variant", "unit", "file", "facts", "status"):
            table.add_column(column)
        for item in written:
            status = "written" if item.changed else "unchanged"
            table.add_row(item.variant, item.unit_id, str(item.path), str(item.facts), status)
        console.print(table)
