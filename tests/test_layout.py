"""Grids read by their content (extract/layout.py and the mapping on top of it).

Each grid below is a layout real reports print (the issue lists them): the reader must decide from
the cells, never from where a column sits. Figures and codes are made up for the layout; names are
the national catalogue's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan import contract as c
from juesuan.contract import validate_facts
from juesuan.extract.base import DocumentContext, RawTable
from juesuan.extract.layout import CODE, CODE_PART, LABEL, SERIAL, VALUE, analyse, body_start
from juesuan.extract.mapping import canonical_table_name, identify_by_content, map_table
from juesuan.extract.tables import PageTable, TextLine, assemble, map_parts
from juesuan.transform.catalogue import Catalogue

CONTEXT = DocumentContext("test-unit", 2024, "0" * 64)
FUND_COLUMNS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")


def read(title: str | None, rows: list[list[str]], unit: str = "万元") -> tuple[dict[tuple[str, str], Decimal], object]:
    result = map_table(RawTable(title, rows, "camelot-lattice", amount_unit=unit), CONTEXT, Catalogue.load())
    validate_facts(result.facts)
    return {(f.subject_key, f.column_name): f.value for f in result.facts}, result.tables[0]


def d(text: str) -> Decimal:
    return Decimal(text)


def test_split_class_item_columns_with_the_total_row_beside_their_sub_header() -> None:
    """类 | 款 | 项 columns; the 合计 row shares its grid row with the 类 款 项 sub-header; blank
    leading parts are carried down from the rows above; '-' is a blank."""
    facts, report = read(
        "收入决算表",
        [
            ["项目", "", "", "", "本年收入合计", "财政拨款收入", "上级补助收入"],
            ["功能分类科目编码", "", "", "科目名称", "", "", ""],
            ["类", "款", "项", "合计", "100.00", "100.00", ""],
            ["208", "", "", "社会保障和就业支出", "100.00", "100.00", ""],
            ["208", "05", "", "行政事业单位养老支出", "100.00", "100.00", ""],
            ["208", "05", "01", "行政单位离退休", "60.00", "60.00", ""],
            ["", "", "02", "事业单位离退休", "40.00", "40.00", "-"],
        ],
    )
    assert facts == {
        ("合计", "本年收入合计"): d("100.00"),
        ("合计", "财政拨款收入"): d("100.00"),
        ("208", "本年收入合计"): d("100.00"),
        ("208", "财政拨款收入"): d("100.00"),
        ("20805", "本年收入合计"): d("100.00"),
        ("20805", "财政拨款收入"): d("100.00"),
        ("2080501", "本年收入合计"): d("60.00"),
        ("2080501", "财政拨款收入"): d("60.00"),
        ("2080502", "本年收入合计"): d("40.00"),
        ("2080502", "财政拨款收入"): d("40.00"),
    }
    assert report.reliable and report.reconciled == "exact"


def test_economic_codes_over_class_and_item_columns_in_yuan() -> None:
    """部门预算经济分类 over 类 | 款, amounts in 元 with thousands separators, a 合计 | 人员经费 |
    公用经费 column per kind: the 合计 row's kind columns are the kind totals."""
    facts, report = read(
        "一般公共预算财政拨款基本支出决算表",
        [
            ["项目", "", "", "一般公共预算基本支出", "", ""],
            ["部门预算经济分类科目编码", "", "经济分类科目名称", "合计", "人员经费", "公用经费"],
            ["类", "款", "", "", "", ""],
            ["", "", "合计", "1,500,000.00", "1,000,000.00", "500,000.00"],
            ["301", "", "工资福利支出", "1,000,000.00", "1,000,000.00", "——"],
            ["301", "01", "基本工资", "1,000,000.00", "1,000,000.00", "——"],
            ["302", "", "商品和服务支出", "500,000.00", "", "500,000.00"],
            ["302", "01", "办公费", "500,000.00", "", "500,000.00"],
        ],
        unit="元",
    )
    assert facts[("人员经费合计", "决算数")] == d("100")
    assert facts[("公用经费合计", "决算数")] == d("50")
    assert facts[("30101", "决算数")] == d("100")
    assert facts[("30201", "决算数")] == d("50")
    assert facts[("302", "公用经费")] == d("50")
    assert report.reliable and report.reconciled == "exact"


