"""Prefect's temporary API server for one run, started so that it dies with the run.

Without ``PREFECT_API_URL`` Prefect starts an "ephemeral" API server as a child process
(uvicorn on a loopback port) and stops it at interpreter exit. A run killed with ``kill -9`` never
reaches that exit, and the server lived on as an orphan (~230 MB and a port each; issue 13.4).

:func:`temporary_api` starts the same server itself: the socket is bound here (127.0.0.1, a free
port) and handed to uvicorn as an inherited file descriptor, and the child holds the read end of a
pipe whose write end only this process has: when this process dies, however it dies, the kernel
closes the pipe and the child exits at once. The run points Prefect at it through
``temporary_settings``; at the end Prefect's log and event workers are drained and the server is
stopped. With ``PREFECT_API_URL`` set (a real server, or the test harness) nothing is started.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from juesuan.errors import JuesuanError

log = logging.getLogger(__name__)

#: Runs in the child before uvicorn: a thread waits on a pipe whose only writer is the parent; the
#: kernel closes it when the parent dies (kill -9 included), the read returns, the server exits.
_LAUNCHER = """
import os, runpy, sys, threading
lifeline = int(sys.argv[1])
def _watch():
    while os.read(lifeline, 1):
        pass
    os._exit(0)
threading.Thread(target=_watch, name="juesuan-lifeline", daemon=True).start()
sys.argv = ["uvicorn", *sys.argv[2:]]
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""


class PrefectServerError(JuesuanError):
    """Prefect's temporary API server did not start."""


def _drain_prefect_workers(timeout: float = 10.0) -> None:
    """Send the logs and events Prefect still holds before the server goes away."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except RuntimeError as exc:  # a worker that never started has nothing to drain
            log.debug("draining %s: %s", worker.__name__, exc)


@contextmanager
def temporary_api(startup_timeout: float | None = None) -> Iterator[str | None]:
    """Run Prefect against a temporary API server that dies with this process; yields its URL.

    Yields ``None`` and starts nothing when ``PREFECT_API_URL`` is set.
    """
    import prefect
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        get_current_settings,
        temporary_settings,
    )

    if PREFECT_API_URL.value():
        yield None
        return
    timeout = startup_timeout or float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    env = {
        **os.environ,
        **get_current_settings().to_environment_variables(exclude_unset=True),
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    process, port, lifeline = _start(env, str(prefect.__module_path__.parent))
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_until_healthy(process, url, timeout)
        log.info("temporary Prefect API on %s (pid %d)", url, process.pid)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                _drain_prefect_workers()
    finally:
        os.close(lifeline)  # the child's lifeline ends: it exits
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start(env: dict[str, str], app_dir: str) -> tuple[subprocess.Popen[bytes], int, int]:
    """The server process, its port and the write end of its lifeline (close it to stop the server)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lifeline_read, lifeline_write = os.pipe()  # neither end inheritable: only the read end is passed on
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        command = [
            sys.executable,
            "-c",
            _LAUNCHER,
            str(lifeline_read),
            "--app-dir",
            app_dir,
            "--factory",
            "prefect.server.api.server:create_app",
            "--fd",
            str(listener.fileno()),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ]
        process = subprocess.Popen(command, env=env, pass_fds=(listener.fileno(), lifeline_read))
    except BaseException:
        os.close(lifeline_write)
        raise
    finally:
        listener.close()  # the child has its own copies
        os.close(lifeline_read)
    return process, port, lifeline_write


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PrefectServerError(f"Prefect's temporary API server exited with status {process.returncode}")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise PrefectServerError(f"Prefect's temporary API server did not answer on {url} within {timeout:g} s")
