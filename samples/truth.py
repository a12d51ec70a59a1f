"""The ground truth the samples render: contract facts per unit, as small CSV files.

The facts are those juesuan extracts from the five corpus text exports (figures, codes and names:
facts, not prose), each with the kind of source it came from (``source_kind``), which decides how the
sample is laid out:

* ``table`` — the report publishes its standard tables as text (大同, 朝阳, 晋城). The sample renders
  them as grids, and its narrative restates a few of their figures. Only what the standard grids can
  show is kept: a line that no table layout has a row for (授予中小企业合同金额, 国内公务接待费 …) and
  the 项目支出 table (keyed by economic codes in prose only) are left out.
* ``narrative`` — a figure only the prose states. For 大竹 and 乌海 (their reports published the
  tables as images) that is every figure: the sample is narrative-only, as published — cover,
  contents, the 情况说明 restating every figure, and a note where the tables would be, with no
  standard table. Every figure such a narrative can restate (:data:`NARRATED_LINES`,
  :data:`NARRATED_CODED`) is kept. A unit with tables keeps only the narrative figures no grid can
  show that the analysts' marts need: the 年初预算数 of 一般公共预算财政拨款支出 (printed in no table)
  and this year's figure of a key last year's figure is restated for (机关运行经费 …).
* ``restated`` — last year's figure of a key, as the report restates it through a change against
  the previous year (``Extraction.prior_year_facts``: a fact of year − 1). The sample states it as a
  change sentence right after this year's figure of the same key, which the extractor turns back
  into the previous year's figure; a restated figure is kept only when this year's is kept.

A unit is narrative-only when its truth has no ``table`` fact.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from juesuan import contract as c

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "facts"
COLUMNS = ("table_name", "subject_code", "line_item", "column_name", "value", "source_kind")
TABLE, NARRATIVE = c.SOURCE_KINDS
RESTATED = "restated"  # last year's figure (Extraction.prior_year_facts), not a contract source kind
TRUTH_KINDS = (TABLE, NARRATIVE, RESTATED)

RENDERED_TABLES = tuple(t for t in c.TABLE_NAMES if t != c.PROJECT)
VEHICLE_COLUMN, EQUIPMENT_COLUMN, COUNT_COLUMNS = c.VEHICLE_COLUMN, c.EQUIPMENT_COLUMN, c.COUNT_COLUMNS
PURCHASE_LINES = ("政府采购支出合计", "政府采购货物支出", "政府采购工程支出", "政府采购服务支出")
SME_LINES = ("授予中小企业合同金额", "授予小微企业合同金额")
VEHICLE_LINES = (
    "车辆数合计",
    "副部（省）级及以上领导用车",
    "主要负责人用车",
    "机要通信用车",
    "应急保障用车",
    "执法执勤用车",
    "特种专业技术用车",
    "离退休干部服务用车",
    "其他用车",
)
EQUIPMENT_LINE = "单价100万元（含）以上设备"
TOTALS_LINES = (
    c.INCOME_GRAND_TOTAL,
    c.EXPENDITURE_GRAND_TOTAL,
    "本年收入合计",
    "使用非财政拨款结余",
    "年初结转和结余",
    "本年支出合计",
    "结余分配",
    "年末结转和结余",
)
FISCAL_INCOME_LINES = c.FISCAL_INCOME_LINES
INCOME_SOURCES = c.INCOME_SOURCE_COLUMNS
EXPENDITURE_KINDS = ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
THREE_PUBLIC_LINES = (
    c.TOTAL_ROW,
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
    "国内公务接待费",
    "国（境）外公务接待费",
)

#: Line items of the line-keyed tables that a standard grid has a row for.
RENDERABLE_LINES: dict[str, frozenset[str]] = {
    c.THREE_PUBLIC: frozenset(THREE_PUBLIC_LINES[:6]),
    c.RELATED_INFO: frozenset(
        (
            *PURCHASE_LINES,
            "机关运行经费（行政单位）",
            "机关运行经费（参照公务员法管理事业单位）",
            *VEHICLE_LINES,
            EQUIPMENT_LINE,
        )
    ),
}
#: The uncoded figures a narrative-only sample restates in its prose: (line item, column) per table.
NARRATED_LINES: dict[str, frozenset[tuple[str, str]]] = {
    c.TOTALS: frozenset((line, "金额") for line in (*TOTALS_LINES, *FISCAL_INCOME_LINES)),
    c.INCOME: frozenset((c.TOTAL_ROW, column) for column in ("本年收入合计", *INCOME_SOURCES)),
    c.EXPENDITURE: frozenset((c.TOTAL_ROW, column) for column in ("本年支出合计", *EXPENDITURE_KINDS)),
    c.FISCAL_TOTALS: frozenset(((c.INCOME_GRAND_TOTAL, "金额"), (c.EXPENDITURE_GRAND_TOTAL, "合计"))),
    c.GENERAL_BUDGET: frozenset((c.TOTAL_ROW, column) for column in ("小计", "基本支出", "项目支出")),
    c.BASIC: frozenset(((c.PERSONNEL_TOTAL, "决算数"), (c.PUBLIC_USE_TOTAL, "决算数"))),
    c.GOV_FUND: frozenset(((c.TOTAL_ROW, "小计"),)),
    c.STATE_CAPITAL: frozenset(((c.TOTAL_ROW, "合计"),)),
    c.THREE_PUBLIC: frozenset((line, column) for line in THREE_PUBLIC_LINES for column in ("预算数", "决算数")),
    c.RELATED_INFO: frozenset(
        (
            (c.OPERATING_COST, "统计数"),
            *((line, "统计数") for line in (*PURCHASE_LINES, *SME_LINES)),
            *((line, VEHICLE_COLUMN) for line in VEHICLE_LINES),
            (EQUIPMENT_LINE, EQUIPMENT_COLUMN),
        )
    ),
}
#: The coded figures it restates: the columns per table (functional 类/款/项 spending and the 年初预算
#: stated for some, economic 类/款).
NARRATED_CODED: dict[str, frozenset[str]] = {
    c.GENERAL_BUDGET: frozenset(("小计", c.INITIAL_BUDGET_COLUMN)),
    c.BASIC: frozenset(("决算数",)),
    c.PROJECT: frozenset(("决算数",)),
}
NARRATED_LINES[c.GENERAL_BUDGET] |= {(c.TOTAL_ROW, c.INITIAL_BUDGET_COLUMN)}


@dataclass(frozen=True)
class TruthFact:
    """One rendered figure: the contract key without unit/year, and its value."""

    table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    value: Decimal
    source_kind: str  # table | narrative: what the sample shows it in; restated: last year's figure

    @property
    def subject_key(self) -> str:
        return self.subject_code if self.subject_code is not None else self.line_item

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table_name, self.subject_key, self.column_name)

    @property
    def is_count(self) -> bool:
        return self.column_name in COUNT_COLUMNS


def renderable(fact: TruthFact) -> bool:
    if fact.table_name not in RENDERED_TABLES:
        return False
    lines = RENDERABLE_LINES.get(fact.table_name)
    return lines is None or fact.line_item in lines


def narrated(fact: TruthFact) -> bool:
    """Whether a narrative-only sample's prose restates ``fact``."""
    if fact.subject_code is not None:
        return fact.column_name in NARRATED_CODED.get(fact.table_name, frozenset())
    return (fact.line_item, fact.column_name) in NARRATED_LINES.get(fact.table_name, frozenset())


