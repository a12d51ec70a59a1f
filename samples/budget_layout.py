"""A budget (预算) report model from the synthetic budget facts (:mod:`.budget`): what every renderer draws.

The report follows the published budget disclosures (部门/单位预算公开): a cover (``2023年度单位预算公开``),
contents, the unit's profile, a 预算情况说明 in our own wording that states the totals, the classes of the
general budget, 人员经费/公用经费, the “三公”经费, 机关运行经费 and 政府采购 budgets in the usual wording,
then the budget tables under their canonical titles (收支预算总表, 收入预算表, 支出预算表, 财政拨款收支预算总表,
一般公共预算支出预算表, 一般公共预算基本支出预算表, 政府性基金预算支出预算表, 国有资本经营预算支出预算表,
“三公”经费支出预算表, 机关运行经费支出预算表). The grids reuse :class:`~.layout.Grid`, so the ruled and unruled
PDF renderers draw them and report the page of every fact.
"""

from __future__ import annotations

from juesuan import contract as c
from juesuan.samples import budget as b
from juesuan.samples.layout import Cell, Grid, Paragraph, Report, _by_key, _cells, _numbered
from juesuan.samples.truth import NARRATIVE, TABLE, TruthFact, format_value
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

EMPTY_NOTE = "注：本单位{year}年无{what}安排的预算，故本表为空表。"


# --- coded tables -----------------------------------------------------------------------------------------
def coded_budget_grid(
    table_name: str,
    facts: list[TruthFact],
    columns: tuple[str, ...],
    catalogue: Catalogue,
    year: int,
    classification: str = FUNCTIONAL,
    note: str | None = None,
) -> Grid:
    """科目编码 | 科目名称 | the amount columns; the 合计 row first, then every subject in code order."""
    top: list[Cell | None] = [Cell("项目", colspan=2), None, *(Cell(column, rowspan=2) for column in columns)]
    second: list[Cell | None] = [Cell("科目编码"), Cell("科目名称"), *([None] * len(columns))]
    by_key = _by_key(facts)
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []
    values, shown = _cells(by_key, c.TOTAL_ROW, list(columns))
    body.append([c.TOTAL_ROW, "", *values])
    row_facts.append(shown)
    for code in sorted({f.subject_code for f in facts if f.subject_code}):
        subject = catalogue.get(code, classification, year)
        name = subject.name if subject else next(f.line_item for f in facts if f.subject_code == code)
        values, shown = _cells(by_key, code, list(columns))
        body.append([code, name, *values])
        row_facts.append(shown)
    return Grid(
        table_name=table_name,
        title=table_name,
        header=[top, second],
        body=body,
        row_facts=row_facts,
        widths=[1.2, 3.4, *([1.3] * len(columns))],
        landscape=len(columns) > 4,
        body_spans={(0, 0): 2},
        note=note if not any(f.subject_code for f in facts) else None,
    )


