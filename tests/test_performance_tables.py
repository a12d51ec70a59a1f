"""Rules 29–31: the performance self-evaluation tables (绩效自评表), read by their labels and checked.

Grids are built in the two layouts the corpus shows (the national one of 朝阳 2024, the Shanxi one of 大同
and 晋城 2023) with the figures those reports print; the corpus reports themselves are read end to end.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.expectations.runner import validate_checks
from juesuan.extract.api import extract_document
from juesuan.extract.base import RawTable
from juesuan.extract.performance import read_performance
from juesuan.settings import Settings
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    RULES,
    RULES_BY_ID,
    WARNING,
    IdentityCheck,
    ReportFacts,
)

TITLE = "预算项目(政策)绩效自评表"


def national(budget: str, spent: str, rate: str, subtotal: str, rate_score: str, total: str, target: str) -> RawTable:
    """The national layout (朝阳 2024), every row as wide as the grid the text export gives."""
    blank = [""] * 18
    # fmt: off
    rows = [
        ["项目(政策)名称", "", "社保专项业务费", *blank[3:]],
        ["项目预算金额(万元)", "", budget, "", "", "全年执行数(万元)", "", "", spent, "", "", "执行率", "", "", rate,
         "", "", ""],
        ["年度总体目标", "年初设定目标", *blank[2:10], "全年实际完成情况", *blank[11:]],
        ["", target, *blank[2:10], "100%完成绩效目标。", *blank[11:]],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度目标值", "", "", "全年完成值", "完成程度", "分值", "得分",
         *blank[11:]],
        ["", "产出指标", "数量指标", "足额发放率", "=", "100", "%", "100", "100%", "40", "40", *blank[11:]],
        ["", "", "", "拨付资金金额", ">=", "871", "万元", "800", "92.0%", "30", "29.2", "", "", "", "", "√",
         "其他:核算", ""],
        ["满意度指标", "服务对象满意度指标", "受益群众满意度", ">=", "95", "%", "100", "100%", "20", "20", *blank[10:]],
        ["指标自评得分小计", "", "", subtotal, "", "", "预算执行率得分", "", "", rate_score, "", "减分项", "", "0", "",
         "绩效自评总得分", "", total],
    ]
    # fmt: on
    return RawTable(title=TITLE, rows=rows, extractor="text-table", line=631)


def shanxi(figures: list[str], scores: list[tuple[str, str]], total: str, target: str) -> RawTable:
    """The Shanxi layout (大同, 晋城 2023): the figures under a header naming them."""
    # fmt: off
    rows = [
        ["项目名称", "", "离退休干部活动经费", "", "", "", "", "", "", ""],
        ["项目资金预算安排及执行进度(万元)", "年初预算数", "", "全年预算数", "全年执行数", "资金结(转)余", "执行率",
         "得分", "偏差原因分析及改进措施", ""],
        ["", "目标申报数", "预算编制数", "", "", "", "", "", "", ""],
        ["", "资金总额:", *figures, ""],
        ["项目年度绩效目标", "年度目标", "", "", "", "实际完成情况", "", "", "", ""],
        ["", target, "", "", "", "就是为机关离退休人员提供服务", "", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年初指标值", "调整后指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        *(["", "产出指标", "数量指标", "活动次数", "100", "100", "达成预期指标", w, s, ""] for w, s in scores),
        ["", "总分", "", "", "", "", "", total, "", "良"],
    ]
    # fmt: on
    return RawTable(title="离退休干部活动经费项目支出绩效自评表", rows=rows, extractor="text-table", line=562)


def verdicts(table: RawTable, rule_id: str, year: int = 2024) -> dict[str, str]:
    report = ReportFacts("test-unit", year, [])
    report.evidence.performance = [read_performance(table, 1)]
    return {check.column_name: check.expected_severity() for check in RULES_BY_ID[rule_id].checks(report)}


CHAOYANG_OK = national("871", "800", "91.85%", "89.2", "9.18", "98.38", "2024年末100%足额按时发放待遇资金。")


def test_the_national_layout_is_read_by_its_labels() -> None:
    table = read_performance(CHAOYANG_OK, 1)
    assert (table.project, table.budget, table.spent, table.rate, table.rate_places) == (
        "社保专项业务费",
        Decimal("871"),
        Decimal("800"),
        Decimal("91.85"),
        2,
    )
    assert (table.indicator_subtotal, table.rate_score, table.deduction, table.total) == (
        Decimal("89.2"),
        Decimal("9.18"),
        Decimal("0"),
        Decimal("98.38"),
    )
    assert [(i.weight, i.score) for i in table.indicators] == [
        (Decimal(40), Decimal(40)),
        (Decimal(30), Decimal("29.2")),
        (Decimal(20), Decimal(20)),
    ]
    assert table.target.startswith("2024年末")


def test_r29_execution_rate_with_intervals() -> None:
    assert verdicts(CHAOYANG_OK, "R29") == {"执行率": PASSED}
    # 朝阳 2024: 1.04 / 1.1 printed 94.91%, consistent within the printed rounding
    assert verdicts(national("1.1", "1.04", "94.91%", "89.2", "9.49", "98.69", "2024年"), "R29") == {"执行率": PASSED}
    assert verdicts(national("871", "800", "95.85%", "89.2", "9.58", "98.78", "2024年"), "R29") == {"执行率": ERROR}
    assert verdicts(national("0", "5", "100%", "89.2", "10", "99.2", "2024年"), "R29") == {"执行率": ERROR}


def test_r30_scores_add_up() -> None:
    assert verdicts(CHAOYANG_OK, "R30") == {"预算执行率得分": PASSED, "指标得分小计": PASSED, "总分": PASSED}
    wrong_total = national("871", "800", "91.85%", "89.2", "9.18", "99.38", "2024年")
    assert verdicts(wrong_total, "R30")["总分"] == ERROR
    wrong_subtotal = national("871", "800", "91.85%", "90.2", "9.18", "99.38", "2024年")
    assert verdicts(wrong_subtotal, "R30")["指标得分小计"] == ERROR
    wrong_points = national("871", "800", "91.85%", "89.2", "8.18", "97.38", "2024年")
    assert verdicts(wrong_points, "R30")["预算执行率得分"] == WARNING


def test_r31_the_target_names_the_report_year() -> None:
    assert verdicts(CHAOYANG_OK, "R31") == {"年度目标": PASSED}
    # 朝阳 2024 sets one project's target for "2025年12月"
    later = national("871", "800", "91.85%", "89.2", "9.18", "98.38", "2025年12月100%完成绩效目标。")
    assert verdicts(later, "R31") == {"年度目标": WARNING}


DATONG = shanxi(
    ["2.4", "2.4", "2.4", "0.96", "1.44", "40", "4"],
    [("20", "20"), ("10", "5"), ("55", "60")],
    "89",
    "提高活动经费保障",
)


def test_the_shanxi_layout_is_read_from_its_header_and_checked_by_its_balance() -> None:
    table = read_performance(DATONG, 1)
    assert (table.budget, table.spent, table.rate, table.rate_score, table.total) == (
        Decimal("2.4"),
        Decimal("0.96"),
        Decimal("40"),
        Decimal("4"),
        Decimal("89"),
    )
    assert verdicts(DATONG, "R29", 2023) == {"执行率": PASSED}  # 大同 2023: 0.96 / 2.4 = 40%
    assert verdicts(DATONG, "R30", 2023) == {"预算执行率得分": PASSED, "总分": PASSED}  # 20 + 5 + 60 + 4 = 89
    shifted = shanxi(["2.4", "2.4", "2.4", "0.96", "9.44", "40", "4"], [("20", "20")], "24", "目标")
    assert read_performance(shifted, 1).budget is None  # 全年预算 − 执行 ≠ 结余: the row is not trusted
    assert verdicts(shifted, "R29", 2023) == {"执行率": NOT_CHECKABLE}


def test_every_performance_rule_has_a_passing_and_a_failing_fixture_and_gx_agrees(tmp_path: Path) -> None:
    cases = [
        ("R29", CHAOYANG_OK, PASSED),
        ("R29", national("871", "800", "95.85%", "89.2", "9.58", "98.78", "2024年"), ERROR),
        ("R30", CHAOYANG_OK, PASSED),
        ("R30", national("871", "800", "91.85%", "89.2", "9.18", "99.38", "2024年"), ERROR),
        ("R31", CHAOYANG_OK, PASSED),
        ("R31", national("871", "800", "91.85%", "89.2", "9.18", "98.38", "2025年目标"), WARNING),
    ]
    assert {rule for rule, *_ in cases} == {r.rule_id for r in RULES if r.family == "performance"}
    made: list[IdentityCheck] = []
    for number, (rule, grid, expected) in enumerate(cases):
        report = ReportFacts(f"case-{number}", 2024, [])
        report.evidence.performance = [read_performance(grid, 1)]
        checks = list(RULES_BY_ID[rule].checks(report))
        assert expected in {ch.expected_severity() for ch in checks}
        made.extend(checks)
    findings, ran, _ = validate_checks(made, Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)}), "performance")
    assert {f.check_id: f.severity for f in findings} == {ch.check_id: ch.expected_severity() for ch in made}
    assert ran["identities_performance"] == 1 + 3 * 3


@pytest.mark.corpus
def test_the_corpus_tables_are_read_and_raise_no_error(corpus: type) -> None:
    counts = {}
    for unit_id in ("chaoyang-sic", "datong-sic", "jincheng-hrss", "wuhai-sic"):
        extraction = extract_document(corpus.path(unit_id), unit_id=unit_id)
        tables = extraction.evidence.performance
        report = ReportFacts(unit_id, extraction.year, [])
        report.evidence.performance = tables
        checks = [ch for rule in RULES if rule.family == "performance" for ch in rule.checks(report)]
        assert [ch.message() for ch in checks if ch.expected_severity() == ERROR] == []
        counts[unit_id] = (len(tables), sum(1 for t in tables if t.rate is not None))
    assert counts["chaoyang-sic"] == (10, 9)  # nine project tables and the unit's own (整体) one
    assert counts["datong-sic"][0] == 11 and counts["jincheng-hrss"] == (3, 3)
    assert counts["wuhai-sic"] == (4, 0)  # garbled in the export: nothing trusted, nothing wrong
