"""The run lock: one writer at a time for a data folder, a lake and a warehouse.

``juesuan run`` (and the served nightly flow) and ``juesuan validate`` write the lake (partitions,
``documents``, findings) and publish the warehouse. Two of them on the same lake — even with
different ``JUESUAN_DATA_DIR`` — would lose ``documents`` rows and mail stewards twice (issue
13.3), so each takes an exclusive ``flock`` on

* ``{data_dir}/.nightly.lock`` — the raw store, outbox, validation results, reports;
* ``{lake folder's parent}/.{lake name}.lock`` — the lake itself, beside it so that a night with
  nothing new leaves the lake's files as they were (a remote lake, ``s3://…``, cannot be locked on the
  object store: its lock is a file in the machine's temporary folder named after the URL, so it
  guards one machine only — see docs/nightly.md);
* ``{warehouse folder}/.{warehouse name}.lock`` — the published warehouse.

The locks are taken without waiting: a second run stops at once with one line naming the holder
(its pid and start time are written into the lock file). The kernel releases a lock when its
process dies, kill -9 included. Within one process the lock is re-entrant (``juesuan run`` takes
it before Prefect starts, the flow body takes it again).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from juesuan.errors import JuesuanError
from juesuan.settings import Settings

log = logging.getLogger(__name__)

DATA_LOCK = ".nightly.lock"


class LockBusy(JuesuanError):
    """Another process holds a lock this run needs."""


@dataclass
class _Held:
    handle: IO[str]
    count: int
    since: float  # time.time() when this process took it


_HELD: dict[str, _Held] = {}
_GUARD = threading.Lock()


def lock_paths(settings: Settings) -> list[tuple[str, Path]]:
    """What a writing run locks: (what, lock file) for the data folder, the lake and the warehouse."""
    paths = [(f"data folder {settings.data_dir}", settings.data_dir / DATA_LOCK)]
    if settings.lake_url:
        digest = hashlib.sha256(settings.lake_url.encode()).hexdigest()[:16]
        paths.append((f"lake {settings.lake_url}", Path(tempfile.gettempdir()) / f"juesuan-lake-{digest}.lock"))
    else:
        lake = settings.lake
        paths.append((f"lake {lake}", lake.parent / f".{lake.name}.lock"))
    warehouse = settings.warehouse
    paths.append((f"warehouse {warehouse}", warehouse.parent / f".{warehouse.name}.lock"))
    return paths


@contextmanager
def run_lock(settings: Settings) -> Iterator[float]:
    """Hold the data folder's, the lake's and the warehouse's locks; yields when they were taken.

    :class:`LockBusy` at once (no waiting) when another process holds one of them. Holding them,
    the temporary files of warehouse builds older than the lock are removed: only a killed run can
    have left them (issue 13.4).
    """
    from juesuan.warehouse.build import remove_stale_builds

    with ExitStack() as stack:
        taken = [stack.enter_context(hold(path, what)) for what, path in _unique(lock_paths(settings))]
        since = min(taken)
        remove_stale_builds(settings.warehouse, since)
        yield since


def _unique(paths: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """One entry per lock file, in a fixed order (by path)."""
    seen: dict[str, tuple[str, Path]] = {}
    for what, path in paths:
        seen.setdefault(str(path.resolve()), (what, path))
    return [seen[key] for key in sorted(seen)]


@contextmanager
def hold(path: Path, what: str) -> Iterator[float]:
    """An exclusive, non-blocking ``flock`` on ``path`` (created with its folder); re-entrant per process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            held.count += 1
        else:
            handle = path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                handle.seek(0)
                holder = " ".join(handle.read().split()) or "another process"
                handle.close()
                raise LockBusy(
                    f"another juesuan run holds the lock on the {what} {path.parent} ({holder}); wait for it to finish"
                ) from exc
            handle.seek(0)
            handle.truncate()
            started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            handle.write(f"pid {os.getpid()} since {started}\n")
            handle.flush()
            held = _HELD[key] = _Held(handle=handle, count=1, since=time.time())
    try:
        yield held.since
    finally:
        with _GUARD:
            held.count -= 1
            if held.count == 0:
                del _HELD[key]
                fcntl.flock(held.handle, fcntl.LOCK_UN)
                held.handle.close()
