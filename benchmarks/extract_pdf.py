"""PDF extraction benchmark: juesuan against plain camelot lattice, on the bundled sample reports.

For every sample (variants ruled, unruled, scanned, office, browser, plus DOCX for juesuan alone) it measures,
in one process run:

* juesuan: ``extract_document`` end to end (triage, camelot on table pages only, mapping, narrative);
* plain camelot: ``camelot.read_pdf(path, pages="all", flavor="lattice")`` (the default raster
  engine on every page) — its grids are then titled and mapped by juesuan's shared code, so both
  are scored the same way;
* pypdfium2's bare text extraction of every page (the floor for any PDF reader);

and scores the table facts of both against the sample's ``*.truth.csv`` (cell-level precision and
recall). Narrative-only samples (大竹, 乌海: their real tables were published as images, so the sample
has no table) are timed with the rest but left out of the cell-level scores; their narrative facts
are scored by key and value in a separate table, with any table fact read from them counted as extra.
The 年初预算 amounts and last year's figures every sample's prose states are scored in a third table.
Then it renders a 100-page report (大同's sample with its prose repeated) and measures juesuan's peak
memory on it in a fresh process. Results go to ``benchmarks/RESULTS.md`` (section "PDF
extraction") with the machine and date.

Run: ``.venv/bin/python benchmarks/extract_pdf.py`` (after ``juesuan samples``; takes a few minutes).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

import camelot
from benchlib import machine, pdfium_text_seconds, today, write_section

from juesuan.extract.api import extract_document
from juesuan.extract.base import DocumentContext
from juesuan.extract.pdf_triage import open_pdf, page_lines
from juesuan.extract.tables import PageTable, assemble, map_groups
from juesuan.registry import load_registry
from juesuan.samples.generate import REGISTRY, REPORTS_DIR, build_reports, sample_name
from juesuan.samples.render_pdf import render_pdf
from juesuan.samples.score import SampleScore, Score, load_truth_csv, score, score_sample
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger("benchmark")
SECTION = "## PDF extraction (`benchmarks/extract_pdf.py`)"
PDF_VARIANTS = ("ruled", "unruled", "scanned", "office", "browser")


@dataclass
class Row:
    variant: str
    unit_id: str
    pages: int
    juesuan_s: float
    sample: SampleScore
    camelot_s: float | None = None
    camelot: Score | None = None
    pdfium_s: float | None = None

    @property
    def juesuan(self) -> Score:
        return self.sample.tables

    @property
    def narrative_only(self) -> bool:
        return self.sample.narrative_only


def _plain_camelot(path: Path, context: DocumentContext, catalogue: Catalogue) -> tuple[float, list]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = camelot.read_pdf(str(path), pages="all", flavor="lattice")
    seconds = time.perf_counter() - start
    document = open_pdf(str(path), path.read_bytes())
    try:
        pages = {int(t.page) for t in found}
        lines = {n: page_lines(document, n) for n in pages}
    finally:
        document.close()
    tables = [
        PageTable(
            page=int(t.page),
            rows=t.df.astype(str).values.tolist(),
            extractor="camelot-lattice",
            top=float(max(t._bbox[1], t._bbox[3])),
            bottom=float(min(t._bbox[1], t._bbox[3])),
        )
        for t in found
    ]
    return seconds, map_groups(assemble(tables, lines), context, catalogue).facts


def measure(variants: tuple[str, ...], with_camelot: bool) -> list[Row]:
    registry = load_registry(REGISTRY)
    catalogue = Catalogue.load()
    rows: list[Row] = []
    for unit in registry.units:
        year = unit.reports[0].year
        for variant in (*variants, "docx"):
            path = REPORTS_DIR / variant / sample_name(unit.id, year, variant)
            if not path.exists():
                log.warning("missing %s (run `juesuan samples`)", path)
                continue
            truth = load_truth_csv(path.with_name(path.name + ".truth.csv"))
            start = time.perf_counter()
            extraction = extract_document(path, unit_id=unit.id, year=year, registry=registry, catalogue=catalogue)
            seconds = time.perf_counter() - start
            sample = score_sample(extraction.facts, truth, extraction.prior_year_facts)
            row = Row(variant, unit.id, extraction.pages or 0, seconds, sample)
            if variant != "docx":
                row.pdfium_s = pdfium_text_seconds(path)
                if with_camelot:
                    context = DocumentContext(unit.id, year, extraction.sha256)
                    row.camelot_s, facts = _plain_camelot(path, context, catalogue)
                    row.camelot = score(facts, truth)
            log.info("%s %s: %.2fs %s", variant, unit.id, seconds, row.camelot_s)
            rows.append(row)
    return rows


def _long_report(target: Path, pages: int) -> int:
    """A report of at least ``pages`` pages, as long reports are: 大同's sample with its 情况说明
    repeated until the whole runs to ``pages`` pages (tables once, prose many times)."""
    registry = load_registry(REGISTRY)
    report = next(r for r in build_reports(registry) if r.unit_id == "datong-sic")
    copies = 1
    while True:
        rendered = render_pdf(replace(report, paragraphs=report.paragraphs * copies), "ruled")
        if rendered.pages >= pages:
            target.write_bytes(rendered.data)
            return rendered.pages
        copies += max(1, (pages - rendered.pages) // 2)


def peak_memory_mb(pages: int = 100) -> tuple[int, float, float]:
    """Pages, peak RSS (MB) and seconds of juesuan extracting a ``pages``-page report in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.pdf"
        count = _long_report(path, pages)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child forked from this (large)
        # process would report this process's size.
        code = (
            "import re, sys, time\n"
            "from juesuan.extract.api import extract_document\n"
            "t = time.perf_counter()\n"
            "e = extract_document(sys.argv[1], unit_id='datong-sic', year=2023)\n"
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "print(time.perf_counter() - t, hwm)\n"
        )
        completed = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"the {count}-page extraction failed: {completed.stderr.strip()[-500:]}")
        output = completed.stdout.split()
    return count, int(output[1]) / 1024, float(output[0])


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def render(rows: list[Row], memory: tuple[int, float, float] | None) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {today()} on {machine()}, camelot {version('camelot-py')}, pypdfium2 {version('pypdfium2')}.",
        "Scores are cell-level over the table facts of each sample's `*.truth.csv` (P = precision, R = recall),",
        "over the samples that have tables (time and pages are over every sample of the variant);",
        "plain camelot's grids are titled and mapped by the same shared code, so both columns are scored alike.",
        "",
        "| variant | reports | pages | juesuan s | ms/page | juesuan P | juesuan R | camelot s | camelot P | camelot R "
        "| speed-up | pdfium text s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for variant in (*PDF_VARIANTS, "docx"):
        group = [r for r in rows if r.variant == variant]
        if not group:
            continue
        pages = sum(r.pages for r in group)
        seconds = sum(r.juesuan_s for r in group)
        tabled = [r for r in group if not r.narrative_only]
        correct = sum(r.juesuan.correct for r in tabled)
        precision = correct / max(1, sum(r.juesuan.extracted for r in tabled))
        recall = correct / max(1, sum(r.juesuan.expected for r in tabled))
        camelot_cells = ["–", "–", "–", "–"]
        if all(r.camelot is not None for r in group) and variant != "docx":
            c_seconds = sum(r.camelot_s or 0 for r in group)
            c_correct = sum(r.camelot.correct for r in tabled if r.camelot)
            c_p = c_correct / max(1, sum(r.camelot.extracted for r in tabled if r.camelot))
            c_r = c_correct / max(1, sum(r.camelot.expected for r in tabled if r.camelot))
            camelot_cells = [f"{c_seconds:.2f}", _pct(c_p), _pct(c_r), f"{c_seconds / seconds:.1f}×"]
        pdfium_s = sum(r.pdfium_s or 0 for r in group)
        per_page = f"{1000 * seconds / pages:.1f}" if pages else "–"
        lines.append(
            f"| {variant} | {len(group)} | {pages or '–'} | {seconds:.2f} | {per_page} | {_pct(precision)} "
            f"| {_pct(recall)} | {' | '.join(camelot_cells)} | {pdfium_s:.3f} |"
        )
    lines.append("")
    lines.extend(narrative_only_table(rows))
    lines.extend(restated_and_budget_table(rows))
    misses = [
        (r, key)
        for r in rows
        for result in (r.sample.tables, r.sample.narrative, r.sample.budget, r.sample.restated)
        for key in result.missing + [w[0] for w in result.wrong]
    ]
    if misses:
        lines.append("juesuan's missed or wrong cells:")
        lines.extend(f"- {r.variant} {r.unit_id}: {' / '.join(key[:3])}" for r, key in misses)
        lines.append("")
    if memory is not None:
        pages, mb, seconds = memory
        lines.append(
            f"Peak memory (RSS) of juesuan extracting a {pages}-page report in a fresh process: {mb:.0f} MB "
            f"({seconds:.1f} s, {1000 * seconds / pages:.1f} ms/page)."
        )
        lines.append("")
    return "\n".join(lines)


