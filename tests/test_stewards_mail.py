"""The stewards' e-mail: a real SMTP server (aiosmtpd on loopback, started here) receives one message
per steward with errors first, then rounding findings; the outbox holds parseable .eml files; a
send failure fails the run; a Prefect EmailServerCredentials block delivers too."""

from __future__ import annotations

import email
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from identity_helpers import replace_in_sentence
from lake_fixtures import FIGURES, UNREAD_INCOME_REASON, sample_registry, write_report, write_report_with_unread_income
from registry_fixtures import ReportEntry, UnitEntry, registry_toml
from test_flow_support import prefect_api  # noqa: F401  (the session's Prefect test server)
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import UsageError
from juesuan.expectations.runner import ValidationSummary, validate_lake
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.registry import Registry, load_registry
from juesuan.settings import Settings
from juesuan.stewards_mail import (
    OUTBOX,
    PREFECT_BLOCK,
    SMTP,
    UNRELIABLE_EXPLANATION,
    UNRELIABLE_TITLE,
    StewardMailError,
    build_steward_messages,
    send_steward_mail,
    smtp_config,
)

REGISTRY = registry_toml(
    UnitEntry(
        "datong-sic",
        [ReportEntry(2023, "reports/datong_2023.txt")],
        stewards=["datong.steward@example.org", "shanxi.lead@example.org"],
    ),
    UnitEntry("jincheng-hrss", [ReportEntry(2023, "reports/jincheng_2023.txt")], stewards=["shanxi.lead@example.org"]),
    UnitEntry("dazhu-sic", [ReportEntry(2023, "reports/dazhu_2023.txt")], stewards=[]),
)


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    host: str
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, EmailMessage]:
        return {recipients[0]: message for recipients, message in self.received}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Validated:
    settings: Settings
    registry: Registry
    summary: ValidationSummary


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Validated:
    """Three real reports through the pipeline and the checkpoint; 大同's 公用经费 sentence broken."""
    root = tmp_path_factory.mktemp("stewards")
    reports = root / "reports"
    reports.mkdir()
    text = corpus.text("datong-sic")
    (reports / "datong_2023.txt").write_text(
        replace_in_sentence(text, "公用经费117.49万元", "公用经费127.49万元"), encoding="utf-8"
    )
    shutil.copy(corpus.path("jincheng-hrss"), reports / "jincheng_2023.txt")
    shutil.copy(corpus.path("dazhu-sic"), reports / "dazhu_2023.txt")
    (root / "units.toml").write_text(REGISTRY, encoding="utf-8")
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(root / "data")}).with_overrides(registry=root / "units.toml")
    run_registry(settings)
    registry = load_registry(settings.registry)
    return Validated(settings, registry, validate_lake(settings, registry, "mail-run"))


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


@pytest.mark.corpus
def test_smtp_server_receives_one_message_per_steward(validated: Validated, inbox: Inbox) -> None:
    settings = replace(validated.settings, smtp_host=inbox.host, smtp_port=str(inbox.port), mail_from="qa@example.org")
    deliveries = send_steward_mail(validated.summary, validated.registry, settings)

    assert sorted(d.recipient for d in deliveries) == ["datong.steward@example.org", "shanxi.lead@example.org"]
    assert {d.transport for d in deliveries} == {SMTP}
    received = inbox.by_recipient()
    assert sorted(received) == ["datong.steward@example.org", "shanxi.lead@example.org"]

    datong = received["datong.steward@example.org"]
    assert datong["From"] == "qa@example.org" and datong["To"] == "datong.steward@example.org"
    assert datong["Subject"].startswith("[juesuan] 勾稽关系 ")
    assert "1 error(s)" in datong["Subject"] and "in 1 report(s)" in datong["Subject"]
    text = plain(datong)
    # errors first, with both numbers, the tables, the line, the column and the document
    assert text.index("Errors (1)") < text.index("Rounding (")
    assert "R13 情况说明 与 表格一致" in text
    assert "tables: 一般公共预算财政拨款基本支出决算表; line: 公用经费合计; column: 决算数" in text
    assert "left  127.49" in text and "right 117.49" in text and "difference 10.00 万元" in text
    assert "jincheng-hrss" not in text  # not this steward's unit
    html_part = datong.get_body(("html",))
    assert html_part is not None and "公用经费合计" in html_part.get_content()
    attachments = [part.get_filename() for part in datong.iter_attachments()]
    assert attachments == ["data-docs-index.html"]
    assert "Data Docs: file://" in text

    lead = plain(received["shanxi.lead@example.org"])
    assert "datong-sic" in lead and "jincheng-hrss" in lead
    assert "430.22 = 财政拨款收入 430.21 + 其他收入 0.01" in lead  # 晋城's known rounding case
    # Warnings: 晋城's R12, and the hygiene marks of both reports (R21 仅供内部审核, R25 amounts in 元 …).
    units = ("datong-sic", "jincheng-hrss")
    warnings = [f for f in validated.summary.findings if f.severity == "warning" and f.unit_id in units]
    assert {f.rule_id for f in warnings} == {"R12", "R21", "R25"}
    assert lead.index("Errors (1)") < lead.index(f"Warnings ({len(warnings)})") < lead.index("Rounding (")
    assert f"1 error(s), {len(warnings)} warning(s)" in received["shanxi.lead@example.org"]["Subject"]


