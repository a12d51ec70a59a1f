"""One settings object: every default path and service, overridable by ``JUESUAN_*`` variables.

Local defaults keep everything under ``./data`` (git-ignored): the Parquet lake, the DuckDB file,
the raw-file store and the e-mail outbox. Production points the same names elsewhere by environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from juesuan.errors import UsageError

ENV_PREFIX = "JUESUAN_"
#: The embedded default: the bundled sample reports, so the main job needs nothing outside the repo.
#: ``registry/units.toml`` lists the five real reports in ../shared/corpus.
DEFAULT_REGISTRY = "samples/registry.toml"
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True)
class Settings:
    registry: Path = Path(DEFAULT_REGISTRY)
    data_dir: Path = Path("data")
    lake: Path = field(default=Path("data/lake"))
    warehouse: Path = field(default=Path("data/juesuan.duckdb"))
    raw_store: Path = field(default=Path("data/raw"))
    outbox: Path = field(default=Path("data/outbox"))
    # Identity validation (juesuan.expectations): GX results, the Data Docs site and its public URL.
    validation_results: Path = field(default=Path("data/validations"))
    data_docs: Path = field(default=Path("data/data_docs"))
    data_docs_url: str | None = None
    # Stewards' e-mail (juesuan.stewards_mail): SMTP server, or a Prefect EmailServerCredentials
    # block; with neither, messages are written to the outbox as .eml files.
    smtp_host: str | None = None
    smtp_port: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_tls: str | None = None
    mail_from: str = "juesuan@localhost"
    email_block: str | None = None
    # --- nightly ingestion (docs/nightly.md) ---
    lake_url: str | None = None  # an fsspec URL (s3://bucket/lake) used instead of `lake` when set
    raw_store_url: str | None = None  # an fsspec URL used instead of `raw_store` when set
    s3_endpoint_url: str | None = None  # S3-compatible server (MinIO, moto …); credentials: AWS_* variables
    workers: int = 4  # documents in flight at once (the task runner's pool size)
    fetch_per_host: int = 2  # requests at once to one host
    fetch_delay: float = 0.5  # seconds between request starts to one host (politeness)
    fetch_timeout: float = 30.0  # seconds per HTTP request
    fetch_retries: int = 3  # retries of a failed download (5xx, timeout, dropped or truncated body)
    fetch_backoff: float = 2.0  # first retry delay in seconds, doubled at each retry
    document_timeout: float = 600.0  # time limit of one document (fetch + extract + write), seconds
    dask_address: str | None = None  # tcp://host:8786: run the documents on that Dask cluster
    # --- warehouse builds (docs/warehouse.md) ---
    build_memory_limit: str = "4GB"  # DuckDB memory_limit of a build or refresh; beyond it, it spills to disk

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then ``JUESUAN_DATA_DIR`` (moves every derived path), then per-path variables."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(f"{ENV_PREFIX}DATA_DIR", "data"))
        settings = cls(
            registry=Path(env.get(f"{ENV_PREFIX}REGISTRY", DEFAULT_REGISTRY)),
            data_dir=data_dir,
            lake=Path(env.get(f"{ENV_PREFIX}LAKE", str(data_dir / "lake"))),
            warehouse=Path(env.get(f"{ENV_PREFIX}WAREHOUSE", str(data_dir / "juesuan.duckdb"))),
            raw_store=Path(env.get(f"{ENV_PREFIX}RAW_STORE", str(data_dir / "raw"))),
            outbox=Path(env.get(f"{ENV_PREFIX}OUTBOX", str(data_dir / "outbox"))),
            validation_results=Path(env.get(f"{ENV_PREFIX}VALIDATIONS", str(data_dir / "validations"))),
            data_docs=Path(env.get(f"{ENV_PREFIX}DATA_DOCS", str(data_dir / "data_docs"))),
            data_docs_url=env.get(f"{ENV_PREFIX}DATA_DOCS_URL") or None,
            smtp_host=env.get(f"{ENV_PREFIX}SMTP_HOST") or None,
            smtp_port=env.get(f"{ENV_PREFIX}SMTP_PORT") or None,
            smtp_user=env.get(f"{ENV_PREFIX}SMTP_USER") or None,
            smtp_password=env.get(f"{ENV_PREFIX}SMTP_PASSWORD") or None,
            smtp_tls=env.get(f"{ENV_PREFIX}SMTP_TLS") or None,
            mail_from=env.get(f"{ENV_PREFIX}MAIL_FROM") or "juesuan@localhost",
            email_block=env.get(f"{ENV_PREFIX}EMAIL_BLOCK") or None,
            lake_url=env.get(f"{ENV_PREFIX}LAKE_URL") or None,
            raw_store_url=env.get(f"{ENV_PREFIX}RAW_STORE_URL") or None,
            s3_endpoint_url=env.get(f"{ENV_PREFIX}S3_ENDPOINT_URL") or None,
            workers=_env_number(env, "WORKERS", int, 4),
            fetch_per_host=_env_number(env, "FETCH_PER_HOST", int, 2),
            fetch_delay=_env_number(env, "FETCH_DELAY", float, 0.5),
            fetch_timeout=_env_number(env, "FETCH_TIMEOUT", float, 30.0),
            fetch_retries=_env_number(env, "FETCH_RETRIES", int, 3),
            fetch_backoff=_env_number(env, "FETCH_BACKOFF", float, 2.0),
            document_timeout=_env_number(env, "DOCUMENT_TIMEOUT", float, 600.0),
            dask_address=env.get(f"{ENV_PREFIX}DASK_ADDRESS") or None,
            build_memory_limit=env.get(f"{ENV_PREFIX}BUILD_MEMORY_LIMIT") or "4GB",
        )
        return settings

    def with_overrides(self, **overrides: Path | None) -> Settings:
        """A copy with the non-``None`` overrides applied (CLI options take precedence over env)."""
        given: dict[str, Any] = {name: value for name, value in overrides.items() if value is not None}
        return replace(self, **given)


def _env_number(env: Mapping[str, str], name: str, kind: type[_Number], default: _Number) -> _Number:
    """A numeric ``JUESUAN_<name>`` (non-negative), or ``default`` when unset."""
    text = env.get(f"{ENV_PREFIX}{name}")
    if text is None or not text.strip():
        return default
    try:
        value = kind(text)
    except ValueError as exc:
        raise UsageError(f"{ENV_PREFIX}{name} (a non-negative {kind.__name__})", text) from exc
    if value < 0:
        raise UsageError(f"{ENV_PREFIX}{name} (a non-negative {kind.__name__})", text)
    return value
