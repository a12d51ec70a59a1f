"""The accounting identities of 预算 (budget disclosure) reports, as located checks: rules ``B01`` ….

Same machinery as the 决算 rules (``transform/identities.py``): each rule is a small named unit that
reads the facts of one report and yields :class:`~juesuan.transform.identities.IdentityCheck` objects —
one per instance, both sides with the facts they add up (tables, lines, columns, pages, document), the
residual in :class:`~decimal.Decimal`, 0.01 万元 of rounding allowance per addend. The budget rules run
on 预算 reports only (:attr:`Rule.report_kinds`) and the 决算 rules never do; a 预算 check's id names the
kind (``unit/year/预算/B02/…``).

What is printed, and only that
    Budget templates differ more than the national 决算 template (Shanghai prints 收支预算总表 without an
    本年收入 line; Jiangsu prints its expenditure twice, by function and by use, and a “三公” table with
    会议费 and 培训费 beside the three). So the rules are driven by the lines and columns a report
    printed: a row sum adds up the part columns the table prints, an income total the income lines the
    table prints, a form of a rule whose lines are not printed is not formed at all. Within a table read
    reliably an absent cell is blank (zero, as in the contract); a whole table not published or not read
    reliably makes the checks that need it ``not_checkable`` (``ReportFacts.side``), never an error.

The line names
    The reader maps the printed lines onto the names below (several printed forms exist for one line;
    the tuples list the canonical name first). A sum lists every form: a form the table does not print
    is blank there, so a report that uses one of them adds up right.

Rules
    Within one table (family ``within_table``): ``B01`` 收支预算总表 balance, ``B02`` coded hierarchy of
    the functional and economic tables, ``B03`` row sums, ``B04`` 财政拨款收支预算总表 balance, ``B05``
    “三公” composition. Across tables (``across_tables``): ``B06``–``B10``. Narrative = table
    (``table_vs_narrative``): ``B11``. Budget against outturn, across documents (``across_years``, whose
    suite is "across years and documents"): ``B12``.

:func:`within_table_checks` runs the within-table rules on the facts of one reading (the reader's
self-check); :func:`budget_checks` runs every budget rule on one report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

from juesuan import contract as c
from juesuan.transform.identities import (
    ACROSS_TABLES,
    ACROSS_YEARS,
    NARRATIVE,
    PERSONNEL_CLASSES,
    PUBLIC_USE_CLASSES,
    TABLE,
    TABLE_VS_NARRATIVE,
    UNRELIABLE,
    WARNING,
    WITHIN_TABLE,
    FactRef,
    IdentityCheck,
    NarrativeRestatement,
    ReportFacts,
    Rule,
    Side,
    Term,
    _class_lines_not_checkable,
    frontier,
)

AMOUNT = c.BUDGET_AMOUNT  # 预算数: the single amount column
TOTAL = c.BUDGET_TOTAL_COLUMN  # 合计: a coded table's total column

# --- lines of the summary tables (收支预算总表, 财政拨款收支预算总表) ------------------------------------------
YEAR_INCOME = ("本年收入合计", "本年收入小计", "当年收入小计")
YEAR_EXPENDITURE = ("本年支出合计", "本年支出小计", "当年支出小计")
INCOME_GRAND_TOTAL = c.INCOME_GRAND_TOTAL  # 收入总计 (Jiangsu's 收入合计 is mapped onto it)
EXPENDITURE_GRAND_TOTAL = c.EXPENDITURE_GRAND_TOTAL  # 支出总计
#: Income carried over from last year: a part of 收入总计 beside 本年收入.
CARRIED_IN = ("上年结转", "上年结转资金", "上年结转结余", "上年结转和结余", "年初结转和结余", "上年财政拨款结转")
#: Carried over to next year: a part of 支出总计 beside 本年支出.
CARRIED_OUT = ("结转下年", "结转下年资金", "年末结转和结余", "结转下年的支出")
#: 财政拨款 as one income line of 收支预算总表; its parts are the fund lines below.
FISCAL_INCOME = ("财政拨款收入", "财政拨款")
#: The fund lines (parts of 财政拨款 in 收支预算总表, the income lines of 财政拨款收支预算总表), one tuple a fund.
FUND_LINES: tuple[tuple[str, ...], ...] = (
    (c.BUDGET_FUND_LINES[0], "一般公共预算", "一般公共预算拨款收入"),
    (c.BUDGET_FUND_LINES[1], "政府性基金", "政府性基金预算", "政府性基金预算拨款收入"),
    (c.BUDGET_FUND_LINES[2], "国有资本经营预算", "国有资本经营预算拨款收入"),
)
#: The other income lines of 收支预算总表 (besides 财政拨款): they add up to 本年收入.
OTHER_INCOME_LINES = (
    "财政专户管理资金",
    "其他资金",
    "上级补助收入",
    "事业收入",
    "事业单位经营收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
    "单位资金",
    "用事业基金弥补收支差额",
)
#: Expenditure by use (支出用途): Jiangsu prints it beside the functional class lines; each adds up to 本年支出.
USE_LINES = ("基本支出", "项目支出", "单位预留机动经费", "事业单位经营支出", "上缴上级支出", "对附属单位补助支出")
#: The fund columns of 财政拨款收支预算总表's expenditure side (beside 合计).
FUND_COLUMNS = c.BUDGET_FUND_COLUMNS
GENERAL_FUND_COLUMN = FUND_COLUMNS[0]
GOV_FUND_COLUMN = FUND_COLUMNS[1]

# --- columns of the coded tables ---------------------------------------------------------------------------
#: A printed column whose name holds one of these is a comparison, no part of the year's total.
NOT_PART_MARKERS = ("上年", "增减", "增长", "变动", "比", "%", "率", "年初预算")
#: Words naming a fund: a column that names one, printed beside a 财政拨款 column, is a part of that column.
FUND_MARKERS = ("一般公共预算", "政府性基金", "国有资本经营")
FISCAL_MARKER = "财政拨款"
BASIC = c.BUDGET_BASIC_COLUMN

# --- the “三公” table -----------------------------------------------------------------------------------------
TP_TOTAL = "合计"
#: The three together, where the table prints them apart from its 合计 (which then covers 会议费 and 培训费).
TP_SUBTOTAL = ("“三公”经费", "“三公”经费合计", "“三公”经费小计")
TP_ABROAD = ("因公出国（境）费",)
TP_CARS = ("公务用车购置及运行维护费", "公务用车购置及运行费")
TP_CAR_PURCHASE = ("公务用车购置费",)
TP_CAR_RUNNING = ("公务用车运行维护费", "公务用车运行费")
TP_RECEPTION = ("公务接待费",)
#: Printed beside the three in some templates (Jiangsu: “三公”经费、会议费、培训费), with a grand total.
TP_BESIDE = ("会议费", "培训费")
TP_GRAND_TOTAL = "“三公”经费、会议费、培训费合计"
#: Printed in the same table in other templates (Shanghai: “三公”经费和机关运行经费预算表): no part of 合计.
OPERATING_COST = c.OPERATING_COST


def _present(report: ReportFacts, table: str, names: Iterable[str], column: str) -> list[str]:
    """The names among ``names`` that ``table`` prints in ``column`` (any source standing for the table)."""
    return [name for name in names if report.get(Term(table, name, column)) is not None]


def _first(report: ReportFacts, table: str, names: tuple[str, ...], column: str) -> str:
    """The form of a line the table prints (the canonical one when it prints none)."""
    found = _present(report, table, names, column)
    return found[0] if found else names[0]


def _any(report: ReportFacts, table: str, names: Iterable[str], column: str) -> bool:
    return bool(_present(report, table, names, column))


def _sum(
    report: ReportFacts, label: str, table: str, names: Iterable[str], column: str, optional: Iterable[str] = ()
) -> Side:
    """Σ of ``names`` in ``column`` (blank where the published table does not print them)."""
    zero_if_unstated = set(optional)
    return report.side(label, [Term(table, name, column, optional=name in zero_if_unstated) for name in names])


def _classes(report: ReportFacts, table: str, column: str) -> list[str]:
    return sorted(code for code in report.coded(table, column) if len(code) == 3)


def _standing(rule: Rule, report: ReportFacts, table: str, note: str, required: bool) -> IdentityCheck | None:
    """The one not-checkable instance for a table not read reliably (or, when ``required``, not published)."""
    source = report.source(table)
    if source == UNRELIABLE:
        return rule.unreadable(report, table, note)
    if source is None and required:
        return rule.unpublished(report, table, note)
    return None


class BudgetRule(Rule):
    """A rule of 预算 reports: it never runs on a 决算 (nor a 决算 rule on a 预算)."""

    report_kinds = (c.BUDGET,)


class BudgetTotalsBalance(BudgetRule):
    rule_id = "B01"
    number = 101
    family = WITHIN_TABLE
    type = "budget-totals-balance"
    title = "收支预算总表 收支平衡"
    description = (
        "收入总计 = 支出总计; 本年收入 = Σ 收入项目 printed (财政拨款 = Σ 三项资金); 收入总计 = 本年收入 + 上年结转; "
        "本年支出 = Σ 功能分类类级 and = Σ 支出用途 where printed; 支出总计 = 本年支出 + 结转下年 "
        "(without an 本年 line, the 总计 itself)."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.BUDGET_TOTALS
        standing = _standing(self, report, table, "收支平衡", required=True)
        if standing is not None:
            yield standing
            return
        for column in report.columns(table) or [AMOUNT]:
            yield _grand_totals(self, report, table, column, column)
            yield from _income_side(self, report, table, column)
            yield from _expenditure_side(self, report, table, column)
            # 财政拨款 = Σ 三项资金, where the table prints 财政拨款 and its funds.
            fiscal = _first(report, table, FISCAL_INCOME, column)
            funds = [name for fund in FUND_LINES for name in fund]
            if report.get(Term(table, fiscal, column)) is not None and _any(report, table, funds, column):
                yield self.check(
                    report,
                    "财政拨款 = Σ 三项资金",
                    Term(table, fiscal, column),
                    _sum(report, fiscal, table, [fiscal], column),
                    _sum(report, "一般公共预算 + 政府性基金 + 国有资本经营预算", table, funds, column, optional=funds),
                )


def _income_lines(report: ReportFacts, table: str, column: str) -> list[str]:
    """The lines 本年收入 adds up: the fund lines in 财政拨款收支预算总表; in 收支预算总表 财政拨款 and the other
    sources — or the fund lines instead of 财政拨款 when the table prints them without it."""
    funds = [name for fund in FUND_LINES for name in fund]
    if table == c.BUDGET_FISCAL_TOTALS:
        return funds
    if _any(report, table, FISCAL_INCOME, column):
        return [*FISCAL_INCOME, *OTHER_INCOME_LINES]
    return [*funds, *OTHER_INCOME_LINES]


def _grand_totals(rule: Rule, report: ReportFacts, table: str, income_column: str, column: str) -> IdentityCheck:
    """收入总计 (in ``income_column``) = 支出总计 (in ``column``)."""
    return rule.check(
        report,
        "收入总计 = 支出总计",
        Term(table, INCOME_GRAND_TOTAL, income_column),
        _sum(report, INCOME_GRAND_TOTAL, table, [INCOME_GRAND_TOTAL], income_column),
        _sum(report, EXPENDITURE_GRAND_TOTAL, table, [EXPENDITURE_GRAND_TOTAL], column),
    )


def _income_side(rule: Rule, report: ReportFacts, table: str, column: str) -> Iterator[IdentityCheck]:
    """本年收入 = Σ the income lines printed; 收入总计 = 本年收入 + 上年结转 (or Σ lines + 上年结转)."""
    lines = _income_lines(report, table, column)
    if not _any(report, table, lines, column):
        return  # no income line printed in this column: nothing to add up
    year_income = _first(report, table, YEAR_INCOME, column)
    grand = _sum(report, INCOME_GRAND_TOTAL, table, [INCOME_GRAND_TOTAL], column)
    if report.get(Term(table, year_income, column)) is not None:
        yield rule.check(
            report,
            "本年收入 = Σ 收入项目",
            Term(table, year_income, column),
            _sum(report, year_income, table, [year_income], column),
            _sum(report, "Σ 收入项目", table, lines, column, optional=lines),
        )
        parts, label = [year_income, *CARRIED_IN], f"{year_income} + 上年结转"
    else:
        parts, label = [*lines, *CARRIED_IN], "Σ 收入项目 + 上年结转"
    if report.get(Term(table, INCOME_GRAND_TOTAL, column)) is not None:
        yield rule.check(
            report,
            "收入总计 = 本年收入 + 上年结转",
            Term(table, INCOME_GRAND_TOTAL, column),
            grand,
            _sum(report, label, table, parts, column, optional=[p for p in parts if p != year_income]),
        )


def _expenditure_side(rule: Rule, report: ReportFacts, table: str, column: str) -> Iterator[IdentityCheck]:
    """本年支出 = Σ 类 and = Σ 支出用途 (where printed); 支出总计 = 本年支出 + 结转下年 (or Σ + 结转下年)."""
    year_expenditure = _first(report, table, YEAR_EXPENDITURE, column)
    if report.get(Term(table, year_expenditure, column)) is not None:
        total_key, carried = year_expenditure, []
        yield rule.check(
            report,
            "支出总计 = 本年支出 + 结转下年",
            Term(table, EXPENDITURE_GRAND_TOTAL, column),
            _sum(report, EXPENDITURE_GRAND_TOTAL, table, [EXPENDITURE_GRAND_TOTAL], column),
            _sum(
                report, f"{year_expenditure} + 结转下年", table, [year_expenditure, *CARRIED_OUT], column, CARRIED_OUT
            ),
        )
    else:
        # No 本年支出 line: the class lines (and the use lines) add up to 支出总计 with what is carried over.
        total_key, carried = EXPENDITURE_GRAND_TOTAL, list(CARRIED_OUT)
    form = "本年支出" if total_key == year_expenditure else "支出总计"
    uses = _present(report, table, USE_LINES, column)
    for parts, what in ((_classes(report, table, column), "Σ 类"), (uses, "Σ 支出用途")):
        if not parts:
            continue
        label = f"{what} + 结转下年" if carried else what
        yield rule.check(
            report,
            f"{form} = {label}",
            Term(table, total_key, column),
            _sum(report, total_key, table, [total_key], column),
            _sum(report, label, table, [*parts, *carried], column, carried),
        )


class BudgetCodedHierarchy(BudgetRule):
    rule_id = "B02"
    number = 102
    family = WITHIN_TABLE
    type = "budget-coded-hierarchy"
    title = "预算表 科目层级汇总"
    description = (
        "Every functional-coded budget table (收入、支出、财政拨款支出、一般公共预算、政府性基金、国有资本经营) and "
        "every economic-coded one (基本支出、机关运行经费), every column: 合计 = Σ 类, 类 = Σ 款, 款 = Σ 项; "
        "where a level is not printed, the nearest level printed below."
    )
    #: A 预算 report is expected to publish it: missing, it is reported as not checkable.
    required = (c.BUDGET_GENERAL,)

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        for table in (*c.BUDGET_FUNCTIONAL_TABLES, *c.BUDGET_ECONOMIC_TABLES):
            standing = _standing(self, report, table, "合计 = Σ 类 = Σ 款 = Σ 项", table in self.required)
            if standing is not None:
                yield standing
                continue
            if report.source(table) is None:
                continue
            for column in report.columns(table):
                coded = report.coded(table, column)
                total = report.get(Term(table, c.TOTAL_ROW, column))
                for parent in (total, *coded.values()):
                    if parent is None:
                        continue  # no 合计 row printed: nothing states the total
                    children = frontier(coded, parent.subject_code)
                    if not children:
                        continue
                    levels = {len(code) for code in children}
                    below = "类" if levels == {3} else "款" if levels == {5} else "项" if levels == {7} else "下级"
                    code = parent.subject_code
                    here = "合计" if code is None else {3: "类", 5: "款"}.get(len(code), "项")
                    yield self.check(
                        report,
                        f"{here} = Σ {below}",
                        Term(table, parent.key, column),
                        Side(parent.label, table, (parent,), parent.value),
                        report.fact_side(f"Σ {below}", (coded[code] for code in children)),
                    )


def part_columns(columns: Iterable[str], total: str = TOTAL) -> tuple[list[str], list[str]]:
    """The printed columns a row's ``total`` adds up, and the fund columns nested under a 财政拨款 column.

    Every printed column but the total is a part, except comparisons (上年…, 增减, rates); a column naming
    a fund printed beside a 财政拨款 column is a part of that column, not of the total.
    """
    # 预算数 is a table's one amount (no part of anything); comparisons are no part of the year's total.
    parts = [
        col for col in columns if col not in (total, AMOUNT) and not any(marker in col for marker in NOT_PART_MARKERS)
    ]
    fiscal = [col for col in parts if FISCAL_MARKER in col and not any(m in col for m in FUND_MARKERS)]
    nested = [col for col in parts if fiscal and col not in fiscal and any(m in col for m in FUND_MARKERS)]
    return [col for col in parts if col not in nested], nested


#: Tables whose rows add up across their columns (合计 = Σ the parts printed).
ROW_SUM_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys((*c.BUDGET_FUNCTIONAL_TABLES, *c.BUDGET_ECONOMIC_TABLES, c.BUDGET_INCOME, c.BUDGET_EXPENDITURE))
)


class BudgetRowSums(BudgetRule):
    rule_id = "B03"
    number = 103
    family = WITHIN_TABLE
    type = "budget-row-sum"
    title = "预算表 行合计 = 各列之和"
    description = (
        "合计 = Σ the part columns the table prints: 支出 tables 基本支出 + 项目支出 (+ the other uses printed), "
        "收入预算表 the income sources, 基本支出 tables 人员经费 + 公用经费; a 财政拨款 column = Σ the fund columns "
        "printed under it."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        for table in ROW_SUM_TABLES:
            source = report.source(table)
            if source == UNRELIABLE:
                yield self.unreadable(report, table, "合计 = Σ 各列")
                continue
            if source is None:
                continue
            parts, nested = part_columns(report.columns(table))
            fiscal = [col for col in parts if FISCAL_MARKER in col and nested]
            sums = [(TOTAL, parts, "Σ " + " + ".join(parts))]
            sums += [(col, nested, "Σ " + " + ".join(nested)) for col in fiscal]
            for total, addends, label in sums:
                if not addends:
                    continue
                keys = sorted({f.key for f in report.rows(table) if f.column_name in (total, *addends)})
                for key in keys:
                    if source == NARRATIVE and not report.has_any(table, key, addends):
                        continue  # the narrative states this row's total only
                    fact = next((f for f in report.rows(table) if f.key == key), None)
                    yield self.check(
                        report,
                        f"{total} = Σ 各列",
                        Term(table, key, total),
                        report.side(total, [Term(table, key, total)]),
                        report.side(label, [Term(table, key, col, optional=True) for col in addends]),
                        line_item=fact.line_item if fact else key,
                        subject_code=key if key.isdigit() else None,
                    )


class BudgetFiscalTotalsBalance(BudgetRule):
    rule_id = "B04"
    number = 104
    family = WITHIN_TABLE
    type = "budget-fiscal-totals-balance"
    title = "财政拨款收支预算总表 平衡"
    description = (
        "合计 = 一般公共预算 + 政府性基金预算 + 国有资本经营预算 per line; 收入总计 = 支出总计; 本年收入 = Σ 三项资金; "
        "收入总计 = 本年收入 + 上年结转; 本年支出 (or 支出总计) = Σ 类 and = Σ 支出用途, per column."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.BUDGET_FISCAL_TOTALS
        standing = _standing(self, report, table, "收支平衡", required=True)
        if standing is not None:
            yield standing
            return
        columns = report.columns(table)
        funds = [col for col in columns if col not in (TOTAL, AMOUNT)]
        if TOTAL in columns and funds:
            for key in sorted({f.key for f in report.rows(table) if f.column_name in (TOTAL, *funds)}):
                if report.source(table) == NARRATIVE and not report.has_any(table, key, funds):
                    continue
                fact = next((f for f in report.rows(table) if f.key == key), None)
                yield self.check(
                    report,
                    "合计 = Σ 三项资金",
                    Term(table, key, TOTAL),
                    report.side(TOTAL, [Term(table, key, TOTAL)]),
                    report.side("Σ " + " + ".join(funds), [Term(table, key, col, optional=True) for col in funds]),
                    line_item=fact.line_item if fact else key,
                    subject_code=key if key.isdigit() else None,
                )
        # The income side is printed in 预算数; the expenditure side in 合计 and the fund columns (two-sided
        # tables) or in 预算数 as well (one amount column a side).
        income_column = AMOUNT
        spending = [TOTAL, *funds] if TOTAL in columns else [AMOUNT]
        yield _grand_totals(self, report, table, income_column, spending[0])
        yield from _income_side(self, report, table, income_column)
        for column in spending:
            yield from _expenditure_side(self, report, table, column)


class BudgetThreePublic(BudgetRule):
    rule_id = "B05"
    number = 105
    family = WITHIN_TABLE
    type = "budget-three-public-composition"
    title = "“三公”经费预算 构成"
    description = (
        "合计 = 因公出国（境）费 + 公务用车购置及运行(维护)费 + 公务接待费; where the table prints 会议费 and 培训费 "
        "beside, their grand total = 合计 + 会议费 + 培训费; 公务用车购置及运行(维护)费 = 购置费 + 运行(维护)费."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table = c.BUDGET_THREE_PUBLIC
        standing = _standing(self, report, table, "“三公”构成", required=False)
        if standing is not None:
            yield standing
            return
        if report.source(table) is None:
            return
        for column in report.columns(table) or [AMOUNT]:
            abroad = _first(report, table, TP_ABROAD, column)
            cars = _first(report, table, TP_CARS, column)
            reception = _first(report, table, TP_RECEPTION, column)
            three = [abroad, cars, reception]
            # The three's total is 合计, or the “三公” subtotal where the table prints one beside a 合计 that
            # also covers 会议费 and 培训费; that grand total is named so, or is the 合计 then.
            subtotal = _present(report, table, TP_SUBTOTAL, column)
            three_total = subtotal[0] if subtotal else TP_TOTAL
            grand = _present(report, table, (TP_GRAND_TOTAL, TP_TOTAL) if subtotal else (TP_GRAND_TOTAL,), column)
            yield self.check(
                report,
                f"{three_total} = 出国 + 公务用车 + 接待",
                Term(table, three_total, column),
                _sum(report, three_total, table, [three_total], column),
                _sum(report, " + ".join(three), table, three, column, optional=three),
            )
            if grand:
                beside = [three_total, *TP_BESIDE]
                yield self.check(
                    report,
                    "三公、会议费、培训费合计 = 三公 + 会议 + 培训",
                    Term(table, grand[0], column),
                    _sum(report, grand[0], table, [grand[0]], column),
                    _sum(report, " + ".join(beside), table, beside, column, optional=TP_BESIDE),
                )
            parts = [_first(report, table, TP_CAR_PURCHASE, column), _first(report, table, TP_CAR_RUNNING, column)]
            if report.get(Term(table, cars, column)) is not None or _any(report, table, parts, column):
                yield self.check(
                    report,
                    "公务用车 = 购置 + 运行维护",
                    Term(table, cars, column),
                    _sum(report, cars, table, [cars], column),
                    _sum(report, " + ".join(parts), table, parts, column, optional=parts),
                )


WITHIN_TABLE_RULES: tuple[Rule, ...] = (
    BudgetTotalsBalance(),
    BudgetCodedHierarchy(),
    BudgetRowSums(),
    BudgetFiscalTotalsBalance(),
    BudgetThreePublic(),
)


# --- across the tables of one 预算 report ---------------------------------------------------------------------
def total_column(report: ReportFacts, table: str) -> str:
    """The column a table's total is printed in: 合计 (a table with parts), else 预算数 (one amount)."""
    columns = report.columns(table)
    return TOTAL if TOTAL in columns or AMOUNT not in columns else AMOUNT


