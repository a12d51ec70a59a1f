"""The budget narrative: figures a 预算 report's prose states, as narrative facts of report_kind 预算.

A budget disclosure explains its tables in prose (情况说明 of each table in Jiangsu's template, one
预算编制说明 and 其他相关情况说明 in Shanghai's). Every figure it states for this year's budget becomes a
narrative fact keyed like the budget table cell it restates (contract.BUDGET_TABLE_NAMES), so that the
narrative = table identities can join them. It never emits a 决算 table key. docs/narrative.md ("Budget
prose") lists the wordings and their keys.

Approach (the same as :mod:`.narrative` for 决算 prose, with the budget's own sections and labels)
--------------------------------------------------------------------------------------------------
1. **Text.** Segments are concatenated and normalised; ``raw_text`` is the exact source slice.
2. **Sections.** Headings — numbered (``一、``, ``(一)``, ``第三部分``) or an unnumbered title line
   (``2025年部门预算编制说明``, ``其他相关情况说明``) — set the section: 收支总体 / 收入 / 支出 / 财政拨款收支 /
   财政拨款支出 / 财政拨款基本支出 / 一般公共预算支出 / 一般公共预算基本支出 / 政府性基金 / 国有资本经营 /
   三公 / 机关运行经费 / 政府采购 / 绩效目标. A table title (a heading ending in 表), 概况, 职能, 名词解释,
   项目经费情况说明 and 国有资产 end the readable prose.
3. **Amounts.** Every number with a money unit (元/万元/亿元, or bare before a comma) is a token; its subject
   is the text since the previous token or clause mark, matched by the section's labels anchored at its
   end (``…收入、支出预算总计``, ``基本支出预算数为``, ``因公出国(境)费支出``), else, in the coded sections,
   a functional subject: a chain ``X(类)Y(款)Z(项)``, a quoted ``"X-Y-Z"科目`` (Shanghai), a 项 named after
   its 款 without a mark (``人大事务行政运行(项)``) or a 类 by name — resolved through the catalogue,
   never guessed (an unresolved subject gives a note and no fact).
4. **What is never a fact.** Amounts inside a 原因 sentence, changes (增加/减少 …), amounts in a clause that
   compares (``与2024年预算一致0万元``), last year's execution (``2022年当年预算执行数为…``: no label of this
   year's budget), percentages, counts.
5. **Last year's budget.** A change against last year (``与上年相比…增加X万元``, ``比2024年预算减少X万元``,
   ``本年数小于上年预算数X万元``, ``与上年持平/一致/无变化``, ``增加(减少)0万元``) restates last year's budget
   figure of the same key: previous = current − increase (+ decrease; = current when unchanged). They are
   facts of ``year − 1`` with report_kind 预算 (``NarrativeReading.previous_year``). A comparison with last
   year's *execution* (``比2022年预算执行数``), another year, an unresolved subject or a negative result
   gives nothing.
6. **Performance targets** (``编报绩效目标的项目11个，涉及项目预算资金6626万元``): no budget table holds them,
   so they are notes, not facts.

Values are exact ``Decimal`` 万元. A key stated twice keeps its first figure (a different second one is noted).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from juesuan.contract import (
    BUDGET,
    BUDGET_AMOUNT,
    BUDGET_BASIC,
    BUDGET_EXPENDITURE,
    BUDGET_FISCAL_BASIC,
    BUDGET_FISCAL_EXPENDITURE,
    BUDGET_FISCAL_TOTALS,
    BUDGET_GENERAL,
    BUDGET_GOV_FUND,
    BUDGET_INCOME,
    BUDGET_OPERATING,
    BUDGET_PERSONNEL,
    BUDGET_PROCUREMENT,
    BUDGET_PUBLIC_USE,
    BUDGET_STATE_CAPITAL,
    BUDGET_THREE_PUBLIC,
    BUDGET_TOTAL_COLUMN,
    BUDGET_TOTALS,
    EXPENDITURE_GRAND_TOTAL,
    INCOME_GRAND_TOTAL,
    TOTAL_ROW,
    Fact,
)
from juesuan.extract.base import DocumentContext, StrategyResult
from juesuan.extract.narrative import (
    _BOUNDARY,
    _INNER_SPACE,
    _LINE_DECORATION,
    _LIST_START,
    _PART_HEADING,
    _SENTENCE_END,
    _SUB_HEADING,
    _TABLE_ROW,
    _TOP_HEADING,
    MONEY_UNITS,
    SOURCE_KIND,
    NarrativeReading,
    _concatenate,
    _last_end,
    _to_wan,
    _Token,
    _tokens,
    source_span,
    stated_fact,
)
from juesuan.extract.text import normalise
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

log = logging.getLogger(__name__)

__all__ = ["align_report", "align_to_tables", "read_budget_narrative"]

# --- sections -------------------------------------------------------------------------------------
TOTALS = "totals"  # 收支预算总体情况 / 部门预算编制说明
INCOME = "income"
EXPENDITURE = "expenditure"
FISCAL = "fiscal"  # 财政拨款收支总体
FISCAL_EXPENDITURE = "fiscal-expenditure"
FISCAL_BASIC = "fiscal-basic"
GENERAL = "general"  # 一般公共预算支出
BASIC = "basic"  # 一般公共预算基本支出
GOV_FUND = "gov-fund"
STATE_CAPITAL = "state-capital"
THREE = "three-public"
OPERATING = "operating"
PROCUREMENT = "procurement"
PERFORMANCE = "performance"
NONE = "none"

# First match wins: what ends the prose first, then the specific subjects before the generic words.
_SECTION_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), section)
    for pattern, section in (
        (r"名词解释|附件|职能|机构设置|概况|工作任务|编制的相关依据|项目经费|项目概述|立项依据|国有资产", NONE),
        (r"绩效", PERFORMANCE),
        (r"表$", NONE),  # a table title; the prose about a table ends in 情况说明
        (r"三公", THREE),
        (r"机关运行", OPERATING),
        (r"政府采购", PROCUREMENT),
        (r"政府性基金", GOV_FUND),
        (r"国有资本", STATE_CAPITAL),
        (r"财政拨款基本支出", FISCAL_BASIC),
        (r"基本支出", BASIC),
        (r"财政拨款收支|财政拨款收入支出", FISCAL),
        (r"财政拨款支出", FISCAL_EXPENDITURE),
        (r"一般公共预算", GENERAL),
        (r"收支预算|收支总体|收入支出预算|预算编制说明", TOTALS),
        (r"收入预算", INCOME),
        (r"支出预算", EXPENDITURE),
    )
)
# An unnumbered line that is a title (Shanghai: "2025年部门预算编制说明", "名词解释", "…主要职能").
_TITLE_WORDS = re.compile(r"情况说明|编制说明|名词解释|主要职能|机构设置|概况|预算表$|总表$")
_TOC_TAIL = re.compile(r"[.…·\s\d]+$")
_FUNCTIONAL_SECTIONS = (TOTALS, FISCAL_EXPENDITURE, GENERAL, GOV_FUND, STATE_CAPITAL)
# Sections listing economic 类/款 ("(1)基本工资(款)支出X万元"), and the table (合计 or 预算数 column) they restate.
_ECONOMIC_TABLE = {
    FISCAL_BASIC: (BUDGET_FISCAL_BASIC, BUDGET_TOTAL_COLUMN),
    BASIC: (BUDGET_BASIC, BUDGET_TOTAL_COLUMN),
    OPERATING: (BUDGET_OPERATING, BUDGET_AMOUNT),
}

# --- labels ---------------------------------------------------------------------------------------
_PERIOD = re.compile(r"[。!?]")
_CLAUSE = re.compile(r"[。；;!?]")
_LAST_YEAR = re.compile(
    r"(?:与|比|较)[ \t]*(?:上[ \t]*一?[ \t]*年|(?P<year>20\d\d)[ \t]*年)(?:[ \t]*度)?(?:\([^)]{0,12}\))?"
    r"(?P<base>[ \t]*(?:当年)?预算(?:执行)?数?|[ \t]*数)?(?:[ \t]*(?:相比|比较))?"
)
_DIRECTION = re.compile(
    r"(?P<word>增加|增长|减少|下降|降低)(?:了)?[ \t_]*(?P<either>\((?:增加|减少)\))?[ \t_]*$"
    r"|(?P<cmp>小于|大于|少于|多于|低于|高于)[ \t]*上[ \t]*一?年(?:度)?(?:预算)?数?[ \t_]*$"
)
_INCREASE = ("增加", "增长", "大于", "多于", "高于")
_UNCHANGED = re.compile(
    r"(?:与|比|较)[ \t]*(?:上[ \t]*一?[ \t]*年|(?P<year>20\d\d)[ \t]*年)(?:[ \t]*度)?(?:\([^)]{0,12}\))?"
    r"(?P<base>[ \t]*(?:当年)?预算(?:执行)?数?|[ \t]*数)?(?:[ \t]*(?:相比|比较))?[，,]?"
    r"(?P<between>[^，,；;。:]{0,20}?)(?<!基本)(?:持平|一致|相同|无变化)"
)
_CHANGE_WORD = re.compile(r"增加|减少|增长|下降|降低|压减|调减|调增|增减|原因|相比|持平")
_SUBJECT_TRIM = re.compile(r"[ \t_、，,:：]*(?:各|均|分别|共)?[ \t_]*$")
_THIS_YEAR = re.compile(r"^(?:本年数?|今年数?)|保持$")
_FILLER_TAIL = re.compile(r"(?:均为|各为|为|是|共计|共|达)$")
_LEADING_NOISE = re.compile(r"^[\s、,，#*\-_]+|^(?:其中|包括|此外)[:，,]?")
_NONE_STATED = re.compile(r"无(?P<what>政府性基金|国有资本经营)预算")
_PERFORMANCE = re.compile(r"项目(?:共)?(?P<count>\d+)个[，,]?涉及(?:项目)?预算资金(?P<amount>[\d,.]+)万元")

_SUFFIX = r"(?:预算)?(?:数)?(?:支出)?(?:预算)?(?:数)?(?:安排)?"


@dataclass(frozen=True)
class _Target:
    table: str
    line_item: str
    column: str
    code: str | None = None


def _t(table: str, line_item: str, column: str, code: str | None = None) -> tuple[_Target, ...]:
    return (_Target(table, line_item, column, code),)


_Rules = tuple[tuple[re.Pattern[str], tuple[_Target, ...]], ...]


def _rules(*pairs: tuple[str, tuple[_Target, ...]]) -> _Rules:
    return tuple((re.compile(f"(?:{pattern})$"), targets) for pattern, targets in pairs)


def _income(column: str) -> tuple[_Target, ...]:
    """A source of income: the 收入预算表 合计 row's column of that source."""
    return _t(BUDGET_INCOME, TOTAL_ROW, column)


