"""Bad input gets a clear error naming the file, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.errors import (
    DocumentError,
    NoTablesOrFiguresError,
    UnsupportedFormatError,
    UsageError,
    WrongReportError,
)
from juesuan.extract.api import extract_document, extract_raw_document
from juesuan.extract.document import document_from_bytes, sniff_format, stated_year
from juesuan.registry import load_registry

REGISTRY = Path(__file__).resolve().parent.parent / "registry" / "units.toml"


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"", DocumentError, "empty file"),
        (b"   \n\n", DocumentError, "empty file"),
        (bytes(range(256)) * 8, UnsupportedFormatError, "binary data"),
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", UnsupportedFormatError, "HTML page"),
        (b"PK\x03\x04 not really a zip", UnsupportedFormatError, "damaged ZIP"),
        (
            "2023年度单位决算公开\n本单位今年认真贯彻落实各项工作。\n".encode(),
            NoTablesOrFiguresError,
            "no standard table and no narrative figure",
        ),
    ],
    ids=["empty", "blank", "binary", "html-error-page", "bad-zip", "no-tables"],
)
def test_bad_input_is_a_clear_error_naming_the_file(
    tmp_path: Path, content: bytes, error: type[Exception], message: str
) -> None:
    source = tmp_path / "report.txt"
    source.write_bytes(content)
    output = tmp_path / "out.parquet"
    with pytest.raises(error) as raised:
        extract_document(source, unit_id="datong-sic", year=2023)
    assert str(source) in str(raised.value)
    assert message in str(raised.value)
    assert not output.exists()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="file not found"):
        extract_document(tmp_path / "nope.txt", unit_id="datong-sic", year=2023)


def test_pdf_bytes_are_recognised_whatever_the_name(tmp_path: Path) -> None:
    assert sniff_format("x.txt", b"%PDF-1.7\n...") == "pdf"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"expected_format": "odt"}, "invalid format: 'odt' (allowed: "),
        ({"year": 23}, "invalid year: 23"),
    ],
    ids=["format", "year"],
)
def test_both_entries_name_a_bad_argument(tmp_path: Path, options: dict[str, object], message: str) -> None:
    source = tmp_path / "report.txt"
    source.write_text("2023年度单位决算公开", encoding="utf-8")
    with pytest.raises(UsageError) as from_path:
        extract_document(source, unit_id="datong-sic", **options)  # type: ignore[arg-type]
    with pytest.raises(UsageError) as from_bytes:
        extract_raw_document(document_from_bytes(str(source), source.read_bytes()), **options)  # type: ignore[arg-type]
    assert message in str(from_path.value)
    assert str(from_bytes.value) == str(from_path.value)


def test_registry_format_must_match_the_bytes(tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_text("2023年度单位决算公开", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match="registry says pdf"):
        extract_document(source, unit_id="datong-sic", year=2023, expected_format="pdf")


def test_report_of_the_wrong_year_is_refused(corpus: type) -> None:
    registry = load_registry(REGISTRY)
    with pytest.raises(WrongReportError, match="covers 2023, but the registry entry is for 2024"):
        extract_document(corpus.path("datong-sic"), unit_id="datong-sic", year=2024, registry=registry)


def test_report_of_another_unit_is_refused(corpus: type) -> None:
    registry = load_registry(REGISTRY)
    with pytest.raises(WrongReportError, match="never names 大同市社会保险中心"):
        extract_document(corpus.path("jincheng-hrss"), unit_id="datong-sic", year=2023, registry=registry)


@pytest.mark.parametrize("unit_id", ["datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic"])
def test_unit_and_year_are_inferred_from_the_document(unit_id: str, corpus: type) -> None:
    registry = load_registry(REGISTRY)
    extraction = extract_document(corpus.path(unit_id), registry=registry)
    assert (extraction.unit_id, extraction.year) == (unit_id, corpus.year(unit_id))
    assert stated_year(corpus.text(unit_id)) == corpus.year(unit_id)
