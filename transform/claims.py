"""Rates and comparison words of the 情况说明, checked with interval arithmetic (rules 14–16).

The narrative reader keeps every sentence that relates figures (``extract/narrative.py``:
:class:`~juesuan.extract.evidence.Statement`), with the figures as printed; these rules check each one
against those figures, exactly (:mod:`juesuan.transform.intervals`): a statement is consistent when
*some* values inside the rounding intervals of its figures make it true.

* **R14** 决算数 大于/小于/等于/持平/基本持平 预算数 — 年初预算为1,560.05万元，支出决算为1,511.89万元。
  决算数小于预算数 holds; 大于 would not. 基本持平 ("roughly equal") is a warning beyond 5 %.
* **R15** the words of a change agree: 增加 goes with 增长, 减少 with 下降 (增加X万元，下降Y% is an error).
* **R16** every stated rate: 占X% (part of a whole), 增长/下降X% (a change against the base it implies,
  last year's figure or the budget), 完成(年初|全年)预算的X% and 执行率. Passed when the printed rate's
  interval meets the computed one; ``rounding`` when it meets it only if the rate was cut off rather
  than rounded (99.86% for 9,746.50 / 9,759.38 = 99.868%: truncation, reported, not an error); an
  ``error`` otherwise. A rate over a zero base is an error (社会工作部 2024: 年初预算为0万元 … 完成年初
  预算的95.89%); 0% of nothing is no statement about anything and passes; 增长100% over last year's 0
  is the usual way to write "new" and is a warning.

Their findings carry the stated rate on the left and the rate computed from the printed figures on the
right, in per cent (``column_name`` says ``%``); comparison words carry the 决算 and the budget in 万元.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from juesuan.extract.evidence import (
    ABOUT,
    COMPARISON,
    COMPLETION,
    GROWTH,
    SHARE,
    Operand,
    Statement,
)
from juesuan.transform import intervals as iv
from juesuan.transform.identities import (
    ERROR,
    NARRATIVE,
    NARRATIVE_CLAIMS,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    WARNING,
    ZERO,
    FactRef,
    IdentityCheck,
    ReportFacts,
    Rule,
    Side,
    format_amount,
)

#: The finest step of the residual frame: 0.000001 (万元, or per cent for rates).
STEP = Decimal("0.000001")
#: 基本持平: how far apart two figures may be and still be "roughly equal".
ROUGHLY = Fraction(5, 100)
NARRATIVE_TABLE = "情况说明"
BROKEN = "broken"


def quantize_up(value: Fraction | Decimal) -> Decimal:
    """A non-negative amount at the residual frame's scale, rounded up (a gap never shrinks to zero)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    return exact.quantize(STEP, rounding=ROUND_CEILING)


