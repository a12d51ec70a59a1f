"""The bundled budget (预算) samples: synthetic budgets derived from the 决算 samples' facts, in which every
budget identity holds exactly, rendered as budget reports that the registry names beside the 决算."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan import contract as c
from juesuan.extract.api import extract_document
from juesuan.registry import Report, load_registry
from juesuan.samples import budget as b
from juesuan.samples.generate import REGISTRY, build_reports, render_variant, truth_csv
from juesuan.samples.render_pdf import FontMissingError, find_font
from juesuan.samples.score import load_truth_csv
from juesuan.samples.truth import DATA_DIR, TruthFact, format_value, load_truth
from juesuan.transform.budget_identities import within_table_checks

REGISTRY_OBJ = load_registry(REGISTRY)
BUDGETS = [r for r in REGISTRY_OBJ.reports() if r.kind == c.BUDGET]
FINALS = {(r.unit_id, r.year) for r in REGISTRY_OBJ.reports() if r.kind == c.FINAL}
ZERO = Decimal(0)


def _font_or_skip() -> None:
    try:
        find_font()
    except FontMissingError as exc:
        pytest.skip(f"no CJK font to render samples: {exc}")


class _Facts:
    """Budget facts by (table, subject key, column); an absent cell is 0, as a blank printed cell."""

    def __init__(self, facts: list[TruthFact]) -> None:
        self.cells = {f.key: f.value for f in facts if f.source_kind == "table"}
        self.stated = {f.key: f.value for f in facts}

    def __call__(self, table: str, key: str, column: str) -> Decimal:
        return self.cells.get((table, key, column), ZERO)

    def codes(self, table: str) -> list[str]:
        return sorted({key for (t, key, _) in self.cells if t == table and key.isdigit()})

    def columns(self, table: str) -> list[str]:
        return sorted({column for (t, _, column) in self.cells if t == table})


def budget_problems(facts: list[TruthFact], unit_kind: str) -> list[str]:
    """Every budget identity that does not hold exactly (hierarchy, row sums, summary tables, cross-table)."""
    v = _Facts(facts)
    problems: list[str] = []

    def equal(label: str, left: Decimal, right: Decimal) -> None:
        if left != right:
            problems.append(f"{label}: {left} != {right}")

    # Hierarchy: 合计 = Σ 类, 类 = Σ 款, 款 = Σ 项 (functional 3/5/7 digits, economic 3/5), in every column.
    for table in (*c.BUDGET_FUNCTIONAL_TABLES, *c.BUDGET_ECONOMIC_TABLES):
        codes = v.codes(table)
        for column in v.columns(table):
            top = [code for code in codes if len(code) == 3]
            if codes:
                equal(
                    f"{table} 合计 {column}",
                    v(table, c.TOTAL_ROW, column),
                    sum((v(table, k, column) for k in top), ZERO),
                )
            for parent in codes:
                children = [k for k in codes if len(k) == len(parent) + 2 and k.startswith(parent)]
                if children:
                    total = sum((v(table, k, column) for k in children), ZERO)
                    equal(f"{table} {parent} {column}", v(table, parent, column), total)
    # Row sums.
    spending = (c.BUDGET_EXPENDITURE, c.BUDGET_GENERAL, c.BUDGET_GOV_FUND, c.BUDGET_STATE_CAPITAL)
    for table in spending:
        for key in [c.TOTAL_ROW, *v.codes(table)]:
            equal(
                f"{table} {key} 合计",
                v(table, key, b.TOTAL),
                v(table, key, b.BASIC_COLUMN) + v(table, key, b.PROJECT_COLUMN),
            )
    for key in [c.TOTAL_ROW, *v.codes(c.BUDGET_INCOME)]:
        sources = sum((v(c.BUDGET_INCOME, key, column) for column in b.INCOME_COLUMNS[1:]), ZERO)
        equal(f"收入预算表 {key} 合计", v(c.BUDGET_INCOME, key, b.TOTAL), sources)
    for key in [c.TOTAL_ROW, *v.codes(c.BUDGET_BASIC)]:
        parts = v(c.BUDGET_BASIC, key, c.BUDGET_PERSONNEL) + v(c.BUDGET_BASIC, key, c.BUDGET_PUBLIC_USE)
        equal(f"基本支出预算表 {key} 合计", v(c.BUDGET_BASIC, key, b.TOTAL), parts)
    # Summary tables balance.
    t, amount = c.BUDGET_TOTALS, b.AMOUNT
    classes = v.codes(t)
    equal(
        "收支总表 财政拨款收入", v(t, b.FISCAL_INCOME, amount), sum((v(t, line, amount) for line in b.FUND_LINES), ZERO)
    )
    current_income = v(t, b.FISCAL_INCOME, amount) + sum((v(t, line, amount) for line in b.OTHER_INCOME_LINES), ZERO)
    equal("收支总表 本年收入合计", v(t, b.CURRENT_INCOME, amount), current_income)
    equal(
        "收支总表 收入总计",
        v(t, c.INCOME_GRAND_TOTAL, amount),
        v(t, b.CURRENT_INCOME, amount) + v(t, b.CARRIED_IN, amount),
    )
    equal("收支总表 本年支出合计", v(t, b.CURRENT_EXPENDITURE, amount), sum((v(t, k, amount) for k in classes), ZERO))
    out_total = v(t, b.CURRENT_EXPENDITURE, amount) + v(t, b.CARRIED_OUT, amount)
    equal("收支总表 支出总计", v(t, c.EXPENDITURE_GRAND_TOTAL, amount), out_total)
    equal("收支总表 收支平衡", v(t, c.INCOME_GRAND_TOTAL, amount), v(t, c.EXPENDITURE_GRAND_TOTAL, amount))
    f = c.BUDGET_FISCAL_TOTALS
    equal(
        "财政拨款总表 本年收入合计",
        v(f, b.CURRENT_INCOME, amount),
        sum((v(f, line, amount) for line in b.FUND_LINES), ZERO),
    )
    equal(
        "财政拨款总表 收入总计",
        v(f, c.INCOME_GRAND_TOTAL, amount),
        v(f, b.CURRENT_INCOME, amount) + v(f, b.CARRIED_IN, amount),
    )
    for key in [*v.codes(f), b.CURRENT_EXPENDITURE, c.EXPENDITURE_GRAND_TOTAL]:
        equal(
            f"财政拨款总表 {key} 合计", v(f, key, b.TOTAL), sum((v(f, key, column) for column in b.FUND_COLUMNS), ZERO)
        )
    for column in (b.TOTAL, *b.FUND_COLUMNS):
        equal(
            f"财政拨款总表 本年支出合计 {column}",
            v(f, b.CURRENT_EXPENDITURE, column),
            sum((v(f, k, column) for k in v.codes(f)), ZERO),
        )
    equal("财政拨款总表 收支平衡", v(f, c.INCOME_GRAND_TOTAL, amount), v(f, c.EXPENDITURE_GRAND_TOTAL, b.TOTAL))
    # Cross-table agreement.
    equal("收入预算表 = 本年收入合计", v(c.BUDGET_INCOME, c.TOTAL_ROW, b.TOTAL), v(t, b.CURRENT_INCOME, amount))
    equal(
        "支出预算表 = 本年支出合计", v(c.BUDGET_EXPENDITURE, c.TOTAL_ROW, b.TOTAL), v(t, b.CURRENT_EXPENDITURE, amount)
    )
    for code in classes:
        equal(f"收支总表 {code} = 支出预算表", v(t, code, amount), v(c.BUDGET_EXPENDITURE, code, b.TOTAL))
    for code in v.codes(f):
        equal(
            f"财政拨款总表 {code} = 一般公共预算表", v(f, code, b.FUND_COLUMNS[0]), v(c.BUDGET_GENERAL, code, b.TOTAL)
        )
    equal("一般公共预算资金 = 一般公共预算表", v(f, b.FUND_LINES[0], amount), v(c.BUDGET_GENERAL, c.TOTAL_ROW, b.TOTAL))
    equal("收支总表 = 财政拨款总表 一般公共预算资金", v(t, b.FUND_LINES[0], amount), v(f, b.FUND_LINES[0], amount))
    general_basic = v(c.BUDGET_GENERAL, c.TOTAL_ROW, b.BASIC_COLUMN)
    equal("一般公共预算表 基本支出 = 基本支出预算表", general_basic, v(c.BUDGET_BASIC, c.TOTAL_ROW, b.TOTAL))
    three = c.BUDGET_THREE_PUBLIC
    cars = v(three, "公务用车购置费", amount) + v(three, "公务用车运行维护费", amount)
    equal("三公 公务用车", v(three, "公务用车购置及运行维护费", amount), cars)
    parts = sum(
        (v(three, line, amount) for line in ("因公出国（境）费", "公务用车购置及运行维护费", "公务接待费")), ZERO
    )
    equal("三公 合计", v(three, c.TOTAL_ROW, amount), parts)
    operating = v.stated.get((c.BUDGET_OPERATING, c.TOTAL_ROW, amount), ZERO)
    public_use = v(c.BUDGET_BASIC, c.TOTAL_ROW, c.BUDGET_PUBLIC_USE)
    equal("机关运行经费", operating, public_use if unit_kind in b.ADMINISTRATIVE_KINDS else ZERO)
    purchases = [v.stated.get((c.BUDGET_PROCUREMENT, line, amount), ZERO) for line in b.PURCHASE_LINES]
    equal("政府采购 合计", purchases[0], sum(purchases[1:], ZERO))
    return problems


@pytest.mark.parametrize("report", BUDGETS, ids=[r.unit_id for r in BUDGETS])
def test_budget_sample_facts_satisfy_every_budget_identity(report: Report) -> None:
    facts = b.load_budget_truth(report.unit_id)
    unit = REGISTRY_OBJ.unit(report.unit_id)
    assert budget_problems(facts, unit.kind) == []
    assert {f.table_name for f in facts} <= set(c.BUDGET_TABLE_NAMES)
    # The budget the 决算's prose states (年初预算数 of 一般公共预算财政拨款支出) is the budget table's 合计.
    final = {f.key: f.value for f in load_truth(report.unit_id) if f.source_kind != "restated"}
    stated = final.get((c.GENERAL_BUDGET, c.TOTAL_ROW, c.INITIAL_BUDGET_COLUMN))
    if stated is not None:
        table, column = c.BUDGET_OF_INITIAL_BUDGET
        assert _Facts(facts)(table, c.TOTAL_ROW, column) == stated


def _contract_facts(report: Report, facts: list[TruthFact]) -> list[c.Fact]:
    return [
        c.Fact(report.unit_id, report.year, f.table_name, f.subject_code, f.line_item, f.column_name, f.value,
               f.source_kind, "text-table", "0" * 64, 1, format_value(f), report_kind=c.BUDGET)
        for f in facts
    ]  # fmt: skip


@pytest.mark.parametrize("report", BUDGETS, ids=[r.unit_id for r in BUDGETS])
def test_budget_sample_facts_pass_the_budget_rules_exactly(report: Report) -> None:
    """The project's own budget rules (transform/budget_identities.py, B01–B05) find every instance exact."""
    facts = _contract_facts(report, [f for f in b.load_budget_truth(report.unit_id) if f.source_kind == "table"])
    checks = within_table_checks(facts)
    checked = [check for check in checks if check.not_checkable_reason is None]
    assert len(checked) > 100 and {check.rule_id for check in checked} >= {"B01", "B02", "B03", "B04", "B05"}
    assert [(check.check_id, check.difference) for check in checked if check.difference != 0] == []


