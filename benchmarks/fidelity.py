"""Fidelity of juesuan's reading on any folders of documents: against their truth where one exists,
by the accounting identities the facts read must satisfy where none does.

Every document (PDF, DOCX, text export) under the paths given is read through the public entry,
``extract_document``, once, and timed. Then:

* a document with a truth — ``<file>.truth.csv`` beside it (the bundled samples), or a
  ``truth_tables.csv`` / ``truth_narrative.csv`` in its folder whose ``unit`` column names the unit the
  document names (``../shared/real/final``) — is scored per table (recall, precision, facts with a wrong
  value, facts whose key the truth lacks, truth cells missing) and, where the truth has narrative rows,
  on its narrative (``juesuan.samples.fidelity.score_document``);
* every document read is checked for self-consistency: the share of the within-table identity checks
  (``juesuan.transform.identities``) on its facts that pass exactly, within rounding, fail, or cannot be
  checked (``juesuan.samples.fidelity.self_consistency``). For a document without truth it is the only
  measure;
* a document the reader refuses (quarantines) is listed with its reason, never a crash.

The unit a document is for is recognised by name, as ``juesuan extract`` does: through the units of
``--registry`` files and the unit names of the folder's truth; a document that names none of them is
read under an id made from its file name. The year is read from each document, unless ``--year`` gives it.

Output: a table on stdout, the section "Fidelity" of ``benchmarks/RESULTS.md`` (replaced; with the date,
the machine and the command) unless ``--dry-run``, and with ``--json FILE`` every score and every
wrong, extra and missing key.

Run: ``.venv/bin/python benchmarks/fidelity.py`` (after ``juesuan samples``) for the samples, the real
reports, the budget reports and the corpus; or name files and folders:
``.venv/bin/python benchmarks/fidelity.py ../shared/real/final --dry-run``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from benchlib import (
    RESULTS,
    ROOT,
    command,
    find_documents,
    is_loaded,
    load_average,
    machine,
    markdown_table,
    slug,
    today,
    write_section,
)
from rich.console import Console
from rich.table import Table

from juesuan import contract as c
from juesuan.errors import DocumentError
from juesuan.extract.api import Extraction, extract_document
from juesuan.registry import Registry, Unit, load_registry
from juesuan.samples.fidelity import (
    OUTCOMES,
    VALUE_TOLERANCE,
    Consistency,
    DocumentFidelity,
    UnitYear,
    keyed_precision,
    load_budget_truth,
    load_unit_truth,
    printed_budget_tables,
    score_document,
    self_consistency,
)
from juesuan.samples.score import Score, TruthRow, load_truth_csv
from juesuan.transform.catalogue import Catalogue

log = logging.getLogger("fidelity")
SECTION = "## Fidelity (`benchmarks/fidelity.py`)"
SHARED = ROOT.parent / "shared"
DEFAULT_PATHS = (ROOT / "samples" / "reports", SHARED / "real" / "final", SHARED / "real" / "budget", SHARED / "corpus")
TABLES_TRUTH, NARRATIVE_TRUTH = "truth_tables.csv", "truth_narrative.csv"
WRONG_SHOWN = 12  # wrong values listed per document in RESULTS.md (all of them in the JSON)
FAILURES_SHOWN = 6  # failed identity checks listed per document in RESULTS.md (all of them in the JSON)


@dataclass
class FolderTruth:
    """The per-unit truth of a folder (``truth_tables.csv``, ``truth_narrative.csv``), by unit name and year."""

    source: str
    rows: dict[UnitYear, list[TruthRow]]

    @classmethod
    def load(cls, tables: Path | None, narrative: Path | None) -> FolderTruth | None:
        found = [(path, kind) for path, kind in ((tables, "table"), (narrative, "narrative")) if path and path.exists()]
        if not found:
            return None
        rows: dict[UnitYear, list[TruthRow]] = {}
        for path, kind in found:
            for unit_year, truth in load_unit_truth(path, kind).items():
                rows.setdefault(unit_year, []).extend(truth)
        return cls(" + ".join(_label(path) for path, _ in found), rows)

    @property
    def unit_names(self) -> list[str]:
        return sorted({name for name, _year in self.rows})


@dataclass
class Document:
    """One document read and scored."""

    path: Path
    seconds: float = 0.0
    error: str | None = None  # the reader's reason for refusing it
    extraction: Extraction | None = None
    unit_name: str | None = None
    truth_source: str | None = None
    fidelity: DocumentFidelity | None = None
    consistency: Consistency | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _label(self.path)

    @property
    def folder(self) -> str:
        return _label(self.path.parent)

    @property
    def status(self) -> str:
        return "read" if self.extraction is not None else "quarantined"

    def facts_of(self, kind: str) -> int:
        return sum(f.source_kind == kind for f in self.extraction.facts) if self.extraction else 0

    @property
    def tables_read(self) -> int:
        return sum(1 for t in self.extraction.tables if t.table_name and t.facts) if self.extraction else 0

    @property
    def who(self) -> str:
        if self.extraction is None:
            return "–"
        return f"{self.unit_name or self.extraction.unit_id} {self.extraction.year}"


def _label(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def own_truth(path: Path) -> Path:
    """A sample's truth file, beside it."""
    return path.with_name(path.name + ".truth.csv")


