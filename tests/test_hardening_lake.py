"""Issue 13.1: a unit id with a trailing newline must never reach the lake, and a lake folder that is
no valid partition (left by an older juesuan) is reported and skipped instead of breaking every build."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from lake_fixtures import FIGURES, build_sample_lake, make_facts

from juesuan.contract import is_valid_unit_id, validate_facts
from juesuan.errors import ContractViolation, RegistryError
from juesuan.lake import FACTS, PARSED_TABLES, Lake, partition_problem
from juesuan.registry import load_registry
from juesuan.warehouse.build import build_warehouse
from juesuan.warehouse.query import run_query

REGISTRY = """
[[unit]]
id = "{id}"
name = "某市社会保险中心"
province = "山西省"
city = "某市"
level = "市级"
stewards = ["{steward}"]

[[unit.report]]
year = 2023
url = "reports/2023.txt"
"""


@pytest.mark.parametrize("unit_id", ["datong-sic\n", "datong-sic\r\n", "\ndatong-sic", "datong-sic ", "Datong-sic"])
def test_an_id_with_a_trailing_newline_is_not_a_unit_id(unit_id: str) -> None:
    assert not is_valid_unit_id(unit_id)
    assert is_valid_unit_id("datong-sic")


def test_the_registry_refuses_an_id_or_steward_with_a_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "units.toml"
    path.write_text(REGISTRY.format(id="datong-sic\\n", steward="a@example.org"), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"'datong-sic\\n'.*id must be"):
        load_registry(path)
    path.write_text(REGISTRY.format(id="datong-sic", steward="a@example.org\\n"), encoding="utf-8")
    with pytest.raises(RegistryError, match="stewards must be a list of e-mail addresses"):
        load_registry(path)


def test_the_contract_and_the_lake_refuse_an_id_with_a_newline(tmp_path: Path) -> None:
    facts = make_facts("datong-sic", 2023, FIGURES[("datong-sic", 2023)])
    bad = [f.__class__(**{**f.__dict__, "unit_id": "datong-sic\n"}) for f in facts]
    with pytest.raises(ContractViolation, match="is not a lower-case ASCII id"):
        validate_facts(bad)
    lake = Lake(tmp_path / "lake")
    with pytest.raises(ContractViolation, match="not a valid unit id"):
        lake.write_report("datong-sic\n", 2023, facts[0].document_sha256, [], [], [])
    assert not (tmp_path / "lake").exists()


def _poison(lake_root: Path, dataset: str, good: str, bad: str) -> Path:
    """Copy a good partition folder to a badly named one, as an older juesuan wrote it."""
    source = lake_root / dataset / "year=2023" / f"unit_id={good}"
    target = lake_root / dataset / "year=2023" / f"unit_id={bad}"
    shutil.copytree(source, target)
    return target


def test_a_poisoned_partition_is_reported_and_skipped_by_every_reader(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lake = build_sample_lake(tmp_path / "lake")
    clean = build_warehouse(tmp_path / "lake", tmp_path / "clean.duckdb")
    for dataset in (FACTS, PARSED_TABLES):
        _poison(tmp_path / "lake", dataset, "datong-sic", "datong-sic\n")
    _poison(tmp_path / "lake", FACTS, "datong-sic", "Datong Sic")

    with caplog.at_level(logging.WARNING):
        summary = build_warehouse(tmp_path / "lake", tmp_path / "wh.duckdb")
    assert summary.facts == clean.facts and summary.unit_years == clean.unit_years
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "not a valid partition" in warned and "'datong-sic\\n'" in warned and "'Datong Sic'" in warned
    units = run_query(tmp_path / "wh.duckdb", "SELECT DISTINCT unit_id FROM facts ORDER BY 1")["unit_id"].tolist()
    assert all(is_valid_unit_id(u) for u in units)

    assert set(lake.read_facts()["unit_id"]) == {u for u, _ in FIGURES}
    assert {u for u, _ in lake.partition_keys(FACTS)} == {u for u, _ in FIGURES}
    assert set(lake.read_parsed_tables()["unit_id"]) <= {u for u, _ in FIGURES}


def test_partition_problem_names_the_bad_part() -> None:
    assert partition_problem("facts/year=2023/unit_id=datong-sic/facts.parquet") is None
    assert "unit_id 'a\\n'" in str(partition_problem("facts/year=2023/unit_id=a\n/facts.parquet"))
    assert "year '23'" in str(partition_problem("facts/year=23/unit_id=datong-sic/facts.parquet"))
