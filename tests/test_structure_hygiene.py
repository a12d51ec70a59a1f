"""Rules 17–25: the report's structure (its template's tables, empty tables, fund tables) and its hygiene.

Hand-made reports give each rule a passing and a failing fixture; the corpus reports show what the
extractor marks on real documents (大同's contents list and empty-table notes, its 90 draft marks; 晋城's
amounts in 元 and without a unit) — and that their clean versions raise no error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from identity_helpers import T, report

from juesuan import contract as c
from juesuan.expectations.runner import validate_checks
from juesuan.extract.api import extract_document
from juesuan.extract.evidence import (
    CONDITIONAL_NOTE,
    CONTENTS_TABLE,
    DOUBLED_PUNCTUATION,
    DRAFT_MARK,
    EMPTY_NOTE,
    NARRATIVE_EMPTY,
    PLACEHOLDER,
    STRAY_YEAR,
    TABLE_TITLE,
    UNIT_NAME,
    UNITLESS_AMOUNT,
    YUAN_AMOUNT,
    DocumentMark,
)
from juesuan.extract.marks import cover_name, document_marks
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    RULES,
    RULES_BY_ID,
    WARNING,
    IdentityCheck,
    ParsedTable,
    ReportFacts,
)
from juesuan.transform.structure import NATIONAL_TEMPLATE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def with_evidence(
    rows: list, marks: list[DocumentMark] = (), tables: list[ParsedTable] = (), unreliable: dict | None = None
) -> ReportFacts:
    made = report(rows, unreliable=unreliable)
    made.evidence.marks = list(marks)
    made.evidence.tables = list(tables)
    made.evidence.read = True
    return made


def severities(rule_id: str, made: ReportFacts) -> dict[str, str]:
    return {
        f"{ch.table_name}|{ch.line_item}|{ch.note}": ch.expected_severity() for ch in RULES_BY_ID[rule_id].checks(made)
    }


def printed(*names: str, status: str = "ok", facts: int = 5) -> list[ParsedTable]:
    return [ParsedTable(title=name, table_name=name, status=status, facts=facts, reliable=True) for name in names]


# --- R17 the template's tables --------------------------------------------------------------------------------
def listed(*names: str) -> list[DocumentMark]:
    return [DocumentMark(CONTENTS_TABLE, name, table_name=name, line=10 + i) for i, name in enumerate(names)]


def test_r17_every_table_the_contents_list_names_is_there() -> None:
    made = with_evidence([], listed(*NATIONAL_TEMPLATE), printed(*NATIONAL_TEMPLATE))
    assert set(severities("R17", made).values()) == {PASSED}
    missing = with_evidence([], listed(*NATIONAL_TEMPLATE), printed(*NATIONAL_TEMPLATE[:-1]))
    found = severities("R17", missing)
    assert [k for k, v in found.items() if v == ERROR] == [f"{c.STATE_CAPITAL}|{c.STATE_CAPITAL}|目录所列表格"]
    (check,) = [ch for ch in RULES_BY_ID["R17"].checks(missing) if ch.expected_severity() == ERROR]
    assert "listed in the 目录 (第18行) but not in the report" in check.message()


def test_r17_without_a_contents_list_the_national_template_and_images_are_not_errors() -> None:
    national = with_evidence([], (), printed(*NATIONAL_TEMPLATE[1:]))
    assert list(severities("R17", national).values()).count(WARNING) == 1  # 收入支出决算总表 missing: a warning
    images = with_evidence([], listed(*NATIONAL_TEMPLATE), printed(c.THREE_PUBLIC))  # 大竹: tables as images
    assert set(severities("R17", images).values()) == {PASSED, NOT_CHECKABLE}
    unread = ReportFacts("test-unit", 2023, [])  # loaded before evidence was read
    assert set(severities("R17", unread).values()) == {NOT_CHECKABLE}


# --- R18 empty tables say so -----------------------------------------------------------------------------------
def test_r18_an_empty_table_says_so_and_a_table_with_figures_does_not_say_it_has_none() -> None:
    tables = printed(c.TOTALS) + printed(c.GOV_FUND, c.STATE_CAPITAL, c.THREE_PUBLIC, status="empty", facts=0)
    notes = [
        DocumentMark(EMPTY_NOTE, "说明：本表无数据", table_name=c.GOV_FUND),
        DocumentMark(CONDITIONAL_NOTE, "如本表为空，则本年度无此类资金。", table_name=c.STATE_CAPITAL),
        DocumentMark(CONDITIONAL_NOTE, "如本表为空，则本年度无此类资金。", table_name=c.TOTALS),
    ]
    found = severities("R18", with_evidence([], notes, tables))
    assert found == {
        f"{c.TOTALS}|{c.TOTALS}|空表说明": PASSED,  # a conditional note over figures asserts nothing
        f"{c.GOV_FUND}|{c.GOV_FUND}|空表说明": PASSED,
        f"{c.STATE_CAPITAL}|{c.STATE_CAPITAL}|空表说明": PASSED,
        f"{c.THREE_PUBLIC}|{c.THREE_PUBLIC}|空表未说明": WARNING,
    }
    wrong = [DocumentMark(EMPTY_NOTE, "说明：本表无数据", table_name=c.TOTALS)]
    assert severities("R18", with_evidence([], wrong, printed(c.TOTALS))) == {
        f"{c.TOTALS}|{c.TOTALS}|有数据的表注明无数据": ERROR
    }


# --- R19 fund tables and 财政拨款总表 ------------------------------------------------------------------------------
FISCAL_ROWS = [(c.FISCAL_TOTALS, None, "本年支出合计", "合计", "100", T)]


def test_r19_a_fund_table_has_figures_exactly_when_its_column_has() -> None:
    tables = printed(c.FISCAL_TOTALS) + printed(c.GOV_FUND, c.STATE_CAPITAL, status="empty", facts=0)
    assert set(severities("R19", with_evidence(FISCAL_ROWS, (), tables)).values()) == {PASSED}
    column = [*FISCAL_ROWS, (c.FISCAL_TOTALS, None, "本年支出合计", "政府性基金预算财政拨款", "20", T)]
    found = severities("R19", with_evidence(column, (), tables))
    assert found[f"{c.GOV_FUND}|{c.GOV_FUND}|基金表 = 总表列"] == ERROR
    assert found[f"{c.STATE_CAPITAL}|{c.STATE_CAPITAL}|基金表 = 总表列"] == PASSED
    prose = [DocumentMark(NARRATIVE_EMPTY, "本年度无政府性基金预算财政拨款支出", table_name=c.GOV_FUND, line=480)]
    said = severities("R19", with_evidence(column, prose, tables))
    assert said[f"{c.GOV_FUND}|本年度无政府性基金预算财政拨款支出|情况说明称无此项 [第480行]"] == ERROR
    assert (
        severities("R19", with_evidence(FISCAL_ROWS, prose, tables))[
            f"{c.GOV_FUND}|本年度无政府性基金预算财政拨款支出|情况说明称无此项 [第480行]"
        ]
        == PASSED
    )
    doubted = with_evidence(column, (), tables, unreliable={c.FISCAL_TOTALS: "财政拨款总表 (page 4) not read reliably"})
    assert set(severities("R19", doubted).values()) == {NOT_CHECKABLE}


# --- R20–R25 hygiene ------------------------------------------------------------------------------------------------
HYGIENE_CASES = [
    ("R20", DocumentMark(PLACEHOLDER, "XX局", context="由XX局负责", page=3)),
    ("R21", DocumentMark(DRAFT_MARK, "仅供内部审核", line=3, count=90)),
    ("R22", DocumentMark(STRAY_YEAR, "2023年", expected="2024年", context="截至2023年12月31日", page=28)),
    ("R23", DocumentMark(UNIT_NAME, "上海市普陀区规划与自然资源局", expected="上海市普陀区规划和自然资源局", page=26)),
    ("R24", DocumentMark(DOUBLED_PUNCTUATION, "，，", page=5)),
    ("R25", DocumentMark(UNITLESS_AMOUNT, "165141.73", expected="万元", line=444)),
    ("R25", DocumentMark(YUAN_AMOUNT, "3898065.04元", expected="万元", line=444)),
]


@pytest.mark.parametrize(("rule_id", "mark"), HYGIENE_CASES, ids=[f"{r}-{m.kind}" for r, m in HYGIENE_CASES])
def test_hygiene_marks_are_warnings_at_their_place(rule_id: str, mark: DocumentMark) -> None:
    assert set(severities(rule_id, with_evidence([], ())).values()) == {PASSED}
    checks = list(RULES_BY_ID[rule_id].checks(with_evidence([], [mark])))
    (check,) = checks
    assert check.expected_severity() == WARNING
    assert mark.text in check.message()
    where = f"第{mark.page}页" if mark.page is not None else f"第{mark.line}行"
    assert where in check.note and where in check.message()
    if mark.count > 1:
        assert f"({mark.count}×)" in check.message()


def test_every_structure_and_hygiene_rule_has_a_passing_and_a_failing_fixture() -> None:
    covered = {"R17", "R18", "R19"} | {rule for rule, _ in HYGIENE_CASES}
    assert covered == {rule.rule_id for rule in RULES if rule.family in ("structure", "hygiene")}


def test_the_gx_suites_classify_structure_and_hygiene_as_the_rules_do(tmp_path: Path) -> None:
    made: list[IdentityCheck] = []
    for number, (rule_id, mark) in enumerate(HYGIENE_CASES):
        case = with_evidence([], [mark])
        case.unit_id = f"case-{number}"
        made.extend(RULES_BY_ID[rule_id].checks(case))
    tables = printed(c.TOTALS) + printed(c.GOV_FUND, status="empty", facts=0)
    made.extend(RULES_BY_ID["R18"].checks(with_evidence([], [], tables)))
    made.extend(
        RULES_BY_ID["R17"].checks(with_evidence([], listed(*NATIONAL_TEMPLATE), printed(*NATIONAL_TEMPLATE[1:])))
    )
    findings, _ran, _index = validate_checks(made, Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)}), "hygiene")
    assert {f.check_id: f.severity for f in findings} == {ch.check_id: ch.expected_severity() for ch in made}
    assert {f.severity for f in findings} == {WARNING, ERROR, PASSED}


# --- what the extractor marks on real documents ----------------------------------------------------------------
def kinds(marks: list[DocumentMark], kind: str) -> list[DocumentMark]:
    return [m for m in marks if m.kind == kind]


@pytest.mark.corpus
def test_datong_contents_empty_notes_and_draft_marks(corpus: type) -> None:
    registry = load_registry(PROJECT_ROOT / "registry" / "units.toml")
    extraction = extract_document(corpus.path("datong-sic"), unit_id="datong-sic", year=2023, registry=registry)
    marks = extraction.evidence.marks
    assert [m.table_name for m in kinds(marks, CONTENTS_TABLE)][:3] == [c.TOTALS, c.INCOME, c.EXPENDITURE]
    assert len(kinds(marks, CONTENTS_TABLE)) == 10 and len(kinds(marks, TABLE_TITLE)) == 10
    assert {m.table_name for m in kinds(marks, EMPTY_NOTE)} == {c.GOV_FUND, c.STATE_CAPITAL}
    (draft,) = kinds(marks, DRAFT_MARK)
    assert (draft.text, draft.count, draft.line) == ("仅供内部审核", 90, 3)
    assert not kinds(marks, STRAY_YEAR) and not kinds(marks, UNIT_NAME) and not kinds(marks, PLACEHOLDER)


@pytest.mark.corpus
def test_jincheng_amounts_in_yuan_and_without_unit(corpus: type) -> None:
    extraction = extract_document(corpus.path("jincheng-hrss"), unit_id="jincheng-hrss", year=2023)
    marks = extraction.evidence.marks
    assert [m.text for m in kinds(marks, UNITLESS_AMOUNT)] == ["165141.73", "238847.93"]
    assert "3898065.04元" in [m.text for m in kinds(marks, YUAN_AMOUNT)]
    assert {m.line for m in kinds(marks, UNITLESS_AMOUNT)} == {444}


def test_marks_of_a_made_up_report_in_our_own_wording() -> None:
    text = "\n".join(
        [
            "上海市某某区示范管理局",
            "2024年度部门决算",
            "目 录",
            "一、收入支出决算总表",
            "二、收入决算表",
            "一、收入支出决算总表",
            "收入支出决算总表",
            "单位：万元",
            "编制单位：上海市另一区规划局",
            "注：本表反映总收支。",
            "政府性基金预算财政拨款收入支出决算表",
            "说明：本部门本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。",
            "第三部分 情况说明",
            "八、政府性基金预算财政拨款收入支出决算情况说明",
            "本部门2024年度无政府性基金预算财政拨款收入和支出。",
            "十一、其他重要事项的情况说明",
            "截至2023年12月31日，上海市某某区示范管理所共有车辆2辆，，由XX局管理。",
            "2022年度收入总计100.00万元。",
            "与2023年度相比，收入总计增加1.00万元。",
        ]
    )
    marks = document_marks([(None, text)], 2024, ["上海市某某区示范管理局"])
    assert cover_name([(None, text)]) == "上海市某某区示范管理局"
    assert [m.table_name for m in kinds(marks, CONTENTS_TABLE)] == [c.TOTALS, c.INCOME]
    assert [m.table_name for m in kinds(marks, EMPTY_NOTE)] == [c.GOV_FUND]
    assert [m.table_name for m in kinds(marks, NARRATIVE_EMPTY)] == [c.GOV_FUND]
    assert sorted(m.text for m in kinds(marks, STRAY_YEAR)) == ["2022年", "2023年"]  # not the comparison's 2023
    # a name a character off in the prose; a table headed with another unit's name
    assert [m.text for m in kinds(marks, UNIT_NAME)] == ["上海市某某区示范管理所", "上海市另一区规划局"]
    assert [m.text for m in kinds(marks, DOUBLED_PUNCTUATION)] == ["，，"]
    assert [m.text for m in kinds(marks, PLACEHOLDER)] == ["XX"]


@pytest.mark.corpus
@pytest.mark.parametrize("unit_id", ["datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic"])
def test_the_corpus_raises_no_error_beyond_arithmetic(corpus: type, unit_id: str) -> None:
    from juesuan.contract import facts_to_frame
    from juesuan.transform.identities import compute_checks, reports_from_facts
    from juesuan.transform.reliability import unreliable_by_report, unreliable_tables_of

    registry = load_registry(PROJECT_ROOT / "registry" / "units.toml")
    extraction = extract_document(corpus.path(unit_id), unit_id=unit_id, registry=registry)
    unreliable = unreliable_by_report(unreliable_tables_of(unit_id, extraction.year, extraction.tables))
    (made,) = reports_from_facts(facts_to_frame(extraction.facts), {}, unreliable)
    made.evidence.statements = extraction.evidence.statements
    made.evidence.marks = extraction.evidence.marks
    made.evidence.tables = [
        ParsedTable(t.title or "", t.table_name, t.status, t.facts, t.reliable, tuple(t.pages))
        for t in extraction.tables
    ]
    made.evidence.read = True
    beyond = [r for r in RULES if int(r.rule_id[1:]) >= 14]
    found = compute_checks([made], beyond)
    assert [ch.message() for ch in found if ch.expected_severity() == ERROR] == []
    assert {ch.rule_id for ch in found} >= {"R16", "R17", "R20", "R21", "R22"}
