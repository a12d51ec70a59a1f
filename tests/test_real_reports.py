"""Real published reports (../shared/real): every table cell read right, nothing read wrong, and the
identity suites reporting exactly the inconsistencies the units published.

The two 2024 部门决算 of Shanghai 普陀区 were made with MS Word (规划和自然资源局) and WPS (社会工作部);
``final/truth_tables.csv`` holds every printed numeric cell of their standard tables. A table that is
damaged so that it cannot be read must come out ``not reliable`` (its checks not_checkable), never
as figures that blame the unit.
"""

from __future__ import annotations

import csv
import ctypes
import re
from collections import Counter
from dataclasses import asdict, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import real_path

from juesuan import contract as c
from juesuan.extract.api import Extraction, extract_document
from juesuan.extract.base import DocumentContext, RawTable
from juesuan.extract.layout import analyse
from juesuan.extract.pdf import read_pdf
from juesuan.extract.pdf_rules import read_ruled_pages
from juesuan.extract.pdf_triage import lines_of
from juesuan.extract.tables import _stitch as stitched
from juesuan.extract.tables import assemble, map_groups
from juesuan.extract.text import looks_like_amount, parse_amount
from juesuan.transform.catalogue import Catalogue
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    ROUNDING,
    IdentityCheck,
    compute_checks,
    reports_from_facts,
)
from juesuan.transform.reliability import unreliable_by_report, unreliable_tables_of

REPORTS = {
    "putuo-ghzy": ("final/putuo_ghzy_2024.pdf", "上海市普陀区规划和自然资源局"),
    "putuo-shgzb": ("final/putuo_shgzb_2024.pdf", "中共上海市普陀区委社会工作部"),
}
Key = tuple[str, str, str]


@cache
def extraction(unit_id: str) -> Extraction:
    return extract_document(real_path(REPORTS[unit_id][0]), unit_id=unit_id, year=2024)


@cache
def truth(unit_id: str) -> dict[Key, Decimal]:
    rows = csv.DictReader(real_path("final/truth_tables.csv").open(encoding="utf-8"))
    name = REPORTS[unit_id][1]
    return {(r["table"], r["code"], r["column"]): Decimal(r["value"]) for r in rows if r["unit"] == name}


def table_facts(result: Extraction) -> dict[Key, Decimal]:
    return {(f.table_name, f.subject_key, f.column_name): f.value for f in result.facts if f.source_kind == "table"}


@pytest.mark.parametrize("unit_id", sorted(REPORTS))
def test_every_truth_cell_is_read_with_its_key_and_nothing_else(unit_id: str) -> None:
    got, expected = table_facts(extraction(unit_id)), truth(unit_id)
    missing = {key: value for key, value in expected.items() if key not in got}
    wrong = {key: (got[key], value) for key, value in expected.items() if key in got and got[key] != value}
    extra = sorted(key for key in got if key not in expected)
    assert (missing, wrong, extra) == ({}, {}, [])
    assert len(expected) == {"putuo-ghzy": 308, "putuo-shgzb": 205}[unit_id]


@pytest.mark.parametrize("unit_id", sorted(REPORTS))
def test_every_table_is_read_reliably_and_checks_out(unit_id: str) -> None:
    tables = extraction(unit_id).tables
    read = [t for t in tables if t.table_name is not None and t.status != "unrecognised"]
    assert {t.table_name for t in read} >= {c.TOTALS, c.INCOME, c.EXPENDITURE, c.FISCAL_TOTALS, c.BASIC}
    assert all(t.reliable for t in read), [(t.table_name, t.unreliable_reason) for t in read if not t.reliable]
    assert all(t.reconciled in ("exact", "rounding", "unchecked") for t in read)
    continued = {t.table_name: t.pages for t in read if len(t.pages) > 1}
    assert set(continued) == {c.INCOME, c.EXPENDITURE, c.FISCAL_TOTALS} | (
        {c.GENERAL_BUDGET} if unit_id == "putuo-ghzy" else set()
    )


def checks_of(result: Extraction, unit_id: str) -> list[IdentityCheck]:
    """The identity suites' checks on an extraction, with its unreliable tables as the runner gives them."""
    facts = pd.DataFrame([asdict(f) for f in result.facts])
    unreliable = unreliable_by_report(unreliable_tables_of(unit_id, 2024, result.tables))
    return compute_checks(reports_from_facts(facts, {unit_id: "行政单位"}, unreliable))


