"""The GX side: the stored context matches the suite definitions, the expectation-count guard trips
when expectations go missing, and a real run over the corpus writes findings, Data Docs and the
warehouse views — with an altered copy of a report reported as an error and cleared on restore."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from identity_helpers import replace_in_sentence
from lake_fixtures import UNREAD_INCOME_PAGES, UNREAD_INCOME_REASON, write_report_with_unread_income
from registry_fixtures import ReportEntry, UnitEntry, registry_toml
from typer.testing import CliRunner

from juesuan import contract as c
from juesuan.cli import app
from juesuan.expectations.findings import DATASET, read_findings
from juesuan.expectations.runner import ExpectationCountError, validate_checks, validate_lake
from juesuan.expectations.suites import CONTEXT_ROOT, build_suite, expected_counts, suite_name
from juesuan.flows.pipeline import run_registry
from juesuan.lake import Lake
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.transform.identities import ERROR, FAMILIES, NOT_CHECKABLE, PASSED, RULES_BY_ID
from juesuan.warehouse.build import build_warehouse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UNITS = {
    "datong-sic": ("大同市社会保险中心", "参公事业单位", "datong_2023.txt", 2023),
    "dazhu-sic": ("大竹县社会保险事业管理局", "参公事业单位", "dazhu_2023.txt", 2023),
    "chaoyang-sic": ("辽宁省朝阳市社会保险事业服务中心", "事业单位", "chaoyang_2024.txt", 2024),
    "jincheng-hrss": ("晋城市人力资源和社会保障综合服务中心", "事业单位", "jincheng_2023.txt", 2023),
    "wuhai-sic": ("乌海市社会保险事业服务中心", "事业单位", "wuhai_2024.txt", 2024),
}


def _comparable(expectation: dict) -> dict:
    """An expectation as stored, without the ids GX generates anew on every scaffold."""
    return {key: value for key, value in expectation.items() if key != "id"}


def test_stored_suites_match_their_definitions() -> None:
    for family in FAMILIES:
        stored = json.loads((CONTEXT_ROOT / "suites" / f"{suite_name(family)}.json").read_text(encoding="utf-8"))
        defined = json.loads(json.dumps(build_suite(family).to_json_dict()))
        assert [_comparable(e) for e in stored["expectations"]] == [_comparable(e) for e in defined["expectations"]]
    assert expected_counts() == {
        "identities_within_table": 1 + 3 * (6 + 5),  # R01–R06, B01–B05
        "identities_across_tables": 1 + 3 * (6 + 5),  # R07–R12, B06–B10
        "identities_table_vs_narrative": 1 + 3 * (1 + 1),  # R13, B11
        "identities_narrative_claims": 1 + 3 * 3,
        "identities_structure": 1 + 3 * 3,
        "identities_hygiene": 1 + 3 * 6,
        "identities_across_years": 1 + 3 * (3 + 1),  # R26–R28, B12
        "identities_performance": 1 + 3 * 3,
    }


def test_stored_context_keeps_run_state_out_of_the_source_tree() -> None:
    config = (CONTEXT_ROOT / "great_expectations.yml").read_text(encoding="utf-8")
    assert "${juesuan_validation_results}" in config and "${juesuan_data_docs}" in config
    assert "analytics_enabled: false" in config
    checkpoint = json.loads((CONTEXT_ROOT / "checkpoints" / "identities.json").read_text(encoding="utf-8"))
    assert [a["type"] for a in checkpoint["actions"]] == ["update_data_docs"]
    assert len(checkpoint["validation_definitions"]) == len(FAMILIES)


def _few_checks() -> list:
    from identity_helpers import T, report

    rows = [
        (c.EXPENDITURE, None, "合计", "本年支出合计", "100", T),
        (c.EXPENDITURE, None, "合计", "基本支出", "70", T),
        (c.EXPENDITURE, None, "合计", "项目支出", "30", T),
    ]
    return list(RULES_BY_ID["R03"].checks(report(rows)))


def test_guard_trips_when_a_stored_expectation_type_is_unknown(tmp_path: Path) -> None:
    """GX drops an expectation whose class it does not know and would pass; the guard refuses."""
    root = tmp_path / "context"
    shutil.copytree(CONTEXT_ROOT, root, ignore=shutil.ignore_patterns("*.py", "__pycache__", "uncommitted"))
    suite_file = root / "suites" / "identities_within_table.json"
    suite = json.loads(suite_file.read_text(encoding="utf-8"))
    suite["expectations"][1]["type"] = "expect_identity_that_nobody_defined"
    suite_file.write_text(json.dumps(suite), encoding="utf-8")
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")})
    dropped = expected_counts()["identities_within_table"] - 1
    with pytest.raises(ExpectationCountError, match=rf"loaded .*identities_within_table': {dropped}\b"):
        validate_checks(_few_checks(), settings, "guard", context_root=root)


def test_guard_trips_when_the_custom_classes_are_not_imported(tmp_path: Path) -> None:
    """In a fresh interpreter that loads the context with plain GX, the custom expectations vanish."""
    script = textwrap.dedent(
        f"""
        import great_expectations as gx
        context = gx.get_context(
            context_root_dir={str(CONTEXT_ROOT)!r},
            runtime_environment={{"juesuan_validation_results": {str(tmp_path / "v")!r},
                                 "juesuan_data_docs": {str(tmp_path / "d")!r}}},
        )
        checkpoint = context.checkpoints.get("identities")
        print({{vd.suite.name: len(vd.suite.expectations) for vd in checkpoint.validation_definitions}})
        from juesuan.expectations.runner import ExpectationCountError, _guard_loaded
        from juesuan.expectations.suites import expected_counts
        try:
            _guard_loaded(checkpoint, expected_counts())
        except ExpectationCountError as exc:
            print("GUARD:", exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=True)
    assert "'identities_within_table': 1," in done.stdout  # only the built-in family guard survived
    assert "GUARD: the stored suites do not hold the expectations they define" in done.stdout


