"""The common comparison charts, drawn from the warehouse marts with matplotlib.

One function per chart kind turns a frame into a figure; the data come from the same read-only
queries as ``juesuan compare`` (:func:`~juesuan.warehouse.query.mart_for_selection` and
:func:`~juesuan.warehouse.query.compare`), so a chart shows exactly the numbers a query gives.

Kinds (:data:`CHART_KINDS`):

``class-structure``
    Functional-class (类) structure across units: one 100% bar per unit-year (``unit_year_structure``).
``basic-project``
    基本支出 vs 项目支出 in 万元, one stacked bar per unit-year, shares written on the bars.
``personnel-public``
    人员经费 vs 公用经费 (basic spending) in 万元, same layout.
``subject``
    One subject across units and years (default: every year in the warehouse), grouped bars;
    a unit that did not report it is marked 未填报 rather than drawn as zero.

Figures are made with the object-oriented API on an Agg canvas (no pyplot state, no display), in
the CJK font of :mod:`juesuan.report.fonts`; a glyph matplotlib reports missing is an error, never
a box in the picture. PNGs are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import io
import logging
import os
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from juesuan.errors import JuesuanError, UsageError
from juesuan.report.fonts import cjk_font
from juesuan.warehouse.query import (
    BUDGET_MEASURE,
    EXECUTION_MEASURE,
    FINAL_MEASURE,
    REPORT_MEASURES,
    Selection,
    compare_units,
    connect_readonly,
    default_table_column,
    mart_for_selection,
)

log = logging.getLogger(__name__)

CHART_KINDS: dict[str, str] = {
    "class-structure": "支出功能分类结构（占比）",
    "basic-project": "基本支出与项目支出（万元）",
    "personnel-public": "人员经费与公用经费（万元）",
    "subject": "科目跨单位、跨年度比较（万元）",
}
DPI = 150
WIDTH_INCHES = 11.0
BAR_INCHES = 0.55
PAIR_COLOURS = ("#1f77b4", "#ff7f0e")
NOT_REPORTED_LABEL = "未填报"  # the report of that year does not state the subject
NO_REPORT_LABEL = "无报告"  # no report of that unit and year in the warehouse
#: A segment narrower than this part of the longest bar gets no text (it would spill over).
MIN_LABELLED_FRACTION = 0.08


class ChartError(JuesuanError):
    """A chart cannot be drawn (no data for the selection, or a glyph the font lacks)."""


@dataclass(frozen=True)
class ChartRequest:
    """What to draw: the kind, the units and years, and for ``subject`` the subject (table, column)."""

    kind: str
    selection: Selection = field(default_factory=Selection)
    subject: str | None = None
    table_name: str | None = None
    column_name: str | None = None
    measure: str = FINAL_MEASURE  # the subject chart: 决算数, 预算数 or 执行率 (juesuan compare --measure)

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise UsageError("chart kind", self.kind, tuple(CHART_KINDS))
        if self.measure not in REPORT_MEASURES:
            raise UsageError("--measure", self.measure, REPORT_MEASURES)
        if self.measure != FINAL_MEASURE and self.kind != "subject":
            raise UsageError(f"--measure {self.measure} (only for the subject chart)", self.kind)
        if self.kind == "subject" and not (self.subject and self.subject.strip()):
            raise UsageError("--subject (required for the subject chart)", self.subject)


def _label(unit_name: object, unit_id: str, year: object) -> str:
    name = unit_name if isinstance(unit_name, str) and unit_name else unit_id
    return f"{name} {year}"


def _structure(
    warehouse: Path, selection: Selection, dimension: str, components: tuple[str, ...] | None
) -> pd.DataFrame:
    frame = mart_for_selection(warehouse, "unit_year_structure", selection)
    frame = frame[frame["dimension"] == dimension]
    if components is not None:
        frame = frame[frame["component"].isin(components)]
    if frame.empty:
        raise ChartError(f"no {dimension} figures for {_describe(selection)}")
    frame = frame.assign(
        label=[_label(n, u, y) for n, u, y in zip(frame.unit_name, frame.unit_id, frame.year, strict=True)]
    )
    return frame


def _describe(selection: Selection) -> str:
    units = ", ".join(selection.units) if selection.units else "any unit"
    years = ", ".join(map(str, selection.years)) if selection.years else "its latest year"
    return f"{units} in {years}"


def _figure(bars: int) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_INCHES, 1.8 + BAR_INCHES * max(bars, 1)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _stacked(
    axes: Axes,
    labels: list[str],
    series: dict[str, list[float]],
    colours: Sequence[Any],
    annotate: Callable[[int, str, float], str | None],
) -> None:
    """Horizontal stacked bars, first label on top; ``annotate`` gives the text inside a segment."""
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    longest = max((sum(column) for column in zip(*series.values(), strict=True)), default=0.0) or 1.0
    for (name, values), colour in zip(series.items(), colours, strict=True):
        bars = axes.barh(positions, values, left=left, label=name, color=colour, edgecolor="white", linewidth=0.6)
        for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
            text = annotate(index, name, value) if value / longest >= MIN_LABELLED_FRACTION else None
            if text:
                axes.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)


def _class_structure(warehouse: Path, request: ChartRequest) -> Figure:
    frame = _structure(warehouse, request.selection, "支出功能分类", None)
    frame = frame.assign(series=frame.component_code + " " + frame.component)
    labels = list(dict.fromkeys(frame.label))
    names = sorted(set(frame.series))
    share = {(r.label, r.series): float(r.share or 0) * 100 for r in frame.itertuples()}
    series = {name: [share.get((label, name), 0.0) for label in labels] for name in names}
    figure, axes = _figure(len(labels))
    colours = [matplotlib.colormaps["tab20"](i % 20) for i in range(len(names))]
    _stacked(axes, labels, series, colours, lambda _i, _n, v: f"{v:.1f}%")
    axes.set_xlim(0, 100)
    axes.set_xlabel("占各类支出合计的比重（%）")
    axes.set_title(CHART_KINDS["class-structure"])
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=min(len(names), 4), frameon=False, fontsize=9)
    return figure


def _pair(warehouse: Path, request: ChartRequest, dimension: str, pair: tuple[str, str]) -> Figure:
    frame = _structure(warehouse, request.selection, dimension, pair)
    labels = list(dict.fromkeys(frame.label))
    amount = {(r.label, r.component): float(r.amount) for r in frame.itertuples()}
    share = {(r.label, r.component): r.share for r in frame.itertuples()}
    series = {name: [amount.get((label, name), 0.0) for label in labels] for name in pair}

    def annotate(index: int, name: str, value: float) -> str | None:
        ratio = share.get((labels[index], name))
        return f"{ratio * 100:.1f}%" if ratio is not None and not pd.isna(ratio) else None

    figure, axes = _figure(len(labels))
    _stacked(axes, labels, series, list(PAIR_COLOURS), annotate)
    axes.set_xlabel("万元")
    axes.set_title(CHART_KINDS[request.kind])
    axes.legend(loc="lower right", frameon=False)
    return figure


def _subject_name(warehouse: Path, code: str) -> str:
    connection = connect_readonly(warehouse)
    try:
        found = connection.execute(
            "SELECT name FROM subjects WHERE code = $code ORDER BY valid_from_year DESC", {"code": code}
        ).fetchall()
    finally:
        connection.close()
    return str(found[0][0]) if found else ""


def _report_years(warehouse: Path, measure: str) -> set[tuple[str, int]]:
    """The unit-years with a report of the measure's kind: a 预算 for 预算数, a 决算 otherwise."""
    source = (
        "SELECT DISTINCT unit_id, year FROM budget_vs_final WHERE budget_amount IS NOT NULL"
        if measure == BUDGET_MEASURE
        else "SELECT unit_id, year FROM unit_year_totals"
    )
    connection = connect_readonly(warehouse)
    try:
        return {(str(unit), int(year)) for unit, year in connection.execute(source).fetchall()}
    finally:
        connection.close()


