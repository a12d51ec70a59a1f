"""The accounting identities: every rule passes and fails on hand-made reports, the known rounding
cases of the corpus are found with the right numbers, and a broken cell of a real report is an
error at the right place (and clears when restored). Severities come from the Decimal arithmetic
and, for the fixtures and mutations, from the GX suites too (the runner insists they agree)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from identity_helpers import (
    N,
    T,
    corpus_checks,
    extract_frame,
    find,
    replace_in_row,
    replace_in_sentence,
    replace_numbered_cell,
    report,
)

from juesuan import contract as c
from juesuan.expectations.runner import validate_checks
from juesuan.extract.base import TableReport
from juesuan.settings import Settings
from juesuan.transform.identities import (
    ERROR,
    IDENTITY_RULES,
    NOT_CHECKABLE,
    PASSED,
    RESIDUAL_COLUMNS,
    ROUNDING,
    RULES_BY_ID,
    UNRELIABLE,
    WARNING,
    IdentityCheck,
    ReportFacts,
    compute_checks,
    frontier,
    reports_from_facts,
    residual_frame,
    to_micro,
)
from juesuan.transform.reliability import (
    FAILED_REASON,
    UNRECOGNISED_REASON,
    UNRECONCILED_REASON,
    unreliable_by_report,
    unreliable_tables_of,
)

# --- one passing and one failing report per rule ----------------------------------------------------------
TOTALS_OK = [
    (c.TOTALS, None, "一般公共预算财政拨款收入", "金额", "100", T),
    (c.TOTALS, None, "本年收入合计", "金额", "100", T),
    (c.TOTALS, None, "年初结转和结余", "金额", "5", T),
    (c.TOTALS, None, "收入总计", "金额", "105", T),
    (c.TOTALS, "208", "社会保障和就业支出", "金额", "100", T),
    (c.TOTALS, None, "本年支出合计", "金额", "100", T),
    (c.TOTALS, None, "年末结转和结余", "金额", "5", T),
    (c.TOTALS, None, "支出总计", "金额", "105", T),
]
CODED_OK = [
    (c.GENERAL_BUDGET, None, "合计", "小计", "100", T),
    (c.GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "60", T),
    (c.GENERAL_BUDGET, "20801", "人力资源和社会保障管理事务", "小计", "60", T),
    (c.GENERAL_BUDGET, "2080109", "社会保险经办机构", "小计", "60", T),
    (c.GENERAL_BUDGET, "210", "卫生健康支出", "小计", "40", T),
    (c.GENERAL_BUDGET, "21011", "行政事业单位医疗", "小计", "40", T),
]
ROW_OK = [
    (c.EXPENDITURE, None, "合计", "本年支出合计", "100", T),
    (c.EXPENDITURE, None, "合计", "基本支出", "70", T),
    (c.EXPENDITURE, None, "合计", "项目支出", "30", T),
]
FISCAL_OK = [
    (c.FISCAL_TOTALS, None, "一般公共预算财政拨款收入", "金额", "100", T),
    (c.FISCAL_TOTALS, None, "本年收入合计", "金额", "100", T),
    (c.FISCAL_TOTALS, None, "收入总计", "金额", "100", T),
    (c.FISCAL_TOTALS, "208", "社会保障和就业支出", "合计", "100", T),
    (c.FISCAL_TOTALS, "208", "社会保障和就业支出", "一般公共预算财政拨款", "100", T),
    (c.FISCAL_TOTALS, None, "本年支出合计", "合计", "100", T),
    (c.FISCAL_TOTALS, None, "本年支出合计", "一般公共预算财政拨款", "100", T),
    (c.FISCAL_TOTALS, None, "支出总计", "合计", "100", T),
    (c.FISCAL_TOTALS, None, "支出总计", "一般公共预算财政拨款", "100", T),
]
BASIC_OK = [
    (c.BASIC, "301", "工资福利支出", "决算数", "50", T),
    (c.BASIC, "30101", "基本工资", "决算数", "30", T),
    (c.BASIC, "30102", "津贴补贴", "决算数", "20", T),
    (c.BASIC, "302", "商品和服务支出", "决算数", "10", T),
    (c.BASIC, "30201", "办公费", "决算数", "10", T),
    (c.BASIC, None, "人员经费合计", "决算数", "50", T),
    (c.BASIC, None, "公用经费合计", "决算数", "10", T),
]
THREE_OK = [
    (c.THREE_PUBLIC, None, "合计", "决算数", "3", T),
    (c.THREE_PUBLIC, None, "公务用车购置及运行维护费", "决算数", "3", T),
    (c.THREE_PUBLIC, None, "公务用车运行维护费", "决算数", "3", T),
]
ACROSS_7_OK = [
    (c.TOTALS, None, "本年收入合计", "金额", "100", T),
    (c.TOTALS, None, "本年支出合计", "金额", "100", T),
    (c.TOTALS, "208", "社会保障和就业支出", "金额", "100", T),
    (c.INCOME, None, "合计", "本年收入合计", "100", T),
    (c.EXPENDITURE, None, "合计", "本年支出合计", "100", T),
    (c.EXPENDITURE, "208", "社会保障和就业支出", "本年支出合计", "100", T),
]
ACROSS_8_OK = [
    (c.FISCAL_TOTALS, None, "本年支出合计", "一般公共预算财政拨款", "100", T),
    (c.FISCAL_TOTALS, "208", "社会保障和就业支出", "一般公共预算财政拨款", "100", T),
    (c.GENERAL_BUDGET, None, "合计", "小计", "100", T),
    (c.GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "100", T),
]
ACROSS_9_OK = [
    (c.GENERAL_BUDGET, None, "合计", "基本支出", "60", T),
    (c.BASIC, None, "人员经费合计", "决算数", "50", T),
    (c.BASIC, None, "公用经费合计", "决算数", "10", T),
]
ACROSS_10_OK = [
    (c.INCOME, None, "合计", "财政拨款收入", "100", T),
    (c.FISCAL_TOTALS, None, "本年收入合计", "金额", "100", T),
]
ACROSS_11_OK = [
    (c.THREE_PUBLIC, None, "公务用车运行维护费", "决算数", "3", T),
    (c.BASIC, "30231", "公务用车运行维护费", "决算数", "3", T),
]
ACROSS_12_OK = [
    (c.RELATED_INFO, None, "机关运行经费（参照公务员法管理事业单位）", "统计数", "10", T),
    (c.BASIC, None, "公用经费合计", "决算数", "10", T),
]
NARRATIVE_OK = [
    (c.EXPENDITURE, None, "合计", "基本支出", "70", T),
    (c.EXPENDITURE, None, "合计", "基本支出", "70", N),
    (c.RELATED_INFO, None, "车辆数合计", "数量（辆）", "3", T),
    (c.RELATED_INFO, None, "车辆数合计", "数量（辆）", "3", N),
]


def changed(rows: list, line: str, column: str, value: str, *, table: str | None = None, source: str = T) -> list:
    """``rows`` with one figure changed (the first row matching line, column, source and table)."""
    out, done = [], False
    for row in rows:
        if not done and row[2] == line and row[3] == column and row[5] == source and table in (None, row[0]):
            row = (*row[:4], value, row[5])
            done = True
        out.append(row)
    assert done, (line, column, value)
    return out


# (case id, rule, rows, kind, expected severity of the checks at the anchor, anchor (table, line, column))
CASES: list[tuple[str, str, list, str, str, tuple[str, str, str]]] = [
    ("R01-pass", "R01", TOTALS_OK, "事业单位", PASSED, (c.TOTALS, "收入总计", "金额")),
    (
        "R01-fail",
        "R01",
        changed(TOTALS_OK, "收入总计", "金额", "115"),
        "事业单位",
        ERROR,
        (c.TOTALS, "收入总计", "金额"),
    ),
    ("R02-pass", "R02", CODED_OK, "事业单位", PASSED, (c.GENERAL_BUDGET, "20801", "小计")),
    (
        "R02-fail",
        "R02",
        changed(CODED_OK, "社会保险经办机构", "小计", "50"),
        "事业单位",
        ERROR,
        (c.GENERAL_BUDGET, "20801", "小计"),
    ),
    ("R03-pass", "R03", ROW_OK, "事业单位", PASSED, (c.EXPENDITURE, "合计", "本年支出合计")),
    (
        "R03-fail",
        "R03",
        changed(ROW_OK, "合计", "项目支出", "20"),
        "事业单位",
        ERROR,
        (c.EXPENDITURE, "合计", "本年支出合计"),
    ),
    (
        "R03-rounding",
        "R03",
        changed(ROW_OK, "合计", "本年支出合计", "100.01"),
        "事业单位",
        ROUNDING,
        (c.EXPENDITURE, "合计", "本年支出合计"),
    ),
    ("R04-pass", "R04", FISCAL_OK, "事业单位", PASSED, (c.FISCAL_TOTALS, "208", "合计")),
    (
        "R04-fail",
        "R04",
        changed(FISCAL_OK, "社会保障和就业支出", "合计", "90"),
        "事业单位",
        ERROR,
        (c.FISCAL_TOTALS, "208", "合计"),
    ),
    ("R05-pass", "R05", BASIC_OK, "事业单位", PASSED, (c.BASIC, "人员经费合计", "决算数")),
    (
        "R05-fail",
        "R05",
        changed(BASIC_OK, "人员经费合计", "决算数", "60"),
        "事业单位",
        ERROR,
        (c.BASIC, "人员经费合计", "决算数"),
    ),
    ("R06-pass", "R06", THREE_OK, "事业单位", PASSED, (c.THREE_PUBLIC, "合计", "决算数")),
    (
        "R06-fail",
        "R06",
        changed(THREE_OK, "合计", "决算数", "4"),
        "事业单位",
        ERROR,
        (c.THREE_PUBLIC, "合计", "决算数"),
    ),
    ("R07-pass", "R07", ACROSS_7_OK, "事业单位", PASSED, (c.TOTALS, "208", "金额")),
    (
        "R07-fail",
        "R07",
        changed(ACROSS_7_OK, "社会保障和就业支出", "本年支出合计", "90", table=c.EXPENDITURE),
        "事业单位",
        ERROR,
        (c.TOTALS, "208", "金额"),
    ),
    ("R08-pass", "R08", ACROSS_8_OK, "事业单位", PASSED, (c.FISCAL_TOTALS, "208", "一般公共预算财政拨款")),
    (
        "R08-fail",
        "R08",
        changed(ACROSS_8_OK, "社会保障和就业支出", "小计", "80"),
        "事业单位",
        ERROR,
        (c.FISCAL_TOTALS, "208", "一般公共预算财政拨款"),
    ),
    ("R09-pass", "R09", ACROSS_9_OK, "事业单位", PASSED, (c.GENERAL_BUDGET, "合计", "基本支出")),
    (
        "R09-fail",
        "R09",
        changed(ACROSS_9_OK, "合计", "基本支出", "70"),
        "事业单位",
        ERROR,
        (c.GENERAL_BUDGET, "合计", "基本支出"),
    ),
    ("R09-unpublished", "R09", ACROSS_9_OK[:1], "事业单位", NOT_CHECKABLE, (c.GENERAL_BUDGET, "合计", "基本支出")),
    ("R10-pass", "R10", ACROSS_10_OK, "事业单位", PASSED, (c.INCOME, "合计", "财政拨款收入")),
    (
        "R10-fail",
        "R10",
        changed(ACROSS_10_OK, "合计", "财政拨款收入", "90"),
        "事业单位",
        ERROR,
        (c.INCOME, "合计", "财政拨款收入"),
    ),
    ("R11-pass", "R11", ACROSS_11_OK, "事业单位", PASSED, (c.THREE_PUBLIC, "公务用车运行维护费", "决算数")),
    (
        "R11-fail",
        "R11",
        changed(ACROSS_11_OK, "公务用车运行维护费", "决算数", "5", table=c.THREE_PUBLIC),
        "事业单位",
        WARNING,
        (c.THREE_PUBLIC, "公务用车运行维护费", "决算数"),
    ),
    ("R12-pass", "R12", ACROSS_12_OK, "参公事业单位", PASSED, (c.RELATED_INFO, "机关运行经费", "统计数")),
    (
        "R12-fail",
        "R12",
        changed(ACROSS_12_OK, "机关运行经费（参照公务员法管理事业单位）", "统计数", "12"),
        "参公事业单位",
        ERROR,
        (c.RELATED_INFO, "机关运行经费", "统计数"),
    ),
    (
        "R12-soft",
        "R12",
        changed(ACROSS_12_OK, "机关运行经费（参照公务员法管理事业单位）", "统计数", "12"),
        "事业单位",
        WARNING,
        (c.RELATED_INFO, "机关运行经费", "统计数"),
    ),
    ("R13-pass", "R13", NARRATIVE_OK, "事业单位", PASSED, (c.EXPENDITURE, "合计", "基本支出")),
    (
        "R13-fail",
        "R13",
        changed(NARRATIVE_OK, "合计", "基本支出", "75", source=N),
        "事业单位",
        ERROR,
        (c.EXPENDITURE, "合计", "基本支出"),
    ),
    (
        "R13-yuan-precision",
        "R13",
        changed(NARRATIVE_OK, "合计", "基本支出", "70.0012", source=N),
        "事业单位",
        PASSED,
        (c.EXPENDITURE, "合计", "基本支出"),
    ),
    (
        "R13-count",
        "R13",
        changed(NARRATIVE_OK, "车辆数合计", "数量（辆）", "4", source=N),
        "事业单位",
        ERROR,
        (c.RELATED_INFO, "车辆数合计", "数量（辆）"),
    ),
]


def case_report(case_id: str, rows: list, kind: str) -> ReportFacts:
    return report(rows, unit_id=f"case-{case_id.lower()}", kind=kind)


def anchored(checks: list[IdentityCheck], anchor: tuple[str, str, str]) -> list[IdentityCheck]:
    table, line, column = anchor
    return [
        ch
        for ch in checks
        if ch.table_name == table and line in (ch.subject_code, ch.line_item) and ch.column_name == column
    ]


@pytest.mark.parametrize(("case_id", "rule_id", "rows", "kind", "expected", "anchor"), CASES, ids=[x[0] for x in CASES])
def test_rule_fixture_by_decimal_arithmetic(
    case_id: str, rule_id: str, rows: list, kind: str, expected: str, anchor: tuple[str, str, str]
) -> None:
    checks = list(RULES_BY_ID[rule_id].checks(case_report(case_id, rows, kind)))
    at_anchor = anchored(checks, anchor)
    assert at_anchor, f"{rule_id} formed no check at {anchor}: {[ch.check_id for ch in checks]}"
    severities = {ch.expected_severity() for ch in at_anchor}
    if expected == PASSED:
        assert severities == {PASSED}
        # Checks on tables the fixture does not hold are not checkable, never failures.
        assert {ch.expected_severity() for ch in checks} <= {PASSED, NOT_CHECKABLE}
    else:
        assert expected in severities, [(ch.check_id, ch.expected_severity(), ch.message()) for ch in at_anchor]


def test_every_rule_has_a_passing_and_a_failing_fixture() -> None:
    by_rule: dict[str, set[str]] = {}
    for _case, rule_id, _rows, _kind, expected, _anchor in CASES:
        by_rule.setdefault(rule_id, set()).add("pass" if expected == PASSED else "fail")
    # The arithmetic rules (R01–R13); the rules beyond arithmetic have theirs in tests/test_claims.py and beside it.
    assert {rule.rule_id for rule in IDENTITY_RULES} == set(by_rule)
    assert all(kinds == {"pass", "fail"} for kinds in by_rule.values()), by_rule


@pytest.fixture(scope="module")
def fixture_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every fixture's checks through the GX checkpoint at once: check id → GX severity."""
    root = tmp_path_factory.mktemp("gx-fixtures")
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(root)})
    checks: list[IdentityCheck] = []
    for case_id, rule_id, rows, kind, _expected, _anchor in CASES:
        checks.extend(RULES_BY_ID[rule_id].checks(case_report(case_id, rows, kind)))
    findings, _ran, _index = validate_checks(checks, settings, "fixtures")
    return {finding.check_id: finding.severity for finding in findings}


