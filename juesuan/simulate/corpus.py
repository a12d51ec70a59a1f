"""A synthetic multi-city corpus: N units × M years of consistent final-account reports.

Approach
--------
Figures are drawn per 项 (functional subject) in 分 (integer hundredths of 万元), so every total is
an exact integer sum: the accounting identities of the data contract (section 5) hold by
construction — class = Σ 款 = Σ 项, 合计 = Σ 类, 本年支出合计 = 基本 + 项目, the summary tables
balance, 基本支出 = 人员经费 + 公用经费, 三公 adds up — except where an error is injected on purpose.
Injected errors are recorded (:class:`InjectedError`: table, line, column, the consistent and the
published value), so the validation suites can be tested against a known answer.

Each report is then rendered in one of the formats juesuan meets (:data:`FORMATS`, shares chosen per
corpus):

* ``txt`` — a text export, in one of the layouts of real exports: tab-separated text or
  markdown-ish (``#`` headings, ``<b>`` labels; then the file is ``.md``); titles plain with a
  公开NN表 marker or numbered (一、…); 3- or 4-group 基本支出 tables; wide or narrow 三公 tables;
  amounts in 万元 or 元.
* ``pdf`` — a PDF with a text layer and ruled tables (the full cell grid);
* ``pdf-unruled`` — the same with three-line tables (rules under the title row, the header and the
  last row only);
* ``docx`` — a Word document with merged header cells;
* ``scanned`` — the ruled PDF rasterised into image-only pages (read by OCR only).

The non-text formats are drawn by the bundled sample renderers (``juesuan.samples``): the model's
table figures become the samples' ground-truth facts, laid out as the standard grids, and the
model's own narrative (so an injected narrative mismatch is printed too) replaces the samples'.

The generator also returns the *table facts* it expects the extractor to produce (``expected``),
keyed like the contract, so a test can check extraction of a synthetic report exactly.

Unit and city names are built from lists of real prefecture names and usual department names;
codes and subject names come from the classification catalogue (``transform/catalogue``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from juesuan import contract as c
from juesuan.errors import UsageError
from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue

if TYPE_CHECKING:
    # Types only: the sample renderers (reportlab, python-docx, pdfium) are imported by the functions
    # that draw a non-text report, so text-only corpora and the web server do without them.
    from juesuan.samples.layout import Report as SampleReport
    from juesuan.samples.truth import TruthFact

CITIES: tuple[tuple[str, str], ...] = (
    ("山西省", "太原市"), ("山西省", "大同市"), ("山西省", "阳泉市"), ("山西省", "长治市"), ("山西省", "晋城市"),
    ("山西省", "朔州市"), ("山西省", "晋中市"), ("山西省", "运城市"), ("山西省", "忻州市"), ("山西省", "临汾市"),
    ("辽宁省", "沈阳市"), ("辽宁省", "大连市"), ("辽宁省", "鞍山市"), ("辽宁省", "抚顺市"), ("辽宁省", "本溪市"),
    ("辽宁省", "丹东市"), ("辽宁省", "锦州市"), ("辽宁省", "营口市"), ("辽宁省", "阜新市"), ("辽宁省", "朝阳市"),
    ("四川省", "成都市"), ("四川省", "自贡市"), ("四川省", "攀枝花市"), ("四川省", "泸州市"), ("四川省", "德阳市"),
    ("四川省", "绵阳市"), ("四川省", "广元市"), ("四川省", "遂宁市"), ("四川省", "内江市"), ("四川省", "达州市"),
    ("河南省", "郑州市"), ("河南省", "开封市"), ("河南省", "洛阳市"), ("河南省", "安阳市"), ("河南省", "新乡市"),
    ("湖南省", "长沙市"), ("湖南省", "株洲市"), ("湖南省", "湘潭市"), ("湖南省", "衡阳市"), ("湖南省", "岳阳市"),
)  # fmt: skip
#: Department kinds: (id suffix, name suffix, kind).
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("sic", "社会保险事业服务中心", "事业单位"),
    ("hrss", "人力资源和社会保障局", "行政单位"),
    ("emp", "就业服务中心", "参公事业单位"),
    ("pen", "机关养老保险管理中心", "参公事业单位"),
    ("arb", "劳动人事争议仲裁院", "事业单位"),
)
#: 项 the reports spend on, by 类 (all in the catalogue); the first of each class is always used.
SUBJECT_POOL: dict[str, tuple[str, ...]] = {
    "208": ("2080109", "2080101", "2080104", "2080107", "2080108", "2080505", "2080506", "2080799", "2089999"),
    "210": ("2101101", "2101102"),
    "221": ("2210201", "2210202"),
    "201": ("2012950",),
    "206": ("2069999",),
}
PERSONNEL_ITEMS = ("30101", "30102", "30103", "30107", "30108", "30109", "30110", "30112", "30113")
PUBLIC_USE_ITEMS = ("30201", "30207", "30211", "30213", "30228", "30229", "30231", "30239", "30299")
RETIREE_ITEMS = ("30302", "30305")
LAYOUT_CHOICES: dict[str, tuple[str, ...]] = {
    "style": ("txt", "md"),
    "titles": ("marker", "numbered"),
    "basic_groups": ("3", "4"),
    "three_public": ("wide", "narrow"),
    "amount_unit": ("万元", "元"),
}
ERROR_KINDS = ("class-sum", "row-sum", "narrative-mismatch", "rounding")
THREE_PUBLIC_LINES = (
    "合计",
    "因公出国（境）费",
    "公务用车购置及运行维护费",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
)
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class InjectedError:
    """A deliberate inconsistency: what the suites must find."""

    kind: str  # one of ERROR_KINDS
    table_name: str
    line_item: str
    subject_code: str | None
    column_name: str
    source_kind: str  # table | narrative
    consistent: Decimal  # the value that would satisfy the identities (万元)
    published: Decimal  # the value the report prints (万元)


@dataclass(frozen=True)
class UnitSpec:
    id: str
    name: str
    province: str
    city: str
    county: str
    level: str
    kind: str
    stewards: tuple[str, ...]


@dataclass
class SyntheticReport:
    unit: UnitSpec
    year: int
    kind: str  # how it was rendered: a key of RENDERERS (txt, md, pdf, pdf-unruled, docx, scanned)
    layout: dict[str, str]
    data: bytes
    expected: dict[tuple[str, str, str], Decimal]  # (table_name, subject code or line, column) → 万元
    errors: list[InjectedError] = field(default_factory=list)

    @property
    def format(self) -> str:
        """The file's format, as the registry and the extractor name it (a scanned report is a ``pdf``)."""
        return FILE_FORMATS[self.kind]

    @property
    def filename(self) -> str:
        return f"{self.unit.id}/{self.year}.{self.format}"


