"""Real budget disclosures (预算公开, ../shared/real/budget) read through the same readers as the 决算.

25 PDFs of Jiangsu provincial departments (2017–2019) and Shanghai 普陀区 units (2023–2025), made with
WPS, MS Word, MS Excel, Acrobat Distiller and PDFMaker; some Jiangsu units publish the tables as a second
PDF (``-tables``) beside the text. Every one is read as a 预算 report, each standard table it prints is
found, the tables check themselves with the budget identities (B01–B05), and three of them — one of each
of WPS, MS Excel and MS Word — match a truth file built apart from the reader (tests/fixtures/budget_truth,
see its README) cell for cell. A 决算 stays a 决算 with no budget table.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from conftest import real_path

from juesuan import contract as c
from juesuan.errors import WrongReportError
from juesuan.extract.api import Extraction, extract_document
from juesuan.extract.document import stated_kind, stated_year
from juesuan.extract.mapping import canonical_table_name
from juesuan.extract.selfcheck import table_checks
from juesuan.extract.tables import as_title
from juesuan.samples.fidelity import printed_budget_tables
from juesuan.transform.identities import ERROR, NOT_CHECKABLE

TRUTH = Path(__file__).parent / "fixtures" / "budget_truth"
#: The three documents with a truth file: WPS (Shanghai, 元), MS Excel (Jiangsu 公开表), MS Word (Jiangsu).
TRUTHS = (
    "sh-putuo-qzfb-2025-dept-budget",
    "js-zhengxiebgt-2017-dept-budget-tables",
    "js-highcourt-2017-dept-budget",
)
#: Tables per template: Jiangsu prints 12 (收支预算总表 … 政府采购预算表), Shanghai 9 (… “三公”经费和机关运行经费).
TEMPLATE_TABLES = {"js": 12, "sh": 9}


def budget_files() -> list[Path]:
    folder = real_path("budget")
    return sorted(folder.glob("*.pdf"))


@cache
def reading(name: str) -> Extraction:
    """A budget disclosure read as a caller with no registry reads it: year and kind from the document."""
    return extract_document(real_path(f"budget/{name}.pdf"), unit_id=re.sub(r"[^a-z0-9]+", "-", name))


def test_every_real_budget_disclosure_reads_as_a_budget_with_its_tables() -> None:
    for path in budget_files():
        result = reading(path.stem)
        assert result.report_kind == c.BUDGET, path.name
        assert result.year == int(re.search(r"-(20\d\d)-", path.name).group(1)), path.name  # type: ignore[union-attr]
        assert all(f.report_kind == c.BUDGET and f.table_name in c.BUDGET_TABLE_NAMES for f in result.facts)
        found = {t.table_name for t in result.tables if t.table_name and t.status in ("ok", "empty")}
        assert found <= set(c.BUDGET_TABLE_NAMES)
        printed = printed_budget_tables(path)
        assert printed <= found, f"{path.name}: not found {printed - found}"
        if printed:  # a text part of a split report prints no table; its prose still states figures
            assert len(found) == TEMPLATE_TABLES[path.name[:2]], (path.name, sorted(found))
            assert all(t.reliable for t in result.tables if t.table_name), path.name
        else:
            assert result.facts and all(f.source_kind == "narrative" for f in result.facts), path.name


def test_the_within_table_checks_of_the_budget_disclosures_reconcile() -> None:
    """≥ 99% of the within-table identity checks of all 25 reconcile (exact or within the published
    rounding); a table read unreliably counts as not reconciled."""
    tested = reconciled = 0
    for path in budget_files():
        result = reading(path.stem)
        unreliable = {t.table_name for t in result.tables if t.table_name and not t.reliable}
        table_facts = [f for f in result.facts if f.source_kind == "table"]
        for table in sorted({f.table_name for f in table_facts}):
            for check in table_checks(table, [f for f in table_facts if f.table_name == table]):
                severity = check.expected_severity()
                if severity == NOT_CHECKABLE:
                    continue
                tested += 1
                reconciled += severity != ERROR and table not in unreliable
    assert tested >= 2500
    assert reconciled >= 0.99 * tested, f"{reconciled} of {tested}"


def truth_rows(stem: str) -> dict[tuple[str, str, str], Decimal]:
    with (TRUTH / f"{stem}.csv").open(encoding="utf-8") as handle:
        return {
            (r["table"], r["code"] or r["line_item"], r["column"]): Decimal(r["value"]) for r in csv.DictReader(handle)
        }


@pytest.mark.parametrize("stem", TRUTHS)
def test_a_budget_disclosure_matches_its_truth_cell_for_cell(stem: str) -> None:
    truth = truth_rows(stem)
    got = {
        (f.table_name, f.subject_key, f.column_name): f.value for f in reading(stem).facts if f.source_kind == "table"
    }
    wrong = {k: (got[k], v) for k, v in truth.items() if k in got and got[k] != v}
    assert not wrong
    assert not set(truth) - set(got), "missing"
    assert not set(got) - set(truth), "extra"
    assert len(truth) >= 130


def test_amounts_in_yuan_are_exact_in_wan_yuan() -> None:
    """The Shanghai tables print 元: 12,029,501.84 元 is 1,202.950184 万元, not rounded."""
    facts = {(f.table_name, f.subject_key, f.column_name): f.value for f in reading(TRUTHS[0]).facts}
    assert facts[(c.BUDGET_EXPENDITURE, "2010301", "合计")] == Decimal("1202.950184")
    assert facts[(c.BUDGET_THREE_PUBLIC, "合计", c.BUDGET_AMOUNT)] == Decimal("867.50")  # printed in 万元


def test_empty_budget_tables_are_read_as_empty() -> None:
    """注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表 — the table is found, with no figure."""
    tables = {t.table_name: t for t in reading(TRUTHS[0]).tables}
    for name in (c.BUDGET_GOV_FUND, c.BUDGET_STATE_CAPITAL):
        assert tables[name].status == "empty" and tables[name].reliable


def test_a_tables_only_part_reads_with_the_year_given_or_stated_by_its_titles() -> None:
    path = real_path("budget/js-shengweibgt-2019-dept-budget-tables.pdf")
    given = extract_document(path, unit_id="js-shengweibgt", year=2019, report_kind=c.BUDGET)
    assert given.report_kind == c.BUDGET and given.year == 2019
    assert {t.table_name for t in given.tables if t.status == "ok"} >= {c.BUDGET_TOTALS, c.BUDGET_GENERAL}
    with pytest.raises(WrongReportError, match="covers 2019"):
        extract_document(path, unit_id="js-shengweibgt", year=2018)


def test_a_kind_the_content_contradicts_is_refused() -> None:
    budget = real_path("budget/sh-putuo-swb-2025-unit-budget.pdf")
    with pytest.raises(WrongReportError, match=r"预算 report .*given as 决算"):
        extract_document(budget, unit_id="putuo-swb", year=2025, report_kind=c.FINAL)
    final = real_path("final/putuo_shgzb_2024.pdf")
    with pytest.raises(WrongReportError, match=r"决算 report .*given as 预算"):
        extract_document(final, unit_id="putuo-shgzb", year=2024, report_kind=c.BUDGET)


def test_a_final_report_stays_a_final_report_with_no_budget_table() -> None:
    result = extract_document(real_path("final/putuo_ghzy_2024.pdf"), unit_id="putuo-ghzy")
    assert result.report_kind == c.FINAL and result.year == 2024
    assert result.facts and all(f.report_kind == c.FINAL for f in result.facts)
    assert not {t.table_name for t in result.tables} & set(c.BUDGET_TABLE_NAMES)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("1. 2025年部门财务收支预算总表", c.BUDGET_TOTALS),
        ("一、收支预算总表", c.BUDGET_TOTALS),
        ("2. 2025年预算单位收入预算总表", c.BUDGET_INCOME),
        ("三、2018 年度江苏省高级人民法院支出预算总表", c.BUDGET_EXPENDITURE),
        ("4．2024年预算单位财政拨款收支预算总表", c.BUDGET_FISCAL_TOTALS),
        ("五、财政拨款支出预算表", c.BUDGET_FISCAL_EXPENDITURE),
        ("财政拨款基本支出预算表（经济科目）", c.BUDGET_FISCAL_BASIC),
        ("5．2025年部门一般公共预算支出功能分类预算表", c.BUDGET_GENERAL),
        ("8．2023年部门一般公共预算基本支出部门预算经济分类预算表", c.BUDGET_BASIC),
        ("七、财政拨款政府性基金支出预算表", c.BUDGET_GOV_FUND),
        ("十、2018 年度江苏省高级人民法院政府性基金预算财政拨款支出预算表", c.BUDGET_GOV_FUND),
        ("7．2025年部门国有资本经营预算支出功能分类预算表", c.BUDGET_STATE_CAPITAL),
        ("“三公”经费、会议费、培训费支出预算表（一般公共预算）", c.BUDGET_THREE_PUBLIC),
        ("9. 2023年部门“三公”经费和机关运行经费预算表", c.BUDGET_THREE_PUBLIC),
        ("十一、一般公共预算机关运行经费支出预算表", c.BUDGET_OPERATING),
        ("十二、政府采购支出预算表", c.BUDGET_PROCUREMENT),
        ("公开01表 2019年政府采购预算表", c.BUDGET_PROCUREMENT),
        # 决算 titles name funds such as 一般公共预算: the kind word at the end decides
        ("一般公共预算财政拨款支出决算表", c.GENERAL_BUDGET),
        ("政府性基金预算财政拨款收入支出决算表", c.GOV_FUND),
        ("某局2024年度一般公共预算财政拨款“三公”经费支出决算表", c.THREE_PUBLIC),
        # section headings and sentences are no table titles
        ("第二部分 2019年度部门预算表", None),
        ("五、部门预算表", None),
        ("省检察院本级划转240万元办案费;二是《财政拨款支出预算表", None),
    ],
)
def test_budget_and_final_titles_are_told_apart(title: str, name: str | None) -> None:
    assert canonical_table_name(as_title(title) or title) == name


def test_the_kind_and_year_come_from_the_cover_or_the_tables() -> None:
    assert stated_kind("上海市普陀区2025年区级部门预算\n预算主管部门：某局") == c.BUDGET
    assert stated_year("上海市普陀区2025年区级部门预算\n比2024年预算减少") == 2025
    assert stated_kind("某局 2024 年度部门决算\n一般公共预算财政拨款支出决算表") == c.FINAL
    tables_only = "部门：某厅 单位：万元\n收支预算总表\n收入预算总表\n2017年政府采购预算表"
    assert stated_kind(tables_only) == c.BUDGET and stated_year(tables_only) == 2017