def _spending(column: str) -> tuple[_Target, ...]:
    return _t(BUDGET_EXPENDITURE, TOTAL_ROW, column)


_BOTH_TOTALS = (
    _Target(BUDGET_TOTALS, INCOME_GRAND_TOTAL, BUDGET_AMOUNT),
    _Target(BUDGET_TOTALS, EXPENDITURE_GRAND_TOTAL, BUDGET_AMOUNT),
)
_GENERAL_TOTAL = _t(BUDGET_GENERAL, TOTAL_ROW, BUDGET_TOTAL_COLUMN)
_GOV_FUND_TOTAL = _t(BUDGET_GOV_FUND, TOTAL_ROW, BUDGET_TOTAL_COLUMN)
_STATE_CAPITAL_TOTAL = _t(BUDGET_STATE_CAPITAL, TOTAL_ROW, BUDGET_TOTAL_COLUMN)
_FISCAL_SPENDING = _t(BUDGET_FISCAL_TOTALS, EXPENDITURE_GRAND_TOTAL, BUDGET_TOTAL_COLUMN)

# 收支总体 (Jiangsu 收支预算总表情况说明, Shanghai 预算编制说明), 收入 and 支出: one list, specific before generic
# ("一般公共预算收入预算" before "收入预算", "财政拨款支出预算" before "支出预算").
_TOTALS_RULES = _rules(
    (r"收入、?支出预算总计|收、?支预算总计|收支预算总计", _BOTH_TOTALS),
    (r"财政拨款收入(?:预算)?(?:总计)?", _income("财政拨款收入")),
    (r"一般公共预算(?:拨款)?收入(?:预算)?", _income("一般公共预算拨款收入")),
    (r"政府性基金(?:预算)?(?:拨款)?收入(?:预算)?", _income("政府性基金收入")),
    (r"国有资本经营预算(?:拨款)?收入(?:预算)?", _income("国有资本经营预算收入")),
    (r"财政专户管理资金(?:收入)?(?:预算)?(?:总计)?", _income("财政专户管理资金")),
    (r"其他资金(?:收入)?(?:预算)?(?:总计)?", _income("其他资金")),
    (r"事业单位经营收入(?:预算)?", _income("事业单位经营收入")),
    (r"(?<!单位)事业收入(?:预算)?", _income("事业收入")),
    (r"其他收入(?:预算)?", _income("其他收入")),
    (r"上年结转(?:和结余)?(?:资金)?(?:预算)?(?:数)?", _income("上年结转")),
    (r"收入预算总计", _t(BUDGET_TOTALS, INCOME_GRAND_TOTAL, BUDGET_AMOUNT)),
    (r"支出预算总计", _t(BUDGET_TOTALS, EXPENDITURE_GRAND_TOTAL, BUDGET_AMOUNT)),
    (r"财政拨款支出预算|财政拨款(?:预算)?支出", _FISCAL_SPENDING),
    (r"一般公共预算(?:财政)?(?:拨款)?支出(?:预算)?", _GENERAL_TOTAL),
    (r"政府性基金(?:预算)?(?:拨款)?支出(?:预算)?", _GOV_FUND_TOTAL),
    (r"国有资本经营预算(?:拨款)?支出(?:预算)?", _STATE_CAPITAL_TOTAL),
    (r"(?:本年)?收入预算(?:合计)?", _income(BUDGET_TOTAL_COLUMN)),
    (r"(?:本年)?支出预算(?:合计)?", _spending(BUDGET_TOTAL_COLUMN)),
    (r"基本支出" + _SUFFIX, _spending("基本支出")),
    (r"项目支出" + _SUFFIX, _spending("项目支出")),
    (r"(?:单位)?预留机动经费" + _SUFFIX, _spending("单位预留机动经费")),
    (r"结转下年(?:资金)?" + _SUFFIX, _spending("结转下年资金")),
)
_FISCAL_RULES = _rules(
    (
        r"财政拨款收、?支(?:总)?预算(?:总计)?|财政拨款收、?支(?:预算)?总计",
        (
            _Target(BUDGET_FISCAL_TOTALS, INCOME_GRAND_TOTAL, BUDGET_AMOUNT),
            _Target(BUDGET_FISCAL_TOTALS, EXPENDITURE_GRAND_TOTAL, BUDGET_TOTAL_COLUMN),
        ),
    ),
    (r"财政拨款收入(?:预算)?(?:总计)?", _t(BUDGET_FISCAL_TOTALS, INCOME_GRAND_TOTAL, BUDGET_AMOUNT)),
    (r"财政拨款(?:预算)?支出(?:预算)?", _FISCAL_SPENDING),
)
_FISCAL_EXPENDITURE_RULES = _rules(
    (r"财政拨款(?:预算)?支出(?:预算)?", _t(BUDGET_FISCAL_EXPENDITURE, TOTAL_ROW, BUDGET_TOTAL_COLUMN)),
)
_FISCAL_BASIC_RULES = _rules(
    (r"财政拨款基本支出" + _SUFFIX, _t(BUDGET_FISCAL_BASIC, TOTAL_ROW, BUDGET_TOTAL_COLUMN)),
    (r"人员经费" + _SUFFIX, _t(BUDGET_FISCAL_BASIC, TOTAL_ROW, BUDGET_PERSONNEL)),
    (r"(?:日常)?公用经费" + _SUFFIX, _t(BUDGET_FISCAL_BASIC, TOTAL_ROW, BUDGET_PUBLIC_USE)),
)
_GENERAL_RULES = _rules((r"一般公共预算(?:财政)?(?:拨款)?支出(?:预算)?", _GENERAL_TOTAL))
_BASIC_RULES = _rules(
    (r"(?:一般公共预算)?(?:财政)?(?:拨款)?基本支出" + _SUFFIX, _t(BUDGET_BASIC, TOTAL_ROW, BUDGET_TOTAL_COLUMN)),
    (r"人员经费" + _SUFFIX, _t(BUDGET_BASIC, TOTAL_ROW, BUDGET_PERSONNEL)),
    (r"(?:日常)?公用经费" + _SUFFIX, _t(BUDGET_BASIC, TOTAL_ROW, BUDGET_PUBLIC_USE)),
)
_GOV_FUND_RULES = _rules(
    (r"政府性基金(?:预算)?(?:财政)?(?:拨款)?支出(?:预算)?(?:支出)?", _GOV_FUND_TOTAL),
    (r"政府性基金(?:预算)?(?:拨款)?收入(?:预算)?", _income("政府性基金收入")),
)
_STATE_CAPITAL_RULES = _rules(
    (r"国有资本经营预算(?:财政)?(?:拨款)?支出(?:预算)?(?:支出)?", _STATE_CAPITAL_TOTAL),
    (r"国有资本经营预算(?:拨款)?收入(?:预算)?", _income("国有资本经营预算收入")),
)


