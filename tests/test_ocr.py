"""Scanned PDFs: detected, read by OCR when an engine is installed, quarantined with the reason when not."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from juesuan import contract as c
from juesuan.errors import DocumentError
from juesuan.extract.api import extract_document
from juesuan.extract.ocr import OCR_SWITCH, ocr_available
from juesuan.registry import load_registry
from juesuan.samples.generate import REGISTRY, build_reports, truth_csv
from juesuan.samples.render_pdf import FontMissingError, find_font, render_pdf
from juesuan.samples.scan import scan_pdf
from juesuan.samples.score import parse_truth_csv, score

REGISTRY_OBJ = load_registry(REGISTRY)
HAS_RAPIDOCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None


@cache
def _scanned() -> tuple[bytes, str]:
    """A short scanned report (晋城: narrative and three tables) to keep OCR time in a test small.
    (大竹's sample is narrative-only, as its real report is: no table for the OCR grid reader.)"""
    report = next(r for r in build_reports(REGISTRY_OBJ) if r.unit_id == "jincheng-hrss")
    keep = {c.GENERAL_BUDGET, c.THREE_PUBLIC, c.TOTALS}
    short = replace(report, grids=[g for g in report.grids if g.table_name in keep])
    rendered = render_pdf(short, "ruled")
    return scan_pdf(rendered.data), truth_csv(rendered.expected)


def _write(tmp_path: Path) -> tuple[Path, str]:
    try:
        find_font()
    except FontMissingError as exc:
        pytest.skip(f"no CJK font to render samples: {exc}")
    data, truth = _scanned()
    path = tmp_path / "jincheng_scanned.pdf"
    path.write_bytes(data)
    return path, truth


def test_scanned_pdf_without_ocr_is_quarantined_with_that_reason(tmp_path: Path) -> None:
    path, _ = _write(tmp_path)
    with pytest.raises(DocumentError, match=r"scanned PDF: all \d+ pages have no text layer .* no OCR engine"):
        extract_document(path, unit_id="jincheng-hrss", year=2023, registry=REGISTRY_OBJ, use_ocr=False)


def test_ocr_switch_turns_ocr_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OCR_SWITCH, "off")
    assert not ocr_available()


@pytest.mark.skipif(not HAS_RAPIDOCR, reason="rapidocr-onnxruntime not installed")
def test_scanned_pdf_with_ocr_gives_the_rendered_table_facts(tmp_path: Path) -> None:
    path, truth_text = _write(tmp_path)
    extraction = extract_document(path, unit_id="jincheng-hrss", year=2023, registry=REGISTRY_OBJ, use_ocr=True)
    truth = parse_truth_csv(truth_text)
    tables = score(extraction.facts, truth, source_kind="table")
    assert (tables.missing, tables.wrong, tables.extra) == ([], [], [])
    assert tables.page_errors == []
    assert {f.extractor for f in extraction.facts if f.source_kind == "table"} == {"ocr"}
    narrative = score(extraction.facts, truth, source_kind="narrative")
    assert narrative.recall >= 0.9 and narrative.precision >= 0.9
    assert any("read by OCR" in note for note in extraction.notes)
