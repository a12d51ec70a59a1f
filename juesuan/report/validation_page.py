"""Our own Data Docs: one static validation page that works offline, in Chinese.

Great Expectations' Data Docs build their index with JavaScript from a CDN (blank offline), show
residuals in millionths of 万元, call a report with no error "Failed ≈47%" and truncate their failing
lists. This page is rendered from the same findings (``identity_findings`` in the lake) instead:

* ``{data_docs}/validation.html`` (``JUESUAN_DATA_DOCS``; published at ``JUESUAN_DATA_DOCS_URL`` when set);
* every report with its counts — "0 处错误" where there is none — then, in the mail's order, its errors,
  what juesuan could not read (failed documents, tables, codes), warnings, rounding, and the checks that
  could not be made;
* **one anchor per finding** (``#f-<ref>``, the reference the mail and ``juesuan findings`` show), every
  finding listed (nothing truncated), amounts in 万元 with two decimals (more only where the report
  printed more), both sides with the figures they add up, the document and page;
* waived findings marked with who, why and until when;
* no script, no style sheet, font or image from anywhere: it reads the same from ``file://`` without a
  network.

The stewards' mail attaches the page restricted to the steward's units. The GX site is still built
beside it (``index.html``) for those who want GX's own view.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from juesuan.contract import FINAL, REPORT_KIND_SLUGS
from juesuan.expectations.findings import Finding
from juesuan.lake import Lake, lake_of
from juesuan.notices import (
    CODE,
    DOCUMENT,
    TABLE,
    DocumentOutcome,
    Notice,
    ReportKey,
    StewardState,
    collect_state,
)
from juesuan.registry import Registry
from juesuan.report.page_template import PAGE_HTML, ROWS_HTML
from juesuan.report.wording import (
    ERROR_SECTION,
    ROUNDING_SECTION,
    SECTION_TITLES,
    UNREAD_EXPLANATION,
    UNREAD_SECTION,
    WARNING_SECTION,
    amount,
    document_advice,
    finding_sentence,
    report_title,
    rule_text,
    section_of,
    severity_label,
    status_label,
    unit_of,
    warning_note,
    where_printed,
    where_text,
)
from juesuan.settings import Settings
from juesuan.waivers import STEWARDS_TZ

VALIDATION_PAGE = "validation.html"
NOT_CHECKABLE_TITLE = "无法核对的项目（表格未公开、情况说明未写明，或 juesuan 未能可靠读取）"


def page_path(settings: Settings) -> Path:
    return Path(settings.data_docs) / VALIDATION_PAGE


def published_page_url(settings: Settings) -> str | None:
    """The page's public URL when the Data Docs site is published (``JUESUAN_DATA_DOCS_URL``)."""
    if not settings.data_docs_url:
        return None
    return f"{settings.data_docs_url.rstrip('/')}/{VALIDATION_PAGE}"


def _finding_row(state: StewardState, finding: Finding, notice: Notice | None) -> dict[str, Any]:
    document = state.document_of(finding)
    waiver = notice.waiver if notice is not None else None
    unit = unit_of(finding.column_name)
    row: dict[str, Any] = {
        "anchor": f"f-{finding.ref}",
        "ref": finding.ref,
        "severity": finding.severity,
        "severity_label": severity_label(finding.severity),
        "sentence": finding_sentence(finding) if finding.severity != "not_checkable" else finding.message,
        "left": f"{amount(finding.left_value)} {unit}".strip() if finding.left_value is not None else "—",
        "left_expression": finding.left_expression,
        "right": f"{amount(finding.right_value)} {unit}".strip() if finding.right_value is not None else "—",
        "right_expression": finding.right_expression,
        "difference": amount(finding.difference) if finding.difference is not None else "—",
        "tolerance": amount(finding.tolerance),
        "where": where_text(finding, document),
        "rule": rule_text(finding),
        "check_id": finding.check_id,
        "note": warning_note(finding, state.kinds.get(finding.unit_id, ""))
        if section_of(finding.severity) == WARNING_SECTION
        else "",
        "waived": None,
    }
    if waiver is not None:
        until = f"，有效至 {waiver.until:%Y-%m-%d}" if waiver.until else ""
        row["waived"] = (
            f"已确认：{waiver.waived_by} 于 {waiver.waived_at.astimezone(STEWARDS_TZ):%Y-%m-%d}：{waiver.reason}{until}"
        )
    return row


