"""``juesuan compare``: one subject, the class structure and the economic structure, for chosen units and years."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from analyst_fixtures import UNIT_IDS, sample_warehouse
from lake_fixtures import build_sample_warehouse
from rich.cells import cell_len
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
    return result.stdout  # notes go to stderr


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
    assert header == "unit_id,unit_name,year,value,source_kind,status,quality,reconciles,short_name"
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
    assert {unit: row[6:8] for unit, row in got.items()} == expected
    assert [row[8] for row in got.values()] == ["大同", "大竹", "朝阳", "晋城", "乌海"]
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
        (["--subject", "208", "--year", "2023", "--years", "2024"], "--year together with --years"),
        (["--subject", "208", "--table", "支出决算表"], "--column (required with a --table other than the default)"),
        (["--subject", "208", "--format", "xlsx"], "invalid --format: 'xlsx' (allowed: table, csv, json, markdown)"),
    ],
)
def test_bad_options_are_one_clear_error(handmade: Path, args: list[str], message: str) -> None:
    output = fails("compare", *args, "--warehouse", str(handmade))
    assert message in " ".join(output.split())


# --- a subject by name, year ranges, notes, short names, the terminal ------------------------------------
@pytest.mark.corpus
def test_a_subject_by_its_name_or_part_of_it(corpus_warehouse: Path) -> None:
    from juesuan.warehouse.query import compare_units
    from juesuan.warehouse.subject_search import find_subjects

    by_name = compare_units(corpus_warehouse, subject="社会保障和就业支出")
    assert by_name.subject_key == "208"
    assert by_name.frame.set_index("unit_id").loc["datong-sic", "value"] == D("5347.00")
    assert any("208 社会保障和就业支出" in note.en for note in by_name.notes)
    # Part of a name lists the matching subjects, 208 first; the command prints them and fails.
    result = runner.invoke(app, ["compare", "--subject", "社会保障", "--warehouse", str(corpus_warehouse)])
    assert result.exit_code == 1
    listing = result.stderr
    assert "matching subjects for '社会保障'" in listing
    assert listing.index("208") < listing.index("20801") < listing.index("313")
    assert "pass one of their codes as --subject" in " ".join(listing.split())
    assert find_subjects_first(corpus_warehouse, "社会保障") == "208"
    from juesuan.warehouse.query import connect_readonly

    connection = connect_readonly(corpus_warehouse)
    try:
        matches = find_subjects(connection, "养老")
    finally:
        connection.close()
    assert matches and all("养老" in m.name for m in matches)


def find_subjects_first(warehouse: Path, text: str) -> str:
    from juesuan.warehouse.query import connect_readonly
    from juesuan.warehouse.subject_search import find_subjects

    connection = connect_readonly(warehouse)
    try:
        return find_subjects(connection, text)[0].key
    finally:
        connection.close()


@pytest.mark.corpus
def test_an_unknown_code_suggests_the_nearest(corpus_warehouse: Path) -> None:
    result = runner.invoke(app, ["compare", "--subject", "999", "--warehouse", str(corpus_warehouse)])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "no unit reports 999" in text and "nearest subjects for '999'" in text
    assert "2089999" in text  # 其他社会保障和就业支出 holds 999


@pytest.mark.corpus
def test_a_year_range_keeps_the_years_with_reports_and_says_so(corpus_warehouse: Path) -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            "--subject",
            "208",
            "--years",
            "2022-2024",
            "--format",
            "csv",
            "--warehouse",
            str(corpus_warehouse),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str)
    assert sorted(set(frame["year"])) == ["2023", "2024"]
    assert "no unit has a report of 2022" in " ".join(result.stderr.split())
    # Named years stay strict: a year nobody reported is an error naming the years there are.
    output = fails("compare", "--subject", "208", "--years", "2022,2023", "--warehouse", str(corpus_warehouse))
    assert "invalid --years: '2022' (allowed: 2023, 2024)" in " ".join(output.split())


@pytest.mark.corpus
def test_the_terminal_table_uses_short_names_states_mixed_years_and_fits(corpus_warehouse: Path) -> None:
    result = runner.invoke(
        app, ["compare", "--by", "class", "--share", "--warehouse", str(corpus_warehouse)], terminal_width=80
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)  # the terminal's width (a CJK character is two cells)
    table_lines = [
        line for line in lines if "│" in line and line.lstrip().startswith(("大同", "大竹", "朝阳", "晋城", "乌海"))
    ]
    assert len(table_lines) == 5  # one line per unit: names are never wrapped a character per line
    assert "208 社会保障和就业支出" in result.stdout  # the codes' legend
    text = " ".join(result.stdout.split())
    assert "mixed years" in text and "2023: 大同, 大竹, 晋城; 2024: 朝阳, 乌海" in text


@pytest.mark.corpus
def test_share_of_a_subject_is_of_the_units_total(corpus_warehouse: Path) -> None:
    frame = compare(corpus_warehouse, subject="208", measure="share").set_index("unit_id")
    assert list(frame.columns[:5]) == ["unit_name", "year", "value", "share", "source_kind"]
    assert frame.loc["datong-sic", "share"] == pytest.approx(5347.00 / 5569.36, abs=1e-6)


def test_a_subject_nobody_states_in_the_table_says_where_it_is_stated(handmade: Path) -> None:
    from juesuan.warehouse.query import compare_units

    comparison = compare_units(handmade, subject="合计", table_name="支出决算表", column_name="基本支出")
    stated = comparison.frame["status"] == "reported"
    if not stated.any():
        assert any("is stated in" in note.en for note in comparison.notes)
    other = compare_units(handmade, subject="2080109", table_name="收入决算表", column_name="本年收入合计")
    assert not (other.frame["status"] == "reported").any()
    assert any("no selected unit states 2080109" in note.en for note in other.notes)
