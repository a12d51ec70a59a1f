"""The data stewards' e-mail: after each validation run, one message per steward.

Who gets what
    Stewards come from the registry (``stewards = [...]`` per unit). Each steward gets one message
    covering the units they look after that were validated in the run: **errors first**, then
    warnings, then rounding findings — each with both sides' numbers, the tables, the line, the
    column, the pages and the document — then the tables juesuan could not read reliably (“juesuan
    未能可靠读取的表格”: the table, its pages and why, said to be no error of the unit; their checks are
    ``not_checkable``, never errors) — then, per report, how many checks could not be made.
    A steward whose units hold everything still gets a short all-clear, so silence never means
    "the run did not happen".

Parts
    ``multipart/alternative`` with a plain-text and an HTML part (same content), the Data Docs
    index attached (``index.html``) and linked (``JUESUAN_DATA_DOCS_URL`` when the site is published,
    else the local ``file://`` path).

Delivery, first configured wins
    1. a Prefect ``EmailServerCredentials`` block named by ``JUESUAN_EMAIL_BLOCK``: sent through
       prefect-email's ``email_send_message`` task (async, so ``.submit(...).result()`` inside a
       small flow — a subflow when called from the pipeline flow);
    2. ``JUESUAN_SMTP_HOST`` (+ ``_PORT``, ``_USER``, ``_PASSWORD``, ``_TLS`` = starttls|ssl|none,
       ``JUESUAN_MAIL_FROM``): straight through :mod:`smtplib`;
    3. neither: each message is written to ``{outbox}/{run_id}/<steward>.eml`` (atomically).

A message that cannot be delivered makes the run fail with :class:`StewardMailError` naming the
recipients and the reason — after every other message has been tried. (GX's own EmailAction only
logs send failures; it is deliberately not used.)
"""

from __future__ import annotations

import html
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from juesuan.errors import JuesuanError, UsageError
from juesuan.expectations.findings import Finding
from juesuan.expectations.runner import ReportCounts, ValidationSummary
from juesuan.registry import Registry, Unit
from juesuan.settings import Settings
from juesuan.transform.identities import ERROR, NOT_CHECKABLE, ROUNDING, WARNING, format_amount
from juesuan.transform.reliability import UnreliableTable

log = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")
_TLS_ALIASES = {"true": "starttls", "yes": "starttls", "1": "starttls", "false": "none", "no": "none", "0": "none"}
SECTIONS = ((ERROR, "Errors"), (WARNING, "Warnings"), (ROUNDING, "Rounding"))
SMTP = "smtp"
PREFECT_BLOCK = "prefect-block"
OUTBOX = "outbox"
#: The section on tables juesuan could not read reliably (for the stewards, in Chinese).
UNRELIABLE_TITLE = "juesuan 未能可靠读取的表格"
UNRELIABLE_EXPLANATION = (
    "以下表格的问题不是贵单位的错误：juesuan 未能可靠读取这些表格"
    "（例如表格是图片、版式未能识别，或读出的数字自身不能勾稽），"
    "因此凡涉及这些表格的勾稽关系均未核对（记为 not checkable），不计入贵单位的错误。"
    "请核对公开文件中这些表格是否完整、清晰；如有更清晰的文件（可复制文字的 PDF、Word 或 Excel 版本），"
    "请回复本邮件发送给我们，以便重新读取和核对。"
)


class StewardMailError(JuesuanError):
    """A steward's message could not be delivered (or the mail settings are wrong)."""


