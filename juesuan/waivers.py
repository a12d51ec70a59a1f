"""Waivers: a steward (or the data team for them) marks an identity finding as known.

``juesuan waive CHECK --reason … [--until DATE]`` records who, when, why and until when in the lake
(``waivers.parquet``, :data:`juesuan.lake.WAIVER_SCHEMA`). The file is a log: a waiver, or its
withdrawal (``juesuan waive --revoke``), is a new row; the latest row of a check counts. Nothing is
deleted, so the lake says who acknowledged what, and when.

A waiver **covers the finding as it was waived**: the same check with the same severity and the same
figures on both sides. When the report is republished and the figures change, the finding is open
again (it is no longer the finding somebody looked at). A waiver with ``until`` holds through that
day (Asia/Shanghai, the stewards' calendar) and then expires: the finding comes back.

Who reads waivers:

* the stewards' mail (:mod:`juesuan.stewards_mail`) leaves waived findings out of the new and open ones
  and lists them once a month as still waived;
* the warehouse (``identity_findings.waived``, ``waived_reason``, ``waived_by``, ``waived_until``);
* ``juesuan findings`` and the validation page.

A check is named by its full ``check_id`` or by its short reference (:func:`finding_ref`, ten hex
digits shown in the mail, on the validation page and by ``juesuan findings``); a unique prefix of at
least six digits does too.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from juesuan.contract import quantize
from juesuan.errors import JuesuanError, UsageError
from juesuan.expectations.findings import Finding, finding_ref
from juesuan.lake import Lake

#: The stewards' calendar: a waiver "until 2025-03-31" holds through that day in China.
STEWARDS_TZ = ZoneInfo("Asia/Shanghai")
WAIVE = "waive"
REVOKE = "revoke"
#: Shortest reference prefix accepted for a check (the full reference has ten hex digits).
MIN_REF_PREFIX = 6
#: Severities a waiver can cover: findings somebody must look at (not passed, not not_checkable).
WAIVABLE = ("error", "warning", "rounding")


class WaiverError(JuesuanError):
    """A waiver names no finding, several, or one that cannot be waived."""


@dataclass(frozen=True)
class Waiver:
    """One acknowledgement of one finding."""

    check_id: str
    unit_id: str
    year: int
    reason: str
    waived_by: str
    waived_at: datetime
    until: date | None
    severity: str
    left_value: Decimal | None
    right_value: Decimal | None

    @property
    def ref(self) -> str:
        return finding_ref(self.check_id)

    def expired(self, today: date) -> bool:
        return self.until is not None and today > self.until

    def covers(self, finding: Finding) -> bool:
        """Whether ``finding`` is the finding this waiver was given for (same check, severity and figures)."""
        return (
            finding.check_id == self.check_id
            and finding.severity == self.severity
            and _same(finding.left_value, self.left_value)
            and _same(finding.right_value, self.right_value)
        )


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return quantize(a) == quantize(b)


def today_for_stewards(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(STEWARDS_TZ).date()


def current_user() -> str:
    """Who is waiving, when ``--by`` is not given: ``JUESUAN_USER``, else the login name."""
    return os.environ.get("JUESUAN_USER") or getpass.getuser()


def latest_rows(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest row of every check (by ``waived_at``; the log order breaks ties)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        known = latest.get(row["check_id"])
        if known is None or row["waived_at"] >= known["waived_at"]:
            latest[row["check_id"]] = row
    return latest


def _waiver(row: dict[str, Any]) -> Waiver:
    return Waiver(
        check_id=str(row["check_id"]),
        unit_id=str(row["unit_id"]),
        year=int(row["year"]),
        reason=str(row["reason"] or ""),
        waived_by=str(row["waived_by"] or ""),
        waived_at=row["waived_at"],
        until=row["until"],
        severity=str(row["severity"]),
        left_value=row["left_value"],
        right_value=row["right_value"],
    )


def active_waivers(lake: Lake, now: datetime | None = None) -> dict[str, Waiver]:
    """Waivers in force today, by ``check_id`` (revoked and expired ones left out)."""
    today = today_for_stewards(now)
    active: dict[str, Waiver] = {}
    for check_id, row in latest_rows(lake.read_waiver_rows()).items():
        if row["action"] != WAIVE:
            continue
        waiver = _waiver(row)
        if not waiver.expired(today):
            active[check_id] = waiver
    return active


def all_waivers(lake: Lake) -> list[Waiver]:
    """The latest waiver of every check that has one and was not revoked (expired ones included)."""
    return [_waiver(row) for row in latest_rows(lake.read_waiver_rows()).values() if row["action"] == WAIVE]


def covering(finding: Finding, waivers: dict[str, Waiver]) -> Waiver | None:
    """The active waiver that covers ``finding``, if any."""
    waiver = waivers.get(finding.check_id)
    return waiver if waiver is not None and waiver.covers(finding) else None


def resolve_check(reference: str, findings: Iterable[Finding]) -> Finding:
    """The finding a user named by check id, reference or reference prefix; a clear error otherwise."""
    reference = reference.strip()
    candidates = list(findings)
    exact = [f for f in candidates if f.check_id == reference]
    if exact:
        return exact[0]
    lowered = reference.lower()
    if len(lowered) < MIN_REF_PREFIX or any(ch not in "0123456789abcdef" for ch in lowered):
        raise WaiverError(
            f"no finding with check id {reference!r} (give the full check id, or its reference of ten hex "
            f"digits — at least {MIN_REF_PREFIX} — as shown by `juesuan findings` and in the stewards' mail)"
        )
    matching = [f for f in candidates if f.ref.startswith(lowered)]
    if not matching:
        raise WaiverError(f"no finding with reference {reference!r} in the lake (see `juesuan findings`)")
    if len(matching) > 1:
        listed = ", ".join(f"{f.ref} {f.check_id}" for f in matching[:5])
        raise WaiverError(f"reference {reference!r} names {len(matching)} findings ({listed}): give more digits")
    return matching[0]


def waive(
    lake: Lake,
    finding: Finding,
    *,
    reason: str,
    by: str,
    until: date | None = None,
    now: datetime | None = None,
) -> Waiver:
    """Record a waiver of ``finding`` (a new row of the log; an earlier waiver of the check is superseded)."""
    if finding.severity not in WAIVABLE:
        raise WaiverError(
            f"{finding.check_id} is {finding.severity}: only {', '.join(WAIVABLE)} findings can be waived"
        )
    if not reason.strip():
        raise UsageError("--reason (why the finding is known and needs no correction)", reason)
    if not by.strip():
        raise UsageError("--by (who waives)", by)
    now = now or datetime.now(UTC)
    if until is not None and until < today_for_stewards(now):
        raise UsageError("--until (a date not in the past, YYYY-MM-DD)", until.isoformat())
    row = {
        "check_id": finding.check_id,
        "unit_id": finding.unit_id,
        "year": finding.year,
        "action": WAIVE,
        "reason": reason.strip(),
        "waived_by": by.strip(),
        "waived_at": now,
        "until": until,
        "severity": finding.severity,
        "left_value": None if finding.left_value is None else quantize(finding.left_value),
        "right_value": None if finding.right_value is None else quantize(finding.right_value),
    }
    lake.write_waiver_rows([*lake.read_waiver_rows(), row])
    return _waiver(row)


def revoke(lake: Lake, check_id: str, *, by: str, reason: str = "", now: datetime | None = None) -> None:
    """Withdraw the waiver of ``check_id`` (the finding is open again)."""
    latest = latest_rows(lake.read_waiver_rows()).get(check_id)
    if latest is None or latest["action"] != WAIVE:
        raise WaiverError(f"{check_id} has no waiver to revoke")
    row = dict(latest)
    row.update(action=REVOKE, reason=reason.strip(), waived_by=by.strip(), waived_at=now or datetime.now(UTC))
    lake.write_waiver_rows([*lake.read_waiver_rows(), row])


def parse_until(text: str | None) -> date | None:
    """``--until`` as a date (YYYY-MM-DD); a clear error naming the bad value."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError("--until (a date, YYYY-MM-DD)", text) from exc


__all__ = [
    "MIN_REF_PREFIX",
    "STEWARDS_TZ",
    "Waiver",
    "WaiverError",
    "active_waivers",
    "all_waivers",
    "covering",
    "current_user",
    "parse_until",
    "resolve_check",
    "revoke",
    "today_for_stewards",
    "waive",
]
