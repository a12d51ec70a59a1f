"""The analysts' comparison marts: structure, ratios, year on year, the subject matrix, budget execution.

Two warehouses: the hand-made lake of ``lake_fixtures`` (small, every figure known) and the corpus
warehouse of ``analyst_fixtures`` (the five real reports through the real pipeline), whose numbers
are checked against what the reports print.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from analyst_fixtures import UNIT_IDS, sample_warehouse
from lake_fixtures import build_sample_warehouse

from juesuan.warehouse.build import MART_MODELS, build_warehouse
from juesuan.warehouse.query import connect_readonly, run_query

D = Decimal
NEW_MARTS = (
    "unit_year_structure",
    "unit_ratios",
    "year_over_year",
    "subject_matrix",
    "budget_execution",
    "data_quality",
    "restated_facts",
)


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("marts"))


@pytest.fixture(scope="module")
def corpus_warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus).warehouse


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = connect_readonly(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def structure(path: Path) -> dict[tuple[str, str, str], Any]:
    frame = run_query(path, "SELECT * FROM unit_year_structure")
    return {(r.unit_id, r.dimension, r.component): r for r in frame.itertuples(index=False)}


def test_marts_are_built_after_what_they_read() -> None:
    assert set(NEW_MARTS) <= set(MART_MODELS)
    position = {name: i for i, name in enumerate(MART_MODELS)}
    assert position["unit_year_structure"] > max(position["unit_year_totals"], position["basic_expenditure"])
    assert position["unit_ratios"] > position["unit_year_structure"]


# --- the hand-made lake -----------------------------------------------------------------------------------
def test_structure_columns_and_sources(handmade: Path) -> None:
    frame = run_query(handmade, "SELECT * FROM unit_year_structure")
    assert list(frame.columns) == [
        "unit_id",
        "unit_name",
        "year",
        "dimension",
        "component_code",
        "component",
        "amount",
        "total",
        "total_name",
        "share",
        "source_kind",
        "basis",
    ]
    got = structure(handmade)
    datong = got[("datong-sic", "收入来源", "财政拨款收入")]
    assert (datong.amount, datong.total, datong.share, datong.basis) == (
        D("5569.36"),
        D("5569.36"),
        1.0,
        "收入决算表/合计/财政拨款收入",
    )
    # 大竹 states no 收入决算表: its 财政拨款收入 is the sum of the 总表's three budget lines (here one).
    dazhu = got[("dazhu-sic", "收入来源", "财政拨款收入")]
    assert (dazhu.amount, dazhu.source_kind) == (D("648.54"), "narrative")
    assert dazhu.basis == "收入支出决算总表/财政拨款收入（三项之和）/金额"
    # 朝阳 (hand-made) has no 人员经费合计 line: 301 + 303 from the economic classes.
    personnel = got[("chaoyang-sic", "基本支出经费", "人员经费")]
    assert personnel.amount == D("724.73") + D("23.96")
    assert personnel.basis.endswith("人员经费（经济分类之和）/决算数")
    assert personnel.total == D("724.73") + D("23.96") + D("269.65")
    basic = got[("datong-sic", "支出类型", "基本支出")]
    assert (basic.amount, basic.total, basic.total_name) == (D("2387.35"), D("5570.34"), "本年支出合计")
    assert basic.share == pytest.approx(0.428582)
    assert got[("datong-sic", "支出功能分类", "社会保障和就业支出")].component_code == "208"


def test_ratios(handmade: Path) -> None:
    everything = run_query(handmade, "SELECT * FROM unit_ratios")
    assert list(everything["unit_id"]) == [u for u in UNIT_IDS for _ in range(2 if u == "datong-sic" else 1)]
    frame = everything[everything.year == everything.groupby("unit_id").year.transform("max")].set_index("unit_id")
    datong = frame.loc["datong-sic"]
    assert datong["basic_share"] == pytest.approx(0.428582)
    assert datong["personnel_share_of_basic"] == pytest.approx(0.950768)  # 2268.97 of 2386.46
    assert datong["人员经费"] == D("2268.97")
    assert pd.isna(datong["三公经费"]) and pd.isna(datong["three_public_yuan_per_10k_public_use"])
    assert frame.loc["jincheng-hrss", "basic_share"] == pytest.approx(288.68 / 430.21, abs=1e-6)


def test_year_over_year_pairs_only_keys_stated_in_both_years(handmade: Path) -> None:
    frame = run_query(handmade, "SELECT * FROM year_over_year")
    # The lake holds one 2022 figure (datong's 一般公共预算 合计, restated by its 2023 report).
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row.unit_id, row.year, row.table_name, row.subject_key, row.column_name) == (
        "datong-sic",
        2023,
        "一般公共预算财政拨款支出决算表",
        "合计",
        "小计",
    )
    assert (row.previous_value, row.value, row.change) == (D("3060.66"), D("5569.36"), D("2508.70"))
    assert row.change_rate == pytest.approx(0.81966)
    assert (row.source_kind, row.previous_source_kind) == ("table", "narrative")


def test_subject_matrix_says_why_a_cell_is_empty(handmade: Path) -> None:
    frame = run_query(
        handmade,
        "SELECT year, unit_id, value, status FROM subject_matrix "
        "WHERE table_name = '一般公共预算财政拨款支出决算表' AND column_name = '小计' AND subject_code = '2080109'",
    )
    got = {(r.year, r.unit_id): (r.value, r.status) for r in frame.itertuples(index=False)}
    assert got[(2023, "datong-sic")] == (D("1734.75"), "reported")
    assert got[(2023, "jincheng-hrss")][1] == "not reported"  # books it under 2080108 / 2080110
    assert got[(2023, "chaoyang-sic")][1] == "no report"  # 朝阳's report is of 2024
    assert got[(2023, "taiyuan-sic")][1] == "no report"  # quarantined
    # Every registered unit has a row for every year the subject is stated in.
    assert len(frame) == 2 * 6
    # 乌海 has facts in 2024 but none of the 基本支出 table, where 朝阳 states 30101.
    published = run_query(
        handmade,
        "SELECT unit_id, status FROM subject_matrix WHERE table_name = '一般公共预算财政拨款基本支出决算表' "
        "AND column_name = '决算数' AND subject_code = '30101' AND year = 2024",
    )
    status = dict(zip(published["unit_id"], published["status"], strict=True))
    assert (status["chaoyang-sic"], status["wuhai-sic"]) == ("reported", "table not published")


def test_data_quality_without_a_validation_run(handmade: Path) -> None:
    frame = run_query(handmade, "SELECT * FROM data_quality").set_index(["unit_id", "year"])
    assert frame.loc[("datong-sic", 2023), "quality"] == "not validated"
    assert pd.isna(frame.loc[("datong-sic", 2023), "reconciles"])
    assert frame.loc[("datong-sic", 2023), "figures_source"] == "table"
    assert frame.loc[("dazhu-sic", 2023), "figures_source"] == "narrative"
    assert frame.loc[("taiyuan-sic", 2023), "quality"] == "no facts"  # its only document was quarantined
    assert frame.loc[("taiyuan-sic", 2023), "document_status"] == "quarantined"


def test_the_analyst_docs_list_every_mart_and_its_columns(handmade: Path) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "analysts.md").read_text(encoding="utf-8")
    found = rows(
        handmade,
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()",
    )
    per_unit = set(UNIT_IDS) | {"taiyuan-sic"}  # subject_comparison's generated columns
    for mart in MART_MODELS:
        heading = f"### `{mart}`"
        assert heading in docs, f"{mart} is not documented in docs/analysts.md"
        section = docs[docs.index(heading) :].split("\n### ", 1)[0]
        assert "```sql" in section and "|---" in section, f"{mart}: no example query and result"
        for table, column in found:
            if table == mart and column not in per_unit:
                assert f"| `{column}` |" in section, f"{mart}.{column} is not documented"


def test_every_new_mart_survives_an_empty_lake(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    build_warehouse(tmp_path / "lake", tmp_path / "wh.duckdb")
    for name in NEW_MARTS:
        assert rows(tmp_path / "wh.duckdb", f"SELECT count(*) FROM {name}") == [(0,)]


# --- the corpus -----------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_structure_of_the_five_reports(corpus_warehouse: Path) -> None:
    got = structure(corpus_warehouse)
    # 支出决算情况: 大同 基本支出 2,387.35 (42.86%), 项目支出 3,182.99 (57.14%).
    assert got[("datong-sic", "支出类型", "基本支出")].amount == D("2387.35")
    assert round(got[("datong-sic", "支出类型", "基本支出")].share, 4) == 0.4286
    assert round(got[("datong-sic", "支出类型", "项目支出")].share, 4) == 0.5714
    # 大竹 (narrative only): 基本支出 578.15 (85.73%), 人员经费 507.2, 公用经费 70.95.
    assert round(got[("dazhu-sic", "支出类型", "基本支出")].share, 4) == 0.8573
    assert got[("dazhu-sic", "基本支出经费", "人员经费")].amount == D("507.2")
    assert got[("dazhu-sic", "基本支出经费", "公用经费")].source_kind == "narrative"
    # 晋城: 其他收入 0.01 from its 收入决算表 beside 财政拨款收入 430.21.
    assert got[("jincheng-hrss", "收入来源", "其他收入")].amount == D("0.01")
    # 乌海 (narrative only): 208 is 1,888.42 of 1,956.06.
    wuhai_208 = got[("wuhai-sic", "支出功能分类", "社会保障和就业支出")]
    assert (wuhai_208.amount, wuhai_208.total) == (D("1888.42"), D("1956.06"))
    units = {unit for unit, _, _ in got}
    assert units == set(UNIT_IDS)


@pytest.mark.corpus
def test_ratios_of_the_five_reports(corpus_warehouse: Path) -> None:
    frame = run_query(corpus_warehouse, "SELECT * FROM unit_ratios").set_index("unit_id")
    assert list(frame.index) == list(UNIT_IDS)
    # 大同: 三公 3.18 万元 on 公用经费 117.49 万元 = 270.66 元 per 万元; budget 3.18 fully spent.
    assert frame.loc["datong-sic", "three_public_yuan_per_10k_public_use"] == pytest.approx(270.66)
    assert frame.loc["datong-sic", "three_public_execution"] == pytest.approx(1.0)
    # 晋城: 三公 budget 0, spent 0 — execution is undefined, not 100%.
    assert pd.isna(frame.loc["jincheng-hrss", "three_public_execution"])
    assert frame.loc["chaoyang-sic", "personnel_share_of_basic"] == pytest.approx(748.69 / 1018.34, abs=1e-6)
    assert frame.loc["wuhai-sic", "basic_share"] == pytest.approx(500.32 / 1958.13, abs=1e-6)
    assert (frame["appropriation_share"] == 1.0).all()  # all five live on appropriations alone


@pytest.mark.corpus
def test_data_quality_carries_the_identity_checks(corpus_warehouse: Path) -> None:
    quality = run_query(corpus_warehouse, "SELECT * FROM data_quality").set_index("unit_id")
    summary = run_query(corpus_warehouse, "SELECT * FROM identity_summary").set_index("unit_id")
    assert list(quality.index) == list(UNIT_IDS)
    for unit in UNIT_IDS:
        row, checks = quality.loc[unit], summary.loc[unit]
        assert (row.checks, row.errors, row.rounding) == (checks.checks, checks.errors, checks.rounding)
        assert row.reconciles == (checks.errors == 0)
        assert row.quality in ("exact", "rounding", "warnings", "errors")
    # Narrative-only reports leave many identities without a side: the share checked says so.
    assert quality.loc["dazhu-sic", "checked_share"] < quality.loc["datong-sic", "checked_share"]
    ratios = run_query(corpus_warehouse, "SELECT unit_id, quality, reconciles FROM unit_ratios").set_index("unit_id")
    assert ratios["quality"].to_dict() == quality["quality"].to_dict()


@pytest.mark.corpus
def test_budget_execution_of_the_three_public_table(corpus_warehouse: Path) -> None:
    frame = run_query(corpus_warehouse, "SELECT * FROM budget_execution WHERE budget_kind = '预算数'")
    datong = frame[(frame.unit_id == "datong-sic") & (frame.subject_key == "合计")].iloc[0]
    assert (datong.budget, datong.actual, datong.difference) == (D("3.18"), D("3.18"), D("0.00"))
    assert set(frame["table_name"]) == {"财政拨款“三公”经费支出决算表"}
    assert set(frame["actual_column"]) == {"决算数"}


@pytest.mark.corpus
def test_budget_execution_of_the_initial_budgets_the_narratives_state(corpus_warehouse: Path) -> None:
    frame = run_query(corpus_warehouse, "SELECT * FROM budget_execution WHERE budget_kind = '年初预算数'")
    assert set(frame["table_name"]) == {"一般公共预算财政拨款支出决算表"}
    assert set(frame["actual_column"]) == {"小计"}
    assert set(frame["budget_source_kind"]) == {"narrative"}
    got = {(r.unit_id, r.subject_key): r for r in frame.itertuples(index=False)}
    # 大同 and 晋城: the stated total against the 小计 of their published table.
    datong = got[("datong-sic", "合计")]
    assert (datong.year, datong.budget, datong.actual, datong.actual_source_kind) == (
        2023,
        D("2296.46"),
        D("5569.36"),
        "table",
    )
    assert round(datong.execution_rate * 100, 2) == 242.52  # "完成年初预算的242.52%"
    jincheng = got[("jincheng-hrss", "合计")]
    assert (jincheng.budget, jincheng.actual, jincheng.difference) == (D("485.94"), D("430.21"), D("-55.73"))
    assert round(jincheng.execution_rate * 100, 2) == 88.53
    # 乌海 (narrative only): the total, and every 项 it states "年初预算 X, 支出决算 Y" for.
    wuhai = {key: (r.budget, r.actual) for (unit, key), r in got.items() if unit == "wuhai-sic"}
    assert wuhai == {
        "合计": (D("591.64"), D("1956.06")),
        "2012999": (D("5.63"), D("5.63")),
        "2080109": (D("456.68"), D("447.25")),
        "2080501": (D("11.05"), D("13.71")),
        "2080505": (D("39.50"), D("40.52")),
        "2080506": (D("19.75"), D("9.16")),
        "2089999": (D("0"), D("1377.76")),
        "2101101": (D("22.70"), D("22.37")),
        "2210201": (D("36.33"), D("39.64")),
    }
    rates = {key: r.execution_rate for (unit, key), r in got.items() if unit == "wuhai-sic"}
    # The rates the report prints: 330.62%, 97.94%, 46.38% …; a zero budget has none.
    assert [round(rates[k] * 100, 2) for k in ("合计", "2080109", "2080506", "2210201")] == [
        330.62,
        97.94,
        46.38,
        109.11,
    ]
    assert pd.isna(rates["2089999"])
    # 朝阳 states rates only, 大竹 one project's budget: no row.
    assert {unit for unit, _ in got} == {"datong-sic", "jincheng-hrss", "wuhai-sic"}


@pytest.mark.corpus
def test_year_over_year_from_the_first_reports(corpus_warehouse: Path) -> None:
    frame = run_query(corpus_warehouse, "SELECT * FROM year_over_year")
    got = {(r.unit_id, r.table_name, r.subject_key, r.column_name): r for r in frame.itertuples(index=False)}
    # The derived changes reproduce the percentages the reports print.
    datong = got[("datong-sic", "收入支出决算总表", "收入总计", "金额")]
    assert (datong.year, datong.previous_value, datong.value, datong.change) == (
        2023,
        D("3060.90"),
        D("5570.34"),
        D("2509.44"),
    )
    assert round(datong.change_rate * 100, 2) == 81.98  # 增长81.98%
    dazhu = got[("dazhu-sic", "一般公共预算财政拨款支出决算表", "合计", "小计")]
    assert round(dazhu.change_rate * 100, 2) == 3.52  # 增长3.52 %
    jincheng = got[("jincheng-hrss", "收入支出决算总表", "收入总计", "金额")]
    assert round(jincheng.change_rate * 100, 2) == -11.72  # 下降11.72%
    wuhai = got[("wuhai-sic", "收入支出决算总表", "收入总计", "金额")]
    assert (wuhai.year, round(wuhai.change_rate * 100, 2)) == (2024, 184.62)  # 增长 184.62%
    assert wuhai.previous_source_kind == "narrative"
    assert {r.unit_id for r in frame.itertuples()} == set(UNIT_IDS)
    # No report of a previous year is loaded: every last-year figure is restated by the report itself.
    documents = dict(rows(corpus_warehouse, "SELECT unit_id, sha256 FROM documents"))
    assert frame["previous_restated"].all()
    assert all(documents[r.unit_id] == r.previous_document_sha256 for r in frame.itertuples())


@pytest.mark.corpus
def test_restated_figures_keep_their_provenance(corpus_warehouse: Path, corpus: type) -> None:
    frame = run_query(corpus_warehouse, "SELECT * FROM restated_facts")
    assert set(frame["unit_id"]) == set(UNIT_IDS)
    assert (frame["year"] == frame["restated_from_year"] - 1).all()
    assert set(zip(frame["unit_id"], frame["restated_from_year"], strict=True)) == {
        (unit, corpus.year(unit)) for unit in UNIT_IDS
    }
    assert set(frame["source_kind"]) == {"narrative"}
    assert not frame["superseded"].any() and frame["reported_value"].isna().all()  # no report of year - 1
    got = {(r.unit_id, r.table_name, r.subject_key, r.column_name): r for r in frame.itertuples(index=False)}
    # 大同: "公务用车运行维护费支出3.18万元，…，比上年度减少0.01万元" gives 2022's 3.19.
    car = got[("datong-sic", "财政拨款“三公”经费支出决算表", "公务用车运行维护费", "决算数")]
    assert (car.year, car.value) == (2022, D("3.19"))
    assert "3.18万元" in car.raw_text and "减少0.01万元" in car.raw_text
    assert car.raw_text in corpus.text("datong-sic")
    # 晋城: "与上年相比，收入总计减少68.63万元" after 收入总计516.85万元: 2022's 585.48.
    assert got[("jincheng-hrss", "收入支出决算总表", "收入总计", "金额")].value == D("585.48")
    # 乌海 2024 restates 2023: "本年收入决算合计 1956.06 万元。与上年决算相比,增加 1271 万元".
    income = got[("wuhai-sic", "收入支出决算总表", "本年收入合计", "金额")]
    assert (income.year, income.value) == (2023, D("685.06"))


@pytest.mark.corpus
def test_restated_years_are_no_reports(corpus_warehouse: Path, corpus: type) -> None:
    """A year known only from the next report's restatements is not a report anywhere but in year_over_year."""
    report_years = {(unit, corpus.year(unit)) for unit in UNIT_IDS}
    for relation in (
        "facts",
        "preferred_facts",
        "unit_year_totals",
        "unit_year_structure",
        "unit_ratios",
        "report_coverage",
        "data_quality",
        "identity_summary",
        "identity_findings",
    ):
        found = set(rows(corpus_warehouse, f"SELECT DISTINCT unit_id, year FROM {relation} WHERE unit_id IS NOT NULL"))
        restated = {(unit, year) for unit, year in found if (unit, year + 1) in report_years}
        assert restated == set(), f"{relation} lists restated-only unit-years {sorted(restated)}"
    # subject_matrix has a row for every unit in every year any unit reports: there, no report.
    matrix = rows(
        corpus_warehouse, "SELECT DISTINCT unit_id, year, status FROM subject_matrix WHERE year IN (2022, 2023)"
    )
    assert {status for unit, year, status in matrix if (unit, year + 1) in report_years} == {"no report"}
    # The identity suites validated the five reports and nothing else.
    assert set(rows(corpus_warehouse, "SELECT unit_id, year FROM identity_summary")) == report_years
