"""Shared by the flow and scale-out tests: one Prefect test server per pytest process, small corpora.

``prefect_test_harness`` starts a real Prefect server (about 15 s): it is entered once, on first
use, and left at exit, so every flow test of the session shares it. (This module holds no tests.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import pytest

from juesuan.settings import Settings
from juesuan.simulate.corpus import Corpus, generate_corpus

_HARNESS: list[AbstractContextManager[None]] = []
_USERS: list[str] = []


def start_prefect_test_server() -> str:
    """The test server's API URL (started on first call)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    if not _HARNESS:
        os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
        harness = prefect_test_harness(server_startup_timeout=180)
        harness.__enter__()
        _HARNESS.append(harness)
    return str(PREFECT_API_URL.value())


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """Shared by every module that imports it: the server stops when the last of them is done."""
    url = start_prefect_test_server()
    _USERS.append(url)
    yield url
    _USERS.pop()
    if not _USERS and _HARNESS:
        _HARNESS.pop().__exit__(None, None, None)


def make_corpus(root: Path, **options: object) -> Corpus:
    defaults: dict[str, object] = {"units": 3, "years": 2, "seed": 7}
    defaults.update(options)
    return generate_corpus(root, **defaults)  # type: ignore[arg-type]


def settings_env(root: Path, registry: Path, **extra: str) -> dict[str, str]:
    """Environment for a run: data under ``root``, fast retries, no politeness delay."""
    env = {
        "JUESUAN_DATA_DIR": str(root / "data"),
        "JUESUAN_REGISTRY": str(registry),
        "JUESUAN_FETCH_TIMEOUT": "2",
        "JUESUAN_FETCH_RETRIES": "2",
        "JUESUAN_FETCH_BACKOFF": "0.05",
        "JUESUAN_FETCH_DELAY": "0",
        "JUESUAN_WORKERS": "3",
    }
    env.update(extra)
    return env


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


TABLES_COMPARED = ("facts", "code_repairs", "parsed_tables", "units", "subjects")


def warehouse_snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every contract table row for row (documents without their fetch timestamps)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        snapshot = {
            name: connection.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in TABLES_COMPARED
        }
        snapshot["documents"] = connection.execute(
            "SELECT * EXCLUDE (fetched_at) FROM documents ORDER BY ALL"
        ).fetchall()
    return snapshot