def _prints(report: ReportFacts, table: str, names: Iterable[str]) -> bool:
    """Whether ``table`` prints one of ``names`` as a line or as a column."""
    wanted = set(names)
    return any(f.key in wanted or f.column_name in wanted for f in report.rows(table))


def _year_line(report: ReportFacts, table: str, names: tuple[str, ...], column: str, grand: str) -> str:
    """The 本年 line of a summary table where printed, else its 总计 line."""
    found = _present(report, table, names, column)
    return found[0] if found else grand


def _classes_compared(
    rule: Rule, report: ReportFacts, note: str, left: tuple[str, str], right: tuple[str, str]
) -> Iterator[IdentityCheck]:
    """One check per 类 printed on either side; nothing when a published table prints no class line at all
    (budget templates print some tables without codes: Jiangsu's 支出预算总表 is one row of totals)."""
    (left_table, left_column), (right_table, right_column) = left, right
    for table in (left_table, right_table):
        if report.source(table) == UNRELIABLE:
            reason = report.unreliable_reason(table) or ""
            yield _class_lines_not_checkable(rule, report, note, left_table, left_column, reason, table)
            return
    left_codes = {code for code in report.coded(left_table, left_column) if len(code) == 3}
    right_codes = {code for code in report.coded(right_table, right_column) if len(code) == 3}
    if not left_codes or not right_codes:
        return
    for code in sorted(left_codes | right_codes):
        fact = report.get(Term(left_table, code, left_column)) or report.get(Term(right_table, code, right_column))
        yield rule.check(
            report,
            note,
            Term(left_table, code, left_column),
            report.side(code, [Term(left_table, code, left_column)]),
            report.side(f"{right_table} {code}", [Term(right_table, code, right_column)]),
            line_item=fact.line_item if fact else code,
            subject_code=code,
        )