@pytest.mark.parametrize(("case_id", "rule_id", "rows", "kind", "expected", "anchor"), CASES, ids=[x[0] for x in CASES])
def test_rule_fixture_through_the_gx_suites(
    fixture_verdicts: dict[str, str],
    case_id: str,
    rule_id: str,
    rows: list,
    kind: str,
    expected: str,
    anchor: tuple[str, str, str],
) -> None:
    checks = anchored(list(RULES_BY_ID[rule_id].checks(case_report(case_id, rows, kind))), anchor)
    verdicts = {fixture_verdicts[ch.check_id] for ch in checks}
    assert expected in verdicts if expected != PASSED else verdicts == {PASSED}


def test_decimal_arithmetic_has_no_float_drift() -> None:
    rows = [
        (c.EXPENDITURE, None, "合计", "本年支出合计", "0.3", T),
        (c.EXPENDITURE, None, "合计", "基本支出", "0.1", T),
        (c.EXPENDITURE, None, "合计", "项目支出", "0.2", T),
    ]
    assert 0.1 + 0.2 != 0.3  # what floats would have made of it
    (check,) = anchored(list(RULES_BY_ID["R03"].checks(report(rows))), (c.EXPENDITURE, "合计", "本年支出合计"))
    assert check.difference == Decimal(0)
    assert check.expected_severity() == PASSED
    frame = residual_frame([check]).frame
    assert str(frame["deviation_micro"].dtype) == "Int64" and str(frame["tolerance_micro"].dtype) == "Int64"
    assert tuple(frame.columns) == RESIDUAL_COLUMNS
    assert to_micro(Decimal("0.01")) == 10_000
    with pytest.raises(ValueError, match="more than 6 decimals"):
        to_micro(Decimal("0.0000001"))


