"""A reading that checks itself: a table's own identities run on the figures just read from it.

The within-table identities (rules R01–R06 of :mod:`juesuan.transform.identities`: totals balance,
类 = Σ 款 = Σ 项, row sums, the 财政拨款 totals, 基本支出 kinds, 三公 items) are also the reader's test:
a grid read wrong rarely still adds up. :func:`reconcile` runs them on one table and tells

* ``exact`` — every identity holds; ``rounding`` — some differ within the published rounding
  (0.01 万元 per addend); ``unreconciled`` — some differ by more; ``unchecked`` — nothing to test;
* whether a broken identity leans on a **blank** cell. A figure the reader lost looks exactly like
  a blank, and a blank counts as zero in the suites; such a table is not read reliably, and its
  checks become ``not_checkable`` rather than the unit's ``error``. An identity broken between
  figures that are all printed is left to the suites: that is what a published inconsistency looks
  like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from juesuan.contract import Fact
from juesuan.transform.identities import (
    ERROR,
    NARRATIVE,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    TABLE,
    WITHIN_TABLE,
    FactRef,
    IdentityCheck,
    ReportFacts,
    rules_of,
)

EXACT = "exact"
WITHIN_ROUNDING = "rounding"
UNRECONCILED = "unreconciled"
UNCHECKED = "unchecked"
#: Order of preference between readings of one table (best first).
PREFERENCE = (EXACT, WITHIN_ROUNDING, UNCHECKED, UNRECONCILED)


@dataclass
class Reconciliation:
    state: str
    checks: int = 0
    broken: list[str] = field(default_factory=list)  # messages of the identities broken beyond rounding
    on_blanks: list[str] = field(default_factory=list)  # of those, the ones that lean on a blank cell

    @property
    def rank(self) -> int:
        return PREFERENCE.index(self.state)


def _checks(table_name: str, facts: list[Fact], source_kind: str) -> dict[str, IdentityCheck]:
    if not facts:
        return {}
    first = facts[0]
    refs = [
        FactRef(
            table_name=f.table_name,
            subject_code=f.subject_code,
            line_item=f.line_item,
            column_name=f.column_name,
            value=f.value,
            source_kind=source_kind,
            page=f.page,
            document_sha256=f.document_sha256,
        )
        for f in facts
    ]
    report = ReportFacts(first.unit_id, first.year, refs)
    found: dict[str, IdentityCheck] = {}
    for rule in rules_of(WITHIN_TABLE):
        for check in rule.checks(report):
            if check.table_name == table_name and check.right_table == table_name:
                found[check.check_id] = check
    return found


def reconcile(table_name: str, facts: list[Fact]) -> Reconciliation:
    """How the table's own identities come out on ``facts`` (the facts of that one table)."""
    as_table = _checks(table_name, facts, TABLE)
    severities = {check_id: check.expected_severity() for check_id, check in as_table.items()}
    tested = {k: s for k, s in severities.items() if s != NOT_CHECKABLE}
    if not tested:
        return Reconciliation(UNCHECKED)
    broken = [k for k, s in tested.items() if s == ERROR]
    if not broken:
        state = EXACT if all(s == PASSED for s in tested.values()) else WITHIN_ROUNDING
        return Reconciliation(state, len(tested))
    # The same identities with absent cells taken as unknown instead of zero: one that can no longer
    # be formed leaned on a blank.
    as_stated = _checks(table_name, facts, NARRATIVE)
    on_blanks = [
        k for k in broken if k not in as_stated or as_stated[k].expected_severity() in (NOT_CHECKABLE, PASSED, ROUNDING)
    ]
    return Reconciliation(
        UNRECONCILED,
        len(tested),
        broken=[as_table[k].message() for k in broken],
        on_blanks=[as_table[k].message() for k in on_blanks],
    )
