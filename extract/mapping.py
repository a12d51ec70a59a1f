"""The canonical mapping: a grid of cells (from any strategy) to contract facts.

Every strategy — text export, camelot, python-docx, OCR — produces :class:`~.base.RawTable` grids;
this module is the single place that knows what the standard tables look like. Tables are known by
their *title* (never their 公开NN number), columns by their header text (merged header cells are
read top-down, the lowest non-empty cell naming the column), rows by their code or label.

Layouts handled:

* two-sided summary tables (收入支出决算总表, 财政拨款收入支出决算总表): left side income lines, right
  side expenditure lines, split at the second 项目 header;
* coded tables (收入, 支出, 一般公共预算支出, 政府性基金, 国有资本经营): 科目代码 + 科目名称 + amounts;
* 基本支出 tables in groups of (科目代码, 科目名称, 决算数), three or four groups wide, with a closing
  人员经费合计 / 公用经费合计 row;
* 三公 tables, wide (预算数 and 决算数 over six item columns each) or narrow (项目 | 预算数 | 决算数);
* 相关信息统计表 (政府采购, 机关运行经费, 车辆 and equipment counts).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from juesuan import contract as c
from juesuan.contract import Fact
from juesuan.extract.base import Cell, CodeRepair, DocumentContext, RawTable, StrategyResult, TableReport
from juesuan.extract.layout import HEADER_VOCABULARY, Block, Column, Layout, RowKey, analyse
from juesuan.extract.performance import read_performance
from juesuan.extract.selfcheck import reconcile
from juesuan.extract.text import clean_cell, is_empty_cell, looks_like_amount, parse_amount
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

# --- titles ----------------------------------------------------------------------
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\(?[一二三四五六七八九十]+\)|\d+[、.．)]|附表\d*[:：]?|附件\d*[:：]?)"
)
_YEAR_SUFFIX = re.compile(r"\(\d{4}年度?\)$")
#: What templates print around a title: its 公开NN表 number, 续表, a classification note, the unit.
_TITLE_DECORATION = re.compile(
    r"(?:公开|附)\d{1,2}-?\d?表|公开表[一二三四五六七八九十]+|[(]?续表?[)]?$|[(]续[)]"
    r"|\((?:按)?(?:功能|经济)(?:分类)?(?:科目)?\)$|[(]?(?:金额)?单位[:：](?:万元|元|亿元)[)]?$"
)
_UNIT_AND_YEAR = re.compile(r"^.*?\d{4}年度?(?:部门|单位)?")
TITLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            c.THREE_PUBLIC,
            r"(?:一般公共预算)?(?:财政拨款)?\"?三公\"?经费(?:财政拨款)?(?:支出)?(?:预)?决算(?:情况|明细)?(?:统计)?表",
        ),
        (c.FISCAL_TOTALS, r"财政拨款收(?:入)?支(?:出)?决算总表"),
        (c.TOTALS, r"(?:部门|单位)?收(?:入)?支(?:出)?决算总表"),
        (c.INCOME, r"(?:部门|单位)?收入决算(?:明细)?表"),
        (c.EXPENDITURE, r"(?:部门|单位)?支出决算(?:明细)?表"),
        (c.GENERAL_BUDGET, r"一般公共预算(?:财政拨款)?支出决算(?:明细)?表"),
        (c.BASIC, r"一般公共预算(?:财政拨款)?基本支出决算(?:明细)?表"),
        (c.PROJECT, r"一般公共预算(?:财政拨款)?项目支出决算(?:明细)?表"),
        (c.GOV_FUND, r"政府性基金预算财政拨款(?:收入)?支出决算表"),
        (c.STATE_CAPITAL, r"国有资本经营预算财政拨款(?:收入)?支出决算表"),
        (c.RELATED_INFO, r"(?:部门|单位)?决算公开相关信息统计表|机关运行经费.*信息表"),
    )
)
#: Budget disclosure (预算公开) titles: every wording ends in the table-kind word 预算表 / 预算总表 (a 决算
#: title ends in 决算表, though both kinds name funds such as 一般公共预算), so the kinds never mix. Most
#: specific first: the generic 收入 / 支出 / 收支 wordings come last.
BUDGET_TITLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            c.BUDGET_THREE_PUBLIC,
            r"(?:一般公共预算)?(?:财政拨款)?三公经费(?:[、和及]?(?:会议费|培训费|机关运行经费))*(?:支出)?(?:预算)?(?:情况)?表",
        ),
        (c.BUDGET_OPERATING, r"(?:一般公共预算)?(?:财政拨款)?机关运行经费(?:支出)?预算(?:情况)?表"),
        (c.BUDGET_PROCUREMENT, r"政府采购(?:支出)?预算(?:明细|情况)?表"),
        (c.BUDGET_FISCAL_TOTALS, r"财政拨款收(?:入)?支(?:出)?(?:预算)?总表"),
        (c.BUDGET_FISCAL_BASIC, r"财政拨款基本支出(?:经济分类)?预算表"),
        (c.BUDGET_FISCAL_EXPENDITURE, r"财政拨款支出(?:功能分类)?预算(?:明细)?表"),
        (c.BUDGET_BASIC, r"一般公共预算(?:财政拨款)?基本支出(?:部门预算)?(?:经济分类)?(?:预算)?(?:明细)?表"),
        (c.BUDGET_GENERAL, r"一般公共预算(?:财政拨款)?支出(?:功能分类)?(?:预算)?(?:明细)?表"),
        (c.BUDGET_GOV_FUND, r"(?:财政拨款)?政府性基金(?:预算)?(?:财政拨款)?支出(?:功能分类)?预算(?:明细)?表"),
        (c.BUDGET_GOV_FUND, r"政府性基金预算(?:财政拨款)?支出(?:功能分类)?(?:明细)?表"),
        (c.BUDGET_STATE_CAPITAL, r"(?:财政拨款)?国有资本经营(?:预算)?(?:财政拨款)?支出(?:功能分类)?预算(?:明细)?表"),
        (c.BUDGET_STATE_CAPITAL, r"国有资本经营预算(?:财政拨款)?支出(?:功能分类)?(?:明细)?表"),
        (c.BUDGET_TOTALS, r"(?:财务)?收(?:入)?支(?:出)?(?:预算)?总表"),
        (c.BUDGET_INCOME, r"收入(?:预算)?总表|收入预算(?:明细)?表"),
        (c.BUDGET_EXPENDITURE, r"支出(?:预算)?总表|支出预算(?:明细)?表"),
    )
)
#: The national 部门预算 template's titles name no kind (``部门收支总表``, ``一般公共预算支出表``,
#: ``政府性基金预算支出表``): they are budget titles too, since every 决算 title says 决算 (a 决算 report's
#: table of such a title is reported as a table of the other kind, never read). Their words must then stand
#: whole: a part of spending or of a classification just before them is no unit name (``项目支出表``).
_KIND_NEUTRAL_PREFIX = re.compile(r"(?:项目|基本|人员|公用|功能|分类|科目|明细|其他)$")
#: What may stand before a budget title's own words: the unit's name (``江苏省高级人民法院部门…``), never a
#: word of a table's name (a fund, a kind of spending) or a sentence's punctuation.
_BUDGET_PREFIX = re.compile(r"(.{0,30}?)")
_NOT_A_UNIT = re.compile(r"预算|决算|拨款|基金|资本|经费|支出|收入|采购|表|[，。；;:：《》、,()]")
_BUDGET_HOLDER = re.compile(r"^(?:预算单位|部门|单位)")
#: A budget title's trailing fund or classification note: ``…支出预算表（一般公共预算）``.
_BUDGET_TITLE_NOTE = re.compile(r"\((?:一般公共预算|财政拨款|按?(?:功能|经济)分类(?:科目)?)\)$")
#: Titles that name a known kind of table which carries no fiscal facts (reported as such).
NON_FISCAL_TITLE = re.compile(r"绩效自评表|绩效评价表|绩效目标表")


def title_key(title: str) -> str:
    """A title as compared: clean, without its 公开NN表 number, 续表 mark, leading numbering or a
    trailing (2023年度)."""
    key = clean_cell(title).replace("“", "").replace("”", "")
    key = _TITLE_DECORATION.sub("", key)
    key = _NUMBERING.sub("", key)
    return _YEAR_SUFFIX.sub("", key)


@functools.lru_cache(maxsize=8192)
def canonical_table_name(title: str | None) -> str | None:
    """The contract's ``table_name`` for a title, or ``None`` when it is not a standard table.

    The title may carry the unit and year in front (``某局2024年度收入决算表``); the rest must be
    one of the national or provincial wordings, whole (a sentence that names a table is no title)."""
    if not title:
        return None
    key = title_key(title)
    for candidate in dict.fromkeys((key, _UNIT_AND_YEAR.sub("", key))):
        for name, pattern in TITLE_PATTERNS:
            if pattern.fullmatch(candidate):
                return name
    return _budget_table_name(key)


def _budget_table_name(key: str) -> str | None:
    """The canonical budget table of a title key (see :data:`BUDGET_TITLE_PATTERNS`), or None."""
    key = _BUDGET_TITLE_NOTE.sub("", key.replace('"', ""))
    if not key.endswith("表") or "决算" in key:
        return None
    for candidate in dict.fromkeys((key, _BUDGET_HOLDER.sub("", _UNIT_AND_YEAR.sub("", key)))):
        for name, pattern in BUDGET_TITLE_PATTERNS:
            match = re.fullmatch(f"{_BUDGET_PREFIX.pattern}(?:{pattern.pattern})", candidate)
            if match is None:
                continue
            # the unit's name before the title's words, without a 部门/单位 of its own at either end
            prefix = re.sub(r"(?:部门|单位)$", "", _BUDGET_HOLDER.sub("", match.group(1)))
            if not _NOT_A_UNIT.search(prefix) and not _KIND_NEUTRAL_PREFIX.search(prefix):
                return name
    return None


def is_budget_table(table_name: str | None) -> bool:
    """Whether a canonical table name is one of the budget disclosure's (预算) tables."""
    return table_name in c.BUDGET_TABLE_NAMES