def test_frontier_takes_the_nearest_level_present() -> None:
    codes = ["208", "20801", "2080109", "2080501", "210", "2101101"]
    assert frontier(codes, None) == ["208", "210"]
    assert frontier(codes, "208") == ["20801", "2080501"]  # 20805 is missing: its 项 stands in
    assert frontier(codes, "210") == ["2101101"]


def test_narrative_only_table_omitting_a_required_addend_is_not_checkable() -> None:
    rows = [
        (c.GENERAL_BUDGET, None, "合计", "小计", "674.37", N),
        (c.GENERAL_BUDGET, None, "合计", "基本支出", "578.15", N),
    ]
    (check,) = anchored(list(RULES_BY_ID["R03"].checks(report(rows))), (c.GENERAL_BUDGET, "合计", "小计"))
    assert check.expected_severity() == NOT_CHECKABLE
    assert "项目支出 not stated" in (check.not_checkable_reason or "")


def test_unpublished_table_is_reported_not_checkable_with_its_name() -> None:
    checks = list(RULES_BY_ID["R02"].checks(report(ROW_OK)))  # 收入决算表 and 一般公共预算支出表 missing
    reasons = {ch.not_checkable_reason for ch in checks if ch.expected_severity() == NOT_CHECKABLE}
    assert f"{c.INCOME} not published" in reasons and f"{c.GENERAL_BUDGET} not published" in reasons