@pytest.mark.corpus
def test_without_smtp_the_messages_go_to_the_outbox_as_eml(validated: Validated) -> None:
    deliveries = send_steward_mail(validated.summary, validated.registry, validated.settings)
    assert {d.transport for d in deliveries} == {OUTBOX}
    for delivery in deliveries:
        assert delivery.path is not None and delivery.path.parent == validated.settings.outbox / "mail-run"
        parsed = email.message_from_bytes(delivery.path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert parsed["To"] == delivery.recipient and parsed["Subject"] == delivery.subject
        assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
    assert not list(validated.settings.outbox.rglob("*.tmp"))


@pytest.mark.corpus
def test_a_refused_recipient_fails_the_run_after_the_others_are_sent(validated: Validated, inbox: Inbox) -> None:
    inbox.refuse.add("shanxi.lead@example.org")
    settings = replace(validated.settings, smtp_host=inbox.host, smtp_port=str(inbox.port))
    with pytest.raises(StewardMailError, match=r"1 steward message\(s\) not delivered .*shanxi.lead@example.org"):
        send_steward_mail(validated.summary, validated.registry, settings)
    assert list(inbox.by_recipient()) == ["datong.steward@example.org"]


@pytest.mark.corpus
def test_an_unreachable_server_fails_the_run(validated: Validated) -> None:
    settings = replace(validated.settings, smtp_host="127.0.0.1", smtp_port=str(free_port()))
    with pytest.raises(StewardMailError, match=r"cannot reach the SMTP server 127\.0\.0\.1:"):
        send_steward_mail(validated.summary, validated.registry, settings)


def test_tables_not_read_reliably_are_listed_apart_never_as_errors_of_the_unit(tmp_path: Path) -> None:
    """A hand-made lake: 大同's 收入决算表 (pages 7–8) was misread, 晋城 was read well."""
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")})
    lake = Lake(settings.lake)
    registry = sample_registry(tmp_path)
    write_report_with_unread_income(lake, "datong-sic", 2023)
    write_report(lake, "jincheng-hrss", 2023, FIGURES[("jincheng-hrss", 2023)])
    summary = validate_lake(settings, registry, "unread-mail")
    messages = {m.recipient: m for m in build_steward_messages(summary, registry, settings)}

    datong = messages["datong-sic@example.org"]
    (unread,) = datong.unreliable_tables
    assert (unread.table_name, unread.pages) == ("收入决算表", (7, 8))
    assert "1 error(s)" in datong.subject and "1 个表格未能可靠读取" in datong.subject
    # The one error is the genuine one; nothing of the misread table is counted against the unit.
    assert [(f.severity, f.table_name) for f in datong.findings if f.severity == "error"] == [("error", "支出决算表")]
    text = datong.text
    section = text[text.index(UNRELIABLE_TITLE) :]
    assert text.index("Errors (1)") < text.index(f"{UNRELIABLE_TITLE} (1)") < text.index("Per report")
    assert UNRELIABLE_EXPLANATION in section
    assert "不是贵单位的错误" in section and "不计入贵单位的错误" in section and "更清晰的文件" in section
    left = sum(1 for f in summary.findings if f.severity == "not_checkable" and unread.describe() in f.message)
    assert left == 6  # R02, R03, R13 and R18 (one instance each for the table), R07 and R10
    listed = f"收入决算表，第7、8页：{UNREAD_INCOME_REASON}（6 项勾稽核对因此未做）"
    assert f"- 大同市社会保险中心 (datong-sic) 2023\n  {listed}" in section
    for part in (UNRELIABLE_TITLE, "收入决算表", "第7、8页", UNREAD_INCOME_REASON):
        assert part in datong.html

    jincheng = messages["jincheng-hrss@example.org"]
    assert jincheng.unreliable_tables == () and UNRELIABLE_TITLE not in jincheng.text
    assert "未能可靠读取" not in jincheng.subject

    (delivery,) = [d for d in send_steward_mail(summary, registry, settings) if d.recipient == datong.recipient]
    assert delivery.path is not None
    sent = email.message_from_bytes(delivery.path.read_bytes(), policy=policy.default)
    assert isinstance(sent, EmailMessage) and UNRELIABLE_TITLE in plain(sent)


def test_smtp_settings_are_checked() -> None:
    base = Settings()
    assert smtp_config(base) is None
    assert smtp_config(replace(base, smtp_host="mail", smtp_tls="ssl")).port == 465  # type: ignore[union-attr]
    assert smtp_config(replace(base, smtp_host="mail", smtp_port="587")).tls == "starttls"  # type: ignore[union-attr]
    assert smtp_config(replace(base, smtp_host="mail", smtp_tls="false")).tls == "none"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match=r"invalid JUESUAN_SMTP_TLS: 'tls1\.3' \(allowed: starttls, ssl, none"):
        smtp_config(replace(base, smtp_host="mail", smtp_tls="tls1.3"))
    with pytest.raises(UsageError, match="JUESUAN_SMTP_PORT"):
        smtp_config(replace(base, smtp_host="mail", smtp_port="smtp"))
    settings = Settings.from_env({"JUESUAN_SMTP_HOST": "mail", "JUESUAN_SMTP_PASSWORD": "secret"})
    assert settings.smtp_host == "mail" and "secret" not in repr(settings)


