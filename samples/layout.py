"""A report model built from ground-truth facts: what every renderer draws, and where each fact sits.

A report is a cover, a table of contents, narrative sections (our own wording, restating some of the
figures) and the standard tables. A table is a :class:`Grid`: header rows of :class:`Cell` (with
column and row spans, as printed reports merge 本年支出 over 小计 | 基本支出 | 项目支出) and body rows
of plain strings, plus, per body row, the facts that row shows. Renderers decide pages; they report
the page of every body row and paragraph, which gives every fact its expected page.

Layouts follow the standard 决算 tables as the canonical mapping (``juesuan.extract.mapping``) reads
them; :func:`check_grids` maps every grid back through it, so a layout that could not be read back
exactly fails at generation time, not in a test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from juesuan import contract as c
from juesuan.samples.truth import TruthFact, format_value
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    align: str = "center"


@dataclass
class Grid:
    """One standard table as printed."""

    table_name: str
    title: str
    header: list[list[Cell | None]]  # None: covered by a span from the left or above
    body: list[list[str]]
    row_facts: list[list[TruthFact]]
    widths: list[float]  # relative column widths
    label_cols: tuple[int, ...] = (0, 1)  # text columns (left-aligned); the others hold amounts
    landscape: bool = False
    body_spans: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, col) -> colspan in the body
    note: str | None = None  # printed under the grid (注：…)

    @property
    def width(self) -> int:
        return len(self.widths)

    def header_texts(self) -> list[list[str]]:
        """Header rows as a reader sees them: a spanned cell's text in its first cell, blanks elsewhere."""
        return [[cell.text if cell is not None else "" for cell in row] for row in self.header]


@dataclass(frozen=True)
class Paragraph:
    text: str
    facts: tuple[TruthFact, ...] = ()
    heading: bool = False


@dataclass
class Report:
    unit_id: str
    unit_name: str
    year: int
    paragraphs: list[Paragraph]
    grids: list[Grid]

    @property
    def title(self) -> str:
        return f"{self.unit_name}{self.year}年度单位决算公开"


# --- helpers -----------------------------------------------------------------------------------------
def _numbered(index: int, label: str) -> str:
    return f"{NUMERALS[index]}、{label}" if index < len(NUMERALS) else label


def _by_key(facts: Iterable[TruthFact]) -> dict[tuple[str, str], TruthFact]:
    return {(f.subject_key, f.column_name): f for f in facts}


def _cells(facts: dict[tuple[str, str], TruthFact], key: str, columns: list[str]) -> tuple[list[str], list[TruthFact]]:
    values, shown = [], []
    for column in columns:
        fact = facts.get((key, column))
        values.append(format_value(fact) if fact else "")
        if fact:
            shown.append(fact)
    return values, shown


# --- coded tables ------------------------------------------------------------------------------------
# (group over the column or None, column); a group spans its consecutive columns.
CODED_COLUMNS: dict[str, tuple[tuple[str | None, str], ...]] = {
    c.INCOME: (
        (None, "本年收入合计"),
        (None, "财政拨款收入"),
        (None, "上级补助收入"),
        (None, "事业收入"),
        (None, "经营收入"),
        (None, "附属单位上缴收入"),
        (None, "其他收入"),
    ),
    c.EXPENDITURE: (
        (None, "本年支出合计"),
        (None, "基本支出"),
        (None, "项目支出"),
        (None, "上缴上级支出"),
        (None, "经营支出"),
        (None, "对附属单位补助支出"),
    ),
    c.GENERAL_BUDGET: (("本年支出", "小计"), ("本年支出", "基本支出"), ("本年支出", "项目支出")),
    c.GOV_FUND: (
        (None, "年初结转和结余"),
        (None, "本年收入"),
        ("本年支出", "小计"),
        ("本年支出", "基本支出"),
        ("本年支出", "项目支出"),
        (None, "年末结转和结余"),
    ),
    c.STATE_CAPITAL: (("本年支出", "合计"), ("本年支出", "基本支出"), ("本年支出", "项目支出")),
}


