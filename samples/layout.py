"""A report model built from ground-truth facts: what every renderer draws, and where each fact sits.

A report is a cover, a table of contents, narrative sections (our own wording, restating some of the
figures, and stating the figures no grid shows: 年初预算 amounts beside the actual of their row, and
last year's figures as a change right after this year's, see :class:`_Extras`) and the standard
tables. A unit whose truth is narrative (its real tables were published as images) gets a
narrative-only report instead: no table, a note where the tables would be, and a
情况说明 that states every one of its figures in wording the narrative extractor reads
(:func:`narrated_report`). A table is a :class:`Grid`: header rows of :class:`Cell` (with
column and row spans, as printed reports merge 本年支出 over 小计 | 基本支出 | 项目支出) and body rows
of plain strings, plus, per body row, the facts that row shows. Renderers decide pages; they report
the page of every body row and paragraph, which gives every fact its expected page.

Layouts follow the standard 决算 tables as the canonical mapping (``juesuan.extract.mapping``) reads
them; ``tests/test_pdf.py`` reads every rendered sample back through it and requires exactly the
rendered facts, and ``tests/test_samples.py`` reads a narrative-only report's prose back through the
narrative extractor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from juesuan import contract as c
from juesuan.samples import truth as t
from juesuan.samples.truth import RESTATED, TABLE, TruthFact, format_value, is_initial_budget, is_narrative_only
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
    restated: tuple[TruthFact, ...] = ()  # last year's figures its change sentences state


@dataclass
class Report:
    unit_id: str
    unit_name: str
    year: int
    paragraphs: list[Paragraph]
    grids: list[Grid]
    narrative_only: bool = False  # tables published as images: every figure is in the prose
    kind: str = c.FINAL  # 决算, or 预算 (the synthetic budget samples, :mod:`.budget_layout`)

    @property
    def cover_title(self) -> str:
        return f"{self.year}年度单位{self.kind}公开"

    @property
    def cover_date(self) -> str:
        """A 决算 is published the autumn after its year, a budget early in its own year."""
        return f"{self.year + 1}年9月" if self.kind == c.FINAL else f"{self.year}年2月"

    @property
    def title(self) -> str:
        return f"{self.unit_name}{self.cover_title}"

    @property
    def contents_parts(self) -> tuple[str, str, str]:
        """The contents' parts: profile, 情况说明, tables."""
        if self.kind == c.FINAL:
            return ("第一部分 单位概况", f"第二部分 {self.year}年度决算情况说明", "第三部分 决算公开报表")
        return ("第一部分 单位概况", f"第二部分 {self.year}年度单位预算情况说明", "第三部分 单位预算公开报表")


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
INCOME_LINES = c.SUMMARY_INCOME_LINES
FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")


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
    income_lines = c.FISCAL_INCOME_LINES if fiscal else INCOME_LINES
    for index, line in enumerate(income_lines):
        left.add(_numbered(index, line.removesuffix("收入") if fiscal else line), line)
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
        (
            ("合计", "政府采购支出合计"),
            ("1.货物", "政府采购货物支出"),
            ("2.工程", "政府采购工程支出"),
            ("3.服务", "政府采购服务支出"),
        ),
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
GLOSSARY = (
    "一、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。"
    "二、项目支出：指在基本支出之外为完成特定工作任务和事业发展目标所发生的支出。"
)


def _amount(fact: TruthFact) -> str:
    return f"{format_value(fact)}万元"


def _profile(unit_name: str) -> list[Paragraph]:
    return [
        Paragraph("第一部分 单位概况", heading=True),
        Paragraph("一、主要职能", heading=True),
        Paragraph(
            f"{unit_name}负责本地区社会保险和就业服务的经办工作，承担参保登记、待遇核定与发放、"
            "基金收支管理和政策宣传咨询等事务，并完成上级主管部门交办的其他工作。"
        ),
        Paragraph("二、机构设置", heading=True),
        Paragraph("本单位内设综合、财务、稽核和信息等科室，纳入本年度决算编制范围的为本级单位。"),
    ]