def is_narrative_only(facts: list[TruthFact]) -> bool:
    """A unit whose figures come from its prose alone: its sample has no standard table."""
    return any(f.source_kind == NARRATIVE for f in facts) and not any(f.source_kind == TABLE for f in facts)


def is_initial_budget(fact: TruthFact) -> bool:
    return fact.column_name == c.INITIAL_BUDGET_COLUMN


def _truth(fact: c.Fact, kind: str) -> TruthFact:
    return TruthFact(fact.table_name, fact.subject_code, fact.line_item, fact.column_name, fact.value, kind)


def select_truth(facts: list[c.Fact], prior_year_facts: Iterable[c.Fact] = ()) -> list[TruthFact]:
    """What a unit's sample shows, from one report's extraction.

    With tables: the table facts a grid shows, plus the narrative figures no grid shows that the
    narrative states (年初预算数, this year's figure of a restated key). Without: every narrative figure
    the narrative-only sample restates. Then last year's figures (``prior_year_facts``) of the keys kept.
    """
    tables = [_truth(f, TABLE) for f in facts if f.source_kind == TABLE]
    narrative = [_truth(f, NARRATIVE) for f in facts if f.source_kind == NARRATIVE]
    prior = [_truth(f, RESTATED) for f in prior_year_facts]
    if tables:
        kept = [t for t in tables if renderable(t)]
        if len(kept) < len(tables):
            log.info("left out %d table figure(s) no grid shows", len(tables) - len(kept))
        shown = {t.key for t in kept}
        restated_keys = {p.key for p in prior}
        kept += [
            t
            for t in narrative
            if t.key not in shown and narrated(t) and (is_initial_budget(t) or t.key in restated_keys)
        ]
    else:
        kept = [t for t in narrative if narrated(t)]
        if len(kept) < len(narrative):
            log.info("left out %d narrative figure(s) the sample cannot show", len(narrative) - len(kept))
    current = {t.key for t in kept}
    restated = [p for p in prior if p.key in current]
    for p in prior:
        if p.key not in current:
            log.info("left out last year's %s: this year's figure is not in the sample", "/".join(p.key))
    return kept + restated


