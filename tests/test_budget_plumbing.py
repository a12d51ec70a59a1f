"""Budget reports (预算) through the registry, the lake, the nightly flow, ``documents`` and the stewards' mail.

A report is ``(unit_id, year, kind)``: a unit-year's 决算 and 预算 live side by side (``facts.parquet`` and
``facts.budget.parquet`` in one partition folder), a 预算 published as a 正文 and a 公开表 is one report of
two documents, and a document of the other kind than its registry entry is quarantined and mailed.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import real_path
from test_flow_support import prefect_api, settings_env, use_env  # noqa: F401  (prefect_api is a fixture)

from juesuan.contract import BUDGET, FINAL, TOTALS, Fact
from juesuan.errors import ContractViolation, RegistryError
from juesuan.expectations.findings import read_finding_objects
from juesuan.expectations.runner import validate_lake
from juesuan.extract.base import CodeRepair, TableReport
from juesuan.flows.nightly import document_table, run_flow, summary_markdown
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake, lake_of, partition_problem, skip_invalid_partitions
from juesuan.registry import load_registry
from juesuan.report.validation_page import page_view
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb
from juesuan.stewards_mail import build_steward_messages, mail_context

UNIT = """
[[unit]]
id = "{id}"
name = "{name}"
province = "江苏省"
city = "南京市"
level = "省级"
stewards = ["{id}@example.org"]
"""


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- registry -------------------------------------------------------------------------------------------------
def test_a_report_has_a_kind_and_may_have_parts(tmp_path: Path) -> None:
    path = _registry(
        tmp_path,
        UNIT.format(id="zx", name="江苏省政协办公厅")
        + """
[[unit.report]]
year = 2018
url = "final.pdf"

