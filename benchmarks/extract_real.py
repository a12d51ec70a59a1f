"""Speed on real reports: juesuan against plain camelot lattice and pypdfium2's bare text extraction.

For every PDF under the paths given (default: the real 部门决算 of ``../shared/real/final``; ``--budget``
adds the 预算 reports of ``../shared/real/budget``) it measures, in the same run and interleaved (each
repetition times the three on one report before the next report, so a change of load hits them alike):

* juesuan: ``extract_document`` of the whole report (triage, tables, mapping, narrative; the catalogue
  loaded once beforehand, as a long-running process has it), under an id made from the file name;
* plain camelot: ``camelot.read_pdf(path, pages="all", flavor="lattice")`` (its default raster engine);
* pypdfium2: opening the file and extracting the text of every page, the floor for any PDF reader;

``--repeat`` times (default 3) and reports the median of each, with the ratios camelot / juesuan
(target ≥ 20×) and juesuan / pdfium text (aim: within 5×) and juesuan's ms per page. A report juesuan
refuses (a budget report may state no 决算 year) is timed up to its refusal and listed with the reason.
The 1-minute load average before and after is recorded: above half the cores the numbers are marked
provisional. Results go to ``benchmarks/RESULTS.md`` (section "Real reports: speed") unless ``--dry-run``.

Run: ``.venv/bin/python benchmarks/extract_real.py`` (about a minute), ``--budget --repeat 1`` for the
budget reports too (several minutes: camelot rasterises every page).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
import warnings
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import camelot
import pypdfium2 as pdfium
from benchlib import (
    ROOT,
    command,
    find_documents,
    is_loaded,
    load_average,
    machine,
    markdown_table,
    pdfium_text_seconds,
    slug,
    today,
    write_section,
)

from juesuan.errors import DocumentError
from juesuan.extract.api import extract_document
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger("extract_real")
SECTION = "## Real reports: speed (`benchmarks/extract_real.py`)"
REAL = ROOT.parent / "shared" / "real"
CAMELOT_TARGET, PDFIUM_AIM = 20, 5


@dataclass
class Timing:
    """One report's times over the repetitions (seconds), and what juesuan and camelot found."""

    path: Path
    pages: int
    juesuan: list[float] = field(default_factory=list)
    camelot: list[float] = field(default_factory=list)
    pdfium: list[float] = field(default_factory=list)
    facts: int = 0
    juesuan_error: str | None = None
    camelot_tables: int = 0
    camelot_error: str | None = None

    @property
    def label(self) -> str:
        return self.path.name

    @staticmethod
    def median(times: list[float]) -> float | None:
        return statistics.median(times) if times else None


def page_count(path: Path) -> int:
    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def time_juesuan(timing: Timing, catalogue: Catalogue) -> None:
    start = time.perf_counter()
    try:
        extraction = extract_document(timing.path, unit_id=slug(timing.path.stem), catalogue=catalogue)
        timing.facts = len(extraction.facts)
    except DocumentError as exc:
        timing.juesuan_error = f"{type(exc).__name__}: {exc.reason}"
    timing.juesuan.append(time.perf_counter() - start)


def time_camelot(timing: Timing) -> None:
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            timing.camelot_tables = len(camelot.read_pdf(str(timing.path), pages="all", flavor="lattice"))
    except Exception as exc:  # camelot failing on one report is reported (and logged), the others still run
        timing.camelot_error = f"{type(exc).__name__}: {exc}"
        log.exception("%s: camelot failed", timing.path)
    timing.camelot.append(time.perf_counter() - start)


def measure(paths: list[Path], repeat: int, with_camelot: bool) -> list[Timing]:
    catalogue = Catalogue.load()
    timings = [Timing(path, page_count(path)) for path in find_documents(paths) if path.suffix.lower() == ".pdf"]
    for round_ in range(1, repeat + 1):
        for timing in timings:
            time_juesuan(timing, catalogue)
            if with_camelot:
                time_camelot(timing)
            timing.pdfium.append(pdfium_text_seconds(timing.path))
            log.info(
                "round %d %s: juesuan %.3f s, camelot %s, pdfium %.3f s",
                round_,
                timing.label,
                timing.juesuan[-1],
                f"{timing.camelot[-1]:.2f} s" if with_camelot else "–",
                timing.pdfium[-1],
            )
    return timings


def _ms(seconds: float | None) -> str:
    return f"{1000 * seconds:.1f}" if seconds is not None else "–"