# --- two-sided summary tables -------------------------------------------------------------------------------
def _summary_grid(
    table_name: str,
    facts: list[TruthFact],
    left: list[tuple[str, str | None]],
    right_columns: tuple[str, ...],
    captions: tuple[str, str],
) -> Grid:
    """收入 (项目 | 预算数) beside 支出 (项目 | ``right_columns``); the class lines numbered on the right,
    then 本年收入合计 | 本年支出合计, 上年结转 | 结转下年 and 收入总计 | 支出总计 on shared rows."""
    by_key = _by_key(facts)
    classes = sorted({f.subject_code for f in facts if f.subject_code})
    right: list[tuple[str, str | None]] = [
        (_numbered(index, next(f.line_item for f in facts if f.subject_code == code)), code)
        for index, code in enumerate(classes)
    ]
    pad = max(len(left), len(right))
    left = left + [("", None)] * (pad - len(left))
    right = right + [("", None)] * (pad - len(right))
    left += [(b.CURRENT_INCOME, b.CURRENT_INCOME), (b.CARRIED_IN, b.CARRIED_IN), ("收入总计", c.INCOME_GRAND_TOTAL)]
    right += [
        (b.CURRENT_EXPENDITURE, b.CURRENT_EXPENDITURE),
        (b.CARRIED_OUT, b.CARRIED_OUT),
        ("支出总计", c.EXPENDITURE_GRAND_TOTAL),
    ]
    width = 3 + len(right_columns)
    top: list[Cell | None] = [Cell(captions[0], colspan=2), None, Cell(captions[1], colspan=1 + len(right_columns))]
    top += [None] * (width - len(top))
    header: list[Cell | None] = [Cell("项目"), Cell(b.AMOUNT), Cell("项目"), *(Cell(col) for col in right_columns)]
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []
    for (l_label, l_key), (r_label, r_key) in zip(left, right, strict=True):
        l_values, l_shown = _cells(by_key, l_key, [b.AMOUNT]) if l_key else ([""], [])
        r_values, r_shown = _cells(by_key, r_key, list(right_columns)) if r_key else ([""] * len(right_columns), [])
        body.append([l_label, *l_values, r_label, *r_values])
        row_facts.append(l_shown + r_shown)
    known = {key for _, key in left + right if key}
    unknown = sorted({f.subject_key for f in facts} - known)
    if unknown:
        raise ValueError(f"{table_name}: no line for {unknown}")
    return Grid(
        table_name=table_name,
        title=table_name,
        header=[top, header],
        body=body,
        row_facts=row_facts,
        widths=[3.0, 1.4, 3.0, *([1.4] * len(right_columns))],
        label_cols=(0, 2),
        landscape=len(right_columns) > 1,
    )


def totals_grid(facts: list[TruthFact]) -> Grid:
    left: list[tuple[str, str | None]] = [
        (f"一、{b.FISCAL_INCOME}", b.FISCAL_INCOME),
        *((f"{index}、{line}", line) for index, line in enumerate(b.FUND_LINES, start=1)),
        *((_numbered(index, line), line) for index, line in enumerate(b.OTHER_INCOME_LINES, start=1)),
    ]
    return _summary_grid(c.BUDGET_TOTALS, facts, left, (b.AMOUNT,), ("本年收入", "本年支出"))


def fiscal_totals_grid(facts: list[TruthFact]) -> Grid:
    left: list[tuple[str, str | None]] = [(_numbered(index, line), line) for index, line in enumerate(b.FUND_LINES)]
    return _summary_grid(
        c.BUDGET_FISCAL_TOTALS, facts, left, (b.TOTAL, *b.FUND_COLUMNS), ("财政拨款收入", "财政拨款支出")
    )


def three_public_grid(facts: list[TruthFact]) -> Grid:
    labels = (
        "合计",
        "1.因公出国（境）费",
        "2.公务用车购置及运行维护费",
        "（1）公务用车购置费",
        "（2）公务用车运行维护费",
    )
    by_key = _by_key(facts)
    body, row_facts = [], []
    for label, line in zip((*labels, "3.公务接待费"), b.THREE_PUBLIC_LINES, strict=True):
        values, shown = _cells(by_key, line, [b.AMOUNT])
        body.append([label, *values])
        row_facts.append(shown)
    return Grid(
        table_name=c.BUDGET_THREE_PUBLIC,
        title=c.BUDGET_THREE_PUBLIC,
        header=[[Cell("项目"), Cell(b.AMOUNT)]],
        body=body,
        row_facts=row_facts,
        widths=[3.0, 1.4],
        label_cols=(0,),
    )


# --- the narrative ------------------------------------------------------------------------------------------
GLOSSARY = (
    "一、基本支出预算：指为保障机构正常运转、完成日常工作任务而编制的年度基本支出计划，包括人员经费和公用经费。"
    "二、项目支出预算：指在基本支出之外为完成特定行政工作任务和事业发展目标而编制的年度支出计划。"
    "三、机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。"
)


def _stated(fact: TruthFact) -> str:
    return f"{format_value(fact)}万元"