def coded_grid(table_name: str, facts: list[TruthFact], catalogue: Catalogue, year: int) -> Grid:
    spec = list(CODED_COLUMNS[table_name])
    known = {column for _, column in spec}
    for fact in facts:
        if fact.column_name not in known:
            spec.append((None, fact.column_name))
            known.add(fact.column_name)
    columns = [column for _, column in spec]
    top: list[Cell | None] = [Cell("项目", colspan=2), None]
    second: list[Cell | None] = [Cell("科目代码"), Cell("科目名称")]
    index = 0
    while index < len(spec):
        group, column = spec[index]
        if group is None:
            top.append(Cell(column, rowspan=2))
            second.append(None)
            index += 1
            continue
        span = 1
        while index + span < len(spec) and spec[index + span][0] == group:
            span += 1
        top.append(Cell(group, colspan=span))
        top.extend([None] * (span - 1))
        second.extend(Cell(col) for _, col in spec[index : index + span])
        index += span
    numbers: list[Cell | None] = [Cell("栏次", colspan=2), None, *(Cell(str(i)) for i in range(1, len(columns) + 1))]
    by_key = _by_key(facts)
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []
    body_spans: dict[tuple[int, int], int] = {}
    values, shown = _cells(by_key, c.TOTAL_ROW, columns)
    body.append(["合计", "", *values])
    row_facts.append(shown)
    body_spans[(0, 0)] = 2
    codes = sorted({f.subject_code for f in facts if f.subject_code})
    for code in codes:
        subject = catalogue.get(code, FUNCTIONAL, year)
        name = subject.name if subject else next(f.line_item for f in facts if f.subject_code == code)
        values, shown = _cells(by_key, code, columns)
        body.append([code, name, *values])
        row_facts.append(shown)
    wide = len(columns) > 4
    return Grid(
        table_name=table_name,
        title=table_name,
        header=[top, second, numbers],
        body=body,
        row_facts=row_facts,
        widths=[1.0, 3.2, *([1.25] * len(columns))],
        landscape=wide,
        body_spans=body_spans,
        note=None if facts else "注：本单位本年度无此项收支，故本表为空。",
    )


# --- two-sided summary tables -------------------------------------------------------------------------
INCOME_LINES = (
    "一般公共预算财政拨款收入",
    "政府性基金预算财政拨款收入",
    "国有资本经营预算财政拨款收入",
    "上级补助收入",
    "事业收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
)
FISCAL_INCOME_LINES = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
FUNDS = FISCAL_INCOME_LINES


@dataclass
class _Side:
    """One side of a summary table: (label, key of its facts or None) per line."""

    lines: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, label: str, key: str | None) -> None:
        self.lines.append((label, key))


