"""Fidelity of one reading: how much of a document's ground truth the extraction got right, table by
table, and how self-consistent the reading is when there is no truth to compare with.

Against a truth (:func:`score_document`), every table (the truth's and the ones read) gets a
:class:`~juesuan.samples.score.Score` of its table facts: the truth cells found with the right key and
value (recall over the truth, precision over the table facts read), the facts whose key the truth has
but whose value differs from it by :data:`VALUE_TOLERANCE` or more (*wrong*), the facts whose key the
truth lacks (*extra*) and the truth cells not read (*missing*). Where the truth has narrative rows, the
narrative facts are scored the same way; a narrative truth lists the figures the prose states that an
analyst keyed, not necessarily every one, so narrative facts beyond it are counted but not held against
the reading (:func:`keyed_precision`).

Without a truth (:func:`self_consistency`), the within-table accounting identities
(:mod:`juesuan.transform.identities`, family ``within_table``) are computed on the facts read: a table
read right adds up, exactly or within the published rounding.

Truth formats: a sample's ``<file>.truth.csv`` (:func:`juesuan.samples.score.load_truth_csv`) and the
per-unit truth of real reports, ``truth_tables.csv`` and ``truth_narrative.csv``
(``unit,year,table,code,column,value[,note]``; ``unit`` is the unit's name as the report prints it,
``code`` the subject code or line item), read by :func:`load_unit_truth`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan.contract import BUDGET, Fact, facts_to_frame
from juesuan.extract.selfcheck import table_checks
from juesuan.samples.score import Score, TruthRow, score
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    WARNING,
    WITHIN_TABLE,
    compute_checks,
    reports_from_facts,
    rules_of,
)

TABLE = "table"
NARRATIVE = "narrative"
#: A value read this close to the truth's is the truth's value; half a unit of the last printed decimal.
VALUE_TOLERANCE = Decimal("0.005")

UnitYear = tuple[str, int]  # the unit's name, the fiscal year


def load_unit_truth(path: Path, source_kind: str) -> dict[UnitYear, list[TruthRow]]:
    return parse_unit_truth(path.read_text(encoding="utf-8"), source_kind)


def load_budget_truth(path: Path) -> list[TruthRow]:
    """A budget disclosure's truth file (``tests/fixtures/budget_truth/<stem>.csv``: ``table, code,
    line_item, column, value``; every printed table cell the contract keys), as table truth rows."""
    with path.open(encoding="utf-8") as handle:
        return [
            TruthRow((r["table"], r["code"] or r["line_item"], r["column"], "table"), Decimal(r["value"]), None)
            for r in csv.DictReader(handle)
        ]


def printed_budget_tables(path: Path) -> set[str]:
    """The standard tables a PDF prints, from its text layer alone: the titles on pages that print
    figures or an amount unit (单位：万元), not those a contents page only names."""
    import pypdfium2 as pdfium

    from juesuan.extract.mapping import canonical_table_name
    from juesuan.extract.tables import as_title

    document = pdfium.PdfDocument(path)
    try:
        names: set[str] = set()
        for page in document:
            text = page.get_textpage().get_text_range()
            if not _TABLE_PAGE.search(text):
                continue
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            # a title wrapped onto a second line (``十、政府性基金财政拨款支`` / ``出预算表``) counts once
            candidates = lines + [a + b for a, b in itertools.pairwise(lines) if len(a) + len(b) <= 60]
            for line in candidates:
                title = as_title(line) if len(line) <= 80 else None
                if title is not None and (name := canonical_table_name(title)) is not None:
                    names.add(name)
        return names
    finally:
        document.close()


_TABLE_PAGE = re.compile(r"\d\.\d\d|单位[:：]\s*(?:万元|元)")


def parse_unit_truth(text: str, source_kind: str) -> dict[UnitYear, list[TruthRow]]:
    """Truth rows (``unit,year,table,code,column,value``, extra columns ignored) by unit name and year,
    keyed as :func:`juesuan.samples.score.fact_key` keys facts, with ``source_kind`` (``table`` or
    ``narrative``); the truth knows no page."""
    truth: dict[UnitYear, list[TruthRow]] = {}
    for r in csv.DictReader(io.StringIO(text)):
        key = (r["table"], r["code"], r["column"], source_kind)
        truth.setdefault((r["unit"], int(r["year"])), []).append(TruthRow(key, Decimal(r["value"]), None))
    return truth


def combine(scores: Iterable[Score]) -> Score:
    """Several scores (of disjoint keys) as one."""
    total = Score(expected=0, extracted=0, correct=0)
    for part in scores:
        total.expected += part.expected
        total.extracted += part.extracted
        total.correct += part.correct
        total.missing.extend(part.missing)
        total.wrong.extend(part.wrong)
        total.extra.extend(part.extra)
        total.page_errors.extend(part.page_errors)
    return total


def keyed_precision(result: Score) -> float:
    """Precision over the facts whose key the truth has (right / (right + wrong)): for a truth that
    lists some of the figures only, where a figure beyond it is not known to be wrong."""
    scored = result.correct + len(result.wrong)
    return result.correct / scored if scored else 1.0


@dataclass
class DocumentFidelity:
    """One document against its truth: table facts per table, and the narrative where the truth has one."""

    tables: dict[str, Score]
    narrative: Score | None = None

    @property
    def table_total(self) -> Score:
        return combine(self.tables.values())


def score_document(
    facts: Iterable[Fact], truth: list[TruthRow], tolerance: Decimal = VALUE_TOLERANCE
) -> DocumentFidelity:
    """Score the facts of one document against its truth, per table (see the module docstring)."""
    kept = list(facts)
    table_facts = [f for f in kept if f.source_kind == TABLE]
    names = {row.key[0] for row in truth if row.key[3] == TABLE} | {f.table_name for f in table_facts}
    tables = {
        name: score(table_facts, truth, source_kind=TABLE, tables={name}, tolerance=tolerance) for name in sorted(names)
    }
    narrative = None
    if any(row.key[3] == NARRATIVE for row in truth):
        narrative = score(kept, truth, source_kind=NARRATIVE, tolerance=tolerance)
    return DocumentFidelity(tables, narrative)


#: How each identity severity counts for self-consistency (``warning`` belongs to soft rules across tables).
OUTCOME_OF = {PASSED: "exact", ROUNDING: "rounding", ERROR: "failed", WARNING: "failed", NOT_CHECKABLE: "not_checkable"}
OUTCOMES = ("exact", "rounding", "failed", "not_checkable")


@dataclass(frozen=True)
class Consistency:
    """The within-table identity checks of one reading, by outcome, with the failed checks' messages."""

    exact: int = 0
    rounding: int = 0
    failed: int = 0
    not_checkable: int = 0
    failures: tuple[str, ...] = field(default=(), compare=False)

    @property
    def total(self) -> int:
        return self.exact + self.rounding + self.failed + self.not_checkable

    def count(self, outcome: str) -> int:
        """The checks with ``outcome``, one of :data:`OUTCOMES`."""
        if outcome not in OUTCOMES:
            raise ValueError(f"no outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
        number: int = getattr(self, outcome)
        return number

    def share(self, outcome: str) -> float:
        """The share of the checks with ``outcome``, one of :data:`OUTCOMES`."""
        return self.count(outcome) / self.total if self.total else 0.0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], failures: Iterable[str] = ()) -> Consistency:
        """The checks counted by outcome (one of :data:`OUTCOMES`), with the failed ones' messages."""
        exact, rounding, failed, not_checkable = (counts.get(outcome, 0) for outcome in OUTCOMES)
        return cls(exact, rounding, failed, not_checkable, tuple(failures))

    @classmethod
    def of_all(cls, parts: Iterable[Consistency]) -> Consistency:
        """Several readings' checks counted together."""
        kept = list(parts)
        counts = {outcome: sum(part.count(outcome) for part in kept) for outcome in OUTCOMES}
        return cls.from_counts(counts, (f for part in kept for f in part.failures))


def self_consistency(facts: Iterable[Fact]) -> Consistency:
    """The within-table identities computed on ``facts`` (one report's), counted by outcome: a 决算's
    by the R rules, a 预算's by the budget rules (B01–B05) table by table, as the reader checks itself."""
    kept = list(facts)
    if not kept:
        return Consistency()
    budget = [f for f in kept if f.report_kind == BUDGET and f.source_kind == "table"]
    final = [f for f in kept if f.report_kind != BUDGET]
    checks = compute_checks(reports_from_facts(facts_to_frame(final)), rules_of(WITHIN_TABLE)) if final else []
    for table in sorted({f.table_name for f in budget}):
        checks += table_checks(table, [f for f in budget if f.table_name == table])
    outcomes: Counter[str] = Counter()
    failures = []
    for check in checks:
        outcome = OUTCOME_OF[check.expected_severity()]
        outcomes[outcome] += 1
        if outcome == "failed":
            failures.append(check.message())
    return Consistency.from_counts(outcomes, failures)
