"""The data stewards' mail: one message per steward per night, in Chinese, only when there is news.

Who gets what
    Stewards come from the registry (``stewards = [...]`` per unit). Each steward's message covers the
    open items of the units they look after (:mod:`juesuan.notices`): identity findings, documents that
    failed tonight or before (fetch errors, withdrawn, quarantined: an HTML page, a truncated PDF, a
    report of another year or unit, a scan without OCR …), tables juesuan did not read reliably and
    subject codes it could not resolve.

When
    A steward is written to when something is **new** since the last message the mail server accepted
    for them — an item never mailed, one whose figures or status changed, one whose waiver expired or
    was revoked — or when their waived findings are due to be listed again (every
    ``JUESUAN_MAIL_WAIVED_DAYS``, default 30). With ``JUESUAN_MAIL_DIGEST=daily`` they are written to
    every night while errors, unread documents or warnings are open. A night with nothing new sends
    nothing. What was told to whom is the lake's ``mail_ledger.parquet``, written only after the server
    accepted the message.

What
    Subject and first line summarise: ``大同市社会保险中心 2023年度决算：2处错误需更正，29处尾差无需处理``.
    Then, in this order: errors (one Chinese sentence each, both sides with their figures, table / line /
    column, the document's file name or URL and page — ``URL#page=N`` for web documents — and new or open
    since when); what juesuan could not read (documents with their reason and what to do, tables,
    codes); warnings (with why they may need no correction); rounding as one line per report with the
    full list in ``尾差明细.csv`` (UTF-8 with BOM, opens in Excel/WPS). A plain-text and an HTML part with
    the same content, no external resource; the steward's own validation page attached
    (``核对明细.html``, one anchor per finding), and linked per finding when the site is published
    (``JUESUAN_DATA_DOCS_URL``). The HTML is built by a template from structure, every value escaped.

Delivery, first configured wins
    1. a Prefect ``EmailServerCredentials`` block named by ``JUESUAN_EMAIL_BLOCK`` (prefect-email);
    2. ``JUESUAN_SMTP_HOST`` (+ ``_PORT``, ``_USER``, ``_PASSWORD``, ``_TLS``, ``_TIMEOUT``,
       ``JUESUAN_MAIL_FROM``) through :mod:`smtplib`;
    3. neither: each message is written to ``{outbox}/{run_id}/<steward>.eml`` (atomically).

The outbox of undelivered mail
    Every message is first put in the queue (``JUESUAN_MAIL_QUEUE``, default ``data/mail_queue``:
    ``<steward>.eml`` + ``.json`` with the attempts and the last error), and leaves it only when the
    server accepted it; only then is the ledger written. A message that cannot be delivered makes
    :func:`send_steward_mail` raise :class:`StewardMailError` (after every other message was tried),
    so the mail step, ``juesuan run`` and ``juesuan validate --email`` fail. The next attempt — the step's
    retry, or the next night — builds the steward's message again from the lake: whatever was not
    delivered is still new, and it supersedes the queued copy, so nothing is lost and nothing is sent
    twice because of a failure.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from juesuan.errors import JuesuanError, UsageError
from juesuan.expectations.findings import Finding
from juesuan.lake import Lake, lake_of
from juesuan.notices import (
    CODE,
    DOCUMENT,
    FINDING,
    TABLE,
    DocumentOutcome,
    Notice,
    ReportKey,
    StewardState,
    collect_state,
)
from juesuan.registry import Registry, Unit
from juesuan.report.mail_template import MAIL_HTML, SECTION_COLOURS
from juesuan.report.wording import (
    ERROR_SECTION,
    ROUNDING_EXPLANATION,
    ROUNDING_SECTION,
    SECTION_ORDER,
    SECTION_TITLES,
    UNREAD_EXPLANATION,
    UNREAD_SECTION,
    WAIVED_TITLE,
    WARNING_SECTION,
    amount,
    document_advice,
    finding_pages,
    finding_sentence,
    report_title,
    rule_text,
    warning_note,
    where_printed,
    where_text,
)
from juesuan.settings import Settings
from juesuan.waivers import STEWARDS_TZ, latest_rows

log = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")
_TLS_ALIASES = {"true": "starttls", "yes": "starttls", "1": "starttls", "false": "none", "no": "none", "0": "none"}
SMTP = "smtp"
PREFECT_BLOCK = "prefect-block"
OUTBOX = "outbox"
ROUNDING_CSV = "尾差明细.csv"
PAGE_ATTACHMENT = "核对明细.html"
NUMERALS = "一二三四五六七八九十"
#: Kept for callers of the earlier English message: the title of the unread-tables part.
UNRELIABLE_TITLE = SECTION_TITLES[UNREAD_SECTION]
UNRELIABLE_EXPLANATION = UNREAD_EXPLANATION
FOOTER = (
    "本邮件由 juesuan 根据公开的决算报告自动核对生成，只在有新情况时发送。"
    "如某项问题已知且无需更正，请回复说明原因，数据组会登记为已确认（juesuan waive 编号 --reason …），"
    "以后不再作为新问题提醒。"
)


class StewardMailError(JuesuanError):
    """A steward's message could not be delivered (or the mail settings are wrong)."""

    def __init__(self, message: str, deliveries: Sequence[Delivery] = ()) -> None:
        super().__init__(message)
        self.deliveries = list(deliveries)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