def _summary_sides(table_name: str, facts: list[TruthFact]) -> tuple[_Side, _Side, list[_Side]]:
    left, right = _Side(), _Side()
    keys = {f.subject_key for f in facts}
    fiscal = table_name == c.FISCAL_TOTALS
    income_lines = FISCAL_INCOME_LINES if fiscal else INCOME_LINES
    for index, line in enumerate(income_lines):
        left.add(_numbered(index, line), line)
    classes = sorted({f.subject_code for f in facts if f.subject_code})
    for index, code in enumerate(classes):
        name = next(f.line_item for f in facts if f.subject_code == code)
        right.add(_numbered(index, name), code)
    extra_left = [
        f.line_item
        for f in facts
        if f.subject_code is None and _is_income_side(f.line_item, fiscal) and f.line_item not in income_lines
    ]
    for line in dict.fromkeys(extra_left):
        if line in ("本年收入合计", "收入总计") or "（" in line:
            continue
        left.add(line, line)
    tail_left: list[tuple[str, str | None]] = [("本年收入合计", "本年收入合计")]
    tail_right: list[tuple[str, str | None]] = [("本年支出合计", "本年支出合计")]
    if fiscal:
        for parent, side in (("年初财政拨款结转和结余", tail_left), ("年末财政拨款结转和结余", tail_right)):
            side.append((parent, parent))
            for fund in FUNDS:
                side.append((fund, f"{parent}（{fund}）"))
    else:
        tail_left += [("使用非财政拨款结余", "使用非财政拨款结余"), ("年初结转和结余", "年初结转和结余")]
        tail_right += [("结余分配", "结余分配"), ("年末结转和结余", "年末结转和结余")]
    unknown = keys - {k for _, k in left.lines + right.lines + tail_left + tail_right} - {"收入总计", "支出总计"}
    if unknown:
        raise ValueError(f"{table_name}: no summary line for {sorted(unknown)}")
    # 本年收入合计 and 本年支出合计 share a row, as do the two 总计 lines.
    pad = max(len(left.lines), len(right.lines))
    left.lines += [("", None)] * (pad - len(left.lines))
    right.lines += [("", None)] * (pad - len(right.lines))
    tail = max(len(tail_left), len(tail_right))
    tail_left += [("", None)] * (tail - len(tail_left))
    tail_right += [("", None)] * (tail - len(tail_right))
    left.lines += [*tail_left, ("总计", "收入总计")]
    right.lines += [*tail_right, ("总计", "支出总计")]
    return left, right, []


def _is_income_side(line_item: str, fiscal: bool) -> bool:
    return line_item.endswith("收入") or line_item.startswith("年初") or line_item == "使用非财政拨款结余"


def summary_grid(table_name: str, facts: list[TruthFact]) -> Grid:
    fiscal = table_name == c.FISCAL_TOTALS
    right_columns = ["合计", *FUNDS] if fiscal else ["金额"]
    # Printed headers name the funds short (一般公共预算 …); the canonical columns are the long names.
    printed = ["合计", *(fund.removesuffix("财政拨款") for fund in FUNDS)] if fiscal else ["金额"]
    left, right, _ = _summary_sides(table_name, facts)
    by_key = _by_key(facts)
    width = 2 + 1 + len(right_columns)
    top: list[Cell | None] = [Cell("收入", colspan=2), None, Cell("支出", colspan=1 + len(right_columns))]
    top += [None] * (width - len(top))
    header_row: list[Cell | None] = [Cell("项目"), Cell("金额"), Cell("项目"), *(Cell(col) for col in printed)]
    numbers: list[Cell | None] = [Cell("栏次"), Cell("1"), Cell("栏次")]
    numbers += [Cell(str(i)) for i in range(2, 2 + len(right_columns))]
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []
    for (l_label, l_key), (r_label, r_key) in zip(left.lines, right.lines, strict=True):
        shown: list[TruthFact] = []
        l_values, l_shown = _cells(by_key, l_key, ["金额"]) if l_key else ([""], [])
        r_values, r_shown = _cells(by_key, r_key, right_columns) if r_key else ([""] * len(right_columns), [])
        shown = l_shown + r_shown
        body.append([l_label, *l_values, r_label, *r_values])
        row_facts.append(shown)
    return Grid(
        table_name=table_name,
        title=table_name,
        header=[top, header_row, numbers],
        body=body,
        row_facts=row_facts,
        widths=[3.0, 1.4, 3.0, *([1.5] * len(right_columns))],
        label_cols=(0, 2),
        landscape=fiscal,
    )


# --- 基本支出 ----------------------------------------------------------------------------------------------
PERSONNEL_CLASSES = ("301", "303")