# --- the real reports --------------------------------------------------------------------------------------------
KNOWN_ROUNDING = [
    # (unit, rule, table, line, column, left, right, difference)
    ("chaoyang-sic", "R07", c.TOTALS, "208", "金额", "1968.10", "1968.11", "-0.01"),
    ("dazhu-sic", "R02", c.GENERAL_BUDGET, "208", "小计", "607.08", "607.09", "-0.01"),
    ("wuhai-sic", "R02", c.GENERAL_BUDGET, "208", "小计", "1888.42", "1888.40", "0.02"),
    ("jincheng-hrss", "R03", c.INCOME, "合计", "本年收入合计", "430.21", "430.22", "-0.01"),
]


@pytest.fixture(scope="module")
def corpus_paths(corpus: type) -> dict[str, Path]:
    return {
        unit_id: corpus.path(unit_id)
        for unit_id in ("datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic")
    }


@pytest.fixture(scope="module")
def real_checks(corpus_paths: dict[str, Path]) -> list[IdentityCheck]:
    return corpus_checks(corpus_paths)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("unit_id", "rule_id", "table", "line", "column", "left", "right", "difference"), KNOWN_ROUNDING
)
def test_known_rounding_cases_of_the_corpus(
    real_checks: list[IdentityCheck],
    unit_id: str,
    rule_id: str,
    table: str,
    line: str,
    column: str,
    left: str,
    right: str,
    difference: str,
) -> None:
    (check,) = find(real_checks, unit_id=unit_id, rule_id=rule_id, table_name=table, line=line, column_name=column)
    assert check.expected_severity() == ROUNDING
    assert (check.left.value, check.right.value, check.difference) == (
        Decimal(left),
        Decimal(right),
        Decimal(difference),
    )


