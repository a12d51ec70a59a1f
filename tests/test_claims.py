"""Rules 14–16: rates and comparison words of the 情况说明, checked with interval arithmetic.

Every fixture is a sentence in our own wording around the figures a real report printed (the report named
beside it); the prose of the reports stays in ../shared. The sentences go through the real narrative
reader, so what is tested is what a report yields, statement and check alike.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from juesuan.expectations.runner import validate_checks
from juesuan.extract.base import DocumentContext
from juesuan.extract.evidence import COMPARISON, COMPLETION, GROWTH, SHARE, Statement
from juesuan.extract.narrative import read_narrative
from juesuan.settings import Settings
from juesuan.transform import intervals as iv
from juesuan.transform.catalogue import Catalogue
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    RULES,
    RULES_BY_ID,
    WARNING,
    IdentityCheck,
    ReportFacts,
)

SHA = hashlib.sha256(b"claims").hexdigest()
CATALOGUE = Catalogue.load()

OVERALL = "一、收入支出决算总体情况说明\n"
EXPENDITURE = "三、支出决算情况说明\n"
GENERAL = "五、一般公共预算财政拨款支出决算情况说明\n"
PERFORMANCE = "十、其他重要事项情况说明\n（四）预算绩效情况\n"


def statements(text: str, year: int = 2023) -> list[Statement]:
    reading = read_narrative([(None, text)], DocumentContext("test-unit", year, SHA), CATALOGUE)
    return reading.statements


def checks(text: str, rule_id: str, year: int = 2023) -> list[IdentityCheck]:
    report = ReportFacts("test-unit", year, [])
    report.evidence.statements = statements(text, year)
    report.evidence.read = True
    return list(RULES_BY_ID[rule_id].checks(report))


def verdicts(text: str, rule_id: str, year: int = 2023) -> list[str]:
    return [check.expected_severity() for check in checks(text, rule_id, year)]


# --- interval arithmetic --------------------------------------------------------------------------------
def test_a_printed_figure_stands_for_its_rounding_interval() -> None:
    assert iv.Interval.amount(Decimal("1.1"), 1) == iv.Interval(Fraction("1.095"), Fraction("1.105"))  # 1.10
    assert iv.Interval.amount(Decimal("29.099"), 3) == iv.Interval(Fraction("29.0985"), Fraction("29.0995"))
    # 3,898,065.04 元 = 389.806504 万元, known to the 0.01 元 printed
    assert iv.Interval.amount(Decimal("389.806504"), 2, "元") == iv.Interval(
        Fraction("389.8065035"), Fraction("389.8065045")
    )
    assert iv.stated_rate(Decimal("94.91"), 2) == iv.Interval(Fraction("94.905"), Fraction("94.915"))
    assert iv.truncated_rate(Decimal("99.86"), 2) == iv.Interval(Fraction("99.86"), Fraction("99.87"))
    with pytest.raises(ValueError, match="unknown amount unit"):
        iv.Interval.amount(Decimal(1), 2, "美元")


def test_a_rate_exactly_at_the_boundary_of_the_feasible_interval_is_consistent() -> None:
    stated = iv.stated_rate(Decimal("50.38"), 2)  # [50.375, 50.385]
    assert stated.intersects(iv.Interval(Fraction("50.30"), Fraction("50.375")))  # touches: consistent
    assert not stated.intersects(iv.Interval(Fraction("50.30"), Fraction("50.374999")))
    assert stated.intersects(iv.Interval(Fraction("50.385"), Fraction("50.40")))
    assert not stated.intersects(iv.Interval(Fraction("50.385001"), Fraction("50.40")))
    # 1.04 / 1.1: the largest rate the printed figures allow is 1.045 / 1.095 = 95.4338%
    ratio = iv.ratio(iv.Interval.amount(Decimal("1.04"), 2), iv.Interval.amount(Decimal("1.1"), 1))
    assert ratio is not None and ratio.hi == Fraction("1.045") / Fraction("1.095") * 100
    assert iv.stated_rate(Decimal("95.43"), 2).intersects(ratio)
    assert not iv.stated_rate(Decimal("95.44"), 2).intersects(ratio)


def test_a_ratio_over_an_interval_holding_zero_is_no_ratio() -> None:
    assert iv.ratio(iv.Interval.amount(Decimal("307.82"), 2), iv.Interval.amount(Decimal("0"), 0)) is None
    base, rate = iv.growth(iv.Interval.amount(Decimal("307.82"), 2), iv.Interval.amount(Decimal("307.82"), 2), 1)
    assert base.contains_zero() and rate is None


def test_a_growth_rate_uses_the_base_the_change_implies() -> None:
    # 大同 2023: 收入总计 5,570.34, 增加 2,509.44 → last year 3,060.90; 2,509.44 / 3,060.90 = 81.984%
    base, rate = iv.growth(iv.Interval.amount(Decimal("2509.44"), 2), iv.Interval.amount(Decimal("5570.34"), 2), 1)
    assert base.contains(Fraction("3060.90")) and rate is not None
    assert iv.stated_rate(Decimal("81.98"), 2).intersects(rate)
    assert not iv.stated_rate(Decimal("81.99"), 2).intersects(rate)


# --- R16 stated rates -----------------------------------------------------------------------------------
DATONG_COMPLETION = (
    GENERAL + "本年度一般公共预算财政拨款支出年初预算2,296.46万元，支出决算5,569.36万元，完成年初预算的{rate}%。\n"
)


def test_datong_completion_of_the_initial_budget() -> None:
    (statement,) = statements(DATONG_COMPLETION.format(rate="242.52"))
    assert statement.kind == COMPLETION and statement.rate == Decimal("242.52")
    assert statement.left is not None and statement.left.value == Decimal("5569.36")
    assert statement.right is not None and statement.right.value == Decimal("2296.46")
    assert verdicts(DATONG_COMPLETION.format(rate="242.52"), "R16") == [PASSED]
    (check,) = checks(DATONG_COMPLETION.format(rate="252.52"), "R16")
    assert check.expected_severity() == ERROR
    assert check.left.value == Decimal("252.52") and check.right.value == Decimal("242.519356")
    assert "5,569.36 / 2,296.46" in check.message() and check.column_name == "%"


CHAOYANG_PROJECT = PERFORMANCE + "项目一：全年预算数为1.1万元，全年执行数为1.04万元，完成预算的{rate}%。\n"


@pytest.mark.parametrize(
    ("rate", "expected"), [("94.91", PASSED), ("95.43", PASSED), ("95.44", ERROR), ("96.00", ERROR)]
)
def test_chaoyang_94_91_is_consistent_once_the_intervals_are_used(rate: str, expected: str) -> None:
    # 朝阳 2024: 1.04 / 1.1 = 94.545% at the printed figures, yet 94.91% is within their rounding
    assert verdicts(CHAOYANG_PROJECT.format(rate=rate), "R16") == [expected]


SHGZB_ZERO_BASE = (
    GENERAL + "一般公共预算财政拨款支出年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元，"
    "完成年初预算的95.89%。决算数{word}预算数，原因是人员变动。\n"
)


def test_shgzb_a_rate_over_a_zero_base_is_an_error() -> None:
    text = SHGZB_ZERO_BASE.format(word="小于")
    (check,) = checks(text, "R16", 2024)
    assert check.expected_severity() == ERROR and "zero base" in check.message()
    assert check.right.value is None  # no rate can be computed


def test_a_zero_rate_of_nothing_passes_and_100_percent_over_nothing_is_a_warning() -> None:
    nothing = "九、财政拨款“三公”经费支出决算情况说明\n因公出国（境）费全年预算0万元，支出决算0万元，完成预算的0%。\n"
    assert verdicts(nothing, "R16") == [PASSED]
    new = OVERALL + "本年度收入总计307.82万元。与上年相比，收入总计增加307.82万元，增长100.00%。\n"
    assert verdicts(new, "R16", 2024) == [WARNING]


SHARES = EXPENDITURE + "本年支出合计9,759.38万元，其中：基本支出{part}万元，占{rate}%。\n"


@pytest.mark.parametrize(
    ("part", "rate", "expected"),
    [
        ("5,377.64", "55.10", PASSED),
        ("9,746.50", "99.86", ROUNDING),
        ("9,746.50", "99.87", PASSED),
        ("5,377.64", "57.10", ERROR),
    ],
)
def test_a_share_of_the_list_head(part: str, rate: str, expected: str) -> None:
    # 规划和自然资源局 2024: 9,746.50 / 9,759.38 = 99.868% printed 99.86% (cut off, not rounded)
    (statement,) = statements(SHARES.format(part=part, rate=rate), 2024)
    assert statement.kind == SHARE and statement.right is not None and statement.right.value == Decimal("9759.38")
    assert verdicts(SHARES.format(part=part, rate=rate), "R16", 2024) == [expected]


def test_a_share_of_a_whole_named_in_the_sentence() -> None:
    text = (
        OVERALL + "本年度收入总计2,079.31万元。\n"
        "二、收入决算情况说明\n财政拨款收入2,079.31万元，占收入总计的{rate}%。\n"
    )
    (statement,) = statements(text.format(rate="100.00"), 2024)
    assert statement.right is not None and statement.right.key == "收入总计"
    assert verdicts(text.format(rate="100.00"), "R16", 2024) == [PASSED]
    assert verdicts(text.format(rate="90.00"), "R16", 2024) == [ERROR]


def test_a_rate_without_its_budget_is_not_checkable() -> None:
    text = (
        GENERAL
        + "社会保障和就业支出（类）人力资源和社会保障管理事务（款）社会保险经办机构（项）26.50万元，"
        + "完成年初预算的160.61%。\n"
    )
    (check,) = checks(text, "R16", 2024)
    assert check.expected_severity() == NOT_CHECKABLE and "年初预算 not stated" in (check.not_checkable_reason or "")


# --- R15 change words, growth rates ----------------------------------------------------------------------
DATONG_GROWTH = OVERALL + "本年度收入总计5,570.34万元。与上年相比，收入总计{word}2,509.44万元，{rate_word}{rate}%。\n"


def test_datong_growth_against_last_year() -> None:
    text = DATONG_GROWTH.format(word="增加", rate_word="增长", rate="81.98")
    (statement,) = statements(text)
    assert (statement.kind, statement.sign, statement.rate_sign, statement.against) == (GROWTH, 1, 1, "last_year")
    assert verdicts(text, "R15") == [PASSED] and verdicts(text, "R16") == [PASSED]
    words = DATONG_GROWTH.format(word="增加", rate_word="下降", rate="81.98")
    assert verdicts(words, "R15") == [ERROR]
    flipped = DATONG_GROWTH.format(word="减少", rate_word="下降", rate="81.98")  # 2,509.44 / 8,079.78 = 31.06%
    assert verdicts(flipped, "R15") == [PASSED] and verdicts(flipped, "R16") == [ERROR]


def test_a_change_against_the_budget_has_the_budget_for_its_base() -> None:
    # 乌海 2024: 总计 1,958.13, 与年初预算相比增加 1,366.49 → 591.64; 230.97%
    text = OVERALL + "本年度收、支总计均为1,958.13万元，与年初预算相比，收、支总计各增加1,366.49万元，增长{rate}%。\n"
    (statement,) = statements(text.format(rate="230.97"), 2024)
    assert statement.against == "budget"
    assert verdicts(text.format(rate="230.97"), "R16", 2024) == [PASSED]
    assert verdicts(text.format(rate="330.97"), "R16", 2024) == [ERROR]


def test_a_direction_left_open_by_the_template_is_not_checkable() -> None:
    text = OVERALL + "本年度收入总计3.00万元。与上年相比，收入总计减少0.15万元，下降（增长）4.76%。\n"
    (check,) = checks(text, "R15", 2024)
    assert check.expected_severity() == NOT_CHECKABLE


# --- R14 comparison words -------------------------------------------------------------------------------
ITEM = GENERAL + "1、年初预算为{budget}万元，支出决算为{actual}万元。决算数{word}预算数。\n"


@pytest.mark.parametrize(
    ("budget", "actual", "word", "expected"),
    [
        ("1,560.05", "1,511.89", "小于", PASSED),  # the example
        ("1,560.05", "1,511.89", "大于", ERROR),
        ("54.53", "54.53", "持平", PASSED),
        ("54.53", "54.54", "持平", PASSED),  # 54.535 is within both: the boundary counts
        ("54.53", "54.55", "持平", ERROR),
        ("54.53", "54.52", "大于", ERROR),  # 54.525 is not above 54.525: at the boundary, not beyond
        ("54.53", "54.53", "大于", PASSED),
        ("100.00", "104.00", "基本持平", PASSED),
        ("100.00", "120.00", "基本持平", WARNING),
    ],
)
def test_comparison_words_against_the_printed_figures(budget: str, actual: str, word: str, expected: str) -> None:
    text = ITEM.format(budget=budget, actual=actual, word=word)
    (statement,) = [s for s in statements(text, 2024) if s.kind == COMPARISON]
    assert statement.left is not None and statement.left.value == Decimal(actual.replace(",", ""))
    assert verdicts(text, "R14", 2024) == [expected]


def test_shgzb_budget_without_qualifier_is_either_budget_stated() -> None:
    text = SHGZB_ZERO_BASE.format(word="小于")
    (statement,) = [s for s in statements(text, 2024) if s.kind == COMPARISON]
    assert {statement.right.value, statement.alternative.value} == {Decimal("321.02"), Decimal("0")}  # type: ignore[union-attr]
    assert verdicts(text, "R14", 2024) == [PASSED]  # below 321.02
    assert verdicts(SHGZB_ZERO_BASE.format(word="等于"), "R14", 2024) == [ERROR]


# --- every rule has a passing and a failing fixture; GX agrees ------------------------------------------------
FIXTURES: list[tuple[str, str, int, str]] = [
    ("R14", ITEM.format(budget="1,560.05", actual="1,511.89", word="小于"), 2024, PASSED),
    ("R14", ITEM.format(budget="1,560.05", actual="1,511.89", word="大于"), 2024, ERROR),
    ("R15", DATONG_GROWTH.format(word="增加", rate_word="增长", rate="81.98"), 2023, PASSED),
    ("R15", DATONG_GROWTH.format(word="增加", rate_word="下降", rate="81.98"), 2023, ERROR),
    ("R16", DATONG_COMPLETION.format(rate="242.52"), 2023, PASSED),
    ("R16", DATONG_COMPLETION.format(rate="252.52"), 2023, ERROR),
    ("R16", SHARES.format(part="9,746.50", rate="99.86"), 2024, ROUNDING),
    ("R16", SHGZB_ZERO_BASE.format(word="小于"), 2024, ERROR),
]


def test_every_claim_rule_has_a_passing_and_a_failing_fixture() -> None:
    claim_rules = {rule.rule_id for rule in RULES if rule.family == "narrative_claims"}
    covered = {rule for rule, *_ in FIXTURES}
    assert covered == claim_rules
    for rule in claim_rules:
        kinds = {expected for r, _t, _y, expected in FIXTURES if r == rule}
        assert PASSED in kinds and kinds - {PASSED}


def test_the_gx_suites_classify_the_claims_as_the_rules_do(tmp_path: Path) -> None:
    found: list[IdentityCheck] = []
    for number, (rule, text, year, expected) in enumerate(FIXTURES):
        report = ReportFacts(f"case-{number}", year, [])
        report.evidence.statements = statements(text, year)
        report.evidence.read = True
        made = list(RULES_BY_ID[rule].checks(report))
        assert [check.expected_severity() for check in made] == [expected], text
        found.extend(made)
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)})
    findings, ran, _index = validate_checks(found, settings, "claims")
    assert {f.check_id: f.severity for f in findings} == {ch.check_id: ch.expected_severity() for ch in found}
    assert ran["identities_narrative_claims"] == 1 + 3 * 3
    errors = [f for f in findings if f.severity == ERROR]
    assert all(f.left_value is not None and f.tolerance is not None for f in errors)