def basic_grid(facts: list[TruthFact], catalogue: Catalogue, year: int) -> Grid:
    coded = sorted((f for f in facts if f.subject_code), key=lambda f: f.subject_code or "")
    left = [f for f in coded if (f.subject_code or "")[:3] in PERSONNEL_CLASSES]
    right = [f for f in coded if (f.subject_code or "")[:3] not in PERSONNEL_CLASSES]
    top: list[Cell | None] = [Cell("人员经费", colspan=3), None, None, Cell("公用经费", colspan=3), None, None]
    header: list[Cell | None] = [Cell(x) for x in ("科目代码", "科目名称", "决算数") * 2]
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []

    def group(fact: TruthFact | None) -> list[str]:
        if fact is None:
            return ["", "", ""]
        subject = catalogue.get(fact.subject_code or "", ECONOMIC, year)
        return [fact.subject_code or "", subject.name if subject else fact.line_item, format_value(fact)]

    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else None
        b = right[index] if index < len(right) else None
        body.append(group(a) + group(b))
        row_facts.append([f for f in (a, b) if f is not None])
    by_key = _by_key(facts)
    personnel = by_key.get((c.PERSONNEL_TOTAL, "决算数"))
    public = by_key.get((c.PUBLIC_USE_TOTAL, "决算数"))
    spans: dict[tuple[int, int], int] = {}
    if personnel or public:
        spans[(len(body), 0)] = 2
        spans[(len(body), 3)] = 2
        body.append(
            [
                c.PERSONNEL_TOTAL,
                "",
                format_value(personnel) if personnel else "",
                c.PUBLIC_USE_TOTAL,
                "",
                format_value(public) if public else "",
            ]
        )
        row_facts.append([f for f in (personnel, public) if f is not None])
    return Grid(
        table_name=c.BASIC,
        title=c.BASIC,
        header=[top, header],
        body=body,
        row_facts=row_facts,
        widths=[1.0, 2.6, 1.2, 1.0, 2.6, 1.2],
        label_cols=(0, 1, 3, 4),
        body_spans=spans,
    )


# --- 三公 and 相关信息 ------------------------------------------------------------------------------------
THREE_PUBLIC_ROWS = (
    ("合计", "合计"),
    ("1.因公出国（境）费", "因公出国（境）费"),
    ("2.公务用车购置及运行维护费", "公务用车购置及运行维护费"),
    ("（1）公务用车购置费", "公务用车购置费"),
    ("（2）公务用车运行维护费", "公务用车运行维护费"),
    ("3.公务接待费", "公务接待费"),
)


def three_public_grid(facts: list[TruthFact]) -> Grid:
    by_key = _by_key(facts)
    body, row_facts = [], []
    for label, key in THREE_PUBLIC_ROWS:
        values, shown = _cells(by_key, key, ["预算数", "决算数"])
        body.append([label, *values])
        row_facts.append(shown)
    return Grid(
        table_name=c.THREE_PUBLIC,
        title=c.THREE_PUBLIC,
        header=[[Cell("项目"), Cell("预算数"), Cell("决算数")]],
        body=body,
        row_facts=row_facts,
        widths=[3.0, 1.4, 1.4],
        label_cols=(0,),
        note=None if facts else "注：本单位本年度无“三公”经费支出，故本表为空。",
    )


RELATED_SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "一、政府采购支出",
        (("合计", "政府采购合计"), ("1.货物", "政府采购货物"), ("2.工程", "政府采购工程"), ("3.服务", "政府采购服务")),
    ),
    (
        "二、机关运行经费",
        (
            ("1.行政单位", "机关运行经费（行政单位）"),
            ("2.参照公务员法管理事业单位", "机关运行经费（参照公务员法管理事业单位）"),
        ),
    ),
    (
        "三、国有资产占用情况",
        (
            ("车辆数合计（辆）", "车辆数合计"),
            ("1.副部（省）级及以上领导用车", "副部（省）级及以上领导用车"),
            ("2.主要负责人用车", "主要负责人用车"),
            ("3.机要通信用车", "机要通信用车"),
            ("4.应急保障用车", "应急保障用车"),
            ("5.执法执勤用车", "执法执勤用车"),
            ("6.特种专业技术用车", "特种专业技术用车"),
            ("7.离退休干部服务用车", "离退休干部服务用车"),
            ("8.其他用车", "其他用车"),
            ("单价100万元（含）以上设备（台套）", "单价100万元（含）以上设备"),
        ),
    ),
)