@pytest.mark.corpus
def test_the_jincheng_income_total_sums_fiscal_and_other_income(real_checks: list[IdentityCheck]) -> None:
    (check,) = find(
        real_checks,
        unit_id="jincheng-hrss",
        rule_id="R03",
        table_name=c.INCOME,
        line="合计",
        column_name="本年收入合计",
    )
    assert [(f.column_name, f.value) for f in check.right.facts] == [
        ("财政拨款收入", Decimal("430.21")),
        ("其他收入", Decimal("0.01")),
    ]


@pytest.mark.corpus
def test_no_error_on_the_real_reports(real_checks: list[IdentityCheck]) -> None:
    errors = [ch.message() for ch in real_checks if ch.expected_severity() == ERROR]
    assert errors == []
    assert {ch.unit_id for ch in real_checks} == {
        "datong-sic",
        "dazhu-sic",
        "chaoyang-sic",
        "jincheng-hrss",
        "wuhai-sic",
    }


# --- 年初预算数: narrative facts no identity reads --------------------------------------------------------------------
def verdicts(checks: list[IdentityCheck]) -> dict[str, tuple[str, Decimal | None, Decimal | None]]:
    return {ch.check_id: (ch.expected_severity(), ch.left.value, ch.right.value) for ch in checks}


@pytest.mark.parametrize("source", [T, N])
def test_initial_budgets_change_no_check(source: str) -> None:
    """A 年初预算数 for the 合计 and one 项 only (Σ 项 ≠ 合计), beside a published or a narrative-only table."""
    rows = [(table, code, line, column, value, source) for table, code, line, column, value, _ in CODED_OK]
    budgets = [
        (c.GENERAL_BUDGET, None, "合计", c.INITIAL_BUDGET_COLUMN, "90", N),
        (c.GENERAL_BUDGET, "2080109", "社会保险经办机构", c.INITIAL_BUDGET_COLUMN, "50", N),
    ]
    without = compute_checks([report(rows)])
    with_budgets = compute_checks([report(rows + budgets)])
    assert verdicts(with_budgets) == verdicts(without)
    assert not [ch for ch in with_budgets if ch.column_name == c.INITIAL_BUDGET_COLUMN]


def test_initial_budgets_alone_do_not_publish_a_table() -> None:
    only_budgets = report([(c.GENERAL_BUDGET, None, "合计", c.INITIAL_BUDGET_COLUMN, "90", N)])
    assert only_budgets.source(c.GENERAL_BUDGET) is None
    (unpublished,) = [
        ch for ch in compute_checks([only_budgets], [RULES_BY_ID["R02"]]) if ch.table_name == c.GENERAL_BUDGET
    ]
    assert unpublished.expected_severity() == NOT_CHECKABLE


@pytest.mark.corpus
def test_initial_budgets_of_the_corpus_leave_the_suites_unchanged(corpus_paths: dict[str, Path]) -> None:
    """The suites' findings on the five reports are those of the same facts without any 年初预算数."""
    facts = extract_frame(corpus_paths)
    initial = facts[facts["column_name"] == c.INITIAL_BUDGET_COLUMN]
    # 大同 and 晋城 合计, 乌海 合计 and eight 项: the new facts are there to be ignored.
    assert Counter(initial["unit_id"]) == {"datong-sic": 1, "jincheng-hrss": 1, "wuhai-sic": 9}
    with_budgets = compute_checks(reports_from_facts(facts))
    without = compute_checks(reports_from_facts(facts[facts["column_name"] != c.INITIAL_BUDGET_COLUMN]))
    assert verdicts(with_budgets) == verdicts(without)
    assert residual_frame(with_budgets).frame.equals(residual_frame(without).frame)  # what the GX suites read
    per_rule = Counter((ch.rule_id, ch.expected_severity()) for ch in with_budgets)
    assert per_rule == Counter((ch.rule_id, ch.expected_severity()) for ch in without)
    assert per_rule[("R13", ERROR)] == 0 and per_rule[("R02", ERROR)] == 0


