"""Issue 13.11 and 13.12: what one document may cost, and the smaller command-line cases.

The bombs (``tests/bombs.py``) are read through the real command in a child process whose memory is
capped (``RLIMIT_AS``): before the limits they ran out of memory (or took gigabytes); now each is
quarantined with a reason naming the limit and its setting. The document worker's own time limit and
memory cap are exercised on real documents.
"""

from __future__ import annotations

import codecs
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bombs import MB, PROJECT, SAMPLE_DOCX, docx_bomb, huge_page_pdf, text_bomb
from conftest import corpus_path
from test_flow_support import prefect_api  # noqa: F401  (a fixture)

from juesuan.errors import DocumentError, UnsupportedFormatError, WrongReportError
from juesuan.extract.api import extract_document, extract_raw_document
from juesuan.extract.document import document_from_bytes, is_html, using_limits
from juesuan.extract.isolated import extract_isolated
from juesuan.registry import load_registry
from juesuan.settings import DocumentLimits

JUESUAN = str(Path(sys.executable).parent / "juesuan")
REGISTRY = PROJECT / "registry" / "units.toml"
CAP = 3 * 1024 * MB  # address space of the child running the command


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def extract_cli(path: Path, tmp_path: Path, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "JUESUAN_OCR": "on", **env}
    return subprocess.run(
        [JUESUAN, "extract", str(path), "-o", str(tmp_path / "out.parquet"), "--registry", str(REGISTRY), *extra],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_capped,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


# --- the bombs, under a memory cap ------------------------------------------------------------------------
def test_a_docx_whose_thumbnail_unpacks_to_a_gigabyte_is_quarantined_unread(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "dazhu.docx", 1024 * MB)
    assert bomb.stat().st_size < 3 * MB
    message = one_line_error(extract_cli(bomb, tmp_path, "--unit-id", "dazhu-sic", "--year", "2023"))
    assert "the DOCX unpacked" in message and "docProps/thumbnail.jpeg alone 1,024.0 MB" in message
    assert "above the limit of 200 MB (JUESUAN_MAX_DOCX_UNCOMPRESSED_MB)" in message


def test_a_docx_that_lies_about_its_sizes_is_damaged_not_inflated(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "dazhu.docx", 64 * MB)
    data = bytearray(bomb.read_bytes())
    # Declare the thumbnail 1 KB in the central directory: zipfile inflates no more than that, and its CRC fails.
    import zipfile

    info = zipfile.ZipFile(bomb).getinfo("docProps/thumbnail.jpeg")
    assert info.file_size == 64 * MB
    with using_limits(DocumentLimits()):
        document = document_from_bytes("dazhu.docx", bytes(data))
    assert document.format == "docx"
    with pytest.raises(DocumentError, match="the DOCX unpacked"):
        extract_raw_document(
            document, unit_id="dazhu-sic", year=2023, limits=DocumentLimits(max_docx_uncompressed_bytes=MB)
        )


def test_a_200_mb_text_export_is_quarantined_before_it_is_decoded(tmp_path: Path) -> None:
    bomb = text_bomb(tmp_path / "datong.txt", 200 * MB, corpus_path("datong-sic"))
    started = time.monotonic()
    message = one_line_error(extract_cli(bomb, tmp_path))
    assert "the document is 200.1 MB, above the limit of 100 MB (JUESUAN_MAX_DOCUMENT_MB)" in message
    smaller = text_bomb(tmp_path / "smaller.txt", 30 * MB, corpus_path("datong-sic"))
    message = one_line_error(extract_cli(smaller, tmp_path))
    assert "the text export is 30.1 MB, above the limit of 20 MB (JUESUAN_MAX_TEXT_MB)" in message
    assert time.monotonic() - started < 60


def test_a_pdf_of_huge_image_only_pages_is_quarantined_before_rendering(tmp_path: Path) -> None:
    bomb = huge_page_pdf(tmp_path / "huge.pdf", pages=10)
    assert bomb.stat().st_size < 20_000
    message = one_line_error(extract_cli(bomb, tmp_path, "--unit-id", "datong-sic", "--year", "2023"))
    assert "page 1 (14,400 × 14,400 pt) rendered at 150 dpi for OCR is 900 megapixels" in message
    assert "above the limit of 40 megapixels (JUESUAN_MAX_PAGE_MEGAPIXELS)" in message


# --- the worker: a hard time limit, a memory cap ----------------------------------------------------------
def test_the_worker_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    registry = load_registry(PROJECT / "samples" / "registry.toml")
    report = next(r for r in registry.reports() if r.unit_id == "datong-sic")
    document = document_from_bytes(report.url, report.local_path().read_bytes())
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"time limit of 0\.05 s exceeded while reading the document"):
        extract_isolated(document, unit_id="datong-sic", year=2023, registry=registry, expected_format="pdf",
                         limits=DocumentLimits(), time_limit=0.05)  # fmt: skip
    assert time.monotonic() - started < 5
    result = extract_isolated(document, unit_id="datong-sic", year=2023, registry=registry, expected_format="pdf",
                              limits=DocumentLimits(), time_limit=120)  # fmt: skip
    inline = extract_raw_document(document, unit_id="datong-sic", year=2023, registry=registry)
    assert result.result().facts == inline.facts and len(inline.facts) > 100
    assert 0 < result.peak_rss_bytes < DocumentLimits().memory_bytes