@dataclass(frozen=True)
class StewardMessage:
    """One steward's message in its two forms, with the items it tells and the ledger rows it implies."""

    recipient: str
    subject: str
    first_line: str
    text: str
    html: str
    notices: tuple[Notice, ...]  # everything the message lists (open, and waived ones when listed)
    new_items: tuple[str, ...]  # items told for the first time (or again: changed, back from a waiver)
    attachments: tuple[Attachment, ...] = ()
    ledger_rows: tuple[dict[str, Any], ...] = ()  # the steward's ledger once this message is accepted

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(n.finding for n in self.notices if n.finding is not None and n.waiver is None)

    def to_email(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = self.subject
        message["From"] = sender
        message["To"] = self.recipient
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        for attachment in self.attachments:
            message.add_attachment(
                attachment.content,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
            )
        return message


@dataclass(frozen=True)
class Delivery:
    """What happened to one message."""

    recipient: str
    subject: str
    transport: str  # smtp, prefect-block or outbox
    path: Path | None = None  # the .eml file, for the outbox


@dataclass
class MailResult:
    """One mail step: what was delivered, and which stewards had nothing new."""

    deliveries: list[Delivery] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)  # stewards with nothing new tonight
    superseded: list[str] = field(default_factory=list)  # queued messages replaced by tonight's

    def describe(self) -> str:
        if not self.deliveries:
            return f"nothing new for {len(self.quiet)} steward(s): no mail"
        quiet = f"; {len(self.quiet)} steward(s) with nothing new" if self.quiet else ""
        return f"{len(self.deliveries)} message(s) delivered{quiet}"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: str
    timeout: float = 30.0


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings, checked; ``None`` when no host is configured."""
    if not settings.smtp_host:
        return None
    raw_tls = (settings.smtp_tls or "").strip().lower()
    tls = _TLS_ALIASES.get(raw_tls, raw_tls)
    if raw_tls and tls not in TLS_MODES:
        raise UsageError("JUESUAN_SMTP_TLS", settings.smtp_tls, (*TLS_MODES, *_TLS_ALIASES))
    default_port = {"ssl": 465, "starttls": 587}.get(tls, 25)
    try:
        port = int(settings.smtp_port) if settings.smtp_port else default_port
    except ValueError as exc:
        raise UsageError("JUESUAN_SMTP_PORT (a port number)", settings.smtp_port) from exc
    if not 0 < port < 65536:
        raise UsageError("JUESUAN_SMTP_PORT (1-65535)", settings.smtp_port)
    if not tls:
        tls = {465: "ssl", 587: "starttls"}.get(port, "none")
    timeout = settings.smtp_timeout if settings.smtp_timeout > 0 else 30.0
    return SmtpConfig(settings.smtp_host, port, settings.smtp_user, settings.smtp_password, tls, timeout)


# --- who ------------------------------------------------------------------------------------------------------
def stewards_of(registry: Registry) -> dict[str, list[Unit]]:
    """Each steward and the registered units they look after."""
    stewards: dict[str, list[Unit]] = {}
    for unit in registry.units:
        for steward in unit.stewards:
            stewards.setdefault(steward, []).append(unit)
    return stewards


# --- what is new ----------------------------------------------------------------------------------------------
NEW = "新"
BACK = "再次出现"
CHANGED = "有变化"


@dataclass(frozen=True)
class Entry:
    """One item as told to one steward tonight."""

    notice: Notice
    status: str  # "" (still open) or NEW / BACK / CHANGED
    since: date | None = None  # still open: first told on this day

    @property
    def is_new(self) -> bool:
        return bool(self.status)

    def status_text(self) -> str:
        if self.status == NEW:
            return "新发现"
        if self.status == BACK:
            return "豁免已到期或已撤销，再次提醒"
        if self.status == CHANGED:
            return "数字或情况有变化"
        return f"自{self.since:%Y-%m-%d}起未解决" if self.since else "仍未解决"


def _local_date(moment: datetime) -> date:
    return moment.astimezone(STEWARDS_TZ).date()


def ledger_by_steward(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    by: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by.setdefault(str(row["steward"]), {})[str(row["item"])] = row
    return by


def _entry(notice: Notice, row: dict[str, Any] | None, acknowledged: datetime | None) -> Entry:
    if row is None:
        return Entry(notice, NEW)
    if row["fingerprint"] != notice.fingerprint:
        return Entry(notice, CHANGED)
    if row["waived"] or (acknowledged is not None and acknowledged > row["last_mailed_at"]):
        return Entry(notice, BACK)
    return Entry(notice, "", _local_date(row["first_mailed_at"]))


def _waived_due(notice: Notice, row: dict[str, Any] | None, now: datetime, days: int) -> bool:
    assert notice.waiver is not None
    reference = notice.waiver.waived_at
    if row is not None and row["waived"] and row["last_mailed_at"] > reference:
        reference = row["last_mailed_at"]
    return now - reference >= timedelta(days=days)


def _ledger_row(
    steward: str, notice: Notice, row: dict[str, Any] | None, entry: Entry | None, now: datetime, message_id: str
) -> dict[str, Any]:
    """The ledger row of ``notice`` once told (``entry`` is ``None`` for a waived item listed as such)."""
    same = row is not None and row["fingerprint"] == notice.fingerprint and not (entry is not None and entry.is_new)
    return {
        "steward": steward,
        "item": notice.item,
        "unit_id": notice.unit_id,
        "year": notice.year,
        "kind": notice.kind,
        "section": notice.section,
        "fingerprint": notice.fingerprint,
        "first_mailed_at": row["first_mailed_at"] if same and row is not None else now,
        "last_mailed_at": now,
        "waived": notice.waiver is not None,
        "message_id": message_id,
    }


# --- building the messages --------------------------------------------------------------------------------------
@dataclass
class MailContext:
    """What every message of a night shares."""

    state: StewardState
    settings: Settings
    now: datetime
    ledger: dict[str, dict[str, dict[str, Any]]]
    acknowledged: dict[str, datetime]  # latest waiver (or revocation) time per check_id
    page_url: str | None  # the published validation page, for per-finding links


def mail_context(
    lake: Lake, registry: Registry, settings: Settings, *, outcomes: Sequence[DocumentOutcome] | None, now: datetime
) -> MailContext:
    from juesuan.report.validation_page import published_page_url

    return MailContext(
        state=collect_state(lake, registry, outcomes=outcomes, now=now),
        settings=settings,
        now=now,
        ledger=ledger_by_steward(lake.read_mail_ledger()),
        acknowledged={check: row["waived_at"] for check, row in latest_rows(lake.read_waiver_rows()).items()},
        page_url=published_page_url(settings),
    )


def build_steward_messages(context: MailContext, registry: Registry) -> tuple[list[StewardMessage], list[str]]:
    """Tonight's messages (one per steward with news) and the stewards with nothing new."""
    messages: list[StewardMessage] = []
    quiet: list[str] = []
    for steward, units in sorted(stewards_of(registry).items()):
        message = build_message(context, steward, units)
        if message is None:
            quiet.append(steward)
        else:
            messages.append(message)
    return messages, quiet