@pytest.mark.corpus
def test_a_steward_with_nothing_to_fix_gets_an_all_clear(validated: Validated) -> None:
    clean = ValidationSummary(
        run_id="clean",
        validated_at=validated.summary.validated_at,
        findings=[f for f in validated.summary.findings if f.unit_id == "dazhu-sic" or f.severity == "passed"],
        reports=validated.summary.reports,
    )
    messages = {m.recipient: m for m in build_steward_messages(clean, validated.registry, validated.settings)}
    assert "0 error(s), 0 rounding in 1 report(s)" in messages["datong.steward@example.org"].subject
    assert "Every identity that could be checked holds exactly." in messages["datong.steward@example.org"].text


@pytest.mark.corpus
def test_cli_validate_email_delivers_through_the_configured_server(validated: Validated, inbox: Inbox) -> None:
    env = {
        "JUESUAN_DATA_DIR": str(validated.settings.data_dir),
        "JUESUAN_REGISTRY": str(validated.settings.registry),
        "JUESUAN_SMTP_HOST": inbox.host,
        "JUESUAN_SMTP_PORT": str(inbox.port),
        "JUESUAN_MAIL_FROM": "juesuan@example.org",
    }
    result = CliRunner().invoke(app, ["validate", "--email", "--run-id", "cli-mail"], env=env)
    assert result.exit_code == 3, result.output  # the broken 大同 figure is an error
    assert "mail to datong.steward@example.org (smtp)" in result.output
    received = inbox.by_recipient()
    assert sorted(received) == ["datong.steward@example.org", "shanxi.lead@example.org"]
    assert "validation run cli-mail" in plain(received["datong.steward@example.org"])


@pytest.mark.corpus
def test_a_prefect_email_block_delivers_the_messages(validated: Validated, inbox: Inbox, prefect_api: str) -> None:  # noqa: F811
    """The block is saved into the session's Prefect test server and loaded back by name to send."""
    from prefect_email import EmailServerCredentials

    EmailServerCredentials(smtp_server=inbox.host, smtp_port=inbox.port, smtp_type="INSECURE").save(
        "juesuan-stewards", overwrite=True
    )
    settings = replace(validated.settings, email_block="juesuan-stewards", mail_from="juesuan@example.org")
    deliveries = send_steward_mail(validated.summary, validated.registry, settings)

    assert {d.transport for d in deliveries} == {PREFECT_BLOCK}
    received = inbox.by_recipient()
    assert sorted(received) == ["datong.steward@example.org", "shanxi.lead@example.org"]
    assert "1 error(s)" in str(received["datong.steward@example.org"]["Subject"])
    assert "公用经费合计" in plain(received["datong.steward@example.org"])

    inbox.refuse.add("shanxi.lead@example.org")
    with pytest.raises(StewardMailError, match=r"not delivered through Prefect block 'juesuan-stewards'.*shanxi"):
        send_steward_mail(validated.summary, validated.registry, settings)
