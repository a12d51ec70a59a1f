"""Synthetic budget (预算) facts for the sample units, derived from their real 决算 facts.

The bundled 决算 samples carry real figures; no budget disclosure of those units is at hand, so their
budget samples are **synthetic**: a plausible budget of the same unit and year, derived from its
决算 facts by fixed, documented rules, in which every budget identity holds exactly. What a budget
takes from the 决算 is what a budget is — the unit's subjects and the shape of its spending:

* **Functional subjects** (类/款/项): the leaf subjects of the 决算's 一般公共预算财政拨款支出决算表, each
  with a 基本支出 and a 项目支出 budget. The basic budget is :data:`BASIC_FACTOR` of the basic outturn
  and the project budget :data:`PROJECT_FACTOR` of the project outturn (projects are largely added
  during the year), each apportioned over the leaves in proportion to their outturn, to the cent
  (largest remainder). Where the 决算's prose states the 年初预算数 of the whole table (大同: 2,296.46),
  the budget's 一般公共预算支出预算表 合计 is exactly that figure: the basic budget takes at most
  :data:`BASIC_SHARE_CAP` of it and the projects the rest. A leaf whose 年初预算数 the prose states
  keeps it (split basic/project like its outturn). 款 = Σ 项, 类 = Σ 款, 合计 = Σ 类, 合计 = 基本 + 项目.
* **Economic subjects** of the basic budget (一般公共预算基本支出预算表): the basic budget total
  apportioned over the leaf economic subjects of the 决算's 基本支出决算表 in proportion to their
  outturn; 301/303 are 人员经费, the other 类 公用经费.
* **Funds**: every sample unit is financed by the general budget alone (as its 决算 shows), so
  收入预算表, 支出预算表 and the summary tables state the same amounts; 政府性基金 and 国有资本经营
  budgets are empty.
* **“三公”经费**: the 决算's own 预算数 column of its “三公” table (the year's budget, where printed),
  a line the 决算 does not budget being 0.
* **机关运行经费** (行政 and 参公 units only; 0 for a 事业单位): the basic budget's 公用经费, one row per
  公用经费 款 (机关运行经费支出预算表).
* **政府采购**: the 决算's 政府采购 outturn per kind (货物, 工程, 服务) rounded up to whole 万元.

The facts are written to ``facts/<unit>.budget.csv`` (same columns as the 决算 truth, ``source_kind``
``table`` for grid cells and ``narrative`` for figures only the prose states) by
``juesuan samples --budget-facts``; rendering reads them from there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

from juesuan import contract as c
from juesuan.lake import write_bytes_atomic
from juesuan.samples.truth import DATA_DIR, NARRATIVE, TABLE, TruthFact, check_truth, dumps, load_truth, loads

log = logging.getLogger(__name__)

BUDGET_SUFFIX = ".budget.csv"
CENT = Decimal("0.01")
#: Basic budget against the basic outturn: salaries and running costs are budgeted, then rise a little.
BASIC_FACTOR = Decimal("0.97")
#: Project budget against the project outturn: a part of the projects is added during the year.
PROJECT_FACTOR = Decimal("0.60")
#: With a stated total, the basic budget takes at most this share of it and the projects the rest.
BASIC_SHARE_CAP = Decimal("0.90")
#: Units whose 机关运行经费 is their basic 公用经费 (the others have none).
ADMINISTRATIVE_KINDS = ("行政单位", "参公事业单位")

# Canonical lines and columns of the budget tables (docs/contract.md, "Budget tables").
AMOUNT = c.BUDGET_AMOUNT
TOTAL = c.BUDGET_TOTAL_COLUMN
BASIC_COLUMN = "基本支出"
PROJECT_COLUMN = "项目支出"
FISCAL_INCOME = "财政拨款收入"
FUND_LINES = ("一般公共预算资金", "政府性基金预算资金", "国有资本经营预算资金")
FUND_COLUMNS = ("一般公共预算", "政府性基金预算", "国有资本经营预算")
OTHER_INCOME_LINES = ("事业收入", "事业单位经营收入", "其他收入")
INCOME_COLUMNS = (TOTAL, FISCAL_INCOME, *OTHER_INCOME_LINES)
CURRENT_INCOME = "本年收入合计"
CURRENT_EXPENDITURE = "本年支出合计"
CARRIED_IN = "上年结转"
CARRIED_OUT = "结转下年"
THREE_PUBLIC_LINES = (
    c.TOTAL_ROW,
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
)
#: 政府采购预算表's lines (the reader's canonical 货物 / 工程 / 服务 lines, named like the 决算's).
PURCHASE_LINES = (c.TOTAL_ROW, "政府采购货物支出", "政府采购工程支出", "政府采购服务支出")
#: The 决算's 政府采购 lines each budget line follows.
PURCHASE_SOURCES = ("政府采购支出合计", "政府采购货物支出", "政府采购工程支出", "政府采购服务支出")
PERSONNEL_CLASSES = ("301", "303")


class BudgetDerivationError(ValueError):
    """The 决算 facts cannot give a consistent budget (the message says which figure)."""


def budget_facts_path(unit_id: str, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"{unit_id}{BUDGET_SUFFIX}"


def load_budget_truth(unit_id: str, data_dir: Path = DATA_DIR) -> list[TruthFact]:
    path = budget_facts_path(unit_id, data_dir)
    return loads(path.read_text(encoding="utf-8"), str(path))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def apportion(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` split over ``weights`` to the cent, summing exactly (largest remainder; ties to the first)."""
    total = cents(total)
    if total < 0 or any(w < 0 for w in weights):
        raise BudgetDerivationError(f"cannot apportion {total} over negative amounts {list(weights)}")
    whole = sum(weights, Decimal(0))
    if whole == 0:
        if total != 0:
            raise BudgetDerivationError(f"cannot apportion {total} over nothing")
        return [Decimal("0.00")] * len(weights)
    exact = [total * w / whole for w in weights]
    floors = [x.quantize(CENT, rounding=ROUND_FLOOR) for x in exact]
    left = int((total - sum(floors, Decimal(0))) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += CENT
    return floors


def _leaves(codes: Iterable[str]) -> list[str]:
    """The codes no other code refines (项, or a 款/类 printed without its children)."""
    codes = sorted(set(codes))
    return [code for code in codes if not any(o != code and o.startswith(code) for o in codes)]


def _value(facts: dict[tuple[str, str, str], TruthFact], key: tuple[str, str, str]) -> Decimal:
    fact = facts.get(key)
    return fact.value if fact is not None else Decimal(0)


def _rolled_up(leaf_values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Every level's amount: a 款 is the sum of its 项, a 类 of its 款 (codes are prefixes)."""
    out: dict[str, Decimal] = {}
    for code, value in leaf_values.items():
        for length in (3, 5, 7):
            if len(code) >= length:
                out[code[:length]] = out.get(code[:length], Decimal(0)) + value
    return out


class _Builder:
    def __init__(self) -> None:
        self.facts: list[TruthFact] = []

    def add(self, table: str, code: str | None, line: str, column: str, value: Decimal, kind: str = TABLE) -> None:
        self.facts.append(TruthFact(table, code, line, column, cents(value), kind))


def derive_budget(final: list[TruthFact], unit_kind: str) -> list[TruthFact]:
    """The budget facts of the unit and year whose 决算 facts are ``final`` (see the module docstring)."""
    current = [f for f in final if f.source_kind != "restated"]
    by_key = {f.key: f for f in current}
    names = {f.subject_code: f.line_item for f in current if f.subject_code}
    general = [f for f in current if f.table_name == c.GENERAL_BUDGET and f.subject_code and f.source_kind == TABLE]
    leaves = _leaves(f.subject_code or "" for f in general)
    if not leaves:
        raise BudgetDerivationError("the 决算 has no 一般公共预算财政拨款支出决算表 subject to budget")
    basic_out = {code: _value(by_key, (c.GENERAL_BUDGET, code, "基本支出")) for code in leaves}
    project_out = {code: _value(by_key, (c.GENERAL_BUDGET, code, "项目支出")) for code in leaves}
    initial = {
        f.subject_key: f.value
        for f in current
        if f.table_name == c.GENERAL_BUDGET and f.column_name == c.INITIAL_BUDGET_COLUMN
    }
    fixed_basic: dict[str, Decimal] = {}
    fixed_project: dict[str, Decimal] = {}
    for code, value in sorted(initial.items()):
        if code == c.TOTAL_ROW:
            continue
        if code not in leaves:
            raise BudgetDerivationError(f"年初预算数 of {code} is stated above the leaf subjects; not supported")
        split = apportion(value, [basic_out[code], project_out[code]] if value else [Decimal(1), Decimal(0)])
        fixed_basic[code], fixed_project[code] = split
    free = [code for code in leaves if code not in fixed_basic]
    free_basic = sum((basic_out[code] for code in free), Decimal(0))
    free_project = sum((project_out[code] for code in free), Decimal(0))
    stated_total = initial.get(c.TOTAL_ROW)
    if stated_total is None:
        basic_total = cents(free_basic * BASIC_FACTOR)
        project_total = cents(free_project * PROJECT_FACTOR) if free_project else Decimal(0)
    else:
        rest = stated_total - sum(fixed_basic.values(), Decimal(0)) - sum(fixed_project.values(), Decimal(0))
        if rest < 0:
            raise BudgetDerivationError(f"the stated subjects' 年初预算数 exceed the stated total {stated_total}")
        basic_total = min(cents(free_basic * BASIC_FACTOR), cents(rest * BASIC_SHARE_CAP)) if free_project else rest
        project_total = rest - basic_total
    basic = dict(zip(free, apportion(basic_total, [basic_out[code] for code in free]), strict=True))
    project = dict(zip(free, apportion(project_total, [project_out[code] for code in free]), strict=True))
    return _budget_tables(names, basic | fixed_basic, project | fixed_project, current, by_key, unit_kind)


def _budget_tables(
    names: dict[str | None, str],
    basic_leaves: dict[str, Decimal],
    project_leaves: dict[str, Decimal],
    current: list[TruthFact],
    by_key: dict[tuple[str, str, str], TruthFact],
    unit_kind: str,
) -> list[TruthFact]:
    out = _Builder()
    basic = _rolled_up(basic_leaves)
    project = _rolled_up(project_leaves)
    codes = sorted(code for code in basic if basic[code] + project[code] != 0)
    basic_total = sum(basic_leaves.values(), Decimal(0))
    project_total = sum(project_leaves.values(), Decimal(0))
    total = basic_total + project_total
    classes = [code for code in codes if len(code) == 3]

    # 收支预算总表: income by source, spending by class; all of it general-budget money.
    summary = c.BUDGET_TOTALS
    out.add(summary, None, FISCAL_INCOME, AMOUNT, total)
    out.add(summary, None, FUND_LINES[0], AMOUNT, total)
    out.add(summary, None, CURRENT_INCOME, AMOUNT, total)
    out.add(summary, None, c.INCOME_GRAND_TOTAL, AMOUNT, total)
    for code in classes:
        out.add(summary, code, names[code], AMOUNT, basic[code] + project[code])
    out.add(summary, None, CURRENT_EXPENDITURE, AMOUNT, total)
    out.add(summary, None, c.EXPENDITURE_GRAND_TOTAL, AMOUNT, total)

    # 收入预算表 and 支出预算表: every subject, by source and by kind of spending.
    for table, columns in ((c.BUDGET_INCOME, (TOTAL, FISCAL_INCOME)), (c.BUDGET_EXPENDITURE, None)):
        for row in [None, *codes]:
            key_basic = basic_total if row is None else basic[row]
            key_project = project_total if row is None else project[row]
            line = c.TOTAL_ROW if row is None else names[row]
            if columns is not None:
                for column in columns:
                    out.add(table, row, line, column, key_basic + key_project)
            else:
                _spending_row(out, table, row, line, key_basic, key_project)

    # 财政拨款收支预算总表: fiscal income by fund, spending by class and fund.
    fiscal = c.BUDGET_FISCAL_TOTALS
    out.add(fiscal, None, FUND_LINES[0], AMOUNT, total)
    out.add(fiscal, None, CURRENT_INCOME, AMOUNT, total)
    out.add(fiscal, None, c.INCOME_GRAND_TOTAL, AMOUNT, total)
    rows: list[tuple[str | None, str]] = [*((code, names[code]) for code in classes), (None, CURRENT_EXPENDITURE)]
    for row, line in rows:
        amount = total if row is None else basic[row] + project[row]
        out.add(fiscal, row, line, TOTAL, amount)
        out.add(fiscal, row, line, FUND_COLUMNS[0], amount)
    out.add(fiscal, None, c.EXPENDITURE_GRAND_TOTAL, TOTAL, total)
    out.add(fiscal, None, c.EXPENDITURE_GRAND_TOTAL, FUND_COLUMNS[0], total)

    # 一般公共预算支出预算表.
    _spending_row(out, c.BUDGET_GENERAL, None, c.TOTAL_ROW, basic_total, project_total)
    for code in codes:
        _spending_row(out, c.BUDGET_GENERAL, code, names[code], basic[code], project[code])

    public_use = _basic_economic(out, current, basic_total)
    _three_public(out, by_key)
    operating = public_use if unit_kind in ADMINISTRATIVE_KINDS else {}
    if operating:
        table = c.BUDGET_OPERATING
        out.add(table, None, c.TOTAL_ROW, AMOUNT, sum((v for k, v in operating.items() if len(k) == 3), Decimal(0)))
        for code, value in sorted(operating.items()):
            out.add(table, code, _economic_name(current, code), AMOUNT, value)
    else:
        out.add(c.BUDGET_OPERATING, None, c.TOTAL_ROW, AMOUNT, Decimal(0), NARRATIVE)
    _procurement(out, by_key)
    check_truth(out.facts, "derived budget")
    return out.facts


def _spending_row(out: _Builder, table: str, code: str | None, line: str, basic: Decimal, project: Decimal) -> None:
    out.add(table, code, line, TOTAL, basic + project)
    if basic:
        out.add(table, code, line, BASIC_COLUMN, basic)
    if project:
        out.add(table, code, line, PROJECT_COLUMN, project)


def _economic_name(current: list[TruthFact], code: str) -> str:
    return next(f.line_item for f in current if f.table_name == c.BASIC and f.subject_code == code)


def _basic_economic(out: _Builder, current: list[TruthFact], basic_total: Decimal) -> dict[str, Decimal]:
    """一般公共预算基本支出预算表; returns the 公用经费 类 and 款 (for 机关运行经费)."""
    economic = {f.subject_code: f for f in current if f.table_name == c.BASIC and f.subject_code}
    leaves = _leaves(code for code in economic if code)
    if not leaves:
        raise BudgetDerivationError("the 决算 has no 基本支出 economic subject to budget")
    amounts = dict(zip(leaves, apportion(basic_total, [economic[code].value for code in leaves]), strict=True))
    rolled = {code: value for code, value in _rolled_up(amounts).items() if value != 0}
    table = c.BUDGET_BASIC
    personnel = sum((v for k, v in amounts.items() if k[:3] in PERSONNEL_CLASSES), Decimal(0))
    out.add(table, None, c.TOTAL_ROW, TOTAL, basic_total)
    out.add(table, None, c.TOTAL_ROW, c.BUDGET_PERSONNEL, personnel)
    out.add(table, None, c.TOTAL_ROW, c.BUDGET_PUBLIC_USE, basic_total - personnel)
    for code, value in sorted(rolled.items()):
        column = c.BUDGET_PERSONNEL if code[:3] in PERSONNEL_CLASSES else c.BUDGET_PUBLIC_USE
        out.add(table, code, economic[code].line_item if code in economic else code, TOTAL, value)
        out.add(table, code, economic[code].line_item if code in economic else code, column, value)
    return {k: v for k, v in rolled.items() if k[:3] not in PERSONNEL_CLASSES}


def _three_public(out: _Builder, by_key: dict[tuple[str, str, str], TruthFact]) -> None:
    values = {line: _value(by_key, (c.THREE_PUBLIC, line, "预算数")) for line in THREE_PUBLIC_LINES}
    cars = values["公务用车购置费"] + values["公务用车运行维护费"]
    if values["公务用车购置及运行维护费"] != cars:
        if values["公务用车购置及运行维护费"] and not cars:  # the parts are not printed: all of it running costs
            values["公务用车运行维护费"] = values["公务用车购置及运行维护费"]
        else:
            values["公务用车购置及运行维护费"] = cars
    values[c.TOTAL_ROW] = values["因公出国（境）费"] + values["公务用车购置及运行维护费"] + values["公务接待费"]
    for line in THREE_PUBLIC_LINES:
        out.add(c.BUDGET_THREE_PUBLIC, None, line, AMOUNT, values[line])


def _procurement(out: _Builder, by_key: dict[tuple[str, str, str], TruthFact]) -> None:
    parts = [
        _value(by_key, (c.RELATED_INFO, line, "统计数")).quantize(Decimal(1), rounding=ROUND_CEILING)
        for line in PURCHASE_SOURCES[1:]
    ]
    for line, value in zip(PURCHASE_LINES, [sum(parts, Decimal(0)), *parts], strict=True):
        out.add(c.BUDGET_PROCUREMENT, None, line, AMOUNT, value, NARRATIVE)


def write_budget_facts(units: Iterable[tuple[str, str]], data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Derive and write ``facts/<unit>.budget.csv`` for each (unit id, unit kind); returns the fact counts."""
    counts = {}
    for unit_id, unit_kind in units:
        facts = derive_budget(load_truth(unit_id, data_dir), unit_kind)
        path = budget_facts_path(unit_id, data_dir)
        data = dumps(facts).encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            write_bytes_atomic(data, path)
        log.info("budget facts of %s: %d", unit_id, len(facts))
        counts[unit_id] = len(facts)
    return counts
