"""``juesuan validate``: check every report's accounting identities on demand.

Runs the identity checkpoint over the lake (:func:`juesuan.expectations.runner.validate_lake`),
writes the findings, rebuilds the warehouse so ``identity_findings`` and ``identity_summary`` are
current, writes the offline validation page, prints a summary per report, the tables juesuan could not
read reliably (their checks are ``not_checkable``) and the findings worst first, and with ``--email``
sends the stewards' messages (only to stewards with something new: :mod:`juesuan.stewards_mail`).
Exit status: 0 when nothing reaches ``--fail-on``, 3 when something does,
1 when the run itself failed (bad settings, missing lake, undeliverable mail …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from juesuan.cli import LakeOption, RegistryOption, WarehouseOption, _settings, console, reports_errors
from juesuan.contract import FINAL
from juesuan.errors import UsageError
from juesuan.transform.identities import format_amount

if TYPE_CHECKING:
    from juesuan.lake import Lake
    from juesuan.registry import Registry
    from juesuan.settings import Settings
    from juesuan.stewards_mail import Delivery

FAIL_ON = ("error", "warning", "rounding")
#: Exit status when findings reach ``--fail-on`` (1 is taken by "the run failed").
FINDINGS_EXIT_CODE = 3
SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "rounding": "cyan", "not_checkable": "dim"}


def register(app: typer.Typer) -> None:
    app.command(name="validate")(validate)


@reports_errors
def validate(
    registry: RegistryOption = None,
    lake: LakeOption = None,
    warehouse: WarehouseOption = None,
    email: Annotated[
        bool, typer.Option("--email", help="Send the stewards' messages (SMTP, Prefect block or outbox).")
    ] = False,
    fail_on: Annotated[
        str,
        typer.Option("--fail-on", help="Exit with status 3 on findings at least this bad: error, warning, rounding."),
    ] = "error",
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Id of this validation run (default: time-based).")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="How many findings to list (worst first).")] = 50,
) -> None:
    """Check the accounting identities (勾稽关系) of every report in the lake; build Data Docs."""
    from juesuan.lake import lake_of
    from juesuan.registry import load_registry
    from juesuan.runlock import run_lock

    if fail_on not in FAIL_ON:
        raise UsageError("--fail-on", fail_on, FAIL_ON)
    settings = _settings(registry=registry, lake=lake, warehouse=warehouse)
    loaded = load_registry(settings.registry)
    the_lake = lake_of(settings)  # JUESUAN_LAKE_URL (s3://…) when set, else the local lake
    # The same lock as `juesuan run`: the findings, the warehouse and the mail have one writer at a time.
    with run_lock(settings):
        _validate(settings, loaded, the_lake, email=email, fail_on=fail_on, run_id=run_id, show=show)


def _validate(
    settings: Settings, loaded: Registry, the_lake: Lake, *, email: bool, fail_on: str, run_id: str | None, show: int
) -> None:
    """Validate, build, print and mail, holding the run lock."""
    from juesuan.expectations.runner import new_run_id, validate_lake
    from juesuan.stewards_mail import StewardMailError, send_steward_mail
    from juesuan.warehouse.build import build_warehouse

    summary = validate_lake(settings, loaded, run_id or new_run_id(), lake=the_lake)
    built = build_warehouse(the_lake.url, settings.warehouse, storage_options=the_lake.storage_options)

    table = Table(title=f"juesuan validate — run {summary.run_id}")
    for column in ("unit", "year", "checks", "passed", "rounding", "warnings", "errors", "not checkable"):
        table.add_column(column, justify="left" if column in ("unit", "year") else "right")
    for c in summary.counts():
        table.add_row(
            escape(c.unit_id),
            str(c.year) if c.report_kind == FINAL else f"{c.year} {c.report_kind}",
            str(c.checks),
            str(c.passed),
            _styled(c.rounding, "rounding"),
            _styled(c.warnings, "warning"),
            _styled(c.errors, "error"),
            _styled(c.not_checkable, "not_checkable"),
        )
    console.print(table)
    if summary.unreliable_tables:
        console.print(
            escape(
                f"{len(summary.unreliable_tables)} table(s) juesuan could not read reliably: the checks that need "
                "them are not_checkable, never errors of the unit"
            )
        )
        for unread in summary.unreliable_tables:
            console.print(escape(f"  {unread.unit_id} {unread.year}: {unread.describe()}"), style="dim")

    problems = summary.problems("rounding")
    if problems:
        listing = Table(title=f"findings, worst first ({min(show, len(problems))} of {len(problems)})")
        for column in ("severity", "report", "rule", "where", "left", "right", "difference"):
            listing.add_column(
                column, overflow="fold", justify="right" if column in ("left", "right", "difference") else "left"
            )
        for f in problems[:show]:
            style = SEVERITY_STYLES.get(f.severity, "")
            listing.add_row(
                f"[{style}]{f.severity}[/]",
                escape(f"{f.unit_id} {f.year}" + ("" if f.report_kind == FINAL else f" {f.report_kind}")),
                escape(f"{f.rule_id} {f.check_name}"),
                escape(f"{f.tables} · {f.line} · {f.column_name}"),
                format_amount(f.left_value),
                format_amount(f.right_value),
                format_amount(f.difference),
            )
        console.print(listing)
    page = summary.validation_page
    console.print(
        escape(
            f"validation page: {page or 'not written'}  GX Data Docs: {summary.data_docs_index or 'not built'}  "
            f"findings: {the_lake.path('identity_findings')}  warehouse: {built.path}"
        )
    )

    if email:
        try:
            result = send_steward_mail(settings, loaded, lake=the_lake, run_id=summary.run_id)
        except StewardMailError as exc:
            _print_deliveries(exc.deliveries)
            raise
        _print_deliveries(result.deliveries)
        console.print(escape(f"stewards mail: {result.describe()}"))
    if summary.fails(fail_on):
        raise typer.Exit(code=FINDINGS_EXIT_CODE)


def _print_deliveries(deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        where = f" → {delivery.path}" if delivery.path else ""
        console.print(escape(f"mail to {delivery.recipient} ({delivery.transport}){where}: {delivery.subject}"))


def _styled(count: int, severity: str) -> str:
    return f"[{SEVERITY_STYLES[severity]}]{count}[/]" if count else "0"
