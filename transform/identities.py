"""The accounting identities (勾稽关系, contract section 5) as located checks with exact arithmetic.

Approach, in the style of frictionless-py checks: every rule is a small named unit (a :class:`Rule`
subclass with a ``type``, a ``title`` and a message ``template``) that reads the facts of one report
and yields :class:`IdentityCheck` objects — one per *instance* of the identity (one 类 and its 款,
one row sum, one class line compared across two tables, one narrative figure …). A check carries
both sides with the facts they were summed from (so every finding can name its table, line, column,
pages and document), and its residual computed with :class:`~decimal.Decimal` only: no float ever
touches a value, so 0.1 + 0.2 is 0.3 and a rounding case is a rounding case.

Which figures stand for a table
    A table's figures come from the table itself when the report published it (any fact with
    ``source_kind = 'table'``); otherwise from the narrative, which then stands in for the table
    (大竹 and 乌海 published their tables as images, so their identities are checked on the prose).
    A table with neither is *not published*.

Tables not read reliably
    A table the report published but juesuan did not read reliably (``parsed_tables``: the reader
    distrusts its figures, or recognised its title but not its layout; ``transform/reliability.py``)
    stands for nothing: its absent figures are unknown rather than blank, its present ones may be
    misread, and the narrative does not stand in for it either (it was published, just not read).
    Every side that looks a figure up in it is missing, whatever the figure, and every rule that
    walks its rows yields one ``not_checkable`` instance for it instead of walking them — with the
    table, its pages and why as the reason. Reading misses never become ``error`` findings.

Absent figures
    In a published table read reliably an absent cell is blank, and the contract reads blank as
    zero. In the narrative an absent figure is simply not stated. A side is the sum of the figures
    present; a side with no figure present is zero when all its tables are published tables, and
    *missing* otherwise — the check is then ``not_checkable`` and says why (table not published,
    line not stated, table not read reliably), never silently passed.

Severities (:data:`SEVERITIES`)
    ``passed`` (exact), ``rounding`` (a difference within 0.01 万元 per addend: a warning),
    ``error`` (larger), ``warning`` for the two soft rules (11, and 12 for units that are neither
    行政 nor 参公), ``not_checkable`` (a side missing). Counts (车辆, 台套) have no tolerance.
    :meth:`IdentityCheck.expected_severity` classifies with Decimal arithmetic; the Great
    Expectations suites (``juesuan.expectations``) classify the same residual frame independently,
    and the runner insists that the two agree.

Checks beyond arithmetic
    Sibling modules add rules in the same style that read what the report *says* besides its
    figures (``ReportFacts.evidence``: statements relating figures, structure and hygiene marks,
    绩效自评表, last year's report and earlier versions of this one): ``claims.py`` (rates and
    comparison words, with interval arithmetic), ``structure.py``, ``hygiene.py``, ``across_years.py``
    (and revisions), ``performance.py``. They are registered at the end of this module, so
    :data:`RULES` holds every rule and each family has its suite.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

import pandas as pd

from juesuan import contract as c
from juesuan.extract.evidence import DocumentMark, PerformanceTable, Statement

log = logging.getLogger(__name__)

# --- severities and families -----------------------------------------------------------------------
PASSED = "passed"
ROUNDING = "rounding"
WARNING = "warning"
ERROR = "error"
NOT_CHECKABLE = "not_checkable"
SEVERITIES: tuple[str, ...] = (ERROR, WARNING, ROUNDING, NOT_CHECKABLE, PASSED)
#: How bad a severity is, for ``--fail-on`` and for ordering findings (higher is worse).
SEVERITY_RANK: dict[str, int] = {PASSED: 0, NOT_CHECKABLE: 1, ROUNDING: 2, WARNING: 3, ERROR: 4}

WITHIN_TABLE = "within_table"
ACROSS_TABLES = "across_tables"
TABLE_VS_NARRATIVE = "table_vs_narrative"
NARRATIVE_CLAIMS = "narrative_claims"  # rates and comparison words (claims.py)
STRUCTURE = "structure"  # the template's tables, empty tables (structure.py)
HYGIENE = "hygiene"  # placeholders, draft marks, stray years … (hygiene.py): warnings
ACROSS_YEARS = "across_years"  # against last year's report and earlier versions of this one (across_years.py)
PERFORMANCE = "performance"  # 绩效自评表 (performance.py)
FAMILIES: tuple[str, ...] = (
    WITHIN_TABLE,
    ACROSS_TABLES,
    TABLE_VS_NARRATIVE,
    NARRATIVE_CLAIMS,
    STRUCTURE,
    HYGIENE,
    ACROSS_YEARS,
    PERFORMANCE,
)

TABLE = "table"
NARRATIVE = "narrative"
#: :meth:`ReportFacts.source` of a table published but not read reliably: nothing stands for it.
UNRELIABLE = "unreliable"

#: Rounding allowance per addend, in 万元 (contract section 5: 尾数误差).
ROUNDING_PER_ADDEND = Decimal("0.01")
#: Precision at which figures are published; a narrative figure stated more precisely (in 元) is
#: compared with its table figure at this precision.
PUBLISHED_PRECISION = Decimal("0.01")
ZERO = Decimal(0)
MICRO = Decimal(1_000_000)
#: Columns holding counts rather than 万元 amounts: compared exactly.
COUNT_COLUMNS = frozenset(c.COUNT_COLUMNS)
EQUAL = "eq"
AT_MOST = "le"

# --- canonical lines the rules use (docs/contract.md) --------------------------------------------------
INCOME_LINES = c.SUMMARY_INCOME_LINES
YEAR_INCOME = "本年收入合计"
YEAR_EXPENDITURE = "本年支出合计"
NON_FISCAL_BALANCE = "使用非财政拨款结余"
OPENING_BALANCE = "年初结转和结余"
SURPLUS_DISTRIBUTION = "结余分配"
CLOSING_BALANCE = "年末结转和结余"
FISCAL_OPENING = "年初财政拨款结转和结余"
FISCAL_CLOSING = "年末财政拨款结转和结余"
FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
GENERAL_FUND = FUNDS[0]
AMOUNT = "金额"
INCOME_SOURCE_COLUMNS = c.INCOME_SOURCE_COLUMNS
EXPENDITURE_PART_COLUMNS = ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
BASIC_PART_COLUMNS = ("基本支出", "项目支出")
#: Row sums: table → (total column, addend columns, how a steward calls the addends).
ROW_SUMS: dict[str, tuple[str, tuple[str, ...], str]] = {
    c.INCOME: (YEAR_INCOME, INCOME_SOURCE_COLUMNS, "Σ 收入来源列"),
    c.EXPENDITURE: (YEAR_EXPENDITURE, EXPENDITURE_PART_COLUMNS, "Σ 支出构成列"),
    c.GENERAL_BUDGET: ("小计", BASIC_PART_COLUMNS, "基本支出 + 项目支出"),
    c.GOV_FUND: ("小计", BASIC_PART_COLUMNS, "基本支出 + 项目支出"),
    c.STATE_CAPITAL: ("合计", BASIC_PART_COLUMNS, "基本支出 + 项目支出"),
}
PERSONNEL_CLASSES = ("301", "303")
PUBLIC_USE_CLASSES = ("302", "307", "309", "310", "311", "312", "313", "399")
DECISION = "决算数"
BUDGET = "预算数"
TP_TOTAL = "合计"
TP_ABROAD = "因公出国（境）费"
TP_CARS = "公务用车购置及运行维护费"
TP_CAR_PURCHASE = "公务用车购置费"
TP_CAR_RUNNING = "公务用车运行维护费"
TP_RECEPTION = "公务接待费"
TP_RECEPTION_DOMESTIC = "国内公务接待费"
TP_RECEPTION_FOREIGN = "国（境）外公务接待费"
CAR_RUNNING_CODE = "30231"
OPERATING_COST_LINES = ("机关运行经费（行政单位）", "机关运行经费（参照公务员法管理事业单位）", c.OPERATING_COST)
STATISTIC = "统计数"
#: Narrative lines that no table carries under the same key: checked inside the narrative (rule 6).
NARRATIVE_ONLY_LINES = frozenset({(c.THREE_PUBLIC, TP_RECEPTION_DOMESTIC), (c.THREE_PUBLIC, TP_RECEPTION_FOREIGN)})
#: Narrative lines whose table counterpart is a sum of other lines.
NARRATIVE_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    (c.RELATED_INFO, c.OPERATING_COST): OPERATING_COST_LINES[:2],
}
#: Columns no identity reads. 一般公共预算财政拨款支出决算表's 年初预算数 is stated by the narrative alone, for the
#: 合计 and a few subjects: Σ 项 ≠ 合计 is expected there (R02 checks every column), and no published table
#: prints it (R13 would compare it with a blank cell, i.e. zero). Contract section 5 has no identity on it.
UNCHECKED_COLUMNS = frozenset({c.INITIAL_BUDGET_COLUMN})
#: Unit kinds (registry ``kind``) for which rule 12 is an error rather than a warning.
ADMINISTRATIVE_MARKERS = ("行政", "参公", "参照公务员法")


# --- facts of one report ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FactRef:
    """One reported figure, with what a finding needs to point at it."""

    table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    value: Decimal
    source_kind: str
    page: int | None
    document_sha256: str

    @property
    def key(self) -> str:
        return self.subject_code if self.subject_code is not None else self.line_item

    @property
    def label(self) -> str:
        return f"{self.subject_code} {self.line_item}" if self.subject_code else self.line_item


@dataclass(frozen=True)
class Term:
    """Where a figure of a side is looked up: table, row key (code or line item), column.

    An ``optional`` term is one a narrative leaves out when it is zero (结余分配, 经营支出 …): unstated,
    it counts as zero. A required term the narrative does not state makes the side missing.
    """

    table_name: str
    key: str
    column_name: str
    optional: bool = False


@dataclass
class ParsedTable:
    """One table the reader found in the report (lake ``parsed_tables``): what the structure rules need."""

    title: str
    table_name: str | None
    status: str  # ok | empty | unrecognised | error
    facts: int
    reliable: bool
    pages: tuple[int, ...] = ()
    line: int | None = None


@dataclass
class SupersededVersion:
    """An earlier document of the report that a newer one replaced, with its facts."""

    document_sha256: str
    facts: list[FactRef]


@dataclass
class ReportEvidence:
    """What the report says beyond its facts, and the other documents the checks across years compare.

    ``restated`` are the figures of the year before that the report restates (``prior_year_facts``),
    ``previous`` last year's report of the unit when the lake holds it, ``superseded`` the earlier
    documents of this report (newest last), ``unit_name`` the registry's name of the unit.
    """

    statements: list[Statement] = field(default_factory=list)
    marks: list[DocumentMark] = field(default_factory=list)
    performance: list[PerformanceTable] = field(default_factory=list)
    tables: list[ParsedTable] = field(default_factory=list)
    restated: list[FactRef] = field(default_factory=list)
    previous: ReportFacts | None = None
    superseded: list[SupersededVersion] = field(default_factory=list)
    unit_name: str = ""
    #: Whether the lake holds evidence for this report at all (a report loaded before evidence was read has none:
    #: its statement and structure rules are then not checkable rather than passed).
    read: bool = False


class ReportFacts:
    """The facts of one report (unit, year and kind), indexed for the rules (:data:`UNCHECKED_COLUMNS` left out).

    ``report_kind`` is 决算 (final accounts, the default) or 预算 (a budget disclosure): a unit-year can have
    both, and each is a report of its own — 决算 rules (R…) run on 决算 reports only, budget rules (B…,
    ``transform/budget_identities.py``) on 预算 reports only (:attr:`Rule.report_kinds`). ``counterpart`` is
    the report of the other kind of the same unit and year when the run holds it (the cross-document checks).

    ``unreliable`` names the report's tables juesuan did not read reliably, each with the reason a
    steward reads (the table, its pages and why: :meth:`~juesuan.transform.reliability.UnreliableTable.describe`).
    """

    def __init__(
        self,
        unit_id: str,
        year: int,
        facts: Iterable[FactRef],
        unit_kind: str | None = None,
        unreliable: Mapping[str, str] | None = None,
        report_kind: str = c.FINAL,
    ) -> None:
        if report_kind not in c.REPORT_KINDS:
            raise ValueError(f"report_kind {report_kind!r} not in {c.REPORT_KINDS}")
        self.unit_id = unit_id
        self.year = year
        self.report_kind = report_kind
        self.counterpart: ReportFacts | None = None
        self.unit_kind = unit_kind
        self.unreliable: dict[str, str] = dict(unreliable or {})
        self.evidence = ReportEvidence()
        self._index: dict[tuple[str, str], dict[tuple[str, str], FactRef]] = {}
        self._all: list[FactRef] = list(facts)
        for fact in self._all:
            if fact.column_name in UNCHECKED_COLUMNS:
                continue  # left out here, not per rule: a table known only by these figures stays unpublished
            cells = self._index.setdefault((fact.source_kind, fact.table_name), {})
            cells[(fact.key, fact.column_name)] = fact

    @property
    def document_sha256(self) -> str | None:
        """The report's document (every fact of a report comes from its one document)."""
        documents = sorted({f.document_sha256 for cells in self._index.values() for f in cells.values()})
        return ",".join(documents) if documents else None

    @property
    def is_administrative(self) -> bool:
        return any(marker in (self.unit_kind or "") for marker in ADMINISTRATIVE_MARKERS)

    def unreliable_reason(self, table_name: str) -> str | None:
        """Why ``table_name`` was not read reliably (table, pages, why); ``None`` when it was, or was not found."""
        return self.unreliable.get(table_name)

    def source(self, table_name: str) -> str | None:
        """``table`` when the report published the table, ``narrative`` when only prose states it,
        ``unreliable`` when it was published but not read reliably (nothing stands for it)."""
        if table_name in self.unreliable:
            return UNRELIABLE
        if self._index.get((TABLE, table_name)):
            return TABLE
        if self._index.get((NARRATIVE, table_name)):
            return NARRATIVE
        return None

    def cells(self, table_name: str) -> dict[tuple[str, str], FactRef]:
        """The figures standing for ``table_name`` (see the module docstring), by (key, column)."""
        source = self.source(table_name)
        return self._index.get((source, table_name), {}) if source else {}

    def get(self, term: Term) -> FactRef | None:
        return self.cells(term.table_name).get((term.key, term.column_name))

    def rows(self, table_name: str, column_name: str | None = None) -> list[FactRef]:
        facts = self.cells(table_name).values()
        chosen = [f for f in facts if column_name is None or f.column_name == column_name]
        return sorted(chosen, key=lambda f: (f.key, f.column_name))

    def columns(self, table_name: str) -> list[str]:
        return sorted({column for _key, column in self.cells(table_name)})

    def coded(self, table_name: str, column_name: str) -> dict[str, FactRef]:
        return {f.subject_code: f for f in self.rows(table_name, column_name) if f.subject_code is not None}

    def narrative(self) -> list[FactRef]:
        facts = [f for (kind, _t), cells in self._index.items() if kind == NARRATIVE for f in cells.values()]
        return sorted(facts, key=lambda f: (f.table_name, f.key, f.column_name))

    def table_fact(self, table_name: str, key: str, column_name: str) -> FactRef | None:
        return self._index.get((TABLE, table_name), {}).get((key, column_name))

    def table_cells(self, table_name: str) -> list[FactRef]:
        """The figures the report's table itself prints (whatever the narrative says), by row and column."""
        return sorted(self._index.get((TABLE, table_name), {}).values(), key=lambda f: (f.key, f.column_name))

    def all_facts(self) -> list[FactRef]:
        """Every fact of the report as stored, every column included (revisions compare them all)."""
        return list(self._all)

    def side(self, label: str, terms: Iterable[Term]) -> Side:
        """Σ of the figures present among ``terms`` (see the module docstring for absent ones)."""
        terms = list(terms)
        main = terms[0].table_name if terms else ""
        for term in terms:
            # Optional or not, present or not: a figure of a table not read reliably is unknown.
            reason = self.unreliable_reason(term.table_name)
            if reason is not None:
                return Side(label, term.table_name, (), None, reason, unreliable=True)
        found: list[FactRef] = []
        blanks: list[Term] = []
        for term in terms:
            fact = self.get(term)
            source = self.source(term.table_name)
            if fact is not None:
                found.append(fact)
            elif source == TABLE:
                blanks.append(term)  # the contract reads a blank cell as zero
            elif not term.optional:
                what = f"{term.table_name} not published" if source is None else f"{_term_label(term)} not stated"
                return Side(label, main, (), None, what)
            # else: an optional figure left out (zero), or an optional table nobody published
        if found:
            return Side(label, main, tuple(found), sum((f.value for f in found), ZERO), blanks=tuple(blanks))
        if blanks:
            return Side(label, main, (), ZERO, blanks=tuple(blanks))
        return Side(label, main, (), None, f"{label} not stated")

    def has_any(self, table_name: str, key: str, columns: Iterable[str]) -> bool:
        return any(self.get(Term(table_name, key, column)) is not None for column in columns)

    def fact_side(self, label: str, facts: Iterable[FactRef]) -> Side:
        """A side made of figures already found (hierarchy sums); empty means missing."""
        found = tuple(facts)
        main = found[0].table_name if found else ""
        if not found:
            return Side(label, main, (), None, f"{label}: nothing to add up")
        return Side(label, main, found, sum((f.value for f in found), ZERO))