def _three(line_item: str) -> tuple[_Target, ...]:
    return _t(BUDGET_THREE_PUBLIC, line_item, BUDGET_AMOUNT)


# Line names as in the 决算's 三公 table (contract); 会议费 and 培训费 are printed in Jiangsu's 三公 table too.
# Order matters: 购置及运行 before 购置 and 运行.
_THREE_RULES = _rules(
    (r'"三公"经费(?:财政拨款)?' + _SUFFIX, _three(TOTAL_ROW)),
    (r"因公出国\(境\)(?:经)?费(?:用)?" + _SUFFIX, _three("因公出国（境）费")),
    (r"公务用?车购置及运行(?:维护)?费" + _SUFFIX, _three("公务用车购置及运行维护费")),
    (r"公务用?车购置(?:费)?" + _SUFFIX, _three("公务用车购置费")),
    (r"公务用?车?用?车运行(?:维护)?(?:费)?" + _SUFFIX, _three("公务用车运行维护费")),
    (r"公务接待(?:费)?" + _SUFFIX, _three("公务接待费")),
    (r"会议费" + _SUFFIX, _three("会议费")),
    (r"培训费" + _SUFFIX, _three("培训费")),
)
_OPERATING_RULES = _rules(
    (r"机关运行经费" + _SUFFIX, _t(BUDGET_OPERATING, TOTAL_ROW, BUDGET_AMOUNT)),
)
# 政府采购预算表: rows 合计, 政府采购货物支出, …工程…, …服务… (the 决算's lines; Jiangsu prints 一、货物A …).
_PROCUREMENT_RULES = _rules(
    *(
        (
            rf"(?:政府采购)?{kind}类?(?:政府)?(?:采购)?(?:支出)?(?:预算)?(?:金额)?|拟购买{kind}",
            _t(BUDGET_PROCUREMENT, f"政府采购{kind}支出", BUDGET_AMOUNT),
        )
        for kind in ("货物", "工程", "服务")
    ),
    (
        r"政府采购(?:支出)?预算(?:总金额|总额|金额)?|政府采购(?:总金额|总额|金额)",
        _t(BUDGET_PROCUREMENT, TOTAL_ROW, BUDGET_AMOUNT),
    ),
)
_RULES_OF: dict[str, _Rules] = {
    TOTALS: _TOTALS_RULES,
    INCOME: _TOTALS_RULES,
    EXPENDITURE: _TOTALS_RULES,
    FISCAL: _FISCAL_RULES,
    FISCAL_EXPENDITURE: _FISCAL_EXPENDITURE_RULES,
    FISCAL_BASIC: _FISCAL_BASIC_RULES,
    GENERAL: _GENERAL_RULES,
    BASIC: _BASIC_RULES,
    GOV_FUND: _GOV_FUND_RULES,
    STATE_CAPITAL: _STATE_CAPITAL_RULES,
    THREE: _THREE_RULES,
    OPERATING: _OPERATING_RULES,
    PROCUREMENT: _PROCUREMENT_RULES,
}
# The table a functional subject's figure belongs to, by section (合计 column; the summary's 类 lines 预算数).
_FUNCTIONAL_TABLE = {
    FISCAL_EXPENDITURE: BUDGET_FISCAL_EXPENDITURE,
    GENERAL: BUDGET_GENERAL,
    GOV_FUND: BUDGET_GOV_FUND,
    STATE_CAPITAL: BUDGET_STATE_CAPITAL,
    # Shanghai's 预算编制说明 lists 财政拨款支出 by 项 ("财政拨款支出主要内容如下").
    TOTALS: BUDGET_FISCAL_EXPENDITURE,
}

