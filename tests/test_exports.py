"""Exports that open where analysts work (CSV with BOM, XLSX, Parquet), ``juesuan export`` and ``juesuan.read``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from analyst_fixtures import UNIT_IDS, sample_warehouse
from typer.testing import CliRunner

import juesuan
from juesuan.cli import app
from juesuan.errors import UsageError, WarehouseError
from juesuan.export import ExportNotes, Result, export_format, write_results

runner = CliRunner()
NAMES = ["大同市社会保险中心", "大竹县社会保险事业管理局", "辽宁省朝阳市社会保险事业服务中心"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus).warehouse


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --- compare and query to files ---------------------------------------------------------------------------
@pytest.mark.corpus
def test_compare_to_excel_keeps_chinese_numbers_and_notes(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "比较 208.xlsx"
    output = ok("compare", "--subject", "208", "-o", str(target), "--warehouse", str(warehouse))
    assert f"5 row(s) written to {target} (xlsx" in " ".join(output.split())
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["比较", "说明"]
    sheet = book["比较"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["unit_id", "unit_name", "year", "value"] and header[-1] == "short_name"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == list(UNIT_IDS)
    assert rows["datong-sic"][1] == "大同市社会保险中心" and rows["datong-sic"][-1] == "大同"
    assert rows["datong-sic"][3] == pytest.approx(5347.00) and isinstance(rows["datong-sic"][3], int | float)
    assert rows["dazhu-sic"][2] == 2023
    value_cell = sheet.cell(row=2, column=4)
    assert value_cell.data_type == "n" and value_cell.number_format == "#,##0.00"
    notes = "\n".join(str(v) for row in book["说明"].iter_rows(values_only=True) for v in row if v)
    assert str(warehouse) in notes and "万元" in notes
    assert "年度不一致" in notes and "2023 年：大同、大竹、晋城" in notes  # the mixed years, stated
    # pandas reads it back the same.
    frame = pd.read_excel(target, sheet_name="比较")
    assert frame.loc[frame["unit_id"] == "wuhai-sic", "value"].item() == pytest.approx(1888.42)


@pytest.mark.corpus
def test_compare_to_csv_has_a_bom_and_exact_amounts(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    ok("compare", "--subject", "2080109", "-o", str(target), "--warehouse", str(warehouse))
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel/WPS on Windows read UTF-8 only with the BOM
    frame = pd.read_csv(target, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame["unit_name"][:3]) == NAMES
    assert frame.set_index("unit_id").loc["datong-sic", "value"] == "1734.75"
    assert frame.set_index("unit_id").loc["jincheng-hrss", "status"] == "not reported"


@pytest.mark.corpus
def test_query_to_parquet_keeps_decimals_and_says_where_from(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "q.parquet"
    sql = "SELECT unit_id, year, 本年支出合计 FROM unit_year_totals"
    ok("query", sql, "-o", str(target), "--warehouse", str(warehouse))
    table = pq.read_table(target)
    assert str(table.schema.field("本年支出合计").type) == "decimal128(20, 6)"
    values = dict(zip(table["unit_id"].to_pylist(), table["本年支出合计"].to_pylist(), strict=True))
    assert values["datong-sic"] == Decimal("5570.340000")
    notes = json.loads(table.schema.metadata[b"juesuan.notes"])
    assert sql in notes["来源"] and any("万元" in line for line in notes["说明"])


@pytest.mark.corpus
def test_an_unknown_extension_is_refused_and_nothing_written(warehouse: Path, tmp_path: Path) -> None:
    for command in (["compare", "--subject", "208"], ["query", "SELECT 1"]):
        result = runner.invoke(app, [*command, "-o", str(tmp_path / "out.txt"), "--warehouse", str(warehouse)])
        assert result.exit_code == 1
        text = " ".join(result.output.split())
        assert "invalid output file extension (-o FILE): 'out.txt (.txt)' (allowed: .csv, .xlsx, .parquet)" in text
    assert not list(tmp_path.iterdir())


@pytest.mark.corpus
def test_extract_writes_the_format_its_extension_says(tmp_path: Path, corpus: type) -> None:
    source = corpus.path("datong-sic")
    ok("extract", str(source), "-o", str(tmp_path / "c.csv"), "--registry", "registry/units.toml")
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # CSV, not Parquet in disguise
    frame = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig", dtype=str)
    assert set(frame["unit_id"]) == {"datong-sic"} and "一般公共预算财政拨款支出决算表" in set(frame["table_name"])
    ok("extract", str(source), "-o", str(tmp_path / "c.xlsx"), "--registry", "registry/units.toml")
    assert len(pd.read_excel(tmp_path / "c.xlsx", sheet_name="facts")) == len(frame)
    result = runner.invoke(app, ["extract", str(source), "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 1 and "allowed: .csv, .xlsx, .parquet" in " ".join(result.output.split())
    assert not (tmp_path / "c.json").exists()


def test_write_results_formats_and_limits(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "单位": ["大同", "乌海"],
            "金额": [Decimal("5347.000000"), None],
            "占比": [0.9601, float("nan")],
            "页": [[11], []],
            "ok": [True, None],
        }
    )
    notes = ExportNotes(source="test", notes=("一条说明",), column_descriptions={"金额": "Amount in 万元."})
    write_results(tmp_path / "a.xlsx", [Result(frame, "第一"), Result(frame.head(1), "第一")], notes)
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book.sheetnames == ["第一", "第一 (2)", "说明"]
    first = book["第一"]
    assert [c.value for c in first[2]] == ["大同", 5347.0, 0.9601, "[11]", True]
    assert first.cell(row=2, column=3).number_format == "0.0000"
    assert first.cell(row=3, column=2).value is None  # not reported stays empty, never 0
    explained = [row for row in book["说明"].iter_rows(values_only=True)]
    assert ("金额", "Amount in 万元.") in explained and ("说明", "一条说明") in explained
    with pytest.raises(UsageError, match="one per file"):
        write_results(tmp_path / "b.csv", [Result(frame), Result(frame)], notes)
    write_results(tmp_path / "b.parquet", [Result(frame)], notes)
    table = pq.read_table(tmp_path / "b.parquet")
    assert table.schema.field("金额").metadata == {b"description": "Amount in 万元.".encode()}
    assert table["金额"].to_pylist() == [Decimal("5347.000000"), None]
    assert export_format("X.XLSX") == "xlsx"
    with pytest.raises(UsageError):
        export_format("x.xls")


# --- juesuan export ---------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_export_writes_every_mart_as_parquet_a_duckdb_1_client_could_read(warehouse: Path, tmp_path: Path) -> None:
    from juesuan.warehouse.build import MART_MODELS

    ok("export", "-o", str(tmp_path / "out"), "--warehouse", str(warehouse))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted([f"{m}.parquet" for m in MART_MODELS] + ["columns.csv"])
    # Plain Parquet: any reader, here a fresh in-memory DuckDB with no warehouse attached.
    total = duckdb.execute(
        f"SELECT sum(value) FROM read_parquet('{tmp_path / 'out' / 'facts.parquet'}') WHERE unit_id = 'datong-sic'"
    ).fetchone()
    expected = juesuan.read(
        "SELECT sum(value) AS s FROM facts WHERE unit_id = 'datong-sic'", warehouse, exact=True
    ).iloc[0, 0]
    assert total is not None and total[0] == expected
    dictionary = pd.read_csv(tmp_path / "out" / "columns.csv", encoding="utf-8-sig")
    assert (dictionary["meaning"].str.len() > 0).all()
    assert set(dictionary["mart"]) == set(MART_MODELS)
    ok(
        "export",
        "-o",
        str(tmp_path / "x"),
        "--marts",
        "units,unit_year_totals",
        "--format",
        "xlsx",
        "--warehouse",
        str(warehouse),
    )
    units = pd.read_excel(tmp_path / "x" / "units.xlsx", sheet_name="units")
    assert list(units["name"][:3]) == NAMES
    result = runner.invoke(
        app, ["export", "-o", str(tmp_path / "y"), "--marts", "raw_facts", "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 1 and "invalid --marts: 'raw_facts'" in " ".join(result.output.split())


# --- juesuan.read -----------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_read_returns_floats_that_plot(warehouse: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    totals = juesuan.read("unit_year_totals", warehouse)
    assert totals["本年支出合计"].dtype == "float64" and totals["基本支出"].dtype == "float64"
    assert totals.set_index("unit_id").loc["datong-sic", "本年支出合计"] == 5570.34
    axes = totals.plot.bar(x="unit_id", y=["基本支出", "项目支出"])  # no "no numeric data to plot"
    assert len(axes.patches) == 2 * len(UNIT_IDS)
    exact = juesuan.read("unit_year_totals", warehouse, exact=True)
    assert exact.set_index("unit_id").loc["datong-sic", "本年支出合计"] == Decimal("5570.340000")


@pytest.mark.corpus
def test_read_filters_marts_and_sql(warehouse: Path) -> None:
    two = juesuan.read("facts", warehouse, unit_id=["datong-sic", "wuhai-sic"], subject_code="208", column_name="小计")
    assert set(two["unit_id"]) == {"datong-sic", "wuhai-sic"} and two["value"].dtype == "float64"
    sql = juesuan.read(
        "SELECT unit_id, year, value FROM subject_values WHERE subject_code = '208'", warehouse, year=2024
    )
    assert set(sql["year"]) == {2024}
    with pytest.raises(UsageError, match="invalid filter for mart units: 'unit'"):
        juesuan.read("units", warehouse, unit="datong-sic")
    with pytest.raises(UsageError, match="invalid mart: 'raw_fact'"):
        juesuan.read("raw_fact", warehouse)
    with pytest.raises(WarehouseError, match="read-only"):
        juesuan.read("DROP VIEW units", warehouse)
    with pytest.raises(WarehouseError, match="failed"):
        juesuan.read("SELECT nope FROM units", warehouse)