def build_message(context: MailContext, steward: str, units: Sequence[Unit]) -> StewardMessage | None:
    """The steward's message, or ``None`` when nothing is new for them (see the module docstring)."""
    state, now = context.state, context.now
    told = context.ledger.get(steward, {})
    notices = state.for_units(unit.id for unit in units)
    open_entries = [_entry(n, told.get(n.item), context.acknowledged.get(n.item)) for n in notices if n.is_open]
    waived = [n for n in notices if not n.is_open]
    due = [n for n in waived if _waived_due(n, told.get(n.item), now, context.settings.mail_waived_days)]
    # The daily digest: once a day (China time), while something that needs an answer is open.
    told_today = any(_local_date(row["last_mailed_at"]) == _local_date(now) for row in told.values())
    daily = (
        context.settings.mail_digest == "daily"
        and not told_today
        and any(e.notice.section != ROUNDING_SECTION for e in open_entries)
    )
    if not (any(e.is_new for e in open_entries) or due or daily):
        return None
    current = {n.item for n in notices}
    resolved = sorted(item for item, row in told.items() if item not in current and not row["waived"])
    message_id = uuid.uuid4().hex
    listed_waived = waived if due else []
    rows = [_ledger_row(steward, e.notice, told.get(e.notice.item), e, now, message_id) for e in open_entries]
    rows += [_ledger_row(steward, n, told.get(n.item), None, now, message_id) for n in listed_waived]
    written = {row["item"] for row in rows}
    kept = [row for item, row in told.items() if item not in written and item in current]
    view = _view(context, steward, open_entries, waived, listed_waived, resolved)
    html = (
        jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        .from_string(MAIL_HTML)
        .render(view=view, colours=SECTION_COLOURS)
    )
    attachments = [_page_attachment(context, units)]
    rounding = [e.notice.finding for e in open_entries if e.notice.section == ROUNDING_SECTION and e.notice.finding]
    if rounding:
        attachments.insert(0, Attachment(ROUNDING_CSV, rounding_csv(rounding, state), "text", "csv"))
    return StewardMessage(
        recipient=steward,
        subject=" ".join(str(view["subject"]).split()),  # a header is one line, whatever a name holds
        first_line=view["first_line"],
        text=_text(view),
        html=html,
        notices=tuple([e.notice for e in open_entries] + list(listed_waived)),
        new_items=tuple(e.notice.item for e in open_entries if e.is_new),
        attachments=tuple(attachments),
        ledger_rows=tuple(kept + rows),
    )