# --- functional subjects ---------------------------------------------------------------------------
_CJK = r"[\u4e00-\u9fff]"
# A subject name may hold 、 and a short bracket that is no level mark ("政府办公厅(室)及相关机构事务").
_NAME = rf"{_CJK}(?:{_CJK}|、|\((?!类\)|款\)|项\)){_CJK}{{1,4}}\))*"
_FUNCTIONAL_TAIL = re.compile(r'"?(?:科目)?(?:预算)?(?:数)?(?:支出)?(?:预算)?(?:数)?(?:安排)?"?$')
# The 款 is sometimes marked (类) by mistake ("住房改革支出(类)住房公积金(项)"): read as a 款 unless it is a 类.
_ITEM_CHAIN = re.compile(rf"(?:(?P<c>{_NAME})\(类\))?(?P<k>{_NAME})\((?:款|类)\)(?P<x>{_NAME})\(项\)$")
_KUAN_CHAIN = re.compile(rf"(?P<c>{_NAME})\(类\)(?P<k>{_NAME})\(款\)$")
_ITEM_ONLY = re.compile(rf"(?P<x>{_NAME})\(项\)$")
_CLASS_ONLY = re.compile(rf"(?P<c>{_NAME})\(类\)(?:支出)?$")
_HYPHEN_CHAIN = re.compile(r'"(?P<a>[^"\-]+)-(?P<b>[^"\-]+)(?:-(?P<c>[^"\-]+))?"?$')
_CLASS_MARK = re.compile(rf"(?P<c>{_NAME})\(类\)")
_CLASS_LINE = re.compile(rf"(?:\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)?(?P<name>{_NAME})[:：]?")
_ECONOMIC_ITEM = re.compile(rf"(?P<name>{_NAME})(?P<mark>\((?:类|款)\))?(?:支出)?$")
_NAME_AT_END = re.compile(rf"{_NAME}$")
_VARIANTS = str.maketrans({"它": "他"})
_ROUNDING = Decimal("0.005")  # a figure against the table's amount, both to two decimals  # 其它 / 其他: one name


@dataclass(frozen=True)
class _Stated:
    targets: tuple[_Target, ...]
    value: Decimal
    start: int
    paragraph: object = None  # the paragraph stating it (None: a fact read earlier)


@dataclass
class _Paragraph:
    text: str
    offsets: list[int]
    section: str