[[unit.report]]
year = 2018
kind = "预算"
url = ["budget.pdf", "https://user:secret@example.gov.cn/budget-tables.pdf"]
""",
    )
    final, budget = load_registry(path).reports()
    assert (final.key, final.parts, final.documents()) == (("zx", 2018, FINAL), (), (final,))
    assert budget.key == ("zx", 2018, BUDGET)
    first, second = budget.documents()
    assert first.url == str(tmp_path / "budget.pdf") and budget.url == first.url
    # each part keeps its own login, out of its URL
    assert second.url == "https://example.gov.cn/budget-tables.pdf" and second.credentials == ("user", "secret")
    assert {part.kind for part in budget.documents()} == {BUDGET} and not second.parts


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ('year = 2018\nkind = "决算公开"\nurl = "a.pdf"', "kind '决算公开' not one of 决算, 预算"),
        ("year = 2018\nurl = []", "missing key 'url'"),
        ('year = 2018\nurl = ["a.pdf", ""]', "url must be a non-empty string or a list of them"),
        ('year = 2018\nurl = ["a.pdf", "a.pdf"]', "the same part listed twice"),
        (
            'year = 2018\nkind = "预算"\nurl = "a.pdf"\n\n[[unit.report]]\nyear = 2018\nkind = "预算"\nurl = "b.pdf"',
            "two 预算 reports for the year 2018",
        ),
        ('year = 2018\nurl = "a.pdf"\n\n[[unit.report]]\nyear = 2018\nurl = "b.pdf"', "two 决算 reports"),
    ],
)
def test_registry_errors_name_the_rule(tmp_path: Path, report: str, message: str) -> None:
    path = _registry(tmp_path, UNIT.format(id="zx", name="江苏省政协办公厅") + "\n[[unit.report]]\n" + report + "\n")
    with pytest.raises(RegistryError, match="zx") as raised:
        load_registry(path)
    assert message in str(raised.value)


def test_a_source_may_take_budget_reports(tmp_path: Path) -> None:
    base = UNIT.format(id="zx", name="江苏省政协办公厅") + '\n[[unit.source]]\nurl = "https://example.gov.cn/yjs/"\n'
    (source,) = load_registry(_registry(tmp_path, base)).sources
    assert (source.kinds, source.include) == ((FINAL,), ("决算",))
    (source,) = load_registry(_registry(tmp_path, base + 'kinds = ["预算", "决算"]\n')).sources
    assert (source.kinds, source.include) == ((FINAL, BUDGET), ("决算", "预算"))
    with pytest.raises(RegistryError, match="kinds must list report kinds"):
        load_registry(_registry(tmp_path, base + 'kinds = ["预决算"]\n'))


# --- lake ------------------------------------------------------------------------------------------------------
def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _fact(kind: str, table: str, line: str, column: str, value: str, document: str) -> Fact:
    return Fact(
        unit_id="zx",
        year=2018,
        table_name=table,
        subject_code=None,
        line_item=line,
        column_name=column,
        value=Decimal(value),
        source_kind="table",
        extractor="text-table",
        document_sha256=document,
        page=1,
        raw_text=value,
        report_kind=kind,
    )


FINAL_SHA, BUDGET_SHA, BUDGET_TABLES_SHA = _sha("final"), _sha("budget"), _sha("budget-tables")


def _write_final(lake: Lake, value: str = "100.00") -> None:
    facts = [_fact(FINAL, TOTALS, "收入总计", "决算数", value, FINAL_SHA)]
    table = TableReport(title="收入支出决算总表", table_name=TOTALS, status="ok", extractor="text-table")
    lake.write_report("zx", 2018, FINAL_SHA, facts, [], [table])


def _write_budget(lake: Lake, value: str = "120.00") -> None:
    facts = [
        _fact(BUDGET, "收支预算总表", "收入总计", "预算数", value, BUDGET_TABLES_SHA),
        _fact(BUDGET, "收入预算表", "合计", "合计", value, BUDGET_TABLES_SHA),
    ]
    repair = CodeRepair(BUDGET_TABLES_SHA, "收入预算表", 2, "2080l", "行政运行", None, "unresolved", "no such code")
    table = TableReport(title="收支预算总表", table_name="收支预算总表", status="ok", extractor="text-table")
    lake.write_report("zx", 2018, BUDGET_SHA, facts, [repair], [table], report_kind=BUDGET)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def test_a_final_and_a_budget_of_one_unit_year_live_side_by_side(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    _write_final(lake)
    _write_budget(lake)
    folder = tmp_path / "lake" / "facts" / "year=2018" / "unit_id=zx"
    assert sorted(p.name for p in folder.iterdir()) == ["facts.budget.parquet", "facts.parquet"]
    facts = lake.read_facts()
    assert sorted(zip(facts["report_kind"], facts["column_name"], strict=True)) == sorted(
        [(FINAL, "决算数"), (BUDGET, "合计"), (BUDGET, "预算数")]
    )
    assert lake.partition_keys("facts") == {("zx", 2018)} == lake.partition_keys("facts", BUDGET)
    assert lake.report_keys("facts") == {("zx", 2018, FINAL), ("zx", 2018, BUDGET)}
    assert lake.partition_sha256("zx", 2018) == FINAL_SHA
    assert lake.partition_documents("zx", 2018, BUDGET) == {BUDGET_TABLES_SHA}
    tables = lake.read_parsed_tables()
    assert sorted(zip(tables["report_kind"], tables["table_name"], strict=True)) == sorted(
        [(FINAL, TOTALS), (BUDGET, "收支预算总表")]
    )
    repairs = lake.read_code_repairs()
    assert list(repairs["report_kind"]) == [BUDGET]
    statements = lake.read_report_partitions("narrative_statements")
    assert set(statements) == {("zx", 2018, FINAL), ("zx", 2018, BUDGET)}
    assert lake.read_partitions("narrative_statements", BUDGET) == {("zx", 2018): []}

    # re-running one report leaves the other's files alone; re-running it unchanged rewrites nothing
    before = _files(tmp_path / "lake")
    _write_budget(lake)
    assert _files(tmp_path / "lake") == before
    _write_budget(lake, "130.00")
    after = _files(tmp_path / "lake")
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"facts/year=2018/unit_id=zx/facts.budget.parquet"}
    assert not list(tmp_path.rglob("*.tmp"))
    # a revised budget keeps its earlier facts in the budget's own superseded file, the 决算 untouched
    assert lake.keep_superseded("zx", 2018, _sha("budget-revised"), report_kind=BUDGET) == 2
    assert lake.keep_superseded("zx", 2018, FINAL_SHA) == 0
    superseded = lake.read_report_partitions("superseded_facts")
    assert set(superseded) == {("zx", 2018, BUDGET)}
    assert {row["report_kind"] for row in superseded[("zx", 2018, BUDGET)]} == {BUDGET}
    # removing the 预算 leaves the 决算
    removed = lake.remove_report("zx", 2018, BUDGET)
    assert "facts/year=2018/unit_id=zx/facts.budget.parquet" in removed
    assert lake.report_keys("facts") == {("zx", 2018, FINAL)}


def test_a_budget_fact_never_goes_into_the_final_partition(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    budget = _fact(BUDGET, "收支预算总表", "收入总计", "预算数", "1.00", BUDGET_SHA)
    with pytest.raises(ContractViolation, match="预算 report cannot go into the 决算 partition"):
        lake.write_report("zx", 2018, BUDGET_SHA, [budget], [], [])
    with pytest.raises(ContractViolation, match="report kind '预决算'"):
        lake.partition_relative("facts", "zx", 2018, "预决算")
    assert not list((tmp_path / "lake").rglob("facts*.parquet"))


def test_files_written_before_kinds_read_as_final(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    _write_final(lake)
    partition = tmp_path / "lake" / "facts" / "year=2018" / "unit_id=zx" / "facts.parquet"
    pq.write_table(pq.read_table(partition).drop_columns(["report_kind"]), partition)
    assert "report_kind" not in pq.read_table(partition).column_names
    facts = lake.read_facts()
    assert list(facts["report_kind"]) == [FINAL] and list(facts["value"]) == [Decimal("100.000000")]
    rows = lake.read_report_partitions("facts")
    assert [row["report_kind"] for row in rows[("zx", 2018, FINAL)]] == [FINAL]
    # an old file is kept in superseded_facts in today's schema when a new document replaces it
    assert lake.keep_superseded("zx", 2018, _sha("final-revised")) == 1
    (row,) = lake.read_partitions("superseded_facts")[("zx", 2018)]
    assert row["report_kind"] == FINAL and row["document_sha256"] == FINAL_SHA
    # documents rows written before report_kind read as 决算
    lake.record_document(
        sha256=FINAL_SHA, unit_id="zx", year=2018, url="a.pdf", format="pdf", pages=1, status="loaded", error=None
    )
    stored = tmp_path / "lake" / "documents.parquet"
    pq.write_table(pq.read_table(stored).drop_columns(["report_kind"]), stored)
    assert [r["report_kind"] for r in lake.read_document_rows()] == [FINAL]
    lake.record_document(
        sha256=FINAL_SHA,
        unit_id="zx",
        year=2018,
        url="b.pdf",
        format="pdf",
        pages=1,
        status="loaded",
        error=None,
        report_kind=BUDGET,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert sorted((r["report_kind"], r["url"]) for r in lake.read_document_rows()) == [
        (FINAL, "a.pdf"),
        (BUDGET, "b.pdf"),
    ]


def test_budget_file_names_are_valid_partitions() -> None:
    good = "facts/year=2018/unit_id=zx/facts.budget.parquet"
    bad = "facts/year=2018/unit_id=zx\n/facts.budget.parquet"
    assert partition_problem(good) is None
    assert skip_invalid_partitions([good, bad], "test") == [good]


# --- the flow ---------------------------------------------------------------------------------------------------
#: A real 预算 published as two PDFs: its 正文 and its 公开表 (../shared/real/budget).
TEXT_PART = "js-zhengxiebgt-2018-dept-budget.pdf"
TABLES_PART = "js-zhengxiebgt-2018-dept-budget-tables.pdf"


def test_a_budget_of_two_parts_is_one_report_with_both_documents(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for name in (TEXT_PART, TABLES_PART):
        shutil.copy(real_path(f"budget/{name}"), site / name)
    with GovernmentWeb(site, {}, max_lifetime=300) as web:
        registry = _registry(
            tmp_path,
            UNIT.format(id="js-zhengxiebgt", name="江苏省政协办公厅")
            + f"""