def _page_attachment(context: MailContext, units: Sequence[Unit]) -> Attachment:
    from juesuan.report.validation_page import render_validation_page

    unit_ids = [unit.id for unit in units]
    page = render_validation_page(context.state, unit_ids=unit_ids, title_suffix="（本邮件所涉单位）")
    return Attachment(PAGE_ATTACHMENT, page.encode("utf-8"), "text", "html")


# --- the message's content, as structure (rendered to text and to HTML) -----------------------------------------
def _tally(entries: Sequence[Entry]) -> dict[str, int]:
    tally = {ERROR_SECTION: 0, WARNING_SECTION: 0, ROUNDING_SECTION: 0, DOCUMENT: 0, TABLE: 0, CODE: 0}
    for entry in entries:
        notice = entry.notice
        if notice.kind == FINDING:
            tally[notice.section] = tally.get(notice.section, 0) + 1
        else:
            tally[notice.kind] += 1
    return tally


def summary_parts(tally: dict[str, int], only_document: str | None = None) -> list[str]:
    """``2处错误需更正，29处尾差无需处理`` as parts; a report known only by its failed document says so."""
    if only_document is not None:
        return [f"文件未能读取（{only_document}）"]
    parts = [f"{tally[ERROR_SECTION]}处错误需更正" if tally[ERROR_SECTION] else "0处错误"]
    if tally[DOCUMENT]:
        parts.append(f"{tally[DOCUMENT]}份文件未能读取")
    if tally[TABLE]:
        parts.append(f"{tally[TABLE]}个表格未能可靠读取")
    if tally[CODE]:
        parts.append(f"{tally[CODE]}个科目代码无法识别")
    if tally[WARNING_SECTION]:
        parts.append(f"{tally[WARNING_SECTION]}处提示请确认")
    if tally[ROUNDING_SECTION]:
        parts.append(f"{tally[ROUNDING_SECTION]}处尾差无需处理")
    return parts


def _report_line(state: StewardState, report: ReportKey, entries: Sequence[Entry]) -> str:
    tally = _tally(entries)
    only = None
    if tally[DOCUMENT] and sum(tally.values()) == tally[DOCUMENT] and report not in state.counts:
        problem = next(e.notice.document for e in entries if e.notice.document is not None)
        assert problem is not None
        only = document_advice(problem.status, problem.reason).short
    return f"{_title(state, report)}：{'，'.join(summary_parts(tally, only))}"


def _title(state: StewardState, report: ReportKey) -> str:
    """``上海市普陀区商务委员会 2025年度预算``."""
    return report_title(state.name(report[0]), report[1], report[2])


def _finding_item(context: MailContext, entry: Entry) -> dict[str, Any]:
    finding = entry.notice.finding
    assert finding is not None
    document = context.state.document_of(finding)
    details = [("位置", where_text(finding, document)), ("规则", rule_text(finding))]
    if entry.notice.section == WARNING_SECTION:
        details.insert(0, ("说明", warning_note(finding, context.state.kinds.get(finding.unit_id, ""))))
    details.append(("编号", finding.ref))
    links = []
    pages = finding_pages(finding)
    if document is not None and document.is_web:
        link = document.page_link(pages[0] if pages else None)
        if link:
            links.append((f"原文第{pages[0]}页" if pages else "原文", link))
    if context.page_url:
        links.append(("核对明细", f"{context.page_url}#f-{finding.ref}"))
    return {
        "anchor": f"f-{finding.ref}",
        "status": entry.status_text(),
        "is_new": entry.is_new,
        "report": _title(context.state, finding.report),
        "headline": finding_sentence(finding),
        "details": details,
        "links": links,
    }


def _checks_left(state: StewardState, notice: Notice) -> int:
    table = notice.table
    assert table is not None
    reason = table.describe()
    return sum(
        1 for f in state.findings if f.report == notice.report and f.severity == "not_checkable" and reason in f.message
    )