@dataclass(frozen=True)
class Side:
    """One side of an identity: the figures it adds up and their sum (``None`` when missing)."""

    label: str
    table_name: str
    facts: tuple[FactRef, ...]
    value: Decimal | None
    missing: str | None = None
    unreliable: bool = False  # missing because a table was not read reliably (juesuan's problem)
    blanks: tuple[Term, ...] = ()  # terms whose cell is blank in a published table, counted as zero

    @property
    def pages(self) -> list[int]:
        return sorted({f.page for f in self.facts if f.page is not None})

    @property
    def documents(self) -> list[str]:
        return sorted({f.document_sha256 for f in self.facts})

    @property
    def source_kind(self) -> str | None:
        kinds = sorted({f.source_kind for f in self.facts})
        return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else None)

    def expression(self) -> str:
        """The figures summed, as a steward reads them: ``30101 基本工资 516.01 + …``."""
        if self.value is None:
            return f"{self.label}: {self.missing}"
        if not self.facts:
            return f"{self.label}: blank (0)"
        same_row = len({(f.table_name, f.key) for f in self.facts}) == 1 and len(self.facts) > 1
        return " + ".join(f"{f.column_name if same_row else f.label} {format_amount(f.value)}" for f in self.facts)


def _term_label(term: Term) -> str:
    return f"{term.table_name} {term.key} {term.column_name}"


