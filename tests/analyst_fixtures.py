"""The sample warehouse of the analyst-facing tests (marts, compare, charts, report, notebooks).

It is the real thing: the registry's units (``registry/units.toml``) with every report pointed at
the corpus file (``../shared/corpus``, or ``JUESUAN_CORPUS``), run through :func:`run_registry` into
a lake and a warehouse in a temporary folder. Built once per test session and shared read-only.

The accounting identities are checked too (``validate_lake``, as ``juesuan validate`` does), so
``identity_summary``, ``data_quality`` and the Data Docs exist. The figures each report restates for
the year before are stored by the run itself (``prior_year_facts``), so ``year_over_year`` has pairs
from the five first reports.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from conftest import LOCAL_ROOTS_ENV

from juesuan.expectations.runner import validate_lake
from juesuan.flows.pipeline import run_registry
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.warehouse.build import build_warehouse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGISTRY = PROJECT_ROOT / "registry" / "units.toml"
UNIT_IDS = ("datong-sic", "dazhu-sic", "chaoyang-sic", "jincheng-hrss", "wuhai-sic")
UNIT_KEYS = ("id", "name", "province", "city", "county", "level", "kind", "stewards")


def _toml_value(value: object) -> str:
    # JSON strings, numbers and arrays of strings are valid TOML values.
    return json.dumps(value, ensure_ascii=False)


def corpus_registry(target: Path, corpus: type) -> Path:
    """``registry/units.toml`` with each report's url replaced by the corpus file of the same name."""
    data = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))
    lines: list[str] = []
    for unit in data["unit"]:
        lines.append("[[unit]]")
        lines += [f"{key} = {_toml_value(unit[key])}" for key in UNIT_KEYS if key in unit]
        folder = corpus.path(unit["id"]).parent  # type: ignore[attr-defined]
        for report in unit.get("report", []):
            lines.append("[[unit.report]]")
            lines.append(f"year = {int(report['year'])}")
            lines.append(f"url = {_toml_value(str(folder / Path(report['url']).name))}")
            if "format" in report:
                lines.append(f"format = {_toml_value(report['format'])}")
        lines.append("")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def sample_warehouse(base: Path, corpus: type) -> Settings:
    """Settings of the corpus warehouse under ``base`` (built on first use, then reused)."""
    root = base / "corpus"
    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(root / "data"), **LOCAL_ROOTS_ENV}).with_overrides(
        registry=root / "units.toml"
    )
    if settings.warehouse.exists():
        return settings
    corpus_registry(settings.registry, corpus)
    summary = run_registry(settings)
    loaded = sorted(o.unit_id for o in summary.outcomes if o.status == "loaded")
    assert loaded == sorted(UNIT_IDS), f"the corpus did not load: {summary.outcomes}"
    validate_lake(settings, load_registry(settings.registry), "sample-validation")
    build_warehouse(settings.lake, settings.warehouse)
    assert settings.warehouse.exists()
    return settings