def _times(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.1f}×" if value is not None and reference else "–"


HEADERS = [
    "report", "pages", "juesuan ms", "ms/page", "camelot lattice ms", "camelot ÷ juesuan",
    "pdfium text ms", "juesuan ÷ pdfium", "juesuan facts", "camelot tables",
]  # fmt: skip


def rows(timings: list[Timing]) -> list[list[str]]:
    out = []
    for folder in dict.fromkeys(t.path.parent for t in timings):
        group = [t for t in timings if t.path.parent == folder]
        for t in group:
            j, c, p = (Timing.median(times) for times in (t.juesuan, t.camelot, t.pdfium))
            if t.juesuan_error:  # timed up to the refusal: no ratio means anything
                ratios = ["–", "–"]
            else:
                ratios = [_times(c, j), _times(j, p)]
            out.append(
                [t.label, str(t.pages), _ms(j), _ms(j / t.pages if j is not None and t.pages else None), _ms(c),
                 ratios[0], _ms(p), ratios[1], t.juesuan_error or str(t.facts),
                 t.camelot_error or (str(t.camelot_tables) if t.camelot else "–")]
            )  # fmt: skip
        read = [t for t in group if t.juesuan_error is None]
        if len(read) > 1:
            pages = sum(t.pages for t in read)
            j, p = (sum(Timing.median(getattr(t, k)) or 0 for t in read) for k in ("juesuan", "pdfium"))
            c = sum(Timing.median(t.camelot) or 0 for t in read) if all(t.camelot for t in read) else None
            out.append(
                [f"**{folder.name}/, the {len(read)} reports read**", str(pages), _ms(j),
                 _ms(j / pages if pages else None), _ms(c), _times(c, j), _ms(p), _times(j, p),
                 str(sum(t.facts for t in read)), "–"]
            )  # fmt: skip
    return out


def render(timings: list[Timing], repeat: int, loads: tuple[float, float]) -> str:
    provisional = is_loaded(*loads)
    verdict = (
        f"**Provisional**: the machine was shared while they ran (1-minute load {loads[0]:.1f} before, "
        f"{loads[1]:.1f} after, on its cores), so the absolute times and the ratios are noisy; re-run on a quiet "
        "machine before quoting them."
        if provisional
        else f"1-minute load {loads[0]:.1f} before, {loads[1]:.1f} after."
    )
    return "\n".join(
        [
            SECTION,
            "",
            f"Measured {today()} on {machine()}, camelot {version('camelot-py')}, pypdfium2 {version('pypdfium2')}, "
            f"with `{command()}`: the median of {repeat} interleaved repetition(s) per report. {verdict}",
            "",
            "juesuan = `extract_document` of the whole report (catalogue loaded beforehand); camelot = plain",
            '`camelot.read_pdf(path, pages="all", flavor="lattice")`; pdfium text = pypdfium2 opening the file and',
            f"extracting every page's text. Targets: camelot ÷ juesuan ≥ {CAMELOT_TARGET}×, juesuan ÷ pdfium",
            f"within {PDFIUM_AIM}×. The juesuan facts column says how much the reader got out of each report",
            "(the contract facts of the whole report, tables and narrative), or why it refused it: a refused report",
            "is timed up to its refusal, so it has no ratio and stays out of the totals.",
            "",
            *markdown_table(HEADERS, rows(timings)),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="PDFs and folders (default: ../shared/real/final)")
    parser.add_argument("--budget", action="store_true", help="also the budget reports of ../shared/real/budget")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per report (the median is reported)")
    parser.add_argument("--no-camelot", action="store_true", help="skip the plain camelot baseline")
    parser.add_argument("--json", type=Path, help="also write every repetition's times to this JSON file")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    paths = args.paths or [REAL / "final"]
    if args.budget:
        paths.append(REAL / "budget")
    load_before = load_average()
    timings = measure(paths, max(1, args.repeat), not args.no_camelot)
    text = render(timings, max(1, args.repeat), (load_before, load_average()))
    print(text)
    if args.json:
        raw = [
            {"report": str(t.path), "pages": t.pages, "juesuan_s": t.juesuan, "camelot_s": t.camelot,
             "pdfium_s": t.pdfium, "facts": t.facts, "juesuan_error": t.juesuan_error,
             "camelot_tables": t.camelot_tables, "camelot_error": t.camelot_error}
            for t in timings
        ]  # fmt: skip
        args.json.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.dry_run:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
