"""Rules 26–28: a report against last year's report of its unit, and against its own earlier version.

Two years of a unit go into a real lake (Parquet partitions, the lake's own writer) and through
``validate_lake`` (the GX checkpoint); a revised report arrives through the real pipeline (a registry
entry whose file changes between two runs), so the lake keeps both versions.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from identity_helpers import N, T

from juesuan import contract as c
from juesuan.contract import Fact
from juesuan.expectations.runner import validate_lake
from juesuan.flows.pipeline import run_registry
from juesuan.lake import SUPERSEDED_FACTS, Lake
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.transform.identities import (
    ERROR,
    NOT_CHECKABLE,
    PASSED,
    ROUNDING,
    RULES_BY_ID,
    WARNING,
    compute_checks,
    reports_from_facts,
)
from juesuan.transform.report_evidence import attach_evidence

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UNIT = "datong-sic"


def sha(year: int, version: str = "") -> str:
    return hashlib.sha256(f"{UNIT}/{year}{version}".encode()).hexdigest()


def facts(year: int, rows: list[tuple[str, str, str, str, str]], version: str = "") -> list[Fact]:
    return [
        Fact(
            UNIT,
            year,
            table,
            None,
            line,
            column,
            Decimal(value),
            kind,
            "text-table" if kind == T else "narrative-regex",
            sha(year, version),
            None,
            value,
        )
        for table, line, column, value, kind in rows
    ]


def balances(opening: str, closing: str, fund_closing: str = "") -> list[tuple[str, str, str, str, str]]:
    return [
        (c.TOTALS, "本年收入合计", "金额", "100", T),
        (c.TOTALS, "年初结转和结余", "金额", opening, T),
        (c.TOTALS, "年末结转和结余", "金额", closing, T),
        (c.FISCAL_TOTALS, "年初财政拨款结转和结余（一般公共预算财政拨款）", "金额", opening, T),
        (c.FISCAL_TOTALS, "年末财政拨款结转和结余", "一般公共预算财政拨款", fund_closing or closing, T),
        (c.FISCAL_TOTALS, "年末财政拨款结转和结余", "合计", fund_closing or closing, T),
    ]


def settings_for(tmp_path: Path) -> Settings:
    return Settings.from_env({"JUESUAN_DATA_DIR": str(tmp_path / "data")})


def validated(tmp_path: Path, reports: dict[int, tuple[list[Fact], list[Fact]]]) -> dict[tuple[str, str], str]:
    """The R26–R28 verdicts on the 2024 report, from a real lake (the GX run is tested once, below)."""
    lake = Lake(settings_for(tmp_path).lake)
    for year, (own, restated) in reports.items():
        lake.write_report(UNIT, year, sha(year), own, [], [], prior_year_facts=restated)
    read = reports_from_facts(lake.read_facts())
    attach_evidence(read, lake)
    checks = compute_checks(read, [RULES_BY_ID[rule] for rule in ("R26", "R27", "R28")])
    return {
        (ch.rule_id, f"{ch.table_name}/{ch.line_item}/{ch.column_name}"): ch.expected_severity()
        for ch in checks
        if ch.year == 2024
    }


def test_r26_opening_balance_is_last_years_closing(tmp_path: Path) -> None:
    found = validated(
        tmp_path, {2023: (facts(2023, balances("5", "12.34")), []), 2024: (facts(2024, balances("12.34", "3")), [])}
    )
    assert found[("R26", f"{c.TOTALS}/年初结转和结余/金额")] == PASSED
    assert found[("R26", f"{c.FISCAL_TOTALS}/年初财政拨款结转和结余/金额")] == PASSED
    assert found[("R26", f"{c.FISCAL_TOTALS}/年初财政拨款结转和结余（一般公共预算财政拨款）/金额")] == PASSED
    broken = validated(
        tmp_path / "b",
        {2023: (facts(2023, balances("5", "12.34")), []), 2024: (facts(2024, balances("12.35", "3")), [])},
    )
    assert broken[("R26", f"{c.TOTALS}/年初结转和结余/金额")] == ROUNDING
    wrong = validated(
        tmp_path / "c",
        {2023: (facts(2023, balances("5", "22.34")), []), 2024: (facts(2024, balances("12.34", "3")), [])},
    )
    assert wrong[("R26", f"{c.TOTALS}/年初结转和结余/金额")] == ERROR


def test_r26_names_both_documents_and_without_last_year_is_not_checkable(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    lake = Lake(settings.lake)
    lake.write_report(UNIT, 2023, sha(2023), facts(2023, balances("5", "22.34")), [], [])
    lake.write_report(UNIT, 2024, sha(2024), facts(2024, balances("12.34", "3")), [], [])
    summary = validate_lake(settings, None, "documents", lake)
    (error,) = [f for f in summary.findings if f.rule_id == "R26" and f.severity == ERROR and f.table_name == c.TOTALS]
    assert (error.left_document_sha256, error.right_document_sha256) == (sha(2024), sha(2023))
    assert (error.left_value, error.right_value) == (Decimal("12.34"), Decimal("22.34"))
    (alone,) = [f for f in summary.findings if f.rule_id == "R26" and f.year == 2023]
    assert alone.severity == NOT_CHECKABLE and "2022 is not in the lake" in alone.message


RESTATED = [(c.TOTALS, "收入总计", "金额", "3060.90", N)]  # 大同 2023 restates 2022: 5,570.34 − 2,509.44


def test_r27_restated_figures_equal_what_last_year_published(tmp_path: Path) -> None:
    own_2024 = facts(2024, [(c.TOTALS, "收入总计", "金额", "5570.34", T)])
    restated = [
        Fact(UNIT, 2023, table, None, line, column, Decimal(value), kind, "narrative-regex", sha(2024), None, value)
        for table, line, column, value, kind in RESTATED
    ]
    published = facts(2023, [(c.TOTALS, "收入总计", "金额", "3060.91", T)])
    found = validated(tmp_path, {2023: (published, []), 2024: (own_2024, restated)})
    assert found[("R27", f"{c.TOTALS}/收入总计/金额")] == ROUNDING  # within 0.02: current − change
    other = facts(2023, [(c.TOTALS, "收入总计", "金额", "8079.78", T)])  # as if 减少 had been printed for 增加
    found = validated(tmp_path / "b", {2023: (other, []), 2024: (own_2024, restated)})
    assert found[("R27", f"{c.TOTALS}/收入总计/金额")] == ERROR
    alone = validated(tmp_path / "c", {2024: (own_2024, restated)})
    assert alone[("R27", f"{c.TOTALS}/(2023)/")] == NOT_CHECKABLE


@pytest.mark.corpus
def test_r28_a_report_revised_after_publication_keeps_both_versions(tmp_path: Path, corpus: type) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    target = reports / "datong_2023.txt"
    shutil.copy(corpus.path(UNIT), target)
    registry_text = (PROJECT_ROOT / "registry" / "units.toml").read_text(encoding="utf-8")
    start = registry_text.index('[[unit]]\nid = "datong-sic"')
    end = registry_text.index("[[unit]]", start + 10)
    block = registry_text[start:end]
    url = next(line for line in block.splitlines() if line.startswith("url"))
    (tmp_path / "units.toml").write_text(block.replace(url, 'url = "reports/datong_2023.txt"'), encoding="utf-8")
    settings = settings_for(tmp_path).with_overrides(registry=tmp_path / "units.toml")
    registry = load_registry(settings.registry)
    run_registry(settings)
    assert Lake(settings.lake).partition_keys(SUPERSEDED_FACTS) == set()
    original = target.read_text(encoding="utf-8")
    target.write_text(original.replace("公用经费117.49万元", "公用经费127.49万元"), encoding="utf-8")
    run_registry(settings)
    lake = Lake(settings.lake)
    assert lake.partition_keys(SUPERSEDED_FACTS) == {(UNIT, 2023)}
    revised = validate_lake(settings, registry, "revised")
    (change,) = [f for f in revised.findings if f.rule_id == "R28"]
    assert change.severity == WARNING and change.check_name.startswith("revised")
    assert (change.table_name, change.line_item, change.column_name) == (c.BASIC, c.PUBLIC_USE_TOTAL, "决算数")
    assert (change.left_value, change.right_value) == (Decimal("127.49"), Decimal("117.49"))
    assert change.left_document_sha256 != change.right_document_sha256
    assert {change.left_document_sha256, change.right_document_sha256} == {
        row["sha256"] for row in lake.read_document_rows() if row["unit_id"] == UNIT
    }
    # The same bytes again: nothing new is kept, nothing new is revised.
    run_registry(settings)
    kept = lake.read_partitions(SUPERSEDED_FACTS)[(UNIT, 2023)]
    assert len({row["document_sha256"] for row in kept}) == 1


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


@pytest.mark.corpus
def test_a_lake_from_before_gets_the_evidence_of_its_reports(tmp_path: Path, corpus: type) -> None:
    """Reports loaded before statements and marks were kept are extracted again, once."""
    (tmp_path / "reports").mkdir()
    shutil.copy(corpus.path(UNIT), tmp_path / "reports" / "datong_2023.txt")
    registry_text = (PROJECT_ROOT / "registry" / "units.toml").read_text(encoding="utf-8")
    start = registry_text.index('[[unit]]\nid = "datong-sic"')
    block = registry_text[start : registry_text.index("[[unit]]", start + 10)]
    url = next(line for line in block.splitlines() if line.startswith("url"))
    (tmp_path / "units.toml").write_text(block.replace(url, 'url = "reports/datong_2023.txt"'), encoding="utf-8")
    settings = settings_for(tmp_path).with_overrides(registry=tmp_path / "units.toml")
    run_registry(settings)
    lake = settings.lake
    complete = _tree(lake)
    shutil.rmtree(lake / "narrative_statements")
    assert [o.action for o in run_registry(settings).outcomes] == ["new"]  # extracted again, as if new
    assert _tree(lake) == complete
    assert [o.action for o in run_registry(settings).outcomes] == ["unchanged"]
