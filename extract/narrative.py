"""The narrative extractor: figures restated in a report's prose (情况说明) as narrative facts.

Approach
--------
1. **Text.** The segments are concatenated (a sentence may cross a page boundary) and normalised with
   :func:`juesuan.extract.text.normalise`, whose index map leads every matched character back to the
   source, so ``raw_text`` is the exact source slice, markup and all.
2. **Sections.** Lines are classified as part headings (``第二部分 …``), section headings (``一、…``),
   sub-headings (``(一)…``), table rows (tab-separated) or prose. What a figure restates depends on
   the section it sits under (``本年支出合计`` is the 总表 line in 总体情况 but the 支出决算表 total
   in 支出决算情况), so the current section is tracked. 名词解释 and 附件 parts, 绩效 sections,
   table pages and anything under an unrecognised heading (单位概况, 工作完成情况 …) are not read.
3. **Paragraphs.** Exports break lines in mid-word (``绩效工`` / ``资 11.16 万元``); a line that does
   not end a sentence is joined to the next one unless that one starts a list item or a heading. A
   list item that names its subject and stops (``12、…(款)…(项)。``) is joined too: its amounts follow.
4. **Amounts first.** Every number followed by a unit (万元/元/亿元, 辆, 台(套), %; 万 alone before a
   bracket or a stop, ``0.39万(含…)``) or standing bare
   before a comma is a token; a number split by a stray space (``1958.1 3 万元``) is mended. A token's
   *prefix* is the text since the previous token or clause mark; its end is split into a qualifier
   (``全年预算``, ``年初预算``, ``决算数为`` …) and the *subject* before it, which the figure
   families (one function each) match against labels anchored at the end of the subject. A subject
   with no label of its own (``…(项)。年初预算 X万元, 支出决算 Y万元``) takes the subject named just
   before it in the same paragraph.
5. **What is never a fact.** Changes against last year or the budget (the rest of a sentence after
   ``与上年相比`` / ``比2022年度`` …, and any subject holding 增加/减少/原因 …), percentages (an
   execution rate such as ``完成年初预算的98.32%`` gives no budget amount: one is never derived from a
   rate, nor from ``与年初预算相比增加…``), 年初预算 figures of anything but the 一般公共预算 figures
   below and 三公, counts other than vehicles and equipment, and ``单价100万元(含)以上`` (a threshold,
   not an amount).
6. **年初预算.** A 年初预算 amount stated for 一般公共预算财政拨款支出 or for a functional subject
   (``…支出年初预算2,296.46万元``, ``…(项)。年初预算 5.63 万元``, ``与年初预算 591.64万元相比``) is
   the fact of column ``年初预算数`` of the same row of 一般公共预算财政拨款支出决算表 (a juesuan
   extension of the contract's columns); for 三公 it is the table's ``预算数``.
7. **Subjects.** Functional names and chains resolve through the catalogue (``resolve_chain``, 类 by
   name; ``1、社会保障和就业支出(类)…``: the list mark is no part of the name); economic items through
   ``resolve_economic``, within the economic 类 just read when the name alone is ambiguous (办公设备购置
   is 30902 or 31002). A chain the catalogue cannot resolve is resolved otherwise only on evidence, with
   a note: a 款 that is no 款 of the 类 is passed over when the 类 has exactly one 项 of the stated name
   (``住房保障支出(类)住房保障支出(款)住房公积金(项)`` → 2210201); else, when the report's tables are at
   hand, the one row of 一般公共预算财政拨款支出决算表 of the chain's level, under its deepest part that
   resolves, whose 小计 equals the 决算 amount stated for the chain decides (a 项 printed under a name
   the catalogue does not know). Other unresolvable subjects give a note and no fact: a code is never
   guessed.

8. **Last year's figures.** A change against the previous year (``与上年相比，收入总计增加2,509.44万元``,
   ``比上年度减少0.01万元``, ``与2022年度相比…各减少11277.06万元``, ``与上年持平`` / ``与上年相同``) gives
   the previous year's figure of the same key: previous = current − increase, or + decrease, or the
   current figure when unchanged. The subject is the one named between the comparison and the change
   (``收入总计增加``), else the one named just before the comparison in the same clause
   (``公务接待费支出决算比2022年度减少``), else the last figure stated in the paragraph
   (``“三公”经费…支出决算3.18万元，…，比上年度减少0.01万元``). The current figure is the one the
   paragraph states for that key, else the report's own fact. A comparison with the budget
   (``与年初预算相比``), a year other than the previous one, a change explained inside a 原因 clause,
   ``基本持平`` and an unresolvable subject give nothing. :func:`extract_previous_year` returns these
   as narrative facts of ``year − 1`` (``raw_text`` is the sentence, from the current figure to the
   change); :func:`extract_narrative` never mixes them with the report's own year.

9. **The report's tables.** :func:`extract_document` passes the report's own table facts (of tables
   read reliably). Besides deciding chains (7), they let a figure be keyed to a second cell it
   restates: ``本年收入合计`` / ``本年支出合计`` in 收入/支出决算情况 is the 收入/支出决算表 total and the
   总表 line of that name. Without tables (a narrative-only report, or a caller that has none) every
   figure keeps the one key its section gives.

Values are exact ``Decimal`` 万元 (元 ÷ 10000, 亿元 × 10000); vehicle and equipment counts stay counts.
A key stated twice keeps its first figure; the second is reported in the notes.

This is 决算 prose. A 预算 report's prose (``read_narrative(..., report_kind="预算")``) is read by
:mod:`juesuan.extract.narrative_budget` into budget facts (docs/narrative.md, "Budget prose").
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from juesuan.contract import (
    BASIC,
    EQUIPMENT_COLUMN,
    EXPENDITURE,
    EXPENDITURE_GRAND_TOTAL,
    FINAL,
    FISCAL_TOTALS,
    GENERAL_BUDGET,
    GOV_FUND,
    INCOME,
    INCOME_GRAND_TOTAL,
    INITIAL_BUDGET_COLUMN,
    OPERATING_COST,
    PERSONNEL_TOTAL,
    PROJECT,
    PUBLIC_USE_TOTAL,
    RELATED_INFO,
    STATE_CAPITAL,
    THREE_PUBLIC,
    TOTAL_ROW,
    TOTALS,
    VEHICLE_COLUMN,
    Fact,
)
from juesuan.contract import BUDGET as BUDGET_KIND
from juesuan.extract.base import DocumentContext, StrategyResult
from juesuan.extract.evidence import (
    ABOUT,
    COMPARISON,
    COMPLETION,
    EQUAL,
    GREATER,
    GROWTH,
    LESS,
    NARRATIVE_SOURCE,
    SHARE,
    TABLE_SOURCE,
    UNITLESS_AMOUNT,
    YUAN_AMOUNT,
    DocumentMark,
    Operand,
    Statement,
)
from juesuan.extract.text import normalise
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

__all__ = [
    "EXTRACTOR",
    "NarrativeReading",
    "extract_narrative",
    "extract_narrative_and_previous_year",
    "extract_previous_year",
    "read_narrative",
]

EXTRACTOR = "narrative-regex"
SOURCE_KIND = "narrative"

# --- sections -------------------------------------------------------------------------------------
OVERALL = "overall"  # 收入支出决算总体情况
INCOME_SECTION = "income"  # 收入决算情况
EXPENDITURE_SECTION = "expenditure"  # 支出决算情况
FISCAL = "fiscal"  # 财政拨款收支总体情况
GENERAL = "general"  # 一般公共预算财政拨款支出情况
BASIC_SECTION = "basic"  # …基本支出决算情况
PROJECT_SECTION = "project"  # …项目支出决算情况
THREE = "three-public"  # “三公”经费
GOV_FUND_SECTION = "gov-fund"
STATE_CAPITAL_SECTION = "state-capital"
OTHER = "other"  # 机关运行经费, 政府采购, 国有资产
SKIP = "skip"  # 绩效: project figures, not fiscal facts
NONE = "none"  # outside the narrative (概况, tables, unknown headings)

# First match wins: the specific subjects (三公, 基本支出 …) before the generic 收入/支出 words.
_SECTION_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), section)
    for pattern, section in (
        (r"绩效|名词解释|附件", SKIP),
        (r"(?:决算|明细|信息|统计)表$", NONE),
        (r"三公", THREE),
        (r"政府性基金", GOV_FUND_SECTION),
        (r"国有资本", STATE_CAPITAL_SECTION),
        (r"基本支出", BASIC_SECTION),
        (r"项目支出", PROJECT_SECTION),
        (r"机关运行|政府采购|国有资产|其他重要事项", OTHER),
        (r"一般公共预算", GENERAL),
        (r"财政拨款(?:收入支出|收支)", FISCAL),
        # 朝阳 reports 财政拨款 and 一般公共预算 spending in one "财政拨款支出决算情况说明" section.
        (r"财政拨款支出", GENERAL),
        (r"收入支出决算总体|收支决算总体", OVERALL),
        (r"收入决算", INCOME_SECTION),
        (r"支出决算", EXPENDITURE_SECTION),
    )
)

_PART_HEADING = re.compile(r"^第[一二三四五六七八九十\d]+部分")
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_SUB_HEADING = re.compile(r"^\([一二三四五六七八九十]+\)")
_LOCKED_PART = re.compile(r"名词解释|附件")
# A table title on its own line ends the prose before it, even without a part heading.
_TABLE_TITLE = re.compile(r"^[^，。；:：\d]{2,40}(?:决算|明细|信息|统计|自评)表$")
_LINE_DECORATION = re.compile(r"^[\s#*\-•]+|[\s*]+$")
_TABLE_ROW = re.compile(r"\S[ ]*\t[ \t]*\S")
_LIST_START = re.compile(
    r"^(?:[-*•]|\d+[.、](?!\d)|\(\d+\)|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+部分)"
)
_SENTENCE_END = ("。", "；", ";", ":", "：", "！", "!", "？", "?")
# A list item that names its subject and stops ("12、…(款)…(项)。") goes on with that subject's amounts.
_SUBJECT_END = re.compile(r"\((?:款|项)\)[。:：]?[ \t]*$")

# --- tokens ---------------------------------------------------------------------------------------
MONEY_UNITS = ("万元", "元", "亿元")
VEHICLES = "辆"
EQUIPMENT = "台(套)"
PERCENT = "%"
# A number split by a stray space is mended only when the first part has a decimal point, the
# joined fraction has at most two digits and a currency unit follows ("1958.1 3 万元", "0. 33 万元");
# "2024 年" and "0 辆" stay apart.
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9.])"
    r"(?:(?P<int>\d+)\.(?:(?P<f1>\d)[ \t]+(?P<f2>\d)|[ \t]+(?P<f3>\d{1,2}))(?![\d.])(?=[ \t]*(?:万元|亿元|元))"
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?))"
    r"(?:[ \t]*(?P<unit>万元|亿元|元|辆|台\(套\)|%|万(?=[(，,。；;、)]|$)))?"
)
_BARE_FOLLOW = re.compile(r"[ \t]*(?:[，,；;。]|$)")
_THRESHOLD_FOLLOW = re.compile(r"\s*(?:\(含\))?\s*以上")  # 单价100万元(含)以上: a threshold, not an amount
_BOUNDARY = re.compile(r"[，；;。:：\n]|,(?!\d{3}(?!\d))")
_SENTENCE_BOUNDARY = re.compile(r"[。；;\n]")
_COMPARISON = re.compile(r"与(?:上一?年|20\d\d年|年初预算相比)|[比较](?:上一?年|20\d\d年)|同比|上年决算相比")
_CHANGE = re.compile(r"增加|减少|增长|下降|降低|增减|压减|原因|相比|持平")

# --- previous-year figures -------------------------------------------------------------------------
# Exports put stray spaces inside these phrases ("比上 年决算相比"), hence the [ \t]* between characters.
_LAST_YEAR_TEXT = (
    r"(?:与|比|较)[ \t]*(?:上[ \t]*一?[ \t]*年|(?P<year>20\d\d)[ \t]*年)(?:[ \t]*度)?"
    r"(?:[ \t]*(?:决[ \t]*算|同[ \t]*期))?(?:[ \t]*(?:相[ \t]*比|比[ \t]*较))?|同[ \t]*比"
)
_LAST_YEAR = re.compile(_LAST_YEAR_TEXT)
_BUDGET_REFERENCE = re.compile(r"(?:与|比|较)[ \t]*(?:全[ \t]*年|年[ \t]*初)?[ \t]*预[ \t]*算")
_PERIOD = re.compile(r"[。!?]")  # a comparison carries over "；" to the next clause, not over "。"
# The change right before its amount: "增加2,509.44万元", "各减少 11277.06万元", "增加(减少)_0万元".
_DIRECTION = re.compile(r"(?P<word>增加|增长|减少|下降|降低)(?:了)?[ \t_]*(?P<either>\((?:增加|减少)\))?[ \t_]*$")
_INCREASE = ("增加", "增长")
# "与上年持平" / "与上年“三公”经费…决算相同"; "基本持平" (roughly equal) is not a figure.
_UNCHANGED = re.compile(rf"(?:{_LAST_YEAR_TEXT})(?:[，,][ \t]*)?(?P<between>[^，,；;。:：]*?)(?<!基本)(?:持平|相同)")
_SUBJECT_TRIM = re.compile(r"[ \t_、，,:：]*(?:各|均|分别|共)?[ \t_]*$")
# The qualifier between a subject and its amount. "预算" right after 一般公共 is part of a label.
_QUALIFIER = re.compile(
    r"(?P<kind>全年预算数?|年初预算数?|(?<!公共)预算数?|决算数?|决算支出)?[ \t_]*(?:均为|各为|为|是)?[ \t_]*$"
)
# "与年初预算 591.64万元相比": the 年初预算 of the subject stated just before, named inside a comparison.
_BUDGET_COMPARED_SUBJECT = re.compile(r"^[ \t_，,。]*与[ \t_]*$")
_BUDGET_COMPARED_TAIL = re.compile(r"[ \t]*相[ \t]*比")
_EMPTY_SUBJECT = re.compile(r"^[\s_、,，:：]*(?:支出|其中)?[\s_]*$")
_LEADING_NOISE = re.compile(r"^[\s、,，#*\-_]+")

# --- statements that relate figures (rates, comparison words; evidence for transform/claims.py) -----------
# The words right before a rate name what it is a rate of. "占X的" names the whole; "占"/"占比" alone
# leaves it to the list head ("…合计X万元，其中：…占Y%").
_SHARE_NAMED = re.compile(r"占[ \t]*(?P<whole>[^，,；;。:：%]{1,40}?)[ \t]*的[ \t_]*(?:比(?:例|重))?(?:为)?[ \t_]*$")
_SHARE_BARE = re.compile(r"占(?:比)?(?:为)?[ \t_]*$")
_COMPLETION_WORD = re.compile(
    r"(?:完成[ \t]*(?P<which>年初|全年)?[ \t]*预算(?:数)?(?:的)?|(?:预算)?执行率(?:为|是|达到?)?)[ \t_]*$"
)
_GROWTH_WORD = re.compile(
    r"(?P<word>增长|下降|降低|上升|增幅|降幅)(?P<other>\((?:增长|下降|降低)\))?(?:了|为|幅度为)?[ \t_]*$"
)
_RATE_UP = ("增长", "上升", "增幅")
# A rate printed without its % ("增长 13.95。"): a bare number right after a rate word.
_RATE_WORD_BEFORE = re.compile(r"(?:占(?:比)?|的|增长|下降|降低|增幅|降幅|执行率(?:为)?)[ \t_]*$")
# 决算数 against 预算数 in words.
_COMPARED = re.compile(
    r"决算(?:数)?[ \t]*(?:与|同|和|较|跟)?[ \t]*(?P<which1>年初|全年)?[ \t]*预算(?:数)?[ \t]*"
    r"(?P<word1>基本持平|持平|相同|相等|一致)"
    r"|决算(?:数)?[ \t]*(?P<word2>大于|小于|高于|低于|超过|超出|少于|等于|基本持平|持平)"
    r"[ \t]*(?P<which2>年初|全年)?[ \t]*预算(?:数)?"
)
_RELATION_OF = {
    "大于": GREATER,
    "高于": GREATER,
    "超过": GREATER,
    "超出": GREATER,
    "小于": LESS,
    "低于": LESS,
    "少于": LESS,
    "等于": EQUAL,
    "持平": EQUAL,
    "相同": EQUAL,
    "相等": EQUAL,
    "一致": EQUAL,
    "基本持平": ABOUT,
}
# An amount that heads a list: its parts' shares are of it ("收入合计X万元，其中：", "主要用于以下方面").
_HEAD_FOLLOW = re.compile(
    r"[ \t]*[，,:：。]?[ \t]*(?:其中|包括|主要用于|主要包括|具体包括|具体情况如下|按支出功能分类科目分)"
)
# "“三公”经费财政拨款支出决算中，因公出国(境)费…占0%": the sentence names the whole before 中.
_WHOLE_BEFORE = re.compile(r"^[ \t]*(?:\d{4}[ \t]*年度?)?[ \t]*(?P<name>[^，,；;。:：]{2,40}?)(?:决算)?中[，,]")
# The budget a change compares with ("与年初预算相比，…增加X万元"): the base is the budget, not last year.
_BUDGET_COMPARISON = re.compile(
    r"(?:与|比|较)[ \t]*(?:全[ \t]*年|年[ \t]*初)?[ \t]*预[ \t]*算(?:数)?(?:[ \t]*相[ \t]*比)?"
)
_LABEL_TAIL = re.compile(r"[ \t_]*(?:均为|各为|为|是)?[ \t_:：]*$")
_YEAR_WORDS = re.compile(r"^[ \t]*(?:\d{4}[ \t]*年度?)?[ \t]*")

# The row total of 一般公共预算财政拨款支出决算表 is its 小计; a reader may name that column 合计.
_ROW_TOTAL_COLUMNS = ("小计", "合计")
_ROUNDING = Decimal("0.005")  # a figure in 元 against the table's 万元 to two decimals

ACTUAL = "actual"
BUDGET = "budget"
INITIAL_BUDGET = "initial"

# --- subject names --------------------------------------------------------------------------------
_CJK = r"[\u4e00-\u9fff]"
_HAS_CJK = re.compile(_CJK)
# A name may hold 、 ("在乡复员、退伍军人生活补助") but never starts with it: "1、…(类)" is a list mark.
_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff、]*"
_NAMED_CHAIN = re.compile(rf"(?:(?P<c>{_NAME})\(类\)[ \t]*)?(?P<k>{_NAME})\(款\)(?:[ \t]*(?P<x>{_NAME})\(项\))?")
_CODED_CHAIN = re.compile(
    rf"(?P<cn>{_NAME})\((?P<cc>\d{{3}})\)[ \t]*(?P<kn>{_NAME})\((?P<kc>\d{{2}})\)"
    rf"(?:[ \t]*(?P<xn>{_NAME})\((?P<xc>\d{{2}})\))?"
)
_CLASS_MARK = re.compile(rf"(?P<c>{_NAME})\(类\)")
_NAME_TAIL = re.compile(rf"(?:{_CJK}|[()])+$")
# Exports put stray spaces inside names ("职业年金 缴费"); they are dropped before a name is matched.
_INNER_SPACE = re.compile(rf"(?<={_CJK}|[()])[ \t]+(?={_CJK}|[()])")
_NAME_LIST_MARK = re.compile(r"^\((?:[一二三四五六七八九十]+|\d+)\)")
_NAME_FILLER = re.compile(r"^(?:其中|主要包括|具体包括|包括|主要用于以下方面|主要用于|主要是|主要有)")


# --- what a figure becomes ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    table: str
    line_item: str
    column: str
    code: str | None = None


@dataclass(frozen=True)
class _Subject:
    """What a label names: its targets for an actual (决算), a budget (预算) and an initial budget (年初预算) figure."""

    label: str
    actual: tuple[_Target, ...]
    budget: tuple[_Target, ...] = ()
    initial: tuple[_Target, ...] = ()
    #: Another table's cell the actual figure restates (本年收入合计 in 收入决算情况 is the 总表 line too):
    #: keyed only when the report's tables are at hand, without a note when it repeats a stated figure.
    restated: tuple[_Target, ...] = ()

    def targets(self, kind: str) -> tuple[_Target, ...]:
        if kind == ACTUAL:
            return self.actual
        return self.initial if kind == INITIAL_BUDGET else self.budget


def _line(table: str, line_item: str, column: str) -> _Subject:
    return _Subject(line_item, (_Target(table, line_item, column),))


def _three_public(line_item: str) -> _Subject:
    # The 三公 table's 预算数 is the 年初预算 (its notes say so): both qualifiers name it.
    budget = (_Target(THREE_PUBLIC, line_item, "预算数"),)
    return _Subject(line_item, (_Target(THREE_PUBLIC, line_item, "决算数"),), budget, budget)


def _general_budget(name: str, line_item: str, code: str | None = None) -> _Subject:
    """A row of 一般公共预算财政拨款支出决算表: its 小计, and its 年初预算数 when the narrative states one."""
    return _Subject(
        name,
        (_Target(GENERAL_BUDGET, line_item, "小计", code),),
        initial=(_Target(GENERAL_BUDGET, line_item, INITIAL_BUDGET_COLUMN, code),),
    )


_Rules = tuple[tuple[re.Pattern[str], _Subject], ...]


def _rules(*pairs: tuple[str, _Subject]) -> _Rules:
    return tuple((re.compile(f"(?:{pattern})$"), subject) for pattern, subject in pairs)


def _first_rule(name: str, rules: _Rules) -> _Subject | None:
    for pattern, subject in rules:
        if pattern.search(name):
            return subject
    return None


_OVERALL_LINES = _rules(
    (r"本年收入(?:决算)?合计", _line(TOTALS, "本年收入合计", "金额")),
    (r"使用非财政拨款结余(?:\(含专用结余\)|和专用结余)?", _line(TOTALS, "使用非财政拨款结余", "金额")),
    (r"(?:年初|上年)结转和?结余", _line(TOTALS, "年初结转和结余", "金额")),
    (r"本年支出(?:决算)?合计", _line(TOTALS, "本年支出合计", "金额")),
    (r"结余分配", _line(TOTALS, "结余分配", "金额")),
    (r"年末结转和?结余", _line(TOTALS, "年末结转和结余", "金额")),
)
_FISCAL_INCOME = _rules(
    *(
        (name, _line(TOTALS, name, "金额"))
        for name in ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入")
    )
)
# "本年收入合计" is the 总表 line's own name and the 收入决算表 total's column: both cells (the 总表 one only
# when the report's tables are at hand, see _Subject.restated). "收入合计" names the 收入决算表 total only.
_INCOME_TOTAL = _rules(
    (
        r"本年收入(?:决算)?合计",
        _Subject(
            "本年收入合计",
            (_Target(INCOME, TOTAL_ROW, "本年收入合计"),),
            restated=(_Target(TOTALS, "本年收入合计", "金额"),),
        ),
    ),
    (r"收入(?:决算)?合计", _Subject("收入合计", (_Target(INCOME, TOTAL_ROW, "本年收入合计"),))),
)
_INCOME_SOURCES = _rules(
    (r"(?<!预算)财政拨款收入", _Subject("财政拨款收入", (_Target(INCOME, TOTAL_ROW, "财政拨款收入"),))),
    *(
        (name, _Subject(name, (_Target(INCOME, TOTAL_ROW, name),)))
        for name in ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
    ),
)
_EXPENDITURE_TOTAL = _rules(
    (
        r"本年支出(?:决算)?合计",
        _Subject(
            "本年支出合计",
            (_Target(EXPENDITURE, TOTAL_ROW, "本年支出合计"),),
            restated=(_Target(TOTALS, "本年支出合计", "金额"),),
        ),
    ),
    (r"支出(?:决算)?合计", _Subject("支出合计", (_Target(EXPENDITURE, TOTAL_ROW, "本年支出合计"),))),
)
_EXPENDITURE_KINDS = _rules(
    *(
        (name, _Subject(name, (_Target(EXPENDITURE, TOTAL_ROW, name),)))
        for name in ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
    )
)
_GENERAL_TOTALS = _rules(
    (r"一般公共预算(?:财政拨款)?(?:支出)?", _general_budget("一般公共预算财政拨款支出", TOTAL_ROW)),
    (
        r"(?<!预算)(?<!经费)财政拨款(?:安排的)?支出",
        _Subject("财政拨款支出", (_Target(FISCAL_TOTALS, "本年支出合计", "合计"),)),
    ),
)
_BASIC_TOTAL = _rules(
    (r"财政拨款基本支出", _Subject("财政拨款基本支出", (_Target(GENERAL_BUDGET, TOTAL_ROW, "基本支出"),)))
)
_PROJECT_TOTAL = _rules(
    (r"财政拨款项目支出", _Subject("财政拨款项目支出", (_Target(GENERAL_BUDGET, TOTAL_ROW, "项目支出"),)))
)
_PERSONNEL_PUBLIC = _rules(
    (r"人员经费(?:支出)?", _line(BASIC, PERSONNEL_TOTAL, "决算数")),
    (r"(?:日常)?公用经费(?:支出)?", _line(BASIC, PUBLIC_USE_TOTAL, "决算数")),
)
_FUND_AND_CAPITAL = _rules(
    (
        r"政府性基金预算(?:财政拨款)?支出",
        _Subject("政府性基金预算财政拨款支出", (_Target(GOV_FUND, TOTAL_ROW, "小计"),)),
    ),
    (
        r"国有资本经营预算(?:财政拨款)?支出",
        _Subject("国有资本经营预算财政拨款支出", (_Target(STATE_CAPITAL, TOTAL_ROW, "合计"),)),
    ),
)
# Order matters: 购置及运行 before 购置 and 运行; 国内/国(境)外 before the bare 公务接待.
# 外事接待 (foreign guests received at home, a part of 国内接待) has no canonical line: not matched.
_THREE_PUBLIC = _rules(
    (r'"三公"经费(?:财政拨款)?(?:支出)?', _three_public(TOTAL_ROW)),
    (r"因公出国\(境\)(?:经)?费(?:用)?(?:支出)?", _three_public("因公出国（境）费")),
    (r"公务用车购置及运行(?:维护)?费(?:支出)?", _three_public("公务用车购置及运行维护费")),
    (r"公务用车购置(?:费)?(?:支出)?", _three_public("公务用车购置费")),
    (r"公务用车运行(?:维护)?(?:费)?(?:支出)?", _three_public("公务用车运行维护费")),
    (
        r"国内(?:公务)?接待(?:费)?(?:支出)?(?:累计)?(?:[ \t、]*\d+[ \t]*(?:批次|人次|人)[ \t]*)*[ \t、]*",
        _three_public("国内公务接待费"),
    ),
    (r"国\(境\)外(?:公务)?接待(?:费)?(?:支出)?", _three_public("国（境）外公务接待费")),
    (r"(?<!外事)公务接待(?:费)?(?:支出)?", _three_public("公务接待费")),
)
_OPERATING_COST = _rules((r"机关运行经费(?:支出)?", _line(RELATED_INFO, OPERATING_COST, "统计数")))
# "政府采购金额(以合同签订为准)为X万元，其中：货物采购金额…、工程采购金额…、服务采购金额…" (Shanghai) beside
# the national wording. A bare "采购金额" (awarded to 中小企业 within reserved projects) and a reserved
# project budget ("预留政府采购项目预算金额") are no line of the table.
_PROCUREMENT = _rules(
    (
        r"政府采购(?:支出)?(?:总额|总金额|金额)(?:\(以合同(?:签订|金额)为准\))?",
        _line(RELATED_INFO, "政府采购支出合计", "统计数"),
    ),
    (r"政府采购货物(?:支出|金额)|货物采购(?:支出|金额)", _line(RELATED_INFO, "政府采购货物支出", "统计数")),
    (r"政府采购工程(?:支出|金额)|工程采购(?:支出|金额)", _line(RELATED_INFO, "政府采购工程支出", "统计数")),
    (r"政府采购服务(?:支出|金额)|服务采购(?:支出|金额)", _line(RELATED_INFO, "政府采购服务支出", "统计数")),
    (r"授予中小企业合同金额", _line(RELATED_INFO, "授予中小企业合同金额", "统计数")),
    (r"授予小微企业合同金额", _line(RELATED_INFO, "授予小微企业合同金额", "统计数")),
)
_VEHICLES = _rules(
    (r"共有车辆", _line(RELATED_INFO, "车辆数合计", VEHICLE_COLUMN)),
    (
        # Shanghai's reports say 部级领导干部用车 for the same first line of the vehicle list.
        r"副部\(省\)级及以上领导用车|副省级(?:及)?以上领导干部用车|部级领导干部用车",
        _line(RELATED_INFO, "副部（省）级及以上领导用车", VEHICLE_COLUMN),
    ),
    (r"主要负责人用车|主要领导干部用车", _line(RELATED_INFO, "主要负责人用车", VEHICLE_COLUMN)),
    *(
        (name, _line(RELATED_INFO, name, VEHICLE_COLUMN))
        for name in ("机要通信用车", "应急保障用车", "执法执勤用车", "特种专业技术用车", "其他用车")
    ),
    (r"离退休干部(?:服务)?用车", _line(RELATED_INFO, "离退休干部服务用车", VEHICLE_COLUMN)),
)
_EQUIPMENT = _rules(
    (
        r"单价[ \t]*100[ \t]*万元(?:\(含\))?以上的?设备(?:\(不含车辆\))?",
        _line(RELATED_INFO, "单价100万元（含）以上设备", EQUIPMENT_COLUMN),
    ),
)
# Swallows the amount of a subject that could not be resolved, so that it is not credited elsewhere.
_UNRESOLVED = _Subject("unresolved", ())


# --- text layout ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Paragraph:
    text: str
    offsets: list[int]  # position in the normalised text of each character
    section: str


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    number: Decimal
    unit: str | None  # None: a bare number, which takes the unit of the amount before it


@dataclass(frozen=True)
class _Pending:
    subject: _Subject
    start: int
    end: int


@dataclass(frozen=True)
class _Chain:
    start: int
    end: int
    parts: tuple[tuple[str | None, str | None], ...]  # (name, code fragment); a None name is the 类 in context
    raw: str


@dataclass(frozen=True)
class _ClassMark:
    end: int
    name: str


@dataclass(frozen=True)
class _Unchanged:
    """``与上年持平`` / ``与上年…相同``: last year's figure equals this year's."""

    start: int
    end: int
    between: str  # the subject named between the comparison and 持平, if any


@dataclass(frozen=True)
class _Stated:
    """A current-year actual figure stated in the paragraph being read."""

    targets: tuple[_Target, ...]
    value: Decimal
    start: int


@dataclass(frozen=True)
class _Change:
    """A change against last year read before an amount: its sign and where its subject may be named."""

    sign: int  # +1 增加, -1 减少, 0 either (增加(减少)_0万元: only a zero change is readable)
    amount: Decimal
    after: str  # text between the comparison and the change word ("收入总计" in "与上年相比，收入总计增加")
    before: str  # text of the clause before the comparison ("公务接待费支出决算" in "…决算比2022年度减少")
    start: int  # where the comparison sentence starts
    end: int


@dataclass(frozen=True)
class _Seen:
    """A money figure of the paragraphs read, kept for the statements that relate figures."""

    kind: str  # ACTUAL | BUDGET | INITIAL_BUDGET
    value: Decimal  # 万元
    places: int  # decimals printed, in ``unit``
    unit: str
    subject: _Subject | None
    label: str
    paragraph: _Paragraph
    number: int  # which paragraph of the section (the reader counts them)
    start: int
    end: int
    clause: int = 0  # where the words naming the figure start
    change: int | None = None  # a change (增加/减少 X): its sign (0 when the words leave it open)
    current: Decimal | None = None  # a change: the figure it is a change of
    current_target: _Target | None = None
    against: str = ""  # a change: last_year or budget


@dataclass(frozen=True)
class _Compared:
    """决算数 小于/大于/持平 预算数, as printed."""

    start: int
    end: int
    word: str
    which: str | None  # 年初 | 全年 | None (预算数 unqualified)


def _concatenate(segments: Sequence[tuple[int | None, str]]) -> tuple[str, list[int], list[int | None]]:
    """One source string plus the start offset and page of every segment."""
    parts: list[str] = []
    starts: list[int] = []
    pages: list[int | None] = []
    position = 0
    for page, text in segments:
        if parts and not parts[-1].endswith("\n"):
            parts.append("\n")  # a page break ends a line; paragraph joining mends a sentence cut by it
            position += 1
        starts.append(position)
        pages.append(page)
        parts.append(text)
        position += len(text)
    return "".join(parts), starts, pages


def _section_of(title: str) -> str | None:
    for pattern, section in _SECTION_RULES:
        if pattern.search(title):
            return section
    return None


def _has_amount(text: str) -> bool:
    return any(m["unit"] not in (None, PERCENT) for m in _TOKEN.finditer(text))


def _is_heading(cleaned: str) -> bool:
    if len(cleaned) > 40 or ":" in cleaned or "：" in cleaned or _has_amount(cleaned):
        return False
    return bool(_PART_HEADING.match(cleaned) or _TOP_HEADING.match(cleaned) or _SUB_HEADING.match(cleaned))


def _paragraphs(norm: str, keep_skipped: bool = False) -> Iterator[_Paragraph]:
    """Prose paragraphs of the readable sections, each with its section (``keep_skipped``: the 绩效
    sections' too, as ``SKIP``: they state rates, not facts)."""
    section = NONE
    locked = False  # inside 名词解释 / 附件 until the next part heading
    text = ""
    offsets: list[int] = []
    text_section = NONE

    def flush() -> Iterator[_Paragraph]:
        nonlocal text, offsets
        if text.strip() and text_section != NONE and (keep_skipped or text_section != SKIP):
            yield _Paragraph(text, offsets, text_section)
        text, offsets = "", []

    position = 0
    for raw_line in norm.split("\n"):
        line_start = position
        position += len(raw_line) + 1
        line = raw_line.rstrip("\r")
        cleaned = _LINE_DECORATION.sub("", line)
        if not cleaned:
            continue  # blank lines do not end a paragraph: exports put them inside sentences
        if _TABLE_ROW.search(line.strip()):
            yield from flush()
            continue
        if _TABLE_TITLE.match(cleaned):
            yield from flush()
            section = NONE
            continue
        if _is_heading(cleaned):
            yield from flush()
            if _PART_HEADING.match(cleaned):
                locked = bool(_LOCKED_PART.search(cleaned))
                section = NONE
            elif locked:
                continue
            elif _TOP_HEADING.match(cleaned):
                section = _section_of(cleaned) or NONE
            elif section != NONE:  # a sub-heading refines a narrative section, it does not open one
                section = _section_of(cleaned) or section
                # A sub-heading can name a 类 ("(二)社会保障和就业支出(类)") that the next chains omit.
                text, offsets, text_section = line, list(range(line_start, line_start + len(line))), section
                yield from flush()
            continue
        if locked or section == NONE or (section == SKIP and not keep_skipped):
            yield from flush()
            continue
        ended = text.rstrip().endswith(_SENTENCE_END) and not _SUBJECT_END.search(text)
        joinable = text and not ended and not _LIST_START.match(cleaned)
        if not joinable or text_section != section:
            yield from flush()
            text_section = section
        text += line
        offsets.extend(range(line_start, line_start + len(line)))
    yield from flush()


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text):
        unit = "万元" if m["unit"] == "万" else m["unit"]  # "0.39万(含…)": 万 alone before a bracket or a stop
        if m["int"] is not None:
            fraction = (m["f1"] or "") + (m["f2"] or "") + (m["f3"] or "")
            number = Decimal(f"{m['int']}.{fraction}")
        else:
            number = Decimal(m["num"].replace(",", ""))
        if unit is None and not _BARE_FOLLOW.match(text, m.end()):
            continue  # a year, a list number, a date: not an amount
        if unit in MONEY_UNITS and _THRESHOLD_FOLLOW.match(text, m.end()):
            continue
        tokens.append(_Token(m.start(), m.end(), number, unit))
    return tokens