def test_code_and_name_in_one_cell_and_names_wrapped_over_two_rows() -> None:
    facts, report = read(
        "支出决算表",
        [
            ["项目", "本年支出合计", "基本支出", "项目支出"],
            ["合计", "100.00", "60.00", "40.00"],
            ["2080501 行政单位离退休", "60.00", "60.00", ""],
            ["[2080505]机关事业单位基本养老保险缴", "40.00", "", "40.00"],
            ["费支出", "", "", ""],
        ],
    )
    assert facts == {
        ("合计", "本年支出合计"): d("100.00"),
        ("合计", "基本支出"): d("60.00"),
        ("合计", "项目支出"): d("40.00"),
        ("2080501", "本年支出合计"): d("60.00"),
        ("2080501", "基本支出"): d("60.00"),
        ("2080505", "本年支出合计"): d("40.00"),
        ("2080505", "项目支出"): d("40.00"),
    }
    assert report.notes == []  # the wrapped name was joined: no 'name differs' note


def test_three_side_by_side_blocks_and_their_closing_totals() -> None:
    facts, report = read(
        "一般公共预算财政拨款基本支出决算表",
        [
            ["人员经费", "", "", "公用经费", "", "", "", "", ""],
            ["科目编码", "科目名称", "决算数", "科目编码", "科目名称", "决算数", "科目编码", "科目名称", "决算数"],
            ["301", "工资福利支出", "10.00", "302", "商品和服务支出", "3.00", "310", "资本性支出", "2.00"],
            ["30101", "基本工资", "10.00", "30201", "办公费", "3.00", "31002", "办公设备购置", "2.00"],
            ["人员经费合计", "", "10.00", "公用经费合计", "", "", "", "", "5.00"],
        ],
    )
    assert facts == {
        ("301", "决算数"): d("10.00"),
        ("30101", "决算数"): d("10.00"),
        ("302", "决算数"): d("3.00"),
        ("30201", "决算数"): d("3.00"),
        ("310", "决算数"): d("2.00"),
        ("31002", "决算数"): d("2.00"),
        ("人员经费合计", "决算数"): d("10.00"),
        ("公用经费合计", "决算数"): d("5.00"),
    }
    assert report.reconciled == "exact"


def test_three_public_under_a_two_level_header_of_twelve_columns() -> None:
    """Item over 预算数 | 决算数 (公务用车购置及运行费 wording, its 小计 and two parts)."""
    facts, report = read(
        "财政拨款“三公”经费支出决算表",
        [
            ["财政拨款“三公”经费", "", "", "", "", "", "", "", "", "", "", ""],
            ["合计", "", "因公出国（境）费", "", "公务用车购置及运行费", "", "", "", "", "", "公务接待费", ""],
            ["", "", "", "", "小计", "", "公务用车购置费", "", "公务用车运行费", "", "", ""],
            ["预算数", "决算数"] * 6,
            ["3.00", "2.50", "0.00", "0.00", "2.00", "2.00", "0.00", "0.00", "2.00", "2.00", "1.00", "0.50"],
        ],
    )
    assert facts == {
        ("合计", "预算数"): d("3.00"),
        ("合计", "决算数"): d("2.50"),
        ("因公出国（境）费", "预算数"): d("0.00"),
        ("因公出国（境）费", "决算数"): d("0.00"),
        ("公务用车购置及运行维护费", "预算数"): d("2.00"),
        ("公务用车购置及运行维护费", "决算数"): d("2.00"),
        ("公务用车购置费", "预算数"): d("0.00"),
        ("公务用车购置费", "决算数"): d("0.00"),
        ("公务用车运行维护费", "预算数"): d("2.00"),
        ("公务用车运行维护费", "决算数"): d("2.00"),
        ("公务接待费", "预算数"): d("1.00"),
        ("公务接待费", "决算数"): d("0.50"),
    }
    assert report.reconciled == "exact"


def test_three_public_grouped_by_measure_first() -> None:
    """预算数 over six item columns, then 决算数 over six (the text exports' layout)."""
    facts, _ = read(
        "财政拨款“三公”经费支出决算表",
        [
            ["预算数", "", "", "", "", "", "决算数", "", "", "", "", ""],
            ["合计", "因公出国（境）费", "公务用车购置及运行维护费", "", "", "公务接待费"] * 2,
            ["", "", "小计", "公务用车购置费", "公务用车运行维护费", ""] * 2,
            [str(n) for n in range(1, 13)],
            ["3.18", "", "3.18", "", "3.18", "", "3.00", "", "3.00", "", "3.00", ""],
        ],
    )
    assert facts[("合计", "预算数")] == d("3.18")
    assert facts[("公务用车运行维护费", "决算数")] == d("3.00")
    assert len(facts) == 6