ACROSS_TEMPLATE = "{table} {line} {column} {left} ≠ {right_table} {right_label} {right} (difference {difference})"


class BudgetTotalsAgainstDetail(BudgetRule):
    rule_id = "B06"
    number = 106
    family = ACROSS_TABLES
    type = "budget-totals-vs-income-expenditure"
    title = "收支预算总表 与 收入/支出预算表"
    description = (
        "收支预算总表 收入总计 = 收入预算表 合计 (+ 上年结转 where the 收入预算表 does not print it); 支出总计 = "
        "支出预算表 合计 (+ 结转下年 likewise); 总表 class lines = 支出预算表 类 rows, where both print classes."
    )
    template = ACROSS_TEMPLATE

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        totals = c.BUDGET_TOTALS
        for detail, grand, carried, note in (
            (c.BUDGET_INCOME, INCOME_GRAND_TOTAL, CARRIED_IN, "收入总计 = 收入预算表 合计"),
            (c.BUDGET_EXPENDITURE, EXPENDITURE_GRAND_TOTAL, CARRIED_OUT, "支出总计 = 支出预算表 合计"),
        ):
            if report.source(totals) is None and report.source(detail) is None:
                continue
            column = total_column(report, detail)
            # What the detail table leaves out of its 合计 and the 总表 counts in its 总计: the carry-over.
            beside = [] if _prints(report, detail, carried) else [Term(totals, name, AMOUNT, True) for name in carried]
            yield self.check(
                report,
                note,
                Term(totals, grand, AMOUNT),
                report.side(grand, [Term(totals, grand, AMOUNT)]),
                report.side(
                    f"{c.TOTAL_ROW} {column}" + (" + 结转" if beside else ""),
                    [Term(detail, c.TOTAL_ROW, column), *beside],
                ),
            )
        detail = c.BUDGET_EXPENDITURE
        yield from _classes_compared(
            self, report, "类 = 支出预算表 类", (totals, AMOUNT), (detail, total_column(report, detail))
        )