def _unread_item(context: MailContext, entry: Entry) -> dict[str, Any]:
    notice, state = entry.notice, context.state
    title = _title(state, notice.report)
    links: list[tuple[str, str]] = []
    if notice.document is not None:
        problem = notice.document
        advice = document_advice(problem.status, problem.reason)
        source = problem.source
        headline = f"{source.name if source.is_web else '文件 ' + source.name}：{advice.problem}。"
        details = [("原因", problem.reason), ("建议", advice.action)]
        if source.is_web:
            links.append(("打开链接", source.url))
    elif notice.table is not None:
        table = notice.table
        left = _checks_left(state, notice)
        headline = f"{table.table_name}（{where_printed(table.pages, table.lines)}）未能可靠读取。"
        details = [("原因", table.reason)]
        if left:
            details.append(("影响", f"{left} 项勾稽核对因此未做，不计为错误"))
        details.append(("建议", "请核对公开文件中该表是否完整、清晰；如有可复制文字的版本，请回复本邮件发送给我们。"))
    else:
        code = notice.code
        assert code is not None
        printed = " ".join(part for part in (code.raw_code, code.raw_name) if part)
        page = f"（第{code.page}页）" if code.page else ""
        headline = f"{code.table_name}{page}中的科目「{printed}」无法对应到政府收支分类科目。"
        details = [("原因", code.reason), ("建议", "请核对该科目的代码和名称；该行数字已保留，但不参与按科目的比较。")]
    return {
        "anchor": "",
        "status": entry.status_text(),
        "is_new": entry.is_new,
        "report": title,
        "headline": headline,
        "details": details,
        "links": links,
    }


def _view(
    context: MailContext,
    steward: str,
    entries: Sequence[Entry],
    waived: Sequence[Notice],
    listed_waived: Sequence[Notice],
    resolved: Sequence[str],
) -> dict[str, Any]:
    state = context.state
    by_report: dict[ReportKey, list[Entry]] = {}
    for entry in entries:
        by_report.setdefault(entry.notice.report, []).append(entry)
    reports = sorted(by_report, key=lambda r: (-_tally(by_report[r])[ERROR_SECTION], r))
    report_lines = [_report_line(state, report, by_report[report]) for report in reports]
    if len(reports) == 1:
        first_line = report_lines[0]
    elif reports:
        kinds = sorted({report[2] for report in reports})
        reports_of = f"{len(reports)}份{kinds[0] if len(kinds) == 1 else ''}报告"
        first_line = f"{reports_of}：{'，'.join(summary_parts(_tally(entries)))}"
    else:
        first_line = f"{len(waived)}处已确认的问题仍在豁免中"
    if reports and listed_waived:
        first_line += f"，{len(listed_waived)}处已确认的问题仍在豁免中"
    sections = []
    for key in SECTION_ORDER:
        chosen = [e for e in entries if e.notice.section == key]
        ordered = sorted(chosen, key=lambda e: (not e.is_new, e.notice.report, e.notice.item))
        if key == ROUNDING_SECTION:
            continue
        if key == UNREAD_SECTION:
            ordered = sorted(
                chosen,
                key=lambda e: ([DOCUMENT, TABLE, CODE].index(e.notice.kind), not e.is_new, e.notice.report),
            )
            items = [_unread_item(context, e) for e in ordered]
        else:
            items = [_finding_item(context, e) for e in ordered]
        checked = any(report in state.counts for report in reports)
        if not items and (key != ERROR_SECTION or not checked):
            continue  # "0 errors" only where something was checked
        sections.append(
            {
                "key": key,
                "title": SECTION_TITLES[key],
                "count": len(items),
                "explanation": UNREAD_EXPLANATION if key == UNREAD_SECTION else "",
                "items": items,
                "empty": "无。",
            }
        )
    rounding = []
    for report in reports:
        count = sum(1 for e in by_report[report] if e.notice.section == ROUNDING_SECTION)
        if count:
            title = _title(state, report)
            rounding.append(f"{title}：{count} 处尾差，明细见附件 {ROUNDING_CSV}。")
    if rounding:
        sections.append(
            {
                "key": ROUNDING_SECTION,
                "title": SECTION_TITLES[ROUNDING_SECTION],
                "count": sum(1 for e in entries if e.notice.section == ROUNDING_SECTION),
                "explanation": ROUNDING_EXPLANATION,
                "items": [],
                "lines": rounding,
                "empty": "",
            }
        )
    for number, section in enumerate(sections):
        section["number"] = NUMERALS[number] if number < len(NUMERALS) else str(number + 1)
        section.setdefault("lines", [])
    new_errors = sum(1 for e in entries if e.is_new and e.notice.section == ERROR_SECTION)
    new_total = sum(1 for e in entries if e.is_new and e.notice.section != ROUNDING_SECTION)
    open_total = sum(1 for e in entries if e.notice.section != ROUNDING_SECTION)
    overview = (
        f"本次新发现 {new_total} 项（其中错误 {new_errors} 处），仍待处理共 {open_total} 项。" if open_total else ""
    )
    counts = []
    for report in sorted({*reports, *(n.report for n in waived)}):
        c = state.counts.get(report)
        if c is not None:
            counts.append(
                f"{_title(state, report)}：核对 {c.checks} 项，通过 {c.passed}，"
                f"尾差 {c.rounding}，提示 {c.warnings}，错误 {c.errors}，无法核对 {c.not_checkable}"
            )
    for report in sorted({*reports, *(n.report for n in waived)}):
        repaired = state.repairs.get(report, [])
        if repaired:
            first = repaired[0]
            example = f"「{first['raw_code']} {first['raw_name']}」→ {first['code']}"
            counts.append(
                f"{_title(state, report)}：juesuan 自动更正了 {len(repaired)} 个印错的科目代码"
                f"（如{example}），明细见附件 {PAGE_ATTACHMENT}，请在以后的报告中更正"
            )
    waived_lines = [_waived_line(state, n) for n in listed_waived]
    return {
        "steward": steward,
        "subject": first_line,
        "first_line": first_line,
        "report_lines": report_lines if len(reports) > 1 else [],
        "overview": overview,
        "sections": sections,
        "waived_count": len(waived),
        "waived_title": WAIVED_TITLE,
        "waived_lines": waived_lines,
        "resolved": len(resolved),
        "counts": counts,
        "page_url": context.page_url,
        "page_attachment": PAGE_ATTACHMENT,
        "footer": FOOTER,
        "generated": f"{context.now.astimezone(STEWARDS_TZ):%Y-%m-%d %H:%M}（北京时间）",
    }


