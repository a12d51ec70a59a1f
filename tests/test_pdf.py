"""PDF and DOCX extraction against the samples' ground truth: exact facts, right pages, stitching.

Every sample is rendered in memory from ``samples/data`` (reportlab / python-docx, deterministic)
and extracted through the public entry; the facts must be exactly the rendered ones.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from juesuan import contract as c
from juesuan.extract.api import Extraction, extract_document
from juesuan.extract.document import document_from_bytes
from juesuan.extract.mapping import canonical_table_name
from juesuan.extract.pdf_triage import open_pdf, triage
from juesuan.registry import load_registry
from juesuan.samples.generate import REGISTRY, build_reports, render_variant, sample_name, truth_csv
from juesuan.samples.layout import Report
from juesuan.samples.render_pdf import FontMissingError, find_font
from juesuan.samples.score import parse_truth_csv, score, score_sample

UNITS = ("datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic")
# Tables published as images in the real reports: their samples are narrative-only, as published.
NARRATIVE_ONLY = ("dazhu-sic", "wuhai-sic")
REGISTRY_OBJ = load_registry(REGISTRY)


def _font_or_skip() -> None:
    try:
        find_font()
    except FontMissingError as exc:
        pytest.skip(f"no CJK font to render samples: {exc}")


@cache
def _reports() -> dict[str, Report]:
    return {r.unit_id: r for r in build_reports(REGISTRY_OBJ)}


@cache
def _rendered(unit_id: str, variant: str) -> tuple[bytes, str]:
    rendered = render_variant(_reports()[unit_id], variant)
    return rendered.data, truth_csv(rendered.expected)


def _extraction(tmp_path: Path, unit_id: str, variant: str) -> tuple[Extraction, str]:
    _font_or_skip()
    data, truth = _rendered(unit_id, variant)
    report = _reports()[unit_id]
    path = tmp_path / sample_name(unit_id, report.year, variant)
    path.write_bytes(data)
    return extract_document(path, unit_id=unit_id, year=report.year, registry=REGISTRY_OBJ), truth


def _extract(tmp_path: Path, unit_id: str, variant: str) -> tuple[list[c.Fact], str]:
    extraction, truth = _extraction(tmp_path, unit_id, variant)
    return extraction.facts, truth


# 年初预算 amounts and last year's figures each sample states (from the corpus reports; 大竹 and 朝阳
# state a 年初预算 only as an execution rate, which gives no amount).
BUDGETS = {"datong-sic": 1, "dazhu-sic": 0, "chaoyang-sic": 0, "jincheng-hrss": 1, "wuhai-sic": 9}
RESTATED = {"datong-sic": 11, "dazhu-sic": 9, "chaoyang-sic": 6, "jincheng-hrss": 10, "wuhai-sic": 18}


def _assert_exact(extraction: Extraction, truth_text: str) -> None:
    """Tables, narrative, 年初预算 and last year's figures: exactly the rendered ones, on their pages."""
    truth = parse_truth_csv(truth_text)
    sample = score_sample(extraction.facts, truth, extraction.prior_year_facts)
    lines = {"table": sample.tables, "narrative": sample.narrative, "budget": sample.budget}
    for line, result in {**lines, "restated": sample.restated}.items():
        assert (result.missing, result.wrong, result.extra, result.page_errors) == ([], [], [], []), line
        assert result.correct == result.expected, line
    if sample.narrative_only:
        assert sample.tables.expected == sample.tables.extracted == 0  # no grid rendered, none read
    else:
        assert sample.tables.correct > 0
    assert sample.narrative.correct > 0
    unit_id = extraction.unit_id
    assert (sample.budget.expected, sample.restated.expected) == (BUDGETS[unit_id], RESTATED[unit_id])
    assert {f.year for f in extraction.prior_year_facts} == {extraction.year - 1}


def _table_extractors(facts: list[c.Fact], unit_id: str, extractor: str) -> bool:
    found = {f.extractor for f in facts if f.source_kind == "table"}
    return found == (set() if unit_id in NARRATIVE_ONLY else {extractor})


@pytest.mark.parametrize("unit_id", UNITS)
def test_ruled_pdf_gives_exactly_the_rendered_facts_on_their_pages(tmp_path: Path, unit_id: str) -> None:
    extraction, truth = _extraction(tmp_path, unit_id, "ruled")
    _assert_exact(extraction, truth)
    facts = extraction.facts
    assert _table_extractors(facts, unit_id, "camelot-lattice")
    assert all(f.page is not None for f in facts)


@pytest.mark.parametrize("unit_id", UNITS)
def test_unruled_pdf_gives_exactly_the_rendered_facts(tmp_path: Path, unit_id: str) -> None:
    extraction, truth = _extraction(tmp_path, unit_id, "unruled")
    _assert_exact(extraction, truth)
    facts = extraction.facts
    assert _table_extractors(facts, unit_id, "pdfium-stream")


@pytest.mark.parametrize("unit_id", UNITS)
def test_docx_gives_exactly_the_rendered_facts(tmp_path: Path, unit_id: str) -> None:
    extraction, truth = _extraction(tmp_path, unit_id, "docx")
    _assert_exact(extraction, truth)
    facts = extraction.facts
    assert _table_extractors(facts, unit_id, "docx")
    assert {f.page for f in facts} == {None}


