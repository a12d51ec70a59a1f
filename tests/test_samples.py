"""The bundled samples: committed files match their ground truth, generation is deterministic and
idempotent, and the main job runs on them with nothing from ../shared — with last year's figures and
the 年初预算 amounts the real reports state, so year_over_year and budget_execution are not empty."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.contract import BASIC, FINAL, GENERAL_BUDGET, INITIAL_BUDGET_COLUMN, PROJECT
from juesuan.expectations.runner import validate_lake
from juesuan.extract.api import extract_document
from juesuan.extract.base import DocumentContext
from juesuan.extract.narrative import extract_narrative_and_previous_year
from juesuan.flows.pipeline import run_registry
from juesuan.registry import Report, load_registry
from juesuan.samples.generate import REGISTRY, build_reports, render_variant, truth_csv
from juesuan.samples.layout import narrated_report
from juesuan.samples.render_pdf import FontMissingError, find_font
from juesuan.samples.score import load_truth_csv, score_sample
from juesuan.samples.truth import (
    COUNT_COLUMNS,
    DATA_DIR,
    NARRATED_LINES,
    RESTATED,
    TABLE,
    TruthFact,
    dumps,
    is_narrative_only,
    load_truth,
    loads,
    narrated,
)
from juesuan.settings import Settings
from juesuan.transform.catalogue import Catalogue
from juesuan.transform.identities import ERROR
from juesuan.warehouse.query import run_query

REGISTRY_OBJ = load_registry(REGISTRY)
# The 决算 samples (real figures); the synthetic 预算 samples beside them: tests/test_samples_budget.py.
COMMITTED = [r for r in REGISTRY_OBJ.reports() if r.kind == FINAL]
# Their real reports published the tables as images: the samples are narrative-only, as published.
NARRATIVE_ONLY = ("dazhu-sic", "wuhai-sic")


def _font_or_skip() -> None:
    try:
        find_font()
    except FontMissingError as exc:
        pytest.skip(f"no CJK font to render samples: {exc}")


@pytest.mark.parametrize("report", COMMITTED, ids=[r.unit_id for r in COMMITTED])
def test_committed_sample_extracts_to_its_committed_ground_truth(report: Report) -> None:
    path = report.local_path()
    truth = load_truth_csv(path.with_name(path.name + ".truth.csv"))
    extraction = extract_document(path, unit_id=report.unit_id, year=report.year, registry=REGISTRY_OBJ)
    sample = score_sample(extraction.facts, truth, extraction.prior_year_facts)
    for line, result in (
        ("table", sample.tables),
        ("narrative", sample.narrative),
        ("budget", sample.budget),
        ("restated", sample.restated),
    ):
        assert (result.missing, result.wrong, result.extra, result.page_errors) == ([], [], [], []), line
    assert sample.restated.correct > 0  # every real report restates last year's totals


def test_ground_truth_files_hold_every_rendered_fact_of_their_kind() -> None:
    for unit in REGISTRY_OBJ.units:
        truth = load_truth(unit.id, DATA_DIR)
        assert is_narrative_only(truth) == (unit.id in NARRATIVE_ONLY), unit.id
        path = next(r for r in COMMITTED if r.unit_id == unit.id).local_path()
        rows = load_truth_csv(path.with_name(path.name + ".truth.csv"))
        rendered = {kind: [row.key[:3] for row in rows if row.key[3] == kind] for kind in ("table", "restated")}
        assert len(rendered["restated"]) == len(set(rendered["restated"])), unit.id
        # Table cells in the grids, last year's figures once each in the prose, the rest stated in prose.
        assert set(rendered["table"]) == {t.key for t in truth if t.source_kind == TABLE}, unit.id
        assert set(rendered["restated"]) == {t.key for t in truth if t.source_kind == RESTATED}, unit.id
        prose_only = {t.key for t in truth if t.source_kind == "narrative"}
        assert prose_only <= {row.key[:3] for row in rows if row.key[3] == "narrative"}, unit.id
        # Every restated key has this year's figure in the sample; a table unit's prose-only figures are
        # those no grid shows: 年初预算 amounts and this year's figure of a restated key.
        assert set(rendered["restated"]) <= {t.key for t in truth if t.source_kind != RESTATED}, unit.id
        if unit.id not in NARRATIVE_ONLY:
            assert all(key[2] == INITIAL_BUDGET_COLUMN or key in rendered["restated"] for key in prose_only), unit.id
        if unit.id in NARRATIVE_ONLY:
            assert rendered["table"] == [], unit.id


@pytest.mark.parametrize("unit_id", NARRATIVE_ONLY)
def test_narrative_only_report_states_every_figure_as_the_extractor_reads_it(unit_id: str) -> None:
    report = next(r for r in build_reports(REGISTRY_OBJ) if r.unit_id == unit_id)
    assert report.narrative_only and report.grids == []
    text = "\n".join(p.text for p in report.paragraphs)
    context = DocumentContext(unit_id, report.year, "0" * 64)
    result, previous = extract_narrative_and_previous_year([(None, text)], context, Catalogue.load())
    read = {(f.table_name, f.subject_key, f.column_name): f.value for f in result.facts}
    facts = load_truth(unit_id, DATA_DIR)
    truth = {t.key: t.value for t in facts if t.source_kind != RESTATED}
    assert read == truth
    assert result.notes == [] and previous.notes == []
    last_year = {(f.table_name, f.subject_key, f.column_name): f.value for f in previous.facts}
    assert last_year == {t.key: t.value for t in facts if t.source_kind == RESTATED}
    assert {f.year for f in previous.facts} == {report.year - 1}
    # The corpus states 项目支出 by economic code and 国内公务接待费 in prose only; no grid showed them.
    if unit_id == "wuhai-sic":
        assert {key[0] for key in truth} >= {"一般公共预算财政拨款项目支出决算表", "财政拨款“三公”经费支出决算表"}
        assert ("财政拨款“三公”经费支出决算表", "国内公务接待费", "决算数") in truth


def test_every_figure_a_narrative_only_report_may_hold_reads_back_to_its_key() -> None:
    """Every line of NARRATED_LINES, and coded figures at each level, with distinct values: the prose
    must put each one back on its own key (the corpus units exercise only part of these)."""
    keys: list[tuple[str, str | None, str, str]] = [
        (table, None, line, column) for table, pairs in NARRATED_LINES.items() for line, column in sorted(pairs)
    ]
    coded = [
        (GENERAL_BUDGET, "208", "社会保障和就业支出"),
        (GENERAL_BUDGET, "20801", "人力资源和社会保障管理事务"),
        (GENERAL_BUDGET, "2080109", "社会保险经办机构"),
        (GENERAL_BUDGET, "21011", "行政事业单位医疗"),
        (BASIC, "301", "工资福利支出"),
        (BASIC, "30101", "基本工资"),
        (BASIC, "30201", "办公费"),
        (PROJECT, "310", "资本性支出"),
        (PROJECT, "31002", "办公设备购置"),
    ]
    actual_column = {GENERAL_BUDGET: "小计", BASIC: "决算数", PROJECT: "决算数"}
    keys += [(table, code, name, actual_column[table]) for table, code, name in coded]
    # 年初预算 of the 一般公共预算 total and of a 项 (NARRATED_LINES holds the total's already).
    keys += [(GENERAL_BUDGET, "2080109", "社会保险经办机构", INITIAL_BUDGET_COLUMN)]
    facts = [
        TruthFact(
            table, code, line, column, Decimal(n) * (1 if column in COUNT_COLUMNS else Decimal("1.01")), "narrative"
        )
        for n, (table, code, line, column) in enumerate(keys, start=1)
    ]
    assert all(narrated(f) for f in facts)
    # Last year's figure of every amount stated as an actual, alternately larger, smaller and equal.
    steps = (Decimal("0.37"), Decimal("-0.5"), Decimal(0))
    actuals = [f for f in facts if f.column_name not in (*COUNT_COLUMNS, "预算数", INITIAL_BUDGET_COLUMN)]
    previous = [replace(f, value=f.value + steps[i % 3], source_kind=RESTATED) for i, f in enumerate(actuals)]
    assert len(previous) > 50
    paragraphs = narrated_report("某市社会保险事业服务中心", 2023, facts + previous, Catalogue.load())
    context = DocumentContext("dazhu-sic", 2023, "0" * 64)
    text = "\n".join(p.text for p in paragraphs)
    result, last_year = extract_narrative_and_previous_year([(None, text)], context, Catalogue.load())
    assert {(f.table_name, f.subject_key, f.column_name): f.value for f in result.facts} == {
        f.key: f.value for f in facts
    }
    assert {(f.table_name, f.subject_key, f.column_name): f.value for f in last_year.facts} == {
        f.key: f.value for f in previous
    }
    assert result.notes == [] and last_year.notes == []


def test_truth_files_name_their_source_kind_and_refuse_a_key_twice() -> None:
    dazhu = load_truth("dazhu-sic", DATA_DIR)
    assert loads(dumps(dazhu)) == dazhu
    datong = load_truth("datong-sic", DATA_DIR)
    assert loads(dumps(datong)) == datong
    assert {f.source_kind for f in datong} == {"table", "narrative", RESTATED}
    old_format = "table_name,subject_code,line_item,column_name,value\n收入决算表,,合计,本年收入合计,1.00\n"
    with pytest.raises(ValueError, match=r"old\.csv: columns .*\(expected .*source_kind\)"):
        loads(old_format, "old.csv")
    with pytest.raises(ValueError, match="line 2: source_kind 'image'"):
        loads(dumps(dazhu[:1]).replace(",narrative", ",image"))
    # A figure this year is in a grid or in the prose only, never both.
    with pytest.raises(ValueError, match=r"收入支出决算总表/收入总计/金额 twice \(current\)"):
        loads(dumps([*datong, *(replace(f, source_kind="narrative") for f in datong if f.key[1] == "收入总计")]))
    # Last year's figure is stated as a change against this year's: never without it.
    last_year = next(f for f in dazhu if f.source_kind == RESTATED)
    with pytest.raises(ValueError, match=f"last year's {'/'.join(last_year.key)} without this year's figure"):
        loads(dumps([f for f in dazhu if f.key != last_year.key or f.source_kind == RESTATED]))


def test_a_narrative_only_sample_is_scored_by_its_narrative_facts() -> None:
    path = next(r for r in COMMITTED if r.unit_id == "dazhu-sic").local_path()
    truth = load_truth_csv(path.with_name(path.name + ".truth.csv"))
    facts = extract_document(path, unit_id="dazhu-sic", year=2023, registry=REGISTRY_OBJ).facts
    exact = score_sample(facts, truth)
    assert exact.narrative_only
    assert (exact.tables.expected, exact.tables.extracted) == (0, 0)
    assert exact.narrative.correct == exact.narrative.expected == 39
    assert len(truth) == 39 + exact.restated.expected  # and last year's figures, on a line of their own
    # A table cell read from a narrative-only report is extra; a misread figure is wrong, not correct.
    stray = replace(facts[0], source_kind="table")
    misread = replace(facts[1], value=facts[1].value + Decimal("0.01"))
    flawed = score_sample([stray, misread, *facts[2:]], truth)
    assert flawed.tables.extra == [(facts[0].table_name, facts[0].subject_key, facts[0].column_name, "table")]
    assert flawed.tables.precision == 0.0
    assert [key for key, _, _ in flawed.narrative.wrong] == [
        (facts[1].table_name, facts[1].subject_key, facts[1].column_name, "narrative")
    ]
    assert flawed.narrative.missing == [(facts[0].table_name, facts[0].subject_key, facts[0].column_name, "narrative")]
    table_sample = next(r for r in COMMITTED if r.unit_id == "datong-sic").local_path()
    assert not score_sample([], load_truth_csv(table_sample.with_name(table_sample.name + ".truth.csv"))).narrative_only


def test_regenerating_the_committed_samples_gives_the_same_bytes() -> None:
    _font_or_skip()
    reports = {r.unit_id: r for r in build_reports(REGISTRY_OBJ)}
    for entry in COMMITTED:
        path = entry.local_path()
        variant = path.parent.name
        rendered = render_variant(reports[entry.unit_id], variant)
        assert hashlib.sha256(rendered.data).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest(), path
        assert truth_csv(rendered.expected) == path.with_name(path.name + ".truth.csv").read_text(encoding="utf-8")


def test_samples_command_writes_then_changes_nothing(tmp_path: Path) -> None:
    _font_or_skip()
    runner = CliRunner()
    args = ["samples", "--variant", "ruled", "--variant", "docx", "--unit", "dazhu-sic", "--out", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (tmp_path / "ruled" / "dazhu-sic_2023.pdf").exists()
    assert (tmp_path / "docx" / "dazhu-sic_2023.docx.truth.csv").exists()
    assert "written" in first.output
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "written" not in second.output and "unchanged" in second.output
    assert stamps == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}


def test_samples_command_rejects_an_unknown_variant() -> None:
    result = CliRunner().invoke(app, ["samples", "--variant", "png"])
    assert result.exit_code == 1
    assert "invalid --variant: 'png'" in result.output and "ruled" in result.output


def test_main_job_runs_on_the_bundled_samples(tmp_path: Path) -> None:
    # Every derived path (lake, warehouse, validations, Data Docs) under tmp_path, not in ./data.
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(registry=REGISTRY)
    summary = run_registry(settings)
    kinds = {r.url: r.kind for r in REGISTRY_OBJ.reports()}  # 5 决算 and the synthetic 预算 beside two
    assert [o.status for o in summary.outcomes] == ["loaded"] * len(kinds), [o.error for o in summary.outcomes]
    tables = {o.unit_id: o.tables for o in summary.outcomes if kinds[o.url] == FINAL}
    assert all((tables[unit] == 0) if unit in NARRATIVE_ONLY else (tables[unit] >= 6) for unit in tables), tables
    # The identity suites find no error in any sample: the narrative-only ones state only what their
    # real reports state, so an identity that needs an absent figure is not checkable, not broken.
    validation = validate_lake(settings, REGISTRY_OBJ, "samples-check")
    errors = [(f.unit_id, f.rule_id, f.check_id) for f in validation.findings if f.severity == ERROR]
    assert errors == []
    checked = {count.unit_id: count.checked for count in validation.counts()}
    assert all(checked[unit] > 0 for unit in NARRATIVE_ONLY), checked
    # Last year's figures, restated by every sample as its real report does, pair with this year's.
    warehouse = settings.warehouse
    growth = run_query(warehouse, "SELECT * FROM year_over_year WHERE previous_restated")
    assert set(growth["unit_id"]) == {r.unit_id for r in COMMITTED}
    assert len(growth) == len(run_query(warehouse, "SELECT * FROM year_over_year")) == 54
    income = growth[(growth["unit_id"] == "datong-sic") & (growth["subject_key"] == "收入总计")]
    income = income[income["table_name"] == "收入支出决算总表"].iloc[0]
    assert income["year"] == 2023  # against 2022, a year no sample report covers
    assert (income["previous_value"], income["value"]) == (Decimal("3060.90"), Decimal("5570.34"))
    assert round(float(income["change_rate"]), 4) == 0.8198  # the report's "增长81.98%"
    # The 年初预算 amounts the narratives state, against the actual of their row.
    budgets = run_query(warehouse, "SELECT * FROM budget_execution WHERE budget_kind = '年初预算数'")
    rows = {(r.unit_id, r.subject_key): (r.budget, r.actual) for r in budgets.itertuples()}
    assert rows[("datong-sic", "合计")] == (Decimal("2296.46"), Decimal("5569.36"))
    assert rows[("jincheng-hrss", "合计")] == (Decimal("485.94"), Decimal("430.21"))
    assert rows[("wuhai-sic", "2080109")] == (Decimal("456.68"), Decimal("447.25"))
    assert len(rows) == 11
    # The synthetic budgets beside two 决算 (kind 预算) fill budget_vs_final: "how did 大同's spending on 208
    # compare with its budget" is one query, and the 决算's stated 年初预算数 meets the budget's own figure.
    pairs = run_query(
        warehouse, "SELECT * FROM budget_vs_final WHERE budget_amount IS NOT NULL AND final_amount IS NOT NULL"
    )
    assert set(pairs["unit_id"]) == {r.unit_id for r in REGISTRY_OBJ.reports() if r.kind != FINAL}
    general = pairs[
        (pairs["unit_id"] == "datong-sic")
        & (pairs["budget_table"] == "一般公共预算支出预算表")
        & (pairs["budget_column"] == "合计")
    ].set_index("subject_key")
    assert (general.loc["合计", "budget_amount"], general.loc["合计", "final_amount"]) == (
        Decimal("2296.46"),
        Decimal("5569.36"),
    )
    assert general.loc["合计", "stated_budget"] == Decimal("2296.46")
    assert (general.loc["208", "budget_amount"], general.loc["208", "final_amount"]) == (
        Decimal("2103.88"),
        Decimal("5347.00"),
    )


def test_extract_command_reads_a_sample_pdf_with_pages(tmp_path: Path) -> None:
    pdf = next(r for r in COMMITTED if r.unit_id == "datong-sic").local_path()
    output = tmp_path / "datong.parquet"
    result = CliRunner().invoke(app, ["extract", str(pdf), "-o", str(output), "--registry", str(REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "datong-sic 2023" in result.output and "pdfium-rules" in result.output
    facts = pq.read_table(output)
    assert set(facts.column("extractor").to_pylist()) >= {"camelot-lattice", "narrative-regex"}
    assert output.exists()