def _to_wan(number: Decimal, unit: str) -> Decimal:
    if unit == "元":
        return number.scaleb(-4)  # exact: a shift of the decimal point, no division rounding
    if unit == "亿元":
        return number * 10000
    return number


def _item_name(subject: str) -> str:
    """The subject name at the end of a prefix, without list marks or 其中/主要包括."""
    found = _NAME_TAIL.search(subject.rstrip())
    name = found.group(0) if found else ""
    while True:
        shorter = _NAME_FILLER.sub("", _NAME_LIST_MARK.sub("", name))
        if shorter == name:
            return name
        name = shorter


def _chains(text: str) -> list[_Chain]:
    found: list[_Chain] = []
    for m in _CODED_CHAIN.finditer(text):
        parts: tuple[tuple[str | None, str | None], ...] = ((m["cn"], m["cc"]), (m["kn"], m["kc"]))
        if m["xn"]:
            parts += ((m["xn"], m["xc"]),)
        found.append(_Chain(m.start(), m.end(), parts, m.group(0)))
    for m in _NAMED_CHAIN.finditer(text):
        if any(c.start <= m.start() < c.end for c in found):
            continue
        parts = ((m["c"], None), (m["k"], None))
        if m["x"]:
            parts += ((m["x"], None),)
        found.append(_Chain(m.start(), m.end(), parts, m.group(0)))
    return found


