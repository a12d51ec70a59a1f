"""``juesuan findings``: the open findings of a unit (or of every unit) on the terminal.

Open means what a steward still has to act on: identity errors and warnings not waived, documents that
failed, tables juesuan did not read reliably and codes it could not resolve — the same items, in the
same order, as the stewards' mail (:mod:`juesuan.notices`). Each line carries the finding's reference,
the one ``juesuan waive`` takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

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

if TYPE_CHECKING:
    from juesuan.notices import Notice, StewardState

COLUMNS = ("ref", "unit_id", "year", "kind", "status", "what", "where", "check_id")


def register(app: typer.Typer) -> None:
    app.command(name="findings")(findings)


@reports_errors
def findings(
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit id (default: every unit).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this fiscal year.")] = None,
    rounding: Annotated[bool, typer.Option("--rounding", help="Also list rounding findings (no action).")] = False,
    waived: Annotated[bool, typer.Option("--waived", help="Also list waived findings (marked as such).")] = False,
    registry: RegistryOption = None,
    lake: LakeOption = None,
    fmt: FormatOption = "table",
) -> None:
    """List open findings: errors, what juesuan could not read, warnings (worst first), with their references."""
    from juesuan.lake import lake_of
    from juesuan.notices import collect_state
    from juesuan.registry import load_registry
    from juesuan.report.wording import ROUNDING_SECTION, SECTION_ORDER

    _check_format(fmt)
    settings = _settings(registry=registry, lake=lake)
    loaded = load_registry(settings.registry)
    if unit is not None:
        loaded.unit(unit)  # a clear error naming the unknown unit and the known ones
    state = collect_state(lake_of(settings), loaded)
    rows = []
    for notice in state.notices:
        if unit is not None and notice.unit_id != unit:
            continue
        if year is not None and notice.year != year:
            continue
        if notice.section == ROUNDING_SECTION and not rounding:
            continue
        if notice.waiver is not None and not waived:
            continue
        rows.append(_row(state, notice, SECTION_ORDER.index(notice.section)))
    rows.sort(key=lambda r: (r.pop("_order"), r["unit_id"], r["year"], r["check_id"]))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    title = f"open findings of {unit or 'every unit'}: {len(frame)}"
    if fmt != "table":
        _print_frame(frame, fmt, title=title)
        return
    table = Table(title=title, show_lines=True)
    table.add_column("ref", no_wrap=True)
    table.add_column("report", no_wrap=True)
    table.add_column("kind", overflow="fold", max_width=16)
    table.add_column("what", overflow="fold", ratio=3)
    table.add_column("where", overflow="fold", ratio=1)
    for row in frame.to_dict("records"):
        status = "" if row["status"] == "open" else f" [{row['status']}]"
        table.add_row(
            escape(str(row["ref"]) or "—"),
            escape(f"{row['unit_id']} {row['year']}"),
            escape(f"{row['kind']}{status}"),
            escape(str(row["what"])),
            escape(str(row["where"])),
        )
    console.print(table)
    if not len(frame):
        console.print("nothing open: no error, warning or unread document (rounding: --rounding)")


def _row(state: StewardState, notice: Notice, order: int) -> dict[str, object]:
    from juesuan.report.wording import document_advice, finding_sentence, severity_label, where_printed, where_text

    status = "waived" if notice.waiver is not None else "open"
    if notice.finding is not None:
        finding = notice.finding
        return {
            "_order": order,
            "ref": finding.ref,
            "unit_id": notice.unit_id,
            "year": notice.year,
            "kind": f"{finding.severity} ({severity_label(finding.severity)})",
            "status": status,
            "what": finding_sentence(finding),
            "where": where_text(finding, state.document_of(finding)),
            "check_id": finding.check_id,
        }
    if notice.document is not None:
        problem = notice.document
        what = f"{document_advice(problem.status, problem.reason).problem}: {problem.reason}"
        where = problem.source.name
        kind = f"document {problem.status}"
    elif notice.table is not None:
        what = f"{notice.table.table_name} not read reliably: {notice.table.reason}"
        where = where_printed(notice.table.pages, notice.table.lines)
        kind = "table"
    else:
        code = notice.code
        assert code is not None
        what = f"{code.table_name} {code.raw_code} {code.raw_name}: {code.reason}"
        where = f"第{code.page}页" if code.page else ""
        kind = "code"
    return {
        "_order": order,
        "ref": "",
        "unit_id": notice.unit_id,
        "year": notice.year,
        "kind": kind,
        "status": status,
        "what": what,
        "where": where,
        "check_id": notice.item,
    }
