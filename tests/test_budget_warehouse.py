"""Budget reports (预算) in the warehouse: loaded beside the 决算, kept out of the 决算 marts, set against
the 决算 in ``budget_vs_final``, refreshed per kind, and compared with ``--measure``."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_fixtures import FIGURES, N, Row, T, budget_sha, build_sample_lake, sha, write_report
from test_warehouse_refresh import rows
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.contract import (
    BUDGET,
    BUDGET_BASIC,
    BUDGET_EXPENDITURE,
    BUDGET_FISCAL_BASIC,
    BUDGET_GENERAL,
    BUDGET_THREE_PUBLIC,
    BUDGET_TOTALS,
    GENERAL_BUDGET,
    THREE_PUBLIC,
)
from juesuan.errors import UsageError, WarehouseError
from juesuan.lake import FACTS, Lake
from juesuan.warehouse.build import MART_MODELS, build_warehouse, refresh_warehouse
from juesuan.warehouse.query import Selection, compare_units

#: datong's 2023 决算 with the initial budget its prose states (年初预算数 of the 合计).
DATONG_FINAL: list[Row] = [
    *FIGURES[("datong-sic", 2023)],
    (GENERAL_BUDGET, None, "合计", "年初预算数", "5600.00", N),
    (THREE_PUBLIC, None, "合计", "预算数", "3.50", T),
    (THREE_PUBLIC, None, "合计", "决算数", "3.18", T),
    (THREE_PUBLIC, None, "公务接待费", "决算数", "1.00", T),
]
#: The 预算 reports (万元): datong and dazhu 2023 beside their 决算, wuhai 2025 without one.
BUDGETS: dict[tuple[str, int], list[Row]] = {
    ("datong-sic", 2023): [
        (BUDGET_GENERAL, None, "合计", "合计", "5600.00", T),
        (BUDGET_GENERAL, "208", "社会保障和就业支出", "合计", "5400.00", T),
        (BUDGET_GENERAL, "208", "社会保障和就业支出", "合计", "5399.00", N),  # the table wins
        (BUDGET_GENERAL, "2080109", "社会保险经办机构", "合计", "1800.00", T),
        (BUDGET_GENERAL, "210", "卫生健康支出", "合计", "0", T),
        (BUDGET_GENERAL, "213", "农林水支出", "合计", "10.00", T),
        (BUDGET_EXPENDITURE, None, "合计", "基本支出", "2400.00", T),
        # A 三公 table that prints 会议费 and 培训费: its 合计 is theirs too, “三公”经费 the three's.
        (BUDGET_THREE_PUBLIC, None, "合计", "预算数", "10.00", T),
        (BUDGET_THREE_PUBLIC, None, "“三公”经费", "预算数", "4.00", T),
        (BUDGET_THREE_PUBLIC, None, "公务接待费", "预算数", "1.20", T),
        (BUDGET_THREE_PUBLIC, None, "会议费", "预算数", "3.00", T),
        (BUDGET_THREE_PUBLIC, None, "培训费", "预算数", "3.00", T),
        (BUDGET_TOTALS, None, "一般公共预算资金", "预算数", "5600.00", T),  # the 决算's 一般公共预算财政拨款收入
        # 基本支出 by economic class: the 一般公共预算 table first, the 财政拨款 one where it has no row.
        (BUDGET_BASIC, "301", "工资福利支出", "合计", "1500.00", T),
        (BUDGET_FISCAL_BASIC, "301", "工资福利支出", "合计", "1600.00", T),
        (BUDGET_FISCAL_BASIC, "302", "商品和服务支出", "合计", "120.00", T),
    ],
    ("dazhu-sic", 2023): [
        (BUDGET_BASIC, None, "合计", "人员经费", "500.00", T),
        (BUDGET_GENERAL, "208", "社会保障和就业支出", "合计", "600.00", N),
        (BUDGET_THREE_PUBLIC, None, "合计", "预算数", "5.00", T),  # the three only: its 合计 is theirs
    ],
    ("wuhai-sic", 2025): [
        (BUDGET_GENERAL, "208", "社会保障和就业支出", "合计", "2000.00", T),
    ],
}


def final_lake(root: Path) -> Lake:
    lake = build_sample_lake(root)
    write_report(lake, "datong-sic", 2023, DATONG_FINAL)
    return lake


def add_budgets(lake: Lake) -> None:
    for (unit_id, year), budget_rows in BUDGETS.items():
        write_report(lake, unit_id, year, budget_rows, report_kind=BUDGET)
    # datong's 预算 was validated: one budget identity (B…) is off, one holds.
    checks = pa.table(
        {
            "run_id": ["run-1", "run-1"],
            "check_id": ["datong-sic/2023/预算/B01/合计", "datong-sic/2023/预算/B02/208"],
            "rule_id": ["B01", "B02"],
            "severity": ["passed", "error"],
            "report_kind": [BUDGET, BUDGET],
        }
    )
    folder = lake.partition(FACTS, "datong-sic", 2023).parent.parent.parent.parent / "identity_findings"
    target = folder / "year=2023" / "unit_id=datong-sic" / "identity_findings.budget.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(checks, target)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(warehouse of the 决算 only, warehouse of the same lake with the 预算 reports added)."""
    root = tmp_path_factory.mktemp("budget")
    lake = final_lake(root / "lake")
    build_warehouse(lake.url, root / "final.duckdb")
    add_budgets(lake)
    build_warehouse(lake.url, root / "both.duckdb")
    return root / "final.duckdb", root / "both.duckdb"