#: Truth files of real budget disclosures, by the PDF's stem (tests/fixtures/budget_truth/README.md).
BUDGET_TRUTH = ROOT / "tests" / "fixtures" / "budget_truth"


def budget_truth(path: Path) -> Path:
    return BUDGET_TRUTH / f"{path.stem}.csv"


def candidate_registry(registries: list[Registry], truth: FolderTruth | None) -> Registry | None:
    """The units a document may be for: those of the registries, then the truth's units they lack."""
    units: dict[str, Unit] = {}
    for registry in registries:
        for unit in registry.units:
            units.setdefault(unit.id, unit)
    names = {unit.name for unit in units.values()}
    for index, name in enumerate(truth.unit_names if truth else [], start=1):
        if name not in names:
            units[f"truth-unit-{index}"] = Unit(f"truth-unit-{index}", name, "", "", "", "县级", "", (), ())
    if not units:
        return None
    return Registry(Path(truth.source if truth else registries[0].path), tuple(units.values()))


def read(
    path: Path, registry: Registry | None, catalogue: Catalogue, use_ocr: bool | None, year: int | None = None
) -> Document:
    """Extract one document: its unit recognised through ``registry``, or else named after the file."""
    document = Document(path)
    start = time.perf_counter()
    unrecognised = None
    try:
        if registry is not None:
            try:
                document.extraction = extract_document(
                    path, registry=registry, year=year, catalogue=catalogue, use_ocr=use_ocr
                )
            except DocumentError as exc:
                if type(exc) is not DocumentError:
                    raise  # quarantined for what it holds, not for its unit: reading it again changes nothing
                unrecognised = exc.reason
        if document.extraction is None:
            document.extraction = extract_document(
                path, unit_id=slug(path.stem), year=year, catalogue=catalogue, use_ocr=use_ocr
            )
            if unrecognised is not None:
                document.notes.append(f"unit not recognised ({unrecognised}): read as {slug(path.stem)}")
    except DocumentError as exc:
        document.error = f"{type(exc).__name__}: {exc.reason}"
    except Exception as exc:  # a reader bug on one document is reported (and logged), the others still run
        document.error = f"reader crashed: {type(exc).__name__}: {exc}"
        log.exception("%s: the reader crashed", path)
    document.seconds = time.perf_counter() - start
    if document.extraction is not None and registry is not None:
        known = {unit.id: unit.name for unit in registry.units}
        document.unit_name = known.get(document.extraction.unit_id)
    return document


def truth_for(document: Document, folder_truth: FolderTruth | None) -> list[TruthRow] | None:
    """The document's truth: its own ``<file>.truth.csv``, or its unit's and year's rows in the folder's."""
    own = own_truth(document.path)
    if own.exists():
        document.truth_source = _label(own)
        return load_truth_csv(own)
    budget = budget_truth(document.path)
    if budget.exists():
        document.truth_source = _label(budget)
        return load_budget_truth(budget)
    if folder_truth is None or document.extraction is None:
        return None
    if document.unit_name is None:
        document.notes.append(f"no truth: the document names no unit of {folder_truth.source}")
        return None
    rows = folder_truth.rows.get((document.unit_name, document.extraction.year))
    if not rows:
        document.notes.append(f"no truth for {document.unit_name} {document.extraction.year} in {folder_truth.source}")
        return None
    document.truth_source = folder_truth.source
    return rows


