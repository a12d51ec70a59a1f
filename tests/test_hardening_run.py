"""Issue 13.3 and 13.4: one writer per lake and warehouse (whatever the data folder), a refusal that
comes at once in one line, no Prefect server outliving a killed run, no temporary warehouse file
left for ever."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from juesuan.runlock import LockBusy, run_lock
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb

PROJECT = Path(__file__).resolve().parent.parent
JUESUAN = str(Path(sys.executable).parent / "juesuan")
SAMPLES = PROJECT / "samples" / "registry.toml"


def settings_for(data: Path, lake: Path, warehouse: Path) -> Settings:
    return Settings(data_dir=data, lake=lake, warehouse=warehouse, registry=SAMPLES)


def cli_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUESUAN_", "PREFECT_API_URL"))}
    env.update({"JUESUAN_DATA_DIR": str(data), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra})
    return env


@pytest.mark.parametrize(
    ("command", "shared"),
    [
        ("run", "lake"),
        ("run", "warehouse"),
        ("validate", "lake"),
    ],
)
def test_a_second_writer_on_the_same_lake_or_warehouse_stops_at_once_in_one_line(
    tmp_path: Path, command: str, shared: str
) -> None:
    first = settings_for(tmp_path / "a", tmp_path / "shared" / "lake", tmp_path / "shared" / "w.duckdb")
    lake = first.lake if shared == "lake" else tmp_path / "b" / "lake"
    warehouse = first.warehouse if shared == "warehouse" else tmp_path / "b" / "w.duckdb"
    args = [JUESUAN, command, "--registry", str(SAMPLES), "--lake", str(lake), "--warehouse", str(warehouse)]
    with run_lock(first):
        started = time.monotonic()
        result = subprocess.run(args, env=cli_env(tmp_path / "b"), capture_output=True, text=True, timeout=120)
        elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr.strip()
    assert f"another juesuan run holds the lock on the {shared}" in message
    assert f"pid {os.getpid()}" in message
    assert "Traceback" not in result.stderr and len(message.splitlines()) == 1
    assert "Starting temporary server" not in result.stderr + result.stdout
    assert elapsed < 30  # imports only: no Prefect server was started, no document read
    assert not (tmp_path / "b" / "lake" / "facts").exists()


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across_processes(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", tmp_path / "lake", tmp_path / "w.duckdb")
    with run_lock(settings), run_lock(settings):
        other = subprocess.run(
            [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=60
        )
        assert "LockBusy" in other.stdout and "another juesuan run holds the lock" in other.stdout
    again = subprocess.run([sys.executable, "-c", HOLD_SCRIPT, str(tmp_path)], capture_output=True, text=True)
    assert again.stdout.strip() == "held", again.stdout + again.stderr


HOLD_SCRIPT = """
import sys
from pathlib import Path
from juesuan.runlock import LockBusy, run_lock
from juesuan.settings import Settings
root = Path(sys.argv[1])
try:
    with run_lock(Settings(data_dir=root / "data", lake=root / "lake", warehouse=root / "w.duckdb")):
        print("held")
except LockBusy as exc:
    print("LockBusy", exc)
"""


def test_temporary_warehouse_files_older_than_the_lock_are_removed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", tmp_path / "lake", tmp_path / "wh" / "w.duckdb")
    (tmp_path / "wh").mkdir()
    stale = tmp_path / "wh" / f".w.duckdb.{uuid.uuid4().hex}.tmp"
    stale_wal = stale.with_name(stale.name + ".wal")
    for path in (stale, stale_wal):
        path.write_bytes(b"half a build")
        old = time.time() - 600
        os.utime(path, (old, old))
    other = tmp_path / "wh" / ".other.duckdb.0123.tmp"  # another warehouse's file: not ours to remove
    other.write_bytes(b"x")
    os.utime(other, (time.time() - 600,) * 2)
    with run_lock(settings):
        fresh = tmp_path / "wh" / f".w.duckdb.{uuid.uuid4().hex}.tmp"  # a build that started under the lock
        fresh.write_bytes(b"building")
        with run_lock(settings):  # re-entered: the lock's time is the first holder's
            pass
        assert fresh.exists()
    assert not stale.exists() and not stale_wal.exists()
    assert other.exists()


def test_lock_busy_is_a_named_error(tmp_path: Path) -> None:
    assert issubclass(LockBusy, Exception)
    settings = settings_for(tmp_path / "data", tmp_path / "lake", tmp_path / "w.duckdb")
    with run_lock(settings):
        assert (tmp_path / ".lake.lock").read_text().startswith(f"pid {os.getpid()} since ")


REPORT = "2023年度单位决算公开\n某市社会保险中心\n".encode()
REGISTRY = """
[[unit]]
id = "mou-sic"
name = "某市社会保险中心"
province = "山西省"
city = "某市"
level = "市级"
stewards = ["a@example.org"]

[[unit.report]]
year = 2023
url = "{url}"
format = "txt"
"""


def test_kill_9_leaves_no_prefect_server_behind(tmp_path: Path) -> None:
    (tmp_path / "site" / "slow").mkdir(parents=True)
    (tmp_path / "site" / "slow" / "2023.txt").write_bytes(REPORT)
    with GovernmentWeb(tmp_path / "site", {"/slow/2023.txt": "timeout"}, hang_seconds=60, max_lifetime=180) as web:
        registry = tmp_path / "units.toml"
        registry.write_text(REGISTRY.format(url=f"{web.base_url}/slow/2023.txt"), encoding="utf-8")
        env = cli_env(
            tmp_path / "data",
            JUESUAN_REGISTRY=str(registry),
            JUESUAN_FETCH_TIMEOUT="90",
            JUESUAN_FETCH_DELAY="0",
            PREFECT_HOME=str(tmp_path / "prefect-home"),
        )
        process = subprocess.Popen([JUESUAN, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parent = psutil.Process(process.pid)
        servers: list[psutil.Process] = []
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and web.requests["/slow/2023.txt"] == 0:
                assert process.poll() is None, "the run ended before it could be killed"
                servers = [c for c in parent.children(recursive=True) if "uvicorn" in " ".join(c.cmdline())]
                time.sleep(0.2)
            assert web.requests["/slow/2023.txt"] >= 1, "the run never fetched its report"
            servers = [c for c in parent.children(recursive=True) if "uvicorn" in " ".join(c.cmdline())] or servers
            assert servers, "no Prefect API server was started for the run"
            process.kill()  # kill -9
            process.wait()
            _gone, alive = psutil.wait_procs(servers, timeout=15)
            assert not alive, f"Prefect's API server outlived the killed run: {[p.pid for p in alive]}"
        finally:
            for server in servers:  # only the processes this test started
                if server.is_running():
                    server.kill()
            if process.poll() is None:
                process.kill()