@dataclass(frozen=True)
class StewardMessage:
    """One steward's message in its two forms, before delivery."""

    recipient: str
    subject: str
    text: str
    html: str
    findings: tuple[Finding, ...]
    attachment: Path | None
    unreliable_tables: tuple[UnreliableTable, ...] = ()  # not the unit's errors: listed apart

    def to_email(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = self.subject
        message["From"] = sender
        message["To"] = self.recipient
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        if self.attachment is not None:
            message.add_attachment(
                self.attachment.read_bytes(),
                maintype="text",
                subtype="html",
                filename=f"data-docs-{self.attachment.name}",
            )
        return message


@dataclass(frozen=True)
class Delivery:
    """What happened to one message."""

    recipient: str
    subject: str
    transport: str  # smtp, prefect-block or outbox
    path: Path | None = None  # the .eml file, for the outbox


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: str


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
    return SmtpConfig(settings.smtp_host, port, settings.smtp_user, settings.smtp_password, tls)


# --- building the messages ---------------------------------------------------------------------------------
def stewards_of(registry: Registry, reports: Iterable[tuple[str, int]]) -> dict[str, list[Unit]]:
    """Each steward and the validated units they look after (units outside the registry have none)."""
    validated = {unit_id for unit_id, _year in reports}
    stewards: dict[str, list[Unit]] = {}
    for unit in registry.units:
        if unit.id not in validated:
            continue
        for steward in unit.stewards:
            stewards.setdefault(steward, []).append(unit)
    return stewards


def build_steward_messages(summary: ValidationSummary, registry: Registry, settings: Settings) -> list[StewardMessage]:
    """One message per steward of a validated unit, errors first, then warnings, then rounding."""
    link = data_docs_link(summary, settings)
    messages = []
    for steward, units in sorted(stewards_of(registry, summary.reports).items()):
        unit_ids = {unit.id for unit in units}
        names = {unit.id: unit.name for unit in units}
        findings = tuple(f for f in summary.problems(ROUNDING) if f.unit_id in unit_ids)
        counts = [c for c in summary.counts() if c.unit_id in unit_ids]
        unread = tuple(t for t in summary.unreliable_tables if t.unit_id in unit_ids)
        messages.append(
            StewardMessage(
                recipient=steward,
                subject=_subject(summary, findings, counts, unread),
                text=_text(summary, findings, counts, names, link, unread),
                html=_html(summary, findings, counts, names, link, unread),
                findings=findings,
                attachment=summary.data_docs_index,
                unreliable_tables=unread,
            )
        )
    return messages


def data_docs_link(summary: ValidationSummary, settings: Settings) -> str | None:
    if settings.data_docs_url:
        return settings.data_docs_url
    if summary.data_docs_index is not None:
        return summary.data_docs_index.resolve().as_uri()
    return None


def _subject(
    summary: ValidationSummary,
    findings: tuple[Finding, ...],
    counts: list[ReportCounts],
    unread: tuple[UnreliableTable, ...] = (),
) -> str:
    tally = {severity: sum(1 for f in findings if f.severity == severity) for severity, _ in SECTIONS}
    parts = [f"{tally[ERROR]} error(s)"]
    if tally[WARNING]:
        parts.append(f"{tally[WARNING]} warning(s)")
    parts.append(f"{tally[ROUNDING]} rounding")
    subject = f"[juesuan] 勾稽关系 {summary.validated_at:%Y-%m-%d}: {', '.join(parts)} in {len(counts)} report(s)"
    return subject + (f"; {len(unread)} 个表格未能可靠读取" if unread else "")


def _where_printed(table: UnreliableTable) -> str:
    """Where a table is printed, for the stewards: 第7、8页; 文本第1561行; 页码不详."""
    if table.pages:
        return "第" + "、".join(str(p) for p in table.pages) + "页"
    if table.lines:
        return "文本第" + "、".join(str(n) for n in table.lines) + "行"
    return "页码不详"


def _checks_left(summary: ValidationSummary, table: UnreliableTable) -> int:
    """How many checks of the report could not be made because of ``table`` (its reason is theirs)."""
    reason = table.describe()
    return sum(
        1
        for f in summary.findings
        if (f.unit_id, f.year) == (table.unit_id, table.year) and f.severity == NOT_CHECKABLE and reason in f.message
    )


def _unread_line(summary: ValidationSummary, table: UnreliableTable) -> str:
    """``收入决算表，第7、8页：why（7 项勾稽核对因此未做）``."""
    left = _checks_left(summary, table)
    return f"{table.table_name}，{_where_printed(table)}：{table.reason}" + (
        f"（{left} 项勾稽核对因此未做）" if left else ""
    )


def _unread_by_report(unread: tuple[UnreliableTable, ...]) -> dict[tuple[str, int], list[UnreliableTable]]:
    by_report: dict[tuple[str, int], list[UnreliableTable]] = {}
    for table in unread:
        by_report.setdefault((table.unit_id, table.year), []).append(table)
    return dict(sorted(by_report.items()))


def _where(finding: Finding) -> str:
    pages = "/".join(",".join(str(p) for p in pages) or "—" for pages in (finding.left_pages, finding.right_pages))
    document = (finding.left_document_sha256 or "")[:12] or "—"
    return f"pages {pages}; document {document}"


def _text(
    summary: ValidationSummary,
    findings: tuple[Finding, ...],
    counts: list[ReportCounts],
    names: dict[str, str],
    link: str | None,
    unread: tuple[UnreliableTable, ...] = (),
) -> str:
    lines = [f"Accounting identities (勾稽关系), validation run {summary.run_id}", ""]
    for severity, title in SECTIONS:
        chosen = [f for f in findings if f.severity == severity]
        if not chosen:
            continue
        lines += [f"{title} ({len(chosen)})", "=" * (len(title) + len(str(len(chosen))) + 3)]
        for f in chosen:
            lines += [
                f"- {names.get(f.unit_id, f.unit_id)} ({f.unit_id}) {f.year}",
                f"  {f.rule_id} {f.rule_name} · {f.check_name}",
                f"  tables: {f.tables}; line: {f.line}; column: {f.column_name}",
                f"  left  {format_amount(f.left_value)} = {f.left_expression}",
                f"  right {format_amount(f.right_value)} = {f.right_expression}",
                f"  difference {format_amount(f.difference)} 万元 (tolerance {format_amount(f.tolerance)})",
                f"  {_where(f)}",
            ]
        lines.append("")
    if not findings:
        lines += ["Every identity that could be checked holds exactly.", ""]
    if unread:
        title = f"{UNRELIABLE_TITLE} ({len(unread)})"
        lines += [title, "=" * (len(title) + sum(1 for ch in title if ord(ch) > 0x2E7F)), UNRELIABLE_EXPLANATION]
        for (unit_id, year), tables in _unread_by_report(unread).items():
            lines.append(f"- {names.get(unit_id, unit_id)} ({unit_id}) {year}")
            lines += [f"  {_unread_line(summary, t)}" for t in tables]
        lines.append("")
    lines += ["Per report: checks / passed / rounding / warnings / errors / not checkable"]
    for c in counts:
        lines.append(
            f"- {names.get(c.unit_id, c.unit_id)} ({c.unit_id}) {c.year}: "
            f"{c.checks} / {c.passed} / {c.rounding} / {c.warnings} / {c.errors} / {c.not_checkable}"
        )
    lines += ["", f"Data Docs: {link}" if link else "Data Docs: not built", ""]
    return "\n".join(lines)


def _html(
    summary: ValidationSummary,
    findings: tuple[Finding, ...],
    counts: list[ReportCounts],
    names: dict[str, str],
    link: str | None,
    unread: tuple[UnreliableTable, ...] = (),
) -> str:
    e = html.escape
    parts = [
        '<html><head><meta charset="utf-8"></head><body>',
        f"<h2>Accounting identities (勾稽关系), validation run {e(summary.run_id)}</h2>",
    ]
    headers = ("unit", "year", "rule", "form", "tables", "line", "column", "left", "right", "difference", "where")
    for severity, title in SECTIONS:
        chosen = [f for f in findings if f.severity == severity]
        if not chosen:
            continue
        parts.append(f'<h3 class="{severity}">{title} ({len(chosen)})</h3>')
        parts.append('<table border="1" cellpadding="4" cellspacing="0">')
        parts.append("<tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr>")
        for f in chosen:
            cells = (
                f"{names.get(f.unit_id, f.unit_id)} ({f.unit_id})",
                str(f.year),
                f"{f.rule_id} {f.rule_name}",
                f.check_name,
                f.tables,
                f.line,
                f.column_name,
                f"{format_amount(f.left_value)}<br><small>{e(f.left_expression)}</small>",
                f"{format_amount(f.right_value)}<br><small>{e(f.right_expression)}</small>",
                f"{format_amount(f.difference)} (tolerance {format_amount(f.tolerance)})",
                _where(f),
            )
            escaped = [cell if "<br>" in cell else e(cell) for cell in cells]
            parts.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in escaped) + "</tr>")
        parts.append("</table>")
    if not findings:
        parts.append("<p>Every identity that could be checked holds exactly.</p>")
    if unread:
        parts.append(f'<h3 class="unreliable">{e(UNRELIABLE_TITLE)} ({len(unread)})</h3>')
        parts.append(f"<p>{e(UNRELIABLE_EXPLANATION)}</p>")
        parts.append('<table border="1" cellpadding="4" cellspacing="0">')
        unread_headers = ("单位", "年度", "表格", "页码", "原因", "因此未做的核对")
        parts.append("<tr>" + "".join(f"<th>{h}</th>" for h in unread_headers) + "</tr>")
        for table in unread:
            described = (
                f"{names.get(table.unit_id, table.unit_id)} ({table.unit_id})",
                str(table.year),
                table.table_name,
                _where_printed(table),
                table.reason,
                str(_checks_left(summary, table)),
            )
            parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in described) + "</tr>")
        parts.append("</table>")
    parts.append("<h3>Per report</h3>")
    parts.append('<table border="1" cellpadding="4" cellspacing="0">')
    titles = ("unit", "year", "checks", "passed", "rounding", "warnings", "errors", f"{NOT_CHECKABLE}")
    parts.append("<tr>" + "".join(f"<th>{t}</th>" for t in titles) + "</tr>")
    for c in counts:
        row = (
            f"{names.get(c.unit_id, c.unit_id)} ({c.unit_id})",
            c.year,
            c.checks,
            c.passed,
            c.rounding,
            c.warnings,
            c.errors,
            c.not_checkable,
        )
        parts.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
    parts.append("</table>")
    if link:
        parts.append(f'<p>Data Docs: <a href="{e(link)}">{e(link)}</a> (index attached)</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


# --- delivery ------------------------------------------------------------------------------------------------
def send_steward_mail(summary: ValidationSummary, registry: Registry, settings: Settings) -> list[Delivery]:
    """Build and deliver the stewards' messages (Prefect block, SMTP, or the outbox)."""
    messages = build_steward_messages(summary, registry, settings)
    if not messages:
        log.info("no steward to write to (no validated unit has stewards)")
        return []
    if settings.email_block:
        return _send_with_block(messages, settings)
    config = smtp_config(settings)
    if config is not None:
        return _send_smtp(messages, config, settings.mail_from)
    return _write_outbox(messages, Path(settings.outbox) / summary.run_id, settings.mail_from)


def _send_smtp(messages: list[StewardMessage], config: SmtpConfig, sender: str) -> list[Delivery]:
    where = f"{config.host}:{config.port}"
    deliveries: list[Delivery] = []
    failures: list[str] = []
    try:
        server: smtplib.SMTP = (
            smtplib.SMTP_SSL(config.host, config.port, timeout=30, context=ssl.create_default_context())
            if config.tls == "ssl"
            else smtplib.SMTP(config.host, config.port, timeout=30)
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise StewardMailError(f"cannot reach the SMTP server {where}: {exc}") from exc
    with server:
        try:
            if config.tls == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.user:
                server.login(config.user, config.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise StewardMailError(f"SMTP server {where} refused the session ({config.tls}): {exc}") from exc
        for message in messages:
            try:
                server.send_message(message.to_email(sender))
            except (OSError, smtplib.SMTPException) as exc:
                failures.append(f"{message.recipient}: {exc}")
                continue
            deliveries.append(Delivery(message.recipient, message.subject, SMTP))
            log.info("mailed %s through %s", message.recipient, where)
    if failures:
        raise StewardMailError(
            f"{len(failures)} steward message(s) not delivered through {where}: {'; '.join(failures)}"
        )
    return deliveries


def _write_outbox(messages: list[StewardMessage], folder: Path, sender: str) -> list[Delivery]:
    folder.mkdir(parents=True, exist_ok=True)
    deliveries = []
    for message in messages:
        path = folder / f"{_safe_name(message.recipient)}.eml"
        temporary = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            temporary.write_bytes(message.to_email(sender).as_bytes())
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                temporary.unlink()
        deliveries.append(Delivery(message.recipient, message.subject, OUTBOX, path))
        log.info("no SMTP configured: wrote %s", path)
    return deliveries


def _safe_name(address: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in address)


def _send_with_block(messages: list[StewardMessage], settings: Settings) -> list[Delivery]:
    """Send through a Prefect EmailServerCredentials block (prefect-email), one task per message."""
    from prefect import flow
    from prefect_email import EmailServerCredentials, email_send_message

    block_name = settings.email_block or ""

    @flow(name="juesuan-steward-mail")
    def deliver(block: str) -> list[tuple[str, str | None]]:
        credentials = EmailServerCredentials.load(block)
        futures = [
            email_send_message.submit(
                subject=message.subject,
                msg=message.html,
                msg_plain=message.text,
                email_server_credentials=credentials,
                email_from=settings.mail_from,
                email_to=message.recipient,
                attachments=[str(message.attachment)] if message.attachment else None,
            )
            for message in messages
        ]
        # email_send_message is async: .submit() runs it on the task runner, .result() waits for it.
        # A failed send comes back as its exception (raise_on_failure=False) so every message is tried.
        results = [future.result(raise_on_failure=False) for future in futures]
        return [
            (message.recipient, f"{type(result).__name__}: {result}" if isinstance(result, BaseException) else None)
            for message, result in zip(messages, results, strict=True)
        ]

    state = deliver(block_name, return_state=True)
    if not state.is_completed():
        raise StewardMailError(f"sending through Prefect block {block_name!r} failed: {state.message}")
    outcomes = state.result()
    failures = [f"{recipient}: {error}" for recipient, error in outcomes if error]
    if failures:
        raise StewardMailError(
            f"{len(failures)} steward message(s) not delivered through Prefect block {block_name!r}: "
            + "; ".join(failures)
        )
    subjects = {m.recipient: m.subject for m in messages}
    return [Delivery(recipient, subjects[recipient], PREFECT_BLOCK) for recipient, _ in outcomes]