def format_amount(value: Decimal | None) -> str:
    """A figure as printed in the reports: two decimals at least, more only when stated."""
    if value is None:
        return "—"
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{value:,.{places}f}"


# --- one instance of an identity ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentityCheck:
    """One instance of one rule on one report: where it points, both sides, and its residual."""

    rule: Rule
    note: str  # which form of the rule, e.g. "类 = Σ 款"
    unit_id: str
    year: int
    table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    left: Side
    right: Side
    comparison: str = EQUAL
    severity_if_broken: str = ERROR
    published_precision: bool = False  # compare at 0.01 万元 (narrative stated more precisely)
    missing_reason: str | None = None  # a check that cannot be formed at all
    report_document: str | None = None  # the report's document, for sides with no figure
    other_document: str | None = None  # the right side's document when it is another one (last year's report)
    extra_addends: int = 0  # rounded figures behind a side that are no fact of it (a change a figure is derived by)
    report_kind: str = c.FINAL  # the kind of the report the check belongs to (决算 or 预算)

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id

    @property
    def family(self) -> str:
        return self.rule.family

    @property
    def right_table(self) -> str:
        return self.right.table_name or self.table_name

    @property
    def check_id(self) -> str:
        """Unique and readable: unit/year/rule/table/line/column/form; a 预算 report's checks name the kind
        after the year (unit/year/预算/rule/…). A 决算 check id stays as it always was: waivers and the
        stewards' mail ledger key on it."""
        line = self.subject_code or self.line_item
        kind = () if self.report_kind == c.FINAL else (self.report_kind,)
        return "/".join(
            (self.unit_id, str(self.year), *kind, self.rule_id, self.table_name, line, self.column_name, self.note)
        )

    @property
    def is_count(self) -> bool:
        return self.column_name in COUNT_COLUMNS

    @property
    def not_checkable_reason(self) -> str | None:
        if self.missing_reason:
            return self.missing_reason
        # A table juesuan did not read reliably is named first: the steward must not look for a gap in the report.
        missing = sorted((s for s in (self.left, self.right) if s.value is None), key=lambda s: not s.unreliable)
        return missing[0].missing if missing else None

    @property
    def difference(self) -> Decimal | None:
        """left − right, exactly (``None`` when a side is missing)."""
        if self.not_checkable_reason is not None or self.left.value is None or self.right.value is None:
            return None
        return self.left.value - self.right.value

    @property
    def deviation(self) -> Decimal | None:
        """How far the identity is broken (≥ 0): |left − right|, or the excess for an inequality."""
        if self.not_checkable_reason is not None or self.left.value is None or self.right.value is None:
            return None
        left, right = self.left.value, self.right.value
        if self.published_precision:
            left, right = (v.quantize(PUBLISHED_PRECISION, rounding=ROUND_HALF_UP) for v in (left, right))
        gap = left - right
        if self.comparison == AT_MOST:
            return max(gap, ZERO)
        return abs(gap)

    @property
    def addends(self) -> int:
        return max(1, len(self.left.facts) + len(self.right.facts) - 1) + self.extra_addends

    @property
    def tolerance(self) -> Decimal:
        """0.01 万元 per addend; counts have none."""
        return ZERO if self.is_count else ROUNDING_PER_ADDEND * self.addends

    def expected_severity(self) -> str:
        """The severity by Decimal arithmetic alone (the GX suites must agree)."""
        deviation = self.deviation
        if deviation is None:
            return NOT_CHECKABLE
        if deviation == ZERO:
            return PASSED
        if deviation <= self.tolerance:
            return ROUNDING
        return self.severity_if_broken

    def message(self) -> str:
        """The rule's template filled in for this instance; for a check that cannot be made, why."""
        reason = self.not_checkable_reason
        if reason is not None:
            line = f"{self.subject_code} {self.line_item}" if self.subject_code else self.line_item
            where = " ".join(part for part in (self.table_name, line, self.column_name) if part)
            return f"{where} ({self.note}): not checkable — {reason}"
        return self.rule.template.format(
            table=self.table_name,
            right_table=self.right_table,
            line=f"{self.subject_code} {self.line_item}" if self.subject_code else self.line_item,
            column=self.column_name,
            note=self.note,
            left=format_amount(self.left.value),
            right=format_amount(self.right.value),
            left_label=self.left.label,
            right_label=self.right.label,
            difference=format_amount(self.difference),
            tolerance=format_amount(self.tolerance),
            reason=self.not_checkable_reason or "",
        )