def test_a_table_continued_over_pages_is_stitched_and_keeps_row_pages(tmp_path: Path) -> None:
    _font_or_skip()
    data, _ = _rendered("datong-sic", "ruled")
    path = tmp_path / "datong.pdf"
    path.write_bytes(data)
    extraction = extract_document(path, unit_id="datong-sic", year=2023, registry=REGISTRY_OBJ)
    income = [t for t in extraction.tables if t.table_name == c.INCOME]
    assert len(income) == 1, "one report for the table, not one per page"
    # Cover, contents, two narrative pages (the prose restates last year's figures), 总表, then 收入决算表.
    assert income[0].parsing_report["pages"] == "6,7"
    assert "stitched" in income[0].notes[0]
    income_facts = [f for f in extraction.facts if f.table_name == c.INCOME and f.source_kind == "table"]
    assert {f.page for f in income_facts} == {6, 7}
    # The last rows (住房保障) are printed on the second page, the first ones on the first.
    assert {f.page for f in income_facts if f.subject_code == "2210201"} == {7}
    assert {f.page for f in income_facts if f.subject_code == "208"} == {6}


def test_triage_finds_table_pages_and_never_sends_text_pages_to_camelot() -> None:
    _font_or_skip()
    data, _ = _rendered("datong-sic", "ruled")
    document = open_pdf("datong.pdf", data)
    try:
        pages = triage(document).pages
    finally:
        document.close()
    kinds = [p.kind for p in pages]
    assert kinds[:4] == ["text", "text", "text", "text"]  # cover, contents, two narrative pages
    table, more = "table", "continuation"
    expected = [table, table, more, table, more, table, table, more, table, table, table, table, table, more]
    assert kinds[4:] == expected  # 收入/支出/一般公共预算/相关信息 continue on a second page
    assert [canonical_table_name(title) for title in pages[4].titles] == [c.TOTALS]


def test_the_shared_mapping_gives_the_same_facts_for_text_export_pdf_and_docx(tmp_path: Path, corpus: type) -> None:
    text_facts = extract_document(corpus.path("datong-sic"), unit_id="datong-sic", year=2023).facts
    pdf_facts, _ = _extract(tmp_path, "datong-sic", "ruled")
    docx_facts, _ = _extract(tmp_path, "datong-sic", "docx")

    def table_cells(facts: list[c.Fact]) -> dict[tuple[str, str, str], object]:
        return {
            (f.table_name, f.subject_key, f.column_name): (f.line_item, f.value)
            for f in facts
            if f.source_kind == "table"
        }

    pdf, docx = table_cells(pdf_facts), table_cells(docx_facts)
    text = {key: value for key, value in table_cells(text_facts).items() if key in pdf}
    assert pdf == docx
    assert text == pdf
    assert len(pdf) == 195


PRODUCERS = {"office": "soffice", "browser": "chromium"}


@pytest.mark.parametrize(
    ("variant", "unit_id"),
    [("office", "datong-sic"), ("office", "jincheng-hrss"), ("browser", "chaoyang-sic")],
)
def test_pdf_laid_out_by_other_software_yields_every_number_of_tables_02_03_05(
    tmp_path: Path, variant: str, unit_id: str
) -> None:
    if shutil.which(PRODUCERS[variant]) is None:
        pytest.skip(f"{PRODUCERS[variant]} not installed (needed to lay out the {variant} variant)")
    facts, truth_text = _extract(tmp_path, unit_id, variant)
    result = score(facts, parse_truth_csv(truth_text), tables={c.INCOME, c.EXPENDITURE, c.GENERAL_BUDGET})
    assert result.expected > 50
    assert result.recall >= 0.99 and result.precision >= 0.99, (result.missing[:5], result.wrong[:5])
    every_table = score(facts, parse_truth_csv(truth_text))
    assert every_table.recall >= 0.99 and every_table.precision >= 0.99


def test_document_reports_its_page_count(tmp_path: Path) -> None:
    _font_or_skip()
    data, _ = _rendered("dazhu-sic", "ruled")
    assert document_from_bytes("x.pdf", data).format == "pdf"
    path = tmp_path / "dazhu.pdf"
    path.write_bytes(data)
    assert extract_document(path, unit_id="dazhu-sic", year=2023, registry=REGISTRY_OBJ).pages == 5


def test_stream_columns_split_from_their_header_are_joined_without_moving_a_figure() -> None:
    from juesuan.extract.pdf_stream import merge_split_columns

    rows = [
        ["", "项目", "", "", "", "本年支出", ""],
        ["科目代码", "", "科目名称", "小计", "", "基本支出", "项目支出"],
        ["", "栏次", "", "1", "", "2", "3"],
        ["合计", "", "", "", "12.50", "12.50", ""],
    ]
    merged = merge_split_columns(rows)
    assert merged[1] == ["科目代码", "科目名称", "小计", "基本支出", "项目支出"]
    assert merged[3] == ["合计", "", "12.50", "12.50", ""]


def test_a_wider_continuation_drops_its_empty_label_columns_first() -> None:
    from juesuan.extract.tables import _narrowed

    rows = [
        ["科目代码", "项目", "科目名称", "小计"],
        ["栏次", "", "", "1"],
        ["2210201", "住房公积金", "", "66.63"],
    ]
    assert _narrowed(rows, 3) == [["科目代码", "项目", "小计"], ["栏次", "", "1"], ["2210201", "住房公积金", "66.63"]]


def test_titles_are_matched_without_their_quotation_marks() -> None:
    from juesuan.extract.tables import as_title

    assert as_title("财政拨款 三公 经费支出决算表 “ ”") == "财政拨款 三公 经费支出决算表"
    assert as_title("公开01表 收入支出决算总表 4") is None
    assert as_title("一般公共预算财政拨款基本支出决算表") == c.BASIC
