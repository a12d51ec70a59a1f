"""Fetching politely from the local "government web": every fault of the real web, conditional GETs,
per-host limits, the politeness delay, retries, and the immutable raw store."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from juesuan.errors import DocumentError, UnsupportedFormatError
from juesuan.extract.document import document_from_bytes
from juesuan.flows.fetch import (
    USER_AGENT,
    Fetcher,
    FetchError,
    FetchPolicy,
    Validators,
    backoff_delays,
    fetch_with_retries,
)
from juesuan.flows.ingest import RawStore
from juesuan.registry import Report
from juesuan.simulate.web import GovernmentWeb

BODY = "2023年度部门决算公开\n测试单位\n".encode()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("ok", "slow", "flaky", "redirect", "not-found", "gone", "server-error", "timeout", "drop", "truncate",
                 "html-200"):  # fmt: skip
        (root / name).mkdir(parents=True)
        (root / name / "2023.txt").write_bytes(BODY * 40)
    return root


FAULTS = {f"/{name}/2023.txt": name for name in ("slow", "flaky", "redirect", "not-found", "gone", "server-error",
                                                 "timeout", "drop", "truncate", "html-200")}  # fmt: skip


def report(web: GovernmentWeb, name: str) -> Report:
    return Report(unit_id="test-unit", year=2023, url=f"{web.base_url}/{name}/2023.txt", format="txt")


@pytest.fixture
def web(site: Path) -> GovernmentWeb:
    with GovernmentWeb(site, FAULTS, slow_seconds=0.2, hang_seconds=1.5, max_lifetime=60) as server:
        yield server


@pytest.fixture
def fetcher() -> Fetcher:
    client = Fetcher(FetchPolicy(timeout=0.8, per_host=4, delay=0.0))
    yield client
    client.close()


def test_a_report_arrives_with_validators_and_a_named_user_agent(web: GovernmentWeb, fetcher: Fetcher) -> None:
    fetched = fetcher.fetch(report(web, "ok"))
    assert fetched.http_status == 200 and fetched.data == BODY * 40
    assert fetched.etag and fetched.last_modified and fetched.content_type == "text/plain; charset=utf-8"
    assert web.user_agents == {USER_AGENT} and USER_AGENT.startswith("juesuan/")


def test_conditional_get_answers_304_until_the_report_is_republished(
    web: GovernmentWeb, fetcher: Fetcher, site: Path
) -> None:
    first = fetcher.fetch(report(web, "ok"))
    again = fetcher.fetch(report(web, "ok"), Validators(first.etag, first.last_modified))
    assert again.not_modified and again.data is None
    assert web.not_modified["/ok/2023.txt"] == 1
    (site / "ok" / "2023.txt").write_bytes(BODY * 41)  # republished at the same address
    changed = fetcher.fetch(report(web, "ok"), Validators(first.etag, first.last_modified))
    assert changed.http_status == 200 and changed.data == BODY * 41 and changed.etag != first.etag


def test_if_modified_since_alone_is_honoured(web: GovernmentWeb, fetcher: Fetcher) -> None:
    first = fetcher.fetch(report(web, "ok"))
    assert fetcher.fetch(report(web, "ok"), Validators(last_modified=first.last_modified)).not_modified


@pytest.mark.parametrize(
    ("name", "kind", "status", "retryable"),
    [
        ("not-found", "withdrawn", 404, False),
        ("gone", "withdrawn", 410, False),
        ("server-error", "server-error", 500, True),
        ("flaky", "server-error", 503, True),
        ("timeout", "timeout", None, True),
        ("drop", "connection", None, True),
        ("truncate", "truncated", None, True),
    ],
)
def test_each_fault_is_named(
    web: GovernmentWeb, fetcher: Fetcher, name: str, kind: str, status: int | None, retryable: bool
) -> None:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(report(web, name))
    assert (caught.value.kind, caught.value.http_status, caught.value.retryable) == (kind, status, retryable)
    assert web.base_url in str(caught.value)


def test_truncated_body_names_both_sizes(web: GovernmentWeb, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"truncated body.*received \d+ bytes, expected \d+"):
        fetcher.fetch(report(web, "truncate"))


def test_redirect_is_followed(web: GovernmentWeb, fetcher: Fetcher) -> None:
    fetched = fetcher.fetch(report(web, "redirect"))
    assert fetched.data == BODY * 40 and fetched.url.endswith("/moved/redirect/2023.txt")


def test_slow_answer_within_the_timeout_arrives(web: GovernmentWeb, fetcher: Fetcher) -> None:
    started = time.monotonic()
    assert fetcher.fetch(report(web, "slow")).data == BODY * 40
    assert time.monotonic() - started >= 0.2


def test_html_error_page_with_status_200_is_caught_by_the_format_sniffer(web: GovernmentWeb, fetcher: Fetcher) -> None:
    fetched = fetcher.fetch(report(web, "html-200"))
    assert fetched.http_status == 200 and fetched.content_type == "text/html; charset=utf-8"
    with pytest.raises(UnsupportedFormatError, match="HTML page"):
        document_from_bytes(fetched.url, fetched.data or b"")


def test_retries_heal_a_transient_503_with_backoff(web: GovernmentWeb, fetcher: Fetcher) -> None:
    fetched = fetch_with_retries(fetcher, report(web, "flaky"), None, retries=2, backoff=0.05)
    assert fetched.data == BODY * 40
    assert web.requests["/flaky/2023.txt"] == 2


def test_retries_give_up_on_a_persistent_500_and_never_retry_a_404(web: GovernmentWeb, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_with_retries(fetcher, report(web, "server-error"), None, retries=2, backoff=0.01)
    assert web.requests["/server-error/2023.txt"] == 3
    with pytest.raises(FetchError, match="withdrawn"):
        fetch_with_retries(fetcher, report(web, "not-found"), None, retries=2, backoff=0.01)
    assert web.requests["/not-found/2023.txt"] == 1
    assert backoff_delays(3, 0.5) == [0.5, 1.0, 2.0]


def test_per_host_limit_bounds_requests_in_flight(site: Path) -> None:
    with GovernmentWeb(site, latency=0.15, max_lifetime=60) as web:
        fetcher = Fetcher(FetchPolicy(timeout=5, per_host=2, delay=0.0))
        threads = [threading.Thread(target=fetcher.fetch, args=(report(web, "ok"),)) for _ in range(6)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        fetcher.close()
    assert web.requests["/ok/2023.txt"] == 6
    assert web.max_in_flight == 2
    assert elapsed >= 3 * 0.15  # six requests, two at a time


def test_politeness_delay_spaces_request_starts(site: Path) -> None:
    with GovernmentWeb(site, max_lifetime=60) as web:
        fetcher = Fetcher(FetchPolicy(timeout=5, per_host=4, delay=0.2))
        threads = [threading.Thread(target=fetcher.fetch, args=(report(web, "ok"),)) for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        fetcher.close()
    assert elapsed >= 3 * 0.2  # starts at 0, 0.2, 0.4, 0.6 s


def test_local_files_are_read_and_a_missing_one_is_a_document_error(tmp_path: Path) -> None:
    fetcher = Fetcher(FetchPolicy(local_roots=(str(tmp_path),)))
    path = tmp_path / "report.txt"
    path.write_bytes(BODY)
    local = Report(unit_id="test-unit", year=2023, url=str(path), format="txt")
    assert fetcher.fetch(local).data == BODY and fetcher.fetch(local).http_status is None
    path.unlink()
    with pytest.raises(DocumentError, match="file not found"):
        fetcher.fetch(local)


def test_invalid_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="per_host must be at least 1"):
        Fetcher(FetchPolicy(per_host=0))
    with pytest.raises(ValueError, match="kind 'bogus' not one of"):
        FetchError("http://x", "bogus", "?")


def test_raw_store_keeps_bytes_once_and_never_overwrites(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    sha = "ab" + "0" * 62
    first = Path(store.put(sha, "txt", b"first"))
    stamp = first.stat().st_mtime_ns
    second = Path(store.put(sha, "txt", b"other bytes under the same name"))
    assert first == second == tmp_path / "raw" / "ab" / f"{sha}.txt"
    assert first.read_bytes() == b"first" and first.stat().st_mtime_ns == stamp
    assert not [p for p in (tmp_path / "raw").rglob("*.tmp")]
