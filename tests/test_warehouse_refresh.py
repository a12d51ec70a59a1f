"""The warehouse refreshed from the partitions that changed gives exactly what a full build gives; the
materialized models are tables with their comments; the web app follows a swapped-in file."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from lake_fixtures import FIGURES, TOTALS, T, build_sample_lake, sha, write_report

from juesuan.lake import FACTS, Lake
from juesuan.warehouse.build import MATERIALIZED, MODELS, build_warehouse, refresh_warehouse


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(rows(path, f"SELECT * FROM {name}"), key=repr) for name in MODELS}


def changed_lake(lake: Lake) -> None:
    """One report re-extracted with another figure, one partition removed, one new report."""
    datong = [r if r[2] != "收入总计" else (*r[:4], "5571.34", r[5]) for r in FIGURES[("datong-sic", 2023)]]
    write_report(lake, "datong-sic", 2023, datong)
    (wuhai_year,) = [year for unit, year in FIGURES if unit == "wuhai-sic"][:1]
    for dataset in (FACTS, "code_repairs", "parsed_tables", "prior_year_facts"):
        partition = lake.partition(dataset, "wuhai-sic", wuhai_year)
        if partition.exists():
            partition.unlink()
    write_report(lake, "jincheng-hrss", 2025, [(TOTALS, None, "收入总计", "金额", "600.00", T)])


def test_a_refresh_equals_a_full_build(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    first = refresh_warehouse(lake.url, warehouse)
    assert first.full  # nothing to refresh yet: a full build
    again = refresh_warehouse(lake.url, warehouse)
    assert not again.full and again.changed_files == 0 and again.removed_files == 0
    changed_lake(lake)
    refreshed = refresh_warehouse(lake.url, warehouse)
    assert not refreshed.full
    # datong's facts, jincheng 2025's four partitions, documents.parquet; wuhai's four partitions gone
    assert refreshed.changed_files == 6 and refreshed.removed_files == 4
    build_warehouse(lake.url, tmp_path / "full.duckdb")
    assert snapshot(warehouse) == snapshot(tmp_path / "full.duckdb")
    assert rows(warehouse, "SELECT 收入总计 FROM unit_year_totals WHERE unit_id = 'datong-sic' AND year = 2023") == [
        (Decimal("5571.340000"),)
    ]
    assert rows(warehouse, "SELECT count(*) FROM facts WHERE unit_id = 'wuhai-sic'") == [(0,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.duckdb", "lake", "wh.duckdb"]  # no leftovers


def test_a_warehouse_of_other_models_is_built_anew(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(lake.url, warehouse)
    connection = duckdb.connect(str(warehouse))
    connection.execute("DROP TABLE raw_lake_files")  # as a warehouse written before the manifest existed
    connection.close()
    assert refresh_warehouse(lake.url, warehouse).full
    assert rows(warehouse, "SELECT count(*) FROM raw_lake_files") != [(0,)]


def test_a_failed_refresh_keeps_the_published_warehouse(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(lake.url, warehouse)
    before = snapshot(warehouse)
    # A partition whose facts break the key (the same fact twice) fails the key check of the refresh.
    facts = lake.partition(FACTS, "datong-sic", 2023)
    shutil.copy(facts, facts.with_name("facts.parquet.bak"))
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(facts)
    pq.write_table(pa.concat_tables([table, table]), facts)
    from juesuan.errors import WarehouseError

    with pytest.raises(WarehouseError, match="duplicate fact keys"):
        refresh_warehouse(lake.url, warehouse)
    assert snapshot(warehouse) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake", "wh.duckdb"]
    assert sha("datong-sic", 2023)  # the lake itself is untouched by the warehouse


def test_materialized_models_are_commented_tables(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(lake.url, warehouse)
    tables = dict(rows(warehouse, "SELECT table_name, comment FROM duckdb_tables()"))
    for name in MATERIALIZED:
        assert tables.get(name), f"{name} is not a commented table"
    uncommented = rows(
        warehouse,
        "SELECT table_name, column_name FROM duckdb_columns() WHERE coalesce(comment, '') = '' "
        f"AND list_contains({sorted(MATERIALIZED)!r}, table_name)",
    )
    assert uncommented == []


def test_the_web_app_follows_a_swapped_in_warehouse(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from juesuan.ui.app import UiConfig, create_app

    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(lake.url, warehouse)
    client = TestClient(create_app(UiConfig(warehouse, tmp_path / "raw")))

    def income_total() -> str:
        page = client.get("/unit/datong-sic/2023").text
        return page.split('data-measure="收入总计"')[1].split("</tr>")[0]

    assert "5,570.34" in income_total()
    changed_lake(lake)
    refresh_warehouse(lake.url, warehouse)
    assert "5,571.34" in income_total()  # the next page reads the new file


def test_subject_comparison_has_no_column_per_unit_beyond_the_cap(tmp_path: Path, monkeypatch: Any) -> None:
    from juesuan.warehouse import build

    monkeypatch.setattr(build, "COMPARISON_MAX_UNITS", 2)  # the sample lake has six units
    lake = build_sample_lake(tmp_path / "lake")
    build_warehouse(lake.url, tmp_path / "wh.duckdb")
    columns = [c for (c,) in rows(tmp_path / "wh.duckdb", "SELECT column_name FROM (DESCRIBE subject_comparison)")]
    assert columns == list(build.COMPARISON_KEY_COLUMNS)
    (comment,) = rows(
        tmp_path / "wh.duckdb", "SELECT comment FROM duckdb_views() WHERE view_name = 'subject_comparison'"
    )
    assert "no column per unit" in comment[0] and "subject_values" in comment[0]