def _subject(warehouse: Path, request: ChartRequest) -> Figure:
    subject = (request.subject or "").strip()
    has_report = _report_years(warehouse, request.measure)
    years = request.selection.years or tuple(sorted({year for _, year in has_report}))
    selection = Selection(units=request.selection.units, years=years)
    comparison = compare_units(
        warehouse,
        by="subject",
        subject=subject,
        table_name=request.table_name,
        column_name=request.column_name,
        selection=selection,
        report_measure=request.measure,
    )
    frame = comparison.frame.rename(columns={comparison.value_column: "value"})
    if frame["value"].isna().all():
        raise ChartError(f"no unit reports {subject} in the selected years ({', '.join(map(str, years))})")
    table, column = default_table_column(subject)
    table, column = request.table_name or table, request.column_name or column
    measure_unit = "%" if request.measure == EXECUTION_MEASURE else "万元"
    units = list(dict.fromkeys(zip(frame.unit_id, frame.unit_name, strict=True)))
    labels = [name if isinstance(name, str) and name else unit for unit, name in units]
    figure, axes = _figure(len(labels) * max(len(years), 1) // 2 + 1)
    height = 0.8 / len(years)
    colours = matplotlib.colormaps["tab10"]
    for index, year in enumerate(years):
        rows = frame[frame.year == year].set_index("unit_id")
        positions = [
            len(units) - 1 - u + (len(years) - 1 - index) * height - 0.4 + height / 2 for u in range(len(units))
        ]
        values: list[Any] = [rows.loc[unit, "value"] if unit in rows.index else None for unit, _ in units]
        drawn = [float(v) if v is not None and not pd.isna(v) else 0.0 for v in values]
        bars = axes.barh(positions, drawn, height=height * 0.9, label=str(year), color=colours(index % 10))
        for bar, value, (unit, _) in zip(bars, values, units, strict=True):
            missing = value is None or pd.isna(value)
            if missing:
                text = NOT_REPORTED_LABEL if (unit, int(year)) in has_report else NO_REPORT_LABEL
            else:
                text = f"{float(value):,.2f}"
            axes.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {text}",
                va="center",
                fontsize=8,
                color="#888888" if missing else "#222222",
            )
    axes.set_yticks(range(len(units))[::-1], labels)
    axes.set_xlabel(f"{comparison.measure_label}（{measure_unit}）")
    name = _subject_name(warehouse, subject)
    if request.measure == FINAL_MEASURE:
        axes.set_title(f"{subject} {name}（{table} · {column}，万元）".replace(" （", "（"))
    else:
        axes.set_title(
            f"{subject} {name} {comparison.measure_label}（{table} · {column}，{measure_unit}）".replace(" （", "（")
        )
    axes.legend(title="年度", loc="lower right", frameon=False)
    axes.margins(x=0.15)
    return figure