def narrative_only_table(rows: list[Row]) -> list[str]:
    """Markdown lines scoring the narrative-only samples' narrative facts, one row per variant."""
    narrated = [r for r in rows if r.narrative_only]
    if not narrated:
        return []
    units = ", ".join(sorted({r.unit_id for r in narrated}))
    lines = [
        f"Narrative-only samples ({units}: tables published as images, so no table cell to score), their",
        "narrative facts scored by key and value; table facts read from them would be extra:",
        "",
        "| variant | reports | narrative facts | P | R | page errors | table facts read |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant in (*PDF_VARIANTS, "docx"):
        group = [r for r in narrated if r.variant == variant]
        if not group:
            continue
        expected = sum(r.sample.narrative.expected for r in group)
        correct = sum(r.sample.narrative.correct for r in group)
        extracted = sum(r.sample.narrative.extracted for r in group)
        page_errors = sum(len(r.sample.narrative.page_errors) for r in group)
        stray = sum(r.sample.tables.extracted for r in group)
        lines.append(
            f"| {variant} | {len(group)} | {expected} | {_pct(correct / max(1, extracted))} "
            f"| {_pct(correct / max(1, expected))} | {page_errors} | {stray} |"
        )
    lines.append("")
    return lines


def restated_and_budget_table(rows: list[Row]) -> list[str]:
    """Markdown lines scoring, over every sample, the 年初预算 amounts the prose states and last year's
    figures its change sentences restate (the extraction's prior_year_facts), one row per variant."""
    if not any(r.sample.budget.expected or r.sample.restated.expected for r in rows):
        return []
    lines = [
        "年初预算 amounts (column 年初预算数) and last year's figures restated by the changes against the",
        "previous year, over every sample, scored by key and value:",
        "",
        "| variant | reports | 年初预算 | P | R | last year's | P | R |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant in (*PDF_VARIANTS, "docx"):
        group = [r for r in rows if r.variant == variant]
        if not group:
            continue
        cells = []
        for results in ([r.sample.budget for r in group], [r.sample.restated for r in group]):
            expected = sum(x.expected for x in results)
            correct = sum(x.correct for x in results)
            extracted = sum(x.extracted for x in results)
            cells.append(f"{expected} | {_pct(correct / max(1, extracted))} | {_pct(correct / max(1, expected))}")
        lines.append(f"| {variant} | {len(group)} | {' | '.join(cells)} |")
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=PDF_VARIANTS, help="default: all")
    parser.add_argument("--no-camelot", action="store_true", help="skip the plain camelot baseline")
    parser.add_argument("--no-memory", action="store_true", help="skip the 100-page peak-memory run")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    memory = None if args.no_memory else peak_memory_mb()
    rows = measure(tuple(args.variant or PDF_VARIANTS), not args.no_camelot)
    text = render(rows, memory)
    print(text)
    if not args.dry_run:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
