"""What stewards read, in Chinese: one sentence per finding, where to look, what a problem means and what to do.

Shared by the stewards' mail (:mod:`juesuan.stewards_mail`), the validation page
(:mod:`juesuan.report.validation_page`) and the run report, so a finding reads the same everywhere.
Everything here is plain text; the HTML is built (and escaped) by the templates.

Generic by design: a finding of any rule — including rules added later — is put into words from its
fields alone (tables, line, column, both sides' figures and how they add up, the difference); a rule may
have an explanation of its warnings (:data:`WARNING_NOTES`), and any other gets a general one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from urllib.parse import urlparse

from juesuan.contract import FINAL
from juesuan.expectations.findings import Finding
from juesuan.transform.identities import (
    ADMINISTRATIVE_MARKERS,
    COUNT_COLUMNS,
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    SEVERITY_RANK,
    format_amount,
)

# --- sections: the order stewards read them in ------------------------------------------------------------
ERROR_SECTION = "error"
UNREAD_SECTION = "unread"
WARNING_SECTION = "warning"
ROUNDING_SECTION = "rounding"
SECTION_ORDER = (ERROR_SECTION, UNREAD_SECTION, WARNING_SECTION, ROUNDING_SECTION)
SECTION_TITLES = {
    ERROR_SECTION: "错误（需更正）",
    UNREAD_SECTION: "juesuan 未能读取的内容（不是贵单位的错误）",
    WARNING_SECTION: "提示（请确认）",
    ROUNDING_SECTION: "尾差（四舍五入，无需处理）",
}
WAIVED_TITLE = "已确认的问题（豁免中）"
SEVERITY_LABELS = {
    ERROR: "错误",
    "warning": "提示",
    ROUNDING: "尾差",
    NOT_CHECKABLE: "无法核对",
    PASSED: "通过",
}
UNREAD_EXPLANATION = (
    "以下内容 juesuan 未能读取或未能可靠读取，不是贵单位的错误；涉及这些内容的勾稽关系未做核对，不计为错误。"
    "请按各项建议处理；如有更清晰的文件（可复制文字的 PDF、Word 或 Excel 版本），请回复本邮件发送给我们。"
)
ROUNDING_EXPLANATION = "尾差是四舍五入造成的合计差异（每个加数不超过 0.01 万元），不是错误，无需处理。"


def section_of(severity: str) -> str | None:
    """The section a finding of ``severity`` is listed in (``None``: not listed — passed, not checkable).

    A severity this module does not know (a rule kind added later) is listed as an error when it ranks
    as one, else as a warning, so nothing new is ever silently dropped.
    """
    if severity in (PASSED, NOT_CHECKABLE):
        return None
    if severity == ROUNDING:
        return ROUNDING_SECTION
    if severity == ERROR or SEVERITY_RANK.get(severity, SEVERITY_RANK[ERROR]) >= SEVERITY_RANK[ERROR]:
        return ERROR_SECTION
    return WARNING_SECTION


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


# --- amounts ----------------------------------------------------------------------------------------------
def amount(value: Decimal | None) -> str:
    """A figure as the reports print it: thousands separators, two decimals (more only when stated)."""
    return format_amount(value)


def unit_of(column: str) -> str:
    """``万元``, or the count's own unit for the count columns (``数量（辆）`` → ``辆``)."""
    if column in COUNT_COLUMNS:
        found = re.search(r"[（(]([^）)]+)[）)]", column)
        return found.group(1) if found else ""
    return "万元"


# --- one finding as a sentence ----------------------------------------------------------------------------
def place(finding: Finding) -> str:
    """``收入决算表「合计」行「本年收入合计」列`` (the column left out when the check has none)."""
    text = f"{finding.table_name}「{finding.line}」行"
    return text + (f"「{finding.column_name}」列" if finding.column_name else "")


_BLANK = re.compile(r":\s*blank \(0\)$")


def _label(expression: str, value: Decimal | None) -> str:
    """The name part of a one-figure expression (``公用经费合计 26.01`` → ``公用经费合计``)."""
    printed = amount(value)
    text = expression.strip()
    if text.endswith(printed):
        text = text[: -len(printed)].strip()
    return text


