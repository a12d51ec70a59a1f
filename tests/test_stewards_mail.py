"""The stewards' mail as stewards need it: one Chinese message per steward, only when something is new.

A registry of four real units — 大同 with an inconsistent figure (an error), 晋城 as published (a
warning and rounding), 大竹's report replaced by an HTML login page (quarantined), and 朝阳's 2024
report registered as 2023 (wrong year) — runs through the real pipeline and the real identity suites;
messages go to a real SMTP server (aiosmtpd on loopback, started here) or to the outbox. Time moves
forward through ``now`` so that second nights, waivers and their expiry can be tried in one test.
"""

from __future__ import annotations

import csv
import email
import io
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
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
from juesuan.expectations.findings import Finding, read_finding_objects
from juesuan.expectations.runner import validate_lake
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.registry import Registry, load_registry
from juesuan.settings import Settings
from juesuan.stewards_mail import (
    OUTBOX,
    PAGE_ATTACHMENT,
    ROUNDING_CSV,
    SMTP,
    MailResult,
    StewardMailError,
    build_steward_messages,
    mail_context,
    send_steward_mail,
    smtp_config,
)
from juesuan.waivers import STEWARDS_TZ, waive

REGISTRY_FILE = Path(__file__).resolve().parents[1] / "registry" / "units.toml"
DATONG = "datong.steward@example.org"
JINCHENG = "jincheng.steward@example.org"
DAZHU = "dazhu.steward@example.org"
CHAOYANG = "chaoyang.steward@example.org"
LEAD = "shanxi.lead@example.org"
EVERY_STEWARD = sorted([DATONG, JINCHENG, DAZHU, CHAOYANG, LEAD])
LOGIN_PAGE = (
    "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>统一身份认证平台</title></head>\n"
    "<body><form action='/login' method='post'><input name='user'><input name='password' type='password'>"
    "<button>登录</button></form></body></html>\n"
)
#: Tonight's run: 02:00 in China (the nightly schedule), so that "the same day" and "the next day" never
#: straddle midnight whenever the tests run.
T0 = datetime.combine(datetime.now(STEWARDS_TZ).date(), time(2, 0), tzinfo=STEWARDS_TZ).astimezone(UTC)


def registry_text(datong_name: str | None = None) -> str:
    overrides = {"name": datong_name} if datong_name else {}
    return registry_toml(
        UnitEntry("datong-sic", [ReportEntry(2023, "reports/datong_2023.txt")], [DATONG, LEAD], overrides),
        UnitEntry("jincheng-hrss", [ReportEntry(2023, "reports/jincheng_2023.txt")], [JINCHENG, LEAD]),
        UnitEntry("dazhu-sic", [ReportEntry(2023, "reports/dazhu_2023.html")], [DAZHU]),
        UnitEntry("chaoyang-sic", [ReportEntry(2023, "reports/chaoyang_2024.txt")], [CHAOYANG]),
    )


def write_reports(root: Path, corpus: type, *, jincheng_text: str | None = None) -> None:
    reports = root / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    datong = replace_in_sentence(corpus.text("datong-sic"), "公用经费117.49万元", "公用经费127.49万元")
    (reports / "datong_2023.txt").write_text(datong, encoding="utf-8")
    (reports / "jincheng_2023.txt").write_text(jincheng_text or corpus.text("jincheng-hrss"), encoding="utf-8")
    (reports / "dazhu_2023.html").write_text(LOGIN_PAGE, encoding="utf-8")
    shutil.copy(corpus.path("chaoyang-sic"), reports / "chaoyang_2024.txt")


@dataclass
class Night:
    """One copy of the test world: its settings, registry and lake."""

    root: Path
    settings: Settings
    registry: Registry

    @property
    def lake(self) -> Lake:
        return Lake(self.settings.lake)

    def mail(self, now: datetime, **overrides: Any) -> MailResult:
        return send_steward_mail(
            replace(self.settings, **overrides), self.registry, now=now, run_id=f"run-{now:%Y%m%d%H%M%S}"
        )

    def rerun(self) -> None:
        """The night's pipeline again (extract what changed, validate)."""
        run_registry(self.settings)
        validate_lake(self.settings, self.registry, f"rerun-{datetime.now(UTC):%H%M%S%f}")