class BudgetFiscalAgainstGeneral(BudgetRule):
    rule_id = "B07"
    number = 107
    family = ACROSS_TABLES
    type = "budget-fiscal-totals-vs-general-budget"
    title = "财政拨款收支预算总表 与 一般公共预算支出预算表"
    description = (
        "财政拨款收支预算总表 一般公共预算 column (本年支出, else 支出总计) = 一般公共预算支出预算表 合计, class by "
        "class; where the 总表 prints its expenditure by fund."
    )
    template = ACROSS_TEMPLATE

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table, general = c.BUDGET_FISCAL_TOTALS, c.BUDGET_GENERAL
        if GENERAL_FUND_COLUMN not in report.columns(table):
            return  # the 总表 does not print its expenditure by fund
        line = _year_line(report, table, YEAR_EXPENDITURE, GENERAL_FUND_COLUMN, EXPENDITURE_GRAND_TOTAL)
        column = total_column(report, general)
        yield self.check(
            report,
            "一般公共预算 = 一般公共预算支出预算表 合计",
            Term(table, line, GENERAL_FUND_COLUMN),
            report.side(line, [Term(table, line, GENERAL_FUND_COLUMN)]),
            report.side(f"{c.TOTAL_ROW} {column}", [Term(general, c.TOTAL_ROW, column)]),
        )
        yield from _classes_compared(
            self, report, "类 = 一般公共预算支出预算表 类", (table, GENERAL_FUND_COLUMN), (general, column)
        )