def _waived_line(state: StewardState, notice: Notice) -> str:
    waiver = notice.waiver
    assert waiver is not None and notice.finding is not None
    until = f"，有效至 {waiver.until:%Y-%m-%d}" if waiver.until else "，长期有效"
    return (
        f"{_title(state, notice.report)}：{finding_sentence(notice.finding)}"
        f"（{waiver.waived_by} 于 {_local_date(waiver.waived_at):%Y-%m-%d} 确认：{waiver.reason}{until}；"
        f"编号 {waiver.ref}）"
    )


def _text(view: dict[str, Any]) -> str:
    """The plain-text part: the same content as the HTML part, in the same order."""
    lines = [view["first_line"], ""]
    if view["report_lines"]:
        lines += [f"- {line}" for line in view["report_lines"]] + [""]
    if view["overview"]:
        lines += [view["overview"], ""]
    for section in view["sections"]:
        lines.append(f"{section['number']}、{section['title']}（{section['count']}）")
        if section["explanation"]:
            lines.append(section["explanation"])
        for number, item in enumerate(section["items"], start=1):
            lines.append(f"{number}. 【{item['status']}】{item['report']}：{item['headline']}")
            lines += [f"   {label}：{text}" for label, text in item["details"]]
            lines += [f"   {label}：{href}" for label, href in item["links"]]
        lines += [f"- {line}" for line in section["lines"]]
        if not section["items"] and not section["lines"]:
            lines.append(section["empty"])
        lines.append("")
    if view["waived_lines"]:
        lines.append(f"{view['waived_title']}（{view['waived_count']}）")
        lines += [f"- {line}" for line in view["waived_lines"]] + [""]
    elif view["waived_count"]:
        lines += [f"另有 {view['waived_count']} 处已确认的问题仍在豁免中（每月列出一次）。", ""]
    if view["resolved"]:
        lines += [f"自上次通知以来已解决 {view['resolved']} 项。", ""]
    if view["counts"]:
        lines.append("核对概况")
        lines += [f"- {line}" for line in view["counts"]] + [""]
    where = view["page_url"] or f"见附件 {view['page_attachment']}"
    lines += [f"核对明细（每项一个锚点，按编号查找）：{where}", ""]
    lines += [view["footer"], f"生成时间：{view['generated']}", ""]
    return "\n".join(lines)


