"""The warehouse stage: build from a hand-made lake, the marts, the atomic swap, the query side."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_fixtures import (
    FIGURES,
    UNIT_IDS,
    UNREAD_INCOME_PAGES,
    UNREAD_INCOME_REASON,
    Row,
    build_sample_lake,
    build_sample_warehouse,
    make_facts,
    sha,
    write_report,
    write_report_with_unread_income,
)
from rich.table import Table

from juesuan.contract import (
    BASIC,
    EXPENDITURE,
    GENERAL_BUDGET,
    INCOME,
    TABLE_NAMES,
    THREE_PUBLIC,
    TOTALS,
    Fact,
    facts_to_table,
)
from juesuan.errors import ContractViolation, UsageError, WarehouseError
from juesuan.extract.base import TableReport
from juesuan.lake import (
    FACT_FILE_SCHEMA,
    FACTS,
    PARSED_TABLE_SCHEMA,
    PARSED_TABLES,
    PRIOR_YEAR_FACT_FILE_SCHEMA,
    PRIOR_YEAR_FACTS,
    Lake,
    write_table_atomic,
)
from juesuan.transform.reliability import unreliable_tables
from juesuan.warehouse.build import LAYERS, MATERIALIZED, MODELS, SEED_MODELS, build_warehouse
from juesuan.warehouse.query import (
    compare_subject,
    connect_readonly,
    exact_decimal,
    format_frame,
    frame_to_rich_table,
    run_query,
)

D = Decimal
PLAIN_NAMES = ("facts", "units", "subjects", "documents", "code_repairs", "parsed_tables")
MARTS = (
    "unit_year_totals",
    "function_class_spending",
    "subject_values",
    "subject_comparison",
    "basic_expenditure",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("warehouse"))


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = connect_readonly(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table and view's full contents, order-independent."""
    return {name: sorted(rows(path, f"SELECT * FROM {name}"), key=repr) for name in MODELS}


# --- build --------------------------------------------------------------------------------------------
def test_summary_counts(tmp_path: Path) -> None:
    build_sample_lake(tmp_path / "lake")
    summary = build_warehouse(tmp_path / "lake", tmp_path / "wh.duckdb")
    assert summary.path == tmp_path / "wh.duckdb"
    assert summary.facts == sum(len(r) for r in FIGURES.values())
    assert summary.units == len(UNIT_IDS)
    assert summary.documents == len(FIGURES) + 1  # one quarantined document without facts
    assert summary.unit_years == len(FIGURES)
    assert str(tmp_path / "wh.duckdb") in str(summary)
    # Nothing but the published file is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake", "wh.duckdb"]


def test_every_model_exists_and_every_sql_file_is_run(built: Path) -> None:
    present = {name for (name,) in rows(built, "SELECT table_name FROM information_schema.tables")}
    assert set(MODELS) <= present
    assert set(PLAIN_NAMES) | set(MARTS) <= present
    tables = {name for (name,) in rows(built, "SELECT table_name FROM duckdb_tables() WHERE NOT internal")}
    assert tables == set(LAYERS["raw"]) | set(MATERIALIZED)  # every other model is a view
    folder = resources.files("juesuan.warehouse") / "sql"
    for layer, names in LAYERS.items():
        files = {entry.name.removesuffix(".sql") for entry in (folder / layer).iterdir() if entry.name.endswith(".sql")}
        assert files == set(names), f"sql/{layer} and the build order disagree"


def test_contract_types(built: Path) -> None:
    types = dict(
        rows(
            built,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'stg_facts'",
        )
    )
    assert types["value"] == "DECIMAL(20,6)"
    assert types["year"] == "SMALLINT"
    facts_columns = [c for (c,) in rows(built, "SELECT column_name FROM (DESCRIBE facts)")]
    assert facts_columns == [
        "unit_id",
        "year",
        "table_name",
        "subject_code",
        "line_item",
        "column_name",
        "value",
        "source_kind",
        "extractor",
        "document_sha256",
        "page",
        "raw_text",
        "bbox",
        "report_kind",
    ]


def test_every_column_and_relation_is_commented(built: Path) -> None:
    uncommented = rows(
        built,
        """
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal AND coalesce(trim(comment), '') = ''
        """,
    )
    assert uncommented == []
    relations = rows(
        built,
        """
        SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal
        UNION ALL
        SELECT view_name, comment FROM duckdb_views() WHERE NOT internal
        """,
    )
    assert {name for name, _ in relations} == set(MODELS)
    assert [name for name, comment in relations if not comment] == []
    # Amounts say their unit.
    amount_comments = rows(
        built,
        """
        SELECT table_name, column_name, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND data_type LIKE 'DECIMAL%'
        """,
    )
    assert amount_comments
    assert [(t, c) for t, c, comment in amount_comments if "万元" not in comment] == []
    assert all("辆" in comment for t, c, comment in amount_comments if c in ("value",))