def vs(path: Path, where: str) -> list[tuple[Any, ...]]:
    return rows(
        path,
        "SELECT budget_amount, final_amount, difference, execution_rate, stated_budget "
        f"FROM budget_vs_final WHERE {where}",
    )


def test_budget_vs_final_sets_each_budget_beside_its_outturn(both: tuple[Path, Path]) -> None:
    _, built = both
    datong = "unit_id = 'datong-sic' AND year = 2023 AND final_table = '一般公共预算财政拨款支出决算表'"
    assert vs(built, datong + " AND subject_key = '208' AND final_column = '小计'") == [
        (Decimal("5400.000000"), Decimal("5347.000000"), Decimal("-53.000000"), Decimal("99.02"), None)
    ]
    # The 决算's own 年初预算数 beside the budget report's figure.
    assert vs(built, datong + " AND subject_key = '合计' AND final_column = '小计'") == [
        (
            Decimal("5600.000000"),
            Decimal("5569.360000"),
            Decimal("-30.640000"),
            Decimal("99.45"),
            Decimal("5600.000000"),
        )
    ]
    # A zero budget has no execution rate; a subject only the budget states has no outturn (NULL, not 0).
    assert vs(built, datong + " AND subject_key = '210' AND final_column = '小计'") == [
        (Decimal("0E-6"), Decimal("59.400000"), Decimal("59.400000"), None, None)
    ]
    assert vs(built, datong + " AND subject_key = '213'") == [(Decimal("10.000000"), None, None, None, None)]
    # Another pair of tables: 支出预算表 基本支出 against 支出决算表 基本支出.
    assert vs(built, "unit_id = 'datong-sic' AND final_table = '支出决算表' AND final_column = '基本支出'") == [
        (Decimal("2400.000000"), Decimal("2387.350000"), Decimal("-12.650000"), Decimal("99.47"), None)
    ]
    # A line paired with a column: the budget's 合计/人员经费 against the 决算's 人员经费合计 (its prose).
    assert vs(built, "unit_id = 'dazhu-sic' AND subject_key = '人员经费合计'") == [
        (Decimal("500.000000"), Decimal("507.200000"), Decimal("7.200000"), Decimal("101.44"), None)
    ]
    provenance = rows(
        built,
        "SELECT budget_document_sha256, budget_page, final_document_sha256, final_page, budget_source_kind, "
        "final_source_kind, budget_table, budget_column FROM budget_vs_final "
        f"WHERE {datong} AND subject_key = '208' AND final_column = '小计'",
    )
    assert provenance == [
        (budget_sha("datong-sic", 2023), 2, sha("datong-sic", 2023), 23, "table", "table", BUDGET_GENERAL, "合计")
    ]