def related_info_grid(facts: list[TruthFact]) -> Grid:
    by_line = {f.line_item: f for f in facts}
    body: list[list[str]] = []
    row_facts: list[list[TruthFact]] = []
    spans: dict[tuple[int, int], int] = {}
    for section, lines in RELATED_SECTIONS:
        spans[(len(body), 0)] = 2
        body.append([section, ""])
        row_facts.append([])
        for label, line in lines:
            fact = by_line.get(line)
            body.append([label, format_value(fact) if fact else ""])
            row_facts.append([fact] if fact else [])
    return Grid(
        table_name=c.RELATED_INFO,
        title=c.RELATED_INFO,
        header=[[Cell("项目"), Cell("统计数")]],
        body=body,
        row_facts=row_facts,
        widths=[3.6, 1.4],
        label_cols=(0,),
        body_spans=spans,
    )


# --- the narrative ---------------------------------------------------------------------------------------
def _amount(fact: TruthFact) -> str:
    return f"{format_value(fact)}万元"


def narrative(unit_name: str, year: int, facts: list[TruthFact]) -> list[Paragraph]:
    """Our own wording: a profile without figures, then sections restating chosen table figures."""
    by_key = {(f.table_name, f.subject_key, f.column_name): f for f in facts}

    def get(table: str, key: str, column: str) -> TruthFact | None:
        return by_key.get((table, key, column))

    out: list[Paragraph] = [
        Paragraph("第一部分 单位概况", heading=True),
        Paragraph("一、主要职能", heading=True),
        Paragraph(
            f"{unit_name}负责本地区社会保险和就业服务的经办工作，承担参保登记、待遇核定与发放、"
            "基金收支管理和政策宣传咨询等事务，并完成上级主管部门交办的其他工作。"
        ),
        Paragraph("二、机构设置", heading=True),
        Paragraph("本单位内设综合、财务、稽核和信息等科室，纳入本年度决算编制范围的为本级单位。"),
        Paragraph(f"第二部分 {year}年度决算情况说明", heading=True),
    ]

    def section(heading: str, parts: list[tuple[str, TruthFact | None]], lead: str = "", end: str = "。") -> None:
        present = [(label, fact) for label, fact in parts if fact is not None]
        if not present:
            return
        clauses = [f"{label}{_amount(fact)}" for label, fact in present]
        out.append(Paragraph(heading, heading=True))
        out.append(Paragraph(lead + "，".join(clauses) + end, tuple(fact for _, fact in present)))

    section(
        "一、收入支出决算总体情况说明",
        [
            (f"{year}年度收入总计", get(c.TOTALS, c.INCOME_GRAND_TOTAL, "金额")),
            ("支出总计", get(c.TOTALS, c.EXPENDITURE_GRAND_TOTAL, "金额")),
            ("本年收入合计", get(c.TOTALS, "本年收入合计", "金额")),
            ("本年支出合计", get(c.TOTALS, "本年支出合计", "金额")),
        ],
    )
    section(
        "二、收入决算情况说明",
        [
            ("本年收入合计", get(c.INCOME, c.TOTAL_ROW, "本年收入合计")),
            ("财政拨款收入", get(c.INCOME, c.TOTAL_ROW, "财政拨款收入")),
            ("其他收入", get(c.INCOME, c.TOTAL_ROW, "其他收入")),
        ],
    )
    section(
        "三、支出决算情况说明",
        [
            ("本年支出合计", get(c.EXPENDITURE, c.TOTAL_ROW, "本年支出合计")),
            ("基本支出", get(c.EXPENDITURE, c.TOTAL_ROW, "基本支出")),
            ("项目支出", get(c.EXPENDITURE, c.TOTAL_ROW, "项目支出")),
        ],
    )
    section(
        "四、财政拨款收入支出决算总体情况说明",
        [
            ("财政拨款收入总计", get(c.FISCAL_TOTALS, c.INCOME_GRAND_TOTAL, "金额")),
            ("财政拨款支出总计", get(c.FISCAL_TOTALS, c.EXPENDITURE_GRAND_TOTAL, "合计")),
        ],
    )
    classes = sorted(
        (f for f in facts if f.table_name == c.GENERAL_BUDGET and f.column_name == "小计" and f.subject_code),
        key=lambda f: f.subject_code or "",
    )
    section(
        "五、一般公共预算财政拨款支出决算情况说明",
        [("一般公共预算财政拨款支出", get(c.GENERAL_BUDGET, c.TOTAL_ROW, "小计"))]
        + [(f"其中{f.line_item}", f) for f in classes if len(f.subject_code or "") == 3],
    )
    section(
        "六、一般公共预算财政拨款基本支出决算情况说明",
        [
            ("人员经费", get(c.BASIC, c.PERSONNEL_TOTAL, "决算数")),
            ("公用经费", get(c.BASIC, c.PUBLIC_USE_TOTAL, "决算数")),
        ],
    )
    section(
        "七、财政拨款“三公”经费支出决算情况说明",
        [
            ("“三公”经费财政拨款支出决算数", get(c.THREE_PUBLIC, c.TOTAL_ROW, "决算数")),
            ("因公出国（境）费", get(c.THREE_PUBLIC, "因公出国（境）费", "决算数")),
            ("公务用车购置及运行维护费", get(c.THREE_PUBLIC, "公务用车购置及运行维护费", "决算数")),
            ("公务接待费", get(c.THREE_PUBLIC, "公务接待费", "决算数")),
        ],
    )
    out.append(Paragraph("第三部分 名词解释", heading=True))
    out.append(
        Paragraph(
            "一、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。"
            "二、项目支出：指在基本支出之外为完成特定工作任务和事业发展目标所发生的支出。"
        )
    )
    return out