def rounding_csv(findings: Sequence[Finding], state: StewardState) -> bytes:
    """The rounding findings as CSV for Excel/WPS: UTF-8 with BOM, CRLF, Chinese headers, amounts in 万元."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["单位", "单位代码", "年度", "报告", "规则", "核对", "表格", "行", "列", "左侧", "左侧构成", "右侧", "右侧构成",
         "差额", "允许尾差", "页码", "编号", "check_id"]
    )  # fmt: skip
    for f in sorted(findings, key=lambda f: (*f.report, f.rule_id, f.check_id)):
        writer.writerow(
            [
                state.name(f.unit_id), f.unit_id, f.year, f.report_kind, f"{f.rule_id} {f.rule_name}", f.check_name,
                f.tables, f.line, f.column_name, amount(f.left_value), f.left_expression,
                amount(f.right_value), f.right_expression, amount(f.difference), amount(f.tolerance),
                "、".join(str(p) for p in finding_pages(f)), f.ref, f.check_id,
            ]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


# --- the queue of undelivered messages ----------------------------------------------------------------------------
class MailQueue:
    """Messages built but not yet accepted by the mail server: ``<steward>.eml`` + ``<steward>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _paths(self, recipient: str) -> tuple[Path, Path]:
        name = _safe_name(recipient)
        return self.folder / f"{name}.eml", self.folder / f"{name}.json"

    def pending(self) -> list[dict[str, Any]]:
        if not self.folder.is_dir():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.folder.glob("*.json"))]

    def replace_all(self, messages: Sequence[tuple[StewardMessage, EmailMessage]], run_id: str) -> list[str]:
        """Queue tonight's messages; earlier queued ones are superseded (tonight's hold what they held)."""
        earlier = {entry["recipient"]: entry for entry in self.pending()}
        for entry in earlier.values():
            for path in self._paths(entry["recipient"]):
                path.unlink(missing_ok=True)
        for message, mail in messages:
            before = earlier.get(message.recipient, {})
            eml, meta = self._paths(message.recipient)
            _write_atomic(eml, mail.as_bytes())
            _write_atomic(
                meta,
                json.dumps(
                    {
                        "recipient": message.recipient,
                        "subject": message.subject,
                        "message_id": mail["Message-ID"],
                        "run_id": run_id,
                        "queued_at": datetime.now(UTC).isoformat(),
                        "pending_since": before.get("pending_since") or datetime.now(UTC).isoformat(),
                        "attempts": int(before.get("attempts", 0)),
                        "last_error": before.get("last_error"),
                    },
                    ensure_ascii=False,
                    indent=1,
                ).encode("utf-8"),
            )
        return sorted(set(earlier) - {m.recipient for m, _ in messages})

    def failed(self, recipient: str, error: str) -> None:
        _, meta = self._paths(recipient)
        if not meta.exists():
            return
        entry = json.loads(meta.read_text(encoding="utf-8"))
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["last_error"] = error
        _write_atomic(meta, json.dumps(entry, ensure_ascii=False, indent=1).encode("utf-8"))

    def delivered(self, recipient: str) -> None:
        for path in self._paths(recipient):
            path.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _safe_name(address: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in address)


# --- delivery --------------------------------------------------------------------------------------------------------
Accept = Callable[[StewardMessage], None]


def send_steward_mail(
    settings: Settings,
    registry: Registry,
    *,
    lake: Lake | None = None,
    outcomes: Sequence[DocumentOutcome] | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
) -> MailResult:
    """Build tonight's messages from the lake, queue them, deliver them; the ledger follows acceptance.

    Raises :class:`StewardMailError` when a message could not be delivered (after trying every other
    one; the error carries the deliveries that did succeed).
    """
    if any(ch in settings.mail_from for ch in "\r\n") or "@" not in settings.mail_from:
        raise UsageError("JUESUAN_MAIL_FROM (one e-mail address, no line break)", settings.mail_from)
    lake = lake or lake_of(settings)
    now = now or datetime.now(UTC)
    run_id = run_id or f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    context = mail_context(lake, registry, settings, outcomes=outcomes, now=now)
    messages, quiet = build_steward_messages(context, registry)
    queue = MailQueue(settings.mail_queue)
    block, config = settings.email_block, smtp_config(settings)
    sender = settings.mail_from
    built = [(message, message.to_email(sender)) for message in messages]
    superseded = queue.replace_all(built, run_id)
    for recipient in superseded:
        log.info("queued message to %s superseded: nothing of it is open any more", recipient)
    result = MailResult(quiet=quiet, superseded=superseded)
    forget_resolved(lake, context, registry, quiet)
    if not built:
        log.info("stewards' mail: nothing new for %d steward(s)", len(quiet))
        return result

    def accept(message: StewardMessage) -> None:
        commit_ledger(lake, message)
        queue.delivered(message.recipient)

    if block:
        deliveries, failures = _send_with_block(built, settings, accept)
        where = f"Prefect block {block!r}"
    elif config is not None:
        deliveries, failures = _send_smtp(built, config, accept)
        where = f"{config.host}:{config.port}"
    else:
        deliveries, failures = _write_outbox(built, Path(settings.outbox) / run_id, accept)
        where = f"the outbox {settings.outbox}"
    result.deliveries = deliveries
    for recipient, error in failures:
        queue.failed(recipient, error)
    if failures:
        by_reason: dict[str, list[str]] = {}
        for recipient, error in failures:
            by_reason.setdefault(error, []).append(recipient)
        listed = "; ".join(f"{', '.join(recipients)}: {error}" for error, recipients in by_reason.items())
        raise StewardMailError(
            f"{len(failures)} steward message(s) not delivered through {where}: {listed} "
            f"(kept in {settings.mail_queue}; the next run sends them)",
            deliveries,
        )
    return result


def forget_resolved(lake: Lake, context: MailContext, registry: Registry, stewards: Sequence[str]) -> None:
    """Drop what ``stewards`` were told of items that are no longer open, so an item that comes back later
    (a download failing again next month) is news again. Stewards with a message tonight get their
    ledger replaced when it is accepted (:func:`commit_ledger`)."""
    units = stewards_of(registry)
    current = {steward: {n.item for n in context.state.for_units(u.id for u in units[steward])} for steward in stewards}
    rows = lake.read_mail_ledger()
    kept = [row for row in rows if row["steward"] not in current or row["item"] in current[row["steward"]]]
    if len(kept) != len(rows):
        lake.write_mail_ledger(kept)