def test_two_sided_summary_tables_named_as_the_contract_says() -> None:
    """收入 | 支出 sides; the 财政拨款总表's fund columns under 支出; 决算数 is the contract's 金额."""
    facts, report = read(
        "财政拨款收入支出决算总表",
        [
            ["收入", "", "支出", "", "", "", ""],
            ["项目", "决算数", "项目", "合计", *FUND_COLUMNS],
            ["一、一般公共预算财政拨款", "10.00", "一、一般公共服务支出", "10.00", "10.00", "", ""],
            ["二、政府性基金预算财政拨款", "", "二、外交支出", "", "", "", ""],
            ["本年收入合计", "10.00", "本年支出合计", "10.00", "10.00", "", ""],
            ["总计", "10.00", "总计", "10.00", "10.00", "", ""],
        ],
    )
    assert facts == {
        ("一般公共预算财政拨款收入", "金额"): d("10.00"),
        ("本年收入合计", "金额"): d("10.00"),
        ("收入总计", "金额"): d("10.00"),
        ("201", "合计"): d("10.00"),
        ("201", "一般公共预算财政拨款"): d("10.00"),
        ("本年支出合计", "合计"): d("10.00"),
        ("本年支出合计", "一般公共预算财政拨款"): d("10.00"),
        ("支出总计", "合计"): d("10.00"),
        ("支出总计", "一般公共预算财政拨款"): d("10.00"),
    }
    assert report.reconciled == "exact"


def test_a_summary_line_wrapped_onto_a_row_of_its_own_is_joined() -> None:
    facts, _ = read(
        "收入支出决算总表",
        [
            ["收入", "", "支出", ""],
            ["项目", "金额", "项目", "金额"],
            ["一、一般公共预算财政拨款收入", "5.00", "二十二、灾害防治及应急管理支", "5.00"],
            ["", "", "出", ""],
            ["本年收入合计", "5.00", "本年支出合计", "5.00"],
        ],
    )
    assert facts[("224", "金额")] == d("5.00")


def test_header_text_wrapped_over_grid_rows_is_joined_into_a_known_name() -> None:
    layout = analyse(
        [
            ["项目", "", "本年收入合", "财政拨款收入"],
            ["科目编码", "科目名称", "计", ""],
            ["208", "社会保障和就业支出", "1.00", "1.00"],
        ]
    )
    assert [column.leaf for column in layout.columns] == ["科目编码", "科目名称", "本年收入合计", "财政拨款收入"]
    assert [column.kind for column in layout.columns] == [CODE, LABEL, VALUE, VALUE]


def test_the_body_starts_after_a_column_number_row_and_serial_columns_are_no_figures() -> None:
    rows = [
        ["项目", "行次", "金额"],
        ["栏次", "", "1"],
        ["一、一般公共预算财政拨款收入", "1", "2.00"],
    ]
    assert body_start(rows) == 2
    assert [column.kind for column in analyse(rows).columns] == [LABEL, SERIAL, VALUE]


def test_sub_headers_printed_in_the_first_body_row_join_their_columns() -> None:
    """A template prints 本年支出's 合计 | 基本支出 | 项目支出 beside the 合计 row (empty table)."""
    layout = analyse(
        [
            ["项目", "", "年初结转和结余", "本年收入", "本年支出", "", "", "年末结转和结余"],
            ["功能分类科目编码", "科目名称", "", "", "", "", "", ""],
            ["合计", "", "", "", "合计", "基本支出", "项目支出", ""],
        ]
    )
    assert [column.path for column in layout.columns][4:7] == [
        ("本年支出", "合计"),
        ("本年支出", "基本支出"),
        ("本年支出", "项目支出"),
    ]


def test_unlabelled_split_codes_are_recognised_by_their_digits() -> None:
    layout = analyse(
        [
            ["科目编码", "", "", "科目名称", "合计"],
            ["201", "", "", "一般公共服务支出", "3.00"],
            ["201", "01", "", "人大事务", "3.00"],
            ["201", "01", "01", "行政运行", "3.00"],
        ]
    )
    assert [column.kind for column in layout.columns[:3]] == [CODE_PART, CODE_PART, CODE_PART]
    assert [key.code for key in layout.keys(layout.blocks[0])] == ["201", "20101", "2010101"]


def test_a_cell_with_text_that_is_no_figure_makes_the_table_unreliable() -> None:
    _, report = read(
        "支出决算表",
        [
            ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
            ["合计", "", "10.00", "1O.00", ""],
        ],
    )
    assert not report.reliable and "no figure" in report.unreliable_reason