def format_value(fact: TruthFact) -> str:
    """As printed in a table: counts as integers, amounts with at least two decimals."""
    if fact.is_count:
        return str(int(fact.value))
    value = fact.value
    if value.as_tuple().exponent >= -2:  # type: ignore[operator]
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"


def dumps(facts: list[TruthFact]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in facts:
        row = (f.table_name, f.subject_code or "", f.line_item, f.column_name, format_value(f), f.source_kind)
        writer.writerow(row)
    return buffer.getvalue()


def loads(text: str, source: str = "<truth>") -> list[TruthFact]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"{source}: columns {reader.fieldnames} (expected {', '.join(COLUMNS)})")
    facts = []
    for number, r in enumerate(reader, start=2):
        if r["source_kind"] not in TRUTH_KINDS:
            raise ValueError(
                f"{source} line {number}: source_kind {r['source_kind']!r} (allowed: {', '.join(TRUTH_KINDS)})"
            )
        code = r["subject_code"] or None
        facts.append(
            TruthFact(r["table_name"], code, r["line_item"], r["column_name"], Decimal(r["value"]), r["source_kind"])
        )
    check_truth(facts, source)
    return facts


def check_truth(facts: list[TruthFact], source: str = "<truth>") -> None:
    """One figure per key and kind; a key this year is shown either in a table or in prose only."""
    seen: dict[tuple[str, tuple[str, str, str]], TruthFact] = {}
    for fact in facts:
        kind = RESTATED if fact.source_kind == RESTATED else "current"
        if (kind, fact.key) in seen:
            raise ValueError(f"{source}: {'/'.join(fact.key)} twice ({kind})")
        seen[(kind, fact.key)] = fact
    current = {f.key for f in facts if f.source_kind != RESTATED}
    orphans = [f for f in facts if f.source_kind == RESTATED and f.key not in current]
    if orphans:
        raise ValueError(f"{source}: last year's {'/'.join(orphans[0].key)} without this year's figure")


def load_truth(unit_id: str, data_dir: Path = DATA_DIR) -> list[TruthFact]:
    path = data_dir / f"{unit_id}.csv"
    return loads(path.read_text(encoding="utf-8"), str(path))


def refresh_from_corpus(registry_path: Path, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Re-derive ``facts/<unit>.csv`` from the text exports a registry names (e.g. ``registry/units.toml``
    with the corpus beside the project): a maintainer's step, not part of the main job."""
    from juesuan.extract.api import extract_document
    from juesuan.lake import write_bytes_atomic
    from juesuan.registry import load_registry

    registry = load_registry(registry_path)
    counts: dict[str, int] = {}
    for report in registry.reports():
        extraction = extract_document(report.local_path(), unit_id=report.unit_id, year=report.year, registry=registry)
        truth = select_truth(extraction.facts, extraction.prior_year_facts)
        write_bytes_atomic(dumps(truth).encode("utf-8"), data_dir / f"{report.unit_id}.csv")
        counts[report.unit_id] = len(truth)
    return counts
