"""Issue 13.6: ``juesuan query`` reads the warehouse and nothing else, and writes nothing.

Every probe of the issue through the real command (a child process whose environment holds an SMTP
password) and through :func:`connect_readonly`: no file read (``read_text`` of ``/proc/self/environ``,
``read_csv``, ``read_blob``, ``glob``), no file written (``log_query_path``, ``profiling_output``,
``enable_logging(storage='file')``, ``COPY``), no extension installed or loaded, no Python variable
read as a table — while the warehouse build still reads the lake.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from lake_fixtures import build_sample_warehouse

from juesuan.errors import WarehouseError
from juesuan.warehouse.query import connect_readonly, run_query

JUESUAN = str(Path(sys.executable).parent / "juesuan")
SECRET = "s3cr3t-smtp-pa55word"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("warehouse"))


def query(warehouse: Path, sql: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUESUAN_")}
    env.update(JUESUAN_SMTP_PASSWORD=SECRET, JUESUAN_SMTP_TLS="ssl", JUESUAN_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [JUESUAN, "query", sql, "--warehouse", str(warehouse), "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_reading_the_process_environment_is_refused(built: Path, tmp_path: Path) -> None:
    """Through the command, whose environment holds the SMTP password (/proc shows it from the start)."""
    for sql in (
        "SELECT content FROM read_text('/proc/self/environ')",
        "SELECT * FROM read_csv('/proc/self/environ', sep = '\\0', header = false)",
    ):
        result = query(built, sql, tmp_path)
        assert result.returncode == 1, result.stdout
        assert SECRET not in result.stdout + result.stderr
        assert "file system operations are disabled" in result.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "SET log_query_path = '{out}'; SELECT 42",
        "SELECT set_config('log_query_path', '{out}'); SELECT 42",
        "CALL enable_logging(storage = 'file', storage_path = '{out}'); SELECT 42",
        "PRAGMA enable_profiling = 'json'; SET profiling_output = '{out}'; SELECT 42",
        "COPY (SELECT 'owned') TO '{out}'",
        "EXPORT DATABASE '{out}'",
        "ATTACH '{out}' AS mine",
    ],
)
def test_no_statement_writes_a_file(built: Path, tmp_path: Path, sql: str) -> None:
    out = tmp_path / "written"
    with pytest.raises(WarehouseError):
        run_query(built, sql.format(out=out))
    assert not out.exists() and not list(tmp_path.iterdir())


def test_the_command_writes_no_file_either(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "written.log"
    result = query(built, f"SET log_query_path = '{out}'; SELECT 42", tmp_path)
    assert result.returncode == 1 and not out.exists()


def test_no_file_is_read_or_listed(built: Path, tmp_path: Path) -> None:
    marker = tmp_path / "private.csv"
    marker.write_text("secret\nmarker-7f3a\n", encoding="utf-8")
    for sql in (
        f"SELECT * FROM read_csv('{marker}')",
        f"SELECT * FROM '{marker}'",
        f"SELECT * FROM glob('{tmp_path}/*')",
        f"SELECT * FROM read_text('{marker}')",
        f"SELECT * FROM read_blob('{marker}')",
        f"SELECT * FROM sniff_csv('{marker}')",
    ):
        with pytest.raises(WarehouseError, match="file system operations are disabled") as caught:
            run_query(built, sql)
        assert "marker-7f3a" not in str(caught.value)


def test_no_extension_is_installed_or_loaded(built: Path) -> None:
    for sql in ("INSTALL httpfs", "LOAD httpfs", "SELECT * FROM read_csv('https://example.org/a.csv')"):
        with pytest.raises(WarehouseError):
            run_query(built, sql)


def test_the_configuration_is_locked(built: Path) -> None:
    connection = connect_readonly(built)
    try:
        for sql in ("SET enable_external_access = true", "RESET lock_configuration", "SET threads = 64"):
            with pytest.raises(duckdb.Error, match="locked"):
                connection.execute(sql)
        settings = dict(
            connection.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('enable_external_access', 'lock_configuration', 'autoload_known_extensions', "
                "'autoinstall_known_extensions', 'temp_directory')"
            ).fetchall()
        )
    finally:
        connection.close()
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
        "temp_directory": "",
    }


def test_python_variables_are_no_tables(built: Path) -> None:
    passwords = pd.DataFrame({"password": [SECRET]})  # noqa: F841 (what a replacement scan would find)
    connection = connect_readonly(built)
    try:
        with pytest.raises(duckdb.Error):
            connection.sql("SELECT * FROM passwords").fetchall()
    finally:
        connection.close()


def test_reading_the_warehouse_still_works(built: Path, tmp_path: Path) -> None:
    result = query(built, "SELECT count(*) AS n FROM facts; ", tmp_path)
    assert result.returncode == 0 and int(result.stdout.splitlines()[1]) > 0
    frame = run_query(
        built, "SET VARIABLE unit = 'datong-sic'; SELECT count(*) AS n FROM facts WHERE unit_id = getvariable('unit')"
    )
    assert int(frame["n"].iloc[0]) > 0
    assert not run_query(built, "PRAGMA table_info('facts')").empty