# --- where a figure stands in the source -----------------------------------------------------------
class _SourceMap(Protocol):
    """What a reader knows of the text it reads: each normalised character's index in the source, and
    the source offset at which each page starts."""

    index: list[int]
    starts: list[int]
    pages: list[int | None]


def source_span(text: _SourceMap, offsets: Sequence[int], start: int, end: int) -> tuple[int, int, int | None]:
    """A paragraph's characters ``[start, end)`` (``offsets`` into the normalised text) as a span of the
    source, and the page that span starts on (None where the source has no pages)."""
    source_start = text.index[offsets[start]]
    source_end = text.index[offsets[end - 1]] + 1
    return source_start, source_end, text.pages[max(bisect.bisect_right(text.starts, source_start) - 1, 0)]


class _Keyed(Protocol):
    """The key a stated figure restates (the readers' frozen targets)."""

    @property
    def table(self) -> str: ...
    @property
    def line_item(self) -> str: ...
    @property
    def column(self) -> str: ...
    @property
    def code(self) -> str | None: ...


def stated_fact(
    context: DocumentContext,
    target: _Keyed,
    value: Decimal,
    year: int,
    source_start: int,
    source_end: int,
    page: int | None,
    *,
    source: str,
    report_kind: str = FINAL,
) -> Fact:
    """The narrative fact of a figure stated at ``source[source_start:source_end]``, keyed as ``target``."""
    return Fact(
        unit_id=context.unit_id,
        year=year,
        table_name=target.table,
        subject_code=target.code,
        line_item=target.line_item,
        column_name=target.column,
        value=value,
        source_kind=SOURCE_KIND,
        extractor=EXTRACTOR,
        document_sha256=context.document_sha256,
        page=page,
        raw_text=source[source_start:source_end],
        report_kind=report_kind,
    )