def test_the_identity_check_catches_a_broken_budget() -> None:
    facts = b.load_budget_truth(BUDGETS[0].unit_id)
    broken = [
        TruthFact(f.table_name, f.subject_code, f.line_item, f.column_name, f.value + Decimal("0.01"), f.source_kind)
        if (f.table_name, f.subject_code, f.column_name) == (c.BUDGET_GENERAL, "208", b.TOTAL)
        else f
        for f in facts
    ]
    problems = budget_problems(broken, REGISTRY_OBJ.unit(BUDGETS[0].unit_id).kind)
    assert any("一般公共预算支出预算表 合计 合计" in p for p in problems), problems
    assert any("一般公共预算支出预算表 208 合计" in p for p in problems), problems


def test_budget_facts_are_derived_deterministically_from_the_final_facts(tmp_path: Path) -> None:
    for report in BUDGETS:
        (tmp_path / f"{report.unit_id}.csv").write_bytes((DATA_DIR / f"{report.unit_id}.csv").read_bytes())
    units = [(r.unit_id, REGISTRY_OBJ.unit(r.unit_id).kind) for r in BUDGETS]
    b.write_budget_facts(units, tmp_path)
    for report in BUDGETS:
        derived = b.budget_facts_path(report.unit_id, tmp_path).read_bytes()
        assert derived == b.budget_facts_path(report.unit_id).read_bytes(), report.unit_id