def narrative(unit_name: str, year: int, facts: list[TruthFact]) -> list[Paragraph]:
    """Our own wording: a profile without figures, then sections restating chosen table figures, the
    narrative-only figures (年初预算, see :class:`_Extras`) and last year's figures as changes."""
    extras = _Extras(facts)
    by_key = {f.key: f for f in facts if f.source_kind != RESTATED and not is_initial_budget(f)}

    def get(table: str, key: str, column: str) -> TruthFact | None:
        return by_key.get((table, key, column))

    out: list[Paragraph] = [*_profile(unit_name), Paragraph(f"第二部分 {year}年度决算情况说明", heading=True)]

    def section(heading: str, parts: list[tuple[str, TruthFact | None]]) -> None:
        sentences = _paragraph(_clauses(parts, extras=extras))
        if sentences:
            out.append(Paragraph(heading, heading=True))
            out.extend(sentences)

    def restated(table: str, key: str, column: str) -> TruthFact | None:
        """A figure no fixed clause states, stated only for the change against last year it carries."""
        fact = get(table, key, column)
        return fact if fact is not None and extras.restates(fact) else None

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
        [
            ("本年度财政拨款支出", restated(c.FISCAL_TOTALS, "本年支出合计", "合计")),
            ("一般公共预算财政拨款支出", get(c.GENERAL_BUDGET, c.TOTAL_ROW, "小计")),
        ]
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
            ("公务用车购置费", restated(c.THREE_PUBLIC, "公务用车购置费", "决算数")),
            ("公务用车运行维护费", restated(c.THREE_PUBLIC, "公务用车运行维护费", "决算数")),
            ("公务接待费", get(c.THREE_PUBLIC, "公务接待费", "决算数")),
        ],
    )
    section(
        "八、机关运行经费支出情况说明",
        [(f"{year}年度机关运行经费支出", get(c.RELATED_INFO, c.OPERATING_COST, "统计数"))],
    )
    extras.check_all_stated(unit_name)
    out.append(Paragraph("第三部分 名词解释", heading=True))
    out.append(Paragraph(GLOSSARY))
    return out


# --- the narrative-only report --------------------------------------------------------------------------
# Where the tables would be; no figure, no table title, so neither triage nor the narrative reads it.
TABLES_AS_IMAGES = (
    "本单位本年度的公开报表在原件中以图片形式发布，表内数字不能作为文字复制或检索；"
    "各项决算数字均在下文情况说明中以文字列明。"
)