def test_the_three_public_total_is_the_budgets_subtotal_where_it_prints_one(both: tuple[Path, Path]) -> None:
    _, built = both
    three = "final_table = '财政拨款“三公”经费支出决算表' AND subject_key = '合计'"
    assert vs(built, f"unit_id = 'datong-sic' AND {three}") == [
        (Decimal("4.000000"), Decimal("3.180000"), Decimal("-0.820000"), Decimal("79.50"), Decimal("3.500000"))
    ]
    assert rows(built, f"SELECT budget_subject_key FROM budget_vs_final WHERE unit_id = 'datong-sic' AND {three}") == [
        ("“三公”经费",)
    ]
    assert vs(built, f"unit_id = 'dazhu-sic' AND {three}") == [(Decimal("5.000000"), None, None, None, None)]
    assert vs(built, "unit_id = 'datong-sic' AND subject_key = '公务接待费'") == [
        (Decimal("1.200000"), Decimal("1.000000"), Decimal("-0.200000"), Decimal("83.33"), None)
    ]
    # 会议费 is a budget line with no 决算 counterpart; the subtotal is not a row of its own.
    assert vs(built, "unit_id = 'datong-sic' AND subject_key = '会议费'") == [
        (Decimal("3.000000"), None, None, None, None)
    ]
    assert vs(built, "unit_id = 'datong-sic' AND subject_key = '“三公”经费'") == []


def test_a_fund_line_the_budget_names_otherwise_meets_the_finals(both: tuple[Path, Path]) -> None:
    _, built = both
    line = "unit_id = 'datong-sic' AND subject_key = '一般公共预算财政拨款收入'"
    assert vs(built, line) == [
        (Decimal("5600.000000"), Decimal("5569.360000"), Decimal("-30.640000"), Decimal("99.45"), None)
    ]
    assert rows(built, f"SELECT budget_table, budget_subject_key FROM budget_vs_final WHERE {line}") == [
        ("收支预算总表", "一般公共预算资金")
    ]
    assert vs(built, "unit_id = 'datong-sic' AND subject_key = '一般公共预算资金'") == []


def test_alternative_budget_tables_fill_the_rows_the_first_lacks(both: tuple[Path, Path]) -> None:
    _, built = both
    basic = (
        "SELECT subject_key, budget_table, budget_amount, final_amount, execution_rate FROM budget_vs_final "
        "WHERE unit_id = 'datong-sic' AND final_table = '一般公共预算财政拨款基本支出决算表' ORDER BY subject_key"
    )
    assert rows(built, basic) == [
        ("301", "一般公共预算基本支出预算表", Decimal("1500.000000"), Decimal("1557.940000"), Decimal("103.86")),
        ("30101", "一般公共预算基本支出预算表", None, Decimal("516.010000"), None),
        ("302", "财政拨款基本支出预算表", Decimal("120.000000"), Decimal("117.490000"), Decimal("97.91")),
        ("303", "一般公共预算基本支出预算表", None, Decimal("711.030000"), None),
    ]


def test_a_missing_report_is_null_never_zero(both: tuple[Path, Path]) -> None:
    _, built = both
    # jincheng has a 决算 and no 预算: its budget is unknown.
    assert vs(built, "unit_id = 'jincheng-hrss' AND subject_key = '208' AND final_column = '小计'") == [
        (None, Decimal("389.810000"), None, None, None)
    ]
    # wuhai 2025 has a 预算 and no 决算.
    assert vs(built, "unit_id = 'wuhai-sic' AND year = 2025") == [(Decimal("2000.000000"), None, None, None, None)]
    # One row per unit, year, pair and subject.
    assert rows(
        built,
        "SELECT count(*) FROM (SELECT unit_id, year, final_table, final_column, budget_table, budget_column, "
        "subject_key, count(*) FROM budget_vs_final GROUP BY ALL HAVING count(*) > 1)",
    ) == [(0,)]


