"""Acceptance: a real report altered the way reviewers test checkers — every alteration found at its place;
the same report unaltered raises nothing new as ``error``.

中共上海市普陀区委社会工作部 2024 (a WPS PDF) is read once; the alterations are made to the document as
read (its narrative, its pages' text, its grids: ``juesuan.transform.seeding``), then both versions go
through the extractor's own path, the lake and the GX suites.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import real_path

from juesuan import contract as c
from juesuan.expectations.findings import Finding
from juesuan.expectations.runner import validate_lake
from juesuan.extract.api import Extraction
from juesuan.lake import Lake
from juesuan.registry import Registry, Unit
from juesuan.settings import Settings
from juesuan.transform.seeding import TABLE, TEXT, Edit, SeededDocument

UNIT = Unit("putuo-shgzb", "中共上海市普陀区委社会工作部", "上海市", "上海市", "普陀区", "县级", "行政单位", (), ())
ALTERATIONS = (
    Edit(TEXT, "决算数小于全年预算数", "决算数大于全年预算数"),  # 行政运行: 51.32 against 全年预算 52.00
    Edit(TABLE, table_name=c.GOV_FUND, delete_table=True),
    Edit(TEXT, "收入支出总计307.82万元", "收入支出总计0.00万元"),
    Edit(TEXT, "截至2024年12月31日", "截至2023年12月31日"),
)


def validated(tmp_path: Path, extraction: Extraction) -> list[Finding]:
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)})
    lake = Lake(settings.lake)
    lake.write_report(
        extraction.unit_id,
        extraction.year,
        extraction.sha256,
        extraction.facts,
        extraction.repairs,
        extraction.tables,
        prior_year_facts=extraction.prior_year_facts,
        evidence=extraction.evidence,
    )
    registry = Registry(path=tmp_path / "units.toml", units=(UNIT,))
    return validate_lake(settings, registry, "acceptance", lake).findings


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Finding], list[Finding]]:
    path = real_path("final/putuo_shgzb_2024.pdf")
    registry = Registry(path=path.parent / "units.toml", units=(UNIT,))
    document = SeededDocument(path, UNIT.id, 2024, registry)
    try:
        clean, altered = document.extract(), document.extract(ALTERATIONS)
    finally:
        document.close()
    assert clean is not None and altered is not None, "an alteration found nothing to change"
    root = tmp_path_factory.mktemp("acceptance")
    return validated(root / "clean", clean), validated(root / "altered", altered)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def test_the_unaltered_report_raises_only_its_genuine_inconsistency(
    versions: tuple[list[Finding], list[Finding]],
) -> None:
    clean, _ = versions
    # 年初预算为0万元 … 完成年初预算的95.89%: a rate over a zero base, as published
    assert [(f.rule_id, f.table_name, f.line_item) for f in errors(clean)] == [
        ("R16", c.GENERAL_BUDGET, "一般公共预算财政拨款支出")
    ]
    assert "zero base" in errors(clean)[0].message and errors(clean)[0].left_pages == (18,)


def test_every_alteration_is_found_at_its_place(versions: tuple[list[Finding], list[Finding]]) -> None:
    clean, altered = versions
    before = {(f.check_id, f.severity) for f in clean}
    new = [f for f in altered if f.severity in ("error", "warning") and (f.check_id, f.severity) not in before]
    # the flipped comparison word: 51.32 cannot be above 52.00, on page 18
    (flipped,) = [f for f in new if f.rule_id == "R14"]
    assert flipped.severity == "error" and flipped.subject_code == "2013901" and flipped.left_pages == (18,)
    assert "决算数大于全年预算数" in flipped.message
    assert (flipped.left_value, flipped.right_value) == (Decimal("51.32"), Decimal("52.00"))
    # the deleted table: listed in the contents, gone from the report
    (deleted,) = [f for f in new if f.rule_id == "R17"]
    assert (deleted.severity, deleted.table_name) == ("error", c.GOV_FUND)
    # the zeroed total: the narrative's 收入总计 against the table's, and the rate stated on it
    zeroed = [f for f in new if f.rule_id == "R13" and f.line_item in (c.INCOME_GRAND_TOTAL, c.EXPENDITURE_GRAND_TOTAL)]
    assert zeroed and all(f.severity == "error" and f.table_name == c.TOTALS for f in zeroed)
    assert {f.left_value for f in zeroed} == {0} and all(f.left_pages == (17,) for f in zeroed)
    # the wrong year: 截至2023年12月31日 in a 2024 report, on page 22
    (year,) = [f for f in new if f.rule_id == "R22"]
    assert year.severity == "warning" and year.line_item == "2023年" and year.left_pages == (22,)
    assert {f.rule_id for f in new} <= {"R13", "R14", "R16", "R17", "R22", "R18", "R19"}


def test_the_other_real_report_raises_no_error_beyond_arithmetic() -> None:
    """规划和自然资源局 2024 (an MS Word PDF): its statements and marks hold or are warnings and rounding."""
    from juesuan.contract import facts_to_frame
    from juesuan.extract.api import extract_document
    from juesuan.transform.identities import RULES, ParsedTable, compute_checks, reports_from_facts

    unit = Unit("putuo-ghzy", "上海市普陀区规划和自然资源局", "上海市", "上海市", "普陀区", "县级", "行政单位", (), ())
    path = real_path("final/putuo_ghzy_2024.pdf")
    extraction = extract_document(path, unit_id=unit.id, year=2024, registry=Registry(path=path, units=(unit,)))
    (report,) = reports_from_facts(facts_to_frame(extraction.facts))
    report.evidence.statements = extraction.evidence.statements
    report.evidence.marks = extraction.evidence.marks
    report.evidence.performance = extraction.evidence.performance
    report.evidence.tables = [
        ParsedTable(t.title or "", t.table_name, t.status, t.facts, t.reliable, tuple(t.pages))
        for t in extraction.tables
    ]
    report.evidence.read = True
    checks = compute_checks([report], [rule for rule in RULES if int(rule.rule_id[1:]) >= 14])
    assert [ch.message() for ch in checks if ch.expected_severity() == "error"] == []
    found = {(ch.rule_id, ch.expected_severity()) for ch in checks}
    # 99.86% and 95.45% cut off, 下降（增长）, 规划与自然资源局, 增长13.95 without its %
    assert {("R16", "rounding"), ("R20", "warning"), ("R23", "warning"), ("R25", "warning")} <= found
