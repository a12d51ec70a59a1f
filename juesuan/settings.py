"""One settings object: every default path and service, overridable by ``JUESUAN_*`` variables.

Local defaults keep everything under ``./data`` (git-ignored): the Parquet lake, the DuckDB file,
the raw-file store and the e-mail outbox. Production points the same names elsewhere by environment.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any, TypeVar

from juesuan.errors import SettingsError, UsageError
from juesuan.urls import has_credentials, redact

ENV_PREFIX = "JUESUAN_"
#: The embedded default: the bundled sample reports, so the main job needs nothing outside the repo.
#: ``registry/units.toml`` lists the five real reports in ../shared/corpus.
DEFAULT_REGISTRY = "samples/registry.toml"
_Number = TypeVar("_Number", int, float)
#: ``JUESUAN_MAIL_DIGEST``: write when something is new (default), or every night while something is open.
MAIL_DIGESTS = ("new", "daily")
MB = 1024 * 1024
#: JUESUAN_SMTP_TLS values (and the spellings the stewards' mail also accepts).
SMTP_TLS_MODES = ("starttls", "ssl", "none")
SMTP_TLS_ALIASES = {"true": "starttls", "yes": "starttls", "1": "starttls", "false": "none", "no": "none", "0": "none"}
EXTRACT_ISOLATION = ("process", "inline")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class DocumentLimits:
    """What one document may cost (issue 13.7, 13.11); a document over a limit is quarantined with the reason.

    ``max_bytes`` bounds the bytes of a document (on the wire, after decoding, on disk),
    ``max_text_bytes`` a text export, ``max_docx_uncompressed_bytes`` the unpacked members of a DOCX,
    ``max_page_pixels`` a page rendered for OCR (before it is rendered), ``memory_bytes`` the peak
    memory of the worker process reading one document.
    """

    max_bytes: int = 100 * MB
    max_text_bytes: int = 20 * MB
    max_docx_uncompressed_bytes: int = 200 * MB
    max_page_pixels: int = 40_000_000
    memory_bytes: int = 2048 * MB


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
    smtp_timeout: float = 30.0  # seconds per SMTP connection and command
    # When a steward is written to: "new" (something new or back since the last accepted message) or
    # "daily" (every night while errors, unread documents or warnings are open). docs/validation.md.
    mail_digest: str = "new"
    mail_waived_days: int = 30  # still-waived findings are listed again after this many days
    mail_retries: int = 2  # retries of a failed mail step (the Prefect task), with exponential backoff
    mail_backoff: float = 60.0  # first retry delay of the mail step, seconds, doubled at each retry
    mail_queue: Path = field(default=Path("data/mail_queue"))  # messages built but not yet accepted
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
    # --- bounded resources and sources (docs/security.md) ---
    fetch_deadline: float = 300.0  # seconds one download may take in all (connect + every read)
    max_document_mb: float = 100.0  # a document larger than this (on the wire or decoded) is refused
    max_text_mb: float = 20.0  # a text export larger than this is quarantined
    max_docx_uncompressed_mb: float = 200.0  # a DOCX whose members unpack to more is quarantined
    max_page_megapixels: float = 40.0  # a page that would render larger for OCR is quarantined
    document_memory_mb: float = 2048.0  # peak memory of the process that reads one document
    extract_isolation: str = "process"  # "process": each document read in a worker process; "inline"
    #: Folders besides the registry's own from which local report files may be read (JUESUAN_LOCAL_ROOTS).
    local_roots: tuple[Path, ...] = ()
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
            smtp_timeout=_env_number(env, "SMTP_TIMEOUT", float, 30.0),
            mail_digest=_env_choice(env, "MAIL_DIGEST", MAIL_DIGESTS, "new"),
            mail_waived_days=_env_number(env, "MAIL_WAIVED_DAYS", int, 30),
            mail_retries=_env_number(env, "MAIL_RETRIES", int, 2),
            mail_backoff=_env_number(env, "MAIL_BACKOFF", float, 60.0),
            mail_queue=Path(env.get(f"{ENV_PREFIX}MAIL_QUEUE", str(data_dir / "mail_queue"))),
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
            fetch_deadline=_env_number(env, "FETCH_DEADLINE", float, 300.0),
            max_document_mb=_env_number(env, "MAX_DOCUMENT_MB", float, 100.0),
            max_text_mb=_env_number(env, "MAX_TEXT_MB", float, 20.0),
            max_docx_uncompressed_mb=_env_number(env, "MAX_DOCX_UNCOMPRESSED_MB", float, 200.0),
            max_page_megapixels=_env_number(env, "MAX_PAGE_MEGAPIXELS", float, 40.0),
            document_memory_mb=_env_number(env, "DOCUMENT_MEMORY_MB", float, 2048.0),
            extract_isolation=(env.get(f"{ENV_PREFIX}EXTRACT_ISOLATION") or "process").strip().lower(),
            local_roots=tuple(
                Path(part) for part in env.get(f"{ENV_PREFIX}LOCAL_ROOTS", "").split(os.pathsep) if part.strip()
            ),
            build_memory_limit=env.get(f"{ENV_PREFIX}BUILD_MEMORY_LIMIT") or "4GB",
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse malformed settings at start, every problem named (issue 13.5): a CR/LF in the sender,
        a port that is no number, SMTP login without TLS, a limit that is no positive number …"""
        problems = _problems(self)
        if problems:
            raise SettingsError(problems)

    def document_limits(self) -> DocumentLimits:
        return DocumentLimits(
            max_bytes=int(self.max_document_mb * MB),
            max_text_bytes=int(self.max_text_mb * MB),
            max_docx_uncompressed_bytes=int(self.max_docx_uncompressed_mb * MB),
            max_page_pixels=int(self.max_page_megapixels * 1_000_000),
            memory_bytes=int(self.document_memory_mb * MB),
        )

    def smtp_tls_mode(self) -> str | None:
        """The TLS mode JUESUAN_SMTP_TLS names (aliases resolved), ``None`` when unset."""
        raw = (self.smtp_tls or "").strip().lower()
        return SMTP_TLS_ALIASES.get(raw, raw) or None

    def with_overrides(self, **overrides: Path | None) -> Settings:
        """A copy with the non-``None`` overrides applied (CLI options take precedence over env)."""
        given: dict[str, Any] = {name: value for name, value in overrides.items() if value is not None}
        return replace(self, **given)