def measure(
    paths: list[Path],
    registries: list[Registry],
    truth_files: tuple[Path | None, Path | None],
    use_ocr: bool | None,
    tolerance: Decimal,
    year: int | None = None,
) -> list[Document]:
    catalogue = Catalogue.load()
    given = FolderTruth.load(*truth_files)
    folder_truths: dict[Path, FolderTruth | None] = {}
    documents = []
    for path in find_documents(paths):
        folder = path.parent
        if folder not in folder_truths:
            folder_truths[folder] = given or FolderTruth.load(folder / TABLES_TRUTH, folder / NARRATIVE_TRUTH)
        folder_truth = folder_truths[folder]
        registry = candidate_registry(registries, None if own_truth(path).exists() else folder_truth)
        document = read(path, registry, catalogue, use_ocr, year)
        if document.extraction is not None:
            truth = truth_for(document, folder_truth)
            if truth is not None:
                document.fidelity = score_document(document.extraction.facts, truth, tolerance)
            document.consistency = self_consistency(document.extraction.facts)
        log.info("%s: %s in %.2f s", document.label, document.error or document.who, document.seconds)
        documents.append(document)
    return documents


# --- rendering ---------------------------------------------------------------------------------------------------
def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _checks(consistency: Consistency | None) -> list[str]:
    if consistency is None or not consistency.total:
        return ["0", "–", "–", "–", "–"]
    return [str(consistency.total), *(_pct(consistency.count(o), consistency.total) for o in OUTCOMES)]


CHECK_HEADERS = ["identity checks", "exact", "rounding", "failed", "not checkable"]
SCORED_HEADERS = [
    "document", "unit · year", "s", "truth cells", "read", "right", "R", "P",
    "wrong value", "key not in truth", "missing",
    "narrative truth", "right", "R", "P", "wrong", "beyond truth", *CHECK_HEADERS,
]  # fmt: skip
TABLE_HEADERS = ["table", "truth cells", "read", "right", "R", "P", "wrong value", "key not in truth", "missing"]
UNSCORED_HEADERS = [
    "document",
    "result",
    "unit · year",
    "pages",
    "s",
    "table facts",
    "narrative facts",
    "tables read",
    *CHECK_HEADERS,
]
FOLDER_HEADERS = [
    "folder", "documents", "quarantined", "truth cells", "right", "R", "P", "wrong value", "key not in truth",
    "missing", "narrative truth", "right", "wrong", *CHECK_HEADERS,
]  # fmt: skip


def _score_cells(result: Score) -> list[str]:
    return [
        str(result.expected),
        str(result.extracted),
        str(result.correct),
        _pct(result.correct, result.expected),
        _pct(result.correct, result.extracted),
        str(len(result.wrong)),
        str(len(result.extra)),
        str(len(result.missing)),
    ]


def _narrative_cells(result: Score | None) -> list[str]:
    if result is None:
        return ["–"] * 6
    scored = result.correct + len(result.wrong)
    return [
        str(result.expected),
        str(result.correct),
        _pct(result.correct, result.expected),
        f"{100 * keyed_precision(result):.1f}%" if scored else "–",
        str(len(result.wrong)),
        str(len(result.extra)),
    ]


def scored_rows(documents: list[Document]) -> list[list[str]]:
    return [
        [d.label, d.who, f"{d.seconds:.2f}", *_score_cells(d.fidelity.table_total),
         *_narrative_cells(d.fidelity.narrative), *_checks(d.consistency)]
        for d in documents if d.fidelity is not None
    ]  # fmt: skip


def table_rows(document: Document) -> list[list[str]]:
    assert document.fidelity is not None
    return [[name, *_score_cells(result)] for name, result in document.fidelity.tables.items()]