def findings(result: Extraction, unit_id: str) -> Counter[tuple[str, str, str, str]]:
    return Counter(
        (ch.expected_severity(), ch.rule_id, ch.table_name, ch.subject_code or ch.line_item)
        for ch in checks_of(result, unit_id)
        if ch.expected_severity() in (ERROR, ROUNDING)
    )


def test_the_suites_report_exactly_what_the_bureau_published() -> None:
    """规划和自然资源局: the two narrative errors as errors, the published 尾差 as rounding, nothing else."""
    found = findings(extraction("putuo-ghzy"), "putuo-ghzy")
    errors = {key for key in found if key[0] == ERROR}
    assert errors == {
        (ERROR, "R13", c.GENERAL_BUDGET, "合计"),  # 基本支出 5,377.64 stated, 5,364.75 printed
        (ERROR, "R13", c.BASIC, c.PERSONNEL_TOTAL),  # 人员经费 4,896.98 stated, 4,884.09 printed
    }
    rounding = {key[1:] for key in found if key[0] == ROUNDING}
    assert {
        ("R07", c.TOTALS, "210"),  # 236.63 in the 总表 against 236.64
        ("R07", c.TOTALS, "212"),  # 3,845.25 against 3,845.24
        ("R03", c.GENERAL_BUDGET, "212"),  # four rows with 小计 0.01 above 基本 + 项目
        ("R03", c.GENERAL_BUDGET, "21201"),
        ("R03", c.GENERAL_BUDGET, "2120101"),
        ("R03", c.GENERAL_BUDGET, "合计"),
        ("R05", c.BASIC, c.PERSONNEL_TOTAL),  # 4,884.09 against 4,884.10
    } <= rounding


def test_the_suites_report_exactly_what_the_department_published() -> None:
    """社会工作部: 基本支出 105.58 against 95.36 + 10.23, and 302 10.23 against 10.22 — both rounding."""
    found = findings(extraction("putuo-shgzb"), "putuo-shgzb")
    assert set(found) == {
        (ROUNDING, "R09", c.GENERAL_BUDGET, "合计"),
        (ROUNDING, "R05", c.BASIC, "302"),
    }


# --- damaged copies ---------------------------------------------------------------------------------------
def _objects(page: pdfium.PdfPage) -> list[pdfium_c.FPDF_PAGEOBJECT]:
    return [pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(page.raw))]