def _is_sum(expression: str) -> bool:
    return " + " in expression


def _left(finding: Finding, unit: str) -> str:
    expression, value = finding.left_expression, finding.left_value
    where = place(finding)
    if _BLANK.search(expression):
        return f"{where}为空（按 0 计）"
    if finding.left_source_kind == "narrative":
        return f"{where}：情况说明写为 {amount(value)}{unit}"
    if _is_sum(expression):
        return f"{where}：{expression} 之和为 {amount(value)}{unit}"
    return f"{where}为 {amount(value)}{unit}"


def _right(finding: Finding, unit: str) -> str:
    expression, value = finding.right_expression, finding.right_value
    other = finding.other_table_name or finding.table_name
    if finding.right_source_kind == "narrative":
        origin = "情况说明"
    elif other == finding.table_name:
        origin = "表中" if finding.left_source_kind == "narrative" else "本表"
    else:
        origin = other
    if _BLANK.search(expression):
        label = _BLANK.sub("", expression).strip()
        return f"{origin}「{label}」为空（按 0 计）"
    if _is_sum(expression):
        return f"{origin} {expression} 之和 {amount(value)}{unit}"
    return f"{origin}「{_label(expression, value)}」{amount(value)}{unit}"


def finding_sentence(finding: Finding) -> str:
    """What is inconsistent, in one sentence, with both sides' figures and the difference.

    ``一般公共预算财政拨款基本支出决算表「公用经费合计」行「决算数」列：情况说明写为 127.49万元，
    与表中「公用经费合计」117.49万元不一致，相差 10.00万元。``
    """
    unit = unit_of(finding.column_name)
    if finding.left_value is None or finding.right_value is None:
        return f"{place(finding)}：{finding.message}"
    left, right = _left(finding, unit), _right(finding, unit)
    difference = finding.difference if finding.difference is not None else finding.left_value - finding.right_value
    if "≤" in finding.check_name:
        return f"{left}，超过了{right}（应不超过），超出 {amount(abs(difference))}{unit}。"
    return f"{left}，与{right}不一致，相差 {amount(abs(difference))}{unit}。"


def rule_text(finding: Finding) -> str:
    """``R13「情况说明 与 表格一致」：narrative = table``."""
    return f"{finding.rule_id}「{finding.rule_name}」：{finding.check_name}"


#: Why a rule's warning may well need no correction, for the stewards (rule id → explanation).
WARNING_NOTES: dict[str, str] = {
    "R11": (
        "公务用车运行维护费可能有一部分列在项目支出中而未逐项公开，超过基本支出表 30231 的部分不一定是错误，请确认。"
    ),
    "B12": (
        "预算在年度执行中可能调整：决算所列年初预算数与年初公开的部门预算不一致时，请确认是否为预算调整所致；"
        "如属调整，请回复说明，数据组会登记为已确认。"
    ),
}
GENERAL_WARNING_NOTE = (
    "这是提示性核对，可能属正常情况，请确认；如无需更正，请回复说明原因，数据组会登记为已确认，以后不再作为新问题提醒。"
)


def warning_note(finding: Finding, unit_kind: str = "") -> str:
    """Why a warning may need no correction (rule-specific where known, else a general note)."""
    if finding.rule_id == "R12":
        administrative = any(marker in unit_kind for marker in ADMINISTRATIVE_MARKERS)
        if not administrative:
            kind = unit_kind or "非行政单位"
            return (
                f"贵单位登记为{kind}：机关运行经费只统计行政单位和参照公务员法管理的事业单位，"
                "事业单位一般没有机关运行经费，表中为 0 而公用经费不为 0 属正常情况，通常无需处理；"
                "如贵单位确有机关运行经费，请核对相关信息统计表。"
            )
        return "部门决算的公用经费也包括所属事业单位的公用经费，机关运行经费低于公用经费合计可能属正常情况，请确认。"
    return WARNING_NOTES.get(finding.rule_id, GENERAL_WARNING_NOTE)


