"""The nightly Prefect flow against the local "government web" (under prefect_test_harness).

Per-document isolation and every fault's record in ``documents``; unchanged documents skipped by
content hash (and 304s); a warm night that leaves the warehouse file untouched; republished and
withdrawn reports; the per-document time limit; the hook points; the warehouse swap while a reader
holds the old file; kill -9 mid-run and a re-run equal to an uninterrupted run; the schedule.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from test_flow_support import (  # noqa: F401  (prefect_api is a fixture)
    make_corpus,
    prefect_api,
    settings_env,
    use_env,
    warehouse_snapshot,
)

from juesuan.errors import JuesuanError
from juesuan.flows import nightly
from juesuan.flows.nightly import HOOKS, Step, StepContext, run_flow, run_lock
from juesuan.flows.pipeline import RunSummary, StepResult, run_registry
from juesuan.lake import lake_of
from juesuan.simulate.corpus import FAULT_OUTCOMES, generate_report
from juesuan.simulate.web import GovernmentWeb
from juesuan.transform.catalogue import Catalogue

ALL_FAULTS = {fault: 1 for fault in FAULT_OUTCOMES if fault != "none"}
FEW_FAULTS = {"not-found": 1, "html-200": 1, "flaky": 1}


@pytest.fixture
def stormy_night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: str):  # noqa: F811
    """A corpus with one report per fault, served locally; yields (corpus, web, settings)."""
    corpus = make_corpus(tmp_path / "corpus", units=5, years=3, faults=ALL_FAULTS)
    with GovernmentWeb(corpus.site, corpus.faults(), slow_seconds=0.2, hang_seconds=1.5, max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url)
        settings = use_env(monkeypatch, settings_env(tmp_path, registry, JUESUAN_FETCH_TIMEOUT="0.6"))
        yield corpus, web, settings


@pytest.fixture
def night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: str):  # noqa: F811
    """A small corpus with a few quick faults; yields (corpus, web, settings)."""
    corpus = make_corpus(tmp_path / "corpus", units=3, years=3, faults=FEW_FAULTS)
    with GovernmentWeb(corpus.site, corpus.faults(), max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url)
        settings = use_env(monkeypatch, settings_env(tmp_path, registry))
        yield corpus, web, settings


def by_report(summary: RunSummary) -> dict[tuple[str, int], object]:
    return {o.key[:2]: o for o in summary.outcomes}


def test_each_fault_is_recorded_and_never_stops_the_others(stormy_night) -> None:
    corpus, web, settings = stormy_night
    summary = run_flow(settings)
    outcomes = by_report(summary)
    assert len(outcomes) == len(corpus.entries)
    for entry in corpus.entries:
        outcome = outcomes[(entry.unit.id, entry.year)]
        assert outcome.status == entry.expected_status, (entry.fault, outcome.error)
        if entry.expected_status != "loaded":
            assert outcome.error, entry.fault
    reasons = {corpus.entry(*key).fault: o.error for key, o in outcomes.items() if o.error}
    assert "HTTP 404" in reasons["not-found"] and "HTTP 410" in reasons["gone"]
    assert "HTTP 500" in reasons["server-error"] and "timed out" in reasons["timeout"]
    assert "truncated body" in reasons["truncate"] and "connection dropped" in reasons["drop"]
    assert "HTML page" in reasons["html-200"] and "covers" in reasons["wrong-year"]
    assert "empty file" in reasons["empty"]
    flaky = next(e for e in corpus.entries if e.fault == "flaky")
    assert web.requests[f"/{flaky.path}"] == 2  # a 503, then the report on the retry
    server_error = next(e for e in corpus.entries if e.fault == "server-error")
    assert web.requests[f"/{server_error.path}"] == 3  # tried, then retried twice
    # documents: one row per report, with the fetch's facts
    documents = lake_of(settings).read_documents()
    assert len(documents) == len(corpus.entries)
    loaded = documents[documents["status"] == "loaded"]
    assert loaded["size"].min() > 1000 and loaded["content_type"].str.startswith("text/").all()
    assert (loaded["http_status"] == 200).all() and loaded["etag"].notna().all()
    failed = documents[documents["status"].isin(["failed", "withdrawn"])]
    assert failed["sha256"].isna().all() and failed["error"].notna().all()
    assert sorted(documents.loc[documents["status"] == "withdrawn", "http_status"]) == [404, 410]
    # the warehouse holds every good report, and only those
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        unit_years = set(connection.execute("SELECT DISTINCT unit_id, year FROM facts").fetchall())
    assert unit_years == {(e.unit.id, e.year) for e in corpus.entries if e.expected_status == "loaded"}
    assert summary.facts_written == sum(o.facts for o in summary.loaded) > 0


def test_summary_artifacts_are_published(night) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    _, _, settings = night
    summary = run_flow(settings)
    assert summary.flow_run_id is not None
    mine = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[summary.flow_run_id]))
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_artifacts(artifact_filter=mine)}
    table, markdown = artifacts["nightly-documents"], artifacts["nightly-summary"]
    assert table.type == "table" and "withdrawn" in str(table.data) and "HTTP 404" in str(table.data)
    assert markdown.type == "markdown" and f"facts written: {summary.facts_written}" in str(markdown.data)
    assert "Documents needing attention" in str(markdown.data)


def test_a_night_with_nothing_new_skips_everything_and_leaves_the_warehouse(night) -> None:
    _, web, settings = night
    first = run_flow(settings)
    published = settings.warehouse.read_bytes()
    stamp = settings.warehouse.stat().st_mtime_ns
    lake_files = {p: p.read_bytes() for p in settings.lake.rglob("*") if p.is_file()}
    requests_before = sum(web.not_modified.values())
    second = run_flow(settings)
    assert second.counts()["new"] == second.counts()["changed"] == 0
    assert {o.key[:2]: o.status for o in second.outcomes} == {o.key[:2]: o.status for o in first.outcomes}
    unchanged = [o for o in second.outcomes if o.action == "unchanged"]
    assert len(unchanged) == sum(1 for o in first.outcomes if o.action in ("new", "quarantined"))
    # 304s, not bodies: every unchanged report but the HTML error page, which carries no ETag
    assert sum(web.not_modified.values()) - requests_before == len(unchanged) - 1
    assert second.warehouse is None and not second.lake_changed
    assert settings.warehouse.read_bytes() == published and settings.warehouse.stat().st_mtime_ns == stamp
    assert {p: p.read_bytes() for p in settings.lake.rglob("*") if p.is_file()} == lake_files


def test_a_report_republished_at_the_same_url_is_extracted_again(night) -> None:
    corpus, _, settings = night
    run_flow(settings)
    entry = next(e for e in corpus.entries if e.fault == "none")
    revised = generate_report(entry.unit, entry.year, seed=999, catalogue=Catalogue.load(), layout=entry.layout)
    (corpus.site / entry.path).write_bytes(revised.data)
    summary = run_flow(settings)
    outcome = by_report(summary)[(entry.unit.id, entry.year)]
    assert outcome.action == "changed" and outcome.status == "loaded"
    assert [o.action for o in summary.outcomes].count("changed") == 1
    key = ("一般公共预算财政拨款支出决算表", "合计", "小计")
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        value = connection.execute(
            "SELECT value FROM facts WHERE unit_id = ? AND year = ? AND table_name = ? AND line_item = ? "
            "AND column_name = ? AND source_kind = 'table'",
            [entry.unit.id, entry.year, *key],
        ).fetchone()
        shas = connection.execute(
            "SELECT count(*) FROM documents WHERE unit_id = ? AND year = ?", [entry.unit.id, entry.year]
        ).fetchone()
    assert value is not None and value[0] == revised.expected[key]
    assert shas == (2,)  # both versions are on record


def test_a_withdrawn_report_keeps_its_last_good_facts(night) -> None:
    corpus, _, settings = night
    run_flow(settings)
    entry = next(e for e in corpus.entries if e.fault == "none")
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        before = connection.execute(
            "SELECT * FROM facts WHERE unit_id = ? AND year = ? ORDER BY ALL", [entry.unit.id, entry.year]
        ).fetchall()
    (corpus.site / entry.path).unlink()  # the site now answers 404
    summary = run_flow(settings)
    outcome = by_report(summary)[(entry.unit.id, entry.year)]
    assert (outcome.action, outcome.status) == ("withdrawn", "withdrawn") and "HTTP 404" in (outcome.error or "")
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        after = connection.execute(
            "SELECT * FROM facts WHERE unit_id = ? AND year = ? ORDER BY ALL", [entry.unit.id, entry.year]
        ).fetchall()
        statuses = connection.execute(
            "SELECT status FROM documents WHERE unit_id = ? AND year = ? ORDER BY status", [entry.unit.id, entry.year]
        ).fetchall()
    assert after == before and len(before) > 50
    assert statuses == [("loaded",), ("withdrawn",)]


def test_a_document_over_its_time_limit_fails_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    corpus = make_corpus(tmp_path / "corpus", units=2, years=2)
    huge = corpus.entries[0]
    text = (corpus.site / huge.path).read_text(encoding="utf-8")
    # Thousands of table rows, each named apart (cell cleaning is cached: repeated rows would be cheap):
    # a document that takes far longer to read than its limit.
    row = next(line for line in text.splitlines() if line.startswith("2080109\t"))
    code, name, rest = row.split("\t", 2)
    padding = "\n".join(f"{code}\t{name}{index}\t{rest}" for index in range(150000))
    (corpus.site / huge.path).write_text(text.replace(row, padding, 1), encoding="utf-8")
    with GovernmentWeb(corpus.site, max_lifetime=120) as web:
        registry = corpus.write_registry(web.base_url)
        settings = use_env(monkeypatch, settings_env(tmp_path, registry, JUESUAN_DOCUMENT_TIMEOUT="1"))
        started = time.monotonic()
        summary = run_flow(settings)
        elapsed = time.monotonic() - started
    outcomes = by_report(summary)
    slow = outcomes[(huge.unit.id, huge.year)]
    assert (slow.action, slow.status) == ("failed", "failed") and "time limit" in (slow.error or "")
    assert all(o.status == "loaded" for key, o in outcomes.items() if key != (huge.unit.id, huge.year))
    assert elapsed < 60
    documents = lake_of(settings).read_documents()
    assert "time limit" in documents.loc[documents["unit_id"] == huge.unit.id, "error"].dropna().iloc[0]


def test_hook_steps_run_around_the_load_and_their_findings_are_counted(night) -> None:
    _, _, settings = night
    seen: list[tuple[str, bool]] = []

    def validate(context: StepContext) -> StepResult:
        seen.append(("validate", context.settings.warehouse.exists() and context.summary.warehouse is not None))
        return StepResult(name="suites", status="ok", findings=3, detail="3 rounding warnings")

    def mail(context: StepContext) -> StepResult:
        seen.append(("mail", context.summary.warehouse is not None))
        raise JuesuanError("SMTP server refused the message")

    HOOKS.validate.append(Step("suites", validate))
    HOOKS.post_load.append(Step("stewards mail", mail))
    try:
        summary = run_flow(settings)
    finally:
        HOOKS.validate.clear()
        HOOKS.post_load.clear()
    assert seen == [("validate", False), ("mail", True)]  # validation before the load, mail after it
    assert [(s.name, s.status) for s in summary.steps] == [("suites", "ok"), ("stewards mail", "failed")]
    assert summary.findings == 3 and "SMTP server refused" in summary.steps[1].detail
    assert "step suites: ok, 3 finding(s)" in nightly.summary_markdown(summary, settings)


def test_a_validate_step_that_writes_the_lake_forces_the_rebuild(night) -> None:
    _, _, settings = night
    run_flow(settings)
    HOOKS.validate.append(Step("findings", lambda context: StepResult("findings", "ok", lake_changed=True)))
    try:
        summary = run_flow(settings)  # no document changed, but the step did
    finally:
        HOOKS.validate.clear()
    assert summary.counts()["new"] == 0 and summary.warehouse is not None


def test_analysts_reading_the_old_warehouse_are_never_blocked(night) -> None:
    corpus, _, settings = night
    run_flow(settings)
    reader = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        old = reader.execute("SELECT count(*), sum(value) FROM facts").fetchone()
        entry = next(e for e in corpus.entries if e.fault == "none")
        revised = generate_report(entry.unit, entry.year, seed=4242, catalogue=Catalogue.load(), layout=entry.layout)
        (corpus.site / entry.path).write_bytes(revised.data)
        summary = run_flow(settings)  # the night rebuilds while the reader holds the published file
        assert summary.warehouse is not None
        assert reader.execute("SELECT count(*), sum(value) FROM facts").fetchone() == old
    finally:
        reader.close()
    with duckdb.connect(str(settings.warehouse), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*), sum(value) FROM facts").fetchone() != old
    assert not [p for p in settings.warehouse.parent.iterdir() if p.name.endswith(".tmp")]


def test_one_run_at_a_time(night) -> None:
    """Re-entrant in one process (``juesuan run`` takes it before its flow does); another process is
    refused at once (tests/test_hardening_run.py)."""
    _, _, settings = night
    with run_lock(settings), run_lock(settings):
        for lock in (settings.data_dir / ".nightly.lock", settings.lake.parent / f".{settings.lake.name}.lock"):
            assert lock.read_text().startswith(f"pid {os.getpid()} ")


RUN_SCRIPT = """
import sys
from juesuan.settings import Settings
from juesuan.flows.nightly import run_flow
run_flow(Settings.from_env())
"""


def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    corpus = make_corpus(tmp_path / "corpus", units=6, years=3, faults={"not-found": 1, "html-200": 1})
    with GovernmentWeb(corpus.site, corpus.faults(), latency=0.1, max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url)
        reference = use_env(monkeypatch, settings_env(tmp_path / "reference", registry, JUESUAN_WORKERS="2"))
        run_flow(reference)
        crashed_env = settings_env(tmp_path / "crashed", registry, JUESUAN_WORKERS="2")
        env = {**os.environ, **crashed_env, "PREFECT_API_URL": prefect_api, "PREFECT_LOGGING_LEVEL": "WARNING"}
        process = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT], env=env)
        facts = tmp_path / "crashed" / "data" / "lake" / "facts"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(facts.glob("year=*/unit_id=*/facts.parquet"))) < 5:
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        written = len(list(facts.glob("year=*/unit_id=*/facts.parquet")))
        assert 5 <= written < len(corpus.entries) - 2  # killed mid-run
        crashed = use_env(monkeypatch, crashed_env)
        rerun = run_flow(crashed)
    assert rerun.counts()["failed"] == 0
    assert warehouse_snapshot(crashed.warehouse) == warehouse_snapshot(reference.warehouse)
    assert not [p for p in (tmp_path / "crashed").rglob("*.tmp")]


def test_the_plain_loop_and_the_flow_agree(night, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, settings = night
    flow_summary = run_flow(settings)
    plain = use_env(monkeypatch, settings_env(tmp_path / "plain", settings.registry))
    plain_summary = run_registry(plain)
    assert [(o.key[:2], o.status, o.facts) for o in plain_summary.outcomes] == [
        (o.key[:2], o.status, o.facts) for o in flow_summary.outcomes
    ]
    assert warehouse_snapshot(plain.warehouse) == warehouse_snapshot(settings.warehouse)


def test_the_schedule_is_two_oclock_shanghai_time(prefect_api: str) -> None:  # noqa: F811
    from juesuan.commands.serve import build_deployment

    deployment = build_deployment("nightly", "0 2 * * *", "Asia/Shanghai")
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "0 2 * * *" and schedule.schedule.timezone == "Asia/Shanghai"
    assert deployment.name == "nightly" and deployment.flow_name == "nightly-ingest"