# --- the reader -----------------------------------------------------------------------------------
class _Reader:
    def __init__(
        self,
        source: str,
        index: list[int],
        starts: list[int],
        pages: list[int | None],
        context: DocumentContext,
        catalogue: Catalogue,
        table_facts: Sequence[Fact] = (),
        empty_tables: Sequence[str] = (),
    ) -> None:
        self.source = source
        self.index = index
        self.starts = starts
        self.pages = pages
        self.context = context
        self.catalogue = catalogue
        self.facts: dict[tuple[str, int, str, str, str, str, str], Fact] = {}
        self.notes: list[str] = []
        self.class_context: str | None = None  # functional 类 for chains that start at 款
        self.economic_parent: str | None = None  # economic 类 for items listed under it
        self.section = NONE
        # Last year's figures (facts of year - 1), and what the paragraph being read states for this year.
        self.previous: dict[tuple[str, int, str, str, str, str, str], Fact] = {}
        self.previous_notes: list[str] = []
        self.stated: dict[_Target, _Stated] = {}
        self.last_actual: _Stated | None = None
        # The report's own table figures, when the caller has them: they key the cells a figure restates
        # besides its own (_Subject.restated) and decide a chain the catalogue cannot resolve alone.
        self.has_tables = bool(table_facts)
        self.row_totals = _row_totals(table_facts)
        # Statements relating figures (rates, comparison words) and the prose's hygiene marks.
        self.statements: list[Statement] = []
        self.statement_notes: list[str] = []
        self.marks: list[DocumentMark] = []
        self.seen: list[_Seen] = []  # money figures of the section read so far
        self.list_head: _Seen | None = None
        self.paragraph_number = 0
        self.table_values = {
            (f.table_name, f.subject_key, f.column_name): f for f in table_facts if f.source_kind == "table"
        }
        self.empty_tables = frozenset(empty_tables)
        # (table, column) pairs the report's tables print: a blank cell of one is 0, an unprinted column unknown.
        self.printed_columns = frozenset((f.table_name, f.column_name) for f in table_facts if f.source_kind == "table")
        self.newlines = [i for i, ch in enumerate(source) if ch == "\n"]
        self.families: dict[str, tuple[Callable[[str], _Subject | None], ...]] = {
            OVERALL: (
                self._grand_totals,
                self._overall_lines,
                self._fiscal_income,
                self._income_sources,
                self._expenditure_kinds,
                self._fund_and_capital,
                self._economic_class,
            ),
            INCOME_SECTION: (self._fiscal_income, self._income_lines, self._fund_and_capital),
            EXPENDITURE_SECTION: (self._expenditure_lines, self._fund_and_capital),
            FISCAL: (self._grand_totals, self._fiscal_income, self._fund_and_capital),
            GENERAL: (self._general_totals, self._fund_and_capital, self._functional_class),
            BASIC_SECTION: (self._basic_total, self._personnel_public, self._economic_item),
            PROJECT_SECTION: (self._project_total, self._economic_item),
            THREE: (self._three_public,),
            GOV_FUND_SECTION: (self._fund_and_capital,),
            STATE_CAPITAL_SECTION: (self._fund_and_capital,),
            OTHER: (self._operating_cost, self._procurement, self._personnel_public, self._fund_and_capital),
        }

    # --- figure families (one per kind of figure) -----------------------------------------------
    def _grand_totals(self, name: str) -> _Subject | None:
        """收入总计 / 支出总计 / 收、支总计均为: the 总表 in 总体情况, the 财政拨款总表 when 财政拨款 says so."""
        m = re.search(
            r"(?P<fiscal>财政拨款)?(?:(?P<both>收、?支|收入、?支出|收支)|(?P<side>收入|支出))(?:决算)?总计$", name
        )
        if m is None:
            return None
        if self.section == FISCAL or m["fiscal"]:
            income, expenditure = (
                _Target(FISCAL_TOTALS, INCOME_GRAND_TOTAL, "金额"),
                _Target(FISCAL_TOTALS, EXPENDITURE_GRAND_TOTAL, "合计"),
            )
        elif self.section == OVERALL:
            income = _Target(TOTALS, INCOME_GRAND_TOTAL, "金额")
            expenditure = _Target(TOTALS, EXPENDITURE_GRAND_TOTAL, "金额")
        else:
            return None
        if m["both"]:
            return _Subject("收支总计", (income, expenditure))
        return _Subject(m.group(0), (income,) if m["side"] == "收入" else (expenditure,))

    def _overall_lines(self, name: str) -> _Subject | None:
        return _first_rule(name, _OVERALL_LINES)

    def _fiscal_income(self, name: str) -> _Subject | None:
        return _first_rule(name, _FISCAL_INCOME)

    def _income_sources(self, name: str) -> _Subject | None:
        return _first_rule(name, _INCOME_SOURCES)

    def _income_lines(self, name: str) -> _Subject | None:
        return _first_rule(name, _INCOME_TOTAL) or _first_rule(name, _INCOME_SOURCES)

    def _expenditure_kinds(self, name: str) -> _Subject | None:
        return _first_rule(name, _EXPENDITURE_KINDS)

    def _expenditure_lines(self, name: str) -> _Subject | None:
        return _first_rule(name, _EXPENDITURE_TOTAL) or _first_rule(name, _EXPENDITURE_KINDS)

    def _general_totals(self, name: str) -> _Subject | None:
        return _first_rule(name, _GENERAL_TOTALS)

    def _basic_total(self, name: str) -> _Subject | None:
        return _first_rule(name, _BASIC_TOTAL)

    def _project_total(self, name: str) -> _Subject | None:
        return _first_rule(name, _PROJECT_TOTAL)

    def _personnel_public(self, name: str) -> _Subject | None:
        return _first_rule(name, _PERSONNEL_PUBLIC)

    def _fund_and_capital(self, name: str) -> _Subject | None:
        return _first_rule(name, _FUND_AND_CAPITAL)

    def _three_public(self, name: str) -> _Subject | None:
        return _first_rule(name, _THREE_PUBLIC)

    def _operating_cost(self, name: str) -> _Subject | None:
        return _first_rule(name, _OPERATING_COST)

    def _procurement(self, name: str) -> _Subject | None:
        return _first_rule(name, _PROCUREMENT)

    def _functional_class(self, name: str) -> _Subject | None:
        """A 类 amount: ``科学技术支出4.47万元``, ``社会保障和就业支出(类)决算数为 1888.42 万元``."""
        subject = self._class_code(_item_name(name))
        if subject is None:
            return None
        self.class_context = subject
        found = self.catalogue.get(subject, FUNCTIONAL, self.context.year)
        assert found is not None
        return _general_budget(found.name, found.name, found.code)

    def _economic_class(self, name: str) -> _Subject | None:
        """朝阳's 基本支出 breakdown in 总体情况: economic 类 only (工资福利支出 …)."""
        item = _item_name(name)
        resolution = self.catalogue.resolve_economic(None, item, self.context.year) if item else None
        if resolution is None or resolution.code is None or len(resolution.code) != 3:
            return None
        found = self.catalogue.get(resolution.code, ECONOMIC, self.context.year)
        assert found is not None
        return _Subject(found.name, (_Target(BASIC, found.name, "决算数", found.code),))

    def _economic_item(self, name: str) -> _Subject | None:
        """An economic 类 or 款 in the 基本支出 / 项目支出 sections, within the 类 just read if ambiguous."""
        item = _item_name(name)
        if not item:
            return None
        year = self.context.year
        resolution = self.catalogue.resolve_economic(None, item, year)
        code = resolution.code
        if code is None and self.economic_parent is not None:
            candidates = self.catalogue.by_name(item, ECONOMIC, year=year) or self.catalogue.by_name(
                item, ECONOMIC, year=year, prefix=True
            )
            within = [c for c in candidates if self.economic_parent in (c.code, c.parent_code)]
            code = within[0].code if len(within) == 1 else None
        if code is None:
            self.notes.append(f"unresolved narrative economic item {item!r} ({self.section}): {resolution.reason}")
            return _UNRESOLVED
        found = self.catalogue.get(code, ECONOMIC, year)
        assert found is not None
        if found.level == "类":
            self.economic_parent = found.code
        table = PROJECT if self.section == PROJECT_SECTION else BASIC
        return _Subject(found.name, (_Target(table, found.name, "决算数", found.code),))

    def _counts(self, name: str, unit: str) -> _Subject | None:
        if self.section != OTHER:
            return None  # 三公 counts (团组, 批次, 保有量) are not facts
        return _first_rule(name, _VEHICLES if unit == VEHICLES else _EQUIPMENT)

    # --- functional names ------------------------------------------------------------------------
    def _class_code(self, name: str) -> str | None:
        if not name:
            return None
        found = self.catalogue.by_name(name, FUNCTIONAL, level="类", year=self.context.year)
        return found[0].code if len(found) == 1 else None

    def _chain_subject(self, chain: _Chain, stated_actual: Callable[[], Decimal | None]) -> _Subject:
        """The subject a chain names; ``stated_actual`` gives the 决算 amount the paragraph states for it.

        The catalogue resolves the chain. When it cannot: a 款 name that is no 款 of the 类 is passed over
        if the 类 has exactly one 项 of the stated name (the 类 and the 项 agree); else the report's
        一般公共预算财政拨款支出决算表, when at hand, decides — the one row of the stated level under the
        deepest part that resolves whose 小计 equals the stated amount (a 项 printed under an older or a wrong
        name). Either way a note says so; with neither, the chain is unresolved.
        """
        parts: list[tuple[str, str | None]] = []
        for name, fragment in chain.parts:
            if name is None:
                context = self.catalogue.get(self.class_context, FUNCTIONAL) if self.class_context else None
                if context is None:
                    self.notes.append(f"unresolved narrative subject {chain.raw!r}: no 类 in context")
                    return _UNRESOLVED
                name = context.name
            parts.append((name, fragment))
        year = self.context.year
        resolution = self.catalogue.resolve_chain(parts, year)
        code = resolution.code
        if code is None:
            code = self._item_of_class(parts, chain) or self._decide_by_table(parts, chain, stated_actual())
        if code is None:
            self.notes.append(f"unresolved narrative subject {chain.raw!r}: {resolution.reason}")
            return _UNRESOLVED
        self.class_context = code[:3]
        found = self.catalogue.get(code, FUNCTIONAL, year)
        name = found.name if found is not None else self.row_totals[code][1]
        return _general_budget(name, name, code)

    def _item_of_class(self, parts: list[tuple[str, str | None]], chain: _Chain) -> str | None:
        """类(款)项 whose 款 is no 款 of the 类, but whose 项 is the only one of its name in the 类."""
        year = self.context.year
        if len(parts) != 3 or self.catalogue.resolve_chain(parts[:2], year).resolved:
            return None  # the 款 is right: a wrong 项 name is for the table to decide
        klass = self.catalogue.resolve_chain(parts[:1], year).code
        if klass is None:
            return None
        named = self.catalogue.by_name(parts[2][0], FUNCTIONAL, level="项", year=year)
        items = [s for s in named if s.code.startswith(klass)]
        if len(items) != 1:
            return None
        item = items[0]
        self.notes.append(
            f"narrative subject {chain.raw!r}: 款 {parts[1][0]!r} is no 款 of {klass}; "
            f"the 项 is its only {item.name!r}, {item.code}"
        )
        return item.code

    def _decide_by_table(self, parts: list[tuple[str, str | None]], chain: _Chain, value: Decimal | None) -> str | None:
        """The one table row of the chain's level under its deepest resolved part whose 小计 is ``value``."""
        if not self.row_totals or value is None:
            return None
        year = self.context.year
        ancestor = None
        for depth in range(len(parts) - 1, 0, -1):
            ancestor = self.catalogue.resolve_chain(parts[:depth], year).code
            if ancestor is not None:
                break
        if ancestor is None:
            return None
        length = 1 + 2 * len(parts)  # the level the chain names: 款 5 digits, 项 7
        rows = [
            code
            for code, (total, _) in self.row_totals.items()
            if len(code) == length and code.startswith(ancestor) and abs(total - value) <= _ROUNDING
        ]
        if len(rows) != 1:
            return None
        code = rows[0]
        found = self.catalogue.get(code, FUNCTIONAL, year)
        name = found.name if found is not None else self.row_totals[code][1]
        self.notes.append(
            f"narrative subject {chain.raw!r} is not in the catalogue under {ancestor}: "
            f"decided by the table, whose only row there of {value} is {code} {name}"
        )
        return code

    def _actual_after(self, text: str, tokens: list[_Token], chain: _Chain, limit: int) -> Decimal | None:
        """The 决算 amount stated for ``chain``'s subject: the first actual after it, before ``limit``,
        that has no label of its own ("…(项)。年初预算为X万元，支出决算为Y万元" gives Y)."""
        previous_end = 0
        money_unit = "万元"
        for token in tokens:
            prefix_start = max(previous_end, _last_end(_BOUNDARY, text, token.start))
            previous_end = token.end
            if token.start >= limit:
                return None
            if token.unit not in (*MONEY_UNITS, None):
                continue
            unit = token.unit or money_unit
            if token.unit is not None:
                money_unit = token.unit
            if token.start < chain.end:
                continue
            if token.unit is not None and self._change(text, token, prefix_start) is not None:
                continue
            statement = _statement(text, token, prefix_start)
            if statement is None or statement[0] != ACTUAL:
                continue
            subject_text = statement[1]
            empty = _EMPTY_SUBJECT.match(subject_text) is not None and token.unit is not None
            own = empty or prefix_start + len(subject_text) == chain.end
            return _to_wan(token.number, unit) if own else None
        return None

    # --- one paragraph ------------------------------------------------------------------------------
    def read(self, paragraph: _Paragraph) -> None:
        if paragraph.section != self.section:
            self.section = paragraph.section
            self.class_context = None
            self.economic_parent = None
            self.seen = []
            self.list_head = None
        self.paragraph_number += 1
        text = paragraph.text
        self.stated = {}
        self.last_actual = None
        facts_here = self.section != SKIP  # 绩效 prose: its rates are read, its figures are no facts
        tokens = _tokens(text)
        events: list[tuple[int, int, _Token | _Chain | _ClassMark | _Unchanged | _Compared]] = [
            (t.start, 2, t) for t in tokens
        ]
        chains = sorted(_chains(text), key=lambda c: c.start) if self.section == GENERAL else []
        limits = {c: following.start for c, following in itertools.pairwise(chains)}
        if self.section == GENERAL:
            events += [(c.end, 1, c) for c in chains]
            events += [(m.end(), 0, _ClassMark(m.end(), m["c"])) for m in _CLASS_MARK.finditer(text)]
        if facts_here:
            events += [(u.start, 3, u) for u in self._unchanged(text)]
        for m in _COMPARED.finditer(text):
            word = m["word1"] or m["word2"]
            events.append((m.start(), 4, _Compared(m.start(), m.end(), word, m["which1"] or m["which2"])))
        events.sort(key=lambda e: (e[0], e[1]))

        pending: _Pending | None = None
        previous_end = 0
        money_unit = "万元"
        for _, _, item in events:
            if isinstance(item, _ClassMark):
                code = self._class_code(item.name)
                self.class_context = code or self.class_context
                continue
            if isinstance(item, _Chain):
                amount = functools.partial(self._actual_after, text, tokens, item, limits.get(item, len(text)))
                pending = _Pending(self._chain_subject(item, amount), item.start, item.end)
                continue
            if isinstance(item, _Unchanged):
                self._previous_unchanged(item, paragraph)
                continue
            if isinstance(item, _Compared):
                self._comparison(item, paragraph)
                continue
            token = item
            prefix_start = max(previous_end, _last_end(_BOUNDARY, text, token.start))
            previous_end = token.end
            unit = token.unit or money_unit
            if token.unit in MONEY_UNITS:
                money_unit = token.unit
            if token.unit == PERCENT:
                self._rate(token, prefix_start, paragraph)
                continue
            if token.unit is None and _RATE_WORD_BEFORE.search(text, prefix_start, token.start):
                self._rate(token, prefix_start, paragraph)  # a rate printed without its %
                continue
            if token.unit in MONEY_UNITS or token.unit is None:
                self._prose_hygiene(token, prefix_start, paragraph)
            change = self._change(text, token, prefix_start) if token.unit in MONEY_UNITS else None
            if change is not None:  # last year's figure, never this year's
                change_amount = _to_wan(change.amount, token.unit or money_unit)
                current = self._previous_from_change(change, change_amount, paragraph, emit=facts_here)
                self._see_change(token, unit, change.sign, current, "last_year", paragraph)
                continue
            budget_change = self._budget_change(text, token, prefix_start) if token.unit in MONEY_UNITS else None
            if budget_change is not None:
                sign, current = budget_change
                self._see_change(token, unit, sign, current, "budget", paragraph)
                continue
            statement = _statement(text, token, prefix_start)
            if statement is None:
                self._see(token, unit, _qualifier_kind(text, prefix_start, token), None, prefix_start, paragraph)
                continue
            kind, subject_text = statement
            empty = _EMPTY_SUBJECT.match(subject_text) is not None
            # A subject named earlier carries over to an unlabelled amount ("…(项)。年初预算 X, 支出决算 Y"),
            # or to the amount right after it ("…(项)26.50 万元"); a bare number needs a label of its own.
            if pending is not None and (
                (empty and token.unit is not None) or (not empty and pending.end == prefix_start + len(subject_text))
            ):
                subject, start = pending.subject, pending.start
            else:
                found = self._classify(subject_text, token)
                if found is None:
                    self._see(token, unit, kind, None, prefix_start, paragraph)
                    continue
                noise = _LEADING_NOISE.match(subject_text)
                subject, start = found, prefix_start + (noise.end() if noise else 0)
            pending = _Pending(subject, start, token.end)
            value = token.number if unit in (VEHICLES, EQUIPMENT) else _to_wan(token.number, unit)
            if unit not in (VEHICLES, EQUIPMENT):
                self._see(token, unit, kind, subject, prefix_start, paragraph)
            if not facts_here:
                continue
            for target in subject.targets(kind):
                self._emit(target, value, paragraph, start, token.end)
            if kind == ACTUAL and self.has_tables:
                for target in subject.restated:
                    self._emit(target, value, paragraph, start, token.end, restated=True)
            if kind == ACTUAL and subject.actual and unit not in (VEHICLES, EQUIPMENT):
                stated = _Stated(subject.actual, value, start)
                self.last_actual = stated
                self.stated.update(dict.fromkeys(subject.actual, stated))

    # --- statements relating figures ---------------------------------------------------------------------
    def _see(
        self, token: _Token, unit: str, kind: str, subject: _Subject | None, prefix_start: int, paragraph: _Paragraph
    ) -> _Seen | None:
        """Keep a money figure for the rates and comparison words that may follow it."""
        if unit not in MONEY_UNITS:
            return None
        text = paragraph.text
        label = _LABEL_TAIL.sub("", _INNER_SPACE.sub("", text[prefix_start : token.start]).strip(" \t_，,、：:"))
        seen = _Seen(
            kind=kind,
            value=_to_wan(token.number, unit),
            places=_places(token.number),
            unit=unit,
            subject=subject,
            label=label or (subject.label if subject else ""),
            paragraph=paragraph,
            number=self.paragraph_number,
            start=token.start,
            end=token.end,
            clause=prefix_start,
        )
        self.seen.append(seen)
        if _HEAD_FOLLOW.match(text, token.end) and kind == ACTUAL:
            self.list_head = seen
        return seen

    def _see_change(
        self,
        token: _Token,
        unit: str,
        sign: int,
        current: _Stated | None,
        against: str,
        paragraph: _Paragraph,
    ) -> None:
        if unit not in MONEY_UNITS:
            return
        self.seen.append(
            _Seen(
                kind=ACTUAL,
                value=_to_wan(token.number, unit),
                places=_places(token.number),
                unit=unit,
                subject=None,
                label="增减额",
                paragraph=paragraph,
                number=self.paragraph_number,
                start=token.start,
                end=token.end,
                clause=_last_end(_PERIOD, paragraph.text, token.start),
                change=sign,
                current=None if current is None else current.value,
                current_target=current.targets[0] if current is not None and current.targets else None,
                against=against,
            )
        )

    def _budget_change(self, text: str, token: _Token, prefix_start: int) -> tuple[int, _Stated | None] | None:
        """A change against the budget (与年初预算相比，…增加X万元): its sign and the figure it changes."""
        sentence_start = _last_end(_PERIOD, text, token.start)
        comparison = None
        for m in _BUDGET_COMPARISON.finditer(text, sentence_start, token.start):
            comparison = m
        if comparison is None or "原因" in text[comparison.end() : token.start]:
            return None
        direction = _DIRECTION.search(text, prefix_start, token.start)
        if direction is None:
            return None
        sign = 0 if direction["either"] else (1 if direction["word"] in _INCREASE else -1)
        if comparison.start() >= prefix_start:
            after = text[comparison.end() : direction.start()]
            before = text[_last_end(_BOUNDARY, text, comparison.start()) : comparison.start()]
        else:
            after, before = text[prefix_start : direction.start()], ""
        notes = len(self.previous_notes)
        found = self._previous_subject(after, before, sentence_start)
        del self.previous_notes[notes:]
        return sign, (found[0][1] if found else None)

    def _rate(self, token: _Token, prefix_start: int, paragraph: _Paragraph) -> None:
        """A rate the prose states: what it is a rate of, and the figures it relates."""
        text = paragraph.text
        before = text[prefix_start : token.start]
        rate_unit = PERCENT if token.unit == PERCENT else ""
        if not rate_unit:
            self._mark(UNITLESS_AMOUNT, token.start, token.end, paragraph, expected="%")
        if (m := _GROWTH_WORD.search(before)) is not None:
            self._growth(m, token, rate_unit, paragraph)
        elif (m := _COMPLETION_WORD.search(before)) is not None:
            self._completion(m, token, prefix_start, rate_unit, paragraph)
        elif (m := _SHARE_NAMED.search(before)) is not None or (m := _SHARE_BARE.search(before)) is not None:
            self._share(m, token, prefix_start, rate_unit, paragraph)

    def _growth(self, m: re.Match[str], token: _Token, rate_unit: str, paragraph: _Paragraph) -> None:
        sentence_start = _last_end(_PERIOD, paragraph.text, token.start)
        changes = [
            seen
            for seen in self.seen
            if seen.paragraph is paragraph and seen.change is not None and sentence_start <= seen.start < token.start
        ]
        if not changes:
            self.statement_notes.append(f"rate {token.number}% after {m['word']!r} names no change amount: not checked")
            return
        change = changes[-1]
        if any(
            seen.paragraph is paragraph and change.end <= seen.start < token.start and seen.change is None
            for seen in self.seen
        ):
            return  # another figure stands between: the rate is not of this change
        rate_sign = 0 if m["other"] else (1 if m["word"] in _RATE_UP else -1)
        current = None
        target = change.current_target
        if change.current is not None:
            if target is not None:
                current = _target_operand(target, target.line_item, change.current, NARRATIVE_SOURCE)
            else:
                current = Operand("本年数", change.current, _places(change.current), "万元", NARRATIVE_SOURCE)
        self._add(
            GROWTH,
            m.group(0).strip(" \t_"),
            _operand(change, "增减额"),
            current,
            paragraph,
            change.clause,
            token,
            rate_unit,
            sign=change.change or 0,
            rate_sign=rate_sign,
            against=change.against,
            missing="" if current is not None else "this year's figure the change is of is not stated",
            subject=target.line_item if target else "",
            target=target,
        )

    def _completion(
        self, m: re.Match[str], token: _Token, prefix_start: int, rate_unit: str, paragraph: _Paragraph
    ) -> None:
        text = paragraph.text
        named = _YEAR_WORDS.sub("", _INNER_SPACE.sub("", text[prefix_start : prefix_start + m.start()]))
        named = named.strip(" \t_，,、：:")
        which = m["which"]
        wanted = (INITIAL_BUDGET,) if which == "年初" else (BUDGET,) if which == "全年" else (INITIAL_BUDGET, BUDGET)
        actual: Operand | None = None
        subject: _Subject | None = None
        start = token.start
        if named and _HAS_CJK.search(named):
            # "2024年度财政拨款支出完成年初预算的98.32%": the subject is named right before the rate.
            subject = self._resolve_named(named)
            if subject is None or not subject.actual:
                self.statement_notes.append(f"rate {token.number}% of {named!r}: subject not resolved, not checked")
                return
            actual = self._value_operand(subject.actual, named)
            if actual is None:
                return
        else:
            candidates = [
                seen
                for seen in self.seen
                if seen.paragraph is paragraph
                and seen.kind == ACTUAL
                and seen.change is None
                and seen.end <= token.start
            ]
            if not candidates:
                return
            chosen = candidates[-1]
            subject, start = chosen.subject, chosen.clause
            actual = _operand(chosen, chosen.label or "决算数")
        budgets = self._budgets(subject, wanted, paragraph, token.start)
        budget = budgets[0] if budgets else None
        if budget is None and subject is not None:
            budget = self._value_operand(
                tuple(t for kind in wanted for t in subject.targets(kind)),
                "预算数" if which is None else f"{which}预算",
            )
        label = {"年初": "年初预算", "全年": "全年预算"}.get(which or "", "预算")
        self._add(
            COMPLETION,
            m.group(0).strip(" \t_"),
            actual,
            budget,
            paragraph,
            start,
            token,
            rate_unit,
            missing="" if budget is not None else f"{label} not stated",
            subject=subject.label if subject else actual.label,
            target=subject.actual[0] if subject and subject.actual else None,
        )

    def _budgets(
        self, subject: _Subject | None, wanted: tuple[str, ...], paragraph: _Paragraph, before: int
    ) -> list[Operand]:
        """The budgets stated for ``subject`` before ``before``, nearest first (a figure without a subject
        only in the same paragraph)."""
        found = []
        for seen in reversed(self.seen):
            if seen.change is not None or seen.kind not in wanted:
                continue
            if seen.paragraph is paragraph and seen.end > before:
                continue
            if seen.subject != subject or (subject is None and seen.paragraph is not paragraph):
                continue
            found.append(_operand(seen, seen.label or "预算数"))
        return found

    def _share(self, m: re.Match[str], token: _Token, prefix_start: int, rate_unit: str, paragraph: _Paragraph) -> None:
        text = paragraph.text
        if _HAS_CJK.search(_YEAR_WORDS.sub("", text[prefix_start : prefix_start + m.start()])):
            return  # the part is named in the rate's own clause without its amount: nothing to check it on
        sentence_start = _last_end(_SENTENCE_BOUNDARY, text, token.start)
        parts = [
            seen
            for seen in self.seen
            if seen.paragraph is paragraph and seen.change is None and sentence_start <= seen.start < token.start
        ]
        if not parts:
            return
        part = parts[-1]
        whole: Operand | None = None
        named = m.groupdict().get("whole")
        if named:
            name = _INNER_SPACE.sub("", named).strip(" \t_")
            subject = self._resolve_named(name)
            if subject is None or not subject.actual:
                self.statement_notes.append(
                    f"share {token.number}% of {name!r}: the whole is not resolved, not checked"
                )
                return
            whole = self._value_operand(subject.actual, name)
        else:
            before = _WHOLE_BEFORE.match(text, _last_end(_PERIOD, text, token.start))
            if before is not None and before.end() <= part.start:
                subject = self._resolve_named(_INNER_SPACE.sub("", before["name"]))
                if subject is not None and subject.actual:
                    whole = self._value_operand(subject.actual, before["name"])
            elif self.list_head is not None and self.list_head is not part:
                whole = _operand(self.list_head, self.list_head.label or "合计")
        if whole is None:
            self.statement_notes.append(f"share {token.number}%: the whole is not stated, not checked")
            return
        self._add(
            SHARE,
            m.group(0).strip(" \t_"),
            _operand(part, part.label),
            whole,
            paragraph,
            part.clause,
            token,
            rate_unit,
            subject=part.subject.label if part.subject else part.label,
            target=part.subject.actual[0] if part.subject and part.subject.actual else None,
        )

    def _comparison(self, compared: _Compared, paragraph: _Paragraph) -> None:
        """决算数 小于 预算数: the 决算 and the budget(s) stated just before, for the same subject."""
        candidates = [
            seen
            for seen in self.seen
            if seen.kind == ACTUAL
            and seen.change is None
            and (seen.paragraph is not paragraph or seen.end <= compared.start)
            and (seen.paragraph is paragraph or seen.number == self.paragraph_number - 1)
        ]
        if not candidates:
            return
        actual = candidates[-1]
        which = compared.which
        wanted = (INITIAL_BUDGET,) if which == "年初" else (BUDGET,) if which == "全年" else (INITIAL_BUDGET, BUDGET)
        budgets = [
            _operand(seen, seen.label or "预算数")
            for seen in reversed(self.seen)
            if seen.kind in wanted
            and seen.change is None
            and (seen.paragraph is not paragraph or seen.end <= compared.start)
            and seen.subject == actual.subject
            and (seen.paragraph is actual.paragraph or actual.subject is not None)
        ]
        if not budgets and actual.subject is not None:
            found = self._value_operand(
                tuple(t for kind in wanted for t in actual.subject.targets(kind)), f"{which or ''}预算数"
            )
            budgets = [found] if found is not None else []
        word = compared.word
        self._add(
            COMPARISON,
            paragraph.text[compared.start : compared.end],
            _operand(actual, actual.label or "决算数"),
            budgets[0] if budgets else None,
            paragraph,
            actual.clause if actual.paragraph is paragraph else compared.start,
            compared,
            "",
            relation=_RELATION_OF[word],
            alternative=next((b for b in budgets[1:] if b.value != budgets[0].value), None) if which is None else None,
            missing="" if budgets else f"{which or ''}预算数 not stated",
            subject=actual.subject.label if actual.subject else actual.label,
            target=actual.subject.actual[0] if actual.subject and actual.subject.actual else None,
        )

    def _resolve_named(self, name: str) -> _Subject | None:
        """What a name means in this section, else in any narrative section (占收入总计的 …)."""
        saved = self.section
        try:
            for section in dict.fromkeys(
                (saved, OVERALL, INCOME_SECTION, EXPENDITURE_SECTION, FISCAL, GENERAL, THREE, OTHER)
            ):
                self.section = section
                subject = self._classify_quietly(name)
                if subject is not None and subject.actual:
                    return subject
            return None
        finally:
            self.section = saved

    def _value_operand(self, targets: Sequence[_Target], label: str) -> Operand | None:
        """The figure the report states for one of ``targets``: in this paragraph, in the prose before,
        in its tables (a blank cell of a table printed empty is 0)."""
        for target in targets:
            stated = self.stated.get(target)
            if stated is not None:
                return _target_operand(target, label, stated.value, NARRATIVE_SOURCE)
            # Fact.key: (unit_id, year, report_kind, table, subject_key, column, source_kind); 决算 prose.
            unit_year = (self.context.unit_id, self.context.year, FINAL)
            fact = self.facts.get(
                (*unit_year, target.table, target.code or target.line_item, target.column, SOURCE_KIND)
            )
            if fact is not None:
                return _target_operand(target, label, fact.value, NARRATIVE_SOURCE, fact.page)
        for target in targets:
            table_fact = self.table_values.get((target.table, target.code or target.line_item, target.column))
            if table_fact is not None:
                return _target_operand(target, label, table_fact.value, TABLE_SOURCE, table_fact.page, places=2)
            if target.table in self.empty_tables or (target.table, target.column) in self.printed_columns:
                return _target_operand(target, f"{label} (表中空白)", Decimal(0), TABLE_SOURCE, places=2)
        return None

    def _add(
        self,
        kind: str,
        word: str,
        left: Operand | None,
        right: Operand | None,
        paragraph: _Paragraph,
        start: int,
        end_at: _Token | _Compared,
        rate_unit: str,
        *,
        target: _Target | None = None,
        **options: object,
    ) -> None:
        for operand in (left, right, options.get("alternative")):
            if isinstance(operand, Operand) and operand.value != operand.value.quantize(Decimal("0.000001")):
                where = paragraph.text[start : end_at.end]
                self.statement_notes.append(f"statement {where!r}: a figure finer than 0.000001 万元, not checked")
                return
        source_start, source_end, page = source_span(self, paragraph.offsets, start, end_at.end)
        line = None if page is not None else bisect.bisect_right(self.newlines, source_start - 1) + 1
        rate = end_at.number if isinstance(end_at, _Token) and kind != COMPARISON else None
        self.statements.append(
            Statement(
                number=len(self.statements) + 1,
                kind=kind,
                word=word,
                left=left,
                right=right,
                rate=rate,
                rate_places=_places(rate) if rate is not None else 0,
                rate_unit=rate_unit,
                table_name=target.table if target else "",
                subject_key=(target.code or target.line_item) if target else "",
                column_name=target.column if target else "",
                page=page,
                line=line,
                raw_text=self.source[source_start:source_end],
                **options,
            )
        )

    # --- the prose's hygiene ------------------------------------------------------------------------------
    def _prose_hygiene(self, token: _Token, prefix_start: int, paragraph: _Paragraph) -> None:
        """An amount in 元 inside 万元 prose, or one printed without any unit (晋城: "卫生健康支出165141.73，")."""
        if self.section == SKIP:
            return
        text = paragraph.text
        if token.unit == "元":
            self._mark(YUAN_AMOUNT, token.start, token.end, paragraph, expected="万元")
        elif token.unit is None and _HAS_CJK.search(text[prefix_start : token.start].rstrip(" \t")[-1:]):
            self._mark(UNITLESS_AMOUNT, token.start, token.end, paragraph, expected="万元")

    def _mark(self, kind: str, start: int, end: int, paragraph: _Paragraph, expected: str = "") -> None:
        source_start, source_end, page = source_span(self, paragraph.offsets, start, end)
        line = None if page is not None else bisect.bisect_right(self.newlines, source_start - 1) + 1
        context_start = self.index[paragraph.offsets[max(0, start - 15)]]
        context_end = self.index[paragraph.offsets[min(len(paragraph.offsets) - 1, end + 5)]] + 1
        self.marks.append(
            DocumentMark(
                kind=kind,
                text=self.source[source_start:source_end],
                expected=expected,
                context=self.source[context_start:context_end].replace("\n", ""),
                page=page,
                line=line,
            )
        )

    # --- last year's figures ----------------------------------------------------------------------------
    def _unchanged(self, text: str) -> list[_Unchanged]:
        found = []
        for m in _UNCHANGED.finditer(text):
            if self._is_last_year(m["year"]):
                found.append(_Unchanged(m.start(), m.end(), m["between"]))
        return found

    def _is_last_year(self, year: str | None) -> bool:
        return year is None or int(year) == self.context.year - 1

    def _change(self, text: str, token: _Token, prefix_start: int) -> _Change | None:
        """The change against last year that ``token`` is the amount of, if it is one."""
        sentence_start = _last_end(_PERIOD, text, token.start)
        comparison = None
        for m in _LAST_YEAR.finditer(text, sentence_start, token.start):
            comparison = m
        if comparison is None or not self._is_last_year(comparison["year"]):
            return None
        between = text[comparison.end() : token.start]
        if "原因" in between or _BUDGET_REFERENCE.search(between):
            return None  # an amount inside the explanation, or a comparison with the budget after it
        direction = _DIRECTION.search(text, prefix_start, token.start)
        if direction is None:
            return None
        if direction["either"]:
            sign = 0
        else:
            sign = 1 if direction["word"] in _INCREASE else -1
        if comparison.start() >= prefix_start:
            after = text[comparison.end() : direction.start()]
            before = text[_last_end(_BOUNDARY, text, comparison.start()) : comparison.start()]
        else:
            after, before = text[prefix_start : direction.start()], ""
        return _Change(sign, token.number, after, before, sentence_start, token.end)

    def _previous_from_change(
        self, change: _Change, amount: Decimal, paragraph: _Paragraph, emit: bool = True
    ) -> _Stated | None:
        """Emit last year's figures a change implies; return this year's figure it is a change of."""
        if change.sign == 0 and amount != 0:
            if emit:
                self.previous_notes.append(f"change of unknown direction {amount} against last year: no figure")
            return None
        notes = len(self.previous_notes)
        found = self._previous_subject(change.after, change.before, change.start)
        if not emit:
            del self.previous_notes[notes:]
            return found[0][1] if found else None
        for target, current in found:
            previous = current.value - change.sign * amount
            self._emit_previous(target, previous, paragraph, min(current.start, change.start), change.end)
        return found[0][1] if found else None

    def _previous_unchanged(self, unchanged: _Unchanged, paragraph: _Paragraph) -> None:
        text = paragraph.text
        before = text[_last_end(_BOUNDARY, text, unchanged.start) : unchanged.start]
        sentence_start = _last_end(_PERIOD, text, unchanged.start)
        for target, current in self._previous_subject(unchanged.between, before, sentence_start):
            self._emit_previous(target, current.value, paragraph, min(current.start, sentence_start), unchanged.end)

    def _previous_subject(self, after: str, before: str, sentence_start: int) -> list[tuple[_Target, _Stated]]:
        """The keys a change names, each with this year's figure it is a change of."""
        for text in (after, before):
            name = _subject_name(text)
            if not name:
                continue
            subject = self._classify_quietly(name)
            if subject is None or not subject.actual:
                self.previous_notes.append(f"unresolved subject {name!r} of a change against last year: no figure")
                return []
            found = []
            for target in subject.actual:
                current = self.stated.get(target) or self._own_fact(target, sentence_start)
                if current is None:
                    self.previous_notes.append(
                        f"no figure of this year for {target.table}/{target.code or target.line_item}/"
                        f"{target.column}: last year's cannot be derived"
                    )
                    continue
                found.append((target, current))
            return found
        if self.last_actual is None:
            self.previous_notes.append("a change against last year without a subject: no figure")
            return []
        return [(target, self.last_actual) for target in self.last_actual.targets]

    def _own_fact(self, target: _Target, sentence_start: int) -> _Stated | None:
        """This year's fact of ``target`` read earlier in the report (no span in this paragraph)."""
        unit_year = (self.context.unit_id, self.context.year, FINAL)  # the Fact.key of 决算 prose's figures
        fact = self.facts.get((*unit_year, target.table, target.code or target.line_item, target.column, SOURCE_KIND))
        return _Stated((target,), fact.value, sentence_start) if fact is not None else None

    def _classify_quietly(self, name: str) -> _Subject | None:
        """Classify a subject named in a change without touching the context of this year's figures."""
        saved = (self.class_context, self.economic_parent, len(self.notes))
        try:
            for family in self.families.get(self.section, ()):
                subject = family(name)
                if subject is not None:
                    return subject
            return None
        finally:
            self.class_context, self.economic_parent = saved[0], saved[1]
            del self.notes[saved[2] :]

    def _emit_previous(self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int) -> None:
        where = f"{target.table}/{target.code or target.line_item}/{target.column}"
        if value < 0:
            self.previous_notes.append(f"last year's {where} would be negative ({value}): no figure")
            return
        fact = self._fact(target, value, paragraph, start, end, year=self.context.year - 1)
        kept = self.previous.get(fact.key)
        if kept is not None:
            if kept.value != fact.value:
                self.previous_notes.append(f"last year's {where}: kept {kept.value}, also derived {fact.value}")
            return
        self.previous[fact.key] = fact

    def _classify(self, subject_text: str, token: _Token) -> _Subject | None:
        subject_text = _INNER_SPACE.sub("", subject_text)
        if token.unit in (VEHICLES, EQUIPMENT):
            return self._counts(subject_text, token.unit)
        for family in self.families.get(self.section, ()):
            subject = family(subject_text)
            if subject is not None:
                return subject
        return None

    def _fact(self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int, year: int) -> Fact:
        return stated_fact(
            self.context, target, value, year, *source_span(self, paragraph.offsets, start, end), source=self.source
        )

    def _emit(
        self, target: _Target, value: Decimal, paragraph: _Paragraph, start: int, end: int, restated: bool = False
    ) -> None:
        fact = self._fact(target, value, paragraph, start, end, year=self.context.year)
        kept = self.facts.get(fact.key)
        if kept is not None and restated and kept.value == value:
            return  # the other table's line stated outright with the same figure
        if kept is not None:
            self.notes.append(
                f"duplicate narrative figure {target.table}/{fact.subject_key}/{target.column}: "
                f"kept {kept.value}, also stated {value}"
            )
            return
        self.facts[fact.key] = fact