def night_at(root: Path) -> Night:
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(root / "data")}).with_overrides(registry=root / "units.toml")
    return Night(root, settings, load_registry(settings.registry))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    root = tmp_path_factory.mktemp("stewards-base")
    write_reports(root, corpus)
    (root / "units.toml").write_text(registry_text(), encoding="utf-8")
    world = night_at(root)
    run_registry(world.settings)
    validate_lake(world.settings, world.registry, "base-run")
    return root


@pytest.fixture
def night(base: Path, tmp_path: Path) -> Night:
    """A fresh copy of the validated world: nothing mailed yet."""
    root = tmp_path / "world"
    shutil.copytree(base, root)
    return night_at(root)


# --- a real SMTP server -------------------------------------------------------------------------------------
@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message); refuses whom it is told to."""

    host: str
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse or "*" in self.refuse:
            self.refused.append(address)
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

    def smtp(self) -> dict[str, Any]:
        return {"smtp_host": self.host, "smtp_port": str(self.port), "mail_from": "juesuan@example.org"}


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


class SilentServer:
    """A TCP server on loopback that accepts connections and never says a word (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = int(self.socket.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()
        self._thread.join(timeout=5)


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def attachment(message: EmailMessage, name: str) -> bytes:
    for part in message.iter_attachments():
        if part.get_filename() == name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no attachment {name}: {[p.get_filename() for p in message.iter_attachments()]}")


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.resources: list[str] = []
        self.links: list[str] = []
        self.summary: list[str] = []
        self._in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "background", "srcset"):
            if values.get(name):
                self.resources.append(str(values[name]))
        if tag == "link":
            self.resources.append(str(values.get("href")))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        self._in_summary = values.get("id") == "summary"

    def handle_endtag(self, tag: str) -> None:
        self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._in_summary:
            self.summary.append(data)


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    return parser


# --- the first night --------------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_each_steward_gets_one_chinese_message_saying_what_to_fix_and_where(night: Night, inbox: Inbox) -> None:
    result = night.mail(T0, **inbox.smtp())

    assert sorted(d.recipient for d in result.deliveries) == EVERY_STEWARD
    assert {d.transport for d in result.deliveries} == {SMTP}
    received = inbox.by_recipient()
    assert sorted(received) == EVERY_STEWARD and len(inbox.received) == len(EVERY_STEWARD)  # one each

    datong = received[DATONG]
    subject = str(datong["Subject"])
    assert subject.startswith("大同市社会保险中心 2023年度决算：1处错误需更正，") and subject.endswith("处尾差无需处理")
    text = plain(datong)
    assert text.splitlines()[0] == subject  # the first line says it too
    # errors first: the inconsistency in one sentence with both figures, where, and that it is new
    assert text.index("一、错误（需更正）（1）") < text.index("尾差（四舍五入，无需处理）")
    error = text[text.index("一、错误") : text.index("二、")]
    assert "【新发现】大同市社会保险中心 2023年度决算：一般公共预算财政拨款基本支出决算表「公用经费合计」行" in error
    assert "情况说明写为 127.49万元，与表中「公用经费合计」117.49万元不一致，相差 10.00万元。" in error
    assert "位置：文件 datong_2023.txt（文本文件，无页码）" in error and "编号：" in error
    # rounding collapsed to a count, its list in the CSV (UTF-8 with BOM, Chinese headers, one row each)
    rounding = [f for f in read_finding_objects(night.lake) if f.unit_id == "datong-sic" and f.severity == "rounding"]
    assert f"大同市社会保险中心 2023年度决算：{len(rounding)} 处尾差，明细见附件 {ROUNDING_CSV}。" in text
    assert rounding[0].right_expression not in text
    table = attachment(datong, ROUNDING_CSV)
    assert table.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位", "单位代码", "年度"] and len(rows) == 1 + len(rounding)
    assert {row[-1] for row in rows[1:]} == {f.check_id for f in rounding}
    # the HTML part: the same summary first, no external resource, every finding's anchor in the attached page
    page = markup(html_of(datong))
    assert "".join(page.summary) == subject and not page.resources
    assert all(link.startswith(("http://", "https://", "#")) for link in page.links)
    attached = attachment(datong, PAGE_ATTACHMENT).decode("utf-8")
    assert attached.count('class="finding ') == sum(
        1 for f in read_finding_objects(night.lake) if f.unit_id == "datong-sic" and f.severity != "passed"
    )

    # the quarantined login page and the wrong-year report reach their units, named, with the reason
    dazhu = received[DAZHU]
    assert str(dazhu["Subject"]) == "大竹县社会保险事业管理局 2023年度决算：文件未能读取（网页而非报告）"
    dazhu_text = plain(dazhu)
    assert "文件 dazhu_2023.html：下载到的是网页（可能是登录页或错误页），不是决算报告。" in dazhu_text
    assert "原因：an HTML page, not a report" in dazhu_text and "建议：请确认公开链接直接指向报告文件" in dazhu_text
    chaoyang = received[CHAOYANG]
    assert str(chaoyang["Subject"]) == "辽宁省朝阳市社会保险事业服务中心 2023年度决算：文件未能读取（年度不符）"
    assert "原因：the report covers 2024, but the registry entry is for 2023" in plain(chaoyang)
    assert "文件 chaoyang_2024.txt" in plain(chaoyang)

    # 晋城: its warnings explained (R12: a 事业单位 has no 机关运行经费; hygiene marks such as amounts in 元);
    # the lead gets both units in one message
    def warnings_of(unit_id: str) -> int:
        findings = read_finding_objects(night.lake)
        return sum(1 for f in findings if f.unit_id == unit_id and f.severity == "warning")

    jincheng_count, datong_count = warnings_of("jincheng-hrss"), warnings_of("datong-sic")
    jincheng = plain(received[JINCHENG])
    assert "一、错误（需更正）（0）" in jincheng and f"二、提示（请确认）（{jincheng_count}）" in jincheng
    assert "事业单位一般没有机关运行经费" in jincheng and "通常无需处理" in jincheng
    lead = received[LEAD]
    both = jincheng_count + datong_count
    assert str(lead["Subject"]).startswith(f"2份决算报告：1处错误需更正，{both}处提示请确认，")
    assert "- 大同市社会保险中心 2023年度决算：1处错误需更正" in plain(lead)
    assert f"- 晋城市人力资源和社会保障综合服务中心 2023年度决算：0处错误，{jincheng_count}处提示请确认" in plain(lead)


@pytest.mark.corpus
def test_a_second_night_with_nothing_new_sends_nothing(night: Night) -> None:
    first = night.mail(T0)
    assert sorted(d.recipient for d in first.deliveries) == EVERY_STEWARD
    assert {d.transport for d in first.deliveries} == {OUTBOX}
    second = night.mail(T0 + timedelta(days=1))
    assert second.deliveries == [] and second.quiet == EVERY_STEWARD
    assert second.describe() == f"nothing new for {len(EVERY_STEWARD)} steward(s): no mail"
    assert not (night.settings.outbox / f"run-{T0 + timedelta(days=1):%Y%m%d%H%M%S}").exists()
    # what a steward was told of an item that is gone is forgotten, so the item is news if it comes back
    rows = night.lake.read_mail_ledger()
    gone = {**rows[0], "steward": DAZHU, "item": "dazhu-sic/2023/document/-", "fingerprint": "failed"}
    night.lake.write_mail_ledger([*rows, gone])
    assert night.mail(T0 + timedelta(days=1, hours=1)).deliveries == []
    assert gone["item"] not in {row["item"] for row in night.lake.read_mail_ledger()}
    assert len(night.lake.read_mail_ledger()) == len(rows)
    # with the daily digest, whoever has something open hears of it every night, marked as still open
    daily = night.mail(T0 + timedelta(days=2), mail_digest="daily")
    assert sorted(d.recipient for d in daily.deliveries) == EVERY_STEWARD
    (path,) = [d.path for d in daily.deliveries if d.recipient == DATONG]
    assert path is not None
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert f"【自{T0.astimezone(STEWARDS_TZ):%Y-%m-%d}起未解决】" in plain(message)
    assert night.mail(T0 + timedelta(days=2, minutes=5), mail_digest="daily").deliveries == []  # once a day


@pytest.mark.corpus
def test_waived_findings_are_not_new_a_new_error_still_is_and_an_expired_waiver_comes_back(
    night: Night, corpus: type
) -> None:
    night.mail(T0)
    warnings = jincheng_warnings(night)
    warning = next(f for f in warnings if f.rule_id == "R12")
    until = (T0 + timedelta(days=10)).date()
    for each in warnings:  # R12 (a 事业单位 has no 机关运行经费) and its hygiene marks, all known
        waiver = waive(night.lake, each, reason="已知，无需更正", by="数据组", until=until, now=T0 + timedelta(hours=1))
        assert waiver.covers(each)

    # 晋城 republishes with a new inconsistency: that error is mailed, the waived warning is not new
    text = replace_in_sentence(corpus.text("jincheng-hrss"), "公用经费26.01万元", "公用经费36.01万元")
    (night.root / "reports" / "jincheng_2023.txt").write_text(text, encoding="utf-8")
    night.rerun()
    result = night.mail(T0 + timedelta(days=2))
    assert sorted(d.recipient for d in result.deliveries) == [JINCHENG, LEAD]
    message = read_eml(result, JINCHENG)
    body = plain(message)
    assert str(message["Subject"]).startswith("晋城市人力资源和社会保障综合服务中心 2023年度决算：1处错误需更正，")
    assert "情况说明写为 36.01万元，与表中「公用经费合计」26.01万元不一致，相差 10.00万元。" in body
    # (the edit itself raises new warnings of its own; the waived ones are not mailed again)
    assert f"另有 {len(warnings)} 处已确认的问题仍在豁免中" in body
    assert not [each.ref for each in warnings if each.ref in body]

    # nothing new the next night; once the waiver has expired, the warning comes back
    assert night.mail(T0 + timedelta(days=3)).deliveries == []
    back = night.mail(T0 + timedelta(days=12))
    assert sorted(d.recipient for d in back.deliveries) == [JINCHENG, LEAD]
    body = plain(read_eml(back, JINCHENG))
    assert "【豁免已到期或已撤销，再次提醒】" in body and warning.ref in body
    assert "【自" in body  # the error mailed on day 2 is still open, and says since when


@pytest.mark.corpus
def test_still_waived_findings_are_listed_once_a_month(night: Night) -> None:
    night.mail(T0)
    warnings = jincheng_warnings(night)
    for warning in warnings:
        waive(night.lake, warning, reason="事业单位没有机关运行经费", by="数据组", now=T0 + timedelta(hours=1))
    assert night.mail(T0 + timedelta(days=1)).deliveries == []  # a waiver is no news
    monthly = night.mail(T0 + timedelta(days=31))
    assert sorted(d.recipient for d in monthly.deliveries) == [JINCHENG, LEAD]
    body = plain(read_eml(monthly, JINCHENG))
    count = len(warnings)
    assert body.splitlines()[0].endswith(f"0处错误，29处尾差无需处理，{count}处已确认的问题仍在豁免中")
    assert f"已确认的问题（豁免中）（{count}）" in body and "数据组" in body and "事业单位没有机关运行经费" in body


def jincheng_warnings(night: Night) -> list[Finding]:
    """晋城's warnings: R12 (a 事业单位 has no 机关运行经费) and the hygiene marks of its report."""
    findings = read_finding_objects(night.lake)
    warnings = [f for f in findings if f.severity == "warning" and f.unit_id == "jincheng-hrss"]
    assert "R12" in {f.rule_id for f in warnings}
    return warnings
    assert night.mail(T0 + timedelta(days=32)).deliveries == []


def read_eml(result: MailResult, recipient: str) -> EmailMessage:
    (path,) = [d.path for d in result.deliveries if d.recipient == recipient]
    assert path is not None
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


# --- failures are failures, and the next attempt delivers -------------------------------------------------------
@pytest.mark.corpus
def test_a_refused_message_fails_after_the_others_and_the_next_run_delivers_it(night: Night, inbox: Inbox) -> None:
    inbox.refuse.add(JINCHENG)
    with pytest.raises(StewardMailError, match=r"1 steward message\(s\) not delivered .*jincheng\.steward") as failed:
        night.mail(T0, **inbox.smtp())
    assert sorted(d.recipient for d in failed.value.deliveries) == sorted(set(EVERY_STEWARD) - {JINCHENG})
    queued = night.settings.mail_queue
    (meta,) = [json.loads(p.read_text(encoding="utf-8")) for p in queued.glob("*.json")]
    assert meta["recipient"] == JINCHENG and meta["attempts"] == 1 and "550" in meta["last_error"]
    assert (queued / f"{JINCHENG}.eml").is_file()
    told = {row["steward"] for row in night.lake.read_mail_ledger()}
    assert JINCHENG not in told and DATONG in told  # marked as told only once accepted

    inbox.refuse.clear()
    inbox.received.clear()
    later = night.mail(T0 + timedelta(days=1), **inbox.smtp())
    assert [d.recipient for d in later.deliveries] == [JINCHENG] and list(inbox.by_recipient()) == [JINCHENG]
    assert "【新发现】" in plain(inbox.by_recipient()[JINCHENG])  # never delivered, so still new
    assert not list(queued.glob("*.eml"))


@pytest.mark.corpus
def test_a_server_that_times_out_fails_the_mail_and_a_later_run_delivers(night: Night, inbox: Inbox) -> None:
    with SilentServer() as silent:
        with pytest.raises(StewardMailError, match=r"cannot reach the SMTP server 127\.0\.0\.1:\d+: .*timed out"):
            night.mail(T0, smtp_host="127.0.0.1", smtp_port=str(silent.port), smtp_timeout=0.5)
    assert night.lake.read_mail_ledger() == []
    assert len(list(night.settings.mail_queue.glob("*.eml"))) == len(EVERY_STEWARD)
    later = night.mail(T0 + timedelta(hours=1), **inbox.smtp())
    assert sorted(d.recipient for d in later.deliveries) == EVERY_STEWARD
    assert not list(night.settings.mail_queue.glob("*.eml"))


@pytest.mark.corpus
def test_an_unreachable_server_fails_the_mail(night: Night) -> None:
    with pytest.raises(StewardMailError, match=r"cannot reach the SMTP server 127\.0\.0\.1:"):
        night.mail(T0, smtp_host="127.0.0.1", smtp_port=str(free_port()))


# --- HTML from structure ------------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_markup_in_data_is_shown_as_text_never_run(tmp_path: Path, corpus: type) -> None:
    hostile = "大同<br><svg/onload=alert(1)>社保<script>alert(2)</script>"
    (tmp_path / "units.toml").write_text(registry_text(datong_name=hostile + "\r\nBcc: evil@example.org"), "utf-8")
    with pytest.raises(UsageError, match="JUESUAN_MAIL_FROM"):
        send_steward_mail(replace(Settings(), mail_from="a@b.org\r\nBcc: x@y.org"), load_registry(REGISTRY_FILE))
    write_reports(tmp_path, corpus)
    world = night_at(tmp_path)
    run_registry(world.settings)  # the report never names that unit: quarantined, the name in the reason
    validate_lake(world.settings, world.registry, "hostile")
    result = world.mail(T0)
    message = read_eml(result, DATONG)
    assert hostile in str(message["Subject"]) and hostile in plain(message)
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])  # the name's line break did not split it
    for html in (html_of(message), attachment(message, PAGE_ATTACHMENT).decode("utf-8")):
        parsed = markup(html)
        assert "svg" not in parsed.tags and "script" not in parsed.tags
        assert "&lt;svg/onload=alert(1)&gt;" in html and "&lt;script&gt;" in html