def unscored_rows(documents: list[Document]) -> list[list[str]]:
    rows = []
    for d in documents:
        if d.fidelity is not None:
            continue
        pages = str(d.extraction.pages) if d.extraction and d.extraction.pages else "–"
        rows.append(
            [d.label, d.error or d.status, d.who, pages, f"{d.seconds:.2f}", str(d.facts_of("table")),
             str(d.facts_of("narrative")), str(d.tables_read), *_checks(d.consistency)]
        )  # fmt: skip
    return rows


def folder_rows(documents: list[Document]) -> list[list[str]]:
    rows = []
    for folder in dict.fromkeys(d.folder for d in documents):
        group = [d for d in documents if d.folder == folder]
        scored = [d.fidelity for d in group if d.fidelity is not None]
        tables = [f.table_total for f in scored]
        narratives = [f.narrative for f in scored if f.narrative is not None]
        expected, correct = sum(t.expected for t in tables), sum(t.correct for t in tables)
        consistency = Consistency.of_all(d.consistency for d in group if d.consistency)
        rows.append(
            [folder, str(len(group)), str(sum(d.extraction is None for d in group)),
             str(expected) if scored else "–", str(correct) if scored else "–", _pct(correct, expected),
             _pct(correct, sum(t.extracted for t in tables)),
             *(str(sum(len(getattr(t, k)) for t in tables)) if scored else "–" for k in ("wrong", "extra", "missing")),
             str(sum(n.expected for n in narratives)) if narratives else "–",
             str(sum(n.correct for n in narratives)) if narratives else "–",
             str(sum(len(n.wrong) for n in narratives)) if narratives else "–",
             *_checks(consistency)]
        )  # fmt: skip
    return rows


def _needs_detail(document: Document) -> bool:
    fidelity = document.fidelity
    if fidelity is None:
        return False
    total = fidelity.table_total
    narrative = fidelity.narrative
    return bool(total.wrong or total.extra or total.missing or (narrative and (narrative.wrong or narrative.missing)))


def _wrong_lines(document: Document, limit: int | None) -> list[str]:
    assert document.fidelity is not None
    narrative = document.fidelity.narrative
    wrong = [*document.fidelity.table_total.wrong, *(narrative.wrong if narrative else [])]
    lines = [
        f"- {table} / {key} / {column} ({kind}): truth {truth}, read {read}"
        for (table, key, column, kind), truth, read in wrong[:limit]
    ]
    if limit is not None and len(wrong) > limit:
        lines.append(f"- … and {len(wrong) - limit} more (`--json` lists them all)")
    return lines


def _failure_lines(document: Document, limit: int | None) -> list[str]:
    failures = document.consistency.failures if document.consistency else ()
    lines = [f"- `{document.label}`: {message}" for message in failures[:limit]]
    if limit is not None and len(failures) > limit:
        lines.append(f"- `{document.label}`: … and {len(failures) - limit} more (`--json` lists them all)")
    return lines


def render_markdown(documents: list[Document], loads: tuple[float, float], tolerance: Decimal) -> str:
    provisional = is_loaded(*loads)
    lines = [
        SECTION,
        "",
        f"Measured {today()} on {machine()}, with `{command()}`. The times (s, whole-document extraction) "
        + (
            f"are **provisional**: the machine was shared (1-minute load {loads[0]:.1f} before, {loads[1]:.1f} after)."
            if provisional
            else f"were taken at a 1-minute load of {loads[0]:.1f} before and {loads[1]:.1f} after."
        ),
        "",
        "Against a truth (a sample's `*.truth.csv`, or the unit's rows of `truth_tables.csv` / `truth_narrative.csv`",
        "beside the document), a table fact is *right* when its key (table, subject code or line item, column)",
        f"is in the truth and its value within {tolerance} of the truth's, a *wrong value* when the key is there and",
        "the value is not, *key not in truth* when the truth has no such cell; R = right / truth cells,",
        "P = right / table facts read. The narrative is scored apart where the truth has narrative rows; a",
        "narrative truth may list only the key figures, so its P is over the figures it lists (right / (right +",
        "wrong)) and the figures read beyond it are counted, not held against the reading. *Identity checks* are the",
        "within-table accounting identities computed on the facts read, by outcome (not checkable: a table or",
        "figure they need was not read); for documents without truth they are the only measure.",
        "",
        "By folder:",
        "",
        *markdown_table(FOLDER_HEADERS, folder_rows(documents)),
        "",
    ]
    scored = scored_rows(documents)
    if scored:
        lines += ["Documents with truth:", "", *markdown_table(SCORED_HEADERS, scored), ""]
    for document in documents:
        if _needs_detail(document):
            lines += [f"`{document.label}` ({document.who}) by table:", ""]
            lines += [*markdown_table(TABLE_HEADERS, table_rows(document)), ""]
            wrong = _wrong_lines(document, WRONG_SHOWN)
            lines += [*wrong, ""] if wrong else []
    unscored = unscored_rows(documents)
    if unscored:
        lines += ["Documents without truth (or quarantined):", "", *markdown_table(UNSCORED_HEADERS, unscored), ""]
    failures = [line for d in documents for line in _failure_lines(d, FAILURES_SHOWN)]
    if failures:
        lines += [f"Failed identity checks (the first {FAILURES_SHOWN} of each document):", "", *failures, ""]
    notes = [f"- `{d.label}`: {note}" for d in documents for note in d.notes]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    return "\n".join(lines)