def test_the_final_accounts_marts_do_not_change_when_budgets_arrive(both: tuple[Path, Path]) -> None:
    before, after = both
    kinds = {
        table for (table,) in rows(after, "SELECT table_name FROM duckdb_columns() WHERE column_name = 'report_kind'")
    }
    compared = [m for m in MART_MODELS if m not in ("budget_vs_final", "budget_final_pairs")]
    for mart in compared:
        where = " WHERE report_kind = '决算'" if mart in kinds else ""
        old = sorted(rows(before, f"SELECT * FROM {mart}{where}"), key=repr)
        new = sorted(rows(after, f"SELECT * FROM {mart}{where}"), key=repr)
        assert old == new, f"{mart} changed when the 预算 reports were added"
    assert rows(after, "SELECT count(*) FROM facts WHERE report_kind = '预算'") == [(20,)]
    assert rows(after, "SELECT report_kind, count(*) FROM documents GROUP BY 1 ORDER BY 1") == [
        ("决算", 7),
        ("预算", 3),
    ]


def test_a_refresh_loads_a_new_or_changed_budget_file_and_keeps_the_final(tmp_path: Path) -> None:
    lake = final_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    refresh_warehouse(lake.url, warehouse)
    add_budgets(lake)
    refreshed = refresh_warehouse(lake.url, warehouse)
    # facts, code_repairs, parsed_tables and prior_year_facts of three 预算 reports, datong's budget
    # identities and documents.parquet
    assert not refreshed.full and refreshed.changed_files == 14
    changed = [r if r[1] != "208" or r[5] != T else (*r[:4], "5500.00", T) for r in BUDGETS[("datong-sic", 2023)]]
    write_report(lake, "datong-sic", 2023, changed, report_kind=BUDGET)
    refreshed = refresh_warehouse(lake.url, warehouse)
    assert not refreshed.full and refreshed.changed_files == 1  # the 预算's facts file only
    assert rows(warehouse, "SELECT count(*) FROM facts WHERE unit_id = 'datong-sic' AND year = 2023") == [
        (len(DATONG_FINAL) + len(BUDGETS[("datong-sic", 2023)]),)
    ]
    assert vs(
        warehouse,
        "unit_id = 'datong-sic' AND subject_key = '208' AND final_table = '一般公共预算财政拨款支出决算表' "
        "AND final_column = '小计'",
    ) == [(Decimal("5500.000000"), Decimal("5347.000000"), Decimal("-153.000000"), Decimal("97.22"), None)]
    # A removed budget file takes only the budget's rows with it.
    (lake.partition(FACTS, "datong-sic", 2023).parent / "facts.budget.parquet").unlink()
    refreshed = refresh_warehouse(lake.url, warehouse)
    assert refreshed.removed_files == 1
    kinds = "SELECT report_kind, count(*) FROM facts WHERE unit_id = 'datong-sic' AND year = 2023 GROUP BY 1"
    assert rows(warehouse, kinds) == [("决算", len(DATONG_FINAL))]
    build_warehouse(lake.url, tmp_path / "full.duckdb")
    assert sorted(rows(warehouse, "SELECT * FROM budget_vs_final"), key=repr) == sorted(
        rows(tmp_path / "full.duckdb", "SELECT * FROM budget_vs_final"), key=repr
    )


def test_a_file_holding_the_other_kind_is_refused(tmp_path: Path) -> None:
    lake = final_lake(tmp_path / "lake")
    folder = lake.partition(FACTS, "datong-sic", 2023).parent
    table = pq.read_table(folder / "facts.parquet")
    kinds = pa.array([BUDGET] * table.num_rows)
    table = table.set_column(table.schema.get_field_index("report_kind"), "report_kind", kinds)
    pq.write_table(table, folder / "facts.parquet")
    with pytest.raises(WarehouseError, match="report_kind"):
        build_warehouse(lake.url, tmp_path / "wh.duckdb")


