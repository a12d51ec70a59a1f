"""The narrative extractor against the real reports' 情况说明 and small synthetic texts.

Keys are (table_name, subject_code or line_item, column_name); values are exact Decimals in 万元
(counts for vehicles and equipment).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from juesuan.contract import (
    BASIC,
    EXPENDITURE,
    FISCAL_TOTALS,
    GENERAL_BUDGET,
    GOV_FUND,
    INCOME,
    INITIAL_BUDGET_COLUMN,
    PROJECT,
    RELATED_INFO,
    STATE_CAPITAL,
    THREE_PUBLIC,
    TOTALS,
    Fact,
    validate_facts,
)
from juesuan.extract.base import DocumentContext, StrategyResult
from juesuan.extract.narrative import extract_narrative, extract_previous_year
from juesuan.transform.catalogue import Catalogue

Key = tuple[str, str, str]
UNIT_IDS = ("chaoyang-sic", "datong-sic", "dazhu-sic", "jincheng-hrss", "wuhai-sic")
CATALOGUE = Catalogue.load()
SYNTHETIC = DocumentContext("test-unit", 2023, "0" * 64)


def run_corpus(corpus: type, unit_id: str) -> tuple[StrategyResult, str]:
    text = corpus.text(unit_id)  # type: ignore[attr-defined]
    year = corpus.year(unit_id)  # type: ignore[attr-defined]
    context = DocumentContext(unit_id, year, hashlib.sha256(text.encode("utf-8")).hexdigest())
    return extract_narrative([(None, text)], context, CATALOGUE), text


def run_text(*segments: tuple[int | None, str]) -> StrategyResult:
    return extract_narrative(list(segments), SYNTHETIC, CATALOGUE)


def by_key(facts: list[Fact]) -> dict[Key, Fact]:
    return {(f.table_name, f.subject_key, f.column_name): f for f in facts}


def values(facts: list[Fact]) -> dict[Key, Decimal]:
    return {key: fact.value for key, fact in by_key(facts).items()}


def d(text: str) -> Decimal:
    return Decimal(text)


def coded(table: str, column: str, pairs: dict[str, str]) -> dict[Key, Decimal]:
    return {(table, code, column): d(value) for code, value in pairs.items()}


def lines(table: str, column: str, pairs: dict[str, str]) -> dict[Key, Decimal]:
    return {(table, line, column): d(value) for line, value in pairs.items()}


# 乌海's "…(项)。年初预算 X 万元, 支出决算 Y 万元" statements: 项 → 年初预算.
WUHAI_INITIAL_BUDGETS = {
    "2012999": "5.63",
    "2080109": "456.68",
    "2080501": "11.05",
    "2080505": "39.50",
    "2080506": "19.75",
    "2089999": "0",
    "2101101": "22.70",
    "2210201": "36.33",
}

VEHICLE_KINDS = (
    "副部（省）级及以上领导用车",
    "主要负责人用车",
    "机要通信用车",
    "应急保障用车",
    "执法执勤用车",
    "特种专业技术用车",
    "离退休干部服务用车",
    "其他用车",
)


# --- the corpus ------------------------------------------------------------------------------------
@pytest.mark.corpus
@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_every_report_passes_the_contract(corpus: type, unit_id: str) -> None:
    result, text = run_corpus(corpus, unit_id)
    validate_facts(result.facts)
    assert result.facts
    for fact in result.facts:
        assert fact.unit_id == unit_id
        assert fact.year == corpus.year(unit_id)  # type: ignore[attr-defined]
        assert fact.source_kind == "narrative"
        assert fact.extractor == "narrative-regex"
        assert fact.page is None  # a text export has no pages
        assert fact.raw_text in text  # the exact source fragment
        assert isinstance(fact.value, Decimal)


@pytest.mark.corpus
def test_dazhu_every_narrative_figure(corpus: type) -> None:
    result, _ = run_corpus(corpus, "dazhu-sic")
    expected: dict[Key, Decimal] = {
        **lines(TOTALS, "金额", {"收入总计": "674.37", "支出总计": "674.37", "一般公共预算财政拨款收入": "648.54"}),
        (INCOME, "合计", "本年收入合计"): d("648.54"),
        **lines(EXPENDITURE, "本年支出合计", {"合计": "674.37"}),
        (EXPENDITURE, "合计", "基本支出"): d("578.15"),
        (EXPENDITURE, "合计", "项目支出"): d("96.22"),
        (FISCAL_TOTALS, "收入总计", "金额"): d("674.37"),
        (FISCAL_TOTALS, "支出总计", "合计"): d("674.37"),
        (GENERAL_BUDGET, "合计", "小计"): d("674.37"),
        **coded(
            GENERAL_BUDGET,
            "小计",
            {
                "206": "4.47",
                "208": "607.08",
                "210": "36.32",
                "221": "26.51",
                "2069999": "4.47",
                "2080109": "577.12",
                "2080199": "3.27",
                "2080501": "1.99",
                "2080505": "8.07",
                "2080506": "16.17",
                "2089999": "0.47",
                "2101101": "27.19",
                "2101103": "9.12",
                "2210201": "26.51",
            },
        ),
        (GENERAL_BUDGET, "合计", "基本支出"): d("578.15"),
        **lines(BASIC, "决算数", {"人员经费合计": "507.2", "公用经费合计": "70.95"}),
        **lines(
            THREE_PUBLIC,
            "决算数",
            {
                "合计": "0.18",
                "因公出国（境）费": "0",
                "公务用车购置及运行维护费": "0",
                "公务用车购置费": "0",
                "公务用车运行维护费": "0",
                "公务接待费": "0.18",
                "国内公务接待费": "0.18",
            },
        ),
        (GOV_FUND, "合计", "小计"): d("0"),
        (STATE_CAPITAL, "合计", "合计"): d("0"),
        **lines(RELATED_INFO, "统计数", {"机关运行经费": "70.95", "政府采购支出合计": "0"}),
        (RELATED_INFO, "车辆数合计", "数量（辆）"): d("0"),
    }
    assert values(result.facts) == expected
    # 名词解释 carries codes but no amounts, and the chart data after 第四部分 is not prose.
    assert not [f for f in result.facts if "指反映" in f.raw_text or "0000000" in f.raw_text]


@pytest.mark.corpus
def test_wuhai_every_narrative_figure(corpus: type) -> None:
    result, _ = run_corpus(corpus, "wuhai-sic")
    expected: dict[Key, Decimal] = {
        # 一、总体
        **lines(
            TOTALS,
            "金额",
            {
                "收入总计": "1958.13",
                "支出总计": "1958.13",
                "本年收入合计": "1956.06",
                "使用非财政拨款结余": "2.07",
                "年初结转和结余": "0",
                "本年支出合计": "1958.13",
                "结余分配": "0",
                "年末结转和结余": "0",
                "一般公共预算财政拨款收入": "1956.06",
                "政府性基金预算财政拨款收入": "0",
                "国有资本经营预算财政拨款收入": "0",
            },
        ),
        # 二、收入决算 ("1956.0 6万元")
        (INCOME, "合计", "本年收入合计"): d("1956.06"),
        **{
            (INCOME, "合计", name): d("0")
            for name in ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
        },
        # 三、支出决算 ("1958.1 3 万元")
        (EXPENDITURE, "合计", "本年支出合计"): d("1958.13"),
        (EXPENDITURE, "合计", "基本支出"): d("500.32"),
        (EXPENDITURE, "合计", "项目支出"): d("1457.80"),
        **{(EXPENDITURE, "合计", name): d("0") for name in ("上缴上级支出", "经营支出", "对附属单位补助支出")},
        # 四、财政拨款总体
        (FISCAL_TOTALS, "收入总计", "金额"): d("1956.06"),
        (FISCAL_TOTALS, "支出总计", "合计"): d("1956.06"),
        # 五、一般公共预算: 类 from "(类)决算数为", 项 from 支出决算, 年初预算 where an amount is stated
        # (a 类's "与年初预算相比增加…" gives none); a chain that starts at 款 takes its 类 from the heading above it.
        (GENERAL_BUDGET, "合计", "小计"): d("1956.06"),
        (GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN): d("591.64"),
        **coded(GENERAL_BUDGET, INITIAL_BUDGET_COLUMN, WUHAI_INITIAL_BUDGETS),
        **coded(
            GENERAL_BUDGET,
            "小计",
            {
                "201": "5.63",
                "2012999": "5.63",
                "208": "1888.42",
                "2080109": "447.25",
                "2080501": "13.71",
                "2080505": "40.52",
                "2080506": "9.16",
                "2089999": "1377.76",
                "210": "22.37",
                "2101101": "22.37",
                "221": "39.64",
                "2210201": "39.64",
            },
        ),
        # 六、基本支出
        (GENERAL_BUDGET, "合计", "基本支出"): d("498.25"),
        **lines(BASIC, "决算数", {"人员经费合计": "459.04", "公用经费合计": "39.21"}),
        **coded(
            BASIC,
            "决算数",
            {
                "30101": "53.74",
                "30102": "154.13",
                "30103": "36.83",
                "30106": "0.25",
                "30107": "11.16",  # 绩效工 / 资: a word cut by a paragraph break
                "30108": "60.78",
                "30109": "19.29",  # "职业年金 缴费"
                "30110": "28.51",
                "30112": "1.33",
                "30113": "79.28",
                "30302": "13.71",
                "30399": "0.02",  # "其他对个人和家庭的补": a name cut short
                "30201": "4.62",
                "30202": "1.20",
                "30211": "0.13",
                "30213": "0.13",
                "30216": "2.50",
                "30228": "5.63",
                "30229": "8.09",
                "30239": "16.44",
                "30299": "0.47",
            },
        ),
        # 七、项目支出 by economic class, 款 resolved within the 类 just read (办公设备购置 under 310)
        (GENERAL_BUDGET, "合计", "项目支出"): d("1457.80"),
        **coded(
            PROJECT,
            "决算数",
            {
                "301": "44.18",
                "30199": "44.18",
                "302": "34.87",
                "30201": "10.80",
                "30202": "6.00",
                "30203": "2.00",
                "30207": "0.99",
                "30211": "3.61",
                "30213": "0.70",
                "30218": "0.01",
                "30227": "10.00",
                "30239": "0.12",
                "30299": "0.64",
                "303": "1377.76",
                "30399": "1377.76",
                "310": "1.00",
                "31002": "1.00",
            },
        ),
        # 八、三公
        **lines(
            THREE_PUBLIC,
            "预算数",
            {"合计": "0", "因公出国（境）费": "0", "公务用车购置及运行维护费": "0", "公务接待费": "0"},
        ),
        **lines(
            THREE_PUBLIC,
            "决算数",
            {
                "合计": "0",
                "因公出国（境）费": "0",
                "公务用车购置及运行维护费": "0",
                "公务用车购置费": "0",
                "公务用车运行维护费": "0",
                "公务接待费": "0",
                "国内公务接待费": "0",
                "国（境）外公务接待费": "0",
            },
        ),
        # 九、十
        (GOV_FUND, "合计", "小计"): d("0.00"),
        (STATE_CAPITAL, "合计", "合计"): d("0.00"),
        # 十一、十二
        **lines(
            RELATED_INFO,
            "统计数",
            {
                "机关运行经费": "39.21",
                "政府采购支出合计": "8.89",
                "政府采购货物支出": "1.70",
                "政府采购工程支出": "0",
                "政府采购服务支出": "7.20",
                "授予中小企业合同金额": "0",
                "授予小微企业合同金额": "0",
            },
        ),
        # 十三、国有资产
        **lines(RELATED_INFO, "数量（辆）", {"车辆数合计": "0", **dict.fromkeys(VEHICLE_KINDS, "0")}),
        (RELATED_INFO, "单价100万元（含）以上设备", "数量（台套）"): d("0"),
    }
    assert values(result.facts) == expected

    facts = by_key(result.facts)
    assert "1958.1 3 万元" in facts[(EXPENDITURE, "合计", "本年支出合计")].raw_text
    assert "<u>459.04</u>万元" in facts[(BASIC, "人员经费合计", "决算数")].raw_text
    assert facts[(BASIC, "30399", "决算数")].line_item == "其他对个人和家庭的补助"
    # 十一 restates 公用经费 with another figure: the first one is kept, the second reported.
    public = "duplicate narrative figure 一般公共预算财政拨款基本支出决算表/公用经费合计/决算数"
    assert f"{public}: kept 39.21, also stated 41.28" in result.notes
    # 十四 (绩效) states 1457.8 万元 of self-evaluated projects: not a fact.
    assert not [f for f in result.facts if "自评" in f.raw_text or "1457.8 万元" in f.raw_text]


@pytest.mark.corpus
def test_jincheng_yuan_figures(corpus: type) -> None:
    result, _ = run_corpus(corpus, "jincheng-hrss")
    facts = by_key(result.facts)
    # 208 is first stated in 万元 in the 结构 list; the 元 restatement is a duplicate.
    assert facts[(GENERAL_BUDGET, "208", "小计")].value == d("389.81")
    assert (
        "duplicate narrative figure 一般公共预算财政拨款支出决算表/208/小计: kept 389.81, also stated 389.806504"
        in (result.notes)
    )
    # "卫生健康支出165141.73，完成…": a bare number in a paragraph that speaks 元.
    assert "duplicate narrative figure 一般公共预算财政拨款支出决算表/210/小计: kept 16.51, also stated 16.514173" in (
        result.notes
    )
    basic = values([f for f in result.facts if f.table_name == BASIC])
    assert basic[(BASIC, "30101", "决算数")] == d("79.0728")
    assert basic[(BASIC, "30108", "决算数")] == d("27.732704")
    assert basic[(BASIC, "30111", "决算数")] == d("5.215002")
    assert basic[(BASIC, "人员经费合计", "决算数")] == d("262.67")
    assert basic[(BASIC, "公用经费合计", "决算数")] == d("26.01")
    assert facts[(BASIC, "30101", "决算数")].raw_text.endswith("基本工资790728元")
    # "本部门无机关运行经费" states no figure.
    assert (RELATED_INFO, "机关运行经费", "统计数") not in facts
    assert facts[(THREE_PUBLIC, "合计", "预算数")].value == d("0")


@pytest.mark.corpus
def test_datong_figures(corpus: type) -> None:
    result, _ = run_corpus(corpus, "datong-sic")
    got = values(result.facts)
    assert got[(TOTALS, "收入总计", "金额")] == d("5570.34")  # ASCII thousands separator
    assert got[(FISCAL_TOTALS, "收入总计", "金额")] == d("5569.36")
    assert got[(GENERAL_BUDGET, "合计", "基本支出")] == d("2386.46")
    assert got[(GENERAL_BUDGET, "208", "小计")] == d("5347.00")
    assert got[(BASIC, "人员经费合计", "决算数")] == d("2268.97")
    assert got[(BASIC, "公用经费合计", "决算数")] == d("117.49")
    assert got[(BASIC, "30101", "决算数")] == d("516.01")
    assert got[(BASIC, "30110", "决算数")] == d("59.44")  # 职工基本医疗保险 (alias)
    assert got[(BASIC, "30213", "决算数")] == d("0.44")  # 维修维护费 (alias)
    assert got[(BASIC, "30231", "决算数")] == d("3.18")  # in 公用经费 the car is an economic item, not 三公
    assert got[(THREE_PUBLIC, "合计", "预算数")] == d("3.18")
    assert got[(THREE_PUBLIC, "合计", "决算数")] == d("3.18")
    assert got[(THREE_PUBLIC, "公务用车运行维护费", "决算数")] == d("3.18")
    assert got[(RELATED_INFO, "政府采购支出合计", "统计数")] == d("33.50")
    assert got[(RELATED_INFO, "车辆数合计", "数量（辆）")] == d("3")
    assert got[(RELATED_INFO, "其他用车", "数量（辆）")] == d("3")
    assert got[(RELATED_INFO, "单价100万元（含）以上设备", "数量（台套）")] == d("0")
    # "与上年相比，2022年财政拨款年初预算1979.7万元，支出决算3060.66万元" is last year's.
    assert d("3060.66") not in got.values()
    assert d("1979.7") not in got.values()
    # 外事接待 is a part of 国内接待, not a line of its own.
    assert not [f for f in result.facts if "外事" in f.raw_text]


@pytest.mark.corpus
def test_chaoyang_figures(corpus: type) -> None:
    result, _ = run_corpus(corpus, "chaoyang-sic")
    got = values(result.facts)
    assert got[(GENERAL_BUDGET, "208", "小计")] == d("1968.11")
    assert got[(GENERAL_BUDGET, "2080150", "小计")] == d("788.07")  # 事业运行
    assert got[(GENERAL_BUDGET, "2080801", "小计")] == d("17.22")
    assert got[(GENERAL_BUDGET, "2080502", "小计")] == d("26.16")
    assert got[(GENERAL_BUDGET, "合计", "基本支出")] == d("1018.34")
    assert got[(BASIC, "人员经费合计", "决算数")] == d("748.69")
    assert got[(BASIC, "公用经费合计", "决算数")] == d("269.65")  # 日常公用经费
    # 总体情况's numbered lists: income sources to 收入决算表, 基本支出 and its economic classes.
    assert got[(INCOME, "合计", "财政拨款收入")] == d("2079.31")
    assert got[(TOTALS, "年初结转和结余", "金额")] == d("0.00")  # 上年结转和结余
    assert got[(EXPENDITURE, "合计", "基本支出")] == d("1018.34")
    assert got[(BASIC, "301", "决算数")] == d("724.73")
    assert got[(BASIC, "302", "决算数")] == d("269.65")
    assert got[(BASIC, "303", "决算数")] == d("23.96")
    assert got[(FISCAL_TOTALS, "本年支出合计", "合计")] == d("2079.31")
    assert got[(THREE_PUBLIC, "公务用车购置及运行维护费", "决算数")] == d("0.00")  # 购置及运行费
    assert got[(THREE_PUBLIC, "国内公务接待费", "决算数")] == d("0.00")
    assert got[(RELATED_INFO, "副部（省）级及以上领导用车", "数量（辆）")] == d("0")  # 副省级以上领导干部用车
    assert got[(RELATED_INFO, "机要通信用车", "数量（辆）")] == d("4")
    assert got[(RELATED_INFO, "离退休干部服务用车", "数量（辆）")] == d("0")
    # Project self-evaluation figures (绩效) are not facts.
    assert d("871") not in got.values()


# --- 年初预算 (the general budget's initial budget, stated in prose only) ---------------------------------
@pytest.mark.corpus
@pytest.mark.parametrize(
    ("unit_id", "expected"),
    [
        ("datong-sic", {"合计": "2296.46"}),
        ("jincheng-hrss", {"合计": "485.94"}),
        ("wuhai-sic", {"合计": "591.64", **WUHAI_INITIAL_BUDGETS}),
        ("chaoyang-sic", {}),  # "完成年初预算的 98.32%": rates only, no amount
        ("dazhu-sic", {}),  # "2023年项目年初预算数1.41万元" is one project's, in a 绩效 table
    ],
)
def test_initial_budgets_the_reports_state(corpus: type, unit_id: str, expected: dict[str, str]) -> None:
    result, text = run_corpus(corpus, unit_id)
    initial = {f.subject_key: f for f in result.facts if f.column_name == INITIAL_BUDGET_COLUMN}
    assert {key: fact.value for key, fact in initial.items()} == {key: d(value) for key, value in expected.items()}
    actuals = values(result.facts)
    for key, fact in initial.items():
        assert fact.table_name == GENERAL_BUDGET
        assert fact.year == corpus.year(unit_id)  # type: ignore[attr-defined]
        assert fact.raw_text in text and "年初预算" in fact.raw_text
        assert (GENERAL_BUDGET, key, "小计") in actuals  # the actual it is executed against is stated too
    # Last year's figures never carry a 年初预算 (大同's "2022年财政拨款年初预算1979.7万元" is skipped).
    previous, _ = previous_of_corpus(corpus, unit_id)
    assert not [f for f in previous.facts if f.column_name == INITIAL_BUDGET_COLUMN or f.value == d("1979.7")]
    assert not [f for f in result.facts if f.value in (d("1979.7"), d("1.41"), d("4.41"))]


@pytest.mark.corpus
def test_initial_budget_raw_text_is_the_statement(corpus: type) -> None:
    datong, _ = run_corpus(corpus, "datong-sic")
    total = by_key(datong.facts)[(GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN)]
    assert total.raw_text == "2023年度一般公共预算财政拨款支出年初预算2,296.46万元"
    # The restatement right after it ("一般公共预算财政拨款年初预算2296.46万元") is a duplicate, not a second fact.
    assert (
        "duplicate narrative figure 一般公共预算财政拨款支出决算表/合计/年初预算数: kept 2296.46, also stated 2296.46"
        in datong.notes
    )
    wuhai = by_key(run_corpus(corpus, "wuhai-sic")[0].facts)
    # "…支出决算 1956.06万元。与年初预算 591.64万元相比": the subject is the one stated before the comparison.
    assert wuhai[(GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN)].raw_text.endswith(
        "一般公共预算财政拨款支出决算 1956.06万元。与年初预算 591.64万元"
    )
    item = wuhai[(GENERAL_BUDGET, "2080109", INITIAL_BUDGET_COLUMN)]
    assert item.raw_text == "人力资源和社会保障管理事务(款)社会保险经办机构(项)。 年初预算456.68万元"
    assert item.line_item == "社会保险经办机构"


# --- synthetic texts ----------------------------------------------------------------------------------
OVERALL = "一、收入支出决算总体情况说明\n"
INCOME_HEAD = "二、收入决算情况说明\n"
EXPENDITURE_HEAD = "三、支出决算情况说明\n"
GENERAL_HEAD = "五、一般公共预算财政拨款支出决算情况说明\n"
BASIC_HEAD = "六、一般公共预算财政拨款基本支出决算情况说明\n"
OTHER_HEAD = "十、其他重要事项情况说明\n"


def test_spaced_numbers_are_mended() -> None:
    result = run_text((None, OVERALL + "收入决算总计 1958.1 3 万元。本年收入决算合计 1956.0 6万元。"))
    got = values(result.facts)
    assert got[(TOTALS, "收入总计", "金额")] == d("1958.13")
    assert got[(TOTALS, "本年收入合计", "金额")] == d("1956.06")
    assert by_key(result.facts)[(TOTALS, "收入总计", "金额")].raw_text == "收入决算总计 1958.1 3 万元"


def test_spaced_number_with_empty_fraction_is_mended() -> None:
    assert values(run_text((None, EXPENDITURE_HEAD + "本年经营支出 0. 33 万元。")).facts) == {
        (EXPENDITURE, "合计", "经营支出"): d("0.33")
    }


def test_no_mend_without_decimal_point_or_with_long_fraction() -> None:
    vehicles = run_text((None, OTHER_HEAD + "截至 2024 年 12 月 31 日，共有车辆 3 辆。"))
    assert values(vehicles.facts) == {(RELATED_INFO, "车辆数合计", "数量（辆）"): d("3")}
    # "12.34 5" would make a three-digit fraction: no mend and no figure for a label it cannot prove.
    assert run_text((None, EXPENDITURE_HEAD + "本年经营支出 12.34 5 万元。")).facts == []


def test_full_width_digits_and_brackets() -> None:
    result = run_text((None, INCOME_HEAD + "本年收入合计１２３．４５万元，其中：财政拨款收入１２３．４５万元。"))
    facts = by_key(result.facts)
    assert facts[(INCOME, "合计", "本年收入合计")].value == d("123.45")
    assert facts[(INCOME, "合计", "财政拨款收入")].value == d("123.45")
    assert facts[(INCOME, "合计", "本年收入合计")].raw_text == "本年收入合计１２３．４５万元"


def test_markup_is_kept_in_raw_text() -> None:
    text = BASIC_HEAD + "**（一）人员经费<u>459.04</u>万元。**主要包括：基本工资 <u>53.74</u> 万元。"
    facts = by_key(run_text((None, text)).facts)
    assert facts[(BASIC, "人员经费合计", "决算数")].value == d("459.04")
    assert facts[(BASIC, "人员经费合计", "决算数")].raw_text == "（一）人员经费<u>459.04</u>万元"
    assert facts[(BASIC, "30101", "决算数")].value == d("53.74")
    assert facts[(BASIC, "30101", "决算数")].line_item == "基本工资"


def test_fill_in_underscores() -> None:
    text = "八、财政拨款“三公”经费支出决算情况说明\n因公出国(境)费支出_0万元,占_0%;公务接待费支出<u>0</u>万元。"
    assert values(run_text((None, text)).facts) == {
        (THREE_PUBLIC, "因公出国（境）费", "决算数"): d("0"),
        (THREE_PUBLIC, "公务接待费", "决算数"): d("0"),
    }


def test_yi_yuan_and_yuan_are_converted_exactly() -> None:
    got = values(run_text((None, OVERALL + "本年收入决算合计 1.2345 亿元。本年支出决算合计 12345678.91元。")).facts)
    assert got[(TOTALS, "本年收入合计", "金额")] == d("12345")
    assert got[(TOTALS, "本年支出合计", "金额")] == d("1234.567891")


def test_bare_number_takes_the_unit_of_the_amount_before_it() -> None:
    text = (
        GENERAL_HEAD
        + "其中：社会保障和就业支出3898065.04元，完成年初预算的87.5%；卫生健康支出165141.73，完成年初预算的100%"
    )
    got = values(run_text((None, text)).facts)
    assert got == {
        (GENERAL_BUDGET, "208", "小计"): d("389.806504"),
        (GENERAL_BUDGET, "210", "小计"): d("16.514173"),
    }


def test_bare_number_alone_is_in_wan_yuan() -> None:
    got = values(run_text((None, GENERAL_HEAD + "2023年度一般公共预算支出决算数为674.37，完成预算100%。")).facts)
    assert got == {(GENERAL_BUDGET, "合计", "小计"): d("674.37")}


def test_chains_by_name_and_by_code() -> None:
    text = (
        GENERAL_HEAD
        + "1.社会保障和就业（类）人力资源和社会保障管理事务（款）社会保险经办机构（项）: 支出决算为577.12万元。\n"
        + "2.卫生健康（210）行政事业单位医疗（11）公务员医疗补助（03）9.12万元。\n"
    )
    assert values(run_text((None, text)).facts) == {
        (GENERAL_BUDGET, "2080109", "小计"): d("577.12"),
        (GENERAL_BUDGET, "2101103", "小计"): d("9.12"),
    }


def test_chain_under_a_class_heading_takes_the_final_figure() -> None:
    text = (
        GENERAL_HEAD
        + "(二)社会保障和就业支出(类)\n"
        + "1.人力资源和社会保障管理事务(款)社会保险经办机构(项)。"
        + "年初预算456.68万元,支出决算447.25万元,完成年初预算的97.94%。\n"
    )
    assert values(run_text((None, text)).facts) == {
        (GENERAL_BUDGET, "2080109", "小计"): d("447.25"),
        (GENERAL_BUDGET, "2080109", INITIAL_BUDGET_COLUMN): d("456.68"),
    }


def test_unresolvable_chain_gives_a_note_and_no_fact() -> None:
    text = (
        GENERAL_HEAD + "1.社会保障和就业（类）虚构管理事务（款）虚构机构（项）: 支出决算为12.00万元，完成预算100%。\n"
    )
    result = run_text((None, text))
    assert result.facts == []
    assert len(result.notes) == 1
    assert result.notes[0].startswith("unresolved narrative subject '社会保障和就业(类)虚构管理事务(款)虚构机构(项)'")


def test_changes_against_last_year_are_not_facts() -> None:
    text = (
        OVERALL
        + "2023年度收入总计5,570.34万元。与上年相比，收入总计增加2,509.44万元，增长81.98%，支出总计增加2,509.44万元。"
        + "主要原因是减少项目支出11300万元。"
    )
    result = run_text((None, text))
    assert values(result.facts) == {(TOTALS, "收入总计", "金额"): d("5570.34")}
    assert result.notes == []


def test_only_comparison_produces_nothing() -> None:
    assert run_text((None, OVERALL + "与上年相比，收入总计增加2,509.44万元，增长81.98%。")).facts == []


def test_initial_budget_of_the_general_budget_and_three_public_budget() -> None:
    general = run_text((None, GENERAL_HEAD + "一般公共预算财政拨款支出年初预算2,296.46万元，支出决算5,569.36万元。"))
    assert values(general.facts) == {
        (GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN): d("2296.46"),
        (GENERAL_BUDGET, "合计", "小计"): d("5569.36"),
    }
    three = run_text(
        (None, "九、财政拨款“三公”经费支出决算情况说明\n“三公”经费财政拨款支出全年预算3.18万元，支出决算3.10万元。")
    )
    assert values(three.facts) == {
        (THREE_PUBLIC, "合计", "预算数"): d("3.18"),
        (THREE_PUBLIC, "合计", "决算数"): d("3.10"),
    }
    # The 三公 table's 预算数 is its 年初预算: a 年初预算 of 三公 goes there, not to a column of its own.
    initial = run_text((None, "九、“三公”经费支出决算情况说明\n公务接待费年初预算2.00万元，支出决算1.50万元。"))
    assert values(initial.facts) == {
        (THREE_PUBLIC, "公务接待费", "预算数"): d("2.00"),
        (THREE_PUBLIC, "公务接待费", "决算数"): d("1.50"),
    }


def test_initial_budget_of_items_and_inside_a_comparison_with_pages() -> None:
    result = run_text(
        (
            7,
            GENERAL_HEAD
            + "2024年度一般公共预算财政拨款支出决算 1956.06万元。与年初预算 591.64万元相比,完成年初预算的 330.62%。\n",
        ),
        (
            8,
            "(二)社会保障和就业支出(类)\n"
            "1.行政事业单位养老支出(款)行政单位离退休(项)。年初预算 11.05万元,支出决算13.71万元。\n",
        ),
    )
    validate_facts(result.facts)
    facts = by_key(result.facts)
    assert values(result.facts) == {
        (GENERAL_BUDGET, "合计", "小计"): d("1956.06"),
        (GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN): d("591.64"),
        (GENERAL_BUDGET, "2080501", "小计"): d("13.71"),
        (GENERAL_BUDGET, "2080501", INITIAL_BUDGET_COLUMN): d("11.05"),
    }
    assert facts[(GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN)].page == 7
    item = facts[(GENERAL_BUDGET, "2080501", INITIAL_BUDGET_COLUMN)]
    assert (item.page, item.raw_text) == (8, "行政事业单位养老支出(款)行政单位离退休(项)。年初预算 11.05万元")


def test_no_initial_budget_from_rates_changes_last_year_or_a_project() -> None:
    text = (
        GENERAL_HEAD
        # Rates only (朝阳): no amount is derived from a rate.
        + "与年初预算相比，2024 年度财政拨款支出完成年初预算的 98.32%，其中：基本支出完成年初预算的 92.77%。\n"
        # A change against the budget (乌海's 类 lines): the budget is not derived from it either.
        + "社会保障和就业支出(类)决算数为 1888.42 万元,与年初预算相比增加 1361.44 万元。\n"
        # Last year's budget (大同).
        + "与上年相比，2022年财政拨款年初预算1979.7万元，支出决算3060.66万元，完成年初预算的154.60%。\n"
        # One project's budget (大竹).
        + "2023年项目年初预算数1.41万元，年中省级下达资金3万元，因此年中追加调整预算数为4.41万元。\n"
    )
    assert values(run_text((None, text)).facts) == {(GENERAL_BUDGET, "208", "小计"): d("1888.42")}
    assert previous_of_text((None, text)).facts == []


def test_threshold_is_not_an_amount() -> None:
    text = OTHER_HEAD + "共有车辆0辆；单价100万元（含）以上设备（不含车辆）2台（套）。"
    assert values(run_text((None, text)).facts) == {
        (RELATED_INFO, "车辆数合计", "数量（辆）"): d("0"),
        (RELATED_INFO, "单价100万元（含）以上设备", "数量（台套）"): d("2"),
    }


def test_duplicates_keep_the_first_figure() -> None:
    result = run_text((None, OVERALL + "收入总计100.00万元。\n收入决算总计 100.01 万元。"))
    assert values(result.facts) == {(TOTALS, "收入总计", "金额"): d("100.00")}
    assert result.notes == [
        "duplicate narrative figure 收入支出决算总表/收入总计/金额: kept 100.00, also stated 100.01"
    ]


def test_sentence_across_pages_maps_to_the_page_of_its_start() -> None:
    result = run_text(
        (3, OVERALL + "2023年度收入总计"),
        (4, "5,570.34万元，支出总计5,570.34万元。\n"),
    )
    validate_facts(result.facts)
    facts = by_key(result.facts)
    income = facts[(TOTALS, "收入总计", "金额")]
    assert (income.value, income.page, income.raw_text) == (d("5570.34"), 3, "2023年度收入总计\n5,570.34万元")
    expenditure = facts[(TOTALS, "支出总计", "金额")]
    assert (expenditure.value, expenditure.page) == (d("5570.34"), 4)


def test_nothing_outside_the_narrative_sections() -> None:
    text = (
        "第一部分 单位概况\n三、2024年度单位主要工作完成情况\n全年累计发放养老保险待遇 46.54 亿元。\n"
        "第三部分 名词解释\n一、收入支出决算总体情况说明\n收入总计 12.00 万元。\n"
    )
    assert run_text((None, text)).facts == []


# --- last year's figures (与上年相比 …) -----------------------------------------------------------------
def previous_of_corpus(corpus: type, unit_id: str) -> tuple[StrategyResult, str]:
    text = corpus.text(unit_id)  # type: ignore[attr-defined]
    year = corpus.year(unit_id)  # type: ignore[attr-defined]
    context = DocumentContext(unit_id, year, hashlib.sha256(text.encode("utf-8")).hexdigest())
    return extract_previous_year([(None, text)], context, CATALOGUE), text


def previous_of_text(*segments: tuple[int | None, str]) -> StrategyResult:
    return extract_previous_year(list(segments), SYNTHETIC, CATALOGUE)


@pytest.mark.corpus
@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_previous_year_facts_pass_the_contract_and_belong_to_the_year_before(corpus: type, unit_id: str) -> None:
    result, text = previous_of_corpus(corpus, unit_id)
    validate_facts(result.facts)
    assert result.facts
    year = corpus.year(unit_id)  # type: ignore[attr-defined]
    for fact in result.facts:
        assert (fact.unit_id, fact.year, fact.source_kind, fact.extractor) == (
            unit_id,
            year - 1,
            "narrative",
            "narrative-regex",
        )
        assert fact.raw_text in text
        assert fact.value >= 0
    # This year's facts are exactly what they were: last year's never leak into them.
    current, _ = run_corpus(corpus, unit_id)
    assert {f.year for f in current.facts} == {year}


@pytest.mark.corpus
def test_datong_previous_year(corpus: type) -> None:
    result, _ = previous_of_corpus(corpus, "datong-sic")
    assert values(result.facts) == {
        # 5,570.34 − 2,509.44 (与上年相比，收入总计增加2,509.44万元 … 支出总计增加2,509.44万元)
        (TOTALS, "收入总计", "金额"): d("3060.90"),
        (TOTALS, "支出总计", "金额"): d("3060.90"),
        # 5,569.36 − 2,508.70; the second clause after "；" still compares with last year.
        (FISCAL_TOTALS, "收入总计", "金额"): d("3060.66"),
        (FISCAL_TOTALS, "支出总计", "合计"): d("3060.66"),
        # The same figure the report states outright ("2022年…支出决算3060.66万元").
        (GENERAL_BUDGET, "合计", "小计"): d("3060.66"),
        # 3.18 + 0.01 (比上年度减少0.01万元), and 与上年相同 for the zero items.
        (THREE_PUBLIC, "合计", "决算数"): d("3.19"),
        (THREE_PUBLIC, "公务用车运行维护费", "决算数"): d("3.19"),
        (THREE_PUBLIC, "因公出国（境）费", "决算数"): d("0"),
        (THREE_PUBLIC, "公务用车购置费", "决算数"): d("0"),
        (THREE_PUBLIC, "公务接待费", "决算数"): d("0"),
        # 117.49 + 15.20 (比2022年减少15.20万元)
        (RELATED_INFO, "机关运行经费", "统计数"): d("132.69"),
    }
    facts = by_key(result.facts)
    raw = facts[(TOTALS, "收入总计", "金额")].raw_text
    assert raw.startswith("2023年度收入总计5,570.34万元") and raw.endswith("收入总计增加2,509.44万元")
    assert result.notes == []


@pytest.mark.corpus
def test_dazhu_previous_year(corpus: type) -> None:
    result, _ = previous_of_corpus(corpus, "dazhu-sic")
    got = values(result.facts)
    # 与2022年度相比，收、支总计各减少11277.06万元: both sides, 674.37 + 11277.06.
    assert got[(TOTALS, "收入总计", "金额")] == d("11951.43")
    assert got[(TOTALS, "支出总计", "金额")] == d("11951.43")
    assert got[(GENERAL_BUDGET, "合计", "小计")] == d("651.43")  # 674.37 − 22.94
    # 公务接待费支出决算比2022年度减少0.91万元: the subject named before the comparison.
    assert got[(THREE_PUBLIC, "公务接待费", "决算数")] == d("1.09")
    assert got[(THREE_PUBLIC, "合计", "决算数")] == d("1.09")  # 较上年度减少0.91万元
    assert got[(RELATED_INFO, "机关运行经费", "统计数")] == d("92.82")
    assert got[(THREE_PUBLIC, "公务用车购置及运行维护费", "决算数")] == d("0")  # 与2022年度持平
    # "因公出国（境）支出决算与2022年持平" names no canonical line: a note, no figure.
    assert result.notes == ["unresolved subject '因公出国(境)支出' of a change against last year: no figure"]


@pytest.mark.corpus
def test_jincheng_chaoyang_and_wuhai_previous_year(corpus: type) -> None:
    jincheng = values(previous_of_corpus(corpus, "jincheng-hrss")[0].facts)
    assert jincheng[(TOTALS, "收入总计", "金额")] == d("585.48")  # 516.85 + 68.63
    assert jincheng[(FISCAL_TOTALS, "收入总计", "金额")] == d("498.84")  # 430.21 + 68.63
    assert jincheng[(THREE_PUBLIC, "合计", "决算数")] == d("0")  # 与上年“三公”经费…决算相同

    chaoyang, _ = previous_of_corpus(corpus, "chaoyang-sic")
    got = values(chaoyang.facts)
    assert {f.year for f in chaoyang.facts} == {2023}
    assert got[(TOTALS, "收入总计", "金额")] == d("2356.29")  # 今年收入总计减少 276.98 万元
    assert got[(FISCAL_TOTALS, "本年支出合计", "合计")] == d("2356.29")
    assert got[(THREE_PUBLIC, "因公出国（境）费", "决算数")] == d("0.00")  # 2024 年因公出国（境）费与上年持平
    assert "unresolved subject '今年支出' of a change against last year: no figure" in chaoyang.notes

    wuhai = values(previous_of_corpus(corpus, "wuhai-sic")[0].facts)
    # 与年初预算相比 … 1366.49 is a budget comparison; 与上年决算相比 … 1270.14 is last year's.
    assert wuhai[(TOTALS, "收入总计", "金额")] == d("687.99")
    assert wuhai[(TOTALS, "本年收入合计", "金额")] == d("685.06")  # 1956.06 − 1271
    assert wuhai[(TOTALS, "本年支出合计", "金额")] == d("685.64")  # "增加 1272.4 9 万元" mended
    assert wuhai[(TOTALS, "年初结转和结余", "金额")] == d("2.86")
    assert wuhai[(RELATED_INFO, "机关运行经费", "统计数")] == d("39.46")  # "比上 年决算相比,减少 0.25 万元"
    # The sentence's own figure (41.28) is the base, not the first 公用经费 the report stated (39.21).
    assert wuhai[(BASIC, "公用经费合计", "决算数")] == d("39.52")


def test_previous_year_from_increase_and_decrease() -> None:
    text = (
        OVERALL
        + "2023年度收入总计5,570.34万元，支出总计5,570.34万元。"
        + "与上年相比，收入总计增加2,509.44万元，增长81.98%，支出总计减少9.66万元。"
    )
    result = previous_of_text((None, text))
    validate_facts(result.facts)
    assert values(result.facts) == {
        (TOTALS, "收入总计", "金额"): d("3060.90"),
        (TOTALS, "支出总计", "金额"): d("5580.00"),
    }
    assert {f.year for f in result.facts} == {2022}
    # extract_narrative still reads only this year's figures from the same text.
    assert values(run_text((None, text)).facts) == {
        (TOTALS, "收入总计", "金额"): d("5570.34"),
        (TOTALS, "支出总计", "金额"): d("5570.34"),
    }


def test_previous_year_uses_the_report_figure_stated_in_another_paragraph() -> None:
    text = OVERALL + "收入总计 100.00 万元。\n与上年相比，今年收入总计减少 20.5 万元，降低 17.01%。"
    got = previous_of_text((None, text))
    assert values(got.facts) == {(TOTALS, "收入总计", "金额"): d("120.50")}
    assert by_key(got.facts)[(TOTALS, "收入总计", "金额")].raw_text == "与上年相比，今年收入总计减少 20.5 万元"


def test_previous_year_in_yuan_and_with_the_subject_before_the_comparison() -> None:
    text = (
        "九、财政拨款“三公”经费支出决算情况说明\n"
        "公务接待费支出1800元，完成预算100%。公务接待费支出决算比2022年度减少9100元，下降83.49%。"
    )
    assert values(previous_of_text((None, text)).facts) == {(THREE_PUBLIC, "公务接待费", "决算数"): d("1.09")}


def test_previous_year_unchanged() -> None:
    text = (
        "九、财政拨款“三公”经费支出决算情况说明\n"
        "因公出国（境）费支出0.50万元，完成全年预算的100%，与上年相同，主要原因是出访计划未变。\n"
        "公务接待费支出0.18万元，与上年基本持平。\n"
    )
    # 基本持平 (roughly equal) states no figure.
    assert values(previous_of_text((None, text)).facts) == {(THREE_PUBLIC, "因公出国（境）费", "决算数"): d("0.50")}


def test_no_previous_year_from_budget_comparisons_other_years_or_reasons() -> None:
    text = (
        OVERALL
        + "收入总计 100.00 万元。与年初预算相比，收入总计增加 10.00 万元。\n"
        + "支出总计 100.00 万元。与2020年度相比，支出总计减少 5.00 万元。\n"
        + "本年收入合计 90.00 万元，比上年增加 3.00 万元，主要原因是人员增加 2.00 万元。\n"
    )
    result = previous_of_text((None, text))
    # Only 本年收入合计 (the year is 2023, so 2020 is not last year; 2.00 sits inside the 原因).
    assert values(result.facts) == {(TOTALS, "本年收入合计", "金额"): d("87.00")}


def test_previous_year_notes_what_cannot_be_derived() -> None:
    result = previous_of_text(
        (None, OVERALL + "与上年相比，今年支出减少 5.00 万元。\n与上年相比，增加(减少)_3万元。\n")
    )
    assert result.facts == []
    assert result.notes == [
        "unresolved subject '今年支出' of a change against last year: no figure",
        "change of unknown direction 3 against last year: no figure",
    ]
    missing = previous_of_text((None, OVERALL + "与上年相比，收入总计增加 5.00 万元。"))
    assert missing.facts == []
    assert missing.notes == ["no figure of this year for 收入支出决算总表/收入总计/金额: last year's cannot be derived"]
    negative = previous_of_text((None, OVERALL + "收入总计 1.00 万元，比上年增加 2.00 万元。"))
    assert negative.facts == []
    assert negative.notes == ["last year's 收入支出决算总表/收入总计/金额 would be negative (-1.00): no figure"]


# --- the Shanghai 2024 template (real reports in ../shared/real; see test_narrative_real.py) ----------------
ITEMS_HEAD = GENERAL_HEAD + "（三）一般公共预算财政拨款支出决算具体情况\n"
CONTEXT_2024 = DocumentContext("test-unit", 2024, "0" * 64)


def run_with_tables(text: str, *rows: tuple[str, str] | tuple[str, str, str], year: int = 2023) -> StrategyResult:
    """``text`` read beside table facts of 一般公共预算财政拨款支出决算表: (code, 小计[, column])."""
    context = DocumentContext("test-unit", year, "0" * 64)
    facts = [table_fact(context, *row) for row in rows]
    return extract_narrative([(None, text)], context, CATALOGUE, table_facts=facts)


def table_fact(context: DocumentContext, code: str, value: str, column: str = "小计") -> Fact:
    table, line = (GENERAL_BUDGET, code) if code[0].isdigit() else (TOTALS, code)
    return Fact(
        unit_id=context.unit_id,
        year=context.year,
        table_name=table,
        subject_code=code if code[0].isdigit() else None,
        line_item=line,
        column_name=column,
        value=d(value),
        source_kind="table",
        extractor="text-table",
        document_sha256=context.document_sha256,
        page=None,
        raw_text=value,
    )


def test_item_statements_after_a_list_mark_and_across_a_line_break() -> None:
    text = (
        ITEMS_HEAD
        # "1、" is a list mark, not a part of the 类 name.
        + "1、社会保障和就业支出（类）行政事业单位养老支出（款）行政单位离退休（项）。主要用于：离休人员经费。"
        + "年初预算为12.30万元，支出决算为11.20万元，完成年初预算的91.06%。决算数同预算数相比略少。\n"
        # The subject's line ends with "。" and its amounts follow on the next lines.
        + "2、卫生健康支出（类）行政事业单位医疗（款）\n事业单位医疗（项）。\n"
        + "主要用于：医疗保险缴费。年初预算为5.00万元，支出决算为\n5.00万元，完成年初预算的100.00%。\n"
    )
    result = run_text((None, text))
    assert values(result.facts) == {
        (GENERAL_BUDGET, "2080501", "小计"): d("11.20"),
        (GENERAL_BUDGET, "2080501", INITIAL_BUDGET_COLUMN): d("12.30"),
        (GENERAL_BUDGET, "2101102", "小计"): d("5.00"),
        (GENERAL_BUDGET, "2101102", INITIAL_BUDGET_COLUMN): d("5.00"),
    }
    assert result.notes == []
    item = by_key(result.facts)[(GENERAL_BUDGET, "2101102", "小计")]
    assert item.raw_text.startswith("卫生健康支出（类）") and item.raw_text.endswith("支出决算为\n5.00万元")


def test_a_wrong_kuan_name_is_passed_over_when_class_and_item_agree() -> None:
    text = ITEMS_HEAD + (
        "1、住房保障支出（类）住房保障支出（款）提租补贴（项）。年初预算为3.00万元，支出决算为2.50万元。\n"
    )
    result = run_text((None, text))
    assert values(result.facts) == {
        (GENERAL_BUDGET, "2210202", "小计"): d("2.50"),
        (GENERAL_BUDGET, "2210202", INITIAL_BUDGET_COLUMN): d("3.00"),
    }
    assert result.notes == [
        "narrative subject '住房保障支出(类)住房保障支出(款)提租补贴(项)': 款 '住房保障支出' is no 款 of 221; "
        "the 项 is its only '提租补贴', 2210202"
    ]


def test_an_item_name_shared_within_the_class_is_decided_by_the_table() -> None:
    # 行政运行 is 2012901 (群众团体事务) and 2013901 (社会工作事务, from 2024) in 201; the 款 is no 款 of 201.
    text = ITEMS_HEAD + (
        "1、一般公共服务支出（类）社会事务（款）行政运行（项）。全年预算为60.00万元，支出决算为51.30万元。\n"
    )
    alone = extract_narrative([(None, text)], CONTEXT_2024, CATALOGUE)
    assert alone.facts == []
    assert alone.notes[0].startswith("unresolved narrative subject '一般公共服务支出(类)社会事务(款)行政运行(项)'")
    decided = run_with_tables(text, ("2012901", "10.00"), ("2013901", "51.30"), ("20139", "51.30"), year=2024)
    # 全年预算 is no column of the table: only the 决算 amount is a fact.
    assert values(decided.facts) == {(GENERAL_BUDGET, "2013901", "小计"): d("51.30")}
    assert by_key(decided.facts)[(GENERAL_BUDGET, "2013901", "小计")].line_item == "行政运行"


def test_an_item_the_catalogue_does_not_know_is_decided_by_the_table() -> None:
    text = (
        ITEMS_HEAD + "1、社会保障和就业支出（类）行政事业单位养老支出（款）退休人员活动经费（项）。"
        "主要用于：退休人员活动。年初预算为0.50万元，支出决算为0.40万元，完成年初预算的80.00%。\n"
    )
    alone = run_text((None, text))
    assert alone.facts == []
    assert len(alone.notes) == 1 and alone.notes[0].startswith("unresolved narrative subject")

    # The one 项 under 20805 whose 小计 is the stated 0.40 (a 0.40 under another 款 does not count).
    decided = run_with_tables(text, ("2080501", "10.00"), ("2080599", "0.40"), ("2101101", "0.40"))
    assert values(decided.facts) == {
        (GENERAL_BUDGET, "2080599", "小计"): d("0.40"),
        (GENERAL_BUDGET, "2080599", INITIAL_BUDGET_COLUMN): d("0.50"),
    }
    assert by_key(decided.facts)[(GENERAL_BUDGET, "2080599", "小计")].line_item == "其他行政事业单位养老支出"
    assert decided.notes == [
        "narrative subject '社会保障和就业支出(类)行政事业单位养老支出(款)退休人员活动经费(项)' is not in the "
        "catalogue under 20805: decided by the table, whose only row there of 0.40 is 2080599 其他行政事业单位养老支出"
    ]
    # A reader that names the row total 合计 decides alike.
    assert values(run_with_tables(text, ("2080599", "0.40", "合计")).facts) == values(decided.facts)
    # Two rows of the stated amount: no decision, no fact.
    tied = run_with_tables(text, ("2080501", "0.40"), ("2080599", "0.40"))
    assert tied.facts == [] and tied.notes[0].startswith("unresolved narrative subject")


def test_an_older_name_of_an_item() -> None:
    text = ITEMS_HEAD + (
        "1、自然资源海洋气象等支出（类）自然资源事务（款）其他国土资源事务支出（项）。支出决算为8.00万元。\n"
    )
    result = run_text((None, text))
    assert values(result.facts) == {(GENERAL_BUDGET, "2200199", "小计"): d("8.00")}
    assert result.facts[0].line_item == "其他自然资源事务支出"


def test_shanghai_procurement_wording() -> None:
    text = (
        OTHER_HEAD
        + "（二）政府采购支出情况\n"
        + "本单位本年政府采购金额（以合同签订为准）为30.50万元，含货物采购金额10.00万元、"
        + "服务采购金额20.50万元和工程采购金额0万元。\n"
        # Budgets reserved for small firms and the amounts awarded within them are no line of the table.
        + "本年为中小企业预留政府采购项目预算金额5.00万元，其中中小企业中标的，采购金额5.00万元。\n"
    )
    assert values(run_text((None, text)).facts) == lines(
        RELATED_INFO,
        "统计数",
        {
            "政府采购支出合计": "30.50",
            "政府采购货物支出": "10.00",
            "政府采购工程支出": "0",
            "政府采购服务支出": "20.50",
        },
    )


def test_shanghai_three_public_and_vehicle_wording() -> None:
    three = (
        "七、财政拨款“三公”经费支出决算情况说明\n"
        "2、公务用车购置及运行维护费支出1.20万元。其中：\n公务用车购置支出为0.00万元。\n公务用车运行维护支出1.20万元。\n"
        # "0.30万" without 元 before a bracket; 外宾接待 is a part of it, no line of its own.
        "3、公务接待费支出0.30万元。其中：\n国内公务接待支出0.30万（含外宾接待支出0.00万元）。\n"
    )
    assert values(run_text((None, three)).facts) == lines(
        THREE_PUBLIC,
        "决算数",
        {
            "公务用车购置及运行维护费": "1.20",
            "公务用车购置费": "0.00",
            "公务用车运行维护费": "1.20",
            "公务接待费": "0.30",
            "国内公务接待费": "0.30",
        },
    )
    vehicles = OTHER_HEAD + "本单位共有车辆2辆，其中：部级领导干部用车0辆、主要领导干部用车1辆、其他用车1辆。"
    assert values(run_text((None, vehicles)).facts) == lines(
        RELATED_INFO,
        "数量（辆）",
        {"车辆数合计": "2", "副部（省）级及以上领导用车": "0", "主要负责人用车": "1", "其他用车": "1"},
    )


def test_this_years_totals_in_the_income_and_expenditure_sections_restate_the_summary_table() -> None:
    text = (
        INCOME_HEAD
        + "本年收入合计100.00万元，其中：财政拨款收入100.00万元，占100.00%。\n"
        + EXPENDITURE_HEAD
        + "本年支出合计90.00万元，其中：基本支出60.00万元，占66.67%；项目支出30.00万元，占33.33%。\n"
    )
    own = {
        (INCOME, "合计", "本年收入合计"): d("100.00"),
        (INCOME, "合计", "财政拨款收入"): d("100.00"),
        (EXPENDITURE, "合计", "本年支出合计"): d("90.00"),
        (EXPENDITURE, "合计", "基本支出"): d("60.00"),
        (EXPENDITURE, "合计", "项目支出"): d("30.00"),
    }
    # Without the report's tables (a narrative-only report) each figure keeps its section's key ...
    assert values(run_text((None, text)).facts) == own
    # ... with them, 本年收入合计 / 本年支出合计 are the 总表 lines of those names too.
    with_tables = run_with_tables(text, ("收入总计", "100.00", "金额"))
    assert values(with_tables.facts) == own | {
        (TOTALS, "本年收入合计", "金额"): d("100.00"),
        (TOTALS, "本年支出合计", "金额"): d("90.00"),
    }
    assert with_tables.notes == []
    # Stated outright in 总体情况 with the same figure: no duplicate note; with another one: noted.
    overall = OVERALL + "本年收入合计100.00万元，本年支出合计91.00万元。\n"
    again = run_with_tables(overall + text, ("收入总计", "100.00", "金额"))
    assert again.notes == [
        "duplicate narrative figure 收入支出决算总表/本年支出合计/金额: kept 91.00, also stated 90.00"
    ]
