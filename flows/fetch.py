"""Fetching reports like a good citizen, and like a careful one.

One :class:`Fetcher` per process holds one ``httpx.Client`` (a shared, thread-safe connection pool)
and, per host, a gate that lets at most ``per_host`` requests run at once and starts them at least
``delay`` seconds apart, whatever the size of the task pool above it. Requests carry a User-Agent
naming the project, give up after ``timeout`` seconds per read, and are conditional
(``If-None-Match`` / ``If-Modified-Since``) when the last fetch left validators, so an unchanged
report costs the server a ``304 Not Modified`` and no body.

What a download may do (issue 13.7, docs/security.md):

* **Redirects** are followed by hand, up to ``max_redirects``, only to ``http(s)://`` and only to
  hosts whose every address is a public one — or of the same kind as the registry URL's own host
  (a report on ``127.0.0.1`` may redirect to another loopback port; a public one may never reach
  a loopback, private or link-local address such as a cloud metadata service). The addresses are
  checked again when the connection is opened (:class:`_GuardedBackend`), so a name that resolves
  differently the second time gains nothing. The final URL is kept (``Fetched.url``).
* **Size**: at most ``max_bytes`` on the wire *and* after decoding (``Content-Length`` is checked
  before reading, the body as it streams; gzip and deflate are decoded here with a bounded output,
  other encodings are refused), so a small gzip body cannot grow into a gigabyte.
* **Time**: ``timeout`` bounds each read, ``deadline`` the whole download: every read is given what
  is left of the deadline, so a server trickling a byte at a time is cut off at the deadline.
* **Logins** in a registry URL are sent (HTTP Basic) to that URL's own origin only, never to a host
  it redirects to; they are never part of a stored or shown URL.

The web as it is, and what each failure becomes (:class:`FetchError`):

==========================================  ===============  =========
what happened                               ``kind``         retried
==========================================  ===============  =========
404 / 410                                   ``withdrawn``    no
other 4xx                                   ``http-error``   no
5xx, 429                                    ``server-error`` yes
connect / read timeout, deadline            ``timeout``      yes
connection dropped before or during a body  ``connection``   yes
fewer bytes than Content-Length             ``truncated``    yes
redirect or address not allowed             ``refused``      no
larger than ``max_bytes``                   ``too-large``    no
==========================================  ===============  =========

An HTML page served with status 200 where a report was expected arrives as bytes; the format
sniffer (``juesuan.extract.document``) quarantines it.

Local sources (plain paths and ``file://`` URLs) are read only when they are regular files under
one of ``local_roots`` (the registry's folder and ``JUESUAN_LOCAL_ROOTS``), symbolic links
resolved, and no larger than ``max_bytes``; anything else (``/proc/self/environ``, ``/dev/zero``,
``file:///etc/passwd``) is a :class:`~juesuan.errors.DocumentError` naming why (quarantined).
Retrying is the caller's business (the Prefect task's ``retries``, or :func:`fetch_with_retries`).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from juesuan import __version__
from juesuan.errors import DocumentError, JuesuanError
from juesuan.extract.document import read_regular_file
from juesuan.registry import Report
from juesuan.urls import redact, split_credentials

log = logging.getLogger(__name__)

USER_AGENT = f"juesuan/{__version__} (final-account report collector)"
FETCH_ERROR_KINDS = (
    "withdrawn",
    "http-error",
    "server-error",
    "timeout",
    "connection",
    "truncated",
    "refused",
    "too-large",
)
RETRYABLE_KINDS = ("server-error", "timeout", "connection", "truncated")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
#: The only encodings asked for and decoded (with a bounded output); anything else is refused.
ACCEPT_ENCODING = "gzip, deflate"
_MB = 1024 * 1024


class FetchError(JuesuanError):
    """A report could not be downloaded; ``kind`` says why and whether a retry may help."""

    def __init__(self, url: str, kind: str, reason: str, http_status: int | None = None) -> None:
        if kind not in FETCH_ERROR_KINDS:
            raise ValueError(f"fetch error kind {kind!r} not one of {FETCH_ERROR_KINDS}")
        self.url = redact(url)
        self.kind = kind
        self.reason = reason
        self.http_status = http_status
        super().__init__(f"{self.url}: {reason}")

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str, str, int | None]]:
        # Errors travel back from Dask workers pickled; keep every field.
        return (FetchError, (self.url, self.kind, self.reason, self.http_status))


@dataclass(frozen=True)
class FetchPolicy:
    """How to treat the sites: timeouts, per-host limits, politeness, redirects, size, local roots."""

    timeout: float = 30.0
    per_host: int = 2
    delay: float = 0.5
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    max_bytes: int = 100 * _MB  # on the wire and after decoding
    deadline: float = 300.0  # seconds for one download in all
    #: Folders local report files may be read from (absolute); empty: no local file is read.
    local_roots: tuple[str, ...] = ()


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
    """A response: the body (``None`` for ``304 Not Modified``) and what the server said about it.

    ``url`` is where the bytes came from: the final URL after redirects (never with a login).
    """

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


# --- which addresses a download may reach ------------------------------------------------------------------
def address_kind(address: str) -> str:
    """``public``, ``loopback``, ``private``, ``link-local`` or ``reserved`` (multicast, unspecified …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    return "public" if ip.is_global else "reserved"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Refused(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _Refused(Exception):
    """A host or address the download may not reach (turned into ``FetchError('refused')``)."""


@dataclass
class _Guard:
    """The rules of the download running in this thread: which address kinds, and until when."""

    allowed: frozenset[str]
    deadline: float  # time.monotonic()

    def check(self, host: str, addresses: Iterable[str]) -> None:
        for address in addresses:
            kind = address_kind(address)
            if kind not in self.allowed:
                raise _Refused(f"{host} resolves to {address}, a {kind} address, which this report may not reach")

    def bounded(self, timeout: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the download's deadline passed")
        return left if timeout is None else min(timeout, left)


_GUARDS = threading.local()


def _guard() -> _Guard | None:
    return getattr(_GUARDS, "current", None)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write gets at most what is left of the download's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    @staticmethod
    def _timeout(timeout: float | None) -> float | None:
        guard = _guard()
        return timeout if guard is None else guard.bounded(timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, self._timeout(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens connections only to addresses the running download may reach, bounded by its deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        guard = _guard()
        if guard is None:
            raise _Refused("a connection outside a download")
        addresses = resolve(host, port)
        guard.check(host, addresses)
        error: Exception | None = None
        for address in addresses:  # the checked addresses themselves: no second lookup to fool
            try:
                stream = self._inner.connect_tcp(
                    address, port, guard.bounded(timeout), local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise _Refused(f"a Unix socket ({path})")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _guarded_transport() -> httpx.HTTPTransport:
    """httpx's transport with the connection pool opening its connections through :class:`_GuardedBackend`."""
    transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=None, max_keepalive_connections=32))
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError(f"httpx {httpx.__version__}: cannot install the address guard in its connection pool")
    pool._network_backend = _GuardedBackend()
    return transport


# --- the fetcher -----------------------------------------------------------------------------------------
class Fetcher:
    """Downloads reports politely and within bounds; share one per process (see :func:`fetcher_for`)."""

    def __init__(self, policy: FetchPolicy) -> None:
        if policy.per_host < 1:
            raise ValueError(f"per_host must be at least 1, got {policy.per_host}")
        self.policy = policy
        self._client = httpx.Client(
            transport=_guarded_transport(),
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=False,  # followed by hand: every hop is checked
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=False,  # no proxy or .netrc from the environment: the guard sees every connection
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
            return read_local(report, self.policy)
        return self.get(report.url, validators or Validators(), credentials=report.credentials)

    def get(self, url: str, validators: Validators, credentials: tuple[str, str] | None = None) -> Fetched:
        """GET ``url`` (and its redirects) within the policy's bounds."""
        url, embedded = split_credentials(url)
        credentials = credentials or embedded
        origin = urlsplit(url)
        if origin.scheme not in ("http", "https") or not origin.hostname:
            raise FetchError(url, "refused", f"not an http(s) URL: {redact(url)}")
        with self._gate(origin.netloc).turn():
            # The deadline starts once the gate lets the download go: waiting for a turn is no download time.
            guard = _Guard(allowed=frozenset(), deadline=time.monotonic() + self.policy.deadline)
            previous = _guard()
            _GUARDS.current = guard
            try:
                return self._follow(url, validators, credentials, guard)
            finally:
                _GUARDS.current = previous

    def _follow(self, url: str, validators: Validators, credentials: tuple[str, str] | None, guard: _Guard) -> Fetched:
        origin = urlsplit(url)
        port = origin.port or (443 if origin.scheme == "https" else 80)
        try:
            # The registry's own host sets what else is allowed: public addresses, and its own kind.
            own = {address_kind(a) for a in resolve(origin.hostname or "", port)}
        except _Refused as exc:
            raise FetchError(url, "connection", str(exc)) from exc
        guard.allowed = frozenset({"public", *own})
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            target = urlsplit(current)
            same_origin = (target.scheme, target.hostname, target.port) == (origin.scheme, origin.hostname, origin.port)
            auth = httpx.BasicAuth(*credentials) if credentials and same_origin else None
            try:
                with self._client.stream("GET", current, headers=validators.headers(), auth=auth) as response:
                    if response.status_code in REDIRECT_STATUSES and "Location" in response.headers:
                        current = self._redirect(url, current, response.headers["Location"], guard)
                        continue
                    success = 200 <= response.status_code < 300
                    body = self._read_body(url, response, guard) if success else None
                    return _check_response(url, current, response, body)
            except _Refused as exc:
                raise FetchError(url, "refused", f"refused: {exc}") from exc
            except httpx.TimeoutException as exc:
                if time.monotonic() >= guard.deadline:
                    reason = f"not finished within its deadline of {self.policy.deadline:g} s"
                else:
                    reason = f"timed out after {self.policy.timeout:g} s ({exc.__class__.__name__})"
                raise FetchError(url, "timeout", reason) from exc
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError, httpx.WriteError) as exc:
                # httpx words a body cut short as "…complete message body: received N bytes, expected M".
                if "message body" in str(exc):
                    raise FetchError(url, "truncated", f"truncated body, connection closed early: {exc}") from exc
                raise FetchError(url, "connection", f"connection dropped: {exc}") from exc
        raise FetchError(url, "http-error", f"more than {self.policy.max_redirects} redirects")

    def _redirect(self, url: str, current: str, location: str, guard: _Guard) -> str:
        """The next hop, if a download from ``url`` may go there (http(s), an allowed address)."""
        target, _login = split_credentials(urljoin(current, location))
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Refused(f"a redirect to {redact(target)}: only http(s) is followed")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        guard.check(parts.hostname, resolve(parts.hostname, port))
        log.info("%s redirects to %s", redact(current), target)
        return target

    def _read_body(self, url: str, response: httpx.Response, guard: _Guard) -> bytes:
        """The decoded body, at most ``max_bytes`` on the wire and after decoding."""
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, "too-large", _too_large(f"declares {int(declared):,} bytes", limit), 200)
        decoder = _Decoder(url, response.headers.get("Content-Encoding", ""), limit)
        wire = 0
        for chunk in response.iter_raw():
            wire += len(chunk)
            if wire > limit:
                raise FetchError(url, "too-large", _too_large(f"sent more than {limit:,} bytes", limit), 200)
            decoder.feed(chunk)
            if time.monotonic() >= guard.deadline:
                raise FetchError(url, "timeout", f"not finished within its deadline of {self.policy.deadline:g} s")
        body = decoder.finish()
        if declared.isdigit() and wire != int(declared):
            raise FetchError(url, "truncated", f"truncated body: {wire} of {declared} bytes", 200)
        return body


def _too_large(what: str, limit: int) -> str:
    return f"document too large: the server {what}, above the limit of {limit / _MB:g} MB (JUESUAN_MAX_DOCUMENT_MB)"


_DECODE_STEP = 1 << 20  # bytes a decompression call may produce at once


class _Decoder:
    """Content-Encoding undone with a bounded output: never more than ``limit`` bytes in memory."""

    def __init__(self, url: str, encoding: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        name = encoding.strip().lower()
        self._zlib: Any = None
        self._raw_deflate_fallback = False
        if name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_fallback = True
        elif name not in ("", "identity"):
            raise FetchError(url, "refused", f"refused: Content-Encoding {encoding!r} (only gzip and deflate)", 200)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(
                self.url,
                "too-large",
                _too_large(f"sent a body that decodes to more than {self.limit:,} bytes", self.limit),
                200,
            )
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._add(chunk)
            return
        data = chunk
        try:
            while data:
                # In steps: one call asked for the whole remaining limit may allocate it several times over.
                self._add(self._zlib.decompress(data, min(self.limit - self.size + 1, _DECODE_STEP)))
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            if self._raw_deflate_fallback and not self.parts:
                # "deflate" bodies without the zlib header exist in the wild: raw deflate.
                self._raw_deflate_fallback = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self.feed(chunk)
                return
            raise FetchError(self.url, "truncated", f"damaged compressed body: {exc}", 200) from exc
        self._raw_deflate_fallback = False

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._add(self._zlib.flush())
        return b"".join(self.parts)


def _check_response(url: str, final_url: str, response: httpx.Response, body: bytes | None) -> Fetched:
    status = response.status_code
    if status == 304:
        return Fetched(
            url=final_url,
            http_status=304,
            data=None,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
    if status in (404, 410):
        raise FetchError(url, "withdrawn", f"HTTP {status} {response.reason_phrase}: the report was withdrawn", status)
    if status == 429 or status >= 500:
        raise FetchError(url, "server-error", f"HTTP {status} {response.reason_phrase}", status)
    if not 200 <= status < 300 or body is None:
        raise FetchError(url, "http-error", f"HTTP {status} {response.reason_phrase}", status)
    return Fetched(
        url=final_url,
        http_status=status,
        data=body,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


# --- local files ------------------------------------------------------------------------------------------
def read_local(report: Report, policy: FetchPolicy) -> Fetched:
    """A local report file: a regular file under one of ``policy.local_roots``, at most ``max_bytes``."""
    data = read_local_file(report.local_path(), policy.local_roots, policy.max_bytes, source=report.url)
    return Fetched(url=report.url, http_status=None, data=data)


def read_local_file(path: Path, roots: Iterable[str | Path], max_bytes: int, *, source: str | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file under one of ``roots`` (symbolic links resolved).

    :class:`~juesuan.errors.DocumentError` naming the reason otherwise: outside the roots (such as
    ``/proc/self/environ`` or ``/etc/passwd``), not a regular file (``/dev/zero``, a pipe, a folder),
    missing, or larger than ``max_bytes``.
    """
    source = source or str(path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise DocumentError(source, "file not found") from exc
    except (OSError, RuntimeError) as exc:  # a symbolic link loop, a permission error on the way
        raise DocumentError(source, f"cannot resolve the path: {exc}") from exc
    allowed = [Path(root).resolve() for root in roots]
    if not any(resolved.is_relative_to(root) for root in allowed):
        where = ", ".join(map(str, allowed)) or "none configured"
        raise DocumentError(
            source,
            f"refused: {resolved} is outside the folders reports may be read from ({where}); "
            "local reports must sit under the registry's folder or JUESUAN_LOCAL_ROOTS",
        )
    return read_regular_file(resolved, max_bytes, source=source)


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
