"""One document read in a worker process: its time limit ends the work, its memory has a ceiling.

A thread cannot be stopped from outside: Prefect's task timeout only raises an exception into it
between bytecodes, never inside pdfium, OpenCV or onnxruntime, and a 200 MB text export under
``juesuan run`` went on for minutes past its limit (issue 13.11). So ``juesuan run`` reads each
document in a process of its own:

* **time** — the parent waits for the result at most the time left; then it kills the worker
  (``SIGKILL``) and the document fails with "time limit … exceeded";
* **memory** — the worker's data segment is capped (``RLIMIT_DATA``: heap, anonymous mappings and
  thread stacks, what a bomb inflates) at ``DocumentLimits.memory_bytes``; an allocation past it
  fails (``MemoryError``), and the document is quarantined with the limit and its setting named.
  The limits on bytes, text, unpacked DOCX members and page pixels (:mod:`.document`) refuse the
  known bombs before they allocate; the cap catches what they do not foresee.

Workers are forked from a small *fork server* (:mod:`multiprocessing`'s ``forkserver``) that has
already imported the extraction modules and loaded the classification catalogue, so a worker costs
a fork, not an interpreter start; the fork server ends with the process that started it. Where no
child process may be started (inside a daemonic process such as a Dask worker) the document is read
in the calling thread, with the same limits except the memory cap and the hard time limit.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import resource
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from juesuan.errors import (
    ContractViolation,
    DocumentError,
    JuesuanError,
    NoTablesOrFiguresError,
    UnsupportedFormatError,
    UsageError,
    WrongReportError,
)
from juesuan.extract.api import Extraction, extract_raw_document
from juesuan.extract.document import RawDocument
from juesuan.registry import Registry
from juesuan.settings import ENV_PREFIX, MB, DocumentLimits

log = logging.getLogger(__name__)

#: Imported by the fork server once, so every worker starts with the readers and the catalogue loaded.
PRELOAD = "juesuan.extract._worker_preload"
#: Seconds past its time limit after which a worker ends itself (SIGALRM) if nobody killed it.
ORPHAN_GRACE = 30
_DOCUMENT_ERRORS: dict[str, type[DocumentError]] = {
    cls.__name__: cls for cls in (DocumentError, UnsupportedFormatError, NoTablesOrFiguresError, WrongReportError)
}


class WorkerCrashed(JuesuanError):
    """The worker reading a document ended without an answer (a bug in a reader, a crash in a C library)."""


@dataclass(frozen=True)
class Isolated:
    """What a worker made of a document — its extraction or the error it ended with — and what it cost."""

    extraction: Extraction | None
    error: Exception | None
    peak_rss_bytes: int  # the worker's peak resident memory (getrusage; 0 when it died without a word)
    seconds: float

    def result(self) -> Extraction:
        """The extraction, or the error raised."""
        if self.error is not None:
            raise self.error
        if self.extraction is None:  # pragma: no cover - one of the two is always set
            raise WorkerCrashed("the worker gave neither an extraction nor an error")
        return self.extraction


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


def can_isolate() -> bool:
    """Whether this process may start worker processes (a daemonic one, such as a Dask worker, may not)."""
    return not multiprocessing.current_process().daemon


def extract_isolated(
    document: RawDocument,
    *,
    unit_id: str | None,
    year: int | None,
    registry: Registry | None,
    expected_format: str | None,
    limits: DocumentLimits,
    time_limit: float | None,
    report_kind: str | None = None,
) -> Isolated:
    """Read ``document`` in a worker process within ``limits`` and ``time_limit`` seconds.

    Raises what reading it inline would raise (:class:`DocumentError` and its kinds,
    :class:`ContractViolation`, :class:`UsageError`), :class:`DocumentError` when the worker ran
    out of its memory, :class:`TimeoutError` past the time limit (the worker is killed), and
    :class:`WorkerCrashed` when it ended without an answer. :func:`run_isolated` returns the error
    instead, with what reading cost (``benchmarks/bombs.py``).
    """
    isolated = run_isolated(
        document,
        unit_id=unit_id,
        year=year,
        registry=registry,
        expected_format=expected_format,
        limits=limits,
        time_limit=time_limit,
        report_kind=report_kind,
    )
    isolated.result()
    return isolated


def run_isolated(
    document: RawDocument,
    *,
    unit_id: str | None,
    year: int | None,
    registry: Registry | None,
    expected_format: str | None,
    limits: DocumentLimits,
    time_limit: float | None,
    report_kind: str | None = None,
) -> Isolated:
    """:func:`extract_isolated` that returns the error in :class:`Isolated` rather than raising it."""
    started = time.perf_counter()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    arguments = {
        "unit_id": unit_id,
        "year": year,
        "registry": registry,
        "expected_format": expected_format,
        "report_kind": report_kind,
    }
    worker = _context().Process(
        target=_work,
        args=(sender, document, arguments, limits, time_limit, _juesuan_environment()),
        name=f"juesuan-extract {document.sha256[:12]}",
    )
    worker.start()
    sender.close()  # the worker holds the only writing end: its death reads as EOF
    try:
        answer = _receive(receiver, time_limit)
    finally:
        receiver.close()
        if worker.is_alive():  # over its time (or the caller was interrupted): ended, not waited for
            worker.kill()
        worker.join()
    seconds = time.perf_counter() - started
    if answer is None:
        timeout = TimeoutError(f"time limit of {time_limit:g} s exceeded while reading the document")
        return Isolated(extraction=None, error=timeout, peak_rss_bytes=0, seconds=seconds)
    if answer is EOFError:
        code = worker.exitcode or 0
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        error: Exception
        if code < 0:  # killed: by the kernel over memory, or a C library aborting on a failed allocation
            error = DocumentError(
                document.source,
                f"the process reading it was ended by {how}, most likely over its memory limit of "
                f"{limits.memory_bytes / MB:g} MB (JUESUAN_DOCUMENT_MEMORY_MB)",
            )
        else:
            error = WorkerCrashed(f"{document.source}: the process reading it ended with {how} and no answer")
        return Isolated(extraction=None, error=error, peak_rss_bytes=0, seconds=seconds)
    kind, payload, peak = answer
    if kind == "ok":
        return Isolated(extraction=payload, error=None, peak_rss_bytes=peak, seconds=seconds)
    return Isolated(
        extraction=None, error=_rebuild(document, limits, kind, payload), peak_rss_bytes=peak, seconds=seconds
    )


def _receive(receiver: Connection, time_limit: float | None) -> Any:
    """The worker's answer; ``None`` when the time ran out, ``EOFError`` (the class) when it died silent."""
    if not receiver.poll(time_limit):
        return None
    try:
        return receiver.recv()
    except EOFError:
        return EOFError


