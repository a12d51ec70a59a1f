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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from juesuan import contract as c
from juesuan.contract import Fact
from juesuan.extract.base import CodeRepair, DocumentContext, RawTable, StrategyResult, TableReport
from juesuan.extract.text import clean_cell, is_empty_cell, looks_like_amount, parse_amount
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

# --- titles ----------------------------------------------------------------------
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\(?[一二三四五六七八九十]+\)|\d+[、.．)]|附表\d*[:：]?)")
_YEAR_SUFFIX = re.compile(r"\(\d{4}年度?\)$")
TITLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (c.THREE_PUBLIC, r"(?:一般公共预算)?财政拨款\"?三公\"?经费(?:支出)?(?:预)?决算(?:情况)?表"),
        (c.FISCAL_TOTALS, r"财政拨款收入支出决算总表"),
        (c.TOTALS, r"(?:部门|单位)?收入支出决算总表"),
        (c.INCOME, r"(?:部门|单位)?收入决算表"),
        (c.EXPENDITURE, r"(?:部门|单位)?支出决算表"),
        (c.GENERAL_BUDGET, r"一般公共预算财政拨款支出决算(?:明细)?表"),
        (c.BASIC, r"一般公共预算财政拨款基本支出决算(?:明细)?表"),
        (c.PROJECT, r"一般公共预算财政拨款项目支出决算(?:明细)?表"),
        (c.GOV_FUND, r"政府性基金预算财政拨款收入支出决算表"),
        (c.STATE_CAPITAL, r"国有资本经营预算财政拨款(?:收入)?支出决算表"),
        (c.RELATED_INFO, r"(?:部门|单位)?决算公开相关信息统计表|机关运行经费.*信息表"),
    )
)
#: Titles that name a known kind of table which carries no fiscal facts (reported as such).
NON_FISCAL_TITLE = re.compile(r"绩效自评表|绩效评价表|绩效目标表")


def title_key(title: str) -> str:
    """A title as compared: clean, without leading numbering or a trailing (2023年度)."""
    key = clean_cell(title)
    key = _NUMBERING.sub("", key)
    return _YEAR_SUFFIX.sub("", key)


def canonical_table_name(title: str | None) -> str | None:
    """The contract's ``table_name`` for a title, or ``None`` when it is not a standard table."""
    if not title:
        return None
    key = title_key(title)
    for name, pattern in TITLE_PATTERNS:
        if pattern.fullmatch(key):
            return name
    return None


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
    "年末结转和结余": "年末结转和结余",
}
_HEADER_IGNORED = {"项目", "科目代码", "科目名称", "科目编码", "功能分类科目编码", "行次", "栏次", ""}


def canonical_column(header: str) -> str:
    key = clean_cell(header)
    return COLUMN_SYNONYMS.get(key, key)


def leaf_headers(header_rows: list[list[str]], width: int) -> list[str]:
    """For each column, the lowest non-empty header cell (merged cells are left blank by exporters)."""
    names = []
    for col in range(width):
        name = ""
        for row in header_rows:
            text = clean_cell(_cell(row, col))
            if text and not re.fullmatch(r"\d+", text):
                name = text
        names.append(canonical_column(name) if name not in _HEADER_IGNORED else "")
    return names


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
    _seen: dict[tuple[str, str], Decimal] = field(default_factory=dict)

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
                page=self.raw.page,
                raw_text=raw_text,
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


def _body_start(rows: list[list[str]]) -> int:
    """Index of the first body row: after the 栏次 / column-number row, else the first coded row."""
    for index, row in enumerate(rows):
        first = clean_cell(_cell(row, 0))
        if first == "栏次" or (
            row
            and all(re.fullmatch(r"\d{1,2}", clean_cell(x)) for x in row if clean_cell(x))
            and sum(1 for x in row if clean_cell(x)) >= 3
        ):
            return index + 1
    for index, row in enumerate(rows):
        first = clean_cell(_cell(row, 0))
        if _CODE.match(first) or first in ("合计", "总计") or _CODE_AND_NAME.match(first):
            return index
    return len(rows)