def looks_like_title(text: str) -> bool:
    """A line that could be a table title: short, ends in 表, not a 公开NN表 marker or a note."""
    key = title_key(text)
    if not key.endswith("表") or len(key) > 60 or len(key) < 3:
        return False
    if re.fullmatch(r"(?:公开|附)?\d+表|公开\d+表", key) or key.startswith(("注", "说明", "备注")):
        return False
    return True


# --- cells ----------------------------------------------------------------------
_CODE = re.compile(r"^\d{3,7}$")
_CODE_AND_NAME = re.compile(r"^(\d{3,7})\s*(\S.*)$")
_LABEL_NUMBERING = re.compile(
    r"^(?:其中[:：]?)?(?:[一二三四五六七八九十]+[、.．]|\(?[一二三四五六七八九十]+\)|\(?\d+\)|\d+[、.．])\s*"
)


def strip_numbering(label: str) -> str:
    return _LABEL_NUMBERING.sub("", clean_cell(label))


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


# --- column headers ---------------------------------------------------------------------------------------
COLUMN_SYNONYMS = {
    "一般公共预算": "一般公共预算财政拨款",
    "政府性基金预算": "政府性基金预算财政拨款",
    "国有资本经营预算": "国有资本经营预算财政拨款",
    "一般公共预算财政拨款支出": "一般公共预算财政拨款",
    "政府性基金预算财政拨款支出": "政府性基金预算财政拨款",
    "国有资本经营预算财政拨款支出": "国有资本经营预算财政拨款",
    "上缴上级": "上缴上级支出",
    "对附属单位补助": "对附属单位补助支出",
    "附属单位上缴": "附属单位上缴收入",
    "年初结转与结余": "年初结转和结余",
    "年末结转与结余": "年末结转和结余",
    "上年结转和结余": "年初结转和结余",
}


def canonical_column(header: str) -> str:
    key = clean_cell(header)
    return COLUMN_SYNONYMS.get(key, key)