class BudgetGeneralBasic(BudgetRule):
    rule_id = "B08"
    number = 108
    family = ACROSS_TABLES
    type = "budget-general-basic-vs-basic-table"
    title = "一般公共预算 基本支出 与 基本支出预算表"
    description = (
        "一般公共预算支出预算表 基本支出 合计 = 一般公共预算基本支出预算表 合计 (人员经费 + 公用经费), where the "
        "一般公共预算支出预算表 prints a 基本支出 column."
    )
    template = ACROSS_TEMPLATE

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        general, basic = c.BUDGET_GENERAL, c.BUDGET_BASIC
        if BASIC not in report.columns(general):
            return
        column = total_column(report, basic)
        if column in report.columns(basic) or report.source(basic) != TABLE:
            right = report.side(f"{c.TOTAL_ROW} {column}", [Term(basic, c.TOTAL_ROW, column)])
        else:  # the table prints its parts only
            parts = [Term(basic, c.TOTAL_ROW, part) for part in (c.BUDGET_PERSONNEL, c.BUDGET_PUBLIC_USE)]
            right = report.side("人员经费 + 公用经费", parts)
        yield self.check(
            report,
            "基本支出 = 基本支出预算表 合计",
            Term(general, c.TOTAL_ROW, BASIC),
            report.side(BASIC, [Term(general, c.TOTAL_ROW, BASIC)]),
            right,
        )