# --- where to look ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceDocument:
    """The document a figure comes from: its address (URL or local path) and format."""

    sha256: str
    url: str
    format: str | None = None

    @property
    def is_web(self) -> bool:
        return urlparse(self.url).scheme in ("http", "https")

    @property
    def name(self) -> str:
        """The URL for a web document; the file name for a local one."""
        if self.is_web:
            return self.url
        path = urlparse(self.url).path if self.url.startswith("file://") else self.url
        return PurePosixPath(path).name or self.url

    def page_link(self, page: int | None) -> str | None:
        """``URL#page=N`` for a web document (PDF viewers open that page); ``None`` for local files."""
        if not self.is_web:
            return None
        base = self.url.split("#", 1)[0]
        return f"{base}#page={page}" if page else base


def pages_text(pages: Sequence[int]) -> str:
    """``第7页`` / ``第7、8页`` (empty when no pages are known)."""
    return "第" + "、".join(str(p) for p in pages) + "页" if pages else ""


def finding_pages(finding: Finding) -> tuple[int, ...]:
    return tuple(sorted(set(finding.left_pages) | set(finding.right_pages)))


def where_text(finding: Finding, document: SourceDocument | None) -> str:
    """``文件 datong_2023.pdf 第7、9页`` / ``https://…/2023.pdf 第7页`` / ``文件 x.txt（文本文件，无页码）``."""
    pages = finding_pages(finding)
    if document is None:
        return pages_text(pages) or "页码不详"
    name = document.name if document.is_web else f"文件 {document.name}"
    if pages:
        return f"{name} {pages_text(pages)}"
    if document.format in ("txt", "md"):
        return f"{name}（文本文件，无页码）"
    return f"{name}（页码不详）"


def where_printed(pages: Sequence[int], lines: Sequence[int]) -> str:
    """Where a table is printed: ``第7、8页``; ``文本第1561行``; ``页码不详``."""
    if pages:
        return pages_text(pages)
    if lines:
        return "文本第" + "、".join(str(n) for n in lines) + "行"
    return "页码不详"


# --- documents juesuan could not read ----------------------------------------------------------------------
@dataclass(frozen=True)
class Advice:
    short: str  # a few characters, for the subject line
    problem: str  # what is wrong, in Chinese
    action: str  # what the steward can do