# --- mutations of a real report ------------------------------------------------------------------------------------
def datong_item(text: str) -> str:
    """A 项 amount: 支出决算表 2080109 社会保险经办机构 本年支出合计 1,735.73 → 1,745.73."""
    return replace_in_row(text, "2080109\t社会保险经办机构\t1,735.73\t1,282.87", "1,735.73", "1,745.73")


def datong_total(text: str) -> str:
    """A 合计: 支出决算表 合计 基本支出 2,387.35 → 2,397.35."""
    return replace_in_row(text, "合计\t\t5,570.34\t2,387.35", "2,387.35", "2,397.35")


def datong_three_public(text: str) -> str:
    """A 三公 item: 决算数 公务用车运行维护费 (printed column 11) 3.18 → 5.18."""
    return replace_numbered_cell(text, "“三公”经费支出决算表", "11", "5.18")


def datong_narrative(text: str) -> str:
    """A narrative figure: 人员经费 2,268.97 → 2,278.97."""
    return replace_in_sentence(text, "人员经费2,268.97万元", "人员经费2,278.97万元")


MUTATIONS = [
    # (mutation, rule, table, line, column) where the error must be reported
    (datong_item, "R03", c.EXPENDITURE, "2080109", "本年支出合计"),
    (datong_item, "R02", c.EXPENDITURE, "20801", "本年支出合计"),
    (datong_total, "R02", c.EXPENDITURE, "合计", "基本支出"),
    (datong_total, "R13", c.EXPENDITURE, "合计", "基本支出"),
    (datong_three_public, "R06", c.THREE_PUBLIC, "公务用车购置及运行维护费", "决算数"),
    (datong_three_public, "R13", c.THREE_PUBLIC, "公务用车运行维护费", "决算数"),
    (datong_narrative, "R13", c.BASIC, "人员经费合计", "决算数"),
]


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("mutate", "rule_id", "table", "line", "column"), MUTATIONS, ids=[f"{m[0].__name__}-{m[1]}" for m in MUTATIONS]
)
def test_a_broken_cell_is_an_error_at_its_place_and_clears_when_restored(
    tmp_path: Path, corpus: type, mutate: object, rule_id: str, table: str, line: str, column: str
) -> None:
    original = corpus.text("datong-sic")
    copy = tmp_path / "datong_2023.txt"
    copy.write_text(mutate(original), encoding="utf-8")  # type: ignore[operator]
    broken = find(
        corpus_checks({"datong-sic": copy}),
        unit_id="datong-sic",
        rule_id=rule_id,
        table_name=table,
        line=line,
        column_name=column,
    )
    assert any(ch.expected_severity() == ERROR for ch in broken), [
        (ch.message(), ch.expected_severity()) for ch in broken
    ]
    copy.write_text(original, encoding="utf-8")
    restored = find(
        corpus_checks({"datong-sic": copy}),
        unit_id="datong-sic",
        rule_id=rule_id,
        table_name=table,
        line=line,
        column_name=column,
    )
    assert restored and all(ch.expected_severity() in (PASSED, ROUNDING) for ch in restored)


@pytest.mark.corpus
def test_mutations_break_nothing_else(tmp_path: Path, corpus: type) -> None:
    """An altered copy has errors only where the altered figure is used."""
    copy = tmp_path / "datong_2023.txt"
    copy.write_text(datong_narrative(corpus.text("datong-sic")), encoding="utf-8")
    errors = [ch for ch in corpus_checks({"datong-sic": copy}) if ch.expected_severity() == ERROR]
    assert [(ch.rule_id, ch.table_name, ch.line_item, ch.column_name) for ch in errors] == [
        ("R13", c.BASIC, "人员经费合计", "决算数")
    ]
    assert errors[0].difference == Decimal("10.00")


def test_compute_checks_rejects_duplicate_instances() -> None:
    twice = report(ROW_OK)
    with pytest.raises(ValueError, match="same id"):
        compute_checks([twice, twice], [RULES_BY_ID["R03"]])


# --- tables juesuan did not read reliably --------------------------------------------------------------------------
INCOME_REASON = "2 cells with text became no figure"
#: A report touching every rule; read as blanks = 0 its misread 收入决算表 (合计 本年收入合计 90, printed 100;
#: 财政拨款收入 lost) makes errors of R03, R07, R10 and R13. The rest holds, but for one genuine error: the
#: narrative's 支出决算表 基本支出 75 against the table's 70 (R13).
MISREAD_INCOME = [
    *TOTALS_OK,
    *ROW_OK,
    (c.EXPENDITURE, "208", "社会保障和就业支出", "本年支出合计", "100", T),
    (c.EXPENDITURE, "208", "社会保障和就业支出", "基本支出", "70", T),
    (c.EXPENDITURE, "208", "社会保障和就业支出", "项目支出", "30", T),
    *FISCAL_OK,
    (c.GENERAL_BUDGET, None, "合计", "小计", "100", T),
    (c.GENERAL_BUDGET, None, "合计", "基本支出", "60", T),
    (c.GENERAL_BUDGET, None, "合计", "项目支出", "40", T),
    (c.GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "100", T),
    (c.GENERAL_BUDGET, "208", "社会保障和就业支出", "基本支出", "60", T),
    (c.GENERAL_BUDGET, "208", "社会保障和就业支出", "项目支出", "40", T),
    *[row for row in BASIC_OK if row[1] != "30201"],
    (c.BASIC, "30201", "办公费", "决算数", "7", T),
    (c.BASIC, "30231", "公务用车运行维护费", "决算数", "3", T),
    *THREE_OK,
    (c.INCOME, None, "合计", "本年收入合计", "90", T),
    (c.INCOME, "208", "社会保障和就业支出", "本年收入合计", "90", T),
    (c.INCOME, None, "合计", "本年收入合计", "100", N),
    (c.INCOME, None, "合计", "财政拨款收入", "100", N),
    (c.EXPENDITURE, None, "合计", "基本支出", "75", N),
]


