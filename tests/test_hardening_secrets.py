"""Issue 13.9: a password inside a report URL is used to log in, and kept nowhere.

A real run of the nightly flow (Prefect test server) against a loopback web that demands that login:
the reports load, and neither the password nor its Basic header appears in the data folder (lake,
warehouse, raw files, run report, outbox, validation results), the logs, the console, or Prefect's
database; a redirect to another origin does not get the login.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from test_flow_support import (  # noqa: F401  (prefect_api is a fixture)
    make_corpus,
    prefect_api,
    settings_env,
    use_env,
)

from juesuan.errors import SettingsError
from juesuan.flows.fetch import Fetcher, FetchPolicy, Validators
from juesuan.flows.nightly import run_flow
from juesuan.flows.prefect_server import _drain_prefect_workers
from juesuan.registry import load_registry
from juesuan.settings import Settings
from juesuan.simulate.web import GovernmentWeb
from juesuan.urls import redact, split_credentials

USER = "reader"
PASSWORD = "Pa55-7d41e-secret"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def leaks(data: bytes) -> list[str]:
    return [name for name, secret in (("password", PASSWORD), ("basic header", BASIC)) if secret.encode() in data]


def test_a_login_in_a_report_url_is_used_and_stored_nowhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    prefect_api: str,  # noqa: F811
) -> None:
    corpus = make_corpus(tmp_path / "corpus", units=2, years=2, faults={"not-found": 1, "html-200": 1})
    with GovernmentWeb(corpus.site, corpus.faults(), basic_auth=(USER, PASSWORD), max_lifetime=300) as web:
        registry = corpus.write_registry(web.base_url.replace("http://", f"http://{USER}:{PASSWORD}@"))
        assert PASSWORD in registry.read_text(encoding="utf-8")
        settings = use_env(monkeypatch, settings_env(tmp_path, registry))
        with caplog.at_level(logging.INFO):
            summary = run_flow(settings, default_steps=True)
            _drain_prefect_workers()
    # The login was sent, and it worked.
    assert {header for _, header in web.authorizations} == {f"Basic {BASIC}"}
    actions = sorted(o.action for o in summary.outcomes)
    assert actions.count("new") == 2 and "withdrawn" in actions and "quarantined" in actions
    assert all(PASSWORD not in o.url and "@" not in o.url for o in summary.outcomes)
    # ... and it is nowhere at rest.
    found = {}
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.name == "documents.parquet" for p in files) and any(p.suffix == ".duckdb" for p in files)
    assert any(p.suffix == ".html" for p in files)  # the run report
    for path in files:
        if leaks(path.read_bytes()):
            found[str(path)] = leaks(path.read_bytes())
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    database = Path(str(PREFECT_API_DATABASE_CONNECTION_URL.value()).split(":///", 1)[1])
    for path in database.parent.glob(database.name + "*"):  # the database and its WAL
        if leaks(path.read_bytes()):
            found[str(path)] = leaks(path.read_bytes())
    captured = capfd.readouterr()
    for name, text in (("log", caplog.text), ("stdout", captured.out), ("stderr", captured.err)):
        if leaks(text.encode()):
            found[name] = leaks(text.encode())
    assert not found, f"the login was kept in {found}"


def test_the_registry_keeps_the_login_apart_and_never_prints_it(tmp_path: Path) -> None:
    (tmp_path / "units.toml").write_text(
        f"""
[[unit]]
id = "mou-sic"
name = "某市社会保险中心"
province = "山西省"
city = "某市"
level = "市级"

[[unit.report]]
year = 2023
url = "https://{USER}:{PASSWORD}@reports.example.gov.cn:8443/2023.pdf"
""",
        encoding="utf-8",
    )
    report = load_registry(tmp_path / "units.toml").reports()[0]
    assert report.url == "https://reports.example.gov.cn:8443/2023.pdf"
    assert report.credentials == (USER, PASSWORD)
    assert PASSWORD not in repr(report) and PASSWORD not in str(load_registry(tmp_path / "units.toml"))


def test_the_login_goes_to_its_own_origin_only(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2023.txt").write_bytes(b"2023\n")
    with GovernmentWeb(tmp_path / "b", max_lifetime=60) as other:
        target = f"{other.base_url}/2023.txt"
        redirects = {"/2023.txt": target}
        with GovernmentWeb(tmp_path / "a", redirects=redirects, max_lifetime=60) as web:
            fetcher = Fetcher(FetchPolicy(timeout=2, delay=0))
            url, login = split_credentials(web.base_url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/2023.txt")
            fetched = fetcher.get(url, Validators(), credentials=login)
            fetcher.close()
    assert fetched.data == b"2023\n" and fetched.url == target
    assert web.authorizations == [("/2023.txt", f"Basic {BASIC}")]
    assert other.authorizations == []


def test_urls_are_shown_without_their_login() -> None:
    assert redact(f"http://{USER}:{PASSWORD}@h.example:81/a?b=1") == "http://***@h.example:81/a?b=1"
    assert redact("s3://bucket/lake") == "s3://bucket/lake"
    assert split_credentials(f"http://{USER}:{PASSWORD}@[::1]:8080/x") == ("http://[::1]:8080/x", (USER, PASSWORD))
    with pytest.raises(SettingsError, match=r"JUESUAN_LAKE_URL 's3://\*\*\*@bucket/lake': carries a login"):
        Settings.from_env({"JUESUAN_LAKE_URL": f"s3://key:{PASSWORD}@bucket/lake"})