class _Said:
    """Collects one paragraph's text and the facts it states."""

    def __init__(self, facts: list[TruthFact]) -> None:
        self.by_key = {f.key: f for f in facts}
        self.text = ""
        self.facts: list[TruthFact] = []

    def say(self, text: str, table: str | None = None, key: str = "", column: str = "") -> None:
        """Append ``text`` followed by the figure of (table, key, column), when there is a figure."""
        self.text += text
        if table is None:
            return
        fact = self.by_key[(table, key, column)]
        self.text += _stated(fact)
        self.facts.append(fact)

    def paragraph(self) -> Paragraph:
        paragraph = Paragraph(self.text, tuple(self.facts))
        self.text, self.facts = "", []
        return paragraph


def budget_narrative(unit_name: str, year: int, facts: list[TruthFact]) -> list[Paragraph]:
    """Profile, then the 预算情况说明 restating the key budget figures, then the glossary."""
    s = _Said(facts)
    out = [
        Paragraph("第一部分 单位概况", heading=True),
        Paragraph("一、主要职能", heading=True),
        Paragraph(
            f"{unit_name}负责本地区社会保险和就业服务的经办工作，承担参保登记、待遇核定与发放、"
            "基金收支管理和政策宣传咨询等事务，并完成上级主管部门交办的其他工作。"
        ),
        Paragraph("二、预算单位构成", heading=True),
        Paragraph(f"纳入本单位{year}年度预算编制范围的为本级单位。"),
        Paragraph(f"第二部分 {year}年度单位预算情况说明", heading=True),
        Paragraph("一、收支预算总体情况", heading=True),
    ]
    # Keyed as the narrative extractor keys these wordings: the 合计 row of 收入预算表 and 支出预算表.
    s.say(f"{year}年，{unit_name}收入预算", c.BUDGET_INCOME, c.TOTAL_ROW, b.TOTAL)
    s.say("，其中：财政拨款收入", c.BUDGET_INCOME, c.TOTAL_ROW, b.FISCAL_INCOME)
    s.say("。支出预算", c.BUDGET_EXPENDITURE, c.TOTAL_ROW, b.TOTAL)
    s.say("，其中：基本支出", c.BUDGET_EXPENDITURE, c.TOTAL_ROW, b.BASIC_COLUMN)
    if (c.BUDGET_EXPENDITURE, c.TOTAL_ROW, b.PROJECT_COLUMN) in s.by_key:
        s.say("，项目支出", c.BUDGET_EXPENDITURE, c.TOTAL_ROW, b.PROJECT_COLUMN)
    s.say("。")
    out += [s.paragraph(), Paragraph("二、一般公共预算支出预算情况", heading=True)]
    s.say(f"{year}年一般公共预算拨款支出预算", c.BUDGET_GENERAL, c.TOTAL_ROW, b.TOTAL)
    classes = sorted(
        (f for f in facts if f.table_name == c.BUDGET_GENERAL and len(f.subject_code or "") == 3),
        key=lambda f: f.subject_key,
    )
    for index, fact in enumerate(f for f in classes if f.column_name == b.TOTAL):
        s.say("，其中：" if index == 0 else "，", None)
        s.say(f"{fact.line_item}（类）", c.BUDGET_GENERAL, fact.subject_key, b.TOTAL)
    s.say("。")
    out += [s.paragraph(), Paragraph("三、一般公共预算基本支出预算情况", heading=True)]
    s.say(f"{year}年一般公共预算基本支出预算", c.BUDGET_BASIC, c.TOTAL_ROW, b.TOTAL)
    s.say("，其中：人员经费", c.BUDGET_BASIC, c.TOTAL_ROW, c.BUDGET_PERSONNEL)
    s.say("，公用经费", c.BUDGET_BASIC, c.TOTAL_ROW, c.BUDGET_PUBLIC_USE)
    s.say("。")
    out += [s.paragraph(), Paragraph("四、“三公”经费预算情况", heading=True)]
    three = c.BUDGET_THREE_PUBLIC
    s.say(f"{year}年“三公”经费预算数为", three, c.TOTAL_ROW, b.AMOUNT)
    s.say("。其中：因公出国（境）费", three, "因公出国（境）费", b.AMOUNT)
    s.say("；公务用车购置及运行维护费", three, "公务用车购置及运行维护费", b.AMOUNT)
    s.say("（其中：公务用车购置费", three, "公务用车购置费", b.AMOUNT)
    s.say("，公务用车运行维护费", three, "公务用车运行维护费", b.AMOUNT)
    s.say("）；公务接待费", three, "公务接待费", b.AMOUNT)
    s.say("。")
    out += [s.paragraph(), Paragraph("五、机关运行经费预算情况", heading=True)]
    s.say(f"{year}年本单位机关运行经费预算", c.BUDGET_OPERATING, c.TOTAL_ROW, b.AMOUNT)
    s.say("。")
    out += [s.paragraph(), Paragraph("六、政府采购预算情况", heading=True)]
    purchase = c.BUDGET_PROCUREMENT
    s.say(f"{year}年度本单位政府采购预算", purchase, c.TOTAL_ROW, b.AMOUNT)
    s.say("，其中：政府采购货物预算", purchase, b.PURCHASE_LINES[1], b.AMOUNT)
    s.say("、政府采购工程预算", purchase, b.PURCHASE_LINES[2], b.AMOUNT)
    s.say("、政府采购服务预算", purchase, b.PURCHASE_LINES[3], b.AMOUNT)
    s.say("。")
    out += [s.paragraph(), Paragraph("附：名词解释", heading=True), Paragraph(GLOSSARY)]
    return out