BUDGET_SECTION = "### Budget disclosures (预算公开)"
BUDGET_HEADERS = [
    "document",
    "kind",
    "year",
    "s",
    "tables found / printed",
    "table facts",
    "narrative facts",
    "identity checks",
    "reconciled",
    "truth cells",
    "right",
    "wrong",
    "missing",
    "extra",
]


def _is_budget(document: Document) -> bool:
    return document.extraction is not None and document.extraction.report_kind == c.BUDGET


def budget_rows(documents: list[Document]) -> list[list[str]]:
    """Per budget disclosure: its kind and year as read, the standard tables found against those its text
    layer prints, and how its within-table checks (B01–B05) and its truth (where one exists) come out."""
    rows = []
    for document in documents:
        if not _is_budget(document):
            continue
        assert document.extraction is not None
        found = {t.table_name for t in document.extraction.tables if t.table_name and t.status in ("ok", "empty")}
        printed = printed_budget_tables(document.path) if document.path.suffix.lower() == ".pdf" else set()
        checks = document.consistency
        tested = checks.exact + checks.rounding + checks.failed if checks else 0
        score = _total_score(document)
        rows.append(
            [
                f"`{document.path.name}`",
                document.extraction.report_kind,
                str(document.extraction.year),
                f"{document.seconds:.2f}",
                f"{len(found & printed)} / {len(printed)}" + (f" (+{len(found - printed)})" if found - printed else ""),
                str(document.facts_of("table")),
                str(document.facts_of("narrative")),
                str(tested),
                _pct(checks.exact + checks.rounding, tested) if checks else "–",
                *(_score_cells_of(score) if score else ["–"] * 5),
            ]
        )
    return rows


def _score_cells_of(score: Score) -> list[str]:
    return [str(n) for n in (score.expected, score.correct, len(score.wrong), len(score.missing), len(score.extra))]


def _total_score(document: Document) -> Score | None:
    if document.fidelity is None:
        return None
    parts = list(document.fidelity.tables.values())
    return Score(
        expected=sum(p.expected for p in parts),
        extracted=sum(p.extracted for p in parts),
        correct=sum(p.correct for p in parts),
        missing=[k for p in parts for k in p.missing],
        wrong=[w for p in parts for w in p.wrong],
        extra=[k for p in parts for k in p.extra],
    )


def render_budget(documents: list[Document]) -> str:
    rows = budget_rows(documents)
    refused = [d for d in documents if d.error is not None and d.path.parent.name == "budget"]
    lines = [
        BUDGET_SECTION,
        "",
        f"Measured {today()} on {machine()}, with `{command()}` (its documents' lines above are of the same run).",
        "",
        "Every budget disclosure read (kind and year from the document itself), the standard tables it prints",
        "(titles on its pages with figures, by the text layer alone) against those the reader found, and its",
        "within-table budget identities (B01–B05, `transform/budget_identities.py`) reconciled exactly or within",
        "the published rounding. Truth: `tests/fixtures/budget_truth/<stem>.csv` (WPS, MS Excel, MS Word).",
        "",
        *markdown_table(BUDGET_HEADERS, rows),
        "",
    ]
    if refused:
        lines += [f"- `{d.label}`: refused: {d.error}" for d in refused] + [""]
    return "\n".join(lines)