def test_apportioning_sums_to_the_cent_and_follows_the_weights() -> None:
    parts = b.apportion(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)])
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(b.apportion(Decimal("2296.46"), [Decimal("1734.75"), Decimal("0.96"), Decimal("63.07")])) == Decimal(
        "2296.46"
    )
    assert b.apportion(Decimal(0), [Decimal(0), Decimal(0)]) == [Decimal("0.00")] * 2
    with pytest.raises(b.BudgetDerivationError):
        b.apportion(Decimal(1), [Decimal(0)])


def test_registry_names_a_budget_beside_the_final_of_at_least_two_units() -> None:
    assert len(BUDGETS) >= 2
    for report in BUDGETS:
        assert (report.unit_id, report.year) in FINALS, report.label
        path = report.local_path()
        assert path.exists() and path.with_name(path.name + ".truth.csv").exists(), path


def test_regenerating_the_committed_budget_samples_gives_the_same_bytes() -> None:
    _font_or_skip()
    reports = {(r.unit_id, r.year, r.kind): r for r in build_reports(REGISTRY_OBJ, kinds=(c.BUDGET,))}
    for entry in BUDGETS:
        path = entry.local_path()
        model = reports[entry.key]
        assert model.kind == c.BUDGET and model.title.endswith("年度单位预算公开")
        rendered = render_variant(model, path.parent.name)
        assert hashlib.sha256(rendered.data).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest(), path
        assert truth_csv(rendered.expected) == path.with_name(path.name + ".truth.csv").read_text(encoding="utf-8")
        # Every budget fact is shown: table facts in a grid, the others stated in the prose.
        shown = defaultdict(set)
        for item in rendered.expected:
            shown[item.source_kind].add(item.fact.key)
        facts = b.load_budget_truth(entry.unit_id)
        assert {f.key for f in facts if f.source_kind == "table"} == shown["table"], entry.unit_id
        assert {f.key for f in facts if f.source_kind == "narrative"} <= shown["narrative"], entry.unit_id


