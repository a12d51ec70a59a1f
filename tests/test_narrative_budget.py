"""The budget narrative (extract/narrative_budget.py) on real 预算 disclosures (``../shared/real/budget``).

The expected figures were read off the rendered pages of each report's 情况说明 / 预算编制说明 / 其他相关情况说明
(and agree with the report's own tables where those print the cell). Each report is from another region,
year or producer: 江苏省高级人民法院 2017 (Word 2007, everything in one PDF), 江苏省政协办公厅 2018 (Word 2010,
tables in a second PDF), 上海市普陀区人民政府办公室 2025 (WPS 表格, hyphenated 科目 chains) and 万里街道 2023
(WPS Office, 类/款/项 chains).
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from functools import cache

import pytest
from conftest import real_path

from juesuan.contract import (
    BUDGET,
    BUDGET_BASIC,
    BUDGET_EXPENDITURE,
    BUDGET_FISCAL_BASIC,
    BUDGET_FISCAL_EXPENDITURE,
    BUDGET_GENERAL,
    BUDGET_GOV_FUND,
    BUDGET_INCOME,
    BUDGET_OPERATING,
    BUDGET_PROCUREMENT,
    BUDGET_TABLE_NAMES,
    BUDGET_THREE_PUBLIC,
    BUDGET_TOTALS,
    FINAL,
    TABLE_NAMES,
    Fact,
    validate_facts,
)
from juesuan.extract.api import extract_document
from juesuan.extract.base import DocumentContext
from juesuan.extract.narrative import NarrativeReading, read_narrative
from juesuan.extract.narrative_budget import align_report
from juesuan.extract.pdf import read_pdf
from juesuan.transform.catalogue import Catalogue

Key = tuple[str, str, str]
CATALOGUE = Catalogue.load()
HIGHCOURT = "budget/js-highcourt-2017-dept-budget.pdf"
ZHENGXIE = "budget/js-zhengxiebgt-2018-dept-budget.pdf"
ZHENGXIE_TABLES = "budget/js-zhengxiebgt-2018-dept-budget-tables.pdf"
QZFB = "budget/sh-putuo-qzfb-2025-dept-budget.pdf"
WANLI = "budget/sh-putuo-wanli-2023-dept-budget.pdf"


def d(text: str) -> Decimal:
    return Decimal(text)


@cache
def prose_of(relative: str) -> NarrativeReading:
    """The budget narrative of one PDF, read alone (no tables at hand: every figure keeps its own key)."""
    path = real_path(relative)
    data = path.read_bytes()
    year = int(re.search(r"20\d\d", path.name).group(0))  # type: ignore[union-attr]
    reading = read_pdf(str(path), data)
    try:
        context = DocumentContext("budget-unit", year, hashlib.sha256(data).hexdigest())
        return read_narrative(reading.segments(), context, CATALOGUE, report_kind=BUDGET)
    finally:
        reading.close()


def values(facts: list[Fact] | tuple[Fact, ...]) -> dict[Key, Decimal]:
    return {(f.table_name, f.subject_key, f.column_name): f.value for f in facts}


@pytest.mark.parametrize("relative", [HIGHCOURT, ZHENGXIE, QZFB, WANLI])
def test_budget_prose_gives_budget_facts_only(relative: str) -> None:
    prose = prose_of(relative)
    facts, previous = prose.narrative.facts, prose.previous_year.facts
    assert len(facts) >= 30
    validate_facts(facts)
    validate_facts(previous)
    for fact in facts:
        assert fact.report_kind == BUDGET and fact.table_name in BUDGET_TABLE_NAMES
        assert fact.source_kind == "narrative" and fact.extractor == "narrative-regex"
        assert fact.page is not None and fact.raw_text
    year = facts[0].year
    assert {f.year for f in previous} <= {year - 1} and all(f.report_kind == BUDGET for f in previous)


def test_jiangsu_high_court_2017_totals_three_public_operating_and_procurement() -> None:
    got = values(prose_of(HIGHCOURT).narrative.facts)
    expected = {
        (BUDGET_TOTALS, "收入总计", "预算数"): d("28849.38"),  # 收入、支出预算总计
        (BUDGET_TOTALS, "支出总计", "预算数"): d("28849.38"),
        (BUDGET_TOTALS, "204", "预算数"): d("23513.11"),  # 公共安全（类）
        (BUDGET_EXPENDITURE, "合计", "基本支出"): d("17123.19"),
        (BUDGET_EXPENDITURE, "合计", "项目支出"): d("11543.27"),
        (BUDGET_FISCAL_EXPENDITURE, "2040501", "合计"): d("11786.92"),  # 法院（款）行政运行（项）
        (BUDGET_GENERAL, "合计", "合计"): d("28849.38"),
        (BUDGET_BASIC, "合计", "人员经费"): d("13594.82"),
        (BUDGET_BASIC, "合计", "公用经费"): d("3528.37"),
        (BUDGET_THREE_PUBLIC, "因公出国（境）费", "预算数"): d("180"),
        (BUDGET_THREE_PUBLIC, "公务用车购置及运行维护费", "预算数"): d("304.4"),
        (BUDGET_THREE_PUBLIC, "公务用车购置费", "预算数"): d("0"),
        (BUDGET_THREE_PUBLIC, "公务用车运行维护费", "预算数"): d("304.4"),
        (BUDGET_THREE_PUBLIC, "公务接待费", "预算数"): d("185.72"),
        (BUDGET_OPERATING, "合计", "预算数"): d("9193.40"),
        (BUDGET_PROCUREMENT, "合计", "预算数"): d("3742.4"),
        (BUDGET_PROCUREMENT, "政府采购货物支出", "预算数"): d("525.4"),
        (BUDGET_PROCUREMENT, "政府采购工程支出", "预算数"): d("500"),
        (BUDGET_PROCUREMENT, "政府采购服务支出", "预算数"): d("2717"),
    }
    assert {key: got.get(key) for key in expected} == expected
    # "一般行政事务管理" is no 项 of 法院 (the catalogue's is 一般行政管理事务): never guessed.
    assert not any(key[1] == "2040502" for key in got)


def test_jiangsu_high_court_2017_last_years_budget_from_its_changes() -> None:
    previous = prose_of(HIGHCOURT).previous_year.facts
    got = values(previous)
    assert {f.year for f in previous} == {2016}
    assert got[(BUDGET_TOTALS, "收入总计", "预算数")] == d("27041.09")  # 28849.38 − 1808.29
    assert got[(BUDGET_EXPENDITURE, "合计", "基本支出")] == d("15714.90")  # 17123.19 − 1408.29
    assert got[(BUDGET_FISCAL_EXPENDITURE, "2040504", "合计")] == d("1933.3")  # 1733.3 + 200 (减少)
    assert got[(BUDGET_THREE_PUBLIC, "因公出国（境）费", "预算数")] == d("180")  # 本年数与上年数持平
    assert got[(BUDGET_EXPENDITURE, "合计", "单位预留机动经费")] == d("182.92")  # 与上年一致


def test_last_years_budget_derived_in_2018_is_what_the_2017_report_states() -> None:
    stated = values(prose_of(HIGHCOURT).narrative.facts)
    derived = values(prose_of("budget/js-highcourt-2018-dept-budget.pdf").previous_year.facts)
    shared = set(stated) & set(derived)
    assert len(shared) >= 25
    assert {key: derived[key] for key in shared} == {key: stated[key] for key in shared}


def test_jiangsu_cppcc_2018_income_sources_three_public_and_procurement() -> None:
    got = values(prose_of(ZHENGXIE).narrative.facts)
    expected = {
        (BUDGET_TOTALS, "收入总计", "预算数"): d("10150.48"),
        (BUDGET_INCOME, "合计", "一般公共预算拨款收入"): d("10070.48"),
        (BUDGET_INCOME, "合计", "其他资金"): d("80"),
        (BUDGET_EXPENDITURE, "合计", "单位预留机动经费"): d("1157.63"),
        (BUDGET_FISCAL_EXPENDITURE, "2010204", "合计"): d("814.16"),  # 政协事务（款）政协会议（项）
        (BUDGET_THREE_PUBLIC, "因公出国（境）费", "预算数"): d("106"),
        (BUDGET_THREE_PUBLIC, "公务用车购置及运行维护费", "预算数"): d("156.60"),
        (BUDGET_THREE_PUBLIC, "公务接待费", "预算数"): d("412.50"),
        (BUDGET_THREE_PUBLIC, "会议费", "预算数"): d("884.16"),
        (BUDGET_THREE_PUBLIC, "培训费", "预算数"): d("97.60"),
        (BUDGET_OPERATING, "合计", "预算数"): d("1115.85"),
        (BUDGET_PROCUREMENT, "合计", "预算数"): d("1281.76"),
        (BUDGET_PROCUREMENT, "政府采购货物支出", "预算数"): d("355.67"),
        (BUDGET_PROCUREMENT, "政府采购服务支出", "预算数"): d("926.09"),
    }
    assert {key: got.get(key) for key in expected} == expected


def test_a_split_report_keys_its_prose_to_the_cells_its_table_file_prints() -> None:
    prose_part = extract_document(real_path(ZHENGXIE), unit_id="zx", year=2018)
    table_part = extract_document(real_path(ZHENGXIE_TABLES), unit_id="zx", year=2018)
    assert prose_part.report_kind == table_part.report_kind == BUDGET
    tables = [f for f in table_part.facts if f.source_kind == "table"]
    assert not [f for f in prose_part.facts if f.source_kind == "table"]  # the 正文 prints no table
    merged = align_report([*prose_part.facts, *table_part.facts])
    validate_facts(merged)
    got = values([f for f in merged if f.source_kind == "narrative"])
    printed = values(tables)
    # A one-amount table prints 预算数, not 合计; an income source is a line of Jiangsu's 收入预算表.
    assert got[(BUDGET_GENERAL, "合计", "预算数")] == printed[(BUDGET_GENERAL, "合计", "预算数")] == d("10070.48")
    other = [key for key in got if key[0] == BUDGET_INCOME and key[1].startswith("其他资金")]
    assert len(other) == 1 and other[0] in printed and got[other[0]] == d("80")  # a line, not a column
    assert (BUDGET_GENERAL, "合计", "合计") not in got
    same = [key for key in got if key in printed]
    assert len(same) >= 30 and all(got[key] == printed[key] for key in same)
    # Last year's figures take the keys of this year's cells (the same template).
    previous = values(align_report(prose_part.prior_year_facts, tables))
    assert previous[(BUDGET_GENERAL, "合计", "预算数")] == d("9066.79")  # 10,070.48 − 1,003.69


def test_shanghai_putuo_government_office_2025() -> None:
    prose = prose_of(QZFB)
    got = values(prose.narrative.facts)
    expected = {
        (BUDGET_INCOME, "合计", "合计"): d("9101.68"),  # 收入预算
        (BUDGET_INCOME, "合计", "财政拨款收入"): d("9101.68"),
        (BUDGET_INCOME, "合计", "事业收入"): d("0"),
        (BUDGET_EXPENDITURE, "合计", "合计"): d("9101.68"),
        (BUDGET_GENERAL, "合计", "合计"): d("9101.68"),
        (BUDGET_FISCAL_EXPENDITURE, "2010301", "合计"): d("1202.95"),  # "一般公共服务支出-…-行政运行"科目
        (BUDGET_FISCAL_EXPENDITURE, "2210203", "合计"): d("186.77"),
        (BUDGET_THREE_PUBLIC, "合计", "预算数"): d("867.50"),
        (BUDGET_THREE_PUBLIC, "因公出国（境）费", "预算数"): d("839"),
        (BUDGET_THREE_PUBLIC, "公务用车购置及运行维护费", "预算数"): d("0"),
        (BUDGET_THREE_PUBLIC, "公务接待费", "预算数"): d("28.50"),
        (BUDGET_OPERATING, "合计", "预算数"): d("213.28"),
        (BUDGET_PROCUREMENT, "合计", "预算数"): d("34"),  # not the 34 reserved for 中小企业
        (BUDGET_PROCUREMENT, "政府采购货物支出", "预算数"): d("0"),
        (BUDGET_PROCUREMENT, "政府采购服务支出", "预算数"): d("34"),
    }
    assert {key: got.get(key) for key in expected} == expected
    previous = values(prose.previous_year.facts)
    assert previous[(BUDGET_INCOME, "合计", "财政拨款收入")] == d("11491.20")  # 比2024年预算减少2,389.52万元
    assert previous[(BUDGET_THREE_PUBLIC, "合计", "预算数")] == d("867.50")  # 与2024年预算持平
    assert any("11 projects" in note for note in prose.narrative.notes)  # 绩效目标: a note, no fact


def test_shanghai_wanli_2023_chains_and_what_is_no_fact() -> None:
    prose = prose_of(WANLI)
    got = values(prose.narrative.facts)
    assert got[(BUDGET_FISCAL_EXPENDITURE, "2010506", "合计")] == d("2.63")  # 统计信息事务（款）统计管理（项）
    assert got[(BUDGET_FISCAL_EXPENDITURE, "2120199", "合计")] == d("4992.71")
    assert got[(BUDGET_THREE_PUBLIC, "合计", "预算数")] == d("22.91")
    assert got[(BUDGET_THREE_PUBLIC, "公务用车购置及运行维护费", "预算数")] == d("21.56")  # 公务车购置及运行费
    assert got[(BUDGET_THREE_PUBLIC, "公务用车运行维护费", "预算数")] == d("21.56")  # 公务车用车运行费
    assert got[(BUDGET_OPERATING, "合计", "预算数")] == d("786.09")
    assert got[(BUDGET_PROCUREMENT, "政府采购工程支出", "预算数")] == d("550.00")
    # "2022年当年预算执行数为1.48万元" is last year's execution, no budget: no fact of 2022 from it, and the
    # 政府性基金 change that would make last year's budget negative gives nothing.
    previous = values(prose.previous_year.facts)
    assert (BUDGET_FISCAL_EXPENDITURE, "2010506", "合计") not in previous
    assert (BUDGET_GOV_FUND, "合计", "合计") not in previous
    assert any("negative" in note for note in prose.previous_year.notes)


def test_the_public_entry_reads_a_budget_pdf_into_budget_facts_keyed_like_its_tables() -> None:
    extraction = extract_document(real_path(HIGHCOURT), unit_id="js-highcourt", year=2017)
    assert extraction.report_kind == BUDGET
    narrative = [f for f in extraction.facts if f.source_kind == "narrative"]
    printed = values([f for f in extraction.facts if f.source_kind == "table"])
    got = values(narrative)
    assert all(f.report_kind == BUDGET and f.table_name in BUDGET_TABLE_NAMES for f in narrative)
    assert got[(BUDGET_GENERAL, "合计", "预算数")] == printed[(BUDGET_GENERAL, "合计", "预算数")] == d("28849.38")
    same = [key for key in got if key in printed]
    assert len(same) >= 30 and all(got[key] == printed[key] for key in same)
    assert {f.year for f in extraction.prior_year_facts} == {2016}
    # "法院(款)一般行政事务管理(项)" is no catalogue 项: the table's only 项 of 20405 printing 6432.89 decides.
    assert got[(BUDGET_FISCAL_EXPENDITURE, "2040502", "预算数")] == d("6432.89")


def test_economic_items_of_the_basic_and_operating_sections() -> None:
    got = values(prose_of("budget/js-zhengxiebgt-2017-dept-budget.pdf").narrative.facts)
    expected = {
        (BUDGET_FISCAL_BASIC, "301", "合计"): d("2097.51"),  # 工资福利支出（类）
        (BUDGET_FISCAL_BASIC, "30101", "合计"): d("737.94"),  # 基本工资（款）
        (BUDGET_BASIC, "302", "合计"): d("1131.92"),  # 商品和服务支出（类）
        (BUDGET_BASIC, "30231", "合计"): d("156.60"),  # 公务用车运行维护费（款）
        (BUDGET_OPERATING, "合计", "预算数"): d("3348.98"),
        (BUDGET_OPERATING, "30209", "预算数"): d("446"),  # 物业管理费（款）
    }
    assert {key: got.get(key) for key in expected} == expected


def test_a_final_report_gives_no_budget_key() -> None:
    extraction = extract_document(real_path("final/putuo_shgzb_2024.pdf"), unit_id="putuo-shgzb", year=2024)
    assert extraction.report_kind == FINAL
    for fact in [*extraction.facts, *extraction.prior_year_facts]:
        assert fact.report_kind == FINAL and fact.table_name in TABLE_NAMES
    assert any(f.source_kind == "narrative" for f in extraction.facts)


def test_changes_worded_as_a_comparison_or_of_open_direction() -> None:
    previous = values(prose_of("budget/js-rendaban-2017-dept-budget.pdf").previous_year.facts)
    assert previous[(BUDGET_THREE_PUBLIC, "会议费", "预算数")] == d("1709.00")  # 本年数小于上年预算数403.75万元
    assert previous[(BUDGET_THREE_PUBLIC, "培训费", "预算数")] == d("0.00")  # 比上年预算增加403.75万元
    later = values(prose_of("budget/js-rendaban-2018-dept-budget.pdf").previous_year.facts)
    assert later[(BUDGET_GOV_FUND, "合计", "合计")] == d("0")  # 增加（减少）0万元: only a zero change is read
    assert later[(BUDGET_THREE_PUBLIC, "会议费", "预算数")] == d("1305.25")  # the 2017 report's own figure