class BudgetGovFund(BudgetRule):
    rule_id = "B09"
    number = 109
    family = ACROSS_TABLES
    type = "budget-fiscal-totals-vs-gov-fund"
    title = "财政拨款收支预算总表 与 政府性基金预算支出预算表"
    description = (
        "财政拨款收支预算总表 政府性基金预算 column (本年支出, else 支出总计) = 政府性基金预算支出预算表 合计, where "
        "the 总表 prints its expenditure by fund and either prints a 政府性基金 figure."
    )
    template = ACROSS_TEMPLATE

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        table, fund = c.BUDGET_FISCAL_TOTALS, c.BUDGET_GOV_FUND
        if TOTAL not in report.columns(table):
            return  # one amount a side: no fund column
        if GOV_FUND_COLUMN not in report.columns(table) and report.source(fund) is None:
            return  # neither prints a 政府性基金 figure (an empty fund table prints none)
        line = _year_line(report, table, YEAR_EXPENDITURE, TOTAL, EXPENDITURE_GRAND_TOTAL)
        column = total_column(report, fund)
        yield self.check(
            report,
            "政府性基金预算 = 政府性基金预算支出预算表 合计",
            Term(table, line, GOV_FUND_COLUMN),
            report.side(line, [Term(table, line, GOV_FUND_COLUMN)]),
            report.side(f"{c.TOTAL_ROW} {column}", [Term(fund, c.TOTAL_ROW, column)]),
        )


