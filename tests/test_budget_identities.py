"""The 预算 identities (B rules, ``transform/budget_identities.py``) and their place in the identity machinery.

Hand-made budget reports in the shapes the real disclosures print (Shanghai 2025: 收支预算总表 without an
本年收入 line, a two-sided 财政拨款收支预算总表, figures in 元 turned into 万元; Jiangsu 2019: expenditure by
function and by use, 当年收入小计, a “三公” table with 会议费 and 培训费) that pass, round and fail each rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal

import pytest

from juesuan import contract as c
from juesuan.transform import budget_identities as b
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    FactRef,
    IdentityCheck,
    ReportFacts,
)

# (table, code or None, line item, column, value)
Row = tuple[str, str | None, str, str, str]
UNIT = "test-budget"


def budget_report(rows: Iterable[Row], unreliable: dict[str, str] | None = None, year: int = 2025) -> ReportFacts:
    sha = hashlib.sha256(f"{UNIT}/{year}/预算".encode()).hexdigest()
    facts = [
        FactRef(table, code, line, column, Decimal(value), "table", index + 1, sha)
        for index, (table, code, line, column, value) in enumerate(rows)
    ]
    return ReportFacts(UNIT, year, facts, None, unreliable, report_kind=c.BUDGET)


def of(checks: Iterable[IdentityCheck], rule_id: str, note: str | None = None, table: str | None = None) -> list:
    return [
        ch
        for ch in checks
        if ch.rule_id == rule_id and (note is None or ch.note == note) and (table is None or ch.table_name == table)
    ]


def severities(checks: Iterable[IdentityCheck]) -> dict[str, int]:
    found: dict[str, int] = {}
    for check in checks:
        found[check.expected_severity()] = found.get(check.expected_severity(), 0) + 1
    return found


# --- Shanghai-shaped budget report (万元) -------------------------------------------------------------------
TOT, INC, EXP, FT = c.BUDGET_TOTALS, c.BUDGET_INCOME, c.BUDGET_EXPENDITURE, c.BUDGET_FISCAL_TOTALS
GEN, BAS, TP, GOV = c.BUDGET_GENERAL, c.BUDGET_BASIC, c.BUDGET_THREE_PUBLIC, c.BUDGET_GOV_FUND
A, T = c.BUDGET_AMOUNT, c.BUDGET_TOTAL_COLUMN


def shanghai_rows() -> list[Row]:
    rows: list[Row] = [
        (TOT, None, "财政拨款收入", A, "3715.15"),
        (TOT, None, "一般公共预算资金", A, "3715.15"),
        (TOT, "201", "一般公共服务支出", A, "2160.17"),
        (TOT, "208", "社会保障和就业支出", A, "1554.98"),
        (TOT, None, "收入总计", A, "3715.15"),
        (TOT, None, "支出总计", A, "3715.15"),
        (FT, None, "一般公共预算资金", A, "3715.15"),
        (FT, None, "收入总计", A, "3715.15"),
        (FT, "201", "一般公共服务支出", T, "2160.17"),
        (FT, "201", "一般公共服务支出", "一般公共预算", "2160.17"),
        (FT, "208", "社会保障和就业支出", T, "1554.98"),
        (FT, "208", "社会保障和就业支出", "一般公共预算", "1554.98"),
        (FT, None, "支出总计", T, "3715.15"),
        (FT, None, "支出总计", "一般公共预算", "3715.15"),
        (TP, None, "合计", A, "1.00"),
        (TP, None, "公务接待费", A, "1.00"),
        (TP, None, "机关运行经费", A, "171.01"),
    ]
    coded = [
        ("201", "一般公共服务支出", "2160.17", "1229.17", "931.00"),
        ("20113", "商贸事务", "2160.17", "1229.17", "931.00"),
        ("2011301", "行政运行", "938.99", "938.99", None),
        ("2011302", "一般行政管理事务", "1221.18", "290.18", "931.00"),
        ("208", "社会保障和就业支出", "1554.98", "1554.98", None),
        ("20805", "行政事业单位养老支出", "1554.98", "1554.98", None),
        ("2080501", "行政单位离退休", "1554.98", "1554.98", None),
    ]
    for table in (EXP, GEN):
        for code, name, total, basic, project in coded:
            rows.append((table, code, name, T, total))
            rows.append((table, code, name, "基本支出", basic))
            if project:
                rows.append((table, code, name, "项目支出", project))
        rows += [(table, None, "合计", T, "3715.15"), (table, None, "合计", "基本支出", "2784.15")]
        rows.append((table, None, "合计", "项目支出", "931.00"))
    for code, name, total, _basic, _project in coded:
        rows.append((INC, code, name, T, total))
        rows.append((INC, code, name, "财政拨款收入", total))
    rows += [(INC, None, "合计", T, "3715.15"), (INC, None, "合计", "财政拨款收入", "3715.15")]
    economic = [
        ("301", "工资福利支出", "2500.00", "2500.00", None),
        ("30101", "基本工资", "1000.00", "1000.00", None),
        ("30102", "津贴补贴", "1500.00", "1500.00", None),
        ("302", "商品和服务支出", "284.15", None, "284.15"),
        ("30201", "办公费", "284.15", None, "284.15"),
    ]
    for code, name, total, personnel, public in economic:
        rows.append((BAS, code, name, T, total))
        if personnel:
            rows.append((BAS, code, name, "人员经费", personnel))
        if public:
            rows.append((BAS, code, name, "公用经费", public))
    rows += [(BAS, None, "合计", T, "2784.15"), (BAS, None, "合计", "人员经费", "2500.00")]
    rows.append((BAS, None, "合计", "公用经费", "284.15"))
    return rows


def replaced(rows: list[Row], table: str, key: str, column: str, value: str) -> list[Row]:
    hits = [i for i, r in enumerate(rows) if r[0] == table and (r[1] or r[2]) == key and r[3] == column]
    assert len(hits) == 1, (table, key, column, hits)
    out = list(rows)
    t, code, line, col, _ = out[hits[0]]
    out[hits[0]] = (t, code, line, col, value)
    return out


def test_a_consistent_shanghai_budget_passes_every_within_table_rule() -> None:
    checks = b.budget_checks(budget_report(shanghai_rows()), b.WITHIN_TABLE_RULES)
    broken = [ch.message() for ch in checks if ch.expected_severity() != PASSED]
    assert severities(checks) == {PASSED: len(checks)}, broken
    for rule_id in ("B01", "B02", "B03", "B04", "B05"):
        assert of(checks, rule_id), f"{rule_id} formed no check"
    # Every check names its kind in its id and carries both sides' pages.
    assert all(ch.check_id.startswith(f"{UNIT}/2025/预算/B") for ch in checks)
    assert all(ch.left.pages and ch.right.pages for ch in checks if ch.left.facts and ch.right.facts)


@pytest.mark.parametrize(
    ("table", "key", "column", "value", "rule_id", "note", "severity"),
    [
        # B01: 收入总计 one cent off is rounding, a yuan off an error
        (TOT, "收入总计", A, "3715.16", "B01", "收入总计 = 支出总计", ROUNDING),
        (TOT, "208", A, "1564.98", "B01", "支出总计 = Σ 类 + 结转下年", ERROR),
        (TOT, "一般公共预算资金", A, "3700.00", "B01", "财政拨款 = Σ 三项资金", ERROR),
        # B02: a 项 that does not add up to its 款
        (GEN, "2011301", T, "948.99", "B02", "款 = Σ 项", ERROR),
        (EXP, "20805", T, "1554.99", "B02", "类 = Σ 款", ROUNDING),
        (BAS, "30102", T, "1400.00", "B02", "类 = Σ 款", ERROR),
        # B03: 合计 ≠ 基本 + 项目; 合计 ≠ 人员经费 + 公用经费; 合计 ≠ Σ 收入来源
        (GEN, "2011302", "项目支出", "930.00", "B03", "合计 = Σ 各列", ERROR),
        (BAS, "301", "人员经费", "2499.99", "B03", "合计 = Σ 各列", ROUNDING),
        (INC, "208", "财政拨款收入", "1500.00", "B03", "合计 = Σ 各列", ERROR),
        # B04: a class line's 合计 ≠ its fund columns; 支出总计 ≠ Σ 类
        (FT, "201", "一般公共预算", "2100.17", "B04", "合计 = Σ 三项资金", ERROR),
        (FT, "支出总计", T, "3725.15", "B04", "收入总计 = 支出总计", ERROR),
        # B05: 合计 ≠ 出国 + 车 + 接待
        (TP, "公务接待费", A, "2.00", "B05", "合计 = 出国 + 公务用车 + 接待", ERROR),
    ],
)
def test_each_within_table_rule_rounds_and_fails(
    table: str, key: str, column: str, value: str, rule_id: str, note: str, severity: str
) -> None:
    rows = replaced(shanghai_rows(), table, key, column, value)
    checks = b.budget_checks(budget_report(rows), b.WITHIN_TABLE_RULES)
    broken = [ch for ch in checks if ch.expected_severity() != PASSED]
    hits = [ch for ch in broken if ch.rule_id == rule_id and ch.note == note]
    assert hits, [(ch.rule_id, ch.note, ch.expected_severity()) for ch in broken]
    assert {ch.expected_severity() for ch in hits} == {severity}, [ch.message() for ch in hits]
    # The finding points at the altered figure: its page is on one of the two sides.
    page = next(i + 1 for i, r in enumerate(rows) if r[0] == table and (r[1] or r[2]) == key and r[3] == column)
    assert any(page in ch.left.pages + ch.right.pages for ch in hits)


def jiangsu_rows() -> list[Row]:
    """Jiangsu 2019's shapes: 当年收入小计, expenditure by function and by use, 收入/支出合计 → 总计."""
    return [
        (TOT, None, "财政拨款收入", A, "37188.34"),
        (TOT, None, "一般公共预算", A, "37188.34"),
        (TOT, "204", "公共安全支出", A, "27488.23"),
        (TOT, "208", "社会保障和就业支出", A, "2355.65"),
        (TOT, "221", "住房保障支出", A, "7344.46"),
        (TOT, None, "基本支出", A, "21968.00"),
        (TOT, None, "项目支出", A, "10208.94"),
        (TOT, None, "单位预留机动经费", A, "5011.40"),
        (TOT, None, "本年收入合计", A, "37188.34"),
        (TOT, None, "本年支出合计", A, "37188.34"),
        (TOT, None, "收入总计", A, "37188.34"),
        (TOT, None, "支出总计", A, "37188.34"),
        (FT, None, "一般公共预算", A, "37188.34"),
        (FT, None, "基本支出", A, "21968.00"),
        (FT, None, "项目支出", A, "10208.94"),
        (FT, None, "单位预留机动经费", A, "5011.40"),
        (FT, None, "收入总计", A, "37188.34"),
        (FT, None, "支出总计", A, "37188.34"),
        (EXP, None, "合计", T, "37188.34"),
        (EXP, None, "合计", "基本支出", "21968.00"),
        (EXP, None, "合计", "项目支出", "10208.94"),
        (EXP, None, "合计", "单位预留机动经费", "5011.40"),
        (GEN, None, "合计", T, "37188.34"),
        (GEN, "204", "公共安全支出", T, "27488.23"),
        (GEN, "208", "社会保障和就业支出", T, "2355.65"),
        (GEN, "221", "住房保障支出", T, "7344.46"),
        (TP, None, "合计", A, "2382.02"),
        (TP, None, "“三公”经费", A, "513.75"),
        (TP, None, "因公出国（境）费", A, "160.00"),
        (TP, None, "公务用车购置及运行维护费", A, "266.80"),
        (TP, None, "公务用车运行维护费", A, "266.80"),
        (TP, None, "公务接待费", A, "86.95"),
        (TP, None, "会议费", A, "271.02"),
        (TP, None, "培训费", A, "1597.25"),
    ]