def to_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(STEP, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class NoteSide(Side):
    """A side that is words, not a sum of facts: a statement's stated rate, a mark found in the text."""

    text: str = ""
    where: tuple[int, ...] = ()
    document: str | None = None

    @property
    def pages(self) -> list[int]:
        return sorted(set(self.where) | {f.page for f in self.facts if f.page is not None})

    @property
    def documents(self) -> list[str]:
        return [self.document] if self.document else sorted({f.document_sha256 for f in self.facts})

    def expression(self) -> str:
        return self.text or super().expression()


@dataclass(frozen=True)
class ClaimCheck(IdentityCheck):
    """A check whose verdict is decided by the rule (interval arithmetic, words, marks), not by a sum.

    ``verdict`` is ``passed``, ``rounding`` or ``broken`` (then ``severity_if_broken``); ``gap`` says how far
    the claim is from holding and ``allowance`` how much of it the rule forgives as rounding, in the unit
    of the values. The residual frame gets integers that reproduce the verdict exactly: deviation 0 when
    passed, deviation = tolerance for rounding, deviation above tolerance when broken.
    """

    verdict: str = PASSED
    gap: Decimal = ZERO
    allowance: Decimal = ZERO
    detail: str = ""

    @property
    def deviation(self) -> Decimal | None:
        if self.not_checkable_reason is not None:
            return None
        if self.verdict == PASSED:
            return ZERO
        return max(quantize_up(self.gap), STEP)

    @property
    def tolerance(self) -> Decimal:
        deviation = self.deviation
        if deviation is None or self.verdict == PASSED:
            return ZERO
        if self.verdict == ROUNDING:
            return deviation
        return min(quantize_up(self.allowance), deviation - STEP)

    @property
    def difference(self) -> Decimal | None:
        if self.not_checkable_reason is not None or self.left.value is None or self.right.value is None:
            return None
        return self.left.value - self.right.value

    def message(self) -> str:
        reason = self.not_checkable_reason
        if reason is not None:
            return super().message()
        return self.detail or super().message()


def operand_fact(report: ReportFacts, operand: Operand, fallback_table: str, page: int | None) -> FactRef:
    """A statement's figure as a located fact (so a finding names its table, line, page and document)."""
    code = operand.key if operand.key.isdigit() else None
    return FactRef(
        table_name=operand.table_name or fallback_table,
        subject_code=code,
        line_item=operand.label or operand.key,
        column_name=operand.column_name or operand.unit,
        value=operand.value,
        source_kind=operand.source,
        page=operand.page if operand.page is not None else page,
        document_sha256=report.document_sha256 or "",
    )


def operand_interval(operand: Operand) -> iv.Interval:
    """Every value the printed figure stands for (a table's figure: the published 0.01 万元)."""
    return iv.Interval.amount(operand.value, operand.places, operand.unit)


def _where(statement: Statement) -> str:
    if statement.page is not None:
        return f"p.{statement.page}"
    if statement.line is not None:
        return f"line {statement.line}"
    return ""


class StatementRule(Rule):
    """Shared by the statement rules: one check per statement of the rule's kinds."""

    family = NARRATIVE_CLAIMS
    kinds: tuple[str, ...] = ()

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        for statement in report.evidence.statements:
            if statement.kind in self.kinds:
                check = self.check_statement(report, statement)
                if check is not None:
                    yield check

    def check_statement(self, report: ReportFacts, statement: Statement) -> ClaimCheck | None:
        raise NotImplementedError

    def make(
        self,
        report: ReportFacts,
        statement: Statement,
        left: Side,
        right: Side,
        *,
        column: str,
        verdict: str = PASSED,
        gap: Decimal = ZERO,
        allowance: Decimal = ZERO,
        detail: str = "",
        missing: str | None = None,
        severity_if_broken: str = ERROR,
    ) -> ClaimCheck:
        where = _where(statement)
        note = f"{statement.word} [#{statement.number}{', ' + where if where else ''}]"
        if not detail and verdict == PASSED and missing is None:
            detail = f"{_sentence(statement)}: consistent with the printed figures"
        table = statement.table_name or NARRATIVE_TABLE
        key = statement.subject_key
        return ClaimCheck(
            rule=self,
            note=note,
            unit_id=report.unit_id,
            year=report.year,
            table_name=table,
            subject_code=key if key.isdigit() else None,
            line_item=statement.subject or key or statement.word,
            column_name=column,
            left=left,
            right=right,
            severity_if_broken=severity_if_broken,
            missing_reason=missing,
            report_document=report.document_sha256,
            verdict=verdict,
            gap=gap,
            allowance=allowance,
            detail=detail,
        )


def _sentence(statement: Statement) -> str:
    return statement.raw_text.replace("\n", "")


class ComparisonWords(StatementRule):
    rule_id = "R14"
    number = 14
    type = "comparison-words"
    title = "决算数与预算数的比较用语"
    description = (
        "决算数 大于/小于/等于/持平/基本持平 预算数 holds for some values within the rounding of both printed "
        "figures (基本持平: within 5 %, else a warning)."
    )
    kinds = (COMPARISON,)

    def check_statement(self, report: ReportFacts, statement: Statement) -> ClaimCheck | None:
        actual = statement.left
        if actual is None:
            return None
        page = statement.page
        left = Side(
            "决算数", statement.table_name, (operand_fact(report, actual, NARRATIVE_TABLE, page),), actual.value
        )
        budget = statement.right
        if budget is None:
            right = Side("预算数", statement.table_name, (), None, statement.missing or "预算数 not stated")
            return self.make(report, statement, left, right, column="决算数 vs 预算数", missing=right.missing)
        budgets = [b for b in (budget, statement.alternative) if b is not None]
        right = Side(
            budget.label or "预算数",
            statement.table_name,
            (operand_fact(report, budget, NARRATIVE_TABLE, page),),
            budget.value,
        )
        a = operand_interval(actual)
        if statement.relation == ABOUT:
            closest = min(budgets, key=lambda b: a.gap(operand_interval(b)))
            scale = max(abs(iv.fraction(actual.value)), abs(iv.fraction(closest.value)))
            gap = a.gap(operand_interval(closest))
            holds = gap <= ROUGHLY * scale
            verdict = PASSED if holds else BROKEN
            detail = (
                f"{_sentence(statement)}: 决算 {format_amount(actual.value)} is not roughly equal to "
                f"{closest.label or '预算'} {format_amount(closest.value)} (more than 5 % apart)"
            )
            return self.make(
                report,
                statement,
                left,
                right,
                column="决算数 vs 预算数",
                verdict=verdict,
                gap=quantize_up(gap),
                detail="" if holds else detail,
                severity_if_broken=WARNING,
            )
        gaps = [iv.relation_gap(statement.relation, a, operand_interval(b)) for b in budgets]
        holds = any(iv.feasible(statement.relation, a, operand_interval(b)) for b in budgets)
        words = {"gt": "greater than", "lt": "less than", "eq": "equal to"}[statement.relation]
        shown = " or ".join(f"{b.label or '预算数'} {format_amount(b.value)}" for b in budgets)
        detail = (
            f"{_sentence(statement)}: 决算 {format_amount(actual.value)} cannot be {words} {shown}, "
            "whatever values the printed figures round from"
        )
        return self.make(
            report,
            statement,
            left,
            right,
            column="决算数 vs 预算数",
            verdict=PASSED if holds else BROKEN,
            gap=quantize_up(min(gaps)) if not holds else ZERO,
            detail="" if holds else detail,
        )


class ChangeWords(StatementRule):
    rule_id = "R15"
    number = 15
    type = "change-words"
    title = "增减用语一致"
    description = (
        "A change and its rate say the same direction: 增加 … 增长, 减少 … 下降 (a zero change goes with either)."
    )
    kinds = (GROWTH,)

    def check_statement(self, report: ReportFacts, statement: Statement) -> ClaimCheck | None:
        change = statement.left
        if change is None:
            return None
        page = statement.page
        amount_word = {1: "增加", -1: "减少", 0: "增加（减少）"}[statement.sign]
        rate_word = {1: "增长", -1: "下降", 0: statement.word}[statement.rate_sign]
        left = NoteSide(
            amount_word, statement.table_name, (), Decimal(statement.sign), text=amount_word, where=_pages(page)
        )
        right = NoteSide(
            rate_word, statement.table_name, (), Decimal(statement.rate_sign), text=rate_word, where=_pages(page)
        )
        zero = iv.Interval.amount(change.value, change.places, change.unit).contains_zero()
        if zero:
            return self.make(report, statement, left, right, column="增减方向")
        if statement.sign == 0 or statement.rate_sign == 0:
            reason = f"the words leave the direction open ({amount_word} … {statement.word})"
            return self.make(report, statement, left, right, column="增减方向", missing=reason)
        holds = statement.sign == statement.rate_sign
        detail = f"{_sentence(statement)}: {amount_word} {format_amount(change.value)} goes with {rate_word}"
        return self.make(
            report,
            statement,
            left,
            right,
            column="增减方向",
            verdict=PASSED if holds else BROKEN,
            gap=Decimal(1) if not holds else ZERO,
            detail="" if holds else detail,
        )


def _pages(page: int | None) -> tuple[int, ...]:
    return () if page is None else (page,)


class StatedRates(StatementRule):
    rule_id = "R16"
    number = 16
    type = "stated-rates"
    title = "情况说明中的比率"
    description = (
        "Every stated rate (占X%, 增长/下降X%, 完成年初预算的X%, 执行率) agrees with the printed figures it relates "
        "for some values within their rounding; cut off instead of rounded is rounding; a rate over a zero base "
        "is an error (增长100% over nothing a warning)."
    )
    kinds = (SHARE, GROWTH, COMPLETION)

    def check_statement(self, report: ReportFacts, statement: Statement) -> ClaimCheck | None:
        if statement.rate is None or statement.left is None:
            return None
        page = statement.page
        rate_text = f"{statement.rate}{statement.rate_unit}"
        left = NoteSide(
            f"stated {statement.word}",
            statement.table_name,
            (),
            statement.rate,
            text=f"{statement.word} {rate_text}",
            where=_pages(page),
        )
        numerator_label, denominator_label = _labels(statement)
        if statement.right is None:
            right = Side(
                denominator_label,
                statement.table_name,
                (),
                None,
                statement.missing or f"{denominator_label} not stated",
            )
            return self.make(report, statement, left, right, column="%", missing=right.missing)
        facts = tuple(operand_fact(report, o, NARRATIVE_TABLE, page) for o in (statement.left, statement.right))
        first, second = statement.left, statement.right
        if statement.kind == GROWTH:
            change, current = operand_interval(first), operand_interval(second)
            if statement.sign == 0:
                if not change.contains_zero():
                    reason = "the change's direction is left open (增加（减少）)"
                    right = Side(denominator_label, statement.table_name, facts, None, reason)
                    return self.make(report, statement, left, right, column="%", missing=reason)
                computed: iv.Interval | None = iv.Interval.point(0)
                base = current
            else:
                base, computed = iv.growth(change, current, statement.sign)
            point_base = iv.fraction(second.value) - statement.sign * iv.fraction(first.value)
            expression = (
                f"{format_amount(first.value)} / ({format_amount(second.value)} "
                f"{'−' if statement.sign >= 0 else '+'} {format_amount(first.value)})"
            )
        else:
            base = operand_interval(second)
            computed = iv.ratio(operand_interval(first), base)
            point_base = iv.fraction(second.value)
            expression = f"{format_amount(first.value)} / {format_amount(second.value)}"
        point = None if point_base == 0 else iv.fraction(first.value) / point_base * iv.HUNDRED
        right = NoteSide(
            f"{numerator_label} / {denominator_label}",
            statement.table_name,
            facts,
            None if point is None else to_decimal(point),
            text=f"{expression} = {'—' if point is None else format_amount(to_decimal(point))}%",
        )
        stated = iv.stated_rate(statement.rate, statement.rate_places)
        sentence = _sentence(statement)
        if computed is None:
            return self._zero_base(report, statement, left, right, stated, operand_interval(first), sentence)
        if stated.intersects(computed):
            return self.make(report, statement, left, right, column="%")
        gap = quantize_up(stated.gap(computed))
        if iv.truncated_rate(statement.rate, statement.rate_places).intersects(computed):
            detail = f"{sentence}: {rate_text} holds only if the rate was cut off rather than rounded ({right.text})"
            return self.make(report, statement, left, right, column="%", verdict=ROUNDING, gap=gap, detail=detail)
        within = f"between {_percent(computed.lo)} and {_percent(computed.hi)} within rounding"
        detail = f"{sentence}: stated {rate_text}, but {right.text} ({within})"
        allowance = quantize_up(2 * iv.half_unit(statement.rate_places))
        return self.make(
            report, statement, left, right, column="%", verdict=BROKEN, gap=gap, allowance=allowance, detail=detail
        )

    def _zero_base(
        self,
        report: ReportFacts,
        statement: Statement,
        left: Side,
        right: NoteSide,
        stated: iv.Interval,
        numerator: iv.Interval,
        sentence: str,
    ) -> ClaimCheck:
        """A rate whose base may be zero: 0% of nothing passes; anything else is no rate at all."""
        rate = statement.rate or ZERO
        if numerator.contains_zero() and stated.contains_zero():
            return self.make(report, statement, left, right, column="%")
        if statement.kind == GROWTH and statement.sign > 0 and rate == 100:
            detail = (
                f"{sentence}: a rate over a zero base (last year's figure is 0); 增长100% is the usual way to say new"
            )
            return self.make(
                report,
                statement,
                left,
                right,
                column="%",
                verdict=BROKEN,
                gap=rate,
                detail=detail,
                severity_if_broken=WARNING,
            )
        base = (
            "last year's figure"
            if statement.kind == GROWTH
            else (statement.right.label if statement.right else "the base")
        )
        detail = f"{sentence}: a rate over a zero base ({base} is 0): {rate}{statement.rate_unit} cannot be computed"
        return self.make(report, statement, left, right, column="%", verdict=BROKEN, gap=max(rate, STEP), detail=detail)


def _percent(value: Fraction) -> str:
    return f"{float(value):.4f}%"


def _labels(statement: Statement) -> tuple[str, str]:
    if statement.kind == GROWTH:
        base = "上年数" if statement.against != "budget" else "预算数"
        return "增减额", base
    if statement.kind == SHARE:
        return (statement.left.label if statement.left else "部分"), (
            statement.right.label if statement.right else "合计"
        )
    return "决算数", (statement.right.label if statement.right else "预算数")


RULES: tuple[Rule, ...] = (ComparisonWords(), ChangeWords(), StatedRates())

__all__ = [
    "BROKEN",
    "NARRATIVE",
    "NOT_CHECKABLE",
    "RULES",
    "ClaimCheck",
    "NoteSide",
    "StatementRule",
    "operand_fact",
    "quantize_up",
]
