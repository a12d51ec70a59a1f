"""Issue 13.5: a malformed setting is refused at start in one line; a full disk fails the step (or the
document) that hit it, and the run still reports what it did.

The full disk is the operating system's own refusal: the run is a child process whose file-size limit
(``RLIMIT_FSIZE``) lets it write the lake's small files but not the warehouse, nor one large raw file;
``SIGXFSZ`` is ignored, so every write past the limit fails with ``EFBIG`` as a full disk fails with
``ENOSPC``.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_flow_support import (  # noqa: F401  (prefect_api is a fixture)
    make_corpus,
    prefect_api,
    settings_env,
)

from juesuan.errors import SettingsError
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb

JUESUAN = str(Path(sys.executable).parent / "juesuan")
PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"JUESUAN_MAIL_FROM": "juesuan@example.org\r\nBcc: all@example.org"}, "JUESUAN_MAIL_FROM"),
        ({"JUESUAN_MAIL_FROM": "not an address"}, "JUESUAN_MAIL_FROM"),
        ({"JUESUAN_SMTP_HOST": "mail\n.example.org"}, "JUESUAN_SMTP_HOST"),
        ({"JUESUAN_SMTP_HOST": "mail", "JUESUAN_SMTP_PORT": "smtp"}, "JUESUAN_SMTP_PORT"),
        ({"JUESUAN_SMTP_HOST": "mail", "JUESUAN_SMTP_TLS": "tls1.3"}, "JUESUAN_SMTP_TLS"),
        ({"JUESUAN_WORKERS": "0"}, "JUESUAN_WORKERS"),
        ({"JUESUAN_MAX_DOCUMENT_MB": "nan"}, "JUESUAN_MAX_DOCUMENT_MB"),
        ({"JUESUAN_FETCH_TIMEOUT": "inf"}, "JUESUAN_FETCH_TIMEOUT"),
        ({"JUESUAN_EXTRACT_ISOLATION": "thread"}, "JUESUAN_EXTRACT_ISOLATION"),
    ],
)
def test_malformed_settings_are_named_at_start(env: dict[str, str], named: str) -> None:
    with pytest.raises(Exception) as caught:
        Settings.from_env(env)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value).replace("\\n", "")


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"JUESUAN_MAIL_FROM": "a@b\nc", "JUESUAN_SMTP_HOST": "mail", "JUESUAN_SMTP_PORT": "0"})
    assert len(caught.value.problems) == 2


def test_smtp_login_without_tls_is_refused_unless_allowed_explicitly() -> None:
    login = {"JUESUAN_SMTP_HOST": "mail.example.org", "JUESUAN_SMTP_USER": "u", "JUESUAN_SMTP_PASSWORD": "p"}
    with pytest.raises(SettingsError, match="password would cross the network in clear"):
        Settings.from_env(login)
    with pytest.raises(SettingsError, match="in clear"):
        Settings.from_env({**login, "JUESUAN_SMTP_PORT": "2525"})
    for allowed in ({"JUESUAN_SMTP_TLS": "starttls"}, {"JUESUAN_SMTP_TLS": "ssl"}, {"JUESUAN_SMTP_PORT": "587"},
                    {"JUESUAN_SMTP_PORT": "465"}, {"JUESUAN_SMTP_TLS": "none"}):  # fmt: skip
        assert Settings.from_env({**login, **allowed}).smtp_user == "u"
    assert Settings.from_env({"JUESUAN_SMTP_HOST": "mail.example.org"}).smtp_tls is None  # no login: no password


def test_a_line_break_in_the_sender_stops_the_run_at_once_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUESUAN_")}
    env.update(JUESUAN_DATA_DIR=str(tmp_path / "data"), JUESUAN_MAIL_FROM="juesuan@example.org\r\nBcc: x@example.org")
    started = time.monotonic()
    result = subprocess.run(
        [JUESUAN, "run", "--registry", str(PROJECT / "samples" / "registry.toml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: invalid setting(s): JUESUAN_MAIL_FROM")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30 and not (tmp_path / "data" / "lake").exists()


FILE_SIZE_LIMIT = 300 * 1024


def _small_files_only() -> None:
    """In the child: files may not grow past FILE_SIZE_LIMIT; the write fails instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_a_full_disk_fails_the_step_and_the_document_that_hit_it_and_the_run_reports(
    tmp_path: Path,
    prefect_api: str,  # noqa: F811
) -> None:
    corpus = make_corpus(tmp_path / "corpus", units=3, years=1)
    big = corpus.entries[0]
    path = corpus.site / big.path
    path.write_bytes(path.read_bytes() + b"\n" * (FILE_SIZE_LIMIT + 1024))  # its raw file cannot be stored
    with GovernmentWeb(corpus.site, corpus.faults(), max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUESUAN_")}
        env.update(settings_env(tmp_path, registry))
        env.update(PREFECT_API_URL=prefect_api, PREFECT_LOGGING_LEVEL="WARNING", PREFECT_HOME=str(tmp_path / "ph"))
        result = subprocess.run(
            [JUESUAN, "run"], env=env, capture_output=True, text=True, timeout=300, preexec_fn=_small_files_only
        )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "Traceback" not in result.stderr
    # The night's table lists every report: the one whose raw file did not fit failed with the OS's reason.
    for entry in corpus.entries:
        assert entry.unit.id in out
    assert "could not store the document" in out and "File too large" in out
    assert out.count("loaded") >= 2
    # The warehouse build hit the limit: that step failed, the steps after it still ran and were reported.
    assert "not rebuilt" in out
    assert "warehouse: failed" in out and "File too large" in out.split("warehouse: failed", 1)[1]
    assert "run report:" in out
    assert "the run's step(s) failed: " in result.stderr and "warehouse" in result.stderr
    assert (tmp_path / "data" / "lake" / "documents.parquet").exists()