# --- figures ----------------------------------------------------------------------------------------
@dataclass
class Figures:
    """One report's numbers, in 分 of 万元 (integer hundredths), before rendering."""

    basic: dict[str, int]  # per 项: 一般公共预算 基本支出
    project: dict[str, int]  # per 项: 一般公共预算 项目支出
    other: dict[str, int]  # per 项: spending funded by 事业收入 (basic)
    economic: dict[str, int]  # 基本支出 by economic 款
    carry: int  # 年初 = 年末 结转和结余
    car_buy: int
    car_run: int
    reception: int
    abroad: int
    budget_factor: int  # 三公 预算数 = 决算数 × factor / 100


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` cut into ``parts`` positive integers summing to it exactly."""
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def draw_figures(rng: random.Random, subjects: list[str]) -> Figures:
    basic = {code: rng.randint(5_000, 200_000) for code in subjects}
    project = {code: rng.choice([0, 0, rng.randint(1_000, 150_000)]) for code in subjects}
    other = {code: rng.choice([0, 0, 0, rng.randint(500, 20_000)]) for code in subjects}
    basic_total = sum(basic.values())
    car_run = rng.randint(100, 900)
    # 公用经费 holds 30231 (the vehicles' running cost); the rest of 基本支出 is personnel and retirees.
    public_total = max(car_run + 2_000, basic_total * rng.randint(8, 20) // 100)
    retiree_total = basic_total * rng.randint(2, 8) // 100
    personnel_total = basic_total - public_total - retiree_total
    economic: dict[str, int] = {}
    for code, amount in zip(PERSONNEL_ITEMS, _split(personnel_total, len(PERSONNEL_ITEMS), rng), strict=True):
        economic[code] = amount
    public_rest = _split(public_total - car_run, len(PUBLIC_USE_ITEMS) - 1, rng)
    for code in PUBLIC_USE_ITEMS:
        economic[code] = car_run if code == "30231" else public_rest.pop()
    for code, amount in zip(RETIREE_ITEMS, _split(retiree_total, len(RETIREE_ITEMS), rng), strict=True):
        economic[code] = amount
    return Figures(
        basic=basic,
        project=project,
        other=other,
        economic=economic,
        carry=rng.choice([0, rng.randint(100, 5_000)]),
        car_buy=rng.choice([0, 0, rng.randint(1_000, 3_000)]),
        car_run=car_run,
        reception=rng.randint(0, 300),
        abroad=0,
        budget_factor=rng.choice([100, 110, 125]),
    )


# --- the model of one report: every table as rows of (code, line, column → 分) ----------------------------
Row = tuple[str | None, str, dict[str, int]]  # (code, line item, column → value in 分)


@dataclass
class Model:
    tables: dict[str, list[Row]]
    narrative: dict[str, int]
    classes: list[str]


def build_model(figures: Figures, catalogue: Catalogue, year: int) -> Model:
    """Every table's rows from the figures (totals computed, so the identities hold)."""
    subjects = sorted(figures.basic)

    def spend(code: str) -> dict[str, int]:
        total = figures.basic[code] + figures.project[code] + figures.other[code]
        return {
            "本年支出合计": total,
            "基本支出": figures.basic[code] + figures.other[code],
            "项目支出": figures.project[code],
        }

    def general(code: str) -> dict[str, int]:
        return {
            "小计": figures.basic[code] + figures.project[code],
            "基本支出": figures.basic[code],
            "项目支出": figures.project[code],
        }

    def income(code: str) -> dict[str, int]:
        fiscal = figures.basic[code] + figures.project[code]
        return {"本年收入合计": fiscal + figures.other[code], "财政拨款收入": fiscal, "事业收入": figures.other[code]}

    def coded(values: Callable[[str], dict[str, int]]) -> list[Row]:
        per_item = {code: values(code) for code in subjects}
        rows: list[Row] = [(None, c.TOTAL_ROW, _sum(per_item.values()))]
        for klass in sorted({code[:3] for code in subjects}):
            members = [code for code in subjects if code.startswith(klass)]
            rows.append((klass, _name(catalogue, klass, year), _sum(per_item[m] for m in members)))
            for kuan in sorted({code[:5] for code in members}):
                items = [code for code in members if code.startswith(kuan)]
                rows.append((kuan, _name(catalogue, kuan, year), _sum(per_item[m] for m in items)))
                rows.extend((item, _name(catalogue, item, year), per_item[item]) for item in items)
        return rows

    expenditure = coded(spend)
    general_rows = coded(general)
    income_rows = coded(income)
    classes = sorted({code[:3] for code in subjects})
    totals = expenditure[0][2]
    incomes = income_rows[0][2]
    fiscal = incomes["财政拨款收入"]
    class_spend = {row[0]: row[2]["本年支出合计"] for row in expenditure if row[0] in classes}
    class_general = {row[0]: row[2]["小计"] for row in general_rows if row[0] in classes}
    summary: list[Row] = [
        (None, "一般公共预算财政拨款收入", {"金额": fiscal}),
        (None, "事业收入", {"金额": incomes["事业收入"]}),
        (None, "本年收入合计", {"金额": incomes["本年收入合计"]}),
        (None, "年初结转和结余", {"金额": figures.carry}),
        (None, c.INCOME_GRAND_TOTAL, {"金额": incomes["本年收入合计"] + figures.carry}),
        *((k, _name(catalogue, k, year), {"金额": v}) for k, v in class_spend.items()),
        (None, "本年支出合计", {"金额": totals["本年支出合计"]}),
        (None, "年末结转和结余", {"金额": figures.carry}),
        (None, c.EXPENDITURE_GRAND_TOTAL, {"金额": totals["本年支出合计"] + figures.carry}),
    ]
    fiscal_summary: list[Row] = [
        (None, c.FISCAL_INCOME_LINES[0], {"金额": fiscal}),
        (None, "本年收入合计", {"金额": fiscal}),
        (None, c.INCOME_GRAND_TOTAL, {"金额": fiscal}),
        *((k, _name(catalogue, k, year), {"合计": v, "一般公共预算财政拨款": v}) for k, v in class_general.items()),
        (None, "本年支出合计", {"合计": fiscal, "一般公共预算财政拨款": fiscal}),
        (None, c.EXPENDITURE_GRAND_TOTAL, {"合计": fiscal, "一般公共预算财政拨款": fiscal}),
    ]
    economic_rows: list[Row] = []
    for klass in ("301", "302", "303"):
        members = [code for code in figures.economic if code.startswith(klass)]
        economic_rows.append(
            (klass, _name(catalogue, klass, year, ECONOMIC), {"决算数": sum(figures.economic[m] for m in members)})
        )
        economic_rows.extend((m, _name(catalogue, m, year, ECONOMIC), {"决算数": figures.economic[m]}) for m in members)
    personnel = sum(v for k, v in figures.economic.items() if k[:3] in ("301", "303"))
    public_use = sum(v for k, v in figures.economic.items() if k[:3] == "302")
    economic_rows += [
        (None, c.PERSONNEL_TOTAL, {"决算数": personnel}),
        (None, c.PUBLIC_USE_TOTAL, {"决算数": public_use}),
    ]
    cars = figures.car_buy + figures.car_run
    actual = {
        "合计": figures.abroad + cars + figures.reception,
        "因公出国（境）费": figures.abroad,
        "公务用车购置及运行维护费": cars,
        "公务用车购置费": figures.car_buy,
        "公务用车运行维护费": figures.car_run,
        "公务接待费": figures.reception,
    }
    three = [
        (None, item, {"预算数": value * figures.budget_factor // 100, "决算数": value})
        for item, value in actual.items()
    ]
    # Budgets are rounded per line; keep the 预算数 identities exact by re-deriving the sums.
    budget = {line: values["预算数"] for _, line, values in three}
    budget["公务用车购置及运行维护费"] = budget["公务用车购置费"] + budget["公务用车运行维护费"]
    budget["合计"] = budget["因公出国（境）费"] + budget["公务用车购置及运行维护费"] + budget["公务接待费"]
    three_rows: list[Row] = [
        (code, line, {"预算数": budget[line], "决算数": values["决算数"]}) for code, line, values in three
    ]
    return Model(
        tables={
            c.TOTALS: summary,
            c.INCOME: income_rows,
            c.EXPENDITURE: expenditure,
            c.FISCAL_TOTALS: fiscal_summary,
            c.GENERAL_BUDGET: general_rows,
            c.BASIC: economic_rows,
            c.THREE_PUBLIC: three_rows,
        },
        narrative={
            "收入总计": incomes["本年收入合计"] + figures.carry,
            "本年收入合计": incomes["本年收入合计"],
            "财政拨款收入": fiscal,
            "本年支出合计": totals["本年支出合计"],
            "基本支出": totals["基本支出"],
            "项目支出": totals["项目支出"],
            "人员经费": personnel,
            "公用经费": public_use,
        },
        classes=classes,
    )


def _sum(values: object) -> dict[str, int]:
    total: dict[str, int] = {}
    for mapping in values:  # type: ignore[attr-defined]
        for key, value in mapping.items():
            total[key] = total.get(key, 0) + value
    return total


def _name(catalogue: Catalogue, code: str, year: int, classification: str = FUNCTIONAL) -> str:
    # A year before the catalogue's first (a "last year's report" fault) borrows the earliest names.
    subject = catalogue.get(code, classification, year) or catalogue.get(code, classification)
    if subject is None:
        raise UsageError("subject code", code, ["a code of the classification catalogue"])
    return str(subject.name)


# --- injected errors ---------------------------------------------------------------------------------------
def inject(model: Model, kind: str, rng: random.Random) -> InjectedError:
    """Break one identity of ``model`` in place and say how."""
    if kind not in ERROR_KINDS:
        raise UsageError("error kind", kind, ERROR_KINDS)
    if kind == "class-sum":
        rows = model.tables[c.EXPENDITURE]
        index = next(i for i, row in enumerate(rows) if row[0] is not None and len(row[0]) == 3)
        return _shift(model, c.EXPENDITURE, index, "本年支出合计", rng.randint(1_000, 9_999), kind)
    if kind == "row-sum":
        rows = model.tables[c.GENERAL_BUDGET]
        index = next(i for i, row in enumerate(rows) if row[0] is not None and len(row[0]) == 7)
        return _shift(model, c.GENERAL_BUDGET, index, "小计", rng.randint(100, 999), kind)
    if kind == "rounding":
        rows = model.tables[c.TOTALS]
        index = next(i for i, row in enumerate(rows) if row[0] is not None)
        return _shift(model, c.TOTALS, index, "金额", -1, kind)
    consistent = model.narrative["本年支出合计"]
    delta = rng.randint(1_000, 5_000)
    model.narrative["本年支出合计"] = consistent + delta
    return InjectedError(
        kind=kind,
        table_name=c.EXPENDITURE,
        line_item=c.TOTAL_ROW,
        subject_code=None,
        column_name="本年支出合计",
        source_kind="narrative",
        consistent=_wan(consistent),
        published=_wan(consistent + delta),
    )


def _shift(model: Model, table: str, index: int, column: str, delta: int, kind: str) -> InjectedError:
    code, line, values = model.tables[table][index]
    consistent = values[column]
    model.tables[table][index] = (code, line, {**values, column: consistent + delta})
    return InjectedError(
        kind=kind,
        table_name=table,
        line_item=line,
        subject_code=code,
        column_name=column,
        source_kind="table",
        consistent=_wan(consistent),
        published=_wan(consistent + delta),
    )


def _wan(fen: int) -> Decimal:
    return Decimal(fen) / 100


# --- rendering ----------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, layout: dict[str, str]) -> None:
        self.layout = layout
        self.lines: list[str] = []
        self.table_number = 0

    @property
    def markdown(self) -> bool:
        return self.layout["style"] == "md"

    def heading(self, text: str) -> None:
        self.lines += [f"## {text}" if self.markdown else text, ""]

    def para(self, text: str) -> None:
        self.lines += [text, ""]

    def amount(self, fen: int) -> str:
        """A cell: ``1,234.56`` in 万元, or the same amount in 元 when the layout says so."""
        if self.layout["amount_unit"] == "元":
            return f"{fen * 100:,}.00"
        return f"{fen // 100:,}.{fen % 100:02d}" if fen >= 0 else f"-{(-fen) // 100:,}.{(-fen) % 100:02d}"

    def label(self, text: str) -> str:
        return f"<b>{text}</b>" if self.markdown else text

    def table(self, title: str, unit_name: str, year: int, rows: list[list[str]]) -> None:
        self.table_number += 1
        number = self.table_number
        shown = f"{CHINESE_NUMERALS[number - 1]}、{title}" if self.layout["titles"] == "numbered" else title
        self.lines += [f"# {shown}" if self.markdown else shown, ""]
        if self.layout["titles"] == "marker":
            self.lines += [f"公开{number:02d}表", ""]
        self.lines += [f"部门名称：{unit_name}", "", f"{year}年度", "", f"金额单位：{self.layout['amount_unit']}", ""]
        self.lines += ["\t".join(row) for row in rows]
        self.lines += ["", "注：本表金额转换时可能存在尾数误差。", ""]

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


def render_text(report_unit: UnitSpec, year: int, model: Model, layout: dict[str, str]) -> str:
    """A text export (tab-separated tables; markdown-ish headings when ``layout['style'] == 'md'``)."""
    w = _Writer(layout)
    w.lines += [report_unit.name, "", f"{year}年度部门决算公开", ""]
    w.heading("第一部分 部门概况")
    w.para(f"{report_unit.name}是{report_unit.city}{report_unit.kind}，本报告由合成数据生成，用于测试。")
    _narrative(w, report_unit, year, model)
    w.heading(f"第三部分 {year}年度部门决算表")
    _summary_table(w, report_unit, year, model)
    _coded_table(w, report_unit, year, c.INCOME, model, ("本年收入合计", "财政拨款收入", "上级补助收入", "事业收入"))
    _coded_table(w, report_unit, year, c.EXPENDITURE, model, ("本年支出合计", "基本支出", "项目支出", "上缴上级支出"))
    _fiscal_table(w, report_unit, year, model)
    _coded_table(w, report_unit, year, c.GENERAL_BUDGET, model, ("小计", "基本支出", "项目支出"))
    _basic_table(w, report_unit, year, model)
    _three_public_table(w, report_unit, year, model)
    return w.text()


def _narrative(w: _Writer, unit: UnitSpec, year: int, model: Model) -> None:
    for text, heading in narrative_blocks(year, model, yuan=w.layout["amount_unit"] == "元"):
        if heading:
            w.heading(text)
        else:
            w.para(text)


def narrative_blocks(year: int, model: Model, *, yuan: bool = False) -> list[tuple[str, bool]]:
    """The narrative part as ``(text, is_heading)`` blocks, amounts in 万元 (or 元), shared by every format."""
    n = model.narrative

    def money(fen: int) -> str:
        if yuan:
            return f"{fen * 100}.00元"
        sign, fen = ("-", -fen) if fen < 0 else ("", fen)
        return f"{sign}{fen // 100}.{fen % 100:02d}万元"

    return [
        (f"第二部分 {year}年度部门决算情况说明", True),
        ("一、收入支出决算总体情况说明", True),
        (f"{year}年度收入、支出总计均为{money(n['收入总计'])}。", False),
        ("二、收入决算情况说明", True),
        (f"本年收入合计{money(n['本年收入合计'])}，其中：财政拨款收入{money(n['财政拨款收入'])}。", False),
        ("三、支出决算情况说明", True),
        (
            f"本年支出合计{money(n['本年支出合计'])}，其中：基本支出{money(n['基本支出'])}，"
            f"项目支出{money(n['项目支出'])}。",
            False,
        ),
        ("四、一般公共预算财政拨款基本支出决算情况说明", True),
        (f"人员经费{money(n['人员经费'])}，公用经费{money(n['公用经费'])}。", False),
    ]


def _coded_table(w: _Writer, unit: UnitSpec, year: int, table: str, model: Model, columns: tuple[str, ...]) -> None:
    rows = [
        ["项目", "", *columns],
        ["科目代码", "科目名称", *([""] * len(columns))],
        ["栏次", "", *(str(i) for i in range(1, len(columns) + 1))],
    ]
    for code, line, values in model.tables[table]:
        cells = [w.amount(values[col]) if values.get(col) else "" for col in columns]
        if code is None:
            rows.append([w.label("合计"), "", *cells])
        else:
            rows.append([code, line, *cells])
    w.table(table, unit.name, year, rows)


def _numbered(index: int, label: str) -> str:
    tens, ones = divmod(index, 10)
    numeral = (
        (CHINESE_NUMERALS[tens - 1] if tens > 1 else "")
        + ("十" if tens else "")
        + (CHINESE_NUMERALS[ones - 1] if ones else "")
    )
    return f"{numeral}、{label}"


INCOME_LINES = ("一般公共预算财政拨款收入", "事业收入")
SUMMARY_TAILS = (
    ("本年收入合计", "本年支出合计"),
    ("年初结转和结余", "年末结转和结余"),
    (c.INCOME_GRAND_TOTAL, c.EXPENDITURE_GRAND_TOTAL),
)


def _summary_table(w: _Writer, unit: UnitSpec, year: int, model: Model) -> None:
    amounts = {line: values["金额"] for _, line, values in model.tables[c.TOTALS]}
    classes = [(line, values["金额"]) for code, line, values in model.tables[c.TOTALS] if code is not None]
    left = [(_numbered(i, line), amounts[line]) for i, line in enumerate(INCOME_LINES, start=1)]
    right = [(_numbered(i, line), amount) for i, (line, amount) in enumerate(classes, start=1)]
    rows = [
        ["收入", "", "", "支出", "", ""],
        ["项目", "行次", "金额", "项目", "行次", "金额"],
        ["栏次", "", "1", "栏次", "", "2"],
    ]
    for i in range(max(len(left), len(right))):
        lhs = left[i] if i < len(left) else ("", None)
        rhs = right[i] if i < len(right) else ("", None)
        rows.append([lhs[0], str(i + 1), _cell(w, lhs[1]), rhs[0], str(i + 20), _cell(w, rhs[1])])
    for i, (income_line, spend_line) in enumerate(SUMMARY_TAILS):
        rows.append(
            [
                w.label(_printed(income_line)), str(40 + i), _cell(w, amounts[income_line]),
                w.label(_printed(spend_line)), str(60 + i), _cell(w, amounts[spend_line]),
            ]
        )  # fmt: skip
    w.table(c.TOTALS, unit.name, year, rows)


def _printed(line: str) -> str:
    """Both grand totals are printed as 总计; the contract names them by side."""
    return "总计" if line in (c.INCOME_GRAND_TOTAL, c.EXPENDITURE_GRAND_TOTAL) else line


def _cell(w: _Writer, fen: int | None) -> str:
    return w.amount(fen) if fen else ""


def _fiscal_table(w: _Writer, unit: UnitSpec, year: int, model: Model) -> None:
    table = model.tables[c.FISCAL_TOTALS]
    income = [r for r in table if r[0] is None and "金额" in r[2]]
    spend = [r for r in table if r not in income]
    funds = ("合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
    rows = [
        ["收入", "", "", "支出", "", "", "", "", ""],
        ["项目", "行次", "金额", "项目", "行次", *funds],
        ["栏次", "", "1", "栏次", "", "2", "3", "4", "5"],
    ]
    lhs_rows = [r for r in income if r[1] == c.FISCAL_INCOME_LINES[0]]
    lhs_tail = [r for r in income if r not in lhs_rows]
    classes = [r for r in spend if r[0] is not None]
    tail = [r for r in spend if r[0] is None]
    for i in range(max(len(lhs_rows), len(classes))):
        lhs = (
            (_numbered(i + 1, lhs_rows[i][1].removesuffix("收入")), lhs_rows[i][2]["金额"])
            if i < len(lhs_rows)
            else ("", None)
        )
        rhs = classes[i] if i < len(classes) else None
        rhs_cells = [_cell(w, rhs[2].get(f)) for f in funds] if rhs else [""] * 4
        rhs_label = _numbered(i + 1, rhs[1]) if rhs else ""
        rows.append([lhs[0], str(i + 1), _cell(w, lhs[1]), rhs_label, str(i + 30), *rhs_cells])
    for i, (lhs_row, rhs_row) in enumerate(zip(lhs_tail, tail, strict=True)):
        lhs_label = "总计" if lhs_row[1] == c.INCOME_GRAND_TOTAL else lhs_row[1]
        rhs_label = "总计" if rhs_row[1] == c.EXPENDITURE_GRAND_TOTAL else rhs_row[1]
        rows.append(
            [
                w.label(lhs_label), str(50 + i), _cell(w, lhs_row[2]["金额"]),
                w.label(rhs_label), str(70 + i), *(_cell(w, rhs_row[2].get(f)) for f in funds),
            ]
        )  # fmt: skip
    w.table(c.FISCAL_TOTALS, unit.name, year, rows)


def _basic_table(w: _Writer, unit: UnitSpec, year: int, model: Model) -> None:
    rows_model = model.tables[c.BASIC]
    coded = [r for r in rows_model if r[0] is not None]
    totals = {r[1]: r[2]["决算数"] for r in rows_model if r[0] is None}
    personnel = [r for r in coded if r[0] is not None and r[0][:3] in ("301", "303")]
    public_use = [r for r in coded if r[0] is not None and r[0][:3] == "302"]
    groups = int(w.layout["basic_groups"])
    # Personnel items fill the first group (spilling into the second when four groups are printed),
    # 公用经费 the remaining groups: the way real tables wrap a long list over column groups.
    if groups == 3:
        columns = [personnel, public_use[: len(public_use) // 2 + 1], public_use[len(public_use) // 2 + 1 :]]
    else:
        half = len(personnel) // 2 + 1
        middle = len(public_use) // 2 + 1
        columns = [personnel[:half], personnel[half:], public_use[:middle], public_use[middle:]]
    header_top = ["人员经费", "", ""] + ["公用经费", "", ""] * (groups - 1)
    header = ["科目代码", "科目名称", "决算数"] * groups
    rows = [header_top, header]
    for i in range(max(len(col) for col in columns)):
        row: list[str] = []
        for col in columns:
            if i < len(col):
                code, line, values = col[i]
                row += [code or "", line, _cell(w, values["决算数"])]
            else:
                row += ["", "", ""]
        rows.append(row)
    closing = [w.label(c.PERSONNEL_TOTAL), "", _cell(w, totals[c.PERSONNEL_TOTAL]), w.label(c.PUBLIC_USE_TOTAL)]
    closing += [""] * (groups * 3 - 5) + [_cell(w, totals[c.PUBLIC_USE_TOTAL])]
    rows.append(closing)
    w.table("一般公共预算财政拨款基本支出决算明细表", unit.name, year, rows)


def _three_public_table(w: _Writer, unit: UnitSpec, year: int, model: Model) -> None:
    values = {line: v for _, line, v in model.tables[c.THREE_PUBLIC]}
    order = THREE_PUBLIC_LINES
    if w.layout["three_public"] == "narrow":
        labels = {
            "合计": "合计",
            "因公出国（境）费": "1、因公出国（境）费",
            "公务用车购置及运行维护费": "2、公务用车购置及运行维护费",
            "公务用车购置费": "（1）公务用车购置费",
            "公务用车运行维护费": "（2）公务用车运行维护费",
            "公务接待费": "3、公务接待费",
        }
        rows = [["项目", "预算数", "决算数"]]
        for line in order:
            rows.append([labels[line], _cell(w, values[line]["预算数"]), _cell(w, values[line]["决算数"])])
    else:
        group = ["合计", "因公出国（境）费", "公务用车购置及运行维护费", "", "", "公务接待费"]
        sub = ["", "", "小计", "公务用车购置费", "公务用车运行维护费", ""]
        rows = [
            ["预算数", "", "", "", "", "", "决算数", "", "", "", "", ""],
            group + group,
            sub + sub,
            [str(i) for i in range(1, 13)],
            [_cell(w, values[line][kind]) for kind in ("预算数", "决算数") for line in order],
        ]
    w.table(c.THREE_PUBLIC, unit.name, year, rows)


# --- the other formats: the sample renderers over the same model ---------------------------------------------
def truth_facts(model: Model) -> list[TruthFact]:
    """The model's table figures as the samples' ground-truth facts (blanks omitted, like the expected facts)."""
    from juesuan.samples.truth import TruthFact

    return [
        TruthFact(table, code, line, column, _wan(fen), source_kind="table")
        for table, rows in model.tables.items()
        for code, line, values in rows
        for column, fen in values.items()
        if fen
    ]


def sample_report(unit: UnitSpec, year: int, model: Model, catalogue: Catalogue) -> SampleReport:
    """The model as a :class:`juesuan.samples.layout.Report`: the standard grids, the model's own narrative."""
    from juesuan.samples.layout import Paragraph, build_report

    report = build_report(unit.id, unit.name, year, truth_facts(model), catalogue)
    # The samples' narrative restates the tables; the model's may differ from them on purpose (an
    # injected narrative mismatch), and the suites must see that in every format.
    paragraphs = [
        Paragraph("第一部分 部门概况", heading=True),
        Paragraph(_profile(unit)),
        *(Paragraph(text, heading=heading) for text, heading in narrative_blocks(year, model)),
    ]
    return replace(report, paragraphs=paragraphs)


def _profile(unit: UnitSpec) -> str:
    return f"{unit.name}是{unit.city}{unit.kind}，本报告由合成数据生成，用于测试。"


def render_text_bytes(unit: UnitSpec, year: int, model: Model, layout: dict[str, str], catalogue: Catalogue) -> bytes:
    return render_text(unit, year, model, layout).encode("utf-8")


def render_pdf_bytes(unit: UnitSpec, year: int, model: Model, layout: dict[str, str], catalogue: Catalogue) -> bytes:
    """A PDF with a text layer and ruled tables (the full cell grid)."""
    from juesuan.samples.render_pdf import render_pdf

    return render_pdf(sample_report(unit, year, model, catalogue), "ruled").data


def render_unruled_pdf_bytes(
    unit: UnitSpec, year: int, model: Model, layout: dict[str, str], catalogue: Catalogue
) -> bytes:
    """A PDF with a text layer and three-line tables (no cell grid)."""
    from juesuan.samples.render_pdf import render_pdf

    return render_pdf(sample_report(unit, year, model, catalogue), "unruled").data


def render_docx_bytes(unit: UnitSpec, year: int, model: Model, layout: dict[str, str], catalogue: Catalogue) -> bytes:
    from juesuan.samples.render_docx import render_docx

    return render_docx(sample_report(unit, year, model, catalogue)).data


def render_scanned_bytes(
    unit: UnitSpec, year: int, model: Model, layout: dict[str, str], catalogue: Catalogue
) -> bytes:
    """The ruled PDF with every page turned into a picture: no text layer, OCR only."""
    from juesuan.samples.render_pdf import render_pdf
    from juesuan.samples.scan import scan_pdf

    return scan_pdf(render_pdf(sample_report(unit, year, model, catalogue), "ruled").data)


Renderer = Callable[[UnitSpec, int, Model, dict[str, str], Catalogue], bytes]
#: Renderers by kind: ``txt`` / ``md`` are the text export in that style.
RENDERERS: dict[str, Renderer] = {
    "txt": render_text_bytes,
    "md": render_text_bytes,
    "pdf": render_pdf_bytes,
    "pdf-unruled": render_unruled_pdf_bytes,
    "docx": render_docx_bytes,
    "scanned": render_scanned_bytes,
}
#: The file format (and extension) of each kind, as the registry and the extractor name it.
FILE_FORMATS: dict[str, str] = {
    "txt": "txt",
    "md": "md",
    "pdf": "pdf",
    "pdf-unruled": "pdf",
    "docx": "docx",
    "scanned": "pdf",
}
TEXT_KINDS = ("txt", "md")
#: The shares a corpus mixes (``generate_corpus(formats=…)``): ``txt`` is a text export in the style its
#: layout draws (``.txt`` or ``.md``).
FORMATS = ("txt", "pdf", "pdf-unruled", "docx", "scanned")


# --- expected facts -------------------------------------------------------------------------------------------
def expected_table_facts(model: Model) -> dict[tuple[str, str, str], Decimal]:
    """The table facts the extractor should read from a rendering of ``model`` (万元, blanks omitted)."""
    facts: dict[tuple[str, str, str], Decimal] = {}
    for table, rows in model.tables.items():
        for code, line, values in rows:
            for column, fen in values.items():
                if fen:
                    facts[(table, code or line, column)] = _wan(fen)
    return facts


# --- budget disclosures (预算): what a disclosure column publishes beside the 决算 ---------------------------------
BUDGET_TABLES = (
    "收支预算总表",
    "收入预算总表",
    "支出预算总表",
    "财政拨款收支预算总表",
    "一般公共预算支出表",
    "一般公共预算基本支出表",
    "一般公共预算“三公”经费支出表",
)


def render_budget_text(unit: UnitSpec, year: int, *, seed: int) -> bytes:
    """A 预算 (budget) disclosure of ``unit`` for ``year``: a text export, its own title and budget tables.

    Not a report juesuan loads: the discovery step must recognise it by its content and leave it.
    """
    rng = random.Random(f"{seed}/{unit.id}/{year}/budget")
    total = rng.randint(3_000_000, 90_000_000)
    basic = total * rng.randint(40, 80) // 100
    lines = [
        unit.name,
        "",
        f"{year}年度部门预算公开",
        "",
        "第一部分 部门概况",
        "",
        f"{unit.name}是{unit.city}{unit.kind}，本预算由合成数据生成，用于测试。",
        "",
        f"第二部分 {year}年度部门预算情况说明",
        "",
        f"{year}年度收入、支出预算总计均为{total // 100}.{total % 100:02d}万元。",
        "",
        f"第三部分 {year}年度部门预算表",
        "",
    ]
    for number, title in enumerate(BUDGET_TABLES, start=1):
        lines += [title, "", f"公开{number:02d}表", "", f"部门名称：{unit.name}", "", "金额单位：万元", ""]
        lines += ["项目\t本年预算数\t基本支出\t项目支出"]
        lines += [f"合计\t{total / 100:,.2f}\t{basic / 100:,.2f}\t{(total - basic) / 100:,.2f}", ""]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the corpus ----------------------------------------------------------------------------------------------
def make_units(count: int) -> list[UnitSpec]:
    if count > len(CITIES) * len(DEPARTMENTS):
        raise UsageError("units", count, [f"1 … {len(CITIES) * len(DEPARTMENTS)}"])
    units = []
    for index in range(count):
        province, city = CITIES[index % len(CITIES)]
        suffix, department, kind = DEPARTMENTS[index // len(CITIES)]
        units.append(
            UnitSpec(
                id=f"c{index % len(CITIES):02d}-{suffix}",
                name=f"{city}{department}",
                province=province,
                city=city,
                county="",
                level="市级",
                kind=kind,
                stewards=(f"steward.{index:03d}@example.org",),
            )
        )
    return units


def generate_report(
    unit: UnitSpec,
    year: int,
    *,
    seed: int,
    catalogue: Catalogue,
    errors: tuple[str, ...] = (),
    layout: dict[str, str] | None = None,
    format: str | None = None,
) -> SyntheticReport:
    """One report of ``unit`` for ``year``: same seed, same bytes.

    ``format`` is a key of :data:`RENDERERS` (``txt``, ``md``, ``pdf``, ``pdf-unruled``, ``docx``,
    ``scanned``); by default the text export in the style its layout draws. ``layout`` overrides
    drawn layout keys (they shape text exports only).
    """
    if format is not None and format not in RENDERERS:
        raise UsageError("format", format, tuple(RENDERERS))
    rng = random.Random(f"{seed}/{unit.id}/{year}")
    chosen = {key: rng.choice(options) for key, options in LAYOUT_CHOICES.items()}
    chosen.update(layout or {})
    if format in TEXT_KINDS:
        chosen["style"] = format
    for key, value in chosen.items():
        if key not in LAYOUT_CHOICES or value not in LAYOUT_CHOICES[key]:
            raise UsageError(f"layout {key}", value, LAYOUT_CHOICES.get(key, tuple(LAYOUT_CHOICES)))
    kind = format if format is not None and format not in TEXT_KINDS else chosen["style"]
    subjects = [pool[0] for pool in SUBJECT_POOL.values() if pool[0][:3] in ("208", "210", "221")]
    extra = [code for pool in SUBJECT_POOL.values() for code in pool[1:]]
    subjects += rng.sample(extra, rng.randint(1, 4))
    if rng.random() < 0.3:
        subjects.append(rng.choice(SUBJECT_POOL["201"] + SUBJECT_POOL["206"]))
    figures = draw_figures(rng, sorted(set(subjects)))
    # One carried balance per unit whatever the year: 年初结转和结余 of a year is 年末 of the year before
    # (rule 26), so the reports of one unit agree across years.
    figures.carry = random.Random(f"{seed}/{unit.id}/carry").choice(
        [0, random.Random(f"{seed}/{unit.id}").randint(100, 5_000)]
    )
    model = build_model(figures, catalogue, year)
    injected = [inject(model, error, rng) for error in errors]
    data = RENDERERS[kind](unit, year, model, chosen, catalogue)
    return SyntheticReport(
        unit=unit,
        year=year,
        kind=kind,
        # The text layouts do not show in the other formats, which have the samples' one layout.
        layout=chosen if kind in TEXT_KINDS else {},
        data=data,
        expected=expected_table_facts(model),
        errors=injected,
    )


def layout_of(value: str) -> dict[str, str]:
    """``key=value,key=value`` as a layout dict (for the command line)."""
    pairs = [part.split("=", 1) for part in value.split(",") if part]
    return {key.strip(): val.strip() for key, val in pairs}


# --- a corpus on disk, with the faults its web site will play ------------------------------------------------
#: How the local "government web" serves a report, and what the nightly run must make of it.
FAULT_OUTCOMES: dict[str, str] = {
    "none": "loaded",
    "slow": "loaded",  # answers late, within the client's timeout
    "flaky": "loaded",  # 503 for the first request(s), then the report: a retry heals it
    "redirect": "loaded",  # 301 to the report's new address
    "not-found": "withdrawn",  # 404
    "gone": "withdrawn",  # 410
    "server-error": "failed",  # 500, always
    "timeout": "failed",  # answers later than the client waits
    "drop": "failed",  # closes the connection without an answer
    "truncate": "failed",  # promises Content-Length bytes, sends half, closes
    "html-200": "quarantined",  # an HTML error page with status 200
    "wrong-year": "quarantined",  # last year's report at this year's address
    "empty": "quarantined",  # a zero-byte file
}
FAULTS = tuple(FAULT_OUTCOMES)
CONTENT_FAULTS = ("wrong-year", "empty")


@dataclass
class CorpusEntry:
    unit: UnitSpec
    year: int
    path: str  # relative to the site folder, also the URL path
    format: str  # the file format the registry names (txt, md, pdf, docx)
    fault: str = "none"
    layout: dict[str, str] = field(default_factory=dict)
    errors: list[InjectedError] = field(default_factory=list)
    kind: str = "txt"  # how it was rendered: a key of RENDERERS (a scanned report is a pdf)
    #: The table facts of the report as it should read (the same for a faulty one: what its URL should serve).
    expected: dict[tuple[str, str, str], Decimal] = field(default_factory=dict, repr=False)

    @property
    def expected_status(self) -> str:
        return FAULT_OUTCOMES[self.fault]


@dataclass
class Corpus:
    """Generated reports under ``root/site`` and what each is meant to test."""

    root: Path
    units: list[UnitSpec]
    entries: list[CorpusEntry]
    seed: int

    @property
    def site(self) -> Path:
        return self.root / "site"

    def faults(self) -> dict[str, str]:
        """URL path → fault, for the web server."""
        return {f"/{e.path}": e.fault for e in self.entries if e.fault not in ("none", *CONTENT_FAULTS)}

    def entry(self, unit_id: str, year: int) -> CorpusEntry:
        for entry in self.entries:
            if (entry.unit.id, entry.year) == (unit_id, year):
                return entry
        raise UsageError("report", f"{unit_id} {year}", [f"{e.unit.id} {e.year}" for e in self.entries[:10]])

    def write_registry(self, base_url: str, path: Path | None = None) -> Path:
        """A registry TOML whose report URLs point at ``base_url`` (the running local web)."""
        target = path or self.root / "units.toml"
        by_unit: dict[str, list[CorpusEntry]] = {}
        for entry in self.entries:
            by_unit.setdefault(entry.unit.id, []).append(entry)
        lines = ["# Synthetic registry written by juesuan.simulate (reports served by the local web).", ""]
        for unit in self.units:
            stewards = ", ".join(f'"{s}"' for s in unit.stewards)
            lines += [
                "[[unit]]",
                f'id = "{unit.id}"',
                f'name = "{unit.name}"',
                f'province = "{unit.province}"',
                f'city = "{unit.city}"',
                f'county = "{unit.county}"',
                f'level = "{unit.level}"',
                f'kind = "{unit.kind}"',
                f"stewards = [{stewards}]",
                "",
            ]
            for entry in by_unit.get(unit.id, []):
                lines += [
                    "[[unit.report]]",
                    f"year = {entry.year}",
                    f'url = "{base_url.rstrip("/")}/{entry.path}"',
                    f'format = "{entry.format}"',
                    "",
                ]
        target.write_text("\n".join(lines), encoding="utf-8")
        return target

    def manifest(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "reports": [
                {
                    "unit_id": e.unit.id,
                    "year": e.year,
                    "path": e.path,
                    "format": e.format,
                    "kind": e.kind,
                    "fault": e.fault,
                    "expected_status": e.expected_status,
                    "layout": e.layout,
                    "errors": [
                        {**asdict(err), "consistent": str(err.consistent), "published": str(err.published)}
                        for err in e.errors
                    ],
                }
                for e in self.entries
            ],
        }


def generate_corpus(
    root: Path,
    *,
    units: int,
    years: int,
    first_year: int = 2023,
    seed: int = 0,
    faults: Mapping[str, int] | None = None,
    errors: Mapping[str, int] | None = None,
    catalogue: Catalogue | None = None,
    formats: Mapping[str, float] | None = None,
) -> Corpus:
    """``units`` × ``years`` reports under ``root/site`` plus ``root/manifest.json``.

    ``faults`` says how many reports get each fault (see :data:`FAULT_OUTCOMES`), ``errors`` how
    many good reports get each injected accounting error (see :data:`ERROR_KINDS`); both are
    spread over the corpus by ``seed``. ``formats`` gives the share of each format (see
    :data:`FORMATS`; shares are normalised, e.g. ``{"txt": .6, "pdf": .25, "docx": .1, "scanned": .05}``),
    text exports only by default. The catalogue is valid from 2023, hence ``first_year``.
    """
    catalogue = catalogue or Catalogue.load()
    rng = random.Random(seed)
    specs = make_units(units)
    slots = [(unit, first_year + offset) for unit in specs for offset in range(years)]
    kinds = assign_formats(len(slots), formats or {"txt": 1.0}, seed)
    assigned_faults: dict[int, str] = {}
    order = list(range(len(slots)))
    rng.shuffle(order)
    for fault, count in sorted((faults or {}).items()):
        if fault not in FAULT_OUTCOMES:
            raise UsageError("fault", fault, FAULTS)
        for _ in range(count):
            if not order:
                raise UsageError("faults", dict(faults or {}), [f"at most {len(slots)} faulty reports in all"])
            assigned_faults[order.pop()] = fault
    assigned_errors: dict[int, list[str]] = {}
    for kind, count in sorted((errors or {}).items()):
        if kind not in ERROR_KINDS:
            raise UsageError("error kind", kind, ERROR_KINDS)
        for _ in range(count):
            if not order:
                raise UsageError("errors", dict(errors or {}), [f"at most {len(slots)} reports in all"])
            assigned_errors.setdefault(order.pop(), []).append(kind)
    site = root / "site"
    entries = []
    for index, (unit, year) in enumerate(slots):
        fault = assigned_faults.get(index, "none")
        injected = tuple(assigned_errors.get(index, ()))
        kind = kinds[index]
        chosen = None if kind == "txt" else kind  # a text export keeps the style its layout draws
        report = generate_report(unit, year, seed=seed, catalogue=catalogue, errors=injected, format=chosen)
        data = report.data
        if fault == "wrong-year":
            data = generate_report(
                unit, year - 1, seed=seed, catalogue=catalogue, layout=report.layout, format=report.kind
            ).data
        elif fault == "empty":
            data = b""
        target = site / report.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(
            CorpusEntry(
                unit=unit,
                year=year,
                path=report.filename,
                format=report.format,
                fault=fault,
                layout=report.layout,
                errors=report.errors,
                kind=report.kind,
                expected=report.expected,
            )
        )
    corpus = Corpus(root=root, units=specs, entries=entries, seed=seed)
    (root / "manifest.json").write_text(json.dumps(corpus.manifest(), ensure_ascii=False, indent=1), encoding="utf-8")
    return corpus


def assign_formats(count: int, shares: Mapping[str, float], seed: int) -> list[str]:
    """A format (key of :data:`FORMATS`) for each of ``count`` reports, in the given shares.

    Counts are the shares of ``count`` rounded by largest remainder (ties in :data:`FORMATS` order),
    so four reports at a quarter each get one of each; which report gets which is shuffled by
    ``seed`` with a generator of its own, leaving the fault and error draws as they were.
    """
    unknown = sorted(set(shares) - set(FORMATS))
    if unknown:
        raise UsageError("format share", ", ".join(unknown), FORMATS)
    negative = {name: share for name, share in shares.items() if share < 0}
    total = sum(shares.values())
    if negative or total <= 0:
        raise UsageError("format shares", dict(shares), ["non-negative shares with a positive sum"])
    quotas = {name: count * shares.get(name, 0) / total for name in FORMATS}
    counts = {name: int(quota) for name, quota in quotas.items()}
    by_remainder = sorted(FORMATS, key=lambda name: (-(quotas[name] - counts[name]), FORMATS.index(name)))
    for name in by_remainder[: count - sum(counts.values())]:
        counts[name] += 1
    kinds = [name for name in FORMATS for _ in range(counts[name])]
    random.Random(f"{seed}/formats").shuffle(kinds)
    return kinds
