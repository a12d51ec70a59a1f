"""The data contract (``../shared/design/DATA_CONTRACT.md``) as code: names, schema, key and checks.

Every stage emits :class:`Fact` rows or frames with :data:`FACT_COLUMNS`; :func:`validate_facts`
is the one gate they all pass before anything is written.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from juesuan.errors import ContractViolation

# --- canonical tables (contract section 2) --------------------------------------------------------
TOTALS = "收入支出决算总表"
INCOME = "收入决算表"
EXPENDITURE = "支出决算表"
FISCAL_TOTALS = "财政拨款收入支出决算总表"
GENERAL_BUDGET = "一般公共预算财政拨款支出决算表"
BASIC = "一般公共预算财政拨款基本支出决算表"
PROJECT = "一般公共预算财政拨款项目支出决算表"
GOV_FUND = "政府性基金预算财政拨款收入支出决算表"
STATE_CAPITAL = "国有资本经营预算财政拨款支出决算表"
THREE_PUBLIC = "财政拨款“三公”经费支出决算表"
RELATED_INFO = "部门决算公开相关信息统计表"

TABLE_NAMES: tuple[str, ...] = (
    TOTALS,
    INCOME,
    EXPENDITURE,
    FISCAL_TOTALS,
    GENERAL_BUDGET,
    BASIC,
    PROJECT,
    GOV_FUND,
    STATE_CAPITAL,
    THREE_PUBLIC,
    RELATED_INFO,
)
#: Tables keyed by a functional subject code (类/款/项) with a 合计 row.
CODED_TABLES: tuple[str, ...] = (INCOME, EXPENDITURE, GENERAL_BUDGET, GOV_FUND, STATE_CAPITAL)

# --- document kinds (contract section 7, Document kind) -------------------------------------------
FINAL = "决算"
BUDGET = "预算"
#: What a report is: the final accounts of a year (default) or the budget disclosed for it.
REPORT_KINDS: tuple[str, ...] = (FINAL, BUDGET)
#: ASCII form of each kind, for file names and URLs.
REPORT_KIND_SLUGS: dict[str, str] = {FINAL: "final", BUDGET: "budget"}

# --- canonical budget tables (预算公开; docs/contract.md "Budget tables") ----------------------------
BUDGET_TOTALS = "收支预算总表"
BUDGET_INCOME = "收入预算表"
BUDGET_EXPENDITURE = "支出预算表"
BUDGET_FISCAL_TOTALS = "财政拨款收支预算总表"
BUDGET_FISCAL_EXPENDITURE = "财政拨款支出预算表"
BUDGET_FISCAL_BASIC = "财政拨款基本支出预算表"
BUDGET_GENERAL = "一般公共预算支出预算表"
BUDGET_BASIC = "一般公共预算基本支出预算表"
BUDGET_GOV_FUND = "政府性基金预算支出预算表"
BUDGET_STATE_CAPITAL = "国有资本经营预算支出预算表"
BUDGET_THREE_PUBLIC = "“三公”经费支出预算表"
BUDGET_OPERATING = "机关运行经费支出预算表"
BUDGET_PROCUREMENT = "政府采购预算表"

BUDGET_TABLE_NAMES: tuple[str, ...] = (
    BUDGET_TOTALS,
    BUDGET_INCOME,
    BUDGET_EXPENDITURE,
    BUDGET_FISCAL_TOTALS,
    BUDGET_FISCAL_EXPENDITURE,
    BUDGET_FISCAL_BASIC,
    BUDGET_GENERAL,
    BUDGET_BASIC,
    BUDGET_GOV_FUND,
    BUDGET_STATE_CAPITAL,
    BUDGET_THREE_PUBLIC,
    BUDGET_OPERATING,
    BUDGET_PROCUREMENT,
)
#: Budget tables keyed by a functional subject code (类/款/项) with a 合计 row.
BUDGET_FUNCTIONAL_TABLES: tuple[str, ...] = (
    BUDGET_INCOME,
    BUDGET_EXPENDITURE,
    BUDGET_FISCAL_EXPENDITURE,
    BUDGET_GENERAL,
    BUDGET_GOV_FUND,
    BUDGET_STATE_CAPITAL,
)
#: Budget tables keyed by an economic subject code (类 3 digits, 款 5) with a 合计 row.
BUDGET_ECONOMIC_TABLES: tuple[str, ...] = (BUDGET_FISCAL_BASIC, BUDGET_BASIC, BUDGET_OPERATING)
#: The tables of each kind: a fact's table_name must be one of its kind's.
TABLES_OF_KIND: dict[str, tuple[str, ...]] = {FINAL: TABLE_NAMES, BUDGET: BUDGET_TABLE_NAMES}
#: Budget columns (more may be printed; these are the ones every stage relies on). A single amount
#: column (金额 / 预算数 / 本年预算) is ``预算数``; a coded table's total column is ``合计`` and its parts
#: ``基本支出`` / ``项目支出`` (支出) or the income sources (收入); the basic table's ``人员经费`` /
#: ``公用经费``.
BUDGET_AMOUNT = "预算数"
BUDGET_TOTAL_COLUMN = "合计"
BUDGET_PERSONNEL = "人员经费"
BUDGET_PUBLIC_USE = "公用经费"
#: The budget table whose figure is the 决算's 年初预算数 of the same subject: 一般公共预算支出预算表 合计.
BUDGET_OF_INITIAL_BUDGET = (BUDGET_GENERAL, BUDGET_TOTAL_COLUMN)
#: The parts of a budget 支出 table's 合计 (more uses are printed as they are: 单位预留机动经费 …).
BUDGET_BASIC_COLUMN = "基本支出"
BUDGET_PROJECT_COLUMN = "项目支出"
#: Income-source columns of 收入预算表 as the reader names them (a source printed otherwise keeps its
#: printed name): 财政拨款 is 财政拨款收入, 上年结转资金 / 上年结转和结余 are 上年结转.
BUDGET_INCOME_SOURCES = ("财政拨款收入", "事业收入", "事业单位经营收入", "其他收入", "上年结转")
#: Fund columns of 财政拨款收支预算总表's 支出 side, beside 合计.
BUDGET_FUND_COLUMNS = ("一般公共预算", "政府性基金预算", "国有资本经营预算")
#: 收入 lines of the budget summary tables (收支预算总表, 财政拨款收支预算总表), canonical names: the
#: fund lines are the parts of 财政拨款收入; 本年收入合计 (当年收入小计) + 上年结转 = 收入总计.
BUDGET_FUND_LINES = ("一般公共预算资金", "政府性基金预算资金", "国有资本经营预算资金")
BUDGET_INCOME_LINES = (
    "财政拨款收入",
    *BUDGET_FUND_LINES,
    "财政专户管理资金",
    "其他资金",
    "事业收入",
    "事业单位经营收入",
    "其他收入",
    "本年收入合计",
    "上年结转",
    "收入总计",
)
#: 支出 lines of the budget summary tables besides the functional classes (keyed by their 类 code): the
#: uses (Jiangsu prints them beside the classes), 本年支出合计 (当年支出小计), 结转下年, 支出总计.
BUDGET_EXPENDITURE_LINES = (
    BUDGET_BASIC_COLUMN,
    BUDGET_PROJECT_COLUMN,
    "单位预留机动经费",
    "本年支出合计",
    "结转下年",
    "支出总计",
)
#: Lines of “三公”经费支出预算表 (column 预算数). 合计 is the table's total: the three, or, where the template
#: prints 会议费 and 培训费 beside them, the three + 会议费 + 培训费 with the three's subtotal “三公”经费;
#: 机关运行经费 where the template prints it in the same table (no part of 合计).
BUDGET_THREE_PUBLIC_LINES = (
    "合计",
    "“三公”经费",
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
    "会议费",
    "培训费",
    "机关运行经费",
)
#: Lines of 政府采购预算表 (column 预算数): its 合计 and the categories; item rows are not keyed.
BUDGET_PROCUREMENT_LINES = ("合计", "政府采购货物支出", "政府采购工程支出", "政府采购服务支出")

SOURCE_KINDS = ("table", "narrative")
EXTRACTORS = (
    "text-table",
    "camelot-lattice",
    "camelot-stream",
    "pdfium-stream",
    "pdf-text",
    "docx",
    "ocr",
    "narrative-regex",
)

# --- canonical line items used by more than one stage -----------------------------------------------
TOTAL_ROW = "合计"
INCOME_GRAND_TOTAL = "收入总计"
EXPENDITURE_GRAND_TOTAL = "支出总计"
PERSONNEL_TOTAL = "人员经费合计"
PUBLIC_USE_TOTAL = "公用经费合计"
OPERATING_COST = "机关运行经费"
#: Income lines of 收入支出决算总表, in printed order: 本年收入合计 is their sum.
SUMMARY_INCOME_LINES = (
    "一般公共预算财政拨款收入",
    "政府性基金预算财政拨款收入",
    "国有资本经营预算财政拨款收入",
    "上级补助收入",
    "事业收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
)
#: Income lines of 财政拨款收入支出决算总表 (printed without 收入: ``一、一般公共预算财政拨款``).
FISCAL_INCOME_LINES = SUMMARY_INCOME_LINES[:3]
#: Source columns of 收入决算表, in printed order: 本年收入合计 is their sum.
INCOME_SOURCE_COLUMNS = ("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
#: 相关信息统计表 columns holding counts (vehicles, equipment sets), not 万元 amounts.
VEHICLE_COLUMN = "数量（辆）"
EQUIPMENT_COLUMN = "数量（台套）"
COUNT_COLUMNS = (VEHICLE_COLUMN, EQUIPMENT_COLUMN)
#: 一般公共预算财政拨款支出决算表's 年初预算 (initial budget), 万元: juesuan's extension of the contract's open
#: column list. Only the narrative states it, for the table's 合计 and for some subjects (docs/contract.md).
INITIAL_BUDGET_COLUMN = "年初预算数"

# --- the fact table (contract section 3) ----------------------------------------------------------
FACT_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "year",
    "table_name",
    "subject_code",
    "line_item",
    "column_name",
    "value",
    "source_kind",
    "extractor",
    "document_sha256",
    "page",
    "raw_text",
    "bbox",
    "report_kind",
)
KEY_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "year",
    "report_kind",
    "table_name",
    "subject_key",
    "column_name",
    "source_kind",
)
PARTITION_COLUMNS: tuple[str, ...] = ("year", "unit_id")

VALUE_TYPE = pa.decimal128(20, 6)
FACT_SCHEMA = pa.schema(
    [
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("subject_code", pa.string(), nullable=True),
        pa.field("line_item", pa.string(), nullable=False),
        pa.field("column_name", pa.string(), nullable=False),
        pa.field("value", VALUE_TYPE, nullable=False),
        pa.field("source_kind", pa.string(), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("document_sha256", pa.string(), nullable=False),
        pa.field("page", pa.int32(), nullable=True),
        pa.field("raw_text", pa.string(), nullable=False),
        # Where on ``page`` the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the
        # page as displayed (contract section 7, Position). NULL where the source has no positions.
        pa.field("bbox", pa.list_(pa.float64()), nullable=True),
        # 决算 or 预算 (contract section 7, Document kind): part of the key. Lake files written before it
        # existed hold 决算 facts only and read as 决算.
        pa.field("report_kind", pa.string(), nullable=False),
    ]
)

# Checked with ``fullmatch``: ``$`` in a Python pattern also accepts a final newline, and an id such as
# "datong-sic\n" would become a lake folder no reader can parse (issue 13.1).
_UNIT_ID = re.compile(r"[a-z0-9][a-z0-9-]*[a-z0-9]")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUBJECT_CODE = re.compile(r"\d{3}(\d{2})?(\d{2})?")
_SCALE = Decimal("0.000001")


def is_valid_unit_id(unit_id: str) -> bool:
    """Lower-case ASCII letters, digits and inner '-' — the whole string, no trailing newline."""
    return isinstance(unit_id, str) and _UNIT_ID.fullmatch(unit_id) is not None


def quantize(value: Decimal) -> Decimal:
    """Round to the contract's DECIMAL(20,6) scale."""
    return value.quantize(_SCALE)