def _text(obj: pdfium_c.FPDF_PAGEOBJECT, textpage: pdfium.PdfTextPage) -> str:
    size = pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, None, 0)
    buffer = (ctypes.c_ushort * (size // 2 + 1))()
    pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, buffer, size)
    return bytes(buffer)[:size].decode("utf-16-le").rstrip("\x00").strip()


def _left_right(obj: pdfium_c.FPDF_PAGEOBJECT) -> tuple[float, float]:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    return left.value, right.value


def damaged(source: Path, target: Path, page_number: int, *, rules: bool = False, column: str | None = None) -> Path:
    """A copy of ``source`` with page ``page_number``'s ruling lines removed, or the figures of the
    column headed ``column`` taken out of its text layer."""
    document = pdfium.PdfDocument(source)
    page = document[page_number - 1]
    textpage = page.get_textpage()
    objects = _objects(page)
    if rules:
        gone = [o for o in objects if pdfium_c.FPDFPageObj_GetType(o) == pdfium_c.FPDF_PAGEOBJ_PATH]
    else:
        texts = [
            (o, _text(o, textpage)) for o in objects if pdfium_c.FPDFPageObj_GetType(o) == pdfium_c.FPDF_PAGEOBJ_TEXT
        ]
        head_left, head_right = _left_right(next(o for o, text in texts if text == column))
        gone = [
            o
            for o, text in texts
            if re.fullmatch(r"[\d,]+\.\d+", text)
            and _left_right(o)[0] >= head_left - 20
            and _left_right(o)[1] <= head_right + 20
        ]
    assert gone
    for obj in gone:
        pdfium_c.FPDFPage_RemoveObject(page.raw, obj)
        pdfium_c.FPDFPageObj_Destroy(obj)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    textpage.close()
    page.close()
    document.save(target)
    document.close()
    return target


def test_a_column_of_figures_blanked_out_of_the_text_layer_makes_its_table_unreliable(tmp_path: Path) -> None:
    source = real_path(REPORTS["putuo-ghzy"][0])
    result = extract_document(
        damaged(source, tmp_path / "blank.pdf", 10, column="基本支出"), unit_id="putuo-ghzy", year=2024
    )
    report = next(t for t in result.tables if t.table_name == c.EXPENDITURE)
    assert not report.reliable and report.reconciled == "unreconciled"
    assert "is blank" in report.unreliable_reason and "支出决算表" in report.unreliable_reason
    others = [t for t in result.tables if t.table_name in (c.INCOME, c.GENERAL_BUDGET)]
    assert others and all(t.reliable for t in others)
    # The suites: every check that needs the table is not checkable, with the reason; no error
    # but the two the bureau published (its narrative against other tables).
    checks = checks_of(result, "putuo-ghzy")
    touching = [ch for ch in checks if c.EXPENDITURE in (ch.table_name, ch.right_table)]
    assert touching and {ch.expected_severity() for ch in touching} == {NOT_CHECKABLE}
    assert all("支出决算表 (pages 10, 11) not read reliably" in (ch.not_checkable_reason or "") for ch in touching)
    errors = {(ch.rule_id, ch.table_name) for ch in checks if ch.expected_severity() == ERROR}
    assert errors == {("R13", c.GENERAL_BUDGET), ("R13", c.BASIC)}


def borderless(source: Path, target: Path) -> Path:
    """A copy of ``source`` with every drawn path removed from every page: tables without borders."""
    document = pdfium.PdfDocument(source)
    for index in range(len(document)):
        page = document[index]
        for obj in [o for o in _objects(page) if pdfium_c.FPDFPageObj_GetType(o) == pdfium_c.FPDF_PAGEOBJ_PATH]:
            pdfium_c.FPDFPage_RemoveObject(page.raw, obj)
            pdfium_c.FPDFPageObj_Destroy(obj)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    document.save(target)
    document.close()
    return target


@pytest.mark.parametrize("unit_id", sorted(REPORTS))
def test_tables_without_any_border_are_read_right_or_said_to_be_unreliable(unit_id: str, tmp_path: Path) -> None:
    """Every rule of the report removed: whatever the unruled readers make of a table, a table they did
    not read completely is flagged, so the suites report no error beyond the published ones."""
    copy = borderless(real_path(REPORTS[unit_id][0]), tmp_path / "bare.pdf")
    result = extract_document(copy, unit_id=unit_id, year=2024)
    got, expected = table_facts(result), truth(unit_id)
    assert not [key for key, value in expected.items() if key in got and got[key] != value]  # no wrong value
    for report in result.tables:
        cells = [key for key in expected if key[0] == report.table_name]
        if report.table_name and not all(key in got for key in cells):
            assert not report.reliable, report
    errors = {(ch.rule_id, ch.table_name) for ch in checks_of(result, unit_id) if ch.expected_severity() == ERROR}
    published = {("R13", c.GENERAL_BUDGET), ("R13", c.BASIC)} if unit_id == "putuo-ghzy" else set()
    assert errors <= published


def test_a_grid_with_its_rules_removed_is_read_right_or_said_to_be_unreliable(tmp_path: Path) -> None:
    source = real_path(REPORTS["putuo-ghzy"][0])
    result = extract_document(damaged(source, tmp_path / "bare.pdf", 8, rules=True), unit_id="putuo-ghzy", year=2024)
    report = next(t for t in result.tables if t.table_name == c.INCOME)
    got = {k: v for k, v in table_facts(result).items() if k[0] == c.INCOME}
    expected = {k: v for k, v in truth("putuo-ghzy").items() if k[0] == c.INCOME}
    assert got == expected or not report.reliable, report


# --- budget disclosures: layouts the 决算 samples do not have --------------------------------------------
def ruled_groups(relative: str, pages: list[int]) -> list[list[RawTable]]:
    """The ruled grids of some pages of a real PDF, titled and stitched as the reader does (a 预算
    title is no 决算 title, so triage would not send these pages to the table readers)."""
    path = real_path(relative)
    reading = read_pdf(str(path), path.read_bytes())
    try:
        found, _ = read_ruled_pages(reading.loaded_pages, pages, reading.chars)
        return assemble(found, {n: lines_of(reading.chars(n)) for n in pages})
    finally:
        reading.close()


def test_a_table_on_a_rotated_page_is_read_upright() -> None:
    """江苏省人大常委会办公厅 2019 prints its tables on portrait pages turned by /Rotate 90."""
    rows = [
        row
        for group in ruled_groups("budget/js-rendaban-2019-dept-budget-tables.pdf", [6])
        for part in group
        for row in part.rows
    ]
    assert ["301", "工资福利支出", "6,481.41"] in rows
    assert any(row[:1] == ["合计"] and row[-1] == "9,312.90" for row in rows)


def test_split_economic_codes_in_yuan_from_a_real_budget_reconcile() -> None:
    """上海市普陀区财政局 2025: 类 | 款 columns, 元, 合计 | 人员经费 | 公用经费 over two pages — read as
    the 决算 table of the same layout, it adds up."""
    groups = ruled_groups("budget/sh-putuo-czj-2025-dept-budget.pdf", [19, 20])
    assert len(groups) == 1 and [part.page for part in groups[0]] == [19, 20]
    parts = [replace(part, title="一般公共预算财政拨款基本支出决算表") for part in groups[0]]
    assert parts[0].amount_unit == "元"
    result = map_groups([parts], DocumentContext("sh-czj", 2025, "0" * 64), Catalogue.load())
    report = result.tables[0]
    facts = {(f.subject_key, f.column_name): f.value for f in result.facts}
    assert facts[("30101", "决算数")] == Decimal("264.2448")  # 2,642,448.00 元
    assert report.reliable and report.reconciled in ("exact", "rounding"), report.notes


def _hierarchy_checks(rows: list[list[str]]) -> tuple[int, list[tuple[str, str]]]:
    """类 = Σ 款 and 款 = Σ 项 in every figure column of every coded block of a grid."""
    layout = analyse(rows)
    checks, broken = 0, []
    for block in layout.blocks:
        keys = [key for key in layout.keys(block) if key.code and len(key.code) in (3, 5, 7)]
        for col in block.value_columns:
            values = {}
            for key in keys:
                cell = layout.body[key.row][col]
                value = parse_amount(cell) if looks_like_amount(cell) else None
                if value is not None:
                    values[key.code] = value
            for code, value in values.items():
                children = [v for child, v in values.items() if len(child) == len(code) + 2 and child.startswith(code)]
                if children:
                    checks += 1
                    if abs(sum(children, Decimal(0)) - value) > Decimal("0.01") * len(children) * 10000:
                        broken.append((code, "/".join(layout.columns[col].path)))
    return checks, broken


def test_every_coded_grid_of_the_real_budget_disclosures_adds_up() -> None:
    """25 budget disclosures from five producers (Word, WPS, Excel, Distiller, PDFMaker), layouts the
    决算 reports here do not have: every ruled grid is read, stitched over its pages, and every
    类 = Σ 款 = Σ 项 holds in every figure column (to the rounding of 元 or 万元)."""
    folder = real_path("budget")
    checks, broken = 0, []
    for path in sorted(folder.glob("*.pdf")):
        reading = read_pdf(str(path), path.read_bytes())
        try:
            pages = [page.number for page in reading.triage.pages if page.kind != "blank"]
            found, _ = read_ruled_pages(reading.loaded_pages, pages, reading.chars)
            groups = assemble(found, {n: lines_of(reading.chars(n)) for n in pages})
        finally:
            reading.close()
        for group in groups:
            count, wrong = _hierarchy_checks(stitched(group)[0])
            checks += count
            broken += [(path.name, *item) for item in wrong]
    assert checks >= 1200 and broken == []


def _glyphs_inside(path: Path, page: int, box: tuple[float, float, float, float]) -> str:
    """The text pdfium prints inside ``box`` on ``page``, read apart from juesuan's reader."""
    document = pdfium.PdfDocument(path)
    try:
        textpage = document[page - 1].get_textpage()
        x0, y0, x1, y1 = box
        return "".join(textpage.get_text_bounded(x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5).split())
    finally:
        document.close()


def test_every_table_fact_knows_where_its_cell_is_printed() -> None:
    """Each table fact's bbox holds, on its page, exactly the figure it was read from; the narrative's
    figures are boxed in their sentences too."""
    path = real_path(REPORTS["putuo-ghzy"][0])
    result = extraction("putuo-ghzy")
    tables = [f for f in result.facts if f.source_kind == "table"]
    assert tables and all(f.bbox is not None and f.page is not None for f in tables)
    for fact in tables[::17]:  # a spread over every table
        assert fact.bbox is not None and fact.page is not None
        printed = _glyphs_inside(path, fact.page, fact.bbox).replace(",", "")
        assert Decimal(printed) == fact.value, (fact.table_name, fact.subject_key, fact.column_name, printed)
    stated = [f for f in result.facts if f.source_kind == "narrative" and f.bbox is not None]
    total = next(f for f in stated if f.subject_key == "本年收入合计" and f.table_name == c.TOTALS)
    assert total.page is not None and total.bbox is not None
    assert _glyphs_inside(path, total.page, total.bbox) == "9746.50"
