"""One settings object: every default path and service, overridable by ``JUESUAN_*`` variables.

Local defaults keep everything under ``./data`` (git-ignored): the Parquet lake, the DuckDB file,
the raw-file store and the e-mail outbox. Production points the same names elsewhere by environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

ENV_PREFIX = "JUESUAN_"


@dataclass(frozen=True)
class Settings:
    registry: Path = Path("registry/units.toml")
    data_dir: Path = Path("data")
    lake: Path = field(default=Path("data/lake"))
    warehouse: Path = field(default=Path("data/juesuan.duckdb"))
    raw_store: Path = field(default=Path("data/raw"))
    outbox: Path = field(default=Path("data/outbox"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then ``JUESUAN_DATA_DIR`` (moves every derived path), then per-path variables."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(f"{ENV_PREFIX}DATA_DIR", "data"))
        settings = cls(
            registry=Path(env.get(f"{ENV_PREFIX}REGISTRY", "registry/units.toml")),
            data_dir=data_dir,
            lake=Path(env.get(f"{ENV_PREFIX}LAKE", str(data_dir / "lake"))),
            warehouse=Path(env.get(f"{ENV_PREFIX}WAREHOUSE", str(data_dir / "juesuan.duckdb"))),
            raw_store=Path(env.get(f"{ENV_PREFIX}RAW_STORE", str(data_dir / "raw"))),
            outbox=Path(env.get(f"{ENV_PREFIX}OUTBOX", str(data_dir / "outbox"))),
        )
        return settings

    def with_overrides(self, **overrides: Path | None) -> Settings:
        """A copy with the non-``None`` overrides applied (CLI options take precedence over env)."""
        given = {name: value for name, value in overrides.items() if value is not None}
        return replace(self, **given)
