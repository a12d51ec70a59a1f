"""Helpers for the identity tests: hand-made reports, corpus extraction, and cell mutations.

The mutations alter one figure of a copy of a corpus report, located by its row's content (and,
for the 三公 grid, by the column numbers the table prints under its header), never by line number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

import pandas as pd

from juesuan.contract import facts_to_frame
from juesuan.extract.api import extract_document
from juesuan.registry import Registry, load_registry
from juesuan.transform.identities import FactRef, IdentityCheck, ReportFacts, compute_checks, reports_from_facts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGISTRY = PROJECT_ROOT / "registry" / "units.toml"

# (table, code or None, line item, column, value, source kind)
Row = tuple[str, str | None, str, str, str, str]
T, N = "table", "narrative"


def report(
    rows: Iterable[Row],
    unit_id: str = "test-unit",
    year: int = 2023,
    kind: str = "事业单位",
    unreliable: Mapping[str, str] | None = None,
) -> ReportFacts:
    """A hand-made report; ``unreliable`` names its tables not read reliably (``{table_name: reason}``)."""
    sha = hashlib.sha256(f"{unit_id}/{year}".encode()).hexdigest()
    facts = [
        FactRef(
            table_name=table,
            subject_code=code,
            line_item=line,
            column_name=column,
            value=Decimal(value),
            source_kind=source,
            page=index + 1 if source == T else None,
            document_sha256=sha,
        )
        for index, (table, code, line, column, value, source) in enumerate(rows)
    ]
    return ReportFacts(unit_id, year, facts, kind, unreliable)


def registry() -> Registry:
    return load_registry(REGISTRY)


def extract_frame(paths: dict[str, Path]) -> pd.DataFrame:
    """Facts of corpus files (unit id → path) as one contract frame."""
    loaded = registry()
    frames = []
    for unit_id, path in paths.items():
        extraction = extract_document(path, unit_id=unit_id, registry=loaded)
        frames.append(facts_to_frame(extraction.facts))
    return pd.concat(frames, ignore_index=True)


def corpus_checks(paths: dict[str, Path]) -> list[IdentityCheck]:
    kinds = {unit.id: unit.kind for unit in registry().units}
    return compute_checks(reports_from_facts(extract_frame(paths), kinds))


def find(
    checks: Iterable[IdentityCheck],
    *,
    unit_id: str,
    rule_id: str,
    table_name: str,
    line: str,
    column_name: str,
    note: str | None = None,
) -> list[IdentityCheck]:
    """The checks at one place (line: subject code or line item)."""
    return [
        ch
        for ch in checks
        if ch.unit_id == unit_id
        and ch.rule_id == rule_id
        and ch.table_name == table_name
        and line in (ch.subject_code, ch.line_item)
        and ch.column_name == column_name
        and (note is None or ch.note == note)
    ]


def replace_in_row(text: str, row_start: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in the one line starting with ``row_start``."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(row_start)]
    assert len(hits) == 1, f"{row_start!r} starts {len(hits)} lines"
    assert lines[hits[0]].count(old) >= 1, f"{old!r} not in {lines[hits[0]]!r}"
    lines[hits[0]] = lines[hits[0]].replace(old, new, 1)
    return "\n".join(lines)


def replace_in_sentence(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def replace_numbered_cell(text: str, title: str, column_number: str, new: str) -> str:
    """Replace the cell under printed column number ``column_number`` in the first data row after ``title``.

    Tables of the corpus print a row of column numbers (1, 2, 3 …) under their header; the data row
    follows it.
    """
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if title in line)
    numbering = next(i for i in range(start, len(lines)) if lines[i].split("\t")[:3] == ["1", "2", "3"])
    index = lines[numbering].split("\t").index(column_number)
    cells = lines[numbering + 1].split("\t")
    cells[index] = new
    lines[numbering + 1] = "\t".join(cells)
    return "\n".join(lines)