def income_unread(table: TableReport | None = None) -> dict[str, str]:
    """``{table_name: reason}`` of a report whose 收入决算表 (pages 7–8) the reader did not trust."""
    table = table or TableReport(
        title="收入决算表",
        table_name=c.INCOME,
        status="ok",
        extractor="pdfium-grid",
        page=7,
        reconciled="unreconciled",
        reliable=False,
        unreliable_reason=INCOME_REASON,
        pages=[7, 8],
    )
    tables = unreliable_tables_of("test-unit", 2023, [table])
    return unreliable_by_report(tables)[("test-unit", 2023)]


def touches(check: IdentityCheck, table: str) -> bool:
    return table in (check.table_name, check.right_table) or any(
        f.table_name == table for side in (check.left, check.right) for f in side.facts
    )


def test_an_unreliable_income_table_makes_its_checks_not_checkable_and_leaves_the_others() -> None:
    read_as_blanks = compute_checks([report(MISREAD_INCOME)])
    unreliable = compute_checks([report(MISREAD_INCOME, unreliable=income_unread())])
    # Read as blanks = 0, the misread table is errors of the unit in four rules: what stewards must never see.
    false_errors = {ch.rule_id for ch in read_as_blanks if ch.expected_severity() == ERROR and touches(ch, c.INCOME)}
    assert sorted(false_errors) == ["R03", "R07", "R10", "R13"]

    on_income = [ch for ch in unreliable if touches(ch, c.INCOME)]
    assert {ch.rule_id for ch in on_income} == {"R02", "R03", "R07", "R10", "R13"}
    for check in on_income:
        assert check.expected_severity() == NOT_CHECKABLE, check.message()
        reason = check.not_checkable_reason or ""
        assert reason.startswith(f"{c.INCOME} (pages 7, 8) not read reliably by juesuan: {INCOME_REASON}"), reason
        assert reason in check.message()
    # One instance per table for the rules that walk its rows (never silently nothing).
    assert [ch.check_id for ch in on_income if ch.rule_id in ("R02", "R03", "R13")] == [
        f"test-unit/2023/R02/{c.INCOME}/合计//类 = Σ 款 = Σ 项",
        f"test-unit/2023/R03/{c.INCOME}/合计//本年收入合计 = Σ 收入来源列",
        f"test-unit/2023/R13/{c.INCOME}/(all narrative figures)//narrative = table",
    ]
    assert "(2 narrative figure(s) not comparable)" in (on_income[-1].not_checkable_reason or "")

    # Checks of the other tables are exactly as before: the genuine R13 error among them.
    before = {ch.check_id: verdicts([ch])[ch.check_id] for ch in read_as_blanks if not touches(ch, c.INCOME)}
    after = {ch.check_id: verdicts([ch])[ch.check_id] for ch in unreliable if not touches(ch, c.INCOME)}
    assert after == before
    assert [ch.check_id for ch in unreliable if ch.expected_severity() == ERROR] == [
        f"test-unit/2023/R13/{c.EXPENDITURE}/合计/基本支出/narrative = table"
    ]


def test_a_blank_cell_in_a_reliable_table_still_counts_as_zero() -> None:
    blank_project = [row for row in ROW_OK if row[3] != "项目支出"]
    for unreliable in ({}, income_unread()):  # another table's doubt changes nothing here
        (check,) = anchored(
            list(RULES_BY_ID["R03"].checks(report(blank_project, unreliable=unreliable))),
            (c.EXPENDITURE, "合计", "本年支出合计"),
        )
        assert check.expected_severity() == ERROR
        assert (check.left.value, check.right.value) == (Decimal(100), Decimal(70))  # 70 + blank (0)


