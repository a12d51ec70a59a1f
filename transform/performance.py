"""Checks of the performance self-evaluation tables (预算项目（政策）绩效自评表), rules 29–31.

The tables are read by ``extract/performance.py`` (their figures as printed; what cannot be read with
confidence is left out and its checks are not checkable):

* **R29** 执行率 = 全年执行数 / 全年预算数, with interval arithmetic like the narrative's rates (R16): 朝阳's
  1.04 / 1.1 printed 94.91% holds; a rate over a zero budget is an error.
* **R30** the scores add up: 预算执行率得分 = its 分值 (10) × 执行率 (at most the 分值), a warning when not,
  since provinces score execution differently; 指标自评得分小计 = Σ 指标得分 where printed; 总分 = Σ 指标得分
  (or the printed 小计) + 预算执行率得分 − 减分项, an error when no values within the printed rounding add up.
* **R31** the 年度目标 is the report year's: a year in it other than the report's is a warning
  (朝阳 2024 sets one project's target for "2025年12月").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction

from juesuan.extract.evidence import PerformanceTable
from juesuan.transform import intervals as iv
from juesuan.transform.claims import BROKEN, ClaimCheck, NoteSide, quantize_up, to_decimal
from juesuan.transform.identities import (
    ERROR,
    PASSED,
    PERFORMANCE,
    ROUNDING,
    WARNING,
    ZERO,
    ReportFacts,
    Rule,
    format_amount,
)

TABLE = "绩效自评表"
_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")


def _printed(value: Decimal, places: int) -> iv.Interval:
    return iv.Interval.printed(value, places)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _where(table: PerformanceTable) -> str:
    if table.page is not None:
        return f"p.{table.page}"
    return f"line {table.line}" if table.line is not None else ""


class PerformanceRule(Rule):
    family = PERFORMANCE

    def checks(self, report: ReportFacts) -> Iterator[ClaimCheck]:
        for table in report.evidence.performance:
            yield from self.table_checks(report, table)

    def table_checks(self, report: ReportFacts, table: PerformanceTable) -> Iterator[ClaimCheck]:
        raise NotImplementedError

    def make(
        self,
        report: ReportFacts,
        table: PerformanceTable,
        what: str,
        left: NoteSide,
        right: NoteSide,
        *,
        verdict: str = PASSED,
        gap: Decimal = ZERO,
        allowance: Decimal = ZERO,
        detail: str = "",
        missing: str | None = None,
        severity: str = ERROR,
    ) -> ClaimCheck:
        where = _where(table)
        name = table.project or table.title or f"table {table.number}"
        return ClaimCheck(
            rule=self,
            note=f"{what} [#{table.number}{', ' + where if where else ''}]",
            unit_id=report.unit_id,
            year=report.year,
            table_name=TABLE,
            subject_code=None,
            line_item=name,
            column_name=what,
            left=left,
            right=right,
            severity_if_broken=severity,
            missing_reason=missing,
            report_document=report.document_sha256,
            verdict=verdict,
            gap=gap,
            allowance=allowance,
            detail=detail or f"{TABLE} {name}: {what} holds",
        )

    def side(self, report: ReportFacts, table: PerformanceTable, text: str, value: Decimal | None) -> NoteSide:
        pages = () if table.page is None else (table.page,)
        return NoteSide(text, TABLE, (), value, text=text, where=pages, document=report.document_sha256)


class ExecutionRate(PerformanceRule):
    rule_id = "R29"
    number = 29
    type = "performance-execution-rate"
    title = "绩效自评表 执行率"
    description = (
        "执行率 = 全年执行数 / 全年预算数 for some values within the printed rounding; over a zero budget an error."
    )

    def table_checks(self, report: ReportFacts, table: PerformanceTable) -> Iterator[ClaimCheck]:
        if table.budget is None or table.spent is None or table.rate is None:
            left = self.side(report, table, "执行率", table.rate)
            reason = "; ".join(table.notes) or "its 预算数, 执行数 or 执行率 was not read"
            yield self.make(report, table, "执行率", left, left, missing=f"{TABLE} #{table.number}: {reason}")
            return
        rate = f"{table.rate}%"
        left = self.side(report, table, f"执行率 {rate}", table.rate)
        spent = iv.Interval.amount(table.spent, table.spent_places)
        budget = iv.Interval.amount(table.budget, table.budget_places)
        computed = iv.ratio(spent, budget)
        point = None if table.budget == 0 else to_decimal(Fraction(table.spent) / Fraction(table.budget) * 100)
        expression = f"{format_amount(table.spent)} / {format_amount(table.budget)}"
        right = self.side(report, table, f"{expression} = {'—' if point is None else format_amount(point)}%", point)
        stated = iv.stated_rate(table.rate, table.rate_places)
        name = table.project or table.title
        if computed is None:
            if spent.contains_zero() and stated.contains_zero():
                yield self.make(report, table, "执行率", left, right)
                return
            detail = f"{TABLE} {name}: 执行率 {rate} over a zero 预算数"
            yield self.make(report, table, "执行率", left, right, verdict=BROKEN, gap=table.rate, detail=detail)
            return
        if stated.intersects(computed):
            yield self.make(report, table, "执行率", left, right)
        elif iv.truncated_rate(table.rate, table.rate_places).intersects(computed):
            gap = quantize_up(stated.gap(computed))
            detail = f"{TABLE} {name}: 执行率 {rate} holds only if cut off rather than rounded ({right.text})"
            yield self.make(report, table, "执行率", left, right, verdict=ROUNDING, gap=gap, detail=detail)
        else:
            gap = quantize_up(stated.gap(computed))
            detail = f"{TABLE} {name}: 执行率 {rate}, but {right.text}"
            allowance = quantize_up(2 * iv.half_unit(table.rate_places))
            yield self.make(
                report, table, "执行率", left, right, verdict=BROKEN, gap=gap, allowance=allowance, detail=detail
            )


class Scores(PerformanceRule):
    rule_id = "R30"
    number = 30
    type = "performance-scores"
    title = "绩效自评表 得分"
    description = (
        "预算执行率得分 = 分值 × 执行率 (at most the 分值; a warning, scoring differs between provinces); "
        "指标自评得分小计 = Σ 指标得分; 总分 = Σ 指标得分 + 预算执行率得分 − 减分项, within the printed rounding."
    )

    def table_checks(self, report: ReportFacts, table: PerformanceTable) -> Iterator[ClaimCheck]:
        name = table.project or table.title
        weight = table.rate_weight or Decimal(10)
        if table.rate is not None and table.rate_score is not None:
            expected = iv.stated_rate(min(table.rate, Decimal(100)), table.rate_places).scaled(Fraction(weight) / 100)
            stated = _printed(table.rate_score, table.rate_score_places)
            left = self.side(report, table, f"预算执行率得分 {table.rate_score}", table.rate_score)
            point = to_decimal(Fraction(weight) * Fraction(min(table.rate, Decimal(100))) / 100)
            right = self.side(report, table, f"{weight} × {table.rate}% = {format_amount(point)}", point)
            holds = stated.intersects(expected)
            detail = f"{TABLE} {name}: 预算执行率得分 {table.rate_score}, but {right.text}"
            yield self.make(
                report,
                table,
                "预算执行率得分",
                left,
                right,
                verdict=PASSED if holds else BROKEN,
                gap=ZERO if holds else quantize_up(stated.gap(expected)),
                detail="" if holds else detail,
                severity=WARNING,
            )
        scores = [i.score for i in table.indicators if i.score is not None]
        if table.indicator_subtotal is not None and scores:
            yield self._sum(report, table, "指标得分小计", table.indicator_subtotal, [(s, "指标") for s in scores])
        if table.total is None:
            return
        if table.indicator_subtotal is not None:
            parts = [(table.indicator_subtotal, "小计")]
        elif scores:
            parts = [(s, "指标") for s in scores]
        else:
            left = self.side(report, table, f"总分 {table.total}", table.total)
            reason = f"{TABLE} #{table.number}: no 指标得分 read"
            yield self.make(report, table, "总分", left, left, missing=reason)
            return
        if table.rate_score is None:
            left = self.side(report, table, f"总分 {table.total}", table.total)
            reason = f"{TABLE} #{table.number}: its 预算执行率得分 was not read"
            yield self.make(report, table, "总分", left, left, missing=reason)
            return
        parts.append((table.rate_score, "预算执行率得分"))
        negative = [(table.deduction, "减分项")] if table.deduction else []
        yield self._sum(report, table, "总分", table.total, parts, negative)

    def _sum(
        self,
        report: ReportFacts,
        table: PerformanceTable,
        what: str,
        total: Decimal,
        parts: list[tuple[Decimal, str]],
        minus: Sequence[tuple[Decimal, str]] = (),
    ) -> ClaimCheck:
        # Scores are printed to a common precision with trailing zeros dropped (40 beside 29.2 is 40.0): the
        # figures added are known to the finest decimals any of them shows; the total to its own (59 for 59.005).
        places = max(_places(v) for v in (*(v for v, _ in parts), *(v for v, _ in minus)))
        interval = iv.Interval.point(0)
        for value, _label in parts:
            interval = interval + _printed(value, places)
        for value, _label in minus:
            interval = interval - _printed(value, places)
        point = sum((v for v, _ in parts), ZERO) - sum((v for v, _ in minus), ZERO)
        stated = _printed(total, _places(total))
        shown = " + ".join(format_amount(v) for v, _ in parts) + "".join(f" − {format_amount(v)}" for v, _ in minus)
        left = self.side(report, table, f"{what} {total}", total)
        right = self.side(report, table, f"{shown} = {format_amount(point)}", point)
        holds = stated.intersects(interval)
        detail = f"{TABLE} {table.project or table.title}: {what} {total}, but {right.text}"
        return self.make(
            report,
            table,
            what,
            left,
            right,
            verdict=PASSED if holds else BROKEN,
            gap=ZERO if holds else quantize_up(stated.gap(interval)),
            detail="" if holds else detail,
        )


class TargetYear(PerformanceRule):
    rule_id = "R31"
    number = 31
    type = "performance-target-year"
    title = "绩效自评表 年度目标年份"
    description = "The 年度目标 names the report's year only (another year is a warning)."

    def table_checks(self, report: ReportFacts, table: PerformanceTable) -> Iterator[ClaimCheck]:
        years = sorted({int(y) for y in _YEAR.findall(table.target)})
        other = [y for y in years if y != report.year]
        left = self.side(report, table, table.target[:80] or "(no 年度目标 read)", None)
        right = self.side(report, table, f"{report.year}年", Decimal(report.year))
        if not table.target:
            yield self.make(
                report, table, "年度目标", left, right, missing=f"{TABLE} #{table.number}: no 年度目标 read"
            )
            return
        detail = (
            f"{TABLE} {table.project or table.title}: 年度目标 names {', '.join(map(str, other))}: {table.target[:60]}"
        )
        yield self.make(
            report,
            table,
            "年度目标",
            left,
            right,
            verdict=BROKEN if other else PASSED,
            gap=Decimal(1) if other else ZERO,
            detail=detail if other else "",
            severity=WARNING,
        )


RULES: tuple[Rule, ...] = (ExecutionRate(), Scores(), TargetYear())
