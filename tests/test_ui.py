"""``juesuan ui`` in a real browser: Debian's headless Chromium driven by Playwright against the app served
by uvicorn on loopback. Every page renders with the warehouse's figures; a figure clicked anywhere lands on
its provenance, where a PDF cell is highlighted exactly over the glyphs printed on the rendered page.

Two warehouses: the corpus (the five real reports as text exports, ``analyst_fixtures``) for the figures
of the pages, and the main job's (the bundled sample reports: PDFs with positions, DOCX) for the page
images. Screenshots go to ``JUESUAN_SCREENSHOTS`` or ``<pytest basetemp>/screenshots``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pypdfium2 as pdfium
import pytest
from analyst_fixtures import UNIT_IDS, sample_warehouse
from ui_fixtures import bundled_samples_warehouse, chromium_path, screenshot_dir, serving

from juesuan.settings import Settings
from juesuan.ui.app import UiConfig
from juesuan.warehouse.query import run_query

SHORT_NAMES = ["大同", "大竹", "朝阳", "晋城", "乌海"]
BROWSER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Settings:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus)


@pytest.fixture(scope="module")
def samples_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return bundled_samples_warehouse(tmp_path_factory.getbasetemp() / "ui-samples")


@pytest.fixture(scope="module")
def corpus_app(corpus_settings: Settings) -> Iterator[str]:
    with serving(UiConfig(corpus_settings.warehouse, corpus_settings.raw_store)) as url:
        yield url


@pytest.fixture(scope="module")
def samples_app(samples_settings: Settings) -> Iterator[str]:
    with serving(UiConfig(samples_settings.warehouse, samples_settings.raw_store)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records console errors and failed requests; the test fails on any."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(BROWSER_TIMEOUT_MS)
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    opened.on("requestfailed", lambda r: None if _download(r) else problems.append(f"request failed: {r.url}"))
    try:
        yield opened
    finally:
        context.close()
    assert problems == []


def _download(request: Any) -> bool:
    """A navigation that turned into a download is reported as aborted: that is no failure."""
    return "/compare/export" in request.url and "ERR_ABORTED" in (request.failure or "")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_dir(tmp_path_factory.getbasetemp())


def cell_texts(page: Any, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


# --- every page with the corpus warehouse -------------------------------------------------------------------
@pytest.mark.corpus
def test_units_page_lists_every_unit_and_year(page: Any, corpus_app: str, shots: Path) -> None:
    page.goto(corpus_app + "/")
    page.screenshot(path=str(shots / "units.png"), full_page=True)
    assert cell_texts(page, "#units a.unit-name") == SHORT_NAMES
    for unit_id, year in (("datong-sic", 2023), ("chaoyang-sic", 2024), ("wuhai-sic", 2024)):
        row = page.locator(f'#units tr[data-unit="{unit_id}"][data-year="{year}"]')
        assert row.count() == 1
        assert "已入库" in row.inner_text()
    datong = page.locator('#units tr[data-unit="datong-sic"]').inner_text()
    # 大同 2023: no error; one warning (R21, the draft mark 仅供内部审核 its published text carries) and rounding.
    assert "有警告" in datong and "\t0\t1\t17\t" in datong
    assert "5 个单位" in page.locator(".summary").inner_text()


@pytest.mark.corpus
def test_unit_year_page_shows_the_reports_figures(page: Any, corpus_app: str, shots: Path) -> None:
    page.goto(corpus_app + "/")
    page.click('#units a.unit-name:has-text("大同")')
    page.wait_for_url(re.compile(r"/unit/datong-sic/2023$"))
    page.screenshot(path=str(shots / "unit-year-datong-2023.png"), full_page=True)
    assert page.locator("#unit-title").inner_text() == "大同市社会保险中心"
    totals = {
        row.locator("td").nth(0).inner_text(): row.locator("td").nth(1).inner_text()
        for row in page.locator("#totals tbody tr").all()
    }
    assert totals["收入总计"] == "5,570.34" and totals["基本支出"] == "2,387.35" and totals["项目支出"] == "3,182.99"
    classes = page.locator("#classes").inner_text()
    assert "208 社会保障和就业支出" in " ".join(classes.split()) and "5,347.97" in classes and "96.01%" in classes
    assert "2,268.97" in page.locator("#personnel-public").inner_text()  # 人员经费
    assert "3.18" in page.locator("#three-public").inner_text()  # “三公” 决算数
    yoy = page.locator("#year-over-year").inner_text()
    assert "3,060.90" in yoy and "81.98%" in yoy  # 2022 收入总计 restated by the 2023 report
    assert "242.52%" in page.locator("#budget-execution").inner_text()  # 年初预算 executed
    assert page.locator("#findings tr.finding").count() > 0
    assert "datong_2023.txt" in page.locator("#documents").inner_text()
    # Every figure links to its provenance.
    page.locator('#totals tr[data-measure="收入总计"] a.fig').click()
    page.wait_for_url(re.compile(r"/fact\?"))
    assert page.locator("#fact-value").inner_text() == "5,570.34 万元"


@pytest.mark.corpus
def test_compare_by_name_with_suggestions_table_chart_and_flags(page: Any, corpus_app: str, shots: Path) -> None:
    page.goto(corpus_app + "/compare")
    page.locator("#subject").press_sequentially("社会保障", delay=30)
    first = page.locator("#live-suggestions a.suggestion").first
    first.wait_for()
    assert first.get_attribute("data-key") == "208"
    keys = [a.get_attribute("data-key") for a in page.locator("#live-suggestions a.suggestion").all()]
    assert "20801" in keys and "313" in keys
    first.click()
    page.wait_for_selector("#comparison")
    page.screenshot(path=str(shots / "compare-208.png"), full_page=True)
    assert "208 社会保障和就业支出" in page.locator("#comparison-title").inner_text()
    rows = page.locator("#comparison tbody tr")
    assert [r.get_attribute("data-unit") for r in rows.all()] == list(UNIT_IDS)
    units = cell_texts(page, "#comparison tbody td:nth-child(1)")
    values = dict(zip(units, cell_texts(page, "#comparison tbody td:nth-child(3)"), strict=True))
    assert values == {"大同": "5,347.00", "大竹": "607.08", "朝阳": "1,968.11", "晋城": "389.81", "乌海": "1,888.42"}
    shares = cell_texts(page, "#comparison tbody td:nth-child(4)")
    assert shares[0] == "96.01%"  # of 大同's 合计 5,569.36
    flags = cell_texts(page, "#comparison tbody td:nth-child(7)")
    # Every corpus report carries warnings beyond arithmetic (draft marks, amounts without their unit, R12 …).
    assert flags == ["有警告"] * 5
    assert page.locator("svg.chart rect.bar").count() == 5
    notes = page.locator("#notes").inner_text()
    assert "年度不一致" in notes and "2024 年：朝阳、乌海" in notes
    # The server lists the matches too (no script needed) when a name is ambiguous.
    page.goto(corpus_app + "/compare?subject=社会保障")
    assert page.locator("a.subject-choice").first.inner_text() == "208"
    page.goto(corpus_app + "/compare?subject=999")
    assert "没有找到科目" in page.locator("#subject-matches").inner_text()
    assert "2089999" in page.locator("#subject-matches").inner_text()


@pytest.mark.corpus
def test_compare_exports_open_with_chinese_and_amounts(page: Any, corpus_app: str, tmp_path: Path) -> None:
    page.goto(corpus_app + "/compare?subject=2080109")
    for kind in ("xlsx", "csv", "parquet"):
        with page.expect_download() as caught:
            page.click(f"#export-{kind}")
        target = tmp_path / f"compare.{kind}"
        caught.value.save_as(target)
        assert caught.value.suggested_filename == f"compare-2080109.{kind}"
    book = openpyxl.load_workbook(tmp_path / "compare.xlsx")
    rows = list(book["比较"].iter_rows(values_only=True))
    by_unit = {r[0]: r for r in rows[1:]}
    assert by_unit["datong-sic"][1] == "大同市社会保险中心" and by_unit["datong-sic"][3] == pytest.approx(1734.75)
    assert by_unit["jincheng-hrss"][3] is None  # not reported stays empty
    assert "万元" in str(list(book["说明"].iter_rows(values_only=True)))
    assert (tmp_path / "compare.csv").read_bytes().startswith("\ufeffunit_id".encode())


@pytest.mark.corpus
def test_findings_filter_and_show_both_sides(page: Any, corpus_app: str, shots: Path) -> None:
    page.goto(corpus_app + "/findings")
    page.select_option("#filter-unit", "chaoyang-sic")
    page.select_option("#filter-severity", "warning")
    page.click("#findings-form button")
    page.wait_for_url(re.compile(r"unit=chaoyang-sic"))
    page.screenshot(path=str(shots / "findings-chaoyang-warning.png"), full_page=True)
    findings = page.locator("article.finding")
    # 朝阳's warnings: R12 (机关运行经费 against 公用经费) and R31 (a 绩效自评表's target year).
    assert sorted(findings.nth(i).get_attribute("data-rule") for i in range(findings.count())) == ["R12", "R31"]
    page.select_option("#filter-rule", "R12")
    page.click("#findings-form button")
    page.wait_for_url(re.compile(r"rule=R12"))
    findings = page.locator("article.finding")
    assert findings.count() == 1
    only = findings.first
    assert only.get_attribute("data-rule") == "R12" and only.get_attribute("data-severity") == "warning"
    assert "0.00" in only.locator(".side.left").inner_text() and "269.65" in only.locator(".side.right").inner_text()
    page.select_option("#filter-severity", "rounding")
    page.select_option("#filter-rule", "R02")
    page.click("#findings-form button")
    page.wait_for_url(re.compile(r"rule=R02"))
    shown = page.locator("article.finding")
    assert shown.count() > 0
    assert {a.get_attribute("data-rule") for a in shown.all()} == {"R02"}
    assert {a.get_attribute("data-unit") for a in shown.all()} == {"chaoyang-sic"}


@pytest.mark.corpus
def test_provenance_of_a_text_export_figure_marks_its_line(page: Any, corpus_app: str, corpus: type) -> None:
    page.goto(corpus_app + "/compare?subject=2080109")
    page.locator('#comparison tr[data-unit="datong-sic"] a.fig').click()
    page.wait_for_selector("#text-context mark")
    marked = page.locator("#text-context mark").inner_text()
    assert "1734.75" in marked.replace(",", "")
    assert marked.strip() in corpus.text("datong-sic")  # the line of the export, as published
    assert page.locator("#extractor").inner_text() == "text-table"


@pytest.mark.corpus
def test_data_dictionary_lists_the_marts_not_the_internal_layers(page: Any, corpus_app: str) -> None:
    page.goto(corpus_app + "/tables")
    names = cell_texts(page, "section.mart h2")
    assert "facts" in names and "unit_year_totals" in names and "headline_figures" in names
    assert not [n for n in names if n.startswith(("raw_", "stg_"))]
    assert "Amount in 万元" in page.locator("#facts").inner_text()


# --- provenance on the rendered page (the main job's warehouse: the bundled sample PDFs) ---------------------
def highlight_in_points(page: Any) -> tuple[float, float, float, float]:
    """The on-screen highlight converted back to PDF points on the page (origin bottom-left), from the
    rendered image's and the highlight's boxes as the browser laid them out."""
    page.wait_for_function(
        "() => { const i = document.getElementById('page-image'); return i.complete && i.naturalWidth > 0; }"
    )
    image = page.locator("#page-image").bounding_box()
    mark = page.locator("#highlight").bounding_box()
    frame = page.locator("#page-frame")
    width = float(frame.get_attribute("data-page-width"))
    height = float(frame.get_attribute("data-page-height"))
    sx, sy = width / image["width"], height / image["height"]
    x0 = (mark["x"] - image["x"]) * sx
    x1 = (mark["x"] + mark["width"] - image["x"]) * sx
    top = (mark["y"] - image["y"]) * sy
    bottom = (mark["y"] + mark["height"] - image["y"]) * sy
    return x0, height - bottom, x1, height - top


def printed_inside(path: Path, page_number: int, box: tuple[float, float, float, float]) -> str:
    """What pdfium reads inside ``box`` on the page, apart from juesuan's reader."""
    document = pdfium.PdfDocument(path)
    try:
        x0, y0, x1, y1 = box
        text = document[page_number - 1].get_textpage().get_text_bounded(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        return "".join(text.split())
    finally:
        document.close()


def printed_box(path: Path, page_number: int, text: str) -> tuple[float, float, float, float]:
    """The box of the only place ``text`` is printed on the page: the cell's known position in the sample."""
    document = pdfium.PdfDocument(path)
    try:
        textpage = document[page_number - 1].get_textpage()
        searcher = textpage.search(text, match_whole_word=True)
        hits = []
        while (found := searcher.get_next()) is not None:
            hits.append(found)
        assert len(hits) == 1, f"{text!r} is printed {len(hits)} times on page {page_number}"
        start, count = hits[0]
        boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    finally:
        document.close()


def raw_file(settings: Settings, sha256: str) -> Path:
    found = list((settings.raw_store / sha256[:2]).glob(f"{sha256}.*"))
    assert len(found) == 1
    return found[0]


def test_acceptance_compare_208_click_datong_land_on_the_highlighted_cell_export_to_excel(
    page: Any, samples_app: str, samples_settings: Settings, shots: Path, tmp_path: Path
) -> None:
    """The issue's acceptance, as a new analyst would: the main job's warehouse, 208 across the five units,
    大同's figure clicked, its page with the cell highlighted, the comparison exported to Excel."""
    page.goto(samples_app + "/")
    page.click("header.top nav >> text=科目比较")
    page.locator("#subject").press_sequentially("社会保障", delay=30)
    page.locator('#live-suggestions a.suggestion[data-key="208"]').click()
    page.wait_for_selector("#comparison")
    assert [r.get_attribute("data-unit") for r in page.locator("#comparison tbody tr").all()] == list(UNIT_IDS)
    page.locator('#comparison tr[data-unit="datong-sic"] a.fig').click()
    page.wait_for_url(re.compile(r"/fact\?"))
    page.wait_for_selector("#highlight")
    page.screenshot(path=str(shots / "provenance-datong-208.png"), full_page=True)

    fact = run_query(
        samples_settings.warehouse,
        "SELECT document_sha256, page, bbox, value, extractor FROM facts WHERE unit_id = 'datong-sic' "
        "AND table_name = '一般公共预算财政拨款支出决算表' AND subject_code = '208' AND column_name = '小计' "
        "AND source_kind = 'table'",
    ).iloc[0]
    assert page.locator("#page-number").inner_text() == f"第 {fact['page']} 页"
    assert page.locator("#extractor").inner_text() == fact["extractor"]
    assert "可靠" in page.locator("#reading").inner_text()
    pdf = raw_file(samples_settings, fact["document_sha256"])
    shown = highlight_in_points(page)
    # The highlight holds exactly the figure printed there …
    assert Decimal(printed_inside(pdf, int(fact["page"]), shown).replace(",", "")) == fact["value"]
    # … and sits where the sample printed that cell (its glyphs, found on the page independently) …
    known = printed_box(pdf, int(fact["page"]), "5347.00")
    assert max(abs(a - b) for a, b in zip(shown, known, strict=True)) < 1.5, (shown, known)
    # … which is the fact's recorded box.
    assert max(abs(a - float(b)) for a, b in zip(shown, fact["bbox"], strict=True)) < 1.0
    # The page is the table's: its title is printed on it.
    title_page = pdfium.PdfDocument(pdf)
    try:
        assert "一般公共预算财政拨款支出决算表" in title_page[int(fact["page"]) - 1].get_textpage().get_text_range()
    finally:
        title_page.close()
    # The narrative states the same figure: shown below as the other source, boxed in its sentence.
    other = page.locator('section.provenance[data-source="narrative"]')
    assert other.count() == 1 and "5,347.00" in other.inner_text()

    page.go_back()
    with page.expect_download() as caught:
        page.click("#export-xlsx")
    caught.value.save_as(tmp_path / "208.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "208.xlsx")["比较"].iter_rows(values_only=True))
    names = [r[1] for r in rows[1:]]
    assert names[0] == "大同市社会保险中心" and names[2] == "辽宁省朝阳市社会保险事业服务中心"
    assert rows[1][3] == pytest.approx(5347.00)


def test_provenance_of_a_narrative_figure_boxes_it_in_its_sentence(
    page: Any, samples_app: str, samples_settings: Settings, shots: Path
) -> None:
    page.goto(samples_app + "/compare?subject=208")
    page.locator('#comparison tr[data-unit="wuhai-sic"] a.fig').click()  # 乌海: tables published as images
    page.wait_for_selector("#highlight")
    page.screenshot(path=str(shots / "provenance-wuhai-208-narrative.png"), full_page=True)
    assert page.locator("#extractor").inner_text() == "narrative-regex"
    fact = run_query(
        samples_settings.warehouse,
        "SELECT document_sha256, page FROM facts WHERE unit_id = 'wuhai-sic' AND subject_code = '208' "
        "AND column_name = '小计' AND source_kind = 'narrative'",
    ).iloc[0]
    pdf = raw_file(samples_settings, fact["document_sha256"])
    assert printed_inside(pdf, int(fact["page"]), highlight_in_points(page)).replace(",", "") == "1888.42"


def test_every_figure_on_a_page_view_links_back(page: Any, samples_app: str, samples_settings: Settings) -> None:
    sha = run_query(samples_settings.warehouse, "SELECT sha256 FROM documents WHERE unit_id = 'datong-sic'").iloc[0, 0]
    page.goto(f"{samples_app}/documents/{sha}/pages/11")
    boxes = page.locator("#page-frame a.highlight")
    assert boxes.count() > 40  # the general-budget table's cells
    boxes.first.click()
    page.wait_for_url(re.compile(r"/fact\?"))
    assert page.locator("#page-number").inner_text() == "第 11 页"


def test_a_docx_figure_has_its_raw_text_and_no_page(page: Any, samples_app: str) -> None:
    page.goto(samples_app + "/compare?subject=208")
    page.locator('#comparison tr[data-unit="jincheng-hrss"] a.fig').click()
    page.wait_for_url(re.compile(r"/fact\?"))
    assert page.locator("#extractor").inner_text() == "docx"
    assert "389.81" in page.locator("#raw-text").inner_text()
    assert page.locator("#highlight").count() == 0 and "DOCX" in page.locator("section.provenance.main").inner_text()


def test_missing_things_are_clear_pages(samples_app: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=samples_app) as client:
        missing_unit = client.get("/unit/nowhere")
        assert missing_unit.status_code == 404 and "没有单位 nowhere" in missing_unit.text
        key = {"unit": "datong-sic", "year": 2023, "table": "支出决算表", "key": "999", "column": "小计"}
        no_fact = client.get("/fact", params=key)
        assert no_fact.status_code == 404 and "没有找到这个数字" in no_fact.text
        bad_page = client.get("/documents/" + "0" * 64 + "/pages/1.png")
        assert bad_page.status_code == 404
        api = client.get("/api/subjects", params={"q": "养老"}).json()
        assert api and all("养老" in m["name"] for m in api)


# --- the command ----------------------------------------------------------------------------------------------
def test_juesuan_ui_serves_on_loopback_and_says_where(samples_settings: Settings, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "juesuan"), "ui", "--port", "0",
         "--warehouse", str(samples_settings.warehouse), "--raw-store", str(samples_settings.raw_store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = ""
        deadline = time.monotonic() + 60
        while "http://" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, "juesuan ui exited"
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url is not None, line
        response = httpx.get(url.group(0), timeout=30)
        assert response.status_code == 200 and "大同" in response.text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_juesuan_ui_without_a_warehouse_is_one_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from juesuan.cli import app

    result = CliRunner().invoke(app, ["ui", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "juesuan run" in result.output


@pytest.mark.corpus
def test_many_units_are_paged_searched_and_charted_by_the_largest(
    page: Any, corpus_app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At ten thousand units a page cannot list them all: the units page pages and searches, a comparison
    pages its rows and charts the largest amounts, the findings take a unit id (limits lowered here)."""
    from juesuan.ui import app as app_module
    from juesuan.ui import data

    monkeypatch.setattr(data, "UNITS_PER_PAGE", 2)
    monkeypatch.setattr(data, "FILTER_MAX_UNITS", 3)
    monkeypatch.setattr(app_module, "ROWS_PER_PAGE", 2)
    monkeypatch.setattr(app_module, "CHART_MAX_BARS", 3)
    page.goto(corpus_app + "/")
    assert cell_texts(page, "#units a.unit-name") == ["大同", "大竹"]
    page.click("#next-page")
    page.wait_for_url(re.compile(r"page=2"))
    assert cell_texts(page, "#units a.unit-name") == ["朝阳", "晋城"]
    page.fill("#unit-search", "乌海")
    page.click("#units-form button")
    page.wait_for_url(re.compile(r"q=%E4%B9%8C%E6%B5%B7"))
    assert cell_texts(page, "#units a.unit-name") == ["乌海"]
    page.goto(corpus_app + "/compare?subject=208")
    assert "共 5 行" in page.locator("#row-count").inner_text()
    assert [r.get_attribute("data-unit") for r in page.locator("#comparison tbody tr").all()] == list(UNIT_IDS[:2])
    labels = [t.strip() for t in page.locator("svg.chart text.bar-label").all_text_contents()]
    assert labels == ["大同 2023", "朝阳 2024", "乌海 2024"]  # the three largest amounts, largest first
    page.click("#next-page")
    page.wait_for_url(re.compile(r"page=2"))
    assert [r.get_attribute("data-unit") for r in page.locator("#comparison tbody tr").all()] == list(UNIT_IDS[2:4])
    page.goto(corpus_app + "/findings")
    assert page.locator("input#filter-unit").count() == 1  # a box, not a list of every unit
    page.fill("#filter-unit", "jincheng-hrss")
    page.click("#findings-form button")
    page.wait_for_url(re.compile(r"unit=jincheng-hrss"))
    assert {a.get_attribute("data-unit") for a in page.locator("article.finding").all()} == {"jincheng-hrss"}