[[unit.report]]
year = 2018
kind = "预算"
url = ["{web.base_url}/{TEXT_PART}", "{web.base_url}/{TABLES_PART}"]
""",
        )
        settings = use_env(monkeypatch, settings_env(tmp_path, registry))
        first = run_flow(settings)
        second = run_flow(settings)
    (outcome,) = first.outcomes
    assert (outcome.key, outcome.action, outcome.status) == (("js-zhengxiebgt", 2018, BUDGET), "new", "loaded")
    lake = lake_of(settings)
    documents = lake.read_document_rows()
    shas = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in site.iterdir()}
    assert {(shas[r["sha256"]], r["report_kind"], r["status"]) for r in documents} == {
        (TEXT_PART, BUDGET, "loaded"),
        (TABLES_PART, BUDGET, "loaded"),
    }
    # one partition, of the budget's files only; every fact a 预算 fact keeping its own part's document
    assert lake.report_keys("facts") == {("js-zhengxiebgt", 2018, BUDGET)}
    facts = lake.read_facts()
    assert len(facts) == outcome.facts > 0 and set(facts["report_kind"]) == {BUDGET}
    assert set(facts["document_sha256"]) <= set(shas)
    assert {shas[sha] for sha in facts["document_sha256"]} >= {TABLES_PART}
    assert "收支预算总表" in set(facts["table_name"])
    # the 正文's prose and the 公开表's tables are one report: the prose keyed to the cells the tables print
    prose = facts[facts["source_kind"] == "narrative"]
    assert {shas[sha] for sha in prose["document_sha256"]} == {TEXT_PART}
    cell = (facts["table_name"] == "一般公共预算支出预算表") & (facts["line_item"] == "合计")
    stated = facts[cell & (facts["column_name"] == "预算数")]
    assert sorted(zip(stated["source_kind"], stated["value"], strict=True)) == [
        ("narrative", Decimal("10070.48")),
        ("table", Decimal("10070.48")),
    ]
    # the second night: both parts unchanged, nothing extracted again
    (again,) = second.outcomes
    assert (again.action, again.status, len(again.document_rows())) == ("unchanged", "loaded", 2)
    assert [(row["kind"], row["result"]) for row in document_table(second)] == [(BUDGET, "unchanged")]
    assert "1 reports" in summary_markdown(second, settings)


def test_a_document_of_the_other_kind_is_quarantined_and_mailed(tmp_path: Path, corpus: type) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(corpus.path("datong-sic"), reports / "datong.txt")
    registry_path = _registry(
        tmp_path,
        """