@dataclass
class _BudgetReader:
    source: str
    index: list[int]
    starts: list[int]
    pages: list[int | None]
    context: DocumentContext
    catalogue: Catalogue
    facts: dict[tuple[str, str, str], Fact] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    previous: dict[tuple[str, str, str], Fact] = field(default_factory=dict)
    previous_notes: list[str] = field(default_factory=list)
    section: str = NONE
    class_context: str | None = None
    economic_parent: str | None = None  # the economic 类 just read, for the 款 listed under it
    #: Code → amount of the report's functional table rows (when at hand): they decide a 项 the prose
    #: names wrongly ("一般行政事务管理" for 一般行政管理事务), never the catalogue alone.
    row_amounts: dict[str, set[Decimal]] = field(default_factory=dict)
    stated_value: Decimal | None = None  # the amount whose subject is being classified
    #: This year's figure stated last in the section: the subject of a change that names none, also when a
    #: line break made the change a paragraph of its own ("…收入预算总计X万元。" / "与上年相比增加Y万元").
    last: _Stated | None = None

    # --- one paragraph ------------------------------------------------------------------------------
    def read(self, paragraph: _Paragraph) -> None:
        if paragraph.section != self.section:
            self.section = paragraph.section
            self.class_context = None
            self.economic_parent = None
            self.last = None
        text = paragraph.text
        if self.section == PERFORMANCE:
            for m in _PERFORMANCE.finditer(_INNER_SPACE.sub("", text)):
                self.notes.append(f"performance targets: {m['count']} projects, {m['amount']} 万元 (no table: no fact)")
            return
        for m in _CLASS_MARK.finditer(text):
            self.class_context = self._class_code(m["c"]) or self.class_context
        if (heading := _CLASS_LINE.fullmatch(text.strip())) is not None:
            # A line that only names a 类 ("一般公共服务") heads the 项 listed after it without their 类.
            self.class_context = self._class_code(heading["name"]) or self.class_context
        stated: dict[_Target, _Stated] = {}
        last = self.last
        events: list[tuple[int, object]] = [(t.start, t) for t in _tokens(text)]
        events += [(m.start(), m) for m in _UNCHANGED.finditer(text)]
        events.sort(key=lambda e: e[0])
        previous_end = 0
        money_unit = "万元"
        for _, item in events:
            if isinstance(item, re.Match):
                self._unchanged(item, paragraph, stated, last)
                continue
            assert isinstance(item, _Token)
            token = item
            prefix_start = max(previous_end, _last_end(_BOUNDARY, text, token.start))
            previous_end = token.end
            if token.unit is not None and token.unit not in MONEY_UNITS:
                continue  # %, vehicles, equipment
            unit = token.unit or money_unit
            if token.unit is not None:
                money_unit = token.unit
            value = _to_wan(token.number, unit)
            if token.unit is None and _DIRECTION.search(text, prefix_start, token.start):
                continue  # "减少9.52，": a rate printed without its %, not an amount
            if "原因" in text[_last_end(_CLAUSE, text, token.start) : token.start]:
                continue  # an amount explaining a change, not a figure of the budget
            change = self._change(text, token, prefix_start)
            if change is not None:
                self._previous_from_change(change, value, paragraph, stated, last, token.end)
                continue
            clause = text[_last_end(_CLAUSE, text, token.start) : token.start]
            if _LAST_YEAR.search(clause):
                continue  # "与2024年预算一致0万元": the figure compared, not stated anew
            subject = _INNER_SPACE.sub("", text[prefix_start : token.start]).strip(" \t_")
            if _CHANGE_WORD.search(subject):
                continue
            self.stated_value = value
            targets = self._classify(subject, token.unit is None)
            if not targets:
                if token.unit is not None and re.search(_CJK, _FILLER_TAIL.sub("", subject)):
                    # A figure of a subject not read (unresolved, or no budget line): a change after it is
                    # its change, never the one of the figure stated before.
                    last = self.last = None
                continue
            noise = _LEADING_NOISE.match(text, prefix_start)
            start = noise.end() if noise else prefix_start
            for target in targets:
                self._emit(target, value, paragraph, start, token.end)
            last = _Stated(targets, value, start, paragraph)
            stated.update(dict.fromkeys(targets, last))
            self.last = last
        self._none_stated(paragraph)

    # --- subjects -----------------------------------------------------------------------------------
    def _classify(self, subject: str, bare: bool) -> tuple[_Target, ...]:
        subject = _FILLER_TAIL.sub("", subject)
        if not subject:
            return ()
        found = _first(subject, _RULES_OF.get(self.section, ()))
        if found:
            return found
        if bare:
            return ()  # a bare number needs a label of its own
        if self.section in _ECONOMIC_TABLE:
            return self._economic(subject)
        if self.section not in _FUNCTIONAL_SECTIONS:
            return ()
        return self._functional(subject)

    def _economic(self, subject: str) -> tuple[_Target, ...]:
        """An economic 类 or 款 (``1、工资福利支出(类)``, ``(1)基本工资(款)支出``), within the 类 just read when
        the name alone is ambiguous (办公设备购置 is 30206 or 31002)."""
        m = _ECONOMIC_ITEM.search(_FUNCTIONAL_TAIL.sub("", subject))
        if m is None:
            return ()
        name, year = m["name"], self.context.year
        if m["mark"]:
            code = self.catalogue.resolve_economic(None, name, year).code
        else:  # an unmarked name must be a whole economic name: "其中" or a clause is no subject
            exact = self.catalogue.by_name(name, ECONOMIC, year=year)
            code = exact[0].code if len(exact) == 1 else None
        if code is None and self.economic_parent is not None:
            candidates = self.catalogue.by_name(name, ECONOMIC, year=year) or self.catalogue.by_name(
                name, ECONOMIC, year=year, prefix=True
            )
            within = [c for c in candidates if self.economic_parent in (c.code, c.parent_code)]
            code = within[0].code if len(within) == 1 else None
        if code is None:
            if m["mark"]:  # a marked name that resolves to nothing: said, never guessed
                self.notes.append(f"unresolved budget narrative economic item {name!r}")
            return ()
        found = self.catalogue.get(code, ECONOMIC, year)
        assert found is not None
        if found.level == "类":
            self.economic_parent = found.code
        table, column = _ECONOMIC_TABLE[self.section]
        return _t(table, found.name, column, found.code)

    def _functional(self, subject: str) -> tuple[_Target, ...]:
        """A 类, 款 or 项 the subject names, as the section's table row (合计; the summary's 类 line 预算数)."""
        name = _FUNCTIONAL_TAIL.sub("", subject).translate(_VARIANTS)
        year = self.context.year
        parts: list[tuple[str, str | None]]
        if m := _HYPHEN_CHAIN.search(name):
            names: list[str] = [m["a"], m["b"]] + ([m["c"]] if m["c"] else [])
            parts = [(part, None) for part in names]
        elif m := _ITEM_CHAIN.search(name):
            if m["c"] is None and (klass := self._class_code(m["k"])) is not None:
                code = self._item_of_class(klass, m["x"])  # 类(类)项(项): no 款 named
                return self._functional_target(code) if code else self._unresolved(name, "no such 项 in the 类")
            head = self._with_class(m["c"], m["k"])
            if not head:
                return self._unresolved(name, "no 类 in context")
            parts = [*head, (m["x"], None)]
        elif m := _KUAN_CHAIN.search(name):
            parts = [(m["c"], None), (m["k"], None)]
        elif m := _ITEM_ONLY.search(name):
            code = self._item_without_kuan(m["x"])
            if code is None and self.class_context is not None:
                code = self._item_of_class(self.class_context, m["x"])
            return self._functional_target(code) if code else self._unresolved(name, "no 款 named")
        elif m := _CLASS_ONLY.search(name):
            code = self._class_code(m["c"])
            if code is None:
                self.notes.append(f"unresolved budget narrative 类 {m['c']!r}")
                return ()
            self.class_context = code
            return self._functional_target(code)
        else:
            tail = _NAME_AT_END.search(name)
            code = self._class_code(tail.group(0)) if tail else None
            if code is None:
                return ()
            self.class_context = code
            return self._functional_target(code)
        resolution = self.catalogue.resolve_chain(parts, year)
        code = resolution.code or self._item_variant(parts) or self._decided_item(parts, name)
        if code is None:
            return self._unresolved(name, resolution.reason)
        self.class_context = code[:3]
        return self._functional_target(code)

    def _unresolved(self, name: str, reason: str) -> tuple[_Target, ...]:
        self.notes.append(f"unresolved budget narrative subject {name!r}: {reason}")
        return ()

    def _item_variant(self, parts: list[tuple[str, str | None]]) -> str | None:
        """A 项 printed with a 支出 suffix or cut short ("机关事业单位职业年金"), when one 项 of its 款 fits."""
        if len(parts) != 3:
            return None
        year = self.context.year
        kuan = self.catalogue.resolve_chain(parts[:2], year).code
        if kuan is None:
            return None
        name = parts[2][0]
        for candidate, prefix in ((name.removesuffix("支出"), False), (name, True)):
            found = self.catalogue.by_name(
                candidate, FUNCTIONAL, level="项", parent_code=kuan, year=year, prefix=prefix
            )
            if len(found) == 1:
                self.notes.append(f"budget narrative 项 {name!r} read as {found[0].code} {found[0].name}")
                return found[0].code
        return None

    def _decided_item(self, parts: list[tuple[str, str | None]], name: str) -> str | None:
        """A 项 the catalogue cannot resolve under a 款 (or 类) that it can: the one 项 of that 类 named so
        (a wrong 款 name), else — the report's tables at hand — the one 项 row under the deepest part that
        resolves whose amount is the stated one (a 项 name misprinted). A note says which."""
        if len(parts) != 3:
            return None
        year = self.context.year
        klass = self.catalogue.resolve_chain(parts[:1], year).code
        if klass is not None and not self.catalogue.resolve_chain(parts[:2], year).resolved:
            code = self._item_of_class(klass, parts[2][0])
            if code is not None:
                self.notes.append(f"budget narrative subject {name!r}: 款 not of {klass}; its 项 is {code}")
                return code
        ancestor = self.catalogue.resolve_chain(parts[:2], year).code or klass
        if ancestor is None or self.stated_value is None:
            return None
        rows = [
            code
            for code, amounts in self.row_amounts.items()
            if len(code) == 7
            and code.startswith(ancestor)
            and any(abs(a - self.stated_value) <= _ROUNDING for a in amounts)
        ]
        if len(rows) != 1:
            return None
        self.notes.append(
            f"budget narrative subject {name!r} is not in the catalogue under {ancestor}: decided by the table, "
            f"whose only 项 there of {self.stated_value} is {rows[0]}"
        )
        return rows[0]

    def _item_of_class(self, klass: str, name: str) -> str | None:
        """The one 项 of ``name`` (or without its 支出 suffix) under the 类 ``klass``."""
        year = self.context.year
        for candidate in dict.fromkeys((name, name.removesuffix("支出"))):
            found = [
                s
                for s in self.catalogue.by_name(candidate, FUNCTIONAL, level="项", year=year)
                if s.code.startswith(klass)
            ]
            if len(found) == 1:
                return found[0].code
        return None

    def _with_class(self, klass: str | None, kuan: str) -> list[tuple[str, str | None]]:
        if klass is not None:
            return [(klass, None), (kuan, None)]
        code = self.class_context
        if code is None:
            found = self.catalogue.by_name(kuan, FUNCTIONAL, level="款", year=self.context.year)
            code = found[0].parent_code if len(found) == 1 else None
        subject = self.catalogue.get(code, FUNCTIONAL, self.context.year) if code else None
        return [(subject.name, None), (kuan, None)] if subject is not None else []

    def _item_without_kuan(self, name: str) -> str | None:
        """``人大事务行政运行(项)``: a 项 printed after its 款's name without the 款 mark, within the 类 in context."""
        if self.class_context is None:
            return None
        year = self.context.year
        found: list[str] = []
        for kuan in self.catalogue.children(self.class_context, FUNCTIONAL, year):
            for key in (kuan.name, *kuan.aliases):
                if name.startswith(key) and len(name) > len(key):
                    items = self.catalogue.by_name(name[len(key) :], FUNCTIONAL, parent_code=kuan.code, year=year)
                    found.extend(s.code for s in items)
        codes = sorted(set(found))
        return codes[0] if len(codes) == 1 else None

    def _functional_target(self, code: str) -> tuple[_Target, ...]:
        subject = self.catalogue.get(code, FUNCTIONAL, self.context.year)
        name = subject.name if subject is not None else code
        if self.section == TOTALS and len(code) == 3 and self.class_context is not None:
            # Jiangsu's 收支预算总表 lists spending by 类: "(二)支出预算总计…1．公共安全(类)支出X".
            return _t(BUDGET_TOTALS, name, BUDGET_AMOUNT, code)
        table = _FUNCTIONAL_TABLE.get(self.section)
        return _t(table, name, BUDGET_TOTAL_COLUMN, code) if table else ()

    def _class_code(self, name: str) -> str | None:
        year = self.context.year
        for candidate in (name, f"{name}支出", name.removesuffix("支出")):
            found = self.catalogue.by_name(candidate, FUNCTIONAL, level="类", year=year)
            if len(found) == 1:
                return found[0].code
        return None

    def _none_stated(self, paragraph: _Paragraph) -> None:
        """``本部门无政府性基金预算``: the table's total is 0 when the prose says so and states no figure."""
        for m in _NONE_STATED.finditer(paragraph.text):
            target = _GOV_FUND_TOTAL[0] if m["what"] == "政府性基金" else _STATE_CAPITAL_TOTAL[0]
            if (target.table, target.code or target.line_item, target.column) not in self.facts:
                self._emit(target, Decimal(0), paragraph, m.start(), m.end())

    # --- last year's budget --------------------------------------------------------------------------
    def _change(self, text: str, token: _Token, prefix_start: int) -> tuple[int, str, str] | None:
        """(sign, subject after the comparison, subject before it) of a change against last year's budget."""
        direction = _DIRECTION.search(text, prefix_start, token.start)
        if direction is None:
            return None
        sentence_start = _last_end(_PERIOD, text, token.start)
        if direction["cmp"]:  # "本年数小于上年预算数X万元": the subject is this year's figure stated before
            sign = 1 if direction["cmp"] in _INCREASE else -1
            return sign, "", text[_last_end(_BOUNDARY, text, direction.start()) : direction.start()]
        comparison = None
        for m in _LAST_YEAR.finditer(text, sentence_start, token.start):
            comparison = m
        if comparison is None or not self._is_last_budget(comparison):
            return (2, "", "")  # a change, but not against last year's budget: nothing to derive
        sign = 0 if direction["either"] else (1 if direction["word"] in _INCREASE else -1)
        if comparison.start() >= prefix_start:
            after = text[comparison.end() : direction.start()]
            before = text[_last_end(_BOUNDARY, text, comparison.start()) : comparison.start()]
        else:
            # "比2022年(上一年度，下同)预算增加": the comparison may span the clause mark before the change.
            after, before = text[max(prefix_start, comparison.end()) : direction.start()], ""
        return sign, after, before

    def _is_last_budget(self, comparison: re.Match[str]) -> bool:
        year = comparison["year"]
        if year is not None and int(year) != self.context.year - 1:
            return False
        return "执行" not in (comparison["base"] or "")

    def _previous_from_change(
        self,
        change: tuple[int, str, str],
        amount: Decimal,
        paragraph: _Paragraph,
        stated: dict[_Target, _Stated],
        last: _Stated | None,
        end: int,
    ) -> None:
        sign, after, before = change
        if sign == 2:
            return
        if sign == 0 and amount != 0:
            self.previous_notes.append(f"change of unknown direction {amount} against last year: no figure")
            return
        for target, current in self._previous_subject(after, before, stated, last):
            start = current.start if current.paragraph is paragraph else 0
            self._emit_previous(target, current.value - sign * amount, paragraph, start, end)

    def _unchanged(
        self, m: re.Match[str], paragraph: _Paragraph, stated: dict[_Target, _Stated], last: _Stated | None
    ) -> None:
        if not self._is_last_budget(m):
            return
        text = paragraph.text
        before = text[_last_end(_BOUNDARY, text, m.start()) : m.start()]
        for target, current in self._previous_subject(m["between"], before, stated, last):
            start = current.start if current.paragraph is paragraph else 0
            self._emit_previous(target, current.value, paragraph, start, m.end())

    def _previous_subject(
        self, after: str, before: str, stated: dict[_Target, _Stated], last: _Stated | None
    ) -> list[tuple[_Target, _Stated]]:
        for text in (after, before):
            name = _THIS_YEAR.sub("", _SUBJECT_TRIM.sub("", _INNER_SPACE.sub("", text)))
            name = _SUBJECT_TRIM.sub("", _FILLER_TAIL.sub("", name))
            if not re.search(_CJK, name):
                continue
            targets = _first(name, _RULES_OF.get(self.section, ()))
            if not targets:
                self.previous_notes.append(f"unresolved subject {name!r} of a change against last year: no figure")
                return []
            found = []
            for target in targets:
                current = stated.get(target)
                if current is None:
                    fact = self.facts.get((target.table, target.code or target.line_item, target.column))
                    current = _Stated((target,), fact.value, 0) if fact is not None else None
                if current is None:
                    self.previous_notes.append(f"no figure of this year for {_where(target)}: last year's not derived")
                    continue
                found.append((target, current))
            return found
        if last is None:
            self.previous_notes.append("a change against last year without a subject: no figure")
            return []
        return [(target, last) for target in last.targets]

    # --- facts --------------------------------------------------------------------------------------
    def _fact(self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int, year: int) -> Fact:
        span = source_span(self, paragraph.offsets, start, end)
        return stated_fact(self.context, target, value, year, *span, source=self.source, report_kind=BUDGET)

    def _emit(self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int) -> None:
        key = (target.table, target.code or target.line_item, target.column)
        kept = self.facts.get(key)
        if kept is not None:
            if kept.value != value:
                self.notes.append(f"duplicate budget figure {_where(target)}: kept {kept.value}, also {value}")
            return
        self.facts[key] = self._fact(target, value, paragraph, start, end, self.context.year)

    def _emit_previous(self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int) -> None:
        if value < 0:
            self.previous_notes.append(f"last year's {_where(target)} would be negative ({value}): no figure")
            return
        key = (target.table, target.code or target.line_item, target.column)
        kept = self.previous.get(key)
        if kept is not None:
            if kept.value != value:
                self.previous_notes.append(f"last year's {_where(target)}: kept {kept.value}, also derived {value}")
            return
        # raw_text runs from this year's figure to the change (a figure of an earlier paragraph: from its start).
        self.previous[key] = self._fact(target, value, paragraph, min(start, end - 1), end, self.context.year - 1)


