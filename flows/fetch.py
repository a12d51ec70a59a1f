"""Fetching reports like a good citizen.

One :class:`Fetcher` per process holds one ``httpx.Client`` (a shared, thread-safe connection pool)
and, per host, a gate that lets at most ``per_host`` requests run at once and starts them at least
``delay`` seconds apart, whatever the size of the task pool above it. Requests carry a User-Agent
naming the project, follow redirects (up to a limit), give up after ``timeout`` seconds, and are
conditional (``If-None-Match`` / ``If-Modified-Since``) when the last fetch left validators, so an
unchanged report costs the server a ``304 Not Modified`` and no body.

The web as it is, and what each failure becomes (:class:`FetchError`):

==========================================  ===============  =========
what happened                               ``kind``         retried
==========================================  ===============  =========
404 / 410                                   ``withdrawn``    no
other 4xx                                   ``http-error``   no
5xx, 429                                    ``server-error`` yes
connect / read timeout                      ``timeout``      yes
connection dropped before or during a body  ``connection``   yes
fewer bytes than Content-Length             ``truncated``    yes
==========================================  ===============  =========

An HTML page served with status 200 where a report was expected arrives as bytes; the format
sniffer (``juesuan.extract.document``) quarantines it. Local paths and ``file://`` URLs are read
from disk (a missing file is a :class:`~juesuan.errors.DocumentError`, quarantined as before).
Retrying is the caller's business (the Prefect task's ``retries``, or :func:`fetch_with_retries`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx

from juesuan import __version__
from juesuan.errors import DocumentError, JuesuanError
from juesuan.registry import Report

log = logging.getLogger(__name__)

USER_AGENT = f"juesuan/{__version__} (final-account report collector)"
FETCH_ERROR_KINDS = ("withdrawn", "http-error", "server-error", "timeout", "connection", "truncated")
RETRYABLE_KINDS = ("server-error", "timeout", "connection", "truncated")


class FetchError(JuesuanError):
    """A report could not be downloaded; ``kind`` says why and whether a retry may help."""

    def __init__(self, url: str, kind: str, reason: str, http_status: int | None = None) -> None:
        if kind not in FETCH_ERROR_KINDS:
            raise ValueError(f"fetch error kind {kind!r} not one of {FETCH_ERROR_KINDS}")
        self.url = url
        self.kind = kind
        self.reason = reason
        self.http_status = http_status
        super().__init__(f"{url}: {reason}")

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str, str, int | None]]:
        # Errors travel back from Dask workers pickled; keep every field.
        return (FetchError, (self.url, self.kind, self.reason, self.http_status))


@dataclass(frozen=True)
class FetchPolicy:
    """How to treat the sites: timeouts, per-host limits, politeness delay, redirects."""

    timeout: float = 30.0
    per_host: int = 2
    delay: float = 0.5
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Validators:
    """What the last response said about its body, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    """A response: the body (``None`` for ``304 Not Modified``) and what the server said about it."""

    url: str
    http_status: int | None  # None for local files
    data: bytes | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


class _HostGate:
    """At most ``slots`` requests at once to one host, their starts at least ``delay`` apart."""

    def __init__(self, slots: int, delay: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._delay = delay
        self._next_start = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._delay
            if start > now:
                time.sleep(start - now)
            yield


class Fetcher:
    """Downloads reports politely; share one per process (see :func:`fetcher_for`)."""

    def __init__(self, policy: FetchPolicy) -> None:
        if policy.per_host < 1:
            raise ValueError(f"per_host must be at least 1, got {policy.per_host}")
        self.policy = policy
        self._client = httpx.Client(
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=True,
            max_redirects=policy.max_redirects,
            headers={"User-Agent": policy.user_agent},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=32),
        )
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def _gate(self, host: str) -> _HostGate:
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self.policy.per_host, self.policy.delay)
            return gate

    def fetch(self, report: Report, validators: Validators | None = None) -> Fetched:
        """The report's bytes, or ``304`` when the validators still hold; :class:`FetchError` else."""
        if not report.is_remote:
            return _read_local(report)
        return self.get(report.url, validators or Validators())

    def get(self, url: str, validators: Validators) -> Fetched:
        host = urlparse(url).netloc
        with self._gate(host).turn():
            try:
                response = self._client.get(url, headers=validators.headers())
                body = response.content
            except httpx.TimeoutException as exc:
                reason = f"timed out after {self.policy.timeout:g} s ({exc.__class__.__name__})"
                raise FetchError(url, "timeout", reason) from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(url, "http-error", f"more than {self.policy.max_redirects} redirects") from exc
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError, httpx.WriteError) as exc:
                # httpx words a body cut short as "…complete message body: received N bytes, expected M".
                if "message body" in str(exc):
                    raise FetchError(url, "truncated", f"truncated body, connection closed early: {exc}") from exc
                raise FetchError(url, "connection", f"connection dropped: {exc}") from exc
        return _check_response(url, response, body)


def _check_response(url: str, response: httpx.Response, body: bytes) -> Fetched:
    status = response.status_code
    if status == 304:
        return Fetched(
            url=url,
            http_status=304,
            data=None,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
    if status in (404, 410):
        raise FetchError(url, "withdrawn", f"HTTP {status} {response.reason_phrase}: the report was withdrawn", status)
    if status == 429 or status >= 500:
        raise FetchError(url, "server-error", f"HTTP {status} {response.reason_phrase}", status)
    if status >= 400 or status < 200 or status >= 300:
        raise FetchError(url, "http-error", f"HTTP {status} {response.reason_phrase}", status)
    declared = response.headers.get("Content-Length")
    if declared is not None and "Content-Encoding" not in response.headers and declared.isdigit():
        if len(body) != int(declared):
            raise FetchError(url, "truncated", f"truncated body: {len(body)} of {declared} bytes", status)
    return Fetched(
        url=str(response.url),
        http_status=status,
        data=body,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _read_local(report: Report) -> Fetched:
    path = report.local_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(report.url, "file not found") from exc
    except IsADirectoryError as exc:
        raise DocumentError(report.url, "is a directory, not a file") from exc
    return Fetched(url=report.url, http_status=None, data=data)


_FETCHERS: dict[FetchPolicy, Fetcher] = {}
_FETCHERS_LOCK = threading.Lock()


def fetcher_for(policy: FetchPolicy) -> Fetcher:
    """The process's fetcher for ``policy``: every task in a process shares its host gates."""
    with _FETCHERS_LOCK:
        fetcher = _FETCHERS.get(policy)
        if fetcher is None:
            fetcher = _FETCHERS[policy] = Fetcher(policy)
        return fetcher


def backoff_delays(retries: int, base: float) -> list[float]:
    """Exponential backoff: ``base``, ``2·base``, ``4·base`` … (one delay per retry)."""
    return [base * 2**attempt for attempt in range(retries)]


def fetch_with_retries(
    fetcher: Fetcher, report: Report, validators: Validators | None, retries: int, backoff: float
) -> Fetched:
    """:meth:`Fetcher.fetch`, retrying retryable failures with exponential backoff (plain loop)."""
    delays = backoff_delays(retries, backoff)
    for attempt in range(retries + 1):
        try:
            return fetcher.fetch(report, validators)
        except FetchError as exc:
            if not exc.retryable or attempt == retries:
                raise
            log.info("%s: %s; retry %d of %d in %.2f s", report.url, exc.reason, attempt + 1, retries, delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