def test_missing_lake_files_give_empty_tables(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    summary = build_warehouse(tmp_path / "lake", tmp_path / "wh.duckdb")
    assert (summary.facts, summary.units, summary.documents) == (0, 0, 0)
    for name in MODELS:
        if name in SEED_MODELS:  # a seed's rows come with the models, not from the lake
            assert rows(tmp_path / "wh.duckdb", f"SELECT count(*) FROM {name}")[0][0] > 0
            continue
        assert rows(tmp_path / "wh.duckdb", f"SELECT count(*) FROM {name}") == [(0,)]
    assert rows(tmp_path / "wh.duckdb", "SELECT column_type FROM (DESCRIBE raw_facts) WHERE column_name = 'value'") == [
        ("DECIMAL(20,6)",)
    ]
    # subject_comparison keeps its key columns even without units.
    columns = [c for (c,) in rows(tmp_path / "wh.duckdb", "SELECT column_name FROM (DESCRIBE subject_comparison)")]
    assert columns == ["table_name", "column_name", "subject_code", "subject_name", "level"]


def test_missing_lake_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="juesuan run"):
        build_warehouse(tmp_path / "no-lake", tmp_path / "wh.duckdb")
    assert not (tmp_path / "wh.duckdb").exists()


def test_rebuild_is_idempotent(tmp_path: Path) -> None:
    build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(tmp_path / "lake", warehouse)
    first = snapshot(warehouse)
    build_warehouse(tmp_path / "lake", warehouse)
    assert snapshot(warehouse) == first
    assert first["raw_facts"]


