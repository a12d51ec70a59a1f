"""Acknowledging findings: ``juesuan waive`` (who, when, why, until when, in the lake), ``juesuan findings``
(what is still open), and ``identity_findings.waived`` in the warehouse.

A hand-made lake (``lake_fixtures``): 大同 2023 with one genuine error and a table juesuan did not read
reliably, 晋城 2023 as published; validated by the real identity suites.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from lake_fixtures import FIGURES, write_report, write_report_with_unread_income
from registry_fixtures import ReportEntry, UnitEntry, registry_toml
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.expectations.findings import Finding, read_finding_objects
from juesuan.expectations.runner import validate_lake
from juesuan.lake import Lake
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.waivers import WaiverError, active_waivers, resolve_check, waive

runner = CliRunner()


def web(unit_id: str, year: int) -> ReportEntry:
    return ReportEntry(year, f"https://example.gov.cn/{unit_id}/{year}.pdf")


@pytest.fixture
def world(tmp_path: Path) -> tuple[dict[str, str], Lake, list[Finding]]:
    registry = tmp_path / "units.toml"
    registry.write_text(
        registry_toml(
            UnitEntry("datong-sic", [web("datong-sic", 2023)], ["datong@example.org"]),
            UnitEntry("jincheng-hrss", [web("jincheng-hrss", 2023)], ["jincheng@example.org"]),
        ),
        encoding="utf-8",
    )
    env = {
        "JUESUAN_DATA_DIR": str(tmp_path / "data"),
        "JUESUAN_REGISTRY": str(registry),
        "JUESUAN_USER": "测试员",
        "COLUMNS": "300",
    }
    settings = Settings.from_env(env)
    lake = Lake(settings.lake)
    write_report_with_unread_income(lake, "datong-sic", 2023)
    write_report(lake, "jincheng-hrss", 2023, FIGURES[("jincheng-hrss", 2023)])
    validate_lake(settings, load_registry(registry), "waivers")
    return env, lake, read_finding_objects(lake)


def invoke(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def test_waive_records_who_when_why_and_the_warehouse_and_findings_show_it(world) -> None:  # type: ignore[no-untyped-def]
    env, lake, findings = world
    (error,) = [f for f in findings if f.severity == "error" and f.unit_id == "datong-sic"]
    listed = json.loads(invoke(env, "findings", "--unit", "datong-sic", "--format", "json"))
    assert [row["ref"] for row in listed if row["kind"].startswith("error")] == [error.ref]
    assert any(row["kind"] == "table" and "收入决算表" in row["what"] for row in listed)  # could not read
    assert all(row["unit_id"] == "datong-sic" for row in listed)

    reason = "单位已说明：为四舍五入前的原始数"
    output = invoke(env, "waive", error.ref[:7], "--reason", reason, "--until", "2099-12-31")
    assert f"waived {error.ref}" in output and "by 测试员 until 2099-12-31" in " ".join(output.split())
    (row,) = lake.read_waiver_rows()
    assert (row["check_id"], row["action"], row["waived_by"], row["until"]) == (
        error.check_id,
        "waive",
        "测试员",
        date(2099, 12, 31),
    )
    assert row["reason"] == reason and row["waived_at"] <= datetime.now(UTC)

    warehouse = Path(env["JUESUAN_DATA_DIR"]) / "juesuan.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "SELECT check_id, waived, waived_by, waived_until FROM identity_findings WHERE waived"
        ).fetchall()
    assert rows == [(error.check_id, True, "测试员", date(2099, 12, 31))]

    still_open = json.loads(invoke(env, "findings", "--unit", "datong-sic", "--format", "json"))
    assert error.ref not in [r["ref"] for r in still_open]
    with_waived = json.loads(invoke(env, "findings", "--unit", "datong-sic", "--waived", "--format", "json"))
    assert [r["status"] for r in with_waived if r["ref"] == error.ref] == ["waived"]
    page = (Path(env["JUESUAN_DATA_DIR"]) / "data_docs" / "validation.html").read_text(encoding="utf-8")
    assert "已确认：测试员" in page  # the validation page is written again

    invoke(env, "waive", error.check_id, "--revoke")
    reopened = json.loads(invoke(env, "findings", "--unit", "datong-sic", "--format", "json"))
    assert error.ref in [r["ref"] for r in reopened]
    assert [r["action"] for r in lake.read_waiver_rows()] == ["waive", "revoke"]  # a log: nothing deleted


def test_waive_refuses_what_it_cannot_name_or_waive(world) -> None:  # type: ignore[no-untyped-def]
    env, _lake, findings = world
    (error,) = [f for f in findings if f.severity == "error" and f.unit_id == "datong-sic"]
    not_checkable = next(f for f in findings if f.severity == "not_checkable" and f.unit_id == "datong-sic")
    assert "no finding with reference 'abcdef0123'" in invoke(env, "waive", "abcdef0123", "--reason", "x", code=1)
    assert "at least 6" in invoke(env, "waive", error.ref[:4], "--reason", "x", code=1)
    assert "invalid --reason" in invoke(env, "waive", error.ref, code=1)
    assert "invalid --until (a date, YYYY-MM-DD): '31/12/2099'" in invoke(
        env, "waive", error.ref, "--reason", "x", "--until", "31/12/2099", code=1
    )
    past = (date.today() - timedelta(days=3)).isoformat()
    assert "not in the past" in invoke(env, "waive", error.ref, "--reason", "x", "--until", past, code=1)
    refused = invoke(env, "waive", not_checkable.check_id, "--reason", "x", code=1)
    assert "is not_checkable: only error, warning, rounding findings can be waived" in " ".join(refused.split())
    assert "has no waiver to revoke" in invoke(env, "waive", error.ref, "--revoke", code=1)
    assert "no unit 'nowhere'" in invoke(env, "findings", "--unit", "nowhere", code=1)


def test_a_waiver_covers_the_finding_as_waived_and_expires(world) -> None:  # type: ignore[no-untyped-def]
    _env, lake, findings = world
    (error,) = [f for f in findings if f.severity == "error" and f.unit_id == "datong-sic"]
    now = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    waiver = waive(lake, error, reason="known", by="someone", until=date(2025, 3, 10), now=now)
    assert waiver.covers(error)
    changed = Finding(**{**error.__dict__, "left_value": (error.left_value or Decimal(0)) + 1})
    assert not waiver.covers(changed)  # republished with other figures: open again
    assert error.check_id in active_waivers(lake, now + timedelta(days=9))  # through its last day
    assert error.check_id not in active_waivers(lake, now + timedelta(days=10))
    assert resolve_check(error.ref[:6], findings) == error
    with pytest.raises(WaiverError, match="no finding with check id"):
        resolve_check("datong-sic/2023/R99/x", findings)

    # In the warehouse an expired waiver no longer marks the finding
    rows = lake.read_waiver_rows()
    rows[0]["until"] = date(2020, 1, 1)
    lake.write_waiver_rows(rows)
    from juesuan.warehouse.build import build_warehouse

    path = lake.root.parent / "w.duckdb"
    build_warehouse(lake.url, path)
    with duckdb.connect(str(path), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM identity_findings WHERE waived").fetchall() == [(0,)]