def _where(target: _Target) -> str:
    return f"{target.table}/{target.code or target.line_item}/{target.column}"


def _first(name: str, rules: _Rules) -> tuple[_Target, ...]:
    for pattern, targets in rules:
        if pattern.search(name):
            return targets
    return ()


# --- text layout ----------------------------------------------------------------------------------
def _section_of(title: str) -> str | None:
    for pattern, section in _SECTION_RULES:
        if pattern.search(title):
            return section
    return None


def _has_money(text: str) -> bool:
    return any(t.unit in MONEY_UNITS for t in _tokens(text))


def _heading(cleaned: str) -> str | None:
    """The kind of heading a line is (``part``, ``top``, ``sub``, ``title``), or None for prose."""
    if len(cleaned) > 45 or "。" in cleaned or "，" in cleaned or _has_money(cleaned):
        return None
    if _PART_HEADING.match(cleaned):
        return "part"
    if _TOP_HEADING.match(cleaned):
        return "top"
    if _SUB_HEADING.match(cleaned):
        return "sub"
    if ":" not in cleaned and _TITLE_WORDS.search(_TOC_TAIL.sub("", cleaned)):
        return "title"
    return None


def _paragraphs(norm: str) -> list[_Paragraph]:
    found: list[_Paragraph] = []
    section = NONE
    text = ""
    offsets: list[int] = []
    text_section = NONE

    def flush() -> None:
        nonlocal text, offsets
        if text.strip() and text_section != NONE:
            found.append(_Paragraph(text, offsets, text_section))
        text, offsets = "", []

    position = 0
    for raw_line in norm.split("\n"):
        line_start = position
        position += len(raw_line) + 1
        line = raw_line.rstrip("\r")
        cleaned = _LINE_DECORATION.sub("", line)
        if not cleaned:
            continue
        if _TABLE_ROW.search(line.strip()):
            flush()
            continue
        kind = _heading(cleaned)
        if kind is not None:
            flush()
            title = _TOC_TAIL.sub("", cleaned)
            if kind == "part":
                section = _section_of(title) or NONE
            elif kind == "top":
                section = _section_of(title) or NONE
            elif kind == "title":
                section = _section_of(title) or section
            elif section != NONE:
                section = _section_of(title) or section
                # A sub-heading can name the 类 the next chains omit ("(一)公共安全(类)").
                text, offsets, text_section = line, list(range(line_start, line_start + len(line))), section
                flush()
            continue
        if section == NONE:
            flush()
            continue
        ended = text.rstrip().endswith(_SENTENCE_END)
        joinable = text and not ended and not _LIST_START.match(cleaned)
        if not joinable or text_section != section:
            flush()
            text_section = section
        text += line
        offsets.extend(range(line_start, line_start + len(line)))
    flush()
    return found


