"""A reading that checks itself: a table's own identities run on the figures just read from it.

The within-table identities (rules R01–R06 of :mod:`juesuan.transform.identities`: totals balance,
类 = Σ 款 = Σ 项, row sums, the 财政拨款 totals, 基本支出 kinds, 三公 items; for a budget table the rules
B01–B05 of :mod:`juesuan.transform.budget_identities`) are also the reader's test:
a grid read wrong rarely still adds up. :func:`reconcile` runs them on one table and tells

* ``exact`` — every identity holds; ``rounding`` — some differ within the published rounding
  (0.01 万元 per addend); ``unreconciled`` — some differ by more; ``unchecked`` — nothing to test;
* whether the broken identities look like a **reading** problem rather than a published one:

  - one leans on a *suspicious blank*: a blank cell in a column that has figures elsewhere in the
    table (a row sum short of its 基本支出, a 款 whose 项 is blank in that column while the 项 row
    has figures in others). A figure the reader lost looks exactly like such a blank, and a blank
    counts as zero in the suites;
  - or they are *systematic*: many identities of the table broken at once (a column shifted or
    lost), where a published inconsistency touches a cell or two.

  Such a table is not read reliably, and its checks become ``not_checkable`` rather than the unit's
  ``error``. An identity broken between printed figures, alone, is left to the suites: that is what
  a published inconsistency looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from juesuan.contract import BUDGET_TABLE_NAMES, Fact
from juesuan.transform.budget_identities import within_table_checks
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
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
#: This many identities of one table broken at once (and this share of those tested) is a reading
#: problem, not a publication's.
SYSTEMATIC_BREAKS = 3
SYSTEMATIC_SHARE = 0.3


@dataclass
class Reconciliation:
    state: str
    checks: int = 0
    broken: list[str] = field(default_factory=list)  # messages of the identities broken beyond rounding
    suspect: list[str] = field(default_factory=list)  # why the breaks look like a reading problem

    @property
    def rank(self) -> int:
        return PREFERENCE.index(self.state)


#: The rules of a coded table's hierarchy (上级 = Σ 下级): 决算 R02, 预算 B02.
_HIERARCHY_RULES = ("R02", "B02")


def table_checks(table_name: str, facts: list[Fact]) -> list[IdentityCheck]:
    """The within-table identity checks of one table's facts (决算: R01–R06; 预算: B01–B05)."""
    if table_name in BUDGET_TABLE_NAMES:
        # A budget table checks itself with the budget rules (B01–B05), never the 决算 ones.
        return [
            check
            for check in within_table_checks(facts)
            if check.table_name == table_name and check.right_table == table_name
        ]
    first = facts[0]
    refs = [
        FactRef(
            table_name=f.table_name,
            subject_code=f.subject_code,
            line_item=f.line_item,
            column_name=f.column_name,
            value=f.value,
            source_kind=TABLE,
            page=f.page,
            document_sha256=f.document_sha256,
        )
        for f in facts
    ]
    report = ReportFacts(first.unit_id, first.year, refs)
    return [
        check
        for rule in rules_of(WITHIN_TABLE)
        for check in rule.checks(report)
        if check.table_name == table_name and check.right_table == table_name
    ]


@dataclass
class _Confirmed:
    """Blank cells that identities which hold vouch for: a row sum that adds up with the cell blank,
    or a 上级 = Σ 下级 in the cell's column that adds up without it."""

    cells: set[tuple[str, str]]
    sums: set[tuple[str | None, str]]

    @classmethod
    def by(cls, holding: list[IdentityCheck]) -> _Confirmed:
        cells = {(t.key, t.column_name) for check in holding for side in (check.left, check.right) for t in side.blanks}
        sums = {(check.subject_code, check.column_name) for check in holding if check.rule_id in _HIERARCHY_RULES}
        return cls(cells, sums)

    def blank(self, key: str, column: str) -> bool:
        if (key, column) in self.cells:
            return True
        if not key.isdigit():
            return False
        ancestors = [None, *(key[:n] for n in (3, 5) if n < len(key))]
        return any((ancestor, column) in self.sums for ancestor in ancestors)


def _suspicious_blank(check: IdentityCheck, facts: list[Fact], confirmed: _Confirmed) -> str | None:
    """A blank cell the broken identity counts as zero although its column holds figures in other
    rows of the table (and nothing that holds vouches for it); for 上级 = Σ 下级, a lower row blank
    in the column but with figures in other columns."""
    columns = {f.column_name for f in facts}
    for side in (check.left, check.right):
        for term in side.blanks:
            if term.column_name in columns and not confirmed.blank(term.key, term.column_name):
                return f"{term.key} {term.column_name} is blank, as figures of its column are printed"
    parent = check.subject_code
    if check.rule_id in _HIERARCHY_RULES and check.column_name:
        rows = {f.subject_code for f in facts if f.subject_code}
        filled = {f.subject_code for f in facts if f.subject_code and f.column_name == check.column_name}
        below = [code for code in rows if (parent is None and len(code) == 3) or (parent and code.startswith(parent))]
        blank = sorted(
            code
            for code in below
            if code != parent and code not in filled and not confirmed.blank(code, check.column_name)
        )
        if blank:
            return f"{blank[0]} {check.column_name} is blank in a row with figures in other columns"
    return None


def reconcile(table_name: str, facts: list[Fact]) -> Reconciliation:
    """How the table's own identities come out on ``facts`` (the facts of that one table)."""
    if not facts:
        return Reconciliation(UNCHECKED)
    checks = [(check, check.expected_severity()) for check in table_checks(table_name, facts)]
    tested = [(check, severity) for check, severity in checks if severity != NOT_CHECKABLE]
    if not tested:
        return Reconciliation(UNCHECKED)
    broken = [check for check, severity in tested if severity == ERROR]
    if not broken:
        state = EXACT if all(severity == PASSED for _, severity in tested) else WITHIN_ROUNDING
        return Reconciliation(state, len(tested))
    confirmed = _Confirmed.by([check for check, severity in tested if severity != ERROR])
    suspect = [f"{check.message()} ({why})" for check in broken if (why := _suspicious_blank(check, facts, confirmed))]
    if len(broken) >= SYSTEMATIC_BREAKS and len(broken) >= SYSTEMATIC_SHARE * len(tested):
        suspect.insert(0, f"{len(broken)} of its {len(tested)} identities break at once")
    return Reconciliation(UNRECONCILED, len(tested), broken=[check.message() for check in broken], suspect=suspect)
