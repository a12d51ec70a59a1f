"""The report's structure: its template's tables are all there, and empty tables say so (rules 17–19).

* **R17** every table of the report's template is in the report. The template is the tables its
  contents list (目录) names; without a contents list, the national template (:data:`NATIONAL_TEMPLATE`,
  the nine tables every 部门决算 publishes). A table counts as there when the reader found it (any status,
  even unread) or its title is printed. When most of the template is missing from the text the report
  printed its tables as images (大竹, 乌海): the missing ones are *not checkable*, not errors.
* **R18** a table without figures says so (本表无数据, 故本表无数据, 本年度无此项… — or the template's
  conditional note 如本表为空，则…, which says what an empty table means), else a warning; a table *with*
  figures under a note saying it has none is an error.
* **R19** a fund table (政府性基金, 国有资本经营) has figures exactly when its column of
  财政拨款收入支出决算总表 has; and where the prose says a fund (or 三公) has no spending this year
  (本年度无政府性基金预算财政拨款支出), its table and its column hold none.

Tables juesuan did not read reliably are not checkable here as everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from juesuan import contract as c
from juesuan.extract.evidence import (
    CONDITIONAL_NOTE,
    CONTENTS_TABLE,
    EMPTY_NOTE,
    NARRATIVE_EMPTY,
    TABLE_TITLE,
    DocumentMark,
)
from juesuan.transform.claims import BROKEN, ClaimCheck, NoteSide
from juesuan.transform.identities import (
    ERROR,
    PASSED,
    STRUCTURE,
    UNRELIABLE,
    WARNING,
    ZERO,
    FactRef,
    ParsedTable,
    ReportFacts,
    Rule,
)

#: The tables every 部门决算 publishes (national template, 公开01–09; 项目支出表 and 相关信息统计表 are not in all).
NATIONAL_TEMPLATE: tuple[str, ...] = (
    c.TOTALS,
    c.INCOME,
    c.EXPENDITURE,
    c.FISCAL_TOTALS,
    c.GENERAL_BUDGET,
    c.BASIC,
    c.THREE_PUBLIC,
    c.GOV_FUND,
    c.STATE_CAPITAL,
)
#: Fund tables and their column of 财政拨款收入支出决算总表 (and its income line).
FUND_COLUMNS: dict[str, tuple[str, str]] = {
    c.GOV_FUND: ("政府性基金预算财政拨款", "政府性基金预算财政拨款收入"),
    c.STATE_CAPITAL: ("国有资本经营预算财政拨款", "国有资本经营预算财政拨款收入"),
}
REPORT = "报告"


def _note(
    text: str, pages: tuple[int, ...] = (), document: str | None = None, value: Decimal | None = None
) -> NoteSide:
    return NoteSide(text, "", (), value, text=text, where=pages, document=document)


def _check(
    rule: Rule,
    report: ReportFacts,
    note: str,
    table: str,
    line: str,
    column: str,
    left: NoteSide,
    right: NoteSide,
    *,
    verdict: str = PASSED,
    detail: str = "",
    missing: str | None = None,
    severity: str = ERROR,
) -> ClaimCheck:
    return ClaimCheck(
        rule=rule,
        note=note,
        unit_id=report.unit_id,
        year=report.year,
        table_name=table,
        subject_code=None,
        line_item=line,
        column_name=column,
        left=left,
        right=right,
        severity_if_broken=severity,
        missing_reason=missing,
        report_document=report.document_sha256,
        verdict=verdict,
        gap=Decimal(1) if verdict != PASSED else ZERO,
        detail=detail,
    )


def _where(mark: DocumentMark | ParsedTable) -> tuple[int, ...]:
    if isinstance(mark, ParsedTable):
        return mark.pages
    return () if mark.page is None else (mark.page,)


def _place(mark: DocumentMark) -> str:
    if mark.page is not None:
        return f"第{mark.page}页"
    if mark.line is not None:
        return f"第{mark.line}行"
    return ""


def _no_evidence(rule: Rule, report: ReportFacts, note: str) -> ClaimCheck:
    reason = "the report was loaded before juesuan read its structure: extract it again (juesuan run --force)"
    return _check(rule, report, note, REPORT, "(structure)", "", _note(""), _note(""), missing=reason)


class TemplateTables(Rule):
    rule_id = "R17"
    number = 17
    family = STRUCTURE
    type = "template-tables"
    title = "公开表格齐全"
    description = (
        "Every table of the report's template (its contents list, else the nine tables of the national template: "
        "a warning) is in the report; missing from a report whose tables are mostly not in its text: not checkable."
    )

    def checks(self, report: ReportFacts) -> Iterator[ClaimCheck]:
        evidence = report.evidence
        if not evidence.read:
            yield _no_evidence(self, report, "表格齐全")
            return
        listed = {m.table_name: m for m in evidence.marks if m.kind == CONTENTS_TABLE and m.table_name}
        template = list(listed) if listed else list(NATIONAL_TEMPLATE)
        source = "目录" if listed else "全国统一公开模板"
        found = {t.table_name for t in evidence.tables if t.table_name}
        found |= {m.table_name for m in evidence.marks if m.kind == TABLE_TITLE and m.table_name}
        found |= {t for t in template if report.source(t) not in (None, "narrative")}
        present = [t for t in template if t in found]
        mostly_missing = len(present) * 2 < len(template)
        document = report.document_sha256
        for table in template:
            mark = listed.get(table)
            where = _where(mark) if mark else ()
            left = _note(f"{source}: {table}", where, document)
            if table in found:
                titles = [t for t in evidence.tables if t.table_name == table]
                right = _note(
                    f"{table}: {titles[0].title if titles else 'title printed'}", _where(titles[0]) if titles else ()
                )
                yield _check(self, report, f"{source}所列表格", table, table, "", left, right)
                continue
            right = _note(f"{table}: not in the report")
            if mostly_missing:
                reason = (
                    f"{len(template) - len(present)} of the {len(template)} tables of the {source} are not in the "
                    "report's text: it printed its tables otherwise (images?), so a missing one is not evidence"
                )
                yield _check(self, report, f"{source}所列表格", table, table, "", left, right, missing=reason)
                continue
            where_text = f" ({_place(mark)})" if mark else ""
            detail = f"{table}: listed in the {source}{where_text} but not in the report"
            # The contents list is the report's own promise (an error when broken); without one, the national
            # template is what reports usually print (a warning: some publish fewer tables).
            yield _check(
                self,
                report,
                f"{source}所列表格",
                table,
                table,
                "",
                left,
                right,
                verdict=BROKEN,
                detail=detail,
                severity=ERROR if listed else WARNING,
            )


class EmptyTables(Rule):
    rule_id = "R18"
    number = 18
    family = STRUCTURE
    type = "empty-table-notes"
    title = "空表说明"
    description = (
        "A table without figures says so (本表无数据 or an equivalent note; the conditional 如本表为空… counts), "
        "else a warning; a note saying a table has no data over a table with figures is an error."
    )

    def checks(self, report: ReportFacts) -> Iterator[ClaimCheck]:
        evidence = report.evidence
        if not evidence.read:
            yield _no_evidence(self, report, "空表说明")
            return
        notes: dict[str, list[DocumentMark]] = {}
        for mark in evidence.marks:
            if mark.kind in (EMPTY_NOTE, CONDITIONAL_NOTE) and mark.table_name:
                notes.setdefault(mark.table_name, []).append(mark)
        document = report.document_sha256
        seen: set[str] = set()
        for table in evidence.tables:
            name = table.table_name
            if name is None or name in seen or table.status not in ("ok", "empty"):
                continue
            seen.add(name)
            readings = [t for t in evidence.tables if t.table_name == name]
            if any(not t.reliable for t in readings):
                reason = report.unreliable_reason(name) or f"{name} not read reliably by juesuan"
                yield _check(self, report, "空表说明", name, name, "", _note(""), _note(""), missing=reason)
                continue
            figures = sum(t.facts for t in readings)
            here = notes.get(name, [])
            asserting = [m for m in here if m.kind == EMPTY_NOTE]
            left = _note(f"{name}: {figures} figure(s)" if figures else f"{name}: no figure", _where(table), document)
            right = _note(
                "; ".join(m.text for m in here) or "no note", tuple(p for m in here for p in _where(m)), document
            )
            if figures and asserting:
                detail = f"{name} prints {figures} figure(s) but its note says it has none: {asserting[0].text}"
                yield _check(
                    self, report, "有数据的表注明无数据", name, name, "", left, right, verdict=BROKEN, detail=detail
                )
            elif not figures and not here:
                detail = f"{name} has no figure and no note saying so (本表无数据)"
                yield _check(
                    self,
                    report,
                    "空表未说明",
                    name,
                    name,
                    "",
                    left,
                    right,
                    verdict=BROKEN,
                    detail=detail,
                    severity=WARNING,
                )
            else:
                yield _check(self, report, "空表说明", name, name, "", left, right)


def _nonzero(facts: list[FactRef]) -> list[FactRef]:
    return [f for f in facts if f.value != 0]


class FundTables(Rule):
    rule_id = "R19"
    number = 19
    family = STRUCTURE
    type = "fund-tables"
    title = "基金表与财政拨款总表一致"
    description = (
        "政府性基金 and 国有资本经营 tables have figures exactly when their column of 财政拨款收入支出决算总表 has; "
        "where the prose says a fund (or 三公) has no spending, its table and column hold none."
    )

    def checks(self, report: ReportFacts) -> Iterator[ClaimCheck]:
        evidence = report.evidence
        if not evidence.read:
            yield _no_evidence(self, report, "基金表")
            return
        printed = {t.table_name for t in evidence.tables if t.table_name and t.status in ("ok", "empty")}
        document = report.document_sha256
        for table, (column, income) in FUND_COLUMNS.items():
            reason = self._unreadable(report, table) or self._unreadable(report, c.FISCAL_TOTALS)
            if reason is None and (table not in printed or c.FISCAL_TOTALS not in printed):
                missing = table if table not in printed else c.FISCAL_TOTALS
                reason = f"{missing} not published as a table"
            column_figures = [
                f
                for f in report.table_cells(c.FISCAL_TOTALS)
                if f.column_name == column or f.key == income or f.key.endswith(f"（{column}）")
            ]
            table_figures = report.table_cells(table)
            left = NoteSide(
                table, table, tuple(_nonzero(table_figures)[:3]), None, text=self._say(table, table_figures)
            )
            right = NoteSide(
                f"{c.FISCAL_TOTALS} {column}",
                c.FISCAL_TOTALS,
                tuple(_nonzero(column_figures)[:3]),
                None,
                text=self._say(f"{c.FISCAL_TOTALS} {column}", column_figures),
                document=document,
            )
            if reason is not None:
                yield _check(self, report, "基金表 = 总表列", table, table, column, left, right, missing=reason)
            else:
                agree = bool(_nonzero(table_figures)) == bool(_nonzero(column_figures))
                detail = f"{left.text}, but {right.text}"
                yield _check(
                    self,
                    report,
                    "基金表 = 总表列",
                    table,
                    table,
                    column,
                    left,
                    right,
                    verdict=PASSED if agree else BROKEN,
                    detail="" if agree else detail,
                )
        for mark in evidence.marks:
            if mark.kind != NARRATIVE_EMPTY or not mark.table_name:
                continue
            yield self._narrative(report, mark)

    def _narrative(self, report: ReportFacts, mark: DocumentMark) -> ClaimCheck:
        table = mark.table_name
        document = report.document_sha256
        left = _note(f"情况说明: {mark.text}", _where(mark), document)
        unread = self._unreadable(report, table)
        figures = _nonzero(report.table_cells(table))
        if table in FUND_COLUMNS:
            column, income = FUND_COLUMNS[table]
            figures += _nonzero(
                [f for f in report.table_cells(c.FISCAL_TOTALS) if f.column_name == column or f.key == income]
            )
        right = NoteSide(table, table, tuple(figures[:3]), None, text=self._say(table, figures), document=document)
        note = f"情况说明称无此项 [{_place(mark)}]"
        if unread is not None:
            return _check(self, report, note, table, mark.text, "", left, right, missing=unread)
        if figures:
            detail = f"the prose says {mark.text!r} ({_place(mark)}), but {right.text}"
            return _check(self, report, note, table, mark.text, "", left, right, verdict=BROKEN, detail=detail)
        return _check(self, report, note, table, mark.text, "", left, right)

    @staticmethod
    def _unreadable(report: ReportFacts, table: str) -> str | None:
        return report.unreliable_reason(table) if report.source(table) == UNRELIABLE else None

    @staticmethod
    def _say(what: str, facts: list[FactRef]) -> str:
        shown = _nonzero(facts)
        if not shown:
            return f"{what}: no figure"
        listed = ", ".join(f"{f.label} {f.column_name} {f.value:,.2f}" for f in shown[:3])
        return f"{what}: {len(shown)} figure(s) ({listed}{' …' if len(shown) > 3 else ''})"


RULES: tuple[Rule, ...] = (TemplateTables(), EmptyTables(), FundTables())