# --- compare --measure --------------------------------------------------------------------------------------
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_compare_measures_budget_final_and_execution(both: tuple[Path, Path]) -> None:
    _, built = both
    units = ["--units", "datong-sic,dazhu-sic,jincheng-hrss", "--years", "2023"]
    common = ["compare", "--subject", "208", *units, "--warehouse", str(built), "--format", "csv"]
    final = invoke(*common)
    assert final == invoke(*common, "--measure", "final")  # the default is today's comparison
    assert final.splitlines()[0].split(",")[:4] == ["unit_id", "unit_name", "year", "value"]
    budget = pd.read_csv(io.StringIO(invoke(*common, "--measure", "budget")), dtype=str, keep_default_na=False)
    assert list(budget.columns[:6]) == ["unit_id", "unit_name", "year", "预算数", "source_kind", "status"]
    assert budget.set_index("unit_id")["预算数"].to_dict() == {
        "datong-sic": "5400.00",
        "dazhu-sic": "600.00",  # stated in its prose only
        "jincheng-hrss": "",  # no 预算 report: not reported, not 0
    }
    assert budget.set_index("unit_id").loc["jincheng-hrss", "status"] == "not reported"
    execution = pd.read_csv(io.StringIO(invoke(*common, "--measure", "execution")), dtype=str, keep_default_na=False)
    assert list(execution.columns[3:7]) == ["执行率", "预算数", "决算数", "差额"]
    datong = execution.set_index("unit_id").loc["datong-sic"]
    assert [datong["执行率"], datong["预算数"], datong["决算数"], datong["差额"]] == [
        "99.02",
        "5400.00",
        "5347.00",
        "-53.00",
    ]
    assert execution.set_index("unit_id").loc["dazhu-sic", "执行率"] == "101.18"  # 607.08 / 600
    table = invoke("compare", "--subject", "208", *units, "--warehouse", str(built), "--measure", "execution")
    assert "执行率" in table and "99.02" in table
    assert "决算数" in invoke("compare", "--subject", "208", *units, "--warehouse", str(built))


def test_the_budget_measure_carries_the_budget_reports_quality(both: tuple[Path, Path]) -> None:
    _, built = both
    chosen = Selection(units=("datong-sic", "dazhu-sic"), years=(2023,))
    budget = compare_units(built, subject="208", selection=chosen, report_measure="budget").frame
    assert budget["quality"].tolist() == ["errors", "not validated"]  # datong's B02 is off
    assert budget["reconciles"].iloc[0] == False  # noqa: E712 (a nullable boolean)
    assert pd.isna(budget["reconciles"].iloc[1])
    final = compare_units(built, subject="208", selection=chosen).frame  # the 决算s were not validated
    assert final["quality"].tolist() == ["not validated", "not validated"]
    assert rows(built, "SELECT unit_id, report_kind, errors FROM identity_summary") == [("datong-sic", "预算", 1)]


def test_the_budget_measure_takes_the_budget_years(both: tuple[Path, Path]) -> None:
    _, built = both
    comparison = compare_units(built, subject="208", selection=Selection(units=("wuhai-sic",)), report_measure="budget")
    assert comparison.frame[["year", "预算数"]].values.tolist() == [[2025, Decimal("2000.000000")]]
    assert comparison.measure_label == "预算数" and comparison.value_column == "预算数"
    with pytest.raises(UsageError, match="--measure"):
        compare_units(built, subject="208", report_measure="plan")
    with pytest.raises(UsageError, match="one the 预算 reports have a pair for"):
        compare_units(built, subject="208", table_name="收入支出决算总表", column_name="合计", report_measure="budget")