# --- the cell a figure restates, as the report's tables print it ----------------------------------------
#: An income source stated as a column of the 收入预算表 合计 row is a line where the template prints sources
#: as lines (Jiangsu: 一般公共预算资金 小计 …); the reader's line names.
_SOURCE_LINES = {
    "一般公共预算拨款收入": "一般公共预算资金",
    "政府性基金收入": "政府性基金预算资金",
    "国有资本经营预算收入": "国有资本经营预算资金",
}
_AMOUNT_COLUMNS = (BUDGET_TOTAL_COLUMN, BUDGET_AMOUNT)
#: A cell that names the figure better where the tables print it: the 三公 table's 合计 is the three's
#: total unless the table also prints 会议费 and 培训费, when 合计 is their grand total and the three's is the
#: line “三公”经费 (the reader's line names).
_PREFERRED: dict[tuple[str, str, str], tuple[str, str, str | None, str]] = {
    (BUDGET_THREE_PUBLIC, TOTAL_ROW, BUDGET_AMOUNT): (BUDGET_THREE_PUBLIC, "“三公”经费", None, BUDGET_AMOUNT),
}


def _alternatives(fact: Fact, fund_codes: set[str]) -> list[tuple[str, str, str | None, str]]:
    """Other cells printing the figure of ``fact`` (table, line_item, code, column), by layout: a row's amount
    is 合计 in a table of several columns and 预算数 in a one-amount table; an income source is a column or a
    line; Shanghai prints 机关运行经费 in its 三公 table, and no 财政拨款支出预算表: a subject's 财政拨款 spending
    is its 一般公共预算 spending when no 政府性基金 / 国有资本经营 table of the report prints the subject
    (``fund_codes``)."""
    table, line, code, column = fact.table_name, fact.line_item, fact.subject_code, fact.column_name
    found: list[tuple[str, str, str | None, str]] = []
    if table == BUDGET_FISCAL_EXPENDITURE and (code or "") not in fund_codes:
        found.append((BUDGET_GENERAL, line, code, column))
    for other_table, other_line, other_code, other_column in [(table, line, code, column), *found]:
        if other_column in _AMOUNT_COLUMNS:
            swapped = _AMOUNT_COLUMNS[1 - _AMOUNT_COLUMNS.index(other_column)]
            found.append((other_table, other_line, other_code, swapped))
    if table == BUDGET_INCOME and line == TOTAL_ROW and column not in _AMOUNT_COLUMNS:
        source = _SOURCE_LINES.get(column, column)
        found += [
            (BUDGET_INCOME, source, None, BUDGET_AMOUNT),
            (BUDGET_INCOME, f"{source}/小计", None, BUDGET_AMOUNT),
            (BUDGET_TOTALS, source, None, BUDGET_AMOUNT),
        ]
    if table == BUDGET_OPERATING and line == TOTAL_ROW:
        found.append((BUDGET_THREE_PUBLIC, "机关运行经费", None, BUDGET_AMOUNT))
    return found