# --- a real run over the corpus --------------------------------------------------------------------------------
def _registry_text(reports: Path) -> str:
    blocks = []
    for unit_id, (name, kind, file, year) in UNITS.items():
        blocks.append(
            textwrap.dedent(
                f"""
                [[unit]]
                id = "{unit_id}"
                name = "{name}"
                province = "省"
                city = "市"
                level = "市级"
                kind = "{kind}"
                stewards = ["{unit_id}@example.org", "all@example.org"]

                [[unit.report]]
                year = {year}
                url = "{reports / file}"
                """
            )
        )
    return "\n".join(blocks)


@pytest.fixture
def workspace(tmp_path: Path, corpus: type) -> Settings:
    reports = tmp_path / "reports"
    reports.mkdir()
    for unit_id, (_name, _kind, file, _year) in UNITS.items():
        shutil.copy(corpus.path(unit_id), reports / file)
    (tmp_path / "units.toml").write_text(_registry_text(reports), encoding="utf-8")
    return Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(
        registry=tmp_path / "units.toml"
    )


@pytest.mark.corpus
def test_validate_lake_writes_findings_data_docs_and_warehouse_views(workspace: Settings) -> None:
    run_registry(workspace)
    registry = load_registry(workspace.registry)
    summary = validate_lake(workspace, registry, "run-1")

    assert summary.expectations_run == expected_counts()
    assert not summary.fails("error")
    assert summary.data_docs_index is not None and summary.data_docs_index.is_file()
    pages = list((workspace.data_docs / "validations").rglob("*.html"))
    assert len(pages) == len(FAMILIES)
    assert any("chaoyang-sic/2024/R07" in page.read_text(encoding="utf-8") for page in pages)
    assert not (CONTEXT_ROOT / "uncommitted").exists()

    partitions = sorted(workspace.lake.glob(f"{DATASET}/year=*/unit_id=*/{DATASET}.parquet"))
    assert len(partitions) == len(UNITS)
    stored = read_findings(workspace.lake)
    assert len(stored) == len(summary.findings) and set(stored["run_id"]) == {"run-1"}
    assert str(pq.read_schema(partitions[0]).field("difference").type) == "decimal128(20, 6)"

    build_warehouse(workspace.lake, workspace.warehouse)
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        summary_rows = connection.execute(
            "SELECT unit_id, year, checks, passed, rounding, warnings, errors, not_checkable FROM identity_summary "
            "ORDER BY unit_id"
        ).fetchall()
        rounding = connection.execute(
            "SELECT left_value, right_value, difference, severity, left_document_sha256 FROM identity_findings "
            "WHERE unit_id = 'chaoyang-sic' AND rule_id = 'R07' AND subject_code = '208'"
        ).fetchall()
        shown = connection.execute("SELECT count(*) FROM identity_findings").fetchone()
        uncommented = connection.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name LIKE '%identity%' AND comment IS NULL"
        ).fetchone()
    expected_rows = sorted(
        (r.unit_id, r.year, r.checks, r.passed, r.rounding, r.warnings, r.errors, r.not_checkable)
        for r in summary.counts()
    )
    assert summary_rows == expected_rows
    assert rounding[0][:4] == (Decimal("1968.100000"), Decimal("1968.110000"), Decimal("-0.010000"), "rounding")
    assert len(rounding[0][4]) == 64
    assert shown == (sum(1 for f in summary.findings if f.severity != PASSED),)
    assert uncommented == (0,)


@pytest.mark.corpus
def test_a_broken_report_is_an_error_in_the_warehouse_and_clears_when_restored(workspace: Settings) -> None:
    """Acceptance, independently of the rule unit tests: the real pipeline over an altered copy."""
    datong = workspace.registry.parent / "reports" / "datong_2023.txt"
    original = datong.read_text(encoding="utf-8")
    datong.write_text(replace_in_sentence(original, "公用经费117.49万元", "公用经费127.49万元"), encoding="utf-8")
    run_registry(workspace)
    registry = load_registry(workspace.registry)
    broken = validate_lake(workspace, registry, "broken")
    build_warehouse(workspace.lake, workspace.warehouse)
    query = (
        "SELECT rule_id, table_name, line_item, column_name, left_value, right_value FROM identity_findings "
        "WHERE severity = 'error' ORDER BY ALL"
    )
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        errors = connection.execute(query).fetchall()
    assert errors == [("R13", c.BASIC, "公用经费合计", "决算数", Decimal("127.490000"), Decimal("117.490000"))]
    assert broken.fails("error")

    datong.write_text(original, encoding="utf-8")
    run_registry(workspace)
    restored = validate_lake(workspace, registry, "restored")
    build_warehouse(workspace.lake, workspace.warehouse)
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        assert connection.execute(query).fetchall() == []
        assert connection.execute("SELECT DISTINCT run_id FROM identity_findings").fetchall() == [("restored",)]
    assert not restored.fails("error")
    assert {f.severity for f in restored.findings} != {ERROR}