class BudgetOperatingCost(BudgetRule):
    rule_id = "B10"
    number = 110
    family = ACROSS_TABLES
    type = "budget-operating-cost"
    title = "机关运行经费预算 两处一致"
    description = "“三公”经费表 机关运行经费 = 机关运行经费支出预算表 合计, where both print it."
    template = ACROSS_TEMPLATE

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        three, operating = c.BUDGET_THREE_PUBLIC, c.BUDGET_OPERATING
        column = total_column(report, operating)
        left = Term(three, OPERATING_COST, AMOUNT)
        right = Term(operating, c.TOTAL_ROW, column)
        if report.get(left) is None or report.get(right) is None:
            return
        yield self.check(
            report,
            "机关运行经费 = 机关运行经费支出预算表 合计",
            left,
            report.side(OPERATING_COST, [left]),
            report.side(f"{c.TOTAL_ROW} {column}", [right]),
        )


ACROSS_TABLE_RULES: tuple[Rule, ...] = (
    BudgetTotalsAgainstDetail(),
    BudgetFiscalAgainstGeneral(),
    BudgetGeneralBasic(),
    BudgetGovFund(),
    BudgetOperatingCost(),
)


# --- the narrative against the tables ---------------------------------------------------------------------------
class BudgetNarrativeRestatement(BudgetRule, NarrativeRestatement):
    rule_id = "B11"
    number = 111
    family = TABLE_VS_NARRATIVE
    type = "budget-narrative-restates-table"
    title = "预算说明 与 预算表一致"
    description = (
        "Every figure the 预算 prose states, keyed like the table cell it restates, equals it within rounding "
        "(compared at 0.01 万元); a blank cell of a published table is zero; "
        "a table's one amount (预算数) is its 合计, "
        "人员经费 / 公用经费 of a table printed by class are Σ their classes, an income source is its line where the "
        "table prints sources as lines; a figure the table prints in no such shape is not comparable."
    )
    template = "{table} {line} {column}: narrative {left} ≠ table {right} (difference {difference})"

    not_comparable_label = None

    def restates(self, fact: FactRef) -> bool:
        return True

    def restated(self, report: ReportFacts, fact: FactRef) -> Side:
        return _restated(report, fact)

    def published_precision(self, fact: FactRef) -> bool:
        return True


#: Economic classes of 人员经费 and 公用经费: a basic table printed with one amount column states them by class.
ECONOMIC_PARTS = {c.BUDGET_PERSONNEL: PERSONNEL_CLASSES, c.BUDGET_PUBLIC_USE: PUBLIC_USE_CLASSES}


def _restated(report: ReportFacts, fact: FactRef) -> Side:
    """The table figure a narrative figure restates, as the table prints it.

    The narrative keys a figure like the table cell it restates; budget templates print the same figure in
    other shapes, so when the table prints no such column: a table's one amount (预算数) is its 合计; 人员经费
    and 公用经费 of an economic table printed by class are Σ their classes (301 + 303; 302 + 310 …); an
    income source keyed as a column of the 合计 row is the line of that source in a table printed as lines.
    A column the table does not print in any of these shapes is not comparable (never a blank = 0).
    """
    table = fact.table_name
    columns = report.columns(table)
    if fact.column_name in columns:
        return report.side("table", [Term(table, fact.key, fact.column_name)])
    if fact.column_name in (TOTAL, AMOUNT):
        other = AMOUNT if fact.column_name == TOTAL else TOTAL
        if other in columns:
            return report.side("table", [Term(table, fact.key, other)])
    amount = total_column(report, table)
    if fact.column_name in ECONOMIC_PARTS and fact.key == c.TOTAL_ROW:
        coded = report.coded(table, amount)
        classes = ECONOMIC_PARTS[fact.column_name]
        present = [code for code in frontier(coded, None) if code.startswith(classes)]
        if present:
            return report.fact_side(f"Σ {'+'.join(classes)}", (coded[code] for code in present))
    if fact.key == c.TOTAL_ROW:
        for name in _line_names(fact.column_name):
            for key in (name, f"{name}/小计"):
                if report.get(Term(table, key, amount)) is not None:
                    return report.side("table", [Term(table, key, amount)])
    reason = f"{table} prints no 「{fact.column_name}」 column (nor the figure as a line or by class)"
    return Side("table", table, (), None, reason)


def _line_names(column: str) -> tuple[str, ...]:
    """The line names a source of income keyed as a column may be printed under (its fund's forms)."""
    for forms in (*FUND_LINES, FISCAL_INCOME):
        if column in forms:
            return forms
    return (column,)


