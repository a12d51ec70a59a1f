"""Write the sample reports and their ground truth, byte-deterministically.

For every unit of ``samples/registry.toml`` the report model is built from ``facts/<unit>.csv`` and
rendered in each variant:

=========  ===========================================================================
ruled      PDF, full cell grid (camelot lattice)                        ``.pdf``
unruled    PDF, three-line tables (camelot stream)                      ``.pdf``
docx       Word document, merged header cells                           ``.docx``
scanned    the ruled PDF rasterised, no text layer (OCR)                ``.pdf``
office     the DOCX laid out again by LibreOffice (another producer)    ``.pdf``
browser    HTML printed to PDF by headless Chromium (a third producer)  ``.pdf``
=========  ===========================================================================

A ``kind = "预算"`` entry of the registry is rendered from the synthetic budget facts
``facts/<unit>.budget.csv`` (:mod:`.budget`, derived from the unit's 决算 facts by
``juesuan samples --derive-budgets``) as ``<unit>_<year>_budget.<ext>``.

Beside each file, ``<name>.truth.csv`` lists the facts it shows (table, narrative, and restated: last
year's figures its change sentences state) with the page each is printed on (empty for DOCX and for
LibreOffice's own pagination). A file is rewritten only
when its bytes change, so a re-run is a no-op. ``office`` needs ``soffice`` (Debian
``libreoffice-writer-nogui``) and ``browser`` needs Chromium (Debian ``chromium``); their bytes depend on
those programs' versions, so they are regenerated, never committed.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from juesuan.contract import BUDGET, FINAL, REPORT_KIND_SLUGS, REPORT_KINDS
from juesuan.errors import JuesuanError
from juesuan.lake import write_bytes_atomic
from juesuan.registry import Registry, load_registry
from juesuan.samples.budget import load_budget_truth, write_budget_facts
from juesuan.samples.budget_layout import build_budget_report
from juesuan.samples.layout import Report, build_report
from juesuan.samples.render_docx import render_docx
from juesuan.samples.render_html import render_browser_pdf
from juesuan.samples.render_pdf import ExpectedFact, Rendered, render_pdf
from juesuan.samples.scan import scan_pdf
from juesuan.samples.truth import DATA_DIR, format_value, load_truth
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent
REGISTRY = SAMPLES_DIR / "registry.toml"
REPORTS_DIR = SAMPLES_DIR / "reports"
VARIANTS = ("ruled", "unruled", "docx", "scanned", "office", "browser")
EXTENSIONS = {"ruled": "pdf", "unruled": "pdf", "docx": "docx", "scanned": "pdf", "office": "pdf", "browser": "pdf"}
TRUTH_COLUMNS = ("table_name", "subject_code", "line_item", "column_name", "value", "source_kind", "page")
SOFFICE_TIMEOUT = 120


class GenerationError(JuesuanError):
    """A variant cannot be produced on this machine (the message says what to install)."""


@dataclass(frozen=True)
class Generated:
    variant: str
    unit_id: str
    path: Path
    truth_path: Path
    changed: bool
    facts: int


def sample_name(unit_id: str, year: int, variant: str, kind: str = FINAL) -> str:
    """``datong-sic_2023.pdf`` for a 决算, ``datong-sic_2023_budget.pdf`` for a 预算."""
    suffix = "" if kind == FINAL else f"_{REPORT_KIND_SLUGS[kind]}"
    return f"{unit_id}_{year}{suffix}.{EXTENSIONS[variant]}"


def build_reports(registry: Registry, data_dir: Path = DATA_DIR, kinds: tuple[str, ...] = (FINAL,)) -> list[Report]:
    """The report model of every registry entry of ``kinds``: a 决算 from ``facts/<unit>.csv``, a 预算 from
    the synthetic ``facts/<unit>.budget.csv`` (:mod:`.budget`). By default the 决算 only, one per unit."""
    catalogue = Catalogue.load()
    reports = []
    for unit in registry.units:
        for entry in unit.reports:
            if entry.kind not in kinds:
                continue
            if entry.kind == BUDGET:
                facts = load_budget_truth(unit.id, data_dir)
                reports.append(build_budget_report(unit.id, unit.name, entry.year, facts, catalogue))
            else:
                facts = load_truth(unit.id, data_dir)
                reports.append(build_report(unit.id, unit.name, entry.year, facts, catalogue))
    return reports


def derive_budget_facts(registry: Registry, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Re-derive ``facts/<unit>.budget.csv`` of every unit with a 预算 entry from its 决算 facts."""
    units = [(u.id, u.kind) for u in registry.units if any(r.kind == BUDGET for r in u.reports)]
    return write_budget_facts(units, data_dir)


def _office_pdf(docx_bytes: bytes) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise GenerationError("the office variant needs LibreOffice: apt-get install -y libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="juesuan-office-") as folder:
        source = Path(folder) / "report.docx"
        source.write_bytes(docx_bytes)
        command = [soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "pdf"]
        completed = subprocess.run(
            [*command, "--outdir", folder, str(source)],
            capture_output=True,
            text=True,
            timeout=SOFFICE_TIMEOUT,
            check=False,
        )
        target = Path(folder) / "report.pdf"
        if completed.returncode != 0 or not target.exists():
            raise GenerationError(f"LibreOffice failed ({completed.returncode}): {completed.stderr.strip()[:300]}")
        return target.read_bytes()


def render_variant(report: Report, variant: str) -> Rendered:
    if variant in ("ruled", "unruled"):
        return render_pdf(report, variant)
    if variant == "docx":
        return render_docx(report)
    if variant == "scanned":
        ruled = render_pdf(report, "ruled")
        return Rendered(scan_pdf(ruled.data), ruled.pages, ruled.expected)
    if variant == "office":
        docx = render_docx(report)
        return Rendered(_office_pdf(docx.data), 0, docx.expected)
    if variant == "browser":
        return render_browser_pdf(report)
    raise ValueError(f"unknown variant {variant!r} (allowed: {', '.join(VARIANTS)})")


def truth_csv(expected: list[ExpectedFact]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRUTH_COLUMNS)
    for item in expected:
        f = item.fact
        page = "" if item.page is None else str(item.page)
        writer.writerow(
            (f.table_name, f.subject_code or "", f.line_item, f.column_name, format_value(f), item.source_kind, page)
        )
    return buffer.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    write_bytes_atomic(data, path)
    return True


def generate(
    variants: tuple[str, ...] = VARIANTS,
    out_dir: Path = REPORTS_DIR,
    registry_path: Path = REGISTRY,
    units: tuple[str, ...] | None = None,
) -> list[Generated]:
    """Render every requested variant of every (selected) unit into ``out_dir/<variant>/``."""
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(unknown)} (allowed: {', '.join(VARIANTS)})")
    registry = load_registry(registry_path)
    written = []
    for report in build_reports(registry, kinds=REPORT_KINDS):
        if units is not None and report.unit_id not in units:
            continue
        for variant in variants:
            rendered = render_variant(report, variant)
            name = sample_name(report.unit_id, report.year, variant, report.kind)
            path = out_dir / variant / name
            truth_path = path.with_name(f"{name}.truth.csv")
            changed = _write_if_changed(path, rendered.data)
            changed = _write_if_changed(truth_path, truth_csv(rendered.expected).encode("utf-8")) or changed
            log.info("%s %s: %s (%s)", variant, report.unit_id, path, "written" if changed else "unchanged")
            written.append(Generated(variant, report.unit_id, path, truth_path, changed, len(rendered.expected)))
    return written
