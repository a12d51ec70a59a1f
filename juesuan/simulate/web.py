"""A local "government web": serves a synthetic corpus on loopback the way real sites behave.

A :class:`ThreadingHTTPServer` on ``127.0.0.1`` (a free port) serves the files under a folder, read
from disk at every request (rewrite a file and the site has republished it). Every response
carries an ``ETag`` (the body's hash) and ``Last-Modified`` and answers conditional requests with
``304 Not Modified``. A base ``latency`` delays every answer, as slow government sites do, and the
faults of :data:`juesuan.simulate.corpus.FAULT_OUTCOMES` are played per path: slow answers,
404/410, 500, a 503 that heals after ``flaky_failures`` requests, an HTML error page with status
200, a dropped connection, a body cut short of its Content-Length, a redirect, an answer later than
the client waits.

For the disclosure sites of ``juesuan.simulate.portal`` it also serves HTML pages (``.html``,
``.htm``, ``.shtml``, ``.jsp``), a page per query string (``list.jsp?page=2`` is the file
``list.jsp@page=2``), a ``Content-Type`` of its own per path (``content_types``: a GBK page whose
header names its charset) and fixed redirects (``redirects``: ``download.jsp?fileid=7`` → 302 to
the file), as download scripts answer. ``faults`` and ``redirects`` are plain dictionaries: a test
may change them between nights.

The server stops by itself: on leaving its ``with`` block, or after ``max_lifetime`` seconds.
It counts requests per path and keeps the User-Agents it saw, for tests.

Hostile behaviour for the hardening tests (issue 13.7, 13.9), all optional and per path:
``redirects`` (path → any ``Location``, answered with 302), ``encodings`` (path → a
``Content-Encoding`` sent with the file's bytes as they are on disk, e.g. a gzip bomb), ``trickle``
(path → seconds between the body's bytes, sent one at a time), and ``basic_auth`` (every request must
carry that login; the ``Authorization`` headers seen are kept in ``authorizations``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

from juesuan.errors import UsageError
from juesuan.simulate.corpus import CONTENT_FAULTS, FAULTS

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".jsp": "text/html",
    ".xml": "text/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>\xe7\xb3\xbb\xe7\xbb\x9f\xe7\xbb\xb4\xe6\x8a\xa4"
    b"</title></head><body><h1>System maintenance</h1><p>Please come back later.</p></body></html>"
)
MOVED_PREFIX = "/moved"


class GovernmentWeb:
    """Serve ``root`` on loopback with per-path ``faults`` (URL path → fault name)."""

    def __init__(
        self,
        root: Path,
        faults: dict[str, str] | None = None,
        *,
        latency: float = 0.0,
        slow_seconds: float = 0.5,
        hang_seconds: float = 5.0,
        flaky_failures: int = 1,
        max_lifetime: float = 900.0,
        redirects: dict[str, str] | None = None,
        encodings: dict[str, str] | None = None,
        trickle: dict[str, float] | None = None,
        basic_auth: tuple[str, str] | None = None,
        content_types: dict[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.faults = dict(faults or {})
        for path, fault in self.faults.items():
            if fault not in FAULTS or fault in CONTENT_FAULTS:
                served = [f for f in FAULTS if f not in CONTENT_FAULTS]
                raise UsageError(f"fault of {path}", fault, served)
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.hang_seconds = hang_seconds
        self.flaky_failures = flaky_failures
        self.max_lifetime = max_lifetime
        self.redirects = dict(redirects or {})
        self.encodings = dict(encodings or {})
        self.trickle = dict(trickle or {})
        self.basic_auth = basic_auth
        self.authorizations: list[tuple[str, str]] = []  # (path, Authorization header) of every request carrying one
        self.content_types = dict(content_types or {})  # URL path → Content-Type header
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.bodies: Counter[str] = Counter()  # 200 answers with the file's body, per path
        self.user_agents: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests answered at once (per-host limits are checked on it)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # --- life cycle -----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local web is not running: call start() first")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> GovernmentWeb:
        handler = _handler_for(self)
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="government-web", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        log.info("local government web on %s serving %s", self.base_url, self.root)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> GovernmentWeb:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # --- what a request gets ----------------------------------------------------------------------------
    def count(self, path: str, user_agent: str | None) -> int:
        with self._lock:
            self.requests[path] += 1
            if user_agent:
                self.user_agents.add(user_agent)
            return self.requests[path]

    def entering(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leaving(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def file_for(self, path: str, query: str = "") -> Path | None:
        """The file served at ``path`` (``path@query`` first when the request has a query string)."""
        names = [f"{path}@{query}", path] if query else [path]
        for name in names:
            candidate = (self.root / name.lstrip("/")).resolve()
            if candidate.is_relative_to(self.root) and candidate.is_file():
                return candidate
        return None

    def content_type(self, path: str, file: Path) -> str:
        if path in self.content_types:
            return self.content_types[path]
        return CONTENT_TYPES.get(file.suffix.split("@", 1)[0], "application/octet-stream")


class _QuietServer(ThreadingHTTPServer):
    """Clients that gave up (timeouts, dropped connections) are part of the game, not errors to print."""

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("request from %s ended early", client_address)


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _handler_for(web: GovernmentWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "GovWeb/1.0"

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s - %s", self.address_string(), format % args)

        def do_GET(self) -> None:
            web.entering()
            try:
                self._answer()
            finally:
                web.leaving()

        def _answer(self) -> None:
            raw_path, _, query = self.path.partition("?")
            path = unquote(raw_path)
            authorization = self.headers.get("Authorization")
            if authorization is not None:
                with web._lock:
                    web.authorizations.append((path, authorization))
            if self.path in web.redirects:
                web.count(path, self.headers.get("User-Agent"))
                self.send_response(302)
                self.send_header("Location", web.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            served_path = path.removeprefix(MOVED_PREFIX) if path.startswith(MOVED_PREFIX + "/") else path
            attempt = web.count(path, self.headers.get("User-Agent"))
            if web.latency:
                time.sleep(web.latency)
            if self._hostile(path):
                return
            fault = web.faults.get(served_path, "none") if served_path == path else "none"
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault in ("not-found", "gone", "server-error"):
                status = {"not-found": 404, "gone": 410, "server-error": 500}[fault]
                return self._send(status, b"<html><body>error</body></html>", "text/html; charset=utf-8")
            if fault == "flaky" and attempt <= web.flaky_failures:
                return self._send(503, b"<html><body>busy</body></html>", "text/html; charset=utf-8")
            if fault == "html-200":
                return self._send(200, ERROR_PAGE, "text/html; charset=utf-8")
            if fault == "redirect":
                self.send_response(301)
                self.send_header("Location", MOVED_PREFIX + raw_path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "slow":
                time.sleep(web.slow_seconds)
            if fault == "timeout":
                time.sleep(web.hang_seconds)
            file = web.file_for(served_path, query)
            if file is None:
                return self._send(404, b"<html><body>not found</body></html>", "text/html; charset=utf-8")
            data = file.read_bytes()
            etag = etag_of(data)
            modified = file.stat().st_mtime
            if self._not_modified(etag, modified):
                with web._lock:
                    web.not_modified[path] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(modified, usegmt=True))
                self.end_headers()
                return
            content_type = web.content_type(served_path, file)
            if fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            with web._lock:
                web.bodies[path] += 1
            self._send(200, data, content_type, {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)})

        def _hostile(self, path: str) -> bool:
            """Answer with one of the optional hostile behaviours; ``False`` when none applies."""
            authorization = self.headers.get("Authorization")
            if web.basic_auth is not None:
                expected = "Basic " + base64.b64encode(":".join(web.basic_auth).encode()).decode()
                if authorization != expected:
                    self._send(401, b"<html><body>login</body></html>", "text/html; charset=utf-8",
                               {"WWW-Authenticate": 'Basic realm="reports"'})  # fmt: skip
                    return True
            if path in web.redirects:
                self.send_response(302)
                self.send_header("Location", web.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            file = web.file_for(path)
            if file is not None and path in web.encodings:
                self._send(
                    200, file.read_bytes(), "text/plain; charset=utf-8", {"Content-Encoding": web.encodings[path]}
                )
                return True
            if file is not None and path in web.trickle:
                data = file.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for index in range(len(data)):
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                    time.sleep(web.trickle[path])
                return True
            return False

        def _not_modified(self, etag: str, modified: float) -> bool:
            match = self.headers.get("If-None-Match")
            if match is not None:
                return etag in [tag.strip() for tag in match.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since is None:
                return False
            try:
                return int(modified) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