[[unit]]
id = "datong-sic"
name = "大同市社会保险中心"
province = "山西省"
city = "大同市"
level = "市级"
kind = "参公事业单位"
stewards = ["datong.steward@example.org"]

[[unit.report]]
year = 2023
kind = "预算"
url = "reports/datong.txt"
""",
    )
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(registry=registry_path)
    summary = run_registry(settings, build=False)
    (outcome,) = summary.outcomes
    assert (outcome.key, outcome.status) == (("datong-sic", 2023, BUDGET), "quarantined")
    assert "决算" in (outcome.error or "") and "预算" in (outcome.error or "")
    lake = lake_of(settings)
    (row,) = lake.read_document_rows()
    assert (row["status"], row["report_kind"], row["error"]) == ("quarantined", BUDGET, outcome.error)
    assert not lake.report_keys("facts")
    summary.seconds = 1.0
    assert "| datong-sic | 2023年度预算 | quarantined |" in summary_markdown(summary, settings)
    # the steward hears of it, the report named with its kind
    registry = load_registry(registry_path)
    context = mail_context(lake, registry, settings, outcomes=summary.outcomes, now=datetime.now(UTC))
    messages, _ = build_steward_messages(context, registry)
    (message,) = messages
    assert message.recipient == "datong.steward@example.org"
    assert message.subject.startswith("大同市社会保险中心 2023年度预算：")
    assert "大同市社会保险中心 2023年度预算" in message.text and outcome.error in message.text
    assert "文件的类型（决算或预算）与登记的报告类型不符" in message.text
    (notice,) = message.notices
    assert notice.report == ("datong-sic", 2023, BUDGET) and notice.item.startswith("datong-sic/2023/预算/document/")


def test_budget_findings_reach_the_stewards_like_final_ones(tmp_path: Path) -> None:
    registry_path = _registry(
        tmp_path,
        UNIT.format(id="zx", name="江苏省政协办公厅")
        + '\n[[unit.report]]\nyear = 2018\nkind = "预算"\nurl = "budget.pdf"\n',
    )
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(registry=registry_path)
    lake = lake_of(settings)
    # a 预算 whose 收支预算总表 does not balance: 收入总计 120.00 against 支出总计 110.00
    facts = [
        _fact(BUDGET, "收支预算总表", "收入总计", "预算数", "120.00", BUDGET_SHA),
        _fact(BUDGET, "收支预算总表", "支出总计", "预算数", "110.00", BUDGET_SHA),
    ]
    table = TableReport(title="收支预算总表", table_name="收支预算总表", status="ok", extractor="text-table")
    lake.write_report("zx", 2018, BUDGET_SHA, facts, [], [table], report_kind=BUDGET)
    registry = load_registry(registry_path)
    validate_lake(settings, registry, lake=lake)
    errors = [f for f in read_finding_objects(lake) if f.severity == "error"]
    assert errors and {(f.report, f.rule_id) for f in errors} == {(("zx", 2018, BUDGET), "B01")}
    context = mail_context(lake, registry, settings, outcomes=None, now=datetime.now(UTC))
    (message,) = build_steward_messages(context, registry)[0]
    assert message.subject.startswith(f"江苏省政协办公厅 2018年度预算：{len(errors)}处错误需更正")
    assert "收支预算总表" in message.text and "2018年度决算" not in message.text
    assert {notice.report for notice in message.notices} == {("zx", 2018, BUDGET)}
    (report,) = page_view(context.state)["reports"]
    assert (report["title"], report["anchor"], report["errors"]) == (
        "江苏省政协办公厅 2018年度预算",
        "r-zx-2018-budget",
        len(errors),
    )


ARTICLE = """<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>
<p>附件：<a href="{text}">江苏省政协办公厅2018年度部门预算.pdf</a></p>
<p>附件：<a href="{tables}">江苏省政协办公厅2018年度部门预算公开表.pdf</a></p></body></html>"""


@pytest.mark.parametrize("kinds", [None, ["决算", "预算"]])
def test_discovery_loads_a_budget_of_two_attachments_when_the_source_takes_budgets(
    tmp_path: Path, kinds: list[str] | None
) -> None:
    site = tmp_path / "site" / "yjs"
    site.mkdir(parents=True)
    for name in (TEXT_PART, TABLES_PART):
        shutil.copy(real_path(f"budget/{name}"), site / name)
    title = "江苏省政协办公厅2018年度部门预算公开"
    (site / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul><li><a href="a1.html">{title}</a></li></ul></body></html>',
        encoding="utf-8",
    )
    (site / "a1.html").write_text(ARTICLE.format(title=title, text=TEXT_PART, tables=TABLES_PART), encoding="utf-8")
    with GovernmentWeb(tmp_path / "site", {}, max_lifetime=300) as web:
        source = f'\n[[unit.source]]\nurl = "{web.base_url}/yjs/index.html"\n'
        if kinds is not None:
            source += f"kinds = {kinds!r}\n".replace("'", '"')
        registry = _registry(tmp_path, UNIT.format(id="js-zhengxiebgt", name="江苏省政协办公厅") + source)
        settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(
            registry=registry, fetch_delay=0.0
        )
        summary = run_registry(settings, build=False)
    lake = lake_of(settings)
    links = lake.read_discovery()[0]
    if kinds is None:  # a source takes 决算 only: the budget's article is not followed, and says why
        assert summary.outcomes == []
        (article,) = [row for row in links if row["link_text"] == title]
        assert (article["decision"], article["reason"]) == ("rejected", "names a 预算 (budget) report, not a 决算")
        return
    (outcome,) = summary.outcomes
    assert (outcome.key, outcome.status) == (("js-zhengxiebgt", 2018, BUDGET), "loaded")
    # both attachments taken, the 正文 first, as parts of one report; each is a document of it
    assert [Path(row["url"]).name for row in outcome.document_rows()] == [TEXT_PART, TABLES_PART]
    documents = [row for row in links if row["role"] == "document"]
    assert {(Path(row["url"]).name, row["decision"], row["content_kind"]) for row in documents} == {
        (TEXT_PART, "selected", BUDGET),
        (TABLES_PART, "selected", BUDGET),
    }
    facts = lake.read_facts()
    assert set(facts["report_kind"]) == {BUDGET} and "收支预算总表" in set(facts["table_name"])
    assert len({row["sha256"] for row in lake.read_document_rows()}) == 2


def test_a_part_missing_or_wrong_keeps_the_report_out_and_its_earlier_data_in(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(real_path(f"budget/{TEXT_PART}"), folder / TEXT_PART)
    registry = _registry(
        tmp_path,
        UNIT.format(id="js-zhengxiebgt", name="江苏省政协办公厅")
        + f'\n[[unit.report]]\nyear = 2018\nkind = "预算"\nurl = ["reports/{TEXT_PART}", "reports/{TABLES_PART}"]\n',
    )
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(registry=registry)
    lake = lake_of(settings)

    def night() -> tuple[str, str, str | None]:
        (outcome,) = run_registry(settings, build=False).outcomes
        return outcome.action, outcome.status, outcome.error

    # the 公开表 is not there yet: the report is not read; one row without bytes names the missing part
    assert night() == ("quarantined", "quarantined", "file not found")
    (row,) = lake.read_document_rows()
    assert (row["sha256"], Path(row["url"]).name, row["report_kind"]) == (None, TABLES_PART, BUDGET)
    assert not lake.report_keys("facts")
    # both parts: one report loaded, two documents, the failed attempt's row gone
    shutil.copy(real_path(f"budget/{TABLES_PART}"), folder / TABLES_PART)
    assert night()[:2] == ("new", "loaded")
    good = {r["sha256"]: r["status"] for r in lake.read_document_rows()}
    assert len(good) == 2 and None not in good and set(good.values()) == {"loaded"}
    facts = _files(tmp_path / "data" / "lake")
    assert night()[:2] == ("unchanged", "loaded")
    # the 公开表 replaced by another year's: quarantined with its part named, the earlier facts kept
    shutil.copy(real_path("budget/js-zhengxiebgt-2017-dept-budget-tables.pdf"), folder / TABLES_PART)
    action, status, error = night()
    assert (action, status) == ("quarantined", "quarantined") and error is not None
    assert error.startswith(f"{TABLES_PART}: ") and "2017" in error
    assert {k: v for k, v in _files(tmp_path / "data" / "lake").items() if k.startswith("facts/")} == {
        k: v for k, v in facts.items() if k.startswith("facts/")
    }
    rows = {r["sha256"]: r["status"] for r in lake.read_document_rows()}
    assert {sha: rows[sha] for sha in good} == good  # the good parts' rows stay as they were
    assert night()[:2] == ("unchanged", "quarantined")  # known bad bytes are not read again
    # the good 公开表 back: the report is as it was, nothing read again
    shutil.copy(real_path(f"budget/{TABLES_PART}"), folder / TABLES_PART)
    assert night()[:2] == ("unchanged", "loaded")


def test_extract_takes_the_kind_and_refuses_the_other(tmp_path: Path, corpus: type) -> None:
    from typer.testing import CliRunner

    from juesuan.cli import app

    source = str(corpus.path("datong-sic"))
    args = ["extract", source, "--unit-id", "datong-sic", "--year", "2023", "-o", str(tmp_path / "f.parquet")]
    refused = CliRunner().invoke(app, [*args, "--kind", "预算"])
    assert refused.exit_code == 1 and "决算" in refused.output and "Traceback" not in refused.output
    taken = CliRunner().invoke(app, [*args, "--kind", "决算"])
    assert taken.exit_code == 0 and "datong-sic 2023 决算" in taken.output
    assert set(pq.read_table(tmp_path / "f.parquet").column("report_kind").to_pylist()) == {FINAL}