def test_a_jiangsu_budget_adds_up_by_function_by_use_and_with_meetings_and_training() -> None:
    checks = b.budget_checks(budget_report(jiangsu_rows(), year=2019), b.WITHIN_TABLE_RULES)
    broken = [ch.message() for ch in checks if ch.expected_severity() != PASSED]
    assert severities(checks) == {PASSED: len(checks)}, broken
    notes = {(ch.rule_id, ch.note) for ch in checks}
    assert ("B01", "本年支出 = Σ 类") in notes and ("B01", "本年支出 = Σ 支出用途") in notes
    assert ("B04", "支出总计 = Σ 支出用途 + 结转下年") in notes
    assert ("B05", "合计 = 出国 + 公务用车 + 接待 + 会议 + 培训") in notes
    assert ("B05", "“三公”小计 = 出国 + 公务用车 + 接待") in notes
    rows = replaced(jiangsu_rows(), TOT, "单位预留机动经费", A, "5000.00")
    broken = [ch for ch in b.budget_checks(budget_report(rows, year=2019)) if ch.expected_severity() == ERROR]
    assert [(ch.rule_id, ch.note) for ch in broken] == [("B01", "本年支出 = Σ 支出用途")]


def test_a_missing_addend_is_not_zero_and_an_unread_table_is_not_checkable() -> None:
    rows = [r for r in shanghai_rows() if r[0] != FT]
    checks = b.budget_checks(budget_report(rows), b.WITHIN_TABLE_RULES)
    (standing,) = of(checks, "B04")
    assert standing.expected_severity() == NOT_CHECKABLE and "not published" in (standing.not_checkable_reason or "")
    reason = "一般公共预算支出预算表 (page 15) not read reliably by juesuan: its own totals do not add up"
    checks = b.budget_checks(budget_report(shanghai_rows(), unreliable={GEN: reason}), b.WITHIN_TABLE_RULES)
    on_general = [ch for ch in checks if ch.table_name == GEN]
    assert on_general and all(ch.expected_severity() == NOT_CHECKABLE for ch in on_general)
    assert all(reason in (ch.not_checkable_reason or "") for ch in on_general)


