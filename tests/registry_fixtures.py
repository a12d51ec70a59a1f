"""Registries for tests: the real units of ``registry/units.toml``, with the reports and stewards a test needs.

Tests used to repeat each unit's TOML block by hand; here the unit's own entry (name, province, level,
kind …) comes from the project's registry, so a test states only what it varies. (No tests here.)
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

UNITS_TOML = Path(__file__).resolve().parents[1] / "registry" / "units.toml"
_UNIT_KEYS = ("id", "name", "province", "city", "county", "level", "kind")


@dataclass(frozen=True)
class ReportEntry:
    year: int
    url: str
    format: str | None = None


@dataclass(frozen=True)
class UnitEntry:
    unit_id: str
    reports: Sequence[ReportEntry]
    stewards: Sequence[str] | None = None  # None: the project's registry's stewards
    overrides: dict[str, str] = field(default_factory=dict)  # e.g. another kind


@cache
def _registered() -> dict[str, dict[str, object]]:
    units = tomllib.loads(UNITS_TOML.read_text(encoding="utf-8"))["unit"]
    return {str(unit["id"]): unit for unit in units}


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string or array of them


def registry_toml(*units: UnitEntry) -> str:
    """A registry file's text with ``units`` in this order."""
    blocks = []
    for unit in units:
        entry = {**_registered()[unit.unit_id], **unit.overrides}
        lines = ["[[unit]]"]
        lines += [f"{key} = {_value(entry[key])}" for key in _UNIT_KEYS if key in entry]
        stewards = entry.get("stewards", []) if unit.stewards is None else list(unit.stewards)
        lines.append(f"stewards = {_value(stewards)}")
        for report in unit.reports:
            lines += ["", "[[unit.report]]", f"year = {report.year}", f"url = {_value(report.url)}"]
            if report.format is not None:
                lines.append(f"format = {_value(report.format)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
