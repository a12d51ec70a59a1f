"""Cell-level scoring of extracted facts against a sample's ground truth (``*.truth.csv``).

A *cell* is one fact: its key (table, subject code or line item, column, source kind) and value.
A true positive is an extracted fact whose key is in the truth with the same value; precision is
over the extracted facts, recall over the truth. Pages are compared separately (where the truth
knows them), so a right number on a wrong page shows up as a page error, not as a missing cell.

A narrative-only sample (大竹, 乌海: their real tables were published as images) has no table cell at
all; :func:`score_sample` scores its narrative facts by key and value, apart from the table cells of
the others, and counts any table fact read from it as extra.

Two kinds of narrative figure are scored on lines of their own, so the table and narrative lines keep
their meaning: the 年初预算 amounts (column ``年初预算数``, narrative facts) and last year's figures
the change sentences restate (truth rows of source kind ``restated``, against the extraction's
``prior_year_facts``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan.contract import INITIAL_BUDGET_COLUMN, Fact

Key = tuple[str, str, str, str]  # table_name, subject key, column_name, source_kind
RESTATED = "restated"  # truth rows of last year's figures (the extraction's prior_year_facts)


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
    facts: Iterable[Fact],
    truth: list[TruthRow],
    *,
    source_kind: str | None = "table",
    tables: set[str] | None = None,
    columns: Callable[[str], bool] | None = None,
    as_kind: str | None = None,
    tolerance: Decimal | None = None,
) -> Score:
    """Compare ``facts`` with ``truth``, restricted to one source kind and (optionally) some tables and
    the columns ``columns`` accepts. ``as_kind`` scores every fact as that source kind (``restated``:
    last year's figures, which are narrative facts of year − 1). A value is right when it equals the
    truth's, or, with ``tolerance``, when it differs from it by less than that."""

    def wanted(key: Key) -> bool:
        return (
            (source_kind is None or key[3] == source_kind)
            and (tables is None or key[0] in tables)
            and (columns is None or columns(key[2]))
        )

    def key_of(fact: Fact) -> Key:
        key = fact_key(fact)
        return key if as_kind is None else (*key[:3], as_kind)

    expected = {row.key: row for row in truth if wanted(row.key)}
    got = {key_of(f): f for f in facts if wanted(key_of(f))}
    result = Score(expected=len(expected), extracted=len(got), correct=0)
    for key, row in expected.items():
        fact = got.get(key)
        if fact is None:
            result.missing.append(key)
        elif not _same(fact.value, row.value, tolerance):
            result.wrong.append((key, row.value, fact.value))
        else:
            result.correct += 1
            if row.page is not None and fact.page != row.page:
                result.page_errors.append((key, row.page, fact.page))
    result.extra = [key for key in got if key not in expected]
    return result


def _same(value: Decimal, truth: Decimal, tolerance: Decimal | None) -> bool:
    return value == truth if tolerance is None else abs(value - truth) < tolerance


def is_narrative_only(truth: list[TruthRow]) -> bool:
    """A sample whose ground truth has no table fact (no standard table rendered)."""
    return any(row.key[3] == "narrative" for row in truth) and not any(row.key[3] == "table" for row in truth)


def is_initial_budget(column: str) -> bool:
    return column == INITIAL_BUDGET_COLUMN


def not_initial_budget(column: str) -> bool:
    return column != INITIAL_BUDGET_COLUMN


@dataclass
class SampleScore:
    """One sample scored: its table cells, its narrative facts (年初预算 apart), its 年初预算 amounts and
    last year's figures it restates, separately."""

    tables: Score
    narrative: Score
    narrative_only: bool
    budget: Score
    restated: Score


def score_sample(facts: Iterable[Fact], truth: list[TruthRow], prior_year_facts: Iterable[Fact] = ()) -> SampleScore:
    kept = list(facts)
    return SampleScore(
        tables=score(kept, truth, source_kind="table"),
        narrative=score(kept, truth, source_kind="narrative", columns=not_initial_budget),
        narrative_only=is_narrative_only(truth),
        budget=score(kept, truth, source_kind="narrative", columns=is_initial_budget),
        restated=score(prior_year_facts, truth, source_kind=RESTATED, as_kind=RESTATED),
    )