def _places(value: Decimal) -> int:
    """Decimals of a number as printed (``2,509.44`` → 2, ``871`` → 0)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _operand(seen: _Seen, label: str) -> Operand:
    target = None
    if seen.subject is not None:
        targets = seen.subject.targets(seen.kind)
        target = targets[0] if targets else None
    return Operand(
        label=label,
        value=seen.value,
        places=seen.places,
        unit=seen.unit,
        source=NARRATIVE_SOURCE,
        table_name=target.table if target else "",
        key=(target.code or target.line_item) if target else "",
        column_name=target.column if target else "",
    )


def _target_operand(
    target: _Target, label: str, value: Decimal, source: str, page: int | None = None, places: int | None = None
) -> Operand:
    return Operand(
        label=label,
        value=value,
        places=_places(value) if places is None else places,
        unit="万元",
        source=source,
        table_name=target.table,
        key=target.code or target.line_item,
        column_name=target.column,
        page=page,
    )


def _qualifier_kind(text: str, prefix_start: int, token: _Token) -> str:
    """Whether an amount is a 决算, a 年初预算 or a budget by the words right before it."""
    qualifier = _QUALIFIER.search(text, prefix_start, token.start)
    return _kind(qualifier["kind"] if qualifier is not None else None)


def _statement(text: str, token: _Token, prefix_start: int) -> tuple[str, str] | None:
    """(kind, subject text) of the amount ``token`` states for this year, or None when it states none
    (inside a comparison, or a change)."""
    sentence = text[_last_end(_SENTENCE_BOUNDARY, text, token.start) : token.start]
    if _COMPARISON.search(sentence):
        return None
    prefix = text[prefix_start : token.start]
    qualifier = _QUALIFIER.search(prefix)
    assert qualifier is not None  # every part of the pattern is optional
    kind = _kind(qualifier["kind"])
    subject_text = prefix[: qualifier.start()].rstrip(" \t_")
    if (
        kind == INITIAL_BUDGET
        and _BUDGET_COMPARED_SUBJECT.match(subject_text)
        and _BUDGET_COMPARED_TAIL.match(text, token.end)
    ):
        subject_text = ""  # the subject is the one stated before the comparison
    if _CHANGE.search(subject_text):
        return None
    return kind, subject_text


def _row_totals(facts: Sequence[Fact]) -> dict[str, tuple[Decimal, str]]:
    """Code → (小计, name) of the coded rows of the report's 一般公共预算财政拨款支出决算表 (its table facts)."""
    found: dict[str, tuple[int, Decimal, str]] = {}
    for fact in facts:
        if fact.source_kind != "table" or fact.table_name != GENERAL_BUDGET or not fact.subject_code:
            continue
        if fact.column_name not in _ROW_TOTAL_COLUMNS:
            continue
        rank = _ROW_TOTAL_COLUMNS.index(fact.column_name)
        kept = found.get(fact.subject_code)
        if kept is None or rank < kept[0]:
            found[fact.subject_code] = (rank, fact.value, fact.line_item)
    return {code: (value, name) for code, (_, value, name) in found.items()}