# --- the whole report -----------------------------------------------------------------------------------
TABLE_ORDER = (
    c.TOTALS,
    c.INCOME,
    c.EXPENDITURE,
    c.FISCAL_TOTALS,
    c.GENERAL_BUDGET,
    c.BASIC,
    c.GOV_FUND,
    c.STATE_CAPITAL,
    c.THREE_PUBLIC,
    c.RELATED_INFO,
)


def build_report(unit_id: str, unit_name: str, year: int, facts: list[TruthFact], catalogue: Catalogue) -> Report:
    by_table: dict[str, list[TruthFact]] = {name: [] for name in TABLE_ORDER}
    for fact in facts:
        by_table[fact.table_name].append(fact)
    grids: list[Grid] = []
    for name in TABLE_ORDER:
        table_facts = by_table[name]
        if name in (c.TOTALS, c.FISCAL_TOTALS):
            if table_facts:
                grids.append(summary_grid(name, table_facts))
        elif name == c.BASIC:
            if table_facts:
                grids.append(basic_grid(table_facts, catalogue, year))
        elif name == c.THREE_PUBLIC:
            grids.append(three_public_grid(table_facts))
        elif name == c.RELATED_INFO:
            if table_facts:
                grids.append(related_info_grid(table_facts))
        elif table_facts or name in (c.GOV_FUND, c.STATE_CAPITAL):
            grids.append(coded_grid(name, table_facts, catalogue, year))
    return Report(unit_id, unit_name, year, narrative(unit_name, year, facts), grids)


def narrative_facts(report: Report) -> list[TruthFact]:
    return [fact for paragraph in report.paragraphs for fact in paragraph.facts]
