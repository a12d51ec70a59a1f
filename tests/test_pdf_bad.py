"""Bad PDFs: a clear, specific error, no facts written, and the run goes on."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen.canvas import Canvas

from juesuan.errors import DocumentError, UnsupportedFormatError, WrongReportError
from juesuan.extract.api import extract_document
from juesuan.flows.pipeline import process_report
from juesuan.lake import Lake
from juesuan.registry import Report, load_registry
from juesuan.samples.generate import REGISTRY, build_reports, render_variant
from juesuan.samples.render_pdf import FontMissingError, find_font

REGISTRY_OBJ = load_registry(REGISTRY)


def _simple_pdf(**canvas_options: object) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, **canvas_options)
    canvas.drawString(72, 720, "2023 final accounts")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _zero_pages() -> bytes:
    document = pdfium.PdfDocument.new()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _datong_pdf() -> bytes:
    try:
        find_font()
    except FontMissingError as exc:
        pytest.skip(f"no CJK font to render samples: {exc}")
    report = next(r for r in build_reports(REGISTRY_OBJ) if r.unit_id == "datong-sic")
    return render_variant(report, "ruled").data


CASES = {
    "encrypted": (
        lambda: _simple_pdf(encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0)),
        DocumentError,
        "encrypted PDF: a password is needed",
    ),
    "truncated": (lambda: _datong_pdf()[:30000], DocumentError, "truncated PDF: no %%EOF"),
    "zero-pages": (_zero_pages, DocumentError, "the PDF has no pages"),
    "html-error-page": (
        lambda: b"<!DOCTYPE html><html><head><title>404</title></head><body>Not Found</body></html>",
        UnsupportedFormatError,
        "an HTML page, not a report",
    ),
    "garbage": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", DocumentError, "not a valid PDF"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_pdf_is_a_specific_error_naming_the_file(tmp_path: Path, case: str) -> None:
    make, error, message = CASES[case]
    path = tmp_path / "report.pdf"
    path.write_bytes(make())
    with pytest.raises(error) as raised:
        extract_document(path, unit_id="datong-sic", year=2023, registry=REGISTRY_OBJ)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_pdf_of_another_unit_is_refused() -> None:
    data = _datong_pdf()
    with pytest.raises(WrongReportError, match="never names 晋城市人力资源和社会保障综合服务中心"):
        from juesuan.extract.api import extract_raw_document
        from juesuan.extract.document import document_from_bytes

        extract_raw_document(
            document_from_bytes("datong.pdf", data), unit_id="jincheng-hrss", year=2023, registry=REGISTRY_OBJ
        )


def test_pdf_of_another_year_is_refused_before_any_table_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "datong.pdf"
    path.write_bytes(_datong_pdf())
    with pytest.raises(WrongReportError, match="covers 2023, but the registry entry is for 2024"):
        extract_document(path, unit_id="datong-sic", year=2024, registry=REGISTRY_OBJ)


@pytest.mark.parametrize("case", ["encrypted", "truncated", "zero-pages", "html-error-page"])
def test_pipeline_quarantines_a_bad_pdf_writes_no_facts_and_goes_on(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUESUAN_LOCAL_ROOTS", str(tmp_path))  # local reports outside the registry's folder
    make, _, message = CASES[case]
    path = tmp_path / "bad.pdf"
    path.write_bytes(make())
    lake = Lake(tmp_path / "lake")
    report = Report(unit_id="datong-sic", year=2023, url=str(path), format=None)
    outcome = process_report(report, REGISTRY_OBJ, lake, tmp_path / "raw")
    assert outcome.status == "quarantined"
    assert message in (outcome.error or "")
    assert outcome.facts == 0
    assert not (tmp_path / "lake" / "facts").exists()
    good = tmp_path / "good.pdf"
    good.write_bytes(_datong_pdf())
    after = process_report(
        Report(unit_id="datong-sic", year=2023, url=str(good), format="pdf"),
        REGISTRY_OBJ,
        lake,
        tmp_path / "raw",
    )
    assert after.status == "loaded" and after.facts > 0