# --- in a browser ---------------------------------------------------------------------------------------------------
MEASURE = (
    "<script>window.addEventListener('load', function () {"
    "var box = document.getElementById('summary').getBoundingClientRect();"
    "document.body.setAttribute('data-summary-bottom', String(Math.round(box.bottom)));"
    "document.body.setAttribute('data-screen', String(window.innerHeight));});</script>"
)


@pytest.mark.corpus
def test_the_html_part_shows_the_summary_on_the_first_screen(night: Night, tmp_path: Path, chromium: str) -> None:
    from PIL import Image
    from test_report import browse

    result = night.mail(T0)
    html = html_of(read_eml(result, LEAD))
    shot = tmp_path / "mail.png"
    page = tmp_path / "mail.html"
    page.write_text(html, encoding="utf-8")
    browse(chromium, page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,800")
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 800) and image.crop((0, 0, 1280, 60)).getextrema()[0] < 64  # dark text on top
    measured = tmp_path / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = browse(chromium, measured, tmp_path / "profile2", "--dump-dom", "--window-size=1280,800").stdout.decode()
    bottom = int(dom.split('data-summary-bottom="', 1)[1].split('"', 1)[0])
    screen = int(dom.split('data-screen="', 1)[1].split('"', 1)[0])
    assert 0 < bottom <= screen, (bottom, screen)
    assert "2份决算报告：1处错误需更正" in dom