def test_the_structures_by_class_and_economic_take_the_budget_measures(both: tuple[Path, Path]) -> None:
    _, built = both
    chosen = Selection(units=("datong-sic", "dazhu-sic", "jincheng-hrss"), years=(2023,))
    budget = compare_units(built, by="class", selection=chosen, report_measure="budget")
    assert "预算数" in budget.title and "一般公共预算支出预算表/合计" in budget.title
    frame = budget.frame.set_index("unit_id")
    assert list(frame.columns[2:5]) == ["208 社会保障和就业支出", "210 卫生健康支出", "213 农林水支出"]
    assert frame.loc["datong-sic", "208 社会保障和就业支出"] == Decimal("5400.000000")
    assert frame.loc["datong-sic", "213 农林水支出"] == Decimal("10.000000")  # budgeted, not spent
    assert frame.loc["jincheng-hrss", "status"] == "not reported"  # no 预算
    execution = compare_units(built, by="class", selection=chosen, report_measure="execution").frame
    rates = execution.set_index("unit_id")["208 社会保障和就业支出"]
    assert (rates["datong-sic"], rates["dazhu-sic"]) == (Decimal("99.02"), Decimal("101.18"))
    economic = compare_units(built, by="economic", selection=chosen, report_measure="execution").frame
    assert economic.set_index("unit_id").loc["dazhu-sic", "人员经费"] == Decimal("101.44")


def test_compare_exports_carry_the_chinese_labels(both: tuple[Path, Path], tmp_path: Path) -> None:
    _, built = both
    for suffix in ("csv", "xlsx", "parquet"):
        target = tmp_path / f"exec.{suffix}"
        invoke("compare", "--subject", "208", "--years", "2023", "--measure", "execution", "--warehouse", str(built),
               "-o", str(target))  # fmt: skip
        if suffix == "csv":
            frame = pd.read_csv(target, encoding="utf-8-sig")
        elif suffix == "xlsx":
            frame = pd.read_excel(target, sheet_name="比较")
        else:
            frame = pq.read_table(target).to_pandas()
        assert {"执行率", "预算数", "决算数", "差额"} <= set(frame.columns)
        assert float(frame.set_index("unit_id").loc["datong-sic", "执行率"]) == pytest.approx(99.02)


def test_the_subject_chart_draws_each_measure(both: tuple[Path, Path]) -> None:
    from test_chart import texts

    from juesuan.report.charts import ChartRequest, figure_for
    from juesuan.report.fonts import CJKFontError, cjk_font

    try:
        cjk_font()
    except CJKFontError as exc:
        pytest.skip(str(exc))
    _, built = both
    chosen = Selection(units=("datong-sic", "jincheng-hrss"), years=(2023,))
    found = texts(figure_for(built, ChartRequest("subject", chosen, subject="208", measure="execution")))
    assert "执行率（%）" in found and "99.02" in found
    assert "208 社会保障和就业支出 执行率（一般公共预算财政拨款支出决算表 · 小计，%）" in found
    assert "未填报" in found  # jincheng: a 决算 and no budget, so no rate
    budget = texts(figure_for(built, ChartRequest("subject", chosen, subject="208", measure="budget")))
    assert "预算数（万元）" in budget and "5,400.00" in budget and "无报告" in budget  # jincheng: no 预算
    final = texts(figure_for(built, ChartRequest("subject", chosen, subject="208")))
    assert "5,347.00" in final and "389.81" in final