def _blocks(lines: list[str]) -> dict[str, list[str]]:
    """The lines of a rendered section by the heading (``Notes:`` …) of the block they stand in."""
    blocks: dict[str, list[str]] = {}
    heading = ""
    for line in lines:
        if line.endswith(":") and not line.startswith(("|", "-")):
            heading = line
        blocks.setdefault(heading, []).append(line)
    return blocks


def refresh_folder_lines(fresh: str, folders: set[str], path: Path = RESULTS) -> None:
    """Replace, in the Fidelity section, every line about the documents of ``folders`` (their folder's
    row, their rows, failed checks and notes) by those of ``fresh`` (this run's rendering)."""
    current = path.read_text(encoding="utf-8")
    section = re.compile(r"^" + re.escape(SECTION) + r"\n.*?(?=\n## |\n### |\Z)", re.DOTALL | re.MULTILINE)
    match = section.search(current)
    if match is None:
        write_section(SECTION, fresh, path)
        return

    def about(line: str) -> bool:
        return any(f"| {folder} |" in line or f"{folder}/" in line for folder in folders)

    new_blocks = {
        heading: [line for line in lines if about(line)] for heading, lines in _blocks(fresh.splitlines()).items()
    }
    kept: list[str] = []
    placed: set[str] = set()
    heading = ""
    for line in match.group(0).splitlines():
        if line.endswith(":") and not line.startswith(("|", "-")):
            heading = line
        if about(line):
            if heading not in placed:
                kept += new_blocks.get(heading, [])
                placed.add(heading)
            continue
        kept.append(line)
    for heading, lines in new_blocks.items():
        if not lines or heading in placed or not heading:
            continue
        if heading in kept:  # the block is there without lines of these folders: at the end of its list
            end = kept.index(heading) + 1
            while end < len(kept) and (not kept[end] or kept[end].startswith(("|", "-"))):
                end += 1
            while kept[end - 1] == "":
                end -= 1
            kept[end:end] = lines
        else:
            kept += ["", heading, "", *lines]
    body = "\n".join(kept).rstrip("\n") + "\n"
    path.write_text(current[: match.start()] + body + current[match.end() :], encoding="utf-8")


def write_budget_section(text: str, path: Path = RESULTS) -> None:
    """The budget subsection, at the end of the Fidelity section (replaced when there, else inserted)."""
    current = path.read_text(encoding="utf-8")
    section = re.compile(r"^" + re.escape(SECTION) + r"\n.*?(?=\n## |\Z)", re.DOTALL | re.MULTILINE)
    match = section.search(current)
    if BUDGET_SECTION in current or match is None:
        write_section(BUDGET_SECTION, text, path)  # up to the next ``## ``: the subsection ends the section
        return
    body = text.rstrip("\n") + "\n"
    path.write_text(current[: match.end()].rstrip("\n") + "\n\n" + body + current[match.end() :], encoding="utf-8")


def print_console(documents: list[Document], console: Console, show_errors: bool) -> None:
    def show(title: str, headers: list[str], rows: list[list[str]]) -> None:
        if not rows:
            return
        table = Table(title=title, title_justify="left")
        for index, header in enumerate(headers):
            table.add_column(header, overflow="fold", no_wrap=index == 0)
        for row in rows:
            table.add_row(*row)
        console.print(table)

    show("By folder", FOLDER_HEADERS, folder_rows(documents))
    show("Documents with truth", SCORED_HEADERS, scored_rows(documents))
    for document in documents:
        if _needs_detail(document):
            show(f"{document.label} ({document.who}) by table", TABLE_HEADERS, table_rows(document))
            for line in _wrong_lines(document, None if show_errors else WRONG_SHOWN):
                console.print(line, markup=False, highlight=False)
            if show_errors:
                assert document.fidelity is not None
                total = document.fidelity.table_total
                for kind, keys in (("key not in truth", total.extra), ("missing", total.missing)):
                    for key in keys:
                        console.print(f"- {kind}: {' / '.join(key)}", markup=False, highlight=False)
    show("Documents without truth (or quarantined)", UNSCORED_HEADERS, unscored_rows(documents))
    for document in documents:
        for line in _failure_lines(document, None if show_errors else FAILURES_SHOWN):
            console.print(line, markup=False, highlight=False)
    for document in documents:
        for note in document.notes:
            console.print(f"{document.label}: {note}", markup=False, highlight=False)