def _last_end(pattern: re.Pattern[str], text: str, before: int) -> int:
    """End of the last match of ``pattern`` wholly before ``before`` (0 when there is none)."""
    end = 0
    for m in pattern.finditer(text, 0, before):
        end = m.end()
    return end


def _subject_name(text: str) -> str:
    """The subject named in a change ("今年收入总计", "“三公”经费…支出决算"), qualifier and 各/均 trimmed."""
    text = _INNER_SPACE.sub("", _LAST_YEAR.sub("", text))
    text = _SUBJECT_TRIM.sub("", text)
    qualifier = _QUALIFIER.search(text)
    assert qualifier is not None  # every part of the pattern is optional
    text = _SUBJECT_TRIM.sub("", text[: qualifier.start()])
    return text if _HAS_CJK.search(text) else ""


def _kind(qualifier: str | None) -> str:
    if qualifier is None or qualifier.startswith("决算"):
        return ACTUAL
    return INITIAL_BUDGET if qualifier.startswith("年初") else BUDGET


def _read(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None,
    empty_tables: Sequence[str] = (),
) -> _Reader:
    source, starts, pages = _concatenate(segments)
    norm, index = normalise(source)
    reader = _Reader(source, index, starts, pages, context, catalogue, table_facts or (), empty_tables)
    for paragraph in _paragraphs(norm, keep_skipped=True):
        reader.read(paragraph)
    return reader


