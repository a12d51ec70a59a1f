"""The per-run HTML report: written from a real run, checked in a real headless browser (Debian chromium).

The browser runs with every network request sent to a closed local port (``--proxy-server``), so a
page that needed the network would miss its images; the page's inline script counts the images the
browser decoded into ``<body data-images-loaded>``, read back through ``--dump-dom``. A control page
with one remote image shows the harness does catch a page that needs the network.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from analyst_fixtures import UNIT_IDS, corpus_registry, sample_warehouse
from conftest import LOCAL_ROOTS_ENV
from PIL import Image
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import UsageError, WarehouseError
from juesuan.flows.pipeline import RunSummary, run_registry
from juesuan.report import fonts
from juesuan.report.html import LATEST, REPORT_CHARTS, run_report_step, write_run_report
from juesuan.settings import Settings

runner = CliRunner()
UNIT_NAMES = (
    "大同市社会保险中心",
    "大竹县社会保险事业管理局",
    "辽宁省朝阳市社会保险事业服务中心",
    "晋城市人力资源和社会保障综合服务中心",
    "乌海市社会保险事业服务中心",
)
BROWSER_TIMEOUT = 90  # seconds; a healthy headless chromium needs about two


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Settings:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium (apt-get install chromium) for the report check")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return found


def browse(chromium: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    """Headless chromium on ``page`` with a fresh profile and no network (requests go to a closed port)."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=5000",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, timeout=BROWSER_TIMEOUT, check=True)


def images_loaded(dom: str) -> int:
    found = re.search(r'<body[^>]*data-images-loaded="(\d+)"', dom)
    assert found, "the page's script did not run"
    return int(found.group(1))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("src"):
            self.sources.append(str(values["src"]))
        if tag in ("a", "link") and values.get("href"):
            self.links.append(str(values["href"]))


