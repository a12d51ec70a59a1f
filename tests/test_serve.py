"""`juesuan serve` end to end: the real command against a real Prefect server, a run triggered through it.

The test server of ``prefect_test_harness`` stands in for ``prefect server start``. ``juesuan serve``
runs as its own process, as an operator starts it; the test waits for the deployment to appear with
its schedule, asks the server for a run of it (what the scheduler does at 02:00) and waits until the
serving process has run the night: facts in the warehouse, every step done.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from registry_fixtures import ReportEntry, UnitEntry, registry_toml
from test_flow_support import prefect_api, settings_env  # noqa: F401  (prefect_api is a fixture)

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "reports" / "docx" / "jincheng-hrss_2023.docx"
DEPLOYMENT = "nightly-ingest/e2e"
REGISTRY = registry_toml(UnitEntry("jincheng-hrss", [ReportEntry(2023, "jincheng-hrss_2023.docx", "docx")]))


@pytest.fixture
def served(prefect_api: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:  # noqa: F811
    shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    env = {**os.environ, **settings_env(tmp_path, registry), "PREFECT_API_URL": prefect_api}
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = "1"  # pick the run up within a second, not ten
    log = (tmp_path / "serve.log").open("wb")
    command = [str(Path(sys.executable).parent / "juesuan"), "serve", "--name", "e2e"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        yield process, tmp_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _deployment(client: object, process: subprocess.Popen[bytes], log: Path) -> object:
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"juesuan serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            return client.read_deployment_by_name(DEPLOYMENT)  # type: ignore[attr-defined]
        except ObjectNotFound:
            time.sleep(0.5)
    pytest.fail(f"no deployment {DEPLOYMENT} after 120 s:\n{log.read_text(errors='replace')}")


@pytest.mark.timeout(400)
def test_served_deployment_is_scheduled_and_runs_the_night(served: tuple[subprocess.Popen[bytes], Path]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    process, root = served
    log = root / "serve.log"
    with get_client(sync_client=True) as client:
        deployment = _deployment(client, process, log)
        schedules = [s.schedule for s in deployment.schedules]  # type: ignore[attr-defined]
        assert [(s.cron, s.timezone) for s in schedules] == [("0 2 * * *", "Asia/Shanghai")]
        assert deployment.parameters == {"default_steps": True}  # type: ignore[attr-defined]

    run = run_deployment(DEPLOYMENT, timeout=300, poll_interval=1)
    assert run.state is not None and run.state.is_completed(), (run.state, log.read_text(errors="replace"))

    warehouse = root / "data" / "juesuan.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        facts = con.execute("SELECT count(*) FROM facts WHERE unit_id = 'jincheng-hrss' AND year = 2023").fetchone()
        suites = con.execute("SELECT count(*) FROM identity_summary WHERE unit_id = 'jincheng-hrss'").fetchone()
    assert facts is not None and facts[0] > 100
    assert suites is not None and suites[0] > 0
    assert list((root / "data" / "reports").glob("run-*.html")), "the run report was not written"