def test_the_worker_memory_cap_quarantines_what_the_other_limits_let_through(tmp_path: Path) -> None:
    bomb = text_bomb(tmp_path / "datong.txt", 60 * MB, corpus_path("datong-sic"))
    limits = DocumentLimits(max_text_bytes=100 * MB, memory_bytes=700 * MB)
    with using_limits(limits):
        document = document_from_bytes(str(bomb), bomb.read_bytes())
    registry = load_registry(REGISTRY)
    with pytest.raises(DocumentError, match=r"more than its memory limit of 700 MB \(JUESUAN_DOCUMENT_MEMORY_MB\)"):
        extract_isolated(document, unit_id="datong-sic", year=2023, registry=registry, expected_format=None,
                         limits=limits, time_limit=300)  # fmt: skip


# --- 13.12: the smaller cases ------------------------------------------------------------------------------
def test_extract_with_a_unit_but_no_year_still_checks_the_unit(tmp_path: Path) -> None:
    message = one_line_error(extract_cli(corpus_path("datong-sic"), tmp_path, "--unit-id", "chaoyang-sic"))
    assert "never names 辽宁省朝阳市社会保险事业服务中心 (chaoyang-sic)" in message
    assert not (tmp_path / "out.parquet").exists()
    registry = load_registry(REGISTRY)
    with pytest.raises(WrongReportError):
        extract_document(corpus_path("datong-sic"), unit_id="chaoyang-sic", registry=registry)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_exports_are_read(encoding: str) -> None:
    text = corpus_path("datong-sic").read_text(encoding="utf-8")
    registry = load_registry(REGISTRY)
    utf8 = extract_raw_document(document_from_bytes("d.txt", text.encode("utf-8")), registry=registry)
    data = text.encode(encoding)
    assert encoding != "utf-16" or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    utf16 = extract_raw_document(document_from_bytes("d.txt", data), registry=registry)
    assert utf16.facts and [f.key for f in utf16.facts] == [f.key for f in utf8.facts]
    assert [f.value for f in utf16.facts] == [f.value for f in utf8.facts]


@pytest.mark.parametrize(
    "page",
    [
        "\ufeff<!DOCTYPE html><html><body>维护中</body></html>",
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN"><html></html>',
        "<!-- generated -->\n<html><head><title>登录</title></head></html>",
        '<meta charset="utf-8"><title>404</title><div>页面不存在</div>',
        "\ufeff<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'></html>",
    ],
)
def test_html_behind_a_bom_a_prologue_or_a_comment_is_html(page: str) -> None:
    for data in (page.encode("utf-8"), page.encode("utf-16")):
        assert is_html(data)
        with pytest.raises(UnsupportedFormatError, match="an HTML page, not a report"):
            document_from_bytes("x.pdf", data)


def test_an_html_page_holding_a_report_is_quarantined_not_loaded() -> None:
    text = corpus_path("datong-sic").read_text(encoding="utf-8")
    page = f"<html><head><meta charset='utf-8'></head><body><pre>{text}</pre></body></html>"
    with pytest.raises(UnsupportedFormatError, match="juesuan reads no HTML, even one holding a report's text"):
        document_from_bytes("datong.html", page.encode("utf-8"))
    first_line_text = f"{text[:200]}\n<html><body>{text[200:]}</body></html>"
    with pytest.raises(UnsupportedFormatError, match="HTML page"):
        document_from_bytes("datong.txt", first_line_text.encode("utf-8"))


def test_text_exports_are_not_taken_for_html(corpus: type) -> None:
    for unit in ("datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic"):
        assert not is_html(corpus.path(unit).read_bytes())