@pytest.mark.parametrize("report", BUDGETS, ids=[r.unit_id for r in BUDGETS])
def test_budget_sample_reads_back_to_its_truth(report: Report) -> None:
    path = report.local_path()
    truth = load_truth_csv(path.with_name(path.name + ".truth.csv"))
    extraction = extract_document(path, unit_id=report.unit_id, year=report.year, registry=REGISTRY_OBJ)
    assert extraction.report_kind == c.BUDGET
    assert {f.report_kind for f in extraction.facts} == {c.BUDGET}
    got = {(f.table_name, f.subject_key, f.column_name, f.source_kind): (f.value, f.page) for f in extraction.facts}
    expected = {row.key: (row.value, row.page) for row in truth}
    # Every table cell on its page, and every figure the 预算情况说明 states, keyed as the cell it restates.
    for kind in ("table", "narrative"):
        assert {k: v for k, v in got.items() if k[3] == kind} == {k: v for k, v in expected.items() if k[3] == kind}
    assert extraction.prior_year_facts == []  # the budget prose compares with no earlier budget


#: The national 部门预算 template's titles, which name no kind (every 决算 title says 决算).
NATIONAL_TEMPLATE_TITLES = {
    c.BUDGET_TOTALS: "部门收支总表",
    c.BUDGET_INCOME: "部门收入总表",
    c.BUDGET_EXPENDITURE: "部门支出总表",
    c.BUDGET_FISCAL_TOTALS: "财政拨款收支总表",
    c.BUDGET_GENERAL: "一般公共预算支出表",
    c.BUDGET_BASIC: "一般公共预算基本支出表",
    c.BUDGET_THREE_PUBLIC: "一般公共预算“三公”经费支出表",
    c.BUDGET_GOV_FUND: "政府性基金预算支出表",
    c.BUDGET_STATE_CAPITAL: "国有资本经营预算支出表",
}


def test_a_budget_titled_as_the_national_template_reads_back_to_its_truth(tmp_path: Path) -> None:
    """Titles without 预算 in them (部门收支总表, 一般公共预算支出表 …) are the budget's tables in a 预算 report."""
    import dataclasses

    _font_or_skip()
    entry = next(r for r in BUDGETS if r.unit_id == "datong-sic")
    model = next(r for r in build_reports(REGISTRY_OBJ, kinds=(c.BUDGET,)) if r.unit_id == entry.unit_id)
    retitled = [
        dataclasses.replace(grid, title=NATIONAL_TEMPLATE_TITLES.get(grid.table_name, grid.title))
        for grid in model.grids
    ]
    assert sum(g.title != o.title for g, o in zip(retitled, model.grids, strict=True)) >= 7
    rendered = render_variant(dataclasses.replace(model, grids=retitled), "ruled")
    path = tmp_path / "datong-sic_2023_budget_national.pdf"
    path.write_bytes(rendered.data)
    extraction = extract_document(path, unit_id=entry.unit_id, year=entry.year, registry=REGISTRY_OBJ)
    assert extraction.report_kind == c.BUDGET
    got = {(f.table_name, f.subject_key, f.column_name): f.value for f in extraction.facts if f.source_kind == "table"}
    expected = {
        (item.fact.table_name, item.fact.subject_key, item.fact.column_name): item.fact.value
        for item in rendered.expected
        if item.source_kind == "table"
    }
    assert got == expected