def links_of(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


# --- the page -------------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_report_of_a_run_holds_every_section(sample: Settings, tmp_path: Path) -> None:
    summary = run_registry(sample)  # nothing changed: the same five documents, the warehouse kept
    page = write_run_report(sample, summary.outcomes, run_id="test-run", seconds=1.5, output_dir=tmp_path)
    assert page == tmp_path / "run-test-run.html"
    html = page.read_text(encoding="utf-8")
    assert (tmp_path / LATEST).read_text(encoding="utf-8") == html
    assert sorted(p.name for p in tmp_path.iterdir()) == [LATEST, "run-test-run.html"]  # no temporary left
    for name in UNIT_NAMES:
        assert name in html
    assert html.count('class="unit-row"') == len(UNIT_IDS)
    assert 'id="findings"' in html and 'id="failures"' in html and 'id="no-failures"' in html
    assert "用时 1.5 秒" in html and "unchanged 5" in html  # the run's own actions
    assert "5,570.34" in html and "42.9%" in html  # 大同 本年支出合计, 基本支出 share
    # Self-contained: every image is a data URI, every link a relative file that exists.
    parsed = links_of(html)
    assert len(parsed.sources) == len(REPORT_CHARTS)
    assert all(src.startswith("data:image/png;base64,") for src in parsed.sources)
    assert not [href for href in parsed.links if "://" in href]
    assert parsed.links, "identity findings link to the Data Docs"
    for href in set(parsed.links):
        assert (tmp_path / href.split("#", 1)[0]).resolve().is_file(), href
    # The stewards' order, in Chinese: failed documents at the top, then errors ("0 处错误" where there are
    # none), what juesuan could not read, warnings, rounding collapsed; each finding linked to its anchor.
    order = [html.index(f'id="{part}"') for part in ("failures", "identities", "errors", "unread", "warnings")]
    assert order == sorted(order) and html.index('id="warnings"') < html.index('id="rounding"')
    assert html.index('id="failures"') < html.index('id="coverage"') < html.index('id="charts"')
    assert 'id="no-errors"' in html and "0 处错误" in html
    page = (tmp_path / next(h for h in parsed.links if "validation.html#" in h).split("#", 1)[0]).resolve()
    anchors = page.read_text(encoding="utf-8")
    linked = [h.split("#", 1)[1] for h in parsed.links if "validation.html#" in h]
    assert linked and all(f'id="{anchor}"' in anchors for anchor in linked)
    assert len(linked) == html.count('class="rounding"') + html.count('class="finding ')


@pytest.mark.corpus
def test_the_page_opens_offline_in_chromium(sample: Settings, tmp_path: Path, chromium: str) -> None:
    page = write_run_report(sample, run_id="browser", output_dir=tmp_path / "reports")
    shot = tmp_path / "shot.png"
    browse(chromium, page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,4000")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
    image = Image.open(io.BytesIO(data)).convert("L")
    assert image.size == (1280, 4000)
    assert image.getextrema()[0] < 64  # dark text and bars on the page, not a blank canvas
    dom = browse(chromium, page, tmp_path / "profile-dom", "--dump-dom").stdout.decode("utf-8")
    assert images_loaded(dom) == len(REPORT_CHARTS)  # every chart decoded with the network cut off
    assert dom.count('class="unit-row"') == len(UNIT_IDS)
    for name in UNIT_NAMES:
        assert name in dom
    assert 'id="findings"' in dom and "决算运行报告" in dom


def test_the_browser_check_catches_a_page_that_needs_the_network(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "remote.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/chart.png">'
        "<script>window.addEventListener('load', function () {"
        "var ok = Array.prototype.filter.call(document.images, function (i) { return i.naturalWidth > 0; });"
        "document.body.setAttribute('data-images-loaded', String(ok.length)); });</script></body></html>",
        encoding="utf-8",
    )
    dom = browse(chromium, page, tmp_path / "profile", "--dump-dom").stdout.decode("utf-8")
    assert images_loaded(dom) == 0


def test_failed_documents_are_listed_with_their_reasons(tmp_path: Path, corpus: type) -> None:
    registry = corpus_registry(tmp_path / "units.toml", corpus)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    # 大竹's report replaced by an empty file: quarantined with its reason, the rest loads.
    text = registry.read_text(encoding="utf-8").replace(str(corpus.path("dazhu-sic")), str(empty))  # type: ignore[attr-defined]
    registry.write_text(text, encoding="utf-8")
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data"), **LOCAL_ROOTS_ENV}).with_overrides(
        registry=registry
    )
    summary = run_registry(settings)
    failed = [o for o in summary.outcomes if o.status != "loaded"]
    assert [(o.unit_id, o.status) for o in failed] == [("dazhu-sic", "quarantined")]
    page = write_run_report(settings, summary.outcomes, run_id="with-failure")
    assert page.parent == settings.data_dir / "reports"
    html = page.read_text(encoding="utf-8")
    failures = html[html.index('id="failures"') :]
    assert failures.count('class="failure"') == 1
    assert "dazhu-sic" in failures and failed[0].error and failed[0].error in failures
    assert "empty.txt" in failures and "文件是空的" in failures  # what it means, in Chinese
    # Not validated: the page says how to get the identities rather than showing an empty table.
    assert "No validation run is in this warehouse" in html
    # Without the run's outcomes the failures come from the documents table.
    again = write_run_report(settings, run_id="from-documents").read_text(encoding="utf-8")
    assert again[again.index('id="failures"') :].count('class="failure"') == 1


@pytest.mark.corpus
def test_a_chart_that_cannot_be_drawn_says_why(
    sample: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not dejavu.is_file():
        pytest.skip(f"{dejavu} not installed")
    monkeypatch.setenv(fonts.FONT_ENV, str(dejavu))
    html = write_run_report(sample, run_id="no-font", output_dir=tmp_path).read_text(encoding="utf-8")
    assert html.count("not drawn") == len(REPORT_CHARTS)
    assert "has no glyph for" in html
    assert "data:image/png" not in html
    assert 'id="findings"' in html  # the rest of the page is still there


@pytest.mark.corpus
def test_report_command_and_nightly_step(sample: Settings, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--warehouse", str(sample.warehouse), "--output-dir", str(tmp_path), "--run-id", "cli"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run-cli.html").is_file() and (tmp_path / LATEST).is_file()

    @dataclass
    class Context:  # the part of the nightly flow's StepContext the step reads
        settings: Settings
        summary: RunSummary

    step = run_report_step(Context(sample, run_registry(sample)))
    assert (step.name, step.status) == ("run report", "ok")
    assert Path(step.detail).is_file() and Path(step.detail).parent == sample.data_dir / "reports"


def test_bad_run_id_and_missing_warehouse(tmp_path: Path) -> None:
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)})
    with pytest.raises(UsageError, match="run id"):
        write_run_report(settings, run_id="../escape")
    with pytest.raises(WarehouseError, match="juesuan run"):
        write_run_report(settings, run_id="ok")
    assert not (tmp_path / "reports").exists()