@pytest.mark.corpus
def test_cli_validate_prints_the_summary_and_sets_the_exit_status(workspace: Settings) -> None:
    run_registry(workspace)
    env = {"JUESUAN_DATA_DIR": str(workspace.data_dir), "JUESUAN_REGISTRY": str(workspace.registry)}
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", "--run-id", "cli-1"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "juesuan validate — run cli-1" in ok.output and "wuhai-sic" in ok.output
    strict = runner.invoke(app, ["validate", "--fail-on", "rounding", "--show", "3"], env=env)
    assert strict.exit_code == 3, strict.output
    assert "findings, worst first (3 of" in strict.output
    bad = runner.invoke(app, ["validate", "--fail-on", "everything"], env=env)
    assert bad.exit_code == 1
    assert "invalid --fail-on: 'everything' (allowed: error, warning, rounding)" in bad.output
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM identity_summary").fetchone() == (len(UNITS),)


def test_validate_lake_reads_which_tables_were_not_read_reliably(tmp_path: Path) -> None:
    """The lake's parsed_tables reach the checks: the misread 收入决算表 gives no error, the genuine one stays;
    ``juesuan validate`` goes the same way and lists the table."""
    (tmp_path / "units.toml").write_text(
        registry_toml(UnitEntry("datong-sic", [ReportEntry(2023, "reports/datong_2023.pdf")], stewards=[])),
        encoding="utf-8",
    )
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")}).with_overrides(
        registry=tmp_path / "units.toml"
    )
    write_report_with_unread_income(Lake(settings.lake))
    summary = validate_lake(settings, load_registry(settings.registry), "unread")

    (unread,) = summary.unreliable_tables
    assert (unread.unit_id, unread.year, unread.table_name, unread.pages, unread.reason) == (
        "datong-sic",
        2023,
        c.INCOME,
        tuple(UNREAD_INCOME_PAGES),
        UNREAD_INCOME_REASON,
    )
    reason = f"{c.INCOME} (pages 7, 8) not read reliably by juesuan: {UNREAD_INCOME_REASON}"
    touching = [f for f in summary.findings if c.INCOME in (f.table_name, f.other_table_name)]
    on_income = [f for f in touching if f.rule_id in {"R02", "R03", "R07", "R10", "R13", "R18"}]
    assert {f.rule_id for f in on_income} == {"R02", "R03", "R07", "R10", "R13", "R18"}  # R18: its empty-table note
    assert all(f.severity == NOT_CHECKABLE and reason in f.message for f in on_income)
    # The rest only say the table is there (R17, the template's tables): nothing that needs its figures.
    assert {(f.rule_id, f.severity) for f in touching if f not in on_income} == {("R17", PASSED)}
    errors = [(f.rule_id, f.table_name, f.line_item, f.column_name) for f in summary.findings if f.severity == ERROR]
    assert errors == [("R13", c.EXPENDITURE, "合计", "基本支出")]  # the one genuine inconsistency
    stored = read_findings(settings.lake)
    assert sorted(stored[stored["severity"] == ERROR]["check_id"]) == [
        "datong-sic/2023/R13/支出决算表/合计/基本支出/narrative = table"
    ]

    env = {"JUESUAN_DATA_DIR": str(settings.data_dir), "JUESUAN_REGISTRY": str(settings.registry)}
    result = CliRunner().invoke(app, ["validate", "--run-id", "cli-unread"], env=env)
    assert result.exit_code == 3, result.output  # the genuine error
    printed = " ".join(result.output.split())
    assert "1 table(s) juesuan could not read reliably" in printed
    assert f"datong-sic 2023: {reason}" in printed
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        assert connection.execute(
            "SELECT rule_id, table_name FROM identity_findings WHERE severity = 'error'"
        ).fetchall() == [("R13", c.EXPENDITURE)]
        assert connection.execute(
            "SELECT count(*) FROM identity_findings "
            "WHERE severity = 'not_checkable' AND message LIKE '%not read reliably%'"
        ).fetchone() == (len(on_income),)


def test_validate_lake_on_an_empty_lake_validates_nothing(tmp_path: Path) -> None:
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path)})
    summary = validate_lake(settings, None, "empty")
    assert summary.findings == [] and summary.reports == []
    assert summary.expectations_run == expected_counts()


def test_project_root_has_no_gx_run_state() -> None:
    assert not (PROJECT_ROOT / "gx").exists()