def test_swap_never_disturbs_open_readers(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(tmp_path / "lake", warehouse)
    query = (
        f"SELECT value FROM subject_values WHERE unit_id = 'wuhai-sic' AND table_name = '{GENERAL_BUDGET}' "
        "AND column_name = '小计' AND subject_code = '208'"
    )
    analyst = duckdb.connect(str(warehouse), read_only=True)  # an analyst's session, held open
    try:
        assert analyst.execute(query).fetchall() == [(D("1888.42"),)]
        # The 乌海 report is re-extracted with its tables recovered: 208 is now a table fact.
        rows_now = [
            *FIGURES[("wuhai-sic", 2024)],
            (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "1888.40", "table"),
        ]
        write_report(lake, "wuhai-sic", 2024, rows_now)
        build_warehouse(tmp_path / "lake", warehouse)
        # The old session still reads the old file, whole.
        assert analyst.execute(query).fetchall() == [(D("1888.42"),)]
        assert analyst.execute("SELECT count(*) FROM facts").fetchone() == (sum(len(r) for r in FIGURES.values()),)
        # A new connection sees the new warehouse.
        fresh = connect_readonly(warehouse)
        try:
            assert fresh.execute(query).fetchall() == [(D("1888.40"),)]
        finally:
            fresh.close()
    finally:
        analyst.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake", "wh.duckdb"]


def test_failed_build_keeps_the_published_warehouse(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(tmp_path / "lake", warehouse)
    before = snapshot(warehouse)
    # A partition whose facts break the contract key, written behind the lake writer's back
    # (the writer refuses them), as a damaged or hand-edited lake would hold.
    duplicated = FIGURES[("dazhu-sic", 2023)][:1] * 2
    facts = facts_to_table(_facts_unchecked("dazhu-sic", 2023, duplicated)).drop_columns(["year", "unit_id"])
    write_table_atomic(facts.cast(FACT_FILE_SCHEMA), lake.partition(FACTS, "dazhu-sic", 2023))
    with pytest.raises(WarehouseError, match="duplicate fact keys"):
        build_warehouse(tmp_path / "lake", warehouse)
    assert snapshot(warehouse) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake", "wh.duckdb"]


def _facts_unchecked(unit_id: str, year: int, figure_rows: list[Row]) -> list[Fact]:
    return [
        Fact(unit_id, year, t, code, line, column, D(v), kind, "narrative-regex", sha(unit_id, year), None, v)
        for t, code, line, column, v, kind in figure_rows
    ]


# --- marts ----------------------------------------------------------------------------------------------
def test_unit_year_totals(built: Path) -> None:
    frame = run_query(built, "SELECT * FROM unit_year_totals")
    assert list(frame.columns) == [
        "unit_id",
        "unit_name",
        "year",
        "收入总计",
        "本年收入合计",
        "本年支出合计",
        "基本支出",
        "项目支出",
        "财政拨款收入",
        "source",
    ]
    by_key = {(r.unit_id, r.year): r for r in frame.itertuples(index=False)}
    assert set(by_key) == set(FIGURES)

    datong = by_key[("datong-sic", 2023)]
    assert datong.unit_name == "大同市社会保险中心"
    assert datong[3:9] == (D("5570.34"), D("5569.36"), D("5570.34"), D("2387.35"), D("3182.99"), D("5569.36"))
    assert datong.source == "table"

    # 大竹: narrative only; 财政拨款收入 from the last fallback (总表 一般公共预算财政拨款收入).
    dazhu = by_key[("dazhu-sic", 2023)]
    assert dazhu[3:9] == (D("674.37"), D("648.54"), D("674.37"), D("578.15"), D("96.22"), D("648.54"))
    assert dazhu.source == "narrative"

    # 朝阳: no 收入决算表 or 支出决算表; 基本/项目 from 一般公共预算支出表, 财政拨款收入 from 财政拨款总表.
    chaoyang = by_key[("chaoyang-sic", 2024)]
    assert chaoyang[3:9] == (D("2079.31"), D("2079.31"), D("2079.31"), D("1018.34"), D("1060.97"), D("2079.31"))
    assert chaoyang.source == "table"

    # 晋城: no 总表 table facts; 本年收入/支出合计 from 收入/支出决算表, 收入总计 from the narrative.
    jincheng = by_key[("jincheng-hrss", 2023)]
    assert jincheng[3:9] == (D("516.85"), D("430.21"), D("430.21"), D("288.68"), D("141.53"), D("430.21"))
    assert jincheng.source == "mixed"

    wuhai = by_key[("wuhai-sic", 2024)]
    assert wuhai[3:9] == (D("1958.13"), D("1956.06"), D("1958.13"), D("500.32"), D("1457.80"), D("1956.06"))
    assert wuhai.source == "narrative"

    # A unit-year with facts but none of the headline figures: a row of NULLs, no source.
    empty = by_key[("datong-sic", 2022)]
    assert all(pd.isna(v) for v in empty[3:10])


def test_unit_year_totals_table_beats_narrative(built: Path) -> None:
    # 大同 states 收入总计 in both; the table value is used and the row stays 'table'.
    assert rows(built, "SELECT source FROM unit_year_totals WHERE unit_id = 'datong-sic' AND year = 2023") == [
        ("table",)
    ]


def test_function_class_spending(built: Path) -> None:
    frame = run_query(built, "SELECT * FROM function_class_spending")
    assert list(frame.columns) == [
        "unit_id",
        "unit_name",
        "year",
        "class_code",
        "class_name",
        "spending",
        "share",
        "basis",
        "source_kind",
    ]
    got = {(r.unit_id, r.class_code): r for r in frame.itertuples(index=False)}
    # 大同 has 支出决算表: its 本年支出合计 is the basis (5,347.97, not the 一般公共预算 5,347.00).
    datong = got[("datong-sic", "208")]
    assert datong.spending == D("5347.97")
    assert datong.class_name == "社会保障和就业支出"
    assert datong.basis == "支出决算表/本年支出合计 (table)"
    assert datong.share == pytest.approx(5347.97 / 5570.34, abs=1e-6)
    # 朝阳 has no 支出决算表: 一般公共预算财政拨款支出决算表/小计 from the table.
    assert got[("chaoyang-sic", "208")].basis == "一般公共预算财政拨款支出决算表/小计 (table)"
    assert got[("chaoyang-sic", "208")].spending == D("1968.11")
    # 大竹 and 乌海: the narrative.
    assert got[("dazhu-sic", "208")].spending == D("607.08")
    assert got[("dazhu-sic", "208")].basis == "一般公共预算财政拨款支出决算表/小计 (narrative)"
    assert got[("wuhai-sic", "208")].source_kind == "narrative"
    assert got[("wuhai-sic", "208")].spending == D("1888.42")
    # Only 类 rows; shares add up to 1 per unit-year.
    assert set(frame["class_code"].str.len()) == {3}
    for (_unit, _year), group in frame.groupby(["unit_id", "year"]):
        assert group["share"].sum() == pytest.approx(1.0, abs=1e-5)
        assert group["basis"].nunique() == 1
    assert set(frame["unit_id"]) == {"datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic"}


def test_subject_values_prefers_tables_and_falls_back_to_narrative(built: Path) -> None:
    frame = run_query(
        built,
        f"SELECT * FROM subject_values WHERE table_name = '{GENERAL_BUDGET}' AND column_name = '小计' "
        "AND subject_code = '208' ORDER BY unit_id",
    )
    assert list(frame.columns) == [
        "table_name",
        "column_name",
        "subject_code",
        "subject_name",
        "level",
        "unit_id",
        "year",
        "value",
        "source_kind",
    ]
    got = {r.unit_id: (r.value, r.source_kind) for r in frame.itertuples(index=False)}
    assert got == {
        "datong-sic": (D("5347.00"), "table"),  # stated in both: one row, the table's
        "dazhu-sic": (D("607.08"), "narrative"),
        "chaoyang-sic": (D("1968.11"), "table"),
        "jincheng-hrss": (D("389.81"), "table"),
        "wuhai-sic": (D("1888.42"), "narrative"),
    }
    assert set(frame["subject_name"]) == {"社会保障和就业支出"}
    assert set(frame["level"]) == {"类"}
    levels = dict(rows(built, "SELECT subject_code, level FROM subject_values WHERE subject_code LIKE '20801%'"))
    assert levels == {"20801": "款", "2080109": "项", "2080108": "项", "2080110": "项"}
    # Line items (合计 …) are not subject values.
    assert rows(built, "SELECT count(*) FROM subject_values WHERE subject_code IS NULL") == [(0,)]


def test_subject_comparison(built: Path) -> None:
    frame = run_query(
        built,
        f"SELECT * FROM subject_comparison WHERE table_name = '{GENERAL_BUDGET}' AND column_name = '小计'",
    )
    assert list(frame.columns) == ["table_name", "column_name", "subject_code", "subject_name", "level", *UNIT_IDS]
    by_code = frame.set_index("subject_code")
    row_208 = by_code.loc["208"]
    assert [row_208[u] for u in UNIT_IDS[:5]] == [D("5347.00"), D("607.08"), D("1968.11"), D("389.81"), D("1888.42")]
    assert pd.isna(row_208["taiyuan-sic"])  # registered, never reported
    row_2080109 = by_code.loc["2080109"]
    assert pd.isna(row_2080109["jincheng-hrss"])
    assert row_2080109["datong-sic"] == D("1734.75")
    assert row_2080109["subject_name"] == "社会保险经办机构"
    assert pd.isna(by_code.loc["2080110"]["datong-sic"])
    assert by_code.loc["2080110"]["jincheng-hrss"] == D("220.55")
    # The per-unit columns say which year they hold.
    comment = rows(
        built,
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'subject_comparison' AND column_name = 'datong-sic'",
    )
    assert "2023" in comment[0][0]


def test_basic_expenditure(built: Path) -> None:
    frame = run_query(built, "SELECT * FROM basic_expenditure")
    assert list(frame.columns) == [
        "unit_id",
        "unit_name",
        "year",
        "economic_class_code",
        "economic_class_name",
        "expense_group",
        "amount",
        "share_of_basic",
        "source_kind",
    ]
    got = {(r.unit_id, r.economic_class_code): r for r in frame.itertuples(index=False)}
    datong_301 = got[("datong-sic", "301")]
    assert (datong_301.economic_class_name, datong_301.expense_group, datong_301.amount) == (
        "工资福利支出",
        "人员经费",
        D("1557.94"),
    )
    assert datong_301.share_of_basic == pytest.approx(1557.94 / 2386.46, abs=1e-6)
    assert got[("datong-sic", "303")].expense_group == "人员经费"
    assert got[("datong-sic", "302")].expense_group == "公用经费"
    # 朝阳 has only a 款 (30101) in the table: the classes come from the narrative.
    assert got[("chaoyang-sic", "301")].amount == D("724.73")
    assert got[("chaoyang-sic", "301")].source_kind == "narrative"
    assert ("chaoyang-sic", "30101") not in got
    # 大竹 states only 人员经费合计 / 公用经费合计 (line items): no class rows.
    assert not any(unit == "dazhu-sic" for unit, _ in got)
    personnel = frame[(frame.unit_id == "jincheng-hrss") & (frame.expense_group == "人员经费")]["amount"].sum()
    assert personnel == D("262.67")  # = 人员经费合计 in the report


def test_report_coverage(built: Path) -> None:
    frame = run_query(built, "SELECT * FROM report_coverage")
    got = {(r.unit_id, None if pd.isna(r.year) else r.year): r for r in frame.itertuples(index=False)}
    assert got[("taiyuan-sic", 2023)].document_status == "quarantined"
    assert got[("taiyuan-sic", 2023)].table_facts == 0
    assert got[("chaoyang-sic", 2024)].repaired_codes == 1
    assert got[("chaoyang-sic", 2024)].tables_not_parsed == 1
    assert got[("dazhu-sic", 2023)].narrative_facts == len(FIGURES[("dazhu-sic", 2023)])


def test_plain_views_follow_the_contract(built: Path) -> None:
    assert [c for (c,) in rows(built, "SELECT column_name FROM (DESCRIBE units)")][:7] == [
        "unit_id",
        "name",
        "province",
        "city",
        "county",
        "level",
        "kind",
    ]
    assert [c for (c,) in rows(built, "SELECT column_name FROM (DESCRIBE subjects)")] == [
        "code",
        "name",
        "level",
        "parent_code",
        "classification",
        "valid_from_year",
        "valid_to_year",
    ]
    assert [c for (c,) in rows(built, "SELECT column_name FROM (DESCRIBE documents)")] == [
        "sha256",
        "unit_id",
        "year",
        "url",
        "fetched_at",
        "format",
        "pages",
        "status",
        "error",
        "report_kind",
    ]
    assert [u for (u,) in rows(built, "SELECT unit_id FROM units")] == list(UNIT_IDS)
    assert rows(built, "SELECT code, status FROM code_repairs") == [("30101", "repaired")]
    assert rows(built, "SELECT count(*) FROM parsed_tables WHERE status = 'unrecognised'") == [(1,)]


# --- restated figures of the previous year ----------------------------------------------------------------
def restated(unit_id: str, year: int, figures: list[tuple[str, str, str, str]]) -> list[Fact]:
    """Figures of ``year - 1`` as the report of ``year`` restates them (table, line, column, value)."""
    return [
        Fact(
            unit_id,
            year - 1,
            table,
            None,
            line,
            column,
            D(value),
            "narrative",
            "narrative-regex",
            sha(unit_id, year),
            None,
            f"{line} … 与上年相比 …",
        )
        for table, line, column, value in figures
    ]


DATONG_RESTATED = [
    # The 2022 "report" of the sample lake states this key itself (3060.66): it wins.
    (GENERAL_BUDGET, "合计", "小计", "3060.70"),
    # No report of 2022 states these: the restated figures count.
    (TOTALS, "收入总计", "金额", "3060.90"),
    (THREE_PUBLIC, "公务用车运行维护费", "决算数", "3.19"),
]


@pytest.fixture(scope="module")
def with_restated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("restated")
    lake = build_sample_lake(root / "lake")
    datong = make_facts("datong-sic", 2023, FIGURES[("datong-sic", 2023)])
    lake.write_report(
        "datong-sic", 2023, sha("datong-sic", 2023), datong, [], [], restated("datong-sic", 2023, DATONG_RESTATED)
    )
    # 乌海's restatement of 2023, a year with no report at all.
    wuhai = make_facts("wuhai-sic", 2024, FIGURES[("wuhai-sic", 2024)])
    wuhai_2023 = [(TOTALS, "收入总计", "金额", "687.99")]
    lake.write_report("wuhai-sic", 2024, sha("wuhai-sic", 2024), wuhai, [], [], restated("wuhai-sic", 2024, wuhai_2023))
    build_warehouse(root / "lake", root / "juesuan.duckdb")
    return root / "juesuan.duckdb"


def test_restated_figures_are_loaded_with_their_years(with_restated: Path) -> None:
    assert rows(
        with_restated, "SELECT unit_id, year, fact_year, count(*) FROM raw_prior_year_facts GROUP BY ALL ORDER BY ALL"
    ) == [("datong-sic", 2023, 2022, 3), ("wuhai-sic", 2024, 2023, 1)]
    frame = run_query(with_restated, "SELECT * FROM restated_facts").set_index(["unit_id", "year", "subject_key"])
    income = frame.loc[("datong-sic", 2022, "收入总计")]
    assert (income.restated_from_year, income.value, income.superseded) == (2023, D("3060.90"), False)
    assert pd.isna(income.reported_value)
    assert income.document_sha256 == sha("datong-sic", 2023)
    assert income.source_kind == "narrative"
    total = frame.loc[("datong-sic", 2022, "合计")]
    assert (total.value, total.superseded, total.reported_value) == (D("3060.70"), True, D("3060.66"))


def test_restated_figures_are_no_facts_of_a_report(with_restated: Path) -> None:
    # facts and every per-report mart see the lake's reports only (2022 is a report in the sample lake).
    assert rows(with_restated, "SELECT count(*) FROM facts") == [(sum(len(r) for r in FIGURES.values()),)]
    assert rows(with_restated, "SELECT count(*) FROM facts WHERE unit_id = 'wuhai-sic' AND year = 2023") == [(0,)]
    for mart in ("unit_year_totals", "report_coverage", "data_quality", "preferred_facts"):
        assert rows(with_restated, f"SELECT count(*) FROM {mart} WHERE unit_id = 'wuhai-sic' AND year = 2023") == [
            (0,)
        ], mart
    assert rows(with_restated, "SELECT count(*) FROM stg_restated_facts") == [(4,)]


def test_year_over_year_prefers_the_report_of_last_year(with_restated: Path) -> None:
    frame = run_query(with_restated, "SELECT * FROM year_over_year")
    got = {(r.unit_id, r.subject_key, r.column_name): r for r in frame.itertuples(index=False)}
    # 2022's own figure wins over the 2023 report's restatement of it.
    total = got[("datong-sic", "合计", "小计")]
    assert (total.previous_value, total.previous_restated) == (D("3060.66"), False)
    assert total.previous_document_sha256 == sha("datong-sic", 2022)
    # Where 2022 states nothing, the restated figure is last year's.
    income = got[("datong-sic", "收入总计", "金额")]
    assert (income.previous_value, income.value, income.change) == (D("3060.90"), D("5570.34"), D("2509.44"))
    assert (income.previous_restated, income.previous_source_kind) == (True, "narrative")
    assert income.previous_document_sha256 == sha("datong-sic", 2023)
    wuhai = got[("wuhai-sic", "收入总计", "金额")]
    assert (wuhai.year, wuhai.previous_value, wuhai.previous_restated) == (2024, D("687.99"), True)
    # 大同 2023 states no 三公 figure: a restated one alone pairs with nothing.
    assert ("datong-sic", "公务用车运行维护费", "决算数") not in got
    assert len(frame) == 3


def test_duplicate_restated_keys_fail_the_build(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    twice = restated("dazhu-sic", 2023, [(TOTALS, "收入总计", "金额", "651.43")] * 2)
    table = facts_to_table(twice).drop_columns(["year", "unit_id"])
    table = table.add_column(0, "fact_year", pa.array([2022, 2022], type=pa.int16()))
    write_table_atomic(table.cast(PRIOR_YEAR_FACT_FILE_SCHEMA), lake.partition(PRIOR_YEAR_FACTS, "dazhu-sic", 2023))
    with pytest.raises(WarehouseError, match="duplicate fact keys in raw_prior_year_facts"):
        build_warehouse(tmp_path / "lake", tmp_path / "wh.duckdb")


def test_lake_reads_restated_figures_back(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    assert lake.read_prior_year_facts().empty
    facts = make_facts("datong-sic", 2023, FIGURES[("datong-sic", 2023)])
    lake.write_report(
        "datong-sic", 2023, sha("datong-sic", 2023), facts, [], [], restated("datong-sic", 2023, DATONG_RESTATED)
    )
    frame = lake.read_prior_year_facts()
    assert set(zip(frame["unit_id"], frame["year"], frame["restated_from_year"], strict=True)) == {
        ("datong-sic", 2022, 2023)
    }
    assert sorted(frame["value"]) == sorted(D(v) for *_, v in DATONG_RESTATED)
    assert lake.read_facts()["year"].unique().tolist() == [2023]


# --- how far each table's figures can be trusted (parsed_tables) ----------------------------------------------------
#: A ``parsed_tables`` file as lakes were written before the reader recorded its trust.
OLD_PARSED_TABLE_SCHEMA = pa.schema(
    [
        ("document_sha256", pa.string()),
        ("title", pa.string()),
        ("table_name", pa.string()),
        ("status", pa.string()),
        ("extractor", pa.string()),
        ("page", pa.int32()),
        ("line", pa.int32()),
        ("rows", pa.int32()),
        ("facts", pa.int32()),
        ("notes", pa.string()),
    ]
)


def _old_parsed_tables(lake: Lake, unit_id: str, year: int) -> None:
    """Overwrite one report's ``parsed_tables`` partition with a file of the old schema (no trust columns)."""
    old_rows = [
        (INCOME, "收入决算表", "ok", 4, 12),
        (None, "部门整体绩效自评表", "unrecognised", 20, 0),
    ]
    table = pa.Table.from_pylist(
        [
            {
                "document_sha256": sha(unit_id, year),
                "title": title,
                "table_name": table_name,
                "status": status,
                "extractor": "camelot-lattice",
                "page": page,
                "line": None,
                "rows": 9,
                "facts": facts,
                "notes": "",
            }
            for table_name, title, status, page, facts in old_rows
        ],
        schema=OLD_PARSED_TABLE_SCHEMA,
    )
    write_table_atomic(table, lake.partition(PARSED_TABLES, unit_id, year))


def test_lake_round_trips_the_trust_of_each_table(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    assert lake.read_parsed_tables().empty and "reliable" in lake.read_parsed_tables().columns
    write_report_with_unread_income(lake)
    stored = pq.read_table(lake.partition(PARSED_TABLES, "datong-sic", 2023))
    assert stored.schema.equals(PARSED_TABLE_SCHEMA)
    frame = lake.read_parsed_tables().set_index("table_name")
    income = frame.loc[INCOME]
    assert (income.reading, income.reconciled, bool(income.reliable), income.unreliable_reason, income.pages) == (
        "pdfium-grid (glyph rows)",
        "unreconciled",
        False,
        UNREAD_INCOME_REASON,
        UNREAD_INCOME_PAGES,
    )
    assert (frame.loc[EXPENDITURE].reconciled, bool(frame.loc[EXPENDITURE].reliable)) == ("exact", True)
    assert frame.loc[TOTALS].pages == [5, 6]
    assert (frame.loc[TOTALS].reading, frame.loc[TOTALS].reconciled) == ("", "unchecked")  # TableReport defaults
    (unread,) = unreliable_tables(lake.read_parsed_tables())
    assert (unread.unit_id, unread.year, unread.table_name, unread.pages) == ("datong-sic", 2023, INCOME, (7, 8))


def test_lake_refuses_an_unknown_reconciliation_state(tmp_path: Path) -> None:
    table = TableReport(title="收入决算表", table_name=INCOME, status="ok", extractor="x", reconciled="balanced")
    with pytest.raises(ContractViolation, match="reconciled 'balanced' is not one of"):
        Lake(tmp_path / "lake").write_report("datong-sic", 2023, sha("datong-sic", 2023), [], [], [table])


def test_lake_reads_parsed_tables_written_before_the_trust_columns(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    write_report_with_unread_income(lake, "jincheng-hrss", 2023)
    _old_parsed_tables(lake, "chaoyang-sic", 2024)
    frame = lake.read_parsed_tables()
    old = frame[frame.unit_id == "chaoyang-sic"].set_index("title")
    assert list(old.loc["收入决算表", ["reading", "reconciled", "reliable", "unreliable_reason"]]) == [
        "",
        "unchecked",
        True,
        "",
    ]
    assert old.loc["收入决算表"].pages == [4] and old.loc["部门整体绩效自评表"].pages == [20]
    assert frame["reliable"].dtype == bool
    # Only the new report's doubt counts; the old file holds none.
    assert [(t.unit_id, t.table_name) for t in unreliable_tables(frame)] == [("jincheng-hrss", INCOME)]


def test_warehouse_exposes_the_trust_of_each_table(tmp_path: Path) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    write_report_with_unread_income(lake, "jincheng-hrss", 2023)
    _old_parsed_tables(lake, "chaoyang-sic", 2024)
    warehouse = tmp_path / "wh.duckdb"
    build_warehouse(tmp_path / "lake", warehouse)
    columns = dict(rows(warehouse, "SELECT column_name, column_type FROM (DESCRIBE parsed_tables)"))
    assert {name: columns[name] for name in ("reading", "reconciled", "reliable", "unreliable_reason", "pages")} == {
        "reading": "VARCHAR",
        "reconciled": "VARCHAR",
        "reliable": "BOOLEAN",
        "unreliable_reason": "VARCHAR",
        "pages": "INTEGER[]",
    }
    got = {
        (unit, table): rest
        for unit, table, *rest in rows(
            warehouse,
            """
            SELECT unit_id, coalesce(table_name, title), reading, reconciled, reliable, unreliable_reason, pages,
                   read_reliably
            FROM parsed_tables WHERE unit_id IN ('jincheng-hrss', 'chaoyang-sic')
            """,
        )
    }
    assert got[("jincheng-hrss", INCOME)] == [
        "pdfium-grid (glyph rows)",
        "unreconciled",
        False,
        UNREAD_INCOME_REASON,
        UNREAD_INCOME_PAGES,
        False,
    ]
    assert got[("jincheng-hrss", EXPENDITURE)] == ["pdfium-grid", "exact", True, "", [9], True]
    # A file of the old schema reads as reliable, printed on its one page; an unnamed table is judged by nobody.
    assert got[("chaoyang-sic", INCOME)] == ["", "unchecked", True, "", [4], True]
    assert got[("chaoyang-sic", "部门整体绩效自评表")][-1] is None
    coverage = dict(
        rows(warehouse, "SELECT unit_id, tables_not_read_reliably FROM report_coverage WHERE year IS NOT NULL")
    )
    assert coverage["jincheng-hrss"] == 1 and coverage["chaoyang-sic"] == 0


# --- query side -------------------------------------------------------------------------------------------
def test_missing_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    for call in (
        lambda: connect_readonly(missing),
        lambda: run_query(missing, "SELECT 1"),
        lambda: compare_subject(missing, "208"),
    ):
        with pytest.raises(WarehouseError) as caught:
            call()
        assert str(missing) in str(caught.value)
        assert "juesuan run" in str(caught.value)


def test_run_query_returns_exact_decimals(built: Path) -> None:
    frame = run_query(built, "SELECT unit_id, sum(value) AS total FROM facts WHERE unit_id = 'dazhu-sic' GROUP BY 1")
    assert isinstance(frame["total"].iloc[0], Decimal)
    assert run_query(built, "SET VARIABLE unit = 1").empty  # settings are locked (tests/test_hardening_query.py)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE mine AS SELECT 1",
        "INSERT INTO raw_units (unit_id) VALUES ('x')",
        "DELETE FROM raw_facts",
        "DROP VIEW facts",
        "UPDATE raw_units SET name = 'x'",
        "SELECT 1; DROP VIEW facts",
        "COPY raw_facts TO 'out.csv'",
        "ATTACH ':memory:' AS other",
    ],
)
def test_run_query_refuses_writes(built: Path, sql: str) -> None:
    with pytest.raises(WarehouseError, match="read-only"):
        run_query(built, sql)
    assert rows(built, "SELECT count(*) FROM facts")[0][0] > 0


def test_connection_is_read_only(built: Path) -> None:
    connection = connect_readonly(built)
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            connection.execute("CREATE TABLE mine (a INTEGER)")
    finally:
        connection.close()


def test_run_query_bad_sql(built: Path) -> None:
    with pytest.raises(WarehouseError, match="parse"):
        run_query(built, "SELEC 1")
    with pytest.raises(WarehouseError, match="failed"):
        run_query(built, "SELECT * FROM no_such_table")


def test_compare_subject_208(built: Path) -> None:
    frame = compare_subject(built, "208", table_name=GENERAL_BUDGET, column_name="小计")
    assert list(frame.columns) == ["unit_id", "unit_name", "year", "value", "source_kind", "status"]
    assert list(frame["unit_id"]) == list(UNIT_IDS)
    got = {r.unit_id: (r.year, r.value, r.source_kind, r.status) for r in frame.itertuples(index=False)}
    assert got["datong-sic"] == (2023, D("5347.00"), "table", "reported")
    assert got["dazhu-sic"] == (2023, D("607.08"), "narrative", "reported")
    assert got["chaoyang-sic"] == (2024, D("1968.11"), "table", "reported")
    assert got["jincheng-hrss"] == (2023, D("389.81"), "table", "reported")
    assert got["wuhai-sic"] == (2024, D("1888.42"), "narrative", "reported")
    taiyuan = got["taiyuan-sic"]
    assert pd.isna(taiyuan[0]) and pd.isna(taiyuan[1]) and taiyuan[3] == "not reported"


def test_compare_subject_not_reported(built: Path) -> None:
    frame = compare_subject(built, "2080109")
    status = dict(zip(frame["unit_id"], frame["status"], strict=True))
    assert status["jincheng-hrss"] == "not reported"
    assert status["datong-sic"] == "reported"
    assert pd.isna(frame.set_index("unit_id").loc["jincheng-hrss", "value"])


def test_compare_subject_given_year_and_line_items(built: Path) -> None:
    frame = compare_subject(built, "合计", column_name="小计", year=2022).set_index("unit_id")
    assert frame.loc["datong-sic", "value"] == D("3060.66")
    assert frame.loc["datong-sic", "source_kind"] == "narrative"
    assert frame.loc["chaoyang-sic", "status"] == "not reported"
    assert frame.loc["chaoyang-sic", "year"] == 2022
    latest = compare_subject(built, "301", table_name=BASIC, column_name="决算数").set_index("unit_id")
    assert latest.loc["chaoyang-sic", "value"] == D("724.73")


def test_compare_subject_bad_names(built: Path) -> None:
    with pytest.raises(UsageError) as caught:
        compare_subject(built, "208", table_name="一般公共预算支出表")
    assert caught.value.allowed == list(TABLE_NAMES)
    assert GENERAL_BUDGET in str(caught.value)
    with pytest.raises(UsageError) as column:
        compare_subject(built, "208", column_name="小记")
    assert column.value.allowed is not None and "小计" in column.value.allowed


# --- formats ----------------------------------------------------------------------------------------------
@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["datong-sic", "wuhai-sic", "taiyuan-sic"],
            "year": pd.array([2023, 2024, None], dtype="Int16"),
            "value": [D("5347.000000"), D("1888.425000"), None],
            "share": [0.5, 0.25, float("nan")],
        }
    )


def test_format_csv_and_json_are_exact(frame: pd.DataFrame) -> None:
    csv = format_frame(frame, "csv")
    assert csv.splitlines() == [
        "unit_id,year,value,share",
        "datong-sic,2023,5347.00,0.5",
        "wuhai-sic,2024,1888.425,0.25",
        "taiyuan-sic,,,",
    ]
    text = format_frame(frame, "json")
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed[0] == {"unit_id": "datong-sic", "year": 2023, "value": D("5347.00"), "share": D("0.5")}
    assert parsed[1]["value"] == D("1888.425")
    assert parsed[2] == {"unit_id": "taiyuan-sic", "year": None, "value": None, "share": None}
    assert format_frame(frame.iloc[0:0], "json") == "[]\n"


def test_format_markdown_and_table_round_amounts(frame: pd.DataFrame) -> None:
    markdown = format_frame(frame, "markdown").splitlines()
    assert markdown[0] == "| unit_id | year | value | share |"
    assert markdown[1] == "|---|---:|---:|---:|"
    assert markdown[2] == "| datong-sic | 2023 | 5,347.00 | 0.5000 |"
    assert markdown[3] == "| wuhai-sic | 2024 | 1,888.43 | 0.2500 |"  # half up, as 决算 tables round
    assert markdown[4] == "| taiyuan-sic |  |  |  |"
    table = format_frame(frame, "table")
    assert "5,347.00" in table and "1,888.43" in table
    rich_table = frame_to_rich_table(frame, "208")
    assert isinstance(rich_table, Table)
    assert rich_table.title == "208"
    assert [c.justify for c in rich_table.columns] == ["left", "right", "right", "right"]


def test_format_unknown(frame: pd.DataFrame) -> None:
    with pytest.raises(UsageError) as caught:
        format_frame(frame, "xlsx")
    assert caught.value.allowed == ["table", "csv", "json", "markdown"]


def test_exact_decimal() -> None:
    assert exact_decimal(D("5347.000000")) == "5347.00"
    assert exact_decimal(D("0.100000")) == "0.10"
    assert exact_decimal(D("-12.345600")) == "-12.3456"
    assert exact_decimal(D("7")) == "7.00"
