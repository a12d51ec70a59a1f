"""The registry run: isolation of bad documents, atomic partitions, idempotent re-runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from juesuan.contract import FACT_COLUMNS, PARTITION_COLUMNS
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.settings import Settings

REGISTRY = """
[[unit]]
id = "datong-sic"
name = "大同市社会保险中心"
province = "山西省"
city = "大同市"
level = "市级"
kind = "参公事业单位"
stewards = ["datong.steward@example.org"]

[[unit.report]]
year = 2023
url = "reports/datong.txt"

[[unit]]
id = "jincheng-hrss"
name = "晋城市人力资源和社会保障综合服务中心"
province = "山西省"
city = "晋城市"
level = "市级"
stewards = []

[[unit.report]]
year = {jincheng_year}
url = "reports/jincheng.txt"
"""


@pytest.fixture
def workspace(tmp_path: Path, corpus: type) -> Settings:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(corpus.path("datong-sic"), reports / "datong.txt")
    shutil.copy(corpus.path("jincheng-hrss"), reports / "jincheng.txt")
    (tmp_path / "units.toml").write_text(REGISTRY.format(jincheng_year=2023), encoding="utf-8")
    return Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(
        registry=tmp_path / "units.toml"
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def warehouse_rows(path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT * FROM facts ORDER BY ALL").fetchall()


def test_partition_layout(workspace: Settings) -> None:
    run_registry(workspace)
    partition = workspace.lake / "facts" / "year=2023" / "unit_id=datong-sic" / "facts.parquet"
    assert partition.exists()
    stored = pq.read_table(partition)
    assert tuple(stored.column_names) == tuple(c for c in FACT_COLUMNS if c not in PARTITION_COLUMNS)
    assert str(stored.schema.field("value").type) == "decimal128(20, 6)"
    files = sorted(str(p.relative_to(workspace.lake)) for p in workspace.lake.rglob("*.parquet"))
    assert "documents.parquet" in files and "units.parquet" in files and "subjects.parquet" in files
    assert not [p for p in workspace.lake.rglob("*") if p.name.endswith(".tmp")]


def test_running_the_same_night_twice_changes_nothing(workspace: Settings) -> None:
    run_registry(workspace)
    lake_before = tree_bytes(workspace.lake)
    rows_before = warehouse_rows(workspace.warehouse)
    summary = run_registry(workspace)
    assert [o.status for o in summary.outcomes] == ["loaded", "loaded"]
    assert tree_bytes(workspace.lake) == lake_before
    assert warehouse_rows(workspace.warehouse) == rows_before
    assert len(rows_before) > 400


def test_raw_files_are_kept_once_by_hash(workspace: Settings) -> None:
    summary = run_registry(workspace)
    stored = sorted(p for p in workspace.raw_store.rglob("*") if p.is_file())
    assert [p.stem for p in stored] == sorted(o.sha256 for o in summary.outcomes if o.sha256)


def test_bad_document_is_quarantined_and_earlier_good_data_stays(workspace: Settings) -> None:
    run_registry(workspace)
    good_rows = [r for r in warehouse_rows(workspace.warehouse) if r[0] == "jincheng-hrss"]
    # The next night the site serves an HTML error page at the same address.
    report = workspace.registry.parent / "reports" / "jincheng.txt"
    report.write_text("<!DOCTYPE html><html><body>503 Service Unavailable</body></html>", encoding="utf-8")
    summary = run_registry(workspace)
    outcomes = {o.unit_id: o for o in summary.outcomes}
    assert outcomes["datong-sic"].status == "loaded"
    assert outcomes["jincheng-hrss"].status == "quarantined"
    assert "HTML page" in (outcomes["jincheng-hrss"].error or "")
    documents = Lake(workspace.lake).read_documents()
    quarantined = documents[documents["status"] == "quarantined"]
    assert list(quarantined["unit_id"]) == ["jincheng-hrss"]
    assert "HTML page" in quarantined["error"].iloc[0]
    assert [r for r in warehouse_rows(workspace.warehouse) if r[0] == "jincheng-hrss"] == good_rows


def test_report_of_the_wrong_year_is_quarantined(workspace: Settings) -> None:
    workspace.registry.write_text(REGISTRY.format(jincheng_year=2024), encoding="utf-8")
    summary = run_registry(workspace)
    outcome = next(o for o in summary.outcomes if o.unit_id == "jincheng-hrss")
    assert outcome.status == "quarantined"
    assert outcome.error == "the report covers 2023, but the registry entry is for 2024"
    assert not (workspace.lake / "facts" / "year=2024").exists()


def test_missing_file_is_quarantined_without_a_hash(workspace: Settings) -> None:
    (workspace.registry.parent / "reports" / "jincheng.txt").unlink()
    summary = run_registry(workspace)
    outcome = next(o for o in summary.outcomes if o.unit_id == "jincheng-hrss")
    assert (outcome.status, outcome.sha256, outcome.error) == ("quarantined", None, "file not found")
    documents = Lake(workspace.lake).read_documents()
    row = documents[documents["unit_id"] == "jincheng-hrss"].iloc[0]
    assert row["sha256"] is None or row["sha256"] != row["sha256"]  # NULL: nothing arrived to hash