def test_an_identity_broken_on_a_blank_cell_makes_the_table_unreliable_but_not_one_between_figures() -> None:
    rows = [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["合计", "", "10.00", "6.00", "4.00"],
        ["208", "社会保障和就业支出", "10.00", "6.00", ""],
    ]
    _, lost = read("一般公共预算财政拨款支出决算表", rows)
    assert lost.reconciled == "unreconciled" and not lost.reliable
    assert "is blank" in lost.unreliable_reason
    rows[2][4] = "3.00"  # printed, and wrong: a published inconsistency, left to the suites
    _, printed = read("一般公共预算财政拨款支出决算表", rows)
    assert printed.reconciled == "unreconciled" and printed.reliable


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("上海市普陀区某局2024年度收入决算表", c.INCOME),
        ("公开01表 收入支出决算总表", c.TOTALS),
        ("收支决算总表（续表）", c.TOTALS),
        ("一般公共预算财政拨款基本支出决算表（按经济分类）", c.BASIC),
        ("“三公”经费支出决算表", c.THREE_PUBLIC),
        ("附件3：部门收入决算表", c.INCOME),
        ("国有资本经营预算财政拨款收入支出决算表", c.STATE_CAPITAL),
        ("一般公共预算财政拨款支出决算明细表", c.GENERAL_BUDGET),
        ("政府性基金预算财政拨款支出决算表", c.GOV_FUND),
        ("上海市某局2024年度部门决算表", None),
        ("详见收入决算表。", None),
    ],
)
def test_title_wordings(title: str, name: str | None) -> None:
    assert canonical_table_name(title) == name


def test_a_grid_without_a_title_is_known_by_its_columns() -> None:
    layout = analyse(
        [
            ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出", "上缴上级支出"],
            ["208", "社会保障和就业支出", "1.00", "1.00", "", ""],
            ["20805", "行政事业单位养老支出", "1.00", "1.00", "", ""],
        ]
    )
    assert identify_by_content(layout) == c.EXPENDITURE


def test_a_continuation_is_lined_up_by_column_position_not_by_column_count() -> None:
    """The continuation page's blank 基本支出 column was dropped; its figures stay under 项目支出."""
    spans = [(0.0, 60.0), (60.0, 200.0), (200.0, 260.0), (260.0, 320.0), (320.0, 380.0)]
    first = RawTable(
        "一般公共预算财政拨款支出决算表",
        [
            ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
            ["合计", "", "5.00", "2.00", "3.00"],
            ["208", "社会保障和就业支出", "2.00", "2.00", ""],
        ],
        "camelot-lattice",
        page=1,
        column_spans=spans,
    )
    rest = RawTable(
        "一般公共预算财政拨款支出决算表",
        [["212", "城乡社区支出", "3.00", "3.00"]],
        "camelot-lattice",
        page=2,
        column_spans=[spans[0], spans[1], spans[2], spans[4]],
    )
    result = map_parts([first, rest], CONTEXT, Catalogue.load())
    facts = {(f.subject_key, f.column_name): (f.value, f.page) for f in result.facts}
    assert facts[("212", "项目支出")] == (d("3.00"), 2)
    assert ("212", "基本支出") not in facts
    assert result.tables[0].pages == [1, 2] and result.tables[0].reconciled == "exact"


def test_fund_lines_under_the_fiscal_balances_are_parts_of_them_numbered_or_not() -> None:
    facts, report = read(
        "财政拨款收入支出决算总表",
        [
            ["收入", "", "支出", "", "", "", ""],
            ["项目", "决算数", "项目", "合计", *FUND_COLUMNS],
            ["一、一般公共预算财政拨款", "8.00", "一、一般公共服务支出", "10.00", "10.00", "", ""],
            ["本年收入合计", "8.00", "本年支出合计", "10.00", "10.00", "", ""],
            ["年初财政拨款结转和结余", "2.00", "年末财政拨款结转和结余", "", "", "", ""],
            ["一、一般公共预算财政拨款", "2.00", "一、一般公共预算财政拨款", "", "", "", ""],
            ["总计", "10.00", "总计", "10.00", "10.00", "", ""],
        ],
    )
    assert facts[("一般公共预算财政拨款收入", "金额")] == d("8.00")
    assert facts[("年初财政拨款结转和结余（一般公共预算财政拨款）", "金额")] == d("2.00")
    assert report.reconciled == "exact" and report.notes == []