# --- the web app ----------------------------------------------------------------------------------------------
def test_the_web_app_shows_budget_execution(both: tuple[Path, Path], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from juesuan.ui.app import UiConfig, create_app

    _, built = both
    client = TestClient(create_app(UiConfig(built, tmp_path / "raw")))
    unit_page = client.get("/unit/datong-sic/2023")
    assert unit_page.status_code == 200
    section = unit_page.text.split('id="budget-vs-final"', 1)[1].split("</div>", 1)[0]
    assert "99.02%" in section and "5,400.00" in section and "5,347.00" in section  # 208
    assert "99.45%" in section and "5,600.00" in section  # 合计, with the 决算's own 年初预算数
    assert "2080109" not in section  # 项 only with ?bvf=all
    assert "2080109" in client.get("/unit/datong-sic/2023?bvf=all").text.split('id="budget-vs-final"', 1)[1]
    # A year with a 预算 and no 决算 yet is among the unit's years, its page shows the budget.
    assert 'href="/unit/wuhai-sic/2025"' in client.get("/unit/wuhai-sic/2024").text
    # …but the unit's page opens on its latest 决算.
    assert client.get("/unit/wuhai-sic", follow_redirects=False).headers["location"].endswith("/2024")
    budget_only = client.get("/unit/wuhai-sic/2025").text.split('id="budget-vs-final"', 1)[1].split("</div>", 1)[0]
    assert "2,000.00" in budget_only
    jincheng = client.get("/unit/jincheng-hrss/2023").text.split('id="budget-vs-final"', 1)[1]
    assert "没有本单位本年度的预算公开报告" in jincheng.split("</div>", 1)[0]
    compared = client.get("/compare", params={"subject": "208", "years": "2023", "measure": "execution"})
    assert compared.status_code == 200
    table = compared.text.split('id="comparison"', 1)[1].split("</table>", 1)[0]
    assert "执行率" in table and "99.02%" in table and "101.18%" in table
    budget = client.get("/compare", params={"subject": "208", "years": "2023", "measure": "budget"}).text
    assert "预算数（万元）" in budget and "5,400.00" in budget
    assert "table=" + quote_plus(BUDGET_GENERAL) in budget  # 预算数 link to the budget report's fact
    exported = client.get(
        "/compare/export", params={"subject": "208", "years": "2023", "measure": "execution", "format": "csv"}
    )
    frame = pd.read_csv(io.BytesIO(exported.content), encoding="utf-8-sig")
    assert {"执行率", "预算数", "决算数", "差额"} <= set(frame.columns)
    provenance = client.get(
        "/fact",
        params={"unit": "datong-sic", "year": 2023, "table": BUDGET_GENERAL, "key": "208", "column": "合计"},
    )
    assert provenance.status_code == 200 and "5,400.00" in provenance.text


def test_the_unit_year_page_in_chromium_shows_the_execution(both: tuple[Path, Path], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from ui_fixtures import chromium_path, serving

    from juesuan.ui.app import UiConfig

    executable = chromium_path()
    _, built = both
    with serving(UiConfig(built, tmp_path / "raw")) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/unit/datong-sic/2023")
            section = " ".join(page.locator("#budget-vs-final").inner_text().split())
            assert "预算公开与决算" in section and "99.02%" in section and "-53.00" in section
            page.goto(f"{url}/compare?subject=208&years=2023")
            page.select_option("#measure", "execution")
            with page.expect_navigation():
                page.click("#compare-form button[type=submit]")
            assert "measure=execution" in page.url
            rows = {
                row.get_attribute("data-unit"): " ".join(row.inner_text().split())
                for row in page.locator("#comparison tbody tr").all()
            }
            assert "99.02%" in rows["datong-sic"] and "5,400.00" in rows["datong-sic"]
            assert "—" in rows["jincheng-hrss"]  # no 预算: no rate
            with page.expect_navigation():
                page.locator("#comparison tbody tr[data-unit='datong-sic'] a.fig").first.click()
            assert "/fact?" in page.url and "5,400.00" in page.inner_text("body")
            assert errors == []
        finally:
            browser.close()


def test_the_pairs_name_canonical_tables_and_lines(both: tuple[Path, Path]) -> None:
    from juesuan.contract import BUDGET_TABLE_NAMES, FISCAL_INCOME_LINES, SUMMARY_INCOME_LINES, TABLE_NAMES

    _, built = both
    pairs = rows(built, "SELECT final_table, final_line, budget_table FROM budget_final_pairs")
    assert {p[0] for p in pairs} <= set(TABLE_NAMES)
    assert {p[2] for p in pairs} <= set(BUDGET_TABLE_NAMES)
    # The summary tables' fund lines are the contract's.
    funds = {p[1] for p in pairs if p[0] in ("收入支出决算总表", "财政拨款收入支出决算总表") and p[1]}
    assert funds == set(SUMMARY_INCOME_LINES[:3]) == set(FISCAL_INCOME_LINES)
    # Every budget table of the contract but 政府采购预算表 (no 决算 table of the same meaning) is paired.
    assert set(BUDGET_TABLE_NAMES) - {p[2] for p in pairs} == {"政府采购预算表"}
