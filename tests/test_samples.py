"""The bundled samples: committed files match their ground truth, generation is deterministic and
idempotent, and the main job runs on them with nothing from ../shared."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.extract.api import extract_document
from juesuan.flows.pipeline import run_registry
from juesuan.registry import Report, load_registry
from juesuan.samples.generate import REGISTRY, build_reports, render_variant, truth_csv
from juesuan.samples.render_pdf import FontMissingError, find_font
from juesuan.samples.score import load_truth_csv, score
from juesuan.samples.truth import DATA_DIR, load_truth
from juesuan.settings import Settings

REGISTRY_OBJ = load_registry(REGISTRY)
COMMITTED = REGISTRY_OBJ.reports()


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
    for kind in ("table", "narrative"):
        result = score(extraction.facts, truth, source_kind=kind)
        assert (result.missing, result.wrong, result.extra, result.page_errors) == ([], [], [], []), kind


def test_ground_truth_files_hold_every_rendered_table_fact() -> None:
    for unit in REGISTRY_OBJ.units:
        truth = load_truth(unit.id, DATA_DIR)
        keys = [t.key for t in truth]
        assert len(keys) == len(set(keys)), unit.id
        path = next(r for r in COMMITTED if r.unit_id == unit.id).local_path()
        rendered = {
            row.key[:3] for row in load_truth_csv(path.with_name(path.name + ".truth.csv")) if row.key[3] == "table"
        }
        assert rendered == set(keys), unit.id


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
    settings = Settings.from_env({}).with_overrides(
        registry=REGISTRY, lake=tmp_path / "lake", warehouse=tmp_path / "w.duckdb", raw_store=tmp_path / "raw"
    )
    summary = run_registry(settings)
    assert [o.status for o in summary.outcomes] == ["loaded"] * 5, [o.error for o in summary.outcomes]
    assert all(o.tables >= 6 for o in summary.outcomes)


def test_extract_command_reads_a_sample_pdf_with_pages(tmp_path: Path) -> None:
    pdf = next(r for r in COMMITTED if r.unit_id == "datong-sic").local_path()
    output = tmp_path / "datong.parquet"
    result = CliRunner().invoke(app, ["extract", str(pdf), "-o", str(output), "--registry", str(REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "datong-sic 2023" in result.output and "camelot-lattice" in result.output
    assert output.exists()
