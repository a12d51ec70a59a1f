"""The performance self-evaluation tables (预算项目（政策）绩效自评表): not fiscal facts, but figures to check.

A 绩效自评表 states a project's budget and what was spent, the execution rate (执行率) and the points it
earns (预算执行率得分), one score per indicator (绩效指标: 分值 and 得分) and the total (总分 / 绩效自评总得分);
its 年度目标 names the year the targets were set for. Two layouts are read, by their labels, never by
fixed positions:

* the national one (朝阳 2024): ``项目预算金额(万元) 871 … 全年执行数(万元) 800 … 执行率 91.85%`` on one
  row, a summary row ``指标自评得分小计 89.2 … 预算执行率得分 9.18 … 减分项 0 … 绩效自评总得分 98.38``;
* the Shanxi one (大同, 晋城 2023): a header ``年初预算数 | 全年预算数 | 全年执行数 | 资金结(转)余 | 执行率 |
  得分`` over a ``资金总额`` row of figures — read from the right, and trusted only when 全年预算 − 全年执行
  = 资金结(转)余 (so a row whose cells shifted is not read as another's), a ``总分`` row.

Indicator rows are those under the 绩效指标 header; their 分值 and 得分 are the last two figures of the row
before the text that explains a shortfall (merged cells shift rows left or right, the order stays). What
cannot be read with confidence is left ``None``: the checks on it are not checkable, never errors
(乌海's tables, garbled in the export, are read as nothing).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from juesuan.extract.base import RawTable
from juesuan.extract.evidence import Indicator, PerformanceTable

__all__ = ["read_performance"]

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_SPACES = re.compile(r"\s+")
#: The 分值 of 预算执行率 when the table does not print it (the national scoring rules: 10 points).
RATE_WEIGHT = Decimal(10)


def _clean(cell: str) -> str:
    return _SPACES.sub("", cell or "").replace("（", "(").replace("）", ")").replace("：", ":")


def _number(cell: str) -> tuple[Decimal, int] | None:
    text = _clean(cell).replace(",", "")
    if not _NUMBER.match(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    exponent = value.as_tuple().exponent
    return value, (max(0, -exponent) if isinstance(exponent, int) else 0)


def _percent(cell: str) -> tuple[Decimal, int] | None:
    text = _clean(cell)
    m = _PERCENT.match(text)
    return _number(m.group(1)) if m else _number(text)


def _after(row: list[str], label: re.Pattern[str], reader: type = str) -> tuple[Decimal, int] | None:
    """The first figure after the cell matching ``label`` on ``row``."""
    for index, cell in enumerate(row):
        if label.search(_clean(cell)):
            for follow in row[index + 1 :]:
                if not _clean(follow):
                    continue
                return _percent(follow) if reader is float else _number(follow)
            return None
    return None


_BUDGET = re.compile(r"^项目预算金额|^全年预算数$|^年度预算数")
_SPENT = re.compile(r"^全年执行数")
_RATE = re.compile(r"^执行率")
_SUBTOTAL = re.compile(r"^指标自评得分小计")
_RATE_SCORE = re.compile(r"^预算执行率得分")
_DEDUCTION = re.compile(r"^减分项")
_TOTAL = re.compile(r"^(?:绩效自评)?总得分$|^总分$")
_PROJECT = re.compile(r"^项目(?:\(政策\))?名称$")
_TARGET = re.compile(r"年度总体目标|项目年度绩效目标|年度目标$")
_INDICATOR_HEADER = re.compile(r"^三级指标$")
_END_OF_INDICATORS = re.compile(r"^(?:总分|指标自评得分小计|项目绩效分析|绩效自评总得分)$")


def _project(rows: list[list[str]]) -> str:
    for row in rows:
        if row and _PROJECT.match(_clean(row[0])):
            return next((_clean(c) for c in row[1:] if _clean(c)), "")
    return ""


def _target(rows: list[list[str]]) -> str:
    """The 年度目标 (年初设定目标): the first long cell of the row under its label (not the 完成情况 beside it)."""
    for index, row in enumerate(rows):
        if any(_TARGET.search(_clean(c)) for c in row[:2]):
            for below in rows[index + 1 : index + 2]:
                texts = [c.strip() for c in below if len(_clean(c)) > 6]
                if texts:
                    return texts[0][:300]
    return ""


def _national(rows: list[list[str]]) -> dict[str, tuple[Decimal, int] | None] | None:
    """Budget, spent and rate on one row (项目预算金额 … 全年执行数 … 执行率)."""
    for row in rows:
        labels = [_clean(c) for c in row]
        if any(_BUDGET.match(c) for c in labels) and any(_SPENT.match(c) for c in labels):
            budget, spent = _after(row, _BUDGET), _after(row, _SPENT)
            if budget is None or spent is None:
                return None  # labels over figures of the next row: the Shanxi layout
            return {"budget": budget, "spent": spent, "rate": _after(row, _RATE, float)}
    return None


def _shanxi(rows: list[list[str]]) -> dict[str, tuple[Decimal, int] | None] | None:
    """A header naming 全年预算数 … 执行率, 得分 over a row of figures, read from the right and checked."""
    for index, row in enumerate(rows):
        labels = [_clean(c) for c in row]
        if not ("全年预算数" in labels and "全年执行数" in labels and any(c.startswith("执行率") for c in labels)):
            continue
        for data in rows[index + 1 : index + 4]:
            figures = [n for n in (_number(c) for c in data) if n is not None]
            if len(figures) < 5:
                continue
            budget, spent, balance, rate, score = figures[-5:]
            if abs(budget[0] - spent[0] - balance[0]) > Decimal("0.011"):
                return None  # the cells shifted: not trusted
            return {"budget": budget, "spent": spent, "rate": rate, "rate_score": score}
        return None
    return None


def _indicators(rows: list[list[str]]) -> tuple[Indicator, ...]:
    found: list[Indicator] = []
    inside = False
    for row in rows:
        labels = [_clean(c) for c in row]
        if any(_INDICATOR_HEADER.match(c) for c in labels):
            inside = True
            continue
        if not inside:
            continue
        if any(_END_OF_INDICATORS.match(c) for c in labels):
            break
        figures: list[Decimal] = []
        for cell in reversed(row):
            parsed = _number(cell)
            if parsed is not None:
                figures.append(parsed[0])
                if len(figures) == 2:
                    break
            elif figures:
                break  # text between the two figures: not a 分值 / 得分 pair
        if len(figures) != 2:
            continue
        score, weight = figures
        name = next((c for c in labels if c and _number(c) is None and not _PERCENT.match(c)), "")
        found.append(Indicator(name, weight, score))
    return tuple(found)


def read_performance(raw: RawTable, number: int = 0) -> PerformanceTable:
    """One 绩效自评表 as read (figures as printed; ``None`` where the table cannot be read with confidence)."""
    rows = [list(r) for r in raw.rows]
    notes: list[str] = []
    found = _national(rows) or _shanxi(rows) or {}
    if not found:
        notes.append("no budget and execution row read (layout not recognised)")
    summary = next((r for r in rows if any(_SUBTOTAL.match(_clean(c)) or _TOTAL.match(_clean(c)) for c in r)), [])
    rate_score = found.get("rate_score") or _after(summary, _RATE_SCORE)
    total = _after(summary, _TOTAL)
    budget, spent, rate = found.get("budget"), found.get("spent"), found.get("rate")
    return PerformanceTable(
        number=number,
        title=raw.title or "",
        project=_project(rows),
        budget=budget[0] if budget else None,
        budget_places=budget[1] if budget else 0,
        spent=spent[0] if spent else None,
        spent_places=spent[1] if spent else 0,
        rate=rate[0] if rate else None,
        rate_places=rate[1] if rate else 0,
        rate_score=rate_score[0] if rate_score else None,
        rate_score_places=rate_score[1] if rate_score else 0,
        rate_weight=RATE_WEIGHT,
        indicators=_indicators(rows),
        indicator_subtotal=(sub[0] if (sub := _after(summary, _SUBTOTAL)) else None),
        deduction=(ded[0] if (ded := _after(summary, _DEDUCTION)) else None),
        total=total[0] if total else None,
        total_places=total[1] if total else 0,
        target=_target(rows),
        page=raw.page,
        line=raw.line,
        notes=tuple(notes),
    )
