"""``juesuan compare``: one subject, the class structure and the economic structure, for chosen units and years."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from analyst_fixtures import UNIT_IDS, sample_warehouse
from lake_fixtures import build_sample_warehouse
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import UsageError
from juesuan.warehouse.query import (
    Selection,
    compare,
    comparison_title,
    default_table_column,
    parse_units,
    parse_years,
    run_query,
)

D = Decimal
runner = CliRunner()


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="module")
def corpus_warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus).warehouse


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


# --- acceptance: one line per unit with the amounts of the reports ------------------------------------------
@pytest.mark.corpus
def test_subject_2080109_as_csv_one_line_per_unit(corpus_warehouse: Path) -> None:
    output = invoke("compare", "--subject", "2080109", "--format", "csv", "--warehouse", str(corpus_warehouse))
    header, *lines = output.strip().splitlines()
    assert header == "unit_id,unit_name,year,value,source_kind,status,quality,reconciles"
    assert [line.split(",")[0] for line in lines] == list(UNIT_IDS)
    got = {line.split(",")[0]: line.split(",") for line in lines}
    # 社会保险经办机构 in each report's 一般公共预算财政拨款支出决算表 (or its narrative).
    assert got["datong-sic"][2:6] == ["2023", "1734.75", "table", "reported"]
    assert got["dazhu-sic"][2:6] == ["2023", "577.12", "narrative", "reported"]
    assert got["chaoyang-sic"][2:6] == ["2024", "26.50", "table", "reported"]
    assert got["jincheng-hrss"][2:6] == ["2023", "", "", "not reported"]  # books 2080108 / 2080110
    assert got["wuhai-sic"][2:6] == ["2024", "447.25", "narrative", "reported"]
    # Each line says whether the unit-year's figures reconcile (data_quality, from the identity checks).
    quality = run_query(corpus_warehouse, "SELECT unit_id, quality, reconciles FROM data_quality")
    expected = {r.unit_id: [r.quality, str(r.reconciles)] for r in quality.itertuples(index=False)}
    assert {unit: row[6:] for unit, row in got.items()} == expected
    assert {row[6] for row in got.values()} <= {"exact", "rounding", "warnings", "errors"}


@pytest.mark.corpus
def test_by_class_pivots_the_functional_classes(corpus_warehouse: Path) -> None:
    output = invoke("compare", "--by", "class", "--format", "json", "--warehouse", str(corpus_warehouse))
    records = {r["unit_id"]: r for r in json.loads(output, parse_float=Decimal)}
    assert list(records) == list(UNIT_IDS)
    assert records["datong-sic"]["208 社会保障和就业支出"] == D("5347.97")  # 支出决算表 本年支出合计
    assert records["wuhai-sic"]["201 一般公共服务支出"] == D("5.63")
    assert records["datong-sic"]["201 一般公共服务支出"] is None  # 大同 spends nothing under 201
    assert records["dazhu-sic"]["206 科学技术支出"] == D("4.47")
    shares = compare(corpus_warehouse, by="class", measure="share").set_index("unit_id")
    assert shares.loc["datong-sic", "208 社会保障和就业支出"] == pytest.approx(0.9601, abs=1e-4)
    only_208 = compare(corpus_warehouse, by="class", subject="208")
    assert [c for c in only_208.columns if c[0].isdigit()] == ["208 社会保障和就业支出"]


@pytest.mark.corpus
def test_by_economic_shows_personnel_and_public_use_first(corpus_warehouse: Path) -> None:
    frame = compare(corpus_warehouse, by="economic").set_index("unit_id")
    assert list(frame.columns[:4]) == ["unit_name", "year", "人员经费", "公用经费"]
    assert frame.loc["datong-sic", "人员经费"] == D("2268.97")
    assert frame.loc["dazhu-sic", "公用经费"] == D("70.95")
    assert frame.loc["chaoyang-sic", "301 工资福利支出"] == D("724.73")
    assert pd.isna(frame.loc["dazhu-sic", "301 工资福利支出"])  # only the two totals in 大竹's prose


@pytest.mark.corpus
def test_economic_subject_defaults_to_the_basic_table(corpus_warehouse: Path) -> None:
    frame = compare(corpus_warehouse, subject="30101").set_index("unit_id")
    assert frame.loc["datong-sic", "value"] == D("516.01")  # 基本工资
    assert frame.loc["jincheng-hrss", "value"] == D("79.07")  # the table's 79.07 wins over the prose's 790728元
    assert comparison_title("subject", "30101", None, None) == "30101 · 一般公共预算财政拨款基本支出决算表 · 决算数"


# --- units and years --------------------------------------------------------------------------------------
def test_units_and_years_select_rows(handmade: Path) -> None:
    frame = compare(
        handmade, subject="合计", selection=Selection(units=("datong-sic", "chaoyang-sic"), years=(2022, 2023, 2024))
    )
    got = {(r.unit_id, r.year): (r.value, r.status) for r in frame.itertuples(index=False)}
    assert list(got) == [
        ("datong-sic", 2022),
        ("datong-sic", 2023),
        ("datong-sic", 2024),
        ("chaoyang-sic", 2022),
        ("chaoyang-sic", 2023),
        ("chaoyang-sic", 2024),
    ]
    assert got[("datong-sic", 2022)] == (D("3060.66"), "reported")
    assert got[("datong-sic", 2023)] == (D("5569.36"), "reported")
    assert got[("chaoyang-sic", 2024)] == (D("2079.31"), "reported")
    assert got[("chaoyang-sic", 2023)][1] == "not reported"
    # The hand-made lake was never validated: every comparison says so rather than claiming "reconciles".
    quality = {(r.unit_id, r.year): (r.quality, r.reconciles) for r in frame.itertuples(index=False)}
    assert quality[("datong-sic", 2023)][0] == "not validated" and pd.isna(quality[("datong-sic", 2023)][1])
    assert quality[("chaoyang-sic", 2023)][0] == "no report"


def test_cli_units_years_and_structure(handmade: Path) -> None:
    output = invoke(
        "compare", "--by", "class", "--units", "datong-sic", "--units", "wuhai-sic,jincheng-hrss",
        "--years", "2023-2024", "--format", "csv", "--warehouse", str(handmade),
    )  # fmt: skip
    frame = pd.read_csv(pd.io.common.StringIO(output), dtype=str)
    assert list(zip(frame["unit_id"], frame["year"], strict=True)) == [
        ("datong-sic", "2023"),
        ("datong-sic", "2024"),
        ("jincheng-hrss", "2023"),
        ("jincheng-hrss", "2024"),
        ("wuhai-sic", "2023"),
        ("wuhai-sic", "2024"),
    ]
    by_key = frame.set_index(["unit_id", "year"])
    assert by_key.loc[("wuhai-sic", "2024"), "208 社会保障和就业支出"] == "1888.42"
    assert by_key.loc[("wuhai-sic", "2023"), "status"] == "not reported"
    table = invoke("compare", "--by", "economic", "--warehouse", str(handmade))
    assert "基本支出 by economic class" in table
    markdown = invoke("compare", "--by", "economic", "--format", "markdown", "--warehouse", str(handmade))
    assert markdown.splitlines()[0].startswith(
        "| unit_id | unit_name | year | 人员经费 | 公用经费 | 301 工资福利支出 |"
    )


def test_parse_units_and_years() -> None:
    assert parse_units(["a,b", " c ", "a"]) == ("a", "b", "c")
    assert parse_units(None) is None
    assert parse_years(["2023"]) == (2023,)
    assert parse_years(["2024,2022", "2022-2023"]) == (2022, 2023, 2024)
    assert parse_years([]) is None
    for bad in ("twenty", "2024-2022", "1066", "2023-"):
        with pytest.raises(UsageError) as caught:
            parse_years([bad])
        assert bad in str(caught.value)
    with pytest.raises(UsageError):
        parse_units([" , "])
    assert default_table_column("2080109") == ("一般公共预算财政拨款支出决算表", "小计")
    assert default_table_column("302") == ("一般公共预算财政拨款基本支出决算表", "决算数")
    assert default_table_column("合计") == ("一般公共预算财政拨款支出决算表", "小计")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subject", "208", "--units", "datong-sic,nowhere"], "invalid --units: 'nowhere' (allowed: datong-sic"),
        (["--subject", "208", "--years", "2019,2023"], "invalid --years: '2019' (allowed: 2022, 2023, 2024)"),
        (["--subject", "208", "--years", "last"], "--years (YYYY, YYYY,YYYY or YYYY-YYYY)"),
        (["--by", "unit"], "invalid --by: 'unit' (allowed: subject, class, economic)"),
        (["--by", "subject"], "--subject (required with --by subject)"),
        (["--by", "class", "--table", "支出决算表"], "--table/--column (only with --by subject)"),
        (["--subject", "208", "--share"], "--share (only with --by class or --by economic)"),
        (["--subject", "208", "--year", "2023", "--years", "2024"], "--year together with --years"),
        (["--subject", "208", "--table", "支出决算表"], "--column (required with a --table other than the default)"),
        (["--subject", "208", "--format", "xlsx"], "invalid --format: 'xlsx' (allowed: table, csv, json, markdown)"),
    ],
)
def test_bad_options_are_one_clear_error(handmade: Path, args: list[str], message: str) -> None:
    output = fails("compare", *args, "--warehouse", str(handmade))
    assert message in " ".join(output.split())
