"""Document hygiene (rules 20–25): what a careful editor would have caught. Always warnings.

Each rule reads the marks the extractor left (``extract/marks.py``, ``extract/narrative.py``) and yields
one ``warning`` per place (a page of a PDF, a line of a text export) and kind of mark, or one ``passed``
check when the document has none:

* **R20** template placeholders left in: ``XX局``, ``xxx``, ``待填写``, a choice left open
  (``增加（减少）``, ``下降（增长）``), a blank (``_0``);
* **R21** draft marks (大同 2023 prints 仅供内部审核 90 times), counted;
* **R22** a year that is neither the report's nor — in a comparison — the year before, in a heading or
  in a statement about the report's own figures (截至2023年12月31日 in a 2024 report);
* **R23** the unit named otherwise than on its cover and in the registry (规划与自然资源局 for 规划和自然资源局);
* **R24** doubled punctuation (，，);
* **R25** an amount without its unit or in 元 inside 万元 prose (晋城 2023: "卫生健康支出165141.73，"),
  a rate without its % (增长13.95).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from juesuan.extract.evidence import (
    DOUBLED_PUNCTUATION,
    DRAFT_MARK,
    PLACEHOLDER,
    STRAY_YEAR,
    UNIT_NAME,
    UNITLESS_AMOUNT,
    YUAN_AMOUNT,
    DocumentMark,
)
from juesuan.transform.claims import BROKEN, ClaimCheck, NoteSide
from juesuan.transform.identities import HYGIENE, PASSED, WARNING, ZERO, ReportFacts, Rule

DOCUMENT = "文档"


class HygieneRule(Rule):
    """One kind of mark (or several): a warning per place, or one passed check."""

    family = HYGIENE
    kinds: tuple[str, ...] = ()
    what: str = ""

    def checks(self, report: ReportFacts) -> Iterator[ClaimCheck]:
        evidence = report.evidence
        if not evidence.read:
            reason = "the report was loaded before juesuan read its text for these marks: extract it again"
            yield self._check(report, "(document)", "", (), "", missing=reason)
            return
        groups: dict[tuple[str, int | None, int | None], list[DocumentMark]] = {}
        for mark in evidence.marks:
            if mark.kind in self.kinds:
                groups.setdefault((mark.kind, mark.page, mark.line), []).append(mark)
        if not groups:
            yield self._check(report, "(none found)", "", (), f"no {self.what} found")
            return
        for (kind, page, line), marks in sorted(groups.items(), key=lambda g: (g[0][1] or 0, g[0][2] or 0, g[0][0])):
            place = f"第{page}页" if page is not None else f"第{line}行" if line is not None else ""
            found = "、".join(dict.fromkeys(m.text for m in marks))
            count = sum(m.count for m in marks)
            expected = next((m.expected for m in marks if m.expected), "")
            context = marks[0].context
            detail = f"{self.what} {place}: {found}"
            if count > len(marks) or count > 1:
                detail += f" ({count}×)"
            if expected:
                detail += f" — expected {expected}"
            if context and context != found:
                detail += f" — …{context}…"
            yield self._check(
                report,
                found[:60],
                place,
                () if page is None else (page,),
                detail,
                verdict=BROKEN,
                column=kind,
                count=count,
                expected=expected,
            )

    def _check(
        self,
        report: ReportFacts,
        line: str,
        place: str,
        pages: tuple[int, ...],
        detail: str,
        *,
        verdict: str = PASSED,
        column: str = "",
        count: int = 0,
        expected: str = "",
        missing: str | None = None,
    ) -> ClaimCheck:
        document = report.document_sha256
        left = NoteSide("found", DOCUMENT, (), Decimal(count), text=line, where=pages, document=document)
        right = NoteSide("expected", DOCUMENT, (), None, text=expected or "none", document=document)
        return ClaimCheck(
            rule=self,
            note=f"{self.title} {place}".strip(),
            unit_id=report.unit_id,
            year=report.year,
            table_name=DOCUMENT,
            subject_code=None,
            line_item=line,
            column_name=column or self.kinds[0],
            left=left,
            right=right,
            severity_if_broken=WARNING,
            missing_reason=missing,
            report_document=document,
            verdict=verdict,
            gap=Decimal(max(count, 1)) if verdict != PASSED else ZERO,
            detail=detail,
        )


class Placeholders(HygieneRule):
    rule_id = "R20"
    number = 20
    type = "placeholders"
    title = "模板占位符"
    description = "Template placeholders left in (XX局, xxx, 待填写, 增加（减少）, a blank _0): a warning."
    kinds = (PLACEHOLDER,)
    what = "placeholder left in"


class DraftMarks(HygieneRule):
    rule_id = "R21"
    number = 21
    type = "draft-marks"
    title = "草稿标记"
    description = "Draft marks (仅供内部审核, 征求意见稿 …) in a published report: a warning, with their count."
    kinds = (DRAFT_MARK,)
    what = "draft mark"


class StrayYears(HygieneRule):
    rule_id = "R22"
    number = 22
    type = "stray-years"
    title = "年份错误"
    description = (
        "A year that is neither the report's nor, in a comparison, the year before — in a heading or a statement "
        "about the report's own figures (截至2023年12月31日 in a 2024 report): a warning."
    )
    kinds = (STRAY_YEAR,)
    what = "stray year"


class UnitNames(HygieneRule):
    rule_id = "R23"
    number = 23
    type = "unit-names"
    title = "单位名称不一致"
    description = "The unit named otherwise than on its cover and in the registry (规划与… for 规划和…): a warning."
    kinds = (UNIT_NAME,)
    what = "unit named otherwise"


class DoubledPunctuation(HygieneRule):
    rule_id = "R24"
    number = 24
    type = "doubled-punctuation"
    title = "重复标点"
    description = "Doubled punctuation (，，。。): a warning."
    kinds = (DOUBLED_PUNCTUATION,)
    what = "doubled punctuation"


class AmountUnits(HygieneRule):
    rule_id = "R25"
    number = 25
    type = "amount-units"
    title = "金额单位"
    description = (
        "An amount without its unit, or in 元 inside 万元 prose, and a rate without its %: a warning "
        "(晋城 2023: 卫生健康支出165141.73，)."
    )
    kinds = (UNITLESS_AMOUNT, YUAN_AMOUNT)
    what = "amount or rate without its unit, or in 元"


RULES: tuple[Rule, ...] = (
    Placeholders(),
    DraftMarks(),
    StrayYears(),
    UnitNames(),
    DoubledPunctuation(),
    AmountUnits(),
)