# --- coded tables -------------------------------------------------------------------------------------------
def _map_coded(em: _Emitter) -> None:
    rows = em.raw.rows
    width = max((len(r) for r in rows), default=0)
    start = _body_start(rows)
    headers = leaf_headers(rows[:start], width)
    for row in rows[start:]:
        first, second = clean_cell(_cell(row, 0)), clean_cell(_cell(row, 1))
        match = _CODE_AND_NAME.match(first)
        if first in ("合计", "总计") or (not first and second in ("合计", "总计")):
            code, line_item, label = None, c.TOTAL_ROW, "合计"
        elif _CODE.match(first):
            code, label = first, _cell(row, 1).strip()
            line_item = ""
        elif match and not second:
            code, label = match.group(1), match.group(2)
            line_item = ""
        else:
            if any(looks_like_amount(x) for x in row[2:]):
                em.notes.append(f"row {_row_text(row)!r}: neither a code nor 合计, skipped")
            continue
        if code is not None:
            resolution = em.catalogue.resolve_functional(code, label, em.context.year)
            if resolution.status == "repaired":
                em.repair(code, label, resolution.code, "repaired", resolution.reason)
            elif resolution.status == "unresolved":
                em.repair(code, label, None, "unresolved", resolution.reason)
            elif resolution.reason:
                em.notes.append(f"{code}: {resolution.reason}")
            if resolution.code is None:
                if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
                    continue
                line_item = clean_cell(label) or code  # kept raw (flagged above), never guessed
            else:
                code = resolution.code
                subject = em.catalogue.get(code, FUNCTIONAL, em.context.year)
                line_item = subject.name if subject else clean_cell(label)
        for col in range(2, len(row)):
            column = headers[col] if col < len(headers) else ""
            if not column:
                if not is_empty_cell(row[col]):
                    em.notes.append(f"value {row[col]!r} under no column header, skipped")
                continue
            em.emit(code, line_item, column, row[col], _row_text(row))


# --- two-sided summary tables -------------------------------------------------------------------------------
_SUMMARY_LABELS = {
    "使用非财政拨款结余和专用结余": "使用非财政拨款结余",
    "使用非财政拨款结余(含专用结余)": "使用非财政拨款结余",
    "上年结转和结余": "年初结转和结余",
}
_FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")


def _map_summary(em: _Emitter) -> None:
    rows = em.raw.rows
    header_index = next((i for i, r in enumerate(rows) if sum(1 for x in r if clean_cell(x) == "项目") >= 2), None)
    if header_index is None:
        em.notes.append("no header row with two 项目 cells: not a two-sided summary table")
        em.layout_found = False
        return
    header = rows[header_index]
    item_columns = [i for i, x in enumerate(header) if clean_cell(x) == "项目"]
    left, right = item_columns[0], item_columns[1]
    width = max(len(r) for r in rows)
    names = leaf_headers([header], width)
    sides = (
        ("收入", left, [i for i in range(left + 1, right) if names[i]]),
        ("支出", right, [i for i in range(right + 1, width) if names[i]]),
    )
    start = _body_start(rows[header_index:]) + header_index
    for side, label_col, value_cols in sides:
        parent: str | None = None
        for row in rows[start:]:
            label = strip_numbering(_cell(row, label_col))
            if not label:
                continue
            code: str | None = None
            if label == "总计":
                line_item = c.INCOME_GRAND_TOTAL if side == "收入" else c.EXPENDITURE_GRAND_TOTAL
            elif parent and label in _FUNDS and clean_cell(_cell(row, label_col)) == label:
                line_item = f"{parent}（{label}）"
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
            for col in value_cols:
                em.emit(code, line_item, names[col], _cell(row, col), _row_text(row))


# --- 基本支出 ----------------------------------------------------------------------
def _map_basic(em: _Emitter) -> None:
    rows = em.raw.rows
    header_index = next(
        (i for i, r in enumerate(rows) if sum(1 for x in r if clean_cell(x) in ("科目代码", "科目编码")) >= 2),
        None,
    )
    if header_index is None:
        em.notes.append("no (科目代码, 科目名称, 决算数) header groups found")
        em.layout_found = False
        return
    header = rows[header_index]
    groups = [i for i, x in enumerate(header) if clean_cell(x) in ("科目代码", "科目编码")]
    value_name = canonical_column(_cell(header, groups[0] + 2)) or "决算数"
    for row in rows[header_index + 1 :]:
        cleaned = [clean_cell(x) for x in row]
        totals = [i for i, x in enumerate(cleaned) if x in (c.PERSONNEL_TOTAL, c.PUBLIC_USE_TOTAL)]
        if totals:
            for position, index in enumerate(totals):
                end = totals[position + 1] if position + 1 < len(totals) else len(row)
                amount = next((row[j] for j in range(index + 1, end) if looks_like_amount(row[j])), "")
                em.emit(None, cleaned[index], value_name, amount, _row_text(row))
            continue
        for group in groups:
            raw_code, raw_name, cell = (
                cleaned[group] if group < len(cleaned) else "",
                _cell(row, group + 1),
                _cell(row, group + 2),
            )
            if not raw_code and not clean_cell(raw_name):
                continue
            if is_empty_cell(cell):
                continue  # blank rows carry no fact, so their codes need no resolving
            resolution = em.catalogue.resolve_economic(raw_code or None, raw_name, em.context.year)
            raw_text = f"{raw_code}\t{raw_name.strip()}\t{cell.strip()}"
            if resolution.status == "repaired":
                em.repair(raw_code, clean_cell(raw_name), resolution.code, "repaired", resolution.reason)
            elif resolution.status == "unresolved":
                em.repair(raw_code, clean_cell(raw_name), None, "unresolved", resolution.reason)
                em.notes.append(f"economic code {raw_code!r} {clean_cell(raw_name)!r} unresolved: kept by name")
            elif resolution.reason:
                em.notes.append(f"{raw_code}: {resolution.reason}")
            if resolution.code is not None:
                subject = em.catalogue.get(resolution.code, ECONOMIC, em.context.year)
                line_item = subject.name if subject else clean_cell(raw_name)
            else:
                line_item = clean_cell(raw_name)
            em.emit(resolution.code, line_item, value_name, cell, raw_text)


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
        return "公务接待费"
    if "购置及运行" in key or key == "小计":
        return "公务用车购置及运行维护费"
    if "运行维护" in key or "运行费" in key:
        return "公务用车运行维护费"
    if "购置" in key:
        return "公务用车购置费"
    return None