# --- the whole report -----------------------------------------------------------------------------------------
def build_budget_report(
    unit_id: str, unit_name: str, year: int, facts: list[TruthFact], catalogue: Catalogue
) -> Report:
    tables: dict[str, list[TruthFact]] = {name: [] for name in c.BUDGET_TABLE_NAMES}
    for fact in facts:
        if fact.source_kind == TABLE:
            tables[fact.table_name].append(fact)
        elif fact.source_kind != NARRATIVE:
            raise ValueError(f"{unit_id}: a budget fact is a table or a narrative fact, not {fact.source_kind}")
    spending = (b.TOTAL, b.BASIC_COLUMN, b.PROJECT_COLUMN)
    grids = [
        totals_grid(tables[c.BUDGET_TOTALS]),
        coded_budget_grid(c.BUDGET_INCOME, tables[c.BUDGET_INCOME], b.INCOME_COLUMNS, catalogue, year),
        coded_budget_grid(c.BUDGET_EXPENDITURE, tables[c.BUDGET_EXPENDITURE], spending, catalogue, year),
        fiscal_totals_grid(tables[c.BUDGET_FISCAL_TOTALS]),
        coded_budget_grid(c.BUDGET_GENERAL, tables[c.BUDGET_GENERAL], spending, catalogue, year),
        coded_budget_grid(
            c.BUDGET_BASIC,
            tables[c.BUDGET_BASIC],
            (b.TOTAL, c.BUDGET_PERSONNEL, c.BUDGET_PUBLIC_USE),
            catalogue,
            year,
            ECONOMIC,
        ),
        coded_budget_grid(
            c.BUDGET_GOV_FUND,
            tables[c.BUDGET_GOV_FUND],
            spending,
            catalogue,
            year,
            note=EMPTY_NOTE.format(year=year, what="政府性基金预算拨款"),
        ),
        coded_budget_grid(
            c.BUDGET_STATE_CAPITAL,
            tables[c.BUDGET_STATE_CAPITAL],
            spending,
            catalogue,
            year,
            note=EMPTY_NOTE.format(year=year, what="国有资本经营预算拨款"),
        ),
        three_public_grid(tables[c.BUDGET_THREE_PUBLIC]),
    ]
    if tables[c.BUDGET_OPERATING]:
        grids.append(
            coded_budget_grid(c.BUDGET_OPERATING, tables[c.BUDGET_OPERATING], (b.AMOUNT,), catalogue, year, ECONOMIC)
        )
    paragraphs = budget_narrative(unit_name, year, facts)
    return Report(unit_id, unit_name, year, paragraphs, grids, kind=c.BUDGET)