def _unread_rows(notices: Sequence[Notice]) -> list[dict[str, str]]:
    rows = []
    for notice in sorted(notices, key=lambda n: [DOCUMENT, TABLE, CODE].index(n.kind)):
        if notice.document is not None:
            problem = notice.document
            advice = document_advice(problem.status, problem.reason)
            rows.append(
                {
                    "what": f"文件 {problem.source.name}（{status_label(problem.status)}）",
                    "problem": advice.problem,
                    "reason": problem.reason,
                    "action": advice.action,
                }
            )
        elif notice.table is not None:
            table = notice.table
            rows.append(
                {
                    "what": f"{table.table_name}（{where_printed(table.pages, table.lines)}）",
                    "problem": "未能可靠读取，涉及该表的核对未做",
                    "reason": table.reason,
                    "action": "请核对公开文件中该表是否完整、清晰；如有可复制文字的版本，请提供。",
                }
            )
        elif notice.code is not None:
            code = notice.code
            printed = " ".join(part for part in (code.raw_code, code.raw_name) if part)
            rows.append(
                {
                    "what": f"{code.table_name} 科目「{printed}」",
                    "problem": "科目代码无法识别",
                    "reason": code.reason,
                    "action": "请核对该科目的代码和名称。",
                }
            )
    return rows


def page_view(state: StewardState, unit_ids: Iterable[str] | None = None, title_suffix: str = "") -> dict[str, Any]:
    """The page's content as structure (also what the tests read)."""
    wanted = None if unit_ids is None else set(unit_ids)
    notices_by_check = {n.item: n for n in state.notices if n.finding is not None}
    findings_by_report: dict[ReportKey, list[Finding]] = {}
    for finding in state.findings:
        if wanted is None or finding.unit_id in wanted:
            findings_by_report.setdefault(finding.report, []).append(finding)
    unread_by_report: dict[ReportKey, list[Notice]] = {}
    for notice in state.notices:
        if notice.section == UNREAD_SECTION and (wanted is None or notice.unit_id in wanted):
            unread_by_report.setdefault(notice.report, []).append(notice)
    reports: list[dict[str, Any]] = []
    for key in sorted(set(findings_by_report) | set(unread_by_report)):
        unit_id, year, report_kind = key
        findings = findings_by_report.get(key, [])
        counts = state.counts.get(key)
        groups: dict[str, list[dict[str, Any]]] = {
            ERROR_SECTION: [],
            WARNING_SECTION: [],
            ROUNDING_SECTION: [],
            "not_checkable": [],
        }
        for finding in sorted(findings, key=lambda f: (-f.rank, f.rule_id, f.check_id)):
            section = section_of(finding.severity)
            if section is None and finding.severity != "not_checkable":
                continue  # passed
            groups[section or "not_checkable"].append(
                _finding_row(state, finding, notices_by_check.get(finding.check_id))
            )
        errors = len(groups[ERROR_SECTION])
        documents = [n for n in unread_by_report.get(key, []) if n.kind == DOCUMENT]
        if counts is None:
            verdict = "文件未能读取，未做核对" if documents else "未核对"
        else:
            verdict = f"{errors} 处错误" + ("，需更正" if errors else "")
        slug = "" if report_kind == FINAL else f"-{REPORT_KIND_SLUGS[report_kind]}"
        reports.append(
            {
                "anchor": f"r-{unit_id}-{year}{slug}",
                "title": report_title(state.name(unit_id), year, report_kind),
                "unit_id": unit_id,
                "year": year,
                "counts": counts,
                "errors": errors,
                "verdict": verdict,
                "verdict_class": "unchecked" if counts is None else ("error" if errors else "ok"),
                "document": source.name if (source := state.report_documents.get(key)) is not None else "",
                "groups": groups,
                "unread": _unread_rows(unread_by_report.get(key, [])),
                "repairs": [
                    {
                        "table": str(r["table_name"] or ""),
                        "printed": " ".join(str(r[k]) for k in ("raw_code", "raw_name") if r[k] and r[k] == r[k]),
                        "code": str(r["code"] or ""),
                        "reason": str(r["reason"] or ""),
                    }
                    for r in state.repairs.get(key, [])
                ],
            }
        )
    total_errors = sum(int(r["errors"]) for r in reports)
    return {
        "title": "勾稽关系核对明细" + title_suffix,
        "generated": f"{state.collected_at.astimezone(STEWARDS_TZ):%Y-%m-%d %H:%M}（北京时间）",
        "reports": reports,
        "total_errors": total_errors,
        "section_titles": SECTION_TITLES,
        "not_checkable_title": NOT_CHECKABLE_TITLE,
        "unread_explanation": UNREAD_EXPLANATION,
    }


def render_validation_page(state: StewardState, unit_ids: Iterable[str] | None = None, title_suffix: str = "") -> str:
    """The page as HTML text (every value escaped by the template)."""
    environment = jinja2.Environment(
        loader=jinja2.DictLoader({"page": PAGE_HTML, "rows": ROWS_HTML}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("page").render(view=page_view(state, unit_ids, title_suffix))


def write_validation_page(
    settings: Settings,
    registry: Registry,
    lake: Lake | None = None,
    *,
    outcomes: Sequence[DocumentOutcome] | None = None,
    now: datetime | None = None,
) -> Path:
    """(Re)write ``{data_docs}/validation.html`` from the lake; returns its path."""
    state = collect_state(lake or lake_of(settings), registry, outcomes=outcomes, now=now or datetime.now(UTC))
    path = page_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_text(render_validation_page(state), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path
