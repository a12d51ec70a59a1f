"""``juesuan chart``: PNGs of the common comparisons, drawn in a CJK font from the corpus warehouse."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from analyst_fixtures import sample_warehouse
from matplotlib.figure import Figure
from PIL import Image
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import UsageError
from juesuan.report import charts, fonts
from juesuan.report.charts import CHART_KINDS, ChartError, ChartRequest, figure_for, render_chart
from juesuan.report.fonts import CJKFont, CJKFontError, cjk_font
from juesuan.warehouse.query import Selection

runner = CliRunner()
UNIT_NAMES = (
    "大同市社会保险中心",
    "大竹县社会保险事业管理局",
    "辽宁省朝阳市社会保险事业服务中心",
    "晋城市人力资源和社会保障综合服务中心",
    "乌海市社会保险事业服务中心",
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def font() -> CJKFont:
    """The installed CJK font; skipped locally without one, an error in CI (which must install it)."""
    try:
        return cjk_font()
    except CJKFontError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have a CJK font: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus).warehouse


def texts(figure: Figure) -> list[str]:
    axes = figure.axes[0]
    found = [axes.get_title(), axes.get_xlabel()]
    found += [label.get_text() for label in axes.get_yticklabels()]
    found += [text.get_text().strip() for text in axes.texts]
    legend = axes.get_legend()
    if legend is not None:
        found += [text.get_text() for text in legend.get_texts()]
    return found


def test_the_font_draws_chinese(font: CJKFont) -> None:
    assert font.path.is_file()
    assert fonts._missing_glyphs(font.path, "".join(UNIT_NAMES) + "未填报无报告") == []


@pytest.mark.corpus
@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_cli_writes_a_readable_png(tmp_path: Path, warehouse: Path, font: CJKFont, kind: str) -> None:
    output = tmp_path / "charts" / f"{kind}.png"
    args = ["chart", kind, "-o", str(output), "--warehouse", str(warehouse)]
    if kind == "subject":
        args += ["--subject", "2080109"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{kind} chart written to" in result.output
    data = output.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    assert width >= 1200 and height >= 400  # 150 dpi, 11 inches wide, a bar per unit
    # Not a blank canvas: plenty of non-white pixels (bars and Chinese labels).
    grey = image.convert("L")
    dark = sum(count for value, count in enumerate(grey.histogram()) if value < 128)
    assert dark > 0.01 * width * height
    assert [p.name for p in output.parent.iterdir()] == [f"{kind}.png"]  # no temporary left behind


@pytest.mark.corpus
def test_class_structure_shows_every_unit_and_class(warehouse: Path, font: CJKFont) -> None:
    found = texts(figure_for(warehouse, ChartRequest("class-structure")))
    for name, year in zip(UNIT_NAMES, (2023, 2023, 2024, 2023, 2024), strict=True):
        assert f"{name} {year}" in found
    assert "208 社会保障和就业支出" in found and "206 科学技术支出" in found
    assert "96.0%" in found  # 大同: 5,347.97 of 5,570.34 on 208


@pytest.mark.corpus
def test_pairs_show_the_shares_of_the_reports(warehouse: Path, font: CJKFont) -> None:
    basic = texts(figure_for(warehouse, ChartRequest("basic-project")))
    assert {"42.9%", "57.1%", "85.7%"} <= set(basic)  # 大同 42.86/57.14, 大竹 85.73
    assert {"基本支出", "项目支出"} <= set(basic)
    people = texts(figure_for(warehouse, ChartRequest("personnel-public", Selection(units=("chaoyang-sic",)))))
    assert people.count("辽宁省朝阳市社会保险事业服务中心 2024") == 1
    assert {"73.5%", "26.5%"} <= set(people)  # 748.69 and 269.65 of 1,018.34


@pytest.mark.corpus
def test_subject_chart_marks_what_is_not_reported(warehouse: Path, font: CJKFont) -> None:
    found = texts(figure_for(warehouse, ChartRequest("subject", subject="2080109")))
    assert "2080109 社会保险经办机构（一般公共预算财政拨款支出决算表 · 小计，万元）" in found
    assert {"1,734.75", "577.12", "26.50", "447.25"} <= set(found)
    assert "未填报" in found  # 晋城 2023: its report books the spending elsewhere
    assert "无报告" in found  # 大同 2024: no report of that year yet
    assert {"2023", "2024"} <= set(found)


def test_a_font_without_chinese_glyphs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} not installed")
    monkeypatch.setenv(fonts.FONT_ENV, str(DEJAVU))
    with pytest.raises(CJKFontError, match="has no glyph for"):
        cjk_font()
    monkeypatch.setenv(fonts.FONT_ENV, str(DEJAVU.with_name("nowhere.ttf")))
    with pytest.raises(CJKFontError, match="no such font file"):
        cjk_font()


@pytest.mark.corpus
def test_a_missing_glyph_while_drawing_is_an_error(
    warehouse: Path, font: CJKFont, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} not installed")
    # Bypass the font check: matplotlib would draw boxes, and render_chart must refuse.
    monkeypatch.setattr(charts, "cjk_font", lambda: CJKFont("DejaVu Sans", DEJAVU))
    with pytest.raises(ChartError, match="cannot draw every label"):
        render_chart(warehouse, ChartRequest("basic-project"))


def test_bad_requests() -> None:
    with pytest.raises(UsageError, match="allowed: class-structure, basic-project, personnel-public, subject"):
        ChartRequest("pie")
    with pytest.raises(UsageError, match="required for the subject chart"):
        ChartRequest("subject")


@pytest.mark.corpus
def test_cli_errors_are_one_line(tmp_path: Path, warehouse: Path, font: CJKFont) -> None:
    for args, message in (
        (["subject", "--subject", "9999999"], "no unit reports 9999999"),
        (["basic-project", "--units", "datong-sic", "--years", "2024"], "no 支出类型 figures for datong-sic in 2024"),
        (["basic-project", "--years", "2020"], "invalid --years: '2020' (allowed: 2023, 2024)"),
        (["class-structure", "--units", "taiyuan-sic"], "invalid --units: 'taiyuan-sic'"),
    ):
        result = runner.invoke(app, ["chart", *args, "-o", str(tmp_path / "x.png"), "--warehouse", str(warehouse)])
        assert result.exit_code == 1, result.output
        assert message in " ".join(result.output.split())
    wrong_suffix = runner.invoke(
        app, ["chart", "class-structure", "-o", str(tmp_path / "x.jpg"), "--warehouse", str(warehouse)]
    )
    assert wrong_suffix.exit_code == 1 and "a .png file" in wrong_suffix.output
    assert not list(tmp_path.iterdir())