def align_to_tables(facts: Sequence[Fact], table_facts: Sequence[Fact]) -> tuple[list[Fact], list[str]]:
    """Budget narrative facts keyed to the cell the report's tables print for them (see :func:`_alternatives`).

    A fact whose key the tables print, or that no alternative cell matches, keeps its key. A report split
    over two files (正文 + 公开表) reads its prose without its tables: call this again once the parts' facts
    are merged. Returns the facts and notes (a figure whose printed cell another figure already took)."""
    printed = {(f.table_name, f.subject_key, f.column_name) for f in table_facts if f.source_kind == "table"}
    if not printed:
        return list(facts), []
    funds = (BUDGET_GOV_FUND, BUDGET_STATE_CAPITAL)
    fund_codes = {f.subject_code for f in table_facts if f.table_name in funds and f.subject_code is not None}
    if any(f.table_name in funds and f.subject_code is None and f.value != 0 for f in table_facts):
        fund_codes.add("")  # fund spending of unknown subjects: the 财政拨款 total is not the 一般公共预算 one
    notes: list[str] = []
    kept: dict[tuple[str, int, str, str, str, str, str], Fact] = {}
    for fact in facts:
        preferred = _PREFERRED.get((fact.table_name, fact.subject_key, fact.column_name))
        if preferred is not None and (preferred[0], preferred[1], preferred[3]) in printed:
            table, line, code, column = preferred
            fact = replace(fact, table_name=table, line_item=line, subject_code=code, column_name=column)
        if (fact.table_name, fact.subject_key, fact.column_name) not in printed:
            for table, line, code, column in _alternatives(fact, fund_codes):
                if (table, code or line, column) in printed:
                    fact = replace(fact, table_name=table, line_item=line, subject_code=code, column_name=column)
                    break
        other = kept.get(fact.key)
        if other is not None:
            if other.value != fact.value:
                where = f"{fact.table_name}/{fact.subject_key}/{fact.column_name}"
                notes.append(f"{where}: kept {other.value}, also stated {fact.value}")
            continue
        kept[fact.key] = fact
    return list(kept.values()), notes


def align_report(facts: Sequence[Fact], table_facts: Sequence[Fact] | None = None) -> list[Fact]:
    """A report's merged facts (every part's) with its budget narrative facts keyed to the cells its tables
    print: for a report split over two files, whose prose was read without its tables. ``table_facts``
    default to the table facts among ``facts``; pass the report's own for its last-year facts. Facts of
    a 决算 report, and table facts, come back unchanged."""
    tables = [f for f in (facts if table_facts is None else table_facts) if f.source_kind == "table"]
    budget_prose = [f for f in facts if f.source_kind == SOURCE_KIND and f.report_kind == BUDGET]
    if not budget_prose:
        return list(facts)
    others = [f for f in facts if not (f.source_kind == SOURCE_KIND and f.report_kind == BUDGET)]
    aligned, notes = align_to_tables(budget_prose, tables)
    for note in notes:
        log.info("budget narrative of a merged report: %s", note)
    kept = {f.key for f in others}
    return others + [f for f in aligned if f.key not in kept]


def read_budget_narrative(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None = None,
) -> NarrativeReading:
    """What a 预算 report's prose states: this year's budget figures (``narrative``) and last year's budget
    figures its changes restate (``previous_year``, facts of ``year − 1``), all of report_kind 预算.

    ``segments`` are (page or None, text) as for :func:`juesuan.extract.narrative.read_narrative`. Budget
    prose yields no statements or marks (rates and words are read for 决算 prose only). With the report's
    ``table_facts``, every figure is keyed to the cell the tables print for it (:func:`align_to_tables`)."""
    source, starts, pages = _concatenate(segments)
    norm, index = normalise(source)
    reader = _BudgetReader(source, index, starts, pages, context, catalogue)
    functional = (BUDGET_FISCAL_EXPENDITURE, BUDGET_GENERAL, BUDGET_GOV_FUND, BUDGET_STATE_CAPITAL)
    for fact in table_facts or ():
        if fact.source_kind == "table" and fact.table_name in functional and fact.subject_code:
            if fact.column_name in _AMOUNT_COLUMNS:
                reader.row_amounts.setdefault(fact.subject_code, set()).add(fact.value)
    for paragraph in _paragraphs(norm):
        reader.read(paragraph)
    facts, notes = align_to_tables(list(reader.facts.values()), table_facts or ())
    # Last year's figures take the key of this year's cell: the same template prints both years alike.
    previous, previous_notes = align_to_tables(list(reader.previous.values()), table_facts or ())
    return NarrativeReading(
        narrative=StrategyResult(facts=facts, notes=reader.notes + notes),
        previous_year=StrategyResult(facts=previous, notes=reader.previous_notes + previous_notes),
        statements=[],
        marks=[],
        statement_notes=[],
    )