_DRAW: dict[str, Callable[[Path, ChartRequest], Figure]] = {
    "class-structure": _class_structure,
    "basic-project": lambda w, r: _pair(w, r, "支出类型", ("基本支出", "项目支出")),
    "personnel-public": lambda w, r: _pair(w, r, "基本支出经费", ("人员经费", "公用经费")),
    "subject": _subject,
}


def figure_for(warehouse: str | Path, request: ChartRequest) -> Figure:
    """The chart as a matplotlib figure (drawn in the CJK font; not yet rendered to pixels)."""
    font = cjk_font()
    with matplotlib.rc_context(_style(font.name)):
        return _DRAW[request.kind](Path(warehouse), request)


def _style(font_name: str) -> dict[Any, Any]:
    return {"font.family": [font_name, "DejaVu Sans"], "axes.unicode_minus": False}


def render_chart(warehouse: str | Path, request: ChartRequest) -> bytes:
    """The chart as PNG bytes; a label glyph the font lacks is a :class:`ChartError`, not a box."""
    font = cjk_font()
    with matplotlib.rc_context(_style(font.name)), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = _DRAW[request.kind](Path(warehouse), request)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
    missing = [str(w.message) for w in caught if "Glyph" in str(w.message) and "missing" in str(w.message)]
    if missing:
        raise ChartError(f"{request.kind}: the font {font.name} ({font.path}) cannot draw every label: {missing[0]}")
    return buffer.getvalue()


def write_chart(warehouse: str | Path, request: ChartRequest, output: str | Path) -> Path:
    """Draw the chart and write it to ``output`` (PNG) through a temporary file and a rename."""
    output = Path(output)
    if output.suffix.lower() != ".png":
        raise UsageError("-o (a .png file)", str(output))
    data = render_chart(warehouse, request)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.parent / f".{output.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, output)
    finally:
        if temporary.exists():
            temporary.unlink()
    log.info("wrote %s (%d bytes)", output, len(data))
    return output