def test_grids_on_pages_become_tables_by_their_titles_and_continuations_by_their_rows() -> None:
    """Two tables on one page; a unit printed in the grid's own first row; a continuation on the
    next page (body rows only); a grid under a title juesuan does not know is a table of its own."""
    line = TextLine
    lines = {
        1: [line("收入决算表", 800, 790), line("支出决算表", 500, 490)],
        2: [line("某某绩效自评表", 800, 790)],
    }
    tables = [
        PageTable(
            1,
            [
                ["", "", "单位：元"],
                ["科目编码", "科目名称", "本年收入合计"],
                ["208", "社会保障和就业支出", "10,000.00"],
            ],
            "camelot-lattice",
            780,
            600,
        ),
        PageTable(
            1,
            [["科目编码", "科目名称", "本年支出合计"], ["208", "社会保障和就业支出", "1.00"]],
            "camelot-lattice",
            480,
            300,
        ),
        PageTable(2, [["项目名称", "甲"], ["年度目标", "乙"]], "camelot-lattice", 780, 600),
    ]
    groups = assemble(tables, lines)
    assert [[(part.title, part.page) for part in group] for group in groups] == [
        [("收入决算表", 1)],
        [("支出决算表", 1)],
        [("某某绩效自评表", 2)],
    ]
    assert groups[0][0].amount_unit == "元" and groups[0][0].rows[0] == ["科目编码", "科目名称", "本年收入合计"]
    more = PageTable(2, [["21011", "行政事业单位医疗", "2.00"]], "camelot-lattice", 780, 700)
    groups = assemble([*tables[:2], more], {1: lines[1], 2: []})
    assert [[part.page for part in group] for group in groups] == [[1], [1, 2]]


def test_a_project_table_by_economic_classification_keeps_economic_codes() -> None:
    facts, report = read(
        "一般公共预算财政拨款项目支出决算表",
        [
            ["科目编码", "科目名称", "决算数"],
            ["302", "商品和服务支出", "5.00"],
            ["30201", "办公费", "5.00"],
        ],
    )
    assert facts == {("302", "决算数"): d("5.00"), ("30201", "决算数"): d("5.00")}
    assert report.reliable


def test_a_related_information_table_with_its_figures_under_another_header() -> None:
    facts, _ = read(
        "部门决算公开相关信息统计表",
        [
            ["一、政府采购情况", "", ""],
            ["项目", "行次", "金额"],
            ["合计", "1", "12.00"],
            ["货物", "2", "12.00"],
        ],
    )
    assert facts == {("政府采购支出合计", "统计数"): d("12.00"), ("政府采购货物支出", "统计数"): d("12.00")}


def test_a_title_printed_in_the_grids_first_row_names_the_table() -> None:
    """Spreadsheet producers print the title in a merged cell of the grid itself, and the unit below it."""
    table = PageTable(
        3,
        [
            ["收入决算表", "", ""],
            ["", "", "单位：万元"],
            ["科目编码", "科目名称", "本年收入合计"],
            ["208", "社会保障和就业支出", "1.00"],
        ],
        "camelot-lattice",
        780,
        600,
    )
    previous = PageTable(
        2,
        [["科目编码", "科目名称", "本年支出合计"], ["208", "社会保障和就业支出", "1.00"]],
        "camelot-lattice",
        780,
        600,
    )
    groups = assemble([previous, table], {2: [TextLine("支出决算表", 800, 790)], 3: []})
    assert [(group[0].title, group[0].page) for group in groups] == [("支出决算表", 2), ("收入决算表", 3)]
    assert groups[1][0].rows[0] == ["科目编码", "科目名称", "本年收入合计"]


def test_a_table_goes_on_over_an_empty_page_but_not_over_prose() -> None:
    first = PageTable(
        1,
        [["科目编码", "科目名称", "本年支出合计"], ["208", "社会保障和就业支出", "1.00"]],
        "camelot-lattice",
        780,
        600,
    )
    rest = PageTable(3, [["221", "住房保障支出", "2.00"]], "camelot-lattice", 780, 700)
    lines = {1: [TextLine("支出决算表", 800, 790)], 3: []}
    over_blank = assemble([first, rest], lines, blank={2})
    assert [[part.page for part in group] for group in over_blank] == [[1, 3]]
    over_prose = assemble([first, rest], lines)  # page 2 is no table page and not blank: prose
    assert [[part.page for part in group] for group in over_prose] == [[1]]  # a lone row is no table