def _chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三 (section numbers up to 99)."""
    if not 1 <= number <= 99:
        raise ValueError(f"section number {number} outside 1..99")
    tens, units = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{NUMERALS[tens - 1]}十")
    return head + (NUMERALS[units - 1] if units else "")


def _stated(fact: TruthFact) -> str:
    """A figure as the prose states it: amounts in 万元, vehicles in 辆, equipment in 台（套）."""
    unit = {t.VEHICLE_COLUMN: "辆", t.EQUIPMENT_COLUMN: "台（套）"}.get(fact.column_name, "万元")
    return f"{format_value(fact)}{unit}"


@dataclass(frozen=True)
class _Sentence:
    text: str
    facts: tuple[TruthFact, ...]
    restated: tuple[TruthFact, ...] = ()


HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _rate(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * HUNDRED).quantize(CENT)}%"


class _Extras:
    """The figures stated beside this year's figure of their row rather than on their own: last year's
    figure (a change sentence the extractor turns back into it) and the 年初预算 of a row of
    一般公共预算财政拨款支出决算表 (年初预算 …，支出决算 …). Each is handed out once."""

    def __init__(self, facts: list[TruthFact]) -> None:
        self.previous = {f.key: f for f in facts if f.source_kind == RESTATED}
        self.budgets = {
            (f.table_name, f.subject_key): f for f in facts if f.source_kind != RESTATED and is_initial_budget(f)
        }

    def restates(self, fact: TruthFact) -> bool:
        return fact.key in self.previous

    def budget(self, fact: TruthFact) -> TruthFact | None:
        """The 年初预算 of ``fact``'s row, when ``fact`` is the row's 小计."""
        if fact.table_name != c.GENERAL_BUDGET or fact.column_name != "小计":
            return None
        return self.budgets.pop((fact.table_name, fact.subject_key), None)

    def change(self, fact: TruthFact) -> tuple[str, TruthFact | None]:
        """``，比上年增加 X万元，增长 Y%`` (or 减少/下降, or ``，与上年持平``) for last year's figure of ``fact``'s key.

        The change names no subject: the extractor takes the figure stated just before it, so the
        clause must follow this year's figure directly and end its sentence."""
        previous = self.previous.pop(fact.key, None)
        if previous is None:
            return "", None
        if fact.is_count:
            raise ValueError(f"last year's {'/'.join(fact.key)}: a change of a count is not stated in prose")
        difference = fact.value - previous.value
        if difference == 0:
            return "，与上年持平", previous
        word, rate_word = ("增加", "增长") if difference > 0 else ("减少", "下降")
        text = f"，比上年{word}{format_value(replace(fact, value=abs(difference)))}万元"
        if previous.value != 0:
            text += f"，{rate_word}{_rate(abs(difference), previous.value)}"
        return text, previous

    def clause(self, label: str, fact: TruthFact) -> tuple[str, tuple[TruthFact, ...], TruthFact | None]:
        """``label`` with ``fact`` (and its 年初预算, its change against last year when there are)."""
        budget = self.budget(fact)
        facts: tuple[TruthFact, ...] = (fact,)
        if budget is None:
            text = f"{label}{_stated(fact)}"
        else:
            text = f"{label}年初预算{_stated(budget)}，支出决算{_stated(fact)}"
            if budget.value != 0:
                text += f"，完成年初预算的{_rate(fact.value, budget.value)}"
            facts = (budget, fact)
        change, previous = self.change(fact)
        return text + change, facts, previous

    def check_all_stated(self, unit_name: str) -> None:
        left = sorted(self.previous) + sorted(self.budgets)
        if left:
            raise ValueError(f"{unit_name}: no sentence states {left} (this year's figure of the row is not stated)")


class _Prose:
    """Hands out each truth fact once, so that the narrative-only report states every one exactly once."""

    def __init__(self, facts: list[TruthFact], catalogue: Catalogue, year: int) -> None:
        self.extras = _Extras(facts)
        self.left = {f.key: f for f in facts if f.source_kind != RESTATED and not is_initial_budget(f)}
        self.catalogue = catalogue
        self.year = year

    def clauses(
        self, parts: Iterable[tuple[str, TruthFact | None]], lead: str = "", joiner: str = "，", end: str = "。"
    ) -> _Sentence | None:
        return _clauses(parts, lead, joiner, end, self.extras)

    def take(self, table: str, key: str, column: str) -> TruthFact | None:
        return self.left.pop((table, key, column), None)

    def coded(self, table: str, column: str) -> list[TruthFact]:
        found = sorted(
            (f for f in self.left.values() if f.table_name == table and f.subject_code and f.column_name == column),
            key=lambda f: f.subject_code or "",
        )
        for fact in found:
            del self.left[fact.key]
        return found

    def name(self, code: str, classification: str) -> str:
        subject = self.catalogue.get(code, classification, self.year)
        if subject is None:
            raise ValueError(f"subject {code} ({classification}) is not in the {self.year} catalogue")
        return subject.name


