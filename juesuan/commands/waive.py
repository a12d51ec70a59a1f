"""``juesuan waive``: mark identity findings as known (who, when, why, until when).

The waiver goes into the lake's ``waivers.parquet`` (:mod:`juesuan.waivers`); the warehouse is rebuilt
so ``identity_findings.waived`` shows it, and the validation page is written again. The stewards' mail
leaves a waived finding out of what is new, lists it once a month as still waived, and mails it again
when the waiver expires or is revoked (``--revoke``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from juesuan.cli import LakeOption, RegistryOption, WarehouseOption, _settings, console, reports_errors
from juesuan.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command(name="waive")(waive)


@reports_errors
def waive(
    checks: Annotated[
        list[str],
        typer.Argument(
            help="Check id(s), or their reference (ten hex digits, six at least) shown by `juesuan findings`.",
            metavar="CHECK_ID...",
        ),
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the finding is known and needs no correction.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day the waiver holds (YYYY-MM-DD, China time); default none.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who waives (default: JUESUAN_USER, else the login name).")
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Withdraw the waiver: the finding is open again.")] = False,
    registry: RegistryOption = None,
    lake: LakeOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Mark identity findings as known (acknowledged) with a reason and an optional expiry date."""
    from juesuan.expectations.findings import read_finding_objects
    from juesuan.lake import lake_of
    from juesuan.registry import load_registry
    from juesuan.report.validation_page import write_validation_page
    from juesuan.waivers import current_user, parse_until, resolve_check
    from juesuan.waivers import revoke as revoke_waiver
    from juesuan.waivers import waive as record_waiver
    from juesuan.warehouse.build import build_warehouse

    settings = _settings(registry=registry, lake=lake, warehouse=warehouse)
    the_lake = lake_of(settings)
    who = by or current_user()
    expiry = parse_until(until)
    if not revoke and not (reason or "").strip():
        raise UsageError("--reason (required: why the finding is known and needs no correction)", reason or "")
    if revoke and expiry is not None:
        raise UsageError("--until together with --revoke", until)
    findings = read_finding_objects(the_lake)
    chosen = [resolve_check(check, findings) for check in checks]
    for finding in chosen:
        if revoke:
            revoke_waiver(the_lake, finding.check_id, by=who, reason=reason or "")
            console.print(escape(f"revoked the waiver of {finding.ref} {finding.check_id}"))
            continue
        waiver = record_waiver(the_lake, finding, reason=reason or "", by=who, until=expiry)
        held = f" until {waiver.until:%Y-%m-%d}" if waiver.until else ""
        console.print(escape(f"waived {finding.ref} {finding.check_id} ({finding.severity}) by {who}{held}"))
    build_warehouse(the_lake.url, settings.warehouse, storage_options=the_lake.storage_options)
    if settings.registry.exists():
        write_validation_page(settings, load_registry(settings.registry), the_lake)
