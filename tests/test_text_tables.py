"""Tables of the real text exports, checked number by number against a hand transcription.

The expected grids below were typed from the reports themselves (codes and figures are facts),
not produced by the extractor: a row per subject, ``-`` for a blank cell.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from juesuan import contract as c
from juesuan.contract import validate_facts
from juesuan.extract.base import DocumentContext, RawTable
from juesuan.extract.mapping import canonical_table_name, map_table
from juesuan.extract.text_export import extract_text_tables, find_tables
from juesuan.transform.catalogue import Catalogue

INCOME_COLUMNS = (
    "本年收入合计",
    "财政拨款收入",
    "上级补助收入",
    "事业收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
)
EXPENDITURE_COLUMNS = (
    "本年支出合计",
    "基本支出",
    "项目支出",
    "上缴上级支出",
    "经营支出",
    "对附属单位补助支出",
)
GENERAL_COLUMNS = ("小计", "基本支出", "项目支出")

DATONG_INCOME = """
合计 5569.36 5569.36
208 5347.00 5347.00
20801 1734.75 1734.75
2080109 1734.75 1734.75
20805 883.08 883.08
2080502 713.47 713.47
2080505 157.76 157.76
2080506 11.84 11.84
20807 63.07 63.07
2080799 63.07 63.07
20899 2666.10 2666.10
2089999 2666.10 2666.10
210 59.40 59.40
21011 59.40 59.40
2101101 28.44 28.44
2101102 30.96 30.96
221 162.97 162.97
22102 162.97 162.97
2210201 147.65 147.65
2210202 15.32 15.32
"""
DATONG_EXPENDITURE = """
合计 5570.34 2387.35 3182.99
208 5347.97 2164.98 3182.99
20801 1735.73 1282.87 452.86
2080109 1735.73 1282.87 452.86
20805 883.08 882.12 0.96
2080502 713.47 712.51 0.96
2080505 157.76 157.76 -
2080506 11.84 11.84 -
20807 63.07 - 63.07
2080799 63.07 - 63.07
20899 2666.10 - 2666.10
2089999 2666.10 - 2666.10
210 59.40 59.40 -
21011 59.40 59.40 -
2101101 28.44 28.44 -
2101102 30.96 30.96 -
221 162.97 162.97 -
22102 162.97 162.97 -
2210201 147.65 147.65 -
2210202 15.32 15.32 -
"""
DATONG_GENERAL = """
合计 5569.36 2386.46 3182.90
208 5347.00 2164.09 3182.90
20801 1734.75 1281.98 452.77
2080109 1734.75 1281.98 452.77
20805 883.08 882.12 0.96
2080502 713.47 712.51 0.96
2080505 157.76 157.76 -
2080506 11.84 11.84 -
20807 63.07 - 63.07
2080799 63.07 - 63.07
20899 2666.10 - 2666.10
2089999 2666.10 - 2666.10
210 59.40 59.40 -
21011 59.40 59.40 -
2101101 28.44 28.44 -
2101102 30.96 30.96 -
221 162.97 162.97 -
22102 162.97 162.97 -
2210201 147.65 147.65 -
2210202 15.32 15.32 -
"""
CHAOYANG_INCOME = """
合计 2079.31 2079.31
208 1968.11 1968.11
20801 814.57 814.57
2080109 26.50 26.50
2080150 788.07 788.07
20805 120.48 120.48
2080502 26.16 26.16
2080505 80.69 80.69
2080506 13.63 13.63
20808 17.22 17.22
2080801 17.22 17.22
20809 20.62 20.62
2080999 20.62 20.62
20899 995.22 995.22
2089999 995.22 995.22
210 44.58 44.58
21011 44.58 44.58
2101102 32.40 32.40
2101103 12.18 12.18
221 66.63 66.63
22102 66.63 66.63
2210201 66.63 66.63
"""
CHAOYANG_EXPENDITURE = """
合计 2079.31 1018.34 1060.97
208 1968.11 907.14 1060.97
20801 814.57 788.07 26.50
2080109 26.50 - 26.50
2080150 788.07 788.07 -
20805 120.48 101.85 18.63
2080502 26.16 7.53 18.63
2080505 80.69 80.69 -
2080506 13.63 13.63 -
20808 17.22 17.22 -
2080801 17.22 17.22 -
20809 20.62 - 20.62
2080999 20.62 - 20.62
20899 995.22 - 995.22
2089999 995.22 - 995.22
210 44.58 44.58 -
21011 44.58 44.58 -
2101102 32.40 32.40 -
2101103 12.18 12.18 -
221 66.63 66.63 -
22102 66.63 66.63 -
2210201 66.63 66.63 -
"""
# 朝阳 prints explicit 0.00 in its 05 table: those are reported numbers and are kept.
CHAOYANG_GENERAL = """
合计 2079.31 1018.34 1060.97
208 1968.11 907.14 1060.97
20801 814.57 788.07 26.50
2080109 26.50 0.00 26.50
2080150 788.07 788.07 0.00
20805 120.48 101.85 18.63
2080502 26.16 7.53 18.63
2080505 80.69 80.69 0.00
2080506 13.63 13.63 0.00
20808 17.22 17.22 0.00
2080801 17.22 17.22 0.00
20809 20.62 0.00 20.62
2080999 20.62 0.00 20.62
20899 995.22 0.00 995.22
2089999 995.22 0.00 995.22
210 44.58 44.58 0.00
21011 44.58 44.58 0.00
2101102 32.40 32.40 0.00
2101103 12.18 12.18 0.00
221 66.63 66.63 0.00
22102 66.63 66.63 0.00
2210201 66.63 66.63 0.00
"""
JINCHENG_INCOME = """
合计 430.21 430.21 - - - - 0.01
208 389.81 389.81 - - - - 0.01
20801 362.08 362.07 - - - - 0.01
2080108 141.53 141.53
2080110 220.55 220.55 - - - - 0.01
20805 27.73 27.73
2080505 27.73 27.73
210 16.51 16.51
21011 16.51 16.51
2101102 11.30 11.30
2101103 5.22 5.22
221 23.88 23.88
22102 23.88 23.88
2210201 23.88 23.88
"""
JINCHENG_EXPENDITURE = """
合计 430.21 288.68 141.53
208 389.81 248.28 141.53
20801 362.07 220.55 141.53
2080108 141.53 - 141.53
2080110 220.55 220.55 -
20805 27.73 27.73 -
2080505 27.73 27.73 -
210 16.51 16.51 -
21011 16.51 16.51 -
2101102 11.30 11.30 -
2101103 5.22 5.22 -
221 23.88 23.88 -
22102 23.88 23.88 -
2210201 23.88 23.88 -
"""

CODED_EXPECTATIONS = {
    "datong-sic": {
        c.INCOME: (DATONG_INCOME, INCOME_COLUMNS),
        c.EXPENDITURE: (DATONG_EXPENDITURE, EXPENDITURE_COLUMNS),
        c.GENERAL_BUDGET: (DATONG_GENERAL, GENERAL_COLUMNS),
    },
    "chaoyang-sic": {
        c.INCOME: (CHAOYANG_INCOME, INCOME_COLUMNS),
        c.EXPENDITURE: (CHAOYANG_EXPENDITURE, EXPENDITURE_COLUMNS),
        c.GENERAL_BUDGET: (CHAOYANG_GENERAL, GENERAL_COLUMNS),
    },
    "jincheng-hrss": {
        c.INCOME: (JINCHENG_INCOME, INCOME_COLUMNS),
        c.EXPENDITURE: (JINCHENG_EXPENDITURE, EXPENDITURE_COLUMNS),
        c.GENERAL_BUDGET: (JINCHENG_EXPENDITURE, GENERAL_COLUMNS),  # 晋城's 05 repeats its 03 figures
    },
}

Key = tuple[str, str, str]


def parse_grid(grid: str, columns: tuple[str, ...]) -> dict[Key, Decimal]:
    expected: dict[Key, Decimal] = {}
    for line in grid.strip().splitlines():
        subject, *values = line.split()
        for column, value in zip(columns, values, strict=False):
            if value != "-":
                expected[(subject, column, "")] = Decimal(value)
    return expected


def table_facts(unit_id: str, corpus: type) -> tuple[list[c.Fact], object]:
    text = corpus.text(unit_id)
    context = DocumentContext(unit_id, corpus.year(unit_id), hashlib.sha256(text.encode()).hexdigest())
    result = extract_text_tables(text, context, Catalogue.load())
    return result.facts, result


def by_key(facts: list[c.Fact], table_name: str) -> dict[Key, Decimal]:
    return {(f.subject_key, f.column_name, ""): f.value for f in facts if f.table_name == table_name}


@pytest.mark.parametrize("unit_id", sorted(CODED_EXPECTATIONS))
@pytest.mark.parametrize("table_name", [c.INCOME, c.EXPENDITURE, c.GENERAL_BUDGET])
def test_every_number_of_the_coded_tables(unit_id: str, table_name: str, corpus: type) -> None:
    facts, _ = table_facts(unit_id, corpus)
    grid, columns = CODED_EXPECTATIONS[unit_id][table_name]
    expected = parse_grid(grid, columns)
    actual = by_key(facts, table_name)
    missing = {k: v for k, v in expected.items() if actual.get(k) != v}
    extra = {k: v for k, v in actual.items() if k not in expected}
    assert not missing, f"missing or wrong: {missing}"
    assert not extra, f"not in the report: {extra}"


@pytest.mark.parametrize("unit_id", ["datong-sic", "chaoyang-sic", "jincheng-hrss"])
def test_table_facts_obey_the_contract(unit_id: str, corpus: type) -> None:
    facts, _ = table_facts(unit_id, corpus)
    validate_facts(facts)
    assert {f.source_kind for f in facts} == {"table"}
    assert {f.extractor for f in facts} == {"text-table"}
    assert all(f.raw_text for f in facts)


def fact(facts: list[c.Fact], table_name: str, key: str, column: str) -> Decimal | None:
    found = [f.value for f in facts if f.table_name == table_name and f.subject_key == key and f.column_name == column]
    assert len(found) <= 1
    return found[0] if found else None


SUMMARY_LINES = {
    "datong-sic": {
        ("一般公共预算财政拨款收入", "金额"): "5569.36",
        ("本年收入合计", "金额"): "5569.36",
        ("使用非财政拨款结余", "金额"): "0.89",
        ("年初结转和结余", "金额"): "0.09",
        ("收入总计", "金额"): "5570.34",
        ("208", "金额"): "5347.97",
        ("210", "金额"): "59.40",
        ("221", "金额"): "162.97",
        ("本年支出合计", "金额"): "5570.34",
        ("支出总计", "金额"): "5570.34",
    },
    "chaoyang-sic": {
        ("一般公共预算财政拨款收入", "金额"): "2079.31",
        ("本年收入合计", "金额"): "2079.31",
        ("收入总计", "金额"): "2079.31",
        ("208", "金额"): "1968.10",
        ("210", "金额"): "44.58",
        ("221", "金额"): "66.63",
        ("本年支出合计", "金额"): "2079.31",
        ("支出总计", "金额"): "2079.31",
    },
    "jincheng-hrss": {
        ("一般公共预算财政拨款收入", "金额"): "430.21",
        ("其他收入", "金额"): "0.01",
        ("本年收入合计", "金额"): "430.21",
        ("年初结转和结余", "金额"): "86.64",
        ("收入总计", "金额"): "516.85",
        ("208", "金额"): "389.81",
        ("210", "金额"): "16.51",
        ("221", "金额"): "23.88",
        ("本年支出合计", "金额"): "430.21",
        ("年末结转和结余", "金额"): "86.65",
        ("支出总计", "金额"): "516.85",
    },
}


@pytest.mark.parametrize("unit_id", sorted(SUMMARY_LINES))
def test_summary_table_lines(unit_id: str, corpus: type) -> None:
    facts, _ = table_facts(unit_id, corpus)
    actual = {(f.subject_key, f.column_name): f.value for f in facts if f.table_name == c.TOTALS}
    expected = {k: Decimal(v) for k, v in SUMMARY_LINES[unit_id].items()}
    assert actual == expected


def test_class_lines_of_summary_tables_carry_their_code(corpus: type) -> None:
    facts, _ = table_facts("datong-sic", corpus)
    line = next(f for f in facts if f.table_name == c.TOTALS and f.subject_code == "208")
    assert line.line_item == "社会保障和就业支出"
    assert "八、社会保障和就业支出" in line.raw_text


@pytest.mark.parametrize(
    ("unit_id", "expected"),
    [
        (
            "datong-sic",
            {
                ("一般公共预算财政拨款收入", "金额"): "5569.36",
                ("本年收入合计", "金额"): "5569.36",
                ("收入总计", "金额"): "5569.36",
                ("208", "合计"): "5347.00",
                ("208", "一般公共预算财政拨款"): "5347.00",
                ("210", "合计"): "59.40",
                ("210", "一般公共预算财政拨款"): "59.40",
                ("221", "合计"): "162.97",
                ("221", "一般公共预算财政拨款"): "162.97",
                ("本年支出合计", "合计"): "5569.36",
                ("本年支出合计", "一般公共预算财政拨款"): "5569.36",
                ("支出总计", "合计"): "5569.36",
                ("支出总计", "一般公共预算财政拨款"): "5569.36",
            },
        ),
    ],
)
def test_fiscal_summary_table(unit_id: str, expected: dict[tuple[str, str], str], corpus: type) -> None:
    facts, _ = table_facts(unit_id, corpus)
    actual = {(f.subject_key, f.column_name): f.value for f in facts if f.table_name == c.FISCAL_TOTALS}
    assert actual == {k: Decimal(v) for k, v in expected.items()}


BASIC_EXPECTED = {
    "datong-sic": {
        "301": "1557.94", "30101": "516.01", "30102": "210.93", "30103": "193.86", "30107": "253.67",
        "30108": "157.89", "30109": "11.84", "30110": "59.44", "30112": "6.66", "30113": "147.65",
        "303": "711.03", "30301": "52.97", "30302": "396.32", "30304": "254.53", "30309": "7.21",
        "302": "117.49", "30201": "24.33", "30204": "0.04", "30207": "2.00", "30211": "4.81",
        "30213": "0.44", "30228": "8.57", "30229": "29.71", "30231": "3.18", "30239": "41.22",
        "30240": "0.04", "30299": "3.16",
        "人员经费合计": "2268.97", "公用经费合计": "117.49",
    },
    "chaoyang-sic": {
        "301": "724.73", "30101": "267.42", "30102": "7.02", "30103": "1.20", "30107": "242.03",
        "30108": "80.69", "30109": "13.63", "30110": "32.40", "30111": "12.18", "30112": "1.54",
        "30113": "66.63", "303": "23.96", "30302": "6.74", "30304": "17.22",
        "302": "269.65", "30201": "7.50", "30202": "0.60", "30204": "0.20", "30207": "3.00",
        "30211": "15.82", "30213": "1.00", "30226": "204.86", "30239": "31.49", "30299": "5.18",
        "人员经费合计": "748.69", "公用经费合计": "269.65",
    },
    "jincheng-hrss": {
        "301": "262.49", "30101": "79.07", "30102": "10.38", "30107": "91.17", "30108": "27.73",
        "30109": "2.02", "30110": "11.30", "30111": "5.22", "30112": "0.58", "30113": "23.88",
        "30199": "11.13", "303": "0.18", "30309": "0.18",
        "302": "26.01", "30201": "17.69", "30208": "0.91", "30211": "0.11", "30226": "0.06",
        "30228": "2.63", "30229": "4.61",
        "人员经费合计": "262.67", "公用经费合计": "26.01",
    },
}  # fmt: skip


@pytest.mark.parametrize("unit_id", sorted(BASIC_EXPECTED))
def test_basic_expenditure_table(unit_id: str, corpus: type) -> None:
    """Both layouts: four (code, name, 决算数) groups (大同, 晋城) and three (朝阳)."""
    facts, _ = table_facts(unit_id, corpus)
    actual = {f.subject_key: f.value for f in facts if f.table_name == c.BASIC}
    assert {f.column_name for f in facts if f.table_name == c.BASIC} == {"决算数"}
    assert actual == {k: Decimal(v) for k, v in BASIC_EXPECTED[unit_id].items()}


def test_chaoyang_truncated_economic_codes_are_repaired_and_recorded(corpus: type) -> None:
    facts, result = table_facts("chaoyang-sic", corpus)
    repairs = {(r.raw_code, r.raw_name): r for r in result.repairs}
    basic_pay = repairs[("3010", "基本工资")]
    assert (basic_pay.code, basic_pay.status, basic_pay.table_name) == ("30101", "repaired", c.BASIC)
    # The name printed cut short (…基本养老保险 without 缴费) still resolves, within the 3010 prefix.
    assert repairs[("3010", "机关事业单位基本养老保险")].code == "30108"
    assert repairs[("3023", "其他交通费用")].code == "30239"
    assert all(r.status == "repaired" for r in result.repairs)
    assert len(result.repairs) == 21  # every coded 06 row with a value: 24 minus the 3 printed as 3-digit 类
    fact_30101 = next(f for f in facts if f.subject_code == "30101")
    assert fact_30101.line_item == "基本工资" and fact_30101.raw_text.startswith("3010\t")


def test_unresolvable_economic_code_is_flagged_not_guessed() -> None:
    rows = [
        ["人员经费", "", "", "公用经费", "", ""],
        ["科目代码", "科目名称", "决算数", "科目代码", "科目名称", "决算数"],
        ["3019", "其他工资福利", "1.00", "3120", "其他资本性补助", "2.00"],
        ["人员经费合计", "", "1.00", "公用经费合计", "", "2.00"],
    ]
    context = DocumentContext("test-unit", 2024, "0" * 64)
    result = map_table(RawTable("一般公共预算财政拨款基本支出决算表", rows, "text-table"), context, Catalogue.load())
    by_raw = {r.raw_code: r for r in result.repairs}
    assert by_raw["3019"].code == "30199" and by_raw["3019"].status == "repaired"
    assert by_raw["3120"].code is None and by_raw["3120"].status == "unresolved"
    unresolved = next(f for f in result.facts if f.raw_text.startswith("3120"))
    assert unresolved.subject_code is None and unresolved.line_item == "其他资本性补助"
    validate_facts(result.facts)


def test_three_public_wide_layout(corpus: type) -> None:
    facts, _ = table_facts("datong-sic", corpus)
    actual = {(f.line_item, f.column_name): f.value for f in facts if f.table_name == c.THREE_PUBLIC}
    expected = {
        (item, column): Decimal("3.18")
        for item in ("合计", "公务用车购置及运行维护费", "公务用车运行维护费")
        for column in ("预算数", "决算数")
    }
    assert actual == expected


def test_three_public_narrow_layout() -> None:
    rows = [
        ["项 目", "预算数", "决算数"],
        ["合 计", "5.00", "4.10"],
        ["1、因公出国（境）费", "", ""],
        ["2、公务接待费", "1.00", "0.90"],
        ["3、公务用车购置及运行费", "4.00", "3.20"],
        ["其中：（1）公务用车运行维护费", "4.00", "3.20"],
        ["（2）公务用车购置费", "", ""],
    ]
    context = DocumentContext("test-unit", 2024, "0" * 64)
    result = map_table(RawTable("财政拨款“三公”经费支出决算表", rows, "text-table"), context, Catalogue.load())
    actual = {(f.line_item, f.column_name): str(f.value) for f in result.facts}
    assert actual == {
        ("合计", "预算数"): "5.00",
        ("合计", "决算数"): "4.10",
        ("公务接待费", "预算数"): "1.00",
        ("公务接待费", "决算数"): "0.90",
        ("公务用车购置及运行维护费", "预算数"): "4.00",
        ("公务用车购置及运行维护费", "决算数"): "3.20",
        ("公务用车运行维护费", "预算数"): "4.00",
        ("公务用车运行维护费", "决算数"): "3.20",
    }


def test_chaoyang_narrow_three_public_table_without_figures_is_reported_empty(corpus: type) -> None:
    _, result = table_facts("chaoyang-sic", corpus)
    report = next(t for t in result.tables if t.table_name == c.THREE_PUBLIC)
    assert report.status == "empty" and report.facts == 0
    assert any("本表" in note for note in report.notes)


@pytest.mark.parametrize(
    ("unit_id", "expected"),
    [
        (
            "datong-sic",
            {
                ("政府采购支出合计", "统计数"): "33.50",
                ("政府采购货物支出", "统计数"): "33.50",
                ("机关运行经费（参照公务员法管理事业单位）", "统计数"): "117.49",
                ("车辆数合计", "数量（辆）"): "3",
                ("其他用车", "数量（辆）"): "3",
            },
        ),
        ("jincheng-hrss", {("政府采购支出合计", "统计数"): "1.73", ("政府采购货物支出", "统计数"): "1.73"}),
    ],
)
def test_related_information_table(unit_id: str, expected: dict[tuple[str, str], str], corpus: type) -> None:
    facts, _ = table_facts(unit_id, corpus)
    actual = {(f.line_item, f.column_name): f.value for f in facts if f.table_name == c.RELATED_INFO}
    assert actual == {k: Decimal(v) for k, v in expected.items()}


def test_datong_mislabelled_expenditure_table_is_known_by_its_title(corpus: type) -> None:
    """大同's 支出决算表 is marked 公开09表 (as is its 三公 table): numbering never decides."""
    text = corpus.text("datong-sic")
    assert text.count("公开09表") == 2
    names = [canonical_table_name(t.title) for t in find_tables(text)]
    assert names.count(c.EXPENDITURE) == 1 and names.count(c.THREE_PUBLIC) == 1