def _clauses(
    parts: Iterable[tuple[str, TruthFact | None]],
    lead: str = "",
    joiner: str = "，",
    end: str = "。",
    extras: _Extras | None = None,
) -> _Sentence | None:
    """One sentence stating the present figures; a clause with a change against last year ends it (the
    extractor reads any later figure of a sentence holding a comparison as part of the comparison)."""
    present = [(label, fact) for label, fact in parts if fact is not None]
    if not present:
        return None
    text = lead
    facts: list[TruthFact] = []
    restated: list[TruthFact] = []
    for index, (label, fact) in enumerate(present):
        if extras is None:
            clause, stated, previous = f"{label}{_stated(fact)}", (fact,), None
        else:
            clause, stated, previous = extras.clause(label, fact)
        text += clause
        facts.extend(stated)
        if previous is not None:
            restated.append(previous)
        if index < len(present) - 1:
            text += "。" if previous is not None else joiner
    return _Sentence(text + end, tuple(facts), tuple(restated))


def _paragraph(*sentences: _Sentence | None) -> list[Paragraph]:
    present = [s for s in sentences if s is not None]
    if not present:
        return []
    return [
        Paragraph(
            "".join(s.text for s in present),
            tuple(f for s in present for f in s.facts),
            restated=tuple(f for s in present for f in s.restated),
        )
    ]