def _map_three_public(em: _Emitter) -> None:
    rows = em.raw.rows
    group_row = next((i for i, r in enumerate(rows) if {"预算数", "决算数"} <= {clean_cell(x) for x in r}), None)
    if group_row is None:
        em.notes.append("no 预算数 / 决算数 header")
        em.layout_found = False
        return
    header = [clean_cell(x) for x in rows[group_row]]
    label_col = next((i for i, x in enumerate(header) if x in ("项目",)), None)
    if label_col is not None or (header.count("预算数") == 1 and len(header) <= 4):
        # Narrow layout: one row per item, one column per 预算数 / 决算数.
        columns = {i: x for i, x in enumerate(header) if x in ("预算数", "决算数")}
        label_col = label_col if label_col is not None else 0
        for row in rows[group_row + 1 :]:
            item = three_public_item(_cell(row, label_col))
            if item is None:
                continue
            for col, name in columns.items():
                em.emit(None, item, name, _cell(row, col), _row_text(row))
        return
    # Wide layout: 预算数 over six item columns, then 决算数 over six more.
    width = max(len(r) for r in rows)
    groups: list[str] = []
    current = ""
    for col in range(width):
        current = clean_cell(_cell(rows[group_row], col)) or current
        groups.append(current)
    start = _body_start(rows[group_row:]) + group_row
    item_rows = rows[group_row + 1 : start]
    items: list[str | None] = []
    for col in range(width):
        item = None
        for row in item_rows:
            candidate = three_public_item(_cell(row, col))
            if candidate is not None:
                item = candidate
        items.append(item)
    for row in rows[start:]:
        for col in range(min(width, len(row))):
            column_item = items[col]
            if column_item is None or groups[col] not in ("预算数", "决算数"):
                continue
            em.emit(None, column_item, groups[col], row[col], _row_text(row))


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
        if "统计数" in cleaned:
            value_col = cleaned.index("统计数")
            continue
        if value_col is None:
            continue
        line = related_info_line(section, row[0])
        if line is None:
            if any(looks_like_amount(x) for x in row[value_col:]) and first not in ("项目",):
                em.notes.append(f"row {_row_text(row)!r} not recognised, skipped")
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
}


def map_table(raw: RawTable, context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
    """Map one grid to facts; an unrecognised title yields a report row and no facts."""
    table_name = canonical_table_name(raw.title)
    report = TableReport(
        title=raw.title,
        table_name=table_name,
        status="ok",
        extractor=raw.extractor,
        page=raw.page,
        line=raw.line,
        rows=len(raw.rows),
        parsing_report=dict(raw.parsing_report),
    )
    if table_name is None:
        report.status = "unrecognised"
        kind = "non-fiscal table" if raw.title and NON_FISCAL_TITLE.search(raw.title) else "unknown table title"
        report.notes.append(f"{kind}: {raw.title or '(no title)'}")
        return StrategyResult(tables=[report])
    emitter = _Emitter(raw=raw, table_name=table_name, context=context, catalogue=catalogue)
    _MAPPERS[table_name](emitter)
    report.facts = len(emitter.facts)
    report.notes.extend(emitter.notes)
    if not emitter.layout_found:
        # A title alone is not a table: a stray heading over some other grid must not pass as empty.
        report.status = "unrecognised"
        report.notes.insert(0, f"title names {table_name} but the grid has another layout")
        return StrategyResult(tables=[report])
    if not emitter.facts:
        report.status = "empty"
        if any("本表无数据" in clean_cell(line) or "本表为空" in clean_cell(line) for line in raw.trailer):
            report.notes.append("the report says the table has no data (本表无数据)")
    return StrategyResult(facts=emitter.facts, tables=[report], repairs=emitter.repairs)