def _env_choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    """A ``JUESUAN_<name>`` that must be one of ``allowed`` (``default`` when unset)."""
    text = (env.get(f"{ENV_PREFIX}{name}") or "").strip().lower()
    if not text:
        return default
    if text not in allowed:
        raise UsageError(f"{ENV_PREFIX}{name}", text, allowed)
    return text


def _env_number(env: Mapping[str, str], name: str, kind: type[_Number], default: _Number) -> _Number:
    """A numeric ``JUESUAN_<name>`` (non-negative), or ``default`` when unset."""
    text = env.get(f"{ENV_PREFIX}{name}")
    if text is None or not text.strip():
        return default
    try:
        value = kind(text)
    except ValueError as exc:
        raise UsageError(f"{ENV_PREFIX}{name} (a non-negative {kind.__name__})", text) from exc
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{ENV_PREFIX}{name} (a non-negative {kind.__name__})", text)
    return value


def _problems(settings: Settings) -> list[str]:
    """Every malformed setting, as ``NAME: what is wrong (value)``."""
    problems: list[str] = []
    sender = settings.mail_from
    if _CONTROL.search(sender):
        problems.append(f"{ENV_PREFIX}MAIL_FROM {sender!r}: contains a line break or control character")
    elif "@" not in parseaddr(sender)[1]:
        problems.append(f"{ENV_PREFIX}MAIL_FROM {sender!r}: not an e-mail address")
    for name, value in (("SMTP_HOST", settings.smtp_host), ("SMTP_USER", settings.smtp_user)):
        if value is not None and (_CONTROL.search(value) or not value.strip()):
            problems.append(f"{ENV_PREFIX}{name} {value!r}: contains a line break or control character")
    if settings.smtp_port is not None:
        port = settings.smtp_port.strip()
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            problems.append(f"{ENV_PREFIX}SMTP_PORT {settings.smtp_port!r}: not a port number (1-65535)")
    tls = settings.smtp_tls_mode()
    if tls is not None and tls not in SMTP_TLS_MODES:
        allowed = ", ".join((*SMTP_TLS_MODES, *SMTP_TLS_ALIASES))
        problems.append(f"{ENV_PREFIX}SMTP_TLS {settings.smtp_tls!r}: not one of {allowed}")
    elif settings.smtp_host and (settings.smtp_user or settings.smtp_password) and tls is None:
        port = settings.smtp_port.strip() if settings.smtp_port else "25"
        if port not in ("465", "587"):
            problems.append(
                f"an SMTP login ({ENV_PREFIX}SMTP_USER / _PASSWORD) is set but {ENV_PREFIX}SMTP_TLS is not: "
                f"the password would cross the network in clear (port {port}); "
                f"set {ENV_PREFIX}SMTP_TLS=starttls or ssl, or =none to allow it"
            )
    for name, number in (
        ("WORKERS", settings.workers),
        ("FETCH_PER_HOST", settings.fetch_per_host),
        ("FETCH_TIMEOUT", settings.fetch_timeout),
        ("FETCH_DEADLINE", settings.fetch_deadline),
        ("MAX_DOCUMENT_MB", settings.max_document_mb),
        ("MAX_TEXT_MB", settings.max_text_mb),
        ("MAX_DOCX_UNCOMPRESSED_MB", settings.max_docx_uncompressed_mb),
        ("MAX_PAGE_MEGAPIXELS", settings.max_page_megapixels),
        ("DOCUMENT_MEMORY_MB", settings.document_memory_mb),
    ):
        if not number > 0:
            problems.append(f"{ENV_PREFIX}{name} {number!r}: must be more than 0")
    for name, url in (
        ("LAKE_URL", settings.lake_url),
        ("RAW_STORE_URL", settings.raw_store_url),
        ("S3_ENDPOINT_URL", settings.s3_endpoint_url),
        ("DATA_DOCS_URL", settings.data_docs_url),
        ("DASK_ADDRESS", settings.dask_address),
    ):
        if url is not None and has_credentials(url):
            problems.append(
                f"{ENV_PREFIX}{name} {redact(url)!r}: carries a login, which would be shown and stored with the URL; "
                "give credentials through the store's own settings (AWS_ACCESS_KEY_ID …)"
            )
    if settings.extract_isolation not in EXTRACT_ISOLATION:
        problems.append(
            f"{ENV_PREFIX}EXTRACT_ISOLATION {settings.extract_isolation!r}: not one of {', '.join(EXTRACT_ISOLATION)}"
        )
    return problems