def commit_ledger(lake: Lake, message: StewardMessage) -> None:
    """The steward's ledger rows replaced by the message's (called once the server accepted it)."""
    others = [row for row in lake.read_mail_ledger() if row["steward"] != message.recipient]
    lake.write_mail_ledger(others + [dict(row) for row in message.ledger_rows])


Built = Sequence[tuple[StewardMessage, EmailMessage]]


def _send_smtp(built: Built, config: SmtpConfig, accept: Accept) -> tuple[list[Delivery], list[tuple[str, str]]]:
    where = f"{config.host}:{config.port}"
    deliveries: list[Delivery] = []
    failures: list[tuple[str, str]] = []
    try:
        server: smtplib.SMTP = (
            smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=ssl.create_default_context())
            if config.tls == "ssl"
            else smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        )
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot reach the SMTP server {where}: {type(exc).__name__}: {exc}"
        return [], [(message.recipient, reason) for message, _ in built]
    try:
        if config.tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if config.user:
            server.login(config.user, config.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        _close(server)
        reason = f"SMTP server {where} refused the session ({config.tls}): {type(exc).__name__}: {exc}"
        return [], [(message.recipient, reason) for message, _ in built]
    for message, mail in built:
        try:
            refused = server.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            failures.append((message.recipient, f"{type(exc).__name__}: {exc}"))
            continue
        if refused:
            failures.append((message.recipient, f"refused: {refused}"))
            continue
        accept(message)
        deliveries.append(Delivery(message.recipient, message.subject, SMTP))
        log.info("mailed %s through %s", message.recipient, where)
    _close(server)
    return deliveries, failures


def _close(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()


def _write_outbox(built: Built, folder: Path, accept: Accept) -> tuple[list[Delivery], list[tuple[str, str]]]:
    deliveries = []
    failures: list[tuple[str, str]] = []
    for message, mail in built:
        path = folder / f"{_safe_name(message.recipient)}.eml"
        try:
            _write_atomic(path, mail.as_bytes())
        except OSError as exc:
            failures.append((message.recipient, f"cannot write {path}: {exc}"))
            continue
        accept(message)
        deliveries.append(Delivery(message.recipient, message.subject, OUTBOX, path))
        log.info("no SMTP configured: wrote %s", path)
    return deliveries, failures


def _send_with_block(built: Built, settings: Settings, accept: Accept) -> tuple[list[Delivery], list[tuple[str, str]]]:
    """Send through a Prefect EmailServerCredentials block (prefect-email), one task per message."""
    from prefect import flow
    from prefect_email import EmailServerCredentials, email_send_message

    block_name = settings.email_block or ""
    messages = [message for message, _ in built]

    @flow(name="juesuan-steward-mail")
    def deliver(block: str) -> list[tuple[str, str | None]]:
        credentials = EmailServerCredentials.load(block)
        folder = Path(settings.mail_queue) / f".attachments-{uuid.uuid4().hex}"
        futures = []
        for message in messages:
            paths = []
            for attachment in message.attachments:
                path = folder / _safe_name(message.recipient) / attachment.filename
                _write_atomic(path, attachment.content)
                paths.append(str(path))
            futures.append(
                email_send_message.submit(
                    subject=message.subject,
                    msg=message.html,
                    msg_plain=message.text,
                    email_server_credentials=credentials,
                    email_from=settings.mail_from,
                    email_to=message.recipient,
                    attachments=paths or None,
                )
            )
        # email_send_message is async: .submit() runs it on the task runner, .result() waits for it.
        # A failed send comes back as its exception (raise_on_failure=False) so every message is tried.
        results = [future.result(raise_on_failure=False) for future in futures]
        shutil.rmtree(folder, ignore_errors=True)  # prefect-email has read them
        return [
            (message.recipient, f"{type(result).__name__}: {result}" if isinstance(result, BaseException) else None)
            for message, result in zip(messages, results, strict=True)
        ]

    state = deliver(block_name, return_state=True)
    if not state.is_completed():
        reason = f"sending through Prefect block {block_name!r} failed: {state.message}"
        return [], [(message.recipient, reason) for message in messages]
    outcomes = dict(state.result())
    deliveries: list[Delivery] = []
    failures: list[tuple[str, str]] = []
    for message in messages:
        error = outcomes.get(message.recipient)
        if error:
            failures.append((message.recipient, error))
            continue
        accept(message)
        deliveries.append(Delivery(message.recipient, message.subject, PREFECT_BLOCK))
    return deliveries, failures


__all__ = [
    "OUTBOX",
    "PREFECT_BLOCK",
    "SMTP",
    "Delivery",
    "MailQueue",
    "MailResult",
    "StewardMailError",
    "StewardMessage",
    "build_steward_messages",
    "rounding_csv",
    "send_steward_mail",
    "smtp_config",
    "summary_parts",
]
