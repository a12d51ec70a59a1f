"""Scale-out: the per-document tasks on a Dask cluster (a local ``distributed.LocalCluster``), and the
lake on S3 (a real S3-compatible server on loopback, moto's) read back by DuckDB for the warehouse, with
the night's identity findings written into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from test_flow_support import (  # noqa: F401  (prefect_api is a fixture)
    make_corpus,
    prefect_api,
    settings_env,
    use_env,
    warehouse_snapshot,
)
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import JuesuanError
from juesuan.expectations.findings import read_findings, write_findings
from juesuan.flows.nightly import run_flow, task_runner_for
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> str:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    return s3_endpoint


def make_bucket(endpoint: str, name: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)


def test_a_small_local_cluster_run_equals_the_plain_loop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    from distributed import LocalCluster

    corpus = make_corpus(tmp_path / "corpus", units=3, years=2, faults={"gone": 1, "flaky": 1})
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # the workers report their task runs there
    with (
        GovernmentWeb(corpus.site, corpus.faults(), max_lifetime=300) as web,
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
    ):
        registry = corpus.write_registry(web.base_url)
        plain = use_env(monkeypatch, settings_env(tmp_path / "plain", registry))
        run_registry(plain)
        dask = use_env(monkeypatch, settings_env(tmp_path / "dask", registry))
        summary = run_flow(dask, dask_address=cluster.scheduler_address)
    assert [o.status for o in summary.outcomes] == [e.expected_status for e in corpus.entries]
    assert warehouse_snapshot(dask.warehouse) == warehouse_snapshot(plain.warehouse)


def test_the_task_runner_is_bounded_or_dask() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    runner = task_runner_for(Settings(workers=3))
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 3
    with pytest.raises(ValueError, match="workers must be at least 1"):
        task_runner_for(Settings(workers=0))
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert isinstance(task_runner_for(Settings(), "tcp://127.0.0.1:8786"), DaskTaskRunner)
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(JuesuanError, match="PREFECT_API_URL"):
        task_runner_for(Settings(dask_address="tcp://127.0.0.1:8786"))


def test_lake_on_an_object_store_writes_once_and_reads_back(aws: str) -> None:
    make_bucket(aws, "unit-lake")
    lake = Lake("s3://unit-lake/lake", {"client_kwargs": {"endpoint_url": aws}})
    table = pa.table({"a": [1, 2, 3]})
    assert lake.put_table(table, "units.parquet") is True
    assert lake.put_table(table, "units.parquet") is False  # same bytes: nothing written
    assert lake.read_table("units.parquet") == table and lake.exists("units.parquet")
    assert lake.files("*.parquet") == ["units.parquet"]
    # Findings of a report that left the lake are removed from the object store too.
    written = write_findings(lake, [("c00-sic", 2023), ("c01-sic", 2023)], [])
    assert written == [
        f"s3://unit-lake/lake/identity_findings/year=2023/unit_id={u}/identity_findings.parquet"
        for u in ("c00-sic", "c01-sic")
    ]
    write_findings(lake, [("c01-sic", 2023)], [])
    assert lake.files("identity_findings/year=*/unit_id=*/*.parquet") == [
        "identity_findings/year=2023/unit_id=c01-sic/identity_findings.parquet"
    ]
    assert read_findings(lake).empty
    with pytest.raises(ValueError, match="not on the local disk"):
        _ = lake.root
    assert lake.remove_stale_temporaries() == []


def test_the_whole_night_on_s3(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    aws: str,
    prefect_api: str,  # noqa: F811
) -> None:
    make_bucket(aws, "juesuan")
    corpus = make_corpus(tmp_path / "corpus", units=2, years=2, faults={"not-found": 1}, errors={"class-sum": 1})
    with GovernmentWeb(corpus.site, corpus.faults(), max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url)
        local = use_env(monkeypatch, settings_env(tmp_path / "local", registry))
        run_registry(local)
        remote_env = settings_env(
            tmp_path / "s3",
            registry,
            JUESUAN_LAKE_URL="s3://juesuan/lake",
            JUESUAN_RAW_STORE_URL="s3://juesuan/raw",
            JUESUAN_S3_ENDPOINT_URL=aws,
        )
        remote = use_env(monkeypatch, remote_env)
        first = run_flow(remote, default_steps=True)
        second = run_flow(remote, default_steps=True)
    assert first.counts()["new"] == 3 and first.counts()["withdrawn"] == 1
    assert second.counts()["unchanged"] == 3 and second.warehouse is None
    suites = {s.name: s for s in first.steps}["identity suites"]
    assert suites.status == "ok" and suites.findings > 0, suites
    assert {s.name: s for s in second.steps}["identity suites"].detail.startswith("nothing changed tonight")
    assert not (tmp_path / "s3" / "data" / "lake").exists()  # nothing of the lake on the local disk
    assert warehouse_snapshot(remote.warehouse) == warehouse_snapshot(local.warehouse)
    lake = Lake("s3://juesuan/lake", {"client_kwargs": {"endpoint_url": aws}})
    assert len(lake.fs.glob("s3://juesuan/lake/facts/year=*/unit_id=*/facts.parquet")) == 3
    assert len(lake.fs.glob("s3://juesuan/raw/*/*")) == 3
    warehouse = duckdb.connect(str(remote.warehouse), read_only=True)
    assert warehouse.execute("SELECT count(*) FROM facts").fetchall() == [(len(lake.read_facts()),)]
    # The findings live in the S3 lake, one partition per loaded report, and reach the warehouse from there.
    assert len(lake.files("identity_findings/year=*/unit_id=*/identity_findings.parquet")) == 3
    stored = read_findings(lake)
    assert set(stored["run_id"]) == {first.flow_run_id}
    not_passed = stored[stored["severity"] != "passed"]
    assert len(not_passed) == suites.findings
    shown = warehouse.execute("SELECT unit_id, year, check_id, severity FROM identity_findings ORDER BY ALL").fetchall()
    assert shown == sorted(not_passed[["unit_id", "year", "check_id", "severity"]].itertuples(index=False, name=None))
    (broken,) = [e for e in corpus.entries if e.errors]
    errors = warehouse.execute(
        "SELECT DISTINCT table_name FROM identity_findings WHERE severity = 'error' AND unit_id = ? AND year = ?",
        [broken.unit.id, broken.year],
    ).fetchall()
    assert (broken.errors[0].table_name,) in errors
    warehouse.close()

    # The stand-alone command validates the same S3 lake and rebuilds the warehouse from it.
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 3, result.output  # the injected error reaches the default --fail-on error
    revalidated = read_findings(lake)
    assert set(revalidated["run_id"]) - {first.flow_run_id}, "juesuan validate wrote no findings of its own run"
    with duckdb.connect(str(remote.warehouse), read_only=True) as rebuilt:
        assert rebuilt.execute("SELECT count(*) FROM facts").fetchall() == [(len(lake.read_facts()),)]