@pytest.mark.corpus
def test_the_validation_page_shows_every_finding_offline(night: Night, tmp_path: Path, chromium: str) -> None:
    from test_report import browse

    page = night.settings.data_docs / "validation.html"
    assert page.is_file()
    findings = [f for f in read_finding_objects(night.lake) if f.severity != "passed"]
    dom = browse(chromium, page, tmp_path / "profile", "--dump-dom").stdout.decode("utf-8")
    assert dom.count('class="finding ') == len(findings)
    for finding in findings:
        assert f'id="f-{finding.ref}"' in dom
    (error,) = [f for f in findings if f.severity == "error"]
    assert "127.49 万元" in dom and "117.49 万元" in dom and f"f-{error.ref}" in dom
    assert "晋城市人力资源和社会保障综合服务中心 2023年度决算" in dom and "0 处错误" in dom
    assert "下载到的是网页" in dom and "文件是其他年度的决算报告" in dom
    assert not markup(page.read_text(encoding="utf-8")).resources  # nothing to load: it reads the same offline
    shot = tmp_path / "page.png"
    browse(chromium, page, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1280,900")
    assert shot.stat().st_size > 10_000


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return found


# --- tables juesuan did not read ----------------------------------------------------------------------------------
def test_tables_not_read_reliably_are_listed_apart_never_as_errors_of_the_unit(tmp_path: Path) -> None:
    """A hand-made lake: 大同's 收入决算表 (pages 7–8) was misread, 晋城 was read well."""
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")})
    lake = Lake(settings.lake)
    registry = sample_registry(tmp_path)
    write_report_with_unread_income(lake, "datong-sic", 2023)
    write_report(lake, "jincheng-hrss", 2023, FIGURES[("jincheng-hrss", 2023)])
    write_report(lake, "chaoyang-sic", 2024, FIGURES[("chaoyang-sic", 2024)])  # one printed code repaired
    summary = validate_lake(settings, registry, "unread-mail")
    messages, _ = build_steward_messages(mail_context(lake, registry, settings, outcomes=None, now=T0), registry)
    by = {m.recipient: m for m in messages}

    datong = by["datong-sic@example.org"]
    assert datong.subject.startswith("大同市社会保险中心 2023年度决算：1处错误需更正，1个表格未能可靠读取")
    # The one error is the genuine one; nothing of the misread table is counted against the unit.
    assert [(f.severity, f.table_name) for f in datong.findings if f.severity == "error"] == [("error", "支出决算表")]
    text = datong.text
    assert text.index("一、错误（需更正）（1）") < text.index("二、juesuan 未能读取的内容（不是贵单位的错误）（1）")
    left = sum(1 for f in summary.findings if f.severity == "not_checkable" and "收入决算表 (pages 7, 8)" in f.message)
    assert left == 6  # R02, R03, R13 and R18 (one instance each for the table), R07 and R10
    assert "收入决算表（第7、8页）未能可靠读取。" in text and f"原因：{UNREAD_INCOME_REASON}" in text
    assert "影响：6 项勾稽核对因此未做，不计为错误" in text
    assert "收入决算表" in datong.html and "第7、8页" in datong.html
    # a web document: where to look is its URL, and the page is a link (URL#page=N)
    (error,) = [f for f in datong.findings if f.severity == "error"]
    url = "https://example.gov.cn/datong-sic/2023.pdf"
    pages = sorted(set(error.left_pages) | set(error.right_pages))
    where = f"位置：{url} 第{'、'.join(map(str, pages))}页" if pages else f"位置：{url}（页码不详）"
    assert where in text
    if pages:
        assert f"{url}#page={pages[0]}" in text and f'href="{url}#page={pages[0]}"' in datong.html
    repaired = by["chaoyang-sic@example.org"].text
    assert "juesuan 自动更正了 1 个印错的科目代码（如「3010 基本工资」→ 30101）" in repaired
    jincheng = by["jincheng-hrss@example.org"]
    assert "未能可靠读取" not in jincheng.subject and "未能读取的内容" not in jincheng.text


# --- settings and other transports ----------------------------------------------------------------------------------
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
    settings = Settings.from_env(
        {"JUESUAN_SMTP_HOST": "mail", "JUESUAN_SMTP_PASSWORD": "secret", "JUESUAN_SMTP_TLS": "1"}
    )
    assert settings.smtp_host == "mail" and "secret" not in repr(settings)
    with pytest.raises(UsageError, match=r"invalid JUESUAN_MAIL_DIGEST: 'weekly' \(allowed: new, daily\)"):
        Settings.from_env({"JUESUAN_MAIL_DIGEST": "weekly"})


@pytest.mark.corpus
def test_cli_validate_email_delivers_then_has_nothing_new(night: Night, inbox: Inbox) -> None:
    env = {
        "JUESUAN_DATA_DIR": str(night.settings.data_dir),
        "JUESUAN_REGISTRY": str(night.settings.registry),
        "JUESUAN_SMTP_HOST": inbox.host,
        "JUESUAN_SMTP_PORT": str(inbox.port),
        "JUESUAN_MAIL_FROM": "juesuan@example.org",
    }
    result = CliRunner().invoke(app, ["validate", "--email", "--run-id", "cli-mail"], env=env)
    assert result.exit_code == 3, result.output  # the broken 大同 figure is an error
    assert f"mail to {DATONG} (smtp)" in result.output
    assert sorted(inbox.by_recipient()) == EVERY_STEWARD
    again = CliRunner().invoke(app, ["validate", "--email", "--run-id", "cli-mail-2"], env=env)
    assert again.exit_code == 3 and "stewards mail: nothing new" in again.output
    assert len(inbox.received) == len(EVERY_STEWARD)
    inbox.refuse.add("*")
    (night.settings.lake / "mail_ledger.parquet").unlink()  # as if nobody had been told: all of it is news
    refused = CliRunner().invoke(app, ["validate", "--email", "--run-id", "cli-mail-3"], env={**env, "COLUMNS": "300"})
    assert refused.exit_code == 1 and "5 steward message(s) not delivered" in refused.output


@pytest.mark.corpus
def test_a_prefect_email_block_delivers_the_messages(night: Night, inbox: Inbox, prefect_api: str) -> None:  # noqa: F811
    """The block is saved into the session's Prefect test server and loaded back by name to send."""
    from prefect_email import EmailServerCredentials

    EmailServerCredentials(smtp_server=inbox.host, smtp_port=inbox.port, smtp_type="INSECURE").save(
        "juesuan-stewards", overwrite=True
    )
    inbox.refuse.add(LEAD)
    with pytest.raises(StewardMailError, match=r"not delivered through Prefect block 'juesuan-stewards'.*shanxi"):
        night.mail(T0, email_block="juesuan-stewards", mail_from="juesuan@example.org")
    received = inbox.by_recipient()
    assert sorted(received) == sorted(set(EVERY_STEWARD) - {LEAD})
    assert str(received[DATONG]["Subject"]).startswith("大同市社会保险中心 2023年度决算：1处错误需更正")
    assert "公用经费合计" in plain(received[DATONG])
    # prefect-email folds long non-ASCII file names with a space; the files are ours
    names = sorted((p.get_filename() or "").replace(" ", "") for p in received[DATONG].iter_attachments())
    assert names == sorted([ROUNDING_CSV, PAGE_ATTACHMENT])
    inbox.refuse.clear()
    later = night.mail(T0 + timedelta(hours=1), email_block="juesuan-stewards", mail_from="juesuan@example.org")
    assert [d.recipient for d in later.deliveries] == [LEAD]


# --- the night's flow: the mail step fails the run, is retried, and the next night delivers -----------------------
@pytest.mark.corpus
def test_juesuan_run_fails_when_mail_is_refused_and_the_next_run_delivers(
    tmp_path: Path,
    corpus: type,
    inbox: Inbox,
    prefect_api: str,  # noqa: F811
) -> None:
    write_reports(tmp_path, corpus)
    (tmp_path / "units.toml").write_text(registry_text(), encoding="utf-8")
    env = {
        "JUESUAN_DATA_DIR": str(tmp_path / "data"),
        "JUESUAN_REGISTRY": str(tmp_path / "units.toml"),
        "JUESUAN_SMTP_HOST": inbox.host,
        "JUESUAN_SMTP_PORT": str(inbox.port),
        "JUESUAN_MAIL_FROM": "juesuan@example.org",
        "JUESUAN_MAIL_RETRIES": "1",
        "JUESUAN_MAIL_BACKOFF": "0.05",
    }
    inbox.refuse.add("*")
    refused = CliRunner().invoke(app, ["run"], env=env)
    assert refused.exit_code == 1, refused.output
    assert "stewards mail: failed 5 steward message(s) not delivered" in " ".join(refused.output.split())
    assert "the run's step(s) failed: stewards mail" in refused.output
    assert sorted(inbox.refused) == sorted(EVERY_STEWARD * 2)  # tried, then retried once by Prefect
    queue = tmp_path / "data" / "mail_queue"
    assert sorted(p.stem for p in queue.glob("*.eml")) == EVERY_STEWARD

    inbox.refuse.clear()
    delivered = CliRunner().invoke(app, ["run"], env=env)  # nothing changed in the documents tonight
    assert delivered.exit_code == 3, delivered.output  # delivered; two documents stay quarantined (issue 13.12)
    assert "stewards mail: ok 5 message(s) delivered" in delivered.output
    received = inbox.by_recipient()
    assert sorted(received) == EVERY_STEWARD
    assert str(received[DAZHU]["Subject"]) == "大竹县社会保险事业管理局 2023年度决算：文件未能读取（网页而非报告）"
    assert str(received[CHAOYANG]["Subject"]).endswith("文件未能读取（年度不符）")
    assert not list(queue.glob("*.eml"))

    quiet = CliRunner().invoke(app, ["run"], env=env)
    assert quiet.exit_code == 3 and "stewards mail: ok nothing new for 5 steward(s): no mail" in quiet.output
    assert len(inbox.received) == len(EVERY_STEWARD)


# --- the real 决算 PDFs, fetched over HTTP ---------------------------------------------------------------------------
@pytest.mark.corpus
def test_the_real_reports_published_errors_reach_the_steward_with_their_pages(tmp_path: Path, inbox: Inbox) -> None:
    """普陀区规划和自然资源局 2024 (a real PDF served on loopback): its two published narrative errors (see
    ../shared/real/README.md) are the errors of its message, each with the URL and a ``#page=N`` link."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from conftest import real_path

    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(real_path("final/putuo_ghzy_2024.pdf"), site / "ghzy_2024.pdf")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ghzy_2024.pdf"
        (tmp_path / "units.toml").write_text(
            "\n".join(
                [
                    "[[unit]]", 'id = "putuo-ghzy"', 'name = "上海市普陀区规划和自然资源局"', 'province = "上海市"',
                    'city = "上海市"', 'county = "普陀区"', 'level = "县级"', 'kind = "行政单位"',
                    'stewards = ["ghzy@example.org"]', "", "[[unit.report]]", "year = 2024", f'url = "{url}"', "",
                ]
            ),
            encoding="utf-8",
        )  # fmt: skip
        world = night_at(tmp_path)
        world.settings = replace(world.settings, fetch_delay=0.0)
        run_registry(world.settings)
        validate_lake(world.settings, world.registry, "real")
    finally:
        server.shutdown()
        server.server_close()
    world.mail(T0, **inbox.smtp())
    message = inbox.by_recipient()["ghzy@example.org"]
    assert str(message["Subject"]).startswith("上海市普陀区规划和自然资源局 2024年度决算：2处错误需更正，")
    text = plain(message)
    errors = text[text.index("一、错误（需更正）（2）") : text.index("二、")]
    assert "情况说明写为 5,377.64万元，与表中「合计」5,364.75万元不一致，相差 12.89万元。" in errors
    assert "情况说明写为 4,896.98万元，与表中「人员经费合计」4,884.09万元不一致，相差 12.89万元。" in errors
    assert errors.count(f"位置：{url} 第") == 2 and errors.count(f"{url}#page=") == 2
    assert f'href="{url}#page=' in html_of(message)
