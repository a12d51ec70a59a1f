"""Cell-level scoring of extracted facts against a sample's ground truth (``*.truth.csv``).

A *cell* is one fact: its key (table, subject code or line item, column, source kind) and value.
A true positive is an extracted fact whose key is in the truth with the same value; precision is
over the extracted facts, recall over the truth. Pages are compared separately (where the truth
knows them), so a right number on a wrong page shows up as a page error, not as a missing cell.

A narrative-only sample (大竹, 乌海: their real tables were published as images) has no table cell at
all; :func:`score_sample` scores its narrative facts by key and value, apart from the table cells of
the others, and counts any table fact read from it as extra.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan.contract import Fact

Key = tuple[str, str, str, str]  # table_name, subject key, column_name, source_kind


@dataclass(frozen=True)
class TruthRow:
    key: Key
    value: Decimal
    page: int | None


def load_truth_csv(path: Path) -> list[TruthRow]:
    return parse_truth_csv(path.read_text(encoding="utf-8"))


def parse_truth_csv(text: str) -> list[TruthRow]:
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        key = (r["table_name"], r["subject_code"] or r["line_item"], r["column_name"], r["source_kind"])
        rows.append(TruthRow(key, Decimal(r["value"]), int(r["page"]) if r["page"] else None))
    return rows


def fact_key(fact: Fact) -> Key:
    return (fact.table_name, fact.subject_key, fact.column_name, fact.source_kind)


@dataclass
class Score:
    expected: int
    extracted: int
    correct: int
    missing: list[Key] = field(default_factory=list)
    wrong: list[tuple[Key, Decimal, Decimal]] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    page_errors: list[tuple[Key, int | None, int | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def score(
    facts: Iterable[Fact], truth: list[TruthRow], *, source_kind: str | None = "table", tables: set[str] | None = None
) -> Score:
    """Compare ``facts`` with ``truth``, restricted to one source kind and (optionally) some tables."""

    def wanted(key: Key) -> bool:
        return (source_kind is None or key[3] == source_kind) and (tables is None or key[0] in tables)

    expected = {row.key: row for row in truth if wanted(row.key)}
    got = {fact_key(f): f for f in facts if wanted(fact_key(f))}
    result = Score(expected=len(expected), extracted=len(got), correct=0)
    for key, row in expected.items():
        fact = got.get(key)
        if fact is None:
            result.missing.append(key)
        elif fact.value != row.value:
            result.wrong.append((key, row.value, fact.value))
        else:
            result.correct += 1
            if row.page is not None and fact.page != row.page:
                result.page_errors.append((key, row.page, fact.page))
    result.extra = [key for key in got if key not in expected]
    return result


def is_narrative_only(truth: list[TruthRow]) -> bool:
    """A sample whose ground truth is narrative facts only (no standard table rendered)."""
    return bool(truth) and all(row.key[3] == "narrative" for row in truth)


@dataclass
class SampleScore:
    """One sample scored: its table cells and its narrative facts, separately."""

    tables: Score
    narrative: Score
    narrative_only: bool


def score_sample(facts: Iterable[Fact], truth: list[TruthRow]) -> SampleScore:
    kept = list(facts)
    return SampleScore(
        tables=score(kept, truth, source_kind="table"),
        narrative=score(kept, truth, source_kind="narrative"),
        narrative_only=is_narrative_only(truth),
    )