@dataclass(frozen=True)
class Fact:
    """One reported number, with where it came from."""

    unit_id: str
    year: int
    table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    value: Decimal
    source_kind: str
    extractor: str
    document_sha256: str
    page: int | None
    raw_text: str
    #: The box of the number on ``page`` (x0, y0, x1, y1 in PDF points, origin bottom-left of the page as
    #: displayed), where the reader knows positions (PDF and OCR table cells, narrative sentences on a page).
    bbox: tuple[float, float, float, float] | None = None
    #: 决算 (final accounts) or 预算 (budget disclosure): the kind of the report the number comes from.
    report_kind: str = FINAL

    @property
    def subject_key(self) -> str:
        return self.subject_code if self.subject_code is not None else self.line_item

    @property
    def key(self) -> tuple[str, int, str, str, str, str, str]:
        return (
            self.unit_id,
            self.year,
            self.report_kind,
            self.table_name,
            self.subject_key,
            self.column_name,
            self.source_kind,
        )


FACT_FIELD_NAMES = tuple(f.name for f in fields(Fact))
assert FACT_FIELD_NAMES == FACT_COLUMNS


def facts_to_frame(facts: list[Fact]) -> pd.DataFrame:
    """Facts as a DataFrame with exactly :data:`FACT_COLUMNS` (values stay ``Decimal``)."""
    frame = pd.DataFrame([asdict(f) for f in facts], columns=list(FACT_COLUMNS))
    return frame