@dataclass
class NarrativeReading:
    """Everything one reading of the prose yields: this year's figures, last year's figures the changes
    imply, the statements relating figures (rates, comparison words) and the prose's hygiene marks."""

    narrative: StrategyResult
    previous_year: StrategyResult
    statements: list[Statement]
    marks: list[DocumentMark]
    statement_notes: list[str]


def read_narrative(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None = None,
    empty_tables: Sequence[str] = (),
    report_kind: str | None = None,
) -> NarrativeReading:
    """One reading of the prose (see :func:`extract_narrative`); ``empty_tables`` are the report's tables
    printed without figures, whose blank cells a statement may rely on (完成预算的0% of an empty 三公 table).

    ``report_kind`` is the report's kind (contract.REPORT_KINDS; None: 决算). A 预算 report's prose is read by
    :func:`juesuan.extract.narrative_budget.read_budget_narrative`: budget facts only, never a 决算 key."""
    if report_kind == BUDGET_KIND:
        # Imported here: narrative_budget builds on this module's tokens and layout helpers.
        from juesuan.extract.narrative_budget import read_budget_narrative

        return read_budget_narrative(segments, context, catalogue, table_facts)
    reader = _read(segments, context, catalogue, table_facts, empty_tables)
    return NarrativeReading(
        narrative=StrategyResult(facts=list(reader.facts.values()), notes=reader.notes),
        previous_year=StrategyResult(facts=list(reader.previous.values()), notes=reader.previous_notes),
        statements=reader.statements,
        marks=reader.marks,
        statement_notes=reader.statement_notes,
    )