#: (status or None, words found in the reason (lower case), advice): the first match wins.
_DOCUMENT_ADVICE: tuple[tuple[str | None, tuple[str, ...], Advice], ...] = (
    (
        "withdrawn",
        (),
        Advice(
            "链接失效",
            "报告链接已失效（网站返回“找不到”），已保留上次读到的数据",
            "如报告已迁到新地址，请回复本邮件告知新链接；如报告已撤下，请告知原因。",
        ),
    ),
    (
        None,
        ("html page",),
        Advice(
            "网页而非报告",
            "下载到的是网页（可能是登录页或错误页），不是决算报告",
            "请确认公开链接直接指向报告文件（PDF、Word 等），而不是需要登录或跳转的网页；"
            "如地址已变，请回复告知新链接。",
        ),
    ),
    (
        None,
        ("truncated", "cut short"),
        Advice(
            "文件不完整",
            "文件不完整（下载中断或网站上的文件本身不完整）",
            "请在网站上打开该文件，确认能完整显示；如文件损坏，请重新上传后告知我们。",
        ),
    ),
    (
        None,
        ("registry entry is a ", "but it was given as"),
        Advice(
            "类型不符",
            "文件的类型（决算或预算）与登记的报告类型不符",
            "请确认该链接指向的是登记类型的报告（决算报告或预算报告）；如链接有误，请回复告知正确链接。",
        ),
    ),
    (
        None,
        ("report covers", "registry entry is for"),
        Advice(
            "年度不符",
            "文件是其他年度的决算报告，与登记的年度不符",
            "请确认该年度的公开链接指向的是本年度的报告；如链接有误，请回复告知正确链接。",
        ),
    ),
    (
        None,
        ("never names", "names no unit", "several registry units"),
        Advice(
            "单位不符",
            "文件不是本单位的决算报告（文中没有本单位名称）",
            "请确认公开链接指向的是本单位的报告；如链接有误，请回复告知正确链接。",
        ),
    ),
    (
        None,
        ("encrypted", "password"),
        Advice("文件已加密", "文件已加密，无法读取", "请提供未加密的版本（可复制文字的 PDF 或 Word）。"),
    ),
    (
        None,
        ("scanned", "no text layer", "ocr"),
        Advice(
            "扫描件无法读取",
            "文件是扫描件（图片），文字无法读取",
            "请提供可复制文字的 PDF、Word 或 Excel 版本。",
        ),
    ),
    (
        None,
        ("empty file", "has no pages"),
        Advice("空文件", "文件是空的", "请确认网站上的报告文件完整，必要时重新上传。"),
    ),
    (
        None,
        ("no standard table and no narrative figure", "states no fiscal year"),
        Advice(
            "未找到表格和数字",
            "文件中没有找到决算表格，也没有找到情况说明中的数字",
            "请确认该文件是完整的决算公开报告；如表格是图片，请提供可复制文字的版本。",
        ),
    ),
    (
        None,
        ("time limit",),
        Advice("处理超时", "处理该文件超时", "juesuan 会在下次运行时重试；如持续出现，数据组会与您联系。"),
    ),
    (
        None,
        ("http 5", "timeout", "timed out", "connection", "server-error"),
        Advice(
            "网站无法访问",
            "网站暂时无法访问，未能下载报告",
            "juesuan 会在下次运行时自动重试，暂时无需处理；如持续多日，请确认网站是否正常。",
        ),
    ),
    (
        None,
        ("http 4",),
        Advice("网站拒绝下载", "网站拒绝了下载请求", "请确认公开链接是否可以公开访问；如地址已变，请回复告知新链接。"),
    ),
    (
        None,
        ("binary", "zip", "damaged", "not a", "no reader for format", "registry says"),
        Advice(
            "格式无法识别",
            "文件格式无法识别或文件已损坏",
            "请确认公开的是 PDF、Word 或文本格式的报告，并能正常打开；必要时重新上传。",
        ),
    ),
    (
        None,
        ("file not found", "directory"),
        Advice("文件不存在", "登记的报告文件不存在", "数据组会核对登记的地址；如报告已迁到新地址，请回复告知。"),
    ),
)
_FALLBACK_ADVICE = Advice("无法读取", "文件无法读取", "请确认网站上的报告文件能正常打开；如有疑问，请回复本邮件。")


def document_advice(status: str, reason: str | None) -> Advice:
    """What a failed document means for the steward, and what to do (the original reason is shown beside it)."""
    text = (reason or "").lower()
    for wanted_status, words, advice in _DOCUMENT_ADVICE:
        if wanted_status is not None and status != wanted_status:
            continue
        if not words or any(word in text for word in words):
            return advice
    return _FALLBACK_ADVICE


STATUS_LABELS = {"quarantined": "已隔离", "failed": "下载失败", "withdrawn": "链接失效", "loaded": "已读取"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def report_title(name: str, year: int, report_kind: str = FINAL) -> str:
    """``大同市社会保险中心 2023年度决算`` / ``上海市普陀区商务委员会 2025年度预算``."""
    return f"{name} {report_title_of(year, report_kind)}"


def report_title_of(year: int, report_kind: str = FINAL) -> str:
    """``2023年度决算`` / ``2025年度预算``: a report of a unit already named."""
    return f"{year}年度{report_kind}"


__all__ = [
    "ERROR_SECTION",
    "ROUNDING_SECTION",
    "SECTION_ORDER",
    "SECTION_TITLES",
    "UNREAD_SECTION",
    "WARNING_SECTION",
    "Advice",
    "SourceDocument",
    "amount",
    "document_advice",
    "finding_sentence",
    "place",
    "report_title",
    "report_title_of",
    "rule_text",
    "section_of",
    "warning_note",
    "where_printed",
    "where_text",
]
