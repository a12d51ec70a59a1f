"""The command line end to end on the five real reports, plus the README's promises."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.contract import FACT_COLUMNS

PROJECT = Path(__file__).resolve().parent.parent
REGISTRY = PROJECT / "registry" / "units.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    corpus.path("datong-sic")  # skip (or fail in CI) without the corpus
    data = tmp_path_factory.mktemp("data")
    result = runner.invoke(
        app,
        ["run", "--registry", str(REGISTRY), "--lake", str(data / "lake"), "--warehouse", str(data / "w.duckdb")],
        env={"JUESUAN_DATA_DIR": str(data)},
    )
    assert result.exit_code == 0, result.output
    for unit in ("datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic"):
        assert unit in result.output
    assert "quarantined" not in result.output
    # The real night's steps ran around the load: suites before it, mail and report after it.
    assert "identity suites: ok" in result.output and "0 error(s)" in result.output
    assert "stewards mail: ok 5 message(s) delivered" in result.output
    assert sorted(p.name for p in (data / "outbox").rglob("*.eml")) == sorted(
        f"{unit}.steward@example.org.eml" for unit in ("datong", "dazhu", "chaoyang", "jincheng", "wuhai")
    )
    assert (data / "reports" / "latest.html").exists()
    return data / "w.duckdb"


def test_the_run_loaded_the_identity_findings(warehouse: Path) -> None:
    output = invoke(
        "query", "SELECT unit_id, errors, rounding FROM identity_summary ORDER BY unit_id",
        "--warehouse", str(warehouse), "--format", "csv",
    )  # fmt: skip
    rows = [line.split(",") for line in output.strip().splitlines()[1:]]
    assert [r[0] for r in rows] == ["chaoyang-sic", "datong-sic", "dazhu-sic", "jincheng-hrss", "wuhai-sic"]
    assert all(r[1] == "0" and int(r[2]) > 0 for r in rows)  # the known rounding cases, no error


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout  # notes (mixed years …) go to stderr


def test_compare_208_lists_all_five_units(warehouse: Path) -> None:
    output = invoke(
        "compare", "--subject", "208", "--table", "一般公共预算财政拨款支出决算表", "--column", "小计",
        "--warehouse", str(warehouse), "--format", "csv",
    )  # fmt: skip
    header, *lines = output.strip().splitlines()
    assert header.split(",")[:4] == ["unit_id", "unit_name", "year", "value"]
    rows = {line.split(",")[0]: line.split(",") for line in lines}
    expected = {
        "datong-sic": "5347.00",
        "dazhu-sic": "607.08",
        "chaoyang-sic": "1968.11",
        "jincheng-hrss": "389.81",
        "wuhai-sic": "1888.42",
    }
    assert set(rows) == set(expected)
    assert {unit: Decimal(row[3]) for unit, row in rows.items()} == {u: Decimal(v) for u, v in expected.items()}
    assert rows["dazhu-sic"][4] == "narrative" and rows["datong-sic"][4] == "table"


def test_compare_2080109_shows_jincheng_as_not_reported(warehouse: Path) -> None:
    output = invoke("compare", "--subject", "2080109", "--warehouse", str(warehouse), "--format", "json")
    rows = {row["unit_id"]: row for row in json.loads(output)}
    assert rows["jincheng-hrss"]["status"] == "not reported"
    assert rows["jincheng-hrss"]["value"] is None
    assert rows["datong-sic"]["status"] == "reported"


def test_compare_table_output_is_readable(warehouse: Path) -> None:
    output = invoke("compare", "--subject", "208", "--warehouse", str(warehouse))
    assert "5,347.00" in output and "not reported" not in output


def test_query_is_read_only(warehouse: Path) -> None:
    output = invoke("query", "SELECT count(*) AS n FROM units", "--warehouse", str(warehouse), "--format", "csv")
    assert output.strip().splitlines() == ["n", "5"]
    result = runner.invoke(app, ["query", "DROP TABLE raw_units", "--warehouse", str(warehouse)])
    assert result.exit_code == 1 and "Error:" in result.output


def test_extract_writes_contract_facts_and_a_summary(tmp_path: Path, corpus: type) -> None:
    out = tmp_path / "datong.parquet"
    output = invoke("extract", str(corpus.path("datong-sic")), "--registry", str(REGISTRY), "-o", str(out))
    assert "datong-sic 2023" in output
    assert "收入决算表" in output and "情况说明" in output and "unrecognised" in output
    table = pq.read_table(out)
    assert tuple(table.column_names) == FACT_COLUMNS
    assert set(table.column("unit_id").to_pylist()) == {"datong-sic"}
    assert "restated by the report not written" in output


def test_extract_keeps_the_previous_years_figures_on_request(tmp_path: Path, corpus: type) -> None:
    out, prior = tmp_path / "datong.parquet", tmp_path / "datong-2022.parquet"
    source = str(corpus.path("datong-sic"))
    output = invoke("extract", source, "--registry", str(REGISTRY), "-o", str(out), "--prior-year-output", str(prior))
    restated = pq.read_table(prior)
    assert set(restated.column("year").to_pylist()) == {2022}
    assert f"{restated.num_rows} figures of 2022 restated by the report written to" in output
    # 大同 2023: 收入总计 5,570.34 万元, 81.98% more than the year before → 3,060.90 (see docs/analysts.md).
    income = {
        row["table_name"]: round(float(row["value"]), 2)
        for row in restated.to_pylist()
        if row["line_item"] == "收入总计"
    }
    assert income == {"收入支出决算总表": 3060.90, "财政拨款收入支出决算总表": 3060.66}


def test_extract_bad_file_is_one_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["extract", str(bad), "--unit-id", "datong-sic", "--year", "2023", "-o", "x.parquet"])
    assert result.exit_code == 1
    assert "Error:" in result.output and str(bad) in result.output and "empty file" in result.output
    assert "Traceback" not in result.output


def test_bad_format_option_lists_the_allowed_ones(warehouse: Path) -> None:
    result = runner.invoke(app, ["query", "SELECT 1", "--warehouse", str(warehouse), "--format", "xml"])
    assert result.exit_code == 1 and "allowed: table, csv, json, markdown" in result.output


def test_missing_warehouse_says_how_to_make_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "juesuan run" in result.output


def commands() -> list[str]:
    return sorted(command.name or command.callback.__name__ for command in app.registered_commands)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", commands())
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"juesuan {command}" in readme, f"`juesuan {command}` is not documented in README.md"


def test_readme_set_up_commands_are_what_ci_runs() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in ci
