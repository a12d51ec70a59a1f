"""Across years and documents (rules 26–28): a report against last year's report, and against itself revised.

* **R26** 年初结转和结余 of year Y = 年末结转和结余 of year Y−1, in 收入支出决算总表 and, per fund, in
  财政拨款收入支出决算总表 (年初财政拨款结转和结余（一般公共预算财政拨款）… against the fund's column of
  年末财政拨款结转和结余). Within 0.01 万元 per addend like every identity.
* **R27** every figure of Y−1 the Y report restates (``prior_year_facts``: derived from 与上年相比 增加X万元,
  or 与上年持平) = what the Y−1 report published (its table figure where it has the table, else its
  narrative). A restated figure is current − change, two rounded figures: 0.02 万元 is rounding.
* **R28** revised after publication: when a registered address serves new bytes for a report already
  loaded, the lake keeps the facts of the earlier document (``superseded_facts``) and every figure that
  changed, appeared or disappeared is a ``warning`` finding of type ``revised`` naming both documents'
  sha256 (left the new figure, right the old one); a revision that changed no figure is one passed check.

Findings name both documents: the left side's is the report's, the right side's last year's (or the earlier
version's). When the lake holds no report of Y−1 the checks are one not-checkable instance per rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from juesuan import contract as c
from juesuan.transform.claims import BROKEN, ClaimCheck, NoteSide
from juesuan.transform.identities import (
    ACROSS_YEARS,
    AMOUNT,
    CLOSING_BALANCE,
    FISCAL_CLOSING,
    FISCAL_OPENING,
    FUNDS,
    OPENING_BALANCE,
    PASSED,
    TABLE,
    WARNING,
    ZERO,
    FactRef,
    IdentityCheck,
    ReportFacts,
    Rule,
    Side,
    Term,
    format_amount,
)


def _not_in_lake(rule: Rule, report: ReportFacts, note: str, what: str) -> IdentityCheck:
    reason = f"{report.unit_id}'s report of {report.year - 1} is not in the lake: {what} not compared"
    empty = Side(note, "", (), None, reason)
    return IdentityCheck(
        rule=rule,
        note=note,
        unit_id=report.unit_id,
        year=report.year,
        table_name=c.TOTALS,
        subject_code=None,
        line_item=f"({report.year - 1})",
        column_name="",
        left=empty,
        right=empty,
        missing_reason=reason,
        report_document=report.document_sha256,
    )


class OpeningEqualsClosing(Rule):
    rule_id = "R26"
    number = 26
    family = ACROSS_YEARS
    type = "opening-equals-last-closing"
    title = "年初结转和结余 = 上年年末结转和结余"
    description = (
        "年初结转和结余 of year Y = 年末结转和结余 of Y−1: 收入支出决算总表, and 财政拨款收入支出决算总表 in all "
        "and per fund."
    )
    template = "{table} {line} {column}: {left} ≠ last year's {right_label} {right} (difference {difference})"

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        previous = report.evidence.previous
        if previous is None:
            yield _not_in_lake(self, report, "年初 = 上年年末", "年初结转和结余")
            return
        pairs: list[tuple[Term, Term, str]] = [
            (Term(c.TOTALS, OPENING_BALANCE, AMOUNT, True), Term(c.TOTALS, CLOSING_BALANCE, AMOUNT, True), "总表"),
            (
                Term(c.FISCAL_TOTALS, FISCAL_OPENING, AMOUNT, True),
                Term(c.FISCAL_TOTALS, FISCAL_CLOSING, "合计", True),
                "财政拨款总表",
            ),
        ]
        for fund in FUNDS:
            pairs.append(
                (
                    Term(c.FISCAL_TOTALS, f"{FISCAL_OPENING}（{fund}）", AMOUNT, True),
                    Term(c.FISCAL_TOTALS, FISCAL_CLOSING, fund, True),
                    fund,
                )
            )
        for opening, closing, label in pairs:
            if label == "财政拨款总表" and report.get(opening) is None:
                # Reports that state the opening only per fund: its sum stands for the total.
                parts = [Term(c.FISCAL_TOTALS, f"{FISCAL_OPENING}（{fund}）", AMOUNT, True) for fund in FUNDS]
                left = report.side(FISCAL_OPENING, parts)
            else:
                left = report.side(opening.key, [opening])
            right = previous.side(f"{report.year - 1} {closing.key} {closing.column_name}", [closing])
            yield IdentityCheck(
                rule=self,
                note=f"年初 = 上年年末 ({label})",
                unit_id=report.unit_id,
                year=report.year,
                table_name=opening.table_name,
                subject_code=None,
                line_item=opening.key,
                column_name=opening.column_name,
                left=left,
                right=right,
                report_document=report.document_sha256,
                other_document=previous.document_sha256,
            )


class RestatedFigures(Rule):
    rule_id = "R27"
    number = 27
    family = ACROSS_YEARS
    type = "restated-equals-published"
    title = "上年数与上年报告一致"
    description = (
        "Every figure of Y−1 the Y report restates (与上年相比 增加/减少/持平) = what the Y−1 report published; "
        "a restated figure is current − change, so 0.02 万元 is rounding."
    )
    template = "{table} {line} {column}: restated {left} ≠ published last year {right} (difference {difference})"

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        restated = report.evidence.restated
        if not restated:
            return
        previous = report.evidence.previous
        if previous is None:
            yield _not_in_lake(self, report, "上年数 = 上年报告", f"{len(restated)} restated figure(s)")
            return
        for fact in sorted(restated, key=lambda f: (f.table_name, f.key, f.column_name)):
            term = Term(fact.table_name, fact.key, fact.column_name)
            published = previous.table_fact(fact.table_name, fact.key, fact.column_name)
            if published is not None or previous.source(fact.table_name) == TABLE:
                right = previous.side(f"{report.year - 1} {fact.label}", [term])
            else:
                right = previous.side(f"{report.year - 1} {fact.label}", [term])
            yield IdentityCheck(
                rule=self,
                note="上年数 = 上年报告",
                unit_id=report.unit_id,
                year=report.year,
                table_name=fact.table_name,
                subject_code=fact.subject_code,
                line_item=fact.line_item,
                column_name=fact.column_name,
                left=Side("restated", fact.table_name, (fact,), fact.value),
                right=right,
                report_document=report.document_sha256,
                other_document=previous.document_sha256,
                extra_addends=1,
            )


def _key(fact: FactRef) -> tuple[str, str, str, str]:
    return (fact.table_name, fact.key, fact.column_name, fact.source_kind)


class Revised(Rule):
    rule_id = "R28"
    number = 28
    family = ACROSS_YEARS
    type = "revised"
    title = "发布后修订"
    description = (
        "A report whose address served new bytes after it was loaded: every figure that changed, appeared or "
        "disappeared against the earlier document (both sha256 named) is a warning of type revised."
    )

    def checks(self, report: ReportFacts) -> Iterator[IdentityCheck]:
        versions = report.evidence.superseded
        if not versions:
            return
        old = versions[-1]
        now = {_key(f): f for f in report.all_facts()}
        before = {_key(f): f for f in old.facts}
        document = report.document_sha256
        changed = 0
        for key in sorted(set(now) | set(before)):
            new_fact, old_fact = now.get(key), before.get(key)
            if new_fact is not None and old_fact is not None and new_fact.value == old_fact.value:
                continue
            changed += 1
            fact = new_fact or old_fact
            assert fact is not None
            left = (
                Side("now", fact.table_name, (new_fact,), new_fact.value)
                if new_fact is not None
                else NoteSide("now", fact.table_name, (), None, text="not in the new document", document=document)
            )
            right = (
                Side("before", fact.table_name, (old_fact,), old_fact.value)
                if old_fact is not None
                else NoteSide(
                    "before",
                    fact.table_name,
                    (),
                    None,
                    text="not in the earlier document",
                    document=old.document_sha256,
                )
            )
            what = (
                f"{format_amount(old_fact.value)} → {format_amount(new_fact.value)}"
                if new_fact is not None and old_fact is not None
                else f"new figure {format_amount(new_fact.value)}"
                if new_fact is not None
                else f"figure {format_amount(old_fact.value) if old_fact else ''} removed"
            )
            gap = abs((new_fact.value if new_fact else ZERO) - (old_fact.value if old_fact else ZERO))
            yield ClaimCheck(
                rule=self,
                note=f"revised ({fact.source_kind})",
                unit_id=report.unit_id,
                year=report.year,
                table_name=fact.table_name,
                subject_code=fact.subject_code,
                line_item=fact.line_item,
                column_name=fact.column_name,
                left=left,
                right=right,
                severity_if_broken=WARNING,
                report_document=document,
                other_document=old.document_sha256,
                verdict=BROKEN,
                gap=max(gap, Decimal("0.000001")),
                detail=(
                    f"revised after publication: {fact.table_name} {fact.label} {fact.column_name} {what} "
                    f"(document {old.document_sha256[:12]}… → {(document or '')[:12]}…)"
                ),
            )
        if not changed:
            empty = NoteSide("now", "", (), None, text="no figure changed", document=document)
            yield ClaimCheck(
                rule=self,
                note="revised",
                unit_id=report.unit_id,
                year=report.year,
                table_name=c.TOTALS,
                subject_code=None,
                line_item="(all figures)",
                column_name="",
                left=empty,
                right=NoteSide("before", "", (), None, text=old.document_sha256, document=old.document_sha256),
                severity_if_broken=WARNING,
                report_document=document,
                other_document=old.document_sha256,
                verdict=PASSED,
                detail=f"new document {(document or '')[:12]}… replaced {old.document_sha256[:12]}…: no figure changed",
            )


RULES: tuple[Rule, ...] = (OpeningEqualsClosing(), RestatedFigures(), Revised())
