"""Render a :class:`~.layout.Report` as HTML and print it to PDF with headless Chromium.

This is a third layout engine besides reportlab and LibreOffice. Chromium paginates the HTML itself,
breaks long tables wherever it likes (repeating ``<thead>`` on every page), chooses the CJK font
through fontconfig and draws cell borders its own way. Pages are therefore Chromium's, and the
expected facts carry no page. Bytes depend on the installed Chromium and fonts, so this variant is
regenerated, not committed.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from juesuan.errors import JuesuanError
from juesuan.samples.layout import Grid, Report
from juesuan.samples.render_pdf import ExpectedFact, Rendered
from juesuan.samples.truth import RESTATED

CHROMIUM_TIMEOUT = 120
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_STYLE = """
@page { size: A4; margin: 18mm 15mm; }
@page wide { size: A4 landscape; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", serif; font-size: 11pt; }
h1 { text-align: center; margin-top: 35%; font-size: 22pt; }
p.cover { text-align: center; font-size: 16pt; }
section.table { page-break-before: always; }
section.wide { page: wide; }
h2 { text-align: center; font-size: 15pt; margin: 4mm 0 2mm; }
p.meta { display: flex; justify-content: space-between; font-size: 9pt; margin: 0 0 2mm; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 0.6pt solid #000; padding: 2pt 3pt; }
th { font-weight: normal; text-align: center; }
td.num { text-align: right; }
tr { page-break-inside: avoid; }
"""


class BrowserMissingError(JuesuanError):
    """No headless Chromium on this machine."""


def _grid_html(grid: Grid, unit_name: str, index: int) -> str:
    rows = []
    for row in grid.header:
        cells = []
        for cell in row:
            if cell is None:
                continue
            spans = f' colspan="{cell.colspan}"' * (cell.colspan > 1) + f' rowspan="{cell.rowspan}"' * (
                cell.rowspan > 1
            )
            cells.append(f"<th{spans}>{html.escape(cell.text)}</th>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = f"<thead>{''.join(rows)}</thead>"
    body = []
    for r, values in enumerate(grid.body):
        cells = []
        skip = 0
        for col, text in enumerate(values):
            if skip:
                skip -= 1
                continue
            span = grid.body_spans.get((r, col), 1)
            skip = span - 1
            kind = "" if col in grid.label_cols else ' class="num"'
            colspan = f' colspan="{span}"' if span > 1 else ""
            cells.append(f"<td{kind}{colspan}>{html.escape(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    wide = " wide" if grid.landscape else ""
    note = f"<p>{html.escape(grid.note)}</p>" if grid.note else ""
    return (
        f'<section class="table{wide}"><p style="text-align:right;font-size:9pt">公开{index:02d}表</p>'
        f"<h2>{html.escape(grid.title)}</h2>"
        f'<p class="meta"><span>编制单位：{html.escape(unit_name)}</span><span>金额单位：万元</span></p>'
        f"<table>{head}<tbody>{''.join(body)}</tbody></table>{note}</section>"
    )


def report_html(report: Report) -> str:
    parts = [
        f"<h1>{html.escape(report.unit_name)}</h1>",
        f'<p class="cover">{html.escape(report.cover_title)}</p>',
        '<section class="table">',
        *(f"<p>{html.escape(p.text)}</p>" for p in report.paragraphs),
        "</section>",
        *(_grid_html(grid, report.unit_name, i) for i, grid in enumerate(report.grids, start=1)),
    ]
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(report.title)}</title>'
        f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def render_browser_pdf(report: Report) -> Rendered:
    browser = next((found for name in _CANDIDATES if (found := shutil.which(name))), None)
    if browser is None:
        raise BrowserMissingError("the browser variant needs headless Chromium: apt-get install -y chromium")
    expected = [ExpectedFact(f, "narrative", None) for p in report.paragraphs for f in p.facts]
    expected += [ExpectedFact(f, RESTATED, None) for p in report.paragraphs for f in p.restated]
    expected += [ExpectedFact(f, "table", None) for g in report.grids for facts in g.row_facts for f in facts]
    with tempfile.TemporaryDirectory(prefix="juesuan-browser-") as folder:
        source = Path(folder) / "report.html"
        target = Path(folder) / "report.pdf"
        source.write_text(report_html(report), encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=False)
        if completed.returncode != 0 or not target.exists():
            raise BrowserMissingError(f"Chromium failed ({completed.returncode}): {completed.stderr.strip()[:300]}")
        return Rendered(target.read_bytes(), 0, expected)
