"""The narrative extractor on real published 决算 PDFs (``../shared/real/final``, read at test time).

上海市普陀区规划和自然资源局 2024 has a narrative truth (``truth_narrative.csv``): every figure its 情况说明
states, keyed by the table cell it restates, with the value the prose gives (two of them are published
errors the identity suites report). 中共上海市普陀区委社会工作部 2024 has none: every narrative figure
keyed like a printed cell (``truth_tables.csv``) must equal it, and the rest are listed here.

The report goes through the public entry, so the narrative reads beside the report's own tables as in
production (a 项 the prose names wrongly is decided by its 一般公共预算 table row).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache

import pytest
from conftest import real_path

from juesuan.contract import GENERAL_BUDGET, INITIAL_BUDGET_COLUMN, RELATED_INFO, Fact, validate_facts
from juesuan.extract.api import extract_document

Key = tuple[str, str, str]
GHZY = ("final/putuo_ghzy_2024.pdf", "putuo-ghzy", "上海市普陀区规划和自然资源局")
SHGZB = ("final/putuo_shgzb_2024.pdf", "putuo-shgzb", "中共上海市普陀区委社会工作部")


@cache
def narrative_of(relative: str, unit_id: str) -> tuple[Fact, ...]:
    extraction = extract_document(real_path(relative), unit_id=unit_id, year=2024)
    validate_facts(extraction.facts)
    return tuple(f for f in extraction.facts if f.source_kind == "narrative")


def keyed(facts: tuple[Fact, ...]) -> dict[Key, Fact]:
    return {(f.table_name, f.subject_key, f.column_name): f for f in facts}


def truth(name: str, unit: str) -> dict[Key, Decimal]:
    with real_path(f"final/{name}").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["unit"] == unit]
    found: dict[Key, Decimal] = {}
    for r in rows:
        key = (r["table"], r["code"], r["column"])
        assert found.setdefault(key, Decimal(r["value"])) == Decimal(r["value"]), key
    return found


def test_planning_bureau_states_every_truth_figure_and_no_other_value() -> None:
    relative, unit_id, unit = GHZY
    expected = truth("truth_narrative.csv", unit)
    assert len(expected) == 43
    facts = keyed(narrative_of(relative, unit_id))
    got = {key: facts[key].value for key in expected if key in facts}
    assert got == expected  # every truth row, with its value (a key the truth has, with no other value)
    for fact in facts.values():
        assert fact.page is not None and 20 <= fact.page <= 28  # the 情况说明 pages
        assert fact.year == 2024 and fact.unit_id == unit_id


@pytest.mark.parametrize(
    ("code", "name", "words"),
    [
        # The prose names the 项 by a name the catalogue does not know: its table row decides.
        ("2080599", "其他行政事业单位养老支出", "机关事业单位退休人员活动费支出"),
        # An older name of the 项.
        ("2200199", "其他自然资源事务支出", "其他国土资源事务支出"),
        # A 款 that is no 款 of the 类 (住房保障支出 for 住房改革支出): 类 and 项 agree.
        ("2210201", "住房公积金", "住房保障支出（款）住房公积金"),
    ],
)
def test_planning_bureau_items_named_otherwise_keep_the_prose_in_raw_text(code: str, name: str, words: str) -> None:
    facts = keyed(narrative_of(*GHZY[:2]))
    fact = facts[(GENERAL_BUDGET, code, "小计")]
    assert fact.line_item == name
    assert words in fact.raw_text.replace("\n", "")
    # The 年初预算 the same statement gives is keyed alike.
    assert facts[(GENERAL_BUDGET, code, INITIAL_BUDGET_COLUMN)].page == fact.page


def test_social_work_department_narrative_agrees_with_its_tables() -> None:
    relative, unit_id, unit = SHGZB
    cells = truth("truth_tables.csv", unit)
    facts = keyed(narrative_of(relative, unit_id))
    restated = {key: fact.value for key, fact in facts.items() if key in cells}
    assert restated == {key: cells[key] for key in restated}
    # It states every 类 and 项 of its 一般公共预算 table (not the 款) and the table's totals.
    stated_codes = {code for table, code, column in restated if table == GENERAL_BUDGET and column == "小计"}
    printed_codes = {
        code for table, code, column in cells if table == GENERAL_BUDGET and column == "小计" and len(code) != 5
    }
    assert stated_codes == printed_codes
    assert len(restated) == 28
    # What no printed table holds: the 年初预算 (0: the department was set up in 2024), and what the
    # Shanghai template states only in prose.
    vehicles = (
        "车辆数合计",
        "副部（省）级及以上领导用车",
        "主要负责人用车",
        "机要通信用车",
        "应急保障用车",
        "执法执勤用车",
        "特种专业技术用车",
        "离退休干部服务用车",
        "其他用车",
    )
    assert {key: fact.value for key, fact in facts.items() if key not in cells} == {
        (GENERAL_BUDGET, "合计", INITIAL_BUDGET_COLUMN): Decimal("0"),
        (RELATED_INFO, "机关运行经费", "统计数"): Decimal("10.23"),
        (RELATED_INFO, "政府采购支出合计", "统计数"): Decimal("21.07"),
        (RELATED_INFO, "政府采购货物支出", "统计数"): Decimal("21.07"),
        (RELATED_INFO, "政府采购工程支出", "统计数"): Decimal("0"),
        (RELATED_INFO, "政府采购服务支出", "统计数"): Decimal("0"),
        **{(RELATED_INFO, kind, "数量（辆）"): Decimal("0") for kind in vehicles},
        (RELATED_INFO, "单价100万元（含）以上设备", "数量（台套）"): Decimal("0"),
    }
