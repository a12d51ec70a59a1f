"""The 预算 identities (B rules, ``transform/budget_identities.py``) and their place in the identity machinery.

Hand-made budget reports in the shapes the real disclosures print (Shanghai 2025: 收支预算总表 without an
本年收入 line, a two-sided 财政拨款收支预算总表, figures in 元 turned into 万元; Jiangsu 2019: expenditure by
function and by use, 当年收入小计, a “三公” table with 会议费 and 培训费) that pass, round and fail each rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from conftest import real_path

from juesuan import contract as c
from juesuan.errors import NoTablesOrFiguresError
from juesuan.expectations.findings import read_finding_objects, read_findings, write_findings
from juesuan.expectations.runner import validate_lake
from juesuan.expectations.suites import expected_counts
from juesuan.extract.api import extract_document
from juesuan.lake import Lake
from juesuan.settings import Settings
from juesuan.transform import budget_identities as b
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    WARNING,
    FactRef,
    IdentityCheck,
    ReportFacts,
    Rule,
    compute_checks,
    reports_from_facts,
)
from juesuan.transform.reliability import unreliable_tables_of

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
        (TP, None, "“三公”经费、会议费、培训费合计", A, "2382.02"),
        (TP, None, "合计", A, "513.75"),
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
    assert ("B05", "三公、会议费、培训费合计 = 三公 + 会议 + 培训") in notes
    assert ("B05", "合计 = 出国 + 公务用车 + 接待") in notes
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


def test_a_three_public_table_whose_total_covers_meetings_and_training() -> None:
    """The same table read as “三公”经费 (the three) beside 合计 (the three, 会议费 and 培训费)."""
    rows = [r for r in jiangsu_rows() if r[0] != TP or r[2] not in ("合计", "“三公”经费、会议费、培训费合计")]
    rows += [(TP, None, "合计", A, "2382.02"), (TP, None, "“三公”经费", A, "513.75")]
    checks = of(b.budget_checks(budget_report(rows, year=2019)), "B05")
    assert {ch.note for ch in checks} == {
        "“三公”经费 = 出国 + 公务用车 + 接待",
        "三公、会议费、培训费合计 = 三公 + 会议 + 培训",
        "公务用车 = 购置 + 运行维护",
    }
    assert all(ch.expected_severity() == PASSED for ch in checks)
    broken = replaced(rows, TP, "培训费", A, "1597.00")
    (wrong,) = [ch for ch in of(b.budget_checks(budget_report(broken, year=2019)), "B05") if ch.deviation]
    assert wrong.note == "三公、会议费、培训费合计 = 三公 + 会议 + 培训" and wrong.expected_severity() == ERROR


# --- the real budget disclosures ------------------------------------------------------------------------------
def _real_reports() -> dict[tuple[str, int], list[Path]]:
    """The real budget disclosures by report: a report published as 正文 + 公开表 is one report of two files."""
    folder = real_path("budget")
    reports: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(folder.glob("*.pdf")):
        match = re.fullmatch(r"(?P<unit>.+)-(?P<year>\d{4})-(?P<kind>dept|unit)-budget(?:-tables)?", path.stem)
        assert match, path.name
        unit = f"{match['unit']}-{match['kind']}"
        reports.setdefault((unit, int(match["year"])), []).append(path)
    return reports


@cache
def _real_reports_read() -> dict[tuple[str, int], ReportFacts]:
    """Each real report's table figures (a report of two files: both files' tables), as one 预算 report."""
    reports: dict[tuple[str, int], ReportFacts] = {}
    for (unit, year), paths in _real_reports().items():
        facts: list[c.Fact] = []
        unreliable: dict[str, str] = {}
        for path in paths:
            try:
                extraction = extract_document(path, unit_id=unit, year=year, report_kind=c.BUDGET)
            except NoTablesOrFiguresError:
                assert len(paths) > 1, f"{path.name}: nothing read"
                continue  # the 正文 of a report whose tables are the other file
            assert extraction.report_kind == c.BUDGET, path.name
            facts += [f for f in extraction.facts if f.source_kind == "table"]
            for table in unreliable_tables_of(unit, year, extraction.tables):
                unreliable[table.table_name] = table.describe()
        reports[(unit, year)] = b.report_of_facts(facts, unreliable)
    return reports


def _real_checks(rules: tuple[Rule, ...]) -> dict[tuple[str, int], list[IdentityCheck]]:
    return {key: b.budget_checks(report, rules) for key, report in _real_reports_read().items()}


def test_the_real_budget_disclosures_reconcile_within_their_tables() -> None:
    """≥ 99 % of the within-table checks that can be made on the 25 real disclosures hold (to the rounding)."""
    by_report = _real_checks(b.WITHIN_TABLE_RULES)
    assert len(by_report) == 20  # 25 files, five of them the 公开表 of a 正文
    counts: dict[str, int] = {}
    for (unit, year), checks in sorted(by_report.items()):
        made = [ch for ch in checks if ch.expected_severity() != NOT_CHECKABLE]
        assert made, f"{unit} {year}: no within-table check could be made"
        for check in checks:
            counts[check.expected_severity()] = counts.get(check.expected_severity(), 0) + 1
    made = sum(n for severity, n in counts.items() if severity != NOT_CHECKABLE)
    reconciled = counts.get(PASSED, 0) + counts.get(ROUNDING, 0)
    assert made > 2000 and reconciled / made >= Decimal("0.99"), counts


# --- across tables, narrative, across documents ------------------------------------------------------------
def test_a_consistent_shanghai_budget_agrees_across_its_tables() -> None:
    checks = b.budget_checks(budget_report(shanghai_rows()), b.ACROSS_TABLE_RULES)
    assert severities(checks) == {PASSED: len(checks)}, [ch.message() for ch in checks]
    notes = {(ch.rule_id, ch.note) for ch in checks}
    assert {
        ("B06", "收入总计 = 收入预算表 合计"),
        ("B06", "支出总计 = 支出预算表 合计"),
        ("B06", "类 = 支出预算表 类"),
        ("B07", "一般公共预算 = 一般公共预算支出预算表 合计"),
        ("B07", "类 = 一般公共预算支出预算表 类"),
        ("B08", "基本支出 = 基本支出预算表 合计"),
    } <= notes


@pytest.mark.parametrize(
    ("table", "key", "column", "value", "rule_id", "note"),
    [
        (INC, "合计", T, "3705.15", "B06", "收入总计 = 收入预算表 合计"),
        (EXP, "208", T, "1550.00", "B06", "类 = 支出预算表 类"),
        (FT, "支出总计", "一般公共预算", "3700.00", "B07", "一般公共预算 = 一般公共预算支出预算表 合计"),
        (GEN, "201", T, "2100.17", "B07", "类 = 一般公共预算支出预算表 类"),
        (BAS, "合计", T, "2700.00", "B08", "基本支出 = 基本支出预算表 合计"),
    ],
)
def test_each_across_table_rule_fails_on_a_figure_that_disagrees(
    table: str, key: str, column: str, value: str, rule_id: str, note: str
) -> None:
    rows = replaced(shanghai_rows(), table, key, column, value)
    checks = b.budget_checks(budget_report(rows), b.ACROSS_TABLE_RULES)
    hits = [ch for ch in checks if ch.rule_id == rule_id and ch.note == note and ch.expected_severity() == ERROR]
    assert len(hits) == 1, [(ch.rule_id, ch.note, ch.expected_severity()) for ch in checks]
    assert hits[0].left.table_name != hits[0].right.table_name  # both tables named, each with its pages
    assert hits[0].left.pages and hits[0].right.pages


def test_gov_fund_and_operating_cost_where_both_print_them() -> None:
    rows = [*shanghai_rows(), (TP, None, "机关运行经费", A, "171.01")][:-1]
    rows += [
        (c.BUDGET_OPERATING, None, "合计", A, "171.01"),
        (FT, None, "支出总计", "政府性基金预算", "0.00"),
        (GOV, None, "合计", T, "12.00"),
    ]
    checks = b.budget_checks(budget_report(rows), b.ACROSS_TABLE_RULES)
    (operating,) = of(checks, "B10")
    assert operating.expected_severity() == PASSED
    (fund,) = of(checks, "B09")
    assert fund.expected_severity() == ERROR and fund.difference == Decimal("-12.00")
    # An empty fund table and a blank fund column: nothing to compare.
    assert not of(b.budget_checks(budget_report(shanghai_rows()), b.ACROSS_TABLE_RULES), "B09")


def narrative(rows: list[Row], stated: list[Row]) -> ReportFacts:
    report = budget_report(rows)
    sha = report.document_sha256 or ""
    facts = [*report.all_facts()]
    facts += [FactRef(t, code, line, col, Decimal(v), "narrative", 7, sha) for t, code, line, col, v in stated]
    return ReportFacts(UNIT, 2025, facts, None, None, report_kind=c.BUDGET)


def test_the_budget_narrative_restates_its_tables() -> None:
    stated = [
        (GEN, None, "合计", T, "3715.15"),
        (TP, None, "公务接待费", A, "1.0000"),
        (GEN, "2011301", "行政运行", T, "938.99"),
        (c.BUDGET_PROCUREMENT, None, "合计", A, "38.20"),
    ]
    checks = of(b.budget_checks(narrative(shanghai_rows(), stated)), "B11")
    assert [ch.expected_severity() for ch in checks] == [PASSED, PASSED, PASSED, NOT_CHECKABLE]
    assert "政府采购预算表 not published" in (checks[-1].not_checkable_reason or "")
    wrong = of(b.budget_checks(narrative(shanghai_rows(), [(GEN, "2011301", "行政运行", T, "983.99")])), "B11")
    assert [ch.expected_severity() for ch in wrong] == [ERROR]
    assert wrong[0].left.source_kind == "narrative" and wrong[0].right.source_kind == "table"
    # A one-amount table reads as 预算数: the narrative's 合计 is that figure.
    one = [r for r in jiangsu_rows() if r[0] != GEN] + [(GEN, None, "合计", A, "37188.34")]
    report = budget_report(one, year=2019)
    sha = report.document_sha256 or ""
    facts = [*report.all_facts(), FactRef(GEN, None, "合计", T, Decimal("37188.34"), "narrative", 3, sha)]
    (restated,) = of(b.budget_checks(ReportFacts(UNIT, 2019, facts, None, None, report_kind=c.BUDGET)), "B11")
    assert restated.expected_severity() == PASSED


def frame(rows: list[tuple[str, str, str | None, str, str, str, str]]) -> pd.DataFrame:
    """A facts frame: (report kind, table, code, line, column, value, source kind) of unit-year UNIT 2025."""
    records = []
    for kind, table, code, line, column, value, source in rows:
        sha = hashlib.sha256(f"{UNIT}/{kind}".encode()).hexdigest()
        records.append(
            {
                "unit_id": UNIT,
                "year": 2025,
                "table_name": table,
                "subject_code": code,
                "line_item": line,
                "column_name": column,
                "value": Decimal(value),
                "source_kind": source,
                "extractor": "pdf-text",
                "document_sha256": sha,
                "page": 4 if kind == c.BUDGET else 12,
                "raw_text": value,
                "bbox": None,
                "report_kind": kind,
            }
        )
    return pd.DataFrame(records, columns=list(c.FACT_COLUMNS))


FINAL_ROWS = [
    (c.FINAL, c.GENERAL_BUDGET, None, "合计", "小计", "3600.00", "table"),
    (c.FINAL, c.GENERAL_BUDGET, "201", "一般公共服务支出", "小计", "2100.00", "table"),
    (c.FINAL, c.GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "1500.00", "table"),
    (c.FINAL, c.GENERAL_BUDGET, None, "合计", c.INITIAL_BUDGET_COLUMN, "3715.15", "narrative"),
    (c.FINAL, c.GENERAL_BUDGET, "2011301", "行政运行", c.INITIAL_BUDGET_COLUMN, "900.00", "narrative"),
]


def budget_frame_rows() -> list[tuple[str, str, str | None, str, str, str, str]]:
    return [(c.BUDGET, t, code, line, col, value, "table") for t, code, line, col, value in shanghai_rows()]


def test_a_unit_year_with_both_kinds_gives_r_checks_on_the_final_and_b_checks_on_the_budget() -> None:
    reports = reports_from_facts(frame([*FINAL_ROWS, *budget_frame_rows()]))
    assert [(r.unit_id, r.year, r.report_kind) for r in reports] == [(UNIT, 2025, "决算"), (UNIT, 2025, "预算")]
    final, budget = reports
    assert final.counterpart is budget and budget.counterpart is final
    checks = compute_checks(reports)
    on_final = [ch for ch in checks if ch.report_kind == c.FINAL]
    on_budget = [ch for ch in checks if ch.report_kind == c.BUDGET]
    assert on_final and on_budget
    assert all(ch.rule_id.startswith("R") for ch in on_final)
    assert all(ch.rule_id.startswith("B") for ch in on_budget)
    # 决算 check ids are what they always were; 预算 ones name the kind; none clash.
    assert all(ch.check_id.startswith(f"{UNIT}/2025/R") for ch in on_final)
    assert all(ch.check_id.startswith(f"{UNIT}/2025/预算/B") for ch in on_budget)
    assert len({ch.check_id for ch in checks}) == len(checks)
    # A frame written before kinds existed holds 决算 facts.
    old = frame(FINAL_ROWS).drop(columns=["report_kind"])
    assert [r.report_kind for r in reports_from_facts(old)] == [c.FINAL]


def test_the_final_accounts_initial_budget_against_the_budget_report() -> None:
    reports = reports_from_facts(frame([*FINAL_ROWS, *budget_frame_rows()]))
    checks = {ch.line_item: ch for ch in compute_checks(reports, [b.BudgetAgainstInitialBudget()])}
    assert set(checks) == {"合计", "行政运行"}
    total, item = checks["合计"], checks["行政运行"]
    assert total.expected_severity() == PASSED and total.report_kind == c.BUDGET
    # 900.00 stated by the 决算 against 938.99 disclosed: a warning, with both documents and pages.
    assert item.expected_severity() == WARNING and item.difference == Decimal("-38.99")
    assert "adjusted during the year" in item.message()
    final_sha = hashlib.sha256(f"{UNIT}/{c.FINAL}".encode()).hexdigest()
    budget_sha = hashlib.sha256(f"{UNIT}/{c.BUDGET}".encode()).hexdigest()
    assert (item.left.documents, item.left.pages) == ([final_sha], [12])
    assert (item.right.documents, item.right.pages) == ([budget_sha], [4])
    assert item.right_table == c.BUDGET_GENERAL and item.table_name == c.GENERAL_BUDGET
    # Without the 决算 in the run nothing is compared; a 决算 stating no 年初预算数 is not checkable.
    alone = reports_from_facts(frame(budget_frame_rows()))
    assert compute_checks(alone, [b.BudgetAgainstInitialBudget()]) == []
    silent = reports_from_facts(frame([*FINAL_ROWS[:3], *budget_frame_rows()]))
    (missing,) = compute_checks(silent, [b.BudgetAgainstInitialBudget()])
    assert missing.expected_severity() == NOT_CHECKABLE and "states no 年初预算数" in (
        missing.not_checkable_reason or ""
    )
    # A budget table not published: the 决算's figure has nothing to compare with.
    no_table = [r for r in budget_frame_rows() if r[1] != GEN]
    unpublished = compute_checks(reports_from_facts(frame([*FINAL_ROWS, *no_table])), [b.BudgetAgainstInitialBudget()])
    assert {ch.expected_severity() for ch in unpublished} == {NOT_CHECKABLE}


# --- through the suites, into the lake ------------------------------------------------------------------------
def _facts_of(rows: list[tuple[str, str, str | None, str, str, str, str]]) -> dict[str, list[c.Fact]]:
    by_kind: dict[str, list[c.Fact]] = {}
    for record in frame(rows).to_dict("records"):
        record["subject_code"] = record["subject_code"] if isinstance(record["subject_code"], str) else None
        by_kind.setdefault(str(record["report_kind"]), []).append(c.Fact(**record))
    return by_kind


def test_budget_checks_run_through_the_suites_and_their_findings_go_to_the_budget_file(tmp_path: Path) -> None:
    """One unit-year with a 决算 and a 预算: the GX checkpoint (with its expectation-count guard) classifies
    both reports' checks, and each report's findings go to its own file, every row naming its kind."""
    lake = Lake(tmp_path / "lake")
    broken = [r for r in budget_frame_rows() if not (r[1] == TP and r[3] == "公务接待费")]
    broken.append((c.BUDGET, TP, None, "公务接待费", A, "2.00", "table"))
    for kind, facts in _facts_of([*FINAL_ROWS, *broken]).items():
        lake.write_report(UNIT, 2025, facts[0].document_sha256, facts, [], [], report_kind=kind)
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")})
    summary = validate_lake(settings, None, "budget-run", lake)
    assert sorted(summary.reports) == [(UNIT, 2025, c.FINAL), (UNIT, 2025, c.BUDGET)]
    assert sum(summary.expectations_run.values()) == sum(expected_counts().values())
    assert summary.data_docs_index is not None and summary.data_docs_index.is_file()
    counts = {report.report_kind: report for report in summary.counts()}
    assert counts[c.BUDGET].errors == 1 and counts[c.BUDGET].checks > 50
    (error,) = [f for f in summary.findings if f.severity == ERROR and f.report_kind == c.BUDGET]
    assert (error.rule_id, error.table_name, error.report_kind) == ("B05", TP, c.BUDGET)
    assert error.check_id.startswith(f"{UNIT}/2025/预算/B05/")
    files = sorted(Path(path).name for path in summary.findings_files)
    assert files == ["identity_findings.budget.parquet", "identity_findings.parquet"]
    stored = read_findings(lake)
    assert set(zip(stored["report_kind"], stored["rule_id"].str[0], strict=True)) == {(c.FINAL, "R"), (c.BUDGET, "B")}
    objects = read_finding_objects(lake, [(UNIT, 2025, c.BUDGET)])
    assert objects and {f.report_kind for f in objects} == {c.BUDGET}
    assert {f.report_kind for f in read_finding_objects(lake, [(UNIT, 2025)])} == {c.FINAL}
    # A run that validates the budget report alone drops the 决算's findings file (its report is gone).
    budget_only = [f for f in summary.findings if f.report_kind == c.BUDGET]
    written = write_findings(lake, [(UNIT, 2025, c.BUDGET)], budget_only)
    assert [Path(path).name for path in written] == ["identity_findings.budget.parquet"]
    assert set(read_findings(lake)["report_kind"]) == {c.BUDGET}


def test_the_narrative_restates_figures_a_template_prints_in_another_shape() -> None:
    """人员经费 of a basic table printed by class is Σ 301 + 303; an income source keyed as a 合计 column is the
    line of a table printed as lines; a column printed in no shape is not comparable, never blank = 0."""
    rows = [
        (BAS, None, "合计", A, "2784.15"),
        (BAS, "301", "工资福利支出", A, "2400.00"),
        (BAS, "30101", "基本工资", A, "2400.00"),
        (BAS, "303", "对个人和家庭的补助", A, "100.00"),
        (BAS, "302", "商品和服务支出", A, "284.15"),
        (INC, None, "合计", A, "3715.15"),
        (INC, None, "一般公共预算资金/小计", A, "3715.15"),
    ]
    stated = [
        (BAS, None, "合计", c.BUDGET_PERSONNEL, "2500.00"),
        (BAS, None, "合计", c.BUDGET_PUBLIC_USE, "284.15"),
        (INC, None, "合计", "一般公共预算拨款收入", "3715.15"),
        (INC, None, "合计", "事业收入", "12.00"),
    ]
    checks = {ch.column_name: ch for ch in of(b.budget_checks(narrative(rows, stated)), "B11")}
    assert checks[c.BUDGET_PERSONNEL].expected_severity() == PASSED
    assert [f.key for f in checks[c.BUDGET_PERSONNEL].right.facts] == ["301", "303"]
    assert checks[c.BUDGET_PUBLIC_USE].expected_severity() == PASSED
    assert checks["一般公共预算拨款收入"].expected_severity() == PASSED
    assert checks["事业收入"].expected_severity() == NOT_CHECKABLE
    assert "prints no 「事业收入」 column" in (checks["事业收入"].not_checkable_reason or "")
    wrong = of(b.budget_checks(narrative(rows, [(BAS, None, "合计", c.BUDGET_PERSONNEL, "2600.00")])), "B11")
    assert [ch.expected_severity() for ch in wrong] == [ERROR]


def test_the_real_budget_disclosures_agree_across_their_tables() -> None:
    """The across-table rules on the same readings: every check that can be made holds (to the rounding)."""
    checks = [ch for found in _real_checks(b.ACROSS_TABLE_RULES).values() for ch in found]
    made = [ch for ch in checks if ch.expected_severity() != NOT_CHECKABLE]
    assert len(made) > 100 and {ch.rule_id for ch in made} >= {"B06", "B07", "B08"}
    broken = [ch.message() for ch in made if ch.expected_severity() not in (PASSED, ROUNDING)]
    assert len(broken) <= len(made) // 100, broken