def _score_json(result: Score) -> dict[str, object]:
    return {
        "truth": result.expected,
        "read": result.extracted,
        "right": result.correct,
        "wrong": [{"key": list(key), "truth": str(truth), "read": str(read)} for key, truth, read in result.wrong],
        "extra": [list(key) for key in result.extra],
        "missing": [list(key) for key in result.missing],
    }


def to_json(documents: list[Document]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for d in documents:
        entry: dict[str, object] = {"document": d.label, "seconds": round(d.seconds, 4), "error": d.error}
        if d.extraction is not None:
            entry |= {
                "unit_id": d.extraction.unit_id,
                "unit_name": d.unit_name,
                "year": d.extraction.year,
                "format": d.extraction.format,
                "pages": d.extraction.pages,
                "table_facts": d.facts_of("table"),
                "narrative_facts": d.facts_of("narrative"),
                "tables_read": d.tables_read,
            }
        if d.fidelity is not None:
            entry["truth"] = d.truth_source
            entry["tables"] = {name: _score_json(result) for name, result in d.fidelity.tables.items()}
            if d.fidelity.narrative is not None:
                entry["narrative"] = _score_json(d.fidelity.narrative)
        if d.consistency is not None:
            c = d.consistency
            entry["identity_checks"] = {
                "exact": c.exact,
                "rounding": c.rounding,
                "failed": c.failed,
                "not_checkable": c.not_checkable,
                "failures": list(c.failures),
            }
        entry["notes"] = d.notes
        out.append(entry)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="documents and folders (default: samples, real, corpus)")
    parser.add_argument(
        "--registry", action="append", type=Path, default=[], help="units to recognise documents by (repeatable)"
    )
    parser.add_argument("--truth-tables", type=Path, help=f"per-unit table truth (default: {TABLES_TRUTH} beside)")
    parser.add_argument("--truth-narrative", type=Path, help=f"per-unit narrative truth (default: {NARRATIVE_TRUTH})")
    parser.add_argument("--year", type=int, help="the fiscal year of every document (default: read from each)")
    parser.add_argument("--tolerance", type=Decimal, default=VALUE_TOLERANCE, help="a value this close is right")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR scanned pages (they are then refused)")
    parser.add_argument("--json", type=Path, help="also write every score and every key to this JSON file")
    parser.add_argument(
        "--show-errors", action="store_true", help="print every wrong, extra and missing key and failed check"
    )
    parser.add_argument("--dry-run", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    registries = [load_registry(path) for path in args.registry]
    load_before = load_average()
    documents = measure(
        args.paths or list(DEFAULT_PATHS),
        registries,
        (args.truth_tables, args.truth_narrative),
        False if args.no_ocr else None,
        args.tolerance,
        args.year,
    )
    loads = (load_before, load_average())
    print_console(documents, Console(width=250), args.show_errors)
    if args.json:
        args.json.write_text(json.dumps(to_json(documents), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    budget = render_budget(documents) if any(_is_budget(d) for d in documents) else None
    if budget is not None:
        Console(width=250).print(budget)
    if not args.dry_run:
        if all(_is_budget(d) or d.error is not None for d in documents) and budget is not None:
            # A run on budget disclosures alone refreshes their lines of the section and their subsection,
            # and leaves the other folders' lines as they were measured.
            refresh_folder_lines(render_markdown(documents, loads, args.tolerance), {d.folder for d in documents})
            write_budget_section(budget)
        else:
            write_section(SECTION, render_markdown(documents, loads, args.tolerance))
            if budget is not None:
                write_budget_section(budget)


if __name__ == "__main__":
    main()