# --- the mapping ------------------------------------------------------------------------------------------
@dataclass
class _Emitter:
    """Collects facts and repairs for one table, with the shared provenance filled in."""

    raw: RawTable
    table_name: str
    context: DocumentContext
    catalogue: Catalogue
    facts: list[Fact] = field(default_factory=list)
    repairs: list[CodeRepair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    layout_found: bool = True
    #: Cells with text the mapping could not turn into a figure of the table: a table that loses
    #: any is not read reliably (its blanks cannot be taken for zeros).
    lost: list[str] = field(default_factory=list)
    _seen: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    _layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = analyse(self.raw.rows)
        return self._layout

    def note_lost(self, row: list[str], columns: list[int], why: str) -> None:
        """A row skipped: its figures (if it has any) are lost, and the table says so."""
        figures = [row[col].strip() for col in columns if col < len(row) and looks_like_amount(row[col])]
        if figures:
            self.lost.append(f"{why} ({', '.join(figures)})")
            self.notes.append(f"{why}: figures {', '.join(figures)} not read")

    def scale(self, value: Decimal) -> Decimal:
        if self.raw.amount_unit == "元":
            return value / Decimal(10000)
        if self.raw.amount_unit == "亿元":
            return value * Decimal(10000)
        return value

    def emit(
        self,
        subject_code: str | None,
        line_item: str,
        column_name: str,
        cell: str,
        raw_text: str,
        *,
        is_count: bool = False,
    ) -> None:
        try:
            value = parse_amount(cell)
        except ValueError:
            self.notes.append(f"{line_item}/{column_name}: cell {cell!r} is not a number, skipped")
            self.lost.append(f"{line_item}/{column_name}: {cell.strip()!r}")
            return
        if value is None:
            return
        if not is_count:
            value = self.scale(value)
        key = (subject_code or line_item, column_name)
        if key in self._seen:
            if self._seen[key] != value:
                self.notes.append(
                    f"{line_item}/{column_name}: stated twice ({self._seen[key]} and {value}); kept the first"
                )
            return
        self._seen[key] = value
        self.facts.append(
            Fact(
                unit_id=self.context.unit_id,
                year=self.context.year,
                table_name=self.table_name,
                subject_code=subject_code,
                line_item=line_item,
                column_name=column_name,
                value=value,
                source_kind="table",
                extractor=self.raw.extractor,
                document_sha256=self.context.document_sha256,
                page=cell.page if isinstance(cell, Cell) and cell.page is not None else self.raw.page,
                raw_text=raw_text,
                bbox=cell.box if isinstance(cell, Cell) else None,
                report_kind=c.BUDGET if self.table_name in c.BUDGET_TABLE_NAMES else c.FINAL,
            )
        )

    def repair(self, raw_code: str | None, raw_name: str, code: str | None, status: str, reason: str) -> None:
        self.repairs.append(
            CodeRepair(
                document_sha256=self.context.document_sha256,
                table_name=self.table_name,
                page=self.raw.page,
                raw_code=raw_code,
                raw_name=raw_name,
                code=code,
                status=status,
                reason=reason,
            )
        )


def _row_text(row: list[str]) -> str:
    return "\t".join(row).strip()


# --- columns by table --------------------------------------------------------------------------------------
#: Header words of the column that holds a row's total (its name differs between templates).
ROW_TOTAL_HEADERS = frozenset({"合计", "小计", "总计", "决算数", "金额", "本年支出", "支出合计", "决算金额"})
#: A 预算数 / 年初预算 group header (not a fund named 一般公共预算…).
_BUDGET_GROUP = re.compile(r"^(?:\d{4}年度?)?(?:年初|全年|调整后?)?预算(?:数|金额|安排)?$")


def _says_budget(column: Column) -> bool:
    """A column under a 预算数 / 年初预算 group (tables that print the budget beside the outturn)."""
    return any(_BUDGET_GROUP.match(clean_cell(part)) for part in column.path)


#: Columns that can have sub-columns; a 合计 / 小计 under one of them is that column itself.
_PARENT_COLUMNS = frozenset(
    {"基本支出", "项目支出", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "其他收入", "人员经费", "公用经费"}
)


def table_column(table_name: str, column: Column, side: str | None = None) -> str | None:
    """The contract's ``column_name`` for a value column of ``table_name`` (None: not a contract column)."""
    if table_name in c.BUDGET_TABLE_NAMES:
        return budget_column(table_name, column, side)
    leaf = canonical_column(column.leaf)
    total = leaf in ROW_TOTAL_HEADERS or not leaf
    parent = canonical_column(column.path[-2]) if len(column.path) >= 2 else ""
    if leaf in ("合计", "小计") and parent in _PARENT_COLUMNS:
        leaf, total = parent, False
    if table_name == c.TOTALS or (table_name == c.FISCAL_TOTALS and side == "收入"):
        return c.INITIAL_BUDGET_COLUMN if _says_budget(column) else "金额"
    if table_name == c.FISCAL_TOTALS:
        if _says_budget(column):
            return None
        return leaf if leaf in _FUNDS else "合计"
    if _says_budget(column):
        return c.INITIAL_BUDGET_COLUMN if total and table_name == c.GENERAL_BUDGET else None
    if table_name == c.INCOME:
        return "本年收入合计" if total or leaf == "收入合计" else ("财政拨款收入" if leaf == "财政拨款" else leaf)
    if table_name == c.EXPENDITURE:
        return "本年支出合计" if total else leaf
    if table_name in (c.GENERAL_BUDGET, c.GOV_FUND):
        return "小计" if total else leaf
    if table_name == c.STATE_CAPITAL:
        return "合计" if total else leaf
    if table_name in (c.BASIC, c.PROJECT):
        return "决算数" if total else leaf
    return leaf or None


# --- coded tables -------------------------------------------------------------------------------------------
def _resolve_functional(em: _Emitter, code: str, label: str) -> tuple[str | None, str] | None:
    """(code, line item) of a functional row, through the catalogue; None to skip the row."""
    resolution = em.catalogue.resolve_functional(code, label, em.context.year)
    _record(em, code, label, resolution.status, resolution.code, resolution.reason)
    if resolution.code is None:
        if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
            return None
        return code, clean_cell(label) or code  # kept raw (flagged above), never guessed
    subject = em.catalogue.get(resolution.code, FUNCTIONAL, em.context.year)
    return resolution.code, subject.name if subject else clean_cell(label) or resolution.code


def _record(em: _Emitter, raw_code: str | None, label: str, status: str, code: str | None, reason: str) -> None:
    if status in ("repaired", "unresolved", "observed"):
        em.repair(raw_code, clean_cell(label), code, status, reason)
    elif reason:
        em.notes.append(f"{raw_code}: {reason}")


def _map_coded(em: _Emitter) -> None:
    layout = em.layout
    blocks = [b for b in layout.blocks if b.value_columns and (b.code_columns or b.label_column is not None)]
    if not blocks:
        em.notes.append("no subject-code column with figures beside it")
        em.layout_found = False
        return
    for block in blocks:
        names = _column_names(em, block)
        for key in layout.keys(block):
            row = layout.body[key.row]
            label = key.label
            if key.code is None and strip_numbering(label) in ("合计", "总计"):
                code, line_item = None, c.TOTAL_ROW
            elif key.code is not None and em.table_name == c.PROJECT and key.code.startswith(("3", "5")):
                # 项目支出 by 经济分类 (some templates): economic codes, resolved as the 基本支出 table does.
                resolution = em.catalogue.resolve_economic(key.code, label, em.context.year)
                _record(em, key.code, label, resolution.status, resolution.code, resolution.reason)
                subject = em.catalogue.get(resolution.code, ECONOMIC, em.context.year) if resolution.code else None
                code, line_item = resolution.code, subject.name if subject else clean_cell(label)
                if not line_item:
                    em.note_lost(row, block.value_columns, f"economic code {key.code!r} without a name")
                    continue
            elif key.code is not None:
                resolved = _resolve_functional(em, key.code, label)
                if resolved is None:
                    em.note_lost(row, block.value_columns, f"code {key.code!r} is not a subject code")
                    continue
                code, line_item = resolved
            else:
                em.note_lost(row, block.value_columns, f"row {key.raw!r}: neither a code nor 合计")
                continue
            raw_key = key.raw
            for col in block.value_columns:
                name = names[col]
                if name is None:
                    if not is_empty_cell(row[col]):
                        em.notes.append(f"{line_item}: {layout.columns[col].path} is not a column of {em.table_name}")
                    continue
                em.emit(code, line_item, name, row[col], f"{raw_key}\t{row[col].strip()}")


# --- two-sided summary tables -------------------------------------------------------------------------------
_SUMMARY_LABELS = {
    "使用非财政拨款结余和专用结余": "使用非财政拨款结余",
    "使用非财政拨款结余(含专用结余)": "使用非财政拨款结余",
    "上年结转和结余": "年初结转和结余",
    "上年结转": "年初结转和结余",
    "年初结转和结余(含专用结余)": "年初结转和结余",
    "年末结转和结余(含专用结余)": "年末结转和结余",
}
_FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
#: Every line a summary table prints besides its class lines (known lines finish wrapped fragments).
SUMMARY_LINES = frozenset(
    {
        *c.SUMMARY_INCOME_LINES,
        *_FUNDS,
        "本年收入合计",
        "本年支出合计",
        "使用非财政拨款结余",
        "年初结转和结余",
        "结余分配",
        "年末结转和结余",
        "年初财政拨款结转和结余",
        "年末财政拨款结转和结余",
        "总计",
        *_SUMMARY_LABELS,
    }
)


def is_known_line(label: str) -> bool:
    """A summary-table line or a functional 类 name (wrapped lines end as one of these)."""
    key = strip_numbering(label)
    return key in SUMMARY_LINES or bool(Catalogue.load().by_name(key, FUNCTIONAL, level="类"))


def _side_of(layout: Layout, block: Block, order: int) -> str:
    words = [part for col in block.columns for part in layout.columns[col].path]
    if any("收入" == w or w.startswith("收入") for w in words) and not any(w.startswith("支出") for w in words):
        return "收入"
    if any(w == "支出" or w.startswith("支出") for w in words):
        return "支出"
    return "收入" if order == 0 else "支出"


def _map_summary(em: _Emitter) -> None:
    layout = em.layout
    blocks = [b for b in layout.blocks if b.label_column is not None and b.value_columns]
    if len(blocks) < 2:
        em.notes.append("no two (项目, 金额) blocks side by side: not a two-sided summary table")
        em.layout_found = False
        return
    fiscal = em.table_name == c.FISCAL_TOTALS
    for order, block in enumerate(blocks[:2]):
        side = _side_of(layout, block, order)
        names = {col: table_column(em.table_name, layout.columns[col], side) for col in block.value_columns}
        parent: str | None = None
        for key in layout.keys(block):
            row = layout.body[key.row]
            label = strip_numbering(key.label)
            if not label:
                em.note_lost(row, block.value_columns, "figures without a line label")
                continue
            code: str | None = None
            if label == "总计":
                line_item = c.INCOME_GRAND_TOTAL if side == "收入" else c.EXPENDITURE_GRAND_TOTAL
            elif parent and label in _FUNDS:  # numbered or not, under 年初/年末财政拨款结转和结余
                line_item = f"{parent}（{label}）"
            elif fiscal and side == "收入" and label in _FUNDS:
                line_item = f"{label}收入"  # the 总表's income lines: 一般公共预算财政拨款收入 …
            else:
                line_item = _SUMMARY_LABELS.get(label, label)
                if side == "支出" and label.endswith("支出") and label not in ("本年支出合计",):
                    classes = em.catalogue.by_name(label, FUNCTIONAL, level="类", year=em.context.year)
                    if len(classes) == 1:
                        code, line_item = classes[0].code, classes[0].name
                    else:
                        em.notes.append(f"expenditure line {label!r} is not a known 类")
            if label.startswith(("年初财政拨款结转和结余", "年末财政拨款结转和结余")):
                parent = label
            elif label in ("本年收入合计", "本年支出合计", "总计"):
                parent = None
            for col in block.value_columns:
                name = names[col]
                if name is not None:
                    em.emit(code, line_item, name, row[col], f"{key.raw}\t{row[col].strip()}")


# --- 基本支出 ----------------------------------------------------------------------
_BASIC_TOTALS = (c.PERSONNEL_TOTAL, c.PUBLIC_USE_TOTAL)


def _basic_total(label: str) -> str | None:
    key = strip_numbering(label)
    for total in _BASIC_TOTALS:
        if key == total or key == total.removesuffix("合计"):
            return total
    return None


def _map_basic_totals(em: _Emitter) -> set[int]:
    """The 人员经费合计 / 公用经费合计 row(s): each label's figure is the first one to its right (a
    total spans the blocks of its group, so its figure can sit under a later block); their indices."""
    rows: set[int] = set()
    for index, row in enumerate(em.layout.body):
        labels = [(col, total) for col, cell in enumerate(row) if (total := _basic_total(cell)) is not None]
        if not labels:
            continue
        rows.add(index)
        for position, (col, total) in enumerate(labels):
            end = labels[position + 1][0] if position + 1 < len(labels) else len(row)
            amount = next((row[j] for j in range(col + 1, end) if looks_like_amount(row[j])), "")
            em.emit(None, total, _amount_column(em), amount, _row_text(row))
    return rows


def _map_basic(em: _Emitter) -> None:
    layout = em.layout
    blocks = [b for b in layout.blocks if b.value_columns and (b.code_columns or b.label_column is not None)]
    if not blocks:
        em.notes.append("no (科目编码, 科目名称, 决算数) blocks found")
        em.layout_found = False
        return
    coded = False
    totals_rows = _map_basic_totals(em)
    for block in blocks:
        names = _column_names(em, block)
        measure = _amount_column(em)
        for key in layout.keys(block):
            if key.row in totals_rows:
                continue
            row = layout.body[key.row]
            values = [(col, name) for col in block.value_columns if (name := names[col]) is not None]
            if not any(not is_empty_cell(row[col]) for col, _ in values):
                continue  # blank rows carry no fact, so their codes need no resolving
            if key.code is None and strip_numbering(key.label) in ("合计", "总计") and measure == c.BUDGET_AMOUNT:
                # A budget's 合计 row keeps its columns (合计 | 人员经费 | 公用经费, or the one 预算数).
                for col, name in values:
                    em.emit(None, c.TOTAL_ROW, name or measure, row[col], key.raw)
                continue
            if key.code is None and strip_numbering(key.label) in ("合计", "总计"):
                # One column per kind (合计 | 人员经费 | 公用经费): the 合计 row's kind columns are the
                # kind totals the side-by-side layout prints as rows of their own.
                for col, name in values:
                    line = f"{name}合计" if f"{name}合计" in _BASIC_TOTALS else c.TOTAL_ROW
                    em.emit(None, line, "决算数" if line in _BASIC_TOTALS else name or "决算数", row[col], key.raw)
                continue
            raw_code = key.code or ""
            resolution = em.catalogue.resolve_economic(raw_code or None, key.label, em.context.year)
            _record(em, raw_code, key.label, resolution.status, resolution.code, resolution.reason)
            if resolution.status == "unresolved":
                em.notes.append(f"economic code {raw_code!r} {key.label!r} unresolved: kept by name")
            if resolution.code is not None:
                coded = True
                subject = em.catalogue.get(resolution.code, ECONOMIC, em.context.year)
                line_item = subject.name if subject else key.label
            else:
                line_item = key.label
            if not line_item:
                em.note_lost(row, block.value_columns, "figures without a code or a name")
                continue
            for col, name in values:
                em.emit(resolution.code, line_item, name or measure, row[col], f"{key.raw}\t{row[col].strip()}")
    if not coded and em.facts and not any(f.line_item in _BASIC_TOTALS for f in em.facts):
        em.notes.append("no economic code read")


# --- 三公 ----------------------------------------------------------------------
THREE_PUBLIC_ITEMS = (
    "合计",
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
)


def three_public_item(label: str) -> str | None:
    """The canonical 三公 line for a header or row label (layouts word them differently)."""
    key = strip_numbering(label)
    if not key:
        return None
    if key in ("合计", "总计"):
        return "合计"
    if "出国" in key:
        return "因公出国（境）费"
    if "接待" in key:
        if "国内" in key:
            return "国内公务接待费"
        if "外" in key:
            return "国（境）外公务接待费"
        return "公务接待费"
    if "购置及运行" in key or key == "小计":
        return "公务用车购置及运行维护费"
    if "运行维护" in key or "运行费" in key:
        return "公务用车运行维护费"
    if "购置" in key:
        return "公务用车购置费"
    return None


_BUDGET_MEASURE = re.compile(r"^(?:\d{4}年度?)?(?:年初|全年|调整后?)?预算(?:数|金额|安排数?)?$")
_ACTUAL_MEASURE = re.compile(r"^(?:\d{4}年度?)?(?:决算|实际支出|实际)(?:数|金额)?$")


def _measure(text: str) -> str | None:
    """预算数 or 决算数 for a header or row label that names one (not a fund such as 一般公共预算…)."""
    key = clean_cell(text)
    if _BUDGET_MEASURE.match(key):
        return "预算数"
    if _ACTUAL_MEASURE.match(key):
        return "决算数"
    return None


def _path_item(column: Column) -> str | None:
    """The deepest item a column's header names (小计 under 公务用车… is that item's own total)."""
    for part in reversed(column.path):
        item = three_public_item(part)
        if item is not None:
            return item
    return None


def _map_three_public(em: _Emitter) -> None:
    layout = em.layout
    blocks = [b for b in layout.blocks if b.value_columns]
    measures = [_measure(p) for col in layout.columns for p in col.path]
    if not blocks or (
        not any(measures)
        and not any(_measure(k.label) for b in blocks for k in layout.keys(b) if b.label_column is not None)
    ):
        em.notes.append("no 预算数 / 决算数 header")
        em.layout_found = False
        return
    for block in blocks:
        for key in layout.keys(block):
            row = layout.body[key.row]
            row_item = three_public_item(key.label) if block.label_column is not None else None
            row_measure = _measure(key.label) if block.label_column is not None else None
            if block.label_column is not None and row_item is None and row_measure is None:
                em.note_lost(row, block.value_columns, f"row {key.label!r} is no 三公 line")
                continue
            for col in block.value_columns:
                column = layout.columns[col]
                item = row_item or _path_item(column)
                measure = next((m for m in map(_measure, reversed(column.path)) if m), None) or row_measure
                if item is None or measure is None:
                    if not is_empty_cell(row[col]):
                        em.notes.append(f"value {row[col]!r} under {column.path}: no 三公 line and measure")
                    continue
                em.emit(None, item, measure, row[col], f"{key.raw}\t{'/'.join(column.path)}\t{row[col].strip()}")


# --- 相关信息统计表 ----------------------------------------------------------------------
VEHICLE_LINES = (
    ("副部", "副部（省）级及以上领导用车"),
    ("主要", "主要负责人用车"),
    ("机要", "机要通信用车"),
    ("应急", "应急保障用车"),
    ("执法", "执法执勤用车"),
    ("特种", "特种专业技术用车"),
    ("离退休", "离退休干部服务用车"),
    ("其他用车", "其他用车"),
)
VEHICLE_COLUMN = c.VEHICLE_COLUMN
EQUIPMENT_COLUMN = c.EQUIPMENT_COLUMN
AMOUNT_COLUMN = "统计数"


def related_info_line(section: str, label: str) -> tuple[str, str] | None:
    """(line_item, column_name) for a 相关信息统计表 row, given the section it sits in."""
    key = strip_numbering(label)
    if not key:
        return None
    if "政府采购" in section:
        purchase = {
            "合计": "政府采购支出合计",
            "货物": "政府采购货物支出",
            "工程": "政府采购工程支出",
            "服务": "政府采购服务支出",
        }
        return (purchase[key], AMOUNT_COLUMN) if key in purchase else None
    if "机关运行经费" in section:
        if "行政单位" in key:
            return "机关运行经费（行政单位）", AMOUNT_COLUMN
        if "参照公务员法" in key:
            return "机关运行经费（参照公务员法管理事业单位）", AMOUNT_COLUMN
        return None
    if "车辆数合计" in key:
        return "车辆数合计", VEHICLE_COLUMN
    if "单价" in key and "设备" in key:
        return "单价100万元（含）以上设备", EQUIPMENT_COLUMN
    for marker, name in VEHICLE_LINES:
        if marker in key and key.endswith("用车"):
            return name, VEHICLE_COLUMN
    return None


_RELATED_VALUE_HEADER = re.compile(r"统计数|金额|数量|决算数|本年数|\d{4}年(?:度)?(?:决算数)?")


def _map_related_info(em: _Emitter) -> None:
    rows = em.raw.rows
    section = ""
    value_col: int | None = None
    for row in rows:
        cleaned = [clean_cell(x) for x in row]
        first = strip_numbering(row[0]) if row else ""
        if re.match(r"^[一二三四五六七八九十]+[、.]", cleaned[0] if cleaned else "") and not any(cleaned[1:]):
            section = first
            continue
        header = next((i for i, cell in enumerate(cleaned) if i and _RELATED_VALUE_HEADER.fullmatch(cell)), None)
        if header is not None:
            value_col = header
            continue
        if value_col is None:
            continue
        line = related_info_line(section, row[0])
        if line is None:
            if first not in ("项目",):
                em.note_lost(row, list(range(value_col, len(row))), f"row {_row_text(row)!r} not recognised")
            continue
        em.emit(None, line[0], line[1], _cell(row, value_col), _row_text(row), is_count=line[1] != AMOUNT_COLUMN)


_MAPPERS: dict[str, Callable[[_Emitter], None]] = {
    c.TOTALS: _map_summary,
    c.FISCAL_TOTALS: _map_summary,
    c.INCOME: _map_coded,
    c.EXPENDITURE: _map_coded,
    c.GENERAL_BUDGET: _map_coded,
    c.GOV_FUND: _map_coded,
    c.STATE_CAPITAL: _map_coded,
    c.PROJECT: _map_coded,
    c.BASIC: _map_basic,
    c.THREE_PUBLIC: _map_three_public,
    c.RELATED_INFO: _map_related_info,
    c.BUDGET_TOTALS: lambda em: _map_budget_summary(em),
    c.BUDGET_FISCAL_TOTALS: lambda em: _map_budget_summary(em),
    c.BUDGET_INCOME: lambda em: _map_budget_coded(em),
    c.BUDGET_EXPENDITURE: lambda em: _map_budget_coded(em),
    c.BUDGET_FISCAL_EXPENDITURE: _map_coded,
    c.BUDGET_GENERAL: _map_coded,
    c.BUDGET_GOV_FUND: _map_coded,
    c.BUDGET_STATE_CAPITAL: _map_coded,
    c.BUDGET_FISCAL_BASIC: _map_basic,
    c.BUDGET_BASIC: _map_basic,
    c.BUDGET_OPERATING: _map_basic,
    c.BUDGET_THREE_PUBLIC: lambda em: _map_budget_three_public(em),
    c.BUDGET_PROCUREMENT: lambda em: _map_procurement(em),
}


def identify_by_content(layout: Layout) -> str | None:
    """The standard table a grid is, from its columns and row keys alone (a grid printed without a
    title, or under a title nobody recognised); None when its content does not decide."""
    words = {canonical_column(part) for column in layout.columns for part in column.path}
    keys = [key for block in layout.blocks for key in layout.keys(block)]
    codes = [key.code for key in keys if key.code]
    functional = sum(1 for code in codes if code.startswith("2"))
    economic = sum(1 for code in codes if code.startswith(("3", "5")))
    labelled_blocks = [b for b in layout.blocks if b.label_column is not None and b.value_columns]
    if "本年收入合计" in words and words & {"财政拨款收入", "上级补助收入", "事业收入", "经营收入"}:
        return c.INCOME
    if "本年支出合计" in words and words & {"上缴上级支出", "经营支出", "对附属单位补助支出"}:
        return c.EXPENDITURE
    if {"预算数", "决算数"} <= words and any(three_public_item(w) for w in words if w not in ("合计", "小计")):
        return c.THREE_PUBLIC
    if economic > functional and economic >= 3:
        return c.BASIC
    if len(labelled_blocks) >= 2 and not codes and words & {"收入", "支出"}:
        return c.FISCAL_TOTALS if words & set(_FUNDS) else c.TOTALS
    if functional >= 2 and {"基本支出", "项目支出"} <= words:
        if words & {"年初结转和结余", "本年收入", "年末结转和结余"}:
            return None  # 政府性基金 or 国有资本经营: only the title tells
        return c.GENERAL_BUDGET
    return None


_GENERIC_HEADERS = frozenset({"项目", "合计", "小计", "总计", "金额", "收入", "支出"})
_HEADER_KEYS = frozenset(clean_cell(word) for word in HEADER_VOCABULARY)


def _known_header(word: str) -> bool:
    return word in _HEADER_KEYS or three_public_item(word) not in (None, "合计") or _measure(word) is not None


def _resembles_a_table(layout: Layout) -> bool:
    """Whether a grid has anything of a standard table: a column header of one, or subject codes.
    Chart data or a caption's neighbour under a repeated title has neither."""
    words = {clean_cell(part) for column in layout.columns for part in column.path}
    if any(_known_header(word) for word in words - _GENERIC_HEADERS):
        return True
    return any(key.code for block in layout.blocks for key in layout.keys(block))


def _unreliable(report: TableReport, reason: str) -> None:
    report.reliable = False
    report.unreliable_reason = reason if not report.unreliable_reason else f"{report.unreliable_reason}; {reason}"


def map_table(raw: RawTable, context: DocumentContext, catalogue: Catalogue, *, check: bool = True) -> StrategyResult:
    """Map one grid to facts; a grid that is no standard table yields a report row and no facts.

    The table is known by its title; a grid without one is known by its content
    (:func:`identify_by_content`). The report row says how far the reading can be trusted
    (``reliable``, see :class:`~.base.TableReport`); ``check=False`` skips the table's own identities
    (a part of a continued table mapped only to learn on which page each fact is printed)."""
    table_name = canonical_table_name(raw.title)
    by_content = False
    if table_name is None and raw.title is None and raw.rows:
        table_name = identify_by_content(analyse(raw.rows))
        by_content = table_name is not None
    report = TableReport(
        title=raw.title,
        table_name=table_name,
        status="ok",
        extractor=raw.extractor,
        page=raw.page,
        line=raw.line,
        rows=len(raw.rows),
        parsing_report=dict(raw.parsing_report),
        reading=raw.extractor,
        pages=[raw.page] if raw.page is not None else [],
    )
    if table_name is None:
        report.status = "unrecognised"
        kind = "non-fiscal table" if raw.title and NON_FISCAL_TITLE.search(raw.title) else "unknown table title"
        report.notes.append(f"{kind}: {raw.title or '(no title)'}")
        # A 绩效自评表 carries no fiscal facts, but figures the performance rules check (extract/performance.py).
        performance = [read_performance(raw)] if kind == "non-fiscal table" else []
        return StrategyResult(tables=[report], performance=performance)
    if by_content:
        report.notes.append(f"no title: recognised as {table_name} by its columns and row keys")
    emitter = _Emitter(raw=raw, table_name=table_name, context=context, catalogue=catalogue)
    _MAPPERS[table_name](emitter)
    report.facts = len(emitter.facts)
    report.notes.extend(emitter.notes)
    if not emitter.layout_found:
        # A title alone is not a table: a stray heading over some other grid must not pass as empty.
        report.status = "unrecognised"
        if _resembles_a_table(emitter.layout):
            report.notes.insert(0, f"title names {table_name} but the grid has another layout")
            _unreliable(report, f"the grid under the title {table_name} has a layout juesuan does not read")
        else:
            report.notes.insert(0, f"the grid under the title {table_name} is no such table (no header or code of one)")
        return StrategyResult(tables=[report])
    if emitter.lost:
        shown = "; ".join(emitter.lost[:3]) + (f" … ({len(emitter.lost)} in all)" if len(emitter.lost) > 3 else "")
        _unreliable(report, f"cells with text that became no figure: {shown}")
    if not emitter.facts:
        report.status = "empty"
        if any("本表无数据" in clean_cell(line) or "本表为空" in clean_cell(line) for line in raw.trailer):
            report.notes.append("the report says the table has no data (本表无数据)")
    elif check:
        check_reading(report, emitter.facts)
    return StrategyResult(facts=emitter.facts, tables=[report], repairs=emitter.repairs)


def check_reading(report: TableReport, facts: list[Fact]) -> None:
    """The table's own identities on what was read: ``reconciled``, and unreliable when the broken
    identities point at the reading (a blank where its column has figures, or many breaks at once)."""
    assert report.table_name is not None
    coded = (*c.CODED_TABLES, *c.BUDGET_FUNCTIONAL_TABLES)
    if report.table_name in coded and not any(f.line_item == c.TOTAL_ROW for f in facts):
        # Every template prints a coded table's 合计 row: a reading without it lost a row (the checks
        # that need the 合计 would read it as blank, i.e. zero).
        _unreliable(report, "no 合计 row was read, though the table has figures")
    reconciliation = reconcile(report.table_name, facts)
    report.reconciled = reconciliation.state
    for message in reconciliation.broken[:3]:
        report.notes.append(f"does not reconcile: {message}")
    if reconciliation.suspect:
        more = len(reconciliation.suspect) - 1
        _unreliable(
            report,
            "its own identities break in a way that points at the reading, not the report: "
            + reconciliation.suspect[0]
            + (f" (and {more} more)" if more else ""),
        )


# --- budget disclosures (预算公开) ---------------------------------------------------------------------------
#: Budget column headers as printed → the contract's budget column (docs/contract.md "Budget tables").
BUDGET_COLUMN_SYNONYMS = {
    "财政拨款": "财政拨款收入",
    "一般公共预算财政拨款": "一般公共预算",
    "政府性基金预算财政拨款": "政府性基金预算",
    "国有资本经营预算财政拨款": "国有资本经营预算",
    "一般公共预算拨款": "一般公共预算",
    "政府性基金拨款": "政府性基金预算",
    "国有资本经营预算拨款": "国有资本经营预算",
    "上年结转和结余": "上年结转",
    "上年结转资金": "上年结转",
}
#: Headers that name a table's amount itself (its total, or the one 预算数 of a one-column table).
BUDGET_TOTAL_HEADERS = frozenset(
    {*ROW_TOTAL_HEADERS, "预算数", "本年预算", "本年预算数", "预算金额", "收入预算", "支出预算", "金额合计"}
)


def budget_column(table_name: str, column: Column, side: str | None = None) -> str | None:
    """The budget column of a value column: a total (合计, or 预算数 in a summary table's 收入 side and in
    one-amount tables: see :func:`_column_names`), a part (基本支出, 项目支出, 人员经费, 公用经费), a fund
    (一般公共预算 …) or an income source, as printed with :data:`BUDGET_COLUMN_SYNONYMS`."""
    leaf = clean_cell(column.leaf).replace('"', "")
    parent = clean_cell(column.path[-2]) if len(column.path) >= 2 else ""
    if leaf in ("合计", "小计") and parent in _PARENT_COLUMNS:
        leaf = parent
    elif leaf in BUDGET_TOTAL_HEADERS or not leaf:
        leaf = c.BUDGET_TOTAL_COLUMN
    leaf = BUDGET_COLUMN_SYNONYMS.get(leaf, leaf)
    if table_name == c.BUDGET_TOTALS or (table_name == c.BUDGET_FISCAL_TOTALS and side == "收入"):
        return c.BUDGET_AMOUNT
    return leaf


def _amount_column(em: _Emitter) -> str:
    """The column a table's single amount is named by: 预算数 in a budget table, 决算数 in a 决算."""
    return c.BUDGET_AMOUNT if em.table_name in c.BUDGET_TABLE_NAMES else "决算数"


def _column_names(em: _Emitter, block: Block, side: str | None = None) -> dict[int, str | None]:
    """The contract column of each value column of ``block``; a budget table's only amount column is
    ``预算数`` whatever its header says (金额, 合计, 机关运行经费支出 …)."""
    layout = em.layout
    names = {col: table_column(em.table_name, layout.columns[col], side) for col in block.value_columns}
    if em.table_name in c.BUDGET_TABLE_NAMES:
        named = [col for col, name in names.items() if name is not None]
        if len(named) == 1:
            names[named[0]] = c.BUDGET_AMOUNT
    return names


def _map_budget_coded(em: _Emitter) -> None:
    """收入预算表 / 支出预算表: coded by function like the other coded tables; a template that prints them
    without codes (lines of income sources, or one row of totals) is read as lines."""
    if any(key.code for block in em.layout.blocks for key in em.layout.keys(block)):
        _map_coded(em)
        return
    _map_budget_lines(em)


#: Budget summary lines as printed (numbering stripped) → the canonical line.
BUDGET_SUMMARY_LINES = {
    "财政拨款": "财政拨款收入",
    "财政拨款收入": "财政拨款收入",
    "一般公共预算": "一般公共预算资金",
    "一般公共预算资金": "一般公共预算资金",
    "一般公共预算拨款": "一般公共预算资金",
    "一般公共预算拨款收入": "一般公共预算资金",
    "政府性基金": "政府性基金预算资金",
    "政府性基金预算": "政府性基金预算资金",
    "政府性基金预算资金": "政府性基金预算资金",
    "政府性基金拨款收入": "政府性基金预算资金",
    "国有资本经营预算": "国有资本经营预算资金",
    "国有资本经营预算资金": "国有资本经营预算资金",
    "国有资本经营预算拨款收入": "国有资本经营预算资金",
    "当年收入": "本年收入合计",  # 当年收入 / 小计 wrapped over a page break
    "当年支出": "本年支出合计",
    "当年收入小计": "本年收入合计",
    "本年收入小计": "本年收入合计",
    "本年收入合计": "本年收入合计",
    "当年支出小计": "本年支出合计",
    "本年支出小计": "本年支出合计",
    "本年支出合计": "本年支出合计",
    "上年结转资金": "上年结转",
    "上年结转和结余": "上年结转",
    "上年结转": "上年结转",
    "结转下年资金": "结转下年",
    "结转下年": "结转下年",
}


def _budget_line(label: str, side: str) -> str:
    key = strip_numbering(label).replace('"', "")
    if key in ("总计", "合计") or key in ("收入总计", "收入合计", "支出总计", "支出合计"):
        if key.startswith("收入") or (not key.startswith("支出") and side == "收入"):
            return c.INCOME_GRAND_TOTAL
        return c.EXPENDITURE_GRAND_TOTAL
    return BUDGET_SUMMARY_LINES.get(key, key)


def _map_budget_summary(em: _Emitter) -> None:
    """收支预算总表 / 财政拨款收支预算总表: (项目, 预算数) blocks side by side — 收入 first, then one or
    two 支出 blocks (by function, by use). Lines: the income sources and funds, the functional classes
    (with their 类 code), 基本支出 / 项目支出 …, 收入总计 and 支出总计."""
    layout = em.layout
    blocks = [b for b in layout.blocks if b.label_column is not None and b.value_columns]
    if len(blocks) < 2:
        em.notes.append("no two (项目, 预算数) blocks side by side: not a two-sided summary table")
        em.layout_found = False
        return
    for order, block in enumerate(blocks):
        side = _side_of(layout, block, order) if order < 2 else "支出"
        names = _column_names(em, block, side)
        if em.table_name == c.BUDGET_TOTALS or side == "收入":
            names = {col: c.BUDGET_AMOUNT if name is not None else None for col, name in names.items()}
        before = blocks[order - 1] if order else None
        for key in layout.keys(block):
            row = layout.body[key.row]
            label = strip_numbering(key.label)
            if not label and before is not None and before.label_column is not None:
                # A total's label merged over the blocks of its side (当年支出小计 over 功能分类 and 支出用途):
                # printed in the block before, whose own figure cells the merge left blank.
                spanned = strip_numbering(row[before.label_column])
                if spanned and all(is_empty_cell(row[col]) for col in before.value_columns):
                    label = spanned
            if not label:
                em.note_lost(row, block.value_columns, "figures without a line label")
                continue
            code: str | None = None
            line_item = _budget_line(label, side)
            if side == "支出" and label.endswith("支出") and line_item not in ("本年支出合计", "基本支出", "项目支出"):
                classes = em.catalogue.by_name(label, FUNCTIONAL, level="类", year=em.context.year)
                if len(classes) == 1:
                    code, line_item = classes[0].code, classes[0].name
            for col in block.value_columns:
                name = names[col]
                if name is not None:
                    em.emit(code, line_item, name, row[col], f"{key.raw}\t{row[col].strip()}")


def _map_budget_lines(em: _Emitter) -> None:
    """A budget table printed as lines, not codes: each labelled row's figures under its line (names in
    two columns, group | source: a group's 小计 row is the group's own line, ``一般公共预算资金``; the
    table's 收入总计 / 支出总计 its 合计); a grid of one row of figures under its headers (one row of
    totals) is read as the 合计 row."""
    layout = em.layout
    blocks = [b for b in layout.blocks if b.value_columns]
    if not blocks:
        em.notes.append("no figures beside line labels")
        em.layout_found = False
        return
    for block in blocks:
        names = _column_names(em, block)
        labels = [col for col in block.columns if layout.columns[col].kind == "label"] or (
            [block.label_column] if block.label_column is not None else []
        )
        group = ""
        for index, row in enumerate(layout.body):
            parts = [strip_numbering(row[col]) for col in labels if strip_numbering(row[col])]
            if len(parts) >= 2:
                group = parts[0]
            elif parts and parts[0] not in ("小计", "合计") and len(labels) >= 2 and clean_cell(row[labels[0]]):
                group = parts[0]
            if not parts:
                line = c.TOTAL_ROW if not labels else ""
            elif parts[-1] == "小计" and group:
                line = _budget_line(group, "收入")  # a group's 小计 is the group's own amount
            else:
                line = _budget_line(parts[-1], "收入")
                line = c.TOTAL_ROW if line in (c.INCOME_GRAND_TOTAL, c.EXPENDITURE_GRAND_TOTAL) else line
            if not line:
                em.note_lost(row, block.value_columns, f"row {index}: figures without a line label")
                continue
            for col in block.value_columns:
                name = names[col]
                if name is not None:
                    em.emit(None, line, name, row[col], f"{_row_text(row)}")


#: The lines of a budget's 三公 table beside the six 三公 items (when the template prints them).
BUDGET_MEETING, BUDGET_TRAINING = c.BUDGET_THREE_PUBLIC_LINES[7:9]
#: The 三公 subtotal of a table that also prints 会议费 and 培训费 (its 合计 is then 三公 + 会议费 + 培训费).
BUDGET_THREE_PUBLIC_SUBTOTAL = c.BUDGET_THREE_PUBLIC_LINES[1]


def _budget_three_public_item(path: tuple[str, ...], grand: bool) -> str | None:
    parts = [strip_numbering(part).replace('"', "") for part in path]
    if any(c.OPERATING_COST in part for part in parts):
        return c.OPERATING_COST
    if any(part.startswith(BUDGET_MEETING) for part in parts):
        return BUDGET_MEETING
    if any(part.startswith(BUDGET_TRAINING) for part in parts):
        return BUDGET_TRAINING
    for depth in range(len(parts) - 1, -1, -1):
        part = parts[depth]
        above = parts[:depth]
        if part in ("小计", "合计"):
            if above and "公务用车" in above[-1]:
                return "公务用车购置及运行维护费"
            if any("三公经费" in word for word in above):
                return BUDGET_THREE_PUBLIC_SUBTOTAL if grand else "合计"
            if not above:
                return "合计"
            continue
        item = three_public_item(part)
        if item is not None:
            return item
    return None


def _map_budget_three_public(em: _Emitter) -> None:
    """A budget's 三公 table: the items are columns over one row of 预算数 (合计 | 因公出国（境）费 |
    公务用车… | 公务接待费, and where printed 会议费, 培训费, 机关运行经费), or rows (项目 | 预算数)."""
    layout = em.layout
    words = [clean_cell(part) for column in layout.columns for part in column.path]
    grand = any(w.startswith((BUDGET_MEETING, BUDGET_TRAINING)) for w in words)
    blocks = [b for b in layout.blocks if b.value_columns]
    if not blocks:
        em.notes.append("no figures under 三公 items")
        em.layout_found = False
        return
    for block in blocks:
        for key in layout.keys(block) if block.label_column is not None else _unlabelled_rows(layout):
            row = layout.body[key.row]
            row_item = (
                _budget_three_public_item((key.label,), grand) if block.label_column is not None and key.label else None
            )
            for col in block.value_columns:
                item = row_item or _budget_three_public_item(layout.columns[col].path, grand)
                if item is None:
                    if not is_empty_cell(row[col]):
                        em.note_lost(row, [col], f"value under {layout.columns[col].path}: no 三公 line")
                    continue
                em.emit(None, item, c.BUDGET_AMOUNT, row[col], f"{'/'.join(layout.columns[col].path)}\t{row[col]}")


def _unlabelled_rows(layout: Layout) -> list[RowKey]:
    return [RowKey(row=index, code=None, label="", raw=_row_text(row)) for index, row in enumerate(layout.body)]


#: 政府采购 categories as printed (``一、货物A``, ``货物类``) → the canonical line.
PROCUREMENT_LINES = tuple(zip(("货物", "工程", "服务"), c.BUDGET_PROCUREMENT_LINES[1:], strict=True))


def _map_procurement(em: _Emitter) -> None:
    """政府采购预算表: its 合计 and the 货物 / 工程 / 服务 category lines (column 预算数); the item rows
    under them (采购品目, organisation form …) are detail the contract does not key."""
    layout = em.layout
    value_columns = [col.index for col in layout.columns if col.kind == "value"]
    if not value_columns:
        em.notes.append("no figure column")
        em.layout_found = False
        return
    total_col = value_columns[-1] if len(value_columns) > 1 else value_columns[0]
    for row in layout.body:
        labels = [strip_numbering(cell) for cell in row if cell.strip() and not looks_like_amount(cell)]
        first = clean_cell(next((cell for cell in row if cell.strip() and not looks_like_amount(cell)), ""))
        if not labels:
            continue
        line = None
        if labels[0] in ("合计", "总计"):
            line = c.TOTAL_ROW
        elif re.match(r"^[一二三四五六七八九十]+[、.]", first):
            line = next((name for word, name in PROCUREMENT_LINES if word in labels[0]), None)
        if line is not None:
            em.emit(None, line, c.BUDGET_AMOUNT, row[total_col], _row_text(row))