# --- the rules ------------------------------------------------------------------------------------------------
class Rule:
    """One identity of contract section 5. Subclasses set the class attributes and yield checks."""

    rule_id: ClassVar[str]
    number: ClassVar[int]
    family: ClassVar[str]
    #: The kinds of report the rule runs on: the 决算 rules never run on a 预算 report, nor the reverse.
    report_kinds: ClassVar[tuple[str, ...]] = (c.FINAL,)
    type: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    template: ClassVar[str] = (
        "{table} {line} {column}: {left_label} {left} ≠ {right_label} {right} (difference {difference})"
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        raise NotImplementedError

    # helpers shared by the rules
    def check(
        self,
        report: ReportFacts,
        note: str,
        anchor: Term,
        left: Side,
        right: Side,
        *,
        line_item: str | None = None,
        subject_code: str | None = None,
        **options: object,
    ) -> IdentityCheck:
        fact = report.get(anchor)
        code = subject_code if subject_code is not None else (fact.subject_code if fact else None)
        line = line_item or (fact.line_item if fact else anchor.key)
        return IdentityCheck(
            rule=self,
            note=note,
            unit_id=report.unit_id,
            report_document=report.document_sha256,
            year=report.year,
            report_kind=report.report_kind,
            table_name=anchor.table_name,
            subject_code=code,
            line_item=line,
            column_name=anchor.column_name,
            left=left,
            right=right,
            **options,  # type: ignore[arg-type]
        )

    def unpublished(self, report: ReportFacts, table_name: str, note: str) -> IdentityCheck:
        """The one not-checkable instance a data-driven rule reports for a table nobody published."""
        return self.whole_table(report, table_name, note, f"{table_name} not published")

    def unreadable(self, report: ReportFacts, table_name: str, note: str) -> IdentityCheck:
        """The one not-checkable instance a data-driven rule reports for a table not read reliably."""
        return self.whole_table(report, table_name, note, report.unreliable_reason(table_name) or "", unreliable=True)

    def whole_table(
        self,
        report: ReportFacts,
        table_name: str,
        note: str,
        reason: str,
        *,
        unreliable: bool = False,
        line_item: str = c.TOTAL_ROW,
        label: str | None = None,
    ) -> IdentityCheck:
        """A not-checkable instance standing for every instance of the rule on ``table_name``."""
        empty = Side(label or note, table_name, (), None, reason, unreliable=unreliable)
        return IdentityCheck(
            rule=self,
            note=note,
            unit_id=report.unit_id,
            report_document=report.document_sha256,
            year=report.year,
            report_kind=report.report_kind,
            table_name=table_name,
            subject_code=None,
            line_item=line_item,
            column_name="",
            left=empty,
            right=empty,
            missing_reason=reason,
        )

    def __repr__(self) -> str:
        return f"<{self.rule_id} {self.title}>"


def _terms(table: str, keys: Iterable[str], column: str, optional: Iterable[str] = ()) -> list[Term]:
    """Terms of one table and column; keys in ``optional`` count as zero when a narrative omits them."""
    zero_if_unstated = set(optional)
    return [Term(table, key, column, optional=key in zero_if_unstated) for key in keys]


def frontier(codes: Iterable[str], parent: str | None) -> list[str]:
    """The present descendants of ``parent`` with no present ancestor below ``parent``.

    That is the nearest level present under each branch: a 类's 款 where printed, else its 项
    (the narrative often gives 类 and 项 only). ``parent=None`` means the 合计 row.
    """
    below = sorted(code for code in codes if parent is None or (code.startswith(parent) and len(code) > len(parent)))
    chosen = set(below)
    # An ancestor of a code is one of its 3- or 5-digit prefixes (codes are 3, 5 or 7 digits).
    return [code for code in below if not any(code[:n] in chosen for n in (3, 5) if n < len(code))]


class TotalsBalance(Rule):
    rule_id = "R01"
    number = 1
    family = WITHIN_TABLE
    type = "totals-table-balance"
    title = "收入支出决算总表 收支平衡"
    description = (
        "本年收入合计 = Σ 收入项目; 收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余; "
        "本年支出合计 = Σ 功能分类类级; 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余; 收入总计 = 支出总计."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.TOTALS
        for column in report.columns(table) or [AMOUNT]:
            classes = [f.key for f in report.rows(table, column) if f.subject_code and len(f.subject_code) == 3]

            def s(label: str, keys: Iterable[str], optional: Iterable[str] = (), column: str = column) -> Side:
                return report.side(label, _terms(table, keys, column, optional))

            yield self.check(
                report,
                "本年收入合计 = Σ 收入项目",
                Term(table, YEAR_INCOME, column),
                s(YEAR_INCOME, [YEAR_INCOME]),
                s("Σ 收入项目", INCOME_LINES, optional=INCOME_LINES[1:]),
            )
            yield self.check(
                report,
                "收入总计 = 本年收入合计 + 结余 + 年初结转",
                Term(table, c.INCOME_GRAND_TOTAL, column),
                s(c.INCOME_GRAND_TOTAL, [c.INCOME_GRAND_TOTAL]),
                s(
                    "本年收入合计 + 使用非财政拨款结余 + 年初结转和结余",
                    [YEAR_INCOME, NON_FISCAL_BALANCE, OPENING_BALANCE],
                    optional=[NON_FISCAL_BALANCE, OPENING_BALANCE],
                ),
            )
            yield self.check(
                report,
                "本年支出合计 = Σ 类",
                Term(table, YEAR_EXPENDITURE, column),
                s(YEAR_EXPENDITURE, [YEAR_EXPENDITURE]),
                s("Σ 功能分类类级", classes) if classes else Side("Σ 类", table, (), None, "no class lines"),
            )
            yield self.check(
                report,
                "支出总计 = 本年支出合计 + 结余分配 + 年末结转",
                Term(table, c.EXPENDITURE_GRAND_TOTAL, column),
                s(c.EXPENDITURE_GRAND_TOTAL, [c.EXPENDITURE_GRAND_TOTAL]),
                s(
                    "本年支出合计 + 结余分配 + 年末结转和结余",
                    [YEAR_EXPENDITURE, SURPLUS_DISTRIBUTION, CLOSING_BALANCE],
                    optional=[SURPLUS_DISTRIBUTION, CLOSING_BALANCE],
                ),
            )
            yield self.check(
                report,
                "收入总计 = 支出总计",
                Term(table, c.INCOME_GRAND_TOTAL, column),
                s(c.INCOME_GRAND_TOTAL, [c.INCOME_GRAND_TOTAL]),
                s(c.EXPENDITURE_GRAND_TOTAL, [c.EXPENDITURE_GRAND_TOTAL]),
            )


class CodedHierarchy(Rule):
    rule_id = "R02"
    number = 2
    family = WITHIN_TABLE
    type = "coded-table-hierarchy"
    title = "功能分类层级汇总"
    description = (
        "收入、支出、一般公共预算支出、政府性基金、国有资本经营表, every column: 类 = Σ 款, 款 = Σ 项, 合计 = Σ 类; "
        "where a level is missing, the nearest level present below."
    )
    #: Tables a report is expected to publish: a missing one is reported as not checkable.
    required = (c.INCOME, c.EXPENDITURE, c.GENERAL_BUDGET)

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        for table in c.CODED_TABLES:
            if report.source(table) == UNRELIABLE:
                yield self.unreadable(report, table, "类 = Σ 款 = Σ 项")
                continue
            if report.source(table) is None:
                if table in self.required:
                    yield self.unpublished(report, table, "类 = Σ 款 = Σ 项")
                continue
            for column in report.columns(table):
                coded = report.coded(table, column)
                total = report.get(Term(table, c.TOTAL_ROW, column))
                parents: list[FactRef | None] = [total, *coded.values()]
                for parent in parents:
                    if parent is None:
                        continue  # no 合计 row: nothing states the total
                    parent_code = parent.subject_code
                    children = frontier(coded, parent_code)
                    if not children:
                        continue
                    levels = {len(code) for code in children}
                    below = "类" if levels == {3} else "款" if levels == {5} else "项" if levels == {7} else "下级"
                    here = "合计" if parent_code is None else {3: "类", 5: "款"}.get(len(parent_code), "项")
                    yield self.check(
                        report,
                        f"{here} = Σ {below}",
                        Term(table, parent.key, column),
                        Side(parent.label, table, (parent,), parent.value),
                        report.fact_side(f"Σ {below}", (coded[code] for code in children)),
                    )


class RowSums(Rule):
    rule_id = "R03"
    number = 3
    family = WITHIN_TABLE
    type = "row-sum"
    title = "行合计 = 各列之和"
    description = (
        "收入决算表 本年收入合计 = Σ 收入来源列; "
        "支出决算表 本年支出合计 = 基本 + 项目 + 上缴上级 + 经营 + 对附属单位补助; "
        "一般公共预算支出 小计 = 基本 + 项目 (政府性基金 小计 and 国有资本经营 合计 likewise)."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        for table, (total_column, parts, parts_label) in ROW_SUMS.items():
            source = report.source(table)
            if source == UNRELIABLE:
                yield self.unreadable(report, table, f"{total_column} = {parts_label}")
                continue
            if source is None:
                if table in CodedHierarchy.required:
                    yield self.unpublished(report, table, f"{total_column} = {parts_label}")
                continue
            keys = sorted({f.key for f in report.rows(table) if f.column_name in (total_column, *parts)})
            for key in keys:
                if source == NARRATIVE and not report.has_any(table, key, parts):
                    continue  # the narrative states this row's total only: no row sum to check
                yield self.check(
                    report,
                    f"{total_column} = {parts_label}",
                    Term(table, key, total_column),
                    report.side(total_column, [Term(table, key, total_column)]),
                    report.side(parts_label, _row_terms(table, key, parts)),
                    line_item=_line_of(report, table, key),
                    subject_code=key if key.isdigit() else None,
                )


#: Row-sum addends a narrative must state for the sum to be checked; the others count as zero.
REQUIRED_ROW_PARTS = frozenset({"财政拨款收入", "基本支出", "项目支出"})


def _row_terms(table: str, key: str, parts: Iterable[str]) -> list[Term]:
    return [Term(table, key, part, optional=part not in REQUIRED_ROW_PARTS) for part in parts]


def _line_of(report: ReportFacts, table: str, key: str) -> str:
    for fact in report.rows(table):
        if fact.key == key:
            return fact.line_item
    return key


class FiscalTotalsBalance(Rule):
    rule_id = "R04"
    number = 4
    family = WITHIN_TABLE
    type = "fiscal-totals-balance"
    title = "财政拨款收入支出决算总表 平衡"
    description = (
        "合计 = 一般公共预算 + 政府性基金 + 国有资本经营 per line; 本年收入合计 = Σ 三项拨款; "
        "收入总计 = 本年收入合计 + 年初财政拨款结转和结余; 支出总计 = 本年支出合计 + 年末财政拨款结转和结余; "
        "本年支出合计 = Σ 类; 收入总计 = 支出总计."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.FISCAL_TOTALS
        if report.source(table) == UNRELIABLE:
            yield self.unreadable(report, table, "收支平衡")
            return
        if report.source(table) is None:
            yield self.unpublished(report, table, "收支平衡")
            return
        rows = report.rows(table)
        right_lines = sorted({f.key for f in rows if f.column_name in ("合计", *FUNDS)})
        for key in right_lines:
            if report.source(table) == NARRATIVE and not report.has_any(table, key, FUNDS):
                continue  # the narrative states the line's total only
            yield self.check(
                report,
                "合计 = Σ 三项拨款",
                Term(table, key, "合计"),
                report.side("合计", [Term(table, key, "合计")]),
                report.side("Σ 三项拨款", [Term(table, key, fund, optional=fund != GENERAL_FUND) for fund in FUNDS]),
                line_item=_line_of(report, table, key),
                subject_code=key if key.isdigit() else None,
            )
        opening_parts = sorted({f.key for f in rows if f.key.startswith(FISCAL_OPENING + "（")})
        opening = [FISCAL_OPENING] if report.get(Term(table, FISCAL_OPENING, AMOUNT)) else opening_parts
        yield self.check(
            report,
            "本年收入合计 = Σ 三项拨款",
            Term(table, YEAR_INCOME, AMOUNT),
            report.side(YEAR_INCOME, [Term(table, YEAR_INCOME, AMOUNT)]),
            report.side("Σ 三项拨款", _terms(table, c.FISCAL_INCOME_LINES, AMOUNT, optional=c.FISCAL_INCOME_LINES[1:])),
        )
        yield self.check(
            report,
            "收入总计 = 本年收入合计 + 年初结转",
            Term(table, c.INCOME_GRAND_TOTAL, AMOUNT),
            report.side(c.INCOME_GRAND_TOTAL, [Term(table, c.INCOME_GRAND_TOTAL, AMOUNT)]),
            report.side(
                "本年收入合计 + 年初财政拨款结转和结余",
                _terms(table, [YEAR_INCOME, *opening], AMOUNT, optional=opening),
            ),
        )
        for column in ("合计", *FUNDS):
            if not any(f.column_name == column for f in rows) and column != "合计":
                continue
            classes = [f.key for f in report.rows(table, column) if f.subject_code and len(f.subject_code) == 3]
            yield self.check(
                report,
                "支出总计 = 本年支出合计 + 年末结转",
                Term(table, c.EXPENDITURE_GRAND_TOTAL, column),
                report.side(c.EXPENDITURE_GRAND_TOTAL, [Term(table, c.EXPENDITURE_GRAND_TOTAL, column)]),
                report.side(
                    "本年支出合计 + 年末财政拨款结转和结余",
                    _terms(table, [YEAR_EXPENDITURE, FISCAL_CLOSING], column, optional=[FISCAL_CLOSING]),
                ),
            )
            yield self.check(
                report,
                "本年支出合计 = Σ 类",
                Term(table, YEAR_EXPENDITURE, column),
                report.side(YEAR_EXPENDITURE, [Term(table, YEAR_EXPENDITURE, column)]),
                report.side("Σ 功能分类类级", _terms(table, classes, column))
                if classes
                else Side("Σ 类", table, (), None, "no class lines"),
            )
        yield self.check(
            report,
            "收入总计 = 支出总计",
            Term(table, c.INCOME_GRAND_TOTAL, AMOUNT),
            report.side(c.INCOME_GRAND_TOTAL, [Term(table, c.INCOME_GRAND_TOTAL, AMOUNT)]),
            report.side(c.EXPENDITURE_GRAND_TOTAL, [Term(table, c.EXPENDITURE_GRAND_TOTAL, "合计")]),
        )


class BasicExpenditure(Rule):
    rule_id = "R05"
    number = 5
    family = WITHIN_TABLE
    type = "basic-expenditure-composition"
    title = "基本支出 人员经费/公用经费构成"
    description = (
        "人员经费合计 = 301 + 303; 公用经费合计 = 302 + 307 + 309 + 310 + 311 + 312 + 313 + 399 (what is present, "
        "a class by its 款 where the class line is missing); each economic 类 = Σ its 款 "
        "(also in 一般公共预算财政拨款项目支出决算表)."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.BASIC
        if report.source(table) == UNRELIABLE:
            yield self.unreadable(report, table, "人员经费 + 公用经费")
        elif report.source(table) is None:
            yield self.unpublished(report, table, "人员经费 + 公用经费")
        else:
            coded = report.coded(table, DECISION)
            for total, classes in ((c.PERSONNEL_TOTAL, PERSONNEL_CLASSES), (c.PUBLIC_USE_TOTAL, PUBLIC_USE_CLASSES)):
                present = [code for cls in classes for code in frontier(coded, None) if code.startswith(cls)]
                yield self.check(
                    report,
                    f"{total} = Σ {'+'.join(classes)}",
                    Term(table, total, DECISION),
                    report.side(total, [Term(table, total, DECISION)]),
                    report.fact_side(f"Σ {'+'.join(classes)}", (coded[code] for code in present)),
                )
        for economic in (c.BASIC, c.PROJECT):
            if report.source(economic) == UNRELIABLE:
                yield self.unreadable(report, economic, "类 = Σ 款")
                continue
            if report.source(economic) is None:
                continue
            for column in report.columns(economic):
                coded = report.coded(economic, column)
                for code, parent in coded.items():
                    if len(code) != 3:
                        continue
                    children = frontier(coded, code)
                    if not children:
                        continue
                    yield self.check(
                        report,
                        "类 = Σ 款",
                        Term(economic, code, column),
                        Side(parent.label, economic, (parent,), parent.value),
                        report.fact_side("Σ 款", (coded[child] for child in children)),
                    )


class ThreePublic(Rule):
    rule_id = "R06"
    number = 6
    family = WITHIN_TABLE
    type = "three-public-composition"
    title = "“三公”经费构成"
    description = (
        "合计 = 因公出国(境)费 + 公务用车购置及运行维护费 + 公务接待费; "
        "公务用车购置及运行维护费 = 购置费 + 运行维护费; "
        "公务接待费 = 国内 + 国(境)外 where stated; for 预算数 and 决算数."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.THREE_PUBLIC
        columns = report.columns(table) or [DECISION]
        for column in columns:

            def s(label: str, keys: Iterable[str], optional: bool = False, column: str = column) -> Side:
                return report.side(label, _terms(table, keys, column, keys if optional else ()))

            yield self.check(
                report,
                "合计 = 出国 + 公务用车 + 接待",
                Term(table, TP_TOTAL, column),
                s(TP_TOTAL, [TP_TOTAL]),
                s("因公出国（境）费 + 公务用车购置及运行维护费 + 公务接待费", [TP_ABROAD, TP_CARS, TP_RECEPTION], True),
            )
            yield self.check(
                report,
                "公务用车 = 购置 + 运行维护",
                Term(table, TP_CARS, column),
                s(TP_CARS, [TP_CARS]),
                s("公务用车购置费 + 公务用车运行维护费", [TP_CAR_PURCHASE, TP_CAR_RUNNING], True),
            )
            receptions = [Term(table, k, column, optional=True) for k in (TP_RECEPTION_DOMESTIC, TP_RECEPTION_FOREIGN)]
            if any(report.get(term) for term in receptions):
                yield self.check(
                    report,
                    "公务接待费 = 国内 + 国（境）外",
                    Term(table, TP_RECEPTION, column),
                    s(TP_RECEPTION, [TP_RECEPTION]),
                    report.side("国内公务接待费 + 国（境）外公务接待费", receptions),
                )


class TotalsAgainstDetail(Rule):
    rule_id = "R07"
    number = 7
    family = ACROSS_TABLES
    type = "totals-vs-income-expenditure"
    title = "总表 与 收入/支出决算表"
    description = (
        "总表 本年收入合计 = 收入决算表 合计; 总表 本年支出合计 = 支出决算表 合计; "
        "总表 class lines = 支出决算表 类 rows."
    )
    template = "{table} {line} {column} {left} ≠ {right_table} {right_label} {right} (difference {difference})"

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        totals = c.TOTALS
        yield self.check(
            report,
            "本年收入合计 = 收入决算表 合计",
            Term(totals, YEAR_INCOME, AMOUNT),
            report.side(YEAR_INCOME, [Term(totals, YEAR_INCOME, AMOUNT)]),
            report.side(f"{c.TOTAL_ROW} {YEAR_INCOME}", [Term(c.INCOME, c.TOTAL_ROW, YEAR_INCOME)]),
        )
        yield self.check(
            report,
            "本年支出合计 = 支出决算表 合计",
            Term(totals, YEAR_EXPENDITURE, AMOUNT),
            report.side(YEAR_EXPENDITURE, [Term(totals, YEAR_EXPENDITURE, AMOUNT)]),
            report.side(f"{c.TOTAL_ROW} {YEAR_EXPENDITURE}", [Term(c.EXPENDITURE, c.TOTAL_ROW, YEAR_EXPENDITURE)]),
        )
        yield from _class_by_class(
            self, report, "类 = 支出决算表 类", (totals, AMOUNT), (c.EXPENDITURE, YEAR_EXPENDITURE)
        )


def _class_by_class(
    rule: Rule, report: ReportFacts, note: str, left: tuple[str, str], right: tuple[str, str]
) -> Iterator[IdentityCheck]:
    """One check per 类 printed on either side (a class missing on one side counts as blank there)."""
    (left_table, left_column), (right_table, right_column) = left, right
    for table in (left_table, right_table):
        if report.source(table) == UNRELIABLE:
            # The class lines of a table not read reliably are unknown: one instance says so.
            yield _class_lines_not_checkable(
                rule, report, note, left_table, left_column, report.unreliable_reason(table) or "", table
            )
            return
    left_codes = {code for code in report.coded(left_table, left_column) if len(code) == 3}
    right_codes = {code for code in report.coded(right_table, right_column) if len(code) == 3}
    for table, codes in ((left_table, left_codes), (right_table, right_codes)):
        if not codes and report.source(table) != TABLE:
            # Nothing class by class on one side (a narrative without class lines, or no table at all).
            reason = f"{table} not published" if report.source(table) is None else f"{table}: no class lines stated"
            if left_codes | right_codes:
                yield _class_lines_not_checkable(rule, report, note, left_table, left_column, reason, table)
            return
    for code in sorted(left_codes | right_codes):
        left_fact = report.get(Term(left_table, code, left_column)) or report.get(Term(right_table, code, right_column))
        yield rule.check(
            report,
            note,
            Term(left_table, code, left_column),
            report.side(code, [Term(left_table, code, left_column)]),
            report.side(f"{code} {right_column}", [Term(right_table, code, right_column)]),
            line_item=left_fact.line_item if left_fact else code,
            subject_code=code,
        )


def _class_lines_not_checkable(
    rule: Rule,
    report: ReportFacts,
    note: str,
    left_table: str,
    left_column: str,
    reason: str,
    table: str,
) -> IdentityCheck:
    """The one instance of a class-by-class comparison that cannot be made (``table`` is the side that fails)."""
    empty = Side(note, table, (), None, reason, unreliable=report.source(table) == UNRELIABLE)
    return IdentityCheck(
        rule=rule,
        note=note,
        unit_id=report.unit_id,
        report_document=report.document_sha256,
        year=report.year,
        report_kind=report.report_kind,
        table_name=left_table,
        subject_code=None,
        line_item="(class lines)",
        column_name=left_column,
        left=empty,
        right=empty,
        missing_reason=reason,
    )


class FiscalTotalsAgainstGeneralBudget(Rule):
    rule_id = "R08"
    number = 8
    family = ACROSS_TABLES
    type = "fiscal-totals-vs-general-budget"
    title = "财政拨款总表 与 一般公共预算支出表"
    description = "财政拨款总表 一般公共预算 本年支出合计 = 一般公共预算支出表 合计, class by class."
    template = TotalsAgainstDetail.template

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.FISCAL_TOTALS
        yield self.check(
            report,
            "本年支出合计 = 一般公共预算支出表 合计",
            Term(table, YEAR_EXPENDITURE, GENERAL_FUND),
            report.side(YEAR_EXPENDITURE, [Term(table, YEAR_EXPENDITURE, GENERAL_FUND)]),
            report.side(f"{c.TOTAL_ROW} 小计", [Term(c.GENERAL_BUDGET, c.TOTAL_ROW, "小计")]),
        )
        yield from _class_by_class(
            self, report, "类 = 一般公共预算支出表 类", (table, GENERAL_FUND), (c.GENERAL_BUDGET, "小计")
        )


class GeneralBudgetBasic(Rule):
    rule_id = "R09"
    number = 9
    family = ACROSS_TABLES
    type = "general-budget-basic-vs-basic-table"
    title = "一般公共预算 基本支出 与 基本支出表"
    description = "一般公共预算支出表 基本支出 合计 = 基本支出表 人员经费合计 + 公用经费合计."
    template = TotalsAgainstDetail.template

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        yield self.check(
            report,
            "基本支出 = 人员经费 + 公用经费",
            Term(c.GENERAL_BUDGET, c.TOTAL_ROW, "基本支出"),
            report.side("基本支出", [Term(c.GENERAL_BUDGET, c.TOTAL_ROW, "基本支出")]),
            report.side(
                "人员经费合计 + 公用经费合计", _terms(c.BASIC, [c.PERSONNEL_TOTAL, c.PUBLIC_USE_TOTAL], DECISION)
            ),
        )


class FiscalIncome(Rule):
    rule_id = "R10"
    number = 10
    family = ACROSS_TABLES
    type = "income-fiscal-vs-fiscal-totals"
    title = "收入决算表 财政拨款收入 与 财政拨款总表"
    description = "收入决算表 财政拨款收入 合计 = 财政拨款收入支出决算总表 本年收入合计."
    template = TotalsAgainstDetail.template

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        yield self.check(
            report,
            "财政拨款收入 = 财政拨款总表 本年收入合计",
            Term(c.INCOME, c.TOTAL_ROW, "财政拨款收入"),
            report.side("财政拨款收入", [Term(c.INCOME, c.TOTAL_ROW, "财政拨款收入")]),
            report.side(YEAR_INCOME, [Term(c.FISCAL_TOTALS, YEAR_INCOME, AMOUNT)]),
        )


class CarRunningCost(Rule):
    rule_id = "R11"
    number = 11
    family = ACROSS_TABLES
    type = "car-running-cost-bound"
    title = "公务用车运行维护费 不超过 30231"
    description = (
        "三公 决算数 公务用车运行维护费 ≤ 基本支出表 30231 + 项目支出表 30231 (a warning when larger: "
        "project spending on cars is not always itemised)."
    )
    template = "{table} {line} {column} {left} > {right_label} {right} (excess {difference})"

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        yield self.check(
            report,
            "公务用车运行维护费 ≤ 30231",
            Term(c.THREE_PUBLIC, TP_CAR_RUNNING, DECISION),
            report.side(TP_CAR_RUNNING, [Term(c.THREE_PUBLIC, TP_CAR_RUNNING, DECISION)]),
            report.side(
                "30231 基本 + 项目",
                [Term(c.BASIC, CAR_RUNNING_CODE, DECISION), Term(c.PROJECT, CAR_RUNNING_CODE, DECISION, optional=True)],
            ),
            comparison=AT_MOST,
            severity_if_broken=WARNING,
        )


class OperatingCost(Rule):
    rule_id = "R12"
    number = 12
    family = ACROSS_TABLES
    type = "operating-cost-vs-public-use"
    title = "机关运行经费 与 公用经费"
    description = (
        "相关信息统计表 机关运行经费 = 基本支出表 公用经费合计 for 行政 and 参公 units. 机关运行经费 above "
        "公用经费合计 is an error for them (it is a part of it); below it is a warning, as for other units: "
        "a 部门 report's 公用经费 also covers its 事业单位, whose 公用经费 is no 机关运行经费."
    )
    template = TotalsAgainstDetail.template

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        operating = report.side(
            c.OPERATING_COST, _terms(c.RELATED_INFO, OPERATING_COST_LINES, STATISTIC, OPERATING_COST_LINES)
        )
        public_use = report.side(c.PUBLIC_USE_TOTAL, [Term(c.BASIC, c.PUBLIC_USE_TOTAL, DECISION)])
        above = operating.value is not None and public_use.value is not None and operating.value > public_use.value
        yield self.check(
            report,
            "机关运行经费 = 公用经费合计",
            Term(c.RELATED_INFO, c.OPERATING_COST, STATISTIC),
            operating,
            public_use,
            line_item=c.OPERATING_COST,
            severity_if_broken=ERROR if report.is_administrative and above else WARNING,
        )


class NarrativeRestatement(Rule):
    rule_id = "R13"
    number = 13
    family = TABLE_VS_NARRATIVE
    type = "narrative-restates-table"
    title = "情况说明 与 表格一致"
    description = (
        "Every narrative figure that restates a table figure equals it within rounding (compared at 0.01 万元, so a "
        "figure stated in 元 passes when it rounds to the table's); a blank table cell is zero; counts exactly."
    )
    template = "{table} {line} {column}: narrative {left} ≠ table {right} (difference {difference})"

    #: The label of the side a not-comparable table stands for (``None``: the note).
    not_comparable_label: str | None = "table"

    def restates(self, fact: FactRef) -> bool:
        """Whether the narrative figure restates a table cell (some lines only the prose states)."""
        return (fact.table_name, fact.key) not in NARRATIVE_ONLY_LINES

    def restated(self, report: ReportFacts, fact: FactRef) -> Side:
        """The table figure ``fact`` restates."""
        keys = NARRATIVE_ALIASES.get((fact.table_name, fact.key), (fact.key,))
        return report.side("table", _terms(fact.table_name, keys, fact.column_name))

    def published_precision(self, fact: FactRef) -> bool:
        """Whether the comparison is at the published 0.01 万元 (counts compare exactly)."""
        return fact.column_name not in COUNT_COLUMNS

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        unpublished: dict[str, int] = {}
        unreadable: dict[str, int] = {}
        for fact in report.narrative():
            if not self.restates(fact):
                continue
            source = report.source(fact.table_name)
            if source == UNRELIABLE:
                unreadable[fact.table_name] = unreadable.get(fact.table_name, 0) + 1
                continue
            if source != TABLE:
                unpublished[fact.table_name] = unpublished.get(fact.table_name, 0) + 1
                continue
            yield IdentityCheck(
                rule=self,
                note="narrative = table",
                unit_id=report.unit_id,
                report_document=report.document_sha256,
                year=report.year,
                report_kind=report.report_kind,
                table_name=fact.table_name,
                subject_code=fact.subject_code,
                line_item=fact.line_item,
                column_name=fact.column_name,
                left=Side("narrative", fact.table_name, (fact,), fact.value),
                right=self.restated(report, fact),
                published_precision=self.published_precision(fact),
            )
        label = self.not_comparable_label
        for table, count in sorted(unreadable.items()):
            reason = f"{report.unreliable_reason(table)} ({count} narrative figure(s) not comparable)"
            yield self.whole_table(
                report,
                table,
                "narrative = table",
                reason,
                unreliable=True,
                line_item="(all narrative figures)",
                label=label,
            )
        for table, count in sorted(unpublished.items()):
            reason = f"{table} not published as a table ({count} narrative figure(s) not comparable)"
            yield self.whole_table(
                report, table, "narrative = table", reason, line_item="(all narrative figures)", label=label
            )


IDENTITY_RULES: tuple[Rule, ...] = (
    TotalsBalance(),
    CodedHierarchy(),
    RowSums(),
    FiscalTotalsBalance(),
    BasicExpenditure(),
    ThreePublic(),
    TotalsAgainstDetail(),
    FiscalTotalsAgainstGeneralBudget(),
    GeneralBudgetBasic(),
    FiscalIncome(),
    CarRunningCost(),
    OperatingCost(),
    NarrativeRestatement(),
)

# The checks beyond arithmetic live in sibling modules, which build on the classes above: imported here,
# at the end, so that every rule is registered wherever the import starts (transform/__init__.py imports
# this module first).
from juesuan.transform import across_years, budget_identities, claims, hygiene, performance, structure  # noqa: E402

RULES: tuple[Rule, ...] = (
    *IDENTITY_RULES,
    *claims.RULES,
    *structure.RULES,
    *hygiene.RULES,
    *across_years.RULES,
    *performance.RULES,
    *budget_identities.RULES,
)
RULES_BY_ID: dict[str, Rule] = {rule.rule_id: rule for rule in RULES}


def rules_of(family: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.family == family)


# --- from facts to checks to the residual frame ------------------------------------------------------------
#: What ``reports_from_facts(unreliable=…)`` is keyed by: ``(unit_id, year)`` (a 决算 report) or
#: ``(unit_id, year, report_kind)``.
ReportKey = tuple[str, int] | tuple[str, int, str]


def report_kinds_of(facts: pd.DataFrame) -> pd.Series:
    """Each fact's report kind: a frame without the column (written before kinds existed) holds 决算 facts."""
    if "report_kind" not in facts.columns:
        return pd.Series(c.FINAL, index=facts.index, dtype="object")
    return facts["report_kind"].fillna(c.FINAL).astype("object")


def reports_from_facts(
    facts: pd.DataFrame,
    unit_kinds: Mapping[str, str] | None = None,
    unreliable: Mapping[ReportKey, Mapping[str, str]] | None = None,
) -> list[ReportFacts]:
    """Group a facts frame (contract columns, ``value`` as Decimal) into one :class:`ReportFacts` per report:
    per unit, year and report kind (facts without ``report_kind`` are 决算). The two reports of a unit-year
    (决算 and 预算) are linked as each other's ``counterpart``.

    ``unreliable`` maps a report to its tables not read reliably, each with its reason
    (``juesuan.transform.reliability.unreliable_by_report``): by ``(unit_id, year, report_kind)``, or by
    ``(unit_id, year)`` for a 决算 report; a report not in it has none.
    """
    kinds = unit_kinds or {}
    doubtful = unreliable or {}
    reports: list[ReportFacts] = []
    if facts.empty:
        return reports
    facts = facts.assign(report_kind=report_kinds_of(facts))
    for (unit_id, year, report_kind), group in facts.groupby(["unit_id", "year", "report_kind"], sort=True):
        refs = [
            FactRef(
                table_name=row.table_name,
                subject_code=None if pd.isna(row.subject_code) else str(row.subject_code),
                line_item=row.line_item,
                column_name=row.column_name,
                value=_decimal(row.value),
                source_kind=row.source_kind,
                page=None if pd.isna(row.page) else int(row.page),
                document_sha256=row.document_sha256,
            )
            for row in group.itertuples(index=False)
        ]
        unit, number, kind = str(unit_id), int(year), str(report_kind)
        reasons = doubtful.get((unit, number, kind))
        if reasons is None and kind == c.FINAL:
            reasons = doubtful.get((unit, number))
        reports.append(ReportFacts(unit, number, refs, kinds.get(unit), reasons, report_kind=kind))
    link_counterparts(reports)
    return reports


def link_counterparts(reports: Iterable[ReportFacts]) -> None:
    """Point each report at the report of the other kind of its unit and year, when there is one."""
    by_key = {(r.unit_id, r.year, r.report_kind): r for r in reports}
    for (unit_id, year, kind), report in by_key.items():
        other = c.BUDGET if kind == c.FINAL else c.FINAL
        report.counterpart = by_key.get((unit_id, year, other))


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # Values arrive as Decimal from the lake's decimal128 column; anything else is a caller's bug.
    raise TypeError(f"fact value {value!r} is {type(value).__name__}, expected Decimal (no float amounts)")


def compute_checks(reports: Iterable[ReportFacts], rules: Iterable[Rule] = RULES) -> list[IdentityCheck]:
    """Every instance of every rule on every report, in a stable order."""
    chosen = list(rules)
    checks: list[IdentityCheck] = []
    for report in reports:
        for rule in chosen:
            if report.report_kind in rule.report_kinds:
                checks.extend(rule.checks(report))
    duplicates = sorted(check_id for check_id, n in Counter(ch.check_id for ch in checks).items() if n > 1)
    if duplicates:
        raise ValueError(f"identity checks with the same id (a rule yields one instance twice): {duplicates[:5]}")
    reports_checked = len({(ch.unit_id, ch.year, ch.report_kind) for ch in checks})
    log.info("%d identity checks on %d report(s)", len(checks), reports_checked)
    return checks


def to_micro(value: Decimal | None) -> int | None:
    """An amount in millionths of a 万元, exactly (the contract's scale is 6 decimals)."""
    if value is None:
        return None
    scaled = value * MICRO
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 6 decimals: not a DECIMAL(20,6) amount")
    return int(scaled)


#: Columns of the residual frame the GX suites validate.
RESIDUAL_COLUMNS = (
    "check_id",
    "family",
    "rule_id",
    "unit_id",
    "year",
    "report_kind",
    "severity_if_broken",
    "deviation_micro",
    "tolerance_micro",
)


@dataclass
class ResidualFrame:
    """The residual frame and the checks behind its rows (row ``i`` is ``checks[i]``)."""

    frame: pd.DataFrame
    checks: list[IdentityCheck] = field(default_factory=list)


def residual_frame(checks: list[IdentityCheck]) -> ResidualFrame:
    """One row per check: deviation and tolerance as exact integers of 0.000001 万元 (nullable)."""
    frame = pd.DataFrame(
        {
            "check_id": pd.array([ch.check_id for ch in checks], dtype="string"),
            "family": pd.array([ch.family for ch in checks], dtype="string"),
            "rule_id": pd.array([ch.rule_id for ch in checks], dtype="string"),
            "unit_id": pd.array([ch.unit_id for ch in checks], dtype="string"),
            "year": pd.array([ch.year for ch in checks], dtype="Int64"),
            "report_kind": pd.array([ch.report_kind for ch in checks], dtype="string"),
            "severity_if_broken": pd.array([ch.severity_if_broken for ch in checks], dtype="string"),
            "deviation_micro": pd.array([to_micro(ch.deviation) for ch in checks], dtype="Int64"),
            "tolerance_micro": pd.array([to_micro(ch.tolerance) for ch in checks], dtype="Int64"),
        },
        columns=list(RESIDUAL_COLUMNS),
    )
    return ResidualFrame(frame=frame, checks=list(checks))