def test_tables_without_data_and_unknown_titles_are_reported(corpus: type) -> None:
    _, result = table_facts("datong-sic", corpus)
    statuses = {t.table_name: t.status for t in result.tables if t.table_name}
    assert statuses[c.GOV_FUND] == "empty" and statuses[c.STATE_CAPITAL] == "empty"
    unknown = [t for t in result.tables if t.status == "unrecognised"]
    assert len(unknown) == 11  # the performance self-evaluation tables, each named in the report
    assert all(t.title and "绩效自评表" in t.title and t.notes for t in unknown)


def test_table_of_contents_is_not_a_table(corpus: type) -> None:
    titles = [t.title for t in find_tables(corpus.text("datong-sic"))]
    assert None not in titles  # the tab-separated 目录 yields no untitled grid


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("收入支出决算总表", c.TOTALS),
        ("# 收入决算表", c.INCOME),
        ("一般公共预算财政拨款基本支出决算明细表", c.BASIC),
        ("一般公共预算财政拨款项目支出决算明细表", c.PROJECT),
        ("国有资本经营预算财政拨款收入支出决算表", c.STATE_CAPITAL),
        ("<b>财政拨款“三公”经费支出决算表</b>", c.THREE_PUBLIC),
        ("一般公共预算财政拨款“三公”经费支出决算表", c.THREE_PUBLIC),
        ("机关运行经费支出、国有资产占用情况及政府采购支出信息表", c.RELATED_INFO),
        ("项目支出绩效自评表 (2024 年度)", None),
        ("收入决算情况说明", None),
    ],
)
def test_titles(title: str, name: str | None) -> None:
    assert canonical_table_name(title) == name


def test_amounts_in_yuan_are_converted_and_thousands_separators_read() -> None:
    rows = [
        ["项目", "", "本年支出", "", ""],
        ["科目代码", "科目名称", "小计", "基本支出", "项目支出"],
        ["栏次", "", "1", "2", "3"],
        ["合计", "", "12,345,678.90", "——", "12,345,678.90"],
    ]
    raw = RawTable("一般公共预算财政拨款支出决算表", rows, "text-table", amount_unit="元")
    result = map_table(raw, DocumentContext("test-unit", 2023, "0" * 64), Catalogue.load())
    assert {(f.column_name, f.value) for f in result.facts} == {
        ("小计", Decimal("1234.56789")),
        ("项目支出", Decimal("1234.56789")),
    }