def test_part_columns_leave_out_comparisons_and_nest_fund_columns() -> None:
    printed = ["合计", "财政拨款收入", "一般公共预算拨款收入", "政府性基金收入", "事业收入", "上年预算数"]
    parts, nested = b.part_columns(printed)
    assert parts == ["财政拨款收入", "事业收入"] and nested == ["一般公共预算拨款收入", "政府性基金收入"]
    assert b.part_columns(["合计", "基本支出", "项目支出"]) == (["基本支出", "项目支出"], [])


def _fact(table: str, code: str | None, line: str, column: str, value: str, page: int) -> c.Fact:
    return c.Fact(
        unit_id=UNIT,
        year=2025,
        table_name=table,
        subject_code=code,
        line_item=line,
        column_name=column,
        value=Decimal(value),
        source_kind="table",
        extractor="pdf-text",
        document_sha256=hashlib.sha256(b"budget").hexdigest(),
        page=page,
        raw_text=value,
        report_kind=c.BUDGET,
    )


def test_the_reader_checks_one_reading_with_the_within_table_rules() -> None:
    facts = [_fact(t, code, line, col, value, i + 1) for i, (t, code, line, col, value) in enumerate(shanghai_rows())]
    checks = b.within_table_checks(facts)
    assert checks and {ch.rule_id for ch in checks} == {"B01", "B02", "B03", "B04", "B05"}
    assert all(ch.expected_severity() == PASSED for ch in checks)
