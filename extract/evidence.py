"""What a report says beyond its figures, as read at extraction, for the checks beyond arithmetic.

The identity suites check the figures (contract facts). The rules of ``transform/claims.py``,
``transform/structure.py``, ``transform/hygiene.py`` and ``transform/performance.py`` check what the
report *says* about them and how it is put together; what they need is read here, once, when the
document is extracted, and kept in the lake beside the facts (one partition per report, replaced
with it):

* :class:`Statement` (lake ``narrative_statements``): a sentence of the 情况说明 that relates figures
  — a rate (占X%, 增长X%, 完成年初预算的X%), a comparison word (决算数小于预算数), a change against
  last year (增加X万元，增长Y%) — with the figures it relates, each as printed (value and decimals) and,
  where known, the contract key of the fact it is.
* :class:`DocumentMark` (lake ``document_marks``): a located observation about the document — a table
  its contents list names, a table title found, a note that a table is empty, and the hygiene marks
  (a template placeholder, a draft mark, a stray year, another spelling of the unit's name, doubled
  punctuation, an amount without its unit or in 元 inside 万元 prose).
* :class:`PerformanceTable` (lake ``performance_tables``): one 绩效自评表 (not fiscal facts), read by
  ``extract/performance.py``.

Values are exact :class:`~decimal.Decimal` (amounts in 万元, rates in per cent), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import pyarrow as pa

# --- statements -----------------------------------------------------------------------------------
SHARE = "share"  # 占X%: part / whole
GROWTH = "growth"  # 增长/下降X%: change / (current − change) against last year (or the budget)
COMPLETION = "completion"  # 完成(年初|全年)预算的X% / 执行率: actual / budget
COMPARISON = "comparison"  # 决算数 大于/小于/等于/持平 预算数
STATEMENT_KINDS = (SHARE, GROWTH, COMPLETION, COMPARISON)

#: Relations a comparison word states (决算 against 预算).
GREATER = "gt"
LESS = "lt"
EQUAL = "eq"
ABOUT = "about"  # 基本持平: roughly equal
RELATIONS = (GREATER, LESS, EQUAL, ABOUT)

TABLE_SOURCE = "table"
NARRATIVE_SOURCE = "narrative"


@dataclass(frozen=True)
class Operand:
    """One figure a statement relates, as the report states it.

    ``places`` are the decimals printed in the unit the figure was printed in (``unit``); a figure of a
    table carries the contract's precision. ``table_name``/``key``/``column_name`` name the fact it is
    (empty when the prose names nothing the contract keys).
    """

    label: str
    value: Decimal  # 万元
    places: int
    unit: str  # 万元 | 元 | 亿元
    source: str  # narrative | table
    table_name: str = ""
    key: str = ""
    column_name: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Statement:
    """A sentence of the 情况说明 relating figures (see the module docstring).

    * ``share``: ``left`` the part, ``right`` the whole, ``rate`` the share stated;
    * ``growth``: ``left`` the change stated (增加/减少 X), ``right`` the current figure, ``sign`` +1 for
      增加 and −1 for 减少 (0 when the words leave it open), ``rate_sign`` the same for the rate's word
      (增长 +1, 下降/降低 −1), ``against`` ``last_year`` or ``budget``;
    * ``completion``: ``left`` the 决算/执行数, ``right`` the budget the words name;
    * ``comparison``: ``left`` the 决算数, ``right`` the 预算数 (``alternative``: the other budget the
      paragraph states, when the words say 预算数 without 年初/全年), ``relation`` the word's relation.

    A missing operand (``None``) leaves the statement not checkable, with ``missing`` saying why.
    """

    number: int  # order in the document, from 1
    kind: str
    word: str  # the words as printed: 占, 占比, 增长, 完成年初预算的, 小于 …
    left: Operand | None
    right: Operand | None
    rate: Decimal | None = None  # per cent, as printed
    rate_places: int = 0
    rate_unit: str = "%"  # "" when the rate was printed without its % (a hygiene mark too)
    relation: str = ""
    sign: int = 0
    rate_sign: int = 0
    against: str = ""
    alternative: Operand | None = None
    missing: str = ""
    subject: str = ""  # what the statement is about, as a steward reads it
    table_name: str = ""  # the subject's fact key, where known
    subject_key: str = ""
    column_name: str = ""
    page: int | None = None
    line: int | None = None
    raw_text: str = ""


# --- marks ------------------------------------------------------------------------------------------
CONTENTS_TABLE = "contents_table"  # a table the contents list (目录) names
TABLE_TITLE = "table_title"  # a table title printed in the body
EMPTY_NOTE = "empty_note"  # a note saying a table holds no data (本表无数据 …)
CONDITIONAL_NOTE = "conditional_note"  # 如本表为空，则… : what an empty table would mean
NARRATIVE_EMPTY = "narrative_empty"  # the prose says a fund has no spending (本年度无政府性基金…支出)
PLACEHOLDER = "placeholder"  # XX局, xxx, 待填写, 增加（减少）…
DRAFT_MARK = "draft_mark"  # 仅供内部审核, 征求意见稿 …
STRAY_YEAR = "stray_year"  # a year neither the report's nor (in a comparison) the year before
UNIT_NAME = "unit_name"  # the unit named differently from its cover
DOUBLED_PUNCTUATION = "doubled_punctuation"
UNITLESS_AMOUNT = "unitless_amount"  # an amount or rate printed without its unit
YUAN_AMOUNT = "yuan_amount"  # an amount in 元 inside prose that states 万元
MARK_KINDS = (
    CONTENTS_TABLE,
    TABLE_TITLE,
    EMPTY_NOTE,
    CONDITIONAL_NOTE,
    NARRATIVE_EMPTY,
    PLACEHOLDER,
    DRAFT_MARK,
    STRAY_YEAR,
    UNIT_NAME,
    DOUBLED_PUNCTUATION,
    UNITLESS_AMOUNT,
    YUAN_AMOUNT,
)
HYGIENE_KINDS = (PLACEHOLDER, DRAFT_MARK, STRAY_YEAR, UNIT_NAME, DOUBLED_PUNCTUATION, UNITLESS_AMOUNT, YUAN_AMOUNT)


@dataclass(frozen=True)
class DocumentMark:
    """One located observation about a document (see :data:`MARK_KINDS`)."""

    kind: str
    text: str  # the words found, exactly as printed
    table_name: str = ""  # the canonical table it concerns, where it concerns one
    expected: str = ""  # what was expected instead (the report year, the cover's name …)
    context: str = ""  # the words around it
    page: int | None = None
    line: int | None = None  # 1-based line of a text export
    count: int = 1  # how many times it occurs (draft marks are counted, not listed one by one)


# --- performance self-evaluation tables -----------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """One 绩效指标 row: its name, weight (分值) and score (得分) as printed."""

    name: str
    weight: Decimal | None
    score: Decimal | None


@dataclass(frozen=True)
class PerformanceTable:
    """One 预算项目（政策）绩效自评表 as read (its figures as printed; ``None`` where the table has none)."""

    number: int  # order in the document, from 1
    title: str
    project: str
    budget: Decimal | None  # 全年预算数 / 项目预算金额 (万元)
    budget_places: int
    spent: Decimal | None  # 全年执行数 (万元)
    spent_places: int
    rate: Decimal | None  # 执行率 (per cent)
    rate_places: int
    rate_score: Decimal | None  # 预算执行率得分
    rate_score_places: int
    rate_weight: Decimal | None  # the 分值 of 预算执行率 (10 when the table does not print it)
    indicators: tuple[Indicator, ...] = ()
    indicator_subtotal: Decimal | None = None  # 指标自评得分小计, where printed
    deduction: Decimal | None = None  # 减分项
    total: Decimal | None = None  # 总分 / 绩效自评总得分
    total_places: int = 0
    target: str = ""  # 年度目标 / 年初设定目标, as printed
    page: int | None = None
    line: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- as stored -------------------------------------------------------------------------------------------
VALUE = pa.decimal128(20, 6)
RATE = pa.decimal128(20, 6)


def _operand_fields(prefix: str) -> list[pa.Field]:
    return [
        pa.field(f"{prefix}_label", pa.string()),
        pa.field(f"{prefix}_value", VALUE),
        pa.field(f"{prefix}_places", pa.int16()),
        pa.field(f"{prefix}_unit", pa.string()),
        pa.field(f"{prefix}_source", pa.string()),
        pa.field(f"{prefix}_table_name", pa.string()),
        pa.field(f"{prefix}_key", pa.string()),
        pa.field(f"{prefix}_column_name", pa.string()),
        pa.field(f"{prefix}_page", pa.int32()),
    ]


STATEMENT_SCHEMA = pa.schema(
    [
        pa.field("document_sha256", pa.string(), nullable=False),
        pa.field("number", pa.int32(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("word", pa.string(), nullable=False),
        pa.field("rate", RATE),
        pa.field("rate_places", pa.int16()),
        pa.field("rate_unit", pa.string()),
        pa.field("relation", pa.string()),
        pa.field("sign", pa.int8()),
        pa.field("rate_sign", pa.int8()),
        pa.field("against", pa.string()),
        pa.field("missing", pa.string()),
        pa.field("subject", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("subject_key", pa.string()),
        pa.field("column_name", pa.string()),
        pa.field("page", pa.int32()),
        pa.field("line", pa.int32()),
        pa.field("raw_text", pa.string()),
        *_operand_fields("left"),
        *_operand_fields("right"),
        *_operand_fields("alternative"),
    ]
)
MARK_SCHEMA = pa.schema(
    [
        pa.field("document_sha256", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("table_name", pa.string()),
        pa.field("expected", pa.string()),
        pa.field("context", pa.string()),
        pa.field("page", pa.int32()),
        pa.field("line", pa.int32()),
        pa.field("count", pa.int32()),
    ]
)
PERFORMANCE_SCHEMA = pa.schema(
    [
        pa.field("document_sha256", pa.string(), nullable=False),
        pa.field("number", pa.int32(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("project", pa.string()),
        pa.field("budget", VALUE),
        pa.field("budget_places", pa.int16()),
        pa.field("spent", VALUE),
        pa.field("spent_places", pa.int16()),
        pa.field("rate", RATE),
        pa.field("rate_places", pa.int16()),
        pa.field("rate_score", VALUE),
        pa.field("rate_score_places", pa.int16()),
        pa.field("rate_weight", VALUE),
        pa.field(
            "indicators",
            pa.list_(pa.struct([("name", pa.string()), ("weight", VALUE), ("score", VALUE)])),
        ),
        pa.field("indicator_subtotal", VALUE),
        pa.field("deduction", VALUE),
        pa.field("total", VALUE),
        pa.field("total_places", pa.int16()),
        pa.field("target", pa.string()),
        pa.field("page", pa.int32()),
        pa.field("line", pa.int32()),
        pa.field("notes", pa.string()),
    ]
)
_SCALE = Decimal("0.000001")


def _exact(value: Decimal | None) -> Decimal | None:
    """A value at the stored scale; more than six decimals would be silently rounded, so refuse them."""
    if value is None:
        return None
    quantized = value.quantize(_SCALE)
    if quantized != value:
        raise ValueError(f"{value} has more than 6 decimals: cannot be stored exactly")
    return quantized


def _operand_row(prefix: str, operand: Operand | None) -> dict[str, Any]:
    if operand is None:
        return {f"{prefix}_{name}": None for name in (f.name for f in fields(Operand))}
    row = {f"{prefix}_{f.name}": getattr(operand, f.name) for f in fields(Operand)}
    row[f"{prefix}_value"] = _exact(operand.value)
    return row


def statement_rows(document_sha256: str, statements: list[Statement]) -> pa.Table:
    rows = []
    for s in statements:
        row: dict[str, Any] = {"document_sha256": document_sha256}
        for f in fields(Statement):
            if f.name in ("left", "right", "alternative"):
                row.update(_operand_row(f.name, getattr(s, f.name)))
            else:
                row[f.name] = getattr(s, f.name)
        row["rate"] = _exact(s.rate)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=STATEMENT_SCHEMA)


def mark_rows(document_sha256: str, marks: list[DocumentMark]) -> pa.Table:
    rows = [{"document_sha256": document_sha256, **{f.name: getattr(m, f.name) for f in fields(m)}} for m in marks]
    return pa.Table.from_pylist(rows, schema=MARK_SCHEMA)


def performance_rows(document_sha256: str, tables: list[PerformanceTable]) -> pa.Table:
    rows = []
    for t in tables:
        row: dict[str, Any] = {"document_sha256": document_sha256}
        for f in fields(PerformanceTable):
            row[f.name] = getattr(t, f.name)
        for name in (
            "budget",
            "spent",
            "rate",
            "rate_score",
            "rate_weight",
            "indicator_subtotal",
            "deduction",
            "total",
        ):
            row[name] = _exact(row[name])
        row["indicators"] = [
            {"name": i.name, "weight": _exact(i.weight), "score": _exact(i.score)} for i in t.indicators
        ]
        row["notes"] = "; ".join(t.notes)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=PERFORMANCE_SCHEMA)


def _as_printed(value: Decimal, places: int) -> Decimal:
    """A stored value (six decimals) back with the decimals it was printed with, when that is exact."""
    shown = value.quantize(Decimal(1).scaleb(-places))
    return shown if shown == value else value


def _operand_from(row: dict[str, Any], prefix: str) -> Operand | None:
    if row.get(f"{prefix}_value") is None:
        return None
    page = row.get(f"{prefix}_page")
    return Operand(
        label=row[f"{prefix}_label"] or "",
        value=Decimal(row[f"{prefix}_value"]),
        places=int(row[f"{prefix}_places"] or 0),
        unit=row[f"{prefix}_unit"] or "万元",
        source=row[f"{prefix}_source"] or NARRATIVE_SOURCE,
        table_name=row[f"{prefix}_table_name"] or "",
        key=row[f"{prefix}_key"] or "",
        column_name=row[f"{prefix}_column_name"] or "",
        page=None if page is None else int(page),
    )


def statements_from_rows(rows: list[dict[str, Any]]) -> list[Statement]:
    """Stored rows (:data:`STATEMENT_SCHEMA`) back as statements."""
    found = []
    for row in rows:
        found.append(
            Statement(
                number=int(row["number"]),
                kind=row["kind"],
                word=row["word"],
                left=_operand_from(row, "left"),
                right=_operand_from(row, "right"),
                rate=None if row["rate"] is None else _as_printed(Decimal(row["rate"]), int(row["rate_places"] or 0)),
                rate_places=int(row["rate_places"] or 0),
                rate_unit=row["rate_unit"] if row["rate_unit"] is not None else "%",
                relation=row["relation"] or "",
                sign=int(row["sign"] or 0),
                rate_sign=int(row["rate_sign"] or 0),
                against=row["against"] or "",
                alternative=_operand_from(row, "alternative"),
                missing=row["missing"] or "",
                subject=row["subject"] or "",
                table_name=row["table_name"] or "",
                subject_key=row["subject_key"] or "",
                column_name=row["column_name"] or "",
                page=None if row["page"] is None else int(row["page"]),
                line=None if row["line"] is None else int(row["line"]),
                raw_text=row["raw_text"] or "",
            )
        )
    return found


def marks_from_rows(rows: list[dict[str, Any]]) -> list[DocumentMark]:
    return [
        DocumentMark(
            kind=row["kind"],
            text=row["text"],
            table_name=row["table_name"] or "",
            expected=row["expected"] or "",
            context=row["context"] or "",
            page=None if row["page"] is None else int(row["page"]),
            line=None if row["line"] is None else int(row["line"]),
            count=int(row["count"] or 1),
        )
        for row in rows
    ]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def performance_from_rows(rows: list[dict[str, Any]]) -> list[PerformanceTable]:
    return [
        PerformanceTable(
            number=int(row["number"]),
            title=row["title"] or "",
            project=row["project"] or "",
            budget=_decimal(row["budget"]),
            budget_places=int(row["budget_places"] or 0),
            spent=_decimal(row["spent"]),
            spent_places=int(row["spent_places"] or 0),
            rate=_decimal(row["rate"]),
            rate_places=int(row["rate_places"] or 0),
            rate_score=_decimal(row["rate_score"]),
            rate_score_places=int(row["rate_score_places"] or 0),
            rate_weight=_decimal(row["rate_weight"]),
            indicators=tuple(
                Indicator(i["name"], _decimal(i["weight"]), _decimal(i["score"])) for i in row["indicators"] or []
            ),
            indicator_subtotal=_decimal(row["indicator_subtotal"]),
            deduction=_decimal(row["deduction"]),
            total=_decimal(row["total"]),
            total_places=int(row["total_places"] or 0),
            target=row["target"] or "",
            page=None if row["page"] is None else int(row["page"]),
            line=None if row["line"] is None else int(row["line"]),
            notes=tuple(n for n in (row["notes"] or "").split("; ") if n),
        )
        for row in rows
    ]


@dataclass
class DocumentEvidence:
    """Everything beyond the facts that one document yielded (stored with its facts)."""

    statements: list[Statement] = field(default_factory=list)
    marks: list[DocumentMark] = field(default_factory=list)
    performance: list[PerformanceTable] = field(default_factory=list)