def _rebuild(document: RawDocument, limits: DocumentLimits, kind: str, payload: Any) -> Exception:
    if kind == "document":
        name, source, reason = payload
        return _DOCUMENT_ERRORS.get(name, DocumentError)(source, reason)
    if kind == "memory":
        return DocumentError(
            document.source,
            f"reading it needed more than its memory limit of {limits.memory_bytes / MB:g} MB "
            f"(JUESUAN_DOCUMENT_MEMORY_MB){payload}",
        )
    if kind == "contract":
        return ContractViolation(payload)
    if kind == "usage":
        name, value, allowed = payload
        return UsageError(name, value, allowed)
    return WorkerCrashed(f"{document.source}: the reader failed: {payload}")


def _juesuan_environment() -> dict[str, str]:
    """The caller's ``JUESUAN_*`` variables now (``JUESUAN_OCR`` …): the fork server's are from its start."""
    return {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIX)}


def _work(
    sender: Connection,
    document: RawDocument,
    arguments: dict[str, Any],
    limits: DocumentLimits,
    time_limit: float | None,
    environment: dict[str, str],
) -> None:
    """In the worker: the caller's settings, a capped data segment; read, send back the extraction or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker stops
    for name in [name for name in os.environ if name.startswith(ENV_PREFIX) and name not in environment]:
        del os.environ[name]
    os.environ.update(environment)
    if time_limit is not None:
        # Should the parent die (kill -9) and never kill this worker, the kernel ends it a little later.
        signal.alarm(math.ceil(time_limit) + ORPHAN_GRACE)
    resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    answer: tuple[str, Any]
    try:
        answer = ("ok", extract_raw_document(document, limits=limits, **arguments))
    except DocumentError as exc:
        answer = ("document", (type(exc).__name__, exc.source, exc.reason))
    except ContractViolation as exc:
        answer = ("contract", str(exc))
    except UsageError as exc:
        answer = ("usage", (exc.name, exc.value, exc.allowed))
    except MemoryError:
        answer = ("memory", "")
    except Exception as exc:  # noqa: BLE001 — the process boundary: a bug goes back as its traceback, not lost
        answer = ("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        sender.send((*answer, peak))
    except MemoryError:
        sender.send(("memory", " (its result did not fit)", peak))
    finally:
        sender.close()