def test_the_narrative_does_not_stand_in_for_a_table_published_but_not_read() -> None:
    """A 三公 grid the reader could not read stays unread; a title over chart data is no table."""
    rows = [
        (c.THREE_PUBLIC, None, "合计", "决算数", "0.18", N),
        (c.THREE_PUBLIC, None, "公务接待费", "决算数", "0.10", N),  # 0.18 ≠ 0.10 when the narrative stands in
    ]
    assert any(ch.expected_severity() == ERROR for ch in RULES_BY_ID["R06"].checks(report(rows)))
    title = "十三、财政拨款“三公”经费支出决算表"
    chart = TableReport(title, c.THREE_PUBLIC, status="unrecognised", extractor="text-table", line=1561)
    assert unreliable_tables_of("test-unit", 2023, [chart]) == []  # the reader found no such table under it
    image = replace(chart, reliable=False)
    (unread,) = unreliable_tables_of("test-unit", 2023, [image])
    assert unread.describe() == f"{c.THREE_PUBLIC} (line 1561) not read reliably by juesuan: {UNRECOGNISED_REASON}"
    doubted = report(rows, unreliable={c.THREE_PUBLIC: unread.describe()})
    assert doubted.source(c.THREE_PUBLIC) == UNRELIABLE
    checks = compute_checks([doubted], [RULES_BY_ID["R06"], RULES_BY_ID["R13"]])
    assert checks and {ch.expected_severity() for ch in checks} == {NOT_CHECKABLE}
    assert {ch.not_checkable_reason for ch in checks if ch.rule_id == "R06"} == {unread.describe()}


def test_every_rule_reads_unreliable_tables_as_not_checkable() -> None:
    everything = [*MISREAD_INCOME, *ACROSS_12_OK, *NARRATIVE_OK, (c.PROJECT, "302", "商品和服务支出", "决算数", "5", T)]
    doubt = {table: f"{table} (page 1) not read reliably by juesuan: test" for table in c.TABLE_NAMES}
    every = compute_checks([report(everything, kind="参公事业单位", unreliable=doubt)])  # ids stay unique
    assert {ch.expected_severity() for ch in every} == {NOT_CHECKABLE}
    # The arithmetic rules; those beyond it (R14…) read the report's evidence, which this report has none of.
    arithmetic = {rule.rule_id for rule in IDENTITY_RULES}
    checks = [ch for ch in every if ch.rule_id in arithmetic]
    assert {ch.rule_id for ch in checks} == arithmetic
    assert all("not read reliably by juesuan: test" in (ch.not_checkable_reason or "") for ch in checks)
    whole = {(ch.rule_id, ch.table_name) for ch in checks if ch.column_name == ""}  # one instance for a whole table
    assert {("R02", table) for table in c.CODED_TABLES} <= whole
    assert {("R05", c.BASIC), ("R05", c.PROJECT), ("R04", c.FISCAL_TOTALS)} <= whole
    assert {ch.line_item for ch in checks if ch.rule_id in ("R07", "R08")} >= {"(class lines)"}


def test_unreliable_checks_through_the_gx_suites(tmp_path: Path) -> None:
    """GX classifies the doubted checks as the Decimal arithmetic does (the runner's guard would stop otherwise)."""
    checks = compute_checks([report(MISREAD_INCOME, unreliable=income_unread())])
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)})
    findings, _ran, _index = validate_checks(checks, settings, "unreliable")
    gx = {f.check_id: f.severity for f in findings}
    assert gx == {ch.check_id: ch.expected_severity() for ch in checks}
    assert {gx[ch.check_id] for ch in checks if touches(ch, c.INCOME)} == {NOT_CHECKABLE}
    assert [f.check_id for f in findings if f.severity == ERROR] == [
        f"test-unit/2023/R13/{c.EXPENDITURE}/合计/基本支出/narrative = table"
    ]
    (r10,) = [f for f in findings if f.rule_id == "R10"]
    assert f"{c.INCOME} (pages 7, 8) not read reliably by juesuan" in r10.left_expression
    assert r10.message.endswith(
        f"not checkable — {c.INCOME} (pages 7, 8) not read reliably by juesuan: {INCOME_REASON}"
    )


def test_which_parsed_tables_are_unreliable() -> None:
    def table(**changes: object) -> TableReport:
        fields: dict = {"title": "收入决算表", "table_name": c.INCOME, "status": "ok", "extractor": "pdfium-grid"}
        return TableReport(**{**fields, **changes})

    assert unreliable_tables_of("u", 2023, [table(), table(status="empty")]) == []  # read and trusted; empty
    assert unreliable_tables_of("u", 2023, [table(table_name=None, status="unrecognised")]) == []  # no canonical table
    (failed,) = unreliable_tables_of("u", 2023, [table(status="error", page=3)])
    assert (failed.reason, failed.pages, failed.where) == (FAILED_REASON, (3,), "page 3")
    (unreconciled,) = unreliable_tables_of("u", 2023, [table(reliable=False, reconciled="unreconciled")])
    assert unreconciled.reason == UNRECONCILED_REASON and unreconciled.where == ""
    # A table found twice (a continuation read apart) is unreliable when any reading is, pages and reasons merged.
    (merged,) = unreliable_tables_of(
        "u",
        2023,
        [table(pages=[7], page=7), table(pages=[8, 9], reliable=False, unreliable_reason="header not found")],
    )
    assert merged.pages == (8, 9) and merged.reason == "header not found"  # the pages of the part not read reliably
    assert merged.describe() == f"{c.INCOME} (pages 8, 9) not read reliably by juesuan: header not found"