# --- across documents: the budget against the final accounts -------------------------------------------------
class BudgetAgainstInitialBudget(BudgetRule):
    rule_id = "B12"
    number = 112
    family = ACROSS_YEARS
    type = "initial-budget-vs-budget-report"
    title = "决算 年初预算数 与 预算公开"
    description = (
        "The 决算's 年初预算数 of 一般公共预算财政拨款支出 (合计 and each subject it states) = the 预算 report's "
        "一般公共预算支出预算表 figure of the same unit, year and subject. A difference is a warning, not an error: "
        "a budget disclosed in spring may be adjusted before the 决算 states its initial budget."
    )
    template = (
        "{table} {line} {column} {left} ≠ {right_table} {right} (difference {difference}): the 决算's 年初预算 differs "
        "from the budget disclosed — adjusted during the year, or one of the two misstated"
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        final = report.counterpart
        if final is None:
            return  # runs where both reports of the unit-year are in the lake
        budget_table = c.BUDGET_OF_INITIAL_BUDGET[0]
        column = total_column(report, budget_table)
        stated = sorted(
            (
                f
                for f in final.all_facts()
                if f.table_name == c.GENERAL_BUDGET and f.column_name == c.INITIAL_BUDGET_COLUMN
            ),
            key=lambda f: (f.key != c.TOTAL_ROW, f.key, f.source_kind != TABLE),
        )
        seen: set[str] = set()
        for fact in stated:
            if fact.key in seen:
                continue  # stated by a table and by the prose: the table's stands
            seen.add(fact.key)
            yield self._check(
                report,
                Side(c.INITIAL_BUDGET_COLUMN, c.GENERAL_BUDGET, (fact,), fact.value),
                report.side(f"{budget_table} {column}", [Term(budget_table, fact.key, column)]),
                fact.subject_code,
                fact.line_item,
                final,
            )
        if not seen and report.get(Term(budget_table, c.TOTAL_ROW, column)) is not None:
            reason = f"the 决算 of {report.year} states no {c.INITIAL_BUDGET_COLUMN} of {c.GENERAL_BUDGET}"
            yield self._check(
                report,
                Side(c.INITIAL_BUDGET_COLUMN, c.GENERAL_BUDGET, (), None, reason),
                report.side(f"{budget_table} {column}", [Term(budget_table, c.TOTAL_ROW, column)]),
                None,
                c.TOTAL_ROW,
                final,
            )

    def _check(
        self, report: ReportFacts, left: Side, right: Side, code: str | None, line: str, final: ReportFacts
    ) -> IdentityCheck:
        # Left: the 决算's figure (its document and pages); right: the 预算's. The check is the 预算 report's.
        return IdentityCheck(
            rule=self,
            note="年初预算数 = 预算",
            unit_id=report.unit_id,
            report_document=final.document_sha256,
            other_document=report.document_sha256,
            year=report.year,
            report_kind=report.report_kind,
            table_name=c.GENERAL_BUDGET,
            subject_code=code,
            line_item=line,
            column_name=c.INITIAL_BUDGET_COLUMN,
            left=left,
            right=right,
            severity_if_broken=WARNING,
            published_precision=True,
        )


RULES: tuple[Rule, ...] = (
    *WITHIN_TABLE_RULES,
    *ACROSS_TABLE_RULES,
    BudgetNarrativeRestatement(),
    BudgetAgainstInitialBudget(),
)


# --- running them ---------------------------------------------------------------------------------------------
def report_of_facts(
    facts: Iterable[c.Fact], unreliable: Mapping[str, str] | None = None, unit_kind: str | None = None
) -> ReportFacts:
    """The :class:`ReportFacts` of one 预算 reading (contract facts of one unit and year)."""
    chosen = list(facts)
    keys = {(f.unit_id, f.year) for f in chosen}
    if len(keys) > 1:
        raise ValueError(f"facts of one report expected, got {sorted(keys)}")
    unit_id, year = next(iter(keys)) if keys else ("unknown", 0)
    refs = [
        FactRef(
            table_name=f.table_name,
            subject_code=f.subject_code,
            line_item=f.line_item,
            column_name=f.column_name,
            value=f.value if isinstance(f.value, Decimal) else Decimal(str(f.value)),
            source_kind=f.source_kind,
            page=f.page,
            document_sha256=f.document_sha256,
        )
        for f in chosen
    ]
    return ReportFacts(unit_id, year, refs, unit_kind, unreliable, report_kind=c.BUDGET)


def within_table_checks(facts: Iterable[c.Fact], unreliable: Mapping[str, str] | None = None) -> list[IdentityCheck]:
    """The within-table budget checks (``B01``–``B05``) of one reading: what the reader checks itself with.

    ``unreliable`` names tables the reader distrusts (``{table_name: reason}``): their checks are not checkable.
    """
    report = report_of_facts(facts, unreliable)
    return [check for rule in WITHIN_TABLE_RULES for check in rule.checks(report)]


def budget_checks(report: ReportFacts, rules: Iterable[Rule] | None = None) -> list[IdentityCheck]:
    """Every budget rule (or ``rules``) on one 预算 report."""
    if report.report_kind != c.BUDGET:
        raise ValueError(f"{report.unit_id} {report.year} is a {report.report_kind} report, not a 预算")
    return [check for rule in (RULES if rules is None else rules) for check in rule.checks(report)]


__all__ = [
    "ACROSS_TABLE_RULES",
    "RULES",
    "WITHIN_TABLE_RULES",
    "budget_checks",
    "part_columns",
    "report_of_facts",
    "total_column",
    "within_table_checks",
]
