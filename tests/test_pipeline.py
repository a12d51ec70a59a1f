"""The registry run: isolation of bad documents, atomic partitions, idempotent re-runs."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from registry_fixtures import ReportEntry, UnitEntry, registry_toml

from juesuan.contract import FACT_COLUMNS, PARTITION_COLUMNS
from juesuan.errors import ContractViolation
from juesuan.expectations.runner import validate_lake
from juesuan.extract.api import extract_document
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.registry import load_registry
from juesuan.settings import Settings


def registry(jincheng_year: int, *more_jincheng: ReportEntry) -> str:
    return registry_toml(
        UnitEntry("datong-sic", [ReportEntry(2023, "reports/datong.txt")]),
        UnitEntry("jincheng-hrss", [ReportEntry(jincheng_year, "reports/jincheng.txt"), *more_jincheng], stewards=[]),
    )


@pytest.fixture
def workspace(tmp_path: Path, corpus: type) -> Settings:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(corpus.path("datong-sic"), reports / "datong.txt")
    shutil.copy(corpus.path("jincheng-hrss"), reports / "jincheng.txt")
    (tmp_path / "units.toml").write_text(registry(2023), encoding="utf-8")
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
    workspace.registry.write_text(registry(2024), encoding="utf-8")
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


# --- the previous year's figures each report restates -------------------------------------------------------
def test_prior_year_facts_land_in_the_lake_with_the_report(workspace: Settings) -> None:
    summary = run_registry(workspace)
    outcomes = {o.unit_id: o for o in summary.outcomes}
    partition = workspace.lake / "prior_year_facts" / "year=2023" / "unit_id=datong-sic" / "prior_year_facts.parquet"
    stored = pq.read_table(partition)
    assert stored.column_names == ["fact_year", *(c for c in FACT_COLUMNS if c not in PARTITION_COLUMNS)]
    assert set(stored.column("fact_year").to_pylist()) == {2022}
    assert set(stored.column("document_sha256").to_pylist()) == {outcomes["datong-sic"].sha256}
    assert set(stored.column("source_kind").to_pylist()) == {"narrative"}
    assert stored.num_rows == outcomes["datong-sic"].prior_year_facts > 0
    # The restated figures are no facts of a 2022 report: no such partition, none in the facts view.
    assert not (workspace.lake / "facts" / "year=2022").exists()
    assert {row[1] for row in warehouse_rows(workspace.warehouse)} == {2023}
    restated = Lake(workspace.lake).read_prior_year_facts()
    assert set(zip(restated["unit_id"], restated["year"], strict=True)) == {
        ("datong-sic", 2022),
        ("jincheng-hrss", 2022),
    }
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        pairs = connection.execute("SELECT count(*) FROM year_over_year WHERE previous_restated").fetchone()
    assert pairs is not None and pairs[0] > 0


def test_a_lake_from_before_gets_its_prior_year_facts(workspace: Settings) -> None:
    run_registry(workspace)
    complete = tree_bytes(workspace.lake)
    # A lake written before the restated figures were stored: same reports, no prior_year_facts.
    shutil.rmtree(workspace.lake / "prior_year_facts")
    summary = run_registry(workspace)
    assert [o.status for o in summary.outcomes] == ["loaded", "loaded"]
    assert tree_bytes(workspace.lake) == complete
    # From then on the reports are unchanged again.
    again = run_registry(workspace)
    assert [o.action for o in again.outcomes] == ["unchanged", "unchanged"]
    assert tree_bytes(workspace.lake) == complete


JINCHENG_2022 = """晋城市人力资源和社会保障综合服务中心

2022年度单位决算公开

一、收入支出决算总体情况说明

2022年度收入总计590.00万元，支出总计590.00万元。
"""


def test_the_report_of_last_year_wins_over_the_restated_figures(workspace: Settings) -> None:
    # 晋城 2022 registered beside 2023: its own 收入总计 (590.00) is stated, 财政拨款 totals are not.
    (workspace.registry.parent / "reports" / "jincheng_2022.txt").write_text(JINCHENG_2022, encoding="utf-8")
    workspace.registry.write_text(registry(2023, ReportEntry(2022, "reports/jincheng_2022.txt")), encoding="utf-8")
    summary = run_registry(workspace)
    outcomes = {(o.unit_id, o.year): o for o in summary.outcomes}
    assert outcomes[("jincheng-hrss", 2022)].status == "loaded"
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        growth = {
            (table, key): rest
            for table, key, *rest in connection.execute(
                """
                SELECT table_name, subject_key, previous_value, value, previous_restated, previous_document_sha256
                FROM year_over_year WHERE unit_id = 'jincheng-hrss' AND year = 2023 AND column_name = '金额'
                """
            ).fetchall()
        }
        superseded = connection.execute(
            """
            SELECT value, reported_value FROM restated_facts
            WHERE unit_id = 'jincheng-hrss' AND year = 2022 AND superseded
            """
        ).fetchall()
    # "2023年度收入总计516.85万元 … 与上年相比，收入总计减少68.63万元" restates 585.48; the 2022 report says 590.00.
    assert growth[("收入支出决算总表", "收入总计")] == [
        Decimal("590.00"),
        Decimal("516.85"),
        False,
        outcomes[("jincheng-hrss", 2022)].sha256,
    ]
    assert (Decimal("585.48"), Decimal("590.00")) in superseded
    # "财政拨款收入总计430.21万元 … 减少68.63万元": no 2022 report states it, so the restated 498.84 counts.
    assert growth[("财政拨款收入支出决算总表", "收入总计")] == [
        Decimal("498.84"),
        Decimal("430.21"),
        True,
        outcomes[("jincheng-hrss", 2023)].sha256,
    ]


def test_the_identity_suites_never_validate_restated_figures(workspace: Settings) -> None:
    run_registry(workspace)
    assert not Lake(workspace.lake).read_prior_year_facts().empty
    summary = validate_lake(workspace, load_registry(workspace.registry), "restated-check")
    assert sorted(summary.reports) == [("datong-sic", 2023, "决算"), ("jincheng-hrss", 2023, "决算")]
    assert {(f.unit_id, f.year) for f in summary.findings} <= {("datong-sic", 2023), ("jincheng-hrss", 2023)}


def test_the_lake_refuses_prior_year_facts_that_are_not_the_report_s(tmp_path: Path, corpus: type) -> None:
    lake = Lake(tmp_path / "lake")
    extraction = extract_document(corpus.path("datong-sic"), unit_id="datong-sic", year=2023)
    assert extraction.prior_year_facts and {f.year for f in extraction.prior_year_facts} == {2022}
    own = extraction.facts
    wrong_year = [replace(extraction.prior_year_facts[0], year=2021)]
    other_document = [replace(extraction.prior_year_facts[0], document_sha256="0" * 64)]
    with pytest.raises(ContractViolation, match="datong-sic 2022"):
        lake.write_report("datong-sic", 2023, extraction.sha256, own, [], [], wrong_year)
    with pytest.raises(ContractViolation, match="must come from its document"):
        lake.write_report("datong-sic", 2023, extraction.sha256, own, [], [], other_document)
    assert not (tmp_path / "lake").exists() or not list((tmp_path / "lake").rglob("*.parquet"))