def test_extract_to_an_unwritable_path_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [JUESUAN, "extract", str(corpus_path("datong-sic")), "-o", "/proc/juesuan/out.parquet",
         "--registry", str(REGISTRY)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    message = one_line_error(result)
    assert message.startswith("Error: cannot write /proc/juesuan/out.parquet:")


def test_extract_refuses_a_device(tmp_path: Path) -> None:
    message = one_line_error(extract_cli(Path("/dev/zero"), tmp_path, "--unit-id", "datong-sic"))
    assert "/dev/zero: refused: not a regular file" in message


def test_a_docx_within_the_limits_still_reads() -> None:
    registry = load_registry(PROJECT / "samples" / "registry.toml")
    extraction = extract_document(SAMPLE_DOCX, unit_id="dazhu-sic", year=2023, registry=registry)
    assert extraction.format == "docx" and extraction.facts


# --- the acceptance case: a night with every bomb, under a memory cap ---------------------------------------
BOMB_REGISTRY = """
[[unit]]
id = "{id}"
name = "{name}"
province = "{province}"
city = "{city}"
level = "市级"

[[unit.report]]
year = {year}
url = "{url}"
"""


def test_a_night_of_bombs_quarantines_each_with_its_reason_under_a_memory_cap(
    tmp_path: Path,
    prefect_api: str,  # noqa: F811
) -> None:
    folder = tmp_path / "registry"
    folder.mkdir()
    samples = load_registry(PROJECT / "samples" / "registry.toml")
    good = next(r for r in samples.reports() if r.unit_id == "datong-sic")
    (folder / "good.pdf").write_bytes(good.local_path().read_bytes())
    docx_bomb(folder / "docx-bomb.docx", 300 * MB)  # the 1 GiB case: test above; 3 GiB: benchmarks/bombs.py
    text_bomb(folder / "text-bomb.txt", 30 * MB, corpus_path("datong-sic"))
    huge_page_pdf(folder / "huge-pages.pdf", pages=10)
    datong = samples.unit("datong-sic")
    entries = {"datong-sic": "good.pdf", "docx-bomb": "docx-bomb.docx", "text-bomb": "text-bomb.txt",
               "page-bomb": "huge-pages.pdf"}  # fmt: skip
    (folder / "units.toml").write_text(
        "".join(
            BOMB_REGISTRY.format(
                id=unit, name=datong.name, province=datong.province, city=datong.city, year=2023, url=url
            )
            for unit, url in entries.items()
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUESUAN_")}
    env.update(
        JUESUAN_DATA_DIR=str(tmp_path / "data"),
        JUESUAN_REGISTRY=str(folder / "units.toml"),
        JUESUAN_OCR="on",
        PREFECT_API_URL=prefect_api,
        PREFECT_LOGGING_LEVEL="WARNING",
    )

    def capped() -> None:  # the whole run, its fork server and workers inherit it (a worker lowers its own)
        resource.setrlimit(resource.RLIMIT_DATA, (CAP, CAP))

    result = subprocess.run([JUESUAN, "run"], env=env, capture_output=True, text=True, timeout=600, preexec_fn=capped)
    out = result.stdout
    assert result.returncode == 3, out + result.stderr  # every step ran; documents were quarantined
    assert "3 document(s) failed or quarantined: exit status 3" in result.stderr
    rows: dict[str, str] = {}
    unit = ""
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 9:  # a row of the table; a reason folded over lines continues with an empty unit
            unit = cells[0] or unit
            rows[unit] = " ".join(filter(None, [rows.get(unit, ""), *cells[1:]]))
    assert "loaded" in rows["datong-sic"]
    assert "quarantined" in rows["docx-bomb"] and "JUESUAN_MAX_DOCX_UNCOMPRESSED_MB" in rows["docx-bomb"]
    assert "quarantined" in rows["text-bomb"] and "JUESUAN_MAX_TEXT_MB" in rows["text-bomb"]
    assert "quarantined" in rows["page-bomb"] and "JUESUAN_MAX_PAGE_MEGAPIXELS" in rows["page-bomb"]


def test_the_worker_reads_with_the_callers_settings_of_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork server keeps the environment it started with; each worker gets the caller's JUESUAN_* of now."""
    registry = load_registry(PROJECT / "samples" / "registry.toml")
    scan = document_from_bytes("scan.pdf", huge_page_pdf(tmp_path / "scan.pdf", pages=1, side_pt=300).read_bytes())
    options = {"unit_id": "datong-sic", "year": 2023, "registry": registry, "expected_format": None,
               "limits": DocumentLimits(), "time_limit": 120}  # fmt: skip
    monkeypatch.setenv("JUESUAN_OCR", "on")
    docx = document_from_bytes(SAMPLE_DOCX.name, SAMPLE_DOCX.read_bytes())
    extract_isolated(docx, **{**options, "unit_id": "dazhu-sic"})  # type: ignore[arg-type]  # the fork server is up
    monkeypatch.setenv("JUESUAN_OCR", "off")
    with pytest.raises(DocumentError, match="no OCR engine is available"):
        extract_isolated(scan, **options)  # type: ignore[arg-type]


def test_the_worker_reads_the_registry_kind_and_refuses_the_other() -> None:
    """A 预算 read in a worker is read as a budget; the worker names a document of the other kind as such."""
    from juesuan.errors import DocumentError

    registry = load_registry(PROJECT / "samples" / "registry.toml")
    report = next(r for r in registry.reports() if r.unit_id == "datong-sic" and r.kind == "预算")
    document = document_from_bytes(report.url, report.local_path().read_bytes())
    isolated = extract_isolated(document, unit_id="datong-sic", year=2023, registry=registry, expected_format="pdf",
                                limits=DocumentLimits(), time_limit=120, report_kind="预算")  # fmt: skip
    extraction = isolated.result()
    assert extraction.report_kind == "预算"
    assert extraction.facts and {f.report_kind for f in extraction.facts} == {"预算"}
    with pytest.raises(DocumentError, match="预算"):
        extract_isolated(document, unit_id="datong-sic", year=2023, registry=registry, expected_format="pdf",
                         limits=DocumentLimits(), time_limit=120, report_kind="决算")  # fmt: skip