def extract_narrative(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None = None,
) -> StrategyResult:
    """Narrative facts of one document; ``segments`` are (page or None, text), a text export is one.

    ``table_facts`` are the report's own table facts when the caller has read them: with them a figure
    is also keyed to another table's cell it restates (本年收入合计 in 收入决算情况 is the 总表 line too),
    and a functional chain the catalogue cannot resolve is decided by the table row it restates.
    """
    reader = _read(segments, context, catalogue, table_facts)
    return StrategyResult(facts=list(reader.facts.values()), notes=reader.notes)


def extract_previous_year(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None = None,
) -> StrategyResult:
    """Last year's figures restated by the report's changes (与上年相比 …) as narrative facts of ``year - 1``.

    They belong to another unit-year than the report's own facts, so they come apart from
    :func:`extract_narrative`'s: the caller stores them where ``(unit_id, year - 1)`` facts go.
    Every fact's ``document_sha256`` is the stating report's; notes say what could not be derived.
    """
    reader = _read(segments, context, catalogue, table_facts)
    return StrategyResult(facts=list(reader.previous.values()), notes=reader.previous_notes)


def extract_narrative_and_previous_year(
    segments: Sequence[tuple[int | None, str]],
    context: DocumentContext,
    catalogue: Catalogue,
    table_facts: Sequence[Fact] | None = None,
) -> tuple[StrategyResult, StrategyResult]:
    """:func:`extract_narrative` and :func:`extract_previous_year` from one reading of the prose."""
    reader = _read(segments, context, catalogue, table_facts)
    return (
        StrategyResult(facts=list(reader.facts.values()), notes=reader.notes),
        StrategyResult(facts=list(reader.previous.values()), notes=reader.previous_notes),
    )
