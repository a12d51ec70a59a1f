"""The fidelity scoring (juesuan.samples.fidelity, used by benchmarks/fidelity.py) on tiny hand-made facts."""

from __future__ import annotations

from decimal import Decimal

from juesuan.contract import Fact
from juesuan.samples.fidelity import (
    Consistency,
    keyed_precision,
    parse_unit_truth,
    score_document,
    self_consistency,
)
from juesuan.samples.score import TruthRow

INCOME = "收入决算表"
GENERAL = "一般公共预算财政拨款支出决算表"
TOTALS = "收入支出决算总表"
SHA = "0" * 64


def fact(table: str, key: str, column: str, value: str, kind: str = "table") -> Fact:
    code = key if key.isdigit() else None
    return Fact("test-unit", 2024, table, code, key if code is None else "科目", column, Decimal(value), kind,
                "test", SHA, 1, value)  # fmt: skip


def truth(table: str, key: str, column: str, value: str, kind: str = "table") -> TruthRow:
    return TruthRow((table, key, column, kind), Decimal(value), None)


TRUTH = [
    truth(INCOME, "合计", "本年收入合计", "100.00"),
    truth(INCOME, "208", "本年收入合计", "60.00"),
    truth(INCOME, "210", "本年收入合计", "40.00"),  # not read: missing
    truth(GENERAL, "208", "小计", "60.00"),  # read 61.00: wrong
    truth(GENERAL, "208", "基本支出", "50.00"),  # read 50.004: right (within 0.005)
    truth(TOTALS, "收入总计", "金额", "100.00", "narrative"),
    truth(TOTALS, "支出总计", "金额", "100.00", "narrative"),  # read 100.005: wrong
]
FACTS = [
    fact(INCOME, "合计", "本年收入合计", "100.00"),
    fact(INCOME, "208", "本年收入合计", "60.00"),
    fact(INCOME, "208", "财政拨款收入", "60.00"),  # the truth lacks it: extra
    fact(GENERAL, "208", "小计", "61.00"),
    fact(GENERAL, "208", "基本支出", "50.004"),
    fact(TOTALS, "收入总计", "金额", "100.00", "narrative"),
    fact(TOTALS, "支出总计", "金额", "100.005", "narrative"),
    fact(TOTALS, "本年收入合计", "金额", "100.00", "narrative"),  # beyond the narrative truth
]


def test_score_document_counts_right_wrong_extra_and_missing_per_table() -> None:
    result = score_document(FACTS, TRUTH)

    assert sorted(result.tables) == [GENERAL, INCOME]
    income, general = result.tables[INCOME], result.tables[GENERAL]
    assert (income.expected, income.extracted, income.correct) == (3, 3, 2)
    assert income.missing == [(INCOME, "210", "本年收入合计", "table")]
    assert income.extra == [(INCOME, "208", "财政拨款收入", "table")]
    assert income.wrong == []
    assert (general.expected, general.extracted, general.correct) == (2, 2, 1)
    assert general.wrong == [((GENERAL, "208", "小计", "table"), Decimal("60.00"), Decimal("61.00"))]
    assert general.missing == general.extra == []

    total = result.table_total
    assert (total.expected, total.extracted, total.correct) == (5, 5, 3)
    assert (len(total.wrong), len(total.extra), len(total.missing)) == (1, 1, 1)
    assert total.recall == 3 / 5
    assert total.precision == 3 / 5


def test_score_document_scores_the_narrative_apart_without_holding_figures_beyond_its_truth() -> None:
    narrative = score_document(FACTS, TRUTH).narrative

    assert narrative is not None
    assert (narrative.expected, narrative.correct) == (2, 1)
    assert [key for key, _truth, _read in narrative.wrong] == [(TOTALS, "支出总计", "金额", "narrative")]
    assert narrative.extra == [(TOTALS, "本年收入合计", "金额", "narrative")]
    assert keyed_precision(narrative) == 1 / 2
    assert narrative.recall == 1 / 2


def test_score_document_without_narrative_truth_has_no_narrative_score() -> None:
    table_truth = [row for row in TRUTH if row.key[3] == "table"]

    assert score_document(FACTS, table_truth).narrative is None


def test_parse_unit_truth_keys_rows_by_unit_name_and_year() -> None:
    text = (
        "unit,year,table,code,column,value,note\n"
        "上海市某局,2024,收入决算表,208,本年收入合计,60.00,\n"
        "上海市某局,2024,收入支出决算总表,收入总计,金额,100.00,收入总计100.00万元\n"
        "某部,2023,收入决算表,合计,本年收入合计,1.50,\n"
    )

    truth_rows = parse_unit_truth(text, "narrative")

    assert sorted(truth_rows) == [("上海市某局", 2024), ("某部", 2023)]
    assert truth_rows[("上海市某局", 2024)][1] == TruthRow(
        ("收入支出决算总表", "收入总计", "金额", "narrative"), Decimal("100.00"), None
    )


def test_self_consistency_counts_within_table_identities_by_outcome() -> None:
    def row(code: str, *cells: tuple[str, str]) -> list[Fact]:
        return [fact(GENERAL, code, column, value) for column, value in cells]

    facts = [
        # 小计 = 基本 + 项目: exact on 208, off by 0.01 (rounding) on 210, off by 5 (failed) on 212.
        *row("208", ("小计", "10"), ("基本支出", "6"), ("项目支出", "4")),
        *row("210", ("小计", "5.01"), ("基本支出", "5")),
        *row("212", ("小计", "9"), ("基本支出", "4")),
    ]

    result = self_consistency(facts)

    row_sums = (result.exact, result.rounding, result.failed)
    assert row_sums == (1, 1, 1), result
    # 收入决算表 and 支出决算表 were not read: their hierarchy and row sums are not checkable.
    assert result.not_checkable == result.total - 3 > 0
    assert len(result.failures) == 1 and "212" in result.failures[0]
    assert result.share("exact") == 1 / result.total
    both = Consistency.of_all([result, result])
    assert (both.exact, both.failed, both.total, len(both.failures)) == (2, 2, 2 * result.total, 2)


def test_self_consistency_of_nothing_read_is_empty() -> None:
    assert self_consistency([]).total == 0