def _functional_chain(prose: _Prose, code: str) -> str:
    """``社会保障和就业支出（类）人力资源和社会保障管理事务（款）社会保险经办机构（项）``: the form the
    narrative extractor resolves through the catalogue, from the 类 on (a bare 项 name can be ambiguous)."""
    levels = ("类", "款", "项")
    prefixes = [code[:3], code[:5], code[:7]][: (len(code) - 1) // 2]
    return "".join(f"{prose.name(p, FUNCTIONAL)}（{level}）" for p, level in zip(prefixes, levels, strict=False))


def _economic_paragraphs(prose: _Prose, table: str, lead: str) -> list[Paragraph]:
    """One paragraph per economic 类: the 类 figure when there is one, then its 款. Naming the 类 first
    lets the extractor place a 款 name two 类 share (办公设备购置: 30902 or 31002)."""
    items = prose.coded(table, "决算数")
    out: list[Paragraph] = []
    for index, group in enumerate(sorted({(f.subject_code or "")[:3] for f in items})):
        head = next((f for f in items if f.subject_code == group), None)
        members = [f for f in items if f.subject_code != group and (f.subject_code or "").startswith(group)]
        prefix = lead if index == 0 else ""
        if head is not None:
            parts = [
                (head.line_item, head),
                *((f"其中{f.line_item}" if i == 0 else f.line_item, f) for i, f in enumerate(members)),
            ]
            out += _paragraph(prose.clauses(parts, lead=prefix))
        else:
            parts = [(f.line_item, f) for f in members]
            out += _paragraph(prose.clauses(parts, lead=f"{prefix}{prose.name(group, ECONOMIC)}中，"))
    return out


def _three_public_clause(prose: _Prose, line: str, label: str) -> _Sentence | None:
    """``label全年预算 B，决算 A`` and, after the actual, its change against last year."""
    budget = prose.take(c.THREE_PUBLIC, line, "预算数")
    actual = prose.take(c.THREE_PUBLIC, line, "决算数")
    change, previous = prose.extras.change(actual) if actual is not None else ("", None)
    restated = (previous,) if previous is not None else ()
    if budget is not None and actual is not None:
        return _Sentence(f"{label}全年预算{_stated(budget)}，决算{_stated(actual)}{change}", (budget, actual), restated)
    if budget is not None:
        return _Sentence(f"{label}全年预算{_stated(budget)}", (budget,))
    if actual is not None:
        return _Sentence(f"{label}{_stated(actual)}{change}", (actual,), restated)
    return None


def _three_public_paragraphs(prose: _Prose) -> list[Paragraph]:
    total = _three_public_clause(prose, c.TOTAL_ROW, "“三公”经费财政拨款支出")
    items = [_three_public_clause(prose, line, line) for line in t.THREE_PUBLIC_LINES[1:]]
    present = [item for item in items if item is not None]
    sentences = []
    if total is not None:
        sentences.append(replace(total, text=total.text + "。"))
    if present:
        text = "其中：" + "；".join(item.text for item in present) + "。"
        facts = tuple(f for item in present for f in item.facts)
        sentences.append(_Sentence(text, facts, tuple(f for item in present for f in item.restated)))
    return _paragraph(*sentences)


def narrated_report(unit_name: str, year: int, facts: list[TruthFact], catalogue: Catalogue) -> list[Paragraph]:
    """The prose of a narrative-only report: every fact of ``facts`` stated once, each under the
    情况说明 section whose heading tells the narrative extractor which table the figure belongs to."""
    prose = _Prose(facts, catalogue, year)
    take, clauses = prose.take, prose.clauses
    sections: list[tuple[str, list[Paragraph]]] = []

    def section(title: str, *paragraphs: list[Paragraph]) -> None:
        sections.append((title, [p for group in paragraphs for p in group]))

    section(
        "收入支出决算总体情况说明",
        _paragraph(
            clauses(
                [
                    (f"{year}年度收入总计", take(c.TOTALS, c.INCOME_GRAND_TOTAL, "金额")),
                    ("支出总计", take(c.TOTALS, c.EXPENDITURE_GRAND_TOTAL, "金额")),
                ]
            ),
            clauses((line, take(c.TOTALS, line, "金额")) for line in t.TOTALS_LINES[2:5]),
            clauses((line, take(c.TOTALS, line, "金额")) for line in t.TOTALS_LINES[5:]),
        ),
        _paragraph(clauses(((line, take(c.TOTALS, line, "金额")) for line in t.FISCAL_INCOME_LINES), "本年收入中，")),
    )
    section(
        "收入决算情况说明",
        _paragraph(
            clauses([("本年收入合计", take(c.INCOME, c.TOTAL_ROW, "本年收入合计"))]),
            clauses(((name, take(c.INCOME, c.TOTAL_ROW, name)) for name in t.INCOME_SOURCES), "其中，"),
        ),
    )
    section(
        "支出决算情况说明",
        _paragraph(
            clauses([("本年支出合计", take(c.EXPENDITURE, c.TOTAL_ROW, "本年支出合计"))]),
            clauses(((name, take(c.EXPENDITURE, c.TOTAL_ROW, name)) for name in t.EXPENDITURE_KINDS), "其中，"),
        ),
    )
    section(
        "财政拨款收入支出决算总体情况说明",
        _paragraph(
            clauses(
                [
                    (f"{year}年度财政拨款收入总计", take(c.FISCAL_TOTALS, c.INCOME_GRAND_TOTAL, "金额")),
                    ("财政拨款支出总计", take(c.FISCAL_TOTALS, c.EXPENDITURE_GRAND_TOTAL, "合计")),
                ]
            )
        ),
    )
    functional = prose.coded(c.GENERAL_BUDGET, "小计")
    classes = [f for f in functional if len(f.subject_code or "") == 3]
    deeper = [f for f in functional if len(f.subject_code or "") > 3]
    chains = []
    for group in sorted({(f.subject_code or "")[:3] for f in deeper}):
        members = [f for f in deeper if (f.subject_code or "").startswith(group)]
        chains += _paragraph(
            clauses(((_functional_chain(prose, f.subject_code or ""), f) for f in members), joiner="；")
        )
    section(
        "一般公共预算财政拨款支出决算情况说明",
        _paragraph(clauses([(f"{year}年度一般公共预算财政拨款支出", take(c.GENERAL_BUDGET, c.TOTAL_ROW, "小计"))])),
        _paragraph(clauses(((f.line_item, f) for f in classes), "按支出功能分类科目，")),
        chains,
    )
    section(
        "一般公共预算财政拨款基本支出决算情况说明",
        _paragraph(
            clauses([(f"{year}年度一般公共预算财政拨款基本支出", take(c.GENERAL_BUDGET, c.TOTAL_ROW, "基本支出"))]),
            clauses(
                [
                    ("人员经费", take(c.BASIC, c.PERSONNEL_TOTAL, "决算数")),
                    ("公用经费", take(c.BASIC, c.PUBLIC_USE_TOTAL, "决算数")),
                ],
                "其中，",
            ),
        ),
        _economic_paragraphs(prose, c.BASIC, "按支出经济分类科目，"),
    )
    section(
        "一般公共预算财政拨款项目支出决算情况说明",
        _paragraph(
            clauses([(f"{year}年度一般公共预算财政拨款项目支出", take(c.GENERAL_BUDGET, c.TOTAL_ROW, "项目支出"))])
        ),
        _economic_paragraphs(prose, c.PROJECT, "按支出经济分类科目，"),
    )
    section(
        "政府性基金预算财政拨款收入支出决算情况说明",
        _paragraph(clauses([(f"{year}年度政府性基金预算财政拨款支出", take(c.GOV_FUND, c.TOTAL_ROW, "小计"))])),
    )
    section(
        "国有资本经营预算财政拨款支出决算情况说明",
        _paragraph(clauses([(f"{year}年度国有资本经营预算财政拨款支出", take(c.STATE_CAPITAL, c.TOTAL_ROW, "合计"))])),
    )
    section("财政拨款“三公”经费支出决算情况说明", _three_public_paragraphs(prose))
    section(
        "机关运行经费支出情况说明",
        _paragraph(clauses([(f"{year}年度机关运行经费支出", take(c.RELATED_INFO, c.OPERATING_COST, "统计数"))])),
    )
    purchases = [take(c.RELATED_INFO, line, "统计数") for line in t.PURCHASE_LINES]
    small = [take(c.RELATED_INFO, line, "统计数") for line in t.SME_LINES]
    section(
        "政府采购支出情况说明",
        _paragraph(
            clauses([(f"{year}年度政府采购支出总额", purchases[0])]),
            clauses(
                zip(("政府采购货物支出", "政府采购工程支出", "政府采购服务支出"), purchases[1:], strict=True), "其中，"
            ),
            clauses(zip(("授予中小企业合同金额", "其中授予小微企业合同金额"), small, strict=True)),
        ),
    )
    vehicles = [take(c.RELATED_INFO, line, t.VEHICLE_COLUMN) for line in t.VEHICLE_LINES]
    section(
        "国有资产占用情况说明",
        _paragraph(
            clauses([("本单位共有车辆", vehicles[0])], f"截至{year}年12月31日，"),
            clauses(zip(t.VEHICLE_LINES[1:], vehicles[1:], strict=True), "其中，"),
            clauses([(t.EQUIPMENT_LINE, take(c.RELATED_INFO, t.EQUIPMENT_LINE, t.EQUIPMENT_COLUMN))]),
        ),
    )
    if prose.left:
        raise ValueError(f"{unit_name}: the narrative-only report cannot state {sorted(prose.left)}")
    prose.extras.check_all_stated(unit_name)
    out = [
        *_profile(unit_name),
        Paragraph(f"第二部分 {year}年度单位决算公开报表", heading=True),
        Paragraph(TABLES_AS_IMAGES),
        Paragraph(f"第三部分 {year}年度决算情况说明", heading=True),
    ]
    number = 0
    for title, paragraphs in sections:
        if paragraphs:
            number += 1
            out += [Paragraph(f"{_chinese_number(number)}、{title}", heading=True), *paragraphs]
    return [*out, Paragraph("第四部分 名词解释", heading=True), Paragraph(GLOSSARY)]


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
    if is_narrative_only(facts):
        return Report(unit_id, unit_name, year, narrated_report(unit_name, year, facts, catalogue), [], True)
    by_table: dict[str, list[TruthFact]] = {name: [] for name in TABLE_ORDER}
    for fact in facts:
        if fact.source_kind == TABLE:  # narrative-only and restated figures are stated in the prose alone
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