def facts_to_table(facts: list[Fact]) -> pa.Table:
    """Facts as an Arrow table with :data:`FACT_SCHEMA` (exact decimals, no float on the way)."""
    columns = {name: [getattr(f, name) for f in facts] for name in FACT_COLUMNS}
    columns["value"] = [quantize(v) for v in columns["value"]]
    columns["bbox"] = [list(box) if box is not None else None for box in columns["bbox"]]
    return pa.table(columns, schema=FACT_SCHEMA)


def _is_box(box: tuple[float, ...], page: int | None) -> bool:
    return (
        page is not None
        and len(box) == 4
        and all(isinstance(v, float | int) and math.isfinite(v) for v in box)
        and box[0] <= box[2]
        and box[1] <= box[3]
    )


def validate_facts(facts: list[Fact]) -> None:
    """Raise :class:`ContractViolation` listing every broken rule (first 20 shown)."""
    problems: list[str] = []
    seen: dict[tuple[str, int, str, str, str, str, str], Fact] = {}
    for fact in facts:
        where = f"{fact.table_name}/{fact.subject_key}/{fact.column_name} ({fact.source_kind})"
        if not is_valid_unit_id(fact.unit_id):
            problems.append(f"{where}: unit_id {fact.unit_id!r} is not a lower-case ASCII id")
        if not 1990 <= fact.year <= 2100:
            problems.append(f"{where}: year {fact.year!r} out of range")
        if fact.report_kind not in REPORT_KINDS:
            problems.append(f"{where}: report_kind {fact.report_kind!r} not in {REPORT_KINDS}")
        elif fact.table_name not in TABLES_OF_KIND[fact.report_kind]:
            problems.append(f"{where}: table_name {fact.table_name!r} is not a canonical {fact.report_kind} table")
        if fact.subject_code is not None and not _SUBJECT_CODE.fullmatch(fact.subject_code):
            problems.append(f"{where}: subject_code {fact.subject_code!r} is not 3, 5 or 7 digits")
        if not fact.line_item or not fact.column_name:
            problems.append(f"{where}: empty line_item or column_name")
        if not isinstance(fact.value, Decimal) or not fact.value.is_finite():
            problems.append(f"{where}: value {fact.value!r} is not a finite Decimal")
        elif abs(fact.value) >= Decimal(10) ** 14:
            problems.append(f"{where}: value {fact.value} does not fit DECIMAL(20,6)")
        if fact.source_kind not in SOURCE_KINDS:
            problems.append(f"{where}: source_kind {fact.source_kind!r} not in {SOURCE_KINDS}")
        if fact.extractor not in EXTRACTORS:
            problems.append(f"{where}: extractor {fact.extractor!r} not in {EXTRACTORS}")
        if not _SHA256.fullmatch(fact.document_sha256):
            problems.append(f"{where}: document_sha256 is not a sha256 hex digest")
        if fact.page is not None and fact.page < 1:
            problems.append(f"{where}: page {fact.page} is not 1-based")
        if fact.bbox is not None and not _is_box(fact.bbox, fact.page):
            problems.append(f"{where}: bbox {fact.bbox!r} is not (x0, y0, x1, y1) with x0 ≤ x1, y0 ≤ y1 on a page")
        previous = seen.get(fact.key)
        if previous is not None:
            problems.append(f"{where}: duplicate key (values {previous.value} and {fact.value})")
        seen[fact.key] = fact
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ContractViolation(f"{len(problems)} contract violation(s):\n  {shown}{more}")
